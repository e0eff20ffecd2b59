import { NodeOperationError, type IDataObject } from 'n8n-workflow';
import { RfmScore } from '../../nodes/RfmScore/RfmScore.node';
import { runNode, toItems } from '../helpers/runNode';

const node = new RfmScore();
const orders: IDataObject[] = [
	{ customer_id: 'A', order_id: '1', created_at: '2024-01-01T10:00:00Z', total: '100.00', email: 'a@shop.test', first_name: 'Ann' },
	{ customer_id: 'A', order_id: '2', created_at: '2024-01-20T10:00:00Z', total: 50, email: 'a@shop.test', first_name: 'Ann' },
	{ customer_id: 'B', order_id: '3', created_at: '2024-01-10T10:00:00Z', total: 40, email: 'b@shop.test' },
	{ customer_id: 'C', order_id: '4', created_at: '2024-01-30T10:00:00Z', total: 10, email: 'c@shop.test' },
];

describe('RFM Score node', () => {
	it('emits one item per customer with the rfm group, kept customer fields and pairedItem to its latest order (or every order)', async () => {
		const [out] = await runNode(node, toItems(orders));
		expect(out).toHaveLength(3);
		expect(out[0].json).toEqual({
			customerId: 'A',
			email: 'a@shop.test',
			first_name: 'Ann',
			rfm: {
				recencyDays: 11,
				frequency: 2,
				monetary: 150,
				averageOrderValue: 75,
				r: 3,
				f: 5,
				m: 5,
				cell: '355',
				score: 13,
				segment: 'Loyal Customers',
				lastOrderDate: '2024-01-20T10:00:00.000Z',
				firstOrderDate: '2024-01-01T10:00:00.000Z',
				currency: null,
				referenceDate: '2024-01-31T10:00:00.000Z',
			},
		});
		expect(out[0].pairedItem).toEqual({ item: 1 });
		expect(out[1].pairedItem).toEqual({ item: 2 });
		const [all] = await runNode(node, toItems(orders), { parameters: { options: { pairing: 'all' } } });
		expect(all.map((i) => i.pairedItem)).toEqual([[{ item: 0 }, { item: 1 }], { item: 2 }, { item: 3 }]);
	});

	it('keeps every field of the customer item in customers mode', async () => {
		const customers = [
			{ id: 'x1', email: 'x@shop.test', tags: ['vip'], lastOrderDate: '2024-02-01', ordersCount: 3, totalSpent: 300 },
			{ id: 'x2', email: 'y@shop.test', tags: [], lastOrderDate: '2023-02-01', ordersCount: 1, totalSpent: 30 },
			{ id: 'x3', email: 'z@shop.test', tags: [], lastOrderDate: null, ordersCount: 0, totalSpent: 0 },
		];
		const [out] = await runNode(node, toItems(customers), { parameters: { input: 'customers', options: { withoutOrders: 'keep' } } });
		expect(out.map((i) => (i.json.rfm as IDataObject).segment)).toEqual(['Champions', 'Hibernating', 'No Orders']);
		expect(out[0].json).toMatchObject({ id: 'x1', email: 'x@shop.test', tags: ['vip'], rfm: { frequency: 3, monetary: 300, recencyDays: 1 } });
		expect(out[2].pairedItem).toEqual({ item: 2 });
	});

	it("reports how its segments agree with Shopify's RFM group when the customers carry one", async () => {
		const customers = [
			{ id: 'x1', lastOrderDate: '2024-02-01', ordersCount: 3, totalSpent: 300, shopifyRfmGroup: 'CHAMPIONS' },
			{ id: 'x2', lastOrderDate: '2023-02-01', ordersCount: 1, totalSpent: 30, shopifyRfmGroup: 'AT_RISK' },
			{ id: 'x3', lastOrderDate: null, ordersCount: 0, totalSpent: 0, shopifyRfmGroup: 'PROSPECTS' },
			{ id: 'x4', lastOrderDate: '2023-03-01', ordersCount: 1, totalSpent: 20, shopifyRfmGroup: null },
		];
		const [summary] = await runNode(node, toItems(customers), { parameters: { input: 'customers', output: 'summary', options: { withoutOrders: 'keep' } } });
		expect((summary[0].json.details as IDataObject).shopifyRfmAgreement).toEqual({
			compared: 3,
			agreeing: 2,
			agreement: 0.6667,
			withoutShopifyGroup: 1,
			unknownGroups: [],
			pairs: [
				{ segment: 'Champions', shopifyRfmGroup: 'CHAMPIONS', mappedSegment: 'Champions', customers: 1, agrees: true },
				{ segment: 'Hibernating', shopifyRfmGroup: 'AT_RISK', mappedSegment: 'At Risk', customers: 1, agrees: false },
				{ segment: 'No Orders', shopifyRfmGroup: 'PROSPECTS', mappedSegment: 'No Orders', customers: 1, agrees: true },
			],
		});
		// customers without orders skipped (the default): not compared either
		const [skipped] = await runNode(node, toItems(customers), { parameters: { input: 'customers', output: 'summary' } });
		expect((skipped[0].json.details as IDataObject).shopifyRfmAgreement).toMatchObject({ compared: 2, agreeing: 1, agreement: 0.5, withoutShopifyGroup: 1 });
		// orders carry no Shopify group: no agreement
		const [fromOrders] = await runNode(node, toItems(orders), { parameters: { output: 'summary' } });
		expect((fromOrders[0].json.details as IDataObject).shopifyRfmAgreement).toBeUndefined();
	});

	it('emits the segment summary with bin edges and skip counts', async () => {
		const [out] = await runNode(node, toItems([...orders, { customer_id: '', created_at: '2024-01-01', total: 1 }]), {
			parameters: { output: 'summary', options: { skipInvalid: true } },
		});
		const champions = out.find((i) => i.json.segment === 'Loyal Customers');
		expect(champions?.json).toMatchObject({ customers: 1, share: 0.333333, revenue: 150, revenueShare: 0.75 });
		expect(out[0].json.details).toMatchObject({
			bins: 5,
			skipped: { missingCustomerId: 1 },
			customersScored: 3,
			edges: { frequency: [1, 1, 1.2, 1.6] },
			fields: { customerId: 'customer_id', orderId: 'order_id', date: 'created_at', amount: 'total' },
		});
	});

	it('puts customers and summary on two outputs', async () => {
		const out = await runNode(node, toItems(orders), { parameters: { output: 'both' } });
		expect(out).toHaveLength(2);
		expect(out[0]).toHaveLength(3);
		expect(out[1].reduce((a, i) => a + (i.json.customers as number), 0)).toBe(3);
	});

	it('stops on an invalid item naming the item and field', async () => {
		const bad = [...orders, { customer_id: 'D', created_at: '31/01/2024', total: 5 }];
		await expect(runNode(node, toItems(bad))).rejects.toThrow(
			new NodeOperationError(node as never, 'Item 4: order date field "created_at" is "31/01/2024", not a date (ISO 8601, YYYYMMDD or epoch; for other layouts set Options > Date Format)'),
		);
		try {
			await runNode(node, toItems(bad));
		} catch (e) {
			expect((e as NodeOperationError).context.itemIndex).toBe(4);
		}
	});

	it('reads day-month-year dates with Options > Date Format', async () => {
		const dmy = [
			{ customer_id: 'A', created_at: '31/01/2024', total: 5 },
			{ customer_id: 'B', created_at: '01.02.2024 10:30', total: 7 },
		];
		const [out] = await runNode(node, toItems(dmy), { parameters: { options: { dateFormat: 'dmy' } } });
		expect(out.map((i) => [i.json.customerId, (i.json.rfm as IDataObject).lastOrderDate])).toEqual([
			['A', '2024-01-31T00:00:00.000Z'],
			['B', '2024-02-01T10:30:00.000Z'],
		]);
		await expect(runNode(node, toItems([{ customer_id: 'A', created_at: '20240230', total: 5 }]))).rejects.toThrow(
			'Item 0: order date field "created_at" is "20240230", not a calendar date: 2024-02-30 does not exist (February 2024 has 29 days)',
		);
	});

	it('with continueOnFail, emits error items for invalid rows and scores the rest', async () => {
		const bad = [...orders, { customer_id: 'D', created_at: '2024-01-02', total: 'abc' }];
		const [out] = await runNode(node, toItems(bad), { continueOnFail: true });
		expect(out).toHaveLength(4);
		expect(out[3]).toEqual({
			json: { error: 'Item 4: amount field "total" is "abc", not a number', field: 'total', reason: 'invalidAmount', itemIndex: 4 },
			pairedItem: { item: 4 },
		});
	});

	it('returns nothing for no items', async () => {
		expect(await runNode(node, [])).toEqual([[]]);
		expect(await runNode(node, [], { parameters: { output: 'both' } })).toEqual([[], []]);
	});

	it('reports mixed currencies with the list of currencies', async () => {
		const mixed = [
			{ customer_id: 'A', created_at: '2024-01-01', total: 1, currency: 'USD' },
			{ customer_id: 'B', created_at: '2024-01-01', total: 1, currency: 'EUR' },
		];
		await expect(runNode(node, toItems(mixed))).rejects.toThrow('The orders are in 2 currencies: EUR (1), USD (1)');
		const [out] = await runNode(node, toItems(mixed), { parameters: { options: { keepCurrency: 'EUR' } } });
		expect(out.map((i) => i.json.customerId)).toEqual(['B']);
	});

	it('reads a custom segment map from the UI', async () => {
		const [out] = await runNode(node, toItems(orders), {
			parameters: {
				segmentMap: 'custom',
				bins: 3,
				customSegments: { segment: [{ name: 'Best', rMin: 3, rMax: 3, fMin: 1, fMax: 3, mMin: 3, mMax: 3 }] },
				fallbackSegment: 'Everyone Else',
			},
		});
		expect(out.map((i) => [i.json.customerId, (i.json.rfm as IDataObject).cell, (i.json.rfm as IDataObject).segment])).toEqual([
			['A', '233', 'Everyone Else'],
			['B', '112', 'Everyone Else'],
			['C', '311', 'Everyone Else'],
		]);
		await expect(
			runNode(node, toItems(orders), { parameters: { segmentMap: 'custom', bins: 3, customSegments: { segment: [{ name: 'X', rMin: 1, rMax: 5 }] } } }),
		).rejects.toThrow('Custom segment "X": R range 1–5 does not fit scores 1–3');
	});

	it('is usable as a tool and declares dynamic outputs', () => {
		expect(node.description.usableAsTool).toBe(true);
		expect(node.description.outputs).toContain('$parameter["output"] === "both"');
	});
});
