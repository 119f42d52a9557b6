/**
 * Compact encodings: listpack and intset against blobs written by redis-server 7.0 (DUMP payloads: decode
 * them, and re-encode the same entries byte for byte), ziplist and zipmap against hand-built vectors, and the
 * integrity checks of every decoder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeIntset, encodeIntset } from '../../src/persistence/intset.js';
import { decodeListpack, encodeListpack } from '../../src/persistence/listpack.js';
import { CorruptPackedError, parseStrictInt64, type PackedEntry } from '../../src/persistence/packed.js';
import { RdbReader } from '../../src/persistence/rdb-primitives.js';
import { decodeZiplist } from '../../src/persistence/ziplist.js';
import { decodeZipmap } from '../../src/persistence/zipmap.js';

type Vec = { type: string; key: string; args: string[]; encoding: string; dump: string };
const VECTORS = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, 'fixtures/redis-dump-packed.json'), 'utf8'),
) as Vec[];

const bytesOf = (e: PackedEntry): Buffer => (Buffer.isBuffer(e) ? e : Buffer.from(String(e), 'latin1'));
// the generator sent its arguments through ioredis, which encodes JS strings as UTF-8
const argBytes = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The blobs of a DUMP payload: one for listpack/intset types, one per node for quicklist 2. */
function blobsOf(v: Vec): { type: number; blobs: Buffer[] } {
  const d = Buffer.from(v.dump, 'hex');
  const r = new RdbReader(d.subarray(0, d.length - 10)); // minus RDB version and CRC64
  const type = r.u8();
  const blobs: Buffer[] = [];
  if (type === 18) {
    const nodes = r.length();
    for (let i = 0; i < nodes; i++) {
      expect(r.length()).toBe(2); // QUICKLIST_NODE_CONTAINER_PACKED
      blobs.push(Buffer.from(r.string()));
    }
  } else {
    blobs.push(Buffer.from(r.string()));
  }
  expect(r.remaining).toBe(0);
  return { type, blobs };
}

const vec = (key: string): Vec => VECTORS.find((v) => v.key === key) as Vec;

