/**
 * Customer Value node: parameters to core to items, on the CDNOW sample and on small hand-made
 * inputs (errors as a user meets them). Values are checked against the independent scipy reference
 * (test/fixtures/clv/cdnow-reference.json); the node rounds probabilities and expected orders to 6
 * decimals and money to 4, so the allowed difference is that rounding plus the 2e-6 relative
 * agreement of the two optimizers (see test/core/clv-cdnow.test.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { NodeOperationError, type IDataObject, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { CustomerValue } from '../../nodes/CustomerValue/CustomerValue.node';
import { RfmScore } from '../../nodes/RfmScore/RfmScore.node';
import { SegmentRouter } from '../../nodes/SegmentRouter/SegmentRouter.node';
import { runNode, toItems } from '../helpers/runNode';

const node = new CustomerValue();
const FIX = path.join(__dirname, '../fixtures');
const ref = JSON.parse(fs.readFileSync(path.join(FIX, 'clv/cdnow-reference.json'), 'utf8'));

/** CDNOW_sample.txt as order items the way a CSV export gives them (strings). */
function cdnowOrders(): IDataObject[] {
	return fs
		.readFileSync(path.join(FIX, 'cdnow/CDNOW_sample.txt'), 'utf8')
		.trim()
		.split(/\r?\n/)
		.map((line, i) => {
			const [customer, , date, cds, dollars] = line.trim().split(/\s+/);
			return { customer_id: customer, order_id: `${customer}-${i}`, date, cds, amount: dollars };
		});
}

function column(scenario: { columns: string[]; customersById: Record<string, unknown[]> }, id: string) {
	return Object.fromEntries(scenario.columns.map((c, i) => [c, scenario.customersById[id][i] as number]));
}

const close = (got: unknown, want: number, roundingHalfUnit: number) =>
	typeof got === 'number' && Math.abs(got - want) <= roundingHalfUnit + 2e-6 * Math.max(1, Math.abs(want));

const clv = (it: INodeExecutionData) => it.json.clv as IDataObject;

async function expectError(run: Promise<unknown>, message: RegExp, extra: Partial<{ itemIndex: number; description: RegExp }> = {}) {
	let caught: unknown;
	try {
		await run;
	} catch (e) {
		caught = e;
	}
	expect(caught).toBeInstanceOf(NodeOperationError);
	const err = caught as NodeOperationError;
	expect(err.message).toMatch(message);
	if (extra.itemIndex !== undefined) expect((err.context as IDataObject).itemIndex).toBe(extra.itemIndex);
	if (extra.description) expect(err.description).toMatch(extra.description);
}

