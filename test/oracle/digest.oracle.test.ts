/**
 * DEBUG DIGEST and DEBUG DIGEST-VALUE against a real redis-server: the same writes sent to both
 * servers must give the same 40 hex digits, for every type and encoding (int and binary strings,
 * lists, intset/hashtable sets, listpack/hashtable hashes, listpack/skiplist zsets with integral,
 * fractional, inf and -0 scores), TTLs, several dbs, the empty dataset, and a seeded random
 * dataset. Element order must not matter for sets and hashes (xor), and must for lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, type RedisOracle, startRedis } from '../helpers/oracle.js';
import { RespConn } from '../helpers/resp-session.js';
import { rng } from '../helpers/rng.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const ZERO = `+${'0'.repeat(40)}\r\n`;
const BIN = 'a\x00b\xff\r\n\x80z';
const LONG = 'L'.repeat(70); // over the 64-byte listpack value limit

describe.skipIf(!hasRedis)('DEBUG DIGEST oracle', () => {
  let redis: RedisOracle;
  let nodis: TestServer;
  let r: RespConn;
  let n: RespConn;

  beforeAll(async () => {
    [redis, nodis] = await Promise.all([startRedis(), startTestServer({ 'enable-debug-command': 'yes' })]);
    [r, n] = await Promise.all([RespConn.connect(redis.port), RespConn.connect(nodis.port)]);
  });
  afterAll(async () => {
    r?.close();
    n?.close();
    await Promise.all([redis?.close(), nodis?.close()]);
  });

  /** Sends a command to both; the replies must be identical. */
  async function both(...args: string[]): Promise<string> {
    const [a, b] = await Promise.all([r.cmd(...args), n.cmd(...args)]);
    expect(b, args.join(' ')).toBe(a);
    return a;
  }

  /** Sends a batch of commands to both (pipelined), replies compared one by one. */
  async function batch(cmds: string[][]): Promise<void> {
    for (const c of cmds) {
      r.send(...c);
      n.send(...c);
    }
    for (const c of cmds) {
      const [a, b] = await Promise.all([r.next(), n.next()]);
      expect(b, c.join(' ')).toBe(a);
    }
  }

  async function reset(): Promise<void> {
    await both('FLUSHALL');
    await both('SELECT', '0');
  }

  /** DEBUG DIGEST and DIGEST-VALUE of the given keys agree; returns the dataset digest. */
  async function sameDigests(keys: string[]): Promise<string> {
    const d = await both('DEBUG', 'DIGEST');
    if (keys.length > 0) await both('DEBUG', 'DIGEST-VALUE', ...keys);
    return d;
  }

  it('is all zeros for an empty dataset, and DIGEST-VALUE of missing keys too', async () => {
    await reset();
    expect(await both('DEBUG', 'DIGEST')).toBe(ZERO);
    expect(await both('DEBUG', 'DIGEST-VALUE', 'nope', 'nada')).toBe(`*2\r\n${ZERO}${ZERO}`);
    expect(await both('DEBUG', 'DIGEST-VALUE')).toBe('*0\r\n');
    await both('DEBUG', 'DIGEST', 'x'); // wrong arity: Redis's unknown-subcommand error
    await both('SET', 'k', 'v');
    await both('DEL', 'k');
    expect(await both('DEBUG', 'DIGEST')).toBe(ZERO);
  });

  it('matches for strings: ints, binary, long, empty', async () => {
    await reset();
    await batch([
      ['SET', 'int', '12345'],
      ['SET', 'neg', '-9223372036854775808'],
      ['SET', 'notint', '0123'],
      ['SET', 'bin', BIN],
      ['SET', BIN, 'binary key'],
      ['SET', 'long', LONG],
      ['SET', 'empty', ''],
      ['INCR', 'ctr'],
      ['INCRBYFLOAT', 'flt', '1.5'],
      ['APPEND', 'app', 'xyz'],
    ]);
    const d = await sameDigests(['int', 'neg', 'notint', 'bin', BIN, 'long', 'empty', 'ctr', 'flt', 'app', 'missing']);
    expect(d).not.toBe(ZERO);
  });

  it('matches for lists (order matters), small and large, int and binary elements', async () => {
    await reset();
    const big = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? String(i) : `e${i}`));
    await batch([
      ['RPUSH', 'small', 'a', '1', '-5', BIN, ''],
      ['RPUSH', 'big', ...big],
      ['RPUSH', 'longs', LONG, LONG, 'x'],
      ['RPUSH', 'ab', 'a', 'b'],
      ['RPUSH', 'ba', 'b', 'a'],
    ]);
    await sameDigests(['small', 'big', 'longs', 'ab', 'ba']);
    const [ab, ba] = [await both('DEBUG', 'DIGEST-VALUE', 'ab'), await both('DEBUG', 'DIGEST-VALUE', 'ba')];
    expect(ab).not.toBe(ba);
  });

  it('matches for intset and hashtable sets, insensitive to insertion order', async () => {
    await reset();
    const many = Array.from({ length: 600 }, (_, i) => String(i * 7 - 100));
    await batch([
      ['SADD', 'ints', '3', '1', '2', '-7', '9223372036854775807'],
      ['SADD', 'bigints', ...many],
      ['SADD', 'strs', 'x', 'y', BIN, LONG],
      ['SADD', 'o1', 'a', 'b', 'c', '1'],
      ['SADD', 'o2', '1', 'c', 'b', 'a'],
      ['SADD', 'mixed', '1', '2'],
      ['SADD', 'mixed', 'z'],
      ['SREM', 'mixed', 'z'],
    ]);
    await sameDigests(['ints', 'bigints', 'strs', 'o1', 'o2', 'mixed']);
    const [a, b] = [await both('DEBUG', 'DIGEST-VALUE', 'o1'), await both('DEBUG', 'DIGEST-VALUE', 'o2')];
    expect(a).toBe(b);
  });

  it('matches for listpack and hashtable hashes, insensitive to field order', async () => {
    await reset();
    const wide: string[] = [];
    for (let i = 0; i < 200; i++) wide.push(`f${i}`, i % 2 ? String(i) : `v${i}`);
    await batch([
      ['HSET', 'small', 'a', '1', 'b', BIN, BIN, 'binfield', 'n', '-3'],
      ['HSET', 'wide', ...wide],
      ['HSET', 'longval', 'f', LONG],
      ['HSET', 'h1', 'x', '1', 'y', '2'],
      ['HSET', 'h2', 'y', '2', 'x', '1'],
      ['HINCRBY', 'small', 'ctr', '5'],
      ['HINCRBYFLOAT', 'small', 'fl', '0.25'],
    ]);
    await sameDigests(['small', 'wide', 'longval', 'h1', 'h2']);
    expect(await both('DEBUG', 'DIGEST-VALUE', 'h1')).toBe(await both('DEBUG', 'DIGEST-VALUE', 'h2'));
  });

  it('matches for listpack and skiplist zsets: integral, fractional, inf, -0 scores', async () => {
    await reset();
    const scores = ['0', '-0', '1', '-1', '1.5', '0.1', '3.141592653589793', '1e20', '1e-5', '123456789012345678', 'inf', '-inf', '+inf', '2.5e-300', '-1.0000000000000002'];
    const lp: string[] = [];
    scores.forEach((s, i) => lp.push(s, `m${i}`));
    const sk: string[] = [];
    for (let i = 0; i < 200; i++) sk.push(String(i % 2 ? i / 7 : i), `k${i}`);
    await batch([
      ['ZADD', 'lp', ...lp],
      ['ZADD', 'lpint', '1', '10', '2', '-20', '3', BIN],
      ['ZADD', 'sk', ...sk, ...lp],
      ['ZADD', 'sklong', '-0', LONG, '0', 'zero', 'inf', 'top', '0.5', 'half'],
      ['ZADD', 'negzero', '-0', 'a'],
      ['ZINCRBY', 'incr', '0.1', 'x'],
      ['ZINCRBY', 'incr', '0.2', 'x'],
      ['ZADD', 'conv', '-0', 'a', '1', 'b'],
    ]);
    await sameDigests(['lp', 'lpint', 'sk', 'sklong', 'negzero', 'incr', 'conv']);
    // a skiplist turned back into a listpack by a *STORE
    await batch([['ZUNIONSTORE', 'back', '1', 'sklong'], ['ZRANGESTORE', 'part', 'sk', '0', '10']]);
    await sameDigests(['back', 'part']);
  });

  it('mixes in expires, and the db number', async () => {
    await reset();
    await batch([
      ['SET', 'a', '1'],
      ['SET', 'b', '1'],
      ['PEXPIRE', 'b', '100000000'],
    ]);
    await sameDigests(['a', 'b']);
    const [a, b] = [await both('DEBUG', 'DIGEST-VALUE', 'a'), await both('DEBUG', 'DIGEST-VALUE', 'b')];
    expect(a).not.toBe(b);
    const d0 = await both('DEBUG', 'DIGEST');
    await both('MOVE', 'a', '3');
    const d1 = await both('DEBUG', 'DIGEST');
    expect(d1).not.toBe(d0);
    await batch([
      ['SELECT', '5'],
      ['RPUSH', 'l', 'x'],
      ['HSET', 'h', 'f', 'v'],
      ['EXPIRE', 'h', '1000'],
      ['SELECT', '15'],
      ['ZADD', 'z', '1', 'm'],
    ]);
    await sameDigests(['l', 'h', 'z']);
    await both('SELECT', '0');
    await both('SWAPDB', '0', '5');
    await sameDigests(['l', 'h', 'b']);
  });

  it('includes logically expired keys still present, as Redis walks its dict', async () => {
    await reset();
    await both('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    try {
      await batch([
        ['SET', 'gone', 'v'],
        ['PEXPIRE', 'gone', '1'],
        ['SET', 'stays', 'v'],
      ]);
      await new Promise((res) => setTimeout(res, 20));
      await sameDigests(['gone', 'stays']);
    } finally {
      await both('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    }
  });

  it('matches on a seeded random dataset over every type and a few dbs', async () => {
    await reset();
    const rand = rng(20261127);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const elem = (): string => {
      const k = rand();
      if (k < 0.3) return String(Math.floor(rand() * 2000) - 1000);
      if (k < 0.4) return BIN.slice(0, 1 + Math.floor(rand() * BIN.length));
      if (k < 0.45) return LONG;
      return `e${Math.floor(rand() * 300)}`;
    };
    const score = (): string => {
      const k = rand();
      if (k < 0.4) return String(Math.floor(rand() * 100) - 50);
      if (k < 0.45) return pick(['inf', '-inf', '-0', '0']);
      return String((rand() - 0.5) * 1e6);
    };
    const cmds: string[][] = [];
    const allKeys: string[] = [];
    for (const db of ['0', '2', '9']) {
      cmds.push(['SELECT', db]);
      for (let i = 0; i < 120; i++) {
        const key = `k${Math.floor(rand() * 60)}`;
        allKeys.push(key);
        const count = 1 + Math.floor(rand() * (rand() < 0.1 ? 200 : 8));
        const t = Math.floor(rand() * 5);
        // DEL first so the type of a reused key never collides
        if (rand() < 0.5) cmds.push(['DEL', key]);
        if (t === 0) cmds.push(['SET', key, elem()]);
        else if (t === 1) cmds.push([pick(['RPUSH', 'LPUSH']), key, ...Array.from({ length: count }, elem)]);
        else if (t === 2) cmds.push(['SADD', key, ...Array.from({ length: count }, elem)]);
        else if (t === 3) cmds.push(['HSET', key, ...Array.from({ length: count }, () => [elem(), elem()]).flat()]);
        else cmds.push(['ZADD', key, ...Array.from({ length: count }, () => [score(), elem()]).flat()]);
        if (rand() < 0.2) cmds.push(['PEXPIRE', key, String(1e8 + Math.floor(rand() * 1e6))]);
        if (rand() < 0.05) cmds.push(['PERSIST', key]);
      }
    }
    cmds.push(['SELECT', '0']);
    await batch(cmds);
    const d = await sameDigests([...new Set(allKeys)]);
    expect(d).not.toBe(ZERO);
  });
});
