/**
 * The fd-level AOF appender: a queue of encoded batches written in order. Policies, as Redis's
 * flushAppendOnlyFile:
 * - always:   group commit through the libuv threadpool (fs.writev / fs.fdatasync, one operation of each
 *             kind in flight): one writev of everything queued, and one fdatasync at a time of everything
 *             written when it starts; the next batch is written while an fdatasync runs (so the write is
 *             off the critical path) and synced by the next one, started as soon as the previous ends.
 * - everysec: each batch is written at once on the main thread (writev to the page cache, as Redis's
 *             write() before it answers: a crash of the process loses nothing acknowledged), except while
 *             the background fdatasync runs, when the write is postponed up to 2 s (Redis: write() would
 *             block behind the fsync), then done anyway and counted (aof_delayed_fsync). tick() starts an
 *             fdatasync off the main thread at most once a second.
 * - no:       writes as everysec, never an fsync.
 * Write errors are handled as Redis does: a short write is truncated back to the last good size
 * (ftruncate), the status turns to err with the errno, the unwritten bytes stay queued and retry()
 * (the cron, once a second) tries again. Deciding what to answer clients and when to release replies
 * is aof-persistence.ts's; this file reports positions: `written` and `synced` count bytes of what was
 * appended to this file object (a stream position, not the file size).
 * All file calls go through an injectable AofFs so tests can make writes fail (ENOSPC) and recover.
 */
import fs from 'node:fs';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

/** The fs functions the AOF uses (node's by default; tests inject failures). */
export interface AofFs {
  openSync(path: string, flags: string, mode?: number): number;
  writev(fd: number, buffers: Buffer[], cb: (err: NodeJS.ErrnoException | null, bytesWritten: number) => void): void;
  writevSync(fd: number, buffers: Buffer[]): number;
  fdatasync(fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void;
  writeSync(fd: number, buf: Buffer, offset: number, length: number): number;
  fdatasyncSync(fd: number): void;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, len: number): void;
  fstatSync(fd: number): { size: number };
  close(fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
}

export const nodeAofFs: AofFs = {
  openSync: (p, flags, mode) => fs.openSync(p, flags, mode),
  writev: (fd, buffers, cb) => fs.writev(fd, buffers, cb),
  writevSync: (fd, buffers) => fs.writevSync(fd, buffers),
  fdatasync: (fd, cb) => fs.fdatasync(fd, cb),
  writeSync: (fd, buf, offset, length) => fs.writeSync(fd, buf, offset, length),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  ftruncateSync: (fd, len) => fs.ftruncateSync(fd, len),
  fstatSync: (fd) => fs.fstatSync(fd),
  close: (fd, cb) => fs.close(fd, cb),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
};

const STRERROR: Record<string, string> = {
  ENOSPC: 'No space left on device',
  EIO: 'Input/output error',
  EDQUOT: 'Disk quota exceeded',
  EROFS: 'Read-only file system',
  EFBIG: 'File too large',
  EBADF: 'Bad file descriptor',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EINVAL: 'Invalid argument',
  EAGAIN: 'Resource temporarily unavailable',
  EMFILE: 'Too many open files',
};

/** strerror() for an errno code, as Redis prints it. */
export function strerror(code: string | undefined): string {
  return (code !== undefined && STRERROR[code]) || code || 'Unknown error';
}

/** Opens (creating it if missing) a file for appending; fsyncs its directory when it was created. */
export function openForAppend(io: AofFs, path: string, dir: string): { fd: number; size: number } {
  const fd = io.openSync(path, 'a', 0o644);
  let size: number;
  try {
    size = io.fstatSync(fd).size;
    if (size === 0) fsyncDir(io, dir);
  } catch (e) {
    io.closeSync(fd);
    throw e;
  }
  return { fd, size };
}

/** fsync of a directory, so a created or renamed entry survives a crash. */
export function fsyncDir(io: AofFs, dir: string): void {
  const dfd = io.openSync(dir, 'r');
  try {
    io.fsyncSync(dfd);
  } finally {
    io.closeSync(dfd);
  }
}

export interface AofFileEvents {
  /** `synced` advanced: bytes up to it are durable. */
  synced(synced: number): void;
  /** A write or fsync failed (code: errno code; short: a short write). Log lines are the caller's. */
  failed(kind: 'write' | 'short-write' | 'fsync', code: string, detail: string): void;
  /** The first successful write (or fsync) after a failure. */
  recovered(): void;
  /** everysec: an fsync was postponed for over 2 s (aof_delayed_fsync). */
  delayedFsync(): void;
  /** everysec / no: a write on this thread was done (or failed); nothing queued waits behind an fsync. */
  flushed?(): void;
}

/** Redis postpones a due fsync while the previous one runs, at most this long (flushAppendOnlyFile). */
const MAX_FSYNC_POSTPONE_MS = 2000;

export class AofFile {
  policy: FsyncPolicy;
  /** Bytes handed to append() (stream position of the queue's end). */
  appended = 0;
  /** Bytes written to the file. */
  written = 0;
  /** Bytes known durable (fdatasync completed after they were written). */
  synced = 0;
  /** The file's size as far as we know (Redis's aof_last_incr_size): last good size after a failed write. */
  size: number;
  /** Status of the last write / fsync (INFO aof_last_write_status, -MISCONF). */
  writeOk = true;
  fsyncOk = true;
  /** errno code of the last failure. */
  lastErrno = '';
  /** Number of fsyncs postponed past the limit (aof_delayed_fsync). */
  delayedFsyncs = 0;
  private queue: Buffer[] = [];
  private queueBytes = 0;
  private inFlightBytes = 0;
  /** A write is in flight. */
  private busyWrite = false;
  /** An fdatasync is in flight. */
  private busySync = false;
  private lastFsyncSec = 0;
  private lastRetrySec = 0;
  /** Once the file is retired (replaced by a rewrite) or closing, nothing more is reported. */
  private retired = false;
  private closing = false;
  private idleWaiters: Array<() => void> = [];
  private fdClosed = false;

