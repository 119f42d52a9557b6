/**
 * Sorted-set algebra (ZUNION ZINTER ZDIFF, their STORE forms, ZINTERCARD) against a real
 * redis-server, byte for byte: a table of options and errors, a seeded random sequence over
 * zsets and sets with odd scores and weights (inf, -inf, -0, tiny, hex), the keyspace
 * notifications, the stored encodings and the RESP3 replies. Results are ordered by (score,
 * member), so every reply is deterministic and compared exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis } from '../helpers/oracle.js';
import { compareRows, keyeventLines, type OraclePair, startOraclePair } from '../helpers/oracle-pair.js';
import type { RespConn } from '../helpers/resp-session.js';
import { rng } from '../helpers/rng.js';

const BIN = 'a\x00b\xff\r\n\x80z';

const SETUP: string[][] = [
  ['ZADD', 'za', '1', 'a', '2', 'b', '3', 'c', '-inf', 'm', 'inf', 'p'],
  ['ZADD', 'zb', '10', 'b', '20', 'c', '30', 'd', 'inf', 'm', '-inf', 'p'],
  ['ZADD', 'zc', '0', 'a', '0', 'c', '0', BIN, '0', 'z'],
  ['SADD', 'sa', 'a', 'c', 'x', BIN],
  ['SADD', 'si', '1', '2', '3'],
  ['SET', 'str', 'v'],
  ['LPUSH', 'list', 'a'],
  ['HSET', 'hash', 'a', '1'],
];

const TABLE: string[][] = [
  // basic shapes
  ['ZUNION', '2', 'za', 'zb'],
  ['ZUNION', '2', 'za', 'zb', 'WITHSCORES'],
  ['ZINTER', '2', 'za', 'zb', 'WITHSCORES'],
  ['ZDIFF', '2', 'za', 'zb', 'WITHSCORES'],
  ['ZDIFF', '2', 'zb', 'za', 'WITHSCORES'],
  ['ZDIFF', '1', 'za'],
  ['ZDIFF', '2', 'za', 'za'],
  ['ZDIFF', '3', 'za', 'nokey', 'zc', 'withscores'],
  ['ZUNION', '3', 'za', 'zb', 'zc', 'WITHSCORES'],
  ['ZINTER', '3', 'za', 'zb', 'zc', 'WITHSCORES'],
  ['ZINTER', '2', 'za', 'za', 'WITHSCORES'],
  ['ZINTER', '2', 'za', 'nokey', 'WITHSCORES'],
  ['ZUNION', '2', 'nokey', 'nokey2'],
  ['ZUNION', '1', 'nokey', 'WITHSCORES'],
  // aggregates and weights, inf rules
  ['ZUNION', '2', 'za', 'zb', 'AGGREGATE', 'MIN', 'WITHSCORES'],
  ['ZUNION', '2', 'za', 'zb', 'AGGREGATE', 'max', 'WITHSCORES'],
  ['ZUNION', '2', 'za', 'zb', 'aggregate', 'sum', 'WITHSCORES'],
  ['ZINTER', '2', 'za', 'zb', 'AGGREGATE', 'MIN', 'WITHSCORES'],
  ['ZINTER', '2', 'za', 'zb', 'AGGREGATE', 'MAX', 'WITHSCORES'],
  ['ZUNION', '2', 'za', 'zb', 'WEIGHTS', '2', '0.5', 'WITHSCORES'],
  ['ZUNION', '2', 'za', 'zb', 'WEIGHTS', '0', '0', 'WITHSCORES'],
  ['ZUNION', '2', 'za', 'zb', 'WEIGHTS', '-1', '1', 'WITHSCORES'],
  ['ZUNION', '2', 'za', 'zb', 'WEIGHTS', 'inf', '-inf', 'WITHSCORES'],
  ['ZINTER', '2', 'za', 'zb', 'WEIGHTS', 'inf', '0', 'WITHSCORES'],
  ['ZINTER', '2', 'za', 'zb', 'WEIGHTS', '0', 'inf', 'AGGREGATE', 'MIN', 'WITHSCORES'],
  ['ZINTER', '2', 'za', 'zb', 'WEIGHTS', '0', 'inf', 'AGGREGATE', 'MAX', 'WITHSCORES'],
  ['ZINTER', '3', 'zc', 'za', 'sa', 'WEIGHTS', 'inf', '-inf', '1', 'WITHSCORES'],
  ['ZINTER', '3', 'za', 'zb', 'zc', 'WEIGHTS', '-inf', 'inf', '5', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '0x10', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '0x1p-3', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '4e-320', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '0x1.fffffffffffff8p0', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '0x1000p-1080', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '0x3p-1076', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '0x1p-1075', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '1.7976931348623159e308', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '1e308', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '-0', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', 'Infinity', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '.5', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '5.', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '+1e2', 'WITHSCORES'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '1', 'WEIGHTS', '2', 'WITHSCORES', 'WITHSCORES'],
  ['ZUNION', '2', 'za', 'zb', 'AGGREGATE', 'MIN', 'AGGREGATE', 'MAX', 'WITHSCORES'],
  // sets as inputs
  ['ZUNION', '2', 'za', 'sa', 'WITHSCORES'],
  ['ZINTER', '2', 'za', 'sa', 'WITHSCORES'],
  ['ZDIFF', '2', 'sa', 'za', 'WITHSCORES'],
  ['ZDIFF', '2', 'za', 'sa', 'WITHSCORES'],
  ['ZUNION', '2', 'sa', 'si', 'WEIGHTS', '2', '3', 'WITHSCORES'],
  ['ZINTERCARD', '2', 'za', 'sa'],
  // ZINTERCARD
  ['ZINTERCARD', '2', 'za', 'zb'],
  ['ZINTERCARD', '2', 'za', 'zb', 'LIMIT', '0'],
  ['ZINTERCARD', '2', 'za', 'zb', 'LIMIT', '1'],
  ['ZINTERCARD', '2', 'za', 'zb', 'limit', '100'],
  ['ZINTERCARD', '2', 'za', 'nokey'],
  ['ZINTERCARD', '1', 'za', 'LIMIT', '-1'],
  ['ZINTERCARD', '1', 'za', 'LIMIT', 'x'],
  ['ZINTERCARD', '1', 'za', 'LIMIT', '9223372036854775808'],
  ['ZINTERCARD', '1', 'za', 'LIMIT', '1', 'LIMIT', '2'],
  ['ZINTERCARD', '1', 'za', 'LIMIT'],
  ['ZINTERCARD', '1', 'za', 'WITHSCORES'],
  ['ZINTERCARD', '1', 'za', 'WEIGHTS', '1'],
  ['ZINTERCARD', '1', 'za', 'AGGREGATE', 'SUM'],
  ['ZINTERCARD', '0', 'za'],
  ['ZINTERCARD', 'x', 'za'],
  ['ZINTERCARD', '2', 'za'],
  ['ZINTERCARD', '1', 'str'],
  ['ZINTERCARD', '1'],
  // errors: numkeys, wrong types, options
  ['ZUNION', '0', 'za'],
  ['ZUNION', '-1', 'za'],
  ['ZINTER', '0', 'za'],
  ['ZDIFF', '0', 'za'],
  ['ZUNIONSTORE', 'd', '0', 'za'],
  ['ZINTERSTORE', 'd', '0', 'za'],
  ['ZDIFFSTORE', 'd', '0', 'za'],
  ['ZUNION', 'x', 'za'],
  ['ZUNION', '1.5', 'za'],
  ['ZUNION', '99999999999999999999', 'za'],
  ['ZUNION', '9223372036854775807', 'za'],
  ['ZUNION', '3', 'za', 'zb'],
  ['ZUNIONSTORE', 'd', '3', 'za', 'zb'],
  ['ZUNION', '1', 'str'],
  ['ZUNION', '2', 'za', 'list'],
  ['ZINTER', '2', 'nokey', 'hash'],
  ['ZDIFF', '2', 'za', 'str'],
  ['ZUNION', '1', 'str', 'WEIGHTS', 'x'],
  ['ZUNION', '1', 'str', 'FOO'],
  ['ZUNION', '1', 'za', 'WEIGHTS', 'x'],
  ['ZUNION', '1', 'za', 'WEIGHTS', 'nan'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '1e400'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '1e-400'],
  ['ZUNION', '1', 'za', 'WEIGHTS', ' 1'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '1 '],
  ['ZUNION', '1', 'za', 'WEIGHTS', ''],
  ['ZUNION', '1', 'za', 'WEIGHTS', '0x'],
  ['ZUNION', '2', 'za', 'zb', 'WEIGHTS', '1'],
  ['ZUNION', '2', 'za', 'zb', 'WEIGHTS', '1', 'x'],
  ['ZUNION', '1', 'za', 'WEIGHTS', '1', '2'],
  ['ZUNION', '1', 'za', 'WEIGHTS'],
  ['ZUNION', '1', 'za', 'AGGREGATE'],
  ['ZUNION', '1', 'za', 'AGGREGATE', 'AVG'],
  ['ZUNION', '1', 'za', 'LIMIT', '1'],
  ['ZUNION', '1', 'za', 'FOO'],
  ['ZDIFF', '1', 'za', 'WEIGHTS', '1'],
  ['ZDIFF', '1', 'za', 'AGGREGATE', 'MIN'],
  ['ZUNIONSTORE', 'd', '1', 'za', 'WITHSCORES'],
  ['ZDIFFSTORE', 'd', '1', 'za', 'WEIGHTS', '1'],
  ['ZUNION', '1'],
  ['ZUNION'],
  ['ZUNIONSTORE', 'd', '1'],
  ['ZINTERSTORE', 'd'],
  ['ZDIFFSTORE', 'd', '1'],
  // STORE: replies, encodings, replacing other types and TTLs, deleting on empty
  ['ZUNIONSTORE', 'd1', '2', 'za', 'zb'],
  ['ZUNION', '1', 'd1', 'WITHSCORES'],
  ['OBJECT', 'ENCODING', 'd1'],
  ['ZINTERSTORE', 'd2', '2', 'za', 'zb', 'WEIGHTS', '2', '3', 'AGGREGATE', 'MAX'],
  ['ZUNION', '1', 'd2', 'WITHSCORES'],
  ['ZDIFFSTORE', 'd3', '2', 'za', 'zb'],
  ['ZUNION', '1', 'd3', 'WITHSCORES'],
  ['TYPE', 'd3'],
  ['SET', 'd4', 'x'],
  ['EXPIRE', 'd4', '100'],
  ['ZUNIONSTORE', 'd4', '1', 'sa'],
  ['TYPE', 'd4'],
  ['TTL', 'd4'],
  ['ZUNION', '1', 'd4', 'WITHSCORES'],
  ['ZINTERSTORE', 'd4', '2', 'za', 'nokey'],
  ['EXISTS', 'd4'],
  ['ZINTERSTORE', 'd4', '2', 'za', 'nokey'],
  ['ZDIFFSTORE', 'list', '2', 'za', 'za'],
  ['EXISTS', 'list'],
  ['ZUNIONSTORE', 'hash', '1', 'za'],
  ['TYPE', 'hash'],
  ['ZUNIONSTORE', 'za2', '2', 'za', 'za'],
  ['ZUNIONSTORE', 'za2', '2', 'za2', 'za2', 'WEIGHTS', '1', '-1'],
  ['ZUNION', '1', 'za2', 'WITHSCORES'],
  ['ZUNIONSTORE', 'str', '1', 'str'],
  ['ZINTERSTORE', 'dd', '1', 'str'],
  ['ZDIFFSTORE', 'str', '1', 'nokey'],
  ['EXISTS', 'str'],
  ['SET', 'str', 'v'],
  // the command table
  ...['zunion', 'zinter', 'zdiff', 'zunionstore', 'zinterstore', 'zdiffstore', 'zintercard'].flatMap((c) => [
    ['COMMAND', 'INFO', c],
    ['COMMAND', 'DOCS', c],
  ]),
  ['COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
  ['COMMAND', 'GETKEYS', 'ZINTERSTORE', 'd', '1', 'a'],
  ['COMMAND', 'GETKEYS', 'ZDIFFSTORE', 'd', '2', 'a', 'b'],
  ['COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'd', '+2', 'a', 'b'],
  ['COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'd', '03', 'a', 'b', 'c'],
  ['COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'd', '0', 'a'],
  ['COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'd', '3', 'a', 'b'],
  ['COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'd', 'x', 'a'],
  ['COMMAND', 'GETKEYS', 'ZUNION', '2', 'a', 'b', 'WITHSCORES'],
  ['COMMAND', 'GETKEYS', 'ZUNION', '2x', 'a', 'b'],
  ['COMMAND', 'GETKEYS', 'ZUNION', '-1', 'a'],
  ['COMMAND', 'GETKEYS', 'ZINTER', '5', 'a'],
  ['COMMAND', 'GETKEYS', 'ZDIFF', '1', 'a', 'b'],
  ['COMMAND', 'GETKEYS', 'ZINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
  ['COMMAND', 'GETKEYSANDFLAGS', 'ZUNIONSTORE', 'd', '2', 'a', 'b'],
  ['COMMAND', 'GETKEYSANDFLAGS', 'ZINTERCARD', '2', 'a', 'b'],
];

/** Encodings of stored results across the listpack thresholds. */
const ENCODING: string[][] = [
  ['CONFIG', 'SET', 'zset-max-listpack-entries', '3'],
  ['CONFIG', 'SET', 'zset-max-listpack-value', '4'],
  ['ZADD', 'e1', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
  ['OBJECT', 'ENCODING', 'e1'],
  ['ZUNIONSTORE', 'e2', '1', 'e1'],
  ['OBJECT', 'ENCODING', 'e2'],
  ['ZINTERSTORE', 'e3', '2', 'e1', 'za'],
  ['OBJECT', 'ENCODING', 'e3'],
  ['ZDIFFSTORE', 'e4', '2', 'e1', 'zb'],
  ['OBJECT', 'ENCODING', 'e4'],
  ['ZDIFFSTORE', 'e5', '2', 'e1', 'za'],
  ['OBJECT', 'ENCODING', 'e5'],
  ['SADD', 'e6', 'abcd', 'x'],
  ['ZUNIONSTORE', 'e7', '1', 'e6'],
  ['OBJECT', 'ENCODING', 'e7'],
  ['SADD', 'e6', 'abcde'],
  ['ZUNIONSTORE', 'e7', '1', 'e6'],
  ['OBJECT', 'ENCODING', 'e7'],
  ['ZDIFFSTORE', 'e8', '2', 'e6', 'e7'],
  ['SREM', 'e6', 'x'],
  ['ZDIFFSTORE', 'e8', '2', 'e7', 'e6'],
  ['OBJECT', 'ENCODING', 'e8'],
  ['CONFIG', 'SET', 'zset-max-listpack-entries', '0'],
  ['ZUNIONSTORE', 'e9', '1', 'za'],
  ['OBJECT', 'ENCODING', 'e9'],
  ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
  ['CONFIG', 'SET', 'zset-max-listpack-value', '64'],
  ['ZUNIONSTORE', 'e9', '1', 'za'],
  ['OBJECT', 'ENCODING', 'e9'],
];

/** A seeded sequence of writes and algebra over zsets and sets with awkward scores and weights. */
function randomCommands(seed: number, count: number): string[][] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const zkeys = ['r:z0', 'r:z1', 'r:z2', 'r:z3'];
  const skeys = ['r:s0', 'r:s1'];
  const keys = [...zkeys, ...skeys, 'r:none'];
  const members = ['a', 'b', 'c', 'd', 'e', '1', '2', '10', BIN, ''];
  // no '-0': -0 scores come from weights here (ZADD's -0 in a listpack is the core's business)
  const scores = ['0', '1', '-1', '1.5', '2', '3', '0.1', '0.2', '1e300', '-1e300', 'inf', '-inf', '5e-324', '7'];
  const weights = ['1', '0', '-0', '2', '-1', '0.5', '0.1', 'inf', '-inf', '1e300', '3', '0x10'];
  const out: string[][] = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(r() * 4);
    const ins = Array.from({ length: n }, () => pick(keys));
    const opts: string[] = [];
    const op = Math.floor(r() * 10);
    if (op <= 5 && op !== 2 && r() < 0.6) opts.push('WEIGHTS', ...ins.map(() => pick(weights)));
    if (op <= 5 && op !== 2 && r() < 0.5) opts.push('AGGREGATE', pick(['SUM', 'MIN', 'MAX']));
    const ws = r() < 0.7 ? ['WITHSCORES'] : [];
    switch (op) {
      case 0: out.push(['ZUNION', String(n), ...ins, ...opts, ...ws]); break;
      case 1: out.push(['ZINTER', String(n), ...ins, ...opts, ...ws]); break;
      case 2: out.push(['ZDIFF', String(n), ...ins, ...ws]); break;
      case 3: out.push(['ZUNIONSTORE', pick(zkeys), String(n), ...ins, ...opts]); break;
      case 4: out.push(['ZINTERSTORE', pick(zkeys), String(n), ...ins, ...opts]); break;
      case 5: out.push(['ZDIFFSTORE', pick(zkeys), String(n), ...ins]); break;
      case 6: out.push(['ZINTERCARD', String(n), ...ins, ...(r() < 0.5 ? ['LIMIT', String(Math.floor(r() * 4))] : [])]); break;
      case 7: out.push(['SADD', pick(skeys), ...Array.from({ length: n }, () => pick(members))]); break;
      default: {
        const k = pick(zkeys);
        out.push(['ZADD', k, ...Array.from({ length: n }, () => [pick(scores), pick(members)]).flat()]);
      }
    }
  }
  for (const k of zkeys) out.push(['ZUNION', '1', k, 'WITHSCORES'], ['OBJECT', 'ENCODING', k]);
  return out;
}

