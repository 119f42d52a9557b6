/**
 * The master side of replication (Redis's replication.c, master half): the propagator listener that
 * feeds every write to the replication stream, the online replicas it is sent to, SYNC/PSYNC
 * (+CONTINUE from the backlog, or a full resync), REPLCONF, ROLE, the INFO replication section,
 * heartbeats (PING into the stream, newlines while a replica waits), replica timeouts and output
 * limits, and the backlog's lifetime. It hands off: the snapshot sent by a full resync to
 * full-sync.ts, WAIT and min-replicas to wait.ts, the records' bytes to record-encoder.ts, and
 * the queueing of the stream for the replicas to stream-fanout.ts.
 *
 * The replica side (ReplicaLink) feeds its master's stream verbatim through state.feed(); this
 * side then only forwards bytes and never encodes (a replica's own propagator is not listened to).
 */
import type { ClientState, CommandContext } from '../commands/context.js';
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import type { Logger } from '../util/logger.js';
import { FullSync, SOCKET_HIGH_WATER } from './full-sync.js';
import type { MasterHost } from './master-host.js';
import { RecordEncoder } from './record-encoder.js';
import { newReplicaFacts, ReplicaConnection, type ReplicaFacts } from './replica-connection.js';
import { ReplicationState } from './replication-state.js';
import { StreamFanout } from './stream-fanout.js';
import { parseLongLong, ReplicaAcks } from './wait.js';

export type { MasterHost, OutputLimitSpec, ReplicaSideView } from './master-host.js';

const PING_ARGV = ['PING'];
const GETACK_ARGV = ['REPLCONF', 'GETACK', '*'];

export class ReplicationMaster {
  readonly state: ReplicationState;
  private readonly replicas = new Map<number, ReplicaConnection>();
  /** REPLCONF facts of clients that have not (yet) sent SYNC/PSYNC. */
  private readonly facts = new WeakMap<ClientState, ReplicaFacts>();
  private readonly encoder = new RecordEncoder();
  private readonly fanout: StreamFanout;
  private readonly fullSync: FullSync;
  private readonly acks: ReplicaAcks;
  /** When the last replica went away (ms), for repl-backlog-ttl; 0 while replicas exist. */
  private noReplicasSince: number;
  private lastSecond = 0;
  private cronLoops = 0;
  private readonly log: Logger;
  /** Stats: sync_full, sync_partial_ok, sync_partial_err. */
  readonly stats = { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0 };
  private readonly removeListener: () => void;
  private readonly removeFeed: () => void;

  constructor(private readonly host: MasterHost) {
    this.log = host.log;
    this.state = new ReplicationState(this.backlogSize());
    this.noReplicasSince = host.clock.now();
    const replicas = (): Iterable<ReplicaConnection> => this.replicas.values();
    this.fullSync = new FullSync({
      host,
      state: this.state,
      replicas,
      flush: () => this.flush(),
      snapshotStreamDb: () => this.snapshotStreamDb(),
      syncEnded: () => this.acks.refreshGoodReplicas(),
    });
    this.acks = new ReplicaAcks({ host, state: this.state, replicas, requestAcks: () => this.requestAcks() });
    this.removeListener = host.propagator.addListener((db, argv) => this.propagate(db, argv));
    this.fanout = new StreamFanout(host, this.replicas, this.log);
    this.removeFeed = this.state.addFeedListener((buf, start, end) => this.fanout.onFeed(buf, start, end));
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
    this.encoder.seldb = -1;
  }

  /** Encodes one record (SELECT first when the db changes) and feeds it to the stream. */
  private feedRecord(dbIndex: number, argv: readonly string[]): void {
    const n = this.encoder.encode(dbIndex, argv);
    this.state.feedRange(this.encoder.buf, 0, n);
  }

  /** Hands the queued stream bytes to every replica (sent, held during its snapshot, or dropped before it). */
  flush(): void {
    this.fanout.flush();
  }

  /** repl-stream-db of a full resync's snapshot; the next record of ours selects its db again. */
  private snapshotStreamDb(): number {
    const side = this.host.replicaSide();
    if (side.isReplica) return side.streamDb?.() ?? 0;
    const db = this.encoder.seldb < 0 ? 0 : this.encoder.seldb;
    // the next command re-selects its db: the replica's client starts at repl-stream-db
    this.encoder.seldb = -1;
    return db;
  }

