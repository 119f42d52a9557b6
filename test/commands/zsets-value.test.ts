/**
 * ZSetValue (dict + skiplist) against a sorted-array model, byte order of members, clones, a
 * 100k-member value; the strtod-based score and range parsing; listpack score normalization and
 * the MEMORY USAGE estimate's growth.
 */
import { describe, expect, it } from 'vitest';
import { parseLexRange, parseScoreRange } from '../../src/commands/zset-args.js';
import { strtodStrict as tryParseScore } from '../../src/util/strtod.js';
import { ZSetValue } from '../../src/keyspace/types/zset.js';
import { rng } from '../helpers/rng.js';

/** A seeded PRNG so failures reproduce. */
function sorted(model: Map<string, number>): Array<[string, number]> {
  return [...model].sort((a, b) => (a[1] !== b[1] ? a[1] - b[1] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

describe('ZSetValue (dict + skiplist)', () => {
  it('keeps (score, member) order, ranks and ranges through random inserts, updates and removes', () => {
    const rand = rng(7);
    const z = new ZSetValue();
    const model = new Map<string, number>();
    for (let step = 0; step < 3000; step++) {
      const m = `m${Math.floor(rand() * 300)}`;
      const r = rand();
      if (r < 0.6) {
        const s = Math.floor(rand() * 20) - 10;
        expect(z.set(m, s)).toBe(!model.has(m));
        model.set(m, s);
      } else {
        expect(z.remove(m)).toBe(model.delete(m));
      }
      if (step % 100 === 0) {
        const want = sorted(model);
        expect([...z.entries()]).toEqual(want);
        expect(z.size).toBe(want.length);
        want.forEach(([mm], i) => expect(z.rank(mm)).toBe(i));
        if (want.length > 3) expect(z.rangeByRank(1, 3)).toEqual(want.slice(1, 4));
        if (want.length > 3) expect(z.rangeByRank(1, 3, true)).toEqual(want.slice(1, 4).reverse());
        const [lo, hi] = z.scoreRanks({ min: -3, max: 4, minex: true, maxex: false });
        expect(want.slice(lo, hi)).toEqual(want.filter(([, s]) => s > -3 && s <= 4));
      }
    }
  });

  it('shrinks back to one level when emptied and stays consistent when refilled', () => {
    const rand = rng(11);
    const z = new ZSetValue();
    const names = Array.from({ length: 2000 }, (_, i) => `n${i}`);
    for (const m of names) z.set(m, Math.floor(rand() * 50));
    for (let i = names.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [names[i], names[j]] = [names[j], names[i]];
    }
    for (const m of names.slice(0, 1990)) expect(z.remove(m)).toBe(true);
    const left = sorted(new Map(names.slice(1990).map((m) => [m, z.score(m)!])));
    expect([...z.entries()]).toEqual(left);
    left.forEach(([m], i) => expect(z.rank(m)).toBe(i));
    for (const m of names.slice(1990)) z.remove(m);
    expect(z.size).toBe(0);
    expect(z.zsl.level).toBe(1);
    expect(z.zsl.tail).toBeNull();
    z.set('again', 1);
    z.set('before', 0);
    expect([...z.entries()]).toEqual([['before', 0], ['again', 1]]);
    expect(z.rangeByRank(0, 1, true)).toEqual([['again', 1], ['before', 0]]);
  });

  it('orders members by bytes, not locale', () => {
    const z = new ZSetValue();
    for (const m of ['b', 'B', 'a', '\xff', '\x00', 'ab', '']) z.set(m, 1);
    expect([...z.entries()].map((e) => e[0])).toEqual(['', '\x00', 'B', 'a', 'ab', 'b', '\xff']);
    const [lo, hi] = z.lexRanks({ min: { kind: 'member', member: 'a', exclusive: false }, max: { kind: '+' } });
    expect(z.rangeByRank(lo, hi - 1).map((e) => e[0])).toEqual(['a', 'ab', 'b', '\xff']);
    const [lo2, hi2] = z.lexRanks({ min: { kind: 'member', member: 'a', exclusive: true }, max: { kind: 'member', member: 'b', exclusive: true } });
    expect(z.rangeByRank(lo2, hi2 - 1).map((e) => e[0])).toEqual(['ab']);
  });

  it('clones independently and stays fast on 100k members', () => {
    const z = new ZSetValue();
    for (let i = 0; i < 100000; i++) z.set(`k${i}`, i);
    expect(z.rank('k99999')).toBe(99999);
    expect(z.rangeByRank(50000, 50001)).toEqual([['k50000', 50000], ['k50001', 50001]]);
    const c = z.clone();
    c.remove('k0');
    expect(z.size).toBe(100000);
    expect(c.size).toBe(99999);
    expect(c.rank('k1')).toBe(0);
  });
});

describe('score parsing (strtod as Redis calls it)', () => {
  it('parses ZADD scores like getDoubleFromObject', () => {
    expect(tryParseScore('1.5')).toBe(1.5);
    expect(tryParseScore('-inf')).toBe(-Infinity);
    expect(tryParseScore('+Infinity')).toBe(Infinity);
    expect(tryParseScore('0x10')).toBe(16);
    expect(tryParseScore('0x1p-2')).toBe(0.25);
    expect(tryParseScore('1e308')).toBe(1e308);
    expect(Object.is(tryParseScore('-0'), -0)).toBe(true);
    expect(tryParseScore('4.9e-324')).toBe(5e-324);
    for (const bad of ['', ' 1', '1 ', 'nan', '-nan', '1e400', '1e-400', 'abc', '1e', '1\x00', 'infx', '.', '+']) {
      expect(tryParseScore(bad)).toBeNull();
    }
  });

  it('parses range bounds like zslParseRange and lex bounds like zslParseLexRange', () => {
    expect(parseScoreRange('(1', ' 2')).toEqual({ min: 1, minex: true, max: 2, maxex: false });
    expect(parseScoreRange('', '(')).toEqual({ min: 0, minex: false, max: 0, maxex: true });
    expect(parseScoreRange('1e400', '1\x00junk')).toEqual({ min: Infinity, minex: false, max: 1, maxex: false });
    expect(() => parseScoreRange('nan', '1')).toThrow('ERR min or max is not a float');
    expect(() => parseScoreRange('[1', '1')).toThrow('ERR min or max is not a float');
    expect(parseLexRange('-', '+')).toEqual({ min: { kind: '-' }, max: { kind: '+' } });
    expect(parseLexRange('(a', '[')).toEqual({
      min: { kind: 'member', member: 'a', exclusive: true },
      max: { kind: 'member', member: '', exclusive: false },
    });
    expect(() => parseLexRange('a', '+')).toThrow('ERR min or max not valid string range item');
    expect(() => parseLexRange('-x', '+')).toThrow('ERR min or max not valid string range item');
  });
});

describe('listpack score normalization and encodings', () => {
  it('a listpack turns -0 into 0; a skiplist keeps it', () => {
    const lp = new ZSetValue();
    lp.set('a', -0);
    expect(Object.is(lp.score('a'), 0)).toBe(true);
    const sk = new ZSetValue();
    sk.listpack = false;
    sk.set('a', -0);
    expect(Object.is(sk.score('a'), -0)).toBe(true);
    expect(sk.encoding).toBe('skiplist');
    expect(sk.clone().encoding).toBe('skiplist');
  });

  it('estimates a skiplist bigger than its listpack, growing with members', () => {
    const z = new ZSetValue();
    for (let i = 0; i < 100; i++) z.set(`m${i}`, i);
    const asListpack = z.memoryUsage(5);
    z.listpack = false;
    const asSkiplist = z.memoryUsage(Number.MAX_SAFE_INTEGER);
    expect(asSkiplist).toBeGreaterThan(asListpack * 3);
    for (let i = 100; i < 1000; i++) z.set(`m${i}`, i);
    expect(z.memoryUsage(Number.MAX_SAFE_INTEGER)).toBeGreaterThan(asSkiplist * 8);
  });
});
