/**
 * What a handler sees: the CommandContext (db, client, clock, server operations) and the
 * interfaces that upper layers implement for it. Commands never import server/; when a
 * handler must reach up (CONFIG SET, PUBLISH, CLIENT KILL), it calls an interface declared
 * here, and server/ passes in the implementation.
 */
import type { Db } from '../keyspace/db.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { Value } from '../keyspace/value.js';
import { NoReply, type Reply } from '../protocol/reply.js';
import type { Clock } from '../util/clock.js';
import type { CommandSpec } from './table.js';

/** A queued MULTI command. */
export interface QueuedCommand {
  spec: CommandSpec;
  argv: string[];
}

/** The per-connection state commands may read and change. */
export interface ClientState {
  readonly id: number;
  name: string;
  /** Index of the selected db. */
  dbIndex: number;
  resp: 2 | 3;
  authenticated: boolean;
  /** Queued commands while in MULTI, else null. */
  multi: QueuedCommand[] | null;
  /** Set when a command failed to queue in MULTI (EXEC then answers EXECABORT). */
  multiError: boolean;
  /** WATCH state: dirty once any watched key is modified. */
  readonly watch: { dirty: boolean; keys: Array<{ db: number; key: string; expiredAtWatch: boolean }> };
  readonly channels: Set<string>;
  readonly patterns: Set<string>;
  /** CLIENT REPLY: 'skip-next' is set by CLIENT REPLY SKIP itself and becomes 'skip' after it. */
  replyMode: 'on' | 'off' | 'skip' | 'skip-next';
  noEvict: boolean;
  /** Closes the connection after the pending replies are written (QUIT). */
  closeAfterReply(): void;
  /** Sends an out-of-band reply now (pub/sub messages, MONITOR lines). */
  push(reply: Reply): void;
}

/** Configuration as commands see it (CONFIG GET/SET/REWRITE). */
export interface ConfigOps {
  /** Current value(s) as CONFIG GET prints them: [[name, value], ...] for names matching pattern. */
  getMatching(pattern: string): Array<[string, string]>;
  /**
   * Applies name/value pairs atomically; throws CommandError with Redis's text on failure.
   * `local`: the client is on loopback or a unix socket (enable-protected-configs local).
   */
  set(pairs: Array<[string, string]>, local?: boolean): void;
  /** Rewrites the config file; throws CommandError on failure. */
  rewrite(): void;
  /** A typed value for internal use. */
  getNumber(name: string): number;
  getString(name: string): string;
  getBool(name: string): boolean;
}

/** Pub/sub as commands see it. */
export interface PubSubOps {
  publish(channel: string, message: string): number;
  subscribe(client: ClientState, channel: string): boolean;
  unsubscribe(client: ClientState, channel: string): boolean;
  psubscribe(client: ClientState, pattern: string): boolean;
  punsubscribe(client: ClientState, pattern: string): boolean;
  channels(pattern: string | undefined): string[];
  numsub(channel: string): number;
  numpat(): number;
}

/** Keyspace notification classes, as in notify-keyspace-events. */
export type NotifyClass = 'g' | '$' | 'l' | 's' | 'h' | 'z' | 'x' | 'e' | 't' | 'm' | 'd' | 'n';

/** Server-level operations handlers may call; server/ implements them. */
export interface ServerOps {
  readonly keyspace: Keyspace;
  readonly clock: Clock;
  readonly config: ConfigOps;
  readonly pubsub: PubSubOps;
  /** Publishes a keyspace notification if notify-keyspace-events enables it. */
  notify(cls: NotifyClass, event: string, key: string, dbIndex: number): void;
  readonly clients: ClientsOps;
  readonly admin: AdminOps;
  /** The command table (COMMAND, and EXEC's lookups). */
  readonly commands: ReadonlyMap<string, CommandSpec>;
  /** Runs a command as the dispatcher would after its checks (EXEC uses it for queued commands). */
  readonly executor: Executor;
  /** The Redis version whose behaviour nodis implements (HELLO's `version`). */
  readonly redisVersion: string;
  /** Blocked clients (BLPOP and friends). */
  readonly blocking: BlockingOps;
  /** DUMP / RESTORE payloads in Redis's format (persistence/ implements it). */
  readonly dumpCodec: DumpCodec;
  /** RDB saving: SAVE, BGSAVE, LASTSAVE, SHUTDOWN's save, FLUSHALL's save, DEBUG RELOAD. */
  readonly persistence: PersistenceOps;
  /** AOF rewriting: BGREWRITEAOF (server/aof-rewriter.ts implements it). */
  readonly aof: AofOps;
  /** The replica side: REPLICAOF / SLAVEOF (replication/replica-link.ts implements it). */
  readonly replica: ReplicaOps;
  /** The master side: SYNC, PSYNC, REPLCONF, WAIT, ROLE (replication/master.ts implements it). */
  readonly replication: ReplicationOps;
}