describe('Customer Value node on the CDNOW sample', () => {
	const orders = cdnowOrders();
	let customers: INodeExecutionData[];
	let summary: IDataObject;
	beforeAll(async () => {
		const out = await runNode(node, toItems(orders), { parameters: { calibrationEnd: 'fixed', fixedDate: '1997-09-30T00:00:00' } });
		customers = out[0];
		summary = out[1][0].json;
	});

	test('orders input, calibration through 1997-09-30: one item per customer, paired to its orders', () => {
		expect(customers).toHaveLength(2357);
		const c = customers[0];
		expect(c.json.customerId).toBe('00004');
		expect(c.pairedItem).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		const w = column(ref.paper, '00004');
		const g = clv(c);
		expect(g).toMatchObject({
			repeatPurchases: 2,
			averageSpend: 22.345,
			spendEstimate: 'customer',
			firstPurchaseDate: '1997-01-01T00:00:00.000Z',
			lastPurchaseDate: '1997-08-02T00:00:00.000Z',
			daysFirstToLast: 213,
			ageDays: 272,
			horizonDays: 365,
			calibrationEnd: '1997-09-30T00:00:00.000Z',
			holdoutPurchases: 1,
			currency: null,
		});
		expect(g.expectedHoldoutPurchases).toBeCloseTo(1.226, 3); // the paper's example customer
		expect(close(g.expectedHoldoutPurchases, w.expectedHoldout, 5e-7)).toBe(true);
		expect(close(g.probabilityAlive, w.probabilityAlive, 5e-7)).toBe(true);
		expect(g.churnRisk).toBeCloseTo(1 - (g.probabilityAlive as number), 12);
		expect(close(g.expectedOrders, w.expectedOrders365, 5e-7)).toBe(true);
		expect(close(g.expectedOrderValue, w.expectedSpend, 5e-5)).toBe(true);
		expect(close(g.predictedValue, w.predictedValue365, 5e-5)).toBe(true);
	});

	test('every customer matches the scipy reference', () => {
		for (const c of customers) {
			const id = c.json.customerId as string;
			const w = column(ref.paper, id);
			const g = clv(c);
			expect({
				id,
				alive: close(g.probabilityAlive, w.probabilityAlive, 5e-7),
				orders: close(g.expectedOrders, w.expectedOrders365, 5e-7),
				spend: close(g.expectedOrderValue, w.expectedSpend, 5e-5),
				value: close(g.predictedValue, w.predictedValue365, 5e-5),
				holdout: g.holdoutPurchases === w.holdoutPurchases,
				spendEstimate: g.spendEstimate === (w.x > 0 ? 'customer' : 'population'),
			}).toEqual({ id, alive: true, orders: true, spend: true, value: true, holdout: true, spendEstimate: true });
		}
	});

	test('summary: the paper fit, the holdout check, tiers of 10 / 30 / 60 %', () => {
		expect(summary).toMatchObject({ customers: 2357, repeatCustomers: 946, source: 'fitted', unit: 'weeks', horizonDays: 365, monthlyDiscountRate: 0.01, spendCustomers: 946, warnings: [], skipped: {} });
		const m = summary.model as { unit: string; bgnbd: IDataObject; gammaGamma: IDataObject };
		expect(m.unit).toBe('weeks');
		expect(m.bgnbd.r).toBeCloseTo(0.243, 3);
		expect(m.bgnbd.alpha).toBeCloseTo(4.414, 3);
		expect(m.bgnbd.a).toBeCloseTo(0.793, 3);
		expect(m.bgnbd.b).toBeCloseTo(2.426, 3);
		expect((summary.fit as IDataObject).logLikelihood).toBeCloseTo(-9582.43, 2);
		expect((summary.fit as IDataObject).converged).toBe(true);
		const h = summary.holdout as IDataObject;
		expect(h.days).toBe(273);
		expect(h.actualPurchases).toBe(1882);
		expect(h.expectedPurchases).toBeCloseTo(ref.paper.holdout.expected, 2);
		const tiers = summary.tiers as IDataObject[];
		expect(tiers.map((t) => t.tier)).toEqual(['High', 'Medium', 'Low']);
		expect(tiers.reduce((a, t) => a + (t.customers as number), 0)).toBe(2357);
		// the top 10 % by predicted value (ceil(235.7) = 236), no ties at the cut
		expect(tiers[0].customers).toBe(236);
		const values = customers.map((c) => clv(c).predictedValue as number).sort((a, b) => b - a);
		expect(tiers[0].minPredictedValue).toBe(values[235]);
		for (const c of customers) {
			const g = clv(c);
			const tier = (g.predictedValue as number) >= (tiers[0].minPredictedValue as number) ? 'High' : (g.predictedValue as number) >= (tiers[1].minPredictedValue as number) ? 'Medium' : 'Low';
			expect(g.tier).toBe(tier);
			expect(g.segment).toBe(`${tier} Value${(g.churnRisk as number) >= 0.5 ? ' At Risk' : ''}`);
			expect(g.atRisk).toBe((g.churnRisk as number) >= 0.5);
		}
		expect((summary.fields as IDataObject).customerId).toBe('customer_id');
	});

	test('fixed parameters (the summary\'s model) score the same values without fitting, in any unit', async () => {
		const model = summary.model as { unit: string; bgnbd: IDataObject; gammaGamma: IDataObject };
		const inDays = { unit: 'days', bgnbd: { ...model.bgnbd, alpha: (model.bgnbd.alpha as number) * 7 }, gammaGamma: model.gammaGamma };
		const [again, sum] = await runNode(node, toItems(orders), {
			parameters: { calibrationEnd: 'fixed', fixedDate: '1997-09-30', model: 'fixed', fixedParameters: JSON.stringify(inDays), minRepeatCustomers: 100000 },
		});
		expect(sum[0].json.source).toBe('fixed');
		expect((sum[0].json.fit as IDataObject).iterations).toBeNull();
		expect((sum[0].json.fit as IDataObject).logLikelihood).toBeCloseTo(-9582.43, 2);
		expect((sum[0].json.model as IDataObject).unit).toBe('weeks');
		for (let k = 0; k < customers.length; k += 97) {
			expect(clv(again[k]).probabilityAlive).toBeCloseTo(clv(customers[k]).probabilityAlive as number, 6);
			expect(clv(again[k]).predictedValue).toBeCloseTo(clv(customers[k]).predictedValue as number, 4);
		}
		// the summary item itself, as an object (what an expression reading it hands over)
		const [viaObject] = await runNode(node, toItems(orders.slice(0, 50)), { parameters: { model: 'fixed', fixedParameters: summary as unknown as string } });
		expect(viaObject.length).toBeGreaterThan(0);
	});
});

