#!/usr/bin/env node
/**
 * Warehouse RFM benchmark (results in bench/results/warehouse.json, summary in docs/BENCHMARKS.md).
 *
 * 1. Embedded engine: 50M synthetic orders of 5M customers in a Parquet file (made once by DuckDB
 *    from a seeded formula, bench/.data/) -> scored customers with Warehouse RFM's core and the
 *    embedded DuckDB, beside pandas and polars on the same file (installed with pip into
 *    bench/.data/venv from the configured index). Modes: one row per order (order id column "-",
 *    the fast path), distinct order ids (the default rule), and reading every scored customer into
 *    JS objects as the node does. Target: scored customers <= 15 s and <= 2 GB.
 * 2. PostgreSQL: 10M orders (1M customers) in a table -> pushdown (Warehouse RFM in PostgreSQL,
 *    customers read into JS) vs pulling the orders into n8n (SELECT * then RFM Score's core):
 *    time, peak memory of the n8n-side process, bytes moved (counted by a loopback TCP proxy).
 * Each measurement runs in its own process (clean peak RSS); rounds alternate the contenders;
 * medians are printed with the machine load.
 * Usage: npm run build && node bench/warehouse.js [--orders=50000000] [--customers=5000000]
 *        [--with-items] (also read all 5M customers into JS: ~7 GB) [--skip-distinct]
 *        [--pg-orders=10000000] [--rounds=2] [--skip-pg] [--skip-peers]
 *        One run alone: node bench/warehouse.js --child embedded <mode> <file.parquet>, mode one of
 *        scored, segment, rows, distinct, distinct-one-pass (the distinct rule in one pass).
 */
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(__dirname, '.data');
const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.split('=')[1] : dflt;
};
const flag = (name) => process.argv.includes(`--${name}`);
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const DIST = path.join(ROOT, 'dist/nodes/core');

// ---------------------------------------------------------------------------------------------
// data

/** Deterministic orders: customer c of row i, day, amount, status from DuckDB's hash of (i, k). */
function ordersSql(n, customers) {
  const u = (k) => `(hash(i, ${k}) % 1000000007)::DOUBLE / 1000000007`;
  return `SELECT 'C' || CAST(CASE WHEN i < ${customers} THEN i ELSE floor(${customers} * pow(${u(1)}, 3)) END AS BIGINT) AS customer_id,
    'O' || i AS order_id,
    TIMESTAMP '2024-01-01 00:00:00' + to_seconds(CAST(hash(i, 5) % 63072000 AS BIGINT)) AS created_at,
    CASE WHEN ${u(4)} < 0.02 AND i >= ${customers} THEN -round(exp(3.8 + 0.7 * sqrt(-2 * ln(${u(2)} + 1e-12)) * cos(2 * pi() * ${u(3)})) * 0.3, 2)
         ELSE round(exp(3.8 + 0.7 * sqrt(-2 * ln(${u(2)} + 1e-12)) * cos(2 * pi() * ${u(3)})), 2) END AS total,
    'USD' AS currency,
    CASE WHEN ${u(4)} >= 0.02 AND ${u(4)} < 0.04 THEN 'cancelled' WHEN ${u(4)} >= 0.04 AND ${u(4)} < 0.05 THEN 'refunded' ELSE 'paid' END AS status
  FROM range(${n}) r(i)`;
}

