/**
 * LZF, bit-compatible with the liblzf 3.x copy inside Redis (lzf_c.c / lzf_d.c, built with HLOG 16,
 * VERY_FAST 1, ULTRA_FAST 0, CHECK_INPUT 1). The compressor follows lzf_compress step by step (same hash,
 * same match rules, same output-limit checks), so for the same input and output limit it produces the same
 * bytes Redis does. (Redis leaves the hash table uninitialised -- INIT_HTAB 0 -- which in theory lets stale
 * stack pointers produce other, equally valid, matches; ours starts empty, which is the deterministic case.)
 *
 * Stream format:
 *   000LLLLL <L+1 literal bytes>
 *   LLLooooo oooooooo              back reference, length L+2, offset o+1 (L in 1..6)
 *   111ooooo LLLLLLLL oooooooo     back reference, length L+9
 *
 * Policy does NOT live here: Redis compresses a string only when `rdbcompression` is on and the string is
 * longer than 20 bytes, and keeps the compressed form only when it saves at least 4 bytes (it passes an
 * output limit of len - 4). That rule belongs to the RDB string writer (rdb-primitives.ts), which calls
 * lzfCompress(src, src.length - 4).
 */

export class LzfError extends Error {
  override name = 'LzfError';
}

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

// Hash table of input positions, reused between calls. A slot holds `gen + position + 1`; a value <= gen is
// from an earlier call and means "empty". Advancing gen past the previous input makes clearing O(1), which
// matters because most RDB strings are short and a 256 KB memset per string would dominate.
const htab = new Int32Array(HSIZE);
let gen = 0;

/** IDX(h) for VERY_FAST: ((h >> (3*8 - HLOG)) - h*5) & (HSIZE - 1); h holds C's unsigned 32 bits as an int32. */
function idx(h: number): number {
  return ((h >>> 8) - Math.imul(h, 5)) & (HSIZE - 1);
}

/**
 * Compresses src into at most maxOut bytes. Returns the compressed bytes, or null when they do not fit in
 * maxOut (lzf_compress returning 0). maxOut defaults to src.length - 1, i.e. "only if it is smaller".
 */
