#!/usr/bin/env node
/**
 * Throughput and CPU-per-request benchmark: nodis against a real redis-server, both started by
 * this script on free ports, driven by redis-benchmark. `npm run bench` (builds dist/ first).
 *
 * For each round, pipeline depth and test, nodis and Redis are run back to back (the order
 * alternates between rounds so neither always runs on a warmer machine). Around every
 * redis-benchmark run the server's utime+stime is read from /proc/<pid>/stat, so CPU time per
 * request is that of the server process alone. Printed: per test the median requests/s of each
 * server with the ratio nodis/redis, and the median CPU microseconds per request with the ratio
 * nodis/redis. Raw samples and medians go to .bench/latest.json.
 *
 * Options: --rounds N (3)  --quick (50,000 requests instead of 200,000)  --requests N
 *          --clients N (50)  --pipelines 1,16  --tests ping_inline,ping_mbulk,set,get,incr,mset
 *          --types (the data-type tests instead: TYPE_TESTS below)
 *          --port-base N (0 = ports the OS picks)  --out path (.bench/latest.json)
 *          --main path (dist/main.js: the nodis build to run)
 *
 * lrange_N tests: redis-benchmark's own -t lrange_100 first runs an LPUSH of -n elements in the
 * same process, which would mix two commands into one CPU figure. Instead the harness fills
 * `mylist` with 600 elements of redis-benchmark's default 3-byte payload ("xxx") and runs the
 * custom command `LRANGE mylist 0 N-1`, so the sample is LRANGE alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, cli, cpuSeconds, freePort, median, parseArgs, redisBenchmark, startNodis, startRedis, table } from './lib.mjs';

/** `--types`: one test per collection command family, in redis-benchmark's order (SPOP after SADD, ...). */
const TYPE_TESTS = 'lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,lrange_600';
const LIST_FILL = 600;

const opts = parseArgs(process.argv.slice(2), {
  rounds: 3,
  quick: false,
  requests: 0,
  clients: 50,
  pipelines: '1,16',
  tests: '',
  types: false,
  portBase: 0,
  keyspace: 100000,
  out: path.join(ROOT, '.bench/latest.json'),
  main: path.join(ROOT, 'dist/main.js'),
});
const requests = opts.requests || (opts.quick ? 50000 : 200000);
const pipelines = opts.pipelines.split(',').map(Number);
const tests = (opts.tests || (opts.types ? TYPE_TESTS : 'ping_inline,ping_mbulk,set,get,incr,mset')).split(',');

/** The redis-benchmark argv tail for a test: `-t name`, or a custom command (lrange_N, see above). */
function testArgs(t, port) {
  const lrange = /^lrange_(\d+)$/.exec(t);
  if (!lrange) return { args: ['-t', t], command: [] };
  cli(port, 'DEL', 'mylist');
  cli(port, 'RPUSH', 'mylist', ...Array(LIST_FILL).fill('xxx'));
  return { args: [], command: ['LRANGE', 'mylist', '0', String(Number(lrange[1]) - 1)], label: `LRANGE_${lrange[1]} (first ${lrange[1]} elements)` };
}

const taken = new Set();
const servers = [];
const stopAll = async () => {
  await Promise.all(servers.map((s) => s.stop()));
};
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

