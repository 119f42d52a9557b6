/**
 * The bulk paths of loading collections (arrays handed to the dict, a skiplist built in one pass
 * from sorted entries): same values as adding one by one, and every load-time check kept
 * (repeated members with the offset of the repeat, NaN scores, in Redis's order).
 */
import { describe, expect, it } from 'vitest';
import { SkipList, type SkipNode } from '../../src/keyspace/types/skiplist.js';
import { HashValue } from '../../src/keyspace/types/hash.js';
import { SetValue } from '../../src/keyspace/types/set.js';
import { ZSetValue } from '../../src/keyspace/types/zset.js';
import { encodeListpack } from '../../src/persistence/listpack.js';
import { RdbFormatError, RdbReader } from '../../src/persistence/rdb-primitives.js';
import { readValue } from '../../src/persistence/rdb-value-reader.js';
import {
  DEFAULT_RDB_VALUE_OPTIONS,
  RDB_TYPE_HASH,
  RDB_TYPE_HASH_LISTPACK,
  RDB_TYPE_SET,
  RDB_TYPE_SET_LISTPACK,
  RDB_TYPE_ZSET,
  RDB_TYPE_ZSET_2,
  RDB_TYPE_ZSET_LISTPACK,
} from '../../src/persistence/rdb-value-types.js';

/** An RDB length (6- or 14-bit forms are enough here). */
function len(n: number): Buffer {
  return n < 64 ? Buffer.from([n]) : Buffer.from([0x40 | (n >> 8), n & 0xff]);
}
const str = (s: string | Buffer): Buffer => {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  return Buffer.concat([len(b.length), b]);
};
function dbl(d: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(d);
  return b;
}

/** Reads one value; with `parts`, also the offset where part i starts. */
function read(type: number, parts: Buffer[]) {
  const buf = Buffer.concat(parts);
  return readValue(new RdbReader(buf), type, DEFAULT_RDB_VALUE_OPTIONS);
}
const offsetOf = (parts: Buffer[], i: number): number => parts.slice(0, i).reduce((a, b) => a + b.length, 0);

