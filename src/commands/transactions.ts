/**
 * Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 * Queueing happens in the dispatcher (a command that fails to queue sets client.multiError);
 * EXEC runs the queue through the executor inside one propagation transaction, so the writes
 * reach the AOF and replicas as MULTI ... EXEC. WATCH registers the client's watcher
 * (client.watch, a Db Watcher) in each db's `watched` map; the Db flags it dirty on any write
 * to the key, FLUSHDB/FLUSHALL and SWAPDB.
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import type { CommandContext } from './context.js';
import { type CommandSpec, defineCommand } from './table.js';

/** Removes every WATCH registration of the client and clears its dirty flag (UNWATCH, EXEC, DISCARD, RESET). */
export function unwatchAllKeys(ctx: CommandContext): void {
  const w = ctx.client.watch;
  if (w.keys.length !== 0) {
    const dbs = ctx.server.keyspace.dbs;
    for (const { db, key } of w.keys) {
      const set = dbs[db]?.watched.get(key);
      if (set === undefined) continue;
      set.delete(w);
      if (set.size === 0) dbs[db].watched.delete(key);
    }
    w.keys = [];
  }
  w.dirty = false;
}

/** Leaves MULTI, dropping the queue and the WATCHes (DISCARD, aborted EXEC, RESET). */
export function discardTransaction(ctx: CommandContext): void {
  ctx.client.multi = null;
  ctx.client.multiError = false;
  unwatchAllKeys(ctx);
}

function watchKey(ctx: CommandContext, key: string): void {
  const c = ctx.client;
  const dbIndex = c.dbIndex;
  for (const k of c.watch.keys) if (k.db === dbIndex && k.key === key) return;
  const db = ctx.db;
  // A key already expired when watched must not fail EXEC when it is later reclaimed (Redis 7.0
  // keeps an `expired` flag for that): reclaim it now, before the watcher is registered. A replica
  // keeps logically expired keys, so there the flag is what EXEC consults.
  if (db.isExpired(key)) db.expireIfDue(key);
  let set = db.watched.get(key);
  if (set === undefined) db.watched.set(key, (set = new Set()));
  set.add(c.watch);
  c.watch.keys.push({ db: dbIndex, key, expiredAtWatch: db.isExpired(key) });
}

/** Redis's isWatchedKeyExpired: a watched key that expired since WATCH makes EXEC fail. */
function watchedKeyExpired(ctx: CommandContext): boolean {
  const dbs = ctx.server.keyspace.dbs;
  for (const k of ctx.client.watch.keys) if (!k.expiredAtWatch && dbs[k.db].isExpired(k.key)) return true;
  return false;
}

/** MULTI */
export const multi = defineCommand({
  name: 'multi',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  run(ctx) {
    const c = ctx.client;
    if (c.multi !== null) fail(Err.multiNested);
    c.multi = [];
    c.multiError = false;
    return Reply.ok();
  },
});

/** EXEC -- the replies of the queued commands; a null array when a WATCHed key changed. */
export const exec = defineCommand({
  name: 'exec',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'skip_slowlog'],
  run(ctx) {
    const c = ctx.client;
    const queue = c.multi;
    if (queue === null) fail(Err.execWithoutMulti);
    if (!c.watch.dirty && c.watch.keys.length !== 0 && watchedKeyExpired(ctx)) c.watch.dirty = true;
    if (c.multiError || c.watch.dirty) {
      const queueError = c.multiError;
      discardTransaction(ctx);
      if (queueError) fail(Err.execAbort);
      return Reply.nilArray();
    }
    unwatchAllKeys(ctx);
    c.multi = null;
    const { argv, spec } = ctx;
    const executor = ctx.server.executor;
    const replies: Reply[] = new Array(queue.length);
    ctx.inExec = true;
    try {
      executor.transaction(c.dbIndex, () => {
        for (let i = 0; i < queue.length; i++) replies[i] = executor.call(ctx, queue[i].spec, queue[i].argv);
      });
    } finally {
      ctx.inExec = false;
      // EXEC's own call resumes: its argv/spec, and no dirty of its own (the queued calls counted theirs).
      ctx.argv = argv;
      ctx.spec = spec;
      ctx.dirty = 0;
      ctx.propagateAs = null;
    }
    return replies;
  },
});

/** DISCARD */
export const discard = defineCommand({
  name: 'discard',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  run(ctx) {
    if (ctx.client.multi === null) fail(Err.discardWithoutMulti);
    discardTransaction(ctx);
    return Reply.ok();
  },
});

/** WATCH key [key ...] */
export const watch = defineCommand({
  name: 'watch',
  arity: -2,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  keys: { first: 1, last: -1, step: 1 },
  run(ctx, keys) {
    const c = ctx.client;
    if (c.multi !== null) fail(Err.watchInMulti);
    // No point in watching once already dirty (Redis 7.0).
    if (c.watch.dirty) return Reply.ok();
    for (const key of keys) watchKey(ctx, key);
    return Reply.ok();
  },
});

/** UNWATCH */
export const unwatch = defineCommand({
  name: 'unwatch',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  run(ctx) {
    unwatchAllKeys(ctx);
    return Reply.ok();
  },
});

export const transactionCommands: CommandSpec[] = [multi, exec, discard, watch, unwatch];
