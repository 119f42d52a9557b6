/**
 * Hash commands (t_hash.c): HSET/HMSET/HSETNX/HGET/HMGET/HDEL/HEXISTS/HLEN/HSTRLEN/HKEYS/HVALS/
 * HGETALL, HINCRBY (64-bit exact), HINCRBYFLOAT (long double; propagated as HSET key field value),
 * HRANDFIELD and HSCAN. Values are HashValue; the listpack/hashtable flag is updated here on
 * writes. HRANDFIELD picks uniformly without copying the hash (t_hash.c's case analysis, see
 * random-slots.ts). HSCAN walks a hashtable-encoded hash with a real cursor (DenseMap.scan:
 * every field present throughout the scan is returned); a listpack comes whole with cursor 0, as
 * in Redis.
 */
import { HashValue } from '../keyspace/types/hash.js';
import { distinctSlots, independentSlots } from '../keyspace/types/random-slots.js';
import { Err, fail } from '../protocol/errors.js';
import { MapReply, Reply } from '../protocol/reply.js';
import { globMatch } from '../util/glob.js';
import { incrByFloat } from '../util/long-double.js';
import { isStrictInt, isWord, parseInt64 } from './args.js';
import type { CommandContext } from './context.js';
import { parseScanCursor, parseScanOptions } from './keys.js';
import { readValue } from './lookup.js';
import { type CommandSpec, defineCommand } from './table.js';

const KEY1 = { first: 1, last: 1, step: 1 };
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function readHash(ctx: CommandContext, key: string): HashValue | undefined {
  const v = readValue(ctx, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && v.type === 'hash') return v as HashValue;
  fail(Err.wrongType);
}

/** The hash at key for writing (created and stored when missing), after willModify. */
function writeHash(ctx: CommandContext, key: string): HashValue {
  let h = ctx.db.getTyped<HashValue>(key, 'hash');
  if (h === undefined) {
    h = new HashValue();
    ctx.db.set(key, h);
  } else ctx.db.willModify(key);
  return h;
}

function updateEncoding(ctx: CommandContext, h: HashValue, written: readonly string[]): void {
  if (!h.listpack) return;
  const cfg = ctx.server.config;
  h.updateEncoding(cfg.getNumber('hash-max-listpack-entries'), cfg.getNumber('hash-max-listpack-value'), written);
}

function setPairs(ctx: CommandContext, name: string, args: string[]): number {
  if (args.length % 2 === 0) fail(Err.wrongArity(name));
  const key = args[0];
  const h = writeHash(ctx, key);
  let created = 0;
  for (let i = 1; i < args.length; i += 2) if (h.set(args[i], args[i + 1])) created++;
  updateEncoding(ctx, h, args.slice(1));
  ctx.dirty += (args.length - 1) / 2;
  ctx.server.notify('h', 'hset', key, ctx.db.id);
  return created;
}

/** HSET key field value [field value ...] */
export const hset = defineCommand({
  name: 'hset',
  arity: -4,
  flags: ['write', 'denyoom', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    return setPairs(ctx, 'hset', args);
  },
});

/** HMSET key field value [field value ...] */
export const hmset = defineCommand({
  name: 'hmset',
  arity: -4,
  flags: ['write', 'denyoom', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    setPairs(ctx, 'hmset', args);
    return Reply.ok();
  },
});

/** HSETNX key field value */
export const hsetnx = defineCommand({
  name: 'hsetnx',
  arity: 4,
  flags: ['write', 'denyoom', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const [key, field, value] = args;
    const cur = ctx.db.getTyped<HashValue>(key, 'hash');
    if (cur !== undefined && cur.has(field)) return 0;
    const h = writeHash(ctx, key);
    h.set(field, value);
    updateEncoding(ctx, h, [field, value]);
    ctx.dirty++;
    ctx.server.notify('h', 'hset', key, ctx.db.id);
    return 1;
  },
});

