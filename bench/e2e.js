#!/usr/bin/env node
/**
 * End to end in a real n8n: the weekly playbook of a shop, from its orders export to the messages.
 *
 *   Webhook → Read Orders File → Fetch Customers (CSV) → RFM Score (customers) →
 *   Cluster Customers (k = 4) → Segment Router (7 playbook segments, 10 % holdout) →
 *   Campaign Send (Local Outbox)
 *
 * at 100k, 300k, 1M and 5M synthetic orders (bench/lib/synth.js, seed 42), each run in a fresh
 * `n8n start` (bench/lib/n8nRun.js: triggered by its webhook, results read from n8n's database),
 * with the same job done by pandas + scikit-learn (bench/e2e_pandas.py) in the same run, one after
 * the other. Recorded: wall time, peak resident memory of the n8n process and its children
 * (sampled every 200 ms, and the sum of their VmHWM), CPU seconds, time and items per node, the
 * size of the saved run data, the machine's load average; pandas' wall and peak memory; ratios.
 *
 * Modes: `table` (default): Fetch Customers emits the customers as one binary table that RFM
 * Score, Cluster Customers and Segment Router pass on, the Router makes items of the customers to
 * contact (docs/LARGE_RUNS.md); `tables`: the Router passes each playbook segment on as a table
 * (Items From a Customer Table: One Customer Table per Output) and Campaign Send answers with one
 * table of every customer's outcome: no item per customer anywhere; `items`: one n8n item per
 * customer all along.
 *
 * Saving the run data: `saved` keeps n8n's default (every item of the run written to its database at
 * the end; per-node item counts come from there), `unsaved` is the setting docs/LARGE_RUNS.md
 * recommends for big runs (EXECUTIONS_DATA_SAVE_ON_SUCCESS=none). Node times come from n8n's event
 * log in both.
 *
 * Rounds: n8n and pandas alternate (n8n first in odd rounds, pandas first in even ones); the
 * result holds every round with the load average before it, and the medians; ratios are of the
 * medians. Per node in a saved run: items and the bytes of their json, pairedItem and binary
 * references (bench/lib/n8nRun.js savedSizes).
 *
 * Usage: npm run build && node bench/e2e.js [sizes=100000,300000,1000000,5000000] [modes=table] [saving=unsaved,saved] [n8n heap MB=4096] [rounds=1]
 * Results: bench/results/e2e.json (merged by size, mode, saving and heap limit), figures in docs/BENCHMARKS.md.
 */
'use strict';
const { execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { generateOrders, writeExportCsv } = require('./lib/synth');
const { ensurePython, peerVersions } = require('./lib/python');
const { runN8n } = require('./lib/n8nRun');

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(__dirname, '.data');
const sizes = (process.argv[2] || '100000,300000,1000000,5000000').split(',').map(Number);
const modes = (process.argv[3] || 'table').split(',');
const savings = (process.argv[4] || 'unsaved,saved').split(',');
const HEAP_MB = Number(process.argv[5] || 4096);
const ROUNDS = Math.max(1, Number(process.argv[6] || 1));

/** Segment -> campaign: the segments this shop contacts this week (the others are left alone). */
const PLAYBOOK = {
  Champions: 'VIP Early Access',
  'Loyal Customers': 'Double Points Week',
  'Potential Loyalists': 'Join the Club',
  'New Customers': 'Welcome Series',
  'At Risk': 'Win-Back 15%',
  "Can't Lose Them": 'Win-Back 25%',
  Hibernating: 'Last Chance',
};
const SEGMENTS = ['Champions', 'Loyal Customers', 'Potential Loyalists', 'New Customers', 'Promising', 'Need Attention', 'About To Sleep', 'At Risk', "Can't Lose Them", 'Hibernating'];

function node(name, type, position, parameters, extra = {}) {
  return { id: crypto.randomUUID(), name, type, typeVersion: 1, position: [position * 220, 0], parameters, ...extra };
}

function workflow(csvFile, outboxDir, mode, n) {
  const id = `bench${mode}${n}`.slice(0, 16);
  const nodes = [
    node('Webhook', 'n8n-nodes-base.webhook', 0, { httpMethod: 'POST', path: `bench-${id}`, responseMode: 'onReceived', options: {} }, { typeVersion: 2, webhookId: crypto.randomUUID() }),
    node('Read Orders File', 'n8n-nodes-base.readWriteFile', 1, { fileSelector: csvFile, options: {} }),
    node('Fetch Customers', 'n8n-nodes-microsegments.fetchCustomers', 2, { source: 'csv', output: 'customers', options: mode === 'items' ? {} : { outputFormat: 'table' } }),
    node('RFM Score', 'n8n-nodes-microsegments.rfmScore', 3, { input: 'customers', options: {} }),
    node('Cluster Customers', 'n8n-nodes-microsegments.clusterCustomers', 4, { features: 'rfm', scaling: 'zscore', clusterCount: 'fixed', numberOfClusters: 4, output: 'customers', options: {} }),
    node('Segment Router', 'n8n-nodes-microsegments.segmentRouter', 5, {
      segmentsFrom: 'rfm',
      holdoutPercent: 10,
      playbooks: { playbook: Object.entries(PLAYBOOK).map(([segment, campaign]) => ({ segment, campaign, channel: 'email', useDefaultHoldout: true })) },
      options: mode === 'tables' ? { tableItems: 'tables' } : {},
    }),
    node('Campaign Send', 'n8n-nodes-microsegments.campaignSend', 6, { provider: 'outbox', outboxDirectory: outboxDir, campaignKey: '', runKey: 'bench', options: {} }),
  ];
  const main = (to) => [[{ node: to, type: 'main', index: 0 }]];
  const connections = {
    Webhook: { main: main('Read Orders File') },
    'Read Orders File': { main: main('Fetch Customers') },
    'Fetch Customers': { main: main('RFM Score') },
    'RFM Score': { main: main('Cluster Customers') },
    'Cluster Customers': { main: main('Segment Router') },
    // the Router's outputs in segment order: only the playbook segments go to Campaign Send
    'Segment Router': { main: SEGMENTS.map((s) => (PLAYBOOK[s] ? [{ node: 'Campaign Send', type: 'main', index: 0 }] : [])) },
  };
  return { id, name: `Bench ${mode} ${n}`, nodes, connections, settings: { executionOrder: 'v1' }, webhookPath: `bench-${id}` };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function countLines(dir) {
  let lines = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('.jsonl') || f.includes('pandas')) continue;
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
  }
  return lines;
}

