#!/usr/bin/env node
'use strict';
/**
 * Fetch Customers benchmark: 100k customers / 1M orders from the Shopify and WooCommerce mocks.
 *
 * For each scenario (Shopify customers, Shopify orders, WooCommerce orders, WooCommerce customers
 * built from orders) the client runs in its own process (bench/fetch-run.js) against a mock
 * process; wall time, requests and peak memory are the median of RUNS runs. The reference is raw
 * paging over the same mock (fetch + JSON.parse, no normalization, no aggregation), so the ratio
 * is the client's own overhead.
 *
 * The Shopify mock gets an unlimited cost bucket so the figure is the client's speed; the time a
 * real store would need under Shopify's cost limits (100 points/s standard, 1000 Plus) is
 * computed from the pages' query cost and printed beside it. The bulk-export scenarios (what the
 * node does by default for more than one page) are not paced by that limit; the mock takes 1 s to
 * prepare the file, a real shop takes longer for large exports.
 *
 *   node bench/fetch.js            (RUNS=3 CUSTOMERS=100000 ORDERS=1000000 by default)
 *   RUNS=1 CUSTOMERS=10000 ORDERS=100000 node bench/fetch.js     (quick)
 * Writes bench/results/fetch.json.
 */
const fs = require('fs');
const path = require('path');
const os = require('os');
const { spawn } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const REGISTER = path.join(__dirname, 'fetch-ts-register.js');
const RUNS = Number(process.env.RUNS || 3);
const CUSTOMERS = Number(process.env.CUSTOMERS || 100000);
const ORDERS = Number(process.env.ORDERS || 1000000);

function startMock(name, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=4096', '-r', REGISTER, path.join(ROOT, 'test', 'mocks', `${name}.ts`), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ ...JSON.parse(out.split('\n')[0]), child });
    });
    child.once('exit', (code) => reject(new Error(`${name} mock exited with ${code}`)));
  });
}

/** Transpiles the core once to bench/.data/fetch-js (the measured process then loads plain JS). */
const LIB = path.join(__dirname, '.data', 'fetch-js');
function transpileCore() {
  const ts = require('typescript');
  const walk = (dir) => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts')) {
        const src = fs.readFileSync(path.join(ROOT, rel), 'utf8');
        const { outputText } = ts.transpileModule(src, { fileName: rel, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, esModuleInterop: true } });
        const out = path.join(LIB, rel.replace(/\.ts$/, '.js'));
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, outputText);
      }
    }
  };
  fs.rmSync(LIB, { recursive: true, force: true });
  walk('nodes/core');
}

function runOnce(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=4096', path.join(__dirname, 'fetch-run.js'), '--lib', LIB, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`fetch-run exited with ${code}`))));
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function scenario(name, source, mode, url, extra = {}, method = 'pages') {
  const client = [];
  const base = [];
  for (let r = 0; r < RUNS; r++) {
    base.push(await runOnce(['--source', source, '--mode', mode, '--url', url, '--baseline']));
    client.push(await runOnce(['--source', source, '--mode', mode, '--url', url, '--method', method]));
    process.stderr.write(`  ${name} run ${r + 1}/${RUNS}: client ${client[r].wallMs} ms, ${client[r].peakRssMB} MB; raw paging ${base[r].wallMs} ms\n`);
  }
  const c = client[0];
  const out = {
    scenario: name,
    records: c.records,
    read: c.read,
    requests: c.requests,
    pages: c.pages,
    retries: c.retries,
    skipped: c.skipped,
    wallMs: median(client.map((x) => x.wallMs)),
    wallMsRuns: client.map((x) => x.wallMs),
    recordsPerSecond: Math.round(c.read / (median(client.map((x) => x.wallMs)) / 1000)),
    peakRssMB: median(client.map((x) => x.peakRssMB)),
    reference: { what: 'raw paging over the same mock (fetch + JSON.parse only)', wallMs: median(base.map((x) => x.wallMs)), requests: base[0].requests, peakRssMB: median(base.map((x) => x.peakRssMB)) },
    ...extra,
  };
  out.ratioToReference = Number((out.wallMs / out.reference.wallMs).toFixed(2));
  return out;
}

async function main() {
  const started = Date.now();
  process.stderr.write(`fetch bench: ${CUSTOMERS} customers / ${ORDERS} orders, ${RUNS} run(s) each, ${os.cpus().length} CPUs\n`);
  transpileCore();
  const idle = await runOnce(['--idle']);
  const results = [];
  const shopify = await startMock('shopify', ['--customers', String(CUSTOMERS), '--orders', String(ORDERS), '--seed', '7', '--max-available', '1000000000', '--restore-rate', '1000000000', '--bulk-delay', '1000']);
  try {
    // query cost per page: 2 + 250 x (1 + objects per node); Shopify plans restore 100 (standard) / 1000 (Plus) points a second
    const costCustomers = 2 + 250 * 6;
    const costOrders = 2 + 250 * 4;
    const projected = (pages, cost) => ({ standardPlanHours: Number(((pages * cost) / 100 / 3600).toFixed(2)), plusPlanHours: Number(((pages * cost) / 1000 / 3600).toFixed(2)) });
    const sc = await scenario('shopify customers', 'shopify', 'customers', shopify.url);
    sc.shopifyCostLimitedProjection = projected(sc.pages, costCustomers);
    results.push(sc);
    const so = await scenario('shopify orders', 'shopify', 'orders', shopify.url);
    so.shopifyCostLimitedProjection = projected(so.pages, costOrders);
    results.push(so);
    // bulk exports are not paced by the cost limit: the mock prepares the file (1 s here) like Shopify does
    results.push(await scenario('shopify customers (bulk export)', 'shopify', 'customers', shopify.url, {}, 'bulk'));
    results.push(await scenario('shopify orders (bulk export)', 'shopify', 'orders', shopify.url, {}, 'bulk'));
  } finally {
    shopify.child.kill('SIGTERM');
  }
  const woo = await startMock('woocommerce', ['--customers', String(CUSTOMERS), '--orders', String(ORDERS), '--seed', '7', '--guest-share', '0.08']);
  try {
    results.push(await scenario('woocommerce orders', 'woocommerce', 'orders', woo.url));
    results.push(await scenario('woocommerce customers (built from orders)', 'woocommerce', 'customers', woo.url));
  } finally {
    woo.child.kill('SIGTERM');
  }
  const report = {
    bench: 'fetch',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
    size: { customers: CUSTOMERS, orders: ORDERS },
    runs: RUNS,
    idleProcessRssMB: idle.peakRssMB,
    note: 'Client and mock on the same shared 2-core machine; median of the runs. Shopify mock with an unlimited cost bucket (client speed); see shopifyCostLimitedProjection for a real store.',
    results,
    totalBenchSeconds: Math.round((Date.now() - started) / 1000),
  };
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'fetch.json'), JSON.stringify(report, null, 2) + '\n');
  for (const r of results)
    console.log(
      `${r.scenario}: ${r.records} records (${r.read} read) in ${(r.wallMs / 1000).toFixed(1)} s, ${r.requests} requests, peak ${r.peakRssMB} MB; ${r.ratioToReference}x raw paging (${(r.reference.wallMs / 1000).toFixed(1)} s)` +
        (r.shopifyCostLimitedProjection ? `; real store: ${r.shopifyCostLimitedProjection.standardPlanHours} h standard / ${r.shopifyCostLimitedProjection.plusPlanHours} h Plus` : ''),
    );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
