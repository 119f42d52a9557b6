/**
 * The replica side of replication (Redis's replication.c, replica half): REPLICAOF state, the
 * link to the master (connect; the handshake and PSYNC are replica-handshake.ts), the full
 * resync's snapshot (framed by sync-payload.ts into a temp file, loaded replacing the dataset with
 * -LOADING meanwhile, then renamed to dbfilename), and the stream, applied by replica-stream.ts:
 * each command runs as the master client through the host's dispatcher (so it reaches the AOF,
 * stats, MONITOR; dispatcher.replay would skip the AOF), and the applied bytes are fed verbatim to
 * the ReplicationState, so chained replicas see the master's stream with the master's offsets.
 * REPLCONF ACK every second and on GETACK; reconnection with the cached replid/offset on link
 * loss; ROLE and INFO replication's replica fields. The server wiring (master client in the
 * client list, loading, sub-replicas) is the host's (server/replica-host.ts).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { CommandContext } from '../commands/context.js';
import type { CommandSpec } from '../commands/table.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { RdbLoadResult } from '../persistence/rdb-loader.js';
import { Err } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { encodeCommand, handshake, MasterSocket } from './replica-handshake.js';
import { StreamApplier } from './replica-stream.js';
import { randomReplid, type ReplicationState } from './replication-state.js';
import { SyncPayloadReader } from './sync-payload.js';

/** What the link needs from the server (server/replica-host.ts implements it). */
export interface ReplicaLinkHost {
  readonly config: { get(name: string): string; getNumber(name: string): number; getBool(name: string): boolean; set(name: string, value: string): void };
  readonly keyspace: Keyspace;
  readonly log: Logger;
  readonly clock: Clock;
  /** The replication identity and stream (the master side's ReplicationState). */
  readonly state: ReplicationState;
  /** The port this server listens on (REPLCONF listening-port). */
  listeningPort(): number;
  /** Runs a command of the master's stream as the master client, through the dispatcher's checks. */
  execute(ctx: CommandContext, argv: string[]): Reply;
  /** Creates the master client (CLIENT LIST flags=M; CLIENT KILL TYPE master calls kill). */
  attachMasterClient(socket: net.Socket, kill: () => void): { ctx: CommandContext; detach(): void };
  /** Loads the RDB file into the (flushed) dataset with -LOADING; keys with a past TTL are kept. Abortable. */
  loadRdb(file: string, signal: AbortSignal): Promise<RdbLoadResult>;
  /**
   * The master's commands must wait: a dataset load runs (they would get -LOADING), or clients are
   * paused (CLIENT PAUSE, and SAVE / DEBUG RELOAD, which Redis runs synchronously, hold every client;
   * Redis pauses the master client too).
   */
  streamOnHold(): boolean;
  /** Empties every db (a failed load must not leave a half dataset). */
  flushAll(): void;
  /** The dataset was replaced by a full sync: an AOF must be rewritten from it (restartAOFAfterSYNC). */
  fullSyncLoaded(): void;
  /** Entering (true) or leaving replica mode: keys stop expiring by themselves, -MASTERDOWN checks. */
  setReplicaMode(on: boolean): void;
  /** The stream's history changed (full resync, new master, promotion): replicas of ours must resync. */
  disconnectReplicas(): void;
}

/** Redis's repl_state, as ROLE names it. */
export type ReplState = 'none' | 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

const ACK_PERIOD_MS = 1000;

export class ReplicaLink {
  masterHost: string | null = null;
  masterPort = 0;
  private replState: ReplState = 'none';
  private attempt: MasterSocket | null = null;
  /** Bumped whenever the current attempt is abandoned: stale async steps check it. */
  private gen = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Unix ms of the last byte from the master (handshake, transfer or stream). */
  private lastIo = 0;
  /** Unix ms the link went down (0: never up since REPLICAOF). */
  private downSince = 0;
  /** We hold a history (replid + offset) the master may continue: PSYNC <replid> <offset+1>, else PSYNC ? -1. */
  private cached = true;
  /** The master client's selected db, kept across reconnections as Redis's cached master. */
  private masterDb = 0;
  private master: { ctx: CommandContext; detach(): void } | null = null;
  private readonly applier: StreamApplier;
  /** read_reploff: stream bytes received. */
  private readOffset = 0;
  /** Full resync in progress: payload size/read for INFO. */
  private transfer: { reader: SyncPayloadReader; tmp: string; fd: number; lastIo: number } | null = null;
  private lastAckSent = 0;
  /** Stream chunks held while a dataset load runs (null: none). */
  private waiting: Buffer[] | null = null;
  /** The snapshot being loaded: aborted when the attempt is dropped; a next load waits for it. */
  private load: { abort: AbortController; done: Promise<unknown> } | null = null;

