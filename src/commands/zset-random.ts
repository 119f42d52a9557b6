/**
 * ZRANDMEMBER and ZSCAN. ZRANDMEMBER follows zrandmemberWithCountCommand's cases: a negative
 * count (or 1) samples with repetition, a count >= the size answers the whole zset in order,
 * (highest first), otherwise distinct members are drawn by a partial Fisher-Yates over the dict's slots (a
 * sparse swap map: O(count), uniform, no copy of the zset). ZSCAN answers a listpack-encoded
 * zset whole with cursor 0, in score order, as Redis does, and walks the dict's cursor otherwise.
 */
import { Err, fail } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import { globMatch } from '../util/glob.js';
import { isWord, parseInt64 } from './args.js';
import { parseScanCursor, parseScanOptions } from './keys.js';
import { entriesReply, readZset } from './zset-args.js';
import { type CommandSpec, defineCommand } from './table.js';

const KEY1 = { first: 1, last: 1, step: 1 };
const INT64_MAX = 9223372036854775807n;

/** ZRANDMEMBER key [count [WITHSCORES]] */
export const zrandmember = defineCommand({
  name: 'zrandmember',
  arity: -2,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    if (args.length === 1) {
      const z = readZset(ctx, args[0]);
      if (z === undefined) return null;
      return z.dict.keyAt(z.dict.randomSlot());
    }
    const big = parseInt64(args[1]);
    if (big < -INT64_MAX) fail(Err.countOutOfRange);
    if (args.length > 3 || (args.length === 3 && !isWord(args[2], 'withscores'))) fail(Err.syntax);
    const withScores = args.length === 3;
    if (withScores && (big < -(INT64_MAX / 2n) || big > INT64_MAX / 2n)) fail(Err.valueOutOfRange);
    const z = readZset(ctx, args[0]);
    if (z === undefined || big === 0n) return [];
    const dict = z.dict;
    const size = dict.size;
    const picked: Array<[string, number]> = [];
    if (big < 0n || big === 1n) {
      const n = Number(big < 0n ? -big : big);
      for (let i = 0; i < n; i++) {
        const slot = dict.randomSlot();
        picked.push([dict.keyAt(slot), dict.valueAt(slot)]);
      }
    } else if (big >= BigInt(size)) {
      // the whole zset, highest first (as Redis 7.0 answers this case)
      for (let x = z.zsl.tail; x !== null; x = x.backward) picked.push([x.member, x.score]);
    } else {
      // partial Fisher-Yates over slot numbers; `swapped` holds the displaced ones
      const n = Number(big);
      const swapped = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const j = i + Math.floor(Math.random() * (size - i));
        const slot = swapped.get(j) ?? j;
        swapped.set(j, swapped.get(i) ?? i);
        picked.push([dict.keyAt(slot), dict.valueAt(slot)]);
      }
      // a listpack's lpRandomPairsUnique (count * 3 <= size) answers in listpack order
      if (z.listpack && n * 3 <= size) picked.sort(byScoreThenMember);
    }
    return entriesReply(ctx, picked, withScores);
  },
});

function byScoreThenMember(a: [string, number], b: [string, number]): number {
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** ZSCAN key cursor [MATCH pattern] [COUNT count] */
export const zscan = defineCommand({
  name: 'zscan',
  arity: -3,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    const cursor = parseScanCursor(args[1]);
    const z = readZset(ctx, args[0]);
    if (z === undefined) return ['0', []];
    const { count, pattern } = parseScanOptions(args, 2, false);
    const out: Reply[] = [];
    if (z.listpack) {
      for (const [m, s] of z.entries()) if (pattern === null || globMatch(pattern, m)) out.push(m, z.scanScore(s));
      return ['0', out];
    }
    const dict = z.dict;
    const next = dict.scan(cursor, count, (slot) => {
      const m = dict.keyAt(slot);
      if (pattern === null || globMatch(pattern, m)) out.push(m, z.scanScore(dict.valueAt(slot)));
    });
    return [String(next), out];
  },
});

export const zsetRandomCommands: readonly CommandSpec[] = [zrandmember, zscan];
