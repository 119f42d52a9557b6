/**
 * The point-in-time snapshot walker: whatever is written between slices (sets, deletes, in-place
 * collection edits, TTL changes, renames, FLUSHDB, SWAPDB, lazy expiry, new keys), the entries emitted
 * are exactly the keyspace at the start instant; pages are copied at most once; slices are bounded; big
 * values are written in parts and survive modification while being written.
 */
import { describe, expect, it } from 'vitest';
import type { Db, DbEnv } from '../../src/keyspace/db.js';
import { Keyspace } from '../../src/keyspace/keyspace.js';
import { HashValue } from '../../src/keyspace/types/hash.js';
import { ListValue } from '../../src/keyspace/types/list.js';
import { SetValue } from '../../src/keyspace/types/set.js';
import { ZSetValue } from '../../src/keyspace/types/zset.js';
import type { Value } from '../../src/keyspace/value.js';
import { Snapshot, SnapshotAbortedError, type SnapshotSink, type ValueCursor } from '../../src/persistence/snapshot.js';
import { ManualClock } from '../../src/util/clock.js';
import { rng } from '../helpers/rng.js';
import { populate, randomWrite } from '../helpers/snapshot-workload.js';

function makeKeyspace(clock = new ManualClock(1_000_000)): Keyspace {
  const env: DbEnv = { clock, deleteExpired: true, expired: () => {}, added: () => {} };
  return new Keyspace(16, env);
}

/** Element i of a collection, by index (the access a real RDB cursor uses too). */
function elementAt(v: Exclude<Value, string>, i: number): string {
  switch (v.type) {
    case 'hash': {
      const h = v as HashValue;
      return `${h.dict.keyAt(i)}=${h.dict.valueAt(i)}`;
    }
    case 'set':
      return (v as SetValue).dict.keyAt(i);
    case 'list':
      return (v as ListValue).at(i);
    case 'zset': {
      const n = (v as ZSetValue).nodeAt(i)!;
      return `${n.member}:${n.score}`;
    }
    default:
      throw new Error(v.type);
  }
}

function sizeOf(v: Exclude<Value, string>): number {
  return v.type === 'list' ? (v as ListValue).length : (v as HashValue | SetValue | ZSetValue).size;
}

/** Canonical text of a finished value: order-free types sorted. */
function canonical(type: string, elements: string[]): string {
  const els = type === 'hash' || type === 'set' ? [...elements].sort() : elements;
  return `${type}|${els.join('\u0001')}`;
}

function canonValue(v: Value): string {
  if (typeof v === 'string') return `string|${v}`;
  const n = sizeOf(v);
  const els: string[] = new Array(n);
  for (let i = 0; i < n; i++) els[i] = elementAt(v, i);
  return canonical(v.type, els);
}

type Dump = Map<number, Map<string, string>>;

function dumpKeyspace(ks: Keyspace): Dump {
  const out: Dump = new Map();
  for (const db of ks.dbs) {
    if (db.size === 0) continue;
    const m = new Map<string, string>();
    for (const [k, v] of db.entries()) m.set(k, `${canonValue(v)}|exp=${db.getExpire(k)}`);
    out.set(db.id, m);
  }
  return out;
}

/** Collects entries; writes collections bigger than `partsOver` elements through a cursor. */
class CollectSink implements SnapshotSink {
  readonly dump: Dump = new Map();
  readonly dbOrder: number[] = [];
  sizes = new Map<number, [number, number]>();
  entries = 0;
  ended = false;
  aborted: Error | null = null;
  rebases = 0;
  constructor(private readonly partsOver = 100) {}

  beginDb(index: number, keys: number, expires: number): void {
    this.dbOrder.push(index);
    this.sizes.set(index, [keys, expires]);
    this.dump.set(index, new Map());
  }

  entry(db: number, key: string, value: Value, expireAt: number | undefined): ValueCursor | null {
    this.entries++;
    const m = this.dump.get(db)!;
    if (m.has(key)) throw new Error(`duplicate key ${key} in db ${db}`);
    if (typeof value === 'string' || sizeOf(value) <= this.partsOver) {
      m.set(key, `${canonValue(value)}|exp=${expireAt}`);
      return null;
    }
    let v = value;
    const total = sizeOf(v);
    const els: string[] = [];
    const sink = this;
    return {
      step(budget: number): boolean {
        // the value must not change under the cursor: its size is checked on every step
        if (sizeOf(v) !== total) throw new Error(`value ${key} changed while being written`);
        const end = Math.min(total, els.length + budget);
        for (let i = els.length; i < end; i++) els.push(elementAt(v, i));
        if (els.length < total) return false;
        m.set(key, `${canonical(v.type, els)}|exp=${expireAt}`);
        return true;
      },
      rebase(copy: Value): void {
        sink.rebases++;
        v = copy as Exclude<Value, string>;
      },
    };
  }

