#!/usr/bin/env node
/**
 * Memory per key: nodis against a real redis-server after redis-benchmark
 * `-t set -n 1000000 -r 1000000 -d 16 -P 16` (about 632,000 distinct keys with 16-byte values).
 * `npm run bench:memory` (builds dist/ first).
 *
 * For each server: resident memory (VmRSS from /proc/<pid>/status) after minus before, divided
 * by DBSIZE; and the allocator's view: Redis's INFO used_memory (after minus before) per key,
 * nodis's V8 heapUsed (after a forced full GC, read through bench/heap-probe.mjs preloaded with
 * --expose-gc) per key, plus nodis's INFO used_memory when its INFO has one.
 *
 * Options: --requests N (1000000)  --keyspace N (1000000)  --size N (16)  --port-base N (0)
 *          --node-args '...' (extra node flags for nodis, for experiments)  --out path (.bench/memory.json)
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, cli, freePort, parseArgs, redisBenchmark, rssBytes, startNodis, startRedis, table } from './lib.mjs';

const opts = parseArgs(process.argv.slice(2), {
  requests: 1000000,
  keyspace: 1000000,
  size: 16,
  portBase: 0,
  nodeArgs: '',
  out: path.join(ROOT, '.bench/memory.json'),
});
const taken = new Set();
const probeFile = path.join(os.tmpdir(), `nodis-heap-probe-${process.pid}.json`);
const servers = [];

function infoField(port, field) {
  try {
    const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(cli(port, 'INFO', 'memory'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

function dbsize(port) {
  const n = Number.parseInt(cli(port, 'DBSIZE').trim(), 10);
  return Number.isFinite(n) ? n : NaN;
}

async function heapProbe(pid) {
  rmSync(probeFile, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(probeFile); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 50));
  return JSON.parse(readFileSync(probeFile, 'utf8'));
}

const settle = () => new Promise((r) => setTimeout(r, 500));

async function measure(srv) {
  const isNodis = srv.name === 'nodis';
  const before = { rss: rssBytes(srv.pid), used: infoField(srv.port, 'used_memory') };
  if (isNodis) before.heap = (await heapProbe(srv.pid)).heapUsed;
  await redisBenchmark(srv.port, ['-t', 'set', '-n', String(opts.requests), '-r', String(opts.keyspace), '-d', String(opts.size), '-P', '16', '-c', '50']);
  await settle();
  const after = { rss: rssBytes(srv.pid), used: infoField(srv.port, 'used_memory') };
  if (isNodis) {
    const probe = await heapProbe(srv.pid);
    after.heap = probe.heapUsed;
    after.heapTotal = probe.heapTotal;
    after.external = probe.external;
    after.gc = probe.gc;
    after.rssAfterGc = rssBytes(srv.pid);
  }
  let keys = NaN;
  try {
    keys = dbsize(srv.port);
  } catch {
    /* DBSIZE not implemented */
  }
  return { before, after, keys };
}

async function main() {
  process.env.NODIS_HEAP_PROBE_OUT = probeFile; // inherited by the nodis child
  const nodis = await startNodis(await freePort(opts.portBase, taken), {
    nodeArgs: ['--expose-gc', '--import', path.join(ROOT, 'bench/heap-probe.mjs'), ...opts.nodeArgs.split(' ').filter(Boolean)],
  });
  servers.push(nodis);
  const redis = await startRedis(await freePort(opts.portBase, taken));
  servers.push(redis);
  console.log(`redis-benchmark -t set -n ${opts.requests} -r ${opts.keyspace} -d ${opts.size} -P 16 -c 50\n`);

  const r = await measure(redis);
  const n = await measure(nodis);
  let nodisKeysNote = '';
  if (!Number.isFinite(n.keys)) {
    n.keys = r.keys;
    nodisKeysNote = ' (nodis has no DBSIZE: key count taken from Redis, same benchmark, approximate)';
  }
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(probeFile, { force: true });

  const per = (a, b, k) => (a - b) / k;
  const rRss = per(r.after.rss, r.before.rss, r.keys);
  const nRss = per(n.after.rss, n.before.rss, n.keys);
  const rUsed = per(r.after.used, r.before.used, r.keys);
  const nHeap = per(n.after.heap, n.before.heap, n.keys);
  const nUsed = per(n.after.used, n.before.used, n.keys);
  const fmt = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
  console.log(table(
    ['server', 'keys', 'RSS bytes/key', 'allocator bytes/key', 'allocator measure'],
    [
      ['redis', r.keys, fmt(rRss), fmt(rUsed), 'INFO used_memory'],
      ['nodis', n.keys, fmt(nRss), fmt(nHeap), `V8 heapUsed after full GC${n.after.gc ? '' : ' (no --expose-gc!)'}`],
      ['ratio', '', fmt(nRss / rRss), fmt(nHeap / rUsed), 'nodis/redis'],
    ],
  ));
  if (Number.isFinite(nUsed)) console.log(`nodis INFO used_memory: ${fmt(nUsed)} bytes/key`);
  console.log(`nodis RSS after the forced GC: ${fmt(per(n.after.rssAfterGc, n.before.rss, n.keys))} bytes/key${nodisKeysNote}`);

  const result = { date: new Date().toISOString(), ...opts, redis: { ...r, rssPerKey: rRss, usedPerKey: rUsed }, nodis: { ...n, rssPerKey: nRss, heapPerKey: nHeap, usedPerKey: nUsed }, rssRatio: nRss / rRss, heapRatio: nHeap / rUsed };
  mkdirSync(path.dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), opts.out) || opts.out}`);
}

main().catch(async (e) => {
  console.error(e instanceof Error ? e.message : e);
  await Promise.all(servers.map((s) => s.stop()));
  process.exit(1);
});
