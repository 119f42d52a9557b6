/**
 * One database: its keys, their values and their expiry times, stored in pages.
 *
 * Pages are hash buckets (a Map each) grown by linear hashing: the table has N base pages, and
 * pages [0, splitPos) have already been split into p and p+N, one page per insert once the
 * average page holds more than PAGE_LOAD keys. Pages serve two later needs:
 *  - the background snapshot walks the keyspace page by page, and every mutation first calls
 *    `observer.beforePageWrite(db, page)` so the snapshot can copy a page it has not reached
 *    (pages are not split while an observer is attached, so page numbers stay stable);
 *  - SCAN's cursor walks pages in Redis's reverse-binary order, which returns every key present
 *    for the whole iteration even while the table grows.
 *
 * Expiry times (absolute ms) live in `expires`. Lazy expiry and the typed getters are here;
 * the time and what to do with an expired key (propagate DEL, notify) come from the DbEnv.
 * Active expiry is in keyspace.ts.
 */
import { hashKey, reverseBits32 } from './key-hash.js';
import type { Clock } from '../util/clock.js';
import { type CollectionValue, type TypeName, typeOf, type Value } from './value.js';

const INITIAL_PAGES = 16;
const PAGE_LOAD = 64;

/** Told before any page is modified (the snapshot's copy-on-write hook). */
export interface PageObserver {
  beforePageWrite(db: Db, page: number): void;
  /**
   * FLUSHDB/FLUSHALL is about to drop db's contents. flush() installs new pages and a new expiry
   * map and never writes the old ones again, so an observer holding them needs no copy. Without
   * this method, flush() calls beforePageWrite for every page instead.
   */
  beforeFlush?(db: Db): void;
  /**
   * SWAPDB is about to exchange a's and b's contents (pages, expiries): page objects move between
   * the two Db objects unchanged. Without this method, swapContents() calls beforePageWrite for
   * every page of both dbs instead.
   */
  beforeSwap?(a: Db, b: Db): void;
  /**
   * A stored collection is about to be changed in place (willModify), after beforePageWrite for its
   * page: an observer holding a reference to the same object copies it now.
   */
  beforeValueWrite?(value: CollectionValue): void;
}

/** What a db needs from the server around it: the time, and who to tell about expired keys. */
export interface DbEnv {
  readonly clock: Clock;
  /** False on a replica: logically expired keys are hidden but kept until the master's DEL. */
  deleteExpired: boolean;
  /**
   * Set while a dataset is replayed (AOF load): no key counts as expired, as Redis's keyIsExpired while
   * loading, so the replayed commands see the keys they saw when they were logged; expiry catches up after.
   */
  expiryPaused?: boolean;
  /** A key was found expired and deleted (to be propagated as DEL and notified). */
  expired(db: Db, key: string): void;
  /** A key was created (Redis's dbAdd): the 'new' keyspace event. */
  added(db: Db, key: string): void;
}

/** Thrown by typed getters; the dispatcher answers Redis's WRONGTYPE error. */
export class WrongTypeError {
  constructor(readonly key: string, readonly actual: TypeName) {}
}

/**
 * Told when a key is stored and when a db's contents are swapped (SWAPDB): the blocking
 * registry's signalKeyAsReady. Attached only while clients are blocked on keys of the db.
 */
export interface ReadyKeyObserver {
  keyStored(db: Db, key: string, value: Value): void;
  contentsSwapped(db: Db): void;
}

/** A WATCH registration: flagged when a watched key is modified. */
export interface Watcher {
  dirty: boolean;
}

export class Db {
  private pages: Map<string, Value>[] = [];
  private baseMask = INITIAL_PAGES - 1;
  private splitPos = 0;
  private count = 0;
  /** Absolute expiry time in ms for keys that have one. */
  expires = new Map<string, number>();
  /** WATCHed keys of this db. */
  readonly watched = new Map<string, Set<Watcher>>();
  /** Set while a snapshot of this db is in progress. */
  observer: PageObserver | null = null;
  /** Set while clients are blocked on keys of this db (BLPOP ...). */
  readyObserver: ReadyKeyObserver | null = null;

