/**
 * The master side of replication (Redis's replication.c, master half): the propagator listener that
 * encodes every write into the replication stream (SELECT when the stream's db changes), the online
 * replicas it is sent to, SYNC/PSYNC (+CONTINUE from the backlog, or +FULLRESYNC with a snapshot:
 * diskless `$EOF:<mark>` to the sockets, or a BGSAVE to disk then `$<len>`), REPLCONF, WAIT, ROLE,
 * the INFO replication section, heartbeats (PING into the stream, newlines while a replica waits),
 * replica timeouts and output limits, min-replicas-to-write and the backlog's lifetime.
 *
 * The replica side (F's ReplicaLink) feeds its master's stream verbatim through state.feed(); this
 * side then only forwards bytes and never encodes (a replica's own propagator is not listened to).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ClientState, CommandContext } from '../commands/context.js';
import { BLOCKED } from '../commands/context.js';
import type { Propagator } from '../exec/propagator.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import { Crc64 } from '../persistence/crc64.js';
import { BackgroundSave } from '../persistence/rdb-save.js';
import { type RdbHeaderInfo, RdbSnapshotSink } from '../persistence/rdb-snapshot-sink.js';
import type { RdbValueOptions } from '../persistence/rdb-values.js';
import { Snapshot } from '../persistence/snapshot.js';
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { newReplicaFacts, ReplicaConnection, type ReplicaFacts, type ReplicaTransport } from './replica-connection.js';
import { ReplicationState } from './replication-state.js';

export interface OutputLimitSpec {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** The replica side as the master sees it (F's ReplicaLink satisfies it). */
export interface ReplicaSideView {
  /** REPLICAOF host port is in force. */
  readonly isReplica: boolean;
  /** master_link_status:up. */
  readonly linkUp: boolean;
  /** The master client's selected db (repl-stream-db of a chained replica's snapshot). */
  streamDb?(): number;
}

/** What the master side needs from the server (server/server-core.ts implements it). */
export interface MasterHost {
  readonly config: { get(name: string): string; getNumber(name: string): number; getBool(name: string): boolean };
  readonly keyspace: Keyspace;
  readonly log: Logger;
  readonly clock: Clock;
  readonly propagator: Propagator;
  readonly redisVersion: string;
  /** The replica side (may be read lazily: it is created after the master side). */
  replicaSide(): ReplicaSideView;
  /** Hands a client's connection over to replication (raw output from now on); null when it is gone. */
  takeOver(client: ClientState): ReplicaTransport | null;
  /** Answers a client whose command returned BLOCKED (WAIT). */
  unblock(client: ClientState, reply: Reply): void;
  /** The client is still connected. */
  connected(client: ClientState): boolean;
  /** client-output-buffer-limit replica. */
  replicaOutputLimit(): OutputLimitSpec | null;
  rdbValueOptions(): RdbValueOptions;
  usedMemory(): number;
}

/** A full sync in progress: one snapshot, the replicas it is for. */
interface SyncJob {
  readonly kind: 'socket' | 'disk';
  readonly targets: Set<ReplicaConnection>;
  cancel(): void;
}

interface Waiter {
  readonly client: ClientState;
  readonly offset: number;
  readonly numreplicas: number;
  readonly timer: NodeJS.Timeout | null;
}

/** Stream bytes are held for the replicas until this many are pending (then flushed at once). */
const FLUSH_BYTES = 256 * 1024;
/** A diskless transfer pauses the walk while a target socket holds more than this. */
const SOCKET_HIGH_WATER = 4 * 1024 * 1024;
const PING_ARGV = ['PING'];
const GETACK_ARGV = ['REPLCONF', 'GETACK', '*'];

