/**
 * RDB saving for the running server (PersistenceOps), as Redis 7.0's rdb.c and serverCron do it: SAVE,
 * BGSAVE [SCHEDULE], LASTSAVE, the `save <seconds> <changes>` rules checked from the cron (with Redis's
 * retry delay after a failed BGSAVE), the save before SHUTDOWN / on SIGTERM, FLUSHALL's save, DEBUG RELOAD,
 * stop-writes-on-bgsave-error (-MISCONF), and the INFO persistence figures. The snapshot itself (the
 * point-in-time walk, the RDB bytes, the worker that writes the file) is persistence/rdb-save.ts.
 *
 * Redis's "synchronous" saves (SAVE, SHUTDOWN, FLUSHALL, DEBUG RELOAD) walk the whole keyspace in one go
 * on the main thread, so the file holds the dataset at that instant; the worker's compressing, writing and
 * fsync are then awaited with every client held (CLIENT PAUSE ALL's machinery), as Redis blocks while it
 * saves; the client that asked is answered when the file is in place. BGSAVE walks in short slices.
 */
import type { CommandContext, PersistenceOps } from '../commands/context.js';
import { BLOCKED } from '../commands/context.js';
import { REDIS_VERSION } from '../config.js';
import { loadRdbFile } from '../persistence/rdb-loader.js';
import { BackgroundSave, type RdbSaveOptions, type RdbSaveResult } from '../persistence/rdb-save.js';
import { rdbValueOptionsFrom } from '../persistence/rdb-values.js';
import type { SliceBudget } from '../persistence/snapshot.js';
import { Err, fail } from '../protocol/errors.js';
import { ErrorReply, Reply } from '../protocol/reply.js';
import type { ServerCore } from './server-core.js';

/** Redis's CONFIG_BGSAVE_RETRY_DELAY: seconds before the save rules retry after a failed BGSAVE. */
const BGSAVE_RETRY_DELAY = 5;

/**
 * Slice lengths (ms) of a BGSAVE walk: short while clients send commands, so their latency stays low,
 * longer while nobody does, so the whole save stays within a few times Redis's time. While clients are
 * active a slice also takes no longer than the time the event loop spent on them since the last slice
 * (at least SLICE_MIN_MS): the walk gets at most about half of a busy main thread, where back-to-back
 * slices of 1 ms would take most of it (Redis's fork leaves its main thread to the clients entirely).
 */
const SLICE_BUSY_MS = 1;
const SLICE_MIN_MS = 0.2;
const SLICE_IDLE_MS = 10;
const SLICE_ALONE_MS = 50;
/** Clients count as active for this long after a command ran. */
const ACTIVE_WINDOW_MS = 200;

interface BgsaveJob {
  readonly save: BackgroundSave;
  readonly startSec: number;
  /** rdb_changes_since_last_save when the snapshot was taken (Redis's dirty_before_bgsave). */
  readonly dirtyBefore: number;
  /** Keys in the dataset at the start instant (current_save_keys_total). */
  readonly keysTotal: number;
  killed: boolean;
}

type ShutdownMode = 'default' | 'save' | 'nosave';

export class RdbPersistence implements PersistenceOps {
  private bg: BgsaveJob | null = null;
  /** Set by BGSAVE inside MULTI (or SCHEDULE): the cron starts it. */
  private scheduled = false;
  private lastSaveSec: number;
  private lastBgsaveOk = true;
  private lastBgsaveTrySec = 0;
  private lastBgsaveTimeSec = -1;
  private saves = 0;
  private lastCowBytes = 0;
  /** Pages copied on write by the last BGSAVE (nodis's rdb_last_cow_pages; Redis has no such field). */
  private lastCowPages = 0;
  /** Peak snapshot memory of the last BGSAVE: copies held until written (nodis's rdb_last_cow_peak). */
  private lastCowPeak = 0;
  /** The last save started: a newer save renames its file only after it settled (newest file wins). */
  private lastWrite: Promise<unknown> = Promise.resolve();
  /** A shutdown (command or signal) is saving. */
  private shuttingDown = false;
  /** Synchronous saves still writing (the rules wait for them: both would subtract the same changes). */
  private syncWriting = 0;
  private rulesText = '';
  private rulesParsed: Array<[seconds: number, changes: number]> = [];
  /** Commands run when the last slice budget was read (is anyone active?). */
  private seenCommands = 0;
  /** When a command was last seen running between slices (performance.now()). */
  private activeAt = -Infinity;
  /** When the last slice budget was handed out, and how long it was (to tell the time spent between slices). */
  private lastSliceAt = 0;
  private lastSliceMs = 0;

