'use strict';
/**
 * Shared by the k-means benches: compiles the TypeScript k-means core into a temporary folder
 * (no ts-node, and `npm run build` is not needed), and derives the customer matrices from the
 * seeded synthetic order sets of bench/lib/synth.js.
 *
 * Customer features from the orders (what the bench clusters):
 *   - paid rows (status 'paid', not the negative partial-refund rows) are orders;
 *   - recency   = whole days from the customer's last paid order to the reference day
 *                 (the UTC day after the newest order in the set);
 *   - frequency = number of paid orders;
 *   - monetary  = sum of the paid order amounts plus the (negative) partial-refund rows, floored at 0;
 *   - customers without a paid order are left out;
 *   - every column is log1p-transformed, then z-scored (population standard deviation).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { generateOrders } = require('./lib/synth');

const root = path.resolve(__dirname, '..');

function compileCore() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kmeans-bench-'));
  execFileSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc', { paths: [root] }),
      '--outDir', out, '--rootDir', root, '--target', 'es2021', '--module', 'commonjs',
      '--strict', '--skipLibCheck', '--types', 'node', '--declaration', 'false',
      path.join(root, 'nodes/core/kmeans/index.ts'),
    ],
    { cwd: root, stdio: 'inherit' },
  );
  return require(path.join(out, 'nodes/core/kmeans/index.js'));
}

const DAY = 86400000;

/** Customer matrix (n × 3, row-major Float64Array: recency, frequency, monetary) before scaling. */
function customerFeatures(set) {
  const { n, customers, customerIdx, time, amount, status } = set;
  const last = new Float64Array(customers).fill(-Infinity);
  const freq = new Int32Array(customers);
  const money = new Float64Array(customers);
  let maxTime = -Infinity;
  for (let i = 0; i < n; i++) {
    if (time[i] > maxTime) maxTime = time[i];
    const c = customerIdx[i];
    if (status[i] === 0) {
      freq[c]++;
      money[c] += amount[i];
      if (time[i] > last[c]) last[c] = time[i];
    } else if (status[i] === 3) money[c] += amount[i];
  }
  const ref = (Math.floor(maxTime / DAY) + 1) * DAY;
  let m = 0;
  for (let c = 0; c < customers; c++) if (freq[c] > 0) m++;
  const X = new Float64Array(m * 3);
  let r = 0;
  for (let c = 0; c < customers; c++) {
    if (freq[c] === 0) continue;
    X[r * 3] = Math.floor((ref - last[c]) / DAY);
    X[r * 3 + 1] = freq[c];
    X[r * 3 + 2] = Math.max(0, money[c]);
    r++;
  }
  return { X, n: m, d: 3 };
}

/** log1p then z-score, in place. */
function logZ(X, n, d) {
  for (let i = 0; i < n * d; i++) X[i] = Math.log1p(X[i]);
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += X[i * d + j];
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (X[i * d + j] - mean) ** 2;
    const sd = Math.sqrt(ss / n) || 1;
    for (let i = 0; i < n; i++) X[i * d + j] = (X[i * d + j] - mean) / sd;
  }
  return X;
}

/** The bench matrix for `orders` synthetic order rows (seed 42), cached under bench/.data (git-ignored). */
function benchMatrix(orders) {
  const cacheDir = path.join(__dirname, '.data');
  const file = path.join(cacheDir, `kmeans-${orders}.f64`);
  if (fs.existsSync(file)) {
    const buf = fs.readFileSync(file);
    const X = new Float64Array(buf.buffer, buf.byteOffset, buf.length / 8).slice();
    return { X, n: X.length / 3, d: 3, file };
  }
  const set = generateOrders(orders, 42);
  const f = customerFeatures(set);
  logZ(f.X, f.n, f.d);
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(file, Buffer.from(f.X.buffer, f.X.byteOffset, f.X.byteLength));
  return { ...f, file };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

module.exports = { compileCore, customerFeatures, logZ, benchMatrix, median, root };