describe.skipIf(!hasRedis)('zset algebra oracle', () => {
  let pair: OraclePair;
  let r: RespConn;
  let n: RespConn;

  beforeAll(async () => {
    pair = await startOraclePair('KEA');
    ({ r, n } = pair);
  });
  afterAll(async () => {
    await pair?.close();
  });

  const compare = (rows: string[][]): Promise<string[]> => compareRows(r, n, rows);

  it('answers the table byte for byte', async () => {
    expect((await compare([...SETUP, ...TABLE])).join('\n')).toBe('');
  });

  it('converts stored results to listpack across the thresholds', async () => {
    expect((await compare(ENCODING)).join('\n')).toBe('');
  });

  it('answers a seeded random sequence byte for byte', async () => {
    expect((await compare(randomCommands(20261127, 700))).join('\n')).toBe('');
  });

  it('answers big inputs (skiplists, ties, float sums) byte for byte', async () => {
    const r2 = rng(99);
    const big = (key: string, n: number): string[] =>
      ['ZADD', key, ...Array.from({ length: n }, (_, i) => [String(Math.floor(r2() * 50) / 8 - 3), `k${(i * 7) % 400}`]).flat()];
    const rows: string[][] = [
      big('b:1', 300),
      big('b:2', 200),
      ['SADD', 'b:s', ...Array.from({ length: 150 }, (_, i) => `k${i * 2}`)],
      ['ZUNION', '3', 'b:1', 'b:2', 'b:s', 'WEIGHTS', '0.1', '-3', '7', 'WITHSCORES'],
      ['ZINTER', '3', 'b:1', 'b:2', 'b:s', 'AGGREGATE', 'MAX', 'WITHSCORES'],
      ['ZDIFF', '2', 'b:1', 'b:s', 'WITHSCORES'],
      ['ZINTERCARD', '2', 'b:1', 'b:2', 'LIMIT', '50'],
      ['ZUNIONSTORE', 'b:d', '2', 'b:1', 'b:2'],
      ['OBJECT', 'ENCODING', 'b:d'],
      ['ZINTERSTORE', 'b:d', '2', 'b:1', 'b:s'],
      ['OBJECT', 'ENCODING', 'b:d'],
      ['ZUNION', '1', 'b:d', 'WITHSCORES'],
      ['ZDIFFSTORE', 'b:d', '3', 'b:1', 'b:2', 'b:s'],
      ['OBJECT', 'ENCODING', 'b:d'],
      ['ZUNION', '1', 'b:d', 'WITHSCORES'],
    ];
    expect((await compare(rows)).join('\n')).toBe('');
  });

  it('publishes the same keyspace notifications', async () => {
    const { redis: a, nodis: b } = await keyeventLines(pair);
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
  });

  it('answers in RESP3 (pairs with doubles)', async () => {
    await Promise.all([r.cmd('HELLO', '3'), n.cmd('HELLO', '3')]);
    const rows: string[][] = [
      ['ZUNION', '2', 'za', 'zb', 'WITHSCORES'],
      ['ZUNION', '2', 'za', 'zb'],
      ['ZINTER', '2', 'za', 'zb', 'WEIGHTS', 'inf', '1', 'WITHSCORES'],
      ['ZDIFF', '2', 'za', 'zb', 'WITHSCORES'],
      ['ZDIFF', '2', 'za', 'za', 'WITHSCORES'],
      ['ZUNION', '1', 'nokey', 'WITHSCORES'],
      ['ZUNION', '2', 'zc', 'sa', 'WEIGHTS', '-1', '0.1', 'WITHSCORES'],
      ['ZINTERCARD', '2', 'za', 'zb'],
      ['ZUNIONSTORE', 'r3', '2', 'za', 'zb'],
      ['ZUNION', '1', 'za', 'WEIGHTS', 'x'],
      ...randomCommands(7, 150),
    ];
    const mismatches = await compare(rows);
    await Promise.all([r.cmd('HELLO', '2'), n.cmd('HELLO', '2')]);
    expect(mismatches.join('\n')).toBe('');
  });
});
