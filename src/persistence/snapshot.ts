/**
 * Point-in-time snapshot of the whole keyspace without fork: the walker behind BGSAVE, and later the source
 * of a replication full resync and of an AOF rewrite. It owns WHAT is emitted and WHEN; how entries become
 * bytes (RDB opcodes, values) and where the bytes go (file worker, socket) belong to the SnapshotSink.
 *
 * start() fixes the instant: it records, for every db, the page objects and expiry map as they are now, and
 * attaches itself as every db's PageObserver. The walk then goes db 0..15, page by page, in slices (a slice
 * stops after a time budget or a work budget), handing each (db, key, value, expireAt) to the sink.
 *
 * Copy on write. Every Db mutation calls beforePageWrite(db, page) first. A page the walk has not reached is
 * then captured: its entries (key, value reference, expiry time), kept until the walk reaches that page and
 * emits the copy instead of the live page. A page is captured at most once (a mark per page: untouched /
 * captured / walked). If the page being walked right now is written, the rest of it is captured the same
 * way. Strings are immutable, so a reference is a copy. A collection is copied only when it is itself about
 * to be changed in place: Db.willModify calls beforeValueWrite(value) after beforePageWrite, and a
 * collection still referenced by a copy (the `shared` map) is cloned into the copy's slot then (the clone
 * keeps the start-instant contents). A collection moved to another key (RENAME, MOVE) is the same object,
 * so it is found wherever it is changed. Copying pages by reference keeps the cost of a first write to a
 * page small (no clone of every collection on it) and copies only what is actually changed. So the output
 * is exactly the keyspace at the start instant, whatever runs between slices.
 *
 * FLUSHDB/FLUSHALL and SWAPDB need no copies: a flush installs new pages and never writes the old ones
 * again, and a swap moves page objects between Db objects unchanged. The snapshot keeps the page objects it
 * recorded (so a flushed db is still walked as it was) and follows a swap by exchanging which Db object
 * refers to which recorded contents (PageObserver.beforeFlush / beforeSwap). Pages do not split while an
 * observer is attached (db.ts), so page numbers stay stable for the whole walk.
 *
 * Big values. The sink may write a value in parts: entry() returns a ValueCursor, which the walker steps in
 * bounded units (elements) within and across slices. The cursor reads the live value by element index. When
 * that value is about to be changed in place before the cursor finishes, the walker clones it (one O(n)
 * copy, only when a big value being written is modified meanwhile) and calls cursor.rebase(clone); a clone
 * keeps the element order, so the cursor's index stays valid.
 *
 * Costs counted for INFO: pages and entries copied on write and an estimate of their bytes
 * (rdb_last_cow_size), and the peak of bytes held in captured pages.
 */
import type { Db, PageObserver } from '../keyspace/db.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { CollectionValue, Value } from '../keyspace/value.js';
import type { SliceBudget, SnapshotSink, SnapshotStats, ValueCursor } from './snapshot-sink.js';

export type { SliceBudget, SnapshotSink, SnapshotStats, ValueCursor } from './snapshot-sink.js';

export class SnapshotAbortedError extends Error {
  override name = 'SnapshotAbortedError';
}

/** Default slice: well under 1 ms. */
export const DEFAULT_SLICE_MS = 0.5;
/** Elements per cursor step: small enough to check the clock often. */
const CURSOR_STEP = 256;

const UNTOUCHED = 0;
const CAPTURED = 1;
const WALKED = 2;

const NO_ENTRIES: ReadonlyMap<string, Value> = new Map();

/** A captured page: flat [key, value, expireAt] triples. */
type PageCopy = Array<string | Value | number | undefined>;

interface DbState {
  readonly index: number;
  readonly keys: number;
  readonly expiresCount: number;
  /**
   * The page objects at the start instant (stable: no splits while observed). A walked page's slot is
   * emptied, so a flushed db's old contents are freed as the walk passes them.
   */
  readonly pages: ReadonlyMap<string, Value>[];
  /** The expiry map at the start instant (replaced, not cleared, by flush; moved by swap). */
  readonly expires: ReadonlyMap<string, number>;
  readonly mark: Uint8Array;
  readonly copies: (PageCopy | undefined)[];
  readonly copyBytes: number[];
}

