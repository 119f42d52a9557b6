/**
 * ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES), ZRANGESTORE and the older forms ZREVRANGE,
 * ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX: zrangeGenericCommand of
 * t_zset.c (options first, then the range, then the key). Ranges are located by rank in
 * O(log n) through the skiplist spans, then walked: O(log n + m), also for big LIMIT offsets.
 */
import { type LexRange, lexGteMin, lexLteMax, ZSetValue } from '../keyspace/types/zset.js';
import { Err, fail } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import { isWord, parseInteger } from './args.js';
import type { CommandContext } from './context.js';
import { entriesReply, parseLexRange, parseScoreRange, readZset, zsetLimits } from './zset-args.js';
import { type CommandSpec, defineCommand } from './table.js';

type RangeType = 'auto' | 'rank' | 'score' | 'lex';

/** ZRANGE-style rank arguments over a zset of length llen: [start, end] clamped, or null if empty. */
export function clampRanks(start: number, end: number, llen: number): [number, number] | null {
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) return null;
  if (end >= llen) end = llen - 1;
  return [start, end];
}

/** The entries of ranks [lo, hi) after LIMIT offset/count, ascending or (rev) descending. */
function limitedRanks(z: ZSetValue, lo: number, hi: number, offset: number, limit: number, rev: boolean): Array<[string, number]> {
  // Redis walks `offset` elements (a negative offset walks off the end) and then `limit`
  // (negative: no limit)
  if (offset < 0 || hi <= lo) return [];
  const avail = hi - lo - offset;
  if (avail <= 0) return [];
  const n = limit < 0 ? avail : Math.min(limit, avail);
  if (n === 0) return [];
  return rev ? z.rangeByRank(hi - offset - n, hi - 1 - offset, true) : z.rangeByRank(lo + offset, lo + offset + n - 1);
}

/**
 * genericZrangebylexCommand: from Redis's first (last) element of the range, skip `offset`
 * elements unchecked, then take up to `limit` while they stay inside the max (min) end.
 */
function lexWalk(z: ZSetValue, r: LexRange, offset: number, limit: number, rev: boolean): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  if (offset < 0) return out;
  const start = rev ? z.lexLast(r) : z.lexFirst(r);
  if (start < 0) return out;
  let x = z.nodeAt(rev ? start - offset : start + offset);
  for (let left = limit; x !== null && left !== 0; left--) {
    if (rev ? !lexGteMin(x.member, r) : !lexLteMax(x.member, r)) break;
    out.push([x.member, x.score]);
    x = rev ? x.backward : x.succ;
  }
  return out;
}

/**
 * The shared body. args are the handler's arguments; `at` indexes the source key (1 for
 * ZRANGESTORE, after the destination). `store` is the destination key or null.
 */
