/**
 * Double formatting as Redis 7.0 prints doubles in replies (C's "%.17g"), plus the integer
 * shortcut Redis uses when a double holds an exact integer in range.
 * Pure helpers; no imports.
 */

/** C's printf("%.17g", d) for finite and infinite doubles, Redis's spelling of inf/-inf/nan. */
export function formatG17(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const exp = d.toExponential(16); // d.dddddddddddddddde[+-]x, correctly rounded to 17 digits
  const eAt = exp.indexOf('e');
  const x = Number(exp.slice(eAt + 1));
  if (x < -4 || x >= 17) {
    let mant = exp.slice(0, eAt);
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const ax = Math.abs(x);
    return `${mant}e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  }
  let fixed = d.toFixed(Math.max(0, 16 - x));
  if (fixed.includes('.')) fixed = fixed.replace(/0+$/, '').replace(/\.$/, '');
  return fixed;
}
