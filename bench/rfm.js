#!/usr/bin/env node
/**
 * RFM benchmark: 1M and 5M synthetic orders (bench/lib/synth.js, seed 42; ~148k and ~741k
 * customers) through the core (extractOrders + scoreRfm on the item json objects), through the
 * RFM Score node's execute(), and through pandas (python3-pandas) on the same data, in one run.
 * Each measurement runs in its own child process (clean peak memory) doing RUNS runs; ROUNDS rounds
 * alternate core, node and pandas so that all three see the same machine load; figures are medians
 * over all runs (the first run of each process included: it is what a workflow run meets).
 * Usage: npm run build && node bench/rfm.js [sizes=1000000,5000000] [runs=3] [rounds=2]
 */
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const sizes = (process.argv[2] || '1000000,5000000').split(',').map(Number);
const RUNS = Number(process.argv[3] || 3);
const ROUNDS = Number(process.argv[4] || 2);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

function child(mode, n) {
  const out = execFileSync(process.execPath, ['--max-old-space-size=20000', __filename, '--child', mode, String(n), String(RUNS)], {
    cwd: root,
    maxBuffer: 1 << 26,
  });
  return JSON.parse(out.toString().trim().split('\n').pop());
}

async function runChild(mode, n, runs) {
  const { generateOrders, rowsOf } = require('./lib/synth');
  const set = generateOrders(n, 42);
  const records = rowsOf(set);
  const times = [];
  const cpu = [];
  const cpuNow = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  let customers = 0;
  let segments = {};
  if (mode === 'core') {
    const { extractOrders, scoreRfm } = require(path.join(root, 'dist/nodes/core/rfm/rfm.js'));
    const { RF_MAP } = require(path.join(root, 'dist/nodes/core/rfm/segmentMaps.js'));
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      const c0 = cpuNow();
      const rows = extractOrders(records, {}, { skipInvalid: false });
      const res = scoreRfm(rows, { bins: 5, scoring: 'quantiles', reference: { kind: 'dayAfterLatest' }, nonPositiveMonetary: 'keepAsLowest', map: RF_MAP });
      times.push(Number(process.hrtime.bigint() - t) / 1e9);
      cpu.push(cpuNow() - c0);
      customers = res.customers.length;
      segments = Object.fromEntries(res.segments.filter((s) => s.customers).map((s) => [s.segment, s.customers]));
    }
  } else {
    const { RfmScore } = require(path.join(root, 'dist/nodes/RfmScore/RfmScore.node.js'));
    const node = new RfmScore();
    const items = records.map((json, i) => ({ json, pairedItem: { item: i } }));
    const params = { input: 'orders', fieldMapping: {}, options: {}, bins: 5, scoring: 'quantiles', referenceDate: 'dayAfterLatest', segmentMap: 'rf', output: 'customers', customerFields: 'email', windowDays: 0 };
    const ctx = {
      getInputData: () => items,
      getNodeParameter: (name, _i, fb) => (params[name] !== undefined ? params[name] : fb),
      getNode: () => ({ name: 'RFM Score', type: 'CUSTOM.rfmScore', typeVersion: 1, parameters: params }),
      continueOnFail: () => false,
      helpers: {},
    };
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      const c0 = cpuNow();
      const [out] = await node.execute.call(ctx);
      times.push(Number(process.hrtime.bigint() - t) / 1e9);
      cpu.push(cpuNow() - c0);
      customers = out.length;
    }
  }
  const peak = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ runs_s: times, cpu_s: cpu, customers, segments, peak_rss_mb: peak }));
}

async function main() {
  if (process.argv[2] === '--child') return runChild(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
  if (!fs.existsSync(path.join(root, 'dist/nodes/core/rfm/rfm.js'))) throw new Error('run `npm run build` first');
  const { generateOrders, writeCsv } = require('./lib/synth');
  const results = [];
  for (const n of sizes) {
    const csv = path.join(__dirname, '.data', `orders-${n}.csv`);
    if (!fs.existsSync(csv)) writeCsv(generateOrders(n, 42), csv);
    const core = { runs_s: [], cpu_s: [], peak_rss_mb: 0 };
    const nodeRun = { runs_s: [], cpu_s: [], peak_rss_mb: 0 };
    const py = { runs_s: [], cpu_s: [], peak_rss_mb: 0 };
    const add = (into, r) => {
      into.runs_s.push(...r.runs_s);
      into.cpu_s.push(...r.cpu_s);
      into.peak_rss_mb = Math.max(into.peak_rss_mb, r.peak_rss_mb);
      into.customers = r.customers;
      into.segments = r.segments;
    };
    for (let round = 0; round < ROUNDS; round++) {
      add(core, child('core', n));
      add(nodeRun, child('node', n));
      add(py, JSON.parse(execFileSync('/usr/bin/python3', [path.join(__dirname, 'rfm_pandas.py'), csv, String(RUNS)], { maxBuffer: 1 << 26 }).toString()));
    }
    const sameSegments = JSON.stringify(Object.entries(core.segments).sort()) === JSON.stringify(Object.entries(py.segments).sort());
    const r = {
      orders: n,
      customers: core.customers,
      core_s: median(core.runs_s),
      node_execute_s: median(nodeRun.runs_s),
      pandas_s: median(py.runs_s),
      ratio_core_vs_pandas: median(core.runs_s) / median(py.runs_s),
      ratio_node_vs_pandas: median(nodeRun.runs_s) / median(py.runs_s),
      cpu_s: { core: median(core.cpu_s), node: median(nodeRun.cpu_s), pandas: median(py.cpu_s) },
      cpu_ratio_core_vs_pandas: median(core.cpu_s) / median(py.cpu_s),
      load_average: require('os').loadavg()[0],
      peak_rss_mb: { core: Math.round(core.peak_rss_mb), node: Math.round(nodeRun.peak_rss_mb), pandas: Math.round(py.peak_rss_mb) },
      same_segment_counts_as_pandas: sameSegments,
      runs: RUNS * ROUNDS,
      runs_s: { core: core.runs_s, node: nodeRun.runs_s, pandas: py.runs_s },
    };
    results.push(r);
    console.log(
      `${(n / 1e6).toFixed(0)}M orders / ${r.customers} customers: core ${r.core_s.toFixed(2)} s, node execute ${r.node_execute_s.toFixed(2)} s, pandas ${r.pandas_s.toFixed(2)} s` +
        ` | core/pandas ${r.ratio_core_vs_pandas.toFixed(2)} (CPU time ${r.cpu_ratio_core_vs_pandas.toFixed(2)}), node/pandas ${r.ratio_node_vs_pandas.toFixed(2)}` +
        ` | peak RSS MB core ${r.peak_rss_mb.core}, node ${r.peak_rss_mb.node}, pandas ${r.peak_rss_mb.pandas} | same segments: ${sameSegments}`,
    );
  }
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'rfm.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: require('os').cpus().length, results }, null, 2) + '\n');
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
