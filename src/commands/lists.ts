/**
 * List commands (t_list.c), non-blocking: pushes, pops (with count), LMPOP, LMOVE/RPOPLPUSH,
 * ranges, LINDEX/LSET, LINSERT, LREM, LTRIM, LPOS. Values are ListValue ring buffers. Argument
 * and lookup order follow Redis 7.0 so the same bad request fails with the same error; every
 * change notifies with Redis's event names and an emptied list deletes its key ('del').
 */
import { ListValue } from '../keyspace/types/list.js';
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { isStrictInt, parseInt64, parseInteger, parseMpopArgs } from './args.js';
import type { CommandContext } from './context.js';
import { readValue } from './lookup.js';
import { type CommandSpec, defineCommand } from './table.js';

const LONG_MIN = -9223372036854775808n;

/** Read lookup with hits/misses: the list at key, undefined when absent, WRONGTYPE otherwise. */
function readList(ctx: CommandContext, key: string): ListValue | undefined {
  const v = readValue(ctx, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && v.type === 'list') return v as ListValue;
  fail(Err.wrongType);
}

/** Write lookup (no stats). */
export function writeList(ctx: CommandContext, key: string): ListValue | undefined {
  return ctx.db.getTyped<ListValue>(key, 'list');
}

/** After a pop/removal: deletes the key and notifies 'del' when the list is empty. */
function deleteIfEmpty(ctx: CommandContext, key: string, list: ListValue): void {
  if (list.length === 0) {
    ctx.db.delete(key);
    ctx.server.notify('g', 'del', key, ctx.db.id);
  }
}

/** Redis's getPositiveLongFromObjectOrReply with a custom message (parse and range errors). */
function parsePositive(s: string, message: string): number {
  if (!isStrictInt(s)) fail(message);
  const n = Number(s);
  if (n < 0) fail(message);
  return n;
}

/** LEFT/RIGHT (case-insensitive); true for LEFT (head). */
export function parseWhere(s: string): boolean {
  const w = s.toLowerCase();
  if (w === 'left') return true;
  if (w === 'right') return false;
  fail(Err.syntax);
}

// --- pushes ---

function pushGeneric(ctx: CommandContext, args: string[], head: boolean, onlyIfExists: boolean): Reply {
  const key = args[0];
  let list = writeList(ctx, key);
  if (list === undefined) {
    if (onlyIfExists) return 0;
    list = new ListValue(args.length - 1);
    ctx.db.set(key, list);
  } else ctx.db.willModify(key);
  const n = args.length;
  if (head) for (let i = 1; i < n; i++) list.pushHead(args[i]);
  else for (let i = 1; i < n; i++) list.pushTail(args[i]);
  ctx.dirty += n - 1;
  ctx.server.notify('l', head ? 'lpush' : 'rpush', key, ctx.db.id);
  return list.length;
}

const WRITE_PUSH = ['write', 'denyoom', 'fast'] as const;
const KEY1 = { first: 1, last: 1, step: 1 };

export const lpush = defineCommand({
  name: 'lpush',
  arity: -3,
  flags: WRITE_PUSH,
  keys: KEY1,
  run: (ctx, args) => pushGeneric(ctx, args, true, false),
});

export const rpush = defineCommand({
  name: 'rpush',
  arity: -3,
  flags: WRITE_PUSH,
  keys: KEY1,
  run: (ctx, args) => pushGeneric(ctx, args, false, false),
});

export const lpushx = defineCommand({
  name: 'lpushx',
  arity: -3,
  flags: WRITE_PUSH,
  keys: KEY1,
  run: (ctx, args) => pushGeneric(ctx, args, true, true),
});

export const rpushx = defineCommand({
  name: 'rpushx',
  arity: -3,
  flags: WRITE_PUSH,
  keys: KEY1,
  run: (ctx, args) => pushGeneric(ctx, args, false, true),
});

// --- pops ---

/** Pops up to count elements from one end of a stored list; notifies and deletes when emptied. */
export function popMany(ctx: CommandContext, key: string, list: ListValue, head: boolean, count: number): string[] {
  ctx.db.willModify(key);
  const n = Math.min(count, list.length);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = (head ? list.popHead() : list.popTail()) as string;
  ctx.dirty += n;
  ctx.server.notify('l', head ? 'lpop' : 'rpop', key, ctx.db.id);
  deleteIfEmpty(ctx, key, list);
  return out;
}

function popGeneric(ctx: CommandContext, args: string[], head: boolean): Reply {
  if (args.length > 2) fail(Err.wrongArity(ctx.spec.fullName));
  const hasCount = args.length === 2;
  const count = hasCount ? parsePositive(args[1], Err.mustBePositive) : 1;
  const key = args[0];
  const list = writeList(ctx, key);
  if (list === undefined) return hasCount ? Reply.nilArray() : null;
  if (hasCount && count === 0) return [];
  const out = popMany(ctx, key, list, head, count);
  return hasCount ? out : out[0];
}

export const lpop = defineCommand({
  name: 'lpop',
  arity: -2,
  flags: ['write', 'fast'],
  keys: KEY1,
  run: (ctx, args) => popGeneric(ctx, args, true),
});

