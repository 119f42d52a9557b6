/**
 * RDB primitives: length encodings at every boundary, string encodings and Redis's rules for choosing them,
 * doubles and times, and errors that name the offset.
 */
import { describe, expect, it } from 'vitest';
import { RdbFormatError, RdbReader, RdbWriter } from '../../src/persistence/rdb-primitives.js';

const hex = (w: RdbWriter): string => w.take().toString('hex');
const reader = (h: string): RdbReader => new RdbReader(Buffer.from(h, 'hex'));

describe('lengths', () => {
  it('writes the smallest form, big-endian, and reads it back', () => {
    const cases: Array<[number, string]> = [
      [0, '00'],
      [63, '3f'],
      [64, '4040'],
      [16383, '7fff'],
      [16384, '8000004000'],
      [0xffffffff, '80ffffffff'],
      [0x100000000, '810000000100000000'],
      [Number.MAX_SAFE_INTEGER, '81001fffffffffffff'],
    ];
    for (const [n, h] of cases) {
      expect(hex(new RdbWriter().length(n)), String(n)).toBe(h);
      const r = reader(h);
      expect(r.length()).toBe(n);
      expect(r.remaining).toBe(0);
    }
  });

  it('reports encoded values and rejects bad lengths with the offset', () => {
    expect(reader('c3').lengthOrEncoding()).toEqual({ value: 3, encoded: true });
    expect(() => reader('0000c0').length()).not.toThrow();
    const r = reader('0000c0');
    r.pos = 2;
    expect(() => r.length()).toThrow(/offset 2: expected a length/);
    expect(() => reader('82').length()).toThrow(/offset 0: unknown length encoding 0x82/);
    expect(() => reader('4f').length()).toThrow(/short read/);
    expect(() => reader('80000001').length()).toThrow(RdbFormatError);
    expect(() => reader('81ffffffffffffffff').length()).toThrow(/too large/);
    expect(() => new RdbWriter().length(-1)).toThrow(RangeError);
  });
});

describe('strings', () => {
  it('integer-encodes canonical 32-bit integers of up to 11 bytes', () => {
    const cases: Array<[string, string]> = [
      ['0', 'c000'],
      ['-128', 'c080'],
      ['127', 'c07f'],
      ['128', 'c18000'],
      ['-32768', 'c10080'],
      ['32768', 'c200800000'],
      ['2147483647', 'c2ffffff7f'],
      ['-2147483648', 'c200000080'],
      ['2147483648', '0a32313437343833363438'], // does not fit 32 bits
      ['007', '03303037'], // not canonical
      ['-0', '022d30'],
      ['+5', '022b35'],
      ['', '00'],
    ];
    for (const [s, h] of cases) {
      expect(hex(new RdbWriter().string(s, true)), JSON.stringify(s)).toBe(h);
      expect(reader(h).stringLatin1()).toBe(s);
    }
    expect(hex(new RdbWriter().integerString(5))).toBe('c005');
    expect(hex(new RdbWriter().integerString(-9223372036854775808n))).toBe('14' + Buffer.from('-9223372036854775808').toString('hex'));
  });

  it('LZF-compresses only with rdbcompression, above 20 bytes, and when it saves 4 bytes', () => {
    const s20 = 'a'.repeat(20);
    expect(hex(new RdbWriter().string(s20, true))).toBe('14' + Buffer.from(s20).toString('hex'));
    const s21 = 'a'.repeat(21);
    const c = new RdbWriter().string(s21, true).take();
    expect(c[0]).toBe(0xc3);
    expect(new RdbReader(c).stringLatin1()).toBe(s21);
    expect(hex(new RdbWriter().string(s21, false))).toBe('15' + Buffer.from(s21).toString('hex'));
    const noisy = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 151 + 7) & 0xff));
    const w = new RdbWriter().string(noisy, true).take();
    // incompressible: stored plain, with the 14-bit length form (64 does not fit in 6 bits)
    expect(w.subarray(0, 2).toString('hex')).toBe('4040');
    expect(w.subarray(2).equals(noisy)).toBe(true);
  });

  it('reads int8/16/32 and LZF strings and rejects corrupt ones with the offset', () => {
    expect(reader('c0ff').stringLatin1()).toBe('-1');
    expect(reader('c1ff7f').stringLatin1()).toBe('32767');
    expect(reader('c2ffffffff').stringLatin1()).toBe('-1');
    expect(() => reader('c4').string()).toThrow(/offset 0: unknown string encoding type 4/);
    expect(() => reader('0561').string()).toThrow(/string length 5 exceeds/);
    expect(() => reader('c1ff').string()).toThrow(/short read/);
    // LZF: clen 2, len 3, a literal run that is too short
    expect(() => reader('c302030261').string()).toThrow(/offset 0: invalid LZF compressed string/);
    expect(() => reader('c3050300').string()).toThrow(/compressed length 5 exceeds/);
    const framed = Buffer.concat([Buffer.from('0000', 'hex'), new RdbWriter().string('x'.repeat(100), true).take()]);
    const r = new RdbReader(framed, 2, 1000);
    expect(r.stringLatin1()).toBe('x'.repeat(100));
    expect(r.remaining).toBe(0);
    expect(() => new RdbReader(Buffer.from('05', 'hex'), 0, 1000).string()).toThrow(/offset 1000/);
  });

  it('grows its buffer and hands out chunks with take()', () => {
    const w = new RdbWriter(16);
    const big = Buffer.alloc(100000, 7);
    w.u8(1).bytes(big).u32le(5);
    expect(w.size).toBe(100005);
    const a = w.take();
    expect(a.length).toBe(100005);
    expect(w.size).toBe(0);
    w.u16le(0x0a00);
    expect(w.take().toString('hex')).toBe('000a');
  });
});