async function main() {
  const nodis = await startNodis(await freePort(opts.portBase, taken), { main: path.resolve(opts.main) });
  servers.push(nodis);
  const redis = await startRedis(await freePort(opts.portBase, taken));
  servers.push(redis);
  console.log(`nodis pid ${nodis.pid} port ${nodis.port} (args: ${nodis.args.join(' ')})`);
  console.log(`redis pid ${redis.pid} port ${redis.port}`);
  console.log(`redis-benchmark -c ${opts.clients} -n ${requests} -r ${opts.keyspace}, tests ${tests.join(',')}, -P ${pipelines.join('/')}, ${opts.rounds} rounds\n`);

  // samples[P][test][server] = [{ rps, cpuUsPerReq }]
  const samples = {};
  for (const P of pipelines) {
    samples[P] = {};
    for (const t of tests) samples[P][t] = { nodis: [], redis: [] };
  }
  const testName = {}; // redis-benchmark's label, e.g. "MSET (10 keys)"

  for (let round = 0; round < opts.rounds; round++) {
    const order = round % 2 === 0 ? [nodis, redis] : [redis, nodis];
    for (const P of pipelines) {
      for (const t of tests) {
        for (const srv of order) {
          let rows;
          let cpu0;
          try {
            const { args, command, label } = testArgs(t, srv.port);
            cpu0 = cpuSeconds(srv.pid);
            rows = await redisBenchmark(srv.port, [...args, '-c', String(opts.clients), '-n', String(requests), '-r', String(opts.keyspace), '-P', String(P)], command);
            if (rows.length !== 1) throw new Error(`expected one result for ${t}, got ${JSON.stringify(rows)}`);
            if (label) rows[0].test = label;
          } catch (e) {
            // e.g. a command nodis does not implement yet: record the failure, keep going
            const msg = (e instanceof Error ? e.message : String(e)).split('\n').filter((l) => !l.startsWith('WARNING')).join(' ').slice(0, 200);
            samples[P][t][srv.name].push({ rps: NaN, cpuUsPerReq: NaN, error: msg });
            process.stderr.write(`round ${round + 1} -P ${P} ${t.padEnd(11)} ${srv.name.padEnd(5)} FAILED: ${msg}\n`);
            continue;
          }
          const cpu1 = cpuSeconds(srv.pid);
          testName[t] = rows[0].test;
          const sample = { rps: rows[0].rps, cpuUsPerReq: ((cpu1 - cpu0) * 1e6) / requests };
          samples[P][t][srv.name].push(sample);
          process.stderr.write(`round ${round + 1} -P ${P} ${t.padEnd(11)} ${srv.name.padEnd(5)} ${sample.rps.toFixed(0).padStart(8)} req/s ${sample.cpuUsPerReq.toFixed(2).padStart(6)} us/req\n`);
        }
      }
    }
  }
  await stopAll();

  const result = { date: new Date().toISOString(), requests, clients: opts.clients, keyspace: opts.keyspace, rounds: opts.rounds, nodisArgs: nodis.args, pipelines: {} };
  for (const P of pipelines) {
    const rows = [];
    const summary = {};
    let worstRps = Infinity;
    let worstCpu = 0;
    for (const t of tests) {
      const s = samples[P][t];
      const nr = median(s.nodis.map((x) => x.rps));
      const rr = median(s.redis.map((x) => x.rps));
      const nc = median(s.nodis.map((x) => x.cpuUsPerReq));
      const rc = median(s.redis.map((x) => x.cpuUsPerReq));
      if (Number.isFinite(nr / rr)) worstRps = Math.min(worstRps, nr / rr);
      if (Number.isFinite(nc / rc)) worstCpu = Math.max(worstCpu, nc / rc);
      summary[t] = { label: testName[t], nodisRps: nr, redisRps: rr, rpsRatio: nr / rr, nodisCpuUs: nc, redisCpuUs: rc, cpuRatio: nc / rc, samples: s };
      if (!Number.isFinite(nr / rr)) {
        rows.push([testName[t] ?? t, 'failed', Number.isFinite(rr) ? rr.toFixed(0) : 'failed', '-', '-', Number.isFinite(rc) ? rc.toFixed(2) : '-', '-']);
        continue;
      }
      rows.push([testName[t], nr.toFixed(0), rr.toFixed(0), (nr / rr).toFixed(2), nc.toFixed(2), rc.toFixed(2), (nc / rc).toFixed(2)]);
    }
    result.pipelines[P] = { tests: summary, worstRpsRatio: worstRps, worstCpuRatio: worstCpu };
    console.log(`\n-P ${P}  (medians of ${opts.rounds} rounds; cpu = server utime+stime per request)`);
    console.log(table(['test', 'nodis req/s', 'redis req/s', 'ratio', 'nodis cpu us', 'redis cpu us', 'cpu ratio'], rows));
    console.log(`worst throughput ratio ${worstRps.toFixed(2)}, worst cpu ratio ${worstCpu.toFixed(2)}`);
  }
  mkdirSync(path.dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), opts.out) || opts.out}`);
}

main().catch(async (e) => {
  console.error(e instanceof Error ? e.message : e);
  await stopAll();
  process.exit(1);
});
