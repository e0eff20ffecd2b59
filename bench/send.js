#!/usr/bin/env node
'use strict';
/**
 * Campaign Send delivery bench (node bench/send.js [--runs 3] [--recipients 100000]).
 *
 * 1. Throughput: 100,000 recipients through the SendGrid mock on 127.0.0.1 with the real engine,
 *    the default ledger (the file journal, fsynced before every request) and a generous rate
 *    limit: requests made (≤ 100 expected: 1,000 personalizations each), recipients per second,
 *    0 lost, 0 duplicated, ledger size. The same with the static-data ledger, interleaved: the
 *    journal's cost as a ratio.
 * 3. One message per request (FCM / Web Push / SMTP-like: batch size 1, 10 in flight): 10,000
 *    recipients with the journal vs static data, interleaved: the journal's fsync per request, as
 *    a ratio (group commit shares one fsync between the requests that start together).
 * 2. Rate limited: the same 100,000 recipients through a mock that answers 429 above a fixed rate:
 *    10 requests/s with 1,000 per request (SendGrid's default in this package), and 50 requests/s
 *    with 100 per request (HubSpot-sized batches). Achieved steady-state request rate (requests
 *    after the first window's burst over the time they took) vs the allowed rate (target ≥ 90%),
 *    the most requests the mock saw in any window, 429s received, 0 lost, 0 duplicated. The
 *    limiter holds a slot until one window after the answer, so its efficiency is about
 *    window / (window + request latency): it drops when the shared machine is loaded.
 * Median of several runs (the machine is shared); results → bench/results/send.json.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const ts = require('typescript');

function registerTs() {
  require.extensions['.ts'] = function (module, filename) {
    const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, esModuleInterop: true },
    });
    module._compile(outputText, filename);
  };
}
module.exports = { __registerTs: registerTs };
registerTs();
if (require.main !== module) return;

const root = path.resolve(__dirname, '..');
const { fetchTransport } = require(path.join(root, 'nodes/core/net/http.ts'));
const { runDelivery } = require(path.join(root, 'nodes/core/delivery/engine.ts'));
const { StaticDataLedger } = require(path.join(root, 'nodes/core/delivery/ledger.ts'));
const { JournalLedger } = require(path.join(root, 'nodes/core/delivery/ledgerJournal.ts'));
const { createSendGridProvider } = require(path.join(root, 'nodes/core/delivery/providers/sendgrid.ts'));

const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const RUNS = arg('runs', 3);
const N = arg('recipients', 100000);
const PER_MESSAGE = arg('per-message', 10000);
const RATE = { limit: 10, intervalMs: 1000 };
/** Second rate-limited scenario: HubSpot-sized batches (100) at 50 requests per second. */
const RATE_SMALL = { limit: 50, intervalMs: 1000, batch: 100 };

