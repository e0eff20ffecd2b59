/**
 * Date parsing shared by every node. Accepted (and documented in README "Dates"):
 * - ISO 8601 strings ("2024-03-05", "2024-03-05T10:00:00Z", "2024-03-05 10:00:00+02:00");
 *   a date-time without an offset is read as UTC so results never depend on the server's zone.
 * - `YYYYMMDD` as a number or string (19970101), when it is a real calendar date in 1900..2199.
 * - Epoch seconds or milliseconds (numbers or digit strings): values above 1e11 are milliseconds.
 * - Date objects.
 * Anything else returns null (the caller reports the item and field).
 */
const DAY_MS = 86400000;
export { DAY_MS };

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Milliseconds of a UTC calendar date, or null when the date does not exist (e.g. Feb 30). */
function ymd(y: number, m: number, d: number): number | null {
	if (m < 1 || m > 12 || d < 1) return null;
	const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
	if (d > (m === 2 && leap ? 29 : MONTH_DAYS[m - 1])) return null;
	// days from civil (proleptic Gregorian), exact integer arithmetic
	const yy = m <= 2 ? y - 1 : y;
	const era = Math.floor(yy / 400);
	const yoe = yy - era * 400;
	const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
	const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
	return (era * 146097 + doe - 719468) * DAY_MS;
}

function fromNumber(n: number): number | null {
	if (!Number.isFinite(n) || n < 0) return null;
	if (Number.isInteger(n) && n >= 19000101 && n <= 21991231) {
		const t = ymd(Math.floor(n / 10000), Math.floor(n / 100) % 100, n % 100);
		if (t !== null) return t;
	}
	return n > 1e11 ? n : n * 1000;
}

const ISO_RE =
	/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

const D0 = 48;
function digits(s: string, from: number, len: number): number {
	let v = 0;
	for (let i = from; i < from + len; i++) {
		const d = s.charCodeAt(i) - D0;
		if (d < 0 || d > 9) return -1;
		v = v * 10 + d;
	}
	return v;
}

/** Fast path for the canonical shapes "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.sss]Z" (what most APIs and exports emit). */
function fastIso(s: string): number | null | undefined {
	const n = s.length;
	if (n !== 10 && n !== 20 && n !== 24) return undefined;
	if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined;
	const y = digits(s, 0, 4);
	const m = digits(s, 5, 2);
	const d = digits(s, 8, 2);
	if (y < 0 || m < 0 || d < 0) return undefined;
	const day = ymd(y, m, d);
	if (day === null) return null;
	if (n === 10) return day;
	if (s.charCodeAt(10) !== 84 || s.charCodeAt(n - 1) !== 90 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
	const h = digits(s, 11, 2);
	const mi = digits(s, 14, 2);
	const sec = digits(s, 17, 2);
	let ms = 0;
	if (n === 24) {
		if (s.charCodeAt(19) !== 46) return undefined;
		ms = digits(s, 20, 3);
	}
	if (h < 0 || mi < 0 || sec < 0 || ms < 0) return undefined;
	if (h > 23 || mi > 59 || sec > 60) return null;
	return day + h * 3600000 + mi * 60000 + sec * 1000 + ms;
}

export function parseDate(value: unknown): number | null {
	if (value === null || value === undefined) return null;
	if (typeof value === 'string') {
		const fast = fastIso(value);
		if (fast !== undefined) return fast;
	}
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
	if (typeof value === 'number') return fromNumber(value);
	if (typeof value !== 'string') return null;
	const s = value.trim();
	if (s === '') return null;
	if (/^\d+(\.\d+)?$/.test(s)) return fromNumber(Number(s));
	const m = ISO_RE.exec(s);
	if (m) {
		const day = ymd(Number(m[1]), Number(m[2]), Number(m[3]));
		if (day === null) return null;
		if (m[4] === undefined) return day;
		const h = Number(m[4]);
		const mi = Number(m[5]);
		const sec = m[6] ? Number(m[6]) : 0;
		if (h > 23 || mi > 59 || sec > 60) return null;
		const ms = m[7] ? Math.round(Number('0.' + m[7]) * 1000) : 0;
		let t = day + h * 3600000 + mi * 60000 + sec * 1000 + ms;
		const tz = m[8];
		if (tz && tz.toUpperCase() !== 'Z') {
			const sign = tz[0] === '-' ? -1 : 1;
			const digits = tz.slice(1).replace(':', '');
			const offH = Number(digits.slice(0, 2));
			const offM = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
			t -= sign * (offH * 60 + offM) * 60000;
		}
		return t;
	}
	// RFC 2822 / other strings with an explicit zone that JS parses unambiguously.
	if (/(GMT|UTC|[+-]\d{4})\b/i.test(s) || /\bZ$/.test(s)) {
		const t = Date.parse(s);
		return Number.isNaN(t) ? null : t;
	}
	return null;
}

export function toIsoDate(ms: number): string {
	return new Date(ms).toISOString();
}
