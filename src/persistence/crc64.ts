/**
 * CRC64 as Redis computes it (crc64.c): the Jones polynomial 0xad93d23594c935a9, reflected input and output,
 * init 0, no final xor. Check value: crc64("123456789") = 0xe9c6d914c4b8d9ca. Used for the RDB trailer and
 * the DUMP payload footer.
 *
 * Slicing-by-8 over two Uint32Array tables (low and high 32-bit halves of each 64-bit table entry), so the
 * hot loop is plain 32-bit integer arithmetic: no BigInt per byte. State is carried as two uint32 halves;
 * the bigint form exists only at the API edges (once per call, not per byte).
 *
 * Owns only the checksum; where it sits in a file (RDB trailer, DUMP footer) is the writer's business.
 */

/** Reflected form of the Jones polynomial 0xad93d23594c935a9. */
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

// T[k * 256 + n]: slice table k. T0 is the classic byte table; Tk[n] = (Tk-1[n] >> 8) ^ T0[Tk-1[n] & 0xff].
const TLO = new Uint32Array(8 * 256);
const THI = new Uint32Array(8 * 256);

(function buildTables() {
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let b = 0; b < 8; b++) {
      const lsb = lo & 1;
      // 64-bit right shift by one across the halves
      lo = ((lo >>> 1) | (hi << 31)) >>> 0;
      hi = hi >>> 1;
      if (lsb) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    TLO[n] = lo;
    THI[n] = hi;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const plo = TLO[(k - 1) * 256 + n];
      const phi = THI[(k - 1) * 256 + n];
      const idx = plo & 0xff;
      TLO[k * 256 + n] = (((plo >>> 8) | (phi << 24)) ^ TLO[idx]) >>> 0;
      THI[k * 256 + n] = ((phi >>> 8) ^ THI[idx]) >>> 0;
    }
  }
})();

/**
 * Incremental CRC64 state as two uint32 halves. Feed chunks with update(), read with value / bytesLE().
 * This is the form to use when streaming an RDB: no allocation per chunk.
 */
export class Crc64 {
  hi = 0;
  lo = 0;

  constructor(initial: bigint = 0n) {
    this.hi = Number((initial >> 32n) & 0xffffffffn);
    this.lo = Number(initial & 0xffffffffn);
  }

  /** Folds buf[start, end) into the checksum. Returns this for chaining. */
  update(buf: Uint8Array, start = 0, end = buf.length): this {
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    const end8 = end - ((end - start) & 7);
    while (i < end8) {
      lo ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
      hi ^= buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24);
      const nlo =
        TLO[1792 + (lo & 0xff)] ^
        TLO[1536 + ((lo >>> 8) & 0xff)] ^
        TLO[1280 + ((lo >>> 16) & 0xff)] ^
        TLO[1024 + (lo >>> 24)] ^
        TLO[768 + (hi & 0xff)] ^
        TLO[512 + ((hi >>> 8) & 0xff)] ^
        TLO[256 + ((hi >>> 16) & 0xff)] ^
        TLO[hi >>> 24];
      const nhi =
        THI[1792 + (lo & 0xff)] ^
        THI[1536 + ((lo >>> 8) & 0xff)] ^
        THI[1280 + ((lo >>> 16) & 0xff)] ^
        THI[1024 + (lo >>> 24)] ^
        THI[768 + (hi & 0xff)] ^
        THI[512 + ((hi >>> 8) & 0xff)] ^
        THI[256 + ((hi >>> 16) & 0xff)] ^
        THI[hi >>> 24];
      lo = nlo;
      hi = nhi;
      i += 8;
    }
    while (i < end) {
      const idx = (lo ^ buf[i]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ TLO[idx];
      hi = (hi >>> 8) ^ THI[idx];
      i++;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  /** The checksum as an unsigned 64-bit bigint. */
  get value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** The checksum as 8 little-endian bytes: the RDB trailer / DUMP footer form. */
  bytesLE(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32LE(this.lo, 0);
    out.writeUInt32LE(this.hi, 4);
    return out;
  }
}

/**
 * One-shot / incremental CRC64: crc64(prev, buf, start, end) continues the checksum `prev` (0n to start)
 * over buf[start, end) and returns the new checksum as an unsigned 64-bit bigint.
 * crc64(crc64(0n, a), b) === crc64(0n, concat(a, b)).
 */
export function crc64(prev: bigint, buf: Uint8Array, start = 0, end = buf.length): bigint {
  return new Crc64(prev).update(buf, start, end).value;
}

/** Encodes a checksum as the 8 little-endian bytes Redis writes after the RDB EOF opcode. */
export function crc64ToBytesLE(crc: bigint): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeBigUInt64LE(crc & 0xffffffffffffffffn, 0);
  return out;
}

/** Reads the 8 little-endian trailer bytes at buf[offset] back into a checksum. */
export function crc64FromBytesLE(buf: Uint8Array, offset = 0): bigint {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).readBigUInt64LE(offset);
}
