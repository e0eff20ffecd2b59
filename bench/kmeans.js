#!/usr/bin/env node
'use strict';
/**
 * k-means speed and quality against scikit-learn, on the same matrices, in one run.
 *
 *   node bench/kmeans.js [--runs 11] [--orders 1000000,5000000] [--ks 4,8] [--auto-runs 3]
 *
 * Matrices: customers aggregated from bench/lib/synth.js generateOrders(1e6, 42) (~148k customers)
 * and generateOrders(5e6, 42) (~739k), recency / frequency / monetary, log1p, z-scored (see
 * bench/kmeans-lib.js). For every matrix and k, our k-means (Hamerly, k-means++, n_init = 1, its
 * default threads: min(2, cores), bit-identical results for any count) and
 * sklearn KMeans(n_init=1) (lloyd, its default) run alternately with seeds 0..runs-1 so both see
 * the same machine load; the bench prints medians of wall time, iterations and inertia and the
 * ratios ours / sklearn. A second comparison starts both from the same centres (our k-means++),
 * so both do the same iterations and the time ratio is not a matter of lucky seeds. Then auto-k 2–8 on the ~148k matrix (silhouette on 10,000 sampled
 * customers), ours vs the same procedure in sklearn. Results: bench/results/kmeans.json.
 *
 * Needs /usr/bin/python3 with python3-sklearn (Debian). The TypeScript core is compiled into a
 * temporary folder first (no build of dist/ needed).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { spawn } = require('child_process');
const { compileCore, benchMatrix, median, root } = require('./kmeans-lib');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const RUNS = Number(arg('runs', 11));
const AUTO_RUNS = Number(arg('auto-runs', 3));
const ORDERS = String(arg('orders', '1000000,5000000')).split(',').map(Number);
const KS = String(arg('ks', '4,8')).split(',').map(Number);
const PYTHON = arg('python', '/usr/bin/python3');

/** Persistent sklearn process answering one JSON line per request. */
function sklearnServer() {
  const child = spawn(PYTHON, [path.join(__dirname, 'kmeans_sklearn.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const rl = readline.createInterface({ input: child.stdout });
  const waiting = [];
  rl.on('line', (line) => {
    const w = waiting.shift();
    if (w) w(JSON.parse(line));
  });
  return {
    ask(req) {
      return new Promise((resolve, reject) => {
        waiting.push((res) => (res.error ? reject(new Error(`sklearn: ${res.error}`)) : resolve(res)));
        child.stdin.write(JSON.stringify(req) + '\n');
      });
    },
    close() {
      child.stdin.end();
    },
  };
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const r3 = (v) => Math.round(v * 1000) / 1000;
const cpuMs = (c0) => {
  const u = process.cpuUsage(c0);
  return (u.user + u.system) / 1000;
};

async function main() {
  const core = compileCore();
  const py = sklearnServer();
  const info = await py.ask({ op: 'info' });
  const load0 = os.loadavg();
  const cases = [];
  let autoCase = null;

  for (const orders of ORDERS) {
    const M = benchMatrix(orders);
    // warm up both on this matrix, with a seed outside the measured ones: our kernels' JIT on this
    // thread and in the worker threads (started here), sklearn's caches and thread pool
    for (let w = 0; w < 2; w++) core.kmeans(M.X, M.n, 3, { k: 4, seed: 99 });
    await py.ask({ op: 'fit', file: M.file, d: 3, k: 4, seed: 99 });
    for (const k of KS) {
      const ours = [];
      const sk = [];
      for (let seed = 0; seed < RUNS; seed++) {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        const r = core.kmeans(M.X, M.n, 3, { k, nInit: 1, seed });
        ours.push({ time: ms(t0), cpu: cpuMs(c0), iterations: r.iterations, inertia: r.inertia });
        const s = await py.ask({ op: 'fit', file: M.file, d: 3, k, seed });
        sk.push({ time: s.time * 1000, cpu: s.cpu * 1000, iterations: s.iterations, inertia: s.inertia });
      }
      // the same starting centres (our k-means++) for both: removes the luck of the seed from the
      // comparison (same start -> same iterations and inertia for two exact Lloyd-equivalent runs)
      const oursSame = [];
      const skSame = [];
      for (let seed = 0; seed < RUNS; seed++) {
        const init = new Float64Array(k * 3);
        core.kmeansPlusPlus(M.X, M.n, 3, k, new core.Random(core.mixSeed(seed, k, 0)), init);
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        const r = core.kmeans(M.X, M.n, 3, { k, initialCenters: init.slice() });
        oursSame.push({ time: ms(t0), cpu: cpuMs(c0), iterations: r.iterations, inertia: r.inertia });
        const s = await py.ask({ op: 'fit', file: M.file, d: 3, k, seed, init: Array.from(init) });
        skSame.push({ time: s.time * 1000, cpu: s.cpu * 1000, iterations: s.iterations, inertia: s.inertia });
      }
      const med = (xs, f) => median(xs.map(f));
      const c = {
        orders,
        customers: M.n,
        k,
        runs: RUNS,
        ours: {
          medianMs: r3(med(ours, (x) => x.time)),
          medianCpuMs: r3(med(ours, (x) => x.cpu)),
          medianIterations: med(ours, (x) => x.iterations),
          medianInertia: r3(med(ours, (x) => x.inertia)),
          bestInertia: r3(Math.min(...ours.map((x) => x.inertia))),
          timesMs: ours.map((x) => r3(x.time)),
        },
        sklearn: {
          medianMs: r3(med(sk, (x) => x.time)),
          medianCpuMs: r3(med(sk, (x) => x.cpu)),
          medianIterations: med(sk, (x) => x.iterations),
          medianInertia: r3(med(sk, (x) => x.inertia)),
          bestInertia: r3(Math.min(...sk.map((x) => x.inertia))),
          timesMs: sk.map((x) => r3(x.time)),
        },
      };
      c.sameStart = {
        oursMedianMs: r3(med(oursSame, (x) => x.time)),
        oursMedianCpuMs: r3(med(oursSame, (x) => x.cpu)),
        sklearnMedianMs: r3(med(skSame, (x) => x.time)),
        sklearnMedianCpuMs: r3(med(skSame, (x) => x.cpu)),
        oursIterations: oursSame.map((x) => x.iterations),
        sklearnIterations: skSame.map((x) => x.iterations),
        maxInertiaRatio: Math.round(Math.max(...oursSame.map((x, i) => x.inertia / skSame[i].inertia)) * 1e7) / 1e7,
      };
      c.sameStart.timeRatio = r3(c.sameStart.oursMedianMs / c.sameStart.sklearnMedianMs);
      c.timeRatio = r3(c.ours.medianMs / c.sklearn.medianMs);
      // per iteration (total time / iterations of each run, median): independent of how many
      // iterations a seed happens to need
      c.ours.medianMsPerIteration = r3(med(ours, (x) => x.time / x.iterations));
      c.sklearn.medianMsPerIteration = r3(med(sk, (x) => x.time / x.iterations));
      c.perIterationRatio = r3(c.ours.medianMsPerIteration / c.sklearn.medianMsPerIteration);
      c.inertiaRatio = Math.round((c.ours.medianInertia / c.sklearn.medianInertia) * 1e5) / 1e5;
      c.bestInertiaRatio = Math.round((c.ours.bestInertia / c.sklearn.bestInertia) * 1e5) / 1e5;
      cases.push(c);
      console.log(
        `${M.n} x 3, k=${k}: ours ${c.ours.medianMs.toFixed(0)} ms (cpu ${c.ours.medianCpuMs.toFixed(0)}, ${c.ours.medianIterations} it) | sklearn ${c.sklearn.medianMs.toFixed(0)} ms (cpu ${c.sklearn.medianCpuMs.toFixed(0)}, ${c.sklearn.medianIterations} it) | time ratio ${c.timeRatio} (per iteration ${c.perIterationRatio}) | inertia ratio ${c.inertiaRatio} (best ${c.bestInertiaRatio})`,
      );
      console.log(
        `   same start: ours ${c.sameStart.oursMedianMs.toFixed(0)} ms | sklearn ${c.sameStart.sklearnMedianMs.toFixed(0)} ms | time ratio ${c.sameStart.timeRatio} | iterations ${c.sameStart.oursIterations.join(',')} vs ${c.sameStart.sklearnIterations.join(',')} | max inertia ratio ${c.sameStart.maxInertiaRatio}`,
      );
    }
    if (orders === ORDERS[0]) {
      const ours = [];
      const oursCpu = [];
      const sk = [];
      let last;
      for (let rep = 0; rep < AUTO_RUNS; rep++) {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        last = core.clusterMatrix(M.X, M.n, 3, {
          mode: 'auto', k: 4, kMin: 2, kMax: 8, nInit: 1, maxIter: 300, tol: 1e-4, seed: 42, sampleSize: 10000, strictK: false,
        });
        ours.push(ms(t0));
        oursCpu.push(cpuMs(c0));
        const s = await py.ask({ op: 'auto', file: M.file, d: 3, kMin: 2, kMax: 8, sampleSize: 10000, seed: rep });
        sk.push(s.time * 1000);
      }
      autoCase = {
        customers: M.n,
        kRange: [2, 8],
        sampleSize: 10000,
        runs: AUTO_RUNS,
        oursMedianMs: r3(median(ours)),
        oursMedianCpuMs: r3(median(oursCpu)),
        sklearnMedianMs: r3(median(sk)),
        timeRatio: r3(median(ours) / median(sk)),
        chosenK: last.result.k,
        kTried: last.kTried.map((s) => ({ k: s.k, silhouette: r3(s.silhouette), inertia: r3(s.inertia) })),
        oursTimesMs: ours.map(r3),
        sklearnTimesMs: sk.map(r3),
      };
      console.log(
        `auto-k 2-8 on ${M.n} customers (silhouette sample 10,000): ours ${autoCase.oursMedianMs.toFixed(0)} ms (cpu ${autoCase.oursMedianCpuMs.toFixed(0)} ms), sklearn ${autoCase.sklearnMedianMs.toFixed(0)} ms, ratio ${autoCase.timeRatio}, chosen k=${autoCase.chosenK}`,
      );
    }
  }
  py.close();
  const result = {
    bench: 'kmeans',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0] && os.cpus()[0].model, loadAvgStart: load0, loadAvgEnd: os.loadavg() },
    node: process.version,
    sklearn: info,
    settings: {
      runs: RUNS,
      nInit: 1,
      seeds: `0..${RUNS - 1}`,
      algorithm: 'ours: Hamerly; sklearn: lloyd (default)',
      threads: { ours: core.poolInfo().workers + 1, sklearn: info.threads },
    },
    cases,
    auto: autoCase,
  };
  const out = path.join(root, 'bench/results/kmeans.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  const worst = Math.max(...cases.map((c) => c.timeRatio));
  const worstSame = Math.max(...cases.map((c) => c.sameStart.timeRatio));
  const worstPerIt = Math.max(...cases.map((c) => c.perIterationRatio));
  const worstInertia = Math.max(...cases.map((c) => c.inertiaRatio));
  console.log(
    `kmeans: time ratio ours/sklearn ${cases.map((c) => `${c.customers}/k${c.k} ${c.timeRatio}`).join(', ')} (worst ${worst}; per iteration worst ${worstPerIt}; same start worst ${worstSame}); median inertia ratio worst ${worstInertia}` +
      (autoCase ? `; auto-k 2-8 on ${autoCase.customers}: ${autoCase.oursMedianMs.toFixed(0)} ms` : '') +
      ` -> ${path.relative(root, out)}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
