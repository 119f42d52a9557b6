/**
 * Loading the dataset at startup (Redis's loadDataFromDisk): with `appendonly yes` the AOF
 * `<dir>/<appendfilename>` is replayed (and the RDB ignored, as Redis 7.0: no AOF means an empty start),
 * otherwise `<dir>/<dbfilename>` is read when it exists. Either is loaded while the server already listens,
 * with core.loading set so commands get -LOADING, and the loading_* / rdb_last_load_* fields of INFO
 * persistence come from LoadingStatus. A file that cannot be loaded stops the start (DatasetLoadError) and is
 * never written here, except that a truncated AOF is cut back to its last complete command when
 * aof-load-truncated allows. The decoding itself is persistence/rdb-loader.ts and persistence/aof-loader.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type CommandContext, newCommandContext } from '../commands/context.js';
import { loadAofFile, type AofLoadResult } from '../persistence/aof-loader.js';
import { loadRdbFile, type RdbLoadResult } from '../persistence/rdb-loader.js';
import { rdbValueOptionsFrom } from '../persistence/rdb-values.js';
import { ErrorReply } from '../protocol/reply.js';
import { Client } from './client.js';
import type { ServerCore } from './server-core.js';

/** The dataset file exists but could not be loaded: the server must not start. */
export class DatasetLoadError extends Error {
  override name = 'DatasetLoadError';
  constructor(
    readonly file: string,
    override readonly cause: unknown,
  ) {
    super(`Fatal error loading the DB from ${file}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** What INFO persistence reports about the current and the last load. */
export class LoadingStatus {
  /** Unix seconds when the current load started. */
  startTime = 0;
  totalBytes = 0;
  loadedBytes = 0;
  /** used-mem of the file being loaded (loading_rdb_used_mem). */
  rdbUsedMem = 0;
  lastKeysLoaded = 0;
  lastKeysExpired = 0;
  /** The replication id and offset of the last file loaded, for a later PSYNC. */
  lastResult: RdbLoadResult | null = null;

  /** A load starts now (unix seconds), of totalBytes (0 while not known). */
  begin(nowSec: number, totalBytes: number): void {
    this.startTime = nowSec;
    this.totalBytes = totalBytes;
    this.loadedBytes = 0;
    this.rdbUsedMem = 0;
  }

  /** The loading_* fields Redis appends to INFO persistence while loading (genRedisInfoString). */
  loadingInfo(nowSec: number): string[] {
    let perc = 0;
    let remaining = 1;
    if (this.totalBytes > 0) {
      perc = (this.loadedBytes / this.totalBytes) * 100;
      remaining = this.totalBytes - this.loadedBytes;
    }
    const elapsed = nowSec - this.startTime;
    // Redis's fake 1 second figure when no time has passed yet
    const eta = elapsed === 0 ? 1 : Math.floor((elapsed * remaining) / (this.loadedBytes + 1));
    return [
      `loading_start_time:${this.startTime}`,
      `loading_total_bytes:${this.totalBytes}`,
      `loading_rdb_used_mem:${this.rdbUsedMem}`,
      `loading_loaded_bytes:${this.loadedBytes}`,
      `loading_loaded_perc:${perc.toFixed(2)}`,
      `loading_eta_seconds:${eta}`,
    ];
  }
}

/** The dataset file: dbfilename in dir. */
export function datasetPath(core: ServerCore): string {
  return path.resolve(core.config.get('dir'), core.config.get('dbfilename'));
}

/**
 * Loads the dataset file into core's (empty) keyspace if it exists. Resolves with the result (null when
 * there is no file); rejects with DatasetLoadError (the keyspace emptied again: a partial dataset is never
 * served), or with the signal's reason when aborted.
 */
export async function loadDatasetAtStartup(core: ServerCore, signal?: AbortSignal): Promise<RdbLoadResult | null> {
  if (core.config.getBool('appendonly')) return (await loadAofAtStartup(core, signal))?.preamble ?? null;
  const file = datasetPath(core);
  try {
    fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DatasetLoadError(file, e);
  }
  const started = performance.now();
  try {
    const result = await loadDatasetFile(core, file, signal);
    core.log.info(`DB loaded from disk: ${((performance.now() - started) / 1000).toFixed(3)} seconds`);
    return result;
  } catch (e) {
    if (!signal?.aborted) for (const db of core.keyspace.dbs) db.flush();
    throw e;
  }
}

/** Starts INFO's loading figures for `file` (its size); a file that cannot be read is a DatasetLoadError. */
function beginLoad(core: ServerCore, file: string): LoadingStatus {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (e) {
    throw new DatasetLoadError(file, e);
  }
  core.loadStatus.begin(Math.floor(core.clock.now() / 1000), size);
  return core.loadStatus;
}

/**
 * Loads `file` into core's keyspace with core.loading set (-LOADING, INFO loading_*), then logs as Redis
 * does and records rdb_last_load_keys_*. The startup load and DEBUG RELOAD. Rejects with DatasetLoadError
 * (the keyspace may then hold part of the file), or with the signal's reason when aborted.
 */
export async function loadDatasetFile(core: ServerCore, file: string, signal?: AbortSignal): Promise<RdbLoadResult> {
  const log = core.log;
  const status = beginLoad(core, file);
  core.loading = true;
  let result: RdbLoadResult;
  try {
    result = await loadRdbFile(
      file,
      core.keyspace,
      // a replica keeps keys whose TTL passed: its master's DEL removes them (rdbLoad's iAmMaster())
      { values: rdbValueOptionsFrom(core.configService), now: () => core.clock.now(), signal, skipExpired: core.config.get('replicaof') === '' },
      (p) => {
        status.loadedBytes = p.loadedBytes;
        status.rdbUsedMem = p.usedMem;
      },
    );
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new DatasetLoadError(file, e);
  } finally {
    core.loading = false;
  }
  const aux = result.aux;
  if (aux.redisVer !== undefined) log.info(`Loading RDB produced by version ${aux.redisVer}`);
  if (aux.ctime !== undefined) log.info(`RDB age ${Math.max(0, Math.floor(core.clock.now() / 1000) - aux.ctime)} seconds`);
  if (aux.usedMem !== undefined) log.info(`RDB memory usage when created ${(aux.usedMem / 1024 / 1024).toFixed(2)} Mb`);
  status.lastKeysLoaded = result.keysLoaded;
  status.lastKeysExpired = result.keysExpired;
  status.lastResult = result;
  status.loadedBytes = result.bytes;
  log.info(`Done loading RDB, keys loaded: ${result.keysLoaded}, keys expired: ${result.keysExpired}.`);
  if (result.emptyKeysSkipped > 0) log.info(`Skipped ${result.emptyKeysSkipped} empty keys`);
  return result;
}

// --- The append-only file ---

/** The AOF: appendfilename in dir (a single file; Redis 7.0's appendonlydir/ is not used). */
export function aofPath(core: ServerCore): string {
  return path.resolve(core.config.get('dir'), core.config.get('appendfilename'));
}

/**
 * Replays the AOF into core's (empty) keyspace at startup. Resolves with the result, or null when there is no
 * AOF (Redis 7.0 then starts empty, without the RDB); rejects with DatasetLoadError (the keyspace emptied
 * again), or with the signal's reason when aborted.
 */
export async function loadAofAtStartup(core: ServerCore, signal?: AbortSignal): Promise<AofLoadResult | null> {
  const file = aofPath(core);
  try {
    fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new DatasetLoadError(file, e);
    refuseMultiPartAof(core, file);
    return null;
  }
  const started = performance.now();
  try {
    const result = await replayAofFile(core, file, signal);
    core.log.info(`DB loaded from append only file: ${((performance.now() - started) / 1000).toFixed(3)} seconds`);
    return result;
  } catch (e) {
    if (!signal?.aborted) for (const db of core.keyspace.dbs) db.flush();
    throw e;
  }
}

/**
 * No single-file AOF but a Redis 7 multi-part one (appenddirname/<appendfilename>.manifest): starting empty
 * would silently drop that data (and the new AOF would not hold it), so the start stops with what to do.
 */
function refuseMultiPartAof(core: ServerCore, file: string): void {
  const manifest = path.resolve(core.config.get('dir'), core.config.get('appenddirname'), `${core.config.get('appendfilename')}.manifest`);
  if (!fs.existsSync(manifest)) return;
  throw new DatasetLoadError(
    file,
    new Error(
      `the file does not exist, but ${manifest} does: a multi-part AOF of Redis 7, which nodis does not read. ` +
        `Join its files (the base, then the incr files in manifest order) into ${file}, or move ${path.dirname(manifest)} away to start empty`,
    ),
  );
}

/**
 * Replays `file` with core.loading set (-LOADING, INFO loading_*) and key expiry paused (as Redis's
 * keyIsExpired while loading: the commands see the keys they saw when logged; expiry catches up after).
 * Commands run through Dispatcher.replay on a client of their own: no replies, no propagation; their error
 * replies are ignored, as Redis ignores them (one warning counts them).
 */
async function replayAofFile(core: ServerCore, file: string, signal?: AbortSignal): Promise<AofLoadResult> {
  const log = core.log;
  const status = beginLoad(core, file);
  const now = core.clock.now();
  const client = new Client(0, '', '', -1, now, true, { push: () => {}, closeAfterReply: () => {} });
  client.name = 'aof-loader';
  const ctx = newCommandContext(client, core.ops, true);
  const dispatcher = core.dispatcher;
  const dirtyBefore = dispatcher.replayDirty;
  let errors = 0;
  let firstError = '';
  const env = core.keyspace.env;
  core.loading = true;
  env.expiryPaused = true;
  let result: AofLoadResult;
  try {
    result = await loadAofFile(
      file,
      {
        command(argv) {
          const reply = dispatcher.replay(ctx, argv);
          if (reply === undefined) return false;
          if (reply instanceof ErrorReply && errors++ === 0) firstError = `${argv[0]}: ${reply.message}`;
          return true;
        },
      },
      {
        name: core.config.get('appendfilename'),
        loadTruncated: core.config.getBool('aof-load-truncated'),
        keyspace: core.keyspace,
        rdb: { values: rdbValueOptionsFrom(core.configService), now: () => core.clock.now() },
        signal,
        log: { info: (m) => log.info(m), warn: (m) => log.warn(m) },
        onProgress: (p) => {
          status.loadedBytes = p.loadedBytes;
          status.rdbUsedMem = p.usedMem;
        },
      },
    );
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new DatasetLoadError(file, e);
  } finally {
    env.expiryPaused = false;
    core.loading = false;
  }
  // as Redis: the replayed writes count as changes since the last save
  core.stats.dirty += dispatcher.replayDirty - dirtyBefore;
  status.loadedBytes = result.bytes;
  const pre = result.preamble;
  if (pre !== null) {
    status.lastKeysLoaded = pre.keysLoaded;
    status.lastKeysExpired = pre.keysExpired;
    status.lastResult = pre;
  }
  if (errors > 0) log.warn(`${errors} command(s) of the append only file replied with an error (ignored, as Redis does); the first: ${firstError}`);
  return result;
}
