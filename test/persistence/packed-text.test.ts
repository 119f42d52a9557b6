/**
 * The loader's text decoders (decodeListpackText / decodeZiplistText) give the same entries as the Buffer
 * decoders, with string entries as latin1 JS strings, and apply the same validation.
 */
import { describe, expect, it } from 'vitest';
import { decodeListpack, decodeListpackText, encodeListpack } from '../../src/persistence/listpack.js';
import { CorruptPackedError, type PackedEntry } from '../../src/persistence/packed.js';
import { decodeZiplist, decodeZiplistText } from '../../src/persistence/ziplist.js';
import { ziplist } from '../helpers/rdb-build.js';

const asText = (e: PackedEntry): string | number | bigint => (Buffer.isBuffer(e) ? e.latin1Slice() : e);

describe('text decoders', () => {
  it('listpack: every entry encoding, binary-safe', () => {
    const bin = String.fromCharCode(0, 0xff, 0x80, 10);
    const lp = encodeListpack(['abc', 7, 'x'.repeat(70), -100000, 1n << 60n, 'y'.repeat(5000), -3, bin, '', 4095, -4096, 2 ** 31]);
    const text = decodeListpackText(lp);
    expect(text).toEqual(decodeListpack(lp).map(asText));
    expect(text).toContain(bin);
    expect(text).toContain('y'.repeat(5000));
  });

  it('ziplist: strings and integers (the test helper builds short entries only)', () => {
    const zl = ziplist(['abc', 12, 'q'.repeat(60), -7, String.fromCharCode(0, 0xff), 5, '']);
    expect(decodeZiplistText(zl)).toEqual(decodeZiplist(zl).map(asText));
  });

  it('reject corrupt blobs like the Buffer decoders', () => {
    const lp = encodeListpack(['abc', 'def']);
    const bad = Buffer.from(lp);
    bad[6] = 0x85; // string length 5 where 3 bytes follow
    expect(() => decodeListpackText(bad)).toThrow(CorruptPackedError);
    const zl = ziplist(['abc', 'def']);
    expect(() => decodeZiplistText(zl.subarray(0, zl.length - 1))).toThrow(CorruptPackedError);
  });
});
