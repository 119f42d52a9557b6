/**
 * SHA-1 of a latin1 string or bytes, written into a caller's buffer. DEBUG DIGEST hashes every key,
 * element and score (several hashes per element, most inputs a few dozen bytes): node:crypto costs
 * microseconds per call in object and binding overhead, which made a digest of 300k keys take seconds.
 * This is the plain FIPS 180-4 algorithm on reused scratch memory; crypto stays the reference in the tests.
 */

const W = new Int32Array(80);
let scratch = new Uint8Array(128);

/** Writes SHA-1(data) (a latin1 string: one char per byte, or bytes) into out[offset, offset + 20). */
export function sha1Into(data: string | Uint8Array, out: Uint8Array, offset = 0): void {
  const len = data.length;
  const total = (((len + 8) >>> 6) + 1) << 6; // whole blocks holding data, 0x80 and the 64-bit length
  if (scratch.length < total) scratch = new Uint8Array(total * 2);
  const m = scratch;
  if (typeof data === 'string') for (let i = 0; i < len; i++) m[i] = data.charCodeAt(i);
  else m.set(data, 0);
  m[len] = 0x80;
  m.fill(0, len + 1, total - 8);
  const bits = len * 8;
  const hi = Math.floor(bits / 0x100000000);
  m[total - 8] = hi >>> 24;
  m[total - 7] = hi >>> 16;
  m[total - 6] = hi >>> 8;
  m[total - 5] = hi;
  m[total - 4] = bits >>> 24;
  m[total - 3] = bits >>> 16;
  m[total - 2] = bits >>> 8;
  m[total - 1] = bits;

  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  const w = W;
  for (let p = 0; p < total; p += 64) {
    for (let i = 0; i < 16; i++) {
      const q = p + i * 4;
      w[i] = (m[q] << 24) | (m[q + 1] << 16) | (m[q + 2] << 8) | m[q + 3];
    }
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  put32(out, offset, h0);
  put32(out, offset + 4, h1);
  put32(out, offset + 8, h2);
  put32(out, offset + 12, h3);
  put32(out, offset + 16, h4);
}

function put32(out: Uint8Array, o: number, v: number): void {
  out[o] = v >>> 24;
  out[o + 1] = v >>> 16;
  out[o + 2] = v >>> 8;
  out[o + 3] = v;
}
