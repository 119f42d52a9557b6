/**
 * DUMP / RESTORE against a real redis-server: the same writes on both servers, then
 * - DUMP payloads compared byte for byte for every deterministic encoding (strings in every RDB string
 *   encoding, intsets, listpack hashes and zsets, skiplist zsets, quicklists of one and several nodes);
 * - every payload restored across (Redis's into nodis, nodis's into Redis) and the contents compared,
 *   including hashtable sets and hashes whose member order is Redis's dict order;
 * - RESTORE's errors, options and notifications compared byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc64 } from '../../src/persistence/crc64.js';
import { hasRedis } from '../helpers/oracle.js';
import { build, dumpPayload, ziplist, zipmap } from '../helpers/rdb-build.js';
import { keyeventLines, type OraclePair, startOraclePair } from '../helpers/oracle-pair.js';
import type { RespConn } from '../helpers/resp-session.js';

const BIN = 'a\x00b\xff\r\n\x80z';
const MIN = '-9223372036854775808';
const MAX = '9223372036854775807';

/** The bulk payload of a RESP bulk reply (latin1), or null for a nil. */
function bulk(reply: string): string | null {
  if (reply.startsWith('$-1')) return null;
  expect(reply[0], reply).toBe('$');
  const nl = reply.indexOf('\r\n');
  const len = Number(reply.slice(1, nl));
  return reply.slice(nl + 2, nl + 2 + len);
}

const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));

/** Writes run on both servers; [key, writes, byte-exact]. */
const DATA: Array<[string, string[][], boolean]> = [
  ['s:small', [['SET', 's:small', 'hello']], true],
  ['s:empty', [['SET', 's:empty', '']], true],
  ['s:int8', [['SET', 's:int8', '-12']], true],
  ['s:int16', [['SET', 's:int16', '12345']], true],
  ['s:int32', [['SET', 's:int32', '-2147483648']], true],
  ['s:int64', [['SET', 's:int64', MAX]], true],
  ['s:int64min', [['SET', 's:int64min', MIN]], true],
  ['s:notint', [['SET', 's:notint', '0123']], true],
  ['s:bin', [['SET', 's:bin', BIN]], true],
  ['s:lzf', [['SET', 's:lzf', 'abcabcabcabcabcabcabcabcabcabcabcabcabc'.repeat(20)]], true],
  ['s:lzf21', [['SET', 's:lzf21', 'a'.repeat(21)]], true],
  ['s:nolzf', [['SET', 's:nolzf', range(30, (i) => String.fromCharCode(33 + ((i * 37) % 90))).join('')]], true],
  ['s:big', [['SET', 's:big', range(5000, (i) => String(i % 97)).join(',')]], true],
  ['l:small', [['RPUSH', 'l:small', 'a', '1', '-5', BIN, '12345678901234', MAX, '']], true],
  ['l:two', [['RPUSH', 'l:two', ...range(700, () => 'aaaaaaaaaa')]], true],
  ['l:ints', [['RPUSH', 'l:ints', ...range(1700, () => '1234567')]], true],
  ['l:mixed', [['RPUSH', 'l:mixed', ...range(3000, (i) => (i % 3 === 0 ? String(i * 7919) : 'v'.repeat(i % 200)))]], true],
  ['l:huge', [['RPUSH', 'l:huge', 'a', 'x'.repeat(10000), 'b', 'y'.repeat(70000), 'c']], true],
  ['set:int', [['SADD', 'set:int', '3', '1', '2', '-5', '100']], true],
  ['set:int32', [['SADD', 'set:int32', '3', '100000', '-7']], true],
  ['set:int64', [['SADD', 'set:int64', '3', MAX, MIN, '1']], true],
  ['set:intlzf', [['SADD', 'set:intlzf', ...range(40, (i) => String(i))]], true],
  ['set:ht', [['SADD', 'set:ht', 'a', 'b', 'c', '1', BIN]], false],
  ['set:bigint', [['SADD', 'set:bigint', ...range(600, (i) => String(i))]], false],
  ['h:lp', [['HSET', 'h:lp', 'f1', 'v1', 'n', '42', 'neg', '-100000', BIN, BIN, 'f1', 'again']], true],
  ['h:lpdel', [['HSET', 'h:lpdel', 'a', '1', 'b', '2', 'c', '3'], ['HDEL', 'h:lpdel', 'b'], ['HSET', 'h:lpdel', 'b', '4']], true],
  ['h:lplzf', [['HSET', 'h:lplzf', ...range(40, (i) => `field:${i % 2 ? 'x' : 'y'}:${i}`)]], true],
  ['h:ht', [['HSET', 'h:ht', 'f', 'v'.repeat(100), 'g', '1']], false],
  ['h:many', [['HSET', 'h:many', ...range(1200, (i) => `k${i}`)]], false],
  [
    'z:lp',
    [['ZADD', 'z:lp', '1', 'a', '-2', 'b', '1.5', 'c', 'inf', 'd', '-inf', 'e', '1e20', 'f', '0', 'g', '-0', 'h', '3.14159', 'i', '4611686018427387904', 'j']],
    true,
  ],
  ['z:lpbin', [['ZADD', 'z:lpbin', '0.1', BIN, '0.2', 'x', '100000', 'y']], true],
  ['z:sl', [['ZADD', 'z:sl', ...range(300, (i) => (i % 2 === 0 ? String(i / 7) : `m${i}`))]], true],
  ['z:sllong', [['ZADD', 'z:sllong', '1', 'm'.repeat(100), '2', 'x', '-0', 'z']], true],
];