function failure(type: number, parts: Buffer[]): RdbFormatError {
  try {
    read(type, parts);
  } catch (e) {
    expect(e).toBeInstanceOf(RdbFormatError);
    return e as RdbFormatError;
  }
  throw new Error('expected a failure');
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** Every link and span of a skiplist, level by level. */
function shape(z: SkipList): string {
  const out: unknown[] = [z.length, z.level, z.tail?.member ?? null];
  for (let x: SkipNode | null = z.header; x !== null; x = x.n0) {
    const links: unknown[] = [];
    const top = x === z.header ? z.level : x.level;
    for (let i = 1; i < top; i++) links.push((x.up![2 * i - 2] as SkipNode | null)?.member ?? null, x.up![2 * i - 1]);
    out.push([x.member, x.score, x.backward?.member ?? null, links]);
  }
  return JSON.stringify(out);
}

describe('SkipList.build', () => {
  it('builds what inserting one by one builds (same random levels), sorted either way or not', () => {
    const rand = seeded(7);
    for (let t = 0; t < 60; t++) {
      const n = Math.floor(rand() * 200);
      const items: Array<[number, string]> = [];
      for (let i = 0; i < n; i++) items.push([Math.floor(rand() * 15), `m${i}`]);
      items.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
      const given = t % 3 === 0 ? [...items].reverse() : t % 3 === 1 ? items : [...items].sort(() => rand() - 0.5);
      const seed = 1000 + t;
      const built = new SkipList(seeded(seed));
      built.build(
        given.map((x) => x[0]),
        given.map((x) => x[1]),
      );
      const r2 = seeded(seed);
      const inserted = new SkipList(r2);
      // sorted input: insert in ascending order (the random levels then go to the same nodes)
      for (const [s, m] of t % 3 === 2 ? given : items) inserted.insert(s, m);
      if (t % 3 !== 2) expect(shape(built)).toBe(shape(inserted));
      for (let i = 0; i < n; i++) {
        const x = built.byRank(i)!;
        expect(x.member).toBe(items[i]![1]);
        expect(built.rank(x.score, x.member)).toBe(i);
      }
      // still a working skiplist afterwards
      for (let k = 0; k < 10 && n > 0; k++) {
        const e = items[Math.floor(rand() * n)]!;
        expect(built.delete(e[0], e[1])).toBe(true);
        e[0] += 0.5;
        built.insert(e[0], e[1]);
      }
      let i = 0;
      for (let x = built.first(); x !== null; x = x.succ, i++) {
        expect(built.rank(x.score, x.member)).toBe(i);
        expect(built.byRank(i)).toBe(x);
      }
      expect(i).toBe(n);
    }
  });
});

describe('bulk init of values', () => {
  it('reports the first repeat and keeps the given order', () => {
    const s = new SetValue();
    expect(s.initMembers(['a', 'b', 'c'])).toBe(-1);
    expect([...s.members()]).toEqual(['a', 'b', 'c']);
    expect(new SetValue().initMembers(['a', 'b', 'a', 'b'])).toBe(2);
    const h = new HashValue();
    expect(h.initEntries(['f', 'g'], ['1', '2'])).toBe(-1);
    expect([...h.entries()]).toEqual([
      ['f', '1'],
      ['g', '2'],
    ]);
    expect(new HashValue().initEntries(['f', 'g', 'g'], ['1', '2', '3'])).toBe(2);
    const z = new ZSetValue();
    expect(z.initEntries(['c', 'b', 'a'], [3, 2, -0])).toBe(-1);
    expect(Object.is(z.score('a'), 0)).toBe(true); // a listpack holds -0 as 0
    expect([...z.dict.keys()]).toEqual(['c', 'b', 'a']);
    expect(z.rank('a')).toBe(0);
    expect(z.rank('c')).toBe(2);
    expect(new ZSetValue().initEntries(['a', 'b', 'a'], [1, 2, 3])).toBe(2);
  });
});

describe('loading collections in bulk', () => {
  it('a ZSET_2 saved from the tail (descending) loads sorted, dict in file order', () => {
    const parts = [len(3), str('c'), dbl(3), str('b'), dbl(2), str('a'), dbl(1)];
    const z = read(RDB_TYPE_ZSET_2, parts) as ZSetValue;
    expect(z.size).toBe(3);
    expect([...z.dict.keys()]).toEqual(['c', 'b', 'a']);
    expect(z.zsl.first()!.member).toBe('a');
    expect(z.rank('c')).toBe(2);
  });

  it('an unsorted ZSET loads sorted', () => {
    const z = read(RDB_TYPE_ZSET, [len(3), str('b'), str('2'), str('a'), str('5'), str('c'), str('1')]) as ZSetValue;
    expect(z.rank('c')).toBe(0);
    expect(z.rank('b')).toBe(1);
    expect(z.rank('a')).toBe(2);
  });

  it('a repeated set member fails at the repeat', () => {
    const parts = [len(4), str('a'), str('b'), str('a'), str('c')];
    const e = failure(RDB_TYPE_SET, parts);
    expect(e.message).toContain('duplicate set members detected');
    expect(e.offset).toBe(offsetOf(parts, 3));
  });

  it('a repeated hash field fails at the repeat', () => {
    const parts = [len(3), str('f'), str('1'), str('g'), str('2'), str('f'), str('3')];
    const e = failure(RDB_TYPE_HASH, parts);
    expect(e.message).toContain('duplicate hash fields detected');
    expect(e.offset).toBe(offsetOf(parts, 5));
  });

  it('a repeated zset member fails at the repeat, even with sorted scores', () => {
    const parts = [len(3), str('a'), dbl(1), str('b'), dbl(2), str('a'), dbl(3)];
    const e = failure(RDB_TYPE_ZSET_2, parts);
    expect(e.message).toContain('duplicate zset fields detected');
    expect(e.offset).toBe(offsetOf(parts, 5));
  });

  it('NaN and repeats are reported in the order Redis meets them', () => {
    const dupFirst = [len(3), str('a'), dbl(1), str('a'), dbl(2), str('b'), dbl(NaN)];
    const e1 = failure(RDB_TYPE_ZSET_2, dupFirst);
    expect(e1.message).toContain('duplicate zset fields detected');
    expect(e1.offset).toBe(offsetOf(dupFirst, 3));
    const nanFirst = [len(3), str('a'), dbl(NaN), str('a'), dbl(2), str('b'), dbl(1)];
    const e2 = failure(RDB_TYPE_ZSET_2, nanFirst);
    expect(e2.message).toContain('zset with NAN score detected');
    expect(e2.offset).toBe(offsetOf(nanFirst, 1));
  });

  it('repeats inside listpacks are integrity failures', () => {
    const set = failure(RDB_TYPE_SET_LISTPACK, [str(encodeListpack(['x', 'y', 'x']))]);
    expect(set.message).toContain('set listpack integrity check failed (duplicate members)');
    const hash = failure(RDB_TYPE_HASH_LISTPACK, [str(encodeListpack(['f', '1', 'f', '2']))]);
    expect(hash.message).toContain('hash listpack integrity check failed (duplicate fields)');
    const zset = failure(RDB_TYPE_ZSET_LISTPACK, [str(encodeListpack(['m', 1, 'n', 2, 'm', 3]))]);
    expect(zset.message).toContain('zset listpack integrity check failed (duplicate members)');
    const bad = failure(RDB_TYPE_ZSET_LISTPACK, [str(encodeListpack(['m', 1, 'm', 2, 'n', 'x']))]);
    expect(bad.message).toContain('zset listpack integrity check failed (duplicate members)');
    const nan = failure(RDB_TYPE_ZSET_LISTPACK, [str(encodeListpack(['m', 'x', 'm', 2]))]);
    expect(nan.message).toContain('zset listpack integrity check failed (invalid score)');
  });

  it('a listpack zset with -0 holds 0', () => {
    const z = read(RDB_TYPE_ZSET_LISTPACK, [str(encodeListpack(['a', '-0', 'b', 1]))]) as ZSetValue;
    expect(Object.is(z.score('a'), 0)).toBe(true);
    expect(z.encoding).toBe('listpack');
  });
});