  constructor(private readonly host: ReplicaLinkHost) {
    this.applier = new StreamApplier({
      execute: (ctx, argv) => host.execute(ctx, argv),
      feed: (bytes) => host.state.feed(bytes),
      sendAck: () => this.sendAck(),
      warn: (message) => host.log.warn(message),
      env: host.keyspace.env,
    });
  }

  /** nodis is a replica (REPLICAOF host port in force). */
  get isReplica(): boolean {
    return this.masterHost !== null;
  }

  /** master_link_status:up. */
  get linkUp(): boolean {
    return this.replState === 'connected';
  }

  /** Whether ctx is the master client's (its writes are never refused). */
  isMasterClient(ctx: CommandContext): boolean {
    return this.master !== null && ctx.client === this.master.ctx.client;
  }

  /**
   * -READONLY for a write from a normal client on a read-only replica (processCommand). The
   * caller exempts the master client.
   */
  writeRefusal(isWrite: boolean): string | null {
    if (this.masterHost === null || !isWrite || !this.host.config.getBool('replica-read-only')) return null;
    return Err.readonly;
  }

  /**
   * -MASTERDOWN for commands without the `stale` flag (and EXEC of a queue holding one) while the
   * link is down and replica-serve-stale-data is no.
   */
  staleRefusal(ctx: CommandContext, spec: CommandSpec): string | null {
    if (this.masterHost === null || this.replState === 'connected' || this.isMasterClient(ctx)) return null;
    if (this.host.config.getBool('replica-serve-stale-data')) return null;
    const stale = (s: CommandSpec) => s.flags.includes('stale');
    const multi = ctx.client.multi;
    if (stale(spec) && !(spec.name === 'exec' && multi !== null && !multi.every((q) => stale(q.spec)))) return null;
    return Err.masterDown;
  }

  private get log(): Logger {
    return this.host.log;
  }

  // --- REPLICAOF ---

  /**
   * REPLICAOF host port (replicationSetMaster). `from` names the requesting client for the log
   * ('' at startup from the config file). Returns false when already replicating that master.
   */
  replicaOf(host: string, port: number, from: string | null): boolean {
    if (this.masterHost === host && this.masterPort === port) return false;
    const wasMaster = this.masterHost === null;
    this.masterHost = host;
    this.masterPort = port;
    this.dropLink();
    this.host.setReplicaMode(true);
    // our replicas must resync with us: they may be able to continue, but learn of the change
    this.host.disconnectReplicas();
    if (wasMaster) {
      this.log.info(
        'Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.',
      );
      this.cached = true;
      this.masterDb = 0;
    }
    this.replState = 'connect';
    this.downSince = 0;
    // CONFIG GET replicaof (and CONFIG REWRITE) show the master in force
    this.host.config.set('replicaof', `${host} ${port}`);
    this.startTimer();
    this.connect();
    if (from !== null) this.log.info(`REPLICAOF ${host}:${port} enabled (user request from '${from}')`);
    return true;
  }

  /** REPLICAOF NO ONE (replicationUnsetMaster): keep the data, shift the replication id. */
  noOne(from: string | null): void {
    if (this.masterHost === null) return;
    this.dropLink();
    this.masterHost = null;
    this.masterPort = 0;
    this.host.config.set('replicaof', 'no one');
    this.replState = 'none';
    this.stopTimer();
    this.host.setReplicaMode(false);
    // the old id stays valid as replid2 up to here: replicas of the old master can continue with us
    this.host.state.shiftReplicationId();
    this.log.info(`Setting secondary replication ID to ${this.host.state.replid2}, valid up to offset: ${this.host.state.secondReplOffset}. New replication ID is ${this.host.state.replid}`);
    this.host.disconnectReplicas();
    if (from !== null) this.log.info(`MASTER MODE enabled (user request from '${from}')`);
  }

