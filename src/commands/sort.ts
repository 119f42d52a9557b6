/**
 * SORT and SORT_RO (sort.c) over lists, sets and sorted sets: BY (a pattern with '*' and an
 * optional '->field' hash lookup; a pattern without '*' means "don't sort"), GET ('#', patterns,
 * '->field'), LIMIT, ASC/DESC, ALPHA and STORE (a list; an empty result deletes the
 * destination). Replies match Redis 7.0:
 * - numeric sorting parses with C strtod (leading spaces, hex, inf; "" is 0; NaN and ERANGE are
 *   "One or more scores can't be converted into double"), ties broken by the elements' bytes;
 *   ALPHA compares bytes (strcoll in the C locale: up to a NUL, except with STORE, which compares
 *   whole strings); a missing BY key weighs 0 (numeric) or sorts first (ALPHA);
 * - lists and sorted sets keep their own order when not sorted (DESC reverses it, LIMIT picks a
 *   range: ranks for a sorted set); a set is not sorted either, unless STORE is given, where
 *   Redis forces an ALPHA sort so the stored list is deterministic (Redis does the same inside a
 *   script; nodis has no scripting);
 * - SORT converts a listpack sorted set to a skiplist (zsetConvert in sortCommandGeneric);
 * - every pattern lookup is a lookupKeyRead (hits, misses, keymiss events);
 * - STORE overwrites the destination (its TTL goes), fires 'sortstore', and is propagated as is.
 * The sort itself is JavaScript's stable sort, as glibc's merge-sort qsort under Redis.
 */
import type { HashValue } from '../keyspace/types/hash.js';
import { ListValue } from '../keyspace/types/list.js';
import type { SetValue } from '../keyspace/types/set.js';
import type { ZSetValue } from '../keyspace/types/zset.js';
import { Err, fail } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import { strtodStrict } from '../util/strtod.js';
import { isWord, parseInteger } from './args.js';
import type { CommandContext } from './context.js';
import { readValue } from './lookup.js';
import { type CommandSpec, defineCommand } from './table.js';

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  by: string | null;
  dontsort: boolean;
  gets: string[];
  store: string | null;
}

/** One element to sort: the element, its numeric weight, or its ALPHA compare string (null = missing). */
interface SortItem {
  obj: string;
  score: number;
  cmp: string | null;
}

function parseOptions(args: string[], readonly: boolean): SortOptions {
  const o: SortOptions = {
    desc: false,
    alpha: false,
    limitStart: 0,
    limitCount: -1,
    by: null,
    dontsort: false,
    gets: [],
    store: null,
  };
  for (let j = 1; j < args.length; j++) {
    const a = args[j];
    const left = args.length - j - 1;
    if (isWord(a, 'asc')) o.desc = false;
    else if (isWord(a, 'desc')) o.desc = true;
    else if (isWord(a, 'alpha')) o.alpha = true;
    else if (isWord(a, 'limit') && left >= 2) {
      o.limitStart = parseInteger(args[j + 1]);
      o.limitCount = parseInteger(args[j + 2]);
      j += 2;
    } else if (!readonly && isWord(a, 'store') && left >= 1) {
      o.store = args[++j];
    } else if (isWord(a, 'by') && left >= 1) {
      o.by = args[++j];
      // a BY pattern without '*' is constant: nothing to sort by
      if (!o.by.includes('*')) o.dontsort = true;
    } else if (isWord(a, 'get') && left >= 1) {
      o.gets.push(args[++j]);
    } else fail(Err.syntax);
  }
  return o;
}

/**
 * Redis's lookupKeyByPattern: '#' is the element itself; otherwise the first '*' is replaced by
 * the element, and a '->field' after it reads that field of a hash. null for no value (no '*',
 * missing key, wrong type, missing field).
 */
function lookupByPattern(ctx: CommandContext, pattern: string, subst: string): string | null {
  if (pattern === '#') return subst;
  const p = pattern.indexOf('*');
  if (p === -1) return null;
  const f = pattern.indexOf('->', p + 1);
  const hasField = f !== -1 && f + 2 < pattern.length;
  const key = pattern.slice(0, p) + subst + pattern.slice(p + 1, hasField ? f : pattern.length);
  const v = readValue(ctx, key);
  if (v === undefined) return null;
  if (hasField) {
    if (typeof v === 'string' || v.type !== 'hash') return null;
    return (v as HashValue).get(pattern.slice(f + 2)) ?? null;
  }
  return typeof v === 'string' ? v : null;
}

const C_SPACE = /^[ \t\n\v\f\r]+/;

/** sort.c's strtod check: the whole string (up to a NUL) must parse; "" is 0; NaN/ERANGE fail. */
function sortScore(s: string): number | null {
  const nul = s.indexOf('\0');
  if (nul !== -1) s = s.slice(0, nul);
  if (s.length === 0) return 0;
  return strtodStrict(s.replace(C_SPACE, ''));
}

function cmpBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll in the C locale: bytes, up to the first NUL. */
function cmpColl(a: string, b: string): number {
  const na = a.indexOf('\0');
  const nb = b.indexOf('\0');
  return cmpBytes(na === -1 ? a : a.slice(0, na), nb === -1 ? b : b.slice(0, nb));
}

function comparator(o: SortOptions): (x: SortItem, y: SortItem) => number {
  const sign = o.desc ? -1 : 1;
  const strCmp = o.store !== null ? cmpBytes : cmpColl;
  if (!o.alpha) {
    return (x, y) => sign * (x.score > y.score ? 1 : x.score < y.score ? -1 : cmpBytes(x.obj, y.obj));
  }
  if (o.by !== null) {
    return (x, y) => {
      if (x.cmp === null || y.cmp === null) return sign * (x.cmp === y.cmp ? 0 : x.cmp === null ? -1 : 1);
      return sign * strCmp(x.cmp, y.cmp);
    };
  }
  return (x, y) => sign * strCmp(x.obj, y.obj);
}