export class ReplicationMaster {
  readonly state: ReplicationState;
  private readonly replicas = new Map<number, ReplicaConnection>();
  /** REPLCONF facts of clients that have not (yet) sent SYNC/PSYNC. */
  private readonly facts = new WeakMap<ClientState, ReplicaFacts>();
  /** The db the stream last selected (Redis's slaveseldb); -1 forces a SELECT. */
  private seldb = -1;
  /** Encoding scratch (one record). */
  private enc = Buffer.allocUnsafe(16 * 1024);
  /** Stream bytes not yet handed to the replicas (flushed once per turn of the event loop). */
  private out = Buffer.allocUnsafe(64 * 1024);
  private outLen = 0;
  private flushScheduled = false;
  private job: SyncJob | null = null;
  private startTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly waiters = new Set<Waiter>();
  private getackScheduled = false;
  /** Per-client offset after its last command that propagated (Redis's c->woff). */
  private readonly woff = new WeakMap<ClientState, number>();
  private offsetSeen = 0;
  /** When the last replica went away (ms), for repl-backlog-ttl; 0 while replicas exist. */
  private noReplicasSince: number;
  private lastSecond = 0;
  private cronLoops = 0;
  private goodReplicas = 0;
  private readonly log: Logger;
  /** Stats: sync_full, sync_partial_ok, sync_partial_err. */
  readonly stats = { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0 };
  private readonly removeListener: () => void;
  private readonly removeFeed: () => void;

  constructor(private readonly host: MasterHost) {
    this.log = host.log;
    this.state = new ReplicationState(this.backlogSize());
    this.noReplicasSince = host.clock.now();
    this.removeListener = host.propagator.addListener((db, argv) => this.propagate(db, argv));
    this.removeFeed = this.state.addFeedListener((buf, start, end) => this.onFeed(buf, start, end));
  }

  // --- The stream ---

  /** The propagator listener: every write of this server, when it is a master with a backlog or replicas. */
  private propagate(dbIndex: number, argv: readonly string[]): void {
    if (this.host.replicaSide().isReplica) {
      this.wasReplica = true;
      return;
    }
    if (this.wasReplica) this.promoted();
    if (!this.state.backlog.active && this.replicas.size === 0) return;
    this.feedRecord(dbIndex, argv);
  }

  /** Was a replica (its stream was its master's): the first record of our own must SELECT its db. */
  private wasReplica = false;

  private promoted(): void {
    this.wasReplica = false;
    this.seldb = -1;
  }