  /**
   * At startup with `replicaof` configured: the RDB's repl-id/repl-offset (when it had them)
   * become the cached master, so the first PSYNC may continue where the file stopped.
   */
  startFromConfig(loaded: { id: string; offset: number; streamDb: number } | null): void {
    const conf = this.host.config.get('replicaof');
    if (conf === '') return;
    const sp = conf.lastIndexOf(' ');
    const host = conf.slice(0, sp);
    const port = Number(conf.slice(sp + 1));
    if (loaded !== null) {
      this.host.state.adopt(loaded.id, loaded.offset);
      this.masterDb = loaded.streamDb;
    }
    this.masterHost = host;
    this.masterPort = port;
    this.cached = loaded !== null;
    this.host.setReplicaMode(true);
    this.replState = 'connect';
    this.startTimer();
    this.connect();
  }

  /** Server shutdown: closes the link and stops the timer (the replica role stays configured). */
  close(): void {
    this.stopTimer();
    this.dropLink();
  }

  /**
   * The replication info an RDB saved now should carry (rdbPopulateSaveInfo, replica case): the
   * master's id, our processed offset and the master client's db; null when not a replica or when
   * there is no history a master could continue.
   */
  saveInfo(): { id: string; offset: number; streamDb: number } | null {
    if (this.masterHost === null || (this.master === null && !this.cached)) return null;
    const db = this.master !== null ? this.master.ctx.client.dbIndex : this.masterDb;
    return { id: this.host.state.replid, offset: this.host.state.offset, streamDb: db };
  }

  /** The master client's selected db: repl-stream-db of a snapshot our own replicas get. */
  streamDb(): number {
    return this.master !== null ? this.master.ctx.client.dbIndex : this.masterDb;
  }

  // --- ROLE / INFO ---

  /** ROLE for a replica: master host, port, state, offset (-1 before the master client exists). */
  role(): { host: string; port: number; state: ReplState; offset: number } {
    return {
      host: this.masterHost ?? '',
      port: this.masterPort,
      state: this.replState,
      offset: this.master !== null ? this.host.state.offset : -1,
    };
  }

  /**
   * INFO replication's replica lines, role:slave to replica_announced (genRedisInfoString); the
   * master side appends connected_slaves and the rest. Empty when not a replica.
   */
  infoFields(): string[] {
    if (this.masterHost === null) return [];
    const now = this.host.clock.now();
    const sec = (ms: number) => Math.floor((now - ms) / 1000);
    const haveOffsets = this.master !== null || this.cached;
    const replOffset = haveOffsets ? this.host.state.offset : 1;
    const readOffset = this.master !== null ? this.readOffset : replOffset;
    const lines = [
      'role:slave',
      `master_host:${this.masterHost}`,
      `master_port:${this.masterPort}`,
      `master_link_status:${this.replState === 'connected' ? 'up' : 'down'}`,
      `master_last_io_seconds_ago:${this.master !== null ? sec(this.lastIo) : -1}`,
      `master_sync_in_progress:${this.replState === 'sync' ? 1 : 0}`,
      `slave_read_repl_offset:${readOffset}`,
      `slave_repl_offset:${replOffset}`,
    ];
    const t = this.transfer;
    if (this.replState === 'sync' && t !== null) {
      const size = Math.max(0, t.reader.size);
      const read = t.reader.read;
      lines.push(
        `master_sync_total_bytes:${t.reader.size}`,
        `master_sync_read_bytes:${read}`,
        `master_sync_left_bytes:${t.reader.size - read}`,
        `master_sync_perc:${(size > 0 ? (read / size) * 100 : 0).toFixed(2)}`,
        `master_sync_last_io_seconds_ago:${sec(t.lastIo)}`,
      );
    }
    if (this.replState !== 'connected') lines.push(`master_link_down_since_seconds:${this.downSince !== 0 ? sec(this.downSince) : -1}`);
    const c = this.host.config;
    lines.push(
      `slave_priority:${c.getNumber('replica-priority')}`,
      `slave_read_only:${c.getBool('replica-read-only') ? 1 : 0}`,
      `replica_announced:${c.getBool('replica-announced') ? 1 : 0}`,
    );
    return lines;
  }

  // --- The link ---

