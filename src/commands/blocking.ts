/**
 * Blocking pops (t_list.c / t_zset.c blocking halves): BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
 * BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP.
 *
 * Each command first acts as its non-blocking form when a key has data (and is propagated as
 * that form: BLPOP -> LPOP key, BLMOVE -> LMOVE, BLMPOP -> LPOP key count, BZPOPMIN -> ZPOPMIN
 * key, ...). With nothing to pop it blocks through ServerOps.blocking, handing a serve() that
 * performs the same pop later for the key that became ready, with Redis 7.0's reply and
 * propagation for a served client (a served BLMOVE propagates `LMOVE src dst left right`, with
 * Redis's lowercase side words). Inside MULTI/EXEC blocking is denied: an empty key answers the
 * timeout reply at once (a null array; a null bulk for BLMOVE/BRPOPLPUSH). Argument checks run
 * in Redis's order (the timeout first, except for the *MPOP forms and BLMOVE's side words).
 */
import type { ListValue } from '../keyspace/types/list.js';
import type { ZSetValue } from '../keyspace/types/zset.js';
import { DoubleReply, Reply } from '../protocol/reply.js';
import { isStrictInt, parseBlockTimeout, parseMpopArgs } from './args.js';
import type { CommandContext } from './context.js';
import { LIST_SIDES, lmoveGeneric, mpopFirstNonEmpty, mpopFrom, parseWhere, popMany, writeList } from './lists.js';
import { type CommandSpec, defineCommand } from './table.js';
import { pairsReply, popZset, ZSET_SIDES } from './zset-pop.js';

/** Redis's CLIENT_DENY_BLOCKING: inside EXEC (and while replaying) an empty key answers at once. */
function denyBlocking(ctx: CommandContext): boolean {
  return ctx.inExec || ctx.replaying;
}

function timeoutAt(ctx: CommandContext, arg: string): number {
  return parseBlockTimeout(arg, ctx.server.clock.now());
}

/** Keys of BLMPOP/BZMPOP: numkeys at argv[2], the keys after it. */
function mpopKeys(argv: readonly string[]): number[] {
  const s = argv[2];
  const n = s !== undefined && isStrictInt(s) ? Number(s) : 0;
  const out: number[] = [];
  for (let i = 0; i < n && 3 + i < argv.length; i++) out.push(3 + i);
  return out;
}

// --- lists ---

/** One element for BLPOP/BRPOP: [key, value], propagated as [LR]POP key. */
function popOne(ctx: CommandContext, key: string, list: ListValue, head: boolean): Reply {
  const [value] = popMany(ctx, key, list, head, 1);
  ctx.propagateAs = [[head ? 'LPOP' : 'RPOP', key]];
  return [key, value];
}

function storedList(ctx: CommandContext, key: string): ListValue {
  return ctx.db.getTyped<ListValue>(key, 'list')!;
}

function blockingPop(ctx: CommandContext, args: string[], head: boolean): Reply {
  const until = timeoutAt(ctx, args[args.length - 1]);
  const keys = args.slice(0, -1);
  for (const key of keys) {
    const list = writeList(ctx, key);
    if (list !== undefined) return popOne(ctx, key, list, head);
  }
  if (denyBlocking(ctx)) return Reply.nilArray();
  return ctx.server.blocking.block(ctx, {
    keys,
    type: 'list',
    timeoutAt: until,
    serve: (c, key) => popOne(c, key, storedList(c, key), head),
  });
}

const BLOCKING_POP_FLAGS = ['write', 'noscript', 'blocking'] as const;
const KEYS_BEFORE_TIMEOUT = { first: 1, last: -2, step: 1 };

/** BLPOP key [key ...] timeout */
export const blpop = defineCommand({
  name: 'blpop',
  arity: -3,
  flags: BLOCKING_POP_FLAGS,
  keys: KEYS_BEFORE_TIMEOUT,
  run: (ctx, args) => blockingPop(ctx, args, true),
});

/** BRPOP key [key ...] timeout */
export const brpop = defineCommand({
  name: 'brpop',
  arity: -3,
  flags: BLOCKING_POP_FLAGS,
  keys: KEYS_BEFORE_TIMEOUT,
  run: (ctx, args) => blockingPop(ctx, args, false),
});

/**
 * BLMOVE/BRPOPLPUSH: `nonBlocking` is what the immediate form propagates (the client's own
 * arguments), `served` what a served client propagates.
 */
function blockingMove(
  ctx: CommandContext,
  src: string,
  dst: string,
  fromHead: boolean,
  toHead: boolean,
  until: number,
  nonBlocking: string[],
  served: string[],
): Reply {
  const list = writeList(ctx, src);
  if (list !== undefined) {
    const value = lmoveGeneric(ctx, src, dst, fromHead, toHead);
    ctx.propagateAs = [nonBlocking];
    return value;
  }
  if (denyBlocking(ctx)) return null;
  return ctx.server.blocking.block(ctx, {
    keys: [src],
    type: 'list',
    timeoutAt: until,
    serve: (c, key) => {
      // a wrong-type destination throws WRONGTYPE before anything is popped
      const value = lmoveGeneric(c, key, dst, fromHead, toHead);
      c.propagateAs = [served];
      return value;
    },
  });
}

const side = (head: boolean): string => (head ? 'left' : 'right');

/** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout */
export const blmove = defineCommand({
  name: 'blmove',
  arity: 6,
  flags: ['write', 'denyoom', 'noscript', 'blocking'],
  keys: { first: 1, last: 2, step: 1 },
  run(ctx, args) {
    const fromHead = parseWhere(args[2]);
    const toHead = parseWhere(args[3]);
    const until = timeoutAt(ctx, args[4]);
    const [src, dst] = args;
    return blockingMove(ctx, src, dst, fromHead, toHead, until, ['LMOVE', src, dst, args[2], args[3]], [
      'LMOVE',
      src,
      dst,
      side(fromHead),
      side(toHead),
    ]);
  },
});

/** BRPOPLPUSH source destination timeout */
export const brpoplpush = defineCommand({
  name: 'brpoplpush',
  arity: 4,
  flags: ['write', 'denyoom', 'noscript', 'blocking'],
  keys: { first: 1, last: 2, step: 1 },
  run(ctx, args) {
    const until = timeoutAt(ctx, args[2]);
    const [src, dst] = args;
    const propagated = ['RPOPLPUSH', src, dst];
    return blockingMove(ctx, src, dst, false, true, until, propagated, propagated);
  },
});

/** BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count] */
export const blmpop = defineCommand({
  name: 'blmpop',
  arity: -5,
  flags: ['write', 'blocking', 'movablekeys'],
  getKeys: mpopKeys,
  run(ctx, args) {
    const { keys, first: head, count } = parseMpopArgs(args, 1, LIST_SIDES);
    const until = timeoutAt(ctx, args[0]);
    const reply = mpopFirstNonEmpty(ctx, keys, head, count);
    if (reply !== undefined) return reply;
    if (denyBlocking(ctx)) return Reply.nilArray();
    return ctx.server.blocking.block(ctx, {
      keys,
      type: 'list',
      timeoutAt: until,
      serve: (c, key) => mpopFrom(c, key, storedList(c, key), head, count),
    });
  },
});

// --- sorted sets ---

function storedZset(ctx: CommandContext, key: string): ZSetValue {
  return ctx.db.getTyped<ZSetValue>(key, 'zset')!;
}

/** BZPOPMIN/BZPOPMAX's pop: [key, member, score], propagated as ZPOPMIN/ZPOPMAX key. */
function zpopOne(ctx: CommandContext, key: string, zset: ZSetValue, max: boolean): Reply {
  const [[member, score]] = popZset(ctx, key, zset, max, 1);
  ctx.propagateAs = [[max ? 'ZPOPMAX' : 'ZPOPMIN', key]];
  return [key, member, new DoubleReply(score)];
}

/** BZMPOP's pop: [key, [[member, score], ...]], propagated as ZPOPMIN/ZPOPMAX key <popped>. */
function zmpopFrom(ctx: CommandContext, key: string, zset: ZSetValue, max: boolean, count: number): Reply {
  const popped = popZset(ctx, key, zset, max, count);
  ctx.propagateAs = [[max ? 'ZPOPMAX' : 'ZPOPMIN', key, String(popped.length)]];
  return [key, pairsReply(popped, true)];
}

function blockingZpop(ctx: CommandContext, args: string[], max: boolean): Reply {
  const until = timeoutAt(ctx, args[args.length - 1]);
  const keys = args.slice(0, -1);
  for (const key of keys) {
    const zset = ctx.db.getTyped<ZSetValue>(key, 'zset');
    if (zset !== undefined) return zpopOne(ctx, key, zset, max);
  }
  if (denyBlocking(ctx)) return Reply.nilArray();
  return ctx.server.blocking.block(ctx, {
    keys,
    type: 'zset',
    timeoutAt: until,
    serve: (c, key) => zpopOne(c, key, storedZset(c, key), max),
  });
}

const BLOCKING_ZPOP_FLAGS = ['write', 'noscript', 'fast', 'blocking'] as const;

/** BZPOPMIN key [key ...] timeout */
export const bzpopmin = defineCommand({
  name: 'bzpopmin',
  arity: -3,
  flags: BLOCKING_ZPOP_FLAGS,
  keys: KEYS_BEFORE_TIMEOUT,
  run: (ctx, args) => blockingZpop(ctx, args, false),
});

/** BZPOPMAX key [key ...] timeout */
export const bzpopmax = defineCommand({
  name: 'bzpopmax',
  arity: -3,
  flags: BLOCKING_ZPOP_FLAGS,
  keys: KEYS_BEFORE_TIMEOUT,
  run: (ctx, args) => blockingZpop(ctx, args, true),
});

/** BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count] */
export const bzmpop = defineCommand({
  name: 'bzmpop',
  arity: -5,
  flags: ['write', 'blocking', 'movablekeys'],
  getKeys: mpopKeys,
  run(ctx, args) {
    const { keys, first, count } = parseMpopArgs(args, 1, ZSET_SIDES);
    const max = !first;
    const until = timeoutAt(ctx, args[0]);
    for (const key of keys) {
      const zset = ctx.db.getTyped<ZSetValue>(key, 'zset');
      if (zset !== undefined) return zmpopFrom(ctx, key, zset, max, count);
    }
    if (denyBlocking(ctx)) return Reply.nilArray();
    return ctx.server.blocking.block(ctx, {
      keys,
      type: 'zset',
      timeoutAt: until,
      serve: (c, key) => zmpopFrom(c, key, storedZset(c, key), max, count),
    });
  },
});

export const blockingCommands: readonly CommandSpec[] = [blpop, brpop, blmove, brpoplpush, blmpop, bzpopmin, bzpopmax, bzmpop];
