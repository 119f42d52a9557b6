/**
 * Set commands (t_set.c): SADD/SREM/SMEMBERS/SISMEMBER/SMISMEMBER/SCARD/SMOVE, the algebra
 * (SINTER/SINTERCARD/SUNION/SDIFF and their STORE variants), SPOP, SRANDMEMBER and SSCAN.
 * Values are SetValue; the intset/hashtable encoding flag is updated here on writes. SPOP is
 * propagated as SREM of the popped members (DEL when the whole set went), as Redis does.
 * SSCAN returns the whole set with cursor 0 (MATCH applied) in one call.
 */
import { SetValue } from '../keyspace/types/set.js';
import { Err, fail } from '../protocol/errors.js';
import { Reply, SetReply } from '../protocol/reply.js';
import { globMatch } from '../util/glob.js';
import { isStrictInt, isWord, parseInteger } from './args.js';
import type { CommandContext } from './context.js';
import { parseScanCursor, parseScanOptions } from './keys.js';
import { readValue } from './lookup.js';
import { type CommandSpec, defineCommand } from './table.js';

const KEY1 = { first: 1, last: 1, step: 1 };
const KEYS_ALL = { first: 1, last: -1, step: 1 };
const SREM_BATCH = 1024;

function readSet(ctx: CommandContext, key: string): SetValue | undefined {
  const v = readValue(ctx, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && v.type === 'set') return v as SetValue;
  fail(Err.wrongType);
}

function writeSet(ctx: CommandContext, key: string): SetValue | undefined {
  return ctx.db.getTyped<SetValue>(key, 'set');
}

function maxIntset(ctx: CommandContext): number {
  return ctx.server.config.getNumber('set-max-intset-entries');
}

function deleteIfEmpty(ctx: CommandContext, key: string, set: SetValue): void {
  if (set.size === 0) {
    ctx.db.delete(key);
    ctx.server.notify('g', 'del', key, ctx.db.id);
  }
}

function setReply(items: string[]): Reply {
  return new SetReply(items);
}

// --- basic ---

/** SADD key member [member ...] */
export const sadd = defineCommand({
  name: 'sadd',
  arity: -3,
  flags: ['write', 'denyoom', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const key = args[0];
    let set = writeSet(ctx, key);
    if (set === undefined) {
      set = new SetValue();
      ctx.db.set(key, set);
    } else ctx.db.willModify(key);
    let added = 0;
    for (let i = 1; i < args.length; i++) if (set.add(args[i])) added++;
    if (added > 0) {
      set.updateEncoding(maxIntset(ctx), args.slice(1));
      ctx.dirty += added;
      ctx.server.notify('s', 'sadd', key, ctx.db.id);
    }
    return added;
  },
});

/** SREM key member [member ...] */
export const srem = defineCommand({
  name: 'srem',
  arity: -3,
  flags: ['write', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const key = args[0];
    const set = writeSet(ctx, key);
    if (set === undefined) return 0;
    ctx.db.willModify(key);
    let removed = 0;
    for (let i = 1; i < args.length; i++) {
      if (set.remove(args[i])) {
        removed++;
        if (set.size === 0) break;
      }
    }
    if (removed > 0) {
      ctx.dirty += removed;
      ctx.server.notify('s', 'srem', key, ctx.db.id);
      deleteIfEmpty(ctx, key, set);
    }
    return removed;
  },
});

/** SMEMBERS key (RESP3: a set reply) */
export const smembers = defineCommand({
  name: 'smembers',
  arity: 2,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    const set = readSet(ctx, args[0]);
    return setReply(set === undefined ? [] : set.toArray());
  },
});

/** SISMEMBER key member */
export const sismember = defineCommand({
  name: 'sismember',
  arity: 3,
  flags: ['readonly', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const set = readSet(ctx, args[0]);
    return set !== undefined && set.has(args[1]) ? 1 : 0;
  },
});

/** SMISMEMBER key member [member ...] */
export const smismember = defineCommand({
  name: 'smismember',
  arity: -3,
  flags: ['readonly', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const set = readSet(ctx, args[0]);
    const out: Reply[] = new Array(args.length - 1);
    for (let i = 1; i < args.length; i++) out[i - 1] = set !== undefined && set.has(args[i]) ? 1 : 0;
    return out;
  },
});

/** SCARD key */
export const scard = defineCommand({
  name: 'scard',
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const set = readSet(ctx, args[0]);
    return set === undefined ? 0 : set.size;
  },
});

