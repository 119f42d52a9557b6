/**
 * Listpack codec (Redis 7.0 listpack.c). Redis 7.0 writes listpacks for small hashes (RDB_TYPE_HASH_LISTPACK),
 * small sorted sets (RDB_TYPE_ZSET_LISTPACK) and the nodes of lists (RDB_TYPE_LIST_QUICKLIST_2); 7.2 also for
 * small sets. The decoder applies every check of lpValidateIntegrity(deep) + lpValidateNext; the encoder picks
 * each entry's encoding exactly as lpEncodeGetType does, so its output is byte-identical to Redis's.
 *
 * Layout: <total-bytes u32le> <num-elements u16le, 65535 = unknown> <entry>* <0xFF>
 * Entry:  <encoding+data> <backlen: size of encoding+data, 7 bits per byte, read right to left>
 *
 * Pairing entries into fields/values or members/scores is the RDB loader's job, not this file's.
 */
import { CorruptPackedError, normInt, parseStrictInt64, parseStrictInt64Latin1, type PackedEntry, type PackedInput, type PackedText } from './packed.js';

const HDR_SIZE = 6;
const EOF = 0xff;
const NUMELE_UNKNOWN = 65535;

function fail(offset: number, detail: string): never {
  throw new CorruptPackedError('listpack', offset, detail);
}

/** Size in bytes of the backlen field for an entry whose encoding+data is l bytes (lpEncodeBacklen). */
function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/**
 * Decodes a listpack blob into its entries, validating it the way Redis's deep integrity check does:
 * header total bytes equal to the blob size, terminator present, every entry's encoding valid and in bounds,
 * every backlen consistent with its entry, the walk ending exactly at the terminator, and the element count
 * matching the header unless the header says "unknown" (65535).
 */
export function decodeListpack(lp: Uint8Array): PackedEntry[] {
  return decode(lp, false) as PackedEntry[];
}

/**
 * decodeListpack with string entries as latin1 JS strings (the keyspace representation), sliced straight
 * from the blob: the loader's path, with no Buffer view per entry.
 */
export function decodeListpackText(lp: Uint8Array): PackedText[] {
  return decode(lp, true) as PackedText[];
}

