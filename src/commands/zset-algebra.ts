/**
 * Sorted-set algebra, as t_zset.c's zunionInterDiffGenericCommand: ZUNION ZINTER ZDIFF, their
 * STORE forms and ZINTERCARD. Sets are accepted as inputs (every member scores 1). The order of
 * checks is Redis's: numkeys, then the key lookups (WRONGTYPE), then the options, so a wrong
 * type wins over a syntax error. UNION and INTER visit the inputs smallest first (a stable
 * sort, as glibc's qsort), which fixes the order scores are summed in and so the result of
 * inf + -inf (NaN, taken as 0) chains. A stored result is converted back to listpack when
 * small, as zsetConvertToListpackIfNeeded does.
 * The zset value (types/zset.ts) belongs to the sorted-set core; this file only reads it and
 * builds new ones.
 */
import type { SetValue } from '../keyspace/types/set.js';
import { ZSetValue } from '../keyspace/types/zset.js';
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { isStrictInt, isWord, parseInteger, parseStrtod } from './args.js';
import type { CommandContext } from './context.js';
import { readValue } from './lookup.js';
import { type CommandSpec, defineCommand } from './table.js';

const enum Op {
  Union,
  Inter,
  Diff,
}

const enum Aggregate {
  Sum,
  Min,
  Max,
}

/** One input: its value (undefined for a missing key) and its weight. */
interface Source {
  value: ZSetValue | SetValue | undefined;
  size: number;
  weight: number;
}

/** The parsed call. */
interface Call {
  sources: Source[];
  aggregate: Aggregate;
  withScores: boolean;
  limit: number;
}

// --- parsing ---

/**
 * Parses numkeys, looks the keys up (WRONGTYPE) and scans the options, in Redis's order.
 * `nk` is the index of numkeys in args (0, or 1 for the STORE forms).
 */
function parseCall(ctx: CommandContext, args: string[], nk: number, op: Op, store: boolean, card: boolean, cmd: string): Call {
  const setnum = parseInteger(args[nk]);
  if (setnum < 1) fail(Err.atLeastOneInputKey(cmd));
  if (setnum > args.length - (nk + 1)) fail(Err.syntax);

  const sources: Source[] = new Array<Source>(setnum);
  let j = nk + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = readValue(ctx, args[j]);
    if (v !== undefined && (typeof v === 'string' || (v.type !== 'zset' && v.type !== 'set'))) fail(Err.wrongType);
    const value = v as ZSetValue | SetValue | undefined;
    sources[i] = { value, size: value === undefined ? 0 : value.size, weight: 1 };
  }

  let aggregate = Aggregate.Sum;
  let withScores = false;
  let limit = 0;
  let remaining = args.length - j;
  while (remaining > 0) {
    const arg = args[j];
    if (op !== Op.Diff && !card && remaining >= setnum + 1 && isWord(arg, 'weights')) {
      j++;
      remaining--;
      for (let i = 0; i < setnum; i++, j++, remaining--) sources[i].weight = parseStrtod(args[j], Err.weightNotFloat);
    } else if (op !== Op.Diff && !card && remaining >= 2 && isWord(arg, 'aggregate')) {
      const a = args[j + 1];
      if (isWord(a, 'sum')) aggregate = Aggregate.Sum;
      else if (isWord(a, 'min')) aggregate = Aggregate.Min;
      else if (isWord(a, 'max')) aggregate = Aggregate.Max;
      else fail(Err.syntax);
      j += 2;
      remaining -= 2;
    } else if (!store && !card && isWord(arg, 'withscores')) {
      j++;
      remaining--;
      withScores = true;
    } else if (card && remaining >= 2 && isWord(arg, 'limit')) {
      // getPositiveLongFromObjectOrReply: one message for "not a number" and "negative"
      const s = args[j + 1];
      if (!isStrictInt(s)) fail(Err.limitNegative);
      limit = Number(s);
      if (limit < 0) fail(Err.limitNegative);
      j += 2;
      remaining -= 2;
    } else {
      fail(Err.syntax);
    }
  }
  return { sources, aggregate, withScores, limit };
}

// --- the algebra ---

/** zunionInterAggregate: NaN from a sum (inf + -inf) becomes 0; MIN/MAX ignore a NaN value. */
function aggregateScores(target: number, value: number, aggregate: Aggregate): number {
  if (aggregate === Aggregate.Sum) {
    const sum = target + value;
    return sum !== sum ? 0 : sum;
  }
  if (aggregate === Aggregate.Min) return value < target ? value : target;
  return value > target ? value : target;
}

