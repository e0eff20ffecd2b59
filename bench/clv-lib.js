'use strict';
/**
 * Shared by bench/clv.js: compiles the Customer Value core into a temporary folder (no build of
 * dist/ needed) and simulates customers from the BG/NBD and Gamma-Gamma models themselves, so that
 * the fit has a true answer to find.
 *
 * Simulation (seeded, mulberry32): every customer's first purchase is on a day uniform in
 * 0..729 and the calibration ends on day 730 (T = 730 - first day). While alive a customer buys at
 * rate λ ~ Gamma(r, α) per day (α in days); after each purchase they drop out with probability
 * p ~ Beta(a, b). Purchases on the first purchase day are not repeats; purchases sharing a day are
 * one purchase (spend added). Each purchase spends Gamma(p_s, ν) with ν ~ Gamma(q, v) per customer.
 * x = repeat purchase days, t_x = last purchase day - first, average spend over the repeat days.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..');

function compileCore() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'clv-bench-'));
  process.on('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  execFileSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc', { paths: [root] }),
      '--outDir', out, '--rootDir', root, '--target', 'es2021', '--module', 'commonjs', '--esModuleInterop',
      '--strict', '--skipLibCheck', '--types', 'node', '--declaration', 'false',
      path.join(root, 'nodes/core/clv/clv.ts'), path.join(root, 'nodes/core/clv/bgnbd.ts'), path.join(root, 'nodes/core/clv/gammaGamma.ts'),
    ],
    { cwd: root, stdio: 'inherit' },
  );
  // the compiled core requires simple-statistics from the repository's node_modules
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(out, 'node_modules'), 'dir');
  const load = (f) => require(path.join(out, 'nodes/core/clv', f));
  return { ...load('clv.js'), ...load('bgnbd.js'), ...load('gammaGamma.js') };
}

function mulberry32(seed) {
  let s = seed >>> 0;
  return function () {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rnd) {
  return Math.sqrt(-2 * Math.log(rnd() + 1e-300)) * Math.cos(2 * Math.PI * rnd());
}

/** Gamma(shape, scale) by Marsaglia & Tsang (2000); shape < 1 through the shape + 1 boost. */
function gamma(rnd, shape, scale) {
  if (shape < 1) return gamma(rnd, shape + 1, scale) * Math.pow(rnd() + 1e-300, 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x;
    let v;
    do {
      x = normal(rnd);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rnd();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

const TRUTH = { r: 0.25, alpha: 30, a: 0.8, b: 2.5, p: 6, q: 4, v: 15 };
const CAL_DAYS = 730;

function simulateCustomers(n, seed = 42, truth = TRUTH) {
  const rnd = mulberry32(seed);
  const x = new Int32Array(n);
  const txDays = new Int32Array(n);
  const TDays = new Int32Array(n);
  const m = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const first = Math.floor(rnd() * CAL_DAYS);
    const T = CAL_DAYS - first;
    const lambda = gamma(rnd, truth.r, 1 / truth.alpha);
    const ga = gamma(rnd, truth.a, 1);
    const pDrop = ga / (ga + gamma(rnd, truth.b, 1));
    const nu = gamma(rnd, truth.q, 1 / truth.v);
    let t = 0;
    let lastDay = 0;
    let days = 0;
    let spend = 0;
    for (;;) {
      if (t > 0 && rnd() < pDrop) break; // dropout right after a repeat purchase (never after the first)
      t += -Math.log(1 - rnd()) / lambda;
      if (!(t < T)) break;
      const day = Math.floor(t);
      if (day > 0) {
        if (day !== lastDay) days++;
        lastDay = day;
        spend += gamma(rnd, truth.p, 1 / nu);
      }
    }
    x[i] = days;
    txDays[i] = days ? lastDay : 0;
    TDays[i] = T;
    m[i] = days ? spend / days : NaN;
  }
  return { n, x, txDays, TDays, m };
}

/** The prepared-customer object the core's modelCustomerValue takes. */
function clvData(s) {
  return {
    kind: 'orders',
    count: s.n,
    customerIds: [],
    latestItemIndex: new Int32Array(s.n),
    x: s.x,
    txDays: s.txDays,
    TDays: s.TDays,
    averageSpend: s.m,
    firstDay: new Int32Array(s.n),
    lastDay: new Int32Array(s.n),
    holdoutPurchases: null,
    calibrationEndDay: CAL_DAYS,
    holdoutDays: 0,
    skipped: {},
    invalid: [],
    fields: {},
    itemIndexes: () => [],
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

module.exports = { compileCore, simulateCustomers, clvData, median, TRUTH, CAL_DAYS, root };