describe.skipIf(!hasRedis)('DUMP / RESTORE vs real Redis', () => {
  let pair: OraclePair;
  let r: RespConn;
  let n: RespConn;

  beforeAll(async () => {
    pair = await startOraclePair('KEA', async (p) => {
      for (const [, writes] of DATA) {
        for (const w of writes) {
          const [a, b] = await Promise.all([p.r.cmd(...w), p.n.cmd(...w)]);
          expect(b, w.join(' ').slice(0, 80)).toBe(a);
        }
      }
    });
    r = pair.r;
    n = pair.n;
  }, 30000);
  afterAll(async () => {
    await pair?.close();
  });

  it('DUMP payloads are byte-identical for deterministic encodings', async () => {
    for (const [key, , exact] of DATA) {
      if (!exact) continue;
      const [a, b] = await Promise.all([r.cmd('DUMP', key), n.cmd('DUMP', key)]);
      const [ea, eb] = await Promise.all([r.cmd('OBJECT', 'ENCODING', key), n.cmd('OBJECT', 'ENCODING', key)]);
      expect(eb, `encoding of ${key}`).toBe(ea);
      expect(Buffer.from(b, 'latin1').toString('hex'), `DUMP ${key}`).toBe(Buffer.from(a, 'latin1').toString('hex'));
    }
  });

  /** Contents of a key in a canonical form (sorted where order is the dict's). */
  async function contents(c: RespConn, key: string): Promise<string> {
    const type = await c.cmd('TYPE', key);
    const sorted = (s: string) => s.split('\r\n').slice(1).join('|').split('|').sort().join('|');
    if (type.includes('string')) return c.cmd('GET', key);
    if (type.includes('list')) return c.cmd('LRANGE', key, '0', '-1');
    if (type.includes('set') && !type.includes('zset')) return sorted(await c.cmd('SMEMBERS', key));
    if (type.includes('hash')) return sorted(await c.cmd('HGETALL', key));
    if (type.includes('zset')) return c.cmd('ZRANGE', key, '0', '-1', 'WITHSCORES');
    return type;
  }

  it('payloads restore across both ways with the same contents and encoding', async () => {
    for (const [key] of DATA) {
      const [pa, pb] = await Promise.all([r.cmd('DUMP', key), n.cmd('DUMP', key)]);
      const fromRedis = bulk(pa) as string;
      const fromNodis = bulk(pb) as string;
      // Redis's payload into nodis, nodis's into Redis
      expect(await n.cmd('RESTORE', `x:${key}`, '0', fromRedis), `nodis RESTORE ${key}`).toBe('+OK\r\n');
      expect(await r.cmd('RESTORE', `x:${key}`, '0', fromNodis), `redis RESTORE ${key}`).toBe('+OK\r\n');
      const want = await contents(r, key);
      expect(await contents(n, `x:${key}`), key).toBe(want);
      expect(await contents(r, `x:${key}`), key).toBe(want);
      const [ea, eb] = await Promise.all([r.cmd('OBJECT', 'ENCODING', `x:${key}`), n.cmd('OBJECT', 'ENCODING', `x:${key}`)]);
      expect(eb, `encoding of restored ${key}`).toBe(ea);
    }
  });

  it('loading converts encodings as Redis does under other thresholds', async () => {
    const cfg = [
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '2'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '3'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '2'],
    ];
    for (const c of cfg) await Promise.all([r.cmd(...c), n.cmd(...c)]);
    try {
      for (const key of ['h:lp', 'z:lp', 'set:int', 'z:sllong', 'h:ht']) {
        const payload = bulk(await r.cmd('DUMP', key)) as string;
        const [a, b] = await Promise.all([r.cmd('RESTORE', `c:${key}`, '0', payload), n.cmd('RESTORE', `c:${key}`, '0', payload)]);
        expect(b).toBe(a);
        const [ea, eb] = await Promise.all([r.cmd('OBJECT', 'ENCODING', `c:${key}`), n.cmd('OBJECT', 'ENCODING', `c:${key}`)]);
        expect(eb, `encoding of ${key}`).toBe(ea);
        expect(await contents(n, `c:${key}`)).toBe(await contents(r, `c:${key}`));
      }
    } finally {
      const reset = [
        ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'],
        ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
        ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
      ];
      for (const c of reset) await Promise.all([r.cmd(...c), n.cmd(...c)]);
    }
  });

  it('quicklist nodes follow list-max-listpack-size; rdbcompression off writes plain strings', async () => {
    // Redis keeps the nodes its pushes formed; nodis computes them at DUMP time from the current
    // setting, so each list is dumped while the setting it was pushed under is still in force
    const cases: Array<[string, string, string[]]> = [
      ['5', 'q:5', range(23, (i) => String(i))],
      ['1', 'q:1', ['a', 'b', 'c']],
      ['0', 'q:0', ['a', 'b', 'c']],
      ['-1', 'q:-1', range(500, (i) => `e${i}`)],
      ['-3', 'q:-3', range(3000, (i) => `e${i}`)],
      ['-5', 'q:-5', range(9000, (i) => `e${i}`)],
      ['-9', 'q:-9', range(9000, (i) => `e${i}`)],
      ['200', 'q:200', range(1000, (i) => 'x'.repeat(i % 50))],
    ];
    try {
      for (const [fill, key, elements] of cases) {
        await Promise.all([r.cmd('CONFIG', 'SET', 'list-max-listpack-size', fill), n.cmd('CONFIG', 'SET', 'list-max-listpack-size', fill)]);
        await Promise.all([r.cmd('RPUSH', key, ...elements), n.cmd('RPUSH', key, ...elements)]);
        const [a, b] = await Promise.all([r.cmd('DUMP', key), n.cmd('DUMP', key)]);
        expect(Buffer.from(b, 'latin1').toString('hex'), `DUMP ${key}`).toBe(Buffer.from(a, 'latin1').toString('hex'));
      }
      await Promise.all([r.cmd('CONFIG', 'SET', 'list-max-listpack-size', '-2'), n.cmd('CONFIG', 'SET', 'list-max-listpack-size', '-2')]);
      // list-compress-depth: inner nodes are held LZF-compressed and saved as held
      for (const depth of ['1', '2']) {
        await Promise.all([r.cmd('CONFIG', 'SET', 'list-compress-depth', depth), n.cmd('CONFIG', 'SET', 'list-compress-depth', depth)]);
        for (const [key, elements] of [
          [`d${depth}:mixed`, range(4000, (i) => (i % 3 === 0 ? String(i * 7919) : 'v'.repeat(i % 200)))],
          [`d${depth}:few`, range(1400, () => 'aaaaaaaaaa')],
          [`d${depth}:rand`, range(3000, (i) => String((i * 2654435761) % 1000003))],
        ] as Array<[string, string[]]>) {
          await Promise.all([r.cmd('RPUSH', key, ...elements), n.cmd('RPUSH', key, ...elements)]);
          const [a, b] = await Promise.all([r.cmd('DUMP', key), n.cmd('DUMP', key)]);
          expect(Buffer.from(b, 'latin1').toString('hex'), `DUMP ${key}`).toBe(Buffer.from(a, 'latin1').toString('hex'));
        }
      }
      await Promise.all([r.cmd('CONFIG', 'SET', 'list-compress-depth', '0'), n.cmd('CONFIG', 'SET', 'list-compress-depth', '0')]);
      await Promise.all([r.cmd('CONFIG', 'SET', 'rdbcompression', 'no'), n.cmd('CONFIG', 'SET', 'rdbcompression', 'no')]);
      for (const key of ['l:two', 'l:mixed', 's:lzf', 'set:intlzf', 'z:sl', 'h:lplzf']) {
        const [a, b] = await Promise.all([r.cmd('DUMP', key), n.cmd('DUMP', key)]);
        expect(Buffer.from(b, 'latin1').toString('hex'), `DUMP ${key}`).toBe(Buffer.from(a, 'latin1').toString('hex'));
      }
    } finally {
      await Promise.all([r.cmd('CONFIG', 'SET', 'list-compress-depth', '0'), n.cmd('CONFIG', 'SET', 'list-compress-depth', '0')]);
      await Promise.all([r.cmd('CONFIG', 'SET', 'list-max-listpack-size', '-2'), n.cmd('CONFIG', 'SET', 'list-max-listpack-size', '-2')]);
      await Promise.all([r.cmd('CONFIG', 'SET', 'rdbcompression', 'yes'), n.cmd('CONFIG', 'SET', 'rdbcompression', 'yes')]);
    }
  });

  it('payloads in older formats and RDB versions load alike (contents, encoding, re-DUMP)', async () => {
    const str = (w: { string(s: string, c: boolean): unknown }, ...xs: string[]) => xs.forEach((x) => w.string(x, false));
    const bodies: Array<[string, Buffer]> = [
      ['linked list', build(1, (w) => (w.length(3), str(w, 'a', '12', 'b')))],
      ['list ziplist', build(10, (w) => w.string(ziplist(['a', 7, 'bc', -3, 'x'.repeat(40)]), false))],
      ['quicklist 1', build(14, (w) => w.length(2).string(ziplist(['a', 7]), false).string(ziplist(['bc', -3]), false))],
      ['plain int set', build(2, (w) => (w.length(3), str(w, '5', '-1', '300')))],
      ['plain mixed set', build(2, (w) => (w.length(2), str(w, '5', 'x')))],
      ['plain hash', build(4, (w) => (w.length(2), str(w, 'f', 'v', 'g', '1')))],
      ['plain hash long value', build(4, (w) => (w.length(1), str(w, 'f', 'v'.repeat(70))))],
      ['zipmap hash', build(9, (w) => w.string(zipmap([['f', 'v'], ['g', '12']]), false))],
      ['hash ziplist', build(13, (w) => w.string(ziplist(['f', 'v', 'g', 12]), false))],
      ['zset ziplist', build(12, (w) => w.string(ziplist(['c', '-inf', 'a', '1.5', 'b', 3]), false))],
      [
        'zset string doubles',
        build(3, (w) => {
          w.length(3).string('a', false).u8(3).bytes(Buffer.from('1.5'));
          w.string('b', false).u8(254);
          w.string('c', false).u8(1).bytes(Buffer.from('2'));
        }),
      ],
      ['zset2 small', build(5, (w) => w.length(2).string('a', false).binaryDouble(2).string('b', false).binaryDouble(-0))],
      ['zset2 long member', build(5, (w) => w.length(1).string('m'.repeat(70), false).binaryDouble(1))],
      // refused alike
      ['empty list', build(1, (w) => w.length(0))],
      ['empty set', build(2, (w) => w.length(0))],
      ['dup set', build(2, (w) => (w.length(2), str(w, 'a', 'a')))],
      ['dup int set', build(2, (w) => (w.length(2), str(w, '1', '1')))],
      ['nan zset', build(5, (w) => w.length(1).string('a', false).binaryDouble(NaN))],
      ['empty ziplist', build(10, (w) => w.string(ziplist([]), false))],
      ['stream', build(15, (w) => w.length(0))],
      ['bad type', build(8, (w) => w.length(0))],
      ['truncated', build(0, (w) => w.u8(5).bytes(Buffer.from('ab')))],
    ];
    for (const version of [6, 9, 10]) {
      for (const [name, body] of bodies) {
        const key = `old:${version}:${name}`;
        const payload = dumpPayload(body, version).toString('latin1');
        const [a, b] = await Promise.all([r.cmd('RESTORE', key, '0', payload), n.cmd('RESTORE', key, '0', payload)]);
        expect(b, `${name} v${version}`).toBe(a);
        if (a !== '+OK\r\n') continue;
        const [ea, eb] = await Promise.all([r.cmd('OBJECT', 'ENCODING', key), n.cmd('OBJECT', 'ENCODING', key)]);
        expect(eb, `encoding ${name}`).toBe(ea);
        expect(await contents(n, key), name).toBe(await contents(r, key));
        // Redis keeps a loaded quicklist's node boundaries; nodis re-forms nodes as pushes would
        if (!ea.includes('hashtable') && name !== 'quicklist 1') {
          const [da, db] = await Promise.all([r.cmd('DUMP', key), n.cmd('DUMP', key)]);
          expect(db, `re-DUMP ${name}`).toBe(da);
        }
      }
    }
  });

  it('RESTORE errors, options, TTLs and notifications match', async () => {
    const good = bulk(await r.cmd('DUMP', 's:small')) as string;
    const footer = good.length - 10;
    const v11 = good.slice(0, footer) + '\x0b\x00' + good.slice(footer + 2);
    const badCrc = good.slice(0, -1) + String.fromCharCode(good.charCodeAt(good.length - 1) ^ 1);
    /** A payload with a valid footer around an arbitrary body. */
    const withCrc = (body: string) => {
      const b = Buffer.from(body + '\x0a\x00', 'latin1');
      const crc = Buffer.alloc(8);
      crc.writeBigUInt64LE(crc64(0n, b, 0, b.length));
      return Buffer.concat([b, crc]).toString('latin1');
    };
    const zeroCrc = (body: string) => body + '\x0a\x00' + '\x00'.repeat(8);
    const rows: string[][] = [
      ['RESTORE', 'e:1', '0', good],
      ['RESTORE', 'e:1', '0', good],
      ['RESTORE', 'e:1', '0', good, 'REPLACE'],
      ['RESTORE', 'e:2', '-1', good],
      ['RESTORE', 'e:2', 'x', good],
      ['RESTORE', 'e:1', 'x', good],
      ['RESTORE', 'e:2', '0', v11],
      ['RESTORE', 'e:2', '0', badCrc],
      ['RESTORE', 'e:2', '0', 'short'],
      ['RESTORE', 'e:2', '0', ''],
      ['RESTORE', 'e:2', '0', zeroCrc('\x00\x05hello')],
      ['RESTORE', 'e:2', '0', withCrc('\x00\x05hello')],
      ['GET', 'e:2'],
      ['RESTORE', 'e:3', '0', withCrc('\x02\x00')],
      ['RESTORE', 'e:3', '0', withCrc('\x02\x02\x01a\x01a')],
      ['RESTORE', 'e:3', '0', withCrc('\x04\x00')],
      ['RESTORE', 'e:3', '0', withCrc('\x0e\x00')],
      ['RESTORE', 'e:3', '0', withCrc('\x12\x01\x03\x01a')],
      ['RESTORE', 'e:3', '0', withCrc('\x08\x00')],
      ['RESTORE', 'e:3', '0', withCrc('\x00\xc3')],
      ['RESTORE', 'e:3', '0', withCrc('\x05\x01\x01a' + '\x00\x00\x00\x00\x00\x00\xf8\x7f')],
      ['RESTORE', 'e:3', '0', withCrc('\x00')],
      ['RESTORE', 'e:4', '0', good, 'IDLETIME', '-1'],
      ['RESTORE', 'e:4', '0', good, 'IDLETIME', 'x'],
      ['RESTORE', 'e:4', '0', good, 'FREQ', '256'],
      ['RESTORE', 'e:4', '0', good, 'FREQ', '-1'],
      ['RESTORE', 'e:4', '0', good, 'FREQ', '1', 'IDLETIME', '1'],
      ['RESTORE', 'e:4', '0', good, 'IDLETIME', '1', 'FREQ', '1'],
      ['RESTORE', 'e:4', '0', good, 'IDLETIME'],
      ['RESTORE', 'e:4', '0', good, 'BOGUS'],
      ['RESTORE', 'e:1', '0', good, 'BOGUS'],
      ['RESTORE', 'e:4', '0', good, 'IDLETIME', '100', 'REPLACE', 'ABSTTL'],
      ['RESTORE', 'e:5', '0', good, 'FREQ', '100'],
      ['RESTORE', 'e:6', '1', good, 'ABSTTL'],
      ['EXISTS', 'e:6'],
      ['RESTORE', 'e:4', '1', good, 'ABSTTL', 'REPLACE'],
      ['EXISTS', 'e:4'],
      ['RESTORE', 'e:7', '100000', good],
      ['RESTORE', 'e:8', '99999999999999', good, 'ABSTTL'],
      ['PEXPIRETIME', 'e:8'],
      ['RESTORE', 'e:9', '9223372036854775807', good, 'ABSTTL'],
      ['RESTORE', 'e:9', '9223372036854775808', good],
      ['DUMP', 'nokey'],
      ['DUMP'],
      ['RESTORE', 'e:1', '0'],
      ['SET', 'e:str', 'x'],
      ['RESTORE', 'e:str', '0', bulk(await r.cmd('DUMP', 'z:lp')) as string, 'REPLACE'],
      ['TYPE', 'e:str'],
    ];
    // malformed integers for the TTL, IDLETIME and FREQ (Redis's string2ll forms)
    for (const bad of ['abc', '1.5', '9223372036854775808', '', ' 1', '1 ', '1e3', '0x10', '+1', '01', '-0', '1\x00']) {
      rows.push(['RESTORE', 'f:1', bad, good], ['RESTORE', 'f:2', '0', good, 'IDLETIME', bad], ['RESTORE', 'f:3', '0', good, 'FREQ', bad]);
    }
    rows.push(['RESTORE', 'f:4', '0', good, 'idletime', '5', 'replace', 'absttl'], ['RESTORE', 'f:5', '0', good, 'freq', '0']);
    for (const row of rows) {
      const [a, b] = await Promise.all([r.cmd(...row), n.cmd(...row)]);
      expect(b, row.map((x) => JSON.stringify(x).slice(0, 30)).join(' ')).toBe(a);
    }
    const [ta, tb] = await Promise.all([r.cmd('PTTL', 'e:7'), n.cmd('PTTL', 'e:7')]);
    const ttl = (s: string) => Number(s.slice(1, -2));
    expect(ttl(tb)).toBeGreaterThan(90000);
    expect(ttl(ta)).toBeGreaterThan(90000);
    const ev = await keyeventLines(pair);
    expect(ev.nodis.join('\n')).toBe(ev.redis.join('\n'));
  });
});