interface Cloneable extends CollectionValue {
  clone(): CollectionValue;
  memoryUsage?(samples: number): number;
}

function cloneValue(v: Value): Value {
  if (typeof v === 'string') return v;
  const c = v as Cloneable;
  if (typeof c.clone !== 'function') throw new Error(`snapshot: cannot copy a value of type ${v.type}`);
  return c.clone();
}

/** Rough bytes of a collection (MEMORY USAGE's estimate). */
function collectionBytes(v: CollectionValue): number {
  const c = v as Cloneable;
  return typeof c.memoryUsage === 'function' ? c.memoryUsage(5) : 64;
}

/**
 * Rough bytes an entry of a copy keeps alive: key, value (shared strings included) and overhead. For a
 * collection, an estimate from its element count (about 48 bytes an element): this runs for every entry of
 * every captured page, where a measured memoryUsage() would walk each collection.
 */
function entryBytes(key: string, v: Value): number {
  if (typeof v === 'string') return 48 + key.length + v.length;
  const c = v as unknown as { size?: number; length?: number };
  return 112 + key.length + 48 * (c.size ?? c.length ?? 0);
}

/** Bytes a captured entry's three slots take (values are referenced, not cloned). */
const SLOT_BYTES = 24;

/** Rough bytes a clone of a collection allocates. */
function cloneBytes(v: Value): number {
  return typeof v === 'string' ? 0 : collectionBytes(v);
}

export class Snapshot implements PageObserver {
  readonly stats: SnapshotStats = {
    keys: 0,
    pages: 0,
    cowPages: 0,
    cowEntries: 0,
    cowBytes: 0,
    cowValues: 0,
    peakCopyBytes: 0,
    slices: 0,
    maxSliceMs: 0,
    elapsedMs: 0,
  };
  /** Called for every page captured (tests check each is captured at most once). */
  onCapture: ((dbIndex: number, page: number) => void) | null = null;

  private readonly states: DbState[];
  /** Which recorded contents each Db object (by id) holds now; null after a flush. */
  private readonly byDb: (DbState | null)[];
  private readonly dbs: readonly Db[];
  private readonly startedAt = performance.now();
  private copyBytesNow = 0;
  /** Collections referenced by captured pages not yet emitted, with the copy that holds each. */
  private readonly shared = new Map<Value, PageCopy>();

  // walk position
  private dbPos = 0;
  private pagePos = -1;
  private enteredDb = false;
  /**
   * The page being walked: live (its entries read into pageKeys/pageVals when the walk reaches it; the
   * page is unchanged until a write detaches it, so these are the live entries) or from a copy. The two
   * arrays are reused for every page: no per-entry iterator results.
   */
  private walkingLive = false;
  private readonly pageKeys: string[] = [];
  private readonly pageVals: Value[] = [];
  private pageLen = 0;
  private pageIdx = 0;
  private copy: PageCopy | null = null;
  private copyIdx = 0;
  private copyPageBytes = 0;
  /** The value the sink is writing in parts, and whether it is still the live object. */
  private cursor: ValueCursor | null = null;
  private cursorValue: Value | null = null;
  private cursorLive = false;
  /** Bytes of the clone the cursor was rebased on (released when the value is finished). */
  private cursorCopyBytes = 0;

  private state: 'running' | 'done' | 'aborted' = 'running';
  private abortReason: Error | null = null;
  private timer: NodeJS.Immediate | null = null;

  private constructor(
    keyspace: Keyspace,
    private readonly sink: SnapshotSink,
  ) {
    this.dbs = keyspace.dbs;
    for (const db of this.dbs) {
      if (db.observer !== null) throw new Error('snapshot: another snapshot is already running');
    }
    this.states = this.dbs.map((db, i) => {
      const n = db.pageCount;
      const pages: ReadonlyMap<string, Value>[] = new Array(n);
      for (let p = 0; p < n; p++) pages[p] = db.page(p);
      return {
        index: i,
        keys: db.size,
        expiresCount: db.expires.size,
        pages,
        expires: db.expires,
        mark: new Uint8Array(n),
        copies: new Array<PageCopy | undefined>(n),
        copyBytes: new Array<number>(n).fill(0),
      };
    });
    // a db empty at the start instant has nothing to protect: its writes need no copies
    this.byDb = [];
    for (const db of this.dbs) {
      const st = this.states[db.id];
      this.byDb[db.id] = st !== undefined && st.keys > 0 ? st : null;
    }
    for (const db of this.dbs) db.observer = this;
  }

