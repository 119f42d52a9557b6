/**
 * Blocked clients (Redis's blocked.c for lists and sorted sets): who waits on which key, the
 * keys signalled ready since the last command, and serving them.
 *
 * - A blocking command that finds nothing calls block(): the client joins the FIFO of each of
 *   its keys (per db), its connection holds further requests, and a timer ends the wait.
 * - Every Db.set of a key someone waits on signals it ready (the Db's ReadyKeyObserver, attached
 *   only while clients wait on that db), so pushes from any source are seen: commands, EXEC,
 *   SORT ... STORE, RENAME, MOVE, RESTORE; SWAPDB signals the waited keys that now exist.
 * - After each top-level command (after the whole EXEC, never inside it) the dispatcher calls
 *   serveReady(): each ready key serves its waiters in the order they blocked, skipping those
 *   waiting for another type (they stay blocked, as in Redis 7.0), until the key is gone; keys
 *   made ready while serving (BLMOVE pushing where another client waits) are served in turn.
 * - The served pop is propagated as the request's serve() rewrote it (BLPOP -> LPOP key, ...),
 *   as a standalone record, like Redis's alsoPropagate from handleClientsBlockedOnKeys.
 * Replies go out through Connection.unblocked(), which then runs the held requests.
 */
import { BLOCKED, type BlockingOps, type BlockRequest, type CommandContext } from '../commands/context.js';
import type { CommandSpec } from '../commands/table.js';
import { type Db, type ReadyKeyObserver, WrongTypeError } from '../keyspace/db.js';
import type { Value } from '../keyspace/value.js';
import { CommandError, Err } from '../protocol/errors.js';
import { ErrorReply, Reply } from '../protocol/reply.js';
import type { Connection } from './connection.js';
import type { ServerCore } from './server-core.js';

/** Longest single timer wait (setTimeout's limit); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One blocked client. */
interface Waiter {
  readonly conn: Connection;
  readonly db: number;
  /** Distinct keys, in the order given. */
  readonly keys: readonly string[];
  readonly request: BlockRequest;
  /** The blocking command (stats of the serve). */
  readonly spec: CommandSpec;
  timer: NodeJS.Timeout | null;
}

export class BlockingRegistry implements BlockingOps, ReadyKeyObserver {
  /** Per db index: key -> waiters in blocking order (a Set keeps insertion order, O(1) removal). */
  private readonly waiting: Map<string, Set<Waiter>>[];
  private readonly byClient = new Map<number, Waiter>();
  /** Keys signalled ready, in signal order; `readySets` dedupes per db. */
  private ready: Array<[Db, string]> = [];
  private readonly readySets: Set<string>[];
  private serving = false;
  private serveScheduled = false;

  constructor(private readonly core: ServerCore) {
    const n = core.keyspace.dbs.length;
    this.waiting = Array.from({ length: n }, () => new Map());
    this.readySets = Array.from({ length: n }, () => new Set());
  }

  /** Blocked clients (INFO blocked_clients). */
  get count(): number {
    return this.byClient.size;
  }

  /** Blocked clients with a timeout (INFO clients_in_timeout_table). */
  get withTimeout(): number {
    let n = 0;
    for (const w of this.byClient.values()) if (w.request.timeoutAt > 0) n++;
    return n;
  }

  /** Keys were signalled ready: the dispatcher should call serveReady(). */
  get hasReady(): boolean {
    return this.ready.length !== 0;
  }

  // --- Blocking ---

  block(ctx: CommandContext, request: BlockRequest): Reply {
    const conn = this.core.clients.connectionOf(ctx.client.id);
    // no connection (an internal context): behave as the non-blocking form would on a timeout
    if (conn === undefined) return Reply.nilArray();
    const dbIndex = ctx.db.id;
    const keys = [...new Set(request.keys)];
    const w: Waiter = { conn, db: dbIndex, keys, request, spec: ctx.spec, timer: null };
    const map = this.waiting[dbIndex];
    for (const key of keys) {
      let set = map.get(key);
      if (set === undefined) map.set(key, (set = new Set()));
      set.add(w);
    }
    ctx.db.readyObserver = this;
    this.byClient.set(ctx.client.id, w);
    conn.client.blocked = true;
    if (request.timeoutAt > 0) this.armTimer(w);
    return BLOCKED;
  }

  private armTimer(w: Waiter): void {
    const wait = Math.min(MAX_TIMER_MS, Math.max(1, w.request.timeoutAt - this.core.clock.now()));
    w.timer = setTimeout(() => {
      w.timer = null;
      if (this.byClient.get(w.conn.client.id) !== w) return;
      // Redis times a client out once its timeout is in the past
      if (this.core.clock.now() < w.request.timeoutAt) this.armTimer(w);
      else this.finish(w, Reply.nilArray());
    }, wait);
  }

