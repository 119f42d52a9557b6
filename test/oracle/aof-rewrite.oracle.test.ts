/**
 * BGREWRITEAOF against real Redis 7.0. Without preamble, nodis's rewritten file is compared with the base
 * file Redis writes (appendonlydir/*.base.aof): byte for byte for datasets whose order is deterministic
 * (one key per db: a list, an intset, a listpack hash or zset, strings, TTLs), as the same commands for a
 * bigger dataset (hashtable sets and hashes, skiplist zsets come out in dict order in Redis). With and
 * without preamble, real Redis started on nodis's rewritten file loads it with an equal DEBUG DIGEST.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/index.js';
import { pipeline, removeDir, startOnDir } from '../helpers/aof-workload.js';
import { hasRedis, type RedisOracle, startRedis } from '../helpers/oracle.js';
import { RespConn } from '../helpers/resp-session.js';

const BIN = 'a\x00b\xff\r\n\x80z';

/** Datasets whose rewrite Redis writes in a deterministic order. */
const SINGLE: Record<string, string[][]> = {
  strings: [['SET', 's', 'hello'], ['SELECT', '3'], ['SET', 'n', '12345'], ['SELECT', '15'], ['SET', 'b', BIN]],
  list: [['RPUSH', 'l', ...Array.from({ length: 130 }, (_, i) => (i % 3 === 0 ? String(i) : i % 3 === 1 ? `e${i}` : 'x'.repeat(i)))]],
  intset: [['SADD', 'is', ...Array.from({ length: 150 }, (_, i) => String((i * 7919) % 1000 - 500))]],
  hash: [['HSET', 'h', ...Array.from({ length: 70 }, (_, i) => [`f${i}`, i % 2 === 0 ? String(i) : BIN]).flat()]],
  zset: [['ZADD', 'z', '0.1', 'a', 'inf', 'b', '-inf', 'c', '1e300', 'd', '3', 'e', '1.5e-7', 'f', '-0', 'g', '123456789012', 'h', '-2.5', BIN]],
  ttl: [['SET', 'e', 'v'], ['PEXPIREAT', 'e', '4000000000000'], ['SELECT', '1'], ['RPUSH', 'le', 'a'], ['PEXPIREAT', 'le', '4000000000123']],
};

/** A bigger dataset of every type and encoding, several dbs, TTLs. */
function mixed(): string[][] {
  const cmds: string[][] = [];
  for (let db = 0; db < 3; db++) {
    cmds.push(['SELECT', String(db)]);
    for (let i = 0; i < 60; i++) {
      cmds.push(['SET', `s${i}`, `v${i}`]);
      cmds.push(['RPUSH', `l${i}`, 'a', String(i), BIN]);
      cmds.push(['HSET', `h${i}`, 'f', String(i), 'g', 'x']);
      cmds.push(['SADD', `t${i}`, String(i), 'm']);
      cmds.push(['ZADD', `z${i}`, String(i / 7), 'a', '2', 'b']);
      if (i % 5 === 0) cmds.push(['PEXPIREAT', `s${i}`, String(4000000000000 + i)]);
    }
    const big = Array.from({ length: 700 }, (_, i) => `e${i}`);
    cmds.push(['SADD', 'bigs', ...big], ['HSET', 'bigh', ...big.flatMap((e) => [e, e.repeat(2)])]);
    cmds.push(['ZADD', 'bigz', ...big.flatMap((e, i) => [String(i * 0.1), e])], ['RPUSH', 'bigl', ...big]);
  }
  return cmds;
}

/** Parses a RESP command file into commands (latin1 args). */
function parseCommands(buf: Buffer): string[][] {
  const s = buf.toString('latin1');
  const out: string[][] = [];
  let p = 0;
  while (p < s.length) {
    if (s[p] !== '*') throw new Error(`not a command at ${p}`);
    let e = s.indexOf('\r\n', p);
    const n = Number(s.slice(p + 1, e));
    p = e + 2;
    const argv: string[] = [];
    for (let i = 0; i < n; i++) {
      e = s.indexOf('\r\n', p);
      const len = Number(s.slice(p + 1, e));
      argv.push(s.slice(e + 2, e + 2 + len));
      p = e + 2 + len + 2;
    }
    out.push(argv);
  }
  return out;
}

/**
 * The commands as comparable facts: per (db, key) the command name, the elements (sorted) and the TTL;
 * also checks the batching (at most 64 elements a command, only a key's last command shorter).
 */
function facts(cmds: string[][]): Map<string, string> {
  const m = new Map<string, { cmd: string; items: string[]; ttl: string; sizes: number[] }>();
  let db = '?';
  for (const [name, key, ...rest] of cmds) {
    if (name === 'SELECT') {
      db = key;
      continue;
    }
    const id = `${db}/${key}`;
    let f = m.get(id);
    if (f === undefined) m.set(id, (f = { cmd: name, items: [], ttl: '', sizes: [] }));
    if (name === 'PEXPIREAT') {
      f.ttl = rest[0];
      continue;
    }
    expect(name).toBe(f.cmd);
    const per = name === 'ZADD' || name === 'HMSET' ? 2 : 1;
    f.sizes.push(rest.length / per);
    for (let i = 0; i < rest.length; i += per) f.items.push(rest.slice(i, i + per).join('\u0001'));
  }
  const out = new Map<string, string>();
  for (const [id, f] of m) {
    for (let i = 0; i < f.sizes.length; i++) {
      expect(f.sizes[i]).toBeLessThanOrEqual(64);
      if (i < f.sizes.length - 1) expect(f.sizes[i]).toBe(64);
    }
    out.set(id, `${f.cmd} ${f.ttl} ${f.items.sort().join('\u0002')}`);
  }
  return out;
}