  end(): void {
    this.ended = true;
  }

  abort(reason: Error): void {
    this.aborted = reason;
  }
}

describe('Snapshot', () => {
  it('emits exactly the keyspace at the start instant under random writes of every kind', () => {
    const clock = new ManualClock(1_000_000);
    const ks = makeKeyspace(clock);
    const r = rng(42);
    populate(ks, r, [20000, 15000, 10000, 5000], clock);
    const expected = dumpKeyspace(ks);
    const pagesAtStart = ks.dbs.reduce((n, db) => n + (db.size > 0 ? db.pageCount : 0), 0);

    const sink = new CollectSink();
    const snap = Snapshot.start(ks, sink);
    const captured = new Set<string>();
    snap.onCapture = (dbi, p) => {
      const id = `${dbi}:${p}`;
      expect(captured.has(id)).toBe(false);
      captured.add(id);
    };
    const ops = new Map<string, number>();
    let slices = 0;
    for (;;) {
      const before = sink.entries;
      const done = snap.slice({ maxUnits: 300, maxMs: 1e9 });
      slices++;
      expect(sink.entries - before).toBeLessThanOrEqual(300);
      if (done) break;
      const writes = 1 + Math.floor(r() * 20);
      for (let i = 0; i < writes; i++) {
        const what = randomWrite(ks, r, clock);
        ops.set(what, (ops.get(what) ?? 0) + 1);
      }
    }
    expect(sink.ended).toBe(true);
    expect(sink.dump).toEqual(expected);
    expect(sink.dbOrder).toEqual([0, 1, 2, 3]);
    expect(sink.sizes.get(0)![0]).toBe(expected.get(0)!.size);
    for (const what of ['new', 'overwrite', 'delete', 'edit', 'ttl', 'rename', 'expire', 'flush', 'swap']) {
      expect(ops.get(what) ?? 0, what).toBeGreaterThan(0);
    }
    expect(snap.stats.keys).toBe(50000);
    expect(snap.stats.pages).toBe(pagesAtStart); // walked every page of every non-empty db
    expect(snap.stats.cowPages).toBeGreaterThan(0);
    expect(snap.stats.cowPages).toBeLessThanOrEqual(pagesAtStart);
    expect(snap.stats.cowBytes).toBeGreaterThan(0);
    expect(slices).toBeGreaterThan(100);
    // detached: every db is unobserved again
    for (const db of ks.dbs) expect(db.observer).toBeNull();
  });

  it('FLUSHALL and SWAPDB copy nothing, and the snapshot still holds the old contents', () => {
    const ks = makeKeyspace();
    for (let i = 0; i < 3000; i++) ks.dbs[0].set(`a${i}`, 'A');
    for (let i = 0; i < 2000; i++) ks.dbs[1].set(`b${i}`, 'B');
    ks.dbs[1].setExpire('b1', 5_000_000);
    const expected = dumpKeyspace(ks);
    const sink = new CollectSink();
    const snap = Snapshot.start(ks, sink);
    snap.slice({ maxUnits: 100 });
    ks.dbs[0].swapContents(ks.dbs[1]);
    // writes now reach db 1's recorded contents through the db 0 object
    ks.dbs[0].set('b5', 'changed');
    ks.dbs[0].delete('b6');
    for (const db of ks.dbs) db.flush();
    ks.dbs[0].set('after', 'flush');
    while (!snap.slice({ maxUnits: 500 }));
    expect(sink.dump).toEqual(expected);
    expect(snap.stats.cowPages).toBeLessThanOrEqual(2);
  });

  it('writes a big value in parts over several slices, cloning it once when it is modified meanwhile', () => {
    const ks = makeKeyspace();
    const db = ks.dbs[0];
    const h = new HashValue();
    for (let i = 0; i < 50000; i++) h.set(`field:${i}`, `value:${i}`);
    h.listpack = false;
    db.set('big', h);
    for (let i = 0; i < 200; i++) db.set(`s${i}`, 'v');
    const expected = dumpKeyspace(ks);
    const sink = new CollectSink();
    const snap = Snapshot.start(ks, sink);
    let slices = 0;
    let edited = false;
    while (!snap.slice({ maxUnits: 1000 })) {
      slices++;
      if (slices === 20 && !edited) {
        // HSET big ... and HDEL while the value is half written
        db.willModify('big');
        h.set('field:new', 'x');
        h.remove('field:3');
        edited = true;
      }
    }
    expect(edited).toBe(true);
    expect(sink.rebases).toBe(1);
    expect(snap.stats.cowValues).toBe(1);
    expect(sink.dump).toEqual(expected);
    expect(slices).toBeGreaterThan(40);
  });

  it('runs by itself in slices well under a millisecond, and can be cancelled', async () => {
    const ks = makeKeyspace();
    const r = rng(7);
    const clock = new ManualClock(1_000_000);
    populate(ks, r, [15000, 10000], clock);
    const expected = dumpKeyspace(ks);
    const sink = new CollectSink();
    const snap = Snapshot.start(ks, sink);
    // writes from "clients" between slices
    const writer = setInterval(() => {
      for (let i = 0; i < 50; i++) randomWrite(ks, r, clock);
    }, 1);
    const stats = await snap.run({ maxMs: 0.5 }).finally(() => clearInterval(writer));
    expect(sink.dump).toEqual(expected);
    expect(stats.slices).toBeGreaterThan(1);

    // slice times: a slice stops at its budget (0.5 ms) plus at most 8 entries; the rare long ones are GC
    // pauses and CPU contention, so the test bounds the median
    const ks3 = makeKeyspace();
    populate(ks3, r, [30000, 20000], clock, 0.01);
    const snap3 = Snapshot.start(ks3, new CollectSink());
    const times: number[] = [];
    for (let done = false; !done; ) {
      const t = performance.now();
      done = snap3.slice({ maxMs: 0.5 });
      times.push(performance.now() - t);
      for (let i = 0; i < 20; i++) randomWrite(ks3, r, clock);
    }
    times.sort((a, b) => a - b);
    const median = times[times.length >> 1];
    expect(median).toBeLessThan(1.5);
    console.log(
      `snapshot of 50k keys: ${times.length} slices, median ${median.toFixed(3)} ms, ` +
        `p90 ${times[Math.floor(times.length * 0.9)].toFixed(3)} ms, max ${times.at(-1)!.toFixed(3)} ms; ` +
        `cow ${snap3.stats.cowPages} pages / ${snap3.stats.cowBytes} bytes`,
    );

    const ks2 = makeKeyspace();
    populate(ks2, r, [5000], clock);
    const sink2 = new CollectSink();
    const snap2 = Snapshot.start(ks2, sink2);
    expect(() => Snapshot.start(ks2, new CollectSink())).toThrow(/already running/);
    const running = snap2.run();
    snap2.cancel();
    await expect(running).rejects.toBeInstanceOf(SnapshotAbortedError);
    expect(sink2.aborted).toBeInstanceOf(SnapshotAbortedError);
    expect(sink2.ended).toBe(false);
    for (const d of ks2.dbs as Db[]) expect(d.observer).toBeNull();
  });

  it('Db tells an observer about FLUSHDB and SWAPDB, or falls back to per-page hooks', () => {
    const ks = makeKeyspace();
    const [a, b] = ks.dbs;
    for (let i = 0; i < 100; i++) a.set(`a${i}`, 'v');
    const pages: string[] = [];
    const plain = { beforePageWrite: (db: Db, p: number) => void pages.push(`${db.id}:${p}`) };
    a.observer = plain;
    b.observer = plain;
    a.swapContents(b);
    expect(pages.length).toBe(a.pageCount + b.pageCount);
    pages.length = 0;
    b.flush();
    expect(pages.length).toBe(16);
    const calls: string[] = [];
    const full = {
      beforePageWrite: () => void calls.push('page'),
      beforeFlush: (db: Db) => void calls.push(`flush ${db.id}`),
      beforeSwap: (x: Db, y: Db) => void calls.push(`swap ${x.id} ${y.id}`),
    };
    a.observer = full;
    b.observer = full;
    a.swapContents(b);
    a.flush();
    expect(calls).toEqual(['swap 0 1', 'flush 0']);
    a.observer = null;
    b.observer = null;
  });
});
