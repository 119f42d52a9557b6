/**
 * Uniformity of the random picks behind SPOP/SRANDMEMBER/HRANDFIELD (random-slots.ts and
 * DenseSet.randomSlot), checked loosely with a chi-square statistic over a seeded generator:
 * deterministic, so never flaky, yet a biased pick (e.g. favouring low slots) fails it.
 */
import { describe, expect, it } from 'vitest';
import { distinctSlots, independentSlots } from '../../src/keyspace/types/random-slots.js';
import { SetValue } from '../../src/keyspace/types/set.js';
import { rng } from '../helpers/rng.js';

/** Chi-square of observed counts against a uniform expectation. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const e = total / counts.length;
  return counts.reduce((acc, o) => acc + ((o - e) * (o - e)) / e, 0);
}

// For k-1 = 49 degrees of freedom the 99.9th percentile is about 85.4.
const N = 50;
const LIMIT = 85;

describe('random slots', () => {
  it('independent picks are uniform', () => {
    const r = rng(1);
    const counts = new Array<number>(N).fill(0);
    for (const s of independentSlots(N, 50_000, r)) counts[s]++;
    expect(chiSquare(counts)).toBeLessThan(LIMIT);
  });

  it.each([
    ['random picks into a set', 5],
    ['copy and remove', 30],
  ])('distinct picks are distinct and uniform (%s)', (_name, count) => {
    const r = rng(2);
    const counts = new Array<number>(N).fill(0);
    for (let round = 0; round < 4000; round++) {
      const got = distinctSlots(N, count, r);
      expect(got.length).toBe(count);
      expect(new Set(got).size).toBe(count);
      for (const s of got) counts[s]++;
    }
    expect(chiSquare(counts)).toBeLessThan(LIMIT);
  });

  it('a bias would be caught', () => {
    const r = rng(3);
    const counts = new Array<number>(N).fill(0);
    for (let i = 0; i < 50_000; i++) counts[Math.floor(r() * r() * N)]++;
    expect(chiSquare(counts)).toBeGreaterThan(LIMIT);
  });

  it('SetValue.random is uniform after swap-removes', () => {
    const v = new SetValue();
    for (let i = 0; i < N + 20; i++) v.add(`m${i}`);
    for (let i = 0; i < 20; i++) v.remove(`m${i * 3}`);
    const index = new Map<string, number>();
    for (const m of v.members()) index.set(m, index.size);
    const r = rng(4);
    const counts = new Array<number>(N).fill(0);
    for (let i = 0; i < 50_000; i++) counts[index.get(v.random(r))!]++;
    expect(chiSquare(counts)).toBeLessThan(LIMIT);
  });
});