  constructor(private readonly core: ServerCore) {
    this.lastSaveSec = Math.floor(core.startedAt / 1000);
    const self = this;
    this.slice = {
      get maxMs(): number {
        return self.sliceMs();
      },
    };
  }

  private nowSec(): number {
    return Math.floor(this.core.clock.now() / 1000);
  }

  /** The `save` rules: [seconds, changes] pairs (none after `save ""`). */
  private rules(): Array<[number, number]> {
    const text = this.core.config.get('save');
    if (text !== this.rulesText) {
      this.rulesText = text;
      const t = text.split(' ').filter(Boolean).map(Number);
      this.rulesParsed = [];
      for (let i = 0; i + 1 < t.length; i += 2) this.rulesParsed.push([t[i], t[i + 1]]);
    }
    return this.rulesParsed;
  }

  /** The BGSAVE slice budget: its maxMs is read before every slice. */
  private readonly slice: SliceBudget;

  private sliceMs(): number {
    const n = this.core.dispatcher.totalCommands;
    const now = performance.now();
    if (n !== this.seenCommands) {
      this.seenCommands = n;
      this.activeAt = now;
    }
    let ms: number;
    if (now - this.activeAt < ACTIVE_WINDOW_MS) {
      const between = now - this.lastSliceAt - this.lastSliceMs;
      ms = Math.max(SLICE_MIN_MS, Math.min(SLICE_BUSY_MS, between));
    } else {
      ms = this.core.clients.connectedCount === 0 ? SLICE_ALONE_MS : SLICE_IDLE_MS;
    }
    this.lastSliceAt = now;
    this.lastSliceMs = ms;
    return ms;
  }

  private saveOptions(sync: boolean): RdbSaveOptions {
    const config = this.core.config;
    return {
      dir: config.get('dir'),
      filename: config.get('dbfilename'),
      checksum: config.getBool('rdbchecksum'),
      values: rdbValueOptionsFrom(this.core.configService),
      header: { redisVer: REDIS_VERSION, ctime: this.nowSec(), usedMem: process.memoryUsage().rss, aofBase: false, ...this.replInfo() },
      slice: sync ? undefined : this.slice,
      sync,
      after: this.lastWrite,
    };
  }

  /**
   * rdbPopulateSaveInfo, replica case: a replica's file carries its master's id, its offset and the
   * master client's db, so a restart can continue with a partial resync.
   */
  private replInfo(): { repl?: { streamDb: number; id: string; offset: number } } {
    // master case: a master with a backlog saves its own id and offset (replication/master.ts)
    const info = this.core.replicaLink.saveInfo() ?? this.core.replication.saveInfo();
    return info === null ? {} : { repl: info };
  }

  // --- Background save ---

  get bgsaveInProgress(): boolean {
    return this.bg !== null;
  }

  /** rdbSaveBackground: false when the save could not start (logged; counts as a failed BGSAVE). */
  private startBgsave(): boolean {
    const core = this.core;
    const now = this.nowSec();
    this.saves++;
    this.lastBgsaveTrySec = now;
    let save: BackgroundSave;
    try {
      save = new BackgroundSave(core.keyspace, this.saveOptions(false));
    } catch (e) {
      this.lastBgsaveOk = false;
      core.log.warn(`Can't save in background: ${(e as Error).message}`);
      return false;
    }
    let keysTotal = 0;
    for (const db of core.keyspace.dbs) keysTotal += db.size;
    const job: BgsaveJob = { save, startSec: now, dirtyBefore: core.stats.dirty, keysTotal, killed: false };
    this.bg = job;
    this.lastWrite = save.done.catch(() => {});
    core.log.info('Background saving started');
    save.done.then(
      (res) => this.bgsaveDone(job, res, null),
      (e: unknown) => this.bgsaveDone(job, null, e),
    );
    return true;
  }