  constructor(
    readonly id: number,
    readonly env: DbEnv,
  ) {
    this.reset();
  }

  private reset(): void {
    this.pages = Array.from({ length: INITIAL_PAGES }, () => new Map<string, Value>());
    this.baseMask = INITIAL_PAGES - 1;
    this.splitPos = 0;
    this.count = 0;
    this.expires = new Map();
  }

  get size(): number {
    return this.count;
  }

  get pageCount(): number {
    return this.pages.length;
  }

  /** The page a key lives on. */
  pageOf(key: string): number {
    const h = hashKey(key);
    const p = h & this.baseMask;
    return p < this.splitPos ? h & ((this.baseMask << 1) | 1) : p;
  }

  /** The page's live contents (read-only use: snapshot walker, SCAN). */
  page(index: number): ReadonlyMap<string, Value> {
    return this.pages[index];
  }

  // --- Lookups with lazy expiry ---

  /** The live value at key: an expired key is deleted (on a master) and reported absent. */
  get(key: string): Value | undefined {
    const v = this.pages[this.pageOf(key)].get(key);
    if (v === undefined || this.expires.size === 0) return v;
    return this.isExpired(key) ? this.expireNow(key) : v;
  }

  /** Whether key has a TTL that has passed (without deleting it). */
  isExpired(key: string): boolean {
    const t = this.expires.get(key);
    return t !== undefined && t <= this.env.clock.now() && this.env.expiryPaused !== true;
  }

  private expireNow(key: string): undefined {
    if (this.env.deleteExpired) {
      this.delete(key);
      this.env.expired(this, key);
    }
    return undefined;
  }

  /** Deletes key if its TTL has passed; true when it did (active expiry). */
  expireIfDue(key: string): boolean {
    if (!this.isExpired(key) || !this.env.deleteExpired) return false;
    this.expireNow(key);
    return true;
  }

  exists(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** The string at key, undefined when absent; throws WrongTypeError for other types. */
  getString(key: string): string | undefined {
    const v = this.get(key);
    if (v === undefined || typeof v === 'string') return v;
    throw new WrongTypeError(key, v.type);
  }

  /** The collection of the given type at key, undefined when absent; throws on another type. */
  getTyped<T extends CollectionValue>(key: string, type: T['type']): T | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' && v.type === type) return v as T;
    throw new WrongTypeError(key, typeOf(v));
  }

  /** Stores a value as SET does: replaces whatever was there and clears its TTL. */
  overwrite(key: string, value: Value): boolean {
    const added = this.set(key, value);
    if (this.expires.size !== 0) this.expires.delete(key);
    return added;
  }

  // --- Raw access: no expiry check ---

  peek(key: string): Value | undefined {
    return this.pages[this.pageOf(key)].get(key);
  }

  has(key: string): boolean {
    return this.pages[this.pageOf(key)].has(key);
  }

  /** Stores value at key, keeping any TTL; the caller clears it if the command says so. */
  /** Returns true when the key was added (not there before: the 'new' notification). */
  set(key: string, value: Value): boolean {
    const p = this.pageOf(key);
    if (this.observer !== null) this.observer.beforePageWrite(this, p);
    const page = this.pages[p];
    const before = page.size;
    page.set(key, value);
    if (page.size !== before) {
      this.count++;
      if (this.count > this.pages.length * PAGE_LOAD && this.observer === null) this.splitOne();
    }
    if (this.watched.size !== 0) this.touchWatched(key);
    // every store (push, SORT STORE, RENAME, MOVE, RESTORE, ...) may wake a blocked client
    if (this.readyObserver !== null) this.readyObserver.keyStored(this, key, value);
    if (page.size === before) return false;
    this.env.added(this, key);
    return true;
  }

