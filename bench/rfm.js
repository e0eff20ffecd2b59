#!/usr/bin/env node
/**
 * RFM benchmark at 1M and 5M synthetic orders (bench/lib/synth.js, seed 42; ~148k and ~741k
 * customers), two jobs, each against pandas, polars and DuckDB in the same run:
 *
 * 1. memory — RFM Score's rules on orders already in memory: the core (extractOrders + scoreRfm on
 *    the items' json objects) and the RFM Score node's execute(), against pandas / polars / DuckDB
 *    starting from their own in-memory table (loading the CSV is not timed for them).
 * 2. csv — from the orders export on disk to scored customers: Fetch Customers' CSV path
 *    (fetchCsvStream into columns, customers aggregated, extractCustomerColumns + scoreRfm), against
 *    the same job from the same file with each peer (bench/rfm_peers.py), all on the same number of
 *    threads (ours: one; peers: POLARS_MAX_THREADS / SET threads).
 *
 * Every measurement runs in its own child process (clean peak memory) doing RUNS runs; ROUNDS
 * rounds alternate all contestants so that they see the same machine load. Figures: medians and
 * minimums over all runs (a process's first run included: it is what a workflow run meets), the
 * load average, peak RSS, and whether each peer found the same segment counts.
 * The peers are installed by the bench itself (bench/lib/python.js: a venv in bench/.data).
 *
 * Usage: npm run build && node bench/rfm.js [sizes=1000000,5000000] [runs=3] [rounds=2] [jobs=memory,csv] [threads=1]
 */
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ensurePython, peerVersions } = require('./lib/python');

const root = path.resolve(__dirname, '..');
const sizes = (process.argv[2] || '1000000,5000000').split(',').map(Number);
const RUNS = Number(process.argv[3] || 3);
const ROUNDS = Number(process.argv[4] || 2);
const JOBS = (process.argv[5] || 'memory,csv').split(',');
const THREADS = Number(process.argv[6] || 1);
const PEERS = ['pandas', 'polars', 'duckdb'];
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const min = (a) => Math.min(...a);

function child(mode, n, file) {
  const out = execFileSync(process.execPath, ['--max-old-space-size=20000', __filename, '--child', mode, String(n), String(RUNS), file || ''], { cwd: root, maxBuffer: 1 << 26 });
  return JSON.parse(out.toString().trim().split('\n').pop());
}