/** Settings a big run needs (docs/LARGE_RUNS.md). */
const N8N_ENV = {
  N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
  EXECUTIONS_TIMEOUT: '-1',
};

async function benchN8n(n, mode, csv, saving) {
  const outbox = fs.mkdtempSync(path.join(DATA, `outbox-${mode}-${n}-`));
  const wf = workflow(csv, outbox, mode, n);
  const run = await runN8n({ workflow: wf, webhookPath: wf.webhookPath, env: N8N_ENV, save: saving === 'saved', allowedPaths: [DATA], maxOldSpaceMb: HEAP_MB, log: () => {} });
  const sent = countLines(outbox);
  fs.rmSync(outbox, { recursive: true, force: true });
  const summary = run.resultData ? segmentCounts(run.resultData) : {};
  if (!process.env.BENCH_KEEP) fs.rmSync(run.userFolder, { recursive: true, force: true });
  return { status: run.status, error: run.error, wall_s: run.wallMs / 1000, execution_s: run.executionMs / 1000, peak_rss_mb: run.peakRssMb, peak_during: run.peakDuring, vmhwm_mb: run.hwmMb, idle_rss_mb: run.idleRssMb, cpu_s: run.cpuS, load: run.load, saved_run_data_mb: +(run.savedBytes / 1048576).toFixed(1), nodes: run.nodes, sent, segments: summary, rss_timeline_mb: run.timeline.filter((_, i) => i % 5 === 0) };
}

/** Segment sizes from RFM Score's output (table mode: its summary item; items mode: the customers). */
function segmentCounts(resultData) {
  const runs = resultData.runData['RFM Score'];
  if (!runs) return {};
  const items = (runs[0].data.main[0] || []).map((i) => i.json);
  const counts = {};
  if (items.length && items[0].table) for (const s of items[0].segments || []) counts[s.segment] = s.customers;
  else for (const j of items) if (j.rfm) counts[j.rfm.segment] = (counts[j.rfm.segment] || 0) + 1;
  return Object.fromEntries(Object.entries(counts).filter(([, v]) => v > 0));
}

function benchPandas(py, csv) {
  const outbox = fs.mkdtempSync(path.join(DATA, 'outbox-pandas-'));
  const out = execFileSync(py, [path.join(__dirname, 'e2e_pandas.py'), csv, outbox, JSON.stringify(PLAYBOOK)], { maxBuffer: 1 << 26, env: { ...process.env, OMP_NUM_THREADS: '2' } });
  fs.rmSync(outbox, { recursive: true, force: true });
  return JSON.parse(out.toString().trim().split('\n').pop());
}

/** Merges the results so far into bench/results/e2e.json (written after every run). */
function save(py, results) {
  const file = path.join(__dirname, 'results', 'e2e.json');
  const old = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).results || [] : [];
  // one result per size, mode, saving and n8n heap limit (the newest run wins)
  const key = (r) => `${r.orders}:${r.mode}:${r.saving}:${r.n8n_heap_mb || ''}`;
  const merged = [...old.filter((r) => r.saving && r.n8n_heap_mb && !results.some((x) => key(x) === key(r))), ...results].sort(
    (a, b) => a.orders - b.orders || (a.mode < b.mode ? -1 : a.mode > b.mode ? 1 : a.saving < b.saving ? -1 : a.saving > b.saving ? 1 : a.n8n_heap_mb - b.n8n_heap_mb),
  );
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, n8n: '1.123.0', cpus: os.cpus().length, n8nEnv: N8N_ENV, peers: peerVersions(py), playbook: PLAYBOOK, results: merged }, null, 2) + '\n');
}

