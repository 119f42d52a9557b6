/**
 * Shared argument parsing: integers, floats, option scanning and expiry arguments, each with
 * Redis's one error text. Handlers call these instead of parsing by hand.
 */
import { Err, fail } from '../protocol/errors.js';
import { parseLongDouble } from '../util/long-double.js';
import { strtodStrict } from '../util/strtod.js';

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

/**
 * Redis's getDoubleFromObject (strtod): also hex ("0x10") and subnormals; rejects NaN, spaces and
 * ERANGE overflow/underflow ("1e400"). What ZUNION's WEIGHTS (and ZADD's scores) accept.
 */
export function parseStrtod(s: string, error: string = Err.notFloat): number {
  const v = strtodStrict(s);
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

// --- blocking commands and the *MPOP family ---

const TWO_63 = 2n ** 63n;

/**
 * A blocking command's timeout in seconds, as Redis 7.0's getTimeoutFromObjectOrReply
 * (UNIT_SECONDS): strtold, times 1000 in long double, ceill() to whole ms, then a (long long)
 * cast (x87: anything out of range, infinities included, becomes LLONG_MIN, hence "negative").
 * Returns the absolute unix ms the wait ends at, or 0 to wait forever (0, and negatives above -1 ms).
 */
export function parseBlockTimeout(arg: string, nowMs: number): number {
  const ld = parseLongDouble(arg);
  if (ld === null) fail(Err.timeoutNotFloat);
  if (ld === 'inf' || ld === '-inf') fail(Err.timeoutNegative);
  // ld * 1000, rounded to a 64-bit mantissa (half-even), then truncated toward zero
  let mant = ld.mant * 1000n;
  let exp = ld.exp;
  const extra = mant.toString(2).length - 64;
  if (extra > 0) {
    const e = BigInt(extra);
    const rem = mant & ((1n << e) - 1n);
    const half = 1n << (e - 1n);
    mant >>= e;
    exp += extra;
    if (rem > half || (rem === half && (mant & 1n) === 1n)) mant++;
  }
  // |value| truncated, and whether a fraction was dropped (ceil rounds a positive one up)
  let ms: bigint;
  let fraction = false;
  if (exp >= 0) ms = exp > 64 ? TWO_63 : mant << BigInt(exp);
  else if (-exp > 80) {
    ms = 0n;
    fraction = mant !== 0n;
  } else {
    ms = mant >> BigInt(-exp);
    fraction = ms << BigInt(-exp) !== mant;
  }
  if (!ld.neg && fraction) ms++;
  if (ms >= TWO_63 || (ld.neg && ms !== 0n)) fail(Err.timeoutNegative);
  return ms === 0n ? 0 : nowMs + Number(ms);
}

/** What LMPOP/BLMPOP/ZMPOP/BZMPOP take after numkeys. */
export interface MpopArgs {
  keys: string[];
  /** The first of the two side words was given (LEFT, MIN). */
  first: boolean;
  /** COUNT, 1 when absent. */
  count: number;
}

/** getRangeLongFromObjectOrReply(1, LONG_MAX, message). */
function parseAtLeastOne(s: string, message: string): number {
  if (!isStrictInt(s)) fail(message);
  const n = Number(s);
  if (n < 1) fail(message);
  return n;
}

/**
 * The *MPOP arguments from args[numkeysIdx]: numkeys, that many keys, a side word (`sides`,
 * lowercase: ['left', 'right'] or ['min', 'max']), then [COUNT count]; Redis's checks in its
 * order (lmpopGenericCommand / zmpopGenericCommand). The blocking forms parse their timeout after.
 */
export function parseMpopArgs(args: readonly string[], numkeysIdx: number, sides: readonly [string, string]): MpopArgs {
  const numkeys = parseAtLeastOne(args[numkeysIdx], Err.numkeysNotPositive);
  const whereIdx = numkeysIdx + 1 + numkeys;
  if (whereIdx >= args.length) fail(Err.syntax);
  const where = args[whereIdx].toLowerCase();
  let first: boolean;
  if (where === sides[0]) first = true;
  else if (where === sides[1]) first = false;
  else fail(Err.syntax);
  let count = -1;
  for (let j = whereIdx + 1; j < args.length; j++) {
    const more = args.length - 1 - j;
    if (count === -1 && isWord(args[j], 'count') && more > 0) count = parseAtLeastOne(args[++j], Err.countNotPositive);
    else fail(Err.syntax);
  }
  return { keys: args.slice(numkeysIdx + 1, whereIdx), first, count: count === -1 ? 1 : count };
}
