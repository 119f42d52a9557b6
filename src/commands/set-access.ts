/**
 * What the set command files share: typed lookups (WRONGTYPE for another type), the
 * set-max-intset-entries threshold, deleting an emptied set (with its 'del' event) and the
 * set reply (RESP3 set, RESP2 array).
 */
import { SetValue } from '../keyspace/types/set.js';
import { Err, fail } from '../protocol/errors.js';
import { type Reply, SetReply } from '../protocol/reply.js';
import type { CommandContext } from './context.js';
import { readValue } from './lookup.js';

export const KEY1 = { first: 1, last: 1, step: 1 };

/** The set at key for reading (lookupKeyRead: hits/misses), undefined when missing. */
export function readSet(ctx: CommandContext, key: string): SetValue | undefined {
  const v = readValue(ctx, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && v.type === 'set') return v as SetValue;
  fail(Err.wrongType);
}

/** The set at key for writing (lookupKeyWrite), undefined when missing. */
export function writeSet(ctx: CommandContext, key: string): SetValue | undefined {
  return ctx.db.getTyped<SetValue>(key, 'set');
}

export function maxIntset(ctx: CommandContext): number {
  return ctx.server.config.getNumber('set-max-intset-entries');
}

export function deleteIfEmpty(ctx: CommandContext, key: string, set: SetValue): void {
  if (set.size === 0) {
    ctx.db.delete(key);
    ctx.server.notify('g', 'del', key, ctx.db.id);
  }
}

export function setReply(items: string[]): Reply {
  return new SetReply(items);
}

/** A fresh set value from members, with Redis's encoding for it. */
export function buildSet(ctx: CommandContext, members: Iterable<string>): SetValue {
  const v = new SetValue(members);
  v.updateEncoding(maxIntset(ctx));
  return v;
}