  /**
   * Grows the page table ahead of `keys` keys arriving (RESIZEDB while loading, as Redis's dictExpand):
   * splitting empty pages is cheap, splitting full ones later is not. Not while a snapshot observes.
   */
  reserve(keys: number): void {
    while (this.observer === null && this.pages.length * PAGE_LOAD < keys) this.splitOne();
  }

  /**
   * Stores a key read from a dataset being loaded (Redis's dbAddRDBLoad): no keyspace event, no
   * blocked-client wakeup, no WATCH touch. expireAt is absolute ms, -1 for none. Returns false,
   * storing nothing, when the key is already there.
   */
  loadKey(key: string, value: Value, expireAt: number): boolean {
    const p = this.pageOf(key);
    const page = this.pages[p];
    if (page.has(key)) return false;
    if (this.observer !== null) this.observer.beforePageWrite(this, p);
    page.set(key, value);
    this.count++;
    if (expireAt !== -1) this.expires.set(key, expireAt);
    if (this.count > this.pages.length * PAGE_LOAD && this.observer === null) this.splitOne();
    return true;
  }

  delete(key: string): boolean {
    const p = this.pageOf(key);
    const page = this.pages[p];
    if (!page.has(key)) return false;
    if (this.observer !== null) this.observer.beforePageWrite(this, p);
    page.delete(key);
    this.count--;
    if (this.expires.size !== 0) this.expires.delete(key);
    if (this.watched.size !== 0) this.touchWatched(key);
    return true;
  }

  /** Call before mutating a stored collection in place, so the snapshot can copy it first. */
  willModify(key: string): void {
    const obs = this.observer;
    if (obs !== null) {
      const p = this.pageOf(key);
      obs.beforePageWrite(this, p);
      if (obs.beforeValueWrite !== undefined) {
        const v = this.pages[p].get(key);
        if (v !== undefined && typeof v !== 'string') obs.beforeValueWrite(v);
      }
    }
    if (this.watched.size !== 0) this.touchWatched(key);
  }

  getExpire(key: string): number | undefined {
    return this.expires.size === 0 ? undefined : this.expires.get(key);
  }

  setExpire(key: string, when: number): void {
    if (this.observer !== null) this.observer.beforePageWrite(this, this.pageOf(key));
    this.expires.set(key, when);
    if (this.watched.size !== 0) this.touchWatched(key);
  }

  /** Removes a TTL; true when there was one. */
  removeExpire(key: string): boolean {
    if (this.expires.size === 0 || !this.expires.has(key)) return false;
    if (this.observer !== null) this.observer.beforePageWrite(this, this.pageOf(key));
    this.expires.delete(key);
    if (this.watched.size !== 0) this.touchWatched(key);
    return true;
  }

  /** Removes every key; returns how many there were. */
  flush(): number {
    const n = this.count;
    const obs = this.observer;
    if (obs !== null) {
      if (obs.beforeFlush !== undefined) obs.beforeFlush(this);
      else for (let p = 0; p < this.pages.length; p++) obs.beforePageWrite(this, p);
    }
    if (this.watched.size !== 0) for (const key of this.watched.keys()) if (this.has(key)) this.touchWatched(key);
    this.reset();
    return n;
  }

  /** Exchanges contents with another db (SWAPDB); watchers stay with their db index. */
  swapContents(other: Db): void {
    this.beforeSwapWith(other);
    if (other.observer !== this.observer) other.beforeSwapWith(this);
    const fields = ['pages', 'baseMask', 'splitPos', 'count', 'expires'] as const;
    for (const f of fields) {
      const tmp = this[f];
      (this as unknown as Record<string, unknown>)[f] = other[f];
      (other as unknown as Record<string, unknown>)[f] = tmp;
    }
    // as Redis's touchAllWatchedKeysInDb: a watched key is touched when it exists on either side
    this.touchWatchedPresentIn(other);
    other.touchWatchedPresentIn(this);
    // as Redis's scanDatabaseForReadyKeys: keys clients wait on may exist now
    if (this.readyObserver !== null) this.readyObserver.contentsSwapped(this);
    if (other.readyObserver !== null) other.readyObserver.contentsSwapped(other);
  }

