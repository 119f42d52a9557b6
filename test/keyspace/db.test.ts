/**
 * Db unit tests: paged storage under growth, SCAN's cursor over split pages, lazy expiry,
 * flush, swapContents, randomKey and the snapshot observer hook.
 */
import { describe, expect, it } from 'vitest';
import { Db, type DbEnv } from '../../src/keyspace/db.js';
import { Keyspace } from '../../src/keyspace/keyspace.js';
import { ManualClock } from '../../src/util/clock.js';

function makeEnv(clock = new ManualClock(1_000_000)): DbEnv & { clock: ManualClock; expiredKeys: string[] } {
  const expiredKeys: string[] = [];
  return { clock, deleteExpired: true, expired: (_db, key) => expiredKeys.push(key), added: () => {}, expiredKeys };
}

function fullScan(db: Db, count = 10, between?: () => void): string[] {
  const out: string[] = [];
  let cursor = 0;
  do {
    cursor = db.scan(cursor, count, (k) => out.push(k));
    between?.();
  } while (cursor !== 0);
  return out;
}

describe('Db pages', () => {
  it('keeps every key reachable while pages split', () => {
    const db = new Db(0, makeEnv());
    for (let i = 0; i < 20000; i++) {
      db.set(`k${i}`, String(i));
      if (i % 997 === 0) for (let j = 0; j <= i; j += 101) expect(db.get(`k${j}`)).toBe(String(j));
    }
    expect(db.size).toBe(20000);
    expect(db.pageCount).toBeGreaterThan(16);
    for (let i = 0; i < 20000; i++) expect(db.peek(`k${i}`)).toBe(String(i));
    expect([...db.keys()].length).toBe(20000);
    // every key is on the page pageOf() names
    for (let p = 0; p < db.pageCount; p++) for (const k of db.page(p).keys()) expect(db.pageOf(k)).toBe(p);
  });

  it('overwrite does not change the count; delete does', () => {
    const db = new Db(0, makeEnv());
    db.set('a', '1');
    db.set('a', '2');
    expect(db.size).toBe(1);
    expect(db.delete('a')).toBe(true);
    expect(db.delete('a')).toBe(false);
    expect(db.size).toBe(0);
  });

  it('scan returns each key exactly once on a stable table, for any count', () => {
    const db = new Db(0, makeEnv());
    for (let i = 0; i < 5000; i++) db.set(`k${i}`, 'v');
    for (const count of [1, 10, 100, 100000]) {
      const keys = fullScan(db, count);
      expect(keys.length).toBe(5000);
      expect(new Set(keys).size).toBe(5000);
    }
  });

  it('scan over split pages returns every key present throughout while the table grows', () => {
    const db = new Db(0, makeEnv());
    for (let i = 0; i < 2000; i++) db.set(`stay${i}`, 'v');
    let n = 0;
    const before = db.pageCount;
    const seen = new Set(
      fullScan(db, 20, () => {
        if (n < 40000) for (let i = 0; i < 700; i++) db.set(`grow${n++}`, 'v');
      }),
    );
    expect(db.pageCount).toBeGreaterThan(before * 8);
    for (let i = 0; i < 2000; i++) expect(seen.has(`stay${i}`)).toBe(true);
  });

  it('scan from an arbitrary large cursor terminates', () => {
    const db = new Db(0, makeEnv());
    for (let i = 0; i < 100; i++) db.set(`k${i}`, 'v');
    let cursor = 0xfffffff0;
    let steps = 0;
    do cursor = db.scan(cursor, 1, () => {});
    while (cursor !== 0 && ++steps < 100);
    expect(cursor).toBe(0);
  });

  it('pages do not split while an observer is attached, and it hears every page write', () => {
    const db = new Db(0, makeEnv());
    const writes: number[] = [];
    db.observer = { beforePageWrite: (_db, p) => writes.push(p) };
    for (let i = 0; i < 3000; i++) db.set(`k${i}`, 'v');
    expect(db.pageCount).toBe(16);
    expect(writes.length).toBe(3000);
    writes.length = 0;
    db.setExpire('k1', 5);
    db.removeExpire('k1');
    db.willModify('k2');
    db.delete('k3');
    expect(writes).toEqual([db.pageOf('k1'), db.pageOf('k1'), db.pageOf('k2'), db.pageOf('k3')]);
    db.observer = null;
    db.set('more', 'v');
    expect(db.pageCount).toBe(17);
    for (let i = 4; i < 3000; i++) expect(db.has(`k${i}`)).toBe(true);
  });
});