  /** Encodes one record (SELECT first when the db changes) and feeds it to the stream. */
  private feedRecord(dbIndex: number, argv: readonly string[]): void {
    let need = 64;
    for (let i = 0; i < argv.length; i++) need += argv[i].length + 16;
    if (need > this.enc.length) this.enc = Buffer.allocUnsafe(Math.max(need, this.enc.length * 2));
    const b = this.enc;
    let p = 0;
    if (dbIndex !== this.seldb && dbIndex >= 0) {
      const d = String(dbIndex);
      p += b.write(`*2\r\n$6\r\nSELECT\r\n$${d.length}\r\n${d}\r\n`, p, 'latin1');
      this.seldb = dbIndex;
    }
    b[p++] = 42; // '*'
    p = writeDecimal(b, p, argv.length);
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      b[p++] = 36; // '$'
      p = writeDecimal(b, p, a.length);
      p += a.length < 32 ? writeShortLatin1(b, p, a) : b.latin1Write(a, p, a.length);
      b[p++] = 13;
      b[p++] = 10;
    }
    this.state.feedRange(b, 0, p);
  }

  /** Every chunk fed to the stream (ours or our master's): queued for the replicas. */
  private onFeed(buf: Buffer, start: number, end: number): void {
    if (this.replicas.size === 0) return;
    const need = this.outLen + end - start;
    if (need > this.out.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.out.length * 2));
      this.out.copy(grown, 0, 0, this.outLen);
      this.out = grown;
    }
    buf.copy(this.out, this.outLen, start, end);
    this.outLen = need;
    if (this.outLen >= FLUSH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /** Hands the queued stream bytes to every replica (sent, held during its snapshot, or dropped before it). */
  flush(): void {
    if (this.outLen === 0) return;
    const chunk = Buffer.from(this.out.subarray(0, this.outLen));
    this.outLen = 0;
    if (this.out.length > 1024 * 1024) this.out = Buffer.allocUnsafe(64 * 1024);
    const limit = this.host.replicaOutputLimit();
    const now = this.host.clock.now();
    for (const r of this.replicas.values()) {
      r.stream(chunk);
      if (r.overLimit(limit, now)) this.closeOverLimit(r);
    }
  }

  private closeOverLimit(r: ReplicaConnection): void {
    this.log.warn(
      `Client id=${r.id} addr=${r.transport.addr} scheduled to be closed ASAP for overcoming of output buffer limits.`,
    );
    r.transport.close();
  }

  // --- SYNC / PSYNC ---

  /**
   * SYNC (psync null) or PSYNC replid offset. Returns no reply: what follows is written raw to the
   * connection, which becomes a replica.
   */
  sync(ctx: CommandContext, psync: { replid: string; offset: string } | null): Reply {
    const client = ctx.client;
    if (this.isReplicaClient(client)) return Reply.none();
    const side = this.host.replicaSide();
    if (side.isReplica && !side.linkUp) fail(Err.noMasterLink);
    let psyncOffset = 0;
    if (psync !== null) {
      if (!/^-?\d+$/.test(psync.offset)) fail(Err.notInteger);
      psyncOffset = Number(psync.offset);
      if (!Number.isSafeInteger(psyncOffset)) fail(Err.notInteger);
    }
    const facts = this.facts.get(client) ?? newReplicaFacts();
    const transport = this.host.takeOver(client);
    if (transport === null) return Reply.none();
    const r = new ReplicaConnection(transport, facts, this.host.clock.now(), psync === null);
    const name = `${r.ip}:${facts.listeningPort}`;
    this.log.info(`Replica ${name} asks for synchronization`);
    this.addReplica(r);
    if (psync !== null) {
      if (this.tryPartial(r, psync.replid, psyncOffset)) {
        this.stats.syncPartialOk++;
        return Reply.none();
      }
      if (psync.replid !== '?') this.stats.syncPartialErr++;
    }
    this.stats.syncFull++;
    // as syncCommand: the first replica of a master without a backlog starts a new history
    if (!this.state.backlog.active) {
      if (!side.isReplica) this.state.resetReplicationId();
      this.state.backlog.create(this.state.offset);
      this.log.info(`Replication backlog created, my new replication IDs are '${this.state.replid}' and '${this.state.replid2}'`);
    }
    this.scheduleFullSync();
    return Reply.none();
  }

  private addReplica(r: ReplicaConnection): void {
    this.replicas.set(r.id, r);
    this.noReplicasSince = 0;
    r.transport.onClose(() => this.removeReplica(r));
  }

  private removeReplica(r: ReplicaConnection): void {
    if (r.closed) return;
    r.closed = true;
    this.replicas.delete(r.id);
    this.log.info(`Connection with replica ${r.ip}:${r.facts.listeningPort} lost.`);
    const job = this.job;
    if (job !== null && job.targets.delete(r) && job.targets.size === 0) job.cancel();
    if (this.replicas.size === 0) this.noReplicasSince = this.host.clock.now();
    this.refreshGoodReplicas();
  }

  /** masterTryPartialResynchronization. */
  private tryPartial(r: ReplicaConnection, replid: string, offset: number): boolean {
    const st = this.state;
    if (replid !== st.replid && (replid !== st.replid2 || offset > st.secondReplOffset)) {
      if (replid === '?') this.log.info('Full resync requested by replica');
      else if (replid !== st.replid2) {
        this.log.info(`Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${st.replid}' and '${st.replid2}')`);
      } else {
        this.log.info(`Partial resynchronization not accepted: Requested offset for second ID was ${offset}, but I can reply up to ${st.secondReplOffset}`);
      }
      return false;
    }
    if (!st.backlog.canServe(offset)) {
      this.log.info(`Unable to partial resync with replica ${r.ip}:${r.facts.listeningPort} for lack of backlog (Replica request was: ${offset}).`);
      return false;
    }
    // pending stream bytes were produced before this replica's offset point: they go to the others first
    this.flush();
    const line = r.facts.capaPsync2 ? `+CONTINUE ${st.replid}\r\n` : '+CONTINUE\r\n';
    r.transport.write(Buffer.from(line, 'latin1'));
    const parts = st.backlog.readFrom(offset);
    let n = 0;
    for (const p of parts) {
      r.transport.write(p);
      n += p.length;
    }
    r.phase = 'online';
    r.acked = true;
    this.log.info(`Partial resynchronization request from ${r.ip}:${r.facts.listeningPort} accepted. Sending ${n} bytes of backlog starting from offset ${offset}.`);
    this.refreshGoodReplicas();
    return true;
  }

  /** Replicas waiting for a snapshot that has not started. */
  private waiting(): ReplicaConnection[] {
    const out: ReplicaConnection[] = [];
    for (const r of this.replicas.values()) if (r.phase === 'wait_bgsave' && !r.buffering) out.push(r);
    return out;
  }

  /** Starts the next snapshot now (disk, delay 0) or after repl-diskless-sync-delay. */
  private scheduleFullSync(): void {
    if (this.job !== null || this.startTimer !== null) return;
    const waiting = this.waiting();
    if (waiting.length === 0) return;
    const diskless = this.host.config.getBool('repl-diskless-sync') && waiting.every((r) => r.facts.capaEof);
    const delay = diskless ? this.host.config.getNumber('repl-diskless-sync-delay') : 0;
    const max = this.host.config.getNumber('repl-diskless-sync-max-replicas');
    const ms = delay > 0 && !(max > 0 && waiting.length >= max) ? delay * 1000 : 0;
    this.startTimer = setTimeout(() => {
      this.startTimer = null;
      this.startFullSync();
    }, ms);
    this.startTimer.unref?.();
  }

  /** startBgsaveForReplication: one snapshot for every replica waiting now. */
  private startFullSync(): void {
    if (this.job !== null) return;
    const targets = this.waiting();
    if (targets.length === 0) return;
    // another snapshot (BGSAVE, AOF rewrite) holds the keyspace: try again shortly
    if (this.host.keyspace.dbs.some((db) => db.observer !== null)) {
      if (this.retryTimer === null) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.scheduleFullSync();
        }, 100);
        this.retryTimer.unref?.();
      }
      return;
    }
    const diskless = this.host.config.getBool('repl-diskless-sync') && targets.every((r) => r.facts.capaEof);
    // stream bytes before the snapshot's instant belong to the other replicas only
    this.flush();
    const side = this.host.replicaSide();
    let streamDb: number;
    if (side.isReplica) {
      streamDb = side.streamDb?.() ?? 0;
    } else {
      streamDb = this.seldb < 0 ? 0 : this.seldb;
      // the next command re-selects its db: the replica's client starts at repl-stream-db
      this.seldb = -1;
    }
    const header: RdbHeaderInfo = {
      redisVer: this.host.redisVersion,
      ctime: Math.floor(this.host.clock.now() / 1000),
      usedMem: this.host.usedMemory(),
      repl: { streamDb, id: this.state.replid, offset: this.state.offset },
      aofBase: false,
    };
    const fullresync = Buffer.from(`+FULLRESYNC ${this.state.replid} ${this.state.offset}\r\n`, 'latin1');
    for (const r of targets) {
      if (!r.oldSync) r.transport.write(fullresync);
      r.buffering = true;
    }
    this.log.info(
      `Starting BGSAVE for SYNC with target: ${diskless ? 'replicas sockets' : 'disk'}`,
    );
    try {
      this.job = diskless ? this.socketSync(new Set(targets), header) : this.diskSync(new Set(targets), header);
    } catch (e) {
      this.log.warn(`BGSAVE for replication failed: ${(e as Error).message}`);
      for (const r of targets) r.transport.close();
    }
  }

  /** Diskless: `$EOF:<mark>\r\n<rdb><mark>` written to every target socket as the walk produces it. */
  private socketSync(targets: Set<ReplicaConnection>, header: RdbHeaderInfo): SyncJob {
    const mark = crypto.randomBytes(20).toString('hex');
    const crc = this.host.config.getBool('rdbchecksum') ? new Crc64() : null;
    const preamble = Buffer.from(`$EOF:${mark}\r\n`, 'latin1');
    for (const r of targets) {
      r.phase = 'send_bulk';
      r.transport.write(preamble);
    }
    const waitDrain = (): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          let busy = false;
          for (const r of targets) if (r.transport.pending() > SOCKET_HIGH_WATER) busy = true;
          if (!busy) resolve();
          else setTimeout(check, 2);
        };
        check();
      });
    const consumer = {
      write: (chunk: Buffer): boolean => {
        crc?.update(chunk);
        let ok = true;
        for (const r of targets) {
          r.transport.write(chunk);
          if (r.transport.pending() > SOCKET_HIGH_WATER) ok = false;
        }
        return ok;
      },
      drain: waitDrain,
    };
    // strings go uncompressed: LZF on the main thread would cost more than the bytes saved on a link
    const values = { ...this.host.rdbValueOptions(), compress: false };
    const sink = new RdbSnapshotSink(consumer, values, header);
    const snapshot = Snapshot.start(this.host.keyspace, sink);
    const job: SyncJob = {
      kind: 'socket',
      targets,
      cancel: () => snapshot.cancel(),
    };
    snapshot.run({ maxMs: 2 }).then(
      () => {
        const tail = Buffer.concat([crc !== null ? crc.bytesLE() : Buffer.alloc(8), Buffer.from(mark, 'latin1')]);
        this.flush();
        for (const r of targets) {
          r.transport.write(tail);
          // online, but the held stream waits for the replica's first ACK (it has loaded the payload)
          r.phase = 'online';
          r.awaitAck = true;
          // lag and repl-timeout count from here (Redis's repl_ack_time when put online)
          r.ackTime = this.host.clock.now();
          this.log.info(`Streamed RDB transfer with replica ${r.ip}:${r.facts.listeningPort} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming`);
        }
        this.syncDone(job);
      },
      (e: unknown) => {
        if (targets.size > 0) this.log.warn(`Diskless rdb transfer failed: ${(e as Error).message}`);
        for (const r of targets) r.transport.close();
        this.syncDone(job);
      },
    );
    return job;
  }

  /** Disk-based: a BGSAVE to the dump file, newlines meanwhile, then `$<len>\r\n<file>`. */
  private diskSync(targets: Set<ReplicaConnection>, header: RdbHeaderInfo): SyncJob {
    const config = this.host.config;
    const dir = config.get('dir');
    const filename = config.get('dbfilename');
    const save = new BackgroundSave(this.host.keyspace, {
      dir,
      filename,
      checksum: config.getBool('rdbchecksum'),
      values: this.host.rdbValueOptions(),
      header,
      slice: { maxMs: 2 },
    });
    let cancelled = false;
    const job: SyncJob = {
      kind: 'disk',
      targets,
      cancel: () => {
        cancelled = true;
        save.cancel();
      },
    };
    save.done.then(
      (res) => {
        if (cancelled || targets.size === 0) return this.syncDone(job);
        let data: Buffer;
        try {
          data = fs.readFileSync(path.resolve(dir, res.path));
        } catch (e) {
          this.log.warn(`SYNC failed. Can't open/stat DB after BGSAVE: ${(e as Error).message}`);
          for (const r of targets) r.transport.close();
          return this.syncDone(job);
        }
        this.log.info('Background saving terminated with success');
        this.flush();
        const head = Buffer.from(`$${data.length}\r\n`, 'latin1');
        for (const r of targets) {
          r.phase = 'send_bulk';
          r.transport.write(head);
          r.transport.write(data);
          r.goOnline();
          this.log.info(`Synchronization with replica ${r.ip}:${r.facts.listeningPort} succeeded`);
        }
        this.syncDone(job);
      },
      (e: unknown) => {
        this.log.warn(`BGSAVE for replication failed: ${(e as Error).message}`);
        for (const r of targets) r.transport.close();
        this.syncDone(job);
      },
    );
    return job;
  }

  private syncDone(job: SyncJob): void {
    if (this.job === job) this.job = null;
    this.refreshGoodReplicas();
    // replicas that arrived meanwhile get the next snapshot
    this.scheduleFullSync();
  }

  // --- REPLCONF ---

  /** REPLCONF <option> <value> ... */
  replconf(ctx: CommandContext, args: string[]): Reply {
    if (args.length % 2 !== 0) fail(Err.syntax);
    const client = ctx.client;
    const r = this.replicas.get(client.id);
    let facts = r?.facts ?? this.facts.get(client);
    if (facts === undefined) {
      facts = newReplicaFacts();
      this.facts.set(client, facts);
    }
    for (let i = 0; i < args.length; i += 2) {
      const opt = args[i].toLowerCase();
      const val = args[i + 1];
      switch (opt) {
        case 'listening-port': {
          const port = parseIntArg(val);
          facts.listeningPort = port;
          break;
        }
        case 'ip-address':
          if (val.length >= 256) fail(Err.replconfIpTooLong(val.length));
          facts.ipAddress = val;
          break;
        case 'capa':
          if (val.toLowerCase() === 'eof') facts.capaEof = true;
          else if (val.toLowerCase() === 'psync2') facts.capaPsync2 = true;
          break;
        case 'ack': {
          // from a replica only; never answered
          if (r === undefined) return Reply.none();
          const off = Number(val);
          if (Number.isSafeInteger(off) && off > r.ackOffset) r.ackOffset = off;
          r.ackTime = this.host.clock.now();
          r.acked = true;
          if (r.awaitAck) {
            // the pending stream goes after what this command's reply would be: nothing precedes it
            r.goOnline();
            this.log.info(`Synchronization with replica ${r.ip}:${r.facts.listeningPort} succeeded`);
          }
          this.refreshGoodReplicas();
          this.checkWaiters();
          return Reply.none();
        }
        case 'getack':
          // answered by the replica link for its master; nothing for anyone else
          return Reply.none();
        case 'rdb-only':
        case 'rdb-filter-only':
          break;
        default:
          fail(Err.replconfUnrecognized(args[i]));
      }
    }
    return Reply.ok();
  }

  // --- WAIT ---

  /** WAIT numreplicas timeout. */
  wait(ctx: CommandContext, numArg: string, timeoutArg: string): Reply {
    if (this.host.replicaSide().isReplica) fail(Err.waitOnReplica);
    const num = parseIntArg(numArg);
    if (!/^-?\d+$/.test(timeoutArg) || !Number.isSafeInteger(Number(timeoutArg))) fail(Err.pauseTimeoutNotInteger);
    const timeout = Number(timeoutArg);
    if (timeout < 0) fail(Err.timeoutNegative);
    const client = ctx.client;
    const offset = this.woff.get(client) ?? 0;
    const acked = this.countAcks(offset);
    if (acked >= num || client.multi !== null || ctx.inExec) return Reply.int(acked);
    const waiter: Waiter = {
      client,
      offset,
      numreplicas: num,
      timer:
        timeout > 0
          ? setTimeout(() => {
              this.waiters.delete(waiter);
              this.host.unblock(client, Reply.int(this.countAcks(offset)));
            }, timeout)
          : null,
    };
    this.waiters.add(waiter);
    this.scheduleGetack();
    return BLOCKED;
  }

  /** Replicas whose ACK reached offset. */
  private countAcks(offset: number): number {
    let n = 0;
    for (const r of this.replicas.values()) if (r.phase === 'online' && r.ackOffset >= offset) n++;
    return n;
  }

  private checkWaiters(): void {
    for (const w of this.waiters) {
      if (!this.host.connected(w.client)) {
        if (w.timer !== null) clearTimeout(w.timer);
        this.waiters.delete(w);
        continue;
      }
      const n = this.countAcks(w.offset);
      if (n >= w.numreplicas) {
        if (w.timer !== null) clearTimeout(w.timer);
        this.waiters.delete(w);
        this.host.unblock(w.client, Reply.int(n));
      }
    }
  }

  /** One REPLCONF GETACK * per turn of the event loop while clients wait (Redis's get_ack_from_slaves). */
  private scheduleGetack(): void {
    if (this.getackScheduled) return;
    this.getackScheduled = true;
    setImmediate(() => {
      this.getackScheduled = false;
      if (this.waiters.size === 0 || this.replicas.size === 0 || this.host.replicaSide().isReplica) return;
      this.feedRecord(this.seldb, GETACK_ARGV);
      this.flush();
    });
  }

  /** After each command (server's executed hook): remembers the client's write offset (c->woff). */
  afterCommand(client: ClientState): void {
    const off = this.state.offset;
    if (off !== this.offsetSeen) {
      this.offsetSeen = off;
      this.woff.set(client, off);
    }
  }

  // --- ROLE, INFO, min-replicas ---

  /**
   * rdbPopulateSaveInfo, master case: with a backlog, an RDB saved now carries our id, offset and
   * stream db (a replica restarted from it, or this server restarted as a replica, may then
   * continue by partial resync); null without a backlog or while a replica.
   */
  saveInfo(): { id: string; offset: number; streamDb: number } | null {
    if (this.host.replicaSide().isReplica || !this.state.backlog.active) return null;
    return { id: this.state.replid, offset: this.state.offset, streamDb: this.seldb < 0 ? 0 : this.seldb };
  }

  /** A full resync's snapshot is being taken (BGSAVE and the save rules wait: one snapshot at a time). */
  get snapshotRunning(): boolean {
    return this.job !== null;
  }

  isReplicaClient(client: ClientState): boolean {
    return this.replicas.has(client.id);
  }

  /** ROLE for a master: offset and the online replicas [ip, port, ack offset]. */
  roleMaster(): Reply {
    const list: Reply[] = [];
    for (const r of this.replicas.values()) {
      if (r.phase !== 'online') continue;
      list.push([r.ip, String(r.facts.listeningPort), String(r.ackOffset)]);
    }
    return ['master', this.state.offset, list];
  }

  /** INFO replication's master part: connected_slaves to repl_backlog_histlen (after the replica lines). */
  infoFields(): string[] {
    const now = this.host.clock.now();
    const lines = [`connected_slaves:${this.replicas.size}`];
    const c = this.host.config;
    if (c.getNumber('min-replicas-to-write') > 0 && c.getNumber('min-replicas-max-lag') > 0) {
      lines.push(`min_slaves_good_slaves:${this.goodReplicas}`);
    }
    let i = 0;
    for (const r of this.replicas.values()) {
      const lag = Math.floor((now - r.ackTime) / 1000);
      lines.push(`slave${i++}:ip=${r.ip},port=${r.facts.listeningPort},state=${r.phase},offset=${r.ackOffset},lag=${lag}`);
    }
    const st = this.state;
    const b = st.backlog;
    lines.push(
      'master_failover_state:no-failover',
      `master_replid:${st.replid}`,
      `master_replid2:${st.replid2}`,
      `master_repl_offset:${st.offset}`,
      `second_repl_offset:${st.secondReplOffset}`,
      `repl_backlog_active:${b.active ? 1 : 0}`,
      `repl_backlog_size:${b.size}`,
      `repl_backlog_first_byte_offset:${b.firstByteOffset}`,
      `repl_backlog_histlen:${b.histlen}`,
    );
    return lines;
  }

  /** -NOREPLICAS for writes when fewer than min-replicas-to-write replicas have lag <= min-replicas-max-lag. */
  writeRefusal(isWrite: boolean): string | null {
    if (!isWrite) return null;
    const c = this.host.config;
    const min = c.getNumber('min-replicas-to-write');
    if (min <= 0 || c.getNumber('min-replicas-max-lag') <= 0 || this.host.replicaSide().isReplica) return null;
    return this.goodReplicas < min ? Err.noReplicas : null;
  }

  /** refreshGoodSlavesCount. */
  private refreshGoodReplicas(now = this.host.clock.now()): void {
    const maxLag = this.host.config.getNumber('min-replicas-max-lag');
    let n = 0;
    for (const r of this.replicas.values()) {
      if (r.phase === 'online' && Math.floor((now - r.ackTime) / 1000) <= maxLag) n++;
    }
    this.goodReplicas = n;
  }

  /** The stream's history changed (full resync from our master, promotion): our replicas must resync. */
  disconnectReplicas(): void {
    this.flush();
    for (const r of [...this.replicas.values()]) r.transport.close();
  }

  /** repl-backlog-size, at least Redis's CONFIG_REPL_BACKLOG_MIN_SIZE. */
  private backlogSize(): number {
    return Math.max(16 * 1024, this.host.config.getNumber('repl-backlog-size'));
  }

  /** CONFIG SET repl-backlog-size: the ring keeps its newest bytes that fit. */
  applyBacklogSize(): void {
    if (this.state.backlog.size !== this.backlogSize()) this.state.backlog.resize(this.backlogSize());
  }

  // --- Cron ---

  /** Called from the server cron (hz); the heartbeat work runs once a second. */
  cron(now: number): void {
    const sec = Math.floor(now / 1000);
    if (sec === this.lastSecond) return;
    this.lastSecond = sec;
    this.cronLoops++;
    const c = this.host.config;
    this.applyBacklogSize();
    const isReplica = this.host.replicaSide().isReplica;
    if (isReplica) this.wasReplica = true;
    else if (this.wasReplica) this.promoted();
    // PING into the stream every repl-ping-replica-period seconds, so replicas can time out their master
    const period = Math.max(1, c.getNumber('repl-ping-replica-period'));
    if (!isReplica && this.replicas.size > 0 && this.cronLoops % period === 0) {
      this.feedRecord(this.seldb, PING_ARGV);
    }
    this.flush();
    // newlines to replicas waiting for their payload: they keep the link alive (not in the stream)
    const nl = Buffer.from('\n');
    const timeoutMs = c.getNumber('repl-timeout') * 1000;
    const limit = this.host.replicaOutputLimit();
    for (const r of [...this.replicas.values()]) {
      if (r.phase === 'wait_bgsave' && (!r.buffering || this.job?.kind === 'disk')) r.transport.write(nl);
      if (r.phase === 'online' && (r.acked || r.awaitAck) && now - r.ackTime > timeoutMs) {
        this.log.warn(`Disconnecting timedout replica (streaming sync): ${r.ip}:${r.facts.listeningPort}`);
        r.transport.close();
        continue;
      }
      if (r.overLimit(limit, now)) {
        this.closeOverLimit(r);
        continue;
      }
      // a diskless transfer stuck on a replica that stopped reading (it would hold up the others)
      if (r.phase === 'send_bulk' && this.job?.kind === 'socket' && r.transport.pending() > SOCKET_HIGH_WATER) {
        if (r.stallSince === 0) r.stallSince = now;
        else if (now - r.stallSince > timeoutMs) {
          this.log.warn(`Disconnecting timedout replica (full sync): ${r.ip}:${r.facts.listeningPort}`);
          r.transport.close();
        }
      } else {
        r.stallSince = 0;
      }
    }
    // repl-backlog-ttl: a master without replicas frees the backlog (and starts a new history)
    const ttl = c.getNumber('repl-backlog-ttl');
    if (!isReplica && this.replicas.size === 0 && ttl > 0 && this.state.backlog.active && this.noReplicasSince > 0) {
      if (now - this.noReplicasSince > ttl * 1000) {
        this.state.resetReplicationId();
        this.state.backlog.free();
        this.log.info(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
      }
    }
    this.refreshGoodReplicas(now);
    if (this.waiters.size > 0) this.checkWaiters();
  }

  /** Server shutdown: the replicas and any snapshot go. */
  close(): void {
    this.job?.cancel();
    if (this.startTimer !== null) clearTimeout(this.startTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.startTimer = null;
    this.retryTimer = null;
    for (const w of this.waiters) if (w.timer !== null) clearTimeout(w.timer);
    this.waiters.clear();
    this.flush();
    for (const r of [...this.replicas.values()]) r.transport.close();
    this.removeListener();
    this.removeFeed();
  }
}

/** Writes n (>= 0) in decimal then CRLF at p; returns the position after. */
function writeDecimal(b: Buffer, p: number, n: number): number {
  if (n < 10) b[p++] = 48 + n;
  else {
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    for (let i = digits - 1, x = n; i >= 0; i--, x = Math.floor(x / 10)) b[p + i] = 48 + (x % 10);
    p += digits;
  }
  b[p++] = 13;
  b[p++] = 10;
  return p;
}

/** A short latin1 string, byte by byte (cheaper than a native write call). */
function writeShortLatin1(b: Buffer, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) b[p + i] = s.charCodeAt(i);
  return s.length;
}

/** getLongLongFromObjectOrReply for REPLCONF/WAIT numbers. */
function parseIntArg(s: string): number {
  if (!/^-?\d+$/.test(s)) fail(Err.notInteger);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) fail(Err.notInteger);
  return n;
}
