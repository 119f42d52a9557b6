/**
 * Kill -9 with the AOF on: nodis runs as a child process (dist/main.js, built by `npm test`'s pretest) with
 * `appendonly yes`, several clients write at once (pipelined INCRs of shared counters and SETs of unique
 * keys, on raw sockets so every reply is seen the moment it arrives), and the process is killed with SIGKILL
 * at a random moment. After a restart on the same dir:
 * - `appendfsync always`: every write whose reply a client received is there (a counter is at least the
 *   largest INCR reply seen; every acknowledged key holds its value);
 * - `everysec`: nothing acknowledged is missing either: as Redis, a write reaches the kernel (page cache)
 *   before its reply is sent, so only a crash of the machine could lose the last second or two;
 * - kill -9 at random points of BGREWRITEAOF (during the snapshot, the buffer catch-up and the switch): the
 *   AOF left behind loads and holds every acknowledged write.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasDist, infoField, killAllChildren, startNodisChild, type NodisChild } from '../helpers/nodis-child.js';
import { rng as seeded } from '../helpers/rng.js';

if (!hasDist) console.warn('dist/main.js missing: aof-crash tests skip (npm test builds dist/ first)');

const dirs: string[] = [];
afterAll(() => {
  killAllChildren();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aof-crash-'));
  dirs.push(d);
  return d;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function resp(argv: string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return s;
}

const COUNTERS = 8;

/** What the clients saw acknowledged, with the time of each acknowledgement. */
class Acks {
  /** counter name -> largest INCR reply seen, and when each reply value was seen. */
  readonly counters = new Map<string, { max: number; at: Map<number, number> }>();
  /** unique key -> [value, time acknowledged] */
  readonly keys = new Map<string, [string, number]>();
  sent = 0;
}

/**
 * `clients` raw connections, each sending pipelined batches of `batch` commands (INCR of a random shared
 * counter or SET of a fresh key) as soon as the previous batch is answered, until stop() (or the server
 * dies). Every reply is one line.
 */
function writeLoad(port: number, prefix: string, acks: Acks, rand: () => number, clients = 4, batch = 20): { stop(): Promise<void> } {
  let running = true;
  const done: Promise<void>[] = [];
  for (let c = 0; c < clients; c++) {
    done.push(
      new Promise<void>((resolve) => {
        const sock = net.connect(port, '127.0.0.1');
        let seq = 0;
        let pending: string[][] = [];
        let buf = '';
        const send = (): void => {
          if (!running) return finish();
          let out = '';
          pending = [];
          for (let i = 0; i < batch; i++) {
            const argv = rand() < 0.3 ? ['INCR', `${prefix}:ctr:${Math.floor(rand() * COUNTERS)}`] : ['SET', `${prefix}:k:${c}:${seq++}`, `v${seq}-${Math.floor(rand() * 1e6)}`];
            pending.push(argv);
            out += resp(argv);
          }
          acks.sent += batch;
          sock.write(out);
        };
        const finish = (): void => {
          sock.destroy();
          resolve();
        };
        sock.on('connect', send);
        sock.on('error', finish);
        sock.on('close', finish);
        sock.on('data', (d: Buffer) => {
          buf += d.toString('latin1');
          let eol: number;
          while ((eol = buf.indexOf('\r\n')) !== -1) {
            const line = buf.slice(0, eol);
            buf = buf.slice(eol + 2);
            const argv = pending.shift();
            if (argv === undefined) throw new Error(`unexpected reply ${line}`);
            const now = performance.now();
            if (argv[0] === 'INCR') {
              if (line[0] !== ':') throw new Error(`INCR: ${line}`);
              const v = Number(line.slice(1));
              let e = acks.counters.get(argv[1]);
              if (e === undefined) acks.counters.set(argv[1], (e = { max: 0, at: new Map() }));
              e.max = Math.max(e.max, v);
              e.at.set(v, now);
            } else {
              if (line !== '+OK') throw new Error(`SET: ${line}`);
              acks.keys.set(argv[1], [argv[2], now]);
            }
          }
          if (pending.length === 0) send();
        });
      }),
    );
  }
  return {
    async stop() {
      running = false;
      await Promise.all(done);
    },
  };
}

