#!/usr/bin/env node
/**
 * Replication, nodis -> nodis against redis -> redis in the same run (issue "5/5 Replication", Benchmark).
 * `npm run build && node bench/replication.mjs [--rounds N] [--quick]`.
 *
 * Every server runs with the same configuration (`--save '' --appendonly no`, diskless sync, the default,
 * with `--repl-diskless-sync-delay 0`, a fresh temp dir each); nodis and Redis are measured one after the
 * other, the order alternating between rounds:
 *   1. Full-sync time: `DEBUG POPULATE <keys>` (1,000,000 strings) on a master, then `REPLICAOF` on a fresh
 *      replica; the time from sending REPLICAOF until the replica's INFO replication shows
 *      master_link_status:up and slave_repl_offset equal to the master's master_repl_offset (polled every
 *      5 ms); the replica's DBSIZE is checked after it.
 *   2. SET throughput on a master with two replicas attached: `redis-benchmark -t set -c 50 -r 100000` at
 *      `-P 1` (-n R) and `-P 16` (-n 4R), first on the master alone (the baseline), then with both replicas
 *      attached and in sync (after one unmeasured warm-up run); requests/s and the master's CPU time per
 *      request (utime+stime from /proc).
 *   3. Replication lag under that load: every 50 ms during the runs with replicas, INFO replication of the
 *      master and of both replicas (sent at once); lag in bytes = master_repl_offset - slave_repl_offset, in
 *      ms = the sample's time minus the time the master's offset passed the replica's (when it produced the
 *      first byte the replica lacks, interpolated between samples); max and p99 over the samples of both
 *      replicas; and the catch-up time after the benchmark ends (until both replicas reach the master's offset).
 * Goals (issue): full sync within 3x Redis's time; SET throughput with replicas >= 0.75x Redis's. Prints one
 * table; writes .bench/replication.json.
 *
 * Options: --rounds N (3)  --quick (1 round, 100,000 keys, fewer requests)  --keys N (1000000)
 * --requests N (redis-benchmark -n at -P 1, 100000; quick 20000)  --only fullsync,throughput
 * --servers redis,nodis (one alone to check the harness)
 * --port-base N (0: the OS picks)  --main path (dist/main.js)  --out path
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Conn, cpuSeconds, freePort, median, parseArgs, redisBenchmark, resp, ROOT, shippedNodeArgs, stopChild, table, untilPong } from './lib.mjs';

const opts = parseArgs(process.argv.slice(2), {
  rounds: 3,
  quick: false,
  keys: 1000000,
  requests: 0,
  only: 'fullsync,throughput',
  servers: 'redis,nodis',
  portBase: 0,
  main: path.join(ROOT, 'dist/main.js'),
  out: path.join(ROOT, '.bench/replication.json'),
});
if (opts.quick) {
  if (process.argv.indexOf('--keys') === -1) opts.keys = 100000;
  if (process.argv.indexOf('--rounds') === -1) opts.rounds = 1;
}
if (opts.requests === 0) opts.requests = opts.quick ? 20000 : 100000;
const parts = new Set(opts.only.split(','));
const taken = new Set();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const live = new Set();
const SERVERS = opts.servers.split(',');
const SAMPLE_MS = 50;

// --- Servers ---

/** Spawns a server with a fresh temp dir and `args`; resolves once PING answers +PONG. */
async function launch(name, args = []) {
  const port = await freePort(opts.portBase, taken);
  const dir = mkdtempSync(path.join(os.tmpdir(), `nodis-bench-repl-${name}-`));
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  common.push('--enable-debug-command', 'yes', '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0', ...args);
  const child =
    name === 'redis'
      ? spawn('redis-server', [...common, '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, [...shippedNodeArgs(opts.main), opts.main, ...common], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  child.stdout.on('data', (d) => (out = (out + d).slice(-4000)));
  child.stderr.on('data', (d) => (out = (out + d).slice(-4000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    await untilPong(port, () => exited, 60000);
  } catch (e) {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${name}: ${e.message}\n${out}`);
  }
  const conn = new Conn(port);
  await conn.open();
  return {
    name,
    port,
    pid: child.pid,
    conn,
    output: () => out,
    async stop() {
      conn.close();
      await stopChild(child);
      live.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls INFO replication every `everyMs` until every replica's link is up at the master's offset. */
async function waitInSync(master, replicas, everyMs = 5, timeoutMs = 600000) {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const [m, ...rs] = await Promise.all([master, ...replicas].map((s) => s.conn.info('replication')));
    if (rs.every((r) => r.master_link_status === 'up' && r.slave_repl_offset === m.master_repl_offset)) return;
    if (performance.now() > end) {
      throw new Error(`replicas not in sync: master ${m.master_repl_offset}, ${rs.map((r) => `${r.master_link_status} ${r.slave_repl_offset}`).join(', ')}`);
    }
    await sleep(everyMs);
  }
}

// --- Measurements ---

/** DEBUG POPULATE on a master, REPLICAOF on a fresh replica, time until it is in sync. */
async function fullSync(name) {
  const master = await launch(name);
  let replica;
  try {
    await master.conn.ok('DEBUG', 'POPULATE', String(opts.keys));
    const keys = Number(await master.conn.ok('DBSIZE'));
    replica = await launch(name);
    const t0 = performance.now();
    await replica.conn.ok('REPLICAOF', '127.0.0.1', String(master.port));
    await waitInSync(master, [replica]);
    const ms = performance.now() - t0;
    const got = Number(await replica.conn.ok('DBSIZE'));
    if (got !== keys) throw new Error(`${name}: replica has ${got} keys after the full sync, master ${keys}`);
    return { keys, ms };
  } finally {
    await replica?.stop();
    await master.stop();
  }
}

/** Linear interpolation: the time the master's offset reached `offset` (history is [t, offset], rising). */
function timeAtOffset(history, offset) {
  for (let i = 0; i < history.length; i++) {
    const [t, o] = history[i];
    if (o >= offset) {
      if (i === 0) return t;
      const [tp, op] = history[i - 1];
      return o === op ? t : tp + ((t - tp) * (offset - op)) / (o - op);
    }
  }
  return history.length ? history[history.length - 1][0] : 0;
}

/** Samples INFO replication of the master and the replicas every SAMPLE_MS until stop() is called. */
function sampleLag(master, replicas) {
  const history = [];
  const lags = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      const [m, ...rs] = await Promise.all([master, ...replicas].map((s) => s.conn.info('replication')));
      const t = performance.now();
      const mo = Number(m.master_repl_offset);
      history.push([t, mo]);
      for (const r of rs) {
        const ro = Number(r.slave_repl_offset);
        // the time the master produced the first byte the replica lacks
        lags.push({ bytes: Math.max(0, mo - ro), ms: ro >= mo ? 0 : Math.max(0, t - timeAtOffset(history, ro + 1)) });
      }
      await sleep(Math.max(0, SAMPLE_MS - (performance.now() - t0)));
    }
  })();
  return async () => {
    running = false;
    await loop;
    return lags;
  };
}

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
}

const RUNS = () => [
  [1, opts.requests],
  [16, opts.requests * 4],
];

async function benchSet(master, pipeline, n) {
  await master.conn.ok('FLUSHALL');
  const cpu0 = cpuSeconds(master.pid);
  const rows = await redisBenchmark(master.port, ['-t', 'set', '-c', '50', '-P', String(pipeline), '-n', String(n), '-r', '100000']);
  const cpu = cpuSeconds(master.pid) - cpu0;
  const row = rows.find((r) => r.test.toLowerCase() === 'set');
  return { rps: row?.rps ?? NaN, cpuUs: (cpu * 1e6) / n };
}

/** SET on the master alone, then with two replicas attached (lag sampled meanwhile). */
async function throughput(name) {
  const master = await launch(name);
  const replicas = [];
  const res = { alone: {}, replicas: {} };
  try {
    // warm-up (nodis's JIT), not measured
    await redisBenchmark(master.port, ['-t', 'set', '-c', '50', '-P', '16', '-n', String(opts.requests), '-r', '100000']);
    for (const [p, n] of RUNS()) res.alone[`P${p}`] = await benchSet(master, p, n);
    for (let i = 0; i < 2; i++) replicas.push(await launch(name));
    for (const r of replicas) await r.conn.ok('REPLICAOF', '127.0.0.1', String(master.port));
    await waitInSync(master, replicas, 20);
    for (const [p, n] of RUNS()) {
      await waitInSync(master, replicas, 20);
      const stop = sampleLag(master, replicas);
      const r = await benchSet(master, p, n);
      const t0 = performance.now();
      await waitInSync(master, replicas, 5);
      r.catchUpMs = performance.now() - t0;
      const lags = await stop();
      r.samples = lags.length;
      r.maxBytes = Math.max(...lags.map((l) => l.bytes));
      r.p99Bytes = pct(lags.map((l) => l.bytes), 99);
      r.maxMs = Math.max(...lags.map((l) => l.ms));
      r.p99Ms = pct(lags.map((l) => l.ms), 99);
      res.replicas[`P${p}`] = r;
    }
    // the replicas hold what the master holds
    const [dm, ...drs] = await Promise.all([master, ...replicas].map((s) => s.conn.ok('DEBUG', 'DIGEST')));
    if (drs.some((d) => d !== dm)) throw new Error(`${name}: DEBUG DIGEST differs between the master and its replicas`);
  } finally {
    for (const r of replicas) await r.stop();
    await master.stop();
  }
  return res;
}

const log = (s) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : 'n/a');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const kb = (b) => (Number.isFinite(b) ? `${(b / 1024).toFixed(1)} KB` : 'n/a');
/** "met" / "MISSED" for a measured pair, "n/a" when a side is missing. */
const verdict = (ok, ...xs) => (xs.every(Number.isFinite) ? (ok ? 'met' : 'MISSED') : 'n/a');

async function main() {
  log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, ${os.cpus().length} cpus; ${opts.rounds} rounds, ${opts.keys} keys, redis-benchmark -n ${opts.requests} (-P 16: ${opts.requests * 4})`);
  const samples = { fullsync: { redis: [], nodis: [] }, throughput: { redis: [], nodis: [] } };
  for (let round = 0; round < opts.rounds; round++) {
    const order = round % 2 === 0 ? SERVERS : [...SERVERS].reverse();
    if (parts.has('fullsync')) {
      for (const name of order) {
        const r = await fullSync(name);
        samples.fullsync[name].push(r);
        log(`round ${round + 1} ${name} full sync of ${r.keys} keys: ${ms(r.ms)}`);
      }
    }
    if (parts.has('throughput')) {
      for (const name of order) {
        const r = await throughput(name);
        samples.throughput[name].push(r);
        for (const p of ['P1', 'P16']) {
          const w = r.replicas[p];
          log(
            `round ${round + 1} ${name} SET -P ${p.slice(1)}: alone ${r.alone[p].rps.toFixed(0)}/s, 2 replicas ${w.rps.toFixed(0)}/s; ` +
              `lag max ${kb(w.maxBytes)} ${ms(w.maxMs)}, p99 ${kb(w.p99Bytes)} ${ms(w.p99Ms)} (${w.samples} samples), catch-up ${ms(w.catchUpMs)}`,
          );
        }
      }
    }
  }

  const rows = [];
  const med = (xs, f) => median(xs.map(f));
  if (parts.has('fullsync')) {
    const n = med(samples.fullsync.nodis, (r) => r.ms);
    const r = med(samples.fullsync.redis, (r) => r.ms);
    rows.push([`full sync of ${opts.keys} keys (diskless)`, ms(n), ms(r), f2(n / r), `<= 3x: ${verdict(n <= 3 * r, n, r)}`]);
  }
  if (parts.has('throughput')) {
    const T = samples.throughput;
    for (const p of ['P1', 'P16']) {
      const na = med(T.nodis, (x) => x.alone[p].rps);
      const ra = med(T.redis, (x) => x.alone[p].rps);
      rows.push([`SET req/s, master alone, -P ${p.slice(1)}`, na.toFixed(0), ra.toFixed(0), f2(na / ra), 'baseline']);
      const n = med(T.nodis, (x) => x.replicas[p].rps);
      const r = med(T.redis, (x) => x.replicas[p].rps);
      const paired = median(T.nodis.map((x, i) => x.replicas[p].rps / T.redis[i]?.replicas[p].rps));
      rows.push([`SET req/s, 2 replicas, -P ${p.slice(1)}`, n.toFixed(0), r.toFixed(0), f2(n / r), `>= 0.75x: ${verdict(n >= 0.75 * r, n, r)}; per-round ratio ${f2(paired)}`]);
      rows.push(['  with replicas / alone', f2(n / na), f2(r / ra), '', '']);
      const nc = med(T.nodis, (x) => x.replicas[p].cpuUs);
      const rc = med(T.redis, (x) => x.replicas[p].cpuUs);
      const nca = med(T.nodis, (x) => x.alone[p].cpuUs);
      const rca = med(T.redis, (x) => x.alone[p].cpuUs);
      rows.push(['  master CPU us/request, 2 replicas', nc.toFixed(2), rc.toFixed(2), f2(nc / rc), `alone: ${nca.toFixed(2)} / ${rca.toFixed(2)}`]);
      for (const [key, label, fmt] of [
        ['maxBytes', 'lag max (bytes)', kb],
        ['p99Bytes', 'lag p99 (bytes)', kb],
        ['maxMs', 'lag max (ms)', ms],
        ['p99Ms', 'lag p99 (ms)', ms],
        ['catchUpMs', 'catch-up after the run', ms],
      ]) {
        const nv = med(T.nodis, (x) => x.replicas[p][key]);
        const rv = med(T.redis, (x) => x.replicas[p][key]);
        rows.push([`  ${label}`, fmt(nv), fmt(rv), f2(nv / rv), '']);
      }
    }
  }
  console.log();
  console.log(table(['measure (median)', 'nodis', 'redis', 'nodis/redis', 'goal / note'], rows));
  log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  mkdirSync(path.dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, JSON.stringify({ date: new Date().toISOString(), loadavg: os.loadavg(), ...opts, samples }, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), opts.out) || opts.out}`);
}

main().catch(async (e) => {
  console.error(e instanceof Error ? e.stack : e);
  for (const c of live) await stopChild(c);
  process.exit(1);
});
