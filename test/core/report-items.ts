/**
 * Inputs for the Segment Report tests, made by the real upstream nodes (RFM Score, Cluster
 * Customers, Segment Changes, Segment Router) from the CDNOW sample in examples/data (MIT, see the
 * NOTICE there), plus Customer Value and Campaign Send shaped items as their docs define them.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { IDataObject } from 'n8n-workflow';
import { ClusterCustomers } from '../../nodes/ClusterCustomers/ClusterCustomers.node';
import { RfmScore } from '../../nodes/RfmScore/RfmScore.node';
import { SegmentChanges } from '../../nodes/SegmentChanges/SegmentChanges.node';
import { SegmentRouter } from '../../nodes/SegmentRouter/SegmentRouter.node';
import { runNode, toItems } from '../helpers/runNode';

const ROOT = path.resolve(__dirname, '..', '..');

export function cdnowOrders(): IDataObject[] {
	const lines = fs.readFileSync(path.join(ROOT, 'examples/data/cdnow_sample_orders.csv'), 'utf8').trim().split('\n');
	const head = lines[0].split(',');
	return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i], v])));
}

let rfmCache: IDataObject[] | null = null;
/** RFM Score's customers for the CDNOW sample (2,357 customers). */
export async function rfmCustomers(): Promise<IDataObject[]> {
	if (!rfmCache) {
		const [out] = await runNode(new RfmScore(), toItems(cdnowOrders()), { parameters: { input: 'orders', output: 'customers' } });
		rfmCache = out.map((i) => i.json);
	}
	return rfmCache.map((j) => JSON.parse(JSON.stringify(j)));
}

/** RFM customers clustered by Cluster Customers (fixed k). */
export async function clusteredCustomers(k = 4): Promise<IDataObject[]> {
	const [out] = await runNode(new ClusterCustomers(), toItems(await rfmCustomers()), { parameters: { clusterCount: 'fixed', numberOfClusters: k } });
	return out.map((i) => i.json);
}

/** Segment Changes (one output with every change): last run's segments from `previous`, this run = `current`. */
export async function changedCustomers(previous: IDataObject[], current: IDataObject[]): Promise<IDataObject[]> {
	const staticData: IDataObject = {};
	const parameters = { outputMode: 'field', options: { keyMode: 'plain', salt: 'report-test' } };
	await runNode(new SegmentChanges(), toItems(previous), { parameters, staticData });
	const [out] = await runNode(new SegmentChanges(), toItems(current), { parameters, staticData });
	return out.map((i) => i.json);
}

/** Segment Router with the RFM preset and 10 % holdout, Holdout and Suppressed outputs on; every output flattened. */
export async function routedCustomers(customers: IDataObject[]): Promise<IDataObject[]> {
	const outputs = await runNode(new SegmentRouter(), toItems(customers), { parameters: {} });
	return outputs.flat().map((i) => i.json);
}

/** A deterministic stand-in for Customer Value's `clv` group (fields as issue 15 specifies). */
export function withClv(customers: IDataObject[]): IDataObject[] {
	return customers.map((c) => {
		const rfm = c.rfm as IDataObject;
		const alive = Math.round((1 / (1 + Number(rfm.recencyDays) / 200)) * 1e4) / 1e4;
		const expectedOrders = Math.round(alive * Number(rfm.frequency) * 0.8 * 100) / 100;
		const predictedValue = Math.round(expectedOrders * Number(rfm.averageOrderValue) * 100) / 100;
		return { ...c, clv: { predictedValue, probabilityAlive: alive, churnRisk: Math.round((1 - alive) * 1e4) / 1e4, expectedOrders, horizonDays: 365, tier: predictedValue > 100 ? 'Top' : predictedValue > 20 ? 'Middle' : 'Rest' } };
	});
}
