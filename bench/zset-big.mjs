#!/usr/bin/env node
/**
 * Sorted-set scaling benchmark: ZADD, ZRANK and ZRANGEBYSCORE on one sorted set of growing size
 * (10k, 100k, 1M members by default), nodis against a real redis-server, to show that the
 * per-operation cost grows like log n (roughly flat while the set grows 100x), not like n.
 *
 * Both servers are started by this script. The set `bigz` is grown in steps by pipelined ZADD
 * batches of 1,000 members `m:<12-digit i>` with score i (the 12 digits are redis-benchmark's
 * __rand_int__ format, so the measured commands hit existing members). At each size three
 * redis-benchmark custom commands run with -r <size>:
 *   ZADD bigz <rand> m:<rand>                    (re-scores an existing member: skiplist delete + insert)
 *   ZRANK bigz m:<rand>
 *   ZRANGEBYSCORE bigz <rand> +inf LIMIT 0 10    (a small window at a random score)
 * each once for throughput (-c 50 -P 16: server-bound; CPU time of the server per op from
 * /proc/<pid>/stat) and once for latency (-c 1 -P 1: p50/p99 round trip). The set's size does
 * not change while measuring (ZADD only re-scores), so every size is measured at that size.
 *
 * Options: --max N (1000000; the sizes are N/100, N/10, N)  --sizes a,b,c (instead of --max)
 *          --requests N (200000 for throughput; latency runs a tenth)  --quick (--max 10000
 *          --requests 5000)  --main path (dist/main.js)  --port-base N  --out path (.bench/zset-big.json)
 * Run: npm run build && node bench/zset-big.mjs
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT, cpuSeconds, freePort, parseArgs, redisBenchmark, rssBytes, startNodis, startRedis, stopChild, table } from './lib.mjs';

const opts = parseArgs(process.argv.slice(2), {
  max: 1000000,
  sizes: '',
  requests: 200000,
  quick: false,
  main: path.join(ROOT, 'dist/main.js'),
  portBase: 0,
  out: path.join(ROOT, '.bench/zset-big.json'),
});
if (opts.quick) {
  opts.max = 10000;
  opts.requests = 5000;
}
const sizes = opts.sizes ? opts.sizes.split(',').map(Number) : [opts.max / 100, opts.max / 10, opts.max].map(Math.round);
const KEY = 'bigz';
const BATCH = 1000;
const OPS = [
  { name: 'ZADD', argv: ['ZADD', KEY, '__rand_int__', 'm:__rand_int__'] },
  { name: 'ZRANK', argv: ['ZRANK', KEY, 'm:__rand_int__'] },
  { name: 'ZRANGEBYSCORE', argv: ['ZRANGEBYSCORE', KEY, '__rand_int__', '+inf', 'LIMIT', '0', '10'] },
];

/** a/b with two decimals, or '-' when b was too small to measure (CPU time comes in 10 ms ticks). */
const ratio = (a, b) => (b > 0 && Number.isFinite(a / b) ? (a / b).toFixed(2) : '-');
const member = (i) => `m:${String(i).padStart(12, '0')}`;
const encode = (argv) => `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

/**
 * Adds members [from, to) with score i in pipelined ZADD batches (at most 64 batches in flight);
 * resolves when every reply has arrived, rejects on an error reply.
 */
function grow(port, from, to) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const batches = Math.ceil((to - from) / BATCH);
    let sent = 0;
    let replied = 0;
    let rest = '';
    const sendMore = () => {
      let chunk = '';
      while (sent < batches && sent - replied < 64) {
        const lo = from + sent * BATCH;
        const argv = ['ZADD', KEY];
        for (let i = lo; i < Math.min(lo + BATCH, to); i++) argv.push(String(i), member(i));
        chunk += encode(argv);
        sent++;
      }
      if (chunk) sock.write(chunk);
    };
    sock.on('connect', sendMore);
    sock.on('error', reject);
    sock.on('data', (d) => {
      const lines = (rest + d.toString('latin1')).split('\r\n');
      rest = lines.pop();
      for (const line of lines) {
        if (line[0] === '-') {
          sock.destroy();
          return reject(new Error(`ZADD failed: ${line}`));
        }
        replied++;
      }
      if (replied === batches) {
        sock.end();
        resolve();
      } else sendMore();
    });
    if (batches === 0) {
      sock.end();
      resolve();
    }
  });
}

async function measure(srv, size) {
  const out = {};
  for (const op of OPS) {
    const cpu0 = cpuSeconds(srv.pid);
    const [thr] = await redisBenchmark(srv.port, ['-c', '50', '-P', '16', '-n', String(opts.requests), '-r', String(size)], op.argv);
    const cpuUs = ((cpuSeconds(srv.pid) - cpu0) * 1e6) / opts.requests;
    const [lat] = await redisBenchmark(srv.port, ['-c', '1', '-P', '1', '-n', String(Math.max(1000, opts.requests / 10)), '-r', String(size)], op.argv);
    if (!thr || !lat) throw new Error(`no result for ${op.name} on ${srv.name}`);
    out[op.name] = { rps: thr.rps, cpuUs, p50Ms: lat.p50Ms, p99Ms: lat.p99Ms };
    process.stderr.write(`${srv.name.padEnd(5)} ${String(size).padStart(8)} ${op.name.padEnd(13)} ${thr.rps.toFixed(0).padStart(8)} req/s ${cpuUs.toFixed(2).padStart(6)} cpu us/op  p50 ${lat.p50Ms} ms\n`);
  }
  return out;
}

const servers = [];
process.on('SIGINT', () => void Promise.all(servers.map((s) => s.stop())).then(() => process.exit(130)));

async function main() {
  const taken = new Set();
  const nodis = await startNodis(await freePort(opts.portBase, taken), { main: path.resolve(opts.main) });
  servers.push(nodis);
  const redis = await startRedis(await freePort(opts.portBase, taken));
  servers.push(redis);
  console.log(`nodis pid ${nodis.pid} port ${nodis.port}; redis pid ${redis.pid} port ${redis.port}`);
  console.log(`sizes ${sizes.join(', ')}; ${opts.requests} requests per throughput run (-c 50 -P 16), ${Math.max(1000, opts.requests / 10)} per latency run (-c 1)\n`);

  const result = { date: new Date().toISOString(), requests: opts.requests, sizes: {} };
  let have = 0;
  for (const size of sizes) {
    const build = {};
    for (const srv of [nodis, redis]) {
      const t0 = process.hrtime.bigint();
      await grow(srv.port, have, size);
      build[srv.name] = { ms: Number(process.hrtime.bigint() - t0) / 1e6, rssMB: rssBytes(srv.pid) / 2 ** 20 };
    }
    have = size;
    result.sizes[size] = { build, nodis: await measure(nodis, size), redis: await measure(redis, size) };
  }
  await Promise.all(servers.map((s) => s.stop()));

  const rows = [];
  for (const size of sizes) {
    const r = result.sizes[size];
    for (const op of OPS) {
      const a = r.nodis[op.name];
      const b = r.redis[op.name];
      rows.push([String(size), op.name, a.rps.toFixed(0), b.rps.toFixed(0), ratio(a.rps, b.rps), a.cpuUs.toFixed(2), b.cpuUs.toFixed(2), ratio(a.cpuUs, b.cpuUs), `${a.p50Ms}/${a.p99Ms}`, `${b.p50Ms}/${b.p99Ms}`]);
    }
  }
  console.log(table(['members', 'op', 'nodis req/s', 'redis req/s', 'ratio', 'nodis cpu us', 'redis cpu us', 'cpu ratio', 'nodis p50/p99 ms', 'redis p50/p99 ms'], rows));

  // growth of the per-op CPU cost from the smallest to the largest size: ~1-2x means log n
  const [lo, hi] = [sizes[0], sizes[sizes.length - 1]];
  console.log(`\nper-op cpu growth ${lo} -> ${hi} members (${(hi / lo).toFixed(0)}x; log2 ratio ${(Math.log2(hi) / Math.log2(lo)).toFixed(2)}):`);
  for (const op of OPS) {
    const g = (name) => ratio(result.sizes[hi][name][op.name].cpuUs, result.sizes[lo][name][op.name].cpuUs);
    console.log(`  ${op.name.padEnd(13)} nodis x${g('nodis')}  redis x${g('redis')}`);
  }
  console.log('\nbuild (pipelined ZADD batches of 1000):');
  for (const size of sizes) {
    const b = result.sizes[size].build;
    console.log(`  up to ${String(size).padStart(8)}: nodis ${b.nodis.ms.toFixed(0)} ms (rss ${b.nodis.rssMB.toFixed(0)} MB)  redis ${b.redis.ms.toFixed(0)} ms (rss ${b.redis.rssMB.toFixed(0)} MB)`);
  }
  mkdirSync(path.dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), opts.out) || opts.out}`);
}

main().catch(async (e) => {
  console.error(e instanceof Error ? e.message : e);
  await Promise.all(servers.map((s) => stopChild(s.child)));
  process.exit(1);
});