/** HGET key field */
export const hget = defineCommand({
  name: 'hget',
  arity: 3,
  flags: ['readonly', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const h = readHash(ctx, args[0]);
    return h?.get(args[1]) ?? null;
  },
});

/** HMGET key field [field ...] */
export const hmget = defineCommand({
  name: 'hmget',
  arity: -3,
  flags: ['readonly', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const h = readHash(ctx, args[0]);
    const out: Reply[] = new Array(args.length - 1);
    for (let i = 1; i < args.length; i++) out[i - 1] = h?.get(args[i]) ?? null;
    return out;
  },
});

/** HDEL key field [field ...] */
export const hdel = defineCommand({
  name: 'hdel',
  arity: -3,
  flags: ['write', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const key = args[0];
    const h = ctx.db.getTyped<HashValue>(key, 'hash');
    if (h === undefined) return 0;
    ctx.db.willModify(key);
    let removed = 0;
    for (let i = 1; i < args.length; i++) {
      if (h.remove(args[i])) {
        removed++;
        if (h.size === 0) break;
      }
    }
    if (removed > 0) {
      ctx.dirty += removed;
      ctx.server.notify('h', 'hdel', key, ctx.db.id);
      if (h.size === 0) {
        ctx.db.delete(key);
        ctx.server.notify('g', 'del', key, ctx.db.id);
      }
    }
    return removed;
  },
});

/** HEXISTS key field */
export const hexists = defineCommand({
  name: 'hexists',
  arity: 3,
  flags: ['readonly', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const h = readHash(ctx, args[0]);
    return h !== undefined && h.has(args[1]) ? 1 : 0;
  },
});

/** HLEN key */
export const hlen = defineCommand({
  name: 'hlen',
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    return readHash(ctx, args[0])?.size ?? 0;
  },
});

/** HSTRLEN key field */
export const hstrlen = defineCommand({
  name: 'hstrlen',
  arity: 3,
  flags: ['readonly', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    return readHash(ctx, args[0])?.get(args[1])?.length ?? 0;
  },
});

/** HKEYS key */
export const hkeys = defineCommand({
  name: 'hkeys',
  arity: 2,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    const h = readHash(ctx, args[0]);
    return h === undefined ? [] : [...h.fields()];
  },
});

/** HVALS key */
export const hvals = defineCommand({
  name: 'hvals',
  arity: 2,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    const h = readHash(ctx, args[0]);
    return h === undefined ? [] : [...h.values()];
  },
});

/** HGETALL key (RESP3: a map reply) */
export const hgetall = defineCommand({
  name: 'hgetall',
  arity: 2,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    const h = readHash(ctx, args[0]);
    const flat: Reply[] = [];
    if (h !== undefined) for (const [f, v] of h.entries()) flat.push(f, v);
    return ctx.client.resp === 3 ? new MapReply(flat) : flat;
  },
});

/** HINCRBY key field increment (64-bit exact) */
export const hincrby = defineCommand({
  name: 'hincrby',
  arity: 4,
  flags: ['write', 'denyoom', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const [key, field] = args;
    const incr = parseInt64(args[2]);
    const cur = ctx.db.getTyped<HashValue>(key, 'hash')?.get(field);
    let result = incr;
    if (cur !== undefined) {
      if (!isStrictInt(cur)) fail(Err.hashNotInteger);
      result = BigInt(cur) + incr;
      if (result > INT64_MAX || result < INT64_MIN) fail(Err.overflow);
    }
    const s = String(result);
    const h = writeHash(ctx, key);
    h.set(field, s);
    updateEncoding(ctx, h, [field, s]);
    ctx.dirty++;
    ctx.server.notify('h', 'hincrby', key, ctx.db.id);
    return result;
  },
});

