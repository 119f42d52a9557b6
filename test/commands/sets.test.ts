/**
 * Set commands through ioredis: behaviour of every command, emptied sets deleting their key,
 * what is propagated (SPOP as SREM of the popped members, DEL when all went), STORE variants
 * replacing/deleting the destination, WATCH, COPY, OBJECT ENCODING, random replies' shapes, and
 * the wrong-arity / WRONGTYPE / bad-number paths. SetValue is checked directly too.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SetValue } from '../../src/keyspace/types/set.js';
import { rng as makeRng } from '../helpers/rng.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';
import { err } from '../helpers/error-reply.js';

let server: TestServer;
let c: Redis;
let propagated: string[][] = [];
let stopListening: () => void;

beforeAll(async () => {
  server = await startTestServer();
  c = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await c.connect();
  stopListening = server.core.propagator.addListener((_db, argv) => propagated.push([...argv]));
});
afterAll(async () => {
  stopListening();
  c.disconnect();
  await server.close();
});
beforeEach(async () => {
  await c.flushall();
  propagated = [];
});

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOTINT = 'ERR value is not an integer or out of range';
const arity = (name: string) => `ERR wrong number of arguments for '${name}' command`;

const sorted = (xs: string[]) => [...xs].sort();

describe('SetValue', () => {
  it('tracks intset encoding one way and sorts intset members numerically', () => {
    const v = new SetValue(['10', '-3', '2', '9223372036854775807', '-9223372036854775808']);
    v.updateEncoding(512);
    expect(v.encoding).toBe('intset');
    expect(v.toArray()).toEqual(['-9223372036854775808', '-3', '2', '10', '9223372036854775807']);
    v.add('x');
    v.updateEncoding(512, ['x']);
    expect(v.encoding).toBe('hashtable');
    v.remove('x');
    v.updateEncoding(512);
    expect(v.encoding).toBe('hashtable');
    const w = new SetValue(['01']);
    w.updateEncoding(512);
    expect(w.encoding).toBe('hashtable');
    const big = new SetValue(['1', '2', '3']);
    big.updateEncoding(2);
    expect(big.encoding).toBe('hashtable');
  });

  it('clones independently', () => {
    const v = new SetValue(['a']);
    v.intset = false;
    const c2 = v.clone();
    c2.add('b');
    expect(v.size).toBe(1);
    expect(c2.encoding).toBe('hashtable');
    expect(c2.memoryUsage(5)).toBeGreaterThan(0);
  });
});

describe('basic commands', () => {
  it('SADD / SREM / SCARD / SISMEMBER / SMISMEMBER / SMEMBERS', async () => {
    expect(await c.sadd('s', 'a', 'b', 'a', '')).toBe(3);
    expect(await c.sadd('s', 'b', 'c')).toBe(1);
    expect(await c.scard('s')).toBe(4);
    expect(await c.sismember('s', 'a')).toBe(1);
    expect(await c.sismember('s', 'z')).toBe(0);
    expect(await c.smismember('s', 'a', 'z', '')).toEqual([1, 0, 1]);
    expect(sorted(await c.smembers('s'))).toEqual(['', 'a', 'b', 'c']);
    expect(await c.srem('s', 'a', 'z')).toBe(1);
    expect(await c.srem('s', 'b', 'c', '')).toBe(3);
    expect(await c.exists('s')).toBe(0);
    expect(await c.scard('s')).toBe(0);
    expect(await c.smembers('s')).toEqual([]);
    expect(await c.smismember('s', 'a')).toEqual([0]);
    expect(await c.srem('s', 'a')).toBe(0);
    expect(await c.type('s')).toBe('none');
  });

  it('is binary-safe', async () => {
    const bin = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x80]);
    await c.sadd('b', bin);
    expect(await c.sismember('b', bin)).toBe(1);
    const got = await c.smembersBuffer('b');
    expect(got[0].equals(bin)).toBe(true);
  });

  it('returns integer sets sorted (intset order)', async () => {
    await c.sadd('i', '30', '-1', '7', '100', '2');
    expect(await c.smembers('i')).toEqual(['-1', '2', '7', '30', '100']);
    expect(await c.object('ENCODING', 'i')).toBe('intset');
    await c.sadd('i', 'x');
    expect(await c.object('ENCODING', 'i')).toBe('hashtable');
    await c.srem('i', 'x');
    expect(await c.object('ENCODING', 'i')).toBe('hashtable');
  });

  it('honours set-max-intset-entries', async () => {
    await c.config('SET', 'set-max-intset-entries', '3');
    try {
      await c.sadd('i', '1', '2', '3');
      expect(await c.object('ENCODING', 'i')).toBe('intset');
      await c.sadd('i', '4');
      expect(await c.object('ENCODING', 'i')).toBe('hashtable');
    } finally {
      await c.config('SET', 'set-max-intset-entries', '512');
    }
  });

  it('SMOVE moves, deletes an emptied source, handles same key and missing members', async () => {
    await c.sadd('a', 'x', 'y');
    expect(await c.smove('a', 'b', 'x')).toBe(1);
    expect(await c.smove('a', 'b', 'nope')).toBe(0);
    expect(await c.smove('a', 'a', 'y')).toBe(1);
    expect(await c.smove('a', 'a', 'nope')).toBe(0);
    expect(await c.smove('none', 'b', 'x')).toBe(0);
    expect(await c.smove('a', 'b', 'y')).toBe(1);
    expect(await c.exists('a')).toBe(0);
    expect(sorted(await c.smembers('b'))).toEqual(['x', 'y']);
    await c.set('str', 'v');
    expect(await err(c.smove('b', 'str', 'x'))).toBe(WRONGTYPE);
    expect(await err(c.smove('str', 'b', 'x'))).toBe(WRONGTYPE);
    expect(await c.smove('none', 'str', 'x')).toBe(0);
    expect(sorted(await c.smembers('b'))).toEqual(['x', 'y']);
  });
});

describe('algebra', () => {
  beforeEach(async () => {
    await c.sadd('a', '1', '2', '3', 'x');
    await c.sadd('b', '2', '3', '4', 'x');
    await c.sadd('c', '3', 'x', 'z');
  });

  it('SINTER / SUNION / SDIFF', async () => {
    expect(sorted(await c.sinter('a', 'b', 'c'))).toEqual(['3', 'x']);
    expect(await c.sinter('a', 'none')).toEqual([]);
    expect(sorted(await c.sinter('a'))).toEqual(['1', '2', '3', 'x']);
    expect(sorted(await c.sunion('a', 'none', 'c'))).toEqual(['1', '2', '3', 'x', 'z']);
    expect(sorted(await c.sdiff('a', 'b'))).toEqual(['1']);
    expect(sorted(await c.sdiff('a', 'none', 'c'))).toEqual(['1', '2']);
    expect(await c.sdiff('none', 'a')).toEqual([]);
  });

  it('SINTERCARD with LIMIT', async () => {
    expect(await c.sintercard(2, 'a', 'b')).toBe(3);
    expect(await c.sintercard(3, 'a', 'b', 'c')).toBe(2);
    expect(await c.sintercard(2, 'a', 'b', 'LIMIT', 1)).toBe(1);
    expect(await c.sintercard(2, 'a', 'b', 'LIMIT', 0)).toBe(3);
    expect(await c.sintercard(2, 'a', 'none')).toBe(0);
    expect(await err(c.sintercard(0, 'a'))).toBe('ERR numkeys should be greater than 0');
    expect(await err(c.sintercard('x', 'a'))).toBe('ERR numkeys should be greater than 0');
    expect(await err(c.sintercard(3, 'a', 'b'))).toBe("ERR Number of keys can't be greater than number of args");
    expect(await err(c.sintercard(2, 'a', 'b', 'LIMIT', -1))).toBe("ERR LIMIT can't be negative");
    expect(await err(c.sintercard(2, 'a', 'b', 'LIMIT'))).toBe('ERR syntax error');
    expect(await err(c.call('sintercard', '2', 'a', 'b', 'FOO', '1'))).toBe('ERR syntax error');
  });

  it('STORE variants replace the destination, clear its TTL, delete it when empty', async () => {
    await c.set('d', 'str');
    await c.expire('d', 100);
    expect(await c.sinterstore('d', 'a', 'b')).toBe(3);
    expect(await c.type('d')).toBe('set');
    expect(await c.ttl('d')).toBe(-1);
    expect(sorted(await c.smembers('d'))).toEqual(['2', '3', 'x']);
    expect(await c.sunionstore('d', 'a', 'c')).toBe(5);
    expect(await c.sdiffstore('d', 'a', 'b')).toBe(1);
    expect(await c.smembers('d')).toEqual(['1']);
    expect(await c.object('ENCODING', 'd')).toBe('intset');
    propagated = [];
    expect(await c.sinterstore('d', 'a', 'none')).toBe(0);
    expect(await c.exists('d')).toBe(0);
    expect(await c.sdiffstore('d', 'a', 'a')).toBe(0);
    expect(propagated).toEqual([['sinterstore', 'd', 'a', 'none']]);
    // the source may be the destination
    expect(await c.sunionstore('a', 'a', 'c')).toBe(5);
  });

  it('WRONGTYPE for any non-set source', async () => {
    await c.set('str', 'v');
    expect(await err(c.sinter('a', 'str'))).toBe(WRONGTYPE);
    expect(await err(c.sinter('none', 'str'))).toBe(WRONGTYPE);
    expect(await err(c.sunion('str'))).toBe(WRONGTYPE);
    expect(await err(c.sdiff('a', 'str'))).toBe(WRONGTYPE);
    expect(await err(c.sintercard(2, 'a', 'str'))).toBe(WRONGTYPE);
    expect(await err(c.sinterstore('d', 'a', 'str'))).toBe(WRONGTYPE);
    expect(await err(c.sunionstore('d', 'str'))).toBe(WRONGTYPE);
    expect(await err(c.sdiffstore('d', 'str', 'a'))).toBe(WRONGTYPE);
  });
});

describe('random', () => {
  it('SPOP without count propagates SREM and deletes an emptied set', async () => {
    await c.sadd('s', 'a', 'b');
    const first = (await c.spop('s')) as string;
    expect(['a', 'b']).toContain(first);
    expect(propagated.at(-1)).toEqual(['SREM', 's', first]);
    const second = (await c.spop('s')) as string;
    expect(sorted([first, second])).toEqual(['a', 'b']);
    expect(propagated.at(-1)).toEqual(['SREM', 's', second]);
    expect(await c.exists('s')).toBe(0);
    expect(await c.spop('s')).toBeNull();
  });

  it('SPOP with count: SREM of the popped members, DEL when all popped', async () => {
    await c.sadd('s', '1', '2', '3', '4', '5');
    propagated = [];
    const got = await c.spop('s', 2);
    expect(got).toHaveLength(2);
    // one SREM per popped member in MULTI/EXEC, as Redis 7.0's alsoPropagate
    expect(propagated).toEqual([['MULTI'], ['SREM', 's', got[0]], ['SREM', 's', got[1]], ['EXEC']]);
    expect(await c.scard('s')).toBe(3);
    propagated = [];
    const rest = await c.spop('s', 10);
    expect(sorted([...got, ...rest])).toEqual(['1', '2', '3', '4', '5']);
    expect(propagated).toEqual([['DEL', 's']]);
    expect(await c.exists('s')).toBe(0);
    expect(await c.spop('s', 3)).toEqual([]);
    expect(await err(c.spop('s', -1))).toBe('ERR value is out of range, must be positive');
    expect(await err(c.spop('s', 'x'))).toBe('ERR value is out of range, must be positive');
    expect(await err(c.call('spop', 's', '1', '2'))).toBe('ERR syntax error');
    await c.sadd('s', 'a');
    expect(await c.spop('s', 0)).toEqual([]);
    expect(propagated.filter((p) => p[0] !== 'sadd')).toEqual([['DEL', 's']]);
  });

  it('SPOP with a large count propagates one SREM per member', async () => {
    const members = Array.from({ length: 3000 }, (_, i) => `m${i}`);
    await c.sadd('big', ...members);
    propagated = [];
    const got = await c.spop('big', 2500);
    expect(new Set(got).size).toBe(2500);
    expect(propagated).toHaveLength(2502);
    expect(propagated[0]).toEqual(['MULTI']);
    expect(propagated[2501]).toEqual(['EXEC']);
    expect(propagated.slice(1, 2501).map((p) => p[2])).toEqual(got);
    expect(await c.scard('big')).toBe(500);
    const left = await c.smembers('big');
    for (const m of left) expect(got).not.toContain(m);
  });

  it('SPOP inside MULTI nests its SREMs in the one transaction', async () => {
    await c.sadd('s', 'a', 'b', 'c', 'd', 'e', 'f');
    propagated = [];
    const res = await c.multi().spop('s', 2).sadd('s', 'z').exec();
    const popped = res![0][1] as string[];
    expect(propagated).toEqual([
      ['MULTI'],
      ['SREM', 's', popped[0]],
      ['SREM', 's', popped[1]],
      ['sadd', 's', 'z'],
      ['EXEC'],
    ]);
  });

  it('SRANDMEMBER with positive, negative and no count', async () => {
    await c.sadd('s', 'a', 'b', 'c');
    expect(['a', 'b', 'c']).toContain(await c.srandmember('s'));
    const two = await c.srandmember('s', 2);
    expect(new Set(two).size).toBe(2);
    expect(sorted(await c.srandmember('s', 10))).toEqual(['a', 'b', 'c']);
    const many = await c.srandmember('s', -10);
    expect(many).toHaveLength(10);
    for (const m of many) expect(['a', 'b', 'c']).toContain(m);
    expect(await c.srandmember('s', 0)).toEqual([]);
    expect(await c.srandmember('none')).toBeNull();
    expect(await c.srandmember('none', -3)).toEqual([]);
    expect(await err(c.srandmember('s', 'x'))).toBe(NOTINT);
    expect(await err(c.call('srandmember', 's', '1', '2'))).toBe('ERR syntax error');
    expect(await c.scard('s')).toBe(3);
  });
});

describe('random picks are roughly uniform (wide bounds: > 5 sigma)', () => {
  it('SRANDMEMBER with negative and positive counts, SPOP', async () => {
    const members = Array.from({ length: 10 }, (_, i) => `m${i}`);
    await c.sadd('s', ...members);
    const tally = (xs: string[]) => {
      const t = new Map<string, number>(members.map((m) => [m, 0]));
      for (const x of xs) t.set(x, t.get(x)! + 1);
      return [...t.values()];
    };
    for (const n of tally(await c.srandmember('s', -20000))) expect(Math.abs(n - 2000)).toBeLessThan(300);
    const p = c.pipeline();
    for (let i = 0; i < 300; i++) p.srandmember('s', 3);
    const picks = (await p.exec())!.flatMap(([, r]) => r as string[]);
    for (const n of tally(picks)) expect(Math.abs(n - 90)).toBeLessThan(50);
    const q = c.pipeline();
    for (let i = 0; i < 300; i++) q.spop('s', 2).sadd('s', ...members);
    const popped = (await q.exec())!.filter((_, i) => i % 2 === 0).flatMap(([, r]) => r as string[]);
    for (const n of tally(popped)) expect(Math.abs(n - 60)).toBeLessThan(40);
  });
});

describe('SSCAN', () => {
  it('an intset comes whole with cursor 0 (sorted), MATCH applied, COUNT ignored', async () => {
    await c.sadd('i', '30', '1', '-2', '10', '11');
    expect(await c.sscan('i', 0, 'COUNT', 1)).toEqual(['0', ['-2', '1', '10', '11', '30']]);
    expect(await c.sscan('i', 0, 'MATCH', '1*', 'COUNT', 1)).toEqual(['0', ['1', '10', '11']]);
  });

  it('a hashtable set is walked with a real cursor, MATCH applied', async () => {
    await c.sadd('s', 'foo', 'bar', 'fab');
    const [cursor, items] = await c.sscan('s', 0);
    expect(cursor).toBe('0');
    expect(sorted(items)).toEqual(['bar', 'fab', 'foo']);
    const seen: string[] = [];
    let cur = '0';
    let calls = 0;
    do {
      const [next, got] = await c.sscan('s', cur, 'MATCH', 'f*', 'COUNT', 1);
      seen.push(...got);
      cur = next;
      calls++;
    } while (cur !== '0');
    expect(calls).toBe(3);
    expect(sorted(seen)).toEqual(['fab', 'foo']);
    expect(await c.sscan('none', 0)).toEqual(['0', []]);
    expect(await err(c.sscan('s', 'x'))).toBe('ERR invalid cursor');
    expect(await err(c.sscan('s', 0, 'COUNT', 0))).toBe('ERR syntax error');
    expect(await err(c.sscan('s', 0, 'COUNT', 'x'))).toBe(NOTINT);
    expect(await err(c.call('sscan', 's', '0', 'MATCH'))).toBe('ERR syntax error');
  });

  it('returns every member present throughout while the set grows and shrinks', async () => {
    const rand = makeRng(11);
    const stable = Array.from({ length: 300 }, (_, i) => `s${i}`);
    await c.sadd('g', ...stable, ...Array.from({ length: 300 }, (_, i) => `t${i}`));
    const seen = new Set<string>();
    let cur = '0';
    let extra = 0;
    let transient = 0;
    do {
      const [next, got] = await c.sscan('g', cur, 'COUNT', 7);
      for (const m of got) seen.add(m);
      cur = next;
      // between calls: add new members and remove some of the transient ones
      const adds = Array.from({ length: 1 + Math.floor(rand() * 20) }, () => `x${extra++}`);
      await c.sadd('g', ...adds);
      const rems = Array.from({ length: Math.floor(rand() * 15) }, () => `t${transient++}`);
      if (rems.length > 0) await c.srem('g', ...rems);
    } while (cur !== '0');
    for (const m of stable) expect(seen.has(m)).toBe(true);
  });
});

describe('keyspace integration', () => {
  it('COPY clones a set', async () => {
    await c.sadd('s', '1', '2');
    expect(await c.copy('s', 't')).toBe(1);
    await c.sadd('t', '3');
    expect(await c.smembers('s')).toEqual(['1', '2']);
    expect(await c.smembers('t')).toEqual(['1', '2', '3']);
    expect(await c.object('ENCODING', 't')).toBe('intset');
    expect(await c.memory('USAGE', 't')).toBeGreaterThan(0);
  });

  it('WATCH sees in-place changes', async () => {
    await c.sadd('s', 'a');
    const other = c.duplicate();
    try {
      await c.watch('s');
      await other.sadd('s', 'b');
      expect(await c.multi().scard('s').exec()).toBeNull();
    } finally {
      other.disconnect();
    }
  });

  it('counts dirty changes and propagates SADD / SREM / SMOVE as is', async () => {
    await c.sadd('s', 'a', 'b');
    await c.sadd('s', 'a');
    await c.srem('s', 'zz');
    await c.smove('s', 'd', 'a');
    expect(propagated).toEqual([
      ['sadd', 's', 'a', 'b'],
      ['smove', 's', 'd', 'a'],
    ]);
  });

  it('WRONGTYPE against a string and wrong arity everywhere', async () => {
    await c.set('str', 'v');
    expect(await err(c.sadd('str', 'a'))).toBe(WRONGTYPE);
    expect(await err(c.srem('str', 'a'))).toBe(WRONGTYPE);
    expect(await err(c.smembers('str'))).toBe(WRONGTYPE);
    expect(await err(c.sismember('str', 'a'))).toBe(WRONGTYPE);
    expect(await err(c.smismember('str', 'a'))).toBe(WRONGTYPE);
    expect(await err(c.scard('str'))).toBe(WRONGTYPE);
    expect(await err(c.spop('str'))).toBe(WRONGTYPE);
    expect(await err(c.srandmember('str'))).toBe(WRONGTYPE);
    expect(await err(c.sscan('str', 0))).toBe(WRONGTYPE);
    await c.sadd('s', 'a');
    expect(await err(c.get('s'))).toBe(WRONGTYPE);
    const cases: [string, string[]][] = [
      ['sadd', ['s']],
      ['srem', ['s']],
      ['smembers', []],
      ['sismember', ['s']],
      ['smismember', ['s']],
      ['scard', []],
      ['smove', ['a', 'b']],
      ['sinter', []],
      ['sintercard', ['1']],
      ['sinterstore', ['d']],
      ['sunion', []],
      ['sunionstore', ['d']],
      ['sdiff', []],
      ['sdiffstore', ['d']],
      ['spop', []],
      ['srandmember', []],
      ['sscan', ['s']],
    ];
    for (const [name, args] of cases) expect(await err(c.call(name, ...args))).toBe(arity(name));
  });
});
