/**
 * Sizes as Redis computes them, where nodis reproduces figures Redis derives from its own memory
 * layout: jemalloc's size classes (MEMORY USAGE) and the bytes of one listpack element
 * (quicklist node splits for DUMP/RDB, MEMORY USAGE of lists and sorted sets).
 */
const INT_RE = /^(?:0|-?[1-9][0-9]{0,18})$/;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

/** jemalloc's size class for n bytes. */
export function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~15;
  const step = 2 ** (Math.ceil(Math.log2(n)) - 3);
  return Math.ceil(n / step) * step;
}

/**
 * Bytes one element takes in a listpack (encoding + data + backlen), as lpEncodeGetType sizes
 * it: canonical int64 strings use the 7/13/16/24/32/64-bit integer forms, others a string form
 * with a 6/12/32-bit length.
 */
export function lpEntrySize(v: string): number {
  let enc: number;
  if (v.length <= 20 && INT_RE.test(v) && (v.length < 19 || (BigInt(v) >= INT64_MIN && BigInt(v) <= INT64_MAX))) {
    const x = Number(v); // exact below 2^53; every threshold is far below that
    if (x >= 0 && x <= 127) enc = 1;
    else if (x >= -4096 && x <= 4095) enc = 2;
    else if (x >= -32768 && x <= 32767) enc = 3;
    else if (x >= -8388608 && x <= 8388607) enc = 4;
    else if (x >= -2147483648 && x <= 2147483647) enc = 5;
    else enc = 9;
  } else {
    const len = v.length;
    enc = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
  }
  const back = enc <= 127 ? 1 : enc < 16383 ? 2 : enc < 2097151 ? 3 : enc < 268435455 ? 4 : 5;
  return enc + back;
}
