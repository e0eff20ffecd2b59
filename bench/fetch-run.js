'use strict';
/**
 * One measured fetch, in its own process so peak memory is this fetch's alone (bench/fetch.js
 * starts it). Prints one JSON line: wall time, requests, pages, records, retries, peak RSS.
 *
 *   node bench/fetch-run.js --lib bench/.data/fetch-js --source shopify --mode orders --url http://127.0.0.1:1234
 *   ... --baseline   raw paging only (fetch + JSON.parse, no normalization): the reference
 *   ... --method bulk   Shopify bulk export instead of pages
 */
const path = require('path');

function args(argv) {
  const out = {};
  for (let k = 0; k < argv.length; k++) {
    if (!argv[k].startsWith('--')) continue;
    const next = argv[k + 1];
    if (next === undefined || next.startsWith('--')) out[argv[k].slice(2)] = 'true';
    else out[argv[k].slice(2)] = argv[++k];
  }
  return out;
}

const ROOT = path.resolve(__dirname, '..');
const A = args(process.argv.slice(2));
// --lib <dir>: the core transpiled to JavaScript (bench/fetch.js does it once), so the measured
// process does not carry the TypeScript compiler; without it the .ts sources are loaded through
// bench/fetch-ts-register.js.
const lib = (rel) => (A.lib ? path.join(A.lib, rel + '.js') : path.join(ROOT, rel + '.ts'));
const { fetchTransport } = require(lib('nodes/core/net/http'));
const { fetchShopify, SHOPIFY_CUSTOMERS_QUERY, SHOPIFY_ORDERS_QUERY } = require(lib('nodes/core/sources/shopify'));
const { fetchWooCommerce } = require(lib('nodes/core/sources/woocommerce'));

const SHOPIFY_TOKEN = 'shpat_test_token_0123456789';
const WOO_AUTH = 'Basic ' + Buffer.from('ck_0123456789abcdef0123456789abcdef01234567:cs_0123456789abcdef0123456789abcdef01234567').toString('base64');

/** Raw paging: the least any client must do (request, parse, follow the cursor / page number). */
async function baseline(source, mode, url) {
  let requests = 0;
  let records = 0;
  if (source === 'shopify') {
    const query = mode === 'customers' ? SHOPIFY_CUSTOMERS_QUERY : SHOPIFY_ORDERS_QUERY;
    let after = null;
    for (;;) {
      const res = await fetch(`${url}/admin/api/2026-01/graphql.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': SHOPIFY_TOKEN },
        body: JSON.stringify({ query, variables: { first: 250, after } }),
      });
      requests++;
      const body = await res.json();
      const conn = body.data[mode];
      records += conn.nodes.length;
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
  } else {
    const paths = mode === 'customers' ? ['customers', 'orders'] : ['orders'];
    for (const p of paths) {
      for (let page = 1; ; page++) {
        const res = await fetch(`${url}/wp-json/wc/v3/${p}?per_page=100&page=${page}&orderby=id&order=asc`, { headers: { authorization: WOO_AUTH } });
        requests++;
        const body = await res.json();
        records += body.length;
        if (page >= Number(res.headers.get('x-wp-totalpages'))) break;
      }
    }
  }
  return { requests, pages: requests, records, read: records, retries: 0 };
}

async function main() {
  const a = A;
  const started = process.hrtime.bigint();
  let out;
  if (a.idle === 'true') out = { requests: 0, records: 0 };
  else if (a.baseline === 'true') out = await baseline(a.source, a.mode, a.url);
  else {
    const opts = { transport: fetchTransport, mode: a.mode, retry: { baseDelayMs: 100, maxDelayMs: 2000, maxRetries: 6 } };
    const res =
      a.source === 'shopify'
        ? await fetchShopify({ baseUrl: a.url, apiVersion: '2026-01', method: a.method || 'pages', bulkPollMs: 250 }, { ...opts, headers: { 'X-Shopify-Access-Token': SHOPIFY_TOKEN } })
        : await fetchWooCommerce({ baseUrl: a.url }, { ...opts, headers: { Authorization: WOO_AUTH } });
    out = { requests: res.stats.requests, pages: res.stats.pages, records: res.records.length, read: res.stats.read, retries: res.stats.retries, skipped: res.skipped.length, waitedMs: Math.round(res.stats.waitedMs) };
  }
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ ...out, wallMs: Math.round(wallMs), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