  /** backgroundSaveDoneHandlerDisk. */
  private bgsaveDone(job: BgsaveJob, res: RdbSaveResult | null, err: unknown): void {
    const log = this.core.log;
    if (job.killed) {
      // a killed save (SIGUSR1 in Redis) is not an error; its figures were taken when it was killed
      log.warn('Background saving terminated by signal 10');
      return;
    }
    if (this.bg === job) this.bg = null;
    this.lastBgsaveTimeSec = this.nowSec() - job.startSec;
    if (res !== null) {
      const st = res.stats;
      log.info({ keys: st.keys, slices: st.slices, maxSliceMs: Number(st.maxSliceMs.toFixed(2)), cowPages: st.cowPages, ms: Math.round(st.elapsedMs) }, 'Background saving terminated with success');
      this.core.stats.dirty -= job.dirtyBefore;
      this.lastSaveSec = this.nowSec();
      this.lastBgsaveOk = true;
      this.lastCowBytes = res.stats.cowBytes;
      this.lastCowPages = res.stats.cowPages;
      this.lastCowPeak = res.stats.peakCopyBytes;
    } else {
      log.warn(`Background saving error: ${err instanceof Error ? err.message : String(err)}`);
      this.lastBgsaveOk = false;
    }
  }

  /** killRDBChild: the running BGSAVE stops and leaves the previous file alone. */
  private killBgsave(): void {
    const job = this.bg;
    if (job === null) return;
    job.killed = true;
    this.bg = null;
    this.lastBgsaveTimeSec = this.nowSec() - job.startSec;
    job.save.cancel();
  }

  // --- Synchronous save ---

  /**
   * rdbSave: the keyspace is walked now; resolves when the file is in place (true) or the save failed
   * (false, logged). keepDirty: FLUSHALL's save leaves rdb_changes_since_last_save alone.
   */
  private saveNow(keepDirty = false): Promise<boolean> {
    const core = this.core;
    const dirtyBefore = core.stats.dirty;
    let save: BackgroundSave;
    try {
      // the walk happens inside the constructor: it may run beside a BGREWRITEAOF's snapshot
      save = core.aofRewriter.besideRewrite(() => new BackgroundSave(core.keyspace, this.saveOptions(true)));
    } catch (e) {
      core.log.warn(`Failed saving the DB: ${(e as Error).message}`);
      return Promise.resolve(false);
    }
    this.lastWrite = save.done.catch(() => {});
    this.syncWriting++;
    return save.done.then(
      () => {
        this.syncWriting--;
        core.log.info('DB saved on disk');
        if (!keepDirty) core.stats.dirty -= dirtyBefore;
        this.lastSaveSec = this.nowSec();
        this.lastBgsaveOk = true;
        return true;
      },
      (e: unknown) => {
        this.syncWriting--;
        core.log.warn(`Write error saving DB on disk: ${e instanceof Error ? e.message : String(e)}`);
        return false;
      },
    );
  }

  /** Holds every client's requests (as Redis blocks while saving); returns the release. */
  private holdClients(): () => void {
    const reg = this.core.clients;
    const prev = reg.pauseActive ? { end: reg.pauseEnd, mode: reg.pauseMode } : null;
    reg.pause(Number.MAX_SAFE_INTEGER, 'all');
    return () => {
      reg.unpause();
      // a CLIENT PAUSE that was in force goes on
      if (prev !== null && prev.end > this.core.clock.now()) reg.pause(prev.end, prev.mode);
    };
  }

  /** Answers a client whose command returned BLOCKED. */
  private answer(ctx: CommandContext, reply: Reply): void {
    if (reply instanceof ErrorReply) this.core.errorReplied(reply.message);
    this.core.clients.connectionOf(ctx.client.id)?.unblocked(reply);
  }

  /** Runs fn with every client held, the caller answered with its result. */
  private blockingJob(ctx: CommandContext, fn: () => Promise<Reply>): Reply {
    const release = this.holdClients();
    void fn().then(
      (reply) => {
        this.answer(ctx, reply);
        release();
      },
      (e: unknown) => {
        this.core.log.error({ err: e }, 'internal error in a blocking save');
        this.answer(ctx, new ErrorReply(Err.bareErr));
        release();
      },
    );
    return BLOCKED;
  }

  // --- Commands (PersistenceOps) ---

  save(ctx: CommandContext): Reply {
    if (this.bg !== null) fail(Err.bgsaveInProgress);
    this.saves++;
    return this.blockingJob(ctx, async () => ((await this.saveNow()) ? Reply.ok() : new ErrorReply(Err.bareErr)));
  }