/** zuiFind: the member's score in a source (1 for a set member), undefined when absent. */
function findScore(value: ZSetValue | SetValue, member: string): number | undefined {
  if (value.type === 'zset') return value.score(member);
  return value.has(member) ? 1 : undefined;
}

/** Visits every (member, score) of a non-empty source, in no particular order. */
function forEachEntry(value: ZSetValue | SetValue, visit: (member: string, score: number) => boolean | void): void {
  if (value.type === 'zset') {
    for (const [m, s] of value.dict.entries()) if (visit(m, s) === false) return;
  } else {
    for (const m of value.members()) if (visit(m, 1) === false) return;
  }
}

function bySize(a: Source, b: Source): number {
  return a.size - b.size;
}

/** ZUNION: member -> aggregated score, the inputs visited smallest first. */
function union(call: Call): Map<string, number> {
  const out = new Map<string, number>();
  const sources = [...call.sources].sort(bySize);
  for (const src of sources) {
    if (src.value === undefined || src.size === 0) continue;
    const w = src.weight;
    forEachEntry(src.value, (m, s) => {
      let score = w * s;
      if (score !== score) score = 0;
      const prev = out.get(m);
      out.set(m, prev === undefined ? score : aggregateScores(prev, score, call.aggregate));
    });
  }
  return out;
}

/**
 * ZINTER: the members of the smallest input found in every other one. With `countOnly`, only
 * counts (ZINTERCARD), stopping at `limit` when it is not 0.
 */
function inter(call: Call, countOnly: boolean): { entries: Array<[string, number]>; count: number } {
  const sources = [...call.sources].sort(bySize);
  const entries: Array<[string, number]> = [];
  let count = 0;
  const first = sources[0];
  if (first.value === undefined || first.size === 0) return { entries, count };
  const n = sources.length;
  const w0 = first.weight;
  forEachEntry(first.value, (m, s) => {
    let score = w0 * s;
    if (score !== score) score = 0;
    let j = 1;
    for (; j < n; j++) {
      const src = sources[j];
      // Both are non-empty: the inputs are sorted by size and the first is not empty.
      const value = src.value!;
      let v: number | undefined = value === first.value ? s : findScore(value, m);
      if (v === undefined) break;
      v *= src.weight;
      if (!countOnly) score = aggregateScores(score, v, call.aggregate);
    }
    if (j !== n) return true;
    count++;
    if (countOnly) return !(call.limit !== 0 && count >= call.limit);
    entries.push([m, score]);
    return true;
  });
  return { entries, count };
}

/** ZDIFF: the members of the first input in none of the others, with their first-input scores. */
function diff(call: Call): Array<[string, number]> {
  const [first, ...rest] = call.sources;
  const out: Array<[string, number]> = [];
  if (first.value === undefined || first.size === 0) return out;
  const others = rest.filter((s) => s.value !== undefined && s.size !== 0).map((s) => s.value!);
  if (others.includes(first.value)) return out;
  forEachEntry(first.value, (m, s) => {
    for (const o of others) if (findScore(o, m) !== undefined) return;
    out.push([m, s]);
  });
  return out;
}