/**
 * Checks the restarted server against the acknowledgements. Returns the acknowledgements that are missing,
 * as the times (ms, performance.now()) they were acknowledged.
 */
async function missingAcks(srv: NodisChild, acks: Acks): Promise<number[]> {
  const missing: number[] = [];
  const names = [...acks.counters.keys()];
  if (names.length > 0) {
    const vals = await srv.client.mget(...names);
    names.forEach((n, i) => {
      const e = acks.counters.get(n)!;
      const v = Number(vals[i] ?? 0);
      // every acknowledged INCR beyond v is missing
      for (const [reply, at] of e.at) if (reply > v) missing.push(at);
    });
  }
  const keys = [...acks.keys.keys()];
  for (let i = 0; i < keys.length; i += 1000) {
    const chunk = keys.slice(i, i + 1000);
    const vals = await srv.client.mget(...chunk);
    chunk.forEach((k, j) => {
      const [v, at] = acks.keys.get(k)!;
      if (vals[j] !== v) {
        // present with another value would be corruption, not loss
        expect(vals[j], `key ${k}`).toBeNull();
        missing.push(at);
      }
    });
  }
  return missing;
}

/** Grows the dataset by `n` SETs (propagated, so they are in the AOF) on a raw pipelined socket. */
async function fill(port: number, n: number, prefix: string): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    let lines = 0;
    sock.on('data', (d: Buffer) => {
      if (d[0] === 45) reject(new Error(d.toString('latin1', 0, 200)));
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
      if (lines >= n) resolve();
    });
    sock.once('error', reject);
    for (let i = 0; i < n; i += 10_000) {
      let s = '';
      for (let j = i; j < Math.min(n, i + 10_000); j++) s += resp(['SET', `${prefix}:${j}`, `fill-value-${j}`]);
      sock.write(s);
    }
  });
  sock.destroy();
}

const AOF = ['--appendonly', 'yes', '--auto-aof-rewrite-percentage', '0'];

/** Fails with a short summary when acknowledged writes are missing. */
function expectNoneMissing(missing: number[], acks: Acks, label: string): void {
  const total = acks.keys.size + [...acks.counters.values()].reduce((n, e) => n + e.at.size, 0);
  expect(missing.length, `${label}: ${missing.length} of ${total} acknowledged writes missing`).toBe(0);
}

describe.skipIf(!hasDist)('kill -9 under a write load with the AOF on', () => {
  it('appendfsync always: every acknowledged write survives', { timeout: 60000 }, async () => {
    const seed = Date.now() >>> 0;
    const rand = seeded(seed);
    const dir = tempDir();
    const all = new Acks();
    for (let round = 0; round < 3; round++) {
      const srv = await startNodisChild(dir, [...AOF, '--appendfsync', 'always']);
      if (round > 0) expectNoneMissing(await missingAcks(srv, all), all, `seed ${seed} round ${round}`);
      const acks = new Acks();
      const load = writeLoad(srv.port, `r${round}`, acks, rand);
      await sleep(300 + rand() * 900);
      await srv.kill9();
      await load.stop();
      expect(acks.keys.size + acks.counters.size, 'the load ran').toBeGreaterThan(0);
      for (const [k, v] of acks.keys) all.keys.set(k, v);
      for (const [k, v] of acks.counters) all.counters.set(k, v);
    }
    const srv = await startNodisChild(dir, [...AOF, '--appendfsync', 'always']);
    expectNoneMissing(await missingAcks(srv, all), all, `seed ${seed}`);
    await srv.kill9();
  });

  it('appendfsync everysec: a crash of the process loses nothing acknowledged', { timeout: 60000 }, async () => {
    const seed = Date.now() >>> 0;
    const rand = seeded(seed);
    const dir = tempDir();
    const srv = await startNodisChild(dir, [...AOF, '--appendfsync', 'everysec']);
    const acks = new Acks();
    const load = writeLoad(srv.port, 'e', acks, rand);
    // long enough for a few fsyncs: what was acknowledged early must be durable
    await sleep(2200 + rand() * 800);
    const killedAt = performance.now();
    await srv.kill9();
    await load.stop();
    const again = await startNodisChild(dir, [...AOF, '--appendfsync', 'everysec']);
    const missing = await missingAcks(again, acks);
    // kill -9 keeps what reached the kernel, and replies wait for the turn's write (also while it is
    // postponed behind a running fdatasync): nothing acknowledged can be missing
    const oldest = missing.length > 0 ? Math.min(...missing) : killedAt;
    expect(missing.length, `seed ${seed}: ${missing.length} of ${acks.keys.size} acknowledged keys lost, the oldest ${(killedAt - oldest).toFixed(0)} ms before the kill`).toBe(0);
    await again.kill9();
  });
});

