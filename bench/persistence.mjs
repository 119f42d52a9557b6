#!/usr/bin/env node
/**
 * RDB snapshots, nodis against a real redis-server in the same run (issue "3/5 RDB snapshots", Benchmark).
 * `npm run build && node bench/persistence.mjs [--keys N] [--quick]`.
 *
 * Both servers get the same dataset: `--keys` keys (default 1,000,000) of mixed types from one seeded
 * generator, sent as pipelined raw RESP: 85% strings (10-100 bytes, some integers, a tenth with a TTL of a
 * day), 5% hashes, 4% lists, 3% sets (some all-integer), 3% sorted sets; collections mostly small (3-30
 * elements), one in 500 with 1,000 elements. Then, one server at a time:
 *   1. BGSAVE duration: BGSAVE, then INFO persistence polled every 5 ms until rdb_bgsave_in_progress:0;
 *      the file size of dump.rdb.
 *   2. Latency: `redis-benchmark -t set,get -c 20 -P 1 -n R -r 100000 --csv` without BGSAVE, then the same
 *      while BGSAVE runs back to back (a new one is started within 5 ms of the previous one ending, so
 *      every moment of the run, and Redis's fork pauses, are covered); p50/p99 of SET and GET.
 *   3. Memory under a workload that overwrites every key: every key is SET again with a value of similar
 *      size (pipelined), once without a save (control) and once right after BGSAVE started. RSS of the
 *      server process is sampled every 5 ms; overhead = (peak RSS during the save run - RSS before) minus
 *      the same for the control run, as % of the dataset's RSS (RSS after loading minus RSS empty). Redis's
 *      copy-on-write lives in its child and shows in INFO instead: rdb_last_cow_size and the peak of
 *      current_cow_peak, both reported; nodis's INFO figures (rdb_last_cow_size = bytes copied on write,
 *      current_cow_peak = peak snapshot memory) are reported next to its RSS.
 *   4. Startup load: the server is stopped (no save) and started again on its dump.rdb; the time from
 *      spawn until PING answers +PONG (not -LOADING), next to the time an empty start takes.
 * Prints one table with nodis, redis, nodis/redis and the goals; writes .bench/persistence.json.
 *
 * Options: --keys N (1000000)  --quick (100,000 keys, fewer requests)  --requests N (redis-benchmark -n,
 * 100000; quick 20000)  --port-base N (0: the OS picks)  --main path (dist/main.js)  --out path
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Conn, freePort, parseArgs, pump, redisBenchmark, resp, ROOT, rssBytes, shippedNodeArgs, startNodis, startRedis, stopChild, table, untilPong } from './lib.mjs';

const opts = parseArgs(process.argv.slice(2), {
  keys: 1000000,
  quick: false,
  requests: 0,
  portBase: 0,
  main: path.join(ROOT, 'dist/main.js'),
  out: path.join(ROOT, '.bench/persistence.json'),
});
if (opts.quick && process.argv.indexOf('--keys') === -1) opts.keys = 100000;
if (opts.requests === 0) opts.requests = opts.quick ? 20000 : 100000;
const taken = new Set();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const live = [];

// --- The dataset ---

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FILLER = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(4);
const kindOf = (i) => {
  const m = i % 100;
  return m < 85 ? 's' : m < 90 ? 'h' : m < 94 ? 'l' : m < 97 ? 'S' : 'z';
};
const keyOf = (i) => `${kindOf(i)}:${i}`;

/** The commands building key i (every reply is one line: +OK or :n). */
function* buildCommands(i, rand) {
  const key = keyOf(i);
  const kind = kindOf(i);
  if (kind === 's') {
    const v = rand() < 0.2 ? String(Math.floor(rand() * 1e9)) : FILLER.slice(0, 10 + Math.floor(rand() * 90)) + i;
    if (rand() < 0.1) yield ['SET', key, v, 'EX', 86400];
    else yield ['SET', key, v];
    return;
  }
  const n = i % 500 === 3 ? 1000 : 3 + Math.floor(rand() * 28);
  for (let from = 0; from < n; from += 200) {
    const to = Math.min(n, from + 200);
    const argv = [kind === 'h' ? 'HSET' : kind === 'l' ? 'RPUSH' : kind === 'S' ? 'SADD' : 'ZADD', key];
    for (let j = from; j < to; j++) {
      if (kind === 'h') argv.push(`field${j}`, FILLER.slice(0, 4 + Math.floor(rand() * 20)));
      else if (kind === 'l') argv.push(`item-${j}-${Math.floor(rand() * 1000)}`);
      else if (kind === 'S') argv.push(i % 2 ? String(j * 7) : `member${j}`);
      else argv.push((rand() * 1000).toFixed(3), `m${j}`);
    }
    yield argv;
  }
}

