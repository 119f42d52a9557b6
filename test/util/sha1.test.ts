import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha1Into } from '../../src/util/sha1.js';
import { rng } from '../helpers/rng.js';

describe('sha1Into', () => {
  it('equals node:crypto for strings and bytes of every length across the block boundaries', () => {
    const r = rng(7);
    const out = Buffer.alloc(24);
    for (let len = 0; len < 300; len++) {
      const bytes = Buffer.alloc(len);
      for (let i = 0; i < len; i++) bytes[i] = Math.floor(r() * 256);
      const want = createHash('sha1').update(bytes).digest();
      sha1Into(bytes, out, 2);
      expect(out.subarray(2, 22)).toEqual(want);
      sha1Into(bytes.toString('latin1'), out);
      expect(out.subarray(0, 20)).toEqual(want);
    }
  });

  it('hashes in place (output over its own input)', () => {
    const d = Buffer.from('0123456789abcdefghij', 'latin1');
    const want = createHash('sha1').update(d).digest();
    sha1Into(d, d);
    expect(d).toEqual(want);
  });

  it('matches the FIPS test vector', () => {
    const out = Buffer.alloc(20);
    sha1Into('abc', out);
    expect(out.toString('hex')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });
});
