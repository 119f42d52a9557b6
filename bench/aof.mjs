#!/usr/bin/env node
/**
 * The append-only file, nodis against a real redis-server in the same run (issue "4/5 AOF", Benchmark).
 * `npm run build && node bench/aof.mjs [--rounds N] [--quick]`.
 *
 * Both servers run with the same configuration (`--appendonly yes --auto-aof-rewrite-percentage 0`, a fresh
 * temp dir each start; nodis writes dir/appendonly.aof, Redis 7.0 its appendonlydir/) and are measured one
 * after the other, the order alternating between rounds:
 *   1. SET throughput: `redis-benchmark -t set -c 50 -P 1 -n R -r 100000` and the same with `-P 16` (4R
 *      requests), with `appendfsync always`, `everysec` and `no`, and with `appendonly no` (each server's
 *      baseline, for reference); requests/s, and the server's CPU time per request (utime+stime from /proc,
 *      see bench/README.md). Median of the rounds.
 *   2. BGREWRITEAOF duration: `DEBUG POPULATE <keys>` (1,000,000 strings), then BGREWRITEAOF and INFO
 *      persistence polled every 5 ms until aof_rewrite_in_progress:0 and aof_rewrite_scheduled:0; with
 *      `aof-use-rdb-preamble yes` (the default) and `no`; the size of the AOF after it. Median of the rounds.
 *   3. AOF load at startup: `--aof-use-rdb-preamble no`, <keys> pipelined SETs (`SET key:<i> <~20-60 bytes>`,
 *      so the AOF is a plain list of ~1M SET records), the server stopped with SIGTERM and started again on
 *      that dir: the time from spawn until PING answers +PONG (not -LOADING), minus an empty start's time.
 *      Median of the rounds.
 * Goals (issue): >= 0.75x Redis's SET throughput for everysec and always; rewrite and load within 3x
 * Redis's time. Prints one table; writes .bench/aof.json.
 *
 * Options: --rounds N (3)  --quick (1 round, 100,000 keys, fewer requests)  --keys N (1000000)
 * --requests N (redis-benchmark -n at -P 1, 100000; quick 20000)  --only throughput,rewrite,load
 * --servers redis,nodis (one alone to check the harness)
 * --port-base N (0: the OS picks)  --main path (dist/main.js)  --out path
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Conn, cpuSeconds, freePort, median, parseArgs, pump, redisBenchmark, resp, ROOT, shippedNodeArgs, stopChild, table, untilPong } from './lib.mjs';

const opts = parseArgs(process.argv.slice(2), {
  rounds: 3,
  quick: false,
  keys: 1000000,
  requests: 0,
  only: 'throughput,rewrite,load',
  servers: 'redis,nodis',
  portBase: 0,
  main: path.join(ROOT, 'dist/main.js'),
  out: path.join(ROOT, '.bench/aof.json'),
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
/** appendfsync policies; 'off' is `appendonly no`, each server's baseline for reference. */
const POLICIES = ['always', 'everysec', 'no', 'off'];
const SERVERS = opts.servers.split(',');

const FILLER = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2);
function* sets(keys) {
  for (let i = 0; i < keys; i++) yield ['SET', `key:${i}`, FILLER.slice(0, 20 + ((i * 7) % 40)) + i];
}

// --- Servers ---

/** Spawns a server on `dir` with `args` (directives as --name value); resolves once PING answers +PONG. */
async function launch(name, dir, args) {
  const port = await freePort(opts.portBase, taken);
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--enable-debug-command', 'yes', ...args];
  const t0 = performance.now();
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
    await untilPong(port, () => exited);
  } catch (e) {
    await stopChild(child);
    throw new Error(`${name}: ${e.message}\n${out}`);
  }
  const startMs = performance.now() - t0;
  const conn = new Conn(port);
  await conn.open();
  return {
    name,
    port,
    pid: child.pid,
    dir,
    startMs,
    conn,
    output: () => out,
    async stop() {
      conn.close();
      await stopChild(child);
      live.delete(child);
    },
  };
}

const tmpDir = (name) => mkdtempSync(path.join(os.tmpdir(), `nodis-bench-aof-${name}-`));

/** Bytes of the AOF: nodis's single file, or every file of Redis's appendonlydir/. */
function aofBytes(srv) {
  if (srv.name === 'nodis') {
    try {
      return statSync(path.join(srv.dir, 'appendonly.aof')).size;
    } catch {
      return NaN;
    }
  }
  // the files the manifest names (a replaced base may linger until Redis's background delete)
  const d = path.join(srv.dir, 'appendonlydir');
  const manifest = readdirSync(d).find((f) => f.endsWith('.manifest'));
  let total = 0;
  for (const m of readFileSync(path.join(d, manifest), 'latin1').matchAll(/^file (\S+) /gm)) total += statSync(path.join(d, m[1])).size;
  return total;
}

// --- Measurements ---