/** Replication's master side as commands see it. */
export interface ReplicationOps {
  /** SYNC (psync null) / PSYNC replid offset: the connection becomes a replica; no reply. */
  sync(ctx: CommandContext, psync: { replid: string; offset: string } | null): Reply;
  /** REPLCONF option value ... (args after the name). */
  replconf(ctx: CommandContext, args: string[]): Reply;
  /** WAIT numreplicas timeout: the count, or BLOCKED until it is reached or the timeout. */
  wait(ctx: CommandContext, numreplicas: string, timeout: string): Reply;
  /** ROLE's reply, master or replica. */
  role(): Reply;
}

/** REPLICAOF as commands see it. `from` is the requesting client's CLIENT INFO line, for the log. */
export interface ReplicaOps {
  /** REPLICAOF host port: false when already replicating exactly that master. */
  replicaOf(host: string, port: number, from: string): boolean;
  /** REPLICAOF NO ONE (nothing when not a replica). */
  noOne(from: string): void;
}

/** RDB saving as commands see it (server/rdb-persistence.ts implements it). */
export interface PersistenceOps {
  /** SAVE: BLOCKED (the client is answered when the file is in place) or an error reply. */
  save(ctx: CommandContext): Reply;
  /** BGSAVE [SCHEDULE]: "Background saving started"/"scheduled", or an error reply. */
  bgsave(ctx: CommandContext, schedule: boolean): Reply;
  /** LASTSAVE: unix seconds of the last successful save. */
  lastSave(): number;
  /** SHUTDOWN after its arguments were checked: saves as the mode and rules say, then closes. */
  shutdown(ctx: CommandContext, mode: 'default' | 'save' | 'nosave', opts: { now: boolean; force: boolean; abort: boolean }): Reply;
  /** FLUSHALL emptied every db: a running BGSAVE is killed, and the empty dataset saved when save rules exist. */
  flushedAll(): void;
  /** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: BLOCKED or an error reply. */
  reload(ctx: CommandContext, opts: { merge: boolean; flush: boolean; save: boolean }): Reply;
}

/** AOF rewriting as commands see it. */
export interface AofOps {
  /** BGREWRITEAOF: "Background append only file rewriting started"/"scheduled", or an error reply. */
  bgrewriteaof(ctx: CommandContext): Reply;
}

/** The DUMP payload codec as commands see it. */
export interface DumpCodec {
  /** The DUMP payload of a value: RDB object type and payload, RDB version, CRC64. */
  dump(value: Value): Buffer;
  /** Decodes a RESTORE payload; 'checksum' when the footer is wrong, 'format' when the value is corrupt. */
  restore(payload: Buffer): { ok: true; value: Value } | { ok: false; reason: 'checksum' | 'format'; detail: string };
}

/**
 * Returned by a handler whose client now waits (BLPOP on empty keys): nothing is sent, and the
 * connection holds its further requests until the client is served, times out or is unblocked.
 */
export const BLOCKED: Reply = new NoReply();

/** What a blocking command asks of the blocked-client registry. */
export interface BlockRequest {
  /** Keys of ctx.db to wait on (duplicates allowed; the client waits once per key). */
  keys: readonly string[];
  /** The value type that can serve the client; a key of another type leaves it blocked. */
  type: 'list' | 'zset';
  /** Absolute unix ms when the wait ends, 0 for never. */
  timeoutAt: number;
  /**
   * Serves the client from `key`, which now holds a value of `type`: runs with the client's own
   * context (ctx.db the db it blocked in), pops, sets ctx.dirty / ctx.propagateAs like a handler,
   * and returns the reply. May throw CommandError / WrongTypeError (BLMOVE to a wrong-type key).
   */
  serve(ctx: CommandContext, key: string): Reply;
}

/** The blocked-client registry as commands see it. */
export interface BlockingOps {
  /** Blocks ctx's client (see BlockRequest); returns BLOCKED for the handler to return. */
  block(ctx: CommandContext, request: BlockRequest): Reply;
}

/** Implemented by exec/: runs an already-checked command with stats, propagation and MONITOR. */
export interface Executor {
  call(ctx: CommandContext, spec: CommandSpec, argv: string[]): Reply;
  /** Groups the propagation of what runs inside fn into one MULTI/EXEC when it writes more than once. */
  transaction<T>(dbIndex: number, fn: () => T): T;
}