  private startTimer(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.cron(), ACK_PERIOD_MS);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** replicationCron's replica part: reconnect, timeouts, the periodic ACK. */
  private cron(): void {
    if (this.masterHost === null) return;
    const now = this.host.clock.now();
    const timeoutMs = this.host.config.getNumber('repl-timeout') * 1000;
    if (this.replState === 'connect') {
      this.connect();
      return;
    }
    if (this.replState === 'connecting' || this.replState === 'handshake') {
      if (now - this.lastIo > timeoutMs) {
        this.log.warn('Timeout connecting to the MASTER...');
        this.retryLater();
      }
      return;
    }
    if (this.replState === 'sync') {
      if (this.transfer !== null && now - this.transfer.lastIo > timeoutMs) {
        this.log.warn("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.");
        this.retryLater();
      }
      return;
    }
    if (this.replState === 'connected') {
      if (now - this.lastIo > timeoutMs) {
        this.log.warn('MASTER timeout: no data nor PING received...');
        this.linkLost();
        return;
      }
      if (now - this.lastAckSent >= ACK_PERIOD_MS - 50) this.sendAck();
    }
  }

  /** Abandons the current attempt (socket, transfer, master client) without changing the role. */
  private dropLink(): void {
    this.gen++;
    const a = this.attempt;
    this.attempt = null;
    if (a !== null) {
      a.socket.removeAllListeners('data');
      a.socket.on('error', () => {});
      a.socket.destroy();
      a.ended();
    }
    this.abortTransfer();
    this.load?.abort.abort(new Error('replication attempt cancelled'));
    if (this.master !== null) {
      const ctx = this.master.ctx;
      this.masterDb = ctx.client.dbIndex;
      // a transaction cut by the link loss is discarded: the master re-sends it (our offset stops before MULTI)
      ctx.client.multi = null;
      this.master.detach();
      this.master = null;
    }
    this.applier.reset();
    this.waiting = null;
  }

  private abortTransfer(): void {
    const t = this.transfer;
    if (t === null) return;
    this.transfer = null;
    try {
      fs.closeSync(t.fd);
    } catch {
      /* already closed */
    }
    fs.rmSync(t.tmp, { force: true });
  }

  /** A failed attempt: retried by the cron (a second later), as Redis's cancelReplicationHandshake. */
  private retryLater(): void {
    this.dropLink();
    // master_link_down_since_seconds counts from a lost link only (-1 while never connected), as Redis
    if (this.masterHost !== null) this.replState = 'connect';
  }

  /** The established link broke: cache the master state and reconnect at once (Redis 7.0). */
  private linkLost(): void {
    this.log.info('Connection with master lost.');
    this.log.info('Caching the disconnected master state.');
    this.dropLink();
    this.cached = true;
    this.replState = 'connect';
    this.downSince = this.host.clock.now();
    this.readOffset = this.host.state.offset;
    this.log.info(`Reconnecting to MASTER ${this.masterHost}:${this.masterPort}`);
    this.connect();
  }

  /** connectWithMaster: opens the socket and runs the handshake. */
  private connect(): void {
    if (this.masterHost === null || this.attempt !== null) return;
    const gen = ++this.gen;
    this.log.info(`Connecting to MASTER ${this.masterHost}:${this.masterPort}`);
    const socket = net.connect({ host: this.masterHost, port: this.masterPort });
    socket.setNoDelay(true);
    const a = new MasterSocket(socket);
    this.attempt = a;
    this.replState = 'connecting';
    this.lastIo = this.host.clock.now();
    this.log.info('MASTER <-> REPLICA sync started');
    socket.on('data', (chunk: Buffer) => {
      this.lastIo = this.host.clock.now();
      a.received(chunk);
    });
    socket.on('error', (err) => {
      a.error = err.message;
    });
    socket.on('close', () => {
      a.ended();
      if (this.attempt === a && gen === this.gen) this.attemptClosed(a);
    });
    socket.once('connect', () => {
      if (gen !== this.gen) return;
      this.log.info('Non blocking connect for SYNC fired the event.');
      this.replState = 'handshake';
      this.runHandshake(a, gen).catch((e: unknown) => {
        if (gen !== this.gen) return;
        this.log.warn(e instanceof Error ? e.message : String(e));
        this.retryLater();
      });
    });
  }

  /** The attempt's socket closed on its own (master gone, reset, killed). */
  private attemptClosed(a: MasterSocket): void {
    if (this.replState === 'connected') {
      this.linkLost();
      return;
    }
    if (this.replState === 'connecting') this.log.warn(`Error condition on socket for SYNC: ${a.error ?? 'Connection refused'}`);
    else if (this.replState === 'sync') this.log.warn('I/O error trying to sync with MASTER: connection lost');
    this.retryLater();
  }

