/**
 * The link to the master, replica side (Redis's replication.c connection state machine): connect,
 * the handshake and PSYNC (replica-handshake.ts), a full resync's payload (replica-payload.ts) or a
 * partial one, then the stream, applied by replica-stream.ts: each command runs as the master client
 * through the host's dispatcher (so it reaches the AOF, stats, MONITOR), and the applied bytes are
 * fed verbatim to the ReplicationState, so chained replicas see the master's stream with the master's
 * offsets. REPLCONF ACK every second and on GETACK. The reconnect policy is the cron's: a failed
 * attempt is retried a second later, a lost link at once with the cached replid/offset (partial
 * resync), and repl-timeout drops a silent master in any state. Which master, and what REPLICAOF
 * means for the server, is replica-link.ts's.
 */
import net from 'node:net';
import type { CommandContext } from '../commands/context.js';
import type { Logger } from '../util/logger.js';
import { encodeCommand, handshake, MasterSocket } from './replica-handshake.js';
import type { ReplicaLinkHost, ReplState } from './replica-link-host.js';
import { PayloadLoader } from './replica-payload.js';
import { StreamApplier } from './replica-stream.js';
import { randomReplid } from './replication-state.js';

const ACK_PERIOD_MS = 1000;

export class MasterLink {
  /** The master to connect to (null: not a replica). */
  private target: { host: string; port: number } | null = null;
  private replState: ReplState = 'none';
  private attempt: MasterSocket | null = null;
  /** Bumped whenever the current attempt is abandoned: stale async steps check it. */
  private gen = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Unix ms of the last byte from the master (handshake, transfer or stream). */
  private _lastIo = 0;
  /** Unix ms the link went down (0: never up since REPLICAOF). */
  private _downSince = 0;
  /** We hold a history (replid + offset) the master may continue: PSYNC <replid> <offset+1>, else PSYNC ? -1. */
  private cached = true;
  /** The master client's selected db, kept across reconnections as Redis's cached master. */
  private masterDb = 0;
  private master: { ctx: CommandContext; detach(): void } | null = null;
  private readonly applier: StreamApplier;
  /** read_reploff: stream bytes received. */
  private _readOffset = 0;
  /** A full resync's payload: received into a temp file, then loaded. */
  private readonly payload: PayloadLoader;
  private lastAckSent = 0;
  /** Stream chunks held while a dataset load runs (null: none). */
  private waiting: Buffer[] | null = null;

  constructor(private readonly host: ReplicaLinkHost) {
    this.applier = new StreamApplier({
      execute: (ctx, argv) => host.execute(ctx, argv),
      feed: (bytes) => host.state.feed(bytes),
      sendAck: () => this.sendAck(),
      warn: (message) => host.log.warn(message),
      env: host.keyspace.env,
    });
    this.payload = new PayloadLoader({
      host,
      current: (gen) => gen === this.gen,
      touched: () => {
        this._lastIo = this.host.clock.now();
      },
      failed: (loadFailed) => {
        if (loadFailed) this.cached = false;
        this.retryLater();
      },
      loaded: (a, gen, streamDb, offset, held) => this.payloadLoaded(a, gen, streamDb, offset, held),
    });
  }

  private get log(): Logger {
    return this.host.log;
  }

  // --- What the role side reads (ROLE, INFO, saveInfo) ---

  /** Redis's repl_state. */
  get state(): ReplState {
    return this.replState;
  }

  /** The master client exists (the link is up, or its stream is being applied). */
  get attached(): boolean {
    return this.master !== null;
  }

  /** There is a history (replid + offset) a master could continue. */
  get hasHistory(): boolean {
    return this.master !== null || this.cached;
  }

  /** read_reploff: stream bytes received. */
  get readOffset(): number {
    return this._readOffset;
  }

  /** Unix ms of the last byte from the master. */
  get lastIo(): number {
    return this._lastIo;
  }

  /** Unix ms the link went down (0: never up since REPLICAOF). */
  get downSince(): number {
    return this._downSince;
  }

  /** The full resync's transfer in progress (INFO master_sync_*), or null. */
  transferProgress(): { size: number; read: number; lastIo: number } | null {
    return this.payload.progress();
  }

  /** Whether ctx is the master client's. */
  isMasterClient(ctx: CommandContext): boolean {
    return this.master !== null && ctx.client === this.master.ctx.client;
  }

  /** The master client's selected db: repl-stream-db of a snapshot our own replicas get. */
  streamDb(): number {
    return this.master !== null ? this.master.ctx.client.dbIndex : this.masterDb;
  }

  // --- Start, stop ---