  constructor(
    /** Replaceable (tests switch to a failing AofFs on an open file). */
    public io: AofFs,
    readonly fd: number,
    initialSize: number,
    policy: FsyncPolicy,
    private readonly events: AofFileEvents,
  ) {
    this.size = initialSize;
    this.policy = policy;
  }

  /** Bytes queued or being written (aof_buffer_length). */
  get pendingBytes(): number {
    return this.queueBytes + this.inFlightBytes;
  }

  /** A background fsync is running (aof_pending_bio_fsync). */
  get fsyncInProgress(): boolean {
    return this.busySync;
  }

  get healthy(): boolean {
    return this.writeOk && this.fsyncOk;
  }

  append(buf: Buffer): void {
    if (this.retired) return;
    this.queue.push(buf);
    this.queueBytes += buf.length;
    this.appended += buf.length;
    // after a failure the queue waits for retry() (the cron, once a second)
    if (!this.busyWrite && this.writeOk && this.fsyncOk) this.pump();
  }

  /** Starts the next write when none is in flight (everysec / no: does it now, on this thread). */
  private pump(): void {
    if (this.busyWrite || this.fdClosed) return;
    if (this.queueBytes === 0) {
      this.checkIdle();
      return;
    }
    const sync = this.policy !== 'always';
    if (sync && this.busySync && this.postponeWrite()) return;
    const bufs = this.queue;
    const total = this.queueBytes;
    this.queue = [];
    this.queueBytes = 0;
    this.inFlightBytes = total;
    this.busyWrite = true;
    if (!sync) {
      this.io.writev(this.fd, bufs, (err, n) => this.wrote(bufs, total, err, n ?? 0));
      return;
    }
    let n = 0;
    let err: NodeJS.ErrnoException | null = null;
    try {
      n = this.io.writevSync(this.fd, bufs);
    } catch (e) {
      err = e as NodeJS.ErrnoException;
    }
    this.wrote(bufs, total, err, n);
    this.events.flushed?.();
  }

