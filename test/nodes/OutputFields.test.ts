/**
 * "Output Fields: Flat Columns" on RFM Score, Cluster Customers and Customer Value (one core
 * function, nodes/core/output/flat.ts): prefixed columns instead of the nested group, and a
 * summary item with a few top-level fields and the rest under "details". The default (nested)
 * is unchanged.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { ClusterCustomers } from '../../nodes/ClusterCustomers/ClusterCustomers.node';
import { CustomerValue } from '../../nodes/CustomerValue/CustomerValue.node';
import { RfmScore } from '../../nodes/RfmScore/RfmScore.node';
import { runNode, toItems } from '../helpers/runNode';
import { cdnowOrders } from '../core/report-items';

const orders: IDataObject[] = [
	{ customer_id: 'A', order_id: '1', created_at: '2024-01-01T10:00:00Z', total: '100.00', email: 'a@shop.test' },
	{ customer_id: 'A', order_id: '2', created_at: '2024-01-20T10:00:00Z', total: 50, email: 'a@shop.test' },
	{ customer_id: 'B', order_id: '3', created_at: '2024-01-10T10:00:00Z', total: 40, email: 'b@shop.test' },
	{ customer_id: 'C', order_id: '4', created_at: '2024-01-30T10:00:00Z', total: 10, email: 'c@shop.test' },
];
const json = (items: INodeExecutionData[]) => items.map((i) => i.json);

describe('Output Fields: Flat Columns', () => {
	it('RFM Score: rfm_* columns equal to the nested group, a compact segment summary', async () => {
		const [nested, nestedSummary] = await runNode(new RfmScore(), toItems(orders), { parameters: { output: 'both', customerFields: 'email' } });
		const [flat, flatSummary] = await runNode(new RfmScore(), toItems(orders), { parameters: { output: 'both', customerFields: 'email', outputFields: 'flat' } });
		expect(flat[0].json).toEqual({
			customerId: 'A',
			email: 'a@shop.test',
			rfm_recency_days: 11,
			rfm_frequency: 2,
			rfm_monetary: 150,
			rfm_average_order_value: 75,
			rfm_r: 3,
			rfm_f: 5,
			rfm_m: 5,
			rfm_cell: '355',
			rfm_score: 13,
			rfm_segment: (nested[0].json.rfm as IDataObject).segment,
			rfm_last_order_date: '2024-01-20T10:00:00.000Z',
			rfm_first_order_date: '2024-01-01T10:00:00.000Z',
			rfm_currency: null,
			rfm_reference_date: '2024-01-31T10:00:00.000Z',
		});
		expect(json(flat).every((j) => !('rfm' in j))).toBe(true);
		expect(flat.map((i) => i.pairedItem)).toEqual(nested.map((i) => i.pairedItem));
		expect(Object.keys(flatSummary[0].json)).toEqual(['segment', 'customers', 'share', 'revenue', 'revenueShare', 'details']);
		const first = nestedSummary[0].json;
		expect(flatSummary[0].json.details).toMatchObject({ meanRecencyDays: first.meanRecencyDays, meanMonetary: first.meanMonetary, customersScored: 3 });
		expect(flatSummary.map((s) => s.json.customers)).toEqual(nestedSummary.map((s) => s.json.customers));
	});

	it('RFM Score: a customer kept without orders gets the same flat columns', async () => {
		const customers = [{ id: 'X', email: 'x@shop.test', orders_count: 0, total_spent: 0 }, { id: 'Y', orders_count: 2, total_spent: 80, last_order_date: '2024-01-10' }];
		const [out] = await runNode(new RfmScore(), toItems(customers), { parameters: { input: 'customers', outputFields: 'flat', options: { withoutOrders: 'keep' } } });
		const kept = out.find((o) => o.json.id === 'X')!.json;
		expect(kept).toMatchObject({ rfm_segment: 'No Orders', rfm_frequency: 0, rfm_r: null });
		expect(Object.keys(kept).filter((k) => k.startsWith('rfm_')).sort()).toEqual(Object.keys(out.find((o) => o.json.id === 'Y')!.json).filter((k) => k.startsWith('rfm_')).sort());
	});

	it('Cluster Customers: cluster_* columns, a compact cluster summary', async () => {
		const [rfm] = await runNode(new RfmScore(), toItems(cdnowOrders()));
		const params = { clusterCount: 'fixed', numberOfClusters: 3, output: 'both' };
		const [nested, nestedSummary] = await runNode(new ClusterCustomers(), rfm, { parameters: params });
		const [flat, flatSummary] = await runNode(new ClusterCustomers(), rfm, { parameters: { ...params, outputFields: 'flat' } });
		expect(flat).toHaveLength(nested.length);
		for (const k of [0, 1, nested.length - 1]) {
			const c = nested[k].json.cluster as IDataObject;
			const { cluster: _c, ...own } = nested[k].json;
			expect(flat[k].json).toMatchObject({ ...own, cluster_index: c.index, cluster_label: c.label, cluster_distance: c.distance });
			expect('cluster' in flat[k].json).toBe(false);
		}
		expect(flatSummary.map((s) => Object.keys(s.json))).toEqual(nestedSummary.map(() => ['label', 'group', 'size', 'share', 'silhouette', 'details']));
		expect(flatSummary.map((s) => s.json.size)).toEqual(nestedSummary.map((s) => s.json.size));
		expect((flatSummary[0].json.details as IDataObject).centroid).toEqual(nestedSummary[0].json.centroid);
	});

	it('Customer Value: clv_* columns, a summary of 7 top-level fields (25 nested)', async () => {
		const params = { calibrationEnd: 'fixed', fixedDate: '1997-09-30T00:00:00' };
		const [nested, [nestedSummary]] = await runNode(new CustomerValue(), toItems(cdnowOrders()), { parameters: params });
		const [flat, [flatSummary]] = await runNode(new CustomerValue(), toItems(cdnowOrders()), { parameters: { ...params, outputFields: 'flat' } });
		const c = nested[0].json.clv as IDataObject;
		expect(flat[0].json).toMatchObject({
			customerId: nested[0].json.customerId,
			clv_predicted_value: c.predictedValue,
			clv_churn_risk: c.churnRisk,
			clv_probability_alive: c.probabilityAlive,
			clv_segment: c.segment,
			clv_tier: c.tier,
		});
		expect(Object.keys(nestedSummary.json).length).toBeGreaterThan(20);
		expect(Object.keys(flatSummary.json)).toEqual(['customers', 'repeatCustomers', 'expectedOrders', 'predictedValue', 'currency', 'horizonDays', 'details']);
		expect(flatSummary.json.predictedValue).toBe(nestedSummary.json.predictedValue);
		expect((flatSummary.json.details as IDataObject).model).toEqual(nestedSummary.json.model);
	});

	it('the option is offered on the three nodes, default nested', () => {
		for (const n of [new RfmScore(), new ClusterCustomers(), new CustomerValue()]) {
			const p = n.description.properties.find((x) => x.name === 'outputFields');
			expect(p).toMatchObject({ type: 'options', default: 'nested' });
			expect(p!.options!.map((o) => (o as { value: string }).value)).toEqual(['nested', 'flat']);
		}
	});
});