  // --- Ready keys (ReadyKeyObserver) ---

  keyStored(db: Db, key: string, value: Value): void {
    if (typeof value === 'string' || (value.type !== 'list' && value.type !== 'zset')) return;
    this.signal(db, key);
  }

  contentsSwapped(db: Db): void {
    for (const key of this.waiting[db.id].keys()) {
      const v = db.peek(key);
      if (v !== undefined && typeof v !== 'string' && (v.type === 'list' || v.type === 'zset')) this.signal(db, key);
    }
  }

  /** Redis's signalKeyAsReady. */
  private signal(db: Db, key: string): void {
    if (!this.waiting[db.id].has(key)) return;
    const set = this.readySets[db.id];
    if (set.has(key)) return;
    set.add(key);
    this.ready.push([db, key]);
    // the dispatcher serves right after the current command; a store made outside any command
    // (a future replication stream, loading) is served on the next turn of the event loop
    if (!this.serveScheduled) {
      this.serveScheduled = true;
      setImmediate(() => {
        this.serveScheduled = false;
        this.serveReady();
      });
    }
  }

  /** Serves every ready key; loops while serving makes more keys ready (handleClientsBlockedOnKeys). */
  serveReady(): void {
    if (this.serving) return;
    this.serving = true;
    try {
      while (this.ready.length !== 0) {
        const batch = this.ready;
        this.ready = [];
        for (const [db, key] of batch) {
          this.readySets[db.id].delete(key);
          this.serveKey(db, key);
        }
      }
    } finally {
      this.serving = false;
    }
  }

  private serveKey(db: Db, key: string): void {
    const set = this.waiting[db.id].get(key);
    if (set === undefined) return;
    // each waiter at most once per signal, even if serving re-adds to the set
    let budget = set.size;
    for (const w of set) {
      if (budget-- <= 0) break;
      const v = db.get(key);
      if (v === undefined) break; // emptied and deleted
      if (typeof v === 'string' || v.type !== w.request.type) continue; // waits for another type
      this.serveWaiter(w, key);
    }
  }

  private serveWaiter(w: Waiter, key: string): void {
    const ctx = w.conn.ctx;
    ctx.db = this.core.keyspace.dbs[w.db];
    ctx.dirty = 0;
    ctx.propagateAs = null;
    const start = performance.now();
    let reply: Reply;
    try {
      reply = w.request.serve(ctx, key);
    } catch (e) {
      let message: string;
      if (e instanceof CommandError) message = e.message;
      else if (e instanceof WrongTypeError) message = Err.wrongType;
      else {
        this.core.log.error({ err: e, cmd: w.spec.fullName }, 'internal error serving a blocked client');
        message = `ERR internal error: ${e instanceof Error ? e.message : String(e)}`;
      }
      w.spec.stats.failedCalls++;
      this.core.errorReplied(message);
      reply = new ErrorReply(message);
    }
    // as Redis's updateStatsOnUnblock: the time is added, the call was counted when it blocked
    w.spec.stats.usec += Math.round((performance.now() - start) * 1000);
    if (ctx.dirty > 0) {
      this.core.stats.dirty += ctx.dirty;
      const records = ctx.propagateAs as string[][] | null; // set by serve()
      if (records !== null) for (const argv of records) this.core.propagator.propagate(w.db, argv);
    }
    ctx.dirty = 0;
    ctx.propagateAs = null;
    this.finish(w, reply);
  }

  // --- Unblocking ---

  /** CLIENT UNBLOCK: the timeout reply, or the UNBLOCKED error. */
  unblock(clientId: number, withError: boolean): boolean {
    const w = this.byClient.get(clientId);
    if (w === undefined) return false;
    if (withError) {
      this.core.errorReplied(Err.unblockedByClientUnblock);
      this.finish(w, new ErrorReply(Err.unblockedByClientUnblock));
    } else {
      this.finish(w, Reply.nilArray());
    }
    return true;
  }

  /** A blocked client disconnected or is being closed: it just leaves the queues. */
  remove(clientId: number): void {
    const w = this.byClient.get(clientId);
    if (w !== undefined) this.detach(w);
  }

  private finish(w: Waiter, reply: Reply): void {
    this.detach(w);
    w.conn.unblocked(reply);
  }

  private detach(w: Waiter): void {
    if (w.timer !== null) clearTimeout(w.timer);
    w.timer = null;
    this.byClient.delete(w.conn.client.id);
    w.conn.client.blocked = false;
    const map = this.waiting[w.db];
    for (const key of w.keys) {
      const set = map.get(key);
      if (set === undefined) continue;
      set.delete(w);
      if (set.size === 0) map.delete(key);
    }
    if (map.size === 0) this.core.keyspace.dbs[w.db].readyObserver = null;
  }
}
