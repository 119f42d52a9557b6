/**
 * Intset codec (Redis intset.c), RDB_TYPE_SET_INTSET: small sets whose members are all canonical integers.
 * Layout: <encoding u32le: 2, 4 or 8> <length u32le> <length sorted, distinct little-endian integers>.
 * The width is the smallest that holds every member (_intsetValueEncoding over all of them), which is what
 * Redis ends up with after adding the members one by one: intsets only ever upgrade.
 * Validation follows intsetValidateIntegrity(deep): known width, exact size, strictly ascending.
 */
import { CorruptPackedError, normInt } from './packed.js';

const HEADER = 8;

function fail(offset: number, detail: string): never {
  throw new CorruptPackedError('intset', offset, detail);
}

/** Decodes an intset blob into its members, ascending. 64-bit members outside 2^53 come back as bigints. */
export function decodeIntset(is: Uint8Array): Array<number | bigint> {
  const size = is.length;
  if (size < HEADER) fail(0, `blob of ${size} bytes is shorter than the header`);
  const buf = Buffer.from(is.buffer, is.byteOffset, is.byteLength);
  const width = buf.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8) fail(0, `invalid encoding ${width}`);
  const count = buf.readUInt32LE(4);
  if (HEADER + count * width !== size) fail(4, `${count} members of ${width} bytes do not fill ${size} bytes`);
  const out: Array<number | bigint> = new Array(count);
  if (width === 8) {
    let prev: bigint | null = null;
    for (let i = 0; i < count; i++) {
      const v = buf.readBigInt64LE(HEADER + i * 8);
      if (prev !== null && v <= prev) fail(HEADER + i * 8, 'members are not strictly ascending');
      prev = v;
      out[i] = normInt(v);
    }
    return out;
  }
  let prev = -Infinity;
  for (let i = 0; i < count; i++) {
    const off = HEADER + i * width;
    const v = width === 2 ? buf.readInt16LE(off) : buf.readInt32LE(off);
    if (v <= prev) fail(off, 'members are not strictly ascending');
    prev = v;
    out[i] = v;
  }
  return out;
}

function widthOf(v: number | bigint): number {
  if (typeof v === 'bigint') {
    if (v < -2147483648n || v > 2147483647n) return 8;
    v = Number(v);
  }
  if (v < -2147483648 || v > 2147483647) return 8;
  if (v < -32768 || v > 32767) return 4;
  return 2;
}

/**
 * Encodes integers as an intset: sorted ascending, duplicates dropped, width as Redis picks it.
 * Throws on a non-integer or a value outside int64.
 */
export function encodeIntset(members: Iterable<number | bigint>): Buffer {
  const vals: bigint[] = [];
  let width = 2;
  for (const m of members) {
    if (typeof m === 'number' && !Number.isSafeInteger(m)) throw new RangeError(`intset: ${m} is not a safe integer`);
    const b = BigInt(m);
    if (b < -9223372036854775808n || b > 9223372036854775807n) throw new RangeError('intset: integer out of int64 range');
    vals.push(b);
    const w = widthOf(m);
    if (w > width) width = w;
  }
  vals.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let n = 0;
  for (let i = 0; i < vals.length; i++) if (i === 0 || vals[i] !== vals[i - 1]) vals[n++] = vals[i];
  vals.length = n;
  const out = Buffer.allocUnsafe(HEADER + n * width);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(n, 4);
  for (let i = 0; i < n; i++) {
    const off = HEADER + i * width;
    if (width === 2) out.writeInt16LE(Number(vals[i]), off);
    else if (width === 4) out.writeInt32LE(Number(vals[i]), off);
    else out.writeBigInt64LE(vals[i], off);
  }
  return out;
}