function* dataset(keys) {
  const rand = mulberry32(42);
  for (let i = 0; i < keys; i++) yield* buildCommands(i, rand);
}

/** SET every key again with a value of similar size (collections become strings of ~60 bytes). */
function* overwriteAll(keys, round) {
  for (let i = 0; i < keys; i++) yield ['SET', keyOf(i), FILLER.slice(0, 10 + ((i * 7) % 90)) + round];
}

// --- Measurements ---

async function waitSaveDone(conn) {
  for (;;) {
    const f = await conn.info('persistence');
    if (f.rdb_bgsave_in_progress === '0') return f;
    await sleep(5);
  }
}

async function bgsaveDuration(srv) {
  const conn = srv.conn;
  await waitSaveDone(conn);
  const t0 = performance.now();
  const r = await conn.call('BGSAVE');
  if (r instanceof Error) throw r;
  const f = await waitSaveDone(conn);
  const ms = performance.now() - t0;
  if (f.rdb_last_bgsave_status !== 'ok') throw new Error(`${srv.name}: BGSAVE failed`);
  return { ms, bytes: statSync(path.join(srv.dir, 'dump.rdb')).size };
}

function benchArgs() {
  return ['-t', 'set,get', '-c', '20', '-P', '1', '-n', String(opts.requests), '-r', '100000'];
}

const byTest = (rows) => Object.fromEntries(rows.map((r) => [r.test.toLowerCase(), r]));

async function latency(srv) {
  const quiet = byTest(await redisBenchmark(srv.port, benchArgs()));
  // BGSAVE back to back while the load runs
  const conn = srv.conn;
  let running = true;
  let saves = 0;
  let savingMs = 0;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      const r = await conn.call('BGSAVE');
      if (r instanceof Error) {
        await sleep(5);
        continue;
      }
      saves++;
      await waitSaveDone(conn);
      savingMs += performance.now() - t0;
    }
  })();
  const t0 = performance.now();
  const busy = byTest(await redisBenchmark(srv.port, benchArgs()));
  const runMs = performance.now() - t0;
  running = false;
  await loop;
  return { quiet, busy, saves, coverage: Math.min(1, savingMs / runMs) };
}

/** Peak RSS over `ms`-spaced samples while `work` runs, and the max of current_cow_peak seen. */
async function sampleWhile(srv, work) {
  let peak = rssBytes(srv.pid);
  let cowPeak = 0;
  let sampling = true;
  const conn = srv.conn;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, rssBytes(srv.pid));
      const f = await conn.info('persistence');
      cowPeak = Math.max(cowPeak, Number(f.current_cow_peak ?? 0), Number(f.current_cow_size ?? 0));
      await sleep(5);
    }
  })();
  await work();
  sampling = false;
  await sampler;
  return { peak, cowPeak };
}

async function memoryOverhead(srv) {
  await waitSaveDone(srv.conn);
  await sleep(300);
  const before0 = rssBytes(srv.pid);
  const control = await sampleWhile(srv, () => pump(srv.port, overwriteAll(opts.keys, 'a')));
  await sleep(300);
  const before1 = rssBytes(srv.pid);
  const saving = await sampleWhile(srv, async () => {
    const r = await srv.conn.call('BGSAVE');
    if (r instanceof Error) throw r;
    await pump(srv.port, overwriteAll(opts.keys, 'b'));
    await waitSaveDone(srv.conn);
  });
  const f = await srv.conn.info('persistence');
  const lastCowSize = Number(f.rdb_last_cow_size ?? NaN);
  const rssOverhead = Math.max(0, saving.peak - before1 - Math.max(0, control.peak - before0));
  return {
    controlGrowth: control.peak - before0,
    savingGrowth: saving.peak - before1,
    // Redis's copies are its child's private pages, invisible in the server's RSS: INFO's figures are its overhead
    overhead: srv.name === 'redis' ? Math.max(lastCowSize, saving.cowPeak) : rssOverhead,
    lastCowSize,
    cowPeak: saving.cowPeak,
    // nodis only: pages copied on write and peak snapshot memory of that save
    lastCowPages: Number(f.rdb_last_cow_pages ?? NaN),
    lastCowPeakInfo: Number(f.rdb_last_cow_peak ?? NaN),
  };
}

