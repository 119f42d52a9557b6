/**
 * The sets family against a real redis-server: a table of requests compared byte for byte
 * (integer sets are intsets in both: sorted, so deterministic), rows whose member order is
 * random in Redis (hashtable sets, SPOP) compared as sorted contents, a seeded random sequence,
 * the keyspace notifications, and the RESP3 set replies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis } from '../helpers/oracle.js';
import { compareRows, keyeventLines, type OraclePair, startOraclePair } from '../helpers/oracle-pair.js';
import type { RespConn } from '../helpers/resp-session.js';
import { rng } from '../helpers/rng.js';

const BIN = 'a\x00b\xff\r\n\x80z';
const MIN = '-9223372036854775808';
const MAX = '9223372036854775807';

/** Exact rows. */
const TABLE: string[][] = [
  ['SET', 's:str', 'x'],
  ['SADD', 's:i', '3', '1', '2', '-5', MAX, MIN, '100'],
  ['SADD', 's:i', '3', '4'],
  ['SMEMBERS', 's:i'],
  ['OBJECT', 'ENCODING', 's:i'],
  ['SADD', 's:i2', '01', '2'],
  ['OBJECT', 'ENCODING', 's:i2'],
  ['SADD', 's:i3', '9223372036854775808'],
  ['OBJECT', 'ENCODING', 's:i3'],
  ['SADD', 's:h', 'a'],
  ['OBJECT', 'ENCODING', 's:h'],
  ['SADD', 's:str', 'a'],
  ['SADD', 's:i'],
  ['SMEMBERS', 's:none'],
  ['SMEMBERS', 's:str'],
  ['SMEMBERS'],
  ['SISMEMBER', 's:i', '3'],
  ['SISMEMBER', 's:i', '03'],
  ['SISMEMBER', 's:none', '3'],
  ['SISMEMBER', 's:str', '3'],
  ['SISMEMBER', 's:i'],
  ['SMISMEMBER', 's:i', '1', 'x', '2'],
  ['SMISMEMBER', 's:none', '1', 'x'],
  ['SMISMEMBER', 's:str', '1'],
  ['SMISMEMBER', 's:i'],
  ['SCARD', 's:i'],
  ['SCARD', 's:none'],
  ['SCARD', 's:str'],
  ['SCARD', 's:i', 'x'],
  ['SREM', 's:i', '100', 'nope', '4'],
  ['SREM', 's:none', '1'],
  ['SREM', 's:str', '1'],
  ['SREM', 's:i'],
  ['SMEMBERS', 's:i'],
  ['SADD', 's:one', '7'],
  ['SREM', 's:one', '7', '8'],
  ['EXISTS', 's:one'],
  // SMOVE
  ['SADD', 's:m1', '1', '2', '3'],
  ['SMOVE', 's:m1', 's:m2', '1'],
  ['SMOVE', 's:m1', 's:m2', '9'],
  ['SMOVE', 's:m1', 's:m1', '2'],
  ['SMOVE', 's:m1', 's:m1', '9'],
  ['SMOVE', 's:none', 's:str', '1'],
  ['SMOVE', 's:m1', 's:str', '9'],
  ['SMOVE', 's:str', 's:m1', '9'],
  ['SMOVE', 's:m1', 's:m2', 'x'],
  ['SMOVE', 's:m1', 's:m2', '2'],
  ['SMOVE', 's:m1', 's:m2', '3'],
  ['EXISTS', 's:m1'],
  ['SMEMBERS', 's:m2'],
  ['SMOVE', 's:m1', 's:m2'],
  // algebra on intsets
  ['SADD', 's:a', '1', '2', '3', '4', '5'],
  ['SADD', 's:b', '4', '5', '6', '7'],
  ['SADD', 's:c', '5', '7', '9'],
  ['SINTER', 's:a', 's:b'],
  ['SINTER', 's:a', 's:b', 's:c'],
  ['SINTER', 's:a', 's:none'],
  ['SINTER', 's:a', 's:str'],
  ['SINTER', 's:none', 's:str'],
  ['SINTER', 's:a'],
  ['SINTER'],
  ['SUNION', 's:a', 's:b', 's:none'],
  ['SUNION', 's:a', 's:str'],
  ['SUNION', 's:none'],
  ['SDIFF', 's:a', 's:b'],
  ['SDIFF', 's:a', 's:none', 's:c'],
  ['SDIFF', 's:none', 's:a'],
  ['SDIFF', 's:a', 's:str'],
  ['SINTERCARD', '2', 's:a', 's:b'],
  ['SINTERCARD', '3', 's:a', 's:b', 's:c'],
  ['SINTERCARD', '2', 's:a', 's:b', 'LIMIT', '1'],
  ['SINTERCARD', '2', 's:a', 's:b', 'limit', '0'],
  ['SINTERCARD', '2', 's:a', 's:none'],
  ['SINTERCARD', '1', 's:a'],
  ['SINTERCARD', '2', 's:a', 's:str'],
  ['SINTERCARD', '0', 's:a'],
  ['SINTERCARD', '-1', 's:a'],
  ['SINTERCARD', 'x', 's:a'],
  ['SINTERCARD', '3', 's:a', 's:b'],
  ['SINTERCARD', '2', 's:a', 's:b', 'LIMIT', '-1'],
  ['SINTERCARD', '2', 's:a', 's:b', 'LIMIT', 'x'],
  ['SINTERCARD', '2', 's:a', 's:b', 'LIMIT'],
  ['SINTERCARD', '2', 's:a', 's:b', 'FOO', '1'],
  ['SINTERCARD', '1'],
  ['SINTERSTORE', 's:d', 's:a', 's:b'],
  ['SMEMBERS', 's:d'],
  ['OBJECT', 'ENCODING', 's:d'],
  ['SINTERSTORE', 's:d', 's:a', 's:none'],
  ['EXISTS', 's:d'],
  ['SINTERSTORE', 's:d', 's:a', 's:none'],
  ['SINTERSTORE', 's:d', 's:a', 's:str'],
  ['SINTERSTORE', 's:str', 's:a', 's:b'],
  ['TYPE', 's:str'],
  ['SET', 's:str', 'x'],
  ['SUNIONSTORE', 's:d', 's:a', 's:b'],
  ['SMEMBERS', 's:d'],
  ['SUNIONSTORE', 's:d', 's:none'],
  ['EXISTS', 's:d'],
  ['SDIFFSTORE', 's:d', 's:a', 's:b'],
  ['SMEMBERS', 's:d'],
  ['SDIFFSTORE', 's:d', 's:a', 's:a'],
  ['EXISTS', 's:d'],
  ['SET', 's:d2', 'x'],
  ['EXPIRE', 's:d2', '100'],
  ['SUNIONSTORE', 's:d2', 's:a'],
  ['TTL', 's:d2'],
  ['SINTERSTORE', 's:d'],
  ['SDIFFSTORE', 's:d'],
  ['SUNIONSTORE', 's:d'],
  // SPOP / SRANDMEMBER errors and exact cases
  ['SPOP', 's:none'],
  ['SPOP', 's:none', '3'],
  ['SPOP', 's:str'],
  ['SPOP', 's:str', '1'],
  ['SPOP', 's:a', '-1'],
  ['SPOP', 's:a', 'x'],
  ['SPOP', 's:a', '1', '2'],
  ['SPOP', 's:a', '0'],
  ['SPOP', 's:none', '-1'],
  ['SADD', 's:p', '5'],
  ['SPOP', 's:p'],
  ['EXISTS', 's:p'],
  ['SADD', 's:p', '5', '3', '4'],
  ['SPOP', 's:p', '3'],
  ['EXISTS', 's:p'],
  ['SADD', 's:p', '5', '3'],
  ['SPOP', 's:p', '30'],
  ['SRANDMEMBER', 's:none'],
  ['SRANDMEMBER', 's:none', '3'],
  ['SRANDMEMBER', 's:none', '-3'],
  ['SRANDMEMBER', 's:str'],
  ['SRANDMEMBER', 's:str', '1'],
  ['SRANDMEMBER', 's:a', 'x'],
  ['SRANDMEMBER', 's:a', '1', '2'],
  ['SRANDMEMBER', 's:a', '0'],
  ['SRANDMEMBER', 's:a', '5'],
  ['SRANDMEMBER', 's:a', '50'],
  ['SADD', 's:p', '42'],
  ['SRANDMEMBER', 's:p'],
  ['SRANDMEMBER', 's:p', '-3'],
  // SSCAN
  ['SSCAN', 's:a', '0'],
  ['SSCAN', 's:a', '0', 'MATCH', '*'],
  ['SSCAN', 's:a', '0', 'MATCH', '[1-3]'],
  ['SSCAN', 's:a', '0', 'COUNT', '100'],
  ['SSCAN', 's:a', '0', 'COUNT', '0'],
  ['SSCAN', 's:a', '0', 'COUNT', 'x'],
  ['SSCAN', 's:a', '0', 'MATCH'],
  ['SSCAN', 's:a', '0', 'FOO', 'x'],
  ['SSCAN', 's:a', 'x'],
  ['SSCAN', 's:none', '0'],
  ['SSCAN', 's:str', '0'],
  ['SSCAN', 's:a'],
  // the command table: flags, key specs, docs
  ...['sadd', 'srem', 'smembers', 'sismember', 'smismember', 'scard', 'smove', 'sinter', 'sintercard', 'sinterstore',
    'sunion', 'sunionstore', 'sdiff', 'sdiffstore', 'spop', 'srandmember', 'sscan'].flatMap((c) => [
    ['COMMAND', 'INFO', c],
    ['COMMAND', 'DOCS', c],
  ]),
  ['COMMAND', 'GETKEYS', 'SINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
  ['COMMAND', 'GETKEYS', 'SMOVE', 'a', 'b', 'm'],
  ['COMMAND', 'GETKEYS', 'SINTERSTORE', 'd', 'a', 'b'],
];

/** Rows whose order is random in Redis: compared as sorted contents. */
const UNORDERED: string[][] = [
  ['SADD', 'u:a', 'x', 'y', 'z', BIN, '', '1'],
  ['SADD', 'u:b', 'y', 'z', 'w', '2'],
  ['SMEMBERS', 'u:a'],
  ['OBJECT', 'ENCODING', 'u:a'],
  ['SINTER', 'u:a', 'u:b'],
  ['SUNION', 'u:a', 'u:b'],
  ['SDIFF', 'u:a', 'u:b'],
  ['SUNIONSTORE', 'u:c', 'u:a', 's:a'],
  ['SMEMBERS', 'u:c'],
  ['OBJECT', 'ENCODING', 'u:c'],
  ['SDIFFSTORE', 'u:d', 'u:c', 'u:a'],
  ['OBJECT', 'ENCODING', 'u:d'],
  ['SMEMBERS', 'u:d'],
  ['SINTERSTORE', 'u:e', 'u:a', 'u:b'],
  ['SMEMBERS', 'u:e'],
  ['SSCAN', 'u:a', '0', 'MATCH', '[xy]'],
  ['SPOP', 'u:b', '10'],
  ['EXISTS', 'u:b'],
  ['SRANDMEMBER', 'u:a', '100'],
];

/** Splits a flat RESP aggregate of bulks/ints into its element texts, sorted (order-free compare). */
function normalize(raw: string): string {
  if (raw[0] !== '*' && raw[0] !== '~') return raw;
  const headEnd = raw.indexOf('\r\n');
  const items: string[] = [];
  let i = headEnd + 2;
  while (i < raw.length) {
    const lineEnd = raw.indexOf('\r\n', i);
    const line = raw.slice(i, lineEnd);
    if (line[0] === '$') {
      const len = Number(line.slice(1));
      items.push(raw.slice(lineEnd + 2, lineEnd + 2 + len));
      i = lineEnd + 2 + len + 2;
    } else {
      items.push(line);
      i = lineEnd + 2;
    }
  }
  items.sort();
  return `${raw.slice(0, headEnd)} ${JSON.stringify(items)}`;
}

function randomCommands(seed: number, count: number): string[][] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const keys = ['r:0', 'r:1', 'r:2'];
  const vals = ['1', '2', '3', '-7', '10', '42', 'a', 'b', BIN];
  const out: string[][] = [];
  for (let i = 0; i < count; i++) {
    const k = pick(keys);
    const many = () => Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(vals));
    switch (Math.floor(r() * 12)) {
      case 0:
      case 1:
        out.push(['SADD', k, ...many()]);
        break;
      case 2: out.push(['SREM', k, ...many()]); break;
      case 3: out.push(['SISMEMBER', k, pick(vals)]); break;
      case 4: out.push(['SMISMEMBER', k, ...many()]); break;
      case 5: out.push(['SCARD', k]); break;
      case 6: out.push(['SMOVE', k, pick(keys), pick(vals)]); break;
      case 7: out.push(['SINTERSTORE', pick(keys), k, pick(keys)]); break;
      case 8: out.push(['SUNIONSTORE', pick(keys), k, pick(keys)]); break;
      case 9: out.push(['SDIFFSTORE', pick(keys), k, pick(keys)]); break;
      case 10: out.push(['SINTERCARD', '2', k, pick(keys)]); break;
      default: out.push(['SMEMBERS', k]); break;
    }
  }
  for (const k of keys) out.push(['SMEMBERS', k]);
  return out;
}

