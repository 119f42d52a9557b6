/**
 * RDB primitive encodings (Redis rdb.c): lengths, strings (plain, integer-encoded, LZF), doubles and times,
 * as a bounds-checked reader over a Buffer and a growable writer. Opcodes, object types and the file layout
 * belong to the RDB encoder/decoder built on top of these; the compact blobs inside strings (listpack,
 * ziplist, intset, zipmap) have their own codecs.
 *
 * Every read failure throws RdbFormatError naming the byte offset where the failing item starts.
 */
import { lzfCompress, lzfDecompress, LzfError } from './lzf.js';
import { parseStrictInt64, parseStrictInt64Latin1 } from './packed.js';

// --- Constants (rdb.h) ---

export const RDB_6BITLEN = 0;
export const RDB_14BITLEN = 1;
export const RDB_32BITLEN = 0x80;
export const RDB_64BITLEN = 0x81;
export const RDB_ENCVAL = 3;

export const RDB_ENC_INT8 = 0;
export const RDB_ENC_INT16 = 1;
export const RDB_ENC_INT32 = 2;
export const RDB_ENC_LZF = 3;

/** Strings longer than this are LZF-compressed when rdbcompression is on (rdbSaveRawString). */
export const RDB_LZF_MIN_LEN = 20;
/** Strings up to this length are tried as integers (rdbSaveRawString: "-2147483648" is 11 chars). */
export const RDB_INT_ENC_MAX_LEN = 11;

/** Old-style (RDB_TYPE_ZSET) string doubles use these length bytes for the special values. */
const DBL_NAN = 253;
const DBL_POS_INF = 254;
const DBL_NEG_INF = 255;

export class RdbFormatError extends Error {
  override name = 'RdbFormatError';
  constructor(
    readonly offset: number,
    detail: string,
  ) {
    super(`RDB format error at offset ${offset}: ${detail}`);
  }
}

/** A length, or for an encoded-value byte (11xxxxxx) the encoding type in `value` with `encoded` set. */
export interface LengthOrEncoding {
  value: number;
  encoded: boolean;
}

// --- Reader ---

/**
 * Sequential reader over an in-memory RDB (or DUMP payload). `pos` is the next byte to read; `base` is added
 * to offsets in error messages (when this buffer is a slice of a larger stream).
 * Byte-returning methods return views into the source buffer: copy them to keep them past the buffer's life.
 */