  /** Fixes the point in time now and attaches to every db. Drive it with slice() or run(). */
  static start(keyspace: Keyspace, sink: SnapshotSink): Snapshot {
    return new Snapshot(keyspace, sink);
  }

  get done(): boolean {
    return this.state === 'done';
  }

  get running(): boolean {
    return this.state === 'running';
  }

  // --- Copy on write (PageObserver) ---

  beforePageWrite(db: Db, page: number): void {
    const st = this.byDb[db.id];
    if (st === null || page >= st.mark.length) return;
    const m = st.mark[page];
    if (m === UNTOUCHED) this.capture(st, page);
    else if (m === WALKED && st === this.states[this.dbPos] && page === this.pagePos) this.detachCurrent();
  }

  beforeFlush(db: Db): void {
    // the recorded pages of this contents are never written again: nothing to copy
    this.byDb[db.id] = null;
  }

  beforeSwap(a: Db, b: Db): void {
    const t = this.byDb[a.id];
    this.byDb[a.id] = this.byDb[b.id];
    this.byDb[b.id] = t;
  }

  private capture(st: DbState, p: number): void {
    const page = st.pages[p];
    const out: PageCopy = new Array(page.size * 3);
    let i = 0;
    let bytes = 0;
    let copied = 0;
    const expires = st.expires;
    const hasExpires = expires.size !== 0;
    const shared = this.shared;
    for (const [key, value] of page) {
      out[i++] = key;
      out[i++] = value;
      out[i++] = hasExpires ? expires.get(key) : undefined;
      if (typeof value !== 'string') shared.set(value, out);
      bytes += entryBytes(key, value);
      copied += SLOT_BYTES;
    }
    st.mark[p] = CAPTURED;
    st.copies[p] = out;
    st.copyBytes[p] = bytes;
    this.countCopy(1, page.size, copied, bytes);
    this.onCapture?.(st.index, p);
  }

  beforeValueWrite(value: CollectionValue): void {
    if (this.cursorLive && this.cursorValue === value) {
      // the value being written in parts: continue from a clone
      const copy = cloneValue(value);
      this.cursorLive = false;
      this.cursorValue = copy;
      this.stats.cowValues++;
      this.cursorCopyBytes = entryBytes('', copy);
      this.countCopy(0, 0, cloneBytes(copy), this.cursorCopyBytes);
      this.cursor!.rebase(copy);
      return;
    }
    const out = this.shared.get(value);
    if (out === undefined) return;
    this.shared.delete(value);
    const copy = cloneValue(value);
    for (let i = 1; i < out.length; i += 3) {
      if (out[i] === value) {
        out[i] = copy;
        break;
      }
    }
    this.stats.cowValues++;
    this.countCopy(0, 0, cloneBytes(copy), 0);
  }

  /** The page being walked is about to be written: copy what the walk has not emitted yet. */
  private detachCurrent(): void {
    if (!this.walkingLive) return; // already walking a copy
    const st = this.states[this.dbPos];
    const out: PageCopy = [];
    let bytes = 0;
    let copied = 0;
    const hasExpires = st.expires.size !== 0;
    const shared = this.shared;
    for (let i = this.pageIdx; i < this.pageLen; i++) {
      const key = this.pageKeys[i];
      const value = this.pageVals[i];
      out.push(key, value, hasExpires ? st.expires.get(key) : undefined);
      if (typeof value !== 'string') shared.set(value, out);
      bytes += entryBytes(key, value);
      copied += SLOT_BYTES;
    }
    this.endLivePage();
    this.copy = out;
    this.copyIdx = 0;
    this.copyPageBytes = bytes;
    this.countCopy(1, out.length / 3, copied, bytes);
    this.onCapture?.(st.index, this.pagePos);
  }

