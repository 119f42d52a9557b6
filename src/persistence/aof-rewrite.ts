/**
 * One background AOF rewrite, the piece BGREWRITEAOF drives (server/aof-rewriter.ts owns the command,
 * scheduling and INFO). Three phases:
 *
 * 1. Snapshot. The point in time is fixed in the constructor (Snapshot.start); the walk runs in slices
 *    into RdbSnapshotSink (`aof-use-rdb-preamble yes`: an RDB with aof-base:1, EOF and checksum) or
 *    AofCommandSink (`no`: the shortest commands), then RdbFileWriter (worker thread) writes, fsyncs and
 *    renames it to temp-rewriteaof-bg-<pid>.aof in dir.
 * 2. Buffer. Meanwhile the caller feeds feed() with every byte appended to the live AOF after the point in
 *    time (AofPersistence's rewrite tap); the chunks wait here (aof_rewrite_buffer_length). Once the
 *    snapshot file exists, they are appended to it in bounded async writes (libuv threadpool) while writes
 *    go on; when little is left, what is written so far is fdatasync'ed off the main thread.
 * 3. Switch, in ONE synchronous step: hooks.drainPending() (records encoded this turn reach feed()), the
 *    rest written, fsync, close, hooks.install(tmpPath) (the rename over the AOF and the switch of the
 *    appender). Nothing can run in between, so the new file holds every record up to the switch and the
 *    live AOF takes every record after it.
 *
 * A failure or cancel() anywhere removes the temp file and leaves the old AOF alone; `done` rejects.
 * The file I/O of phases 2 and 3 goes through an injectable AofRewriteFs (tests make it fail).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Keyspace } from '../keyspace/keyspace.js';
import { AofCommandSink } from './aof-command-sink.js';
import { RdbFileWriter } from './rdb-file-writer.js';
import { type RdbHeaderInfo, RdbSnapshotSink } from './rdb-snapshot-sink.js';
import type { RdbValueOptions } from './rdb-values.js';
import { type SliceBudget, Snapshot, SnapshotAbortedError, type SnapshotStats } from './snapshot.js';

/** The fs functions phases 2 and 3 use (node:fs by default). */
export interface AofRewriteFs {
  open(file: string, flags: string, cb: (err: NodeJS.ErrnoException | null, fd: number) => void): void;
  write(
    fd: number,
    buf: Buffer,
    off: number,
    len: number,
    pos: null,
    cb: (err: NodeJS.ErrnoException | null, n: number) => void,
  ): void;
  fdatasync(fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void;
  writeSync(fd: number, buf: Buffer, off: number, len: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  unlinkSync(file: string): void;
}

export const nodeAofRewriteFs: AofRewriteFs = {
  open: (file, flags, cb) => fs.open(file, flags, cb),
  write: (fd, buf, off, len, pos, cb) => fs.write(fd, buf, off, len, pos, cb),
  fdatasync: (fd, cb) => fs.fdatasync(fd, cb),
  writeSync: (fd, buf, off, len) => fs.writeSync(fd, buf, off, len),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  unlinkSync: (file) => fs.unlinkSync(file),
};

/** What the switch needs from the AOF writer (AofPersistence). */
export interface AofRewriteHooks {
  /** Hands every record encoded so far but not yet flushed to feed() (and to the live AOF's queue). */
  drainPending(): void;
  /** Renames the complete, fsynced tmpPath over the AOF and appends there from now on; throws on failure. */
  install(tmpPath: string): void;
}

export interface AofRewriteOptions {
  dir: string;
  /** `aof-use-rdb-preamble`. */
  preamble: boolean;
  /** rdbchecksum (the preamble's trailer). */
  checksum: boolean;
  values: RdbValueOptions;
  /** The preamble's AUX fields (aofBase is set here). */
  header: RdbHeaderInfo;
  /** aof-timestamp-enabled without preamble: the file starts with `#TS:<sec>`. */
  timestampSec?: number;
  slice?: SliceBudget;
  /** Temp file name in dir (default Redis's temp-rewriteaof-bg-<pid>.aof). */
  tempName?: string;
  fs?: AofRewriteFs;
  /** Buffered bytes under which the switch runs (the most the synchronous step writes, roughly). */
  finalBytes?: number;
  /** Bytes per async append. */
  sliceBytes?: number;
  /** After this long appending, switch whatever is left (writes arriving faster than the disk takes them). */
  maxAppendMs?: number;
}

export interface AofRewriteResult {
  path: string;
  /** Bytes of the snapshot part (before the buffer). */
  baseBytes: number;
  /** Bytes of the whole file at the switch. */
  bytes: number;
  stats: SnapshotStats;
}

const FINAL_BYTES = 256 * 1024;
const SLICE_BYTES = 4 * 1024 * 1024;
const MAX_APPEND_MS = 5000;

type Phase = 'snapshot' | 'append' | 'done' | 'failed';

export class AofRewrite {
  readonly tmpPath: string;
  /** Settles after the switch (or the failure / cancel, the temp file removed). */
  readonly done: Promise<AofRewriteResult>;
  private readonly snapshot: Snapshot;
  private readonly writer: RdbFileWriter;
  private readonly fs: AofRewriteFs;
  private readonly startedAt = performance.now();
  private endedAt = 0;
  private chunks: Buffer[] = [];
  private queued = 0;
  private fd = -1;
  private phase: Phase = 'snapshot';
  private cancelled: Error | null = null;
  /** The pending async fs call's completion, so cancel() can wait for it before closing the fd. */
  private busy = false;

  /** Fixes the point in time now (the caller starts feeding in the same turn) and starts writing. */
  constructor(
    keyspace: Keyspace,
    private readonly opts: AofRewriteOptions,
    private readonly hooks: AofRewriteHooks,
  ) {
    this.fs = opts.fs ?? nodeAofRewriteFs;
    const tempName = opts.tempName ?? `temp-rewriteaof-bg-${process.pid}.aof`;
    this.tmpPath = path.resolve(opts.dir, tempName);
    this.writer = new RdbFileWriter({ dir: opts.dir, filename: tempName, checksum: opts.checksum, trailer: opts.preamble });
    const sink = opts.preamble
      ? new RdbSnapshotSink(this.writer, opts.values, { ...opts.header, aofBase: true })
      : new AofCommandSink(this.writer, { timestampSec: opts.timestampSec });
    try {
      this.snapshot = Snapshot.start(keyspace, sink);
    } catch (e) {
      void this.writer.abort();
      throw e;
    }
    this.done = this.run();
  }

  private async run(): Promise<AofRewriteResult> {
    let stats: SnapshotStats;
    let baseBytes: number;
    try {
      stats = await this.snapshot.run(this.opts.slice);
      this.checkCancelled();
      baseBytes = (await this.writer.end()).bytes;
    } catch (e) {
      await this.writer.abort();
      this.fail();
      throw e;
    }
    try {
      this.checkCancelled();
      this.phase = 'append';
      this.fd = await this.call<number>((cb) => this.fs.open(this.tmpPath, 'a', cb));
      const bytes = await this.append(baseBytes);
      this.phase = 'done';
      this.endedAt = performance.now();
      return { path: this.tmpPath, baseBytes, bytes, stats };
    } catch (e) {
      this.fail();
      throw e;
    }
  }

  /** Phase 2 then the switch; returns the file's size at the switch. */
  private async append(baseBytes: number): Promise<number> {
    const finalBytes = this.opts.finalBytes ?? FINAL_BYTES;
    const sliceBytes = this.opts.sliceBytes ?? SLICE_BYTES;
    const deadline = performance.now() + (this.opts.maxAppendMs ?? MAX_APPEND_MS);
    let size = baseBytes;
    let synced = false;
    for (;;) {
      this.checkCancelled();
      if (this.queued > finalBytes && performance.now() < deadline) {
        const buf = this.take(sliceBytes);
        await this.writeAll(buf);
        size += buf.length;
        synced = false;
        continue;
      }
      if (!synced) {
        // most of the file reaches the disk here, off the main thread: the switch's fsync has little left
        await this.call<void>((cb) => this.fs.fdatasync(this.fd, (err) => cb(err, undefined)));
        synced = true;
        continue;
      }
      break;
    }
    this.checkCancelled();
    return size + this.switchNow();
  }

  /** Phase 3, synchronous: returns the bytes written in it. */
  private switchNow(): number {
    this.hooks.drainPending();
    const rest = this.take(Infinity);
    const f = this.fs;
    let off = 0;
    while (off < rest.length) off += f.writeSync(this.fd, rest, off, rest.length - off);
    f.fsyncSync(this.fd);
    const fd = this.fd;
    this.fd = -1;
    f.closeSync(fd);
    this.hooks.install(this.tmpPath);
    return rest.length;
  }

  private async writeAll(buf: Buffer): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      const n = await this.call<number>((cb) => this.fs.write(this.fd, buf, off, buf.length - off, null, cb));
      if (n <= 0) throw new Error('short write appending the rewrite buffer');
      off += n;
    }
  }

