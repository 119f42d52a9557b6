/**
 * A random workload for snapshot tests: a keyspace of mixed types and random writes of every kind
 * (new keys, overwrites, deletes, in-place collection edits, TTL changes, renames, lazy expiry, FLUSHDB,
 * SWAPDB), done the way command handlers do them.
 */
import type { Keyspace } from '../../src/keyspace/keyspace.js';
import { HashValue } from '../../src/keyspace/types/hash.js';
import { ListValue } from '../../src/keyspace/types/list.js';
import { SetValue } from '../../src/keyspace/types/set.js';
import { ZSetValue } from '../../src/keyspace/types/zset.js';
import type { ManualClock } from '../../src/util/clock.js';

let nextId = 0;

/** Fills dbs 0.. with keysPerDb[i] keys: mostly strings, some small and big collections, 10% with a TTL. */
export function populate(ks: Keyspace, r: () => number, keysPerDb: number[], clock: ManualClock, bigEvery = 0.1): void {
  keysPerDb.forEach((n, dbi) => {
    const db = ks.dbs[dbi];
    for (let i = 0; i < n; i++) {
      const key = `k${dbi}:${i}`;
      const t = r();
      if (t < 0.85) db.set(key, `v${i}:${'x'.repeat(Math.floor(r() * 30))}`);
      else if (t < 0.9) {
        const h = new HashValue();
        const fields = r() < bigEvery ? 150 + Math.floor(r() * 300) : 1 + Math.floor(r() * 10);
        for (let j = 0; j < fields; j++) h.set(`f${j}`, `v${j}`);
        h.updateEncoding(512, 64, []);
        db.set(key, h);
      } else if (t < 0.94) {
        const s = new SetValue();
        const members = r() < bigEvery ? 200 : 1 + Math.floor(r() * 10);
        for (let j = 0; j < members; j++) s.add(`m${j}`);
        s.intset = false; // as SADD leaves it: the members are not integers
        db.set(key, s);
      } else if (t < 0.97) {
        const l = new ListValue();
        const len = r() < bigEvery ? 300 : 1 + Math.floor(r() * 10);
        for (let j = 0; j < len; j++) l.pushTail(`e${j}`);
        db.set(key, l);
      } else {
        const z = new ZSetValue();
        const members = r() < bigEvery ? 200 : 1 + Math.floor(r() * 10);
        for (let j = 0; j < members; j++) z.set(`z${j}`, Math.floor(r() * 100));
        if (members > 128) z.listpack = false;
        db.set(key, z);
      }
      if (r() < 0.1) db.setExpire(key, clock.now() + 1 + Math.floor(r() * 100_000));
    }
  });
}

/**
 * One random write of any kind, as commands do it (willModify before in-place edits) on dbs 0..5.
 * `minTtl` keeps new TTLs at least that far ahead (a file loaded by a real Redis later must not lose keys).
 */
export function randomWrite(ks: Keyspace, r: () => number, clock: ManualClock, minTtl = 1): string {
  const db = ks.dbs[Math.floor(r() * 6)];
  const key = db.randomKey(r);
  const op = r();
  if (op < 0.15 || key === undefined) {
    db.set(`new${nextId++}`, `fresh${r()}`);
    return 'new';
  }
  if (op < 0.3) {
    db.overwrite(key, `over${r()}`);
    return 'overwrite';
  }
  if (op < 0.4) {
    db.delete(key);
    return 'delete';
  }
  if (op < 0.65) {
    const v = db.peek(key)!;
    if (typeof v === 'string') {
      db.set(key, v + 'app'); // APPEND stores a new string
      return 'append';
    }
    db.willModify(key);
    switch (v.type) {
      case 'hash': {
        const h = v as HashValue;
        if (r() < 0.5 && h.size > 1) h.remove(h.dict.keyAt(Math.floor(r() * h.size)));
        else {
          const f = `nf${nextId++}`;
          h.set(f, 'x');
          h.updateEncoding(512, 64, [f]);
        }
        break;
      }
      case 'set': {
        const s = v as SetValue;
        if (r() < 0.5 && s.size > 1) s.remove(s.dict.keyAt(0));
        else s.add(`nm${nextId++}`);
        break;
      }
      case 'list': {
        const l = v as ListValue;
        if (r() < 0.3 && l.length > 1) l.popHead();
        else if (r() < 0.5) l.pushTail(`ne${nextId++}`);
        else l.setAt(0, `set${nextId++}`);
        break;
      }
      case 'zset': {
        const z = v as ZSetValue;
        const m = `nz${nextId++}`;
        z.beforeInsert(m, 128, 64);
        z.set(m, r() * 10);
        break;
      }
    }
    return 'edit';
  }
  if (op < 0.75) {
    if (r() < 0.5) db.setExpire(key, clock.now() + minTtl + Math.floor(r() * 1000));
    else db.removeExpire(key);
    return 'ttl';
  }
  if (op < 0.85) {
    // RENAME key -> another name (often on another page), keeping the TTL
    const v = db.peek(key)!;
    const exp = db.getExpire(key);
    const dst = `ren${nextId++}`;
    db.delete(key);
    db.set(dst, v);
    if (exp !== undefined) db.setExpire(dst, exp);
    return 'rename';
  }
  if (op < 0.95) {
    // lazy expiry: time passes, a read finds the key expired and deletes it
    clock.advance(Math.floor(r() * 50));
    db.get(key);
    return 'expire';
  }
  if (op < 0.975) {
    db.flush();
    return 'flush';
  }
  const other = ks.dbs[Math.floor(r() * 6)];
  if (other !== db) db.swapContents(other);
  return 'swap';
}

