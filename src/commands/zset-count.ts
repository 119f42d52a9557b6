/**
 * ZCOUNT, ZLEXCOUNT (O(log n): two rank lookups) and ZREMRANGEBYRANK/SCORE/LEX
 * (zremrangeGenericCommand: parse the range, then look the key up for writing).
 */
import { lexLteMax, type ZSetValue } from '../keyspace/types/zset.js';
import { parseInteger } from './args.js';
import { deleteIfEmpty, parseLexRange, parseScoreRange, readZset, writableZset } from './zset-args.js';
import { clampRanks } from './zset-range.js';
import { type CommandSpec, defineCommand } from './table.js';

const KEY1 = { first: 1, last: 1, step: 1 };

/** ZCOUNT key min max */
export const zcount = defineCommand({
  name: 'zcount',
  arity: 4,
  flags: ['readonly', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const range = parseScoreRange(args[1], args[2]);
    const z = readZset(ctx, args[0]);
    if (z === undefined) return 0;
    const [lo, hi] = z.scoreRanks(range);
    return hi - lo;
  },
});

/** ZLEXCOUNT key min max */
export const zlexcount = defineCommand({
  name: 'zlexcount',
  arity: 4,
  flags: ['readonly', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const range = parseLexRange(args[1], args[2]);
    const z = readZset(ctx, args[0]);
    if (z === undefined) return 0;
    const first = z.lexFirst(range);
    if (first < 0) return 0;
    if (z.listpack) {
      // zzl: walk from the first while inside the max end
      let n = 0;
      for (let x = z.nodeAt(first); x !== null && lexLteMax(x.member, range); x = x.succ) n++;
      return n;
    }
    const last = z.lexLast(range);
    return last < 0 ? z.size - first : last - first + 1;
  },
});

type Locate = (z: ZSetValue) => [number, number] | null;

function remrange(name: string, parse: (min: string, max: string) => Locate): CommandSpec {
  return defineCommand({
    name,
    arity: 4,
    flags: ['write'],
    keys: KEY1,
    run(ctx, args) {
      const key = args[0];
      const locate = parse(args[1], args[2]);
      const z = writableZset(ctx, key);
      if (z === undefined) return 0;
      const r = locate(z);
      if (r === null || r[1] <= r[0]) return 0;
      ctx.db.willModify(key);
      const doomed = z.rangeByRank(r[0], r[1] - 1);
      for (const [m] of doomed) z.remove(m);
      ctx.server.notify('z', name, key, ctx.db.id);
      deleteIfEmpty(ctx, key, z);
      ctx.dirty += doomed.length;
      return doomed.length;
    },
  });
}

/** ZREMRANGEBYRANK key start stop */
export const zremrangebyrank = remrange('zremrangebyrank', (a, b) => {
  const start = parseInteger(a);
  const end = parseInteger(b);
  return (z) => {
    const r = clampRanks(start, end, z.size);
    return r === null ? null : [r[0], r[1] + 1];
  };
});

/** ZREMRANGEBYSCORE key min max */
export const zremrangebyscore = remrange('zremrangebyscore', (a, b) => {
  const range = parseScoreRange(a, b);
  return (z) => z.scoreRanks(range);
});

/** ZREMRANGEBYLEX key min max */
export const zremrangebylex = remrange('zremrangebylex', (a, b) => {
  const range = parseLexRange(a, b);
  return (z) => {
    const lo = z.lexDeleteStart(range);
    if (lo < 0) return null;
    let hi = lo;
    for (let x = z.nodeAt(lo); x !== null && lexLteMax(x.member, range); x = x.succ) hi++;
    return [lo, hi];
  };
});

export const zsetCountCommands: readonly CommandSpec[] = [zcount, zlexcount, zremrangebyrank, zremrangebyscore, zremrangebylex];
