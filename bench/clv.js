#!/usr/bin/env node
'use strict';
/**
 * Customer Value speed against scipy, on the same 740,000 simulated customers, in one run.
 *
 *   node bench/clv.js [--customers 740000] [--rounds 7] [--seed 42] [--python python3]
 *
 * Customers are simulated from the BG/NBD and Gamma-Gamma models (bench/clv-lib.js, seeded), so the
 * fit has a true answer (printed beside the fitted parameters). Both sides get x, t_x, T (days) and
 * the average repeat spend of every customer:
 *   fit   = collapse into distinct (x, t_x, T) + BG/NBD fit + Gamma-Gamma fit;
 *   score = P(alive), expected orders over 365 days, expected spend, discounted value (1 % a month,
 *           monthly steps) and tiers for every customer, with the fitted parameters.
 * Ours: nodes/core/clv (compiled into a temporary folder; no build needed); score is the node's
 * fixed-parameters path (modelCustomerValue with `fixed`). scipy: bench/clv_scipy.py (BFGS with
 * analytic gradients, scipy.special.hyp2f1), a long-lived process answering one request per line.
 * Rounds alternate the order (ours first, then scipy first) so both see the same machine load;
 * the bench prints medians of wall and CPU time (CPU time: what each side computed, less sensitive
 * to a busy machine), ratios ours / scipy and the load average. Results: bench/results/clv.json.
 *
 * Needs python3 with numpy and scipy; installs them with pip when missing (a local mirror serves
 * pip here).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { spawn, spawnSync } = require('child_process');
const { compileCore, simulateCustomers, clvData, median, TRUTH, root } = require('./clv-lib');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const N = Number(arg('customers', 740000));
const ROUNDS = Number(arg('rounds', 7));
const SEED = Number(arg('seed', 42));
const PYTHON = arg('python', 'python3');

function ensureScipy() {
  const probe = spawnSync(PYTHON, ['-c', 'import numpy, scipy'], { stdio: 'ignore' });
  if (probe.status === 0) return;
  console.log(`installing numpy and scipy for ${PYTHON} with pip...`);
  const pip = spawnSync(PYTHON, ['-m', 'pip', 'install', '--quiet', 'numpy>=1.24', 'scipy>=1.10'], { stdio: 'inherit' });
  if (pip.status !== 0) throw new Error('pip install numpy scipy failed');
}

function scipyServer() {
  const child = spawn(PYTHON, [path.join(__dirname, 'clv_scipy.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const rl = readline.createInterface({ input: child.stdout });
  const waiting = [];
  rl.on('line', (line) => waiting.shift()(JSON.parse(line)));
  return {
    ask(req) {
      return new Promise((resolve, reject) => {
        waiting.push((res) => (res.error ? reject(new Error(`scipy: ${res.error}`)) : resolve(res)));
        child.stdin.write(JSON.stringify(req) + '\n');
      });
    },
    close: () => child.stdin.end(),
  };
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const r3 = (v) => Math.round(v * 1000) / 1000;
const rel = (a, b) => Math.abs(a - b) / Math.abs(b);

/** Writes x, t_x, T (int32) then the average spend (float64), little-endian, for scipy. */
function writeCustomers(s) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clv-bench-data-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'customers.bin');
  const buf = Buffer.alloc(20 * s.n);
  for (let i = 0; i < s.n; i++) {
    buf.writeInt32LE(s.x[i], 4 * i);
    buf.writeInt32LE(s.txDays[i], 4 * (s.n + i));
    buf.writeInt32LE(s.TDays[i], 4 * (2 * s.n + i));
    buf.writeDoubleLE(s.m[i], 12 * s.n + 8 * i);
  }
  fs.writeFileSync(file, buf);
  return file;
}

const cpuMs = (c0) => {
  const u = process.cpuUsage(c0);
  return (u.user + u.system) / 1000;
};

function oursFit(core, s) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const pat = core.collapse(s.x, s.txDays, s.TDays);
  const bg = core.fitBgnbd(pat, 1);
  const xs = [];
  const mv = [];
  for (let i = 0; i < s.n; i++) if (s.x[i] > 0 && s.m[i] > 0) (xs.push(s.x[i]), mv.push(s.m[i]));
  const gg = core.fitGammaGamma(core.spendData(xs, mv));
  return { time: ms(t0), cpu: cpuMs(c0), patterns: pat.length, bgnbd: bg.params, ll: bg.logLikelihood, iterations: bg.iterations, gammaGamma: gg.params, ggIterations: gg.iterations };
}