describe('listpack', () => {
  it('decodes a Redis hash listpack and re-encodes it byte for byte', () => {
    for (const key of ['h1', 'h2']) {
      const v = vec(key);
      const { type, blobs } = blobsOf(v);
      expect(type).toBe(16); // RDB_TYPE_HASH_LISTPACK
      const entries = decodeListpack(blobs[0]);
      expect(entries.map(bytesOf)).toEqual(v.args.map(argBytes));
      expect(encodeListpack(v.args.map(argBytes)).equals(blobs[0])).toBe(true);
      expect(encodeListpack(entries.map(bytesOf)).equals(blobs[0])).toBe(true);
      expect(encodeListpack(entries).equals(blobs[0])).toBe(true);
    }
  });

  it('stores integers in the encoding Redis picks (boundaries of every width)', () => {
    const entries = decodeListpack(blobsOf(vec('h1')).blobs[0]);
    const byValue = new Map<string, PackedEntry>();
    for (let i = 0; i < entries.length; i += 2) byValue.set(bytesOf(entries[i + 1]).toString('latin1'), entries[i + 1]);
    for (const s of ['0', '127', '128', '-4096', '4095', '32767', '-32769', '8388608', '2147483647', '-2147483649']) {
      expect(typeof byValue.get(s), s).toBe('number');
    }
    expect(typeof byValue.get('9223372036854775807')).toBe('bigint');
    expect(typeof byValue.get('-9223372036854775808')).toBe('bigint');
    for (const s of ['9223372036854775808', '01', '-0', '+1', ' 1', '1 ', '00', '-', '', '1e3', '0x10']) {
      expect(Buffer.isBuffer(byValue.get(s)), s).toBe(true);
    }
  });

  it('decodes a Redis zset listpack (member, score) in score order', () => {
    const v = vec('z1');
    const { type, blobs } = blobsOf(v);
    expect(type).toBe(17); // RDB_TYPE_ZSET_LISTPACK
    const entries = decodeListpack(blobs[0]);
    const num = (t: string): number => (t === 'inf' ? Infinity : t === '-inf' ? -Infinity : Number(t));
    const pairs: Array<[string, number]> = [];
    for (let i = 0; i < entries.length; i += 2) pairs.push([bytesOf(entries[i]).toString(), num(String(entries[i + 1]))]);
    const want: Array<[string, number]> = [];
    for (let i = 0; i < v.args.length; i += 2) want.push([v.args[i + 1], num(v.args[i])]);
    want.sort((a, b) => a[1] - b[1]);
    expect(pairs).toEqual(want);
    expect(encodeListpack(entries.map(bytesOf)).equals(blobs[0])).toBe(true);
  });

  it('decodes a Redis quicklist node and re-encodes it', () => {
    const v = vec('l1');
    const { type, blobs } = blobsOf(v);
    expect(type).toBe(18); // RDB_TYPE_LIST_QUICKLIST_2
    const all = blobs.flatMap((b) => decodeListpack(b));
    expect(all.map(bytesOf)).toEqual(v.args.map(argBytes));
    expect(blobs).toHaveLength(1);
    expect(encodeListpack(v.args.map(argBytes)).equals(blobs[0])).toBe(true);
  });

  it('uses the 6/12/32-bit string forms and multi-byte backlens', () => {
    for (const len of [0, 1, 63, 64, 127, 4095, 4096, 16380, 16383, 20000]) {
      const s = Buffer.alloc(len, 0x41);
      const lp = encodeListpack([s, 'x', 5, -5000, 1n << 40n]);
      const back = decodeListpack(lp);
      expect(Buffer.isBuffer(back[0]) && back[0].equals(s)).toBe(true);
      expect(back.slice(1)).toEqual([Buffer.from('x'), 5, -5000, 1099511627776]);
    }
    expect(encodeListpack([]).toString('hex')).toBe('0700000000' + '00ff');
  });

  it('rejects corrupt listpacks', () => {
    const good = encodeListpack(['abc', 7, 'a'.repeat(200), -100000]);
    expect(decodeListpack(good)).toHaveLength(4);
    const bad = (mutate: (b: Buffer) => Buffer, re: RegExp): void => {
      const b = mutate(Buffer.from(good));
      expect(() => decodeListpack(b)).toThrow(CorruptPackedError);
      expect(() => decodeListpack(b)).toThrow(re);
    };
    bad((b) => b.subarray(0, 5), /shorter/);
    bad((b) => (b.writeUInt32LE(b.length + 1, 0), b), /header says/);
    bad((b) => ((b[b.length - 1] = 0), b), /terminator/);
    bad((b) => (b.writeUInt16LE(5, 4), b), /header says 5 entries/);
    bad((b) => ((b[6] = 0xf5), b), /invalid entry encoding/);
    bad((b) => ((b[10] = 9), b), /backlen/); // backlen of "abc" (4) altered
    bad((b) => ((b[6] = 0x80 | 60), b), /past the end|backlen/);
    // a truncated copy with a consistent header
    bad((b) => {
      const t = Buffer.concat([b.subarray(0, 20), Buffer.from([0xff])]);
      t.writeUInt32LE(t.length, 0);
      return t;
    }, /listpack/);
    // unknown count (65535) is accepted
    const unk = Buffer.from(good);
    unk.writeUInt16LE(65535, 4);
    expect(decodeListpack(unk)).toHaveLength(4);
  });
});

describe('intset', () => {
  it('decodes Redis intsets and re-encodes them byte for byte, width as Redis picks', () => {
    const widths: Record<string, number> = { s16: 2, s32: 4, s64: 8, s16b: 2, s32b: 4 };
    for (const [key, width] of Object.entries(widths)) {
      const v = vec(key);
      const { type, blobs } = blobsOf(v);
      expect(type).toBe(11); // RDB_TYPE_SET_INTSET
      expect(blobs[0].readUInt32LE(0)).toBe(width);
      const want = v.args.map((a) => BigInt(a)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(decodeIntset(blobs[0]).map((x) => BigInt(x))).toEqual(want);
      expect(encodeIntset(v.args.map((a) => BigInt(a))).equals(blobs[0])).toBe(true);
    }
  });

  it('sorts, dedups and rejects corrupt intsets', () => {
    expect(decodeIntset(encodeIntset([3, 1, 2, 3, -1]))).toEqual([-1, 1, 2, 3]);
    expect(decodeIntset(encodeIntset([]))).toEqual([]);
    const good = encodeIntset([1, 2, 3]);
    const bad = (b: Buffer, re: RegExp): void => expect(() => decodeIntset(b)).toThrow(re);
    bad(good.subarray(0, 6), /shorter/);
    bad(Buffer.from(good).fill(3, 0, 1), /invalid encoding/);
    bad(good.subarray(0, good.length - 1), /do not fill/);
    const swapped = Buffer.from(good);
    swapped.writeInt16LE(5, 8);
    bad(swapped, /ascending/);
    const dup = Buffer.from(good);
    dup.writeInt16LE(2, 8);
    bad(dup, /ascending/);
  });
});

// --- ziplist: hand-built vectors (Redis 7.0 never writes ziplists) ---

type ZEntry = { s: string } | { i: number | bigint; enc: number };

function buildZiplist(entries: ZEntry[], opts: { count?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  let tail = 10;
  let off = 10;
  for (const e of entries) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), u32le(prev)]);
    let body: Buffer;
    if ('s' in e) {
      const s = Buffer.from(e.s, 'latin1');
      if (s.length < 64) body = Buffer.concat([Buffer.from([s.length]), s]);
      else if (s.length < 16384) body = Buffer.concat([Buffer.from([0x40 | (s.length >> 8), s.length & 0xff]), s]);
      else body = Buffer.concat([Buffer.from([0x80]), u32be(s.length), s]);
    } else {
      const v = e.i;
      const n = { 0xc0: 2, 0xd0: 4, 0xe0: 8, 0xf0: 3, 0xfe: 1 }[e.enc] ?? 0;
      const data = Buffer.alloc(n);
      if (n === 8) data.writeBigInt64LE(BigInt(v));
      else if (n > 0) data.writeIntLE(Number(v), 0, n);
      body = Buffer.concat([Buffer.from([n === 0 ? 0xf1 + Number(v) : e.enc]), data]);
    }
    const entry = Buffer.concat([prevlen, body]);
    parts.push(entry);
    tail = off;
    off += entry.length;
    prev = entry.length;
  }
  const total = off + 1;
  const hdr = Buffer.alloc(10);
  hdr.writeUInt32LE(total, 0);
  hdr.writeUInt32LE(entries.length ? tail : 10, 4);
  hdr.writeUInt16LE(opts.count ?? Math.min(entries.length, 65535), 8);
  return Buffer.concat([hdr, ...parts, Buffer.from([0xff])]);
}
function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