async function send(port: number, cmds: string[][]): Promise<void> {
  const c = await RespConn.connect(port);
  try {
    for (let i = 0; i < cmds.length; i += 200) {
      for (const r of await pipeline(c, cmds.slice(i, i + 200))) if (r.startsWith('-')) throw new Error(r);
    }
  } finally {
    c.close();
  }
}

async function waitRewritten(port: number, count: number): Promise<void> {
  const c = await RespConn.connect(port);
  try {
    for (let t = 0; ; t++) {
      const r = await c.cmd('INFO', 'persistence');
      if (r.includes('aof_rewrite_in_progress:0') && r.includes(`aof_rewrites:${count}\r\n`)) {
        expect(r).toContain('aof_last_bgrewrite_status:ok');
        return;
      }
      if (t > 2000) throw new Error(`rewrite did not finish: ${r}`);
      await new Promise((res) => setTimeout(res, 5));
    }
  } finally {
    c.close();
  }
}

async function debugDigest(port: number): Promise<string> {
  const c = await RespConn.connect(port);
  const r = await c.cmd('DEBUG', 'DIGEST');
  c.close();
  return r;
}

describe.skipIf(!hasRedis)('BGREWRITEAOF compared with Redis 7.0', () => {
  let redis: RedisOracle;
  let nodis: ServerHandle;
  let dir: string;
  let rewrites = 0;

  beforeAll(async () => {
    redis = await startRedis(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no', '--appendfsync', 'no', '--hz', '100']);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aofrw-oracle-'));
    nodis = await startOnDir(dir, { appendonly: 'yes', 'aof-use-rdb-preamble': 'no', appendfsync: 'no' });
  });

  afterAll(async () => {
    await nodis?.close();
    await redis?.close();
    if (dir) removeDir(dir);
  });

  /** Runs cmds on both (after FLUSHALL), rewrites, returns [redis's base file, nodis's AOF]. */
  async function rewriteBoth(cmds: string[][]): Promise<[Buffer, Buffer]> {
    rewrites++;
    for (const port of [redis.port, nodis.port]) {
      await send(port, [['FLUSHALL'], ['SELECT', '0'], ...cmds, ['SELECT', '0']]);
      const c = await RespConn.connect(port);
      expect(await c.cmd('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
      c.close();
      await waitRewritten(port, rewrites);
    }
    const manifest = fs.readFileSync(path.join(redis.dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
    const base = /file (\S+) seq \d+ type b/.exec(manifest)![1];
    return [fs.readFileSync(path.join(redis.dir, 'appendonlydir', base)), fs.readFileSync(path.join(dir, 'appendonly.aof'))];
  }

  for (const [name, cmds] of Object.entries(SINGLE)) {
    it(`writes the same bytes as Redis: ${name}`, async () => {
      const [theirs, ours] = await rewriteBoth(cmds);
      expect(ours.toString('latin1')).toBe(theirs.toString('latin1'));
    });
  }

  it('writes the same commands as Redis for a mixed dataset (dict orders aside)', async () => {
    const [theirs, ours] = await rewriteBoth(mixed());
    const a = facts(parseCommands(theirs));
    const b = facts(parseCommands(ours));
    expect(b.size).toBe(a.size);
    for (const [id, f] of a) expect(b.get(id), id).toBe(f);
  });

  for (const preamble of ['no', 'yes']) {
    it(`real Redis loads nodis's rewritten AOF (preamble ${preamble}) to an equal digest`, async () => {
      const c = await RespConn.connect(nodis.port);
      expect(await c.cmd('CONFIG', 'SET', 'aof-use-rdb-preamble', preamble)).toBe('+OK\r\n');
      c.close();
      rewrites++;
      await send(nodis.port, [['FLUSHALL'], ...mixed(), ['SELECT', '0'], ...SINGLE.list, ...SINGLE.zset, ...SINGLE.hash]);
      const c2 = await RespConn.connect(nodis.port);
      expect(await c2.cmd('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
      c2.close();
      await waitRewritten(nodis.port, rewrites);
      // a write after the rewrite: the file is the rewritten part plus the appended records
      await send(nodis.port, [['SELECT', '2'], ['RPUSH', 'after', 'x'], ['SELECT', '0']]);
      const want = await debugDigest(nodis.port);
      const rdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aofrw-load-'));
      try {
        // wait for the appended record to be written (appendfsync no writes asynchronously)
        for (let t = 0; !fs.readFileSync(path.join(dir, 'appendonly.aof'), 'latin1').endsWith('$5\r\nafter\r\n$1\r\nx\r\n'); t++) {
          if (t > 500) throw new Error('the record after the rewrite was not written');
          await new Promise((r) => setTimeout(r, 5));
        }
        const file = fs.readFileSync(path.join(dir, 'appendonly.aof'));
        if (preamble === 'yes') expect(file.subarray(0, 5).toString()).toBe('REDIS');
        fs.writeFileSync(path.join(rdir, 'appendonly.aof'), file);
        const r = await startRedis(['--dir', rdir, '--appendonly', 'yes']);
        try {
          expect(await debugDigest(r.port)).toBe(want);
        } finally {
          await r.close();
        }
      } finally {
        removeDir(rdir);
      }
    });
  }
});
