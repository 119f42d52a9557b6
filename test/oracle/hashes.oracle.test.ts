/**
 * The hashes family against a real redis-server: a table of requests compared byte for byte
 * (small hashes are listpacks in both: insertion order), hashtable-encoded hashes compared as
 * sorted reply lines, OBJECT ENCODING at the thresholds, notifications and RESP3 shapes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis } from '../helpers/oracle.js';
import { compareRows, keyeventLines, type OraclePair, startOraclePair } from '../helpers/oracle-pair.js';
import type { RespConn } from '../helpers/resp-session.js';

const BIN = 'a\x00b\xff\r\n\x80z';
const MIN = '-9223372036854775808';
const MAX = '9223372036854775807';

const TABLE: string[][] = [
  ['SET', 'h:str', 'x'],
  ['HSET', 'h:1', 'f1', 'v1', 'f2', 'v2', BIN, BIN],
  ['HSET', 'h:1', 'f1', 'new', 'f3', 'v3'],
  ['HSET', 'h:1', 'f1'],
  ['HSET', 'h:1', 'f1', 'a', 'f2'],
  ['HSET', 'h:str', 'f', 'v'],
  ['HGETALL', 'h:1'],
  ['HKEYS', 'h:1'],
  ['HVALS', 'h:1'],
  ['HGETALL', 'h:none'],
  ['HGETALL', 'h:str'],
  ['HGET', 'h:1', 'f1'],
  ['HGET', 'h:1', BIN],
  ['HGET', 'h:1', 'nope'],
  ['HGET', 'h:none', 'f'],
  ['HGET', 'h:str', 'f'],
  ['HGET', 'h:1'],
  ['HMSET', 'h:2', 'a', '1', 'b', '2'],
  ['HMSET', 'h:2', 'a'],
  ['HMSET', 'h:2', 'a', '1', 'b'],
  ['HMSET', 'h:str', 'a', '1'],
  ['HMGET', 'h:2', 'a', 'x', 'b'],
  ['HMGET', 'h:none', 'a', 'b'],
  ['HMGET', 'h:str', 'a'],
  ['HMGET', 'h:2'],
  ['HEXISTS', 'h:2', 'a'],
  ['HEXISTS', 'h:2', 'z'],
  ['HEXISTS', 'h:none', 'z'],
  ['HEXISTS', 'h:str', 'z'],
  ['HLEN', 'h:1'],
  ['HLEN', 'h:none'],
  ['HLEN', 'h:str'],
  ['HLEN', 'h:1', 'x'],
  ['HSTRLEN', 'h:1', BIN],
  ['HSTRLEN', 'h:1', 'nope'],
  ['HSTRLEN', 'h:none', 'nope'],
  ['HSTRLEN', 'h:str', 'nope'],
  ['HDEL', 'h:1', 'f2', 'nope', 'f3'],
  ['HDEL', 'h:none', 'a'],
  ['HDEL', 'h:str', 'a'],
  ['HDEL', 'h:1'],
  ['HGETALL', 'h:1'],
  ['HDEL', 'h:2', 'a', 'b', 'c'],
  ['EXISTS', 'h:2'],
  ['HSETNX', 'h:3', 'a', '1'],
  ['HSETNX', 'h:3', 'a', '2'],
  ['HSETNX', 'h:3', 'b', '2'],
  ['HSETNX', 'h:str', 'b', '2'],
  ['HSETNX', 'h:3', 'b'],
  ['HGETALL', 'h:3'],
  // HINCRBY
  ['HINCRBY', 'h:n', 'c', '5'],
  ['HINCRBY', 'h:n', 'c', '-7'],
  ['HINCRBY', 'h:n', 'c', 'x'],
  ['HINCRBY', 'h:n', 'c', '1.5'],
  ['HINCRBY', 'h:n', 'c', '99999999999999999999'],
  ['HSET', 'h:n', 'big', MAX, 'small', MIN, 'txt', 'abc', 'sp', ' 1', 'z', '01'],
  ['HINCRBY', 'h:n', 'big', '1'],
  ['HINCRBY', 'h:n', 'big', '0'],
  ['HINCRBY', 'h:n', 'small', '-1'],
  ['HINCRBY', 'h:n', 'small', MAX],
  ['HINCRBY', 'h:n', 'txt', '1'],
  ['HINCRBY', 'h:n', 'sp', '1'],
  ['HINCRBY', 'h:n', 'z', '1'],
  ['HINCRBY', 'h:str', 'c', '1'],
  ['HINCRBY', 'h:n', 'c'],
  // HINCRBYFLOAT
  ['HINCRBYFLOAT', 'h:f', 'x', '10.5'],
  ['HINCRBYFLOAT', 'h:f', 'x', '0.1'],
  ['HINCRBYFLOAT', 'h:f', 'x', '-5e3'],
  ['HINCRBYFLOAT', 'h:f', 'x', 'abc'],
  ['HINCRBYFLOAT', 'h:f', 'x', 'inf'],
  ['HINCRBYFLOAT', 'h:f', 'x', ''],
  ['HSET', 'h:f', 't', 'abc', 'i', '3'],
  ['HINCRBYFLOAT', 'h:f', 't', '1'],
  ['HINCRBYFLOAT', 'h:f', 't', 'zz'],
  ['HINCRBYFLOAT', 'h:f', 'i', '1.25'],
  ['HINCRBYFLOAT', 'h:str', 'i', '1'],
  ['HINCRBYFLOAT', 'h:f', 'i'],
  ['HGETALL', 'h:f'],
  // HRANDFIELD / HSCAN (deterministic shapes)
  ['HRANDFIELD', 'h:none'],
  ['HRANDFIELD', 'h:none', '3'],
  ['HRANDFIELD', 'h:none', '3', 'WITHVALUES'],
  ['HRANDFIELD', 'h:3', '0'],
  ['HRANDFIELD', 'h:3', '10'],
  ['HRANDFIELD', 'h:3', '10', 'WITHVALUES'],
  ['HRANDFIELD', 'h:3', '2', 'withvalues'],
  ['HRANDFIELD', 'h:3', 'x'],
  ['HRANDFIELD', 'h:3', '1', 'foo'],
  ['HRANDFIELD', 'h:3', '1', 'WITHVALUES', 'x'],
  ['HRANDFIELD', 'h:3', 'x', 'foo'],
  ['HRANDFIELD', 'h:3', '4611686018427387904', 'WITHVALUES'],
  ['HRANDFIELD', 'h:3', '4611686018427387903', 'WITHVALUES'],
  ['HRANDFIELD', 'h:3', '9223372036854775807'],
  // a listpack keeps insertion order across deletes
  ['HSET', 'h:ord', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'],
  ['HDEL', 'h:ord', 'b', 'd'],
  ['HSET', 'h:ord', 'f', '6', 'a', '7'],
  ['HGETALL', 'h:ord'],
  ['HKEYS', 'h:ord'],
  ['HVALS', 'h:ord'],
  ['HRANDFIELD', 'h:ord', '100', 'WITHVALUES'],
  ['HSCAN', 'h:ord', '0', 'COUNT', '1'],
  ['HRANDFIELD', 'h:str'],
  ['HRANDFIELD', 'h:str', '1'],
  ['HRANDFIELD'],
  ['HRANDFIELD', 'h:3', '-9223372036854775807', 'WITHVALUES'],
  ['HRANDFIELD', 'h:none', '-4611686018427387904', 'WITHVALUES'],
  ['HRANDFIELD', 'h:3', '-9223372036854775808'],
  ['HRANDFIELD', 'h:3', '9223372036854775808'],
  ['HSET', 'h:one', 'only', 'v'],
  ['HRANDFIELD', 'h:one'],
  ['HRANDFIELD', 'h:one', '-3'],
  ['HRANDFIELD', 'h:one', '-2', 'WITHVALUES'],
  ['HSCAN', 'h:3', '0'],
  ['HSCAN', 'h:3', '0', 'MATCH', 'a*'],
  ['HSCAN', 'h:3', '0', 'COUNT', '10', 'MATCH', '*'],
  ['HSCAN', 'h:3', '0', 'COUNT', '0'],
  ['HSCAN', 'h:3', '0', 'COUNT'],
  ['HSCAN', 'h:3', '0', 'FOO', 'x'],
  ['HSCAN', 'h:3', 'x'],
  ['HSCAN', 'h:none', '0'],
  ['HSCAN', 'h:str', '0'],
  ['HSCAN', 'h:3'],
  // encodings
  ['OBJECT', 'ENCODING', 'h:3'],
  ['HSET', 'h:long', 'f', 'x'.repeat(64)],
  ['OBJECT', 'ENCODING', 'h:long'],
  ['HSET', 'h:long', 'g', 'x'.repeat(65)],
  ['OBJECT', 'ENCODING', 'h:long'],
  ['HSET', 'h:longf', 'y'.repeat(65), '1'],
  ['OBJECT', 'ENCODING', 'h:longf'],
  ['TYPE', 'h:3'],
  ['COPY', 'h:3', 'h:3c'],
  ['HGETALL', 'h:3c'],
  ['OBJECT', 'ENCODING', 'h:3c'],
];

/** Sorts the lines of a reply after its header: contents without order. */
function normalize(s: string): string {
  const lines = s.split('\r\n');
  return [lines[0], ...lines.slice(1).sort()].join('\r\n');
}