  /**
   * everysec while the background fdatasync runs: true to leave the batch queued (retried when the fsync
   * ends, or by tick()); after 2 s of postponing, false (write anyway) and counted as a delayed fsync.
   */
  private postponeWrite(): boolean {
    if (this.policy !== 'everysec') return false;
    const now = this.now;
    if (this.writePostponedSince === 0) {
      this.writePostponedSince = now;
      return true;
    }
    if (now - this.writePostponedSince < MAX_FSYNC_POSTPONE_MS) return true;
    this.writePostponedSince = 0;
    this.delayedFsyncs++;
    this.events.delayedFsync();
    return false;
  }

  /** everysec: when the first write was postponed behind a running fdatasync (0: none). */
  private writePostponedSince = 0;
  /** The time of the last tick() (the cron's clock, ms), for the write postponement. */
  private now = Date.now();

  /** A write is waiting for the background fdatasync (everysec). */
  get writePostponed(): boolean {
    return this.queueBytes > 0 && this.busySync && this.policy === 'everysec';
  }

  private wrote(bufs: Buffer[], total: number, err: NodeJS.ErrnoException | null, n: number): void {
    this.inFlightBytes = 0;
    if (this.retired) {
      this.busyWrite = false;
      this.checkIdle();
      return;
    }
    if (err !== null || n < total) {
      let keep = bufs;
      if (err !== null) {
        this.lastErrno = err.code ?? 'EIO';
        this.events.failed('write', this.lastErrno, err.message);
      } else {
        // a short write: remove the partial record so the file stays loadable (Redis's ftruncate)
        let truncated = false;
        try {
          this.io.ftruncateSync(this.fd, this.size);
          truncated = true;
        } catch (e) {
          this.events.failed('short-write', (e as NodeJS.ErrnoException).code ?? 'EIO', `nwritten=${n}, expected=${total}; ftruncate failed`);
        }
        if (truncated) {
          this.events.failed('short-write', 'ENOSPC', `nwritten=${n}, expected=${total}`);
        } else {
          // the partial bytes stay in the file: only the rest is retried
          this.size += n;
          this.written += n;
          keep = dropFront(bufs, n);
        }
        this.lastErrno = 'ENOSPC';
      }
      this.writeOk = false;
      // the unwritten bytes go back in front of what queued meanwhile
      let keepBytes = 0;
      for (const b of keep) keepBytes += b.length;
      this.queue = keep.concat(this.queue);
      this.queueBytes += keepBytes;
      this.busyWrite = false;
      this.checkIdle();
      return;
    }
    this.size += n;
    this.written += n;
    if (!this.writeOk) {
      this.writeOk = true;
      if (this.fsyncOk) this.events.recovered();
    }
    this.busyWrite = false;
    if (this.policy === 'always') this.syncIfNeeded();
    this.pump();
  }

  /** always: an fdatasync of what is written, unless one runs (its completion starts the next). */
  private syncIfNeeded(): void {
    if (this.busySync || !this.fsyncOk || this.synced >= this.written) return;
    if (this.skipFsync()) {
      // no-appendfsync-on-rewrite: Redis answers without the fsync while a child saves; so do we
      this.synced = this.written;
      this.events.synced(this.synced);
      return;
    }
    this.syncNow();
  }

  /** no-appendfsync-on-rewrite while a BGSAVE or rewrite runs (set by the owner). */
  skipFsync: () => boolean = () => false;

  private fsyncDone(target: number, err: NodeJS.ErrnoException | null): void {
    if (err !== null) {
      this.fsyncOk = false;
      this.lastErrno = err.code ?? 'EIO';
      this.events.failed('fsync', this.lastErrno, err.message);
      return;
    }
    if (!this.fsyncOk) {
      this.fsyncOk = true;
      if (this.writeOk) this.events.recovered();
    }
    if (target > this.synced) {
      this.synced = target;
      this.events.synced(target);
    }
  }