/** Client registry operations (CLIENT, MONITOR). */
export interface ClientsOps {
  /** All connected clients' CLIENT LIST lines (without trailing newline), optionally filtered. */
  list(filter?: (c: ClientInfo) => boolean): ClientInfo[];
  /** CLIENT INFO line of one client. */
  infoLine(client: ClientState): string;
  byId(id: number): ClientInfo | undefined;
  /**
   * Closes the clients that match; returns how many. The caller is skipped when skipCaller;
   * otherwise, when it matches, it is closed after its reply.
   */
  kill(match: (c: ClientInfo) => boolean, caller: ClientState, skipCaller: boolean): number;
  /** CLIENT PAUSE: until ms timestamp; mode 'all' or 'write'. */
  pause(untilMs: number, mode: 'all' | 'write'): void;
  unpause(): void;
  /** Turns client into a MONITOR. */
  monitor(client: ClientState): void;
  /** Ends a client's MONITOR mode (RESET). */
  unmonitor(client: ClientState): void;
  /** Wakes a client blocked in a blocking command (CLIENT UNBLOCK); false when not blocked. */
  unblock(id: number, withError: boolean): boolean;
  readonly connectedCount: number;
}

/** A client as CLIENT LIST / KILL see it. */
export interface ClientInfo {
  readonly state: ClientState;
  readonly addr: string;
  readonly laddr: string;
  readonly fd: number;
  readonly ageSec: number;
  readonly idleSec: number;
  readonly flags: string;
  readonly cmd: string;
  readonly type: 'normal' | 'master' | 'replica' | 'pubsub';
  readonly user: string;
  line(): string;
}

/** Server administration (INFO, SHUTDOWN, DEBUG, SLOWLOG, stats). */
export interface AdminOps {
  info(sections: string[]): string;
  resetStats(): void;
  /** SHUTDOWN; returns an error text when refused. */
  shutdown(mode: 'default' | 'save' | 'nosave', opts: { now: boolean; force: boolean; abort: boolean }): string | null;
  lastSave(): number;
  /** When the server started (ms). */
  startedAt(): number;
  readonly slowlog: SlowlogOps;
  /** DEBUG SLEEP etc. may block the loop on purpose. */
  setActiveExpire(enabled: boolean): void;
  /** Stats counters INFO shows. */
  readonly stats: ServerStats;
  /** Memory estimate for MEMORY USAGE / INFO. */
  usedMemory(): number;
  /** Latency monitor events by name (LATENCY). */
  readonly latency: Map<string, LatencyEvent>;
}

/** One latency monitor event: samples (one a second, the worst of that second) and the all-time max. */
export interface LatencyEvent {
  samples: Array<{ time: number; latencyMs: number }>;
  max: number;
}

export interface SlowlogEntry {
  id: number;
  time: number;
  durationUs: number;
  argv: string[];
  addr: string;
  name: string;
}

export interface SlowlogOps {
  get(count: number): SlowlogEntry[];
  len(): number;
  reset(): void;
}

export interface ServerStats {
  totalCommands: number;
  totalConnections: number;
  rejectedConnections: number;
  expiredKeys: number;
  keyspaceHits: number;
  keyspaceMisses: number;
  totalNetInput: number;
  totalNetOutput: number;
  /** Changes since the last save (rdb_changes_since_last_save). */
  dirty: number;
  errorReplies: number;
  errorCounts: Map<string, number>;
  pubsubMessages: number;
}

/** Per-call context. One object per connection, reset before each call. */
export interface CommandContext {
  db: Db;
  client: ClientState;
  server: ServerOps;
  /** The whole request, name included. */
  argv: string[];
  spec: CommandSpec;
  /** Incremented by handlers for each change they make; >0 on a write spec means propagate. */
  dirty: number;
  /** When set, propagated instead of argv (SET ... EX -> SET ... PXAT; several for MSET-like rewrites). */
  propagateAs: string[][] | null;
  /** True while replaying (AOF load, master stream): no replies are sent, nothing is re-propagated. */
  replaying: boolean;
  /** True while running inside EXEC. */
  inExec: boolean;
}

/** A client's context, on db 0 (connections, the AOF loader's client, a replica's link to its master). */
export function newCommandContext(client: ClientState, server: ServerOps, replaying = false): CommandContext {
  return {
    db: server.keyspace.dbs[0],
    client,
    server,
    argv: [],
    spec: undefined as never,
    dirty: 0,
    propagateAs: null,
    replaying,
    inExec: false,
  };
}

/** Selects another db for the rest of this client's session. */
export function selectDb(ctx: CommandContext, index: number): void {
  ctx.client.dbIndex = index;
  ctx.db = ctx.server.keyspace.dbs[index];
}