function recipients(n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++)
    out[i] = {
      itemIndex: i,
      customerId: `cust-${i}`,
      address: `customer${i}@example.com`,
      fields: { customerId: `cust-${i}`, firstName: `Name${i % 997}`, rfm: { segment: i % 3 ? 'Champions' : 'At Risk', score: 5 + (i % 11) } },
    };
  return out;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * The mock runs in its own process (as a real provider would: its JSON parsing and bookkeeping do
 * not stall the client's event loop, so arrival times are what a server would see).
 */
function startMockProcess(rate) {
  const { spawn } = require('child_process');
  const script = `
    require(${JSON.stringify(__filename)}).__registerTs();
    const http = require('http');
    const { SendGridMock } = require(${JSON.stringify(path.join(root, 'test/mocks/sendgrid.ts'))});
    const { maxInAnyWindow } = require(${JSON.stringify(path.join(root, 'nodes/core/net/rateLimit.ts'))});
    (async () => {
      const mock = new SendGridMock('SG.bench', ${rate ? JSON.stringify({ rateLimit: { limit: rate.limit, intervalMs: rate.intervalMs } }) : '{}'});
      await mock.start();
      const control = http.createServer((req, res) => {
        const n = Number(new URL(req.url, 'http://x').searchParams.get('n'));
        const counts = mock.countsByEmail();
        let lost = 0, duplicated = 0;
        for (let i = 0; i < n; i++) { const c = counts.get('customer' + i + '@example.com') || 0; if (!c) lost++; if (c > 1) duplicated += c - 1; }
        const arrivals = mock.arrivals.slice().sort((a, b) => a - b);
        res.end(JSON.stringify({ lost, duplicated, messages: mock.messages.length, got429: mock.rateLimitedCount,
          maxBatch: Math.max(...mock.log.map((l) => l.size || 0)), arrivals: arrivals.length, span: arrivals[arrivals.length - 1] - arrivals[0],
          maxInAnyWindow: maxInAnyWindow(arrivals, ${rate ? rate.intervalMs : 1000}) }));
      });
      await new Promise((r) => control.listen(0, '127.0.0.1', r));
      process.stdout.write(JSON.stringify({ url: mock.url, control: 'http://127.0.0.1:' + control.address().port }) + '\\n');
    })();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve({ child, ...JSON.parse(buf.split('\n')[0]) });
    });
    child.once('exit', (code) => reject(new Error('mock exited ' + code)));
  });
}

/** A fresh ledger of the kind, and how to measure its size afterwards. */
function newLedger(kind) {
  if (kind === 'staticData') {
    const staticData = {};
    return { ledger: new StaticDataLedger(staticData), bytes: () => JSON.stringify(staticData).length, done: () => undefined };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-send-'));
  const file = path.join(dir, 'ledger.jsonl');
  const ledger = new JournalLedger({ path: file });
  return { ledger, bytes: () => fs.statSync(file).size, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

async function once(inputs, rate, kind = 'journal', perMessage = false) {
  const mock = await startMockProcess(rate);
  const l = newLedger(kind);
  try {
    const provider = createSendGridProvider({
      baseUrl: mock.url,
      apiKey: 'SG.bench',
      templateId: 'd-0123456789abcdef0123456789abcdef',
      fromEmail: 'shop@example.com',
      templateFields: ['firstName', 'rfm.segment'],
      limits: rate
        ? { requestsPerInterval: rate.limit, intervalMs: rate.intervalMs, concurrency: 4, maxBatchSize: rate.batch || 1000 }
        : perMessage
          ? { requestsPerInterval: 100000, intervalMs: 1000, concurrency: 10, maxBatchSize: 1 }
          : { requestsPerInterval: 1000, intervalMs: 1000, concurrency: 4 },
    });
    const t0 = process.hrtime.bigint();
    const res = await runDelivery(inputs, {
      provider,
      transport: (req) => fetchTransport({ ...req, timeoutMs: 60000 }),
      ledger: l.ledger,
      campaignKey: 'bench',
      runKey: '2025-01-06',
    });
    await l.ledger.close();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const st = await (await fetch(`${mock.control}/?n=${inputs.length}`)).json();
    // Steady-state rate: requests after the first window's burst, over the time they took.
    const limit = rate ? rate.limit : 0;
    const steadyPerSec = rate && st.arrivals > limit ? ((st.arrivals - limit) / st.span) * 1000 : NaN;
    return {
      ms,
      sent: res.summary.sent,
      failed: res.summary.failed,
      requests: res.summary.requests,
      retries: res.summary.retries,
      maxBatch: st.maxBatch,
      lost: st.lost,
      duplicated: st.duplicated,
      got429: st.got429,
      maxInAnyWindow: st.maxInAnyWindow,
      steadyPerSec,
      ledgerBytes: l.bytes(),
    };
  } finally {
    l.done();
    mock.child.kill('SIGTERM');
  }
}

function rateSummary(rs, rate) {
  const allowed = (rate.limit / rate.intervalMs) * 1000;
  const achieved = median(rs.map((r) => r.steadyPerSec));
  return {
    batchSize: rate.batch || 1000,
    allowedRequestsPerSec: allowed,
    achievedRequestsPerSec: Math.round(achieved * 100) / 100,
    ratioToAllowed: Math.round((achieved / allowed) * 1000) / 1000,
    medianMs: Math.round(median(rs.map((r) => r.ms))),
    requests: Math.max(...rs.map((r) => r.requests)),
    maxInAnyWindow: Math.max(...rs.map((r) => r.maxInAnyWindow)),
    got429: Math.max(...rs.map((r) => r.got429)),
    lost: Math.max(...rs.map((r) => r.lost)),
    duplicated: Math.max(...rs.map((r) => r.duplicated)),
    failed: Math.max(...rs.map((r) => r.failed)),
  };
}

(async () => {
  const inputs = recipients(N);
  const small = recipients(PER_MESSAGE);
  const results = { throughput: [], throughputStatic: [], rateLimited: [], rateLimitedSmallBatches: [], perMessageJournal: [], perMessageStatic: [] };
  const load = [];
  for (let i = 0; i < RUNS; i++) {
    load.push(os.loadavg()[0]);
    // Interleaved: each pair runs back to back under the same load.
    results.throughput.push(await once(inputs, null, 'journal'));
    results.throughputStatic.push(await once(inputs, null, 'staticData'));
    results.perMessageJournal.push(await once(small, null, 'journal', true));
    results.perMessageStatic.push(await once(small, null, 'staticData', true));
    results.rateLimited.push(await once(inputs, RATE));
    results.rateLimitedSmallBatches.push(await once(inputs, RATE_SMALL));
    process.stderr.write(`run ${i + 1}/${RUNS} done\n`);
  }
  const a = results.throughput;
  const summary = {
    bench: 'send',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, loadAverageAtRunStart: load.map((x) => Math.round(x * 10) / 10) },
    recipients: N,
    runs: RUNS,
    throughput: {
      medianMs: Math.round(median(a.map((r) => r.ms))),
      recipientsPerSec: Math.round(N / (median(a.map((r) => r.ms)) / 1000)),
      requests: Math.max(...a.map((r) => r.requests)),
      maxBatch: Math.max(...a.map((r) => r.maxBatch)),
      lost: Math.max(...a.map((r) => r.lost)),
      duplicated: Math.max(...a.map((r) => r.duplicated)),
      failed: Math.max(...a.map((r) => r.failed)),
      ledgerBytes: a[0].ledgerBytes,
      ledger: 'journal',
      staticDataMedianMs: Math.round(median(results.throughputStatic.map((r) => r.ms))),
      journalToStaticDataRatio: Math.round((median(a.map((r) => r.ms)) / median(results.throughputStatic.map((r) => r.ms))) * 100) / 100,
      staticDataLedgerBytes: results.throughputStatic[0].ledgerBytes,
    },
    perMessage: {
      recipients: PER_MESSAGE,
      requests: Math.max(...results.perMessageJournal.map((r) => r.requests)),
      journalMedianMs: Math.round(median(results.perMessageJournal.map((r) => r.ms))),
      staticDataMedianMs: Math.round(median(results.perMessageStatic.map((r) => r.ms))),
      journalToStaticDataRatio:
        Math.round((median(results.perMessageJournal.map((r) => r.ms)) / median(results.perMessageStatic.map((r) => r.ms))) * 100) / 100,
      lost: Math.max(...results.perMessageJournal.map((r) => r.lost)),
      duplicated: Math.max(...results.perMessageJournal.map((r) => r.duplicated)),
    },
    rateLimited: rateSummary(results.rateLimited, RATE),
    rateLimitedSmallBatches: rateSummary(results.rateLimitedSmallBatches, RATE_SMALL),
    raw: results,
  };
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench/results/send.json'), JSON.stringify(summary, null, 2) + '\n');
  const t = summary.throughput;
  const line = (r) =>
    `${r.allowedRequestsPerSec} req/s × ${r.batchSize}: achieved ${r.achievedRequestsPerSec} req/s = ${(r.ratioToAllowed * 100).toFixed(1)}% of allowed, max ${r.maxInAnyWindow} per window, ${r.got429} × 429, lost ${r.lost}, duplicated ${r.duplicated}`;
  console.log(
    `send: ${N} recipients in ${t.requests} requests (max batch ${t.maxBatch}), ${t.medianMs} ms median (${t.recipientsPerSec}/s) with the journal ledger (${t.journalToStaticDataRatio}× static data's time), lost ${t.lost}, duplicated ${t.duplicated}; ` +
      `one message per request: ${summary.perMessage.recipients} in ${summary.perMessage.journalMedianMs} ms with the journal = ${summary.perMessage.journalToStaticDataRatio}× static data; ` +
      `rate-limited ${line(summary.rateLimited)}; ${line(summary.rateLimitedSmallBatches)} (load ${summary.machine.loadAverageAtRunStart.join('/')})`,
  );
  const rateOk = (r, rate) => r.ratioToAllowed >= 0.9 && r.maxInAnyWindow <= rate.limit && r.lost === 0 && r.duplicated === 0;
  const ok = t.requests <= 100 && t.lost === 0 && t.duplicated === 0 && rateOk(summary.rateLimited, RATE) && rateOk(summary.rateLimitedSmallBatches, RATE_SMALL);
  if (!ok) {
    console.error('send bench: a target was missed');
    process.exitCode = 1;
  }
})();