  /** REPLCONF GETACK * to the replicas, for WAIT. */
  private requestAcks(): void {
    if (this.replicas.size === 0) return;
    this.feedRecord(this.encoder.seldb, GETACK_ARGV);
    this.flush();
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
    this.fullSync.schedule();
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
    this.fullSync.replicaGone(r);
    if (this.replicas.size === 0) this.noReplicasSince = this.host.clock.now();
    this.acks.refreshGoodReplicas();
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
    this.acks.refreshGoodReplicas();
    return true;
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
        case 'listening-port':
          facts.listeningPort = parseLongLong(val);
          break;
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
          this.acks.refreshGoodReplicas();
          this.acks.checkWaiters();
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

  // --- WAIT, min-replicas (wait.ts) ---

  /** WAIT numreplicas timeout. */
  wait(ctx: CommandContext, numArg: string, timeoutArg: string): Reply {
    return this.acks.wait(ctx, numArg, timeoutArg);
  }

  /** After each command (server's executed hook): remembers the client's write offset (c->woff). */
  afterCommand(client: ClientState): void {
    this.acks.afterCommand(client);
  }

  /** -NOREPLICAS for writes when fewer than min-replicas-to-write replicas have lag <= min-replicas-max-lag. */
  writeRefusal(isWrite: boolean): string | null {
    return this.acks.writeRefusal(isWrite);
  }

  // --- ROLE, INFO ---

  /**
   * rdbPopulateSaveInfo, master case: with a backlog, an RDB saved now carries our id, offset and
   * stream db (a replica restarted from it, or this server restarted as a replica, may then
   * continue by partial resync); null without a backlog or while a replica.
   */
  saveInfo(): { id: string; offset: number; streamDb: number } | null {
    if (this.host.replicaSide().isReplica || !this.state.backlog.active) return null;
    const seldb = this.encoder.seldb;
    return { id: this.state.replid, offset: this.state.offset, streamDb: seldb < 0 ? 0 : seldb };
  }

  /** A full resync's snapshot is being taken (BGSAVE and the save rules wait: one snapshot at a time). */
  get snapshotRunning(): boolean {
    return this.fullSync.running;
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
      lines.push(`min_slaves_good_slaves:${this.acks.goodReplicas}`);
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
      this.feedRecord(this.encoder.seldb, PING_ARGV);
    }
    this.flush();
    this.checkReplicas(now);
    // repl-backlog-ttl: a master without replicas frees the backlog (and starts a new history)
    const ttl = c.getNumber('repl-backlog-ttl');
    if (!isReplica && this.replicas.size === 0 && ttl > 0 && this.state.backlog.active && this.noReplicasSince > 0) {
      if (now - this.noReplicasSince > ttl * 1000) {
        this.state.resetReplicationId();
        this.state.backlog.free();
        this.log.info(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
      }
    }
    this.acks.refreshGoodReplicas(now);
    if (this.acks.waiting) this.acks.checkWaiters();
  }

  /** The cron's per-replica work: keep-alive newlines, timeouts, output limits, stalled transfers. */
  private checkReplicas(now: number): void {
    // newlines to replicas waiting for their payload: they keep the link alive (not in the stream)
    const nl = Buffer.from('\n');
    const timeoutMs = this.host.config.getNumber('repl-timeout') * 1000;
    const limit = this.host.replicaOutputLimit();
    const syncKind = this.fullSync.kind;
    for (const r of [...this.replicas.values()]) {
      if (r.phase === 'wait_bgsave' && (!r.buffering || syncKind === 'disk')) r.transport.write(nl);
      if (r.phase === 'online' && (r.acked || r.awaitAck) && now - r.ackTime > timeoutMs) {
        this.log.warn(`Disconnecting timedout replica (streaming sync): ${r.ip}:${r.facts.listeningPort}`);
        r.transport.close();
        continue;
      }
      if (r.overLimit(limit, now)) {
        this.fanout.closeOverLimit(r);
        continue;
      }
      // a diskless transfer stuck on a replica that stopped reading (it would hold up the others)
      if (r.phase === 'send_bulk' && syncKind === 'socket' && r.transport.pending() > SOCKET_HIGH_WATER) {
        if (r.stallSince === 0) r.stallSince = now;
        else if (now - r.stallSince > timeoutMs) {
          this.log.warn(`Disconnecting timedout replica (full sync): ${r.ip}:${r.facts.listeningPort}`);
          r.transport.close();
        }
      } else {
        r.stallSince = 0;
      }
    }
  }

  /** Server shutdown: the replicas and any snapshot go. */
  close(): void {
    this.fullSync.close();
    this.acks.close();
    this.flush();
    for (const r of [...this.replicas.values()]) r.transport.close();
    this.removeListener();
    this.removeFeed();
  }
}
