/**
 * LZF: byte-for-byte agreement with Redis's compressor (DUMP payloads of 70 strings written by
 * redis-server 7.0 with rdbcompression on), round trips, and rejection of corrupt input.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LzfError, lzfCompress, lzfDecompress } from '../../src/persistence/lzf.js';
import { RdbReader } from '../../src/persistence/rdb-primitives.js';

type Vec = { input: string; dump: string };
const VECTORS = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, 'fixtures/redis-dump-strings.json'), 'utf8'),
) as Vec[];

/** Splits a DUMP payload of a string value into (uncompressed length, compressed bytes). */
function lzfPart(dump: Buffer): { len: number; data: Buffer } {
  expect(dump[0]).toBe(0); // RDB_TYPE_STRING
  expect(dump[1]).toBe(0xc3); // RDB_ENC_LZF
  const r = new RdbReader(dump, 2);
  const clen = r.length();
  const len = r.length();
  return { len, data: r.bytes(clen) };
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16;
}

describe('lzf', () => {
  it('decompresses what Redis compressed', () => {
    for (const v of VECTORS) {
      const { len, data } = lzfPart(Buffer.from(v.dump, 'hex'));
      expect(lzfDecompress(data, len).equals(Buffer.from(v.input, 'hex'))).toBe(true);
    }
  });

  it('compresses exactly as Redis does (output limit len - 4)', () => {
    for (const v of VECTORS) {
      const input = Buffer.from(v.input, 'hex');
      const { data } = lzfPart(Buffer.from(v.dump, 'hex'));
      const mine = lzfCompress(input, input.length - 4);
      expect(mine?.toString('hex'), `input of ${input.length} bytes`).toBe(data.toString('hex'));
    }
  });

  it('round-trips random, repetitive and mixed data of many sizes', () => {
    const rnd = lcg(42);
    for (const size of [1, 2, 3, 4, 5, 17, 18, 19, 33, 100, 1000, 8193, 70000]) {
      const kinds = [
        Buffer.from(Array.from({ length: size }, () => rnd() & 0xff)),
        Buffer.alloc(size, 0x61),
        Buffer.from(Array.from({ length: size }, (_, i) => (i % 7 === 0 ? rnd() & 0xff : 0x30 + (i % 13)))),
      ];
      for (const d of kinds) {
        const c = lzfCompress(d, d.length + Math.ceil(d.length / 32) + 16); // worst-case expansion: always fits
        expect(c).not.toBeNull();
        expect(lzfDecompress(c as Buffer, d.length).equals(d)).toBe(true);
      }
    }
  });

  it('returns null when the output would not fit (incompressible data)', () => {
    const rnd = lcg(7);
    const d = Buffer.from(Array.from({ length: 500 }, () => rnd() & 0xff));
    expect(lzfCompress(d)).toBeNull(); // default limit: length - 1
    expect(lzfCompress(d, d.length - 4)).toBeNull();
    expect(lzfCompress(Buffer.alloc(0))).toBeNull();
    expect(lzfCompress(Buffer.alloc(100, 1))?.length).toBeLessThan(10);
  });

  it('rejects corrupt input with LzfError, never out of bounds', () => {
    const d = Buffer.from('hello hello hello hello hello world world world'.repeat(5));
    const c = lzfCompress(d) as Buffer;
    // truncations
    for (let cut = 0; cut < c.length; cut++) {
      expect(() => lzfDecompress(c.subarray(0, cut), d.length)).toThrow(LzfError);
    }
    // wrong expected length (too short: output overflow; too long: short result)
    expect(() => lzfDecompress(c, d.length - 1)).toThrow(LzfError);
    expect(() => lzfDecompress(c, d.length + 1)).toThrow(/expected/);
    // impossible expansion claims are refused before allocating
    expect(() => lzfDecompress(c, 2 ** 40)).toThrow(/cannot expand/);
    expect(() => lzfDecompress(Buffer.alloc(0), 1)).toThrow(/cannot expand/);
    expect(lzfDecompress(Buffer.alloc(0), 0).length).toBe(0);
    // the best case really is 88x: a run of 264 bytes from a 1-byte literal and a 3-byte reference
    const best = Buffer.from([0x00, 0x61, 0xe0, 0xff, 0x00]);
    expect(lzfDecompress(best, 1 + 264).equals(Buffer.alloc(265, 0x61))).toBe(true);
    // back reference before the start of the output
    expect(() => lzfDecompress(Buffer.from([0x00, 0x61, 0x20, 0x05]), 4)).toThrow(/before the start/);
    // literal run past the end of the input
    expect(() => lzfDecompress(Buffer.from([0x05, 0x61]), 6)).toThrow(/past the end/);
    // long back reference missing its length byte
    expect(() => lzfDecompress(Buffer.from([0x00, 0x61, 0xe0]), 20)).toThrow(/truncated/);
    // random garbage: either a clean LzfError or a result of the right size
    const rnd = lcg(99);
    for (let i = 0; i < 300; i++) {
      const g = Buffer.from(Array.from({ length: 1 + (rnd() % 40) }, () => rnd() & 0xff));
      try {
        expect(lzfDecompress(g, 64).length).toBe(64);
      } catch (e) {
        expect(e).toBeInstanceOf(LzfError);
      }
    }
  });

  it('honours a sub-range of the input', () => {
    const d = Buffer.from('abcabcabcabcabcabcabcabcabc');
    const c = lzfCompress(d) as Buffer;
    const framed = Buffer.concat([Buffer.from([9, 9, 9]), c, Buffer.from([7])]);
    expect(lzfDecompress(framed, d.length, 3, 3 + c.length).equals(d)).toBe(true);
  });
});