  bgsave(ctx: CommandContext, schedule: boolean): Reply {
    // a full resync's snapshot is Redis's RDB child too
    if (this.bg !== null || this.core.replication.snapshotRunning) fail(Err.bgsaveInProgress);
    // as Redis's hasActiveChildProcess(): a BGREWRITEAOF runs, so SCHEDULE (or EXEC, below) waits for the cron
    if (this.core.aofRewriter.inProgress && !ctx.inExec) {
      if (!schedule) fail(Err.bgsaveAofInProgress);
      this.scheduled = true;
      return Reply.simple('Background saving scheduled');
    }
    // as Redis: inside MULTI/EXEC a BGSAVE is scheduled for the cron
    if (ctx.inExec) {
      this.scheduled = true;
      return Reply.simple('Background saving scheduled');
    }
    if (!this.startBgsave()) fail(Err.bareErr);
    return Reply.simple('Background saving started');
  }

  lastSave(): number {
    return this.lastSaveSec;
  }

  flushedAll(): void {
    this.killBgsave();
    // the dataset is empty now: the file is written at once; Redis's rdbSave here keeps dirty
    if (this.rules().length > 0) void this.saveNow(true);
  }

  shutdown(ctx: CommandContext, mode: ShutdownMode, opts: { now: boolean; force: boolean; abort: boolean }): Reply {
    // Redis can only abort a shutdown that waits for replicas; a save in progress cannot be
    if (opts.abort) fail(Err.noShutdownInProgress);
    if (!this.shutdownSaves(mode)) {
      this.killBgsave();
      this.core.shutdownHandler(mode);
      return Reply.none();
    }
    const release = this.holdClients();
    void this.prepareShutdown(mode, opts.force).then((ok) => {
      if (ok) {
        this.core.shutdownHandler(mode);
        return;
      }
      this.answer(ctx, new ErrorReply(Err.shutdownErrors));
      release();
    });
    return BLOCKED;
  }

  /** Whether a shutdown in this mode saves (save rules exist, or SAVE; never while loading). */
  private shutdownSaves(mode: ShutdownMode): boolean {
    if (this.core.loading) return false;
    return mode === 'save' || (mode === 'default' && this.rules().length > 0);
  }

  /**
   * finishShutdown's persistence part: kills a running BGSAVE, then saves when the mode and rules say
   * so. false when the save failed and FORCE was not given: the server must keep running.
   */
  async prepareShutdown(mode: ShutdownMode, force: boolean): Promise<boolean> {
    const log = this.core.log;
    if (this.shuttingDown) return false;
    if (this.bg !== null) {
      log.warn('There is a child saving an .rdb. Killing it!');
      this.killBgsave();
    }
    if (!this.shutdownSaves(mode)) return true;
    this.shuttingDown = true;
    try {
      log.info('Saving the final RDB snapshot before exiting.');
      if (await this.saveNow()) return true;
      if (force) {
        log.warn('Error trying to save the DB. Exit anyway.');
        return true;
      }
      log.warn("Error trying to save the DB, can't exit.");
      log.warn('Errors trying to shut down the server. Check the logs for more information.');
      return false;
    } finally {
      this.shuttingDown = false;
    }
  }

  /**
   * SIGTERM / SIGINT (shutdown-on-sigterm / shutdown-on-sigint): the shutdown save with every client held.
   * Resolves true when the server may exit; false (clients released) when the save failed.
   */
  async shutdownOnSignal(sig: 'SIGTERM' | 'SIGINT'): Promise<boolean> {
    const flags = this.core.config.get(sig === 'SIGTERM' ? 'shutdown-on-sigterm' : 'shutdown-on-sigint').split(' ');
    const mode: ShutdownMode = flags.includes('save') ? 'save' : flags.includes('nosave') ? 'nosave' : 'default';
    const release = this.shutdownSaves(mode) ? this.holdClients() : () => {};
    const ok = await this.prepareShutdown(mode, flags.includes('force'));
    if (!ok) release();
    return ok;
  }