describe('doubles and times', () => {
  it('binary doubles are 8-byte little-endian IEEE', () => {
    for (const d of [0, -0, 1.5, -3, Infinity, -Infinity, 1e300, 5e-324]) {
      const b = new RdbWriter().binaryDouble(d).take();
      expect(b.length).toBe(8);
      expect(Object.is(new RdbReader(b).binaryDouble(), d)).toBe(true);
    }
    expect(hex(new RdbWriter().binaryDouble(1.5))).toBe('000000000000f83f');
    expect(Number.isNaN(new RdbReader(new RdbWriter().binaryDouble(NaN).take()).binaryDouble())).toBe(true);
  });

  it('reads old-style string doubles with the 253/254/255 specials', () => {
    expect(Number.isNaN(reader('fd').doubleString())).toBe(true);
    expect(reader('fe').doubleString()).toBe(Infinity);
    expect(reader('ff').doubleString()).toBe(-Infinity);
    expect(reader('03' + Buffer.from('1.5').toString('hex')).doubleString()).toBe(1.5);
    expect(reader('05' + Buffer.from('-1e10').toString('hex')).doubleString()).toBe(-1e10);
    expect(() => reader('03' + Buffer.from('abc').toString('hex')).doubleString()).toThrow(/invalid double/);
    expect(() => reader('05' + Buffer.from('1.5').toString('hex')).doubleString()).toThrow(/short read/);
  });

  it('millisecond times are int64 little-endian, second times int32', () => {
    const ms = 1882196782211;
    const b = new RdbWriter().millisecondTime(ms).take();
    expect(b.toString('hex')).toBe(Buffer.from(BigInt(ms).toString(16).padStart(16, '0'), 'hex').reverse().toString('hex'));
    expect(new RdbReader(b).millisecondTime()).toBe(ms);
    expect(reader('ffffffff').secondTime()).toBe(-1);
    expect(reader('00e1f505').secondTime()).toBe(100000000);
    expect(() => reader('00e1f5').secondTime()).toThrow(/offset 0: short read/);
  });
});

describe('reader under random input', () => {
  it('throws only RdbFormatError', () => {
    let s = 777;
    const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16;
    const sample = new RdbWriter().string('z'.repeat(300), true).string('12', true).length(70000).binaryDouble(2).take();
    for (let i = 0; i < 500; i++) {
      const b = Buffer.from(sample);
      for (let f = 0; f < 3; f++) b[rnd() % b.length] = rnd() & 0xff;
      const r = new RdbReader(i % 3 === 0 ? b.subarray(0, rnd() % b.length) : b);
      try {
        while (r.remaining > 0) r.string();
      } catch (e) {
        expect(e).toBeInstanceOf(RdbFormatError);
      }
    }
  });
});
