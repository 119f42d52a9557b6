/**
 * The server core: wires keyspace, command table, dispatcher, propagator, pub/sub, clients and
 * the periodic tasks (active expiry, client timeouts), and implements the ServerOps interface
 * handlers call. The TCP listener lives in server.ts; per-socket I/O in connection.ts.
 */
import type { CommandContext, ServerOps, ServerStats } from '../commands/context.js';
import { buildCommandTable } from '../commands/registry.js';
import { unwatchAllKeys } from '../commands/transactions.js';
import type { CommandSpec } from '../commands/table.js';
import { type Config, REDIS_VERSION } from '../config.js';
import { Dispatcher } from '../exec/dispatch.js';
import { Propagator } from '../exec/propagator.js';
import type { Db } from '../keyspace/db.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { createDumpPayload, decodeDumpPayload } from '../persistence/dump-payload.js';
import { rdbValueOptionsFrom } from '../persistence/rdb-values.js';
import type { Reply } from '../protocol/reply.js';
import type { ReaderLimits } from '../protocol/request-reader.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { AdminService } from './admin.js';
import { AofPersistence } from './aof-persistence.js';
import { AofRewriter } from './aof-rewriter.js';
import { BlockingRegistry } from './blocking.js';
import { ClientRegistry } from './client-registry.js';
import type { Client } from './client.js';
import { ConfigService } from './config-service.js';
import { LoadingStatus } from './dataset-load.js';
import type { Connection } from './connection.js';
import { KeyspaceNotifier } from './notifications.js';
import { PubSubHub } from './pubsub.js';
import { RdbPersistence } from './rdb-persistence.js';
import { ReplicaLink } from '../replication/replica-link.js';
import { replicaLinkHost } from './replica-host.js';
import { ReplicationMaster } from '../replication/master.js';
import { replicationMasterHost } from './replication-host.js';
import { Slowlog } from './slowlog.js';

export interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

export function newStats(): ServerStats {
  return {
    totalCommands: 0,
    totalConnections: 0,
    rejectedConnections: 0,
    expiredKeys: 0,
    keyspaceHits: 0,
    keyspaceMisses: 0,
    totalNetInput: 0,
    totalNetOutput: 0,
    dirty: 0,
    errorReplies: 0,
    errorCounts: new Map(),
    pubsubMessages: 0,
  };
}

export class ServerCore {
  readonly keyspace: Keyspace;
  readonly propagator = new Propagator();
  readonly table: Map<string, CommandSpec>;
  readonly dispatcher: Dispatcher;
  readonly pubsub = new PubSubHub();
  readonly notifier = new KeyspaceNotifier(this.pubsub);
  stats: ServerStats = newStats();
  readonly clients: ClientRegistry;
  readonly blocking: BlockingRegistry;
  readonly slowlog: Slowlog;
  readonly configService: ConfigService;
  readonly admin: AdminService;
  /** RDB saving: SAVE, BGSAVE, save rules, shutdown save, INFO persistence (rdb-persistence.ts). */
  readonly persistence: RdbPersistence;
  /** The AOF writer: records, fsync policies, reply gate, rewrite tap, INFO aof_* (aof-persistence.ts). */
  readonly aof: AofPersistence;
  /** BGREWRITEAOF, its scheduling, auto rewrite and INFO figures (aof-rewriter.ts). */
  readonly aofRewriter: AofRewriter;
  /** The replica side: REPLICAOF, the link to the master, ROLE/INFO replica fields (replication/replica-link.ts). */
  readonly replicaLink: ReplicaLink;
  /** The master side: the stream, backlog, replicas, SYNC/PSYNC, WAIT, ROLE, INFO replication (replication/master.ts). */
  readonly replication: ReplicationMaster;
  readonly ops: ServerOps;
  readonly readerLimits: ReaderLimits = { maxBulkLen: 512 * 1024 * 1024, queryBufferLimit: 1024 * 1024 * 1024 };
  readonly startedAt: number;
  /** True while a dataset is being loaded (later issues). */
  loading = false;
  /** INFO persistence's loading_* and rdb_last_load_* figures (dataset-load.ts). */
  readonly loadStatus = new LoadingStatus();
  private hzTimer: NodeJS.Timeout | null = null;
  activeExpireEnabled = true;
  /** Bound TCP port, filled in by server.ts. */
  port = 0;
  /** Set by server.ts: closes listeners and connections. */
  shutdownHandler: (mode: 'default' | 'save' | 'nosave') => void = () => {};

