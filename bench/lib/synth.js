'use strict';
/**
 * Seeded synthetic order sets for benchmarks: `generateOrders(n, seed)` gives n order rows of about
 * n / 6.75 customers (1M -> ~150k, 5M -> ~740k), skewed like a real shop (most customers buy once,
 * a few buy often), with 2% cancelled orders, 1% fully refunded orders and 2% partial refund rows
 * (negative amounts on an existing order id). Columnar output to keep 5M rows cheap.
 */
const fs = require('fs');
const path = require('path');

function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const START = Date.UTC(2024, 0, 1);
const SPAN = Date.UTC(2026, 0, 1) - START;

function generateOrders(n, seed = 42) {
  const rnd = mulberry32(seed);
  const customers = Math.max(1, Math.round(n / 6.75));
  const customerIdx = new Int32Array(n);
  const time = new Float64Array(n);
  const amount = new Float64Array(n);
  const status = new Uint8Array(n); // 0 paid, 1 cancelled, 2 refunded, 3 partial refund row
  const orderNo = new Int32Array(n); // order number; refund rows point at an earlier order
  let next = 0;
  for (let i = 0; i < n; i++) {
    const c = i < customers ? i : Math.floor(customers * Math.pow(rnd(), 3));
    customerIdx[i] = c;
    time[i] = START + Math.floor(rnd() * SPAN / 1000) * 1000;
    // log-normal order value around 45, two decimals
    const z = Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
    amount[i] = Math.round(Math.exp(3.8 + 0.7 * z) * 100) / 100;
    const s = rnd();
    if (s < 0.02) status[i] = 1;
    else if (s < 0.03) status[i] = 2;
    else if (s < 0.05 && i >= customers) status[i] = 3;
    if (status[i] === 3) {
      // partial refund of this customer's first order: negative row on that order id
      orderNo[i] = c;
      amount[i] = -Math.round(amount[i] * 30) / 100;
    } else orderNo[i] = next++;
  }
  return { n, customers, customerIdx, time, amount, status, orderNo };
}

const STATUS = ['paid', 'cancelled', 'refunded', 'paid'];

/** Materialises row objects (as n8n items' json would look) for rows [from, to). */
function rowsOf(set, from = 0, to = set.n) {
  const out = new Array(to - from);
  for (let i = from; i < to; i++) {
    out[i - from] = {
      customer_id: 'C' + set.customerIdx[i],
      order_id: 'O' + set.orderNo[i],
      created_at: new Date(set.time[i]).toISOString(),
      total: set.amount[i],
      currency: 'USD',
      status: STATUS[set.status[i]],
    };
  }
  return out;
}

/** Writes the set as CSV (customer_id,order_id,created_at_ms,total,currency,status) for pandas. */
function writeCsv(set, file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'customer_id,order_id,created_at_ms,total,currency,status\n');
  const CHUNK = 100000;
  for (let from = 0; from < set.n; from += CHUNK) {
    let s = '';
    for (let i = from; i < Math.min(set.n, from + CHUNK); i++)
      s += `C${set.customerIdx[i]},O${set.orderNo[i]},${set.time[i]},${set.amount[i]},USD,${STATUS[set.status[i]]}\n`;
    fs.writeSync(fd, s);
  }
  fs.closeSync(fd);
}

/** ISO 8601 UTC to the second ("2024-03-05T10:00:00Z"), as shop exports write dates. */
function isoSecond(ms) {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/**
 * Writes the set as a shop's orders export (customer_id,order_id,created_at,total,currency,status,
 * email with ISO dates): the file the CSV path (Fetch Customers) and its peers (pandas, polars,
 * DuckDB) read in bench/rfm.js and bench/e2e.js.
 */
function writeExportCsv(set, file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  fs.writeSync(fd, 'customer_id,order_id,created_at,total,currency,status,email\n');
  const CHUNK = 100000;
  for (let from = 0; from < set.n; from += CHUNK) {
    let s = '';
    for (let i = from; i < Math.min(set.n, from + CHUNK); i++)
      s += `C${set.customerIdx[i]},O${set.orderNo[i]},${isoSecond(set.time[i])},${set.amount[i]},USD,${STATUS[set.status[i]]},c${set.customerIdx[i]}@shop.example\n`;
    fs.writeSync(fd, s);
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

module.exports = { mulberry32, generateOrders, rowsOf, writeCsv, writeExportCsv, STATUS };
