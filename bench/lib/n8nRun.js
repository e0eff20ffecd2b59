'use strict';
/**
 * One production-like run of a workflow in a real n8n, for benches: `n8n start` (the way a
 * scheduled weekly run executes: no CLI printing the run data), the workflow imported and
 * activated, started by a POST to its Webhook node (which answers at once), the end found and the
 * run's data read in n8n's own SQLite database (never from stdout). Meanwhile the resident memory
 * of the n8n process and all its children is sampled; their own peaks (VmHWM) are read at the end.
 *
 *   const run = await runN8n({ workflow, webhookPath, env, maxOldSpaceMb });
 *   run.wallMs, run.peakRssMb, run.nodes (per node: startMs, ms, items), run.status
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const harness = require('../../test/e2e/harness');

const SAMPLE_MS = 200;

/** pid -> ppid for every process. */
function processTable() {
  const table = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      table.set(Number(name), ppid);
    } catch {
      /* gone */
    }
  }
  return table;
}

/** A process and all its descendants. */
function tree(pid) {
  const table = processTable();
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [p, pp] of table) if (pp === out[i]) out.push(p);
  return out;
}

/** A field of /proc/<pid>/status in MB (VmRSS, VmHWM), 0 when the process is gone. */
function statusMb(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) of a process. */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

function openDb(version, file) {
  const sqlite3 = require(path.join(harness.installDir(version), 'node_modules', 'sqlite3'));
  const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY);
  const once = (sql, params) => new Promise((res, rej) => db.get(sql, params, (e, row) => (e ? rej(e) : res(row))));
  // n8n writes while we read: a locked database is retried
  const get = async (sql, params = []) => {
    for (let i = 0; ; i++) {
      try {
        return await once(sql, params);
      } catch (e) {
        if (e.code !== 'SQLITE_BUSY' || i > 200) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  return { get, close: () => new Promise((res) => db.close(() => res())) };
}

/** Per node: start (ms after the first node started), execution time, items out (all outputs, all runs). */
function nodeTimes(runData) {
  const nodes = {};
  let t0 = Infinity;
  for (const runs of Object.values(runData)) for (const r of runs) t0 = Math.min(t0, r.startTime);
  for (const [name, runs] of Object.entries(runData)) {
    let ms = 0;
    let items = 0;
    for (const r of runs) {
      ms += r.executionTime || 0;
      for (const out of (r.data && r.data.main) || []) items += out ? out.length : 0;
    }
    nodes[name] = { startMs: runs[0].startTime - t0, ms, items, runs: runs.length, error: runs.find((r) => r.error)?.error?.message };
  }
  return nodes;
}

/**
 * What the saved run holds per node (all runs, all outputs): items, and the bytes (as JSON) of their
 * `json`, of their `pairedItem` and of their binary references, and of the rest of the node's run
 * entry (hints, source, metadata).
 */
function savedSizes(runData) {
  const mb = (x) => (x === undefined ? 0 : Buffer.byteLength(JSON.stringify(x)));
  const out = {};
  for (const [name, runs] of Object.entries(runData)) {
    const s = { items: 0, json_bytes: 0, paired_bytes: 0, binary_bytes: 0, other_bytes: 0 };
    for (const r of runs) {
      for (const output of (r.data && r.data.main) || [])
        for (const it of output || []) {
          s.items++;
          s.json_bytes += mb(it.json);
          s.paired_bytes += mb(it.pairedItem);
          s.binary_bytes += mb(it.binary);
        }
      s.other_bytes += mb({ ...r, data: undefined });
    }
    out[name] = s;
  }
  return out;
}

/** n8n's event log entries written after byte `from`. */
function readEvents(file, from) {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8').slice(from);
  const out = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const e = JSON.parse(line);
      if (e.eventName) out.push({ eventName: e.eventName, ts: e.ts, node: e.payload && e.payload.nodeName, error: e.payload && (e.payload.errorMessage || e.payload.error) });
    } catch {
      /* a line being written */
    }
  }
  return out;
}

