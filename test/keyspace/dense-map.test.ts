import { describe, expect, it } from 'vitest';
import { DenseMap, DenseSet } from '../../src/keyspace/types/dense-map.js';
import { rng as makeRng } from '../helpers/rng.js';

describe('DenseMap', () => {
  it('sets, gets and deletes (swap and order-keeping)', () => {
    const m = new DenseMap<number>();
    for (let i = 0; i < 10; i++) expect(m.set(`k${i}`, i)).toBe(true);
    expect(m.set('k3', 33)).toBe(false);
    expect(m.get('k3')).toBe(33);
    expect(m.delete('k0')).toBe(true);
    expect(m.delete('k0')).toBe(false);
    expect([...m.keys()][0]).toBe('k9');
    expect(m.get('k9')).toBe(9);
    expect(m.delete('k2', true)).toBe(true);
    expect([...m.entries()]).toEqual([['k9', 9], ['k1', 1], ['k3', 33], ['k4', 4], ['k5', 5], ['k6', 6], ['k7', 7], ['k8', 8]]);
    for (const [k, v] of m.entries()) expect(m.get(k)).toBe(v);
    expect(m.size).toBe(8);
  });

  it('scan returns every entry present throughout while the dict grows and shrinks', () => {
    const rng = makeRng(7);
    for (let round = 0; round < 20; round++) {
      const s = new DenseSet();
      for (let i = 0; i < 500; i++) s.add(`m${i}`);
      const stable = new Set<string>();
      for (let i = 0; i < 500; i += 3) stable.add(`m${i}`);
      const seen = new Set<string>();
      let cursor = 0;
      let next = 500;
      do {
        cursor = s.scan(cursor, 1 + Math.floor(rng() * 20), (slot) => seen.add(s.keyAt(slot)));
        for (let j = 0; j < 10; j++) {
          if (rng() < 0.5) s.add(`m${next++}`);
          else {
            const k = s.keyAt(s.randomSlot(rng));
            if (!stable.has(k)) s.delete(k, rng() < 0.2);
          }
        }
      } while (cursor !== 0);
      for (const k of stable) expect(seen.has(k)).toBe(true);
    }
  });
});