  /** Tells this db's observer that its contents and other's are about to be exchanged. */
  private beforeSwapWith(other: Db): void {
    const obs = this.observer;
    if (obs === null) return;
    if (obs.beforeSwap !== undefined) {
      obs.beforeSwap(this, other);
      return;
    }
    for (let p = 0; p < this.pages.length; p++) obs.beforePageWrite(this, p);
    if (other.observer === obs) for (let p = 0; p < other.pages.length; p++) obs.beforePageWrite(other, p);
  }

  private touchWatchedPresentIn(other: Db): void {
    if (this.watched.size === 0) return;
    for (const key of this.watched.keys()) if (this.has(key) || other.has(key)) this.touchWatched(key);
  }

  touchAllWatched(): void {
    for (const set of this.watched.values()) for (const w of set) w.dirty = true;
  }

  private touchWatched(key: string): void {
    const set = this.watched.get(key);
    if (set !== undefined) for (const w of set) w.dirty = true;
  }

  // --- Iteration ---

  *keys(): IterableIterator<string> {
    for (const page of this.pages) yield* page.keys();
  }

  *entries(): IterableIterator<[string, Value]> {
    for (const page of this.pages) yield* page.entries();
  }

  /**
   * One SCAN step from `cursor`: visits whole pages until at least `count` keys were offered
   * (or the walk ends) and returns the next cursor, 0 when done. As Redis's dictScan, the cursor
   * is a reverse-binary counter over the base mask; a split page is visited with its twin.
   */
  scan(cursor: number, count: number, visit: (key: string) => void): number {
    let v = cursor >>> 0;
    let seen = 0;
    const mask = this.baseMask;
    do {
      const p = v & mask;
      for (const key of this.pages[p].keys()) {
        visit(key);
        seen++;
      }
      if (p < this.splitPos) {
        for (const key of this.pages[p + mask + 1].keys()) {
          visit(key);
          seen++;
        }
      }
      v = (v | ~mask) >>> 0;
      v = reverseBits32(v);
      v = (v + 1) >>> 0;
      v = reverseBits32(v);
    } while (v !== 0 && seen < count);
    return v;
  }

  /** A random key, or undefined when empty. */
  randomKey(random: () => number = Math.random): string | undefined {
    if (this.count === 0) return undefined;
    const pages = this.pages;
    let page: Map<string, Value> | undefined;
    for (let tries = 0; tries < 64 && page === undefined; tries++) {
      const candidate = pages[Math.floor(random() * pages.length)];
      if (candidate.size > 0) page = candidate;
    }
    if (page === undefined) {
      // sparse table: pick the n-th key overall
      let n = Math.floor(random() * this.count);
      for (const pg of pages) {
        if (n < pg.size) {
          page = pg;
          break;
        }
        n -= pg.size;
      }
    }
    let i = Math.floor(random() * page!.size);
    for (const key of page!.keys()) if (i-- === 0) return key;
    return undefined;
  }

  // --- Growth ---

  private splitOne(): void {
    const n = this.baseMask + 1;
    const from = this.pages[this.splitPos];
    // both halves are rebuilt rather than deleted from: a Map keeps deleted entries in its hash
    // chains until it next grows, and every lookup on the page would step over them
    const stay = new Map<string, Value>();
    const to = new Map<string, Value>();
    for (const [key, value] of from) (hashKey(key) & n ? to : stay).set(key, value);
    this.pages[this.splitPos] = stay;
    this.pages.push(to); // index splitPos + n == pages.length before the push
    this.splitPos++;
    if (this.splitPos === n) {
      this.baseMask = (n << 1) - 1;
      this.splitPos = 0;
    }
  }
}
