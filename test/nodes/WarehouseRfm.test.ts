/**
 * Warehouse RFM node: parameters to SQL run and items out (embedded engine on a CSV file,
 * PostgreSQL through the credential), n8n's file access check, SQL-only engines, the summary
 * output, errors as a marketer meets them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { NodeOperationError, type IDataObject } from 'n8n-workflow';
import { WarehouseRfm } from '../../nodes/WarehouseRfm/WarehouseRfm.node';
import { RfmScore } from '../../nodes/RfmScore/RfmScore.node';
import { loadDuckDb } from '../../nodes/core/warehouse/engines';
import { runNode, toItems } from '../helpers/runNode';
import { dropPg, loadPg, pgUrl, tableName, tempDir, writeCsv, type OrderRecord } from '../core/warehouse-fixtures';

const ROOT = path.resolve(__dirname, '../..');
const SAMPLE = path.join(ROOT, 'examples/data/cdnow_sample_orders.csv');

/** n8n 2.x's helpers: resolvePath, then isFilePathBlocked against the allowed folders. */
function fileHelpers(allowed: string[]) {
	const checked: string[] = [];
	return {
		checked,
		helpers: {
			resolvePath: async (p: string) => fs.realpathSync(p),
			isFilePathBlocked: (p: string) => {
				checked.push(p);
				return !allowed.some((a) => p === a || p.startsWith(a + path.sep));
			},
		},
	};
}

const node = new WarehouseRfm();

async function rfmScoreOf(rows: IDataObject[]) {
	const [out] = await runNode(new RfmScore(), toItems(rows), { parameters: { customerFields: '' } });
	return out.map((i) => i.json as IDataObject);
}