  /** Counts a copy: `copied` bytes allocated, `held` bytes it keeps alive until emitted. */
  private countCopy(pages: number, entries: number, copied: number, held: number): void {
    this.stats.cowPages += pages;
    this.stats.cowEntries += entries;
    this.stats.cowBytes += copied;
    this.copyBytesNow += held;
    if (this.copyBytesNow > this.stats.peakCopyBytes) this.stats.peakCopyBytes = this.copyBytesNow;
  }

  // --- The walk ---

  /**
   * Runs one slice; returns true when the snapshot is complete (sink.end() was called). Does not call
   * sink.endSlice (run() does; a caller driving slices itself hands off as it likes).
   */
  slice(budget: SliceBudget = {}): boolean {
    if (this.state === 'done') return true;
    if (this.state === 'aborted') throw this.abortReason!;
    const t0 = performance.now();
    const deadline = t0 + (budget.maxMs ?? DEFAULT_SLICE_MS);
    const maxUnits = budget.maxUnits ?? Infinity;
    let units = 0;
    let finished = false;
    for (;;) {
      if (this.cursor !== null) {
        const step = Math.max(1, Math.min(CURSOR_STEP, maxUnits - units));
        const doneValue = this.cursor.step(step);
        units += step;
        if (doneValue) {
          this.cursor = null;
          this.cursorValue = null;
          this.cursorLive = false;
          this.copyBytesNow -= this.cursorCopyBytes;
          this.cursorCopyBytes = 0;
        }
        if (units >= maxUnits || performance.now() >= deadline) break;
        continue;
      }
      if (!this.nextEntry()) {
        finished = true;
        break;
      }
      units++;
      if (units >= maxUnits || ((units & 7) === 0 && performance.now() >= deadline)) break;
    }
    const ms = performance.now() - t0;
    this.stats.slices++;
    if (ms > this.stats.maxSliceMs) this.stats.maxSliceMs = ms;
    if (finished) this.finish();
    return finished;
  }

  /** Emits the next entry; false when the walk is complete. */
  private nextEntry(): boolean {
    for (;;) {
      if (this.walkingLive) {
        const i = this.pageIdx;
        if (i < this.pageLen) {
          this.pageIdx = i + 1;
          const key = this.pageKeys[i];
          const st = this.states[this.dbPos];
          const exp = st.expires.size === 0 ? undefined : st.expires.get(key);
          this.emit(st.index, key, this.pageVals[i], exp, true);
          return true;
        }
        this.endLivePage();
      } else if (this.copy !== null) {
        const c = this.copy;
        if (this.copyIdx < c.length) {
          const i = this.copyIdx;
          this.copyIdx += 3;
          const v = c[i + 1] as Value;
          // a collection still shared with the keyspace is live: the cursor must be told of changes
          const live = typeof v !== 'string' && this.shared.delete(v);
          this.emit(this.states[this.dbPos].index, c[i] as string, v, c[i + 2] as number | undefined, live);
          return true;
        }
        this.copy = null;
        this.copyBytesNow -= this.copyPageBytes;
        this.copyPageBytes = 0;
      }
      if (!this.nextPage()) return false;
    }
  }

  private emit(db: number, key: string, value: Value, exp: number | undefined, live: boolean): void {
    this.stats.keys++;
    const cursor = this.sink.entry(db, key, value, exp);
    if (cursor !== null) {
      this.cursor = cursor;
      this.cursorValue = value;
      this.cursorLive = live;
    }
  }

  /** Moves to the next page (entering the next db as needed); false at the end of the walk. */
  private nextPage(): boolean {
    for (;;) {
      if (this.dbPos >= this.states.length) return false;
      const st = this.states[this.dbPos];
      if (st.keys === 0) {
        this.nextDb();
        continue;
      }
      if (!this.enteredDb) {
        this.enteredDb = true;
        this.sink.beginDb(st.index, st.keys, st.expiresCount);
      }
      const p = ++this.pagePos;
      if (p >= st.pages.length) {
        this.nextDb();
        continue;
      }
      this.stats.pages++;
      if (st.mark[p] === CAPTURED) {
        this.copy = st.copies[p]!;
        this.copyIdx = 0;
        this.copyPageBytes = st.copyBytes[p];
        st.copies[p] = undefined;
      } else {
        this.readLivePage(st.pages[p]);
      }
      st.pages[p] = NO_ENTRIES;
      st.mark[p] = WALKED;
      return true;
    }
  }

