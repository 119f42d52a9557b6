/**
 * The 'new' keyspace event comes from one place (the Db, as Redis's dbAdd), so every command that
 * creates a key emits it, in the same order as Redis: checked against a real redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis } from '../helpers/oracle.js';
import { keyeventLines, type OraclePair, startOraclePair } from '../helpers/oracle-pair.js';

const SCRIPT: string[][] = [
  ['CONFIG', 'GET', 'notify-keyspace-events'], ['SET', 's', 'v'], ['SET', 's', 'w'], ['MSET', 'm1', '1', 'm2', '2'], ['INCR', 'c'], ['APPEND', 'a', 'x'],
  ['SETRANGE', 'r', '2', 'x'], ['SETBIT', 'b', '3', '1'], ['BITOP', 'OR', 'bo', 'b'],
  ['LPUSH', 'l', 'a', 'b'], ['RPUSH', 'l', 'c'], ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'], ['RPOPLPUSH', 'l', 'l3'],
  ['SADD', 'set', '1', '2'], ['SMOVE', 'set', 'set2', '1'], ['SINTERSTORE', 'si', 'set', 'set'], ['SUNIONSTORE', 'su', 'set', 'set2'],
  ['HSET', 'h', 'f', 'v'], ['HINCRBY', 'h2', 'f', '1'], ['HSETNX', 'h3', 'f', 'v'],
  ['ZADD', 'z', '1', 'a'], ['ZINCRBY', 'z2', '1', 'a'], ['ZUNIONSTORE', 'zu', '1', 'z'], ['ZRANGESTORE', 'zr', 'z', '0', '-1'],
  ['SORT', 'l2', 'ALPHA', 'STORE', 'sorted'],
  ['RENAME', 's', 's2'], ['COPY', 's2', 's3'], ['MOVE', 's3', '1'], ['SELECT', '1'], ['RENAME', 's3', 's4'], ['SELECT', '0'],
  ['MULTI'], ['LPUSH', 'ml', 'x'], ['SADD', 'ms', 'x'], ['EXEC'],
];

describe.skipIf(!hasRedis)('the new event against redis-server', () => {
  let pair: OraclePair;
  beforeAll(async () => {
    pair = await startOraclePair('KEAn');
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('every key-creating command emits new, before its own event', async () => {
    for (const argv of SCRIPT) {
      const [a, b] = await Promise.all([pair.r.cmd(...argv), pair.n.cmd(...argv)]);
      expect(b, argv.join(' ')).toBe(a);
    }
    const { redis, nodis } = await keyeventLines(pair);
    expect(redis.filter((l) => l.startsWith('new ')).length).toBeGreaterThan(20);
    expect(nodis).toEqual(redis);
  });
});