function spawnServer(name, port, dir) {
  if (name === 'redis') {
    return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  }
  return spawn(process.execPath, [...shippedNodeArgs(opts.main), opts.main, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir], {
    cwd: ROOT,
    stdio: 'ignore',
  });
}

/** Time from spawn to +PONG on dir's dump (and on an empty dir). */
async function startupLoad(srv) {
  const times = {};
  const emptyDir = mkdtempSync(path.join(os.tmpdir(), 'nodis-bench-empty-'));
  for (const [label, dir] of [['empty', emptyDir], ['load', srv.dir]]) {
    const port = await freePort(opts.portBase, taken);
    const t0 = performance.now();
    const child = spawnServer(srv.name, port, dir);
    live.push(child);
    await untilPong(port);
    times[label] = performance.now() - t0;
    if (label === 'load') {
      const c = new Conn(port);
      await c.open();
      times.keys = Number(await c.call('DBSIZE'));
      c.close();
    }
    await stopChild(child);
  }
  rmSync(emptyDir, { recursive: true, force: true });
  return times;
}

async function start(name) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `nodis-bench-${name}-`));
  const port = await freePort(opts.portBase, taken);
  const srv =
    name === 'redis'
      ? await startRedis(port, ['--dir', dir])
      : await startNodis(port, { main: opts.main, extraArgs: ['--dir', dir] });
  srv.dir = dir;
  live.push(srv.child);
  srv.conn = new Conn(port);
  await srv.conn.open();
  return srv;
}

async function runOne(name) {
  const srv = await start(name);
  const res = { name };
  try {
    await sleep(300);
    res.rssEmpty = rssBytes(srv.pid);
    let t0 = performance.now();
    await pump(srv.port, dataset(opts.keys));
    res.fillMs = performance.now() - t0;
    res.keys = Number(await srv.conn.call('DBSIZE'));
    await sleep(500);
    res.rssLoaded = rssBytes(srv.pid);
    res.datasetRss = res.rssLoaded - res.rssEmpty;
    log(`${name}: ${res.keys} keys loaded in ${(res.fillMs / 1000).toFixed(1)} s, dataset RSS ${mb(res.datasetRss)}`);
    res.bgsave = await bgsaveDuration(srv);
    log(`${name}: BGSAVE ${res.bgsave.ms.toFixed(0)} ms, ${mb(res.bgsave.bytes)}`);
    // startup load before the latency runs (redis-benchmark adds up to 100,000 keys) and the overwrites
    await srv.conn.call('SAVE');
    res.startup = await startupLoad(srv);
    log(`${name}: start on dump ${res.startup.load.toFixed(0)} ms (${res.startup.keys} keys), empty ${res.startup.empty.toFixed(0)} ms`);
    res.latency = await latency(srv);
    log(`${name}: latency runs done (${res.latency.saves} BGSAVEs during the loaded run)`);
    res.memory = await memoryOverhead(srv);
    log(`${name}: memory: overwrite alone +${mb(res.memory.controlGrowth)}, during BGSAVE +${mb(res.memory.savingGrowth)}`);
  } finally {
    srv.conn.close();
    await srv.stop();
    rmSync(srv.dir, { recursive: true, force: true });
  }
  return res;
}

const mb = (b) => `${(b / 1048576).toFixed(1)} MB`;
const log = (s) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