describe.skipIf(!hasRedis)('sets oracle', () => {
  let pair: OraclePair;
  let r: RespConn;
  let n: RespConn;

  beforeAll(async () => {
    pair = await startOraclePair('KEgs$');
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

  it('answers order-free rows with the same contents', async () => {
    expect((await compare(UNORDERED, true)).join('\n')).toBe('');
  });

  it('answers a seeded random sequence (contents compared sorted)', async () => {
    expect((await compare(randomCommands(20261127, 1200), true)).join('\n')).toBe('');
  });

  it('publishes the same keyspace notifications', async () => {
    const { redis: a, nodis: b } = await keyeventLines(pair);
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
  });

  it('answers OBJECT ENCODING at the intset threshold', async () => {
    const ints = Array.from({ length: 512 }, (_, i) => String(i * 3));
    const rows: string[][] = [
      ['SADD', 'e:1', ...ints],
      ['OBJECT', 'ENCODING', 'e:1'],
      ['SADD', 'e:1', '100000'],
      ['OBJECT', 'ENCODING', 'e:1'],
      ['SREM', 'e:1', '100000'],
      ['OBJECT', 'ENCODING', 'e:1'],
      ['SADD', 'e:2', ...ints.slice(0, 10)],
      ['SADD', 'e:2', 'x'],
      ['SREM', 'e:2', 'x'],
      ['OBJECT', 'ENCODING', 'e:2'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '4'],
      ['SADD', 'e:3', '1', '2', '3', '4'],
      ['OBJECT', 'ENCODING', 'e:3'],
      ['SADD', 'e:3', '5'],
      ['OBJECT', 'ENCODING', 'e:3'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
    ];
    expect((await compare(rows)).join('\n')).toBe('');
  });

  it('answers set replies and empty shapes in RESP3', async () => {
    await Promise.all([r.cmd('HELLO', '3'), n.cmd('HELLO', '3')]);
    const rows: string[][] = [
      ['SADD', 's3:a', '1', '2', '3'],
      ['SADD', 's3:b', '2', '3', '4'],
      ['SMEMBERS', 's3:a'],
      ['SMEMBERS', 's3:none'],
      ['SINTER', 's3:a', 's3:b'],
      ['SINTER', 's3:a', 's3:none'],
      ['SUNION', 's3:a', 's3:b'],
      ['SDIFF', 's3:a', 's3:b'],
      ['SMISMEMBER', 's3:a', '1', '9'],
      ['SPOP', 's3:none'],
      ['SPOP', 's3:none', '2'],
      ['SPOP', 's3:a', '0'],
      ['SRANDMEMBER', 's3:none'],
      ['SRANDMEMBER', 's3:none', '2'],
      ['SRANDMEMBER', 's3:a', '0'],
      ['SRANDMEMBER', 's3:a', '10'],
      ['SSCAN', 's3:a', '0'],
      ['SPOP', 's3:b', '5'],
    ];
    const mismatches = await compare(rows);
    // random replies: the same aggregate type and length
    const shapes: string[][] = [
      ['SRANDMEMBER', 's3:a', '2'],
      ['SADD', 's3:c', 'a', 'b', 'c', 'd', 'e', 'f'],
      ['SPOP', 's3:c', '2'],
      ['SPOP', 's3:c', '3'],
      ['SRANDMEMBER', 's3:c', '-3'],
      ['SRANDMEMBER', 's3:c', '1'],
      ['SRANDMEMBER', 's3:c', '-1'],
    ];
    for (const argv of shapes) {
      const [a, b] = await Promise.all([r.cmd(...argv), n.cmd(...argv)]);
      const head = (x: string) => x.slice(0, x.indexOf('\r\n'));
      if (head(a) !== head(b)) mismatches.push(`${JSON.stringify(argv)}\n  redis: ${a}\n  nodis: ${b}`);
    }
    await Promise.all([r.cmd('HELLO', '2'), n.cmd('HELLO', '2')]);
    expect(mismatches.join('\n')).toBe('');
  });

  it('SSCAN of a hashtable set: a full iteration returns the same members', async () => {
    const members = Array.from({ length: 700 }, (_, i) => `m${i}`);
    await Promise.all([r.cmd('SADD', 'sc:1', ...members), n.cmd('SADD', 'sc:1', ...members)]);
    const iterate = async (c: RespConn): Promise<string[]> => {
      const seen = new Set<string>();
      let cursor = '0';
      let calls = 0;
      do {
        const raw = await c.cmd('SSCAN', 'sc:1', cursor, 'COUNT', '50', 'MATCH', 'm1*');
        const parts = raw.split('\r\n');
        cursor = parts[2];
        for (let i = 5; i < parts.length; i += 2) if (parts[i] !== '') seen.add(parts[i]);
        calls++;
      } while (cursor !== '0' && calls < 1000);
      return [...seen].sort();
    };
    const [a, b] = await Promise.all([iterate(r), iterate(n)]);
    expect(b).toEqual(a);
    expect(a.length).toBe(111);
  });
});