/** Redis's skiplist order: score, then member bytes (latin1 `<` is memcmp). */
function byScoreThenMember(a: [string, number], b: [string, number]): number {
  if (a[1] < b[1]) return -1;
  if (a[1] > b[1]) return 1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function compute(call: Call, op: Op): Array<[string, number]> {
  if (op === Op.Union) return [...union(call)];
  if (op === Op.Inter) return inter(call, false).entries;
  return diff(call);
}

// --- replies and STORE ---

/** The sorted result: members, or with WITHSCORES a flat array (RESP2) / pairs (RESP3). */
function resultReply(ctx: CommandContext, entries: Array<[string, number]>, withScores: boolean): Reply {
  entries.sort(byScoreThenMember);
  const out: Reply[] = [];
  if (!withScores) {
    for (const [m] of entries) out.push(m);
  } else if (ctx.client.resp === 2) {
    for (const [m, s] of entries) out.push(m, Reply.double(s));
  } else {
    for (const [m, s] of entries) out.push([m, Reply.double(s)]);
  }
  return out;
}

const STORE_EVENTS = ['zunionstore', 'zinterstore', 'zdiffstore'] as const;

/**
 * Replaces dst with the result (any old value and TTL go), or deletes it when the result is
 * empty; the reply is the result's size.
 */
function storeResult(ctx: CommandContext, dst: string, entries: Array<[string, number]>, op: Op): Reply {
  const db = ctx.db;
  if (entries.length === 0) {
    if (db.delete(dst)) {
      ctx.server.notify('g', 'del', dst, db.id);
      ctx.dirty++;
    }
    return 0;
  }
  // createZsetObject makes a skiplist; zsetConvertToListpackIfNeeded turns a small one back,
  // and a listpack stores a -0 score as 0 (what ZSCORE then answers).
  const cfg = ctx.server.config;
  let small = entries.length <= cfg.getNumber('zset-max-listpack-entries');
  if (small) {
    const maxValue = cfg.getNumber('zset-max-listpack-value');
    for (const [m] of entries) {
      if (m.length > maxValue) {
        small = false;
        break;
      }
    }
  }
  const z = new ZSetValue();
  z.listpack = small;
  if (small) for (const [m, s] of entries) z.set(m, s === 0 ? 0 : s);
  else for (const [m, s] of entries) z.set(m, s);
  db.get(dst); // lookupKeyWrite in setKey: a key past its TTL expires first ('expired', then 'new')
  db.overwrite(dst, z);
  ctx.server.notify('z', STORE_EVENTS[op], dst, db.id);
  ctx.dirty++;
  return entries.length;
}

// --- key positions ---

/** C's atoi: leading spaces, a sign, digits; 0 when none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Math.trunc(Number(m[1]));
}

/**
 * COMMAND GETKEYS as Redis 7.0 finds these keys: the key specs first (destination, then a
 * keynum range whose count must be a strict integer that fits), and when they fail the
 * getkeys proc (atoi of numkeys; the destination last).
 */
function algebraKeys(store: boolean) {
  const nkIdx = store ? 2 : 1;
  return (argv: readonly string[]): number[] => {
    const s = argv[nkIdx] ?? '';
    const out: number[] = [];
    if (isStrictInt(s)) {
      const n = Number(s);
      if (n >= 1 && nkIdx + n < argv.length) {
        if (store) out.push(1);
        for (let i = 0; i < n; i++) out.push(nkIdx + 1 + i);
        return out;
      }
    }
    const n = atoi(s);
    if (n < 1 || n > argv.length - (nkIdx + 1)) return out;
    for (let i = 0; i < n; i++) out.push(nkIdx + 1 + i);
    if (store) out.push(1);
    return out;
  };
}

// --- commands ---

function readCommand(name: string, op: Op): CommandSpec {
  return defineCommand({
    name,
    arity: -3,
    flags: ['readonly'],
    getKeys: algebraKeys(false),
    run(ctx, args) {
      const call = parseCall(ctx, args, 0, op, false, false, name);
      return resultReply(ctx, compute(call, op), call.withScores);
    },
  });
}

function storeCommand(name: string, op: Op): CommandSpec {
  return defineCommand({
    name,
    arity: -4,
    flags: ['write', 'denyoom'],
    keys: { first: 1, last: 1, step: 1 },
    getKeys: algebraKeys(true),
    run(ctx, args) {
      const call = parseCall(ctx, args, 1, op, true, false, name);
      return storeResult(ctx, args[0], compute(call, op), op);
    },
  });
}

/** ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES] */
export const zunion = readCommand('zunion', Op.Union);
/** ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES] */
export const zinter = readCommand('zinter', Op.Inter);
/** ZDIFF numkeys key [key ...] [WITHSCORES] */
export const zdiff = readCommand('zdiff', Op.Diff);
/** ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] */
export const zunionstore = storeCommand('zunionstore', Op.Union);
/** ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] */
export const zinterstore = storeCommand('zinterstore', Op.Inter);
/** ZDIFFSTORE destination numkeys key [key ...] */
export const zdiffstore = storeCommand('zdiffstore', Op.Diff);

/** ZINTERCARD numkeys key [key ...] [LIMIT limit] */
export const zintercard = defineCommand({
  name: 'zintercard',
  arity: -3,
  flags: ['readonly'],
  getKeys: algebraKeys(false),
  run(ctx, args) {
    const call = parseCall(ctx, args, 0, Op.Inter, false, true, 'zintercard');
    return inter(call, true).count;
  },
});

export const zsetAlgebraCommands: readonly CommandSpec[] = [
  zunionstore,
  zinterstore,
  zdiffstore,
  zunion,
  zinter,
  zdiff,
  zintercard,
];