describe('Customer Value after RFM Score (customers input, the example workflow)', () => {
	test('reads the rfm fields on its own and matches the reference for every customer', async () => {
		const [rfm] = await runNode(new RfmScore(), toItems(cdnowOrders()));
		const [out, sum] = await runNode(node, rfm, { parameters: { input: 'customers', timeUnit: 'days' } });
		const s = sum[0].json;
		expect(s.fields).toMatchObject({ customerId: 'customerId', firstOrderDate: 'rfm.firstOrderDate', lastOrderDate: 'rfm.lastOrderDate', ordersCount: 'rfm.frequency', totalSpent: 'rfm.monetary' });
		expect(s).toMatchObject({ customers: 2357, repeatCustomers: ref.example.repeatCustomers, calibrationEnd: '1998-07-01T00:00:00.000Z', unit: 'days', holdout: null, customersWithoutOrders: 0 });
		expect(out).toHaveLength(2357);
		for (const c of out) {
			const id = c.json.customerId as string;
			const w = column(ref.example, id);
			const g = clv(c);
			expect(c.json.rfm).toBeDefined(); // every field of the incoming item is kept
			expect({ id, x: g.repeatPurchases, tx: g.daysFirstToLast, T: g.ageDays }).toEqual({ id, x: w.x, tx: w.tx, T: w.T });
			expect({
				id,
				alive: close(g.probabilityAlive, w.probabilityAlive, 5e-7),
				orders: close(g.expectedOrders, w.expectedOrders, 5e-7),
				spend: close(g.expectedOrderValue, w.expectedSpend, 5e-5),
				value: close(g.predictedValue, w.predictedValue, 5e-5),
			}).toEqual({ id, alive: true, orders: true, spend: true, value: true });
		}
	});

	test('Segment Router routes "High Value At Risk" from clv.segment without any change to the router', async () => {
		const [rfm] = await runNode(new RfmScore(), toItems(cdnowOrders()));
		const [out] = await runNode(node, rfm, { parameters: { input: 'customers' } });
		const expected = out.filter((c) => clv(c).segment === 'High Value At Risk').map((c) => c.json.customerId);
		expect(expected.length).toBeGreaterThan(0);
		const routed = await runNode(new SegmentRouter(), out, {
			parameters: {
				segmentsFrom: 'custom',
				segmentField: 'clv.segment',
				rules: { rule: [{ name: 'High Value At Risk', matchBy: 'segmentIs' }] },
				holdoutPercent: 0,
				suppressOptedOut: false,
			},
		});
		expect(routed[0].map((c) => c.json.customerId)).toEqual(expected);
	});
});

