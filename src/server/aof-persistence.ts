/**
 * The AOF writer for the running server (Redis's aof_state, feedAppendOnlyFile, flushAppendOnlyFile):
 * a propagator listener encodes every record into the turn's batch (aof-encode.ts), flushed at
 * setImmediate as one write (aof-file.ts does the I/O and the fsync policy). Also: the reply gate of
 * `appendfsync always` (replies wait until the records before them are durable), the tap that feeds
 * BGREWRITEAOF's rewrite buffer, the switch to a rewritten file, CONFIG SET appendonly / appendfsync,
 * -MISCONF after write errors, the cron's fsync and retries, no-appendfsync-on-rewrite, the flush + fsync
 * at shutdown, and the aof_* INFO figures. Rewriting itself is aof-rewriter.ts's; loading is dataset-load.ts's.
 *
 * Write errors under `always`: Redis exits (it cannot take back the reply it is about to send). Here
 * replies are held until their records are durable, so the same guarantee holds without exiting:
 * nothing unacknowledged becomes visible, nothing acknowledged is lost, and once the disk works again
 * (the cron retries every second) the held replies go out and writes resume.
 */
import path from 'node:path';
import { AofBatchEncoder } from '../persistence/aof-encode.js';
import { AofFile, type AofFs, type FsyncPolicy, fsyncDir, nodeAofFs, openForAppend, strerror } from '../persistence/aof-file.js';
import { Err } from '../protocol/errors.js';
import type { Connection } from './connection.js';
import type { ServerCore } from './server-core.js';

export type AofState = 'off' | 'on' | 'wait-rewrite';

/** What AofPersistence needs of the rewriter (aof-rewriter.ts's AofRewriter). */
export interface AofRewriterLink {
  readonly inProgress: boolean;
  start(): boolean;
  /** Asks the cron to start a rewrite when it can (after the BGSAVE that runs). */
  schedule(): void;
  cancel(): void;
  status(): {
    inProgress: boolean;
    scheduled: boolean;
    lastTimeSec: number;
    currentTimeSec: number;
    lastOk: boolean;
    rewrites: number;
    consecutiveFailures: number;
    bufferLength: number;
    lastCowSize: number;
  };
}

/** Redis's AOF_WRITE_LOG_ERROR_RATE: write errors are logged at most once in this many seconds. */
const WRITE_ERROR_LOG_RATE_SEC = 30;

interface HeldReplies {
  /** Stream position the replies wait for. */
  readonly target: number;
  /** Wait until durable (always), or only until the batch was handed to the file (everysec / no). */
  readonly durable: boolean;
  readonly parts: Buffer[];
}

export class AofPersistence {
  private _state: AofState;
  private file: AofFile | null = null;
  private readonly encoder = new AofBatchEncoder();
  private tap: ((chunk: Buffer) => void) | null = null;
  private flushScheduled = false;
  private policy: FsyncPolicy;
  private timestamps: boolean;
  private noFsyncOnRewrite: boolean;
  /** Bytes handed to files (the stream position of what was flushed from batches). */
  private flushedEnd = 0;
  /** Stream position of the current file's first byte. */
  private fileBase = 0;
  /** Stream position up to which everything is durable. */
  private syncedEnd = 0;
  /** Stream position up to which writes were attempted (everysec / no replies wait for it). */
  private writtenEnd = 0;
  /** Replies held per connection until their records are durable (appendfsync always). */
  private readonly held = new Map<Connection, HeldReplies[]>();
  private _baseSize = 0;
  /** Size of the last file when there is none open (appendonly no after it was on). */
  private lastSize = 0;
  private lastWriteOk = true;
  private lastErrno = '';
  private lastErrorLogSec = 0;
  private delayedFsyncsBefore = 0;
  /** The rewriter (set by the server core once both exist). */
  rewriter: AofRewriterLink | null = null;
  private _io: AofFs = nodeAofFs;
  private readonly flushCb = () => {
    this.flushScheduled = false;
    this.flushBatch();
  };