  /** Reads a live page's entries into the reused arrays (in the page's order). */
  private readLivePage(page: ReadonlyMap<string, Value>): void {
    this.pageLen = 0;
    page.forEach(this.readEntry);
    this.pageIdx = 0;
    this.walkingLive = true;
  }

  /** readLivePage's callback (one bound function: Map.forEach makes no entry arrays). */
  private readonly readEntry = (v: Value, k: string): void => {
    const n = this.pageLen;
    this.pageKeys[n] = k;
    this.pageVals[n] = v;
    this.pageLen = n + 1;
  };

  /** Done with the live page: forget it (the arrays keep their capacity, not its entries). */
  private endLivePage(): void {
    this.walkingLive = false;
    const vs = this.pageVals;
    const ks = this.pageKeys;
    for (let i = 0; i < this.pageLen; i++) {
      ks[i] = '';
      vs[i] = '';
    }
    this.pageLen = 0;
    this.pageIdx = 0;
  }

  private nextDb(): void {
    this.dbPos++;
    this.pagePos = -1;
    this.enteredDb = false;
  }

  private detach(): void {
    for (const db of this.dbs) if (db.observer === this) db.observer = null;
  }

  private finish(): void {
    this.state = 'done';
    this.detach();
    this.stats.elapsedMs = performance.now() - this.startedAt;
    this.sink.end();
  }

  /** Cancels the snapshot: detaches from the dbs, drops the copies, tells the sink. */
  cancel(reason: Error = new SnapshotAbortedError('snapshot cancelled')): void {
    if (this.state !== 'running') return;
    this.state = 'aborted';
    this.abortReason = reason;
    this.detach();
    for (const st of this.states) st.copies.fill(undefined);
    this.shared.clear();
    this.copy = null;
    this.endLivePage();
    this.cursor = null;
    this.cursorValue = null;
    if (this.timer !== null) clearImmediate(this.timer);
    this.timer = null;
    this.stats.elapsedMs = performance.now() - this.startedAt;
    this.sink.abort?.(reason);
    const reject = this.rejectRun;
    this.rejectRun = null;
    reject?.(reason);
  }

  private rejectRun: ((e: Error) => void) | null = null;

  /**
   * Drives the walk to the end in slices separated by setImmediate, waiting on sink.endSlice() when it
   * returns a promise. Resolves with the stats, rejects with the reason when cancelled or when the sink throws.
   */
  run(budget: SliceBudget = {}): Promise<SnapshotStats> {
    return new Promise<SnapshotStats>((resolve, reject) => {
      const fail = (e: unknown): void => {
        const err = e instanceof Error ? e : new Error(String(e));
        if (this.state === 'running') this.cancel(err);
        else reject(err);
      };
      if (this.state === 'aborted') {
        reject(this.abortReason!);
        return;
      }
      this.rejectRun = reject;
      const tick = (): void => {
        this.timer = null;
        if (this.state !== 'running') return;
        let finished: boolean;
        try {
          finished = this.slice(budget);
        } catch (e) {
          fail(e);
          return;
        }
        if (finished) {
          this.rejectRun = null;
          resolve(this.stats);
          return;
        }
        let wait: Promise<void> | void;
        try {
          wait = this.sink.endSlice?.();
        } catch (e) {
          fail(e);
          return;
        }
        const next = (): void => {
          if (this.state === 'running') this.timer = setImmediate(tick);
        };
        if (wait instanceof Promise) wait.then(next, fail);
        else next();
      };
      this.timer = setImmediate(tick);
    });
  }

  /** Elapsed so far (ms). */
  get elapsedMs(): number {
    return this.state === 'running' ? performance.now() - this.startedAt : this.stats.elapsedMs;
  }
}
