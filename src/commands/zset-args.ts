/**
 * Shared pieces of the sorted-set commands: score range bounds (C strtod up to a NUL),
 * lex range items, zset lookups for reading and writing, the encoding update
 * and the (member, score) reply shapes of RESP2/RESP3.
 */
import { ZSetValue } from '../keyspace/types/zset.js';
import type { LexBound, LexRange, ScoreRange } from '../keyspace/types/zset.js';
import { Err, fail } from '../protocol/errors.js';
import { DoubleReply, type Reply } from '../protocol/reply.js';
import type { CommandContext } from './context.js';
import { readValue } from './lookup.js';
import { strtod } from '../util/strtod.js';

/** One end of zslParseRange: strtod up to the C string's end, '(' exclusive, NaN rejected. */
function parseRangeItem(s: string): [number, boolean] | null {
  const ex = s.charCodeAt(0) === 40; /* ( */
  const body = ex ? s.slice(1) : s;
  const nul = body.indexOf('\0');
  const c = nul === -1 ? body : body.slice(0, nul);
  const r = strtod(c);
  if (r.end !== c.length || Number.isNaN(r.value)) return null;
  return [r.value, ex];
}

/** zslParseRange: "min or max is not a float" on a bad bound. */
export function parseScoreRange(min: string, max: string): ScoreRange {
  const a = parseRangeItem(min);
  const b = parseRangeItem(max);
  if (a === null || b === null) fail(Err.zsetMinMaxNotFloat);
  return { min: a[0], minex: a[1], max: b[0], maxex: b[1] };
}

function parseLexItem(s: string): LexBound | null {
  const c = s.charCodeAt(0);
  if (c === 43 /* + */ || c === 45 /* - */) {
    if (s.length > 1 && s.charCodeAt(1) !== 0) return null;
    return c === 43 ? { kind: '+' } : { kind: '-' };
  }
  if (c === 40 /* ( */ || c === 91 /* [ */) return { kind: 'member', member: s.slice(1), exclusive: c === 40 };
  return null;
}

/** zslParseLexRange: "min or max not valid string range item" on a bad bound. */
export function parseLexRange(min: string, max: string): LexRange {
  const a = parseLexItem(min);
  const b = parseLexItem(max);
  if (a === null || b === null) fail(Err.zsetMinMaxNotLex);
  return { min: a, max: b };
}

// --- lookups ---

/** lookupKeyRead for a zset: hits/misses counted; WRONGTYPE for another type. */
export function readZset(ctx: CommandContext, key: string): ZSetValue | undefined {
  const v = readValue(ctx, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && v.type === 'zset') return v as ZSetValue;
  fail(Err.wrongType);
}

/**
 * The zset at key for writing (lookupKeyWrite: no stats); undefined when absent. The caller
 * calls ctx.db.willModify(key) before its first change (not before: WATCH must not fire on
 * a no-op).
 */
export function writableZset(ctx: CommandContext, key: string): ZSetValue | undefined {
  return ctx.db.getTyped<ZSetValue>(key, 'zset');
}

/** A new empty zset, its encoding as ZADD picks it for the first member (7.0's zaddGenericCommand). */
export function newZset(ctx: CommandContext, firstMember: string): ZSetValue {
  const z = new ZSetValue();
  const [maxEntries, maxValue] = zsetLimits(ctx);
  if (maxEntries === 0 || firstMember.length > maxValue) z.listpack = false;
  return z;
}

/** [zset-max-listpack-entries, zset-max-listpack-value] */
export function zsetLimits(ctx: CommandContext): [number, number] {
  const cfg = ctx.server.config;
  return [cfg.getNumber('zset-max-listpack-entries'), cfg.getNumber('zset-max-listpack-value')];
}

/** Deletes an emptied zset's key with the 'del' notification. */
export function deleteIfEmpty(ctx: CommandContext, key: string, z: ZSetValue): void {
  if (z.size !== 0) return;
  ctx.db.delete(key);
  ctx.server.notify('g', 'del', key, ctx.db.id);
}

// --- replies ---

/**
 * Members, optionally with scores: RESP2 a flat array (scores as bulk strings), RESP3 an array
 * of [member, double] pairs when withScores.
 */
export function entriesReply(ctx: CommandContext, entries: Array<[string, number]>, withScores: boolean): Reply[] {
  const out: Reply[] = [];
  if (!withScores) for (const e of entries) out.push(e[0]);
  else if (ctx.client.resp === 3) for (const e of entries) out.push([e[0], new DoubleReply(e[1])]);
  else for (const e of entries) out.push(e[0], new DoubleReply(e[1]));
  return out;
}