  /**
   * Connects to host:port from now on (the caller dropped any previous attempt). `history` replaces
   * the cached master state (whether our replid/offset may be continued, the stream's db); null keeps it.
   */
  start(host: string, port: number, history: { cached: boolean; masterDb: number } | null): void {
    this.target = { host, port };
    if (history !== null) {
      this.cached = history.cached;
      this.masterDb = history.masterDb;
    }
    this.replState = 'connect';
    this._downSince = 0;
    this.startTimer();
    this.connect();
  }

  /** REPLICAOF NO ONE: no master any more. */
  stop(): void {
    this.drop();
    this.target = null;
    this.replState = 'none';
    this.stopTimer();
  }

  /** Server shutdown: closes the link and stops the timer (the replica role stays configured). */
  close(): void {
    this.stopTimer();
    this.drop();
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
    if (this.target === null) return;
    const now = this.host.clock.now();
    const timeoutMs = this.host.config.getNumber('repl-timeout') * 1000;
    if (this.replState === 'connect') {
      this.connect();
      return;
    }
    if (this.replState === 'connecting' || this.replState === 'handshake') {
      if (now - this._lastIo > timeoutMs) {
        this.log.warn('Timeout connecting to the MASTER...');
        this.retryLater();
      }
      return;
    }
    if (this.replState === 'sync') {
      const t = this.payload.progress();
      if (t !== null && now - t.lastIo > timeoutMs) {
        this.log.warn("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.");
        this.retryLater();
      }
      return;
    }
    if (this.replState === 'connected') {
      if (now - this._lastIo > timeoutMs) {
        this.log.warn('MASTER timeout: no data nor PING received...');
        this.linkLost();
        return;
      }
      if (now - this.lastAckSent >= ACK_PERIOD_MS - 50) this.sendAck();
    }
  }

  /** Abandons the current attempt (socket, transfer, master client) without changing the role. */
  drop(): void {
    this.gen++;
    const a = this.attempt;
    this.attempt = null;
    if (a !== null) {
      a.socket.removeAllListeners('data');
      a.socket.on('error', () => {});
      a.socket.destroy();
      a.ended();
    }
    this.payload.abort();
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

  /** A failed attempt: retried by the cron (a second later), as Redis's cancelReplicationHandshake. */
  private retryLater(): void {
    this.drop();
    // master_link_down_since_seconds counts from a lost link only (-1 while never connected), as Redis
    if (this.target !== null) this.replState = 'connect';
  }

  /** The established link broke: cache the master state and reconnect at once (Redis 7.0). */
  private linkLost(): void {
    this.log.info('Connection with master lost.');
    this.log.info('Caching the disconnected master state.');
    this.drop();
    this.cached = true;
    this.replState = 'connect';
    this._downSince = this.host.clock.now();
    this._readOffset = this.host.state.offset;
    this.log.info(`Reconnecting to MASTER ${this.target?.host}:${this.target?.port}`);
    this.connect();
  }

  /** connectWithMaster: opens the socket and runs the handshake. */
  private connect(): void {
    const target = this.target;
    if (target === null || this.attempt !== null) return;
    const gen = ++this.gen;
    this.log.info(`Connecting to MASTER ${target.host}:${target.port}`);
    const socket = net.connect({ host: target.host, port: target.port });
    socket.setNoDelay(true);
    const a = new MasterSocket(socket);
    this.attempt = a;
    this.replState = 'connecting';
    this._lastIo = this.host.clock.now();
    this.log.info('MASTER <-> REPLICA sync started');
    socket.on('data', (chunk: Buffer) => {
      this._lastIo = this.host.clock.now();
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
    this.replState = 'sync';
    this.payload.begin(a, gen, replid, offset);
  }

  /** The payload is loaded (replica-payload.ts): the link goes online with what came after it. */
  private payloadLoaded(a: MasterSocket, gen: number, streamDb: number, offset: number, held: Buffer[]): void {
    this.masterDb = streamDb;
    this._readOffset = offset;
    this.cached = true;
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
    this._downSince = 0;
    this.master = this.host.attachMasterClient(a.socket, () => {
      if (gen === this.gen && this.replState === 'connected') this.linkLost();
    });
    const ctx = this.master.ctx;
    ctx.client.dbIndex = this.masterDb;
    ctx.db = this.host.keyspace.dbs[this.masterDb] ?? this.host.keyspace.dbs[0];
    this._readOffset = this.host.state.offset;
    a.socket.removeAllListeners('data');
    a.socket.on('data', (chunk: Buffer) => {
      if (gen !== this.gen) return;
      this._lastIo = this.host.clock.now();
      this.onStreamData(chunk);
    });
    const pending = a.takeRest();
    if (pending.length > 0) this.onStreamData(pending);
  }

  /** Applies a chunk of the master's stream. */
  private onStreamData(chunk: Buffer): void {
    if (this.master === null) return;
    this._readOffset += chunk.length;
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