  /** Runs an async fs call, marking it in flight (cancel() closes the fd only after it returns). */
  private call<T>(fn: (cb: (err: NodeJS.ErrnoException | null, v: T) => void) => void): Promise<T> {
    this.busy = true;
    return new Promise<T>((resolve, reject) => {
      fn((err, v) => {
        this.busy = false;
        if (err) reject(err);
        else resolve(v);
      });
    });
  }

  /** Up to max bytes of the buffer, as one Buffer. */
  private take(max: number): Buffer {
    const out: Buffer[] = [];
    let n = 0;
    while (this.chunks.length > 0 && n < max) {
      const c = this.chunks[0];
      if (n + c.length <= max) {
        out.push(c);
        n += c.length;
        this.chunks.shift();
      } else {
        const part = max - n;
        out.push(c.subarray(0, part));
        this.chunks[0] = c.subarray(part);
        n += part;
      }
    }
    this.queued -= n;
    return out.length === 1 ? out[0] : Buffer.concat(out, n);
  }

  private checkCancelled(): void {
    if (this.cancelled !== null) throw this.cancelled;
  }

  /** Cleanup after a failure: the fd closed, the temp file removed, the buffer dropped. */
  private fail(): void {
    this.phase = 'failed';
    if (this.endedAt === 0) this.endedAt = performance.now();
    this.chunks = [];
    this.queued = 0;
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      try {
        this.fs.closeSync(fd);
      } catch {
        // failing already; the unlink is what matters
      }
    }
    try {
      this.fs.unlinkSync(this.tmpPath);
    } catch {
      // never created, or already gone
    }
  }

  // --- For the owner ---

  /** Bytes appended to the live AOF after the point in time (the rewrite tap). */
  feed(chunk: Buffer): void {
    if (this.phase === 'done' || this.phase === 'failed') return;
    this.chunks.push(chunk);
    this.queued += chunk.length;
  }

  /** aof_rewrite_buffer_length: bytes waiting to be appended. */
  get bufferLength(): number {
    return this.queued;
  }

  get stats(): SnapshotStats {
    return this.snapshot.stats;
  }

  /** Milliseconds from the start to now (or to the end). */
  get elapsedMs(): number {
    return (this.endedAt === 0 ? performance.now() : this.endedAt) - this.startedAt;
  }

  get inSnapshot(): boolean {
    return this.phase === 'snapshot';
  }

  /** Stops the rewrite: `done` rejects with SnapshotAbortedError, the temp file is removed. */
  cancel(): void {
    if (this.phase === 'done' || this.phase === 'failed' || this.cancelled !== null) return;
    this.cancelled = new SnapshotAbortedError('AOF rewrite cancelled');
    if (this.phase === 'snapshot') {
      // the walk rejects run(); once it has finished, the worker's end() completes and the check after it throws
      this.snapshot.cancel(this.cancelled);
      return;
    }
    // append phase: the loop sees the flag when its fs call returns (the fd stays open until then)
    if (!this.busy) this.fail();
  }
}
