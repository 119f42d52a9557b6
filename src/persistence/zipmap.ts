/**
 * Zipmap decoder (Redis <= 2.4 zipmap.c), for loading RDB_TYPE_HASH_ZIPMAP. Never written by Redis 7.0, so
 * no encoder. Checks follow zipmapValidateIntegrity(deep): terminator last, every length and string in range,
 * at least one entry, and the header count matching unless it is 254 ("unknown").
 * Duplicate fields are the loader's concern (Redis checks them while building the hash).
 *
 * Layout: <zmlen u8> (<len>key <len><free u8>value <free bytes>)* <0xFF>
 * <len>:  one byte < 254, or 254 followed by a u32 (little-endian on every platform Redis runs on).
 */
import { CorruptPackedError } from './packed.js';

const BIGLEN = 254;
const END = 0xff;

function fail(offset: number, detail: string): never {
  throw new CorruptPackedError('zipmap', offset, detail);
}

/** Decodes a zipmap into a flat [field, value, field, value, ...] list of raw byte strings (views into zm). */
export function decodeZipmap(zm: Uint8Array): Buffer[] {
  const size = zm.length;
  if (size < 2) fail(0, `blob of ${size} bytes is too short`);
  const buf = Buffer.from(zm.buffer, zm.byteOffset, zm.byteLength);
  if (buf[size - 1] !== END) fail(size - 1, 'missing terminator');
  const last = size - 1; // OUT_OF_RANGE(p): p < 2 || p > size - 1

  const out: Buffer[] = [];
  let count = 0;
  let p = 1;
  const readLen = (at: number): [number, number] => {
    const s = buf[at] < BIGLEN ? 1 : 5;
    if (at + s > last) fail(at, 'length runs past the end');
    return [s === 1 ? buf[at] : buf.readUInt32LE(at + 1), s];
  };
  while (buf[p] !== END) {
    const entry = p;
    const [klen, ks] = readLen(p);
    p += ks;
    if (p + klen > last) fail(entry, `field of ${klen} bytes runs past the end`);
    const key = buf.subarray(p, p + klen);
    p += klen;
    const [vlen, vs] = readLen(p);
    p += vs;
    const free = buf[p++];
    if (p + vlen + free > last) fail(entry, `value of ${vlen} bytes runs past the end`);
    const value = buf.subarray(p, p + vlen);
    p += vlen + free;
    out.push(key, value);
    count++;
  }
  if (count === 0) fail(1, 'empty zipmap');
  if (buf[0] !== BIGLEN && buf[0] !== count) fail(0, `header says ${buf[0]} entries but ${count} were found`);
  // Like zipmapValidateIntegrity, bytes after the first terminator are not checked.
  return out;
}
