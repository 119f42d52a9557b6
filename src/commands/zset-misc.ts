/**
 * Point lookups on a sorted set: ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK (O(1) dict lookups,
 * O(log n) ranks through the skiplist spans).
 */
import { DoubleReply, type Reply } from '../protocol/reply.js';
import { readZset } from './zset-args.js';
import { type CommandSpec, defineCommand } from './table.js';

const KEY1 = { first: 1, last: 1, step: 1 };

/** ZCARD key */
export const zcard = defineCommand({
  name: 'zcard',
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    return readZset(ctx, args[0])?.size ?? 0;
  },
});

/** ZSCORE key member */
export const zscore = defineCommand({
  name: 'zscore',
  arity: 3,
  flags: ['readonly', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const s = readZset(ctx, args[0])?.score(args[1]);
    return s === undefined ? null : new DoubleReply(s);
  },
});

/** ZMSCORE key member [member ...] */
export const zmscore = defineCommand({
  name: 'zmscore',
  arity: -3,
  flags: ['readonly', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    const z = readZset(ctx, args[0]);
    const out: Reply[] = new Array(args.length - 1);
    for (let i = 1; i < args.length; i++) {
      const s = z?.score(args[i]);
      out[i - 1] = s === undefined ? null : new DoubleReply(s);
    }
    return out;
  },
});

function rankCommand(name: string, reverse: boolean): CommandSpec {
  return defineCommand({
    name,
    arity: 3,
    flags: ['readonly', 'fast'],
    keys: KEY1,
    run(ctx, args) {
      const z = readZset(ctx, args[0]);
      if (z === undefined) return null;
      const r = z.rank(args[1]);
      if (r === undefined) return null;
      return reverse ? z.size - 1 - r : r;
    },
  });
}

/** ZRANK key member */
export const zrank = rankCommand('zrank', false);
/** ZREVRANK key member */
export const zrevrank = rankCommand('zrevrank', true);

export const zsetMiscCommands: readonly CommandSpec[] = [zcard, zscore, zmscore, zrank, zrevrank];