describe.skipIf(!hasRedis)('hashes oracle', () => {
  let pair: OraclePair;
  let r: RespConn;
  let n: RespConn;

  beforeAll(async () => {
    pair = await startOraclePair('KEgh$');
    ({ r, n } = pair);
  });
  afterAll(async () => {
    await pair?.close();
  });

  const compare = (rows: string[][], sorted = false): Promise<string[]> =>
    compareRows(r, n, rows, sorted ? normalize : undefined);

  it('answers the whole table byte for byte', async () => {
    expect((await compare(TABLE)).join('\n')).toBe('');
  });

  it('publishes the same keyspace notifications', async () => {
    const { redis: a, nodis: b } = await keyeventLines(pair);
    expect(a.length).toBeGreaterThan(20);
    expect(b).toEqual(a);
  });

  it('answers OBJECT ENCODING at the entries threshold and big hashes as sorted contents', async () => {
    const pairs: string[] = [];
    for (let i = 0; i < 512; i++) pairs.push(`k${i}`, `v${i}`);
    const exact: string[][] = [
      ['HSET', 'e:1', ...pairs],
      ['OBJECT', 'ENCODING', 'e:1'],
      ['HGETALL', 'e:1'],
      ['HSET', 'e:1', 'k999', 'x'],
      ['OBJECT', 'ENCODING', 'e:1'],
      ['HDEL', 'e:1', 'k999', 'k1', 'k2'],
      ['OBJECT', 'ENCODING', 'e:1'],
      ['HLEN', 'e:1'],
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '2'],
      ['HSET', 'e:2', 'a', '1', 'b', '2'],
      ['OBJECT', 'ENCODING', 'e:2'],
      ['HSETNX', 'e:2', 'c', '3'],
      ['OBJECT', 'ENCODING', 'e:2'],
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'],
    ];
    expect((await compare(exact)).join('\n')).toBe('');
    const unordered: string[][] = [
      ['HGETALL', 'e:1'],
      ['HKEYS', 'e:1'],
      ['HVALS', 'e:1'],
      ['HSCAN', 'e:1', '0', 'COUNT', '1000'],
      ['HRANDFIELD', 'e:1', '600', 'WITHVALUES'],
    ];
    expect((await compare(unordered, true)).join('\n')).toBe('');
  });

  it('answers map and pair shapes in RESP3', async () => {
    await Promise.all([r.cmd('HELLO', '3'), n.cmd('HELLO', '3')]);
    const rows: string[][] = [
      ['HSET', 'r3:a', 'f1', 'v1', 'f2', 'v2'],
      ['HGETALL', 'r3:a'],
      ['HGETALL', 'r3:none'],
      ['HRANDFIELD', 'r3:a', '5', 'WITHVALUES'],
      ['HRANDFIELD', 'r3:none', '5', 'WITHVALUES'],
      ['HRANDFIELD', 'r3:a', '5'],
      ['HSET', 'r3:one', 'f', 'v'],
      ['HRANDFIELD', 'r3:one', '-2', 'WITHVALUES'],
      ['HSCAN', 'r3:a', '0'],
      ['HINCRBYFLOAT', 'r3:a', 'n', '1.5'],
    ];
    const mismatches = await compare(rows);
    await Promise.all([r.cmd('HELLO', '2'), n.cmd('HELLO', '2')]);
    expect(mismatches.join('\n')).toBe('');
  });
});
