#!/usr/bin/env node
'use strict';
/**
 * Klaviyo write-back bench (node bench/klaviyo.js [--profiles 100000] [--runs 1]).
 * The real engine and Klaviyo provider against the Klaviyo mock on 127.0.0.1, with Klaviyo's
 * documented per-endpoint limits enforced by the mock (429 + Retry-After above them):
 * 1. Fewest requests: 100,000 profiles with three custom properties, no lists: one bulk import job
 *    per 10,000 profiles (Klaviyo's maximum) → 10 job requests + their status polls. Then the
 *    same with Segment Lists on and the input ordered by segment (one list per job: a job per
 *    segment per batch). 0 lost (every profile in the mock), 0 duplicated (each written once).
 * 2. Rate: the same 100,000 profiles in jobs of 1,000 (100 job requests, concurrency 12): the job
 *    endpoint's achieved request rate ((jobs − the first window's 10) / time from the first job to
 *    the last) vs its documented burst limit of 10/s (100 jobs stay under the 150/min steady limit, so the burst limit binds);
 *    429s received; 0 lost, 0 duplicated.
 *    The same rate test with light jobs (10,000 profiles, 100 per job).
 * The mock runs in a child process (as Klaviyo's servers would, it does not share the engine's
 * event loop); the pacer frees a slot one window after each answer, so the share of the allowed
 * rate is about window / (window + job-request latency): the median and 90th percentile of that
 * latency are printed with the machine load; results → bench/results/klaviyo.json.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
require('./send.js').__registerTs();

const root = path.resolve(__dirname, '..');
const { fetchTransport } = require(path.join(root, 'nodes/core/net/http.ts'));
const { runDelivery } = require(path.join(root, 'nodes/core/delivery/engine.ts'));
const { StaticDataLedger } = require(path.join(root, 'nodes/core/delivery/ledger.ts'));
const { createKlaviyoProvider } = require(path.join(root, 'nodes/core/delivery/providers/klaviyo.ts'));

const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N = arg('profiles', 100000);
const KEY = 'pk_bench_0123456789abcdef';
const SEGMENTS = ['Champions', 'Loyal Customers', 'Potential Loyalists', 'New Customers', 'Promising', 'Need Attention', 'About To Sleep', 'At Risk', "Can't Lose Them", 'Hibernating'];
const PROPS = [
  { property: 'rfm_segment', field: 'rfm.segment' },
  { property: 'rfm_score', field: 'rfm.score' },
  { property: 'rfm_cell', field: 'rfm.cell' },
];

function inputs(n, sortedBySegment) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const seg = sortedBySegment ? SEGMENTS[Math.floor((i * SEGMENTS.length) / n)] : SEGMENTS[i % SEGMENTS.length];
    const fields = { customerId: `c${i}`, email: `customer${i}@example.com`, rfm: { segment: seg, score: (i % 5) + 1, cell: `${(i % 5) + 1}${(i % 3) + 2}${(i % 4) + 1}` } };
    out.push({ itemIndex: i, customerId: fields.customerId, address: fields.email, fields });
  }
  return out;
}

/** Median and 90th percentile of request latencies (ms). */
function quantiles(ms) {
  const s = ms.slice().sort((a, b) => a - b);
  return s.length ? { median: s[Math.floor(s.length / 2)], p90: s[Math.floor(s.length * 0.9)] } : null;
}

/**
 * The mock runs in its own process, as Klaviyo's servers would: its JSON parsing and bookkeeping
 * do not stall the engine's event loop, so its arrival times are what a server would see. A
 * control server answers the counts the bench checks (GET /?n=<profiles>).
 */