/** Per node: start (ms after the first node started), time in the node (all runs), runs, items out (when the run data was saved). */
function nodeTimesFromEvents(events, resultData) {
  const nodes = {};
  const open = new Map();
  let t0;
  for (const e of events) {
    const t = Date.parse(e.ts);
    if (e.eventName === 'n8n.node.started') {
      t0 ??= t;
      open.set(e.node, t);
      nodes[e.node] ??= { startMs: t - t0, ms: 0, runs: 0 };
    } else if (e.eventName === 'n8n.node.finished' && open.has(e.node)) {
      nodes[e.node].ms += t - open.get(e.node);
      nodes[e.node].runs++;
      open.delete(e.node);
    }
  }
  if (resultData) {
    const sizes = savedSizes(resultData.runData || {});
    for (const [name, v] of Object.entries(nodeTimes(resultData.runData || {}))) if (nodes[name]) Object.assign(nodes[name], { items: v.items, saved: sizes[name] });
  }
  return nodes;
}

/** What n8n was doing at time `at` (ms since 1970): the node running, or the step between. */
function duringEvents(events, at) {
  let last = 'before the first node';
  for (const e of events) {
    const t = Date.parse(e.ts);
    if (t > at) break;
    if (e.eventName === 'n8n.node.started') last = e.node;
    else if (e.eventName === 'n8n.node.finished') last = `after ${e.node}`;
    else if (e.eventName === 'n8n.workflow.success') last = 'after the run (saving the run data)';
  }
  return last;
}