describe('Customer Value node: parameters', () => {
	test('Field Mapping and the reading options are RFM Score\'s (same fields, guesses, statuses), plus the first order date', () => {
		const byName = (props: INodeProperties[], name: string) => props.find((p) => p.name === name) as INodeProperties;
		const names = (p: INodeProperties) => ((p.options ?? []) as INodeProperties[]).map((o) => o.name).sort();
		const ours = node.description.properties;
		const rfm = new RfmScore().description.properties;
		expect(names(byName(ours, 'fieldMapping'))).toEqual([...names(byName(rfm, 'fieldMapping')), 'firstOrderDate'].sort());
		const options = (byName(ours, 'options').options ?? []) as INodeProperties[];
		for (const name of ['excludedStatuses', 'refundedStatuses', 'keepCurrency', 'keepLatestOrderFields', 'skipInvalid'])
			expect(options.find((o) => o.name === name)).toEqual(((byName(rfm, 'options').options ?? []) as INodeProperties[]).find((o) => o.name === name));
		expect(options.map((o) => o.displayName)).toEqual([...options.map((o) => o.displayName)].sort((u, w) => u.localeCompare(w)));
		expect(byName(ours, 'customerFields')).toEqual(byName(rfm, 'customerFields'));
	});
});

describe('Customer Value node: rules and errors on small inputs', () => {
	/** n customers buying every 10 days, `repeat` of them more than once; one currency. */
	function shop(n: number, repeat: number, extra: (i: number) => IDataObject = () => ({})): IDataObject[] {
		const rows: IDataObject[] = [];
		for (let i = 0; i < n; i++) {
			const purchases = i < repeat ? 2 + (i % 4) : 1;
			for (let j = 0; j < purchases; j++)
				rows.push({ customer_id: `c${i}`, order_id: `c${i}-${j}`, created_at: `2024-0${1 + ((i + 3 * j) % 9)}-${String(1 + ((i * 7 + j * 11) % 28)).padStart(2, '0')}`, total: 20 + ((i * 13 + j * 5) % 60), ...extra(i) });
		}
		return rows;
	}

	test('empty input gives two empty outputs', async () => {
		expect(await runNode(node, [])).toEqual([[], []]);
	});

	test('fewer repeat customers than the minimum stops with a clear error', async () => {
		await expectError(runNode(node, toItems(shop(30, 5))), /Only 5 of 30 customers bought again on a later day before the calibration end; fitting the model needs at least 100/, {
			description: /fixed parameters/,
		});
		const [out] = await runNode(node, toItems(shop(30, 5)), { parameters: { minRepeatCustomers: 5 } });
		expect(out).toHaveLength(30);
	});

	test('Date Format: day-month-year dates give the same model as ISO dates; automatic refuses the ambiguous layout', async () => {
		const iso = shop(40, 20);
		const dmy = iso.map((r) => {
			const [y, m, d] = String(r.created_at).split('-');
			return { ...r, created_at: `${d}/${m}/${y}` };
		});
		const [want] = await runNode(node, toItems(iso), { parameters: { minRepeatCustomers: 10 } });
		const [got] = await runNode(node, toItems(dmy), { parameters: { minRepeatCustomers: 10, options: { dateFormat: 'dmy' } } });
		expect(got.map(clv)).toEqual(want.map(clv));
		expect(clv(got[0]).daysFirstToLast).toBe(clv(want[0]).daysFirstToLast);
		await expectError(runNode(node, toItems(dmy), { parameters: { minRepeatCustomers: 10 } }), /date/i);
	});

	test('same-day orders are one purchase: their amounts add up, the first day is not a repeat', async () => {
		const rows = [
			...shop(40, 20),
			{ customer_id: 'z', order_id: 'z1', created_at: '2024-03-01T09:00:00Z', total: 10 },
			{ customer_id: 'z', order_id: 'z2', created_at: '2024-03-01T18:00:00Z', total: 15 },
			{ customer_id: 'z', order_id: 'z3', created_at: '2024-04-01T08:00:00Z', total: 30 },
			{ customer_id: 'z', order_id: 'z4', created_at: '2024-04-01T20:00:00Z', total: 12 },
		];
		const [out] = await runNode(node, toItems(rows), { parameters: { minRepeatCustomers: 10 } });
		const z = out.find((c) => c.json.customerId === 'z') as INodeExecutionData;
		expect(clv(z)).toMatchObject({ repeatPurchases: 1, averageSpend: 42, daysFirstToLast: 31 });
		expect(z.pairedItem).toEqual([{ item: rows.length - 4 }, { item: rows.length - 3 }, { item: rows.length - 2 }, { item: rows.length - 1 }]);
	});

	test('refund lines lower the spend of their order; cancelled orders are left out and counted', async () => {
		const rows = [
			...shop(40, 20, () => ({ status: 'paid' })),
			{ customer_id: 'r', order_id: 'r1', created_at: '2024-02-01', total: 50 },
			{ customer_id: 'r', order_id: 'r2', created_at: '2024-03-01', total: 80 },
			{ customer_id: 'r', order_id: 'r3', created_at: '2024-04-01', total: 40 },
			{ customer_id: 'r', order_id: 'r2', created_at: '2024-05-01', total: -30 },
			{ customer_id: 'r', order_id: 'r4', created_at: '2024-05-02', total: 999, status: 'cancelled' },
		];
		const [out, sum] = await runNode(node, toItems(rows), { parameters: { minRepeatCustomers: 10 } });
		const r = clv(out.find((c) => c.json.customerId === 'r') as INodeExecutionData);
		expect(r).toMatchObject({ repeatPurchases: 2, averageSpend: 45, lastPurchaseDate: '2024-04-01T00:00:00.000Z' }); // (80 - 30 + 40) / 2
		expect((sum[0].json.skipped as IDataObject).excludedStatus).toBe(1);
	});

	test('an unreadable date names the item and field; Skip Invalid Items counts it instead', async () => {
		const rows = shop(40, 20);
		rows[3] = { ...rows[3], created_at: '2024-02-30' };
		await expectError(runNode(node, toItems(rows), { parameters: { minRepeatCustomers: 10 } }), /Item 3: order date field "created_at" is "2024-02-30", not a (calendar )?date/, { itemIndex: 3 });
		const [, sum] = await runNode(node, toItems(rows), { parameters: { minRepeatCustomers: 10, options: { skipInvalid: true } } });
		expect((sum[0].json.skipped as IDataObject).invalidDate).toBe(1);
		const [withErrors] = await runNode(node, toItems(rows), { parameters: { minRepeatCustomers: 10 }, continueOnFail: true });
		expect(withErrors[withErrors.length - 1].json).toMatchObject({ field: 'created_at', reason: 'invalidDate', itemIndex: 3 });
	});

	test('mixed currencies stop the node with the list; Currency to Keep keeps one and counts the others', async () => {
		const rows = shop(40, 20, (i) => ({ currency: i === 7 ? 'EUR' : 'usd' }));
		await expectError(runNode(node, toItems(rows), { parameters: { minRepeatCustomers: 10 } }), /The orders are in 2 currencies: USD \(\d+\), EUR \(\d+\)/);
		const [out, sum] = await runNode(node, toItems(rows), { parameters: { minRepeatCustomers: 10, options: { keepCurrency: 'USD' } } });
		expect(out).toHaveLength(39);
		expect(clv(out[0]).currency).toBe('USD');
		expect((sum[0].json.skipped as IDataObject).otherCurrency).toBeGreaterThan(0);
	});

	test('a customer id "__proto__" is a customer like any other', async () => {
		const rows = shop(40, 20, (i) => (i === 0 ? { customer_id: '__proto__' } : {}));
		const [out] = await runNode(node, toItems(rows), { parameters: { minRepeatCustomers: 10 } });
		expect(out[0].json.customerId).toBe('__proto__');
		expect(clv(out[0]).repeatPurchases).toBe(1);
	});

	test('Calibration End "Today" counts ages up to today (UTC), a fake clock standing in for the date', async () => {
		jest.useFakeTimers({ now: Date.UTC(2024, 11, 1, 15, 30), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
		try {
			const rows = shop(40, 20);
			const [out, sum] = await runNode(node, toItems(rows), { parameters: { minRepeatCustomers: 10, calibrationEnd: 'now' } });
			expect(sum[0].json.calibrationEnd).toBe('2024-12-01T00:00:00.000Z');
			const first = Date.parse(clv(out[0]).firstPurchaseDate as string);
			expect(clv(out[0]).ageDays).toBe((Date.UTC(2024, 11, 1) - first) / 86400000);
		} finally {
			jest.useRealTimers();
		}
	});

	test('a fixed calibration end keeps later orders for the holdout and leaves later customers out', async () => {
		const rows = [...shop(40, 20), { customer_id: 'late', order_id: 'l1', created_at: '2024-10-05', total: 10 }];
		const [out, sum] = await runNode(node, toItems(rows), { parameters: { minRepeatCustomers: 5, calibrationEnd: 'fixed', fixedDate: '2024-06-30' } });
		expect(out.find((c) => c.json.customerId === 'late')).toBeUndefined();
		expect((sum[0].json.skipped as IDataObject).firstOrderAfterCalibrationEnd).toBeGreaterThanOrEqual(1);
		const h = sum[0].json.holdout as IDataObject;
		expect(h.days).toBe(97); // 2024-06-30 -> 2024-10-05, the latest order
		expect(h.actualPurchases).toBe(out.reduce((a, c) => a + (clv(c).holdoutPurchases as number), 0));
	});

	describe('customers input', () => {
		const customers = (): IDataObject[] =>
			Array.from({ length: 30 }, (_, i) => ({
				id: `k${i}`,
				email: `k${i}@shop.test`,
				first_order_date: `2023-0${1 + (i % 9)}-01`,
				last_order_date: i % 3 === 0 ? `2023-0${1 + (i % 9)}-01` : `2024-0${1 + (i % 9)}-15`,
				orders_count: i % 3 === 0 ? 1 : 2 + (i % 5),
				total_spent: `${100 + i}.50`,
			}));

		test('x = min(orders - 1, days between first and last order); spend = total / orders', async () => {
			const rows = customers();
			rows.push({ id: 'same-day', first_order_date: '2024-01-05', last_order_date: '2024-01-05', orders_count: 3, total_spent: 90 });
			rows.push({ id: 'two-days', first_order_date: '2024-01-05', last_order_date: '2024-01-06', orders_count: 4, total_spent: 100 });
			rows.push({ id: 'never', first_order_date: null, last_order_date: null, orders_count: 0, total_spent: 0 });
			const [out, sum] = await runNode(node, toItems(rows), { parameters: { input: 'customers', minRepeatCustomers: 10 } });
			const byId = new Map(out.map((c) => [c.json.id, c]));
			expect(clv(byId.get('same-day') as INodeExecutionData)).toMatchObject({ repeatPurchases: 0, averageSpend: null, spendEstimate: 'population' });
			expect(clv(byId.get('two-days') as INodeExecutionData)).toMatchObject({ repeatPurchases: 1, averageSpend: 25, daysFirstToLast: 1 });
			expect(clv(byId.get('k1') as INodeExecutionData)).toMatchObject({ repeatPurchases: 2, averageSpend: 33.8333 });
			expect(byId.get('k1')?.json.email).toBe('k1@shop.test');
			expect(clv(byId.get('never') as INodeExecutionData)).toMatchObject({ tier: 'No Orders', segment: 'No Orders', probabilityAlive: null });
			expect(sum[0].json.customersWithoutOrders).toBe(1);
			expect(sum[0].json.calibrationEnd).toBe('2024-09-16T00:00:00.000Z');
		});

		test('a missing first order date field, dates in the wrong order, one order on two dates: clear errors', async () => {
			const noFirst = customers().map(({ first_order_date: _f, ...rest }) => rest);
			await expectError(runNode(node, toItems(noFirst), { parameters: { input: 'customers' } }), /Could not find the first order date field/);
			const swapped = customers();
			swapped[4] = { ...swapped[4], first_order_date: '2024-12-01' };
			await expectError(runNode(node, toItems(swapped), { parameters: { input: 'customers', minRepeatCustomers: 10 } }), /Item 4: last order date 2024-05-15 \("last_order_date"\) is before the first order date 2024-12-01 \("first_order_date"\)/, { itemIndex: 4 });
			const oneOrder = customers();
			oneOrder[6] = { ...oneOrder[6], last_order_date: '2024-02-02' };
			await expectError(runNode(node, toItems(oneOrder), { parameters: { input: 'customers', minRepeatCustomers: 10 } }), /Item 6: order count is 1 \("orders_count"\) but the first \(2023-07-01\) and last \(2024-02-02\) order dates differ/);
			const [, sum] = await runNode(node, toItems(oneOrder), { parameters: { input: 'customers', minRepeatCustomers: 10, options: { skipInvalid: true } } });
			expect((sum[0].json.skipped as IDataObject).inconsistentDates).toBe(1);
		});

		test('a fixed calibration end before a customer\'s last order is an error naming it (customers cannot be split)', async () => {
			await expectError(
				runNode(node, toItems(customers()), { parameters: { input: 'customers', minRepeatCustomers: 10, calibrationEnd: 'fixed', fixedDate: '2024-06-01' } }),
				/Item 5: last order date 2024-06-15 \("last_order_date"\) is after the calibration end 2024-06-01/,
				{ itemIndex: 5 },
			);
		});
	});

	test('Fixed Parameters: bad JSON, a missing unit or a non-positive value are clear errors', async () => {
		const items = toItems(shop(10, 5));
		const run = (fixedParameters: unknown) => runNode(node, items, { parameters: { model: 'fixed', fixedParameters: fixedParameters as IDataObject } });
		await expectError(run('{ "unit": "weeks", '), /Fixed Parameters is not valid JSON/);
		await expectError(run(''), /Fixed Parameters is empty/, { description: /Paste the "model" field/ });
		await expectError(run({ bgnbd: { r: 1, alpha: 1, a: 1, b: 1 }, gammaGamma: { p: 1, q: 2, v: 1 } }), /"unit" must be "days" or "weeks"/);
		await expectError(run({ unit: 'days', bgnbd: { r: 1, alpha: 0, a: 1, b: 1 }, gammaGamma: { p: 1, q: 2, v: 1 } }), /"bgnbd.alpha" must be a number above 0 \(got 0\)/);
		await expectError(run({ unit: 'days', bgnbd: { r: 1, alpha: 1, a: 1, b: 1 } }), /"gammaGamma" \(p, q, v\) is missing/);
		const [out, sum] = await run({ unit: 'days', bgnbd: { r: 0.5, alpha: 20, a: 0.8, b: 2.5 }, gammaGamma: { p: 6, q: 4, v: 15 } });
		expect(out).toHaveLength(10);
		expect(sum[0].json.source).toBe('fixed');
	});
});