function parseCsv(file: string): IDataObject[] {
	const [head, ...lines] = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
	const cols = head.split(',');
	return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

describe('Warehouse RFM node, embedded engine', () => {
	it('scores the sample CSV as RFM Score does, one item per customer with the rfm group', async () => {
		const { helpers, checked } = fileHelpers([path.join(ROOT, 'examples')]);
		const [customers] = await runNode(node, toItems([{}]), { parameters: { engine: 'duckdb', filePaths: SAMPLE }, helpers });
		expect(checked).toEqual([path.join(ROOT, 'examples/data')]);
		const expected = await rfmScoreOf(parseCsv(SAMPLE));
		expect(customers).toHaveLength(expected.length);
		expect(customers.length).toBeGreaterThan(100);
		const byId = new Map(customers.map((c) => [c.json.customerId, c.json.rfm as IDataObject]));
		for (const e of expected) {
			const { r, f, m, segment, recencyDays, frequency, monetary, referenceDate } = e.rfm as IDataObject;
			expect({ id: e.customerId, ...byId.get(e.customerId as string) }).toMatchObject({ id: e.customerId, r, f, m, segment, recencyDays, frequency, monetary, referenceDate });
		}
		expect(customers[0].pairedItem).toEqual({ item: 0 });
	});

	it('summary output: one item per segment with edges, counts, columns used and the SQL run', async () => {
		const { helpers } = fileHelpers([path.join(ROOT, 'examples')]);
		const [customers, summary] = await runNode(node, toItems([{}]), {
			parameters: { engine: 'duckdb', filePaths: SAMPLE, output: 'both', onlySegments: 'Champions, At Risk', maxCustomers: 5 },
			helpers,
		});
		expect(customers).toHaveLength(5);
		expect(customers.every((c) => ['Champions', 'At Risk'].includes((c.json.rfm as IDataObject).segment as string))).toBe(true);
		expect(summary.map((s) => s.json.segment)).toEqual(['Hibernating', 'At Risk', "Can't Lose Them", 'About To Sleep', 'Need Attention', 'Loyal Customers', 'Promising', 'New Customers', 'Potential Loyalists', 'Champions']);
		const details = summary[0].json.details as IDataObject;
		expect(details).toMatchObject({ engine: 'duckdb', bins: 5, scoring: 'quantiles', customersReturned: 5, nextCursor: (customers[4].json.customerId as string) });
		expect(details.columns).toMatchObject({ customerId: 'customer_id', orderId: 'order_id', date: 'date', amount: 'amount' });
		const sql = details.sql as { name: string; sql: string }[];
		expect(sql.map((s) => s.name)).toEqual(['grp', 'edges', 'final', 'summary', 'customers']);
		expect(sql[0].sql).toMatch(/^CREATE TEMPORARY TABLE wrfm_grp AS/);
		const total = summary.reduce((a, s) => a + (s.json.customers as number), 0);
		expect(total).toBe(details.customersScored);
	});

	it('continues after the cursor of an earlier run', async () => {
		const { helpers } = fileHelpers([path.join(ROOT, 'examples')]);
		const [all] = await runNode(node, toItems([{}]), { parameters: { engine: 'duckdb', filePaths: SAMPLE }, helpers });
		const ids = all.map((c) => c.json.customerId);
		const [first, s1] = await runNode(node, toItems([{}]), { parameters: { engine: 'duckdb', filePaths: SAMPLE, output: 'both', maxCustomers: 100 }, helpers });
		const cursor = (s1[0].json.details as IDataObject).nextCursor as string;
		const [rest, s2] = await runNode(node, toItems([{}]), { parameters: { engine: 'duckdb', filePaths: SAMPLE, output: 'both', startAfter: cursor }, helpers });
		expect([...first, ...rest].map((c) => c.json.customerId)).toEqual(ids);
		expect((s2[0].json.details as IDataObject).nextCursor).toBeNull();
	});

	it('refuses files outside the folders n8n may read, before opening them', async () => {
		const { helpers } = fileHelpers(['/nowhere']);
		await expect(runNode(node, toItems([{}]), { parameters: { engine: 'duckdb', filePaths: SAMPLE }, helpers })).rejects.toThrow(
			`n8n may not read files in "${path.join(ROOT, 'examples/data')}"`,
		);
		await expect(runNode(node, toItems([{}]), { parameters: { engine: 'duckdb', filePaths: '../secret.csv' }, helpers })).rejects.toThrow(/contains "\.\."/);
		await expect(runNode(node, toItems([{}]), { parameters: { engine: 'duckdb', filePaths: '/data/orders.xlsx' }, helpers })).rejects.toThrow(
			'Could not tell the file format from the extension',
		);
	});

	it('n8n 1.x helpers (isFilePathBlocked takes the path, async) work too', async () => {
		const seen: string[] = [];
		const helpers = { isFilePathBlocked: async (p: string) => (seen.push(p), false) };
		const [customers] = await runNode(node, toItems([{}]), { parameters: { engine: 'duckdb', filePaths: SAMPLE, maxCustomers: 3 }, helpers });
		expect(customers).toHaveLength(3);
		expect(seen).toEqual([path.join(ROOT, 'examples/data')]);
	});

	it('errors name the column and what to do', async () => {
		const dir = tempDir();
		const rows: OrderRecord[] = [
			{ customer_id: 'A', created_at: '2025-01-01', total: 10, currency: 'USD' },
			{ customer_id: 'B', created_at: '2025-01-02', total: 12, currency: 'EUR' },
			{ customer_id: null, created_at: '2025-01-02', total: 12, currency: 'EUR' },
		];
		const file = writeCsv(rows, dir);
		const { helpers } = fileHelpers([dir]);
		const run = (parameters: IDataObject) => runNode(node, toItems([{}]), { parameters: { engine: 'duckdb', filePaths: file, ...parameters }, helpers });
		await expect(run({})).rejects.toThrow('1 row: column "customer_id" is empty');
		await expect(run({ options: { skipInvalid: true } })).rejects.toThrow('The orders are in 2 currencies: EUR (1), USD (1)');
		const [ok] = await run({ options: { skipInvalid: true, keepCurrency: 'eur' } });
		expect(ok.map((c) => [c.json.customerId, (c.json.rfm as IDataObject).currency])).toEqual([['B', 'EUR']]);
		await expect(run({ columns: { amount: 'price' } })).rejects.toThrow('Amount column "price" is not in the orders source');
		await expect(run({ onlySegments: 'Champs' })).rejects.toThrow('Unknown segment: "Champs"');
		const error = await run({ columns: { date: 'currency' } }).catch((e: Error) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toMatch(/^The embedded engine: /);
	});
});

describe('Warehouse RFM node, SQL for BigQuery and Snowflake', () => {
	it('outputs the statements for n8n\'s own database node', async () => {
		const [[item]] = await runNode(node, toItems([{}]), {
			parameters: { engine: 'bigquery', table: 'proj.shop.orders', columns: { customerId: 'customer_id', date: 'created_at', amount: 'total' }, onlySegments: 'At Risk' },
		});
		expect(item.json.dialect).toBe('bigquery');
		expect(item.json.customersSql).toContain('FROM `proj`.`shop`.`orders`');
		expect(item.json.customersSql).toContain("segment IN ('At Risk')");
		expect(item.json.summarySql).toMatch(/LEFT JOIN cells s ON 1 = 1$/);
		const [[snow]] = await runNode(node, toItems([{}]), {
			parameters: { engine: 'snowflake', table: 'SHOP.PUBLIC.ORDERS', columns: { customerId: 'CUSTOMER_ID', date: 'CREATED_AT', amount: 'TOTAL' } },
		});
		expect(snow.json.customersSql).toContain('FROM SHOP.PUBLIC.ORDERS');
		await expect(runNode(node, toItems([{}]), { parameters: { engine: 'snowflake', table: 'ORDERS', columns: { customerId: 'C' } } })).rejects.toThrow(
			'Name the Order Date, Amount column under "Columns"',
		);
	});
});

describe('Warehouse RFM node, PostgreSQL', () => {
	const table = tableName('node');
	const rows: OrderRecord[] = Array.from({ length: 60 }, (_, i) => ({
		customer_id: `P${i % 20}`,
		order_id: `O${i}`,
		created_at: new Date(Date.UTC(2025, 0, 1 + ((i * 7) % 90))).toISOString(),
		total: 10 + (i % 7) * 5,
		currency: 'USD',
		status: i % 11 === 0 ? 'cancelled' : 'paid',
	}));
	beforeAll(() => loadPg(table, rows));
	afterAll(() => dropPg([table]));

	it('scores the table through the credential, with RFM Score\'s result', async () => {
		const [customers, summary] = await runNode(node, toItems([{}]), {
			parameters: { engine: 'postgres', table, output: 'both' },
			credentials: { microPostgresWarehouse: { connectionUrl: pgUrl() } },
		});
		const expected = await rfmScoreOf(rows as unknown as IDataObject[]);
		expect(customers.map((c) => [c.json.customerId, (c.json.rfm as IDataObject).segment])).toEqual(
			expected.map((e) => [e.customerId, (e.rfm as IDataObject).segment]).sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)),
		);
		expect((summary[0].json.details as IDataObject).skipped).toEqual({ excludedStatus: 6 });
	});

	it('a refused login is a PostgreSQL error that does not repeat the password', async () => {
		const bad = pgUrl().replace(/\/\/[^@]+@/, '//no_such_role_x:SeCrEt-pw-123@');
		const error = await runNode(node, toItems([{}]), { parameters: { engine: 'postgres', table }, credentials: { microPostgresWarehouse: { connectionUrl: bad } } }).catch((e: Error) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toMatch(/^PostgreSQL: .*no_such_role_x/);
		expect((error as Error).message).not.toContain('SeCrEt-pw-123');
	});

	it('credential test connects', async () => {
		const ok = await node.methods.credentialTest.microPostgresWarehouseTest.call({} as never, { data: { connectionUrl: pgUrl() } } as never);
		expect(ok).toEqual({ status: 'OK', message: 'Connected' });
	});
});

describe('embedded engine package missing', () => {
	it('says how to install it', () => {
		expect(() =>
			loadDuckDb(() => {
				throw new Error("Cannot find module '@duckdb/node-api'");
			}),
		).toThrow(/The embedded engine needs the optional package @duckdb\/node-api, which is not installed here/);
	});
});