/** Waits until n8n has written the run's data (or failed to); its size, status and contents. */
async function waitSaved(version, userFolder, eventLog, eventsBefore, exited) {
  const db = openDb(version, path.join(userFolder, '.n8n', 'database.sqlite'));
  try {
    for (;;) {
      if (exited()) throw new Error('n8n died while saving the run');
      const failed = readEvents(eventLog, eventsBefore).find((e) => e.eventName === 'n8n.workflow.failed');
      const row = await db.get("SELECT id, status FROM execution_entity ORDER BY id DESC LIMIT 1");
      if (row && !['new', 'running', 'waiting'].includes(row.status)) {
        // the status is written before the run data: wait for data that holds the run's end
        const data = await db.get('SELECT data FROM execution_data WHERE executionId = ?', [row.id]);
        if (data && data.data && data.data.includes('"lastNodeExecuted"')) {
          const at = Date.now();
          const flatted = require(path.join(harness.installDir(version), 'node_modules', 'flatted'));
          const parsed = flatted.parse(data.data);
          return { status: row.status, at, bytes: data.data.length, resultData: parsed.resultData, error: parsed.resultData && parsed.resultData.error ? parsed.resultData.error.message : undefined };
        }
      }
      // the run ended but n8n could not save it (e.g. "Invalid string length": run data over 512 MB)
      if (failed && row && row.status === 'running') return { status: 'not saved', at: Date.parse(failed.ts), error: `n8n could not save the run data: ${failed.error || 'unknown error'}` };
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await db.close();
  }
}

/**
 * Runs `workflow` (an object with a Webhook node on `webhookPath`) once. Options: version, env
 * (extra n8n settings), allowedPaths, maxOldSpaceMb, timeoutMs, readResult (false: only status and
 * times). Resolves { status, wallMs, peakRssMb, hwmMb, cpuS, nodes, resultData?, load }.
 */
async function runN8n({ workflow, webhookPath, version = harness.DEFAULT_VERSION, env = {}, save = true, allowedPaths = [], maxOldSpaceMb, timeoutMs = 3600e3, log = () => {} }) {
  await harness.ensureN8n(version);
  // the packed package installed into the user folder's .n8n/nodes, as n8n's installer does (docs/REAL_N8N.md)
  const install = harness.installedPackage({ quiet: true });
  const extensions = install.distDir;
  const userFolder = harness.createUserFolder('bench');
  harness.linkNodes(userFolder, install);
  await harness.seedUserFolder(version, userFolder, extensions);
  const port = await harness.freePort();
  const baseEnv = await harness.n8nEnv({
    userFolder,
    allowedPaths,
    extensions,
    logLevel: 'info',
    env: { N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1', N8N_HOST: 'localhost', N8N_PROTOCOL: 'http', EXECUTIONS_DATA_SAVE_ON_SUCCESS: save ? 'all' : 'none', ...env },
  });
  const wf = harness.normalizeWorkflow(JSON.parse(JSON.stringify(workflow)), { manualStart: false });
  const nodeArgs = maxOldSpaceMb ? [`--max-old-space-size=${maxOldSpaceMb}`] : [];
  const child = harness.spawnTracked(process.execPath, [...nodeArgs, harness.n8nBin(version), 'start'], { cwd: harness.ROOT, env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  const keep = (d) => {
    const text = d.toString();
    logs.push(text);
    if (logs.length > 4000) logs.shift();
    log(text);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.once('exit', (code, signal) => (exited = signal || `exit ${code}`));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once('exit', r));
    harness.killGroup(child, 'SIGTERM');
    const t = setTimeout(() => harness.killGroup(child, 'SIGKILL'), 15000);
    await done;
    clearTimeout(t);
  };
  try {
    for (const started = Date.now(); ; ) {
      if (exited) throw new Error(`n8n stopped while starting (${exited}):\n${logs.join('').slice(-3000)}`);
      if (Date.now() - started > 180000) throw new Error(`n8n did not start:\n${logs.join('').slice(-3000)}`);
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.ok && logs.join('').includes('Editor is now accessible')) break;
      } catch {
        /* not yet */
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    // created and activated as the editor does (a CLI import has no version history to activate)
    const { cookie } = await harness.setupOwner(url);
    const created = await harness.httpJson(`${url}/rest/workflows`, { method: 'POST', cookie, body: { name: wf.name, nodes: wf.nodes, connections: wf.connections, settings: wf.settings, active: false }, timeoutMs: 60000 });
    if (created.status !== 200) throw new Error(`creating the workflow failed (${created.status}): ${created.text.slice(0, 500)}`);
    const stored = created.json.data;
    const act = await harness.httpJson(`${url}/rest/workflows/${stored.id}/activate`, { method: 'POST', cookie, body: { versionId: stored.versionId }, timeoutMs: 60000 });
    if (act.status !== 200) throw new Error(`activating the workflow failed (${act.status}): ${act.text.slice(0, 500)}`);
    const eventLog = path.join(userFolder, '.n8n', 'n8nEventLog.log');
    const eventsBefore = fs.existsSync(eventLog) ? fs.statSync(eventLog).size : 0;
    const idleRssMb = tree(child.pid).reduce((a, p) => a + statusMb(p, 'VmRSS'), 0);
    const cpu0 = cpuSeconds(child.pid);
    const load0 = os.loadavg()[0];
    let peak = 0;
    let peakAt = 0;
    const timeline = [];
    const sampler = setInterval(() => {
      const rss = tree(child.pid).reduce((a, p) => a + statusMb(p, 'VmRSS'), 0);
      timeline.push([Date.now(), Math.round(rss)]);
      if (rss > peak) {
        peak = rss;
        peakAt = Date.now();
      }
    }, SAMPLE_MS);
    const t0 = Date.now();
    const res = await fetch(`${url}/webhook/${webhookPath}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    if (!res.ok) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
    // the run's end and its nodes' times come from n8n's event log (written whether the run data
    // is saved or not); when it is saved, the run is over once n8n has written it
    let events = [];
    let end;
    for (;;) {
      if (exited) throw new Error(`n8n died during the run (${exited}):\n${logs.join('').slice(-3000)}`);
      if (Date.now() - t0 > timeoutMs) throw new Error('the run did not finish in time');
      events = readEvents(eventLog, eventsBefore);
      end = events.find((e) => e.eventName === 'n8n.workflow.success' || e.eventName === 'n8n.workflow.failed');
      if (end) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const saved = save ? await waitSaved(version, userFolder, eventLog, eventsBefore, () => exited) : { status: end.eventName === 'n8n.workflow.success' ? 'success' : 'error' };
    const wallMs = (saved.at ?? Date.now()) - t0;
    clearInterval(sampler);
    const pids = tree(child.pid);
    const hwmMb = pids.reduce((a, p) => a + statusMb(p, 'VmHWM'), 0);
    const cpuS = cpuSeconds(child.pid) - cpu0;
    const load1 = os.loadavg()[0];
    events = readEvents(eventLog, eventsBefore);
    const nodes = nodeTimesFromEvents(events, saved.resultData);
    return {
      status: saved.status,
      executionMs: Date.parse(end.ts) - Date.parse(events.find((e) => e.eventName === 'n8n.workflow.started')?.ts ?? end.ts),
      wallMs,
      peakRssMb: Math.round(peak),
      hwmMb: Math.round(hwmMb),
      idleRssMb: Math.round(idleRssMb),
      cpuS,
      load: { start: load0, end: load1 },
      savedBytes: saved.bytes ?? 0,
      nodes,
      peakDuring: duringEvents(events, peakAt),
      timeline: timeline.map(([t, mb]) => [t - t0, mb]),
      error: saved.error ?? null,
      resultData: saved.resultData,
      userFolder,
      logs: () => logs.join(''),
    };
  } finally {
    await stop();
  }
}

module.exports = { runN8n, tree, statusMb };
