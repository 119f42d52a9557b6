/**
 * Hash commands through ioredis: behaviour of every command, emptied hashes deleting their key,
 * what is propagated (HINCRBYFLOAT as HSET key field value), WATCH, COPY, OBJECT ENCODING,
 * random replies' shapes, and the wrong-arity / WRONGTYPE / bad-number paths. HashValue is
 * checked directly too.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HashValue } from '../../src/keyspace/types/hash.js';
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

describe('HashValue', () => {
  it('tracks listpack encoding one way and clones independently', () => {
    const v = new HashValue([['a', '1']]);
    expect(v.encoding).toBe('listpack');
    v.set('b', 'x'.repeat(65));
    v.updateEncoding(128, 64, ['b', 'x'.repeat(65)]);
    expect(v.encoding).toBe('hashtable');
    v.remove('b');
    v.updateEncoding(128, 64, []);
    expect(v.encoding).toBe('hashtable');
    const copy = v.clone();
    copy.set('c', '3');
    expect(v.has('c')).toBe(false);
    expect(copy.encoding).toBe('hashtable');
    expect(v.memoryUsage(5)).toBeGreaterThan(0);
  });
});

describe('hash commands', () => {
  it('HSET / HGET / HMSET / HMGET / HGETALL keep insertion order', async () => {
    expect(await c.hset('h', 'b', '1', 'a', '2')).toBe(2);
    expect(await c.hset('h', 'b', '3', 'c', '4')).toBe(1);
    expect(await c.hmset('h', 'd', '5')).toBe('OK');
    expect(await c.hget('h', 'b')).toBe('3');
    expect(await c.hget('h', 'zz')).toBeNull();
    expect(await c.hget('none', 'zz')).toBeNull();
    expect(await c.hmget('h', 'a', 'zz', 'd')).toEqual(['2', null, '5']);
    expect(await c.call('HGETALL', 'h')).toEqual(['b', '3', 'a', '2', 'c', '4', 'd', '5']);
    expect(await c.hkeys('h')).toEqual(['b', 'a', 'c', 'd']);
    expect(await c.hvals('h')).toEqual(['3', '2', '4', '5']);
    expect(await c.hlen('h')).toBe(4);
    expect(await c.hexists('h', 'a')).toBe(1);
    expect(await c.hexists('h', 'q')).toBe(0);
    expect(await c.hstrlen('h', 'a')).toBe(1);
    expect(await c.hstrlen('h', 'q')).toBe(0);
    expect(await c.hkeys('none')).toEqual([]);
    expect(await c.hlen('none')).toBe(0);
  });

  it('is binary safe', async () => {
    const f = Buffer.from([0, 0xff, 13, 10, 0x80]);
    await c.hset('hb', f, f);
    expect(await c.hgetBuffer('hb', f)).toEqual(f);
    expect(await c.hstrlen('hb', f)).toBe(5);
  });

  it('HDEL deletes emptied keys and counts removed fields', async () => {
    await c.hset('h', 'a', '1', 'b', '2');
    expect(await c.hdel('h', 'a', 'zz')).toBe(1);
    expect(await c.hdel('none', 'a')).toBe(0);
    expect(await c.hdel('h', 'b', 'b')).toBe(1);
    expect(await c.exists('h')).toBe(0);
    expect(propagated.map((a) => a[0].toLowerCase())).toEqual(['hset', 'hdel', 'hdel']);
  });

  it('HSETNX sets only new fields', async () => {
    expect(await c.hsetnx('h', 'a', '1')).toBe(1);
    expect(await c.hsetnx('h', 'a', '2')).toBe(0);
    expect(await c.hget('h', 'a')).toBe('1');
    expect(propagated.length).toBe(1);
  });

  it('HINCRBY is 64-bit exact with Redis errors', async () => {
    expect(await c.hincrby('h', 'n', 5)).toBe(5);
    await c.hset('h', 'big', '9223372036854775806', 's', 'abc');
    await c.hincrby('h', 'big', 1);
    expect(await c.hget('h', 'big')).toBe('9223372036854775807');
    expect(await err(c.hincrby('h', 'big', 1))).toBe('ERR increment or decrement would overflow');
    expect(await err(c.hincrby('h', 's', 1))).toBe('ERR hash value is not an integer');
    expect(await err(c.call('HINCRBY', 'h', 'n', 'x'))).toBe(NOTINT);
    expect(await err(c.call('HINCRBY', 'h', 'n', '1.5'))).toBe(NOTINT);
  });

  it('HINCRBYFLOAT uses long double and propagates as HSET', async () => {
    expect(await c.hincrbyfloat('h', 'f', '10.5')).toBe('10.5');
    expect(await c.hincrbyfloat('h', 'f', '0.1')).toBe('10.6');
    expect(propagated.at(-1)).toEqual(['HSET', 'h', 'f', '10.6']);
    await c.hset('h', 't', 'abc');
    expect(await err(c.hincrbyfloat('h', 't', '1'))).toBe('ERR hash value is not a float');
    expect(await err(c.hincrbyfloat('h', 'f', 'x'))).toBe('ERR value is not a valid float');
    expect(await err(c.hincrbyfloat('h', 'f', 'inf'))).toBe('ERR value is NaN or Infinity');
  });

  it('HRANDFIELD shapes', async () => {
    expect(await c.hrandfield('none')).toBeNull();
    expect(await c.call('HRANDFIELD', 'none', '2')).toEqual([]);
    await c.hset('h', 'a', '1', 'b', '2', 'c', '3');
    expect(['a', 'b', 'c']).toContain(await c.hrandfield('h'));
    const two = (await c.call('HRANDFIELD', 'h', '2')) as string[];
    expect(new Set(two).size).toBe(2);
    expect(await c.call('HRANDFIELD', 'h', '5')).toEqual(['a', 'b', 'c']);
    expect(((await c.call('HRANDFIELD', 'h', '-7')) as string[]).length).toBe(7);
    const wv = (await c.call('HRANDFIELD', 'h', '-4', 'WITHVALUES')) as string[];
    expect(wv.length).toBe(8);
    for (let i = 0; i < wv.length; i += 2) expect(String(' abc'.indexOf(wv[i]))).toBe(wv[i + 1]);
    expect(await c.call('HRANDFIELD', 'h', '0')).toEqual([]);
    expect(await err(c.call('HRANDFIELD', 'h', 'x'))).toBe(NOTINT);
    expect(await err(c.call('HRANDFIELD', 'h', '1', 'foo'))).toBe('ERR syntax error');
  });

  it('HSCAN of a listpack returns everything with cursor 0, MATCH applied, COUNT ignored', async () => {
    await c.hset('h', 'aa', '1', 'ab', '2', 'b', '3');
    expect(await c.hscan('h', '0')).toEqual(['0', ['aa', '1', 'ab', '2', 'b', '3']]);
    expect(await c.hscan('h', '0', 'MATCH', 'a*', 'COUNT', 1)).toEqual(['0', ['aa', '1', 'ab', '2']]);
    expect(await c.hscan('none', '0')).toEqual(['0', []]);
    expect(await err(c.call('HSCAN', 'h', '0', 'COUNT', '0'))).toBe('ERR syntax error');
  });

  it('HSCAN walks a hashtable hash with a real cursor', async () => {
    const pairs: string[] = [];
    for (let i = 0; i < 600; i++) pairs.push(`f${i}`, `v${i}`);
    await c.hset('h', ...pairs);
    expect(await c.object('ENCODING', 'h')).toBe('hashtable');
    const seen = new Map<string, string>();
    let cur = '0';
    let calls = 0;
    do {
      const [next, got] = await c.hscan('h', cur, 'COUNT', 25);
      expect(got.length).toBeLessThanOrEqual(50);
      for (let i = 0; i < got.length; i += 2) seen.set(got[i], got[i + 1]);
      cur = next;
      calls++;
    } while (cur !== '0');
    expect(calls).toBe(24);
    expect(seen.size).toBe(600);
    for (const [f, v] of seen) expect(v).toBe(`v${f.slice(1)}`);
    const [, some] = await c.hscan('h', '0', 'MATCH', 'f1?', 'COUNT', 1000);
    expect(some.length).toBe(20);
  });

  it('HSCAN returns every field present throughout while the hash grows and shrinks', async () => {
    const rand = makeRng(5);
    const pairs: string[] = [];
    for (let i = 0; i < 300; i++) pairs.push(`s${i}`, 'x', `t${i}`, 'y');
    await c.hset('g', ...pairs);
    const seen = new Set<string>();
    let cur = '0';
    let extra = 0;
    let transient = 0;
    do {
      const [next, got] = await c.hscan('g', cur, 'COUNT', 9);
      for (let i = 0; i < got.length; i += 2) seen.add(got[i]);
      cur = next;
      const adds: string[] = [];
      for (let i = Math.floor(rand() * 20); i >= 0; i--) adds.push(`x${extra++}`, 'z');
      await c.hset('g', ...adds);
      const n = Math.floor(rand() * 15);
      if (n > 0) await c.hdel('g', ...Array.from({ length: n }, () => `t${transient++}`));
    } while (cur !== '0');
    for (let i = 0; i < 300; i++) expect(seen.has(`s${i}`)).toBe(true);
  });

  it('HRANDFIELD on a hashtable: distinct picks, all, independent picks', async () => {
    const pairs: string[] = [];
    for (let i = 0; i < 600; i++) pairs.push(`f${i}`, `${i}`);
    await c.hset('h', ...pairs);
    expect(await c.object('ENCODING', 'h')).toBe('hashtable');
    for (const n of [5, 300, 599]) {
      const got = (await c.call('HRANDFIELD', 'h', String(n), 'WITHVALUES')) as string[];
      expect(got.length).toBe(2 * n);
      const fields = got.filter((_, i) => i % 2 === 0);
      expect(new Set(fields).size).toBe(n);
      for (let i = 0; i < got.length; i += 2) expect(got[i]).toBe(`f${got[i + 1]}`);
    }
    expect(((await c.call('HRANDFIELD', 'h', '900')) as string[]).length).toBe(600);
    expect(((await c.call('HRANDFIELD', 'h', '-900')) as string[]).length).toBe(900);
  });

  it('OBJECT ENCODING follows the thresholds, one way', async () => {
    await c.hset('h', 'a', '1');
    expect(await c.object('ENCODING', 'h')).toBe('listpack');
    await c.hset('h', 'b', 'x'.repeat(65));
    expect(await c.object('ENCODING', 'h')).toBe('hashtable');
    await c.hdel('h', 'b');
    expect(await c.object('ENCODING', 'h')).toBe('hashtable');
    const pairs: string[] = [];
    for (let i = 0; i < 512; i++) pairs.push(`f${i}`, 'v');
    await c.hset('h2', ...pairs);
    expect(await c.object('ENCODING', 'h2')).toBe('listpack');
    expect(await c.hlen('h2')).toBe(512);
    await c.hset('h2', 'f512', 'v');
    expect(await c.hlen('h2')).toBe(513);
    expect(await c.object('ENCODING', 'h2')).toBe('hashtable');
  });

  it('COPY clones and WATCH sees hash writes', async () => {
    await c.hset('h', 'a', '1');
    await c.copy('h', 'h2');
    await c.hset('h2', 'a', '2');
    expect(await c.hget('h', 'a')).toBe('1');
    const other = c.duplicate();
    await c.watch('h');
    await other.hset('h', 'a', '9');
    expect(await c.multi().hget('h', 'a').exec()).toBeNull();
    other.disconnect();
  });

  it('answers wrong arity and WRONGTYPE', async () => {
    await c.set('s', 'x');
    for (const argv of [
      ['HSET', 's', 'a', '1'],
      ['HGET', 's', 'a'],
      ['HMGET', 's', 'a'],
      ['HDEL', 's', 'a'],
      ['HLEN', 's'],
      ['HGETALL', 's'],
      ['HKEYS', 's'],
      ['HVALS', 's'],
      ['HEXISTS', 's', 'a'],
      ['HSTRLEN', 's', 'a'],
      ['HSETNX', 's', 'a', '1'],
      ['HINCRBY', 's', 'a', '1'],
      ['HINCRBYFLOAT', 's', 'a', '1'],
      ['HRANDFIELD', 's'],
      ['HSCAN', 's', '0'],
    ]) {
      expect(await err(c.call(argv[0], ...argv.slice(1)))).toBe(WRONGTYPE);
    }
    expect(await err(c.call('HSET', 'h', 'a'))).toBe(arity('hset'));
    expect(await err(c.call('HSET', 'h', 'a', '1', 'b'))).toBe(arity('hset'));
    expect(await err(c.call('HMSET', 'h', 'a', '1', 'b'))).toBe(arity('hmset'));
    expect(await err(c.call('HGET', 'h'))).toBe(arity('hget'));
    expect(await err(c.call('HLEN'))).toBe(arity('hlen'));
    expect(await err(c.call('HINCRBY', 'h', 'a'))).toBe(arity('hincrby'));
  });
});