function sortGeneric(ctx: CommandContext, args: string[], readonly: boolean): Reply {
  const o = parseOptions(args, readonly);
  const v = readValue(ctx, args[0]);
  let type: 'list' | 'set' | 'zset' = 'list';
  if (v !== undefined) {
    if (typeof v === 'string' || (v.type !== 'list' && v.type !== 'set' && v.type !== 'zset')) fail(Err.wrongType);
    type = v.type as 'list' | 'set' | 'zset';
  }
  // a set in no order is sorted ALPHA when stored, so the stored list is deterministic
  if (o.dontsort && type === 'set' && o.store !== null) {
    o.dontsort = false;
    o.alpha = true;
    o.by = null;
  }
  if (type === 'zset') (v as ZSetValue).listpack = false;
  const size = v === undefined ? 0 : type === 'list' ? (v as ListValue).length : (v as SetValue | ZSetValue).size;

  // LIMIT sanity checks, clamped to the collection's size
  let start = Math.min(Math.max(o.limitStart, 0), size);
  const count = Math.min(Math.max(o.limitCount, -1), size);
  let end = count < 0 ? size - 1 : start + count - 1;
  if (start >= size) {
    start = size - 1;
    end = size - 2;
  }
  if (end >= size) end = size - 1;

  let items: SortItem[];
  const item = (obj: string): SortItem => ({ obj, score: 0, cmp: null });
  if (v === undefined) items = [];
  else if (o.dontsort && type !== 'set') {
    // lists and sorted sets in their own order: load only the LIMIT range
    items = [];
    if (end >= start) {
      if (type === 'list') {
        const list = v as ListValue;
        for (let i = start; i <= end; i++) items.push(item(list.at(o.desc ? size - 1 - i : i)));
      } else {
        const z = v as ZSetValue;
        const range = o.desc ? z.rangeByRank(size - 1 - end, size - 1 - start, true) : z.rangeByRank(start, end);
        for (const [m] of range) items.push(item(m));
      }
    }
    end -= start;
    start = 0;
  } else if (type === 'list') {
    const list = v as ListValue;
    items = new Array<SortItem>(size);
    for (let i = 0; i < size; i++) items[i] = item(list.at(i));
  } else if (type === 'set') {
    items = (v as SetValue).toArray().map(item);
  } else {
    items = [];
    for (const m of (v as ZSetValue).dict.keys()) items.push(item(m));
  }

  let conversionError = false;
  if (!o.dontsort) {
    for (const it of items) {
      let byval: string | null = it.obj;
      if (o.by !== null) {
        byval = lookupByPattern(ctx, o.by, it.obj);
        if (byval === null) continue;
      }
      if (o.alpha) {
        if (o.by !== null) it.cmp = byval;
      } else {
        const score = sortScore(byval);
        if (score === null) conversionError = true;
        else it.score = score;
      }
    }
    items.sort(comparator(o));
  }

  const n = end - start + 1;
  const outputLen = o.gets.length > 0 ? o.gets.length * n : n;
  if (conversionError) fail(Err.sortNotDouble);
  if (o.store === null) {
    const out: Reply[] = new Array(outputLen);
    let k = 0;
    for (let j = start; j <= end; j++) {
      const obj = items[j].obj;
      if (o.gets.length === 0) out[k++] = obj;
      for (const g of o.gets) out[k++] = lookupByPattern(ctx, g, obj);
    }
    return out;
  }
  const dst = o.store;
  if (outputLen > 0) {
    const list = new ListValue(outputLen);
    for (let j = start; j <= end; j++) {
      const obj = items[j].obj;
      if (o.gets.length === 0) list.pushTail(obj);
      for (const g of o.gets) list.pushTail(lookupByPattern(ctx, g, obj) ?? '');
    }
    ctx.db.overwrite(dst, list);
    ctx.server.notify('l', 'sortstore', dst, ctx.db.id);
    ctx.dirty += outputLen;
  } else if (ctx.db.delete(dst)) {
    ctx.server.notify('g', 'del', dst, ctx.db.id);
    ctx.dirty++;
  }
  return outputLen;
}

/**
 * sort.c's sortGetKeys: the sorted key, and the key after the last STORE (LIMIT skips two
 * arguments, GET and BY one each).
 */
function sortGetKeys(argv: readonly string[]): number[] {
  const keys = [1];
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (isWord(a, 'limit')) i += 2;
    else if (isWord(a, 'store') && i + 1 < argv.length) store = i + 1;
    else if (isWord(a, 'get') || isWord(a, 'by')) i += 1;
  }
  if (store !== -1) keys.push(store);
  return keys;
}

/** SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination] */
export const sort = defineCommand({
  name: 'sort',
  arity: -2,
  flags: ['write', 'denyoom', 'movablekeys'],
  keys: { first: 1, last: 1, step: 1 },
  getKeys: sortGetKeys,
  run: (ctx, args) => sortGeneric(ctx, args, false),
});

/** SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] */
export const sortRo = defineCommand({
  name: 'sort_ro',
  arity: -2,
  flags: ['readonly', 'movablekeys'],
  keys: { first: 1, last: 1, step: 1 },
  run: (ctx, args) => sortGeneric(ctx, args, true),
});

export const sortCommands: readonly CommandSpec[] = [sort, sortRo];