/** One start per server and policy: SET at -P 1 and -P 16. */
async function throughput(name, policy) {
  const dir = tmpDir(name);
  const aof = policy === 'off' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', policy];
  const srv = await launch(name, dir, [...aof, '--auto-aof-rewrite-percentage', '0']);
  const res = {};
  try {
    for (const [pipeline, n] of [
      [1, opts.requests],
      [16, opts.requests * 4],
    ]) {
      await srv.conn.call('FLUSHALL');
      const cpu0 = cpuSeconds(srv.pid);
      const rows = await redisBenchmark(srv.port, ['-t', 'set', '-c', '50', '-P', String(pipeline), '-n', String(n), '-r', '100000']);
      const cpu = cpuSeconds(srv.pid) - cpu0;
      const row = rows.find((r) => r.test.toLowerCase() === 'set');
      res[`P${pipeline}`] = { rps: row?.rps ?? NaN, cpuUs: (cpu * 1e6) / n, p50Ms: row?.p50Ms, p99Ms: row?.p99Ms };
    }
    const f = await srv.conn.info('persistence');
    res.delayedFsync = Number(f.aof_delayed_fsync ?? NaN);
    res.writeStatus = f.aof_last_write_status;
    res.aofBytes = policy === 'off' ? 0 : aofBytes(srv);
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return res;
}

async function waitRewriteDone(conn) {
  for (;;) {
    const f = await conn.info('persistence');
    if (f.aof_rewrite_in_progress === '0' && f.aof_rewrite_scheduled === '0') return f;
    await sleep(5);
  }
}

/** DEBUG POPULATE, then BGREWRITEAOF with the preamble on and off (one start). */
async function rewrite(name) {
  const dir = tmpDir(name);
  const srv = await launch(name, dir, ['--appendonly', 'yes', '--auto-aof-rewrite-percentage', '0']);
  const res = {};
  try {
    const r = await srv.conn.call('DEBUG', 'POPULATE', String(opts.keys));
    if (r instanceof Error) throw r;
    res.keys = Number(await srv.conn.call('DBSIZE'));
    for (const preamble of ['yes', 'no']) {
      await waitRewriteDone(srv.conn);
      const c = await srv.conn.call('CONFIG', 'SET', 'aof-use-rdb-preamble', preamble);
      if (c instanceof Error) throw c;
      const t0 = performance.now();
      const started = await srv.conn.call('BGREWRITEAOF');
      if (started instanceof Error) throw started;
      const f = await waitRewriteDone(srv.conn);
      const ms = performance.now() - t0;
      if (f.aof_last_bgrewrite_status !== 'ok') throw new Error(`${name}: BGREWRITEAOF failed`);
      res[preamble === 'yes' ? 'preamble' : 'commands'] = { ms, bytes: aofBytes(srv) };
    }
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return res;
}

/** <keys> SETs into a commands-only AOF, SIGTERM, then the time to start on it (and on an empty dir). */
async function load(name) {
  const dir = tmpDir(name);
  const empty = tmpDir(`${name}-empty`);
  const args = ['--appendonly', 'yes', '--appendfsync', 'everysec', '--aof-use-rdb-preamble', 'no', '--auto-aof-rewrite-percentage', '0'];
  const res = {};
  try {
    let srv = await launch(name, dir, args);
    const t0 = performance.now();
    await pump(srv.port, sets(opts.keys));
    res.fillMs = performance.now() - t0;
    await srv.stop();
    res.aofBytes = aofBytes(srv);
    srv = await launch(name, empty, args);
    res.emptyMs = srv.startMs;
    await srv.stop();
    srv = await launch(name, dir, args);
    res.loadMs = srv.startMs;
    res.keys = Number(await srv.conn.call('DBSIZE'));
    await srv.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  }
  if (res.keys !== opts.keys) throw new Error(`${name}: ${res.keys} keys after the AOF load, expected ${opts.keys}`);
  return res;
}

const log = (s) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const mb = (b) => `${(b / 1048576).toFixed(1)} MB`;
const ms = (x) => `${x.toFixed(0)} ms`;
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
/** "met" / "MISSED" for a measured pair, "n/a" when a side is missing. */
const verdict = (ok, ...xs) => (xs.every(Number.isFinite) ? (ok ? 'met' : 'MISSED') : 'n/a');

async function main() {
  log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, ${os.cpus().length} cpus; ${opts.rounds} rounds, ${opts.keys} keys, redis-benchmark -n ${opts.requests} (-P 16: ${opts.requests * 4})`);
  const samples = { throughput: {}, rewrite: { redis: [], nodis: [] }, load: { redis: [], nodis: [] } };
  for (const s of ['redis', 'nodis']) samples.throughput[s] = Object.fromEntries(POLICIES.map((p) => [p, []]));
  for (let round = 0; round < opts.rounds; round++) {
    const order = round % 2 === 0 ? SERVERS : [...SERVERS].reverse();
    if (parts.has('throughput')) {
      for (const policy of POLICIES) {
        for (const name of order) {
          const r = await throughput(name, policy);
          samples.throughput[name][policy].push(r);
          const what = policy === 'off' ? 'appendonly no' : `appendfsync ${policy}`;
          log(`round ${round + 1} ${name} ${what}: SET -P 1 ${r.P1.rps.toFixed(0)}/s, -P 16 ${r.P16.rps.toFixed(0)}/s${policy === 'off' ? '' : `, aof_delayed_fsync ${r.delayedFsync}`}`);
        }
      }
    }
    if (parts.has('rewrite')) {
      for (const name of order) {
        const r = await rewrite(name);
        samples.rewrite[name].push(r);
        log(`round ${round + 1} ${name} BGREWRITEAOF of ${r.keys} keys: preamble ${ms(r.preamble.ms)} (${mb(r.preamble.bytes)}), commands ${ms(r.commands.ms)} (${mb(r.commands.bytes)})`);
      }
    }
    if (parts.has('load')) {
      for (const name of order) {
        const r = await load(name);
        samples.load[name].push(r);
        log(`round ${round + 1} ${name} start on an AOF of ${r.keys} SETs (${mb(r.aofBytes)}): ${ms(r.loadMs)} (empty ${ms(r.emptyMs)})`);
      }
    }
  }

  const rows = [];
  const med = (xs, f) => median(xs.map(f));
  if (parts.has('throughput')) {
    for (const policy of POLICIES) {
      for (const p of ['P1', 'P16']) {
        const n = med(samples.throughput.nodis[policy], (r) => r[p].rps);
        const r = med(samples.throughput.redis[policy], (r) => r[p].rps);
        const goal = policy === 'no' || policy === 'off' ? (policy === 'off' ? 'baseline, no AOF' : '') : `>= 0.75x: ${verdict(n >= 0.75 * r, n, r)}`;
        const label = policy === 'off' ? `SET req/s, appendonly no, -P ${p.slice(1)}` : `SET req/s, appendfsync ${policy}, -P ${p.slice(1)}`;
        // the two servers of a round run back to back, under the same load from elsewhere on the machine
        const paired = median(samples.throughput.nodis[policy].map((x, i) => x[p].rps / samples.throughput.redis[policy][i]?.[p].rps));
        rows.push([label, n.toFixed(0), r.toFixed(0), f2(n / r), `${goal}${goal ? '; ' : ''}per-round ratio ${f2(paired)}`]);
        const nc = med(samples.throughput.nodis[policy], (r) => r[p].cpuUs);
        const rc = med(samples.throughput.redis[policy], (r) => r[p].cpuUs);
        rows.push(['  server CPU us/request', nc.toFixed(2), rc.toFixed(2), f2(nc / rc), '']);
      }
      if (policy === 'everysec') {
        const n = med(samples.throughput.nodis[policy], (r) => r.delayedFsync);
        const r = med(samples.throughput.redis[policy], (r) => r.delayedFsync);
        rows.push(['  aof_delayed_fsync after the runs', n, r, '', '']);
      }
    }
  }
  if (parts.has('rewrite')) {
    for (const [key, label] of [
      ['preamble', 'aof-use-rdb-preamble yes'],
      ['commands', 'aof-use-rdb-preamble no'],
    ]) {
      const n = med(samples.rewrite.nodis, (r) => r[key].ms);
      const r = med(samples.rewrite.redis, (r) => r[key].ms);
      rows.push([`BGREWRITEAOF ${opts.keys} keys, ${label}`, ms(n), ms(r), f2(n / r), `<= 3x: ${verdict(n <= 3 * r, n, r)}`]);
      const nb = med(samples.rewrite.nodis, (r) => r[key].bytes);
      const rb = med(samples.rewrite.redis, (r) => r[key].bytes);
      rows.push(['  AOF size after it', mb(nb), mb(rb), f2(nb / rb), '']);
    }
  }
  if (parts.has('load')) {
    const n = med(samples.load.nodis, (r) => r.loadMs);
    const r = med(samples.load.redis, (r) => r.loadMs);
    rows.push([`start on an AOF of ${opts.keys} SETs to PONG`, ms(n), ms(r), f2(n / r), `<= 3x: ${verdict(n <= 3 * r, n, r)}`]);
    const ne = med(samples.load.nodis, (r) => r.emptyMs);
    const re = med(samples.load.redis, (r) => r.emptyMs);
    rows.push(['  empty start to PONG', ms(ne), ms(re), '', 'for reference']);
    rows.push(['  load only (minus empty)', ms(n - ne), ms(r - re), f2((n - ne) / (r - re)), '']);
    const nb = med(samples.load.nodis, (r) => r.aofBytes);
    const rb = med(samples.load.redis, (r) => r.aofBytes);
    rows.push(['  AOF size', mb(nb), mb(rb), f2(nb / rb), '']);
    const nf = med(samples.load.nodis, (r) => r.fillMs);
    const rf = med(samples.load.redis, (r) => r.fillMs);
    rows.push(['  writing it (pipelined SETs, everysec)', ms(nf), ms(rf), f2(nf / rf), '']);
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