  // --- Handshake ---

  private async runHandshake(a: MasterSocket, gen: number): Promise<void> {
    const c = this.host.config;
    const st = this.host.state;
    const announcePort = c.getNumber('replica-announce-port');
    const result = await handshake(a, {
      masterauth: c.get('masterauth'),
      masteruser: c.get('masteruser'),
      listeningPort: announcePort !== 0 ? announcePort : this.host.listeningPort(),
      announceIp: c.get('replica-announce-ip'),
      cached: this.cached ? { replid: st.replid, offset: st.offset } : null,
      log: this.log,
      current: () => gen === this.gen,
    });
    if (gen !== this.gen) return;
    switch (result.kind) {
      case 'fullresync':
        if (this.cached) this.log.info('Discarding previously cached master state.');
        this.cached = false;
        this.beginTransfer(a, gen, result.replid, result.offset);
        return;
      case 'sync':
        // no id and no offset from an old master: no continuation later
        this.cached = false;
        this.beginTransfer(a, gen, randomReplid(), 0);
        return;
      case 'continue':
        if (result.replid !== null && result.replid !== st.replid) {
          st.switchToMasterReplid(result.replid);
          this.log.info(`Master replication ID changed to ${result.replid}`);
          // our replicas follow the new id (they continue with replid2)
          this.host.disconnectReplicas();
        }
        this.log.info('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
        this.online(a, gen);
        return;
    }
  }

  // --- Full resync: the snapshot ---

  private beginTransfer(a: MasterSocket, gen: number, replid: string, offset: number): void {
    // a full resync starts a new history: our replicas must resync too
    this.host.disconnectReplicas();
    const dir = this.host.config.get('dir');
    const tmp = path.resolve(dir, `temp-${this.host.clock.now()}.${process.pid}.rdb`);
    const fd = fs.openSync(tmp, 'w');
    const reader = new SyncPayloadReader({ write: (b) => writeAll(fd, b) });
    this.transfer = { reader, tmp, fd, lastIo: this.host.clock.now() };
    this.replState = 'sync';
    let announced = false;
    const onChunk = (chunk: Buffer): void => {
      if (gen !== this.gen || this.transfer === null) return;
      this.transfer.lastIo = this.host.clock.now();
      let used: number;
      try {
        used = reader.feed(chunk);
      } catch (e) {
        this.log.warn(e instanceof Error ? e.message : String(e));
        this.retryLater();
        return;
      }
      if (!announced && reader.started) {
        announced = true;
        if (reader.eofForm) this.log.info('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk');
        else this.log.info(`MASTER <-> REPLICA sync: receiving ${reader.size} bytes from master to disk`);
      }
      if (!reader.done) return;
      // what follows the payload is the stream: held until the dataset is loaded
      a.socket.pause();
      a.socket.removeAllListeners('data');
      const rest = chunk.subarray(used);
      const held: Buffer[] = rest.length > 0 ? [rest] : [];
      a.socket.on('data', (c: Buffer) => {
        this.lastIo = this.host.clock.now();
        held.push(c);
      });
      void this.loadPayload(a, gen, replid, offset, held);
    };
    a.socket.removeAllListeners('data');
    a.socket.on('data', onChunk);
    const pending = a.takeRest();
    if (pending.length > 0) onChunk(pending);
  }

  private async loadPayload(a: MasterSocket, gen: number, replid: string, offset: number, held: Buffer[]): Promise<void> {
    const t = this.transfer!;
    this.transfer = null;
    const log = this.log;
    try {
      fs.closeSync(t.fd);
      const file = path.resolve(this.host.config.get('dir'), this.host.config.get('dbfilename'));
      // an abandoned load must have stopped before the dataset is flushed again
      if (this.load !== null) await this.load.done;
      if (gen !== this.gen) {
        fs.rmSync(t.tmp, { force: true });
        return;
      }
      log.info('MASTER <-> REPLICA sync: Flushing old data');
      this.host.flushAll();
      log.info('MASTER <-> REPLICA sync: Loading DB in memory');
      // loaded from the temp file, which becomes dbfilename only once it loaded whole (Redis renames
      // first, and a corrupt payload then stays as the dump a restart refuses to load)
      const abort = new AbortController();
      const loading = this.host.loadRdb(t.tmp, abort.signal);
      const load = { abort, done: loading.catch(() => {}) };
      this.load = load;
      let result: RdbLoadResult;
      try {
        result = await loading;
      } finally {
        if (this.load === load) this.load = null;
      }
      if (gen !== this.gen) {
        // REPLICAOF changed meanwhile: the data is whole, but this master's id and offset no longer apply
        fs.rmSync(t.tmp, { force: true });
        return;
      }
      fs.renameSync(t.tmp, file);
      this.host.fullSyncLoaded();
      this.host.state.adopt(replid, offset);
      this.masterDb = result.repl?.streamDb ?? 0;
      this.readOffset = offset;
      this.cached = true;
      log.info('MASTER <-> REPLICA sync: Finished with success');
    } catch (e) {
      fs.rmSync(t.tmp, { force: true });
      // never serve a partly loaded dataset as complete: empty, and a full resync again
      this.host.flushAll();
      if (gen !== this.gen) return;
      log.warn(`Failed trying to load the MASTER synchronization DB from disk, check server logs. (${e instanceof Error ? e.message : String(e)})`);
      this.cached = false;
      this.retryLater();
      return;
    }
    // the socket is paused: the bytes that came with or after the payload are applied first
    a.socket.removeAllListeners('data');
    this.online(a, gen);
    for (const chunk of held) {
      if (gen !== this.gen) return;
      this.onStreamData(chunk);
    }
    // the master starts streaming after our first ACK (diskless) or at once (disk-based)
    this.sendAck();
    a.socket.resume();
  }

  // --- The stream ---

  /** The link is up: the master client exists and the stream is applied from now on. */
  private online(a: MasterSocket, gen: number): void {
    this.replState = 'connected';
    this.downSince = 0;
    this.master = this.host.attachMasterClient(a.socket, () => {
      if (gen === this.gen && this.replState === 'connected') this.linkLost();
    });
    const ctx = this.master.ctx;
    ctx.client.dbIndex = this.masterDb;
    ctx.db = this.host.keyspace.dbs[this.masterDb] ?? this.host.keyspace.dbs[0];
    this.readOffset = this.host.state.offset;
    a.socket.removeAllListeners('data');
    a.socket.on('data', (chunk: Buffer) => {
      if (gen !== this.gen) return;
      this.lastIo = this.host.clock.now();
      this.onStreamData(chunk);
    });
    const pending = a.takeRest();
    if (pending.length > 0) this.onStreamData(pending);
  }

  /** Applies a chunk of the master's stream. */
  private onStreamData(chunk: Buffer): void {
    if (this.master === null) return;
    this.readOffset += chunk.length;
    if (this.waiting !== null || this.host.streamOnHold()) {
      // held in order until the load or pause ends (still read, as Redis keeps reading into the
      // master client's query buffer: the link stays alive)
      if (this.waiting === null) {
        this.waiting = [];
        const gen = this.gen;
        const retry = (): void => {
          if (gen !== this.gen) return;
          if (this.host.streamOnHold()) {
            setTimeout(retry, 10).unref();
            return;
          }
          const held = this.waiting ?? [];
          this.waiting = null;
          for (const c of held) {
            if (gen !== this.gen || this.waiting !== null) return;
            this.applyHeld(c);
          }
        };
        setTimeout(retry, 10).unref();
      }
      this.waiting.push(chunk);
      return;
    }
    this.applyHeld(chunk);
  }

  /** Applies a chunk now; garbage drops the link. */
  private applyHeld(chunk: Buffer): void {
    try {
      this.applyStream(chunk);
    } catch (e) {
      // garbage in the stream: as Redis frees a master client on a protocol error, the link is dropped
      // and continued from the last command applied
      this.log.warn(`Protocol error from MASTER: ${e instanceof Error ? e.message : String(e)}`);
      if (this.master !== null) this.linkLost();
    }
  }

  private applyStream(chunk: Buffer): void {
    const master = this.master;
    if (master === null) return;
    const gen = this.gen;
    // a command may drop the link: the rest of the chunk then belongs to no one
    this.applier.apply(chunk, master.ctx, () => gen === this.gen);
  }

  /** REPLCONF ACK <offset> to the master. */
  private sendAck(): void {
    const a = this.attempt;
    if (a === null || a.closed || this.master === null) return;
    this.lastAckSent = this.host.clock.now();
    a.socket.write(encodeCommand(['REPLCONF', 'ACK', String(this.host.state.offset)]));
  }
}

function writeAll(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
}
