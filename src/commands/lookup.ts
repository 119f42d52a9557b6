/**
 * Redis's lookupKeyRead for every family: the live value (lazy expiry in Db.get), counting a
 * keyspace hit or miss for INFO and publishing 'keymiss' on a miss unless told not to
 * (LOOKUP_NONOTIFY, as OBJECT does). Write lookups (lookupKeyWrite) use ctx.db directly: no stats.
 */
import type { Value } from '../keyspace/value.js';
import type { CommandContext } from './context.js';

export function readValue(ctx: CommandContext, key: string, notify = true): Value | undefined {
  const v = ctx.db.get(key);
  if (v === undefined) {
    ctx.server.admin.stats.keyspaceMisses++;
    if (notify) ctx.server.notify('m', 'keymiss', key, ctx.db.id);
  } else ctx.server.admin.stats.keyspaceHits++;
  return v;
}

