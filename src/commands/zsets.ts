/**
 * The sorted-set family (t_zset.c), split by job: zset-add.ts (ZADD ZINCRBY ZREM),
 * zset-range.ts (ZRANGE family, ZRANGESTORE), zset-count.ts (ZCOUNT ZLEXCOUNT ZREMRANGEBY*),
 * zset-misc.ts (ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK), zset-pop.ts (ZPOPMIN ZPOPMAX ZMPOP and
 * the pop step of the blocking forms), zset-random.ts (ZRANDMEMBER ZSCAN). The algebra
 * (ZUNION ...) is zset-algebra.ts, the blocking pops blocking.ts.
 */
import type { CommandSpec } from './table.js';
import { zsetAddCommands } from './zset-add.js';
import { zsetCountCommands } from './zset-count.js';
import { zsetMiscCommands } from './zset-misc.js';
import { zsetPopCommands } from './zset-pop.js';
import { zsetRandomCommands } from './zset-random.js';
import { zsetRangeCommands } from './zset-range.js';

export const zsetCommands: readonly CommandSpec[] = [
  ...zsetAddCommands,
  ...zsetRangeCommands,
  ...zsetCountCommands,
  ...zsetMiscCommands,
  ...zsetPopCommands,
  ...zsetRandomCommands,
];