  reload(ctx: CommandContext, opts: { merge: boolean; flush: boolean; save: boolean }): Reply {
    const core = this.core;
    return this.blockingJob(ctx, async () => {
      if (opts.save) {
        this.killBgsave();
        if (!(await this.saveNow())) return new ErrorReply(Err.bareErr);
      }
      if (opts.flush) for (const db of core.keyspace.dbs) db.flush();
      const file = `${core.config.get('dir')}/${core.config.get('dbfilename')}`;
      core.loading = true;
      try {
        await loadRdbFile(file, core.keyspace, { values: rdbValueOptionsFrom(core.configService), now: () => core.clock.now() });
      } catch (e) {
        core.log.warn(`Error trying to load the RDB dump: ${e instanceof Error ? e.message : String(e)}`);
        return new ErrorReply(Err.debugReloadFailed);
      } finally {
        core.loading = false;
      }
      core.log.warn('DB reloaded by DEBUG RELOAD');
      return Reply.ok();
    });
  }

  // --- Cron, write refusal, INFO ---

  /** serverCron's part: the save rules, then a scheduled BGSAVE. */
  cron(nowMs: number): void {
    if (this.bg !== null || this.syncWriting > 0 || this.core.loading || this.shuttingDown) return;
    // one snapshot at a time: no BGSAVE while an AOF rewrite runs (Redis's one child)
    if (this.core.aofRewriter.inProgress) return;
    // nor while a full resync's snapshot runs (Redis's replication RDB child)
    if (this.core.replication.snapshotRunning) return;
    const now = Math.floor(nowMs / 1000);
    const mayRetry = this.lastBgsaveOk || now - this.lastBgsaveTrySec > BGSAVE_RETRY_DELAY;
    if (!mayRetry) return;
    const dirty = this.core.stats.dirty;
    for (const [seconds, changes] of this.rules()) {
      if (dirty >= changes && now - this.lastSaveSec > seconds) {
        this.core.log.info(`${changes} changes in ${seconds} seconds. Saving...`);
        this.startBgsave();
        return;
      }
    }
    if (this.scheduled && this.startBgsave()) this.scheduled = false;
  }

  /** writeCommandsDeniedByDiskError: -MISCONF while the last BGSAVE failed, rules exist and the option is on. */
  writeRefusal(): string | null {
    if (this.lastBgsaveOk) return null;
    if (!this.core.config.getBool('stop-writes-on-bgsave-error') || this.rules().length === 0) return null;
    return Err.misconf;
  }

  /** INFO persistence, from current_cow_peak to rdb_last_cow_size, then nodis's rdb_last_cow_pages/peak. */
  infoFields(): string[] {
    const job = this.bg;
    const stats = job?.save.stats;
    const processed = stats?.keys ?? 0;
    const total = job?.keysTotal ?? 0;
    const perc = total > 0 ? ((processed * 100) / total).toFixed(2) : '0.00';
    return [
      `current_cow_peak:${stats?.peakCopyBytes ?? 0}`,
      `current_cow_size:${stats?.cowBytes ?? 0}`,
      'current_cow_size_age:0',
      `current_fork_perc:${perc}`,
      `current_save_keys_processed:${processed}`,
      `current_save_keys_total:${total}`,
      `rdb_changes_since_last_save:${this.core.stats.dirty}`,
      `rdb_bgsave_in_progress:${job !== null ? 1 : 0}`,
      `rdb_last_save_time:${this.lastSaveSec}`,
      `rdb_last_bgsave_status:${this.lastBgsaveOk ? 'ok' : 'err'}`,
      `rdb_last_bgsave_time_sec:${this.lastBgsaveTimeSec}`,
      `rdb_current_bgsave_time_sec:${job !== null ? this.nowSec() - job.startSec : -1}`,
      `rdb_saves:${this.saves}`,
      `rdb_last_cow_size:${this.lastCowBytes}`,
      // nodis's own (tools parsing Redis's fields skip them): the issue asks for pages copied and peak memory
      `rdb_last_cow_pages:${this.lastCowPages}`,
      `rdb_last_cow_peak:${this.lastCowPeak}`,
    ];
  }

  /** CONFIG RESETSTAT: rdb_saves restarts from 0. */
  resetStats(): void {
    this.saves = 0;
  }

  /** Server close: stops a running BGSAVE; resolves once no save is writing any more. */
  close(): Promise<void> {
    this.killBgsave();
    return this.lastWrite.then(() => {});
  }
}
