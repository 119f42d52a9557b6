/**
 * Ziplist decoder (Redis <= 6.2 ziplist.c), for loading RDB_TYPE_LIST_ZIPLIST, RDB_TYPE_ZSET_ZIPLIST,
 * RDB_TYPE_HASH_ZIPLIST and the ziplist nodes of RDB_TYPE_LIST_QUICKLIST. Redis 7.0 never writes ziplists,
 * so there is no encoder. Checks follow ziplistValidateIntegrity(deep) + zipEntrySafe: header bytes equal to
 * the blob size, terminator, tail offset in bounds and equal to the last entry, each entry's prevlen equal to
 * the previous entry's size, each entry in bounds, and the count matching the header unless it is 65535.
 *
 * Layout: <zlbytes u32le> <zltail u32le> <zllen u16le> <entry>* <0xFF>
 * Entry:  <prevlen: 1 byte < 254, or 0xFE + u32le> <encoding> <data>
 */
import { CorruptPackedError, normInt, type PackedEntry, type PackedText } from './packed.js';

const HEADER_SIZE = 10;
const END = 0xff;
const BIG_PREVLEN = 254;

function fail(offset: number, detail: string): never {
  throw new CorruptPackedError('ziplist', offset, detail);
}

export function decodeZiplist(zl: Uint8Array): PackedEntry[] {
  return decode(zl, false) as PackedEntry[];
}

/** decodeZiplist with string entries as latin1 JS strings sliced from the blob (the loader's path). */
export function decodeZiplistText(zl: Uint8Array): PackedText[] {
  return decode(zl, true) as PackedText[];
}

function decode(zl: Uint8Array, text: boolean): Array<PackedEntry | string> {
  const size = zl.length;
  if (size < HEADER_SIZE + 1) fail(0, `blob of ${size} bytes is shorter than a header and terminator`);
  const buf = Buffer.from(zl.buffer, zl.byteOffset, zl.byteLength);
  const zlbytes = buf.readUInt32LE(0);
  if (zlbytes !== size) fail(0, `header says ${zlbytes} bytes but the blob has ${size}`);
  if (buf[size - 1] !== END) fail(size - 1, 'missing terminator');
  const tail = buf.readUInt32LE(4);
  if (tail > size - 1) fail(4, `tail offset ${tail} is out of range`);
  const header = buf.readUInt16LE(8);

  const out: Array<PackedEntry | string> = [];
  const limit = size - 1; // entries must end at or before the terminator
  let p = HEADER_SIZE;
  let prevRawLen = 0;
  let lastEntry = HEADER_SIZE; // the tail of an empty ziplist points at the terminator's position (10)
  while (p < limit && buf[p] !== END) {
    const start = p;
    // prevlen
    let prevlen: number;
    if (buf[p] < BIG_PREVLEN) {
      prevlen = buf[p];
      p += 1;
    } else {
      if (p + 5 > limit) fail(start, 'truncated prevlen');
      prevlen = buf.readUInt32LE(p + 1);
      p += 5;
    }
    if (prevlen !== prevRawLen) fail(start, `prevlen ${prevlen} does not match the previous entry's size ${prevRawLen}`);
    if (p >= limit) fail(start, 'truncated entry encoding');
    const enc = buf[p];
    let value: PackedEntry | string;
    const kind = enc >> 6;
    if (kind === 0) {
      const len = enc & 0x3f;
      p += 1;
      if (p + len > limit) fail(start, `string entry of ${len} bytes runs past the end`);
      value = text ? buf.latin1Slice(p, p + len) : buf.subarray(p, p + len);
      p += len;
    } else if (kind === 1) {
      if (p + 2 > limit) fail(start, 'truncated 14-bit string length');
      const len = ((enc & 0x3f) << 8) | buf[p + 1];
      p += 2;
      if (p + len > limit) fail(start, `string entry of ${len} bytes runs past the end`);
      value = text ? buf.latin1Slice(p, p + len) : buf.subarray(p, p + len);
      p += len;
    } else if (kind === 2) {
      // ZIP_ENTRY_ENCODING masks string encodings with 0xc0: 0x81..0xbf read as 0x80 too
      if (p + 5 > limit) fail(start, 'truncated 32-bit string length');
      const len = buf.readUInt32BE(p + 1);
      p += 5;
      if (p + len > limit) fail(start, `string entry of ${len} bytes runs past the end`);
      value = text ? buf.latin1Slice(p, p + len) : buf.subarray(p, p + len);
      p += len;
    } else {
      p += 1;
      let n: number;
      switch (enc) {
        case 0xc0:
          n = 2;
          break;
        case 0xd0:
          n = 4;
          break;
        case 0xe0:
          n = 8;
          break;
        case 0xf0:
          n = 3;
          break;
        case 0xfe:
          n = 1;
          break;
        default:
          if (enc >= 0xf1 && enc <= 0xfd) {
            n = 0;
            break;
          }
          fail(start, `invalid integer encoding 0x${enc.toString(16)}`);
      }
      if (p + n > limit) fail(start, 'integer entry runs past the end');
      if (n === 2) value = buf.readInt16LE(p);
      else if (n === 4) value = buf.readInt32LE(p);
      else if (n === 8) value = normInt(buf.readBigInt64LE(p));
      else if (n === 3) value = buf.readIntLE(p, 3);
      else if (n === 1) value = buf.readInt8(p);
      else value = (enc & 0x0f) - 1;
      p += n;
    }
    out.push(value);
    prevRawLen = p - start;
    lastEntry = start;
  }
  if (p !== size - 1) fail(p, 'entries do not end at the terminator');
  if (tail !== lastEntry) fail(4, `tail offset ${tail} does not point at the last entry (${lastEntry})`);
  if (header !== 65535 && header !== out.length) fail(8, `header says ${header} entries but ${out.length} were found`);
  return out;
}
