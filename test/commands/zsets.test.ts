/**
 * Sorted-set commands through ioredis: every command's behaviour and errors, emptied zsets
 * deleting their key, propagation (ZMPOP as ZPOPMIN/ZPOPMAX key count), WATCH on no-ops,
 * keyspace hits, encodings (listpack <-> skiplist at the thresholds, ZRANGESTORE back to
 * listpack), COPY/TYPE/SCAN TYPE, ZSCAN cursors on a skiplist, ZRANDMEMBER distinctness and
 * spread, and a 100k-member zset (ranks and ranges answered through the skiplist).
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

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const arity = (name: string) => `ERR wrong number of arguments for '${name}' command`;

describe('ZADD / ZINCRBY / ZREM', () => {
  it('adds, updates and reports with the options', async () => {
    expect(await c.zadd('z', 1, 'a', 2, 'b')).toBe(2);
    expect(await c.zadd('z', 'CH', 5, 'a', 3, 'c')).toBe(2);
    expect(await c.zadd('z', 'NX', 100, 'a', 4, 'd')).toBe(1);
    expect(await c.zscore('z', 'a')).toBe('5');
    expect(await c.zadd('z', 'XX', 'CH', 6, 'a', 1, 'new')).toBe(1);
    expect(await c.zscore('z', 'new')).toBeNull();
    expect(await c.zadd('z', 'GT', 'CH', 1, 'a', 10, 'b')).toBe(1);
    expect(await c.zadd('z', 'LT', 'CH', 1, 'a', 20, 'b')).toBe(1);
    expect(await c.zrange('z', 0, -1, 'WITHSCORES')).toEqual(['a', '1', 'c', '3', 'd', '4', 'b', '10']);
    expect(await c.zadd('z', 'INCR', 2.5, 'a')).toBe('3.5');
    expect(await c.zadd('z', 'INCR', 'NX', 1, 'a')).toBeNull();
    expect(await c.zincrby('z', -0.5, 'a')).toBe('3');
    expect(await c.zincrby('z', 1, 'fresh')).toBe('1');
    expect(await c.zincrby('z', 'inf', 'fresh')).toBe('inf');
    expect(await err(c.zincrby('z', '-inf', 'fresh'))).toBe('ERR resulting score is not a number (NaN)');
    expect(await c.zscore('z', 'fresh')).toBe('inf');
  });

  it('rejects conflicting options and bad scores before changing anything', async () => {
    expect(await err(c.zadd('z', 'NX', 'XX', 1, 'a'))).toBe('ERR XX and NX options at the same time are not compatible');
    expect(await err(c.zadd('z', 'GT', 'LT', 1, 'a'))).toBe('ERR GT, LT, and/or NX options at the same time are not compatible');
    expect(await err(c.zadd('z', 'INCR', 1, 'a', 2, 'b'))).toBe('ERR INCR option supports a single increment-element pair');
    expect(await err(c.zadd('z', 1, 'a', 'nan', 'b'))).toBe('ERR value is not a valid float');
    expect(await err(c.zadd('z', 1, 'a', 2))).toBe('ERR syntax error');
    expect(await err(c.zadd('z', 1))).toBe(arity('zadd'));
    expect(await c.exists('z')).toBe(0);
    expect(await c.zadd('z', 'XX', 1, 'a')).toBe(0);
    expect(await c.exists('z')).toBe(0);
    expect(propagated).toEqual([]);
  });

  it('ZREM removes members and deletes the emptied key', async () => {
    await c.zadd('z', 1, 'a', 2, 'b', 3, 'c');
    expect(await c.zrem('z', 'a', 'nope')).toBe(1);
    expect(await c.zrem('none', 'a')).toBe(0);
    expect(await c.zrem('z', 'b', 'c', 'b')).toBe(2);
    expect(await c.exists('z')).toBe(0);
  });

  it('propagates ZADD/ZINCRBY as sent, and nothing for no-ops', async () => {
    await c.zadd('z', 1, 'a');
    await c.zadd('z', 'NX', 5, 'a');
    await c.zincrby('z', 2, 'a');
    await c.zadd('z', 'INCR', 1, 'a');
    expect(propagated).toEqual([
      ['zadd', 'z', '1', 'a'],
      ['zincrby', 'z', '2', 'a'],
      ['zadd', 'z', 'INCR', '1', 'a'],
    ]);
  });

  it('does not fire WATCH on a no-op, does on a change', async () => {
    await c.zadd('z', 1, 'a');
    const w = c.duplicate();
    await w.watch('z');
    await c.zadd('z', 'NX', 5, 'a');
    await c.zrem('z', 'nope');
    expect(await w.multi().get('x').exec()).toEqual([[null, null]]);
    await w.watch('z');
    await c.zadd('z', 2, 'a');
    expect(await w.multi().get('x').exec()).toBeNull();
    w.disconnect();
  });
});

describe('lookups and ranges', () => {
  beforeEach(async () => {
    await c.zadd('z', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e', '-inf', 'lo', '+inf', 'hi');
  });

  it('ZSCORE / ZMSCORE / ZCARD / ZRANK / ZREVRANK', async () => {
    expect(await c.zscore('z', 'lo')).toBe('-inf');
    expect(await c.zmscore('z', 'a', 'x', 'hi')).toEqual(['1', null, 'inf']);
    expect(await c.zmscore('none', 'a')).toEqual([null]);
    expect(await c.zcard('z')).toBe(7);
    expect(await c.zcard('none')).toBe(0);
    expect(await c.zrank('z', 'lo')).toBe(0);
    expect(await c.zrank('z', 'c')).toBe(3);
    expect(await c.zrevrank('z', 'c')).toBe(3);
    expect(await c.zrevrank('z', 'hi')).toBe(0);
    expect(await c.zrank('z', 'x')).toBeNull();
    expect(await c.zrank('none', 'x')).toBeNull();
  });

  it('ZRANGE by rank, score and lex, with REV and LIMIT', async () => {
    expect(await c.zrange('z', 1, 2)).toEqual(['a', 'b']);
    expect(await c.zrange('z', -2, -1, 'WITHSCORES')).toEqual(['e', '5', 'hi', 'inf']);
    expect(await c.zrange('z', 0, 1, 'REV')).toEqual(['hi', 'e']);
    expect(await c.zrevrange('z', 0, 0)).toEqual(['hi']);
    expect(await c.zrange('z', 5, 1)).toEqual([]);
    expect(await c.zrangebyscore('z', '(1', 4)).toEqual(['b', 'c', 'd']);
    expect(await c.zrangebyscore('z', '-inf', '+inf', 'LIMIT', 2, 3)).toEqual(['b', 'c', 'd']);
    expect(await c.zrevrangebyscore('z', '(5', '(1')).toEqual(['d', 'c', 'b']);
    expect(await c.zrange('z', '+inf', '(2', 'BYSCORE', 'REV', 'LIMIT', 1, 2)).toEqual(['e', 'd']);
    expect(await c.zcount('z', '(1', '(5')).toBe(3);
    expect(await c.zcount('z', '-inf', 'inf')).toBe(7);
    await c.zadd('l', 0, 'a', 0, 'b', 0, 'c', 0, 'd');
    expect(await c.zrangebylex('l', '[b', '(d')).toEqual(['b', 'c']);
    expect(await c.zrevrangebylex('l', '+', '(b')).toEqual(['d', 'c']);
    expect(await c.zrange('l', '-', '+', 'BYLEX', 'LIMIT', 1, 1)).toEqual(['b']);
    expect(await c.zlexcount('l', '(a', '+')).toBe(3);
    expect(await err(c.zrangebylex('l', 'a', '+'))).toBe('ERR min or max not valid string range item');
    expect(await err(c.zrangebyscore('z', 'x', 1))).toBe('ERR min or max is not a float');
    expect(await err(c.zrange('z', 0, 1, 'LIMIT', 0, 1))).toBe(
      'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
    );
  });

  it('ZRANGESTORE stores (or deletes) the destination', async () => {
    await c.set('dst', 'string');
    await c.expire('dst', 100);
    expect(await c.zrangestore('dst', 'z', 1, 3)).toBe(3);
    expect(await c.ttl('dst')).toBe(-1);
    expect(await c.zrange('dst', 0, -1, 'WITHSCORES')).toEqual(['a', '1', 'b', '2', 'c', '3']);
    expect(await c.object('ENCODING', 'dst')).toBe('listpack');
    expect(await c.zrangestore('dst', 'z', 100, 200)).toBe(0);
    expect(await c.exists('dst')).toBe(0);
    expect(propagated.at(-1)).toEqual(['zrangestore', 'dst', 'z', '100', '200']);
  });

  it('ZREMRANGEBYRANK / SCORE / LEX delete ranges and emptied keys', async () => {
    expect(await c.zremrangebyrank('z', 0, 0)).toBe(1);
    expect(await c.zremrangebyrank('z', -1, -1)).toBe(1);
    expect(await c.zremrangebyscore('z', '(1', 3)).toBe(2);
    expect(await c.zrange('z', 0, -1)).toEqual(['a', 'd', 'e']);
    expect(await c.zremrangebyrank('z', 0, -1)).toBe(3);
    expect(await c.exists('z')).toBe(0);
    await c.zadd('l', 0, 'a', 0, 'b', 0, 'c');
    expect(await c.zremrangebylex('l', '[b', '+')).toBe(2);
    expect(await c.zremrangebylex('l', '-', '+')).toBe(1);
    expect(await c.exists('l')).toBe(0);
  });

  it('answers WRONGTYPE for a string key', async () => {
    await c.set('s', 'x');
    const calls: Array<Promise<unknown>> = [
      c.zadd('s', 1, 'a'),
      c.zincrby('s', 1, 'a'),
      c.zrem('s', 'a'),
      c.zcard('s'),
      c.zscore('s', 'a'),
      c.zmscore('s', 'a'),
      c.zrank('s', 'a'),
      c.zrevrank('s', 'a'),
      c.zcount('s', 0, 1),
      c.zlexcount('s', '-', '+'),
      c.zrange('s', 0, 1),
      c.zrangebyscore('s', 0, 1),
      c.zrangebylex('s', '-', '+'),
      c.zrangestore('d', 's', 0, 1),
      c.zremrangebyrank('s', 0, 1),
      c.zremrangebyscore('s', 0, 1),
      c.zremrangebylex('s', '-', '+'),
      c.zpopmin('s'),
      c.zpopmax('s', 2),
      c.call('zmpop', '1', 's', 'MIN'),
      c.zrandmember('s'),
      c.zscan('s', 0),
    ];
    for (const p of calls) expect(await err(p)).toBe(WRONGTYPE);
  });
});

describe('pops', () => {
  it('ZPOPMIN / ZPOPMAX pop from each side and delete the emptied key', async () => {
    await c.zadd('z', 1, 'a', 2, 'b', 3, 'c');
    expect(await c.zpopmin('z')).toEqual(['a', '1']);
    expect(await c.zpopmax('z', 5)).toEqual(['c', '3', 'b', '2']);
    expect(await c.exists('z')).toBe(0);
    expect(await c.zpopmin('z')).toEqual([]);
    expect(await err(c.zpopmin('z', -1))).toBe('ERR value is out of range, must be positive');
  });

  it('ZMPOP pops from the first non-empty key and propagates ZPOPMIN/ZPOPMAX key <popped>', async () => {
    await c.zadd('z', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
    expect(await c.call('zmpop', '2', 'none', 'z', 'MAX', 'COUNT', '2')).toEqual(['z', [['d', '4'], ['c', '3']]]);
    expect(await c.call('zmpop', '1', 'z', 'MIN')).toEqual(['z', [['a', '1']]]);
    expect(await c.call('zmpop', '1', 'z', 'MIN', 'COUNT', '10')).toEqual(['z', [['b', '2']]]);
    expect(await c.call('zmpop', '1', 'z', 'MIN')).toBeNull();
    // as Redis's AOF shows: the popped count, not the requested one
    expect(propagated.slice(1)).toEqual([
      ['ZPOPMAX', 'z', '2'],
      ['ZPOPMIN', 'z', '1'],
      ['ZPOPMIN', 'z', '1'],
    ]);
    expect(await err(c.call('zmpop', '0', 'z', 'MIN'))).toBe('ERR numkeys should be greater than 0');
    expect(await err(c.call('zmpop', '1', 'z', 'MIN', 'COUNT', '0'))).toBe('ERR count should be greater than 0');
  });
});

describe('encodings, types, copies', () => {
  it('converts listpack -> skiplist at the thresholds, one way', async () => {
    const args: Array<string | number> = [];
    for (let i = 0; i < 128; i++) args.push(i, `m${i}`);
    await c.zadd('z', ...args);
    expect(await c.object('ENCODING', 'z')).toBe('listpack');
    await c.zadd('z', 200, 'one-more');
    expect(await c.object('ENCODING', 'z')).toBe('skiplist');
    await c.zremrangebyrank('z', 0, 100);
    expect(await c.object('ENCODING', 'z')).toBe('skiplist');
    await c.zadd('long', 1, 'x'.repeat(65));
    expect(await c.object('ENCODING', 'long')).toBe('skiplist');
    await c.zadd('ok', 1, 'x'.repeat(64));
    expect(await c.object('ENCODING', 'ok')).toBe('listpack');
    expect(await c.zrangestore('back', 'z', 0, 5)).toBe(6);
    expect(await c.object('ENCODING', 'back')).toBe('listpack');
  });

  it('TYPE, SCAN TYPE, COPY (independent copy), MEMORY USAGE', async () => {
    await c.zadd('z', 1, 'a', 2, 'b');
    await c.set('s', 'x');
    expect(await c.type('z')).toBe('zset');
    expect(await c.scan(0, 'TYPE', 'zset')).toEqual(['0', ['z']]);
    expect(await c.copy('z', 'z2')).toBe(1);
    await c.zadd('z2', 3, 'c');
    expect(await c.zcard('z')).toBe(2);
    expect(await c.zrange('z2', 0, -1)).toEqual(['a', 'b', 'c']);
    const small = Number(await c.memory('USAGE', 'z'));
    expect(small).toBeGreaterThan(40);
    expect(small).toBeLessThan(100);
  });

  it('counts keyspace hits and misses on reads', async () => {
    await c.zadd('z', 1, 'a');
    const hits = async () => Number(new RegExp('keyspace_hits:(\\d+)').exec(await c.info('stats'))![1]);
    const misses = async () => Number(new RegExp('keyspace_misses:(\\d+)').exec(await c.info('stats'))![1]);
    const h0 = await hits();
    const m0 = await misses();
    await c.zscore('z', 'a');
    await c.zrange('none', 0, -1);
    expect(await hits()).toBe(h0 + 1);
    expect(await misses()).toBe(m0 + 1);
  });
});

describe('ZSCAN and ZRANDMEMBER', () => {
  it('ZSCAN answers a listpack whole and walks a skiplist with a cursor, even while it changes', async () => {
    await c.zadd('small', 1, 'a', 2, 'b');
    expect(await c.zscan('small', 0, 'COUNT', 1)).toEqual(['0', ['a', '1', 'b', '2']]);
    const args: Array<string | number> = [];
    for (let i = 0; i < 500; i++) args.push(i, `m${i}`);
    await c.zadd('big', ...args);
    const seen = new Set<string>();
    let cursor = '0';
    let rounds = 0;
    do {
      const [next, items] = await c.zscan('big', cursor, 'COUNT', 20);
      for (let i = 0; i < items.length; i += 2) seen.add(items[i]);
      // churn: add new members and remove some that were never present from the start
      await c.zadd('big', 1000 + rounds, `extra${rounds}`);
      if (rounds > 2) await c.zrem('big', `extra${rounds - 2}`);
      cursor = next;
      rounds++;
    } while (cursor !== '0');
    for (let i = 0; i < 500; i++) expect(seen.has(`m${i}`)).toBe(true);
    expect(rounds).toBeGreaterThan(10);
    const [, matched] = await c.zscan('big', 0, 'MATCH', 'm49*', 'COUNT', 10000);
    expect(matched.filter((_, i) => i % 2 === 0).sort()).toEqual(['m49', 'm490', 'm491', 'm492', 'm493', 'm494', 'm495', 'm496', 'm497', 'm498', 'm499']);
  });

  it('ZRANDMEMBER: distinct members for positive counts, repeats for negative, roughly uniform', async () => {
    const args: Array<string | number> = [];
    for (let i = 0; i < 200; i++) args.push(i, `m${i}`);
    await c.zadd('z', ...args);
    for (const n of [1, 5, 100, 150, 199]) {
      const got = await c.zrandmember('z', n);
      expect(got.length).toBe(n);
      expect(new Set(got).size).toBe(n);
    }
    expect((await c.zrandmember('z', 500)).length).toBe(200);
    // a listpack answers a few distinct members in its own (score) order, as Redis
    await c.zadd('small', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e', 6, 'f', 7, 'g');
    const few = await c.zrandmember('small', 2, 'WITHSCORES');
    expect(Number(few[1])).toBeLessThan(Number(few[3]));
    expect((await c.zrandmember('z', -500)).length).toBe(500);
    const counts = new Map<string, number>();
    for (const m of (await c.zrandmember('z', -20000)) as string[]) counts.set(m, (counts.get(m) ?? 0) + 1);
    expect(counts.size).toBe(200);
    for (const v of counts.values()) expect(v).toBeGreaterThan(40); // mean 100
    const withScores = await c.zrandmember('z', 3, 'WITHSCORES');
    expect(withScores.length).toBe(6);
    expect(await c.zscore('z', withScores[0])).toBe(withScores[1]);
    expect(await c.zrandmember('none')).toBeNull();
  });
});

describe('a 100k-member zset', () => {
  it('answers ranks, ranges, counts and removals through the skiplist', async () => {
    const N = 100000;
    const pipe = c.pipeline();
    for (let base = 0; base < N; base += 2000) {
      const args: Array<string | number> = [];
      for (let i = base; i < base + 2000; i++) args.push(i, `member:${i}`);
      pipe.zadd('big', ...args);
    }
    await pipe.exec();
    expect(await c.zcard('big')).toBe(N);
    expect(await c.object('ENCODING', 'big')).toBe('skiplist');
    expect(await c.zrank('big', 'member:77777')).toBe(77777);
    expect(await c.zrevrank('big', 'member:77777')).toBe(N - 1 - 77777);
    expect(await c.zrange('big', 50000, 50002)).toEqual(['member:50000', 'member:50001', 'member:50002']);
    expect(await c.zrange('big', -2, -1, 'REV')).toEqual(['member:1', 'member:0']);
    expect(await c.zrangebyscore('big', '(90000', '+inf', 'LIMIT', 5000, 2)).toEqual(['member:95001', 'member:95002']);
    expect(await c.zcount('big', 1000, '(2000')).toBe(1000);
    expect(await c.zremrangebyrank('big', 10, 19)).toBe(10);
    expect(await c.zrank('big', 'member:20')).toBe(10);
    expect(await c.zpopmax('big')).toEqual([`member:${N - 1}`, String(N - 1)]);
  });
});