/** SMOVE source destination member */
export const smove = defineCommand({
  name: 'smove',
  arity: 4,
  flags: ['write', 'fast'],
  keys: { first: 1, last: 2, step: 1 },
  run(ctx, args) {
    const [src, dst, member] = args;
    const srcv = ctx.db.get(src);
    const dstv = ctx.db.get(dst);
    if (srcv === undefined) return 0;
    if (typeof srcv === 'string' || srcv.type !== 'set') fail(Err.wrongType);
    if (dstv !== undefined && (typeof dstv === 'string' || dstv.type !== 'set')) fail(Err.wrongType);
    const srcset = srcv as SetValue;
    const dstset = dstv as SetValue | undefined;
    if (src === dst) return srcset.has(member) ? 1 : 0;
    if (!srcset.has(member)) return 0;
    ctx.db.willModify(src);
    srcset.remove(member);
    ctx.server.notify('s', 'srem', src, ctx.db.id);
    deleteIfEmpty(ctx, src, srcset);
    let target = dstset;
    if (target === undefined) {
      target = new SetValue();
      ctx.db.set(dst, target);
    } else ctx.db.willModify(dst);
    if (target.add(member)) {
      ctx.dirty++;
      target.updateEncoding(maxIntset(ctx), [member]);
      ctx.server.notify('s', 'sadd', dst, ctx.db.id);
    }
    ctx.dirty++;
    return 1;
  },
});

// --- algebra ---

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
  for (const s of sets) if (s !== undefined) for (const m of s.members) out.add(m);
  return out;
}

function diff(sets: (SetValue | undefined)[]): Set<string> {
  const out = new Set<string>();
  const first = sets[0];
  if (first === undefined) return out;
  for (const m of first.members) {
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

/** Builds a fresh set value from members with Redis's encoding for it. */
function buildSet(ctx: CommandContext, members: Iterable<string>): SetValue {
  const v = new SetValue(members);
  v.updateEncoding(maxIntset(ctx));
  return v;
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

// --- random ---

function parsePositive(s: string): number {
  const n = parseInteger(s, 'ERR value is out of range, must be positive');
  if (n < 0) fail('ERR value is out of range, must be positive');
  return n;
}

/** SPOP key [count]: propagated as SREM of the popped members (DEL when all went) */
export const spop = defineCommand({
  name: 'spop',
  arity: -2,
  flags: ['write', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    if (args.length > 2) fail(Err.syntax);
    const key = args[0];
    if (args.length === 1) {
      const set = writeSet(ctx, key);
      if (set === undefined) return null;
      ctx.db.willModify(key);
      const m = set.random();
      set.remove(m);
      ctx.server.notify('s', 'spop', key, ctx.db.id);
      deleteIfEmpty(ctx, key, set);
      ctx.propagateAs = [['SREM', key, m]];
      ctx.dirty++;
      return m;
    }
    const count = parsePositive(args[1]);
    const set = writeSet(ctx, key);
    if (set === undefined || count === 0) return setReply([]);
    if (count >= set.size) {
      const all = set.toArray();
      ctx.db.delete(key);
      ctx.server.notify('s', 'spop', key, ctx.db.id);
      ctx.server.notify('g', 'del', key, ctx.db.id);
      ctx.propagateAs = [['DEL', key]];
      ctx.dirty++;
      return setReply(all);
    }
    ctx.db.willModify(key);
    const popped = randomSample([...set.members], count);
    for (const m of popped) set.remove(m);
    const prop: string[][] = [];
    for (let i = 0; i < popped.length; i += SREM_BATCH) prop.push(['SREM', key, ...popped.slice(i, i + SREM_BATCH)]);
    ctx.propagateAs = prop;
    ctx.server.notify('s', 'spop', key, ctx.db.id);
    ctx.dirty++;
    return setReply(popped);
  },
});

/** SRANDMEMBER key [count]: a negative count may repeat members */
export const srandmember = defineCommand({
  name: 'srandmember',
  arity: -2,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    if (args.length > 2) fail(Err.syntax);
    if (args.length === 1) {
      const set = readSet(ctx, args[0]);
      return set === undefined ? null : set.random();
    }
    const count = parseInteger(args[1], Err.notInteger);
    const set = readSet(ctx, args[0]);
    if (set === undefined || count === 0) return [];
    if (count < 0) {
      const n = -count;
      const all = [...set.members];
      const out = new Array<string>(n);
      for (let i = 0; i < n; i++) out[i] = all[Math.floor(Math.random() * all.length)];
      return out;
    }
    if (count >= set.size) return set.toArray();
    return randomSample([...set.members], count);
  },
});

/** count distinct random elements of all (partial Fisher-Yates; shuffles all in place). */
function randomSample(all: string[], count: number): string[] {
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (all.length - i));
    const t = all[i];
    all[i] = all[j];
    all[j] = t;
  }
  return all.slice(0, count);
}

/** SSCAN key cursor [MATCH pattern] [COUNT count]: the whole set in one call (next cursor 0). */
export const sscan = defineCommand({
  name: 'sscan',
  arity: -3,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    parseScanCursor(args[1]);
    const set = readSet(ctx, args[0]);
    if (set === undefined) return ['0', []];
    const { pattern } = parseScanOptions(args, 2, false);
    const out: Reply[] = [];
    for (const m of set.toArray()) if (pattern === null || globMatch(pattern, m)) out.push(m);
    return ['0', out];
  },
});

export const setCommands: readonly CommandSpec[] = [
  sadd,
  srem,
  smembers,
  sismember,
  smismember,
  scard,
  smove,
  sinter,
  sintercard,
  sinterstore,
  sunion,
  sunionstore,
  sdiff,
  sdiffstore,
  spop,
  srandmember,
  sscan,
];
