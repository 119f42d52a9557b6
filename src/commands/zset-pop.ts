/**
 * The pop step shared by ZPOPMIN/ZPOPMAX/ZMPOP and the blocking BZPOPMIN/BZPOPMAX/BZMPOP
 * (genericZpopCommand's removal half): removes up to `count` members from the min or max side,
 * with willModify, the zpopmin/zpopmax notification, key deletion + 'del' when emptied, and
 * ctx.dirty. Callers format the reply and decide what to propagate (ctx.propagateAs).
 */
import type { ZSetValue } from '../keyspace/types/zset.js';
import { Err, fail } from '../protocol/errors.js';
import { DoubleReply, Reply } from '../protocol/reply.js';
import { isStrictInt, parseInteger, parseMpopArgs } from './args.js';
import type { CommandContext } from './context.js';
import { type CommandSpec, defineCommand } from './table.js';

export function popZset(
  ctx: CommandContext,
  key: string,
  zset: ZSetValue,
  max: boolean,
  count: number,
): Array<[string, number]> {
  const n = Math.min(count, zset.size);
  if (n <= 0) return [];
  ctx.db.willModify(key);
  const out: Array<[string, number]> = new Array(n);
  for (let i = 0; i < n; i++) {
    const node = max ? zset.zsl.tail! : zset.zsl.first()!;
    out[i] = [node.member, node.score];
    zset.remove(node.member);
  }
  ctx.dirty += n;
  ctx.server.notify('z', max ? 'zpopmax' : 'zpopmin', key, ctx.db.id);
  if (zset.size === 0) {
    ctx.db.delete(key);
    ctx.server.notify('g', 'del', key, ctx.db.id);
  }
  return out;
}

// --- ZPOPMIN / ZPOPMAX / ZMPOP ---

const KEY1 = { first: 1, last: 1, step: 1 };

/** The (member, score) pairs: flat, or an array of pairs (ZPOPMIN with a count in RESP3; ZMPOP always). */
export function pairsReply(pairs: Array<[string, number]>, nested: boolean): Reply[] {
  const out: Reply[] = [];
  if (nested) for (const [m, s] of pairs) out.push([m, new DoubleReply(s)]);
  else for (const [m, s] of pairs) out.push(m, new DoubleReply(s));
  return out;
}

function zpopCommand(name: string, max: boolean): CommandSpec {
  return defineCommand({
    name,
    arity: -2,
    flags: ['write', 'fast'],
    keys: KEY1,
    run(ctx, args) {
      if (args.length > 2) fail(Err.syntax);
      let count = -1;
      if (args.length === 2) {
        count = parseInteger(args[1], Err.mustBePositive);
        if (count < 0) fail(Err.mustBePositive);
      }
      const key = args[0];
      const z = ctx.db.getTyped<ZSetValue>(key, 'zset');
      if (z === undefined || count === 0) return [];
      return pairsReply(popZset(ctx, key, z, max, count === -1 ? 1 : count), count !== -1 && ctx.client.resp === 3);
    },
  });
}

/** ZPOPMIN key [count] */
export const zpopmin = zpopCommand('zpopmin', false);
/** ZPOPMAX key [count] */
export const zpopmax = zpopCommand('zpopmax', true);

/** The side words of ZMPOP/BZMPOP, for parseMpopArgs. */
export const ZSET_SIDES = ['min', 'max'] as const;

/** ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] -- propagated as ZPOPMIN/ZPOPMAX key <popped count>. */
export const zmpop = defineCommand({
  name: 'zmpop',
  arity: -4,
  flags: ['write', 'movablekeys'],
  getKeys: (argv) => {
    const n = argv[1] !== undefined && isStrictInt(argv[1]) ? Number(argv[1]) : 0;
    const out: number[] = [];
    for (let i = 0; i < n && 2 + i < argv.length; i++) out.push(2 + i);
    return out;
  },
  run(ctx, args) {
    const { keys, first, count } = parseMpopArgs(args, 0, ZSET_SIDES);
    const max = !first;
    for (const key of keys) {
      const z = ctx.db.getTyped<ZSetValue>(key, 'zset');
      if (z === undefined) continue;
      const popped = popZset(ctx, key, z, max, count);
      ctx.propagateAs = [[max ? 'ZPOPMAX' : 'ZPOPMIN', key, String(popped.length)]];
      return [key, pairsReply(popped, true)];
    }
    return Reply.nilArray();
  },
});

export const zsetPopCommands: readonly CommandSpec[] = [zpopmin, zpopmax, zmpop];