describe('ziplist', () => {
  it('decodes the example from ziplist.c ("2", "5")', () => {
    const zl = Buffer.from('0f0000000c000000020000f302f6ff', 'hex');
    expect(decodeZiplist(zl)).toEqual([2, 5]);
    expect(buildZiplist([{ i: 2, enc: 0xf1 }, { i: 5, enc: 0xf1 }]).equals(zl)).toBe(true);
  });

  it('decodes every encoding, large prevlens included', () => {
    const big = 'z'.repeat(300);
    const entries: ZEntry[] = [
      { s: 'hello' },
      { s: big },
      { s: 'y'.repeat(17000) },
      { s: '' },
      { i: 12, enc: 0xf1 },
      { i: 0, enc: 0xf1 },
      { i: -128, enc: 0xfe },
      { i: -32768, enc: 0xc0 },
      { i: -8388608, enc: 0xf0 },
      { i: 2147483647, enc: 0xd0 },
      { i: -9223372036854775808n, enc: 0xe0 },
      { i: 1234567890123, enc: 0xe0 },
    ];
    const out = decodeZiplist(buildZiplist(entries));
    expect(out.map((e) => (Buffer.isBuffer(e) ? e.toString('latin1') : e))).toEqual([
      'hello', big, 'y'.repeat(17000), '', 12, 0, -128, -32768, -8388608, 2147483647, -9223372036854775808n, 1234567890123,
    ]);
    expect(decodeZiplist(buildZiplist([]))).toEqual([]);
    expect(decodeZiplist(buildZiplist([{ s: 'a' }, { s: 'b' }], { count: 65535 }))).toHaveLength(2);
  });

  it('rejects corrupt ziplists', () => {
    const good = buildZiplist([{ s: 'abc' }, { s: 'q'.repeat(300) }, { i: 7, enc: 0xc0 }]);
    expect(decodeZiplist(good)).toHaveLength(3);
    const bad = (mutate: (b: Buffer) => Buffer, re: RegExp): void => {
      const b = mutate(Buffer.from(good));
      expect(() => decodeZiplist(b)).toThrow(CorruptPackedError);
      expect(() => decodeZiplist(b)).toThrow(re);
    };
    bad((b) => b.subarray(0, 9), /shorter/);
    bad((b) => (b.writeUInt32LE(999, 0), b), /header says 999 bytes/);
    bad((b) => ((b[b.length - 1] = 1), b), /terminator/);
    bad((b) => (b.writeUInt32LE(10, 4), b), /tail offset/);
    bad((b) => (b.writeUInt32LE(100000, 4), b), /tail offset/);
    bad((b) => (b.writeUInt16LE(4, 8), b), /header says 4 entries/);
    bad((b) => ((b[15] = 4), b), /prevlen/); // prevlen of the second entry
    bad((b) => ((b[11] = 0x3f), b), /past the end|prevlen/); // first string length inflated
    bad((b) => ((b[11] = 0xf0 | 0x0f), b), /encoding|prevlen|terminator/); // 0xff as an encoding
    bad((b) => ((b[11] = 0x81), b), /past the end/); // read as a 32-bit length, like Redis
    bad((b) => ((b[11] = 0xc1), b), /invalid integer encoding 0xc1/);
  });
});

