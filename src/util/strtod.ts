/**
 * C's strtod as glibc implements it, and the checks Redis puts around it.
 * - strtod(s): the longest numeric prefix after leading white space (decimal, hexadecimal
 *   "0x1p-3", inf/infinity, nan(...)), where it ends, and whether errno would be ERANGE. Used
 *   as is where Redis calls strtod on a C string (sorted-set range bounds stop at a NUL).
 * - strtodStrict(s): Redis's getDoubleFromObject (object.c): the whole string must parse, no
 *   leading space, NaN rejected, and an ERANGE result rejected when it overflowed (HUGE_VAL) or
 *   underflowed to zero ("1e400", "1e-400"), while a subnormal ("4e-320") is accepted.
 * Pure helper; no imports.
 */

const WS = /^[ \t\n\v\f\r]*/;
const DEC = /^[+-]?(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE][+-]?\d+)?/;
const HEX = /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?/;
const INF = /^([+-]?)inf(?:inity)?/i;
const NAN = /^[+-]?nan(?:\([0-9A-Za-z_]*\))?/i;
const NONZERO_DIGIT = /[1-9]/;

export interface Strtod {
  value: number;
  /** Index just past the parsed number (0 when nothing was parsed). */
  end: number;
  /** errno == ERANGE: overflow (±HUGE_VAL) or underflow (zero or subnormal from nonzero digits). */
  erange: boolean;
}

export function strtod(s: string): Strtod {
  const ws = WS.exec(s)![0].length;
  const rest = ws === 0 ? s : s.slice(ws);
  let m = HEX.exec(rest);
  if (m !== null) {
    const r = hexValue(m);
    return { value: r.value, end: ws + m[0].length, erange: r.erange };
  }
  m = DEC.exec(rest);
  if (m !== null) {
    const value = Number(m[0]);
    const mantissa = (m[1] ?? '') + (m[2] ?? '') + (m[3] ?? '');
    const erange = !Number.isFinite(value) || (value === 0 && NONZERO_DIGIT.test(mantissa));
    return { value, end: ws + m[0].length, erange };
  }
  m = INF.exec(rest);
  if (m !== null) return { value: m[1] === '-' ? -Infinity : Infinity, end: ws + m[0].length, erange: false };
  m = NAN.exec(rest);
  if (m !== null) return { value: NaN, end: ws + m[0].length, erange: false };
  return { value: 0, end: 0, erange: false };
}

/** The double a whole string denotes under getDoubleFromObject's rules, or null when rejected. */
export function strtodStrict(s: string): number | null {
  if (s.length === 0) return null;
  const c = s.charCodeAt(0);
  if (c === 32 || (c >= 9 && c <= 13)) return null;
  const r = strtod(s);
  if (r.end !== s.length || Number.isNaN(r.value)) return null;
  if (r.erange && (!Number.isFinite(r.value) || r.value === 0)) return null;
  return r.value;
}

function hexValue(m: RegExpExecArray): { value: number; erange: boolean } {
  const neg = m[1] === '-';
  const intDigits = m[2] ?? '';
  const fracDigits = m[3] ?? m[4] ?? '';
  let mant = BigInt('0x' + (intDigits + fracDigits || '0'));
  let exp = (m[5] === undefined ? 0 : Number(m[5])) - 4 * fracDigits.length;
  if (mant === 0n) return { value: neg ? -0 : 0, erange: false };
  // Keep 64 significant bits plus a sticky bit, so Number() rounds once, to nearest even.
  const bits = mant.toString(2).length;
  if (bits > 64) {
    const shift = BigInt(bits - 64);
    const sticky = (mant & ((1n << shift) - 1n)) !== 0n ? 1n : 0n;
    mant = (mant >> shift) | sticky;
    exp += bits - 64;
  }
  let v = Number(mant);
  // Scale by 2^exp in steps that stay exact while the result is a normal double.
  while (exp > 1000) {
    v *= 2 ** 1000;
    exp -= 1000;
  }
  while (exp < -1000 && v !== 0) {
    v *= 2 ** -1000;
    exp += 1000;
  }
  v *= 2 ** exp;
  const erange = v === Infinity || v === 0 || Math.abs(v) < 2 ** -1022;
  return { value: neg ? -v : v, erange };
}
