/**
 * The lists family against a real redis-server: a table of requests (errors, edge cases, null
 * shapes in RESP2 and RESP3) and a seeded random sequence of list commands, replies compared
 * byte for byte, plus the keyspace notifications both publish and the final contents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis } from '../helpers/oracle.js';
import { compareRows, keyeventLines, type OraclePair, startOraclePair } from '../helpers/oracle-pair.js';
import type { RespConn } from '../helpers/resp-session.js';
import { rng } from '../helpers/rng.js';

const BIN = 'a\x00b\xff\r\n\x80z';
const MIN = '-9223372036854775808';
const MAX = '9223372036854775807';

const TABLE: string[][] = [
  ['SET', 'l:str', 'x'],
  // pushes
  ['LPUSH', 'l:a', 'a', 'b', 'c'],
  ['RPUSH', 'l:a', 'd', BIN, ''],
  ['LRANGE', 'l:a', '0', '-1'],
  ['LPUSHX', 'l:none', 'a'],
  ['RPUSHX', 'l:none', 'a'],
  ['EXISTS', 'l:none'],
  ['LPUSHX', 'l:a', 'x', 'y'],
  ['RPUSHX', 'l:a', 'z'],
  ['LPUSH', 'l:str', 'a'],
  ['RPUSH', 'l:str', 'a'],
  ['LPUSHX', 'l:str', 'a'],
  ['RPUSHX', 'l:str', 'a'],
  ['LPUSH', 'l:a'],
  ['RPUSHX', 'l:a'],
  ['TYPE', 'l:a'],
  ['OBJECT', 'ENCODING', 'l:a'],
  ['LLEN', 'l:a'],
  ['LLEN', 'l:none'],
  ['LLEN', 'l:str'],
  ['LLEN'],
  // LRANGE
  ['LRANGE', 'l:a', '0', '0'],
  ['LRANGE', 'l:a', '-3', '-1'],
  ['LRANGE', 'l:a', '-100', '100'],
  ['LRANGE', 'l:a', '5', '2'],
  ['LRANGE', 'l:a', '100', '200'],
  ['LRANGE', 'l:a', MIN, MAX],
  ['LRANGE', 'l:a', 'x', '1'],
  ['LRANGE', 'l:a', '0', '1.5'],
  ['LRANGE', 'l:none', '0', '-1'],
  ['LRANGE', 'l:none', 'x', '1'],
  ['LRANGE', 'l:str', '0', '-1'],
  ['LRANGE', 'l:a', '0'],
  // LINDEX
  ['LINDEX', 'l:a', '0'],
  ['LINDEX', 'l:a', '-1'],
  ['LINDEX', 'l:a', '-100'],
  ['LINDEX', 'l:a', '100'],
  ['LINDEX', 'l:a', 'x'],
  ['LINDEX', 'l:none', 'x'],
  ['LINDEX', 'l:none', '0'],
  ['LINDEX', 'l:str', '0'],
  ['LINDEX', 'l:a', MIN],
  // LSET
  ['LSET', 'l:a', '0', 'first'],
  ['LSET', 'l:a', '-1', 'last'],
  ['LSET', 'l:a', '100', 'x'],
  ['LSET', 'l:a', '-100', 'x'],
  ['LSET', 'l:a', 'x', 'x'],
  ['LSET', 'l:none', '0', 'x'],
  ['LSET', 'l:none', 'x', 'x'],
  ['LSET', 'l:str', '0', 'x'],
  ['LRANGE', 'l:a', '0', '-1'],
  // LINSERT
  ['LINSERT', 'l:a', 'BEFORE', 'first', 'b0'],
  ['LINSERT', 'l:a', 'after', 'last', 'end'],
  ['LINSERT', 'l:a', 'AFTER', 'd', 'd2'],
  ['LINSERT', 'l:a', 'before', 'nope', 'x'],
  ['LINSERT', 'l:a', 'middle', 'd', 'x'],
  ['LINSERT', 'l:none', 'before', 'a', 'x'],
  ['LINSERT', 'l:none', 'middle', 'a', 'x'],
  ['LINSERT', 'l:str', 'before', 'a', 'x'],
  ['LRANGE', 'l:a', '0', '-1'],
  // LREM
  ['RPUSH', 'l:r', 'a', 'b', 'a', 'c', 'a', 'b', 'a'],
  ['LREM', 'l:r', '1', 'a'],
  ['LRANGE', 'l:r', '0', '-1'],
  ['LREM', 'l:r', '-2', 'a'],
  ['LRANGE', 'l:r', '0', '-1'],
  ['LREM', 'l:r', '0', 'b'],
  ['LRANGE', 'l:r', '0', '-1'],
  ['LREM', 'l:r', '0', 'zz'],
  ['LREM', 'l:r', 'x', 'a'],
  ['LREM', 'l:none', 'x', 'a'],
  ['LREM', 'l:none', '1', 'a'],
  ['LREM', 'l:str', '1', 'a'],
  ['LREM', 'l:r', '0', 'a'],
  ['LREM', 'l:r', '0', 'c'],
  ['EXISTS', 'l:r'],
  // LTRIM
  ['RPUSH', 'l:t', '1', '2', '3', '4', '5', '6'],
  ['LTRIM', 'l:t', '1', '-2'],
  ['LRANGE', 'l:t', '0', '-1'],
  ['LTRIM', 'l:t', '0', '100'],
  ['LTRIM', 'l:t', '-100', '1'],
  ['LRANGE', 'l:t', '0', '-1'],
  ['LTRIM', 'l:t', 'x', '1'],
  ['LTRIM', 'l:none', '0', '1'],
  ['LTRIM', 'l:none', 'x', '1'],
  ['LTRIM', 'l:str', '0', '1'],
  ['LTRIM', 'l:t', '5', '2'],
  ['EXISTS', 'l:t'],
  // LPOS
  ['RPUSH', 'l:p', 'a', 'b', 'c', 'a', 'b', 'c', 'a'],
  ['LPOS', 'l:p', 'a'],
  ['LPOS', 'l:p', 'c'],
  ['LPOS', 'l:p', 'z'],
  ['LPOS', 'l:p', 'a', 'RANK', '2'],
  ['LPOS', 'l:p', 'a', 'RANK', '-1'],
  ['LPOS', 'l:p', 'a', 'RANK', '-2'],
  ['LPOS', 'l:p', 'a', 'RANK', '10'],
  ['LPOS', 'l:p', 'a', 'RANK', '0'],
  ['LPOS', 'l:p', 'a', 'RANK', 'x'],
  ['LPOS', 'l:p', 'c', 'RANK', MIN],
  ['LPOS', 'l:p', 'a', 'RANK', MAX],
  ['LPOS', 'l:p', 'a', 'COUNT', '0'],
  ['LPOS', 'l:p', 'a', 'COUNT', '2'],
  ['LPOS', 'l:p', 'a', 'COUNT', '2', 'RANK', '-1'],
  ['LPOS', 'l:p', 'z', 'COUNT', '2'],
  ['LPOS', 'l:p', 'a', 'COUNT', '-1'],
  ['LPOS', 'l:p', 'a', 'COUNT', 'x'],
  ['LPOS', 'l:p', 'a', 'MAXLEN', '3'],
  ['LPOS', 'l:p', 'b', 'MAXLEN', '1'],
  ['LPOS', 'l:p', 'a', 'COUNT', '0', 'MAXLEN', '4'],
  ['LPOS', 'l:p', 'a', 'COUNT', '0', 'MAXLEN', '1', 'RANK', '-1'],
  ['LPOS', 'l:p', 'a', 'MAXLEN', '-1'],
  ['LPOS', 'l:p', 'a', 'MAXLEN', 'x'],
  ['LPOS', 'l:p', 'a', 'RANK'],
  ['LPOS', 'l:p', 'a', 'FOO', '1'],
  ['LPOS', 'l:none', 'a'],
  ['LPOS', 'l:none', 'a', 'COUNT', '1'],
  ['LPOS', 'l:none', 'a', 'RANK', '0'],
  ['LPOS', 'l:str', 'a'],
  ['LPOS', 'l:p'],
  // pops
  ['RPUSH', 'l:q', '1', '2', '3', '4', '5'],
  ['LPOP', 'l:q'],
  ['RPOP', 'l:q'],
  ['LPOP', 'l:q', '2'],
  ['RPOP', 'l:q', '0'],
  ['LPOP', 'l:q', '-1'],
  ['LPOP', 'l:q', 'x'],
  ['LPOP', 'l:q', '1', '2'],
  ['RPOP', 'l:q', '10'],
  ['EXISTS', 'l:q'],
  ['LPOP', 'l:none'],
  ['RPOP', 'l:none'],
  ['LPOP', 'l:none', '0'],
  ['RPOP', 'l:none', '3'],
  ['LPOP', 'l:none', '-1'],
  ['LPOP', 'l:str'],
  ['RPOP', 'l:str', '1'],
  // LMPOP
  ['RPUSH', 'l:m2', 'a', 'b', 'c'],
  ['LMPOP', '2', 'l:m1', 'l:m2', 'LEFT'],
  ['LMPOP', '2', 'l:m1', 'l:m2', 'right', 'COUNT', '5'],
  ['LMPOP', '2', 'l:m1', 'l:m2', 'LEFT'],
  ['LMPOP', '2', 'l:m1', 'l:str', 'LEFT'],
  ['LMPOP', '0', 'l:m1', 'LEFT'],
  ['LMPOP', '-1', 'l:m1', 'LEFT'],
  ['LMPOP', 'x', 'l:m1', 'LEFT'],
  ['LMPOP', '3', 'l:m1', 'LEFT'],
  ['LMPOP', '1', 'l:m1', 'UP'],
  ['LMPOP', '1', 'l:m1', 'LEFT', 'COUNT', '0'],
  ['LMPOP', '1', 'l:m1', 'LEFT', 'COUNT', 'x'],
  ['LMPOP', '1', 'l:m1', 'LEFT', 'COUNT'],
  ['LMPOP', '1', 'l:m1', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
  ['LMPOP', '1', 'l:m1', 'LEFT', 'FOO'],
  ['LMPOP', '1', 'l:m1'],
  // LMOVE / RPOPLPUSH
  ['RPUSH', 'l:s', '1', '2', '3'],
  ['LMOVE', 'l:s', 'l:d', 'LEFT', 'RIGHT'],
  ['LMOVE', 'l:s', 'l:d', 'right', 'left'],
  ['LMOVE', 'l:s', 'l:s', 'LEFT', 'RIGHT'],
  ['LRANGE', 'l:s', '0', '-1'],
  ['LRANGE', 'l:d', '0', '-1'],
  ['LMOVE', 'l:s', 'l:d', 'LEFT', 'LEFT'],
  ['EXISTS', 'l:s'],
  ['LMOVE', 'l:s', 'l:d', 'LEFT', 'LEFT'],
  ['LMOVE', 'l:none', 'l:str', 'LEFT', 'LEFT'],
  ['LMOVE', 'l:d', 'l:str', 'LEFT', 'LEFT'],
  ['LMOVE', 'l:str', 'l:d', 'LEFT', 'LEFT'],
  ['LMOVE', 'l:d', 'l:x', 'UP', 'LEFT'],
  ['LMOVE', 'l:d', 'l:x', 'LEFT', 'DOWN'],
  ['LMOVE', 'l:none', 'l:x', 'UP', 'LEFT'],
  ['RPOPLPUSH', 'l:d', 'l:e'],
  ['RPOPLPUSH', 'l:d', 'l:d'],
  ['RPOPLPUSH', 'l:none', 'l:e'],
  ['RPOPLPUSH', 'l:d', 'l:str'],
  ['RPOPLPUSH', 'l:str', 'l:e'],
  ['LRANGE', 'l:d', '0', '-1'],
  ['LRANGE', 'l:e', '0', '-1'],
  ['RPOPLPUSH', 'l:e'],
  ['OBJECT', 'ENCODING', 'l:e'],
  // the command table: flags, key specs, docs
  ...['lpush', 'rpush', 'lpushx', 'rpushx', 'lpop', 'rpop', 'lmpop', 'llen', 'lrange', 'lindex', 'lpos', 'lset', 'linsert', 'lrem', 'ltrim', 'lmove', 'rpoplpush'].flatMap((c) => [
    ['COMMAND', 'INFO', c],
    ['COMMAND', 'DOCS', c],
  ]),
  ['COMMAND', 'GETKEYS', 'LMPOP', '2', 'a', 'b', 'LEFT'],
  ['COMMAND', 'GETKEYS', 'LMOVE', 'a', 'b', 'LEFT', 'LEFT'],
];

function randomCommands(seed: number, count: number): string[][] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const keys = ['r:0', 'r:1', 'r:2'];
  const vals = ['a', 'b', 'c', 'd', '1', '2', BIN];
  const idx = () => String(Math.floor(r() * 24) - 12);
  const side = () => pick(['LEFT', 'RIGHT']);
  const out: string[][] = [];
  for (let i = 0; i < count; i++) {
    const k = pick(keys);
    const many = () => Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(vals));
    switch (Math.floor(r() * 17)) {
      case 0: out.push(['LPUSH', k, ...many()]); break;
      case 1: out.push(['RPUSH', k, ...many()]); break;
      case 2: out.push([pick(['LPUSHX', 'RPUSHX']), k, ...many()]); break;
      case 3: out.push([pick(['LPOP', 'RPOP']), k]); break;
      case 4: out.push([pick(['LPOP', 'RPOP']), k, String(Math.floor(r() * 4))]); break;
      case 5: out.push(['LRANGE', k, idx(), idx()]); break;
      case 6: out.push(['LINDEX', k, idx()]); break;
      case 7: out.push(['LSET', k, idx(), pick(vals)]); break;
      case 8: out.push(['LINSERT', k, pick(['BEFORE', 'AFTER']), pick(vals), pick(vals)]); break;
      case 9: out.push(['LREM', k, idx(), pick(vals)]); break;
      case 10: out.push(['LTRIM', k, idx(), idx()]); break;
      case 11: out.push(['LPOS', k, pick(vals), 'RANK', pick(['1', '2', '-1', '-3']), 'COUNT', pick(['0', '1', '2'])]); break;
      case 12: out.push(['LMOVE', k, pick(keys), side(), side()]); break;
      case 13: out.push(['RPOPLPUSH', k, pick(keys)]); break;
      case 14: out.push(['LMPOP', '2', k, pick(keys), side(), 'COUNT', String(1 + Math.floor(r() * 3))]); break;
      case 15: out.push(['LLEN', k]); break;
      default: out.push(['LPOS', k, pick(vals), 'MAXLEN', String(Math.floor(r() * 5))]); break;
    }
  }
  for (const k of keys) out.push(['LRANGE', k, '0', '-1']);
  return out;
}

describe.skipIf(!hasRedis)('lists oracle', () => {
  let pair: OraclePair;
  let r: RespConn;
  let n: RespConn;

  beforeAll(async () => {
    pair = await startOraclePair('KElg$');
    ({ r, n } = pair);
  });
  afterAll(async () => {
    await pair?.close();
  });

  const compare = (rows: string[][]): Promise<string[]> => compareRows(r, n, rows);

  it('answers the whole table byte for byte', async () => {
    expect((await compare(TABLE)).join('\n')).toBe('');
  });

  it('answers a seeded random sequence byte for byte', async () => {
    expect((await compare(randomCommands(20260127, 1500))).join('\n')).toBe('');
  });

  it('publishes the same keyspace notifications', async () => {
    const { redis: a, nodis: b } = await keyeventLines(pair);
    expect(a.length).toBeGreaterThan(200);
    expect(b).toEqual(a);
  });

  it('answers MEMORY USAGE and OBJECT ENCODING as Redis 7.0 for small and multi-node lists', async () => {
    const vals: string[] = [];
    for (let i = 0; i < 3000; i++) vals.push(i % 3 === 0 ? String(i * 37) : `v${i}`);
    const rows: string[][] = [
      ['RPUSH', 'mu:1', 'a'],
      ['MEMORY', 'USAGE', 'mu:1'],
      ['RPUSH', 'mu:2', ...vals.slice(0, 100)],
      ['MEMORY', 'USAGE', 'mu:2'],
      ['RPUSH', 'mu:3', ...vals],
      ['MEMORY', 'USAGE', 'mu:3'],
      ['MEMORY', 'USAGE', 'mu:3', 'SAMPLES', '0'],
      ['MEMORY', 'USAGE', 'mu:3', 'SAMPLES', '1'],
      ['RPUSH', 'mu:5', ...Array.from({ length: 1400 }, (_, i) => `v${i + 1}`)],
      ['MEMORY', 'USAGE', 'mu:5', 'SAMPLES', '1'],
      ['MEMORY', 'USAGE', 'mu:5', 'SAMPLES', '0'],
      ['RPUSH', 'mu:4', 'x'.repeat(100), 'y'.repeat(5000), '-5000', '70000', '-2147483648', MAX],
      ['MEMORY', 'USAGE', 'mu:4'],
      ['OBJECT', 'ENCODING', 'mu:1'],
      ['OBJECT', 'ENCODING', 'mu:3'],
    ];
    expect((await compare(rows)).join('\n')).toBe('');
  });

  it('answers the null shapes in RESP3 too', async () => {
    await Promise.all([r.cmd('HELLO', '3'), n.cmd('HELLO', '3')]);
    const rows: string[][] = [
      ['LPOP', 'l3:none'],
      ['LPOP', 'l3:none', '2'],
      ['RPOP', 'l3:none', '0'],
      ['LINDEX', 'l3:none', '0'],
      ['LPOS', 'l3:none', 'a'],
      ['LMPOP', '1', 'l3:none', 'LEFT'],
      ['LMOVE', 'l3:none', 'l3:x', 'LEFT', 'LEFT'],
      ['RPUSH', 'l3:a', 'x', 'y'],
      ['LPOP', 'l3:a', '0'],
      ['LMPOP', '1', 'l3:a', 'RIGHT', 'COUNT', '9'],
    ];
    const mismatches = await compare(rows);
    await Promise.all([r.cmd('HELLO', '2'), n.cmd('HELLO', '2')]);
    expect(mismatches.join('\n')).toBe('');
  });
});