describe('zipmap', () => {
  it('decodes the example from zipmap.c', () => {
    const zm = Buffer.concat([
      Buffer.from([2, 3]), Buffer.from('foo'), Buffer.from([3, 0]), Buffer.from('bar'),
      Buffer.from([5]), Buffer.from('hello'), Buffer.from([5, 0]), Buffer.from('world'), Buffer.from([0xff]),
    ]);
    expect(decodeZipmap(zm).map((b) => b.toString())).toEqual(['foo', 'bar', 'hello', 'world']);
  });

  it('skips free bytes, reads 5-byte lengths, accepts an unknown count (254)', () => {
    const longKey = 'k'.repeat(300);
    const zm = Buffer.concat([
      Buffer.from([254, 1]), Buffer.from('a'), Buffer.from([1, 3]), Buffer.from('b'), Buffer.from('...'),
      Buffer.from([254]), u32le(300), Buffer.from(longKey), Buffer.from([0, 0]), Buffer.from([0xff]),
    ]);
    expect(decodeZipmap(zm).map((b) => b.toString())).toEqual(['a', 'b', longKey, '']);
  });

  it('rejects corrupt zipmaps', () => {
    const good = Buffer.concat([Buffer.from([1, 3]), Buffer.from('foo'), Buffer.from([3, 0]), Buffer.from('bar'), Buffer.from([0xff])]);
    expect(decodeZipmap(good)).toHaveLength(2);
    expect(() => decodeZipmap(Buffer.from([0xff]))).toThrow(/too short/);
    expect(() => decodeZipmap(Buffer.from([0, 0xff]))).toThrow(/empty/);
    expect(() => decodeZipmap(good.subarray(0, good.length - 1))).toThrow(/terminator/);
    expect(() => decodeZipmap(Buffer.from(good).fill(2, 0, 1))).toThrow(/header says 2/);
    const inflated = Buffer.from(good);
    inflated[5] = 40; // value length
    expect(() => decodeZipmap(inflated)).toThrow(/past the end/);
    const free = Buffer.from(good);
    free[6] = 9; // free bytes past the end
    expect(() => decodeZipmap(free)).toThrow(/past the end/);
  });
});

describe('parseStrictInt64 (string2ll)', () => {
  it('accepts exactly the canonical int64 forms', () => {
    const p = (s: string): number | bigint | null => parseStrictInt64(Buffer.from(s));
    expect(p('0')).toBe(0);
    expect(p('-1')).toBe(-1);
    expect(p('123456789012345')).toBe(123456789012345);
    expect(p('9007199254740993')).toBe(9007199254740993n);
    expect(p('9223372036854775807')).toBe(9223372036854775807n);
    expect(p('-9223372036854775808')).toBe(-9223372036854775808n);
    for (const s of ['', '-', '-0', '01', '+1', ' 1', '1 ', '1a', '9223372036854775808', '-9223372036854775809', '1.0', '123456789012345678901']) {
      expect(p(s), JSON.stringify(s)).toBeNull();
    }
  });
});

describe('decoders under random corruption', () => {
  it('either decode or throw CorruptPackedError, never anything else', () => {
    let s = 12345;
    const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16;
    const seeds: Array<[string, Buffer, (b: Buffer) => unknown]> = [
      ['listpack', encodeListpack(['abc', 7, 'x'.repeat(70), -100000, 1n << 40n, 'y'.repeat(5000), -3]), decodeListpack],
      ['ziplist', buildZiplist([{ s: 'abc' }, { s: 'q'.repeat(300) }, { i: 7, enc: 0xc0 }, { i: -1n, enc: 0xe0 }, { i: 3, enc: 0xf1 }]), decodeZiplist],
      ['intset', encodeIntset([1, -5, 100000, 2n ** 40n]), decodeIntset],
      ['zipmap', Buffer.concat([Buffer.from([2, 3]), Buffer.from('foo'), Buffer.from([3, 1]), Buffer.from('barX'), Buffer.from([1]), Buffer.from('k'), Buffer.from([0, 0, 0xff])]), decodeZipmap],
    ];
    for (const [name, good, decode] of seeds) {
      expect(() => decode(good), name).not.toThrow();
      for (let i = 0; i < 400; i++) {
        const b = Buffer.from(good);
        const flips = 1 + (rnd() % 3);
        for (let f = 0; f < flips; f++) b[rnd() % b.length] = rnd() & 0xff;
        const t = i % 4 === 0 ? b.subarray(0, rnd() % b.length) : b;
        try {
          decode(t);
        } catch (e) {
          if (!(e instanceof CorruptPackedError)) throw new Error(`${name}: ${String(e)} on ${t.toString('hex').slice(0, 200)}`);
        }
      }
    }
  });
});
