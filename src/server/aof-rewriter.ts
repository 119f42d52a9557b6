/**
 * BGREWRITEAOF for the running server, as Redis 7.0's aof.c and serverCron schedule it: the command,
 * the rewrite scheduled while a BGSAVE runs (aof_rewrite_scheduled) and started by the cron after it,
 * auto-aof-rewrite-percentage / auto-aof-rewrite-min-size, the back-off after repeated failures
 * (aofRewriteLimited), the retry of a failed first rewrite while CONFIG SET appendonly yes waits for it,
 * and the INFO persistence figures (AofPersistence renders them).
 *
 * The rewrite itself is persistence/aof-rewrite.ts. This file connects it to the AOF writer
 * (core.aof): in the turn a rewrite starts, the writer's pending records are handed to the old file
 * only (they are in the snapshot), then the point in time is fixed and the writer's rewrite tap set, so
 * every record after the point in time reaches the rewrite buffer exactly once. The switch calls the
 * writer's drainPending() and installRewritten() in one synchronous step, then clears the tap.
 *
 * BGSAVE and BGREWRITEAOF never run together (one snapshot at a time, like Redis's one child): each
 * side checks the other and schedules itself.
 */
import type { AofOps, CommandContext } from '../commands/context.js';
import { REDIS_VERSION } from '../config.js';
import { AofRewrite, type AofRewriteFs, type AofRewriteOptions, type AofRewriteResult } from '../persistence/aof-rewrite.js';
import { rdbValueOptionsFrom } from '../persistence/rdb-values.js';
import { type SliceBudget, SnapshotAbortedError } from '../persistence/snapshot.js';
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import type { ServerCore } from './server-core.js';

/** Redis's AOF_REWRITE_LIMITE_THRESHOLD / _MAX_MINUTES: back-off after this many failures in a row. */
const LIMIT_THRESHOLD = 3;
const LIMIT_MAX_MINUTES = 60;

/** Slice lengths (ms) of the rewrite's walk, as the BGSAVE's: short while clients are active. */
const SLICE_BUSY_MS = 1;
const SLICE_IDLE_MS = 10;
const SLICE_ALONE_MS = 50;
const ACTIVE_WINDOW_MS = 200;

export interface AofRewriteStatus {
  inProgress: boolean;
  scheduled: boolean;
  /** aof_last_rewrite_time_sec (-1 before the first). */
  lastTimeSec: number;
  /** aof_current_rewrite_time_sec (-1 when none runs). */
  currentTimeSec: number;
  lastOk: boolean;
  /** aof_rewrites. */
  rewrites: number;
  /** aof_rewrites_consecutive_failures. */
  consecutiveFailures: number;
  /** aof_rewrite_buffer_length. */
  bufferLength: number;
  /** aof_last_cow_size. */
  lastCowSize: number;
}

interface RewriteJob {
  readonly rw: AofRewrite;
  readonly startSec: number;
  killed: boolean;
}

export class AofRewriter implements AofOps {
  private job: RewriteJob | null = null;
  private scheduledFlag = false;
  private lastTimeSec = -1;
  private lastOk = true;
  private rewrites = 0;
  private failures = 0;
  private lastCowSize = 0;
  /** aofRewriteLimited's state. */
  private nextDelayMinutes = 0;
  private nextRewriteSec = 0;
  /** Rewrites not yet settled (a killed one may still be closing its temp file). */
  private settling = 0;
  private seq = 0;
  /** Every rewrite started, settled (close() waits for it). */
  private lastDone: Promise<unknown> = Promise.resolve();
  private seenCommands = 0;
  private activeAt = -Infinity;
  private readonly slice: SliceBudget;
  /** Tests: the file I/O of the append phase. */
  fs: AofRewriteFs | undefined = undefined;
  /** Tests: a slower walk, smaller appends. */
  tuning: Partial<Pick<AofRewriteOptions, 'slice' | 'finalBytes' | 'sliceBytes' | 'maxAppendMs'>> = {};

  constructor(private readonly core: ServerCore) {
    const self = this;
    this.slice = {
      get maxMs(): number {
        return self.sliceMs();
      },
    };
  }

  private sliceMs(): number {
    const n = this.core.dispatcher.totalCommands;
    const now = performance.now();
    if (n !== this.seenCommands) {
      this.seenCommands = n;
      this.activeAt = now;
    }
    if (now - this.activeAt < ACTIVE_WINDOW_MS) return SLICE_BUSY_MS;
    return this.core.clients.connectedCount === 0 ? SLICE_ALONE_MS : SLICE_IDLE_MS;
  }

  private nowSec(): number {
    return Math.floor(this.core.clock.now() / 1000);
  }

  get inProgress(): boolean {
    return this.job !== null;
  }

  get scheduled(): boolean {
    return this.scheduledFlag;
  }

  /** The running rewrite (tests). */
  get current(): AofRewrite | null {
    return this.job?.rw ?? null;
  }