async function main() {
  log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, ${os.cpus().length} cpus; ${opts.keys} keys, redis-benchmark -n ${opts.requests}`);
  const results = {};
  for (const name of ['redis', 'nodis']) results[name] = await runOne(name);
  const n = results.nodis;
  const r = results.redis;
  const ms = (x) => `${x.toFixed(0)} ms`;
  const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
  const pct = (x, of) => `${((100 * x) / of).toFixed(1)}%`;
  const lat = (res, kind, test, p) => res.latency[kind][test]?.[p];
  const rows = [
    ['keys (DBSIZE)', n.keys, r.keys, f2(n.keys / r.keys), ''],
    ['dataset RSS', mb(n.datasetRss), mb(r.datasetRss), f2(n.datasetRss / r.datasetRss), ''],
    ['BGSAVE duration', ms(n.bgsave.ms), ms(r.bgsave.ms), f2(n.bgsave.ms / r.bgsave.ms), `<= 3x: ${n.bgsave.ms <= 3 * r.bgsave.ms ? 'met' : 'MISSED'}`],
    ['dump.rdb size', mb(n.bgsave.bytes), mb(r.bgsave.bytes), f2(n.bgsave.bytes / r.bgsave.bytes), ''],
    ['start on dump to PONG', ms(n.startup.load), ms(r.startup.load), f2(n.startup.load / r.startup.load), `<= 3x: ${n.startup.load <= 3 * r.startup.load ? 'met' : 'MISSED'}`],
    ['  empty start to PONG', ms(n.startup.empty), ms(r.startup.empty), '', 'for reference'],
    ['  load only (minus empty)', ms(n.startup.load - n.startup.empty), ms(r.startup.load - r.startup.empty), f2((n.startup.load - n.startup.empty) / (r.startup.load - r.startup.empty)), ''],
  ];
  for (const test of ['set', 'get']) {
    for (const p of ['p50Ms', 'p99Ms']) {
      const label = `${test.toUpperCase()} ${p.slice(0, 3)} no save / BGSAVE`;
      const nq = lat(n, 'quiet', test, p);
      const nb = lat(n, 'busy', test, p);
      const rq = lat(r, 'quiet', test, p);
      const rb = lat(r, 'busy', test, p);
      const goal = p === 'p99Ms' ? `x${f2(nb / nq)} with BGSAVE (<= 2x: ${nb <= 2 * nq ? 'met' : 'MISSED'}); redis x${f2(rb / rq)}` : '';
      rows.push([label, `${nq} / ${nb} ms`, `${rq} / ${rb} ms`, f2(nb / rb), goal]);
    }
  }
  for (const test of ['set', 'get']) {
    const q = (res, kind) => Math.round(res.latency[kind][test]?.rps ?? NaN);
    rows.push([`${test.toUpperCase()} req/s no save / BGSAVE`, `${q(n, 'quiet')} / ${q(n, 'busy')}`, `${q(r, 'quiet')} / ${q(r, 'busy')}`, f2(q(n, 'busy') / q(r, 'busy')), '']);
  }
  rows.push(['  BGSAVEs during the run', `${n.latency.saves} (${pct(n.latency.coverage, 1)} covered)`, `${r.latency.saves} (${pct(r.latency.coverage, 1)} covered)`, '', '']);
  const nOver = n.memory.overhead / n.datasetRss;
  rows.push([
    'overwrite-all: RSS overhead',
    `${mb(n.memory.overhead)} (${pct(n.memory.overhead, n.datasetRss)})`,
    `${mb(r.memory.overhead)} (${pct(r.memory.overhead, r.datasetRss)})`,
    '',
    `nodis < 25%: ${nOver < 0.25 ? 'met' : 'MISSED'} (nodis: RSS, see README; redis: child COW)`,
  ]);
  rows.push([
    '  rdb_last_cow_size',
    `${mb(n.memory.lastCowSize)} (${pct(n.memory.lastCowSize, n.datasetRss)})`,
    `${mb(r.memory.lastCowSize)} (${pct(r.memory.lastCowSize, r.datasetRss)})`,
    f2(n.memory.lastCowSize / r.memory.lastCowSize),
    'redis: child COW; nodis: bytes copied',
  ]);
  rows.push([
    '  current_cow_peak (max seen)',
    `${mb(n.memory.cowPeak)} (${pct(n.memory.cowPeak, n.datasetRss)})`,
    `${mb(r.memory.cowPeak)} (${pct(r.memory.cowPeak, r.datasetRss)})`,
    f2(n.memory.cowPeak / r.memory.cowPeak),
    'nodis: peak snapshot memory',
  ]);
  rows.push([
    '  rdb_last_cow_pages / rdb_last_cow_peak',
    `${n.memory.lastCowPages} / ${mb(n.memory.lastCowPeakInfo)} (${pct(n.memory.lastCowPeakInfo, n.datasetRss)})`,
    'n/a',
    '',
    'nodis only: pages copied, peak snapshot memory',
  ]);
  rows.push(['  RSS growth: overwrite alone / during BGSAVE', `${mb(n.memory.controlGrowth)} / ${mb(n.memory.savingGrowth)}`, `${mb(r.memory.controlGrowth)} / ${mb(r.memory.savingGrowth)}`, '', 'server process RSS']);
  console.log();
  console.log(table(['measure', 'nodis', 'redis', 'nodis/redis', 'goal / note'], rows));
  log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  mkdirSync(path.dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, JSON.stringify({ date: new Date().toISOString(), loadavg: os.loadavg(), ...opts, results }, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), opts.out) || opts.out}`);
}

main().catch(async (e) => {
  console.error(e instanceof Error ? e.stack : e);
  for (const c of live) await stopChild(c);
  process.exit(1);
});
