/**
 * Shared argument parsing: integers, floats, option scanning and expiry arguments, each with
 * Redis's one error text. Handlers call these instead of parsing by hand.
 */
import { Err, fail } from '../protocol/errors.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Redis's string2ll: strict decimal, optional '-', no '+', no spaces, no leading zeros. */
export function isStrictInt(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  if (n === 1) return s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57;
  let i = 0;
  if (s.charCodeAt(0) === 45) i = 1;
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return false;
  for (i++; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  if (n >= 19) {
    const b = BigInt(s);
    return b <= INT64_MAX && b >= INT64_MIN;
  }
  return true;
}

/** A signed 64-bit integer as a JS number (exact up to 2^53; counts, indexes, TTLs). */
export function parseInteger(s: string, error: string = Err.notInteger): number {
  if (!isStrictInt(s)) fail(error);
  return Number(s);
}

/** A signed 64-bit integer, exact (INCRBY and friends). */
export function parseInt64(s: string, error: string = Err.notInteger): bigint {
  if (!isStrictInt(s)) fail(error);
  return BigInt(s);
}

/** Redis's getIntFromObjectOrReply: an int64, then a range check with its own error. */
export function parseInt32(s: string): number {
  const v = parseInteger(s);
  if (v < -2147483648 || v > 2147483647) fail(Err.int32Range);
  return v;
}

/** Like parseInteger, but null instead of an error (to test whether a value is an integer). */
export function tryParseInteger(s: string): number | null {
  return isStrictInt(s) ? Number(s) : null;
}

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INF_RE = /^([+-]?)inf(?:inity)?$/i;

/** Redis's string2d / strtod: decimal or inf; no spaces; NaN rejected. null when invalid. */
export function tryParseDouble(s: string): number | null {
  if (s.length === 0 || s.length > 5000) return null;
  if (FLOAT_RE.test(s)) return Number(s);
  const m = INF_RE.exec(s);
  if (m) return m[1] === '-' ? -Infinity : Infinity;
  return null;
}

export function parseDouble(s: string, error: string = Err.notFloat): number {
  const v = tryParseDouble(s);
  if (v === null) fail(error);
  return v;
}

/** Case-insensitive keyword comparison against a lowercase word. */
export function isWord(arg: string, lowerWord: string): boolean {
  return arg.length === lowerWord.length && arg.toLowerCase() === lowerWord;
}

export type ExpireUnit = 'ex' | 'px' | 'exat' | 'pxat';

/**
 * Turns an EX/PX/EXAT/PXAT argument into an absolute time in ms, as SET/GETEX check it:
 * not an integer -> not-an-integer error; <= 0 or overflowing -> "invalid expire time in '<cmd>'".
 */
export function parseExpireArg(unit: ExpireUnit, arg: string, nowMs: number, cmd: string): number {
  const v = parseInteger(arg);
  if (v <= 0) fail(Err.invalidExpire(cmd));
  const ms = unit === 'ex' || unit === 'exat' ? v * 1000 : v;
  const abs = unit === 'ex' || unit === 'px' ? ms + nowMs : ms;
  if (!Number.isSafeInteger(abs)) return expireBeyondSafe(unit, arg, nowMs, cmd);
  return abs;
}

/** Redis's int64 arithmetic for huge expire arguments (the sum wraps negative -> error). */
function expireBeyondSafe(unit: ExpireUnit, arg: string, nowMs: number, cmd: string): number {
  const v = BigInt(arg);
  const seconds = unit === 'ex' || unit === 'exat';
  if (seconds && v > INT64_MAX / 1000n) fail(Err.invalidExpire(cmd));
  let ms = seconds ? v * 1000n : v;
  if (unit === 'ex' || unit === 'px') ms = BigInt.asIntN(64, ms + BigInt(nowMs));
  if (ms <= 0n) fail(Err.invalidExpire(cmd));
  return Number(ms);
}