export function lzfCompress(src: Uint8Array, maxOut = src.length - 1): Buffer | null {
  const inLen = src.length;
  if (inLen === 0 || maxOut <= 0) return null;
  const out = Buffer.allocUnsafe(maxOut);
  const outEnd = maxOut;
  if (gen + inLen + 1 > 0x7fff0000) {
    htab.fill(0);
    gen = 0;
  }
  const g = gen;
  gen += inLen + 1;

  let ip = 0;
  let op = 0;
  let lit = 0;
  op++; // start run

  // lzf reads ip[1] for FRST even on 1-byte input (in bounds in C only thanks to the caller); guard it.
  let hval = (src[0] << 8) | (inLen > 1 ? src[1] : 0);
  const ipEnd = inLen - 2;
  while (ip < ipEnd) {
    // hval is kept as an int32: IDX only looks at its low 24 bits, through >>> and imul
    hval = (hval << 8) | src[ip + 2];
    const slot = ((hval >>> 8) - Math.imul(hval, 5)) & (HSIZE - 1);
    const stored = htab[slot];
    htab[slot] = g + ip + 1;
    const ref = stored - g - 1; // negative when the slot is empty or stale
    let off = 0;

    if (
      ref > 0 && // lzf_c.c: ref > in_data (position 0 is never referenced)
      ref < ip &&
      (off = ip - ref - 1) < MAX_OFF &&
      // no `ip + 4 < in_end` test: Redis 7.0.15's copy takes matches up to the last 3 bytes (checked
      // against its DUMP output; later liblzf versions added the test)
      src[ref] === src[ip] &&
      src[ref + 1] === src[ip + 1] &&
      src[ref + 2] === src[ip + 2]
    ) {
      let len = 2;
      let maxlen = inLen - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;

      out[op - lit - 1] = lit - 1; // stop run
      if (lit === 0) op--; // undo run if length is zero

      if (op + 3 + 1 >= outEnd) return null;

      // lzf_c.c unrolls the first 16 steps when maxlen > 16 without checking maxlen between them, so a
      // match may end up to 2 bytes longer than maxlen (still inside the input). Mirror it exactly.
      let mismatch = false;
      if (maxlen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (src[ref + len] !== src[ip + len]) {
            mismatch = true;
            break;
          }
        }
      }
      if (!mismatch) {
        do len++;
        while (len < maxlen && src[ref + len] === src[ip + len]);
      }

      len -= 2; // len is now #octets - 1
      ip++;

      if (len < 7) {
        out[op++] = ((off >>> 8) + (len << 5)) & 0xff;
      } else {
        out[op++] = ((off >>> 8) + (7 << 5)) & 0xff;
        out[op++] = (len - 7) & 0xff;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start run

      ip += len + 1;
      if (ip >= inLen - 2) break;

      // VERY_FAST: rehash the last two positions of the match
      ip -= 2;
      hval = (src[ip] << 8) | src[ip + 1];
      hval = (hval << 8) | src[ip + 2];
      htab[idx(hval)] = g + ip + 1;
      ip++;
      hval = (hval << 8) | src[ip + 2];
      htab[idx(hval)] = g + ip + 1;
      ip++;
    } else {
      if (op >= outEnd) return null;
      lit++;
      out[op++] = src[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }

  if (op + 3 > outEnd) return null; // at most 3 bytes can be missing here

  while (ip < inLen) {
    lit++;
    out[op++] = src[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }

  out[op - lit - 1] = lit - 1; // end run
  if (lit === 0) op--;
  // op can exceed outEnd by one only transiently ("start run" slot); lzf guarantees op <= out_len here.
  if (op > outEnd) return null;
  return out.subarray(0, op);
}

/**
 * Decompresses src[start, end) that must expand to exactly outLen bytes (Redis stores both lengths).
 * Throws LzfError on any corrupt input: a literal or back reference running past the input or the output,
 * a back reference before the start of the output, or a result shorter than outLen. Never reads or writes
 * out of bounds.
 */
export function lzfDecompress(src: Uint8Array, outLen: number, start = 0, end = src.length): Buffer {
  if (start < 0 || end > src.length || start > end) throw new LzfError('lzf: bad input range');
  // The best an LZF stream can do is 264 output bytes per 3-byte back reference: reject impossible claims
  // before allocating (a corrupt length must not become a multi-gigabyte allocation).
  if (!Number.isSafeInteger(outLen) || outLen < 0 || outLen > (end - start) * 88) {
    throw new LzfError(`lzf: ${end - start} compressed bytes cannot expand to ${outLen}`);
  }
  const out = Buffer.allocUnsafe(outLen);
  let ip = start;
  let op = 0;
  while (ip < end) {
    const ctrl = src[ip++];
    if (ctrl < 32) {
      // literal run of ctrl + 1 bytes
      const len = ctrl + 1;
      if (op + len > outLen) throw new LzfError(`lzf: literal run overflows the output at input offset ${ip - 1 - start}`);
      if (ip + len > end) throw new LzfError(`lzf: literal run past the end of the input at offset ${ip - 1 - start}`);
      for (let i = 0; i < len; i++) out[op + i] = src[ip + i];
      op += len;
      ip += len;
    } else {
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (len === 7) {
        if (ip >= end) throw new LzfError(`lzf: truncated back reference at input offset ${ip - 1 - start}`);
        len += src[ip++];
      }
      if (ip >= end) throw new LzfError(`lzf: truncated back reference at input offset ${ip - 1 - start}`);
      ref -= src[ip++];
      if (op + len + 2 > outLen) throw new LzfError(`lzf: back reference overflows the output at input offset ${ip - start}`);
      if (ref < 0) throw new LzfError(`lzf: back reference before the start of the output at input offset ${ip - start}`);
      const n = len + 2;
      if (n >= 32 && ref + n <= op) {
        out.copyWithin(op, ref, ref + n);
      } else {
        // byte by byte: source and destination may overlap (run-length style references)
        for (let i = 0; i < n; i++) out[op + i] = out[ref + i];
      }
      op += n;
    }
  }
  if (op !== outLen) throw new LzfError(`lzf: decompressed ${op} bytes, expected ${outLen}`);
  return out;
}