export const rpop = defineCommand({
  name: 'rpop',
  arity: -2,
  flags: ['write', 'fast'],
  keys: KEY1,
  run: (ctx, args) => popGeneric(ctx, args, false),
});

/** LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] */
export const lmpop = defineCommand({
  name: 'lmpop',
  arity: -4,
  flags: ['write', 'movablekeys'],
  getKeys: (argv) => {
    const n = tryCount(argv[1]);
    const out: number[] = [];
    for (let i = 0; i < n && 2 + i < argv.length; i++) out.push(2 + i);
    return out;
  },
  run(ctx, args) {
    const { keys, first: head, count } = parseMpopArgs(args, 0, LIST_SIDES);
    return mpopFirstNonEmpty(ctx, keys, head, count) ?? Reply.nilArray();
  },
});

/** The words of a list side, as *MPOP take them. */
export const LIST_SIDES = ['left', 'right'] as const;

/** [LR]POP key count of the popped elements: how LMPOP (and a served BLMPOP) propagate. */
export function mpopFrom(ctx: CommandContext, key: string, list: ListValue, head: boolean, count: number): Reply {
  const out = popMany(ctx, key, list, head, count);
  ctx.propagateAs = [[head ? 'LPOP' : 'RPOP', key, String(out.length)]];
  return [key, out];
}

/** LMPOP's pop from the first non-empty key; undefined when every key is empty. */
export function mpopFirstNonEmpty(ctx: CommandContext, keys: readonly string[], head: boolean, count: number): Reply | undefined {
  for (const key of keys) {
    const list = writeList(ctx, key);
    if (list !== undefined) return mpopFrom(ctx, key, list, head, count);
  }
  return undefined;
}

function tryCount(s: string | undefined): number {
  if (s === undefined || !isStrictInt(s)) return 0;
  const n = Number(s);
  return n > 0 ? n : 0;
}

// --- reads ---

export const llen = defineCommand({
  name: 'llen',
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const list = readList(ctx, args[0]);
    return list === undefined ? 0 : list.length;
  },
});

export const lrange = defineCommand({
  name: 'lrange',
  arity: 4,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    let start = parseInteger(args[1]);
    let end = parseInteger(args[2]);
    const list = readList(ctx, args[0]);
    if (list === undefined) return [];
    const llen = list.length;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return [];
    if (end >= llen) end = llen - 1;
    return list.range(start, end);
  },
});

export const lindex = defineCommand({
  name: 'lindex',
  arity: 3,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    const list = readList(ctx, args[0]);
    if (list === undefined) return null;
    let index = parseInteger(args[1]);
    if (index < 0) index += list.length;
    if (index < 0 || index >= list.length) return null;
    return list.at(index);
  },
});

/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
export const lpos = defineCommand({
  name: 'lpos',
  arity: -3,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    let rank = 1;
    let count = -1;
    let maxlen = 0;
    for (let j = 2; j < args.length; j++) {
      const opt = args[j].toLowerCase();
      const more = args.length - 1 - j;
      if (opt === 'rank' && more > 0) {
        const r = parseInt64(args[++j]);
        if (r === 0n) fail(Err.lposRankZero);
        // Redis 7.0 cannot negate LONG_MIN: it ends up as the first match from the tail.
        rank = r === LONG_MIN ? -1 : Number(r);
      } else if (opt === 'count' && more > 0) {
        count = parsePositive(args[++j], Err.lposCountNegative);
      } else if (opt === 'maxlen' && more > 0) {
        maxlen = parsePositive(args[++j], Err.lposMaxlenNegative);
      } else fail(Err.syntax);
    }
    const list = readList(ctx, args[0]);
    if (list === undefined) return count !== -1 ? [] : null;
    const element = args[1];
    const fromTail = rank < 0;
    let skip = Math.abs(rank) - 1;
    const llen = list.length;
    const limit = maxlen === 0 ? llen : Math.min(maxlen, llen);
    const matches: number[] = [];
    for (let k = 0; k < limit; k++) {
      const i = fromTail ? llen - 1 - k : k;
      if (list.at(i) !== element) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      matches.push(i);
      if (count === -1 || matches.length === count) break;
    }
    if (count !== -1) return matches;
    return matches.length === 0 ? null : matches[0];
  },
});

// --- in-place writes ---

export const lset = defineCommand({
  name: 'lset',
  arity: 4,
  flags: ['write', 'denyoom'],
  keys: KEY1,
  run(ctx, args) {
    const key = args[0];
    const list = writeList(ctx, key);
    if (list === undefined) fail(Err.noSuchKey);
    let index = parseInteger(args[1]);
    if (index < 0) index += list.length;
    if (index < 0 || index >= list.length) fail(Err.indexOutOfRange);
    ctx.db.willModify(key);
    list.setAt(index, args[2]);
    ctx.dirty++;
    ctx.server.notify('l', 'lset', key, ctx.db.id);
    return Reply.ok();
  },
});