async function duck() {
  const { DuckDBInstance } = require('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  return db.connect();
}

async function makeParquet(n, customers) {
  const file = path.join(DATA, `orders-${n}-${customers}.parquet`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(DATA, { recursive: true });
  console.log(`making ${file} ...`);
  const con = await duck();
  await con.run(`COPY (${ordersSql(n, customers)}) TO '${file}.tmp' (FORMAT parquet)`);
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

async function makeCsv(n, customers) {
  const file = path.join(DATA, `orders-${n}-${customers}.csv`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(DATA, { recursive: true });
  console.log(`making ${file} ...`);
  const con = await duck();
  await con.run(`COPY (${ordersSql(n, customers)}) TO '${file}.tmp' (FORMAT csv, HEADER false)`);
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

// ---------------------------------------------------------------------------------------------
// children

function spec(source, extra = {}) {
  const { RF_MAP } = require(path.join(DIST, 'rfm/segmentMaps.js'));
  const { DEFAULT_EXCLUDED_STATUSES, DEFAULT_REFUNDED_STATUSES } = require(path.join(DIST, 'rfm/fieldGuesses.js'));
  return {
    source,
    columns: { customerId: 'customer_id', orderId: 'order_id', date: 'created_at', amount: 'total', currency: 'currency', status: 'status', ...(extra.columns || {}) },
    excludedStatuses: DEFAULT_EXCLUDED_STATUSES,
    refundedStatuses: DEFAULT_REFUNDED_STATUSES,
    reference: { kind: 'dayAfterLatest' },
    windowDays: 0,
    bins: 5,
    scoring: 'quantiles',
    nonPositiveMonetary: 'keepAsLowest',
    map: RF_MAP,
    onlySegments: extra.onlySegments,
  };
}

async function readAll(run) {
  const customers = [];
  for await (const page of run.pages()) for (const c of page) customers.push(c);
  return customers;
}

const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
/** CPU seconds of this process, DuckDB's threads included (the machine is shared: CPU time is steadier than wall time). */
const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * Embedded: mode scored (each row an order; stops once the customers are scored), rows (the same,
 * then every customer read into JS), distinct (order ids counted; scored), segment (At Risk only).
 */
async function childEmbedded(mode, file) {
  const { openDuckDb } = require(path.join(DIST, 'warehouse/engines.js'));
  const { runWarehouseRfm } = require(path.join(DIST, 'warehouse/run.js'));
  const t0 = process.hrtime.bigint();
  const session = await openDuckDb({ directories: [path.dirname(file)] });
  // distinct-one-pass: the distinct rule without passes (the comparison for ROWS_PER_PASS)
  const distinct = mode === 'distinct' || mode === 'distinct-one-pass';
  const extra = distinct ? {} : { columns: { orderId: '-' } };
  if (mode === 'segment') extra.onlySegments = ['At Risk'];
  const options = { pageSize: 10000, ...(mode === 'distinct-one-pass' ? { rowsPerPass: Infinity } : {}) };
  const run = await runWarehouseRfm(session, spec({ kind: 'files', format: 'parquet', paths: [file] }, extra), options);
  const scored = Number(process.hrtime.bigint() - t0) / 1e9;
  const scoredCpu = cpuS();
  const scoredRss = rssMb();
  const customers = distinct || mode === 'scored' ? [] : await readAll(run);
  const total = Number(process.hrtime.bigint() - t0) / 1e9;
  await run.close();
  await session.close();
  const seg = Object.fromEntries(run.summary.segments.filter((s) => s.customers).map((s) => [s.segment, s.customers]));
  const passes = run.statements.filter((x) => /^grp( |$)/.test(x.name)).length;
  return { mode, passes, scored_s: scored, scored_cpu_s: scoredCpu, scored_rss_mb: scoredRss, with_items_s: total, with_items_cpu_s: cpuS(), load: os.loadavg()[0], items: customers.length, customers: run.summary.customersScored, segments: seg, peak_rss_mb: rssMb() };
}

/** A loopback proxy in front of PostgreSQL that counts the bytes each way. */
function byteProxy(target) {
  const counts = { toClient: 0, toServer: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    client.on('data', (d) => (counts.toServer += d.length));
    upstream.on('data', (d) => (counts.toClient += d.length));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, counts, close: () => server.close() })));
}

function viaProxy(url, port) {
  const u = new URL(url);
  u.host = `127.0.0.1:${port}`;
  return u.toString();
}

async function childPg(mode, url, table) {
  const u = new URL(url);
  const proxy = await byteProxy({ host: u.hostname, port: Number(u.port || 5432) });
  const proxied = viaProxy(url, proxy.port);
  const t0 = process.hrtime.bigint();
  let customers = 0;
  let items = 0;
  if (mode === 'push') {
    const { openPostgres } = require(path.join(DIST, 'warehouse/engines.js'));
    const { runWarehouseRfm } = require(path.join(DIST, 'warehouse/run.js'));
    const session = await openPostgres({ connectionUrl: proxied });
    const run = await runWarehouseRfm(session, spec({ kind: 'table', table }), { pageSize: 10000 });
    items = (await readAll(run)).length;
    customers = run.summary.customersScored;
    await run.close();
    await session.close();
  } else {
    // what a workflow does without pushdown: n8n's database node returns every order as an item
    // (all rows in memory), then RFM Score scores them
    const { Client } = require('pg');
    const { extractOrders, scoreRfm } = require(path.join(DIST, 'rfm/rfm.js'));
    const { RF_MAP } = require(path.join(DIST, 'rfm/segmentMaps.js'));
    const client = new Client({ connectionString: proxied });
    await client.connect();
    const res = await client.query(`SELECT customer_id, order_id, created_at, total, currency, status FROM ${table}`);
    await client.end();
    const rows = extractOrders(res.rows, {}, { skipInvalid: false });
    const result = scoreRfm(rows, { bins: 5, scoring: 'quantiles', reference: { kind: 'dayAfterLatest' }, nonPositiveMonetary: 'keepAsLowest', map: RF_MAP });
    customers = result.count;
    items = result.customers.length;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  proxy.close();
  return { mode, seconds, cpu_s: cpuS(), load: os.loadavg()[0], customers, items, bytes_to_n8n: proxy.counts.toClient, bytes_to_db: proxy.counts.toServer, peak_rss_mb: rssMb() };
}

// ---------------------------------------------------------------------------------------------
// peers

function python() {
  const venv = path.join(DATA, 'venv');
  const py = path.join(venv, 'bin', 'python');
  if (!fs.existsSync(path.join(venv, '.ready'))) {
    fs.mkdirSync(DATA, { recursive: true });
    console.log('installing pandas, polars, pyarrow, numpy with pip into bench/.data/venv ...');
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(py, ['-m', 'pip', 'install', '--quiet', 'pandas', 'polars', 'pyarrow', 'numpy'], { stdio: 'inherit' });
    fs.writeFileSync(path.join(venv, '.ready'), 'ok\n');
  }
  return py;
}

function peer(py, engine, file) {
  const out = execFileSync(py, [path.join(__dirname, 'warehouse_peers.py'), engine, file], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop());
}

function child(kind, ...args) {
  const res = spawnSync(process.execPath, ['--max-old-space-size=16000', __filename, '--child', kind, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (res.status !== 0) throw new Error(`${kind} ${args.join(' ')} failed:\n${res.stderr.slice(-3000)}`);
  return JSON.parse(res.stdout.trim().split('\n').pop());
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL table

function pgBin(name) {
  const dirs = fs.readdirSync('/usr/lib/postgresql').sort().reverse();
  return path.join('/usr/lib/postgresql', dirs[0], 'bin', name);
}

async function pgTable(url, n, customers) {
  const table = `wrfm_bench_orders_${n}`;
  const psql = (sql, extra = []) => execFileSync(pgBin('psql'), [url, '-v', 'ON_ERROR_STOP=1', '-qtA', ...extra, '-c', sql], { encoding: 'utf8' }).trim();
  const exists = psql(`SELECT count(*) FROM pg_class WHERE relname = '${table}'`) === '1';
  if (exists && psql(`SELECT count(*) FROM ${table}`) === String(n)) return table;
  const csv = await makeCsv(n, customers);
  console.log(`loading ${n} orders into PostgreSQL table ${table} ...`);
  psql(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (customer_id text, order_id text, created_at timestamp, total numeric(12,2), currency text, status text)`);
  execFileSync(pgBin('psql'), [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', `\\copy ${table} FROM '${csv}' WITH (FORMAT csv)`], { stdio: 'inherit' });
  psql(`ALTER TABLE ${table} ADD PRIMARY KEY (order_id); ANALYZE ${table}`);
  return table;
}

function pgUrl() {
  return process.env.MICRO_TEST_PG_URL || execFileSync('bash', [path.join(ROOT, '.ci/postgres.sh')], { encoding: 'utf8' }).trim().split('\n').pop();
}

// ---------------------------------------------------------------------------------------------

const m = (list, key) => (list.length ? median(list.map((x) => x[key])) : null);

/** Medians (of the interleaved rounds), targets and ratios of the embedded measurements. */
function embeddedSummary(runs, { orders, file }) {
  // scoring: the scored runs (and the rows runs, whose scoring is the same work)
  const scored = [...(runs.scored || []), ...runs.rows];
  const has = (list, key) => list.filter((x) => x[key] !== undefined);
  const out = {
    orders,
    customers: scored[0].customers,
    file: path.relative(ROOT, file),
    file_mb: fs.existsSync(file) ? Math.round(fs.statSync(file).size / 2 ** 20) : undefined,
    median: {
      rows_scored_s: m(scored, 'scored_s'),
      rows_scored_cpu_s: m(has(scored, 'scored_cpu_s'), 'scored_cpu_s'),
      rows_scored_rss_mb: m(scored, 'scored_rss_mb'),
      rows_scored_load: m(has(scored, 'load'), 'load'),
      rows_with_all_items_s: m(runs.rows, 'with_items_s'),
      rows_with_all_items_peak_mb: m(runs.rows, 'peak_rss_mb'),
      segment_at_risk_with_items_s: m(runs.segment, 'with_items_s'),
      segment_at_risk_items: runs.segment[0].items,
      segment_at_risk_peak_mb: m(runs.segment, 'peak_rss_mb'),
      distinct_scored_s: m(runs.distinct, 'scored_s'),
      distinct_scored_cpu_s: m(runs.distinct.filter((x) => x.scored_cpu_s !== undefined), 'scored_cpu_s'),
      distinct_peak_mb: m(runs.distinct, 'peak_rss_mb'),
      pandas_total_s: runs.pandas.length ? median(runs.pandas.map((x) => x.load_s + x.compute_s)) : null,
      pandas_cpu_s: m(runs.pandas.filter((x) => x.cpu_s !== undefined), 'cpu_s'),
      pandas_peak_mb: m(runs.pandas, 'peak_rss_mb'),
      polars_total_s: runs.polars.length ? median(runs.polars.map((x) => x.load_s + x.compute_s)) : null,
      polars_cpu_s: m(runs.polars.filter((x) => x.cpu_s !== undefined), 'cpu_s'),
      polars_peak_mb: m(runs.polars, 'peak_rss_mb'),
    },
    segments: { ours: scored[0].segments, pandas: runs.pandas[0] && runs.pandas[0].segments, polars: runs.polars[0] && runs.polars[0].segments },
    runs,
  };
  const same = (a, b) => !a || !b || JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
  out.segments_agree = same(out.segments.ours, out.segments.pandas) && same(out.segments.ours, out.segments.polars);
  const e = out.median;
  out.target = { scored_under_15_s: e.rows_scored_s <= 15, under_2_gb: e.rows_scored_rss_mb <= 2048 };
  if (e.pandas_total_s) out.ratio_vs_pandas = +(e.rows_scored_s / e.pandas_total_s).toFixed(3);
  if (e.polars_total_s) out.ratio_vs_polars = +(e.rows_scored_s / e.polars_total_s).toFixed(3);
  if (e.pandas_cpu_s && e.rows_scored_cpu_s) out.cpu_ratio_vs_pandas = +(e.rows_scored_cpu_s / e.pandas_cpu_s).toFixed(3);
  if (e.polars_cpu_s && e.rows_scored_cpu_s) out.cpu_ratio_vs_polars = +(e.rows_scored_cpu_s / e.polars_cpu_s).toFixed(3);
  return out;
}

function postgresSummary(pg, { orders, table }) {
  return {
    orders,
    table,
    median: {
      push_s: m(pg.push, 'seconds'),
      push_n8n_cpu_s: m(pg.push.filter((x) => x.cpu_s !== undefined), 'cpu_s'),
      push_peak_mb: m(pg.push, 'peak_rss_mb'),
      push_mb_to_n8n: +(m(pg.push, 'bytes_to_n8n') / 2 ** 20).toFixed(1),
      pull_s: m(pg.pull, 'seconds'),
      pull_n8n_cpu_s: m(pg.pull.filter((x) => x.cpu_s !== undefined), 'cpu_s'),
      pull_peak_mb: m(pg.pull, 'peak_rss_mb'),
      pull_mb_to_n8n: +(m(pg.pull, 'bytes_to_n8n') / 2 ** 20).toFixed(1),
    },
    runs: pg,
  };
}

/**
 * Parts skipped in this run (--skip-pg, --skip-distinct, no --with-items) keep the figures of the
 * previous results file, marked `earlier_run`, so a partial re-run does not erase them.
 */
function carryOver(result) {
  const file = path.join(__dirname, 'results', 'warehouse.json');
  if (!fs.existsSync(file)) return;
  const prev = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!result.postgres && prev.postgres) result.postgres = { ...prev.postgres, earlier_run: true };
  const was = (prev.embedded && prev.embedded.median) || {};
  const earlier = {};
  for (const [k, v] of Object.entries(result.embedded.median)) if (v === null && was[k] !== null && was[k] !== undefined) earlier[k] = was[k];
  if (Object.keys(earlier).length) result.embedded.earlier_run = earlier;
}

async function main() {
  const orders = Number(arg('orders', 50000000));
  const customers = Number(arg('customers', 5000000));
  const pgOrders = Number(arg('pg-orders', 10000000));
  const rounds = Number(arg('rounds', 2));
  if (!fs.existsSync(path.join(DIST, 'warehouse/run.js'))) execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.js')], { stdio: 'inherit' });
  const load0 = os.loadavg();
  const result = { machine: { cpus: os.cpus().length, model: os.cpus()[0].model, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, load_before: load0 }, embedded: null, postgres: null };

  const file = await makeParquet(orders, customers);
  const py = flag('skip-peers') ? null : python();
  // reading all 5M customers into JS takes ~7 GB and minutes: only with --with-items
  const modes = ['scored', ...(flag('with-items') ? ['rows'] : []), 'segment', ...(flag('skip-distinct') ? [] : ['distinct'])];
  const runs = { scored: [], rows: [], distinct: [], segment: [], pandas: [], polars: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of modes) {
      const x = child('embedded', mode, file);
      console.log(`round ${r + 1} embedded ${mode}: scored ${x.scored_s.toFixed(2)} s (${x.scored_rss_mb} MB), with ${x.items} items ${x.with_items_s.toFixed(2)} s, peak ${x.peak_rss_mb} MB`);
      runs[mode].push(x);
    }
    if (py)
      for (const engine of ['pandas', 'polars']) {
        const x = peer(py, engine, file);
        console.log(`round ${r + 1} ${engine}: load ${x.load_s.toFixed(2)} s + compute ${x.compute_s.toFixed(2)} s, peak ${Math.round(x.peak_rss_mb)} MB`);
        runs[engine].push(x);
      }
  }
  result.embedded = embeddedSummary(runs, { orders, file });
  if (!flag('skip-pg')) {
    const url = pgUrl();
    const table = await pgTable(url, pgOrders, Math.round(pgOrders / 10));
    const pg = { push: [], pull: [] };
    for (let r = 0; r < rounds; r++)
      for (const mode of ['push', 'pull']) {
        const x = child('pg', mode, url, table);
        console.log(`round ${r + 1} PostgreSQL ${mode}: ${x.seconds.toFixed(2)} s, ${(x.bytes_to_n8n / 2 ** 20).toFixed(1)} MB to n8n, peak ${x.peak_rss_mb} MB, ${x.items} customers`);
        pg[mode].push(x);
      }
    result.postgres = postgresSummary(pg, { orders: pgOrders, table });
  }
  result.machine.load_after = os.loadavg();
  carryOver(result);
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'warehouse.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify({ embedded: result.embedded.median, target: result.embedded.target, postgres: result.postgres && result.postgres.median, load: [load0, result.machine.load_after] }, null, 2));
}

if (process.argv[2] === '--child') {
  const [kind, ...args] = process.argv.slice(3);
  (kind === 'embedded' ? childEmbedded(...args) : childPg(...args)).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (e) => {
      console.error(e.stack || e.message);
      process.exit(1);
    },
  );
} else if (process.argv[2] === '--summarize') {
  // recomputes the summaries of bench/results/warehouse.json from its runs
  const file = path.join(__dirname, 'results', 'warehouse.json');
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  r.embedded = embeddedSummary(r.embedded.runs, { orders: r.embedded.orders, file: path.join(ROOT, r.embedded.file) });
  if (r.postgres) r.postgres = postgresSummary(r.postgres.runs, r.postgres);
  fs.writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
  console.log(JSON.stringify({ embedded: r.embedded.median, postgres: r.postgres && r.postgres.median }, null, 2));
} else
  main().catch((e) => {
    console.error(e.stack || e.message);
    process.exit(1);
  });