const OPTIONS = { unit: 'days', horizonDays: 365, monthlyDiscountRate: 0.01, minRepeatCustomers: 1, highShare: 0.1, mediumShare: 0.3, riskThreshold: 0.5 };

function oursScore(core, s, model) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const res = core.modelCustomerValue(clvData(s), { ...OPTIONS, fixed: { unit: 'days', ...model } });
  const time = ms(t0);
  const cpu = cpuMs(c0);
  let sumValue = 0;
  let sumOrders = 0;
  let high = 0;
  for (let k = 0; k < s.n; k++) {
    sumValue += res.columns.predictedValue[k];
    sumOrders += res.columns.expectedOrders[k];
    if (res.columns.tier[k] === 0) high++;
  }
  const idx = [0, 1, 2, 3, 4, 1000, Math.floor(s.n / 2), s.n - 1];
  return { time, cpu, sumValue, sumOrders, high, sample: idx.map((i) => [res.columns.probabilityAlive[i], res.columns.expectedOrders[i], res.columns.predictedValue[i]]) };
}

async function main() {
  ensureScipy();
  const core = compileCore();
  const py = scipyServer();
  const info = await py.ask({ op: 'info' });
  const load0 = os.loadavg();
  const t0 = process.hrtime.bigint();
  const s = simulateCustomers(N, SEED);
  console.log(`simulated ${N} customers (seed ${SEED}) in ${ms(t0).toFixed(0)} ms; truth ${JSON.stringify(TRUTH)}`);
  await py.ask({ op: 'load', file: writeCustomers(s), n: N });

  // warm-up (JIT, scipy imports): one fit and one score each, not measured
  const warm = oursFit(core, s);
  const model = { bgnbd: warm.bgnbd, gammaGamma: warm.gammaGamma };
  oursScore(core, s, model);
  await py.ask({ op: 'fit' });
  await py.ask({ op: 'score', ...model, horizonDays: 365, monthlyRate: 0.01 });

  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const oursFirst = round % 2 === 0;
    const r = {};
    if (oursFirst) r.oursFit = oursFit(core, s);
    r.scipyFit = await py.ask({ op: 'fit' });
    if (!oursFirst) r.oursFit = oursFit(core, s);
    if (oursFirst) r.oursScore = oursScore(core, s, model);
    r.scipyScore = await py.ask({ op: 'score', ...model, horizonDays: 365, monthlyRate: 0.01 });
    if (!oursFirst) r.oursScore = oursScore(core, s, model);
    rounds.push(r);
    console.log(
      `round ${round + 1}: fit ours ${r.oursFit.time.toFixed(0)} ms (cpu ${r.oursFit.cpu.toFixed(0)}) / scipy ${(r.scipyFit.time * 1000).toFixed(0)} ms (cpu ${(r.scipyFit.cpu * 1000).toFixed(0)}); score ours ${r.oursScore.time.toFixed(0)} ms (cpu ${r.oursScore.cpu.toFixed(0)}) / scipy ${(r.scipyScore.time * 1000).toFixed(0)} ms (cpu ${(r.scipyScore.cpu * 1000).toFixed(0)}); load ${os.loadavg()[0].toFixed(2)}`,
    );
  }
  py.close();

  const last = rounds[rounds.length - 1];
  const med = (f) => median(rounds.map(f));
  const fitOurs = med((r) => r.oursFit.time);
  const fitScipy = med((r) => r.scipyFit.time * 1000);
  const scoreOurs = med((r) => r.oursScore.time);
  const scoreScipy = med((r) => r.scipyScore.time * 1000);
  const agreement = {
    bgnbdMaxRelDiff: Math.max(...['r', 'alpha', 'a', 'b'].map((k) => rel(last.oursFit.bgnbd[k], last.scipyFit.bgnbd[k]))),
    logLikelihoodDiff: last.oursFit.ll - last.scipyFit.ll,
    expectedSpendOfMeanCustomerRelDiff: rel(
      last.oursFit.gammaGamma.p * last.oursFit.gammaGamma.v / (last.oursFit.gammaGamma.q - 1),
      last.scipyFit.gammaGamma.p * last.scipyFit.gammaGamma.v / (last.scipyFit.gammaGamma.q - 1),
    ),
    sumValueRelDiff: rel(last.oursScore.sumValue, last.scipyScore.sumValue),
    sumOrdersRelDiff: rel(last.oursScore.sumOrders, last.scipyScore.sumOrders),
    sampleMaxRelDiff: Math.max(...last.oursScore.sample.flatMap((v, i) => v.map((u, j) => Math.abs(u - last.scipyScore.sample[i][j]) / Math.max(1e-12, Math.abs(last.scipyScore.sample[i][j]))))),
    highTier: [last.oursScore.high, last.scipyScore.high],
    scipyNonFinite: last.scipyScore.nonFinite,
  };
  const result = {
    bench: 'clv',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0] && os.cpus()[0].model, loadAvgStart: load0, loadAvgEnd: os.loadavg() },
    node: process.version,
    scipy: info,
    settings: { customers: N, seed: SEED, rounds: ROUNDS, truth: TRUTH, horizonDays: 365, monthlyDiscountRate: 0.01, patterns: last.oursFit.patterns },
    fit: {
      oursMedianMs: r3(fitOurs),
      scipyMedianMs: r3(fitScipy),
      ratio: r3(fitOurs / fitScipy),
      oursMedianCpuMs: r3(med((r) => r.oursFit.cpu)),
      scipyMedianCpuMs: r3(med((r) => r.scipyFit.cpu * 1000)),
      oursIterations: [last.oursFit.iterations, last.oursFit.ggIterations],
      scipyIterations: [last.scipyFit.iterations, last.scipyFit.ggIterations],
      ours: { bgnbd: last.oursFit.bgnbd, gammaGamma: last.oursFit.gammaGamma, logLikelihood: last.oursFit.ll },
      scipy: { bgnbd: last.scipyFit.bgnbd, gammaGamma: last.scipyFit.gammaGamma, logLikelihood: last.scipyFit.ll },
    },
    score: {
      oursMedianMs: r3(scoreOurs),
      scipyMedianMs: r3(scoreScipy),
      ratio: r3(scoreOurs / scoreScipy),
      oursMedianCpuMs: r3(med((r) => r.oursScore.cpu)),
      scipyMedianCpuMs: r3(med((r) => r.scipyScore.cpu * 1000)),
    },
    agreement,
    rounds: rounds.map((r) => ({
      oursFitMs: r3(r.oursFit.time),
      scipyFitMs: r3(r.scipyFit.time * 1000),
      oursScoreMs: r3(r.oursScore.time),
      scipyScoreMs: r3(r.scipyScore.time * 1000),
      oursFitCpuMs: r3(r.oursFit.cpu),
      scipyFitCpuMs: r3(r.scipyFit.cpu * 1000),
      oursScoreCpuMs: r3(r.oursScore.cpu),
      scipyScoreCpuMs: r3(r.scipyScore.cpu * 1000),
    })),
  };
  fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench', 'results', 'clv.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(`\n${N} customers, ${result.settings.patterns} distinct (x, t_x, T); medians of ${ROUNDS} interleaved rounds`);
  console.log(`fit:   ours ${fitOurs.toFixed(0)} ms (cpu ${result.fit.oursMedianCpuMs.toFixed(0)}), scipy ${fitScipy.toFixed(0)} ms (cpu ${result.fit.scipyMedianCpuMs.toFixed(0)}), ratio ${result.fit.ratio}`);
  console.log(`score: ours ${scoreOurs.toFixed(0)} ms (cpu ${result.score.oursMedianCpuMs.toFixed(0)}), scipy ${scoreScipy.toFixed(0)} ms (cpu ${result.score.scipyMedianCpuMs.toFixed(0)}), ratio ${result.score.ratio}`);
  console.log(`fitted ${JSON.stringify(result.fit.ours.bgnbd)} ${JSON.stringify(result.fit.ours.gammaGamma)}`);
  console.log(`agreement ${JSON.stringify(agreement)}`);
  console.log(`load average start ${load0.map((v) => v.toFixed(2)).join(' ')}, end ${os.loadavg().map((v) => v.toFixed(2)).join(' ')} (${os.cpus().length} cpus)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
