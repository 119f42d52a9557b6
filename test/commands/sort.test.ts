/**
 * SORT and SORT_RO through ioredis: sorting lists, sets and sorted sets (numeric, ALPHA, BY and
 * GET patterns, LIMIT), STORE (a list replacing the destination and its TTL; an empty result
 * deleting it), what is propagated (SORT ... STORE as is, nothing for a plain SORT or SORT_RO),
 * WATCH and blocked clients seeing the stored list, the zset encoding conversion, and errors.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

const NOTDOUBLE = "ERR One or more scores can't be converted into double";

describe('SORT', () => {
  it('sorts a list numerically, ALPHA, DESC, with LIMIT', async () => {
    await c.rpush('l', '10', '2', '-1', '3.5', '0x10', ' 4', '', 'inf');
    expect(await c.sort('l')).toEqual(['-1', '', '2', '3.5', ' 4', '10', '0x10', 'inf']);
    expect(await c.sort('l', 'DESC', 'LIMIT', 1, 2)).toEqual(['0x10', '10']);
    expect(await c.sort('l', 'ALPHA')).toEqual(['', ' 4', '-1', '0x10', '10', '2', '3.5', 'inf']);
    expect(await c.sort('l', 'LIMIT', 6, 100)).toEqual(['0x10', 'inf']);
    expect(await c.sort('l', 'LIMIT', 100, 1)).toEqual([]);
    expect(await c.sort('l', 'BY', 'nosort', 'DESC', 'LIMIT', 0, 3)).toEqual(['inf', '', ' 4']);
    expect(await c.sort('none')).toEqual([]);
  });

  it('rejects weights that are not doubles', async () => {
    await c.rpush('bad', '1', 'x');
    expect(await err(c.sort('bad'))).toBe(NOTDOUBLE);
    await c.rpush('nan', 'nan');
    expect(await err(c.sort('nan'))).toBe(NOTDOUBLE);
    await c.rpush('range', '1e400');
    expect(await err(c.sort('range'))).toBe(NOTDOUBLE);
    // later sorts are not affected (unlike Redis's stale errno)
    await c.sadd('s', '3', '1', '2');
    expect(await c.sort('s')).toEqual(['1', '2', '3']);
    expect(await c.sort('bad', 'ALPHA')).toEqual(['1', 'x']);
    expect(await err(c.sort('bad', 'STORE', 'dst'))).toBe(NOTDOUBLE);
    expect(await c.exists('dst')).toBe(0);
  });

  it('sorts by and gets external keys and hash fields', async () => {
    await c.rpush('ids', '1', '2', '3');
    await c.mset('w_1', '3', 'w_2', '1', 'o_1', 'one', 'o_3', 'three');
    await c.hset('h_1', 'w', '2', 'n', 'A');
    await c.hset('h_2', 'w', '9', 'n', 'B');
    await c.hset('h_3', 'w', '1');
    expect(await c.sort('ids', 'BY', 'w_*')).toEqual(['3', '2', '1']); // w_3 missing weighs 0
    expect(await c.sort('ids', 'BY', 'h_*->w', 'GET', '#', 'GET', 'o_*', 'GET', 'h_*->n')).toEqual([
      '3', 'three', null,
      '1', 'one', 'A',
      '2', null, 'B',
    ]);
    expect(await c.sort('ids', 'BY', 'w_*', 'ALPHA', 'DESC')).toEqual(['1', '2', '3']);
    expect(await c.sort('ids', 'GET', 'nostar')).toEqual([null, null, null]);
  });

  it('keeps a sorted set in its order with BY nosort and converts it to a skiplist', async () => {
    await c.zadd('z', 3, 'c', 1, 'a', 2, 'b', 4, 'd');
    expect(await c.object('ENCODING', 'z')).toBe('listpack');
    expect(await c.sort('z', 'BY', 'nosort')).toEqual(['a', 'b', 'c', 'd']);
    expect(await c.object('ENCODING', 'z')).toBe('skiplist');
    expect(await c.sort('z', 'BY', 'nosort', 'DESC', 'LIMIT', 1, 2)).toEqual(['c', 'b']);
    expect(await c.sort('z', 'BY', 'nosort', 'LIMIT', 3, 5)).toEqual(['d']);
    expect(await c.sort('z', 'ALPHA', 'DESC')).toEqual(['d', 'c', 'b', 'a']);
  });

  it('sorts a set; a set stored in no order is sorted ALPHA', async () => {
    await c.sadd('s', 'pear', 'apple', 'fig');
    expect(await c.sort('s', 'ALPHA')).toEqual(['apple', 'fig', 'pear']);
    expect(await c.sort('s', 'BY', 'nosort', 'STORE', 'dst')).toBe(3);
    expect(await c.lrange('dst', 0, -1)).toEqual(['apple', 'fig', 'pear']);
  });

  it('STORE replaces the destination and its TTL, and is propagated as is', async () => {
    await c.rpush('l', '3', '1', '2');
    await c.set('dst', 'x', 'EX', 100);
    propagated = [];
    expect(await c.sort('l', 'STORE', 'dst')).toBe(3);
    expect(propagated).toEqual([['sort', 'l', 'STORE', 'dst']]);
    expect(await c.lrange('dst', 0, -1)).toEqual(['1', '2', '3']);
    expect(await c.ttl('dst')).toBe(-1);
    expect(await c.type('dst')).toBe('list');
    propagated = [];
    await c.sort('l');
    await c.call('SORT_RO', 'l', 'DESC');
    expect(propagated).toEqual([]);
    // an empty result deletes the destination (propagated when it existed)
    expect(await c.sort('none', 'STORE', 'dst')).toBe(0);
    expect(await c.exists('dst')).toBe(0);
    expect(propagated).toEqual([['sort', 'none', 'STORE', 'dst']]);
    propagated = [];
    expect(await c.sort('none', 'STORE', 'dst')).toBe(0);
    expect(propagated).toEqual([]);
  });

  it('STORE with GET stores empty strings for missing values', async () => {
    await c.rpush('l', '1', '2');
    await c.set('o_1', 'one');
    expect(await c.sort('l', 'GET', 'o_*', 'GET', '#', 'STORE', 'dst')).toBe(4);
    expect(await c.lrange('dst', 0, -1)).toEqual(['one', '1', '', '2']);
  });

  it('STORE touches WATCHed keys and wakes a client blocked on the destination', async () => {
    await c.rpush('l', 'b', 'a');
    const other = c.duplicate();
    await other.watch('dst');
    await c.sort('l', 'ALPHA', 'STORE', 'dst');
    expect(await other.multi().get('x').exec()).toBeNull();
    const blocked = other.blpop('dst2', 5);
    await new Promise((res) => setTimeout(res, 50));
    await c.sort('l', 'ALPHA', 'STORE', 'dst2');
    expect(await blocked).toEqual(['dst2', 'a']);
    expect(await c.lrange('dst2', 0, -1)).toEqual(['b']);
    other.disconnect();
  });

  it('answers syntax errors, WRONGTYPE and SORT_RO without STORE', async () => {
    await c.rpush('l', '1');
    await c.set('str', 'x');
    expect(await err(c.call('SORT', 'l', 'FOO'))).toBe('ERR syntax error');
    expect(await err(c.call('SORT', 'l', 'LIMIT', '1'))).toBe('ERR syntax error');
    expect(await err(c.call('SORT', 'l', 'LIMIT', 'x', '1'))).toBe('ERR value is not an integer or out of range');
    expect(await err(c.call('SORT_RO', 'l', 'STORE', 'd'))).toBe('ERR syntax error');
    expect(await err(c.sort('str'))).toBe('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect(await err(c.call('SORT'))).toBe("ERR wrong number of arguments for 'sort' command");
  });

  it('COMMAND GETKEYS finds the STORE key', async () => {
    expect(await c.call('COMMAND', 'GETKEYS', 'SORT', 'k', 'BY', 'store', 'STORE', 'd')).toEqual(['k', 'd']);
    expect(await c.call('COMMAND', 'GETKEYS', 'SORT', 'k', 'LIMIT', '0', '1')).toEqual(['k']);
    expect(await c.call('COMMAND', 'GETKEYS', 'SORT_RO', 'k', 'STORE', 'd')).toEqual(['k']);
  });

  it('sorts a large list quickly', async () => {
    const xs = Array.from({ length: 20000 }, (_, i) => String((i * 7919) % 20000));
    await c.rpush('big', ...xs);
    const got = await c.sort('big', 'LIMIT', 0, 5);
    expect(got).toEqual(['0', '1', '2', '3', '4']);
    expect(await c.sort('big', 'DESC', 'STORE', 'dst')).toBe(20000);
    expect(await c.lindex('dst', 0)).toBe('19999');
  });
});
