/**
 * String commands through ioredis: behaviour, TTL handling, what is propagated (relative times
 * made absolute), every wrong-arity / wrong-type / bad-number path, 64-bit counters, limits.
 * The server runs on a manual clock so expiry and PXAT values are exact.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../../src/index.js';
import type { CollectionValue } from '../../src/keyspace/value.js';
import { ManualClock } from '../../src/util/clock.js';

const NOW = 1_800_000_000_000;
let server: ServerHandle;
let dir: string;
let clock: ManualClock;
let c: Redis;
let propagated: string[][] = [];
let stopListening: () => void;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-strings-'));
  clock = new ManualClock(NOW);
  server = await startServer({ config: { port: 0, bind: '127.0.0.1', dir, 'proto-max-bulk-len': 1048576 }, clock, silent: true });
  c = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await c.connect();
  stopListening = server.core.propagator.addListener((_db, argv) => propagated.push([...argv]));
});
afterAll(async () => {
  stopListening();
  c.disconnect();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  clock.ms = NOW;
  await c.flushall();
  propagated = [];
});

/** Puts a non-string value at key (collections come in a later issue). */
function putHash(key: string): void {
  server.core.keyspace.dbs[0].set(key, { type: 'hash' } as CollectionValue);
}

const call = (...args: (string | number)[]) => c.call(String(args[0]), ...args.slice(1).map(String));