  /** Asks the cron to start a rewrite when it can (CONFIG SET appendonly yes during a BGSAVE or EXEC). */
  schedule(): void {
    this.scheduledFlag = true;
  }

  /**
   * rewriteAppendOnlyFileBackground: starts a rewrite now. false (logged) when it cannot: a BGSAVE
   * runs, or the snapshot could not start. A rewrite already running is killed first (CONFIG SET
   * appendonly yes must not reuse a rewrite that started while the AOF was off). As Redis's
   * startAppendOnly, it is scheduled instead (true) inside EXEC, and during a BGSAVE while the AOF waits
   * for its first rewrite.
   */
  start(): boolean {
    const core = this.core;
    const waiting = core.aof.state === 'wait-rewrite';
    if (core.persistence.bgsaveInProgress) {
      // startAppendOnly: CONFIG SET appendonly yes during a BGSAVE waits for it
      if (waiting) {
        this.scheduledFlag = true;
        core.log.warn(
          'AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.',
        );
        return true;
      }
      core.log.warn("Can't rewrite append only file in background: a background save is in progress");
      return false;
    }
    if (core.propagator.inTransaction) {
      // inside EXEC the writes before this command are propagated after it: they would reach the rewrite
      // buffer although the snapshot has them. Redis schedules the rewrite then.
      this.scheduledFlag = true;
      core.log.warn('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
      return true;
    }
    if (this.job !== null) {
      core.log.warn('Killing running AOF rewrite to start a new one');
      this.cancel();
    }
    const config = core.config;
    const aof = core.aof;
    // the records of this turn so far are in the snapshot: they go to the old file only, before the tap
    aof.drainPending();
    const tempName =
      this.settling === 0 ? `temp-rewriteaof-bg-${process.pid}.aof` : `temp-rewriteaof-bg-${process.pid}-${++this.seq}.aof`;
    let rw: AofRewrite;
    try {
      rw = new AofRewrite(
        core.keyspace,
        {
          dir: config.get('dir'),
          preamble: config.getBool('aof-use-rdb-preamble'),
          checksum: config.getBool('rdbchecksum'),
          values: rdbValueOptionsFrom(core.configService),
          header: { redisVer: REDIS_VERSION, ctime: this.nowSec(), usedMem: process.memoryUsage().rss, aofBase: true },
          timestampSec: config.getBool('aof-timestamp-enabled') ? this.nowSec() : undefined,
          slice: this.slice,
          tempName,
          fs: this.fs,
          ...this.tuning,
        },
        {
          drainPending: () => aof.drainPending(),
          install: (tmpPath) => {
            aof.installRewritten(tmpPath);
            aof.setRewriteTap(null);
          },
        },
      );
    } catch (e) {
      this.lastOk = false;
      core.log.warn(`Can't rewrite append only file in background: ${(e as Error).message}`);
      return false;
    }
    aof.setRewriteTap((chunk) => rw.feed(chunk));
    const job: RewriteJob = { rw, startSec: this.nowSec(), killed: false };
    this.job = job;
    this.rewrites++;
    this.scheduledFlag = false;
    this.settling++;
    core.log.info(`Background append only file rewriting started by pid ${process.pid}`);
    const settled = rw.done.then(
      (res) => this.rewriteDone(job, res, null),
      (e: unknown) => this.rewriteDone(job, null, e),
    );
    const tracked = settled
      .catch((e: unknown) => core.log.error({ err: e }, 'internal error finishing an AOF rewrite'))
      .finally(() => {
        this.settling--;
      });
    // a killed rewrite may still be removing its temp file: close() waits for every one
    this.lastDone = Promise.all([this.lastDone, tracked]);
    return true;
  }

  /** backgroundRewriteDoneHandler. */
  private rewriteDone(job: RewriteJob, res: AofRewriteResult | null, err: unknown): void {
    const core = this.core;
    const log = core.log;
    if (job.killed) {
      // killAppendOnlyChild: not an error (SIGUSR1 in Redis); the figures were taken when it was killed
      log.warn('Background AOF rewrite terminated by signal 10');
      return;
    }
    if (this.job === job) this.job = null;
    this.lastTimeSec = this.nowSec() - job.startSec;
    if (res !== null) {
      this.lastOk = true;
      this.failures = 0;
      this.lastCowSize = res.stats.cowBytes;
      log.info('Background AOF rewrite terminated with success');
      const diffMb = ((res.bytes - res.baseBytes) / (1024 * 1024)).toFixed(2);
      log.info(`Residual parent diff successfully flushed to the rewritten AOF (${diffMb} MB)`);
      log.info('Background AOF rewrite finished successfully');
      return;
    }
    core.aof.setRewriteTap(null);
    const cancelled = err instanceof SnapshotAbortedError;
    if (!cancelled) {
      this.lastOk = false;
      this.failures++;
    }
    log.warn(`Background AOF rewrite terminated with error: ${err instanceof Error ? err.message : String(err)}`);
    // a CONFIG SET appendonly yes still waits for its first rewrite: try again from the cron
    if (core.aof.state === 'wait-rewrite') {
      core.aof.rewriteFailed();
      this.scheduledFlag = true;
    }
  }

  /** killAppendOnlyChild: stops a running rewrite; its temp file is removed, the AOF untouched. */
  cancel(): void {
    const job = this.job;
    if (job === null) return;
    this.core.log.info(`Killing running AOF rewrite child: ${process.pid}`);
    job.killed = true;
    this.job = null;
    this.lastTimeSec = this.nowSec() - job.startSec;
    this.core.aof.setRewriteTap(null);
    job.rw.cancel();
  }

  /**
   * Runs fn, a synchronous save whose whole walk happens inside it (SAVE, SHUTDOWN's and FLUSHALL's save,
   * DEBUG RELOAD), beside a running rewrite: Redis runs rdbSave in the parent while the AOF child works.
   * Only one snapshot can observe the dbs, so the rewrite's observer is set aside meanwhile; no command
   * runs during fn, so the rewrite misses no write.
   */
  besideRewrite<T>(fn: () => T): T {
    if (this.job === null || !this.job.rw.inSnapshot) return fn();
    const dbs = this.core.keyspace.dbs;
    const observers = dbs.map((db) => db.observer);
    for (const db of dbs) db.observer = null;
    try {
      return fn();
    } finally {
      dbs.forEach((db, i) => {
        db.observer = observers[i];
      });
    }
  }

  /** aofRewriteLimited: after LIMIT_THRESHOLD failures in a row, retry after 1, 2, 4 ... 60 minutes. */
  private limited(nowSec: number): boolean {
    if (this.failures < LIMIT_THRESHOLD) {
      this.nextDelayMinutes = 0;
      this.nextRewriteSec = 0;
      return false;
    }
    if (this.nextRewriteSec !== 0) {
      if (nowSec < this.nextRewriteSec) return true;
      this.nextRewriteSec = 0;
      return false;
    }
    this.nextDelayMinutes = this.nextDelayMinutes === 0 ? 1 : Math.min(LIMIT_MAX_MINUTES, this.nextDelayMinutes * 2);
    this.nextRewriteSec = nowSec + this.nextDelayMinutes * 60;
    this.core.log.warn(
      `Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.nextDelayMinutes} minutes`,
    );
    return true;
  }

  /** serverCron's part: a scheduled rewrite once no BGSAVE runs, then the automatic rewrite on growth. */
  cron(nowMs: number): void {
    const core = this.core;
    if (this.job !== null || core.persistence.bgsaveInProgress || core.loading) return;
    const now = Math.floor(nowMs / 1000);
    if (this.scheduledFlag) {
      if (!this.limited(now)) this.start();
      return;
    }
    const aof = core.aof;
    const perc = core.config.getNumber('auto-aof-rewrite-percentage');
    if (aof.state !== 'on' || perc === 0) return;
    const size = aof.currentSize;
    if (size <= core.config.getNumber('auto-aof-rewrite-min-size')) return;
    const base = aof.baseSize > 0 ? aof.baseSize : 1;
    const growth = Math.floor((size * 100) / base) - 100;
    if (growth >= perc && !this.limited(now)) {
      core.log.info(`Starting automatic rewriting of AOF on ${growth}% growth`);
      this.start();
    }
  }

  // --- The command (AofOps) ---

  /** BGREWRITEAOF: started, scheduled (during a BGSAVE or inside EXEC), or an error. */
  bgrewriteaof(ctx: CommandContext): Reply {
    if (this.job !== null) fail(Err.aofRewriteInProgress);
    if (this.core.persistence.bgsaveInProgress || ctx.inExec) {
      this.scheduledFlag = true;
      // a manual request runs at once even after failures (Redis resets the count)
      this.failures = 0;
      return Reply.simple('Background append only file rewriting scheduled');
    }
    if (!this.start()) fail(Err.aofRewriteCantStart);
    return Reply.simple('Background append only file rewriting started');
  }

  /** The fields AofPersistence renders in INFO persistence. */
  status(): AofRewriteStatus {
    const job = this.job;
    return {
      inProgress: job !== null,
      scheduled: this.scheduledFlag,
      lastTimeSec: this.lastTimeSec,
      currentTimeSec: job !== null ? this.nowSec() - job.startSec : -1,
      lastOk: this.lastOk,
      rewrites: this.rewrites,
      consecutiveFailures: this.failures,
      bufferLength: job?.rw.bufferLength ?? 0,
      lastCowSize: this.lastCowSize,
    };
  }

  /** CONFIG RESETSTAT: aof_rewrites restarts from 0. */
  resetStats(): void {
    this.rewrites = 0;
  }

  /** Server close: kills a running rewrite; resolves once it has settled (its temp file removed). */
  close(): Promise<void> {
    this.cancel();
    return this.lastDone.then(() => {});
  }
}