describe('Db expiry', () => {
  it('get() expires lazily and reports it; peek() does not', () => {
    const env = makeEnv();
    const db = new Db(0, env);
    db.set('a', 'v');
    db.setExpire('a', env.clock.now() + 100);
    expect(db.get('a')).toBe('v');
    env.clock.advance(100);
    expect(db.peek('a')).toBe('v');
    expect(db.get('a')).toBe(undefined);
    expect(env.expiredKeys).toEqual(['a']);
    expect(db.size).toBe(0);
    expect(db.expires.size).toBe(0);
  });

  it('a replica hides expired keys but keeps them', () => {
    const env = makeEnv();
    env.deleteExpired = false;
    const db = new Db(0, env);
    db.set('a', 'v');
    db.setExpire('a', env.clock.now() - 1);
    expect(db.get('a')).toBe(undefined);
    expect(db.size).toBe(1);
    expect(env.expiredKeys).toEqual([]);
  });

  it('overwrite clears the TTL, set keeps it', () => {
    const env = makeEnv();
    const db = new Db(0, env);
    db.set('a', 'v');
    db.setExpire('a', env.clock.now() + 10);
    db.set('a', 'w');
    expect(db.getExpire('a')).toBe(env.clock.now() + 10);
    db.overwrite('a', 'x');
    expect(db.getExpire('a')).toBe(undefined);
  });

  it('active expiry removes due keys in bounded cycles', () => {
    const env = makeEnv();
    const ks = new Keyspace(2, env);
    const [db0, db1] = ks.dbs;
    for (let i = 0; i < 1000; i++) {
      db0.set(`a${i}`, 'v');
      db0.setExpire(`a${i}`, env.clock.now() + (i < 900 ? 10 : 100000));
    }
    db1.set('b', 'v');
    db1.setExpire('b', env.clock.now() + 10);
    env.clock.advance(10);
    let cycles = 0;
    while ((db0.size > 100 || db1.size > 0) && cycles++ < 100) ks.activeExpireCycle(25);
    expect(db0.size).toBe(100);
    expect(db1.size).toBe(0);
    expect(env.expiredKeys.length).toBe(901);
    expect(ks.activeExpired).toBe(901);
  });
});

describe('Db flush / swap / random', () => {
  it('flush empties, resets the table and dirties watchers of existing keys only', () => {
    const db = new Db(0, makeEnv());
    for (let i = 0; i < 5000; i++) db.set(`k${i}`, 'v');
    db.setExpire('k1', 1e15);
    const w1 = { dirty: false };
    const w2 = { dirty: false };
    db.watched.set('k1', new Set([w1]));
    db.watched.set('absent', new Set([w2]));
    expect(db.flush()).toBe(5000);
    expect(db.size).toBe(0);
    expect(db.pageCount).toBe(16);
    expect(db.expires.size).toBe(0);
    expect(db.get('k1')).toBe(undefined);
    expect(w1.dirty).toBe(true);
    expect(w2.dirty).toBe(false);
    db.set('x', 'v');
    expect(fullScan(db)).toEqual(['x']);
  });

  it('swapContents exchanges keys, TTLs and tables; watchers stay and are dirtied when the key exists on either side', () => {
    const env = makeEnv();
    const a = new Db(0, env);
    const b = new Db(1, env);
    for (let i = 0; i < 3000; i++) a.set(`a${i}`, 'v');
    a.setExpire('a1', env.clock.now() + 1000);
    b.set('b', 'v');
    const wa = { dirty: false };
    const wb = { dirty: false };
    const wNone = { dirty: false };
    a.watched.set('b', new Set([wa]));
    b.watched.set('a5', new Set([wb]));
    a.watched.set('zzz', new Set([wNone]));
    a.swapContents(b);
    expect(a.size).toBe(1);
    expect(b.size).toBe(3000);
    expect(a.get('b')).toBe('v');
    expect(b.getExpire('a1')).toBe(env.clock.now() + 1000);
    expect(b.get('a2999')).toBe('v');
    expect(fullScan(b).length).toBe(3000);
    expect(wa.dirty).toBe(true);
    expect(wb.dirty).toBe(true);
    expect(wNone.dirty).toBe(false);
    expect(a.watched.has('b')).toBe(true);
  });

  it('randomKey returns existing keys, covers them, and copes with sparse tables', () => {
    const db = new Db(0, makeEnv());
    expect(db.randomKey()).toBe(undefined);
    for (let i = 0; i < 10; i++) db.set(`k${i}`, 'v');
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) seen.add(db.randomKey()!);
    expect(seen.size).toBe(10);
    for (let i = 0; i < 20000; i++) db.set(`x${i}`, 'v');
    for (let i = 0; i < 20000; i++) db.delete(`x${i}`);
    // 10 keys over hundreds of pages: the fallback walk must still find one
    for (let i = 0; i < 50; i++) expect(db.has(db.randomKey()!)).toBe(true);
  });
});