function startMockProcess() {
  const { spawn } = require('child_process');
  const script = `
    require(${JSON.stringify(path.join(__dirname, 'send.js'))}).__registerTs();
    const http = require('http');
    const { KlaviyoMock } = require(${JSON.stringify(path.join(root, 'test/mocks/klaviyo.ts'))});
    (async () => {
      const mock = new KlaviyoMock(${JSON.stringify(KEY)}, { limits: 'documented', jobPolls: 1 });
      await mock.start();
      const control = http.createServer((req, res) => {
        const n = Number(new URL(req.url, 'http://x').searchParams.get('n'));
        let lost = 0, duplicated = 0;
        for (let i = 0; i < n; i++) {
          const p = mock.profiles.get('customer' + i + '@example.com');
          if (!p) lost++;
          else if (p.writes > 1) duplicated++;
        }
        res.end(JSON.stringify({
          lost, duplicated,
          requests: mock.log.length,
          jobRequests: mock.count('POST', '/api/profile-bulk-import-jobs/'),
          statusPolls: mock.log.filter((l) => l.method === 'GET' && /^\\/api\\/profile-bulk-import-jobs\\/[^/]+\\/$/.test(l.path)).length,
          listRequests: mock.count('GET', '/api/lists/') + mock.count('POST', '/api/lists/'),
          rateLimited429: mock.rateLimitedCount,
          jobStarts: mock.arrivalsOf('importCreate'),
        }));
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

async function scenario({ name, lists = false, sorted = false, batch, concurrency, profiles = N }) {
  const mock = await startMockProcess();
  const provider = createKlaviyoProvider({ action: 'profiles', baseUrl: mock.url, apiKey: KEY, properties: PROPS, segmentLists: lists });
  const load = os.loadavg()[0];
  const latencies = [];
  const transport = async (request) => {
    const t = Date.now();
    try {
      return await fetchTransport(request);
    } finally {
      if (request.method === 'POST') latencies.push(Date.now() - t);
    }
  };
  const t0 = Date.now();
  const res = await runDelivery(inputs(profiles, sorted), {
    provider,
    transport,
    ledger: new StaticDataLedger({}),
    campaignKey: 'bench',
    runKey: 'r1',
    limits: { ...(batch ? { maxBatchSize: batch } : {}), ...(concurrency ? { concurrency } : {}) },
  });
  const ms = Date.now() - t0;
  const seen = await (await fetch(`${mock.control}/?n=${profiles}`)).json();
  mock.child.removeAllListeners('exit');
  mock.child.kill();
  const jobStarts = seen.jobStarts.slice().sort((a, b) => a - b);
  // A 10-per-second window lets the first 10 start at once; the rate is what followed them:
  // (jobs - 10) over the time from the first start to the last (ideal: exactly 10/s).
  const span = jobStarts.length > 10 ? (jobStarts[jobStarts.length - 1] - jobStarts[0]) / 1000 : 0;
  const steadyRate = span > 0 ? (jobStarts.length - 10) / span : null;
  const out = {
    name,
    profiles,
    seconds: +(ms / 1000).toFixed(2),
    profilesPerSecond: Math.round(profiles / (ms / 1000)),
    requests: seen.requests,
    jobRequests: seen.jobRequests,
    statusPolls: seen.statusPolls,
    listRequests: seen.listRequests,
    rateLimited429: seen.rateLimited429,
    sent: res.summary.sent,
    failed: res.summary.failed,
    unconfirmed: res.summary.unconfirmed,
    lost: seen.lost,
    duplicated: seen.duplicated,
    jobRequestLatencyMs: quantiles(latencies),
    jobRatePerSecond: steadyRate === null ? null : +steadyRate.toFixed(2),
    allowedJobRatePerSecond: 10,
    load1: +load.toFixed(2),
  };
  if (steadyRate !== null) out.shareOfAllowedRate = +(steadyRate / 10).toFixed(3);
  console.log(JSON.stringify(out));
  return out;
}

(async () => {
  const results = [];
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : '';
  const RATE_CONCURRENCY = arg('rate-concurrency', 24);
  if (!only || only === 'fewest') {
    results.push(await scenario({ name: 'fewest requests: 10,000 profiles per job, no lists' }));
    results.push(await scenario({ name: 'fewest requests with segment lists, input ordered by segment', lists: true, sorted: true }));
  }
  if (!only || only === 'rate') {
    results.push(await scenario({ name: `rate: 1,000 profiles per job, ${RATE_CONCURRENCY} in flight, documented limits`, batch: 1000, concurrency: RATE_CONCURRENCY }));
    results.push(await scenario({ name: `rate (light jobs): 10,000 profiles, 100 per job, ${RATE_CONCURRENCY} in flight, documented limits`, batch: 100, concurrency: RATE_CONCURRENCY, profiles: Math.min(N, 10000) }));
  }
  const summary = { machine: { cpus: os.cpus().length, load1AtEnd: +os.loadavg()[0].toFixed(2), node: process.version }, date: new Date().toISOString(), results };
  fs.writeFileSync(path.join(root, 'bench/results/klaviyo.json'), JSON.stringify(summary, null, 2) + '\n');
  const bad = results.filter((r) => r.lost || r.duplicated || r.failed || r.unconfirmed);
  if (bad.length) {
    console.error('lost/duplicated/failed profiles:', bad.map((r) => r.name));
    process.exitCode = 1;
  }
})();