function peer(py, job, engine, file) {
  const out = execFileSync(py, [path.join(__dirname, 'rfm_peers.py'), job, engine, file, String(RUNS), String(THREADS)], {
    maxBuffer: 1 << 26,
    env: { ...process.env, POLARS_MAX_THREADS: String(THREADS), OMP_NUM_THREADS: String(THREADS), OPENBLAS_NUM_THREADS: String(THREADS) },
  });
  return JSON.parse(out.toString().trim().split('\n').pop());
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const segmentsOf = (res) => Object.fromEntries(res.segments.filter((s) => s.customers).map((s) => [s.segment, s.customers]));
/** Totals over the customers with orders (as the peers print them): a check finer than segment counts. */
function totalsOf(c) {
  let customers = 0;
  let orders = 0;
  let monetary = 0;
  let latest = -Infinity;
  for (let k = 0; k < c.count; k++) if (c.ordersCount[k] > 0 && c.lastOrderTime[k] > latest) latest = c.lastOrderTime[k];
  let recency = 0;
  for (let k = 0; k < c.count; k++) {
    if (!(c.ordersCount[k] > 0)) continue;
    customers++;
    orders += c.ordersCount[k];
    monetary += c.totalSpent[k];
    recency += Math.floor((latest + 86400000 - c.lastOrderTime[k]) / 86400000);
  }
  return { customers, orders, monetary: Math.round(monetary * 100) / 100, recency_days: recency };
}
const sameTotals = (a, b) => !!a && !!b && a.customers === b.customers && a.orders === b.orders && a.recency_days === b.recency_days && Math.abs(a.monetary - b.monetary) <= 0.01;
const RF_OPTIONS = (RF_MAP) => ({ bins: 5, scoring: 'quantiles', reference: { kind: 'dayAfterLatest' }, nonPositiveMonetary: 'keepAsLowest', map: RF_MAP });

async function runChild(mode, n, runs, file) {
  const { extractOrders, extractCustomerColumns, scoreRfm } = require(path.join(root, 'dist/nodes/core/rfm/rfm.js'));
  const { RF_MAP } = require(path.join(root, 'dist/nodes/core/rfm/segmentMaps.js'));
  const times = [];
  const cpu = [];
  let customers = 0;
  let segments = {};
  let totals;
  const timed = async (fn) => {
    const t = process.hrtime.bigint();
    const c0 = cpuNow();
    await fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
    cpu.push(cpuNow() - c0);
  };
  if (mode === 'csv') {
    const { fetchCsvStream } = require(path.join(root, 'dist/nodes/core/sources/csv.js'));
    const size = fs.statSync(file).size;
    for (let i = 0; i < runs; i++)
      await timed(async () => {
        const res = await fetchCsvStream(fs.createReadStream(file, { highWaterMark: 1 << 20 }), { mode: 'customers', totalBytes: size });
        const c = res.customers;
        const rows = extractCustomerColumns(
          { count: c.count, customerId: c.customerId, lastOrderTime: c.lastOrderTime, ordersCount: c.ordersCount, totalSpent: c.totalSpent, currency: c.currency, firstOrderTime: c.firstOrderTime, uniqueIds: true, names: { customerId: 'customerId', lastOrderDate: 'lastOrderDate', ordersCount: 'ordersCount', totalSpent: 'totalSpent', currency: 'currency', firstOrderDate: 'firstOrderDate' } },
          { skipInvalid: false },
        );
        const r = scoreRfm(rows, RF_OPTIONS(RF_MAP));
        customers = r.count;
        segments = segmentsOf(r);
        totals = totalsOf(c);
      });
  } else {
    const { generateOrders, rowsOf } = require('./lib/synth');
    const records = rowsOf(generateOrders(n, 42));
    if (mode === 'core') {
      for (let i = 0; i < runs; i++)
        await timed(() => {
          const r = scoreRfm(extractOrders(records, {}, { skipInvalid: false }), RF_OPTIONS(RF_MAP));
          customers = r.count;
          segments = segmentsOf(r);
        });
    } else {
      const { RfmScore } = require(path.join(root, 'dist/nodes/RfmScore/RfmScore.node.js'));
      const node = new RfmScore();
      const items = records.map((json, i) => ({ json, pairedItem: { item: i } }));
      const params = { input: 'orders', fieldMapping: {}, options: {}, bins: 5, scoring: 'quantiles', referenceDate: 'dayAfterLatest', segmentMap: 'rf', output: 'customers', customerFields: 'email', windowDays: 0 };
      const ctx = {
        getInputData: () => items,
        getNodeParameter: (name, _i, fb) => (params[name] !== undefined ? params[name] : fb),
        getNode: () => ({ name: 'RFM Score', type: 'n8n-nodes-microsegments.rfmScore', typeVersion: 1, parameters: params }),
        continueOnFail: () => false,
        helpers: {},
      };
      for (let i = 0; i < runs; i++)
        await timed(async () => {
          const [out] = await node.execute.call(ctx);
          customers = out.length;
        });
    }
  }
  console.log(JSON.stringify({ runs_s: times, cpu_s: cpu, customers, segments, totals, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }));
}

function collect() {
  return { runs_s: [], cpu_s: [], peak_rss_mb: 0 };
}
function add(into, r) {
  into.runs_s.push(...r.runs_s);
  into.cpu_s.push(...r.cpu_s);
  into.peak_rss_mb = Math.max(into.peak_rss_mb, r.peak_rss_mb);
  into.customers = r.customers;
  into.segments = r.segments;
  into.totals = r.totals;
}
const sameSegments = (a, b) => JSON.stringify(Object.entries(a || {}).sort()) === JSON.stringify(Object.entries(b || {}).sort());
const figures = (x) => ({ median_s: median(x.runs_s), min_s: min(x.runs_s), cpu_s: median(x.cpu_s), peak_rss_mb: Math.round(x.peak_rss_mb), runs_s: x.runs_s });

async function main() {
  if (process.argv[2] === '--child') return runChild(process.argv[3], Number(process.argv[4]), Number(process.argv[5]), process.argv[6]);
  if (!fs.existsSync(path.join(root, 'dist/nodes/core/rfm/rfm.js'))) throw new Error('run `npm run build` first');
  const py = ensurePython();
  const { generateOrders, writeCsv, writeExportCsv } = require('./lib/synth');
  const results = [];
  for (const n of sizes) {
    const msCsv = path.join(__dirname, '.data', `orders-${n}.csv`);
    const exportCsv = path.join(__dirname, '.data', `export-${n}.csv`);
    if (JOBS.includes('memory') && !fs.existsSync(msCsv)) writeCsv(generateOrders(n, 42), msCsv);
    if (JOBS.includes('csv') && !fs.existsSync(exportCsv)) writeExportCsv(generateOrders(n, 42), exportCsv);
    const loads = [];
    for (const job of JOBS) {
      const ours = job === 'memory' ? { core: collect(), node: collect() } : { csv: collect() };
      const peers = Object.fromEntries(PEERS.map((p) => [p, collect()]));
      for (let round = 0; round < ROUNDS; round++) {
        loads.push(os.loadavg()[0]);
        if (job === 'memory') {
          add(ours.core, child('core', n));
          add(ours.node, child('node', n));
        } else add(ours.csv, child('csv', n, exportCsv));
        for (const p of PEERS) add(peers[p], peer(py, job, p, job === 'memory' ? msCsv : exportCsv));
      }
      const mine = job === 'memory' ? ours.core : ours.csv;
      const r = { orders: n, job, threads: THREADS, date: new Date().toISOString(), customers: mine.customers, totals: mine.totals, load_average: { min: Math.min(...loads), max: Math.max(...loads) }, runs: RUNS * ROUNDS };
      for (const [k, v] of Object.entries(ours)) r[k] = figures(v);
      for (const p of PEERS) {
        r[p] = { ...figures(peers[p]), same_segments: sameSegments(mine.segments, peers[p].segments) };
        if (job === 'csv') r[p].same_totals = sameTotals(mine.totals, peers[p].totals);
        r[`ratio_vs_${p}`] = { median: median(mine.runs_s) / median(peers[p].runs_s), min: min(mine.runs_s) / min(peers[p].runs_s) };
      }
      results.push(r);
      const label = job === 'memory' ? 'core' : 'CSV path';
      console.log(
        `${n} orders, ${job} (${THREADS} thread): ${label} ${r[job === 'memory' ? 'core' : 'csv'].median_s.toFixed(2)} s` +
          (job === 'memory' ? `, node execute ${r.node.median_s.toFixed(2)} s` : '') +
          PEERS.map((p) => ` | ${p} ${r[p].median_s.toFixed(2)} s (ratio ${r[`ratio_vs_${p}`].median.toFixed(2)}, min ${r[`ratio_vs_${p}`].min.toFixed(2)}, same segments ${r[p].same_segments}${job === 'csv' ? `, same totals ${r[p].same_totals}` : ''})`).join('') +
          ` | load ${r.load_average.min.toFixed(1)}-${r.load_average.max.toFixed(1)}`,
      );
    }
  }
  const file = path.join(__dirname, 'results', 'rfm.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // merged with earlier results: one per size, job and thread count (the newest run wins)
  const key = (r) => `${r.orders}:${r.job}:${r.threads}`;
  const old = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).results || [] : [];
  const merged = [...old.filter((r) => !results.some((x) => key(x) === key(r))), ...results].sort((a, b) => a.orders - b.orders || (a.job < b.job ? -1 : a.job > b.job ? 1 : a.threads - b.threads));
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, peers: peerVersions(py), results: merged }, null, 2) + '\n');
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
