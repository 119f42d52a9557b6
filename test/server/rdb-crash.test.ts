/**
 * Kill -9 during BGSAVE: nodis runs as a child process (dist/main.js, built by `npm test`'s pretest), a
 * good dump is written with SAVE, the dataset grows to 100,000 keys, and BGSAVE is killed with SIGKILL at a
 * random moment while it runs, three times. Each time the dump must still be the good one byte for byte (or,
 * if the save happened to finish first, a complete file), and a restarted nodis must load it despite the
 * temp file the killed save left behind, with the digest of the state that file holds.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasDist, killAllChildren, type NodisChild, startNodisChild } from '../helpers/nodis-child.js';
import { rng as seeded } from '../helpers/rng.js';

if (!hasDist) console.warn('dist/main.js missing: rdb-crash tests skip (npm test builds dist/ first)');

const BIG_KEYS = 100_000;
const ROUNDS = 3;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-crash-'));
afterAll(() => {
  killAllChildren();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** dist/main.js on `dir` (test/helpers/nodis-child.ts); resolves once it answers PING (the startup load is done). */
function startNodis(): Promise<NodisChild> {
  return startNodisChild(dir, ['--enable-debug-command', 'yes', '--enable-protected-configs', 'yes']);
}

/** One command in RESP. */
function resp(argv: string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return s;
}

/**
 * Grows the dataset to BIG_KEYS strings plus some collections: raw RESP written in big chunks on a plain
 * socket (several times faster than a client library's pipeline); every reply here is one line.
 */
async function fillBig(port: number, rand: () => number): Promise<void> {
  const cmds: string[] = [];
  const salt = Math.floor(rand() * 1e9);
  for (let j = 0; j < BIG_KEYS; j++) cmds.push(resp(['SET', `big:${j}`, `value-${j}-${salt}`]));
  for (let i = 0; i < 200; i++) {
    cmds.push(resp(['HSET', `bh:${i}`, 'a', String(i), 'b', 'x'.repeat(Math.floor(rand() * 100))]));
    cmds.push(resp(['RPUSH', `bl:${i}`, ...Array.from({ length: 20 }, (_, k) => `e${k}`)]));
    cmds.push(resp(['ZADD', `bz:${i}`, String(i), 'm1', String(i + 1), 'm2']));
  }
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    let lines = 0;
    sock.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
      if (lines >= cmds.length) resolve();
    });
    sock.once('error', reject);
    for (let i = 0; i < cmds.length; i += 10_000) sock.write(Buffer.from(cmds.slice(i, i + 10_000).join(''), 'latin1'));
  });
  sock.destroy();
}

const infoField = (info: string, name: string): string | undefined => new RegExp(`^${name}:(.*?)\\r?$`, 'm').exec(info)?.[1];

describe.skipIf(!hasDist)('kill -9 during BGSAVE', () => {
  it('leaves the previous dump intact and loadable', { timeout: 60000 }, async () => {
    const seed = Date.now() >>> 0;
    const rand = seeded(seed);
    const dump = path.join(dir, 'dump.rdb');
    let cur = await startNodis();

    // the good dump: a small dataset of every type, saved in the foreground
    const c = cur.client;
    for (let i = 0; i < 500; i++) await c.set(`k:${i}`, `v${i}`);
    await c.hset('h', { f1: 'v1', f2: 'v2' });
    await c.rpush('l', 'a', 'b', 'c');
    await c.sadd('s', '1', '2', '3');
    await c.zadd('z', 1, 'one', 2.5, 'two');
    await c.set('ttl', 'x', 'EX', 3600);
    expect(await c.save()).toBe('OK');
    let goodBytes = fs.readFileSync(dump);
    let goodDigest = (await c.debug('DIGEST')) as string;
    let goodSize = await c.dbsize();

    // how long a BGSAVE of the big dataset takes (written to another file), and its copy-on-write figures
    await fillBig(cur.port, rand);
    await c.config('SET', 'dbfilename', 'calibrate.rdb');
    let t0 = performance.now();
    await c.bgsave();
    // a few writes while it runs: the pages they touch are copied first, and INFO says how many
    const w = c.pipeline();
    for (let i = 0; i < 1000; i++) w.set(`big:${BIG_KEYS - 1 - i * 50}`, 'overwritten');
    await w.exec();
    let info: string;
    while (infoField((info = await c.info('persistence')), 'rdb_bgsave_in_progress') === '1') await new Promise((r) => setTimeout(r, 5));
    const saveMs = performance.now() - t0;
    expect(infoField(info, 'rdb_last_bgsave_status')).toBe('ok');
    expect(Number(infoField(info, 'rdb_last_cow_pages'))).toBeGreaterThan(0);
    expect(Number(infoField(info, 'rdb_last_cow_size'))).toBeGreaterThan(0);
    expect(Number(infoField(info, 'rdb_last_cow_peak'))).toBeGreaterThan(0);
    fs.rmSync(path.join(dir, 'calibrate.rdb'), { force: true });
    await c.config('SET', 'dbfilename', 'dump.rdb');

    let killedDuring = 0;
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) await fillBig(cur.port, rand);
      // (no digest of the big dataset: DEBUG DIGEST of 100,000 keys takes a second or more; its size tells it apart)
      const bigSize = await cur.client.dbsize();
      const delay = saveMs * (0.05 + 0.85 * rand());
      t0 = performance.now();
      expect(await cur.client.bgsave()).toBe('Background saving started');
      while (performance.now() - t0 < delay) await new Promise((r) => setTimeout(r, 2));
      const inProgress = infoField(await cur.client.info('persistence'), 'rdb_bgsave_in_progress') === '1';
      await cur.kill9();

      // the file is the good dump byte for byte, or (when the save finished before the kill landed) the
      // complete new one
      const bytes = fs.readFileSync(dump);
      const finished = !bytes.equals(goodBytes);
      if (inProgress && !finished) killedDuring++;
      // the killed save leaves at most its temp file next to the dump
      for (const f of fs.readdirSync(dir)) expect(f).toMatch(/^(dump\.rdb|temp-[\w-]+\.rdb)$/);

      cur = await startNodis();
      if (finished) {
        // the finished save is the good dump from here on
        expect(await cur.client.dbsize(), `seed ${seed} round ${round}`).toBe(bigSize);
        goodDigest = (await cur.client.debug('DIGEST')) as string;
        goodBytes = bytes;
        goodSize = bigSize;
      } else {
        expect(await cur.client.debug('DIGEST'), `seed ${seed} round ${round}`).toBe(goodDigest);
        expect(await cur.client.dbsize()).toBe(goodSize);
      }
    }
    // the delays are drawn within the calibrated save time: most kills land while the save runs
    expect(killedDuring, `seed ${seed}`).toBeGreaterThanOrEqual(1);
    await cur.kill9();
  });
});