function decode(lp: Uint8Array, text: boolean): Array<PackedEntry | string> {
  const size = lp.length;
  if (size < HDR_SIZE + 1) fail(0, `blob of ${size} bytes is shorter than a header and terminator`);
  const buf = Buffer.from(lp.buffer, lp.byteOffset, lp.byteLength);
  const total = buf.readUInt32LE(0);
  if (total !== size) fail(0, `header says ${total} bytes but the blob has ${size}`);
  if (buf[size - 1] !== EOF) fail(size - 1, 'missing terminator');
  const numele = buf.readUInt16LE(4);

  const out: Array<PackedEntry | string> = [];
  let p = HDR_SIZE;
  // the terminator is the last byte, so any entry must end at or before size - 1
  const limit = size - 1;
  while (p < limit) {
    const b = buf[p];
    if (b === EOF) break;
    let hdr: number; // bytes of encoding before the data
    let dataLen: number;
    let value: PackedEntry | string;
    if (b < 0x80) {
      hdr = 1;
      dataLen = 0;
      value = b;
    } else if (b < 0xc0) {
      hdr = 1;
      dataLen = b & 0x3f;
      if (p + hdr + dataLen > limit) fail(p, `string entry of ${dataLen} bytes runs past the end`);
      value = text ? buf.latin1Slice(p + 1, p + 1 + dataLen) : buf.subarray(p + 1, p + 1 + dataLen);
    } else if (b < 0xe0) {
      hdr = 2;
      dataLen = 0;
      if (p + 2 > limit) fail(p, 'truncated 13-bit integer');
      const u = ((b & 0x1f) << 8) | buf[p + 1];
      value = u >= 1 << 12 ? u - (1 << 13) : u;
    } else if (b < 0xf0) {
      hdr = 2;
      if (p + 2 > limit) fail(p, 'truncated 12-bit string length');
      dataLen = ((b & 0x0f) << 8) | buf[p + 1];
      if (p + hdr + dataLen > limit) fail(p, `string entry of ${dataLen} bytes runs past the end`);
      value = text ? buf.latin1Slice(p + 2, p + 2 + dataLen) : buf.subarray(p + 2, p + 2 + dataLen);
    } else {
      switch (b) {
        case 0xf0:
          hdr = 5;
          if (p + 5 > limit) fail(p, 'truncated 32-bit string length');
          dataLen = buf.readUInt32LE(p + 1);
          if (p + hdr + dataLen > limit) fail(p, `string entry of ${dataLen} bytes runs past the end`);
          value = text ? buf.latin1Slice(p + 5, p + 5 + dataLen) : buf.subarray(p + 5, p + 5 + dataLen);
          break;
        case 0xf1:
          hdr = 3;
          dataLen = 0;
          if (p + 3 > limit) fail(p, 'truncated 16-bit integer');
          value = buf.readInt16LE(p + 1);
          break;
        case 0xf2:
          hdr = 4;
          dataLen = 0;
          if (p + 4 > limit) fail(p, 'truncated 24-bit integer');
          value = buf.readIntLE(p + 1, 3);
          break;
        case 0xf3:
          hdr = 5;
          dataLen = 0;
          if (p + 5 > limit) fail(p, 'truncated 32-bit integer');
          value = buf.readInt32LE(p + 1);
          break;
        case 0xf4:
          hdr = 9;
          dataLen = 0;
          if (p + 9 > limit) fail(p, 'truncated 64-bit integer');
          value = normInt(buf.readBigInt64LE(p + 1));
          break;
        default:
          fail(p, `invalid entry encoding 0x${b.toString(16)}`);
      }
    }
    const entryLen = hdr + dataLen;
    const bl = backlenSize(entryLen);
    const next = p + entryLen + bl;
    if (next > limit) fail(p, 'entry backlen runs past the end');
    // lpDecodeBacklen reading right to left from next - 1
    let prevlen = 0;
    let shift = 0;
    let q = next - 1;
    let count = 0;
    for (;;) {
      const c = buf[q];
      prevlen += (c & 127) * 2 ** shift;
      count++;
      if (!(c & 128)) break;
      shift += 7;
      q--;
      if (count === 5 || q < p + entryLen) fail(p, 'malformed backlen');
    }
    if (prevlen !== entryLen || count !== bl) fail(p, `backlen ${prevlen} does not match entry size ${entryLen}`);
    out.push(value);
    p = next;
  }
  if (p !== size - 1) fail(p, 'entries do not end at the terminator');
  if (numele !== NUMELE_UNKNOWN && numele !== out.length) {
    fail(4, `header says ${numele} entries but ${out.length} were found`);
  }
  return out;
}

// --- Encoder ---

