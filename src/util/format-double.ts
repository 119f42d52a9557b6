/**
 * Double formatting as Redis 7.0 prints doubles in replies (C's "%.17g"), plus the integer
 * shortcut Redis uses when a double holds an exact integer in range.
 * Pure helpers; no imports.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Whether the positive finite double d equals digits * 10^pow10 exactly. */
function equalsDecimal(d: number, digits: bigint, pow10: number): boolean {
  f64[0] = d;
  const hi = u32[1];
  const lo = u32[0];
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (bexp === 0) {
    e2 = -1074;
  } else {
    mant |= 1n << 52n;
    e2 = bexp - 1075;
  }
  // mant * 2^e2 == digits * 10^pow10, cross-multiplied to integers
  let left = mant;
  let right = digits;
  if (e2 >= 0) left <<= BigInt(e2);
  else right <<= BigInt(-e2);
  if (pow10 >= 0) right *= 10n ** BigInt(pow10);
  else left *= 10n ** BigInt(-pow10);
  return left === right;
}

/**
 * C's printf("%.17g", d) for finite and infinite doubles, Redis's spelling of inf/-inf/nan.
 * JS's toExponential rounds exact ties away from zero where glibc rounds them to even
 * (1 + 2^-17 = 1.00000762939453125 prints as 1.0000076293945312), so ties are detected and
 * fixed up.
 */
export function formatG17(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const neg = d < 0;
  const a = neg ? -d : d;
  const e17 = a.toExponential(16); // d.dddddddddddddddde[+-]x, 17 significant digits
  let digits = e17[0] + e17.slice(2, 18);
  let x = Number(e17.slice(19));
  const e18 = a.toExponential(17);
  if (e18.charCodeAt(18) === 53 /* '5' */) {
    const x18 = Number(e18.slice(20));
    const d18 = e18[0] + e18.slice(2, 19);
    if (equalsDecimal(a, BigInt(d18), x18 - 17)) {
      // an exact tie: round half to even
      const truncated = d18.slice(0, 17);
      if ((truncated.charCodeAt(16) - 48) % 2 === 0) {
        digits = truncated;
        x = x18;
      }
    }
  }
  let out: string;
  if (x < -4 || x >= 17) {
    const frac = digits.slice(1).replace(/0+$/, '');
    const ax = Math.abs(x);
    out = `${digits[0]}${frac === '' ? '' : `.${frac}`}e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  } else if (x >= 0) {
    const frac = digits.slice(x + 1).replace(/0+$/, '');
    out = frac === '' ? digits.slice(0, x + 1) : `${digits.slice(0, x + 1)}.${frac}`;
  } else {
    out = `0.${'0'.repeat(-x - 1)}${digits.replace(/0+$/, '')}`;
  }
  return neg ? `-${out}` : out;
}
