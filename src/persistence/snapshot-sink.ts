/**
 * The contract between the snapshot walker (snapshot.ts) and its consumers: what a sink implements
 * (SnapshotSink, ValueCursor for values written in parts), the slice budget, and the stats a snapshot
 * reports (for INFO persistence).
 */
import type { Value } from '../keyspace/value.js';

/** Continues writing one value the sink did not finish in entry(). */
export interface ValueCursor {
  /** Writes up to about `budget` more elements of the value; true when the value is finished. */
  step(budget: number): boolean;
  /**
   * The value being written is about to be modified: continue from `copy`, a clone made now (same
   * elements in the same order), and never read the original again.
   */
  rebase(copy: Value): void;
}

/** Where the snapshot's entries go (an RDB encoder in front of a file or a socket, or a test collector). */
export interface SnapshotSink {
  /** The walk enters db `index`, which held `keys` keys (`expires` with a TTL) at the start instant. Empty dbs are skipped. */
  beginDb(index: number, keys: number, expires: number): void;
  /**
   * One key as it was at the start instant. Returns null when written, or a cursor to finish a big value
   * in later steps (the walker will not call entry() again before the cursor reports done).
   */
  entry(db: number, key: string, value: Value, expireAt: number | undefined): ValueCursor | null;
  /**
   * A slice ended (run() only, and not after the last one: end() hands off the rest). Hand off what was
   * written; a promise pauses the walk until it resolves (backpressure).
   */
  endSlice?(): Promise<void> | void;
  /** Every entry was written: the last call. */
  end(): void;
  /** The snapshot was cancelled. */
  abort?(reason: Error): void;
}

export interface SnapshotStats {
  /** Keys emitted. */
  keys: number;
  /** Pages walked (live or from a copy). */
  pages: number;
  /** Pages (or page remainders) copied because a write reached them first. */
  cowPages: number;
  cowEntries: number;
  /**
   * Estimated bytes allocated by copies on write (rdb_last_cow_size): the copies' slots and cloned
   * collections. Strings are immutable and shared with the copy, not duplicated.
   */
  cowBytes: number;
  /** Big values cloned because they were modified while being written in parts. */
  cowValues: number;
  /**
   * Peak of estimated bytes held by copies not yet emitted, counting the values they keep alive (an old
   * string overwritten meanwhile stays in memory until written): the snapshot's memory overhead.
   */
  peakCopyBytes: number;
  slices: number;
  /** Longest slice, ms. */
  maxSliceMs: number;
  /** Start to finish (or now while running), ms. */
  elapsedMs: number;
}

export interface SliceBudget {
  /** Stop after this long (checked every few entries and after every cursor step). */
  maxMs?: number;
  /** Stop after this much work: one unit per key plus one per element written through a cursor. */
  maxUnits?: number;
}
