/**
 * Holdout (control group) assignment. A customer's bucket is a pure function of the campaign key
 * and the customer id: SHA-256 over UTF-8 (NFC-normalized) `campaignKey + "\u001f" + customerId`, the first 6 bytes
 * read as an unsigned big-endian integer, modulo 10,000. The same customer therefore lands in the
 * same bucket for the same campaign on every run and every machine, and a different campaign key
 * reshuffles the control group. A customer is held out when bucket < percent × 100, so 10 %
 * withholds buckets 0..999 (steps of 0.01 %). Raising the percentage only adds customers to the
 * control group; nobody already in it leaves.
 */
import { createHash } from 'node:crypto';

export const HOLDOUT_BUCKETS = 10000;
const SEPARATOR = '\u001f';

/** Bucket in [0, 10000) of a customer for a campaign. */
export function holdoutBucket(campaignKey: string, customerId: string): number {
	// NFC: the same accented ID typed or exported differently (composed / decomposed) hashes the same.
	const text = `${campaignKey}${SEPARATOR}${customerId}`.normalize('NFC');
	const digest = createHash('sha256').update(text, 'utf8').digest();
	// 48 bits: 2^48 mod 10000 is tiny next to 2^48, so the modulo bias is below 1e-11.
	return digest.readUIntBE(0, 6) % HOLDOUT_BUCKETS;
}

/** Clamps a percentage to [0, 100] and turns it into the bucket threshold (2 decimals kept). */
export function holdoutThreshold(percent: number): number {
	if (!Number.isFinite(percent) || percent <= 0) return 0;
	if (percent >= 100) return HOLDOUT_BUCKETS;
	return Math.round(percent * 100);
}

export function isHeldOut(campaignKey: string, customerId: string, percent: number): { holdout: boolean; bucket: number } {
	const bucket = holdoutBucket(campaignKey, customerId);
	return { holdout: bucket < holdoutThreshold(percent), bucket };
}
