/**
 * ZADD (NX XX GT LT CH INCR), ZINCRBY and ZREM: zaddGenericCommand/zsetAdd and zremCommand of
 * t_zset.c. Options are scanned first, then every score is parsed (all or nothing), then the
 * members are applied. Propagated as sent (INCR results are deterministic).
 */
import type { ZSetValue } from '../keyspace/types/zset.js';
import { Err, fail } from '../protocol/errors.js';
import { DoubleReply, type Reply } from '../protocol/reply.js';
import { isWord, parseStrtod } from './args.js';
import type { CommandContext } from './context.js';
import { deleteIfEmpty, newZset, writableZset, zsetLimits } from './zset-args.js';
import { type CommandSpec, defineCommand } from './table.js';

const KEY1 = { first: 1, last: 1, step: 1 };

function zaddGeneric(ctx: CommandContext, args: string[], incrCommand: boolean): Reply {
  const key = args[0];
  let nx = false;
  let xx = false;
  let ch = false;
  let gt = false;
  let lt = false;
  let incr = incrCommand;
  let at = 1;
  for (; at < args.length; at++) {
    const o = args[at];
    if (isWord(o, 'nx')) nx = true;
    else if (isWord(o, 'xx')) xx = true;
    else if (isWord(o, 'ch')) ch = true;
    else if (isWord(o, 'incr')) incr = true;
    else if (isWord(o, 'gt')) gt = true;
    else if (isWord(o, 'lt')) lt = true;
    else break;
  }
  const pairs = args.length - at;
  if (pairs % 2 !== 0 || pairs === 0) fail(Err.syntax);
  if (nx && xx) fail(Err.zaddXxNx);
  if ((gt && nx) || (lt && nx) || (gt && lt)) fail(Err.zaddGtLtNx);
  if (incr && pairs > 2) fail(Err.zaddIncrPair);
  const n = pairs / 2;
  const scores = new Array<number>(n);
  for (let j = 0; j < n; j++) scores[j] = parseStrtod(args[at + 2 * j]);

  let z: ZSetValue | undefined = writableZset(ctx, key);
  let touched = false; // willModify called (a new key needs none: set() covers it)
  if (z === undefined) {
    if (xx) return incr ? null : 0;
    z = newZset(ctx, args[at + 1]);
    ctx.db.set(key, z);
    touched = true;
  }
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  const [maxEntries, maxValue] = zsetLimits(ctx);
  try {
    for (let j = 0; j < n; j++) {
      const member = args[at + 1 + 2 * j];
      let s = scores[j];
      const cur = z.score(member);
      if (cur !== undefined) {
        if (nx) continue;
        if (incr) {
          s += cur;
          if (Number.isNaN(s)) fail(Err.zsetScoreNan);
        }
        if ((lt && s >= cur) || (gt && s <= cur)) continue;
        if (s !== cur) {
          if (!touched) ctx.db.willModify(key);
          touched = true;
          z.set(member, s);
          updated++;
        }
      } else if (!xx) {
        if (!touched) ctx.db.willModify(key);
        touched = true;
        z.beforeInsert(member, maxEntries, maxValue);
        z.set(member, s);
        added++;
      } else continue;
      score = s;
      processed++;
    }
  } finally {
    if (added > 0 || updated > 0) ctx.server.notify('z', incr ? 'zincr' : 'zadd', key, ctx.db.id);
  }
  ctx.dirty += added + updated;
  if (incr) return processed > 0 ? new DoubleReply(score) : null;
  return ch ? added + updated : added;
}

/** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...] */
export const zadd = defineCommand({
  name: 'zadd',
  arity: -4,
  flags: ['write', 'denyoom', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    return zaddGeneric(ctx, args, false);
  },
});

/** ZINCRBY key increment member (zaddGenericCommand with INCR: options are scanned too) */
export const zincrby = defineCommand({
  name: 'zincrby',
  arity: 4,
  flags: ['write', 'denyoom', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    return zaddGeneric(ctx, args, true);
  },
});

/** ZREM key member [member ...] */
export const zrem = defineCommand({
  name: 'zrem',
  arity: -3,
  flags: ['write', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const key = args[0];
    const z = writableZset(ctx, key);
    if (z === undefined) return 0;
    let deleted = 0;
    for (let i = 1; i < args.length; i++) {
      if (z.score(args[i]) === undefined) continue;
      if (deleted === 0) ctx.db.willModify(key);
      if (z.remove(args[i])) {
        deleted++;
        if (z.size === 0) break;
      }
    }
    if (deleted > 0) {
      ctx.server.notify('z', 'zrem', key, ctx.db.id);
      deleteIfEmpty(ctx, key, z);
      ctx.dirty += deleted;
    }
    return deleted;
  },
});

export const zsetAddCommands: readonly CommandSpec[] = [zadd, zincrby, zrem];