function zrangeGeneric(ctx: CommandContext, args: string[], at: number, store: string | null, type: RangeType, rev: boolean | null): Reply {
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = at + 3; j < args.length; j++) {
    const opt = args[j];
    const left = args.length - j - 1;
    if (store === null && isWord(opt, 'withscores')) withScores = true;
    else if (isWord(opt, 'limit') && left >= 2) {
      offset = parseInteger(args[j + 1]);
      limit = parseInteger(args[j + 2]);
      j += 2;
    } else if (rev === null && isWord(opt, 'rev')) rev = true;
    else if (type === 'auto' && isWord(opt, 'bylex')) type = 'lex';
    else if (type === 'auto' && isWord(opt, 'byscore')) type = 'score';
    else fail(Err.syntax);
  }
  const reverse = rev === true;
  const kind = type === 'auto' ? 'rank' : type;
  if (limit !== -1 && kind === 'rank') fail(Err.zrangeLimitNeedsBy);
  if (withScores && kind === 'lex') fail(Err.zrangeWithscoresBylex);
  let minArg = args[at + 1];
  let maxArg = args[at + 2];
  if (reverse && kind !== 'rank') [minArg, maxArg] = [maxArg, minArg];

  let start = 0;
  let end = 0;
  let scoreRange;
  let lexRange;
  if (kind === 'rank') {
    start = parseInteger(minArg);
    end = parseInteger(maxArg);
  } else if (kind === 'score') scoreRange = parseScoreRange(minArg, maxArg);
  else lexRange = parseLexRange(minArg, maxArg);

  const z = readZset(ctx, args[at]);
  let result: Array<[string, number]> = [];
  if (z !== undefined) {
    if (kind === 'rank') {
      const r = clampRanks(start, end, z.size);
      if (r !== null) {
        result = reverse ? z.rangeByRank(z.size - 1 - r[1], z.size - 1 - r[0], true) : z.rangeByRank(r[0], r[1]);
      }
    } else if (kind === 'score') {
      const [lo, hi] = z.scoreRanks(scoreRange!);
      result = limitedRanks(z, lo, hi, offset, limit, reverse);
    } else result = lexWalk(z, lexRange!, offset, limit, reverse);
  }
  if (store === null) return entriesReply(ctx, result, withScores);
  // zrangeResultBeginStore: a known length (by rank) past the limit starts as a skiplist
  return storeResult(ctx, store, result, kind === 'rank');
}

/** zrangeResultFinalizeStore: the result replaces dst (TTL cleared), or an empty one deletes it. */
function storeResult(ctx: CommandContext, dst: string, result: Array<[string, number]>, knownLength: boolean): Reply {
  if (result.length === 0) {
    if (ctx.db.delete(dst)) {
      ctx.server.notify('g', 'del', dst, ctx.db.id);
      ctx.dirty++;
    }
    return 0;
  }
  // built as 7.0 does: a listpack (unless too long from the start), converted one way before the first member that does not fit
  const z = new ZSetValue();
  const [maxEntries, maxValue] = zsetLimits(ctx);
  if (knownLength && result.length > maxEntries) z.listpack = false;
  for (const [m, s] of result) {
    z.beforeInsert(m, maxEntries, maxValue);
    z.set(m, s);
  }
  ctx.db.get(dst); // setKey's lookupKeyWrite: a key past its TTL expires first ('expired', then 'new')
  ctx.db.overwrite(dst, z);
  ctx.server.notify('z', 'zrangestore', dst, ctx.db.id);
  ctx.dirty++;
  return result.length;
}

const KEY1 = { first: 1, last: 1, step: 1 };

function rangeCommand(name: string, type: RangeType, rev: boolean | null): CommandSpec {
  return defineCommand({
    name,
    arity: -4,
    flags: ['readonly'],
    keys: KEY1,
    run(ctx, args) {
      return zrangeGeneric(ctx, args, 0, null, type, rev);
    },
  });
}

/** ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES] */
export const zrange = rangeCommand('zrange', 'auto', null);
/** ZREVRANGE key start stop [WITHSCORES] */
export const zrevrange = rangeCommand('zrevrange', 'rank', true);
/** ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count] */
export const zrangebyscore = rangeCommand('zrangebyscore', 'score', false);
/** ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count] */
export const zrevrangebyscore = rangeCommand('zrevrangebyscore', 'score', true);
/** ZRANGEBYLEX key min max [LIMIT offset count] */
export const zrangebylex = rangeCommand('zrangebylex', 'lex', false);
/** ZREVRANGEBYLEX key max min [LIMIT offset count] */
export const zrevrangebylex = rangeCommand('zrevrangebylex', 'lex', true);

/** ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count] */
export const zrangestore = defineCommand({
  name: 'zrangestore',
  arity: -5,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 2, step: 1 },
  run(ctx, args) {
    return zrangeGeneric(ctx, args, 1, args[0], 'auto', null);
  },
});

export const zsetRangeCommands: readonly CommandSpec[] = [
  zrange,
  zrevrange,
  zrangebyscore,
  zrevrangebyscore,
  zrangebylex,
  zrevrangebylex,
  zrangestore,
];