describe.skipIf(!hasDist)('kill -9 during BGREWRITEAOF', () => {
  it('leaves one loadable AOF holding every acknowledged write', { timeout: 90000 }, async () => {
    const seed = Date.now() >>> 0;
    const rand = seeded(seed);
    const dir = tempDir();
    const BIG = 100_000;
    let srv = await startNodisChild(dir, [...AOF, '--appendfsync', 'always']);
    await fill(srv.port, BIG, 'big');

    // how long a rewrite of this dataset takes, under the same load (the shorter of two: the first is cold)
    const calib = new Acks();
    let load = writeLoad(srv.port, 'calib', calib, rand, 2);
    let rewriteMs = Infinity;
    let t0 = 0;
    for (let i = 0; i < 2; i++) {
      t0 = performance.now();
      expect(await srv.client.bgrewriteaof()).toBe('Background append only file rewriting started');
      let info: string;
      while (infoField((info = await srv.client.info('persistence')), 'aof_rewrite_in_progress') === '1') await sleep(5);
      rewriteMs = Math.min(rewriteMs, performance.now() - t0);
      expect(infoField(info, 'aof_last_bgrewrite_status')).toBe('ok');
    }
    await load.stop();
    const all = new Acks();
    for (const [k, v] of calib.keys) all.keys.set(k, v);
    for (const [k, v] of calib.counters) all.counters.set(k, v);

    let killedDuring = 0;
    const ROUNDS = 3;
    for (let round = 0; round < ROUNDS; round++) {
      // alternate the preamble: both kinds of rewritten file must load after a crash
      const preamble = round % 2 === 0 ? 'yes' : 'no';
      await srv.client.config('SET', 'aof-use-rdb-preamble', preamble);
      const acks = new Acks();
      load = writeLoad(srv.port, `w${round}`, acks, rand, 3);
      await sleep(50);
      // kill points spread over the rewrite and a little beyond (its final switch); the first one early,
      // so that at least one surely lands while the rewrite runs
      const delay = rewriteMs * (round === 0 ? 0.2 : 0.05 + 1.05 * rand());
      t0 = performance.now();
      expect(await srv.client.bgrewriteaof()).toBe('Background append only file rewriting started');
      while (performance.now() - t0 < delay) await sleep(2);
      if (infoField(await srv.client.info('persistence'), 'aof_rewrite_in_progress') === '1') killedDuring++;
      await srv.kill9();
      await load.stop();
      for (const [k, v] of acks.keys) all.keys.set(k, v);
      for (const [k, v] of acks.counters) {
        const e = all.counters.get(k);
        if (e === undefined || e.max < v.max) all.counters.set(k, v);
      }
      // at most the AOF and the killed rewrite's temp files are left
      for (const f of fs.readdirSync(dir)) expect(f).toMatch(/^(appendonly\.aof|temp-[\w.-]+\.(aof|rdb))$/);

      srv = await startNodisChild(dir, [...AOF, '--appendfsync', 'always']);
      expectNoneMissing(await missingAcks(srv, all), all, `seed ${seed} round ${round} (preamble ${preamble})`);
      expect(await srv.client.exists('big:0', `big:${BIG - 1}`)).toBe(2);
      // the filled keys, every acknowledged key and the counters (written but unacknowledged keys may add more)
      expect(await srv.client.dbsize()).toBeGreaterThanOrEqual(BIG + all.keys.size + all.counters.size);
    }
    expect(killedDuring, `seed ${seed}, rewrite ${rewriteMs.toFixed(0)} ms`).toBeGreaterThanOrEqual(1);
    await srv.kill9();
  });
});
