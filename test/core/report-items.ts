/**
 * Inputs for the Segment Report tests, made by the real upstream nodes (RFM Score, Cluster
 * Customers, Customer Value, Segment Changes, Segment Router) from the CDNOW sample in examples/data
 * (MIT, see the NOTICE there), plus Campaign Send shaped items as its docs define them.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { IDataObject } from 'n8n-workflow';
import { ClusterCustomers } from '../../nodes/ClusterCustomers/ClusterCustomers.node';
import { CustomerValue } from '../../nodes/CustomerValue/CustomerValue.node';
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

/**
 * The customers through the real Customer Value node (customers input, model fitted on them, 365
 * days, the parameters of examples/flagship-playbook.json): every customer gets its `clv` group.
 */
export async function valuedCustomers(customers: IDataObject[]): Promise<IDataObject[]> {
	const parameters = { input: 'customers', calibrationEnd: 'dayAfterLatest', horizonDays: 365, monthlyDiscountRate: 1, timeUnit: 'days', model: 'fit', minRepeatCustomers: 100, options: { riskThreshold: 0.5 } };
	const [out] = await runNode(new CustomerValue(), toItems(customers), { parameters });
	return out.map((i) => i.json);
}