export class RdbReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
    readonly base = 0,
  ) {
    this.pos = offset;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Throws RdbFormatError at `at` (defaults to the current position). */
  fail(detail: string, at = this.pos): never {
    throw new RdbFormatError(this.base + at, detail);
  }

  private need(n: number, what: string): void {
    if (n > this.buf.length - this.pos) {
      this.fail(`short read: ${what} needs ${n} bytes, ${this.buf.length - this.pos} left`);
    }
  }

  u8(): number {
    this.need(1, 'a byte');
    return this.buf[this.pos++];
  }

  u16le(): number {
    this.need(2, 'a 16-bit integer');
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u32le(): number {
    this.need(4, 'a 32-bit integer');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  i32le(): number {
    this.need(4, 'a 32-bit integer');
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u64le(): bigint {
    this.need(8, 'a 64-bit integer');
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  i64le(): bigint {
    this.need(8, 'a 64-bit integer');
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /** n raw bytes (a view). */
  bytes(n: number, what = 'a byte string'): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** rdbLoadLenByRef: a length or an encoded-value marker. */
  lengthOrEncoding(): LengthOrEncoding {
    const at = this.pos;
    const b = this.u8();
    const type = b >> 6;
    if (type === RDB_ENCVAL) return { value: b & 0x3f, encoded: true };
    if (type === RDB_6BITLEN) return { value: b & 0x3f, encoded: false };
    if (type === RDB_14BITLEN) return { value: ((b & 0x3f) << 8) | this.u8(), encoded: false };
    if (b === RDB_32BITLEN) {
      this.need(4, 'a 32-bit length');
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return { value: v, encoded: false };
    }
    if (b === RDB_64BITLEN) {
      this.need(8, 'a 64-bit length');
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`length ${v} is too large`, at);
      return { value: Number(v), encoded: false };
    }
    this.fail(`unknown length encoding 0x${b.toString(16)}`, at);
  }

  /** rdbLoadLen: a plain length; an encoded-value marker here is an error. */
  length(): number {
    const at = this.pos;
    const l = this.lengthOrEncoding();
    if (l.encoded) this.fail('expected a length, found an encoded value', at);
    return l.value;
  }

  /**
   * rdbGenericLoadStringObject: a string in any encoding, as bytes. Integer encodings come back as their
   * decimal text, LZF strings decompressed. Plain strings are views into the source.
   */
  string(): Buffer {
    const at = this.pos;
    const l = this.lengthOrEncoding();
    if (!l.encoded) {
      if (l.value > this.remaining) this.fail(`string length ${l.value} exceeds the ${this.remaining} bytes left`, at);
      return this.bytes(l.value);
    }
    switch (l.value) {
      case RDB_ENC_INT8: {
        this.need(1, 'an 8-bit integer string');
        const v = this.buf.readInt8(this.pos++);
        return Buffer.from(String(v), 'latin1');
      }
      case RDB_ENC_INT16: {
        this.need(2, 'a 16-bit integer string');
        const v = this.buf.readInt16LE(this.pos);
        this.pos += 2;
        return Buffer.from(String(v), 'latin1');
      }
      case RDB_ENC_INT32: {
        const v = this.i32le();
        return Buffer.from(String(v), 'latin1');
      }
      case RDB_ENC_LZF: {
        const clen = this.length();
        const len = this.length();
        if (clen > this.remaining) this.fail(`compressed length ${clen} exceeds the ${this.remaining} bytes left`, at);
        const start = this.pos;
        this.pos += clen;
        try {
          return lzfDecompress(this.buf, len, start, start + clen);
        } catch (e) {
          if (e instanceof LzfError) this.fail(`invalid LZF compressed string (${e.message})`, at);
          throw e;
        }
      }
      default:
        this.fail(`unknown string encoding type ${l.value}`, at);
    }
  }

  /** A string as a latin1 JS string (the keyspace representation). */
  stringLatin1(): string {
    // fast path for the common plain string of up to 63 bytes: no Buffer view is created (loading speed)
    const pos = this.pos;
    const buf = this.buf;
    const b = buf[pos];
    if (b !== undefined) {
      const kind = b >> 6;
      if (kind === RDB_6BITLEN && b < buf.length - pos) {
        this.pos = pos + 1 + b;
        return buf.latin1Slice(pos + 1, this.pos);
      }
      if (kind === RDB_14BITLEN && pos + 1 < buf.length) {
        const len = ((b & 0x3f) << 8) | buf[pos + 1];
        if (len <= buf.length - pos - 2) {
          this.pos = pos + 2 + len;
          return buf.latin1Slice(pos + 2, this.pos);
        }
      } else if (b === 0xc0 + RDB_ENC_INT8 && pos + 1 < buf.length) {
        // integer-encoded strings: their decimal text, with no Buffer in between
        this.pos = pos + 2;
        return String(buf.readInt8(pos + 1));
      } else if (b === 0xc0 + RDB_ENC_INT16 && pos + 2 < buf.length) {
        this.pos = pos + 3;
        return String(buf.readInt16LE(pos + 1));
      } else if (b === 0xc0 + RDB_ENC_INT32 && pos + 4 < buf.length) {
        this.pos = pos + 5;
        return String(buf.readInt32LE(pos + 1));
      }
    }
    return this.string().latin1Slice();
  }

  /** rdbLoadDoubleValue: the RDB_TYPE_ZSET score format (length byte + ASCII, or 253/254/255 specials). */
  doubleString(): number {
    const at = this.pos;
    const len = this.u8();
    if (len === DBL_NAN) return NaN;
    if (len === DBL_POS_INF) return Infinity;
    if (len === DBL_NEG_INF) return -Infinity;
    const text = this.bytes(len, 'a double').latin1Slice();
    const v = Number(text);
    // Redis uses strtod; Number() is stricter only about forms Redis never writes (e.g. hex floats).
    if (Number.isNaN(v) && text.trim().toLowerCase() !== 'nan') this.fail(`invalid double "${text}"`, at);
    return v;
  }

  /** rdbLoadBinaryDoubleValue: 8-byte little-endian IEEE 754 (RDB_TYPE_ZSET_2). */
  binaryDouble(): number {
    this.need(8, 'a binary double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** rdbLoadBinaryFloatValue: 4-byte little-endian float (module API only). */
  binaryFloat(): number {
    this.need(4, 'a binary float');
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  /** rdbLoadMillisecondTime: int64 little-endian (host order before RDB 9; every supported host is LE). */
  millisecondTime(): number {
    return Number(this.i64le());
  }

  /** rdbLoadTime: int32 seconds, little-endian (RDB_OPCODE_EXPIRETIME). */
  secondTime(): number {
    return this.i32le();
  }
}

// --- Writer ---

/**
 * Growable output buffer with the RDB primitive encoders. take() hands back the bytes written so far and
 * starts a new chunk, so a snapshot can be streamed in pieces.
 */
export class RdbWriter {
  private buf: Buffer;
  private len = 0;
  /**
   * When true, string(s, true) does not compress: it writes the plain form (length + bytes) and records the
   * string as a span for a later stage to compress (the RDB file writer's worker thread). See takeSpans().
   */
  deferCompression = false;
  /** Deferred-compression spans as triples in a growable array; spanLen numbers are in use. */
  private spans = new Uint32Array(0);
  private spanLen = 0;

  constructor(initialSize = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialSize));
  }

  /** Bytes written since the last take(). */
  get size(): number {
    return this.len;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /**
   * The bytes written so far, resetting the writer: a copy-free view handed over with the buffer (a fresh
   * one is allocated), or a copy when less than a quarter of the buffer is used (the buffer is kept). Either
   * way the result is a buffer of its own, safe to transfer.
   */
  take(): Buffer {
    const len = this.len;
    let out: Buffer;
    if (len < this.buf.length >>> 2) {
      // a small chunk: copy it out (a buffer of its own) and keep the big one for the next chunk
      out = Buffer.allocUnsafeSlow(len);
      this.buf.copy(out, 0, 0, len);
    } else {
      out = this.buf.subarray(0, len);
      this.buf = Buffer.allocUnsafe(this.buf.length);
    }
    this.len = 0;
    this.spanLen = 0;
    return out;
  }

  /**
   * With deferCompression: the strings eligible for LZF written since the last take(), as triples
   * (prefixStart, dataStart, dataLen) with offsets from the start of the chunk take() will return: the plain
   * length prefix at prefixStart, the bytes at dataStart. Call it before take(), which forgets them.
   */
  takeSpans(): Uint32Array {
    const out = this.spans.slice(0, this.spanLen);
    this.spanLen = 0;
    return out;
  }

  /** Forgets what was written since the last take(), keeping the buffer (a scratch writer's reuse). */
  reset(): void {
    this.len = 0;
    this.spanLen = 0;
  }

  /** The byte at offset i of what was written since the last take(). */
  byteAt(i: number): number {
    if (i < 0 || i >= this.len) throw new RangeError(`rdb writer: offset ${i} outside 0..${this.len - 1}`);
    return this.buf[i];
  }

  /** Appends src's bytes from offset `from` on, with their deferred-compression spans shifted to match. */
  append(src: RdbWriter, from = 0): this {
    const n = src.len - from;
    if (n <= 0) return this;
    const shift = this.len - from;
    const sp = src.spans;
    for (let i = 0; i < src.spanLen; i += 3) {
      if (sp[i] >= from) this.span(sp[i] + shift, sp[i + 1] + shift, sp[i + 2]);
    }
    this.reserve(n);
    if (n <= 256) {
      // Buffer#copy of a part allocates a view: a short value is copied by hand
      const sb = src.buf;
      const db = this.buf;
      for (let i = 0, o = this.len; i < n; i++) db[o + i] = sb[from + i];
    } else {
      src.buf.copy(this.buf, this.len, from, src.len);
    }
    this.len += n;
    return this;
  }

  /** Records a deferred-compression span (see takeSpans). */
  private span(prefixStart: number, dataStart: number, dataLen: number): void {
    let sp = this.spans;
    const n = this.spanLen;
    if (n + 3 > sp.length) {
      const next = new Uint32Array(Math.max(96, sp.length * 2));
      next.set(sp.subarray(0, n));
      this.spans = sp = next;
    }
    sp[n] = prefixStart;
    sp[n + 1] = dataStart;
    sp[n + 2] = dataLen;
    this.spanLen = n + 3;
  }

  u8(v: number): this {
    this.reserve(1);
    this.buf[this.len++] = v;
    return this;
  }

  u16le(v: number): this {
    this.reserve(2);
    this.buf.writeUInt16LE(v, this.len);
    this.len += 2;
    return this;
  }

  u32le(v: number): this {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.len);
    this.len += 4;
    return this;
  }

  i32le(v: number): this {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.len);
    this.len += 4;
    return this;
  }

  u64le(v: bigint): this {
    this.reserve(8);
    this.buf.writeBigUInt64LE(v, this.len);
    this.len += 8;
    return this;
  }

  i64le(v: bigint): this {
    this.reserve(8);
    this.buf.writeBigInt64LE(v, this.len);
    this.len += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** rdbSaveLen: 6-bit, 14-bit, 32-bit or 64-bit big-endian form, the smallest that fits. */
  length(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`rdb: invalid length ${n}`);
    if (n < 1 << 6) return this.u8(n);
    if (n < 1 << 14) {
      this.reserve(2);
      this.buf[this.len++] = (n >> 8) | 0x40;
      this.buf[this.len++] = n & 0xff;
      return this;
    }
    if (n <= 0xffffffff) {
      this.reserve(5);
      this.buf[this.len++] = RDB_32BITLEN;
      this.buf.writeUInt32BE(n, this.len);
      this.len += 4;
      return this;
    }
    this.reserve(9);
    this.buf[this.len++] = RDB_64BITLEN;
    this.buf.writeBigUInt64BE(BigInt(n), this.len);
    this.len += 8;
    return this;
  }

  /**
   * rdbEncodeInteger + write: the int8/16/32 encodings. Returns false (writing nothing) when v does not fit
   * in 32 bits.
   */
  encodedInteger(v: number): boolean {
    if (v >= -128 && v <= 127) {
      this.reserve(2);
      this.buf[this.len++] = 0xc0 | RDB_ENC_INT8;
      this.buf.writeInt8(v, this.len++);
      return true;
    }
    if (v >= -32768 && v <= 32767) {
      this.reserve(3);
      this.buf[this.len++] = 0xc0 | RDB_ENC_INT16;
      this.buf.writeInt16LE(v, this.len);
      this.len += 2;
      return true;
    }
    if (v >= -2147483648 && v <= 2147483647) {
      this.reserve(5);
      this.buf[this.len++] = 0xc0 | RDB_ENC_INT32;
      this.buf.writeInt32LE(v, this.len);
      this.len += 4;
      return true;
    }
    return false;
  }

  /**
   * rdbSaveRawString: strings of up to 11 bytes that are canonical integers fitting 32 bits are written
   * integer-encoded; with `compress` (rdbcompression) strings longer than 20 bytes are LZF-compressed when
   * that saves at least 4 bytes (rdbSaveLzfStringObject's output limit of len - 4); otherwise length + bytes.
   */
  string(s: Buffer | string, compress: boolean): this {
    // a latin1 JS string that will not be compressed here is written straight into the buffer (the
    // snapshot's hot path: no intermediate Buffer per key and value)
    if (typeof s === 'string' && !(compress && s.length > RDB_LZF_MIN_LEN && !this.deferCompression)) {
      return this.latin1String(s, compress);
    }
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    const len = b.length;
    if (len <= RDB_INT_ENC_MAX_LEN && len > 0) {
      const v = parseStrictInt64(b);
      if (typeof v === 'number' && this.encodedInteger(v)) return this;
    }
    if (compress && len > RDB_LZF_MIN_LEN && this.deferCompression) {
      const prefixStart = this.len;
      this.length(len);
      this.span(prefixStart, this.len, len);
      return this.bytes(b);
    }
    if (compress && len > RDB_LZF_MIN_LEN) {
      const c = lzfCompress(b, len - 4);
      if (c !== null) {
        this.u8(0xc0 | RDB_ENC_LZF);
        this.length(c.length);
        this.length(len);
        return this.bytes(c);
      }
    }
    this.length(len);
    return this.bytes(b);
  }

  /** string() for a latin1 JS string when no inline compression applies; the same bytes. */
  private latin1String(s: string, compress: boolean): this {
    const len = s.length;
    if (len <= RDB_INT_ENC_MAX_LEN && len > 0) {
      const c0 = s.charCodeAt(0);
      if (c0 === 0x2d || (c0 >= 0x30 && c0 <= 0x39)) {
        const v = parseStrictInt64Latin1(s);
        if (typeof v === 'number' && this.encodedInteger(v)) return this;
      }
    }
    const prefixStart = this.len;
    this.length(len);
    if (compress && len > RDB_LZF_MIN_LEN) this.span(prefixStart, this.len, len);
    this.reserve(len);
    this.buf.latin1Write(s, this.len, len);
    this.len += len;
    return this;
  }

  /** rdbSaveLongLongAsStringObject: int8/16/32 encoding when it fits, else the decimal text. */
  integerString(v: number | bigint): this {
    if (typeof v === 'number' && this.encodedInteger(v)) return this;
    if (typeof v === 'bigint' && v >= -2147483648n && v <= 2147483647n && this.encodedInteger(Number(v))) return this;
    const text = Buffer.from(String(v), 'latin1');
    this.length(text.length);
    return this.bytes(text);
  }

  /** rdbSaveBinaryDoubleValue: 8-byte little-endian IEEE 754. */
  binaryDouble(v: number): this {
    this.reserve(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
    return this;
  }

  /** rdbSaveMillisecondTime: int64 little-endian. */
  millisecondTime(ms: number): this {
    const t = Math.trunc(ms);
    if (!(t >= 0 && t <= Number.MAX_SAFE_INTEGER)) return this.i64le(BigInt(t));
    // two 32-bit halves: no BigInt per key with a TTL
    this.reserve(8);
    const lo = t % 4294967296;
    this.buf.writeUInt32LE(lo, this.len);
    this.buf.writeUInt32LE((t - lo) / 4294967296, this.len + 4);
    this.len += 8;
    return this;
  }
}