/** LINSERT key BEFORE|AFTER pivot element */
export const linsert = defineCommand({
  name: 'linsert',
  arity: 5,
  flags: ['write', 'denyoom'],
  keys: KEY1,
  run(ctx, args) {
    const where = args[1].toLowerCase();
    let after: boolean;
    if (where === 'after') after = true;
    else if (where === 'before') after = false;
    else fail(Err.syntax);
    const key = args[0];
    const list = writeList(ctx, key);
    if (list === undefined) return 0;
    const pivot = args[2];
    const n = list.length;
    let found = -1;
    for (let i = 0; i < n; i++) {
      if (list.at(i) === pivot) {
        found = i;
        break;
      }
    }
    if (found === -1) return -1;
    ctx.db.willModify(key);
    list.insertAt(after ? found + 1 : found, args[3]);
    ctx.dirty++;
    ctx.server.notify('l', 'linsert', key, ctx.db.id);
    return list.length;
  },
});

/** LREM key count element */
export const lrem = defineCommand({
  name: 'lrem',
  arity: 4,
  flags: ['write'],
  keys: KEY1,
  run(ctx, args) {
    const count = parseInteger(args[1]);
    const key = args[0];
    const list = writeList(ctx, key);
    if (list === undefined) return 0;
    const element = args[2];
    let removed = 0;
    if (count === 0) {
      ctx.db.willModify(key);
      removed = list.filter((v) => v !== element);
    } else {
      // Collect the indexes to drop (from the chosen end, at most |count|), then drop them in one pass.
      const limit = Math.abs(count);
      const n = list.length;
      const drop = new Set<number>();
      if (count > 0) {
        for (let i = 0; i < n && drop.size < limit; i++) if (list.at(i) === element) drop.add(i);
      } else {
        for (let i = n - 1; i >= 0 && drop.size < limit; i--) if (list.at(i) === element) drop.add(i);
      }
      if (drop.size !== 0) {
        ctx.db.willModify(key);
        if (drop.size === 1) list.removeAt(drop.values().next().value as number);
        else list.filter((_v, i) => !drop.has(i));
      }
      removed = drop.size;
    }
    if (removed > 0) {
      ctx.dirty += removed;
      ctx.server.notify('l', 'lrem', key, ctx.db.id);
      deleteIfEmpty(ctx, key, list);
    }
    return removed;
  },
});

/** LTRIM key start stop */
export const ltrim = defineCommand({
  name: 'ltrim',
  arity: 4,
  flags: ['write'],
  keys: KEY1,
  run(ctx, args) {
    let start = parseInteger(args[1]);
    let end = parseInteger(args[2]);
    const key = args[0];
    const list = writeList(ctx, key);
    if (list === undefined) return Reply.ok();
    const llen = list.length;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    ctx.db.willModify(key);
    let removed: number;
    if (start > end || start >= llen) {
      removed = llen;
      list.filter(() => false);
    } else {
      if (end >= llen) end = llen - 1;
      removed = llen - (end - start + 1);
      if (removed > 0) list.trim(start, end);
    }
    ctx.dirty += removed;
    ctx.server.notify('l', 'ltrim', key, ctx.db.id);
    deleteIfEmpty(ctx, key, list);
    return Reply.ok();
  },
});

// --- moves ---

/** LMOVE's work: pop from src, push to dst (created when absent), notifications; null when src is absent. */
export function lmoveGeneric(ctx: CommandContext, src: string, dst: string, fromHead: boolean, toHead: boolean): Reply {
  const source = writeList(ctx, src);
  if (source === undefined) return null;
  let dest = writeList(ctx, dst);
  ctx.db.willModify(src);
  const value = (fromHead ? source.popHead() : source.popTail()) as string;
  if (dest === undefined) {
    dest = new ListValue();
    ctx.db.set(dst, dest);
  } else ctx.db.willModify(dst);
  if (toHead) dest.pushHead(value);
  else dest.pushTail(value);
  ctx.server.notify('l', toHead ? 'lpush' : 'rpush', dst, ctx.db.id);
  ctx.server.notify('l', fromHead ? 'lpop' : 'rpop', src, ctx.db.id);
  deleteIfEmpty(ctx, src, source);
  ctx.dirty++;
  return value;
}

/** LMOVE source destination LEFT|RIGHT LEFT|RIGHT */
export const lmove = defineCommand({
  name: 'lmove',
  arity: 5,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 2, step: 1 },
  run(ctx, args) {
    const fromHead = parseWhere(args[2]);
    const toHead = parseWhere(args[3]);
    return lmoveGeneric(ctx, args[0], args[1], fromHead, toHead);
  },
});

/** RPOPLPUSH source destination */
export const rpoplpush = defineCommand({
  name: 'rpoplpush',
  arity: 3,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 2, step: 1 },
  run: (ctx, args) => lmoveGeneric(ctx, args[0], args[1], false, true),
});

export const listCommands: readonly CommandSpec[] = [
  lpush,
  rpush,
  lpushx,
  rpushx,
  lpop,
  rpop,
  lmpop,
  llen,
  lrange,
  lindex,
  lpos,
  lset,
  linsert,
  lrem,
  ltrim,
  lmove,
  rpoplpush,
];
