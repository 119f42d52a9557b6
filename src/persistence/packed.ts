/**
 * Shared pieces of the compact-encoding codecs (listpack, ziplist, intset, zipmap): the decoded entry type,
 * the corruption error, and Redis's strict string -> int64 rule (string2ll / lpStringToInt64), which decides
 * whether a string is stored as an integer in a listpack and in an RDB integer-encoded string.
 */

/**
 * One decoded element of a compact encoding: the string bytes, or the integer it was stored as. Integers are
 * JS numbers when they are safe integers and bigints otherwise (|v| > 2^53 - 1, only possible for 64-bit
 * encodings). String(entry) gives Redis's reply text for integers; strings stay raw bytes (binary-safe).
 * String entries are VIEWS into the decoded blob (no copy per entry: the loader turns them into latin1
 * strings right away); copy them before keeping them, or they pin the whole blob in memory.
 */
export type PackedEntry = Buffer | number | bigint;

/** A decoded element with string entries as latin1 JS strings (the *Text decoders, used by the loader). */
export type PackedText = string | number | bigint;

/** A compact encoding failed validation. `offset` is relative to the start of the blob. */
export class CorruptPackedError extends Error {
  override name = 'CorruptPackedError';
  constructor(
    readonly format: string,
    readonly offset: number,
    detail: string,
  ) {
    super(`${format}: ${detail} at offset ${offset}`);
  }
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Redis's string2ll: s[start, end) is an int64 written canonically (no sign other than a leading '-', no
 * leading zeros, no spaces, not "-0", at most 20 characters). Returns the value (number when safe, bigint
 * otherwise) or null when the string does not qualify.
 */
export function parseStrictInt64(s: Uint8Array, start = 0, end = s.length): number | bigint | null {
  const len = end - start;
  if (len === 0 || len >= 21) return null;
  if (len === 1 && s[start] === 0x30) return 0;
  let p = start;
  let negative = false;
  if (s[p] === 0x2d) {
    negative = true;
    p++;
    if (p === end) return null;
  }
  if (s[p] < 0x31 || s[p] > 0x39) return null;
  const digits = end - p;
  if (digits <= 15) {
    let v = 0;
    for (; p < end; p++) {
      const c = s[p] - 0x30;
      if (c < 0 || c > 9) return null;
      v = v * 10 + c;
    }
    return negative ? -v : v;
  }
  let v = 0n;
  for (; p < end; p++) {
    const c = s[p] - 0x30;
    if (c < 0 || c > 9) return null;
    v = v * 10n + BigInt(c);
  }
  if (negative) v = -v;
  if (v > INT64_MAX || v < INT64_MIN) return null;
  return Number.isSafeInteger(Number(v)) ? Number(v) : v;
}

/** Same rule over a latin1 JS string (the keyspace representation). */
export function parseStrictInt64Latin1(s: string): number | bigint | null {
  if (s.length === 0 || s.length >= 21) return null;
  const c0 = s.charCodeAt(0);
  if (c0 !== 0x2d && (c0 < 0x30 || c0 > 0x39)) return null; // cheap reject for the common case
  const len = s.length;
  if (len === 1 && c0 === 0x30) return 0;
  let p = 0;
  const negative = c0 === 0x2d;
  if (negative) {
    p++;
    if (p === len) return null;
  }
  const d0 = s.charCodeAt(p);
  if (d0 < 0x31 || d0 > 0x39) return null;
  if (len - p > 15) return parseStrictInt64(Buffer.from(s, 'latin1')); // may need a bigint: the byte version
  let v = 0;
  for (; p < len; p++) {
    const c = s.charCodeAt(p) - 0x30;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return negative ? -v : v;
}

/** Normalises a bigint to a number when it is a safe integer (the PackedEntry convention). */
export function normInt(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** Input accepted by the encoders: raw bytes, a latin1 string, or an integer. */
export type PackedInput = Buffer | string | number | bigint;

export function toBytes(v: Buffer | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
}