async function main() {
  const py = ensurePython();
  const results = [];
  for (const n of sizes) {
    const csv = path.join(DATA, `export-${n}.csv`);
    if (!fs.existsSync(csv)) writeExportCsv(generateOrders(n, 42), csv);
    for (const mode of modes) for (const saving of savings) {
      const rounds = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const load = os.loadavg()[0];
        let nn;
        let pd;
        if (round % 2) {
          nn = await benchN8n(n, mode, csv, saving);
          pd = benchPandas(py, csv);
        } else {
          pd = benchPandas(py, csv);
          nn = await benchN8n(n, mode, csv, saving);
        }
        rounds.push({ round, load_before: load, n8n: nn, pandas: pd });
        console.log(`  round ${round}: n8n ${nn.status} ${nn.wall_s.toFixed(1)} s, peak ${nn.peak_rss_mb} MB during ${nn.peak_during} | pandas ${pd.wall_s.toFixed(1)} s, ${Math.round(pd.peak_rss_mb)} MB | load ${load.toFixed(1)}→${nn.load.end.toFixed(1)}`);
      }
      // the round whose n8n wall is the median stands for the run; figures are medians of the rounds
      const byWall = [...rounds].sort((a, b) => a.n8n.wall_s - b.n8n.wall_s);
      const nn = byWall[(byWall.length - 1) >> 1].n8n;
      const pd = rounds[(rounds.length - 1) >> 1].pandas;
      const med = {
        n8n_wall_s: median(rounds.map((r) => r.n8n.wall_s)),
        n8n_peak_rss_mb: median(rounds.map((r) => r.n8n.peak_rss_mb)),
        n8n_max_peak_rss_mb: Math.max(...rounds.map((r) => r.n8n.peak_rss_mb)),
        pandas_wall_s: median(rounds.map((r) => r.pandas.wall_s)),
        pandas_peak_rss_mb: median(rounds.map((r) => r.pandas.peak_rss_mb)),
        load: median(rounds.map((r) => r.load_before)),
      };
      const sameSegments = saving === 'saved' ? JSON.stringify(Object.entries(nn.segments).sort()) === JSON.stringify(Object.entries(pd.segments).sort()) : null;
      const r = {
        orders: n,
        mode,
        saving,
        n8n_heap_mb: HEAP_MB,
        date: new Date().toISOString(),
        same_recipients_count_as_pandas: rounds.every((x) => x.n8n.sent === x.pandas.sent),
        file_mb: +(fs.statSync(csv).size / 1048576).toFixed(1),
        n8n: nn,
        pandas: pd,
        medians: med,
        ratio_wall: med.n8n_wall_s / med.pandas_wall_s,
        ratio_memory: med.n8n_peak_rss_mb / med.pandas_peak_rss_mb,
        same_segments_as_pandas: sameSegments,
        load_before: rounds[0].load_before,
        rounds: rounds.map((x) => ({
          round: x.round,
          order: x.round % 2 ? 'n8n, pandas' : 'pandas, n8n',
          load_before: x.load_before,
          n8n: { status: x.n8n.status, wall_s: x.n8n.wall_s, peak_rss_mb: x.n8n.peak_rss_mb, peak_during: x.n8n.peak_during, cpu_s: x.n8n.cpu_s, load: x.n8n.load, saved_run_data_mb: x.n8n.saved_run_data_mb, sent: x.n8n.sent },
          pandas: { wall_s: x.pandas.wall_s, peak_rss_mb: x.pandas.peak_rss_mb, sent: x.pandas.sent },
        })),
      };
      results.push(r);
      save(py, results);
      const per = Object.entries(nn.nodes)
        .map(([k, v]) => `${k} ${(v.ms / 1000).toFixed(2)} s${v.items !== undefined ? `/${v.items}` : ''}${v.saved ? ` (${((v.saved.json_bytes + v.saved.paired_bytes + v.saved.binary_bytes) / 1048576).toFixed(1)} MB)` : ''}`)
        .join(', ');
      console.log(
        `${n} orders [${mode}, ${saving}, ${ROUNDS} round(s), medians]: n8n ${med.n8n_wall_s.toFixed(1)} s, peak ${med.n8n_peak_rss_mb} MB (max ${med.n8n_max_peak_rss_mb}), saved ${nn.saved_run_data_mb} MB, sent ${nn.sent} | pandas ${med.pandas_wall_s.toFixed(1)} s, ${Math.round(med.pandas_peak_rss_mb)} MB, sent ${pd.sent}` +
          ` | ratio time ${r.ratio_wall.toFixed(2)} memory ${r.ratio_memory.toFixed(2)} | same segments ${sameSegments} | load ${med.load.toFixed(1)}\n   ${per}${nn.error ? `\n   error: ${nn.error}` : ''}`,
      );
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