/** Bytes of encoding+data for an integer entry (lpEncodeIntegerGetType). */
function intEncodedSize(v: number | bigint): number {
  if (typeof v === 'bigint') {
    if (v >= -2147483648n && v <= 2147483647n) return intEncodedSize(Number(v));
    if (v < -9223372036854775808n || v > 9223372036854775807n) throw new RangeError('listpack: integer out of int64 range');
    return 9;
  }
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

function writeInt(out: Buffer, p: number, v: number | bigint): number {
  if (typeof v === 'bigint') {
    if (v >= -2147483648n && v <= 2147483647n) return writeInt(out, p, Number(v));
    out[p] = 0xf4;
    out.writeBigInt64LE(v, p + 1);
    return p + 9;
  }
  if (v >= 0 && v <= 127) {
    out[p] = v;
    return p + 1;
  }
  if (v >= -4096 && v <= 4095) {
    const u = v < 0 ? (1 << 13) + v : v;
    out[p] = (u >> 8) | 0xc0;
    out[p + 1] = u & 0xff;
    return p + 2;
  }
  if (v >= -32768 && v <= 32767) {
    out[p] = 0xf1;
    out.writeInt16LE(v, p + 1);
    return p + 3;
  }
  if (v >= -8388608 && v <= 8388607) {
    out[p] = 0xf2;
    out.writeIntLE(v, p + 1, 3);
    return p + 4;
  }
  if (v >= -2147483648 && v <= 2147483647) {
    out[p] = 0xf3;
    out.writeInt32LE(v, p + 1);
    return p + 5;
  }
  out[p] = 0xf4;
  out.writeBigInt64LE(BigInt(v), p + 1);
  return p + 9;
}

function strEncodedSize(len: number): number {
  if (len < 64) return 1 + len;
  if (len < 4096) return 2 + len;
  return 5 + len;
}

function writeBacklen(out: Buffer, p: number, l: number): number {
  if (l <= 127) {
    out[p] = l;
    return p + 1;
  }
  const n = backlenSize(l);
  // most significant group first; every byte but the first carries the continuation bit
  for (let i = n - 1; i >= 0; i--) {
    const group = Math.floor(l / 2 ** (7 * i)) & 127;
    out[p + (n - 1 - i)] = i === n - 1 ? group : group | 128;
  }
  return p + n;
}

/** encodeListpack's per-entry scratch (reused: no object per entry): the integer form or null, and the size. */
const prepInt: (number | bigint | null)[] = [];
const prepSize: number[] = [];

/**
 * Encodes entries as Redis would by appending them one by one (lpAppend): strings that are canonical int64s
 * (lpStringToInt64) become integers in the smallest encoding, other strings use the 6/12/32-bit length forms.
 * Latin1 JS strings are written straight into the output (no intermediate Buffer per entry).
 */
export function encodeListpack(entries: readonly PackedInput[]): Buffer {
  const n = entries.length;
  let total = HDR_SIZE + 1;
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    let iv: number | bigint | null;
    let size: number;
    if (typeof e === 'number') {
      if (!Number.isSafeInteger(e)) throw new RangeError(`listpack: ${e} is not a safe integer`);
      iv = e;
      size = intEncodedSize(e);
    } else if (typeof e === 'bigint') {
      iv = e;
      size = intEncodedSize(e);
    } else {
      iv = typeof e === 'string' ? parseStrictInt64Latin1(e) : parseStrictInt64(e);
      size = iv !== null ? intEncodedSize(iv) : strEncodedSize(e.length);
    }
    prepInt[i] = iv;
    prepSize[i] = size;
    total += size + backlenSize(size);
  }
  if (total > 0xffffffff) throw new RangeError('listpack: larger than 4 GB');
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32LE(total, 0);
  out.writeUInt16LE(Math.min(n, NUMELE_UNKNOWN), 4);
  let p = HDR_SIZE;
  for (let i = 0; i < n; i++) {
    const iv = prepInt[i];
    if (iv !== null) {
      p = writeInt(out, p, iv);
    } else {
      const e = entries[i] as Buffer | string;
      const len = e.length;
      if (len < 64) {
        out[p++] = 0x80 | len;
      } else if (len < 4096) {
        out[p++] = 0xe0 | (len >> 8);
        out[p++] = len & 0xff;
      } else {
        out[p++] = 0xf0;
        out.writeUInt32LE(len, p);
        p += 4;
      }
      if (typeof e === 'string') out.latin1Write(e, p, len);
      else e.copy(out, p);
      p += len;
    }
    p = writeBacklen(out, p, prepSize[i]);
  }
  out[p] = EOF;
  if (n > 4096) {
    // do not keep a big value's worth of scratch
    prepInt.length = 0;
    prepSize.length = 0;
  }
  return out;
}
