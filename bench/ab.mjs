#!/usr/bin/env node
/**
 * A/B of two nodis builds (for optimisation work): `node bench/ab.mjs <distA> <distB>` starts
 * node <dist>/main.js for each, runs the same redis-benchmark tests against both, alternating
 * over rounds, and prints median requests/s and server CPU us per request of each with the
 * ratio B/A. Copy dist/ aside (cp -r dist /tmp/dist-a) before a change, rebuild, compare.
 * Options: --rounds N (5) --requests N (200000) --pipeline N (16) --tests set,get,ping_mbulk
 *          --port-base N (0)  --node-args-a '...'  --node-args-b '...' (node flags of each)
 */
import path from 'node:path';
import { cpuSeconds, freePort, median, parseArgs, redisBenchmark, startNodis, table } from './lib.mjs';

const [distA, distB, ...rest] = process.argv.slice(2);
const opts = parseArgs(rest, { rounds: 5, requests: 200000, pipeline: 16, tests: 'set,get,ping_mbulk', portBase: 0, clients: 50, nodeArgsA: '', nodeArgsB: '' });
const split = (s) => s.split(' ').filter(Boolean);
const taken = new Set();
const a = await startNodis(await freePort(opts.portBase, taken), { main: path.resolve(distA, 'main.js'), nodeArgs: split(opts.nodeArgsA) });
const b = await startNodis(await freePort(opts.portBase, taken), { main: path.resolve(distB, 'main.js'), nodeArgs: split(opts.nodeArgsB) });
a.name = 'A';
b.name = 'B';
const tests = opts.tests.split(',');
const s = Object.fromEntries(tests.map((t) => [t, { A: [], B: [] }]));
try {
  for (let r = 0; r < opts.rounds; r++) {
    for (const t of tests) {
      for (const srv of r % 2 ? [b, a] : [a, b]) {
        const c0 = cpuSeconds(srv.pid);
        const rows = await redisBenchmark(srv.port, ['-t', t, '-c', String(opts.clients), '-n', String(opts.requests), '-r', '100000', '-P', String(opts.pipeline)]);
        const c1 = cpuSeconds(srv.pid);
        s[t][srv.name].push({ rps: rows[0].rps, cpu: ((c1 - c0) * 1e6) / opts.requests });
      }
    }
  }
} finally {
  await a.stop();
  await b.stop();
}
const rows = tests.map((t) => {
  const m = (k, f) => median(s[t][k].map(f));
  const [ra, rb, ca, cb] = [m('A', (x) => x.rps), m('B', (x) => x.rps), m('A', (x) => x.cpu), m('B', (x) => x.cpu)];
  return [t, ra.toFixed(0), rb.toFixed(0), (rb / ra).toFixed(2), ca.toFixed(2), cb.toFixed(2), (cb / ca).toFixed(2)];
});
console.log(`-P ${opts.pipeline}, ${opts.rounds} rounds, medians`);
console.log(table(['test', 'A req/s', 'B req/s', 'B/A', 'A cpu us', 'B cpu us', 'B/A cpu'], rows));
