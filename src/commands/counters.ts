/**
 * Counters (t_string.c): INCR, DECR, INCRBY, DECRBY (64-bit exact) and INCRBYFLOAT (long double,
 * propagated as SET key <value> KEEPTTL).
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { incrByFloat } from '../util/long-double.js';
import { isStrictInt, parseInt64, parseInteger } from './args.js';
import type { CommandContext } from './context.js';
import { storeKeepTtl } from './string-values.js';
import { type CommandSpec, defineCommand } from './table.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** An INCRBY/DECRBY argument: a number when exact, a bigint beyond 2^53. */
function parseIncrement(s: string): number | bigint {
  if (s.length < 16) return parseInteger(s);
  const b = parseInt64(s);
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

/** Redis's incrDecrCommand: 64-bit exact, with Redis's overflow error. */
function incrDecr(ctx: CommandContext, key: string, incr: number | bigint): Reply {
  const db = ctx.db;
  const cur = db.getString(key);
  let result: number | bigint;
  if (cur === undefined) {
    result = incr;
  } else {
    if (!isStrictInt(cur)) fail(Err.notInteger);
    if (cur.length < 16 && typeof incr === 'number') {
      result = Number(cur) + incr; // both below 2^53: the sum is exact below 2^54
      if (!Number.isSafeInteger(result)) result = BigInt(cur) + BigInt(incr);
    } else {
      result = BigInt(cur) + BigInt(incr);
      if (result > INT64_MAX || result < INT64_MIN) fail(Err.overflow);
    }
  }
  const s = String(result);
  storeKeepTtl(ctx, key, s);
  ctx.server.notify('$', 'incrby', key, db.id);
  ctx.dirty++;
  return result;
}

/** INCR key */
export const incr = defineCommand({
  name: 'incr',
  arity: 2,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, args) {
    return incrDecr(ctx, args[0], 1);
  },
});

/** DECR key */
export const decr = defineCommand({
  name: 'decr',
  arity: 2,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, args) {
    return incrDecr(ctx, args[0], -1);
  },
});

/** INCRBY key increment */
export const incrby = defineCommand({
  name: 'incrby',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key, by]) {
    return incrDecr(ctx, key, parseIncrement(by));
  },
});

/** DECRBY key decrement */
export const decrby = defineCommand({
  name: 'decrby',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key, by]) {
    const d = parseIncrement(by);
    if (d === INT64_MIN) fail(Err.decrementOverflow);
    return incrDecr(ctx, key, typeof d === 'number' ? 0 - d : -d); // 0 - d: never -0
  },
});

/** INCRBYFLOAT key increment -- long double arithmetic; propagated as SET key <value> KEEPTTL. */
export const incrbyfloat = defineCommand({
  name: 'incrbyfloat',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key, by]) {
    const cur = ctx.db.getString(key);
    const r = incrByFloat(cur === undefined ? '0' : cur, by);
    if (r === 'invalid') fail(Err.notFloat);
    if (r === 'nan-or-inf') fail(Err.nanOrInfinity);
    storeKeepTtl(ctx, key, r);
    ctx.server.notify('$', 'incrbyfloat', key, ctx.db.id);
    ctx.dirty++;
    ctx.propagateAs = [['SET', key, r, 'KEEPTTL']];
    return r;
  },
});

export const counterCommands: CommandSpec[] = [incr, decr, incrby, decrby, incrbyfloat];
