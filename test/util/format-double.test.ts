/**
 * formatG17 against C's printf("%.17g") (awk's printf is C's printf on doubles).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatG17 } from '../../src/util/format-double.js';
import { rng } from '../helpers/rng.js';

function hasAwk(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v awk'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function sampleValues(): number[] {
  const r = rng(12345);
  const out: number[] = [
    1, -1, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 10, 100, 1e15, 1e16, 1e17, 1e18, 1e21, 1e22, 1e-4, 1e-5, 0.00012345,
    123.456, -123.456, 3.14159, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, Number.MAX_VALUE, Number.MIN_VALUE,
    2.2250738585072014e-308, 1 + 2 ** -17, 1 + 2 ** -52, 5e-324, 9007199254740993, 0.5, 1.5, 2.5, 1e300, 1e-300,
    12345678901234567, 99999999999999999, 0.1 + 0.2, 4.35, 1.005, 1234.5, 99.99, 1e-10,
  ];
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < 300; i++) {
    // random bit patterns (finite only)
    u[0] = Math.floor(r() * 2 ** 32);
    u[1] = Math.floor(r() * 2 ** 32);
    if (Number.isFinite(f[0])) out.push(f[0]);
  }
  for (let i = 0; i < 300; i++) out.push((r() - 0.5) * 10 ** Math.floor(r() * 40 - 20));
  for (let i = 0; i < 200; i++) {
    // exact ties at the 18th digit: small integers over a power of two
    const k = 1 + Math.floor(r() * 40);
    out.push(Math.floor(r() * 2 ** 20) / 2 ** k + Math.floor(r() * 1000));
  }
  for (let i = 0; i < 100; i++) out.push(Math.floor(r() * 2 ** 53) * 2 ** Math.floor(r() * 20));
  return out;
}

describe.skipIf(!hasAwk())('formatG17', () => {
  it('matches C printf %.17g for many values', () => {
    const values = sampleValues();
    // String(v) round-trips to the same double through strtod
    const input = values.map((v) => String(v)).join('\n') + '\n';
    const expected = execFileSync('awk', ['{ printf "%.17g\\n", $1 }'], { input }).toString().trim().split('\n');
    expect(expected.length).toBe(values.length);
    const mismatches: string[] = [];
    values.forEach((v, i) => {
      const got = formatG17(v);
      if (got !== expected[i]) mismatches.push(`${String(v)}: got ${got}, printf ${expected[i]}`);
    });
    expect(mismatches).toEqual([]);
  });

  it('rounds exact ties to even like glibc', () => {
    expect(formatG17(1 + 2 ** -17)).toBe('1.0000076293945312');
    expect(formatG17(0.1)).toBe('0.10000000000000001');
  });

  it("spells special values as Redis does", () => {
    expect(formatG17(Infinity)).toBe('inf');
    expect(formatG17(-Infinity)).toBe('-inf');
    expect(formatG17(NaN)).toBe('nan');
    expect(formatG17(0)).toBe('0');
    expect(formatG17(-0)).toBe('-0');
    expect(formatG17(1e17)).toBe('1e+17');
    expect(formatG17(1e16)).toBe('10000000000000000');
    expect(formatG17(1e-5)).toBe('1.0000000000000001e-05');
    expect(formatG17(0.0001)).toBe('0.0001');
  });
});
