/**
 * Set algebra (t_set.c sinterGenericCommand / sunionDiffGenericCommand): SINTER, SINTERCARD,
 * SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE. A result is built as a fresh SetValue with
 * Redis's encoding (an all-integer result is an intset, so it replies sorted as Redis's does);
 * STORE replaces the destination, or deletes it when the result is empty.
 */
import type { SetValue } from '../keyspace/types/set.js';
import { Err, fail } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import { isStrictInt, isWord, parseInteger } from './args.js';
import type { CommandContext } from './context.js';
import { buildSet, readSet, setReply, writeSet } from './set-access.js';
import { type CommandSpec, defineCommand } from './table.js';

const KEYS_ALL = { first: 1, last: -1, step: 1 };

/** Looks up the sets (missing = undefined), WRONGTYPE for any other type. */
function lookupSets(ctx: CommandContext, keys: string[], write: boolean): (SetValue | undefined)[] {
  const out = new Array<SetValue | undefined>(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = write ? writeSet(ctx, keys[i]) : readSet(ctx, keys[i]);
  return out;
}

function intersect(sets: (SetValue | undefined)[], limit = 0): string[] {
  const out: string[] = [];
  for (const s of sets) if (s === undefined) return out;
  const sorted = (sets as SetValue[]).slice().sort((a, b) => a.size - b.size);
  const first = sorted[0];
  for (const m of first.toArray()) {
    let all = true;
    for (let j = 1; j < sorted.length; j++) {
      if (!sorted[j].has(m)) {
        all = false;
        break;
      }
    }
    if (all) {
      out.push(m);
      if (limit > 0 && out.length >= limit) break;
    }
  }
  return out;
}

function union(sets: (SetValue | undefined)[]): Set<string> {
  const out = new Set<string>();
  for (const s of sets) if (s !== undefined) for (const m of s.members()) out.add(m);
  return out;
}

function diff(sets: (SetValue | undefined)[]): Set<string> {
  const out = new Set<string>();
  const first = sets[0];
  if (first === undefined) return out;
  for (const m of first.members()) {
    let keep = true;
    for (let j = 1; j < sets.length; j++) {
      const s = sets[j];
      if (s !== undefined && s.has(m)) {
        keep = false;
        break;
      }
    }
    if (keep) out.add(m);
  }
  return out;
}

function replyOf(ctx: CommandContext, members: Iterable<string>): Reply {
  return setReply(buildSet(ctx, members).toArray());
}

/** STORE: replaces dst with the result (or deletes it when empty); replies with the size. */
function store(ctx: CommandContext, dst: string, members: Iterable<string>, event: string): Reply {
  const v = buildSet(ctx, members);
  if (v.size === 0) {
    if (ctx.db.delete(dst)) {
      ctx.server.notify('g', 'del', dst, ctx.db.id);
      ctx.dirty++;
    }
    return 0;
  }
  ctx.db.overwrite(dst, v);
  ctx.server.notify('s', event, dst, ctx.db.id);
  ctx.dirty++;
  return v.size;
}

/** SINTER key [key ...] */
export const sinter = defineCommand({
  name: 'sinter',
  arity: -2,
  flags: ['readonly'],
  keys: KEYS_ALL,
  run: (ctx, args) => replyOf(ctx, intersect(lookupSets(ctx, args, false))),
});

/** SINTERSTORE destination key [key ...] */
export const sinterstore = defineCommand({
  name: 'sinterstore',
  arity: -3,
  flags: ['write', 'denyoom'],
  keys: KEYS_ALL,
  run: (ctx, args) => store(ctx, args[0], intersect(lookupSets(ctx, args.slice(1), true)), 'sinterstore'),
});

/** SUNION key [key ...] */
export const sunion = defineCommand({
  name: 'sunion',
  arity: -2,
  flags: ['readonly'],
  keys: KEYS_ALL,
  run: (ctx, args) => replyOf(ctx, union(lookupSets(ctx, args, false))),
});

/** SUNIONSTORE destination key [key ...] */
export const sunionstore = defineCommand({
  name: 'sunionstore',
  arity: -3,
  flags: ['write', 'denyoom'],
  keys: KEYS_ALL,
  run: (ctx, args) => store(ctx, args[0], union(lookupSets(ctx, args.slice(1), true)), 'sunionstore'),
});

/** SDIFF key [key ...] */
export const sdiff = defineCommand({
  name: 'sdiff',
  arity: -2,
  flags: ['readonly'],
  keys: KEYS_ALL,
  run: (ctx, args) => replyOf(ctx, diff(lookupSets(ctx, args, false))),
});

/** SDIFFSTORE destination key [key ...] */
export const sdiffstore = defineCommand({
  name: 'sdiffstore',
  arity: -3,
  flags: ['write', 'denyoom'],
  keys: KEYS_ALL,
  run: (ctx, args) => store(ctx, args[0], diff(lookupSets(ctx, args.slice(1), true)), 'sdiffstore'),
});

/** SINTERCARD numkeys key [key ...] [LIMIT limit] */
export const sintercard = defineCommand({
  name: 'sintercard',
  arity: -3,
  flags: ['readonly', 'movablekeys'],
  getKeys: (argv) => {
    const s = argv[1];
    const n = s !== undefined && isStrictInt(s) ? Math.max(0, Number(s)) : 0;
    const out: number[] = [];
    for (let i = 0; i < n && 2 + i < argv.length; i++) out.push(2 + i);
    return out;
  },
  run(ctx, args) {
    const numkeys = parseInteger(args[0], 'ERR numkeys should be greater than 0');
    if (numkeys < 1) fail('ERR numkeys should be greater than 0');
    if (numkeys > args.length - 1) fail("ERR Number of keys can't be greater than number of args");
    let limit = 0;
    for (let j = 1 + numkeys; j < args.length; j++) {
      if (isWord(args[j], 'limit') && j + 1 < args.length) {
        limit = parseInteger(args[++j], "ERR LIMIT can't be negative");
        if (limit < 0) fail("ERR LIMIT can't be negative");
      } else fail(Err.syntax);
    }
    return intersect(lookupSets(ctx, args.slice(1, 1 + numkeys), false), limit).length;
  },
});

export const setAlgebraCommands: readonly CommandSpec[] = [
  sinter,
  sintercard,
  sinterstore,
  sunion,
  sunionstore,
  sdiff,
  sdiffstore,
];
