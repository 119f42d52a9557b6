/**
 * x87 80-bit long double emulation for INCRBYFLOAT (and HINCRBYFLOAT later): Redis parses with
 * strtold, adds in long double and prints "%.17Lf" with trailing zeros stripped. Doubles give
 * different digits (10.5+0.1 is "10.6" in Redis, "10.59999999999999964" via a double), so the
 * value is held exactly as mant * 2^exp with a 64-bit mantissa, in BigInt. Pure; no imports.
 */

/** A finite long double: (-1)^neg * mant * 2^exp, mant < 2^64 (0 for zero). */
export interface LongDouble {
  neg: boolean;
  mant: bigint;
  exp: number;
}

const MANT_BITS = 64;
/** Smallest exponent of the last mantissa bit (subnormals: 2^-16445 is the least value). */
const MIN_EXP = -16445;
/** Values >= 2^16384 overflow to infinity. */
const MAX_BITS = 16384;
/** Redis's MAX_LONG_DOUBLE_CHARS: inputs of this length or more are rejected. */
const MAX_CHARS = 5 * 1024;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * Rounds num/den (num, den > 0) to a long double with round-half-even; null on overflow.
 * Result mant 0 means it underflowed to zero.
 */
function roundRational(neg: boolean, num: bigint, den: bigint): LongDouble | null {
  if (num === 0n) return { neg, mant: 0n, exp: 0 };
  // Work with a quotient of 66..67 bits, then round it to 64 bits (or fewer for subnormals).
  const work = bitLength(num) - bitLength(den) - 67;
  let q: bigint;
  let sticky: boolean;
  if (work >= 0) {
    const d = den << BigInt(work);
    q = num / d;
    sticky = q * d !== num;
  } else {
    const n = num << BigInt(-work);
    q = n / den;
    sticky = q * den !== n;
  }
  let e = work + bitLength(q) - MANT_BITS;
  if (e < MIN_EXP) e = MIN_EXP;
  const shift = e - work;
  let mant: bigint;
  if (shift <= 0) {
    mant = q << BigInt(-shift);
  } else {
    const s = BigInt(shift);
    mant = q >> s;
    const rem = q & ((1n << s) - 1n);
    const half = 1n << (s - 1n);
    if (rem > half || (rem === half && (sticky || (mant & 1n) === 1n))) mant++;
    if (mant === 1n << 64n) {
      mant = 1n << 63n;
      e++;
    }
  }
  if (mant !== 0n && e + bitLength(mant) > MAX_BITS) return null;
  return { neg, mant, exp: mant === 0n ? 0 : e };
}

function fromExact(neg: boolean, int: bigint, pow2: number, pow10: number): LongDouble | null {
  // value = int * 2^pow2 * 10^pow10
  let num = int;
  let den = 1n;
  if (pow10 >= 0) num *= 10n ** BigInt(pow10);
  else den *= 10n ** BigInt(-pow10);
  if (pow2 >= 0) num <<= BigInt(pow2);
  else den <<= BigInt(-pow2);
  return roundRational(neg, num, den);
}

const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^[+-]?inf(inity)?$/i;

/**
 * Redis's string2ld: strtold over the whole string. null when invalid (spaces, trailing junk,
 * NaN, overflow, underflow to zero). Infinity input is accepted as strtold does and reported
 * as 'inf' (the caller's sum check then rejects it).
 */
export function parseLongDouble(s: string): LongDouble | 'inf' | '-inf' | null {
  if (s.length === 0 || s.length >= MAX_CHARS) return null;
  let m = DEC_RE.exec(s);
  if (m !== null) {
    const intPart = m[2];
    const frac = m[3] ?? '';
    if (intPart.length === 0 && frac.length === 0) return null;
    const neg = m[1] === '-';
    const digits = (intPart + frac).replace(/^0+/, '');
    if (digits.length === 0) return { neg, mant: 0n, exp: 0 };
    const e10 = Number(m[4] ?? '0') - frac.length;
    // far outside the long double range: decide without huge powers of ten
    if (e10 + digits.length > 5000) return null;
    if (e10 + digits.length < -5000) return null;
    const r = fromExact(neg, BigInt(digits), 0, e10);
    if (r === null || r.mant === 0n) return null;
    return r;
  }
  m = HEX_RE.exec(s);
  if (m !== null) {
    const intPart = m[2];
    const frac = m[3] ?? '';
    if (intPart.length === 0 && frac.length === 0) return null;
    const neg = m[1] === '-';
    const digits = (intPart + frac).replace(/^0+/, '');
    if (digits.length === 0) return { neg, mant: 0n, exp: 0 };
    const e2 = Number(m[4] ?? '0') - 4 * frac.length;
    if (e2 + 4 * digits.length > 20000) return null;
    if (e2 + 4 * digits.length < -20000) return null;
    const r = fromExact(neg, BigInt(`0x${digits}`), e2, 0);
    if (r === null || r.mant === 0n) return null;
    return r;
  }
  if (INF_RE.test(s)) return s[0] === '-' ? '-inf' : 'inf';
  return null;
}

/** a + b rounded to long double; null when the sum overflows. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.mant === 0n) return b.mant === 0n ? { neg: a.neg && b.neg, mant: 0n, exp: 0 } : b;
  if (b.mant === 0n) return a;
  const e = Math.min(a.exp, b.exp);
  const av = a.mant << BigInt(a.exp - e);
  const bv = b.mant << BigInt(b.exp - e);
  const sum = (a.neg ? -av : av) + (b.neg ? -bv : bv);
  if (sum === 0n) return { neg: false, mant: 0n, exp: 0 }; // x + -x is +0 in round-to-nearest
  const neg = sum < 0n;
  const abs = neg ? -sum : sum;
  return e >= 0 ? roundRational(neg, abs << BigInt(e), 1n) : roundRational(neg, abs, 1n << BigInt(-e));
}

/** printf("%.17Lf") of the exact value, then Redis's ld2string human mode: strip zeros, "-0" -> "0". */
export function formatLongDouble(v: LongDouble): string {
  const scale = 10n ** 17n;
  let q: bigint;
  if (v.exp >= 0) {
    q = (v.mant << BigInt(v.exp)) * scale;
  } else {
    const num = v.mant * scale;
    const s = BigInt(-v.exp);
    q = num >> s;
    const rem = num & ((1n << s) - 1n);
    const half = 1n << (s - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q++;
  }
  let digits = q.toString().padStart(18, '0');
  let out = `${digits.slice(0, digits.length - 17)}.${digits.slice(digits.length - 17)}`;
  let end = out.length;
  while (out.charCodeAt(end - 1) === 48) end--;
  if (out.charCodeAt(end - 1) === 46) end--;
  digits = out.slice(0, end);
  out = v.neg ? `-${digits}` : digits;
  return out === '-0' ? '0' : out;
}

/**
 * INCRBYFLOAT's arithmetic: parses both operands as strtold does, adds, formats.
 * Returns 'invalid' for an unparsable operand and 'nan-or-inf' when the result is not finite.
 */
export function incrByFloat(current: string, incr: string): string | 'invalid' | 'nan-or-inf' {
  const a = parseLongDouble(current);
  if (a === null) return 'invalid';
  const b = parseLongDouble(incr);
  if (b === null) return 'invalid';
  if (typeof a === 'string' || typeof b === 'string') return 'nan-or-inf'; // inf + x is inf or NaN
  const sum = addLongDouble(a, b);
  if (sum === null) return 'nan-or-inf';
  return formatLongDouble(sum);
}