  constructor(private readonly core: ServerCore) {
    const config = core.config;
    this._state = config.getBool('appendonly') ? 'on' : 'off';
    this.policy = config.get('appendfsync') as FsyncPolicy;
    this.timestamps = config.getBool('aof-timestamp-enabled');
    this.noFsyncOnRewrite = config.getBool('no-appendfsync-on-rewrite');
    core.propagator.addListener((db, argv) => this.feed(db, argv));
    core.configService.onSet(['appendfsync'], () => {
      this.setPolicy(core.config.get('appendfsync') as FsyncPolicy);
      return null;
    });
    core.configService.onSet(['aof-timestamp-enabled'], () => {
      this.timestamps = core.config.getBool('aof-timestamp-enabled');
      return null;
    });
    core.configService.onSet(['no-appendfsync-on-rewrite'], () => {
      this.noFsyncOnRewrite = core.config.getBool('no-appendfsync-on-rewrite');
      return null;
    });
    core.configService.onSet(['appendonly'], () => (core.config.getBool('appendonly') ? this.startAppendOnly() : this.stopAppendOnly()));
  }

  /** File I/O (tests inject failures; also switches the open file's). */
  get io(): AofFs {
    return this._io;
  }

  set io(io: AofFs) {
    this._io = io;
    if (this.file !== null) this.file.io = io;
  }

  /** Redis's aof_state. 'wait-rewrite': CONFIG SET appendonly yes waits for its first rewrite. */
  get state(): AofState {
    return this._state;
  }

  /** aof_current_size: bytes of the AOF including what is queued. */
  get currentSize(): number {
    const f = this.file;
    return f === null ? this.lastSize : f.size + f.pendingBytes;
  }

  /** aof_base_size: the size after the last rewrite (or at open). */
  get baseSize(): number {
    return this._baseSize;
  }

  private get aofPath(): string {
    return path.resolve(this.core.config.get('dir'), this.core.config.get('appendfilename'));
  }

  // --- Feeding ---

