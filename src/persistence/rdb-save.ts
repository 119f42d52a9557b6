/**
 * A background RDB save: Snapshot (the point-in-time walk) -> RdbSnapshotSink (RDB bytes) -> RdbFileWriter
 * (worker thread: LZF, CRC64, temp file, fsync, atomic rename). This is the piece BGSAVE, SAVE, SHUTDOWN
 * SAVE and DEBUG RELOAD drive; it knows nothing about commands, config or INFO, which get its result and
 * stats. A failure anywhere cancels the rest and leaves the previous file untouched.
 */
import type { Keyspace } from '../keyspace/keyspace.js';
import { RdbFileWriter } from './rdb-file-writer.js';
import { type RdbHeaderInfo, RdbSnapshotSink } from './rdb-snapshot-sink.js';
import type { RdbValueOptions } from './rdb-values.js';
import { type SliceBudget, Snapshot, SnapshotAbortedError, type SnapshotStats } from './snapshot.js';

export interface RdbSaveOptions {
  dir: string;
  filename: string;
  /** rdbchecksum. */
  checksum: boolean;
  /** Value encoding options; `compress` is rdbcompression. */
  values: RdbValueOptions;
  header: RdbHeaderInfo;
  slice?: SliceBudget;
  /**
   * SAVE, SHUTDOWN, FLUSHALL: walk the whole keyspace now, inside the constructor (the caller's turn of
   * the event loop covers the walk, as Redis's rdbSave blocks), leaving only the worker's writing to await.
   */
  sync?: boolean;
  /** The file is renamed into place only after this settles (an earlier save's `done`): newest file wins. */
  after?: Promise<unknown>;
}

export interface RdbSaveResult {
  path: string;
  /** Bytes in the file. */
  bytes: number;
  stats: SnapshotStats;
}

export class BackgroundSave {
  /** Settles when the file is in place (or the save failed / was cancelled; the old file is then intact). */
  readonly done: Promise<RdbSaveResult>;
  private readonly snapshot: Snapshot;
  private readonly writer: RdbFileWriter;

  /** Fixes the point in time now and starts writing in slices. */
  constructor(keyspace: Keyspace, opts: RdbSaveOptions) {
    this.writer = new RdbFileWriter({ dir: opts.dir, filename: opts.filename, checksum: opts.checksum });
    const sink = new RdbSnapshotSink(this.writer, opts.values, opts.header);
    try {
      this.snapshot = Snapshot.start(keyspace, sink);
    } catch (e) {
      void this.writer.abort();
      throw e;
    }
    if (opts.sync === true) {
      try {
        this.snapshot.slice({ maxMs: Infinity });
      } catch (e) {
        this.snapshot.cancel(e instanceof Error ? e : new Error(String(e)));
        void this.writer.abort();
        throw e;
      }
      const stats = this.snapshot.stats;
      this.done = Promise.resolve(opts.after)
        .then(() => this.writer.end())
        .then(
          (res) => ({ path: res.path, bytes: res.bytes, stats }),
          async (e: unknown) => {
            await this.writer.abort();
            throw e;
          },
        );
      return;
    }
    this.done = this.snapshot.run(opts.slice).then(
      async (stats) => {
        await opts.after;
        const res = await this.writer.end();
        return { path: res.path, bytes: res.bytes, stats };
      },
      async (e: unknown) => {
        await this.writer.abort();
        throw e;
      },
    );
  }

  get stats(): SnapshotStats {
    return this.snapshot.stats;
  }

  /** Milliseconds running so far (rdb_current_bgsave_time_sec), or the total once finished. */
  get elapsedMs(): number {
    return this.snapshot.elapsedMs;
  }

  /**
   * Stops the save; `done` rejects with SnapshotAbortedError and the old file stays. Once the walk has
   * finished (the worker is only fsyncing and renaming), the save completes regardless.
   */
  cancel(): void {
    this.snapshot.cancel(new SnapshotAbortedError('background save cancelled'));
  }
}