  constructor(
    readonly config: Config,
    readonly log: Logger,
    readonly clock: Clock,
  ) {
    this.startedAt = clock.now();
    this.keyspace = new Keyspace(config.getNumber('databases'), {
      clock,
      deleteExpired: true,
      expired: (db, key) => this.keyExpired(db, key),
      added: (db, key) => this.notifier.notify('n', 'new', key, db.id),
    });
    this.table = buildCommandTable();
    this.slowlog = new Slowlog(() => ({
      slowerThanUs: this.config.getNumber('slowlog-log-slower-than'),
      maxLen: this.config.getNumber('slowlog-max-len'),
    }));
    this.clients = new ClientRegistry(this);
    this.blocking = new BlockingRegistry(this);
    this.configService = new ConfigService(this);
    this.admin = new AdminService(this);
    this.persistence = new RdbPersistence(this);
    this.aof = new AofPersistence(this);
    this.aofRewriter = new AofRewriter(this);
    this.aof.rewriter = this.aofRewriter;
    this.dispatcher = new Dispatcher(this.table, this.propagator, {
      authRequired: () => this.authRequired(),
      loading: () => this.loading,
      // the master client's writes are never refused (Redis's obey_client)
      writeRefusal: (ctx, _spec, isWrite) =>
        this.replicaLink.isMasterClient(ctx) ? null : (this.persistence.writeRefusal() ?? this.aof.writeRefusal() ?? this.replication.writeRefusal(isWrite) ?? this.replicaLink.writeRefusal(isWrite)),
      staleRefusal: (ctx, spec) => this.replicaLink.staleRefusal(ctx, spec),
      executed: (ctx, spec, argv, us) => this.executed(ctx, spec, argv, us),
      errorReplied: (message) => this.errorReplied(message),
      internalError: (err, argv) => this.log.error({ err, cmd: argv[0] }, 'internal error in command'),
    });
    this.dispatcher.readyKeys = this.blocking;
    this.replication = new ReplicationMaster(replicationMasterHost(this));
    this.replicaLink = new ReplicaLink(replicaLinkHost(this));
    const core = this;
    this.ops = {
      keyspace: this.keyspace,
      clock,
      config: this.configService,
      pubsub: this.pubsub,
      clients: this.clients,
      admin: this.admin,
      commands: this.table,
      executor: this.dispatcher,
      redisVersion: REDIS_VERSION,
      blocking: this.blocking,
      persistence: this.persistence,
      aof: this.aofRewriter,
      replica: {
        replicaOf: (host, port, from) => core.replicaLink.replicaOf(host, port, from),
        noOne: (from) => core.replicaLink.noOne(from),
      },
      replication: {
        sync: (ctx, psync) => core.replication.sync(ctx, psync),
        replconf: (ctx, args) => core.replication.replconf(ctx, args),
        wait: (ctx, num, timeout) => core.replication.wait(ctx, num, timeout),
        role: () => {
          if (!core.replicaLink.isReplica) return core.replication.roleMaster();
          const r = core.replicaLink.role();
          return ['slave', r.host, r.port, r.state, r.offset];
        },
      },
      dumpCodec: {
        dump: (value) => createDumpPayload(value, rdbValueOptionsFrom(core.configService)),
        restore: (payload) => decodeDumpPayload(payload, rdbValueOptionsFrom(core.configService)),
      },
      notify: (cls, event, key, dbIndex) => core.notifier.notify(cls, event, key, dbIndex),
    };
    this.configService.applyAll();
  }