describe('GET / SET', () => {
  it('sets and gets binary-safe values', async () => {
    const v = Buffer.from([0, 255, 13, 10, 128, 65]);
    expect(await c.set('k', v)).toBe('OK');
    expect(await c.getBuffer('k')).toEqual(v);
    expect(await c.strlen('k')).toBe(6);
    expect(await c.get('missing')).toBeNull();
  });

  it('NX / XX / GET combinations', async () => {
    expect(await call('SET', 'k', '1', 'NX')).toBe('OK');
    expect(await call('SET', 'k', '2', 'NX')).toBeNull();
    expect(await call('SET', 'k', '3', 'XX')).toBe('OK');
    expect(await call('SET', 'nope', '3', 'XX')).toBeNull();
    expect(await call('SET', 'k', '4', 'GET')).toBe('3');
    expect(await call('SET', 'k', '5', 'NX', 'GET')).toBe('4');
    expect(await c.get('k')).toBe('4');
    expect(await call('SET', 'n2', '5', 'NX', 'GET')).toBeNull();
    expect(await c.get('n2')).toBe('5');
    expect(await call('SET', 'n3', '5', 'XX', 'GET')).toBeNull();
    expect(await c.exists('n3')).toBe(0);
    await expect(call('SET', 'k', '1', 'NX', 'XX')).rejects.toThrow('ERR syntax error');
    await expect(call('SET', 'k', '1', 'EX', '1', 'PX', '1')).rejects.toThrow('ERR syntax error');
    await expect(call('SET', 'k', '1', 'KEEPTTL', 'EXAT', '1')).rejects.toThrow('ERR syntax error');
    await expect(call('SET', 'k', '1', 'EX')).rejects.toThrow('ERR syntax error');
    await expect(call('SET', 'k', '1', 'PERSIST')).rejects.toThrow('ERR syntax error');
  });

  it('expiry options, KEEPTTL, and errors', async () => {
    await call('SET', 'k', 'v', 'EX', '10');
    expect(await c.pttl('k')).toBe(10000);
    await call('SET', 'k', 'v', 'PX', '500');
    expect(await c.pttl('k')).toBe(500);
    await call('SET', 'k', 'v', 'EXAT', String(NOW / 1000 + 20));
    expect(await c.pttl('k')).toBe(20000);
    await call('SET', 'k', 'v', 'PXAT', String(NOW + 30));
    expect(await c.pttl('k')).toBe(30);
    await call('SET', 'k', 'w', 'KEEPTTL');
    expect(await c.pttl('k')).toBe(30);
    await call('SET', 'k', 'x');
    expect(await c.pttl('k')).toBe(-1);
    for (const bad of ['0', '-1']) {
      await expect(call('SET', 'k', 'v', 'EX', bad)).rejects.toThrow("ERR invalid expire time in 'set' command");
    }
    await expect(call('SET', 'k', 'v', 'EX', 'x')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(call('SET', 'k', 'v', 'EX', '9223372036854775807')).rejects.toThrow("ERR invalid expire time in 'set' command");
    await expect(call('SET', 'k', 'v', 'PX', '9223372036854775807')).rejects.toThrow("ERR invalid expire time in 'set' command");
    await expect(call('SETEX', 'k', '0', 'v')).rejects.toThrow("ERR invalid expire time in 'setex' command");
    await expect(call('PSETEX', 'k', '-3', 'v')).rejects.toThrow("ERR invalid expire time in 'psetex' command");
    await expect(call('GETEX', 'k', 'PX', '0')).rejects.toThrow("ERR invalid expire time in 'getex' command");
  });

  it('a time in the past stores the key, which then expires (as Redis 7.0)', async () => {
    expect(await call('SET', 'k', 'v', 'PXAT', String(NOW - 1))).toBe('OK');
    expect(propagated).toEqual([['SET', 'k', 'v', 'PXAT', String(NOW - 1)]]);
    expect(await c.get('k')).toBeNull();
    expect(propagated[1]).toEqual(['DEL', 'k']);
  });

  it('SET on an expired key replaces it', async () => {
    await call('SET', 'k', 'old', 'PX', '10');
    clock.advance(20);
    expect(await call('SET', 'k', 'new', 'XX')).toBeNull();
    expect(await call('SET', 'k', 'new', 'NX')).toBe('OK');
    expect(await c.pttl('k')).toBe(-1);
  });
});

describe('propagation', () => {
  it('makes relative times absolute', async () => {
    await call('SET', 'a', '1', 'EX', '100');
    await call('SET', 'b', '1', 'PX', '100', 'NX');
    await call('SET', 'c', '1', 'EXAT', '2000000000', 'GET');
    await call('SET', 'd', '1', 'PXAT', '2000000000000', 'XX'); // XX fails: nothing propagated
    await call('SET', 'd', '1', 'PXAT', '2000000000000');
    await call('SETEX', 'e', '5', 'v');
    await call('PSETEX', 'f', '5', 'v');
    expect(propagated).toEqual([
      ['SET', 'a', '1', 'PXAT', String(NOW + 100000)],
      ['SET', 'b', '1', 'PXAT', String(NOW + 100)],
      ['SET', 'c', '1', 'PXAT', '2000000000000'],
      ['SET', 'd', '1', 'PXAT', '2000000000000'],
      ['SET', 'e', 'v', 'PXAT', String(NOW + 5000)],
      ['SET', 'f', 'v', 'PXAT', String(NOW + 5)],
    ]);
  });

  it('GETEX, GETSET, GETDEL, INCRBYFLOAT, SETNX, MSETNX', async () => {
    await c.set('k', 'v');
    propagated = [];
    await call('GETEX', 'k');
    await call('GETEX', 'k', 'PERSIST'); // no TTL: nothing
    await call('GETEX', 'k', 'EX', '10');
    await call('GETEX', 'k', 'PXAT', String(NOW + 7));
    await call('GETEX', 'k', 'PERSIST');
    await call('GETEX', 'k', 'EXAT', String(NOW / 1000 - 1));
    expect(await c.exists('k')).toBe(0);
    await call('GETSET', 'g', '1');
    await call('GETDEL', 'g');
    await call('GETDEL', 'g');
    await call('INCRBYFLOAT', 'f', '1.5');
    await call('SETNX', 'f', 'x');
    await call('SETNX', 'n', 'x');
    await call('MSETNX', 'n', 'x', 'm', 'y');
    await call('MSETNX', 'o', 'x', 'm2', 'y');
    expect(propagated).toEqual([
      ['PEXPIREAT', 'k', String(NOW + 10000)],
      ['GETEX', 'k', 'PXAT', String(NOW + 7)],
      ['PERSIST', 'k'],
      ['DEL', 'k'],
      ['SET', 'g', '1'],
      ['DEL', 'g'],
      ['SET', 'f', '1.5', 'KEEPTTL'],
      ['SETNX', 'n', 'x'],
      ['MSETNX', 'o', 'x', 'm2', 'y'],
    ]);
  });

  it('counters and ranges propagate as sent; failures and no-ops do not', async () => {
    await call('INCR', 'n');
    await call('INCRBY', 'n', '5');
    await call('APPEND', 'n', '0');
    await call('SETRANGE', 'n', '0', '');
    await call('SETRANGE', 'n', '1', 'x');
    await expect(call('INCR', 'n')).rejects.toThrow();
    await call('MSET', 'a', '1', 'b', '2');
    expect(propagated).toEqual([
      ['INCR', 'n'],
      ['INCRBY', 'n', '5'],
      ['APPEND', 'n', '0'],
      ['SETRANGE', 'n', '1', 'x'],
      ['MSET', 'a', '1', 'b', '2'],
    ]);
  });
});

describe('TTL handling', () => {
  it('modifications keep the TTL, replacements clear it', async () => {
    await call('SET', 'k', '1', 'EX', '100');
    await call('INCR', 'k');
    await call('INCRBY', 'k', '2');
    await call('INCRBYFLOAT', 'k', '0.5');
    await call('APPEND', 'k', '1');
    await call('SETRANGE', 'k', '0', '9');
    expect(await c.get('k')).toBe('9.51');
    expect(await c.pttl('k')).toBe(100000);
    await call('GETSET', 'k', 'x');
    expect(await c.pttl('k')).toBe(-1);
    await call('SET', 'k', '1', 'EX', '100');
    await call('MSET', 'k', '2');
    expect(await c.pttl('k')).toBe(-1);
  });

  it('GETEX sets, changes and removes the TTL', async () => {
    await c.set('k', 'v');
    expect(await call('GETEX', 'k', 'EX', '5')).toBe('v');
    expect(await c.pttl('k')).toBe(5000);
    expect(await call('GETEX', 'k', 'PX', '50')).toBe('v');
    expect(await c.pttl('k')).toBe(50);
    expect(await call('GETEX', 'k', 'PERSIST')).toBe('v');
    expect(await c.pttl('k')).toBe(-1);
    expect(await call('GETEX', 'k', 'EXAT', String(NOW / 1000 - 10))).toBe('v');
    expect(await c.exists('k')).toBe(0);
    expect(await call('GETEX', 'missing', 'EX', 'notanumber')).toBeNull();
  });
});

describe('MGET / MSET / MSETNX / SETNX / GETSET / GETDEL', () => {
  it('work as Redis', async () => {
    expect(await c.mset('a', '1', 'b', '2')).toBe('OK');
    putHash('h');
    expect(await c.mget('a', 'b', 'h', 'zz')).toEqual(['1', '2', null, null]);
    expect(await call('MSETNX', 'a', 'x', 'c', 'y')).toBe(0);
    expect(await c.exists('c')).toBe(0);
    expect(await call('MSETNX', 'c', 'x', 'd', 'y')).toBe(1);
    expect(await c.setnx('c', 'z')).toBe(0);
    expect(await c.setnx('e', 'z')).toBe(1);
    expect(await c.getset('e', 'w')).toBe('z');
    expect(await c.getset('f', 'w')).toBeNull();
    expect(await c.getdel('e')).toBe('w');
    expect(await c.getdel('e')).toBeNull();
    await expect(call('MSET', 'a', '1', 'b')).rejects.toThrow("ERR wrong number of arguments for 'mset' command");
    await expect(call('MSETNX', 'a', '1', 'b')).rejects.toThrow("ERR wrong number of arguments for 'msetnx' command");
  });
});

describe('counters', () => {
  it('INCR/DECR/INCRBY/DECRBY', async () => {
    expect(await c.incr('n')).toBe(1);
    expect(await c.decr('n')).toBe(0);
    expect(await c.decr('n')).toBe(-1);
    expect(await c.incrby('n', 11)).toBe(10);
    expect(await c.decrby('n', 20)).toBe(-10);
    expect(await c.get('n')).toBe('-10');
  });

  it('is exact at the int64 limits', async () => {
    await c.set('n', '9223372036854775806');
    await call('INCR', 'n');
    expect(await c.get('n')).toBe('9223372036854775807');
    await expect(call('INCR', 'n')).rejects.toThrow('ERR increment or decrement would overflow');
    await c.set('n', '-9223372036854775807');
    await call('DECR', 'n');
    expect(await c.get('n')).toBe('-9223372036854775808');
    await expect(call('DECR', 'n')).rejects.toThrow('ERR increment or decrement would overflow');
    await expect(call('DECRBY', 'n', '-9223372036854775808')).rejects.toThrow('ERR decrement would overflow');
    await c.set('n', '9007199254740991');
    await call('INCR', 'n');
    expect(await c.get('n')).toBe('9007199254740992');
    await call('INCRBY', 'n', '9007199254740993');
    expect(await c.get('n')).toBe('18014398509481985');
    await call('INCRBY', 'm', '-9223372036854775808');
    expect(await c.get('m')).toBe('-9223372036854775808');
    await call('INCRBY', 'm', '9223372036854775807');
    expect(await c.get('m')).toBe('-1');
  });

  it('rejects what is not a strict int64', async () => {
    for (const v of ['abc', ' 1', '1 ', '01', '-0', '+1', '1.0', '9223372036854775808', '']) {
      await c.set('n', v);
      await expect(call('INCR', 'n'), v).rejects.toThrow('ERR value is not an integer or out of range');
      await expect(call('INCRBY', 'x', v), v).rejects.toThrow('ERR value is not an integer or out of range');
    }
  });

  it('INCRBYFLOAT uses long double arithmetic and formatting', async () => {
    await c.set('f', '10.5');
    expect(await c.incrbyfloat('f', 0.1)).toBe('10.6');
    expect(await call('INCRBYFLOAT', 'g', '5.0e3')).toBe('5000');
    expect(await call('INCRBYFLOAT', 'g', '-1.5')).toBe('4998.5');
    expect(await call('INCRBYFLOAT', 'h', '1000.1')).toBe('1000.09999999999999998'); // as Redis prints it
    expect(await call('INCRBYFLOAT', 'h', '0.2')).toBe('1000.29999999999999999');
    await expect(call('INCRBYFLOAT', 'h', 'x')).rejects.toThrow('ERR value is not a valid float');
    await expect(call('INCRBYFLOAT', 'h', 'inf')).rejects.toThrow('ERR increment would produce NaN or Infinity');
    await c.set('s', 'abc');
    await expect(call('INCRBYFLOAT', 's', '1')).rejects.toThrow('ERR value is not a valid float');
  });
});

describe('APPEND / STRLEN / GETRANGE / SETRANGE', () => {
  it('append and ranges', async () => {
    expect(await c.append('k', 'Hello')).toBe(5);
    expect(await c.append('k', ' World')).toBe(11);
    expect(await c.getrange('k', 0, 4)).toBe('Hello');
    expect(await c.getrange('k', -5, -1)).toBe('World');
    expect(await call('SUBSTR', 'k', '-100', '100')).toBe('Hello World');
    expect(await c.getrange('k', 5, 2)).toBe('');
    expect(await c.getrange('missing', 0, -1)).toBe('');
    expect(await c.setrange('k', 6, 'Redis')).toBe(11);
    expect(await c.get('k')).toBe('Hello Redis');
    expect(await c.setrange('z', 3, 'ab')).toBe(5);
    expect(await c.getBuffer('z')).toEqual(Buffer.from([0, 0, 0, 97, 98]));
    expect(await c.setrange('e', 3, '')).toBe(0);
    expect(await c.exists('e')).toBe(0);
    await expect(call('SETRANGE', 'k', '-1', 'x')).rejects.toThrow('ERR offset is out of range');
    await expect(call('SETRANGE', 'k', 'x', 'x')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(call('GETRANGE', 'k', '1', 'x')).rejects.toThrow('ERR value is not an integer or out of range');
  });

  it('enforces proto-max-bulk-len', async () => {
    await expect(call('SETRANGE', 'k', '1048576', 'x')).rejects.toThrow(
      'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
    );
    await c.setrange('k', 1048575, 'x');
    expect(await c.strlen('k')).toBe(1048576);
    await expect(call('APPEND', 'k', 'x')).rejects.toThrow('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
    // beyond V8's longest string (just under 512MB) the same error, not an internal one
    await c.config('SET', 'proto-max-bulk-len', '1gb');
    try {
      await expect(call('SETRANGE', 'big', '536870900', 'x')).rejects.toThrow(
        'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
      );
    } finally {
      await c.config('SET', 'proto-max-bulk-len', '1mb');
    }
    await c.set('a', 'x'.repeat(600));
    await expect(call('LCS', 'a', 'a')).rejects.toThrow(
      'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len',
    );
  });
});

describe('LCS', () => {
  it('string, LEN, IDX, MINMATCHLEN, WITHMATCHLEN', async () => {
    await c.mset('a', 'ohmytext', 'b', 'mynewtext');
    expect(await call('LCS', 'a', 'b')).toBe('mytext');
    expect(await call('LCS', 'a', 'b', 'LEN')).toBe(6);
    expect(await call('LCS', 'a', 'b', 'IDX')).toEqual([
      'matches',
      [
        [
          [4, 7],
          [5, 8],
        ],
        [
          [2, 3],
          [0, 1],
        ],
      ],
      'len',
      6,
    ]);
    expect(await call('LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN')).toEqual([
      'matches',
      [
        [
          [4, 7],
          [5, 8],
          4,
        ],
      ],
      'len',
      6,
    ]);
    await expect(call('LCS', 'a', 'b', 'IDX', 'LEN')).rejects.toThrow(
      'ERR If you want both the length and indexes, please just use IDX.',
    );
    putHash('h');
    await expect(call('LCS', 'a', 'h')).rejects.toThrow('ERR The specified keys must contain string values');
    expect(await call('LCS', 'a', 'missing')).toBe('');
  });
});

describe('keyspace stats', () => {
  it('read lookups count hits and misses; write lookups do not', async () => {
    const stats = async () => {
      const info = await c.info('stats');
      return [Number(/keyspace_hits:(\d+)/.exec(info)![1]), Number(/keyspace_misses:(\d+)/.exec(info)![1])];
    };
    await c.set('a', '1');
    const [h0, m0] = await stats();
    await c.get('a');
    await c.get('zz');
    await c.mget('a', 'zz', 'a');
    await c.strlen('zz');
    await c.incr('a');
    await c.append('zz2', 'x');
    const [h1, m1] = await stats();
    expect([h1 - h0, m1 - m0]).toEqual([3, 3]);
  });
});

describe('errors', () => {
  it('wrong number of arguments', async () => {
    const cases: Array<[string, number]> = [
      ['GET', 0], ['GET', 2], ['SET', 1], ['SETNX', 1], ['SETNX', 3], ['SETEX', 2], ['PSETEX', 4], ['GETSET', 1],
      ['GETDEL', 0], ['GETDEL', 2], ['GETEX', 0], ['MGET', 0], ['MSET', 1], ['MSETNX', 0], ['APPEND', 1], ['STRLEN', 0],
      ['STRLEN', 2], ['INCR', 0], ['INCR', 2], ['DECR', 0], ['INCRBY', 1], ['DECRBY', 3], ['INCRBYFLOAT', 1],
      ['GETRANGE', 2], ['SUBSTR', 4], ['SETRANGE', 2], ['LCS', 1],
    ];
    for (const [cmd, n] of cases) {
      const args = Array.from({ length: n }, (_, i) => `a${i}`);
      await expect(call(cmd, ...args), cmd).rejects.toThrow(`ERR wrong number of arguments for '${cmd.toLowerCase()}' command`);
    }
  });

  it('WRONGTYPE on every string command', async () => {
    putHash('h');
    const cases: string[][] = [
      ['GET', 'h'], ['SET', 'h', 'v', 'GET'], ['GETSET', 'h', 'v'], ['GETDEL', 'h'], ['GETEX', 'h', 'PERSIST'],
      ['APPEND', 'h', 'x'], ['STRLEN', 'h'], ['INCR', 'h'], ['DECR', 'h'], ['INCRBY', 'h', '1'], ['DECRBY', 'h', '1'],
      ['INCRBYFLOAT', 'h', '1'], ['GETRANGE', 'h', '0', '1'], ['SUBSTR', 'h', '0', '1'], ['SETRANGE', 'h', '0', 'x'],
    ];
    for (const argv of cases) {
      await expect(call(...argv), argv.join(' ')).rejects.toThrow(
        'WRONGTYPE Operation against a key holding the wrong kind of value',
      );
    }
    // SET without GET, and SETNX/MSETNX on an existing key, do not look at the type
    expect(await call('SETNX', 'h', 'x')).toBe(0);
    expect(await call('SET', 'h', 'x')).toBe('OK');
  });
});