/** HINCRBYFLOAT key field increment -- long double; propagated as HSET key field value. */
export const hincrbyfloat = defineCommand({
  name: 'hincrbyfloat',
  arity: 4,
  flags: ['write', 'denyoom', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const [key, field, by] = args;
    const check = incrByFloat('0', by);
    if (check === 'invalid') fail(Err.notFloat);
    if (check === 'nan-or-inf') fail(Err.valueNanOrInfinity);
    const cur = ctx.db.getTyped<HashValue>(key, 'hash')?.get(field);
    const r = incrByFloat(cur === undefined ? '0' : cur, by);
    if (r === 'invalid') fail(Err.hashNotFloat);
    if (r === 'nan-or-inf') fail(Err.nanOrInfinity);
    const h = writeHash(ctx, key);
    h.set(field, r);
    updateEncoding(ctx, h, [field, r]);
    ctx.dirty++;
    ctx.server.notify('h', 'hincrbyfloat', key, ctx.db.id);
    ctx.propagateAs = [['HSET', key, field, r]];
    return r;
  },
});

/** HRANDFIELD key [count [WITHVALUES]] */
export const hrandfield = defineCommand({
  name: 'hrandfield',
  arity: -2,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    if (args.length === 1) {
      const h = readHash(ctx, args[0]);
      if (h === undefined) return null;
      return h.dict.keyAt(h.dict.randomSlot());
    }
    const big = parseInt64(args[1]);
    if (big < -INT64_MAX) fail(Err.countOutOfRange);
    let withValues = false;
    if (args.length > 3 || (args.length === 3 && !isWord(args[2], 'withvalues'))) fail(Err.syntax);
    if (args.length === 3) {
      withValues = true;
      if (big < -(INT64_MAX / 2n) || big > INT64_MAX / 2n) fail(Err.valueOutOfRange);
    }
    const h = readHash(ctx, args[0]);
    if (h === undefined || big === 0n) return [];
    const size = h.size;
    const uniq = big > 0n;
    // a count beyond the hash's size is served as "all": clamp before leaving bigint
    const count = uniq ? (big >= BigInt(size) ? size : Number(big)) : Number(-big);
    let slots: number[];
    if (!uniq) slots = independentSlots(size, count);
    else if (count >= size) {
      slots = new Array<number>(size);
      for (let i = 0; i < size; i++) slots[i] = i;
    } else {
      slots = distinctSlots(size, count);
      // Redis samples a listpack with lpRandomPairsUnique, which yields its picks in listpack order
      if (h.listpack && count * 3 <= size) slots.sort((a, b) => a - b);
    }
    const d = h.dict;
    const out: Reply[] = [];
    if (!withValues) for (const i of slots) out.push(d.keyAt(i));
    else if (ctx.client.resp === 3) for (const i of slots) out.push([d.keyAt(i), d.valueAt(i)]);
    else for (const i of slots) out.push(d.keyAt(i), d.valueAt(i));
    return out;
  },
});

/** HSCAN key cursor [MATCH pattern] [COUNT count] */
export const hscan = defineCommand({
  name: 'hscan',
  arity: -3,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    const cursor = parseScanCursor(args[1]);
    const h = readHash(ctx, args[0]);
    if (h === undefined) return ['0', []];
    const { pattern, count } = parseScanOptions(args, 2, false);
    const d = h.dict;
    const out: Reply[] = [];
    if (h.listpack) {
      for (const [f, v] of d.entries()) if (pattern === null || globMatch(pattern, f)) out.push(f, v);
      return ['0', out];
    }
    const next = d.scan(cursor, count, (i) => {
      const f = d.keyAt(i);
      if (pattern === null || globMatch(pattern, f)) out.push(f, d.valueAt(i));
    });
    return [String(next), out];
  },
});

export const hashCommands: readonly CommandSpec[] = [
  hset,
  hget,
  hmset,
  hmget,
  hdel,
  hexists,
  hlen,
  hstrlen,
  hkeys,
  hvals,
  hgetall,
  hsetnx,
  hincrby,
  hincrbyfloat,
  hrandfield,
  hscan,
];