  /** The propagator listener (feedAppendOnlyFile). */
  private feed(db: number, argv: readonly string[]): void {
    if (this._state === 'off' && this.tap === null) return;
    if (this._state === 'wait-rewrite' && this.tap === null) return; // the coming rewrite's snapshot holds it
    this.encoder.append(db, argv, this.timestamps ? Math.floor(this.core.clock.now() / 1000) : 0);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushCb);
    }
  }

  /** Hands the turn's batch to the file queue and the tap. */
  private flushBatch(): void {
    // appendonly yes before the file is opened (startup): records wait in the batch
    if (this._state === 'on' && this.file === null) return;
    const buf = this.encoder.take();
    if (buf === null) return;
    if (this.file !== null) {
      this.flushedEnd += buf.length;
      this.file.append(buf);
    }
    if (this.tap !== null) this.tap(buf);
    this.writeAttempted();
  }

  /**
   * everysec / no: the batches handed to the file were written (or the write failed: Redis answers then too),
   * unless one waits behind a running fdatasync: replies held for them go.
   */
  private writeAttempted(): void {
    if (this.file !== null && this.file.writePostponed) return;
    this.writtenEnd = this.flushedEnd;
    if (this.held.size !== 0) this.synced(this.syncedEnd);
  }

  /**
   * While non-null, every byte appended to the AOF (records and their SELECTs) is also handed to tap,
   * in order, when the turn's batch is flushed (also in 'wait-rewrite', where there is no file yet).
   * What was encoded before the call goes to the file only (the rewrite's snapshot already has it);
   * the next record carries a SELECT.
   */
  setRewriteTap(tap: ((chunk: Buffer) => void) | null): void {
    this.flushBatch();
    this.tap = tap;
    this.encoder.resetDb();
  }

  /** Synchronously hands records encoded this turn but not yet flushed to the file queue and the tap. */
  drainPending(): void {
    this.flushBatch();
  }

  // --- Files ---

  /** Startup with appendonly yes, after the dataset was loaded: opens (creating) the AOF for appending. */
  open(): void {
    if (this._state !== 'on' || this.file !== null) return;
    const { fd, size } = openForAppend(this.io, this.aofPath, this.core.config.get('dir'));
    this._baseSize = size;
    this.attach(fd, size);
    this.flushBatch();
  }

  private attach(fd: number, size: number): void {
    this.fileBase = this.flushedEnd;
    this.file = new AofFile(this.io, fd, size, this.policy, {
      synced: (n) => this.synced(this.fileBase + n),
      failed: (kind, code, detail) => this.failed(kind, code, detail),
      recovered: () => {
        this.lastWriteOk = true;
        this.core.log.warn('AOF write error looks solved, Redis can write again.');
      },
      flushed: () => this.writeAttempted(),
      delayedFsync: () =>
        this.core.log.info(
          'Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.',
        ),
    });
    this.file.skipFsync = () =>
      this.noFsyncOnRewrite && (this.core.persistence.bgsaveInProgress || this.rewriter?.inProgress === true);
    this.encoder.resetDb();
  }

  /**
   * Final switch of a rewrite. tmpPath is complete and fsynced: the snapshot plus every chunk the tap
   * received (the caller drained the batch first). Synchronously: rename it over the AOF, fsync the dir,
   * append to it from now on (the old fd closes once its in-flight operations finish), release replies
   * held for fsync (their records are durable in the new file), reset the sizes, and in 'wait-rewrite'
   * turn the AOF on. Throws on failure, leaving the old AOF and the state as they were.
   */
  installRewritten(tmpPath: string): void {
    if (this.encoder.pendingBytes > 0 && (this.tap !== null || this.file !== null)) {
      throw new Error('installRewritten: records encoded after the last drainPending()');
    }
    const io = this.io;
    const keepOpen = this._state !== 'off';
    // opened before the rename: the fd follows the file, and a failure leaves everything as it was
    const fd = io.openSync(tmpPath, 'a', 0o644);
    let size: number;
    try {
      size = io.fstatSync(fd).size;
      io.renameSync(tmpPath, this.aofPath);
    } catch (e) {
      io.closeSync(fd);
      throw e;
    }
    try {
      fsyncDir(io, this.core.config.get('dir'));
    } catch (e) {
      this.core.log.warn(`Error fsyncing the AOF directory: ${strerror((e as NodeJS.ErrnoException).code)}`);
    }
    const old = this.file;
    this.file = null;
    if (old !== null) {
      this.delayedFsyncsBefore += old.delayedFsyncs;
      old.retire();
    }
    this._baseSize = size;
    this.lastSize = size;
    this.lastWriteOk = true;
    if (this._state === 'wait-rewrite') this._state = 'on';
    if (keepOpen) this.attach(fd, size);
    else io.closeSync(fd);
    // everything flushed so far is in the new file, which is fsynced
    this.writtenEnd = this.flushedEnd;
    this.synced(this.flushedEnd);
  }

  /** The rewrite started for CONFIG SET appendonly yes failed: stay waiting (the rewriter reschedules). */
  rewriteFailed(): void {
    if (this._state === 'wait-rewrite') this.core.log.warn('AOF rewrite failed while turning the AOF on: it will be retried.');
  }

  // --- Reply gate (appendfsync always) ---

  /**
   * Connection.flush(): true when the connection's reply bytes must wait for records not yet durable
   * (kept here and sent by sendHeld() once they are). All replies wait, reads too: they may have seen
   * an unsynced write. Order per connection is kept: once one batch waits, later ones queue behind it.
   */
  holdsReplies(conn: Connection, parts: Buffer[]): boolean {
    const q = this.held.size === 0 ? undefined : this.held.get(conn);
    const durable = this.policy === 'always';
    if (q === undefined) {
      if (this._state !== 'on') return false;
      const target = this.flushedEnd + this.encoder.pendingBytes;
      if (durable ? target <= this.syncedEnd : this.encoder.pendingBytes === 0 || this.file === null) return false;
      // everysec / no: the replies wait for this turn's write (setImmediate, before the next poll), as Redis
      // writes the AOF before it answers: a crash of the process then loses nothing acknowledged
      this.held.set(conn, [{ target, durable, parts }]);
      return true;
    }
    // behind replies already held (also after the policy or the state changed: they are released in order)
    q.push({ target: this._state === 'on' ? this.flushedEnd + this.encoder.pendingBytes : 0, durable, parts });
    return true;
  }

  /** The connection has replies waiting here (it must not close before they are sent). */
  holding(conn: Connection): boolean {
    return this.held.has(conn);
  }

  /** A connection went away. */
  forget(conn: Connection): void {
    this.held.delete(conn);
  }

  private synced(end: number): void {
    if (end > this.syncedEnd) this.syncedEnd = end;
    if (this.held.size === 0) return;
    const synced = this.syncedEnd;
    const written = this.writtenEnd;
    for (const [conn, q] of this.held) {
      let i = 0;
      while (i < q.length && q[i].target <= (q[i].durable ? synced : written)) conn.sendHeld(q[i++].parts);
      if (i === q.length) {
        this.held.delete(conn);
        conn.flush(); // a close after the reply (QUIT) waited for these
      } else if (i > 0) {
        q.splice(0, i);
      }
    }
  }

  /** Releases every held reply (nothing is waited for any more: the AOF was turned off). */
  private releaseAll(): void {
    this.writtenEnd = Number.MAX_SAFE_INTEGER;
    this.synced(Number.MAX_SAFE_INTEGER);
    this.writtenEnd = this.flushedEnd;
    this.syncedEnd = this.flushedEnd;
  }

  // --- Errors ---

  private failed(kind: 'write' | 'short-write' | 'fsync', code: string, detail: string): void {
    const log = this.core.log;
    const wasOk = this.lastWriteOk;
    this.lastWriteOk = false;
    this.lastErrno = code;
    const now = Math.floor(this.core.clock.now() / 1000);
    if (!wasOk && now - this.lastErrorLogSec < WRITE_ERROR_LOG_RATE_SEC) return;
    this.lastErrorLogSec = now;
    if (kind === 'write') log.warn(`Error writing to the AOF file: ${strerror(code)}`);
    else if (kind === 'short-write') {
      if (detail.includes('ftruncate'))
        log.warn(`Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: ${strerror(code)}`);
      else log.warn(`Short write while writing to the AOF file: (${detail})`);
    } else log.warn(`Fail to fsync the AOF file: ${strerror(code)}`);
    if (this.policy === 'always') {
      log.warn("AOF write error with the fsync policy 'always': replies stay held until their records are durable; retrying every second.");
    }
  }

  /** writeCommandsDeniedByDiskError's AOF part: -MISCONF while the AOF cannot be written. */
  writeRefusal(): string | null {
    if (this._state === 'off' || this.file === null || this.file.healthy) return null;
    return Err.misconfAof(strerror(this.lastErrno));
  }

  // --- Policies, CONFIG SET ---

  private setPolicy(p: FsyncPolicy): void {
    this.policy = p;
    if (this.file !== null) {
      this.file.policy = p;
      // replies held under `always` are released by an fsync soon
      if (this.held.size > 0) this.file.requestSync();
    }
  }

  /** startAppendOnly (CONFIG SET appendonly yes): the first file is built by a rewrite. */
  private startAppendOnly(): string | null {
    if (this._state !== 'off') return null;
    const log = this.core.log;
    const rw = this.rewriter;
    this._state = 'wait-rewrite';
    if (rw === null) {
      this._state = 'off';
      log.warn("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
      return 'Unable to turn on AOF. Check server logs.';
    }
    if (this.core.persistence.bgsaveInProgress) {
      rw.schedule();
      log.warn('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
      return null;
    }
    if (rw.inProgress) {
      log.warn('AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.');
      rw.cancel();
    }
    if (!rw.start()) {
      this._state = 'off';
      log.warn("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
      return 'Unable to turn on AOF. Check server logs.';
    }
    return null;
  }

  /** stopAppendOnly (CONFIG SET appendonly no): flush, fsync, close; a running rewrite is killed. */
  private stopAppendOnly(): string | null {
    if (this._state === 'off') return null;
    this.flushBatch();
    const file = this.file;
    this._state = 'off';
    this.file = null;
    this.encoder.discard();
    this.encoder.resetDb();
    if (this.rewriter?.inProgress) this.rewriter.cancel();
    if (file === null) {
      this.releaseAll();
      return null;
    }
    this.lastSize = file.size + file.pendingBytes;
    this.delayedFsyncsBefore += file.delayedFsyncs;
    void file.finish().then((ok) => {
      if (!ok) this.core.log.warn(`Fail to fsync the AOF file: ${strerror(file.lastErrno)}`);
      this.lastSize = file.size;
      this.releaseAll();
    });
    return null;
  }

  // --- Cron, shutdown, INFO ---

  /** serverCron's part: everysec's fsync, the retry of failed writes (once a second). */
  cron(nowMs: number): void {
    this.file?.tick(nowMs);
  }

  /** Server close (SHUTDOWN, SIGTERM): kills a rewrite, writes what is pending, fsyncs, closes. */
  async close(): Promise<void> {
    const log = this.core.log;
    if (this.rewriter?.inProgress) {
      log.warn('There is a child rewriting the AOF. Killing it!');
      this.rewriter.cancel();
    }
    this.flushBatch();
    const file = this.file;
    if (file === null) return;
    this.file = null;
    log.info('Calling fsync() on the AOF file.');
    const ok = await file.finish();
    if (!ok) log.warn(`Fail to fsync the AOF file: ${strerror(file.lastErrno)}.`);
    this.lastSize = file.size;
    if (ok) this.releaseAll();
  }

  /** INFO persistence from aof_enabled on (Redis 7.0's order), with aof_rewrite_buffer_length as Redis 6. */
  infoFields(): string[] {
    const st = this.rewriter?.status();
    const on = this._state !== 'off';
    const fields = [
      `aof_enabled:${on ? 1 : 0}`,
      `aof_rewrite_in_progress:${st?.inProgress ? 1 : 0}`,
      `aof_rewrite_scheduled:${st?.scheduled ? 1 : 0}`,
      `aof_last_rewrite_time_sec:${st?.lastTimeSec ?? -1}`,
      `aof_current_rewrite_time_sec:${st?.currentTimeSec ?? -1}`,
      `aof_last_bgrewrite_status:${st === undefined || st.lastOk ? 'ok' : 'err'}`,
      `aof_rewrites:${st?.rewrites ?? 0}`,
      `aof_rewrites_consecutive_failures:${st?.consecutiveFailures ?? 0}`,
      `aof_last_write_status:${this.lastWriteOk ? 'ok' : 'err'}`,
      `aof_last_cow_size:${st?.lastCowSize ?? 0}`,
      'module_fork_in_progress:0',
      'module_fork_last_cow_size:0',
    ];
    if (on) {
      const f = this.file;
      fields.push(
        `aof_current_size:${this.currentSize}`,
        `aof_base_size:${this._baseSize}`,
        `aof_pending_rewrite:${st?.scheduled ? 1 : 0}`,
        `aof_buffer_length:${this.bufferLength}`,
        `aof_rewrite_buffer_length:${st?.bufferLength ?? 0}`,
        `aof_pending_bio_fsync:${f?.fsyncInProgress ? 1 : 0}`,
        `aof_delayed_fsync:${this.delayedFsyncsBefore + (f?.delayedFsyncs ?? 0)}`,
      );
    }
    return fields;
  }

  /** Bytes encoded or queued and not yet written (aof_buffer_length, mem_aof_buffer). */
  get bufferLength(): number {
    return this.encoder.pendingBytes + (this.file?.pendingBytes ?? 0);
  }
}