  /** An fdatasync of what is written now, alongside writes (always: one after another while writes come). */
  private syncNow(): void {
    if (this.busySync || this.fdClosed) return;
    this.busySync = true;
    const target = this.written;
    this.io.fdatasync(this.fd, (err) => {
      this.busySync = false;
      if (!this.retired) {
        this.fsyncDone(target, err);
        if (this.policy === 'always') this.syncIfNeeded();
        // writes postponed behind this fsync (everysec) go now
        else if (this.queueBytes > 0 && this.writeOk && this.fsyncOk) {
          this.writePostponedSince = 0;
          this.pump();
        }
      }
      this.checkIdle();
    });
  }

  /**
   * The cron's part (called several times a second): everysec's fsync once a second (postponed while
   * one runs), and after a failure the retry of the queued writes / the fsync, once a second.
   */
  tick(nowMs: number): void {
    this.now = nowMs;
    if (this.retired || this.closing) return;
    const sec = Math.floor(nowMs / 1000);
    if (!this.writeOk || !this.fsyncOk) {
      if (sec > this.lastRetrySec) {
        this.lastRetrySec = sec;
        this.retry();
      }
      return;
    }
    // a write postponed behind a slow fdatasync goes once it has waited 2 s (pump() decides)
    if (this.queueBytes > 0 && !this.busyWrite && this.policy !== 'always') {
      this.pump();
    }
    // the next fsync waits while one still runs (Redis counts the delay on the write path: postponeWrite)
    if (this.policy !== 'everysec' || this.synced >= this.written || sec <= this.lastFsyncSec || this.skipFsync()) return;
    if (this.busySync) return;
    this.lastFsyncSec = sec;
    this.syncNow();
  }

  /** Tries the queued writes (always: with their fdatasync), else a failed fsync, again. */
  retry(): void {
    if (this.retired || this.closing) return;
    if (this.queueBytes > 0 && !this.busyWrite) this.pump();
    if (!this.fsyncOk) this.syncNow();
  }

  /** An fdatasync of what is written now, off the main thread (e.g. replies held when the policy changed). */
  requestSync(): void {
    if (!this.retired && !this.closing) this.syncNow();
  }

  private checkIdle(): void {
    if (this.busyWrite || this.busySync) return;
    const w = this.idleWaiters;
    if (w.length === 0) return;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** Resolves when no operation is in flight. */
  private idle(): Promise<void> {
    if (!this.busyWrite && !this.busySync) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /**
   * The file is replaced (a rewrite was installed): queued bytes are dropped (they are in the new
   * file), nothing more is reported, and the fd is closed once its in-flight operations finish.
   */
  retire(): void {
    if (this.retired) return;
    this.retired = true;
    this.queue = [];
    this.queueBytes = 0;
    void this.idle().then(() => this.closeFd());
  }

  private closeFd(): void {
    if (this.fdClosed) return;
    this.fdClosed = true;
    this.io.close(this.fd, () => {});
  }

  /**
   * CONFIG SET appendonly no, shutdown: waits for the operation in flight, writes what is queued
   * synchronously, fdatasyncs and closes. Resolves true when everything reached the disk.
   */
  async finish(): Promise<boolean> {
    this.closing = true;
    await this.idle();
    if (this.fdClosed) return false;
    let ok = true;
    try {
      for (const b of this.queue) {
        let off = 0;
        while (off < b.length) {
          const n = this.io.writeSync(this.fd, b, off, b.length - off);
          off += n;
          this.size += n;
          this.written += n;
        }
      }
      this.queue = [];
      this.queueBytes = 0;
      this.io.fdatasyncSync(this.fd);
      this.synced = this.written;
      this.writeOk = this.fsyncOk = true;
    } catch (e) {
      ok = false;
      this.lastErrno = (e as NodeJS.ErrnoException).code ?? 'EIO';
      this.events.failed('write', this.lastErrno, (e as Error).message);
    }
    this.retired = true;
    this.fdClosed = true;
    try {
      this.io.closeSync(this.fd);
    } catch {
      /* already gone */
    }
    return ok;
  }
}

/** The buffers after the first n bytes. */
function dropFront(bufs: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of bufs) {
    if (n >= b.length) {
      n -= b.length;
      continue;
    }
    out.push(n > 0 ? b.subarray(n) : b);
    n = 0;
  }
  return out;
}