  authRequired(): boolean {
    return this.config.get('requirepass') !== '';
  }

  unixSocketPath(): string {
    return `${this.config.get('unixsocket')}:0`;
  }

  /** Runs one request of a connection. */
  execute(conn: Connection, argv: string[]): Reply {
    return this.dispatcher.process(conn.ctx, argv);
  }

  private keyExpired(db: Db, key: string): void {
    this.stats.expiredKeys++;
    // as Redis's propagateDeletion: UNLINK when lazyfree-lazy-expire is on
    this.propagator.propagate(db.id, [this.config.getBool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
    this.notifier.notify('x', 'expired', key, db.id);
  }

  private executed(ctx: CommandContext, spec: CommandSpec, argv: string[], us: number): void {
    this.stats.dirty += ctx.dirty;
    this.replication.afterCommand(ctx.client);
    const client = ctx.client as Client;
    // as Redis's call(): admin commands are never shown to MONITOR
    if (this.clients.monitorCount > 0 && !spec.skipMonitor && !spec.isAdmin) this.clients.feedMonitors(client, argv);
    // compare the duration first: the time, the client's address and the name test only for a slow command
    if (this.slowlog.isSlow(us) && !spec.fullName.startsWith('exec')) {
      this.slowlog.record(us, argv, client.addr ?? '', client.name, Math.floor(this.clock.now() / 1000));
    }
    if (us >= 1000) this.admin.latencyAddSampleIfNeeded(spec.flags.includes('fast') ? 'fast-command' : 'command', us / 1000);
  }

  /** Counts an error reply (INFO stats and errorstats). */
  errorReplied(message: string): void {
    this.stats.errorReplies++;
    const sp = message.indexOf(' ');
    const code = sp === -1 ? message : message.slice(0, sp);
    this.stats.errorCounts.set(code, (this.stats.errorCounts.get(code) ?? 0) + 1);
  }

  outputLimit(client: Client): OutputLimit | null {
    return this.configService.outputLimit(client.channels.size > 0 || client.patterns.size > 0 ? 'pubsub' : 'normal');
  }

  // --- Connections ---

  connected(conn: Connection): void {
    this.clients.add(conn);
    this.stats.totalConnections++;
  }

  disconnected(conn: Connection): void {
    if (conn.client.blocked) this.blocking.remove(conn.client.id);
    this.pubsub.removeClient(conn.client);
    this.clients.remove(conn);
    unwatchAllKeys(conn.ctx);
    this.aof.forget(conn);
  }

  // --- Periodic tasks ---

  startTimers(): void {
    const hz = Math.max(1, Math.min(500, this.config.getNumber('hz')));
    this.hzTimer = setInterval(() => this.cron(), Math.round(1000 / hz));
    this.hzTimer.unref();
  }

  /** True between startTimers() and stopTimers() (CONFIG SET hz restarts them). */
  get timersRunning(): boolean {
    return this.hzTimer !== null;
  }

  stopTimers(): void {
    if (this.hzTimer) clearInterval(this.hzTimer);
    this.hzTimer = null;
  }

  private cron(): void {
    const hz = Math.max(1, this.config.getNumber('hz'));
    // Redis gives active expiry up to 25% of each cron period
    if (this.activeExpireEnabled && !this.loading) this.keyspace.activeExpireCycle(250 / hz);
    this.clients.cron();
    this.admin.cron(this.clock.now());
    // as serverCron: a scheduled AOF rewrite starts before the save rules are looked at
    this.aofRewriter.cron(this.clock.now());
    this.persistence.cron(this.clock.now());
    this.aof.cron(this.clock.now());
    this.replication.cron(this.clock.now());
  }
}
