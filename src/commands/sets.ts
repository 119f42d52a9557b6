/**
 * Set commands (t_set.c), the basic ones: SADD/SREM/SMEMBERS/SISMEMBER/SMISMEMBER/SCARD/SMOVE and
 * SSCAN, and the family export gathering set-algebra.ts (SINTER/SUNION/SDIFF, STORE variants,
 * SINTERCARD) and set-random.ts (SPOP, SRANDMEMBER). Values are SetValue; the intset/hashtable
 * flag is updated on writes. SSCAN walks a hashtable-encoded set with a real cursor
 * (DenseSet.scan: every member present throughout the scan is returned); an intset comes whole
 * with cursor 0, as in Redis.
 */
import { SetValue } from '../keyspace/types/set.js';
import { Err, fail } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import { globMatch } from '../util/glob.js';
import { parseScanCursor, parseScanOptions } from './keys.js';
import { deleteIfEmpty, KEY1, maxIntset, readSet, setReply, writeSet } from './set-access.js';
import { setAlgebraCommands } from './set-algebra.js';
import { setRandomCommands } from './set-random.js';
import { type CommandSpec, defineCommand } from './table.js';

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

/** SSCAN key cursor [MATCH pattern] [COUNT count] */
export const sscan = defineCommand({
  name: 'sscan',
  arity: -3,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    const cursor = parseScanCursor(args[1]);
    const set = readSet(ctx, args[0]);
    if (set === undefined) return ['0', []];
    const { pattern, count } = parseScanOptions(args, 2, false);
    const out: Reply[] = [];
    if (set.intset) {
      for (const m of set.toArray()) if (pattern === null || globMatch(pattern, m)) out.push(m);
      return ['0', out];
    }
    const d = set.dict;
    const next = d.scan(cursor, count, (i) => {
      const m = d.keyAt(i);
      if (pattern === null || globMatch(pattern, m)) out.push(m);
    });
    return [String(next), out];
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
  ...setAlgebraCommands,
  ...setRandomCommands,
  sscan,
];
