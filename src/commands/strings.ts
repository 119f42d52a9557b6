/**
 * String commands (t_string.c): GET/SET and their variants, counters, ranges, LCS.
 * Bit commands live in bits.ts. Values are latin1 strings; every change goes through the Db
 * (page hooks, WATCH) and is propagated by the dispatcher from ctx.dirty / ctx.propagateAs,
 * with relative times made absolute as Redis 7.0 does.
 */
import { constants } from 'node:buffer';
import { WrongTypeError } from '../keyspace/db.js';
import type { Value } from '../keyspace/value.js';
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { incrByFloat } from '../util/long-double.js';
import { isStrictInt, isWord, parseExpireArg, parseInt64, parseInteger, type ExpireUnit } from './args.js';
import type { CommandContext } from './context.js';
import { type CommandSpec, defineCommand } from './table.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
/** The longest JS string V8 can build. */
export const MAX_STRING_LENGTH = constants.MAX_STRING_LENGTH;

// --- Shared helpers ---

/**
 * Redis's lookupKeyRead: the live value, counting a keyspace hit or miss (INFO stats) and
 * publishing 'keymiss' on a miss. Write lookups (lookupKeyWrite) use ctx.db directly: no stats.
 */
export function readValue(ctx: CommandContext, key: string): Value | undefined {
  const v = ctx.db.get(key);
  if (v === undefined) {
    ctx.server.admin.stats.keyspaceMisses++;
    ctx.server.notify('m', 'keymiss', key, ctx.db.id);
  } else ctx.server.admin.stats.keyspaceHits++;
  return v;
}

/** readValue for a string: throws WrongTypeError for another type. */
export function readString(ctx: CommandContext, key: string): string | undefined {
  const v = readValue(ctx, key);
  if (v === undefined || typeof v === 'string') return v;
  throw new WrongTypeError(key, v.type);
}

/** Stores a value as Redis's setKey does (TTL cleared unless keepTtl), with the 'new' event. */
function setKey(ctx: CommandContext, key: string, value: string, keepTtl: boolean): void {
  const db = ctx.db;
  const added = keepTtl ? db.set(key, value) : db.overwrite(key, value);
  if (added) ctx.server.notify('n', 'new', key, db.id);
}

/** Replaces the value of a key, keeping its TTL (dbOverwrite / dbAdd). */
function storeKeepTtl(ctx: CommandContext, key: string, value: string): void {
  if (ctx.db.set(key, value)) ctx.server.notify('n', 'new', key, ctx.db.id);
}

/**
 * Redis's checkStringLength: appending `extra` bytes to `size` must fit proto-max-bulk-len.
 * V8 caps a string a little below 512MB (MAX_STRING_LENGTH): beyond it nodis answers the same
 * error even when proto-max-bulk-len would allow more (Redis would build the string).
 */
export function checkStringLength(ctx: CommandContext, size: number, extra: number): void {
  const total = size + extra;
  if (total > MAX_STRING_LENGTH) fail(Err.stringTooLong);
  if (ctx.replaying) return;
  if (total > ctx.server.config.getNumber('proto-max-bulk-len')) fail(Err.stringTooLong);
}

// --- GET / SET family ---

/** GET key */
export const get = defineCommand({
  name: 'get',
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, args) {
    const v = readString(ctx, args[0]);
    return v === undefined ? null : v;
  },
});

const F_NX = 1;
const F_XX = 2;
const F_GET = 4;
const F_KEEPTTL = 8;
const F_PERSIST = 16;
const F_EX = 32;
const F_PX = 64;
const F_EXAT = 128;
const F_PXAT = 256;

interface ExtendedArgs {
  flags: number;
  expire: string | undefined;
}

/** Redis's parseExtendedStringArgumentsOrReply: SET's options (isSet) or GETEX's, from args[start]. */
function parseExtendedArgs(args: string[], start: number, isSet: boolean): ExtendedArgs {
  let flags = 0;
  let expire: string | undefined;
  const n = args.length;
  for (let j = start; j < n; j++) {
    const opt = args[j].toLowerCase();
    const hasNext = j < n - 1;
    if (opt === 'nx' && !(flags & F_XX) && isSet) flags |= F_NX;
    else if (opt === 'xx' && !(flags & F_NX) && isSet) flags |= F_XX;
    else if (opt === 'get' && isSet) flags |= F_GET;
    else if (opt === 'keepttl' && !(flags & (F_PERSIST | F_EX | F_EXAT | F_PX | F_PXAT)) && isSet) flags |= F_KEEPTTL;
    else if (opt === 'persist' && !isSet && !(flags & (F_EX | F_EXAT | F_PX | F_PXAT | F_KEEPTTL))) flags |= F_PERSIST;
    else if (opt === 'ex' && !(flags & (F_KEEPTTL | F_PERSIST | F_EXAT | F_PX | F_PXAT)) && hasNext) {
      flags |= F_EX;
      expire = args[++j];
    } else if (opt === 'px' && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PXAT)) && hasNext) {
      flags |= F_PX;
      expire = args[++j];
    } else if (opt === 'exat' && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_PX | F_PXAT)) && hasNext) {
      flags |= F_EXAT;
      expire = args[++j];
    } else if (opt === 'pxat' && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PX)) && hasNext) {
      flags |= F_PXAT;
      expire = args[++j];
    } else fail(Err.syntax);
  }
  return { flags, expire };
}

function unitOf(flags: number): ExpireUnit {
  if (flags & F_EX) return 'ex';
  if (flags & F_PX) return 'px';
  if (flags & F_EXAT) return 'exat';
  return 'pxat';
}

/**
 * Redis's setGenericCommand. `okReply`/`abortReply` are SETNX's 1/0; SET answers OK/nil.
 * A time in the past is stored as is (Redis 7.0 then expires the key lazily or actively).
 */
function setGeneric(
  ctx: CommandContext,
  flags: number,
  key: string,
  value: string,
  expire: string | undefined,
  okReply: Reply,
  abortReply: Reply,
): Reply {
  const db = ctx.db;
  let when = 0;
  if (expire !== undefined) when = parseExpireArg(unitOf(flags), expire, ctx.server.clock.now(), ctx.spec.fullName);
  let old: string | undefined;
  let found: boolean;
  if (flags & F_GET) {
    old = readString(ctx, key); // WRONGTYPE before anything changes
    found = old !== undefined;
  } else {
    found = db.get(key) !== undefined;
  }
  if (((flags & F_NX) && found) || ((flags & F_XX) && !found)) {
    if (flags & F_GET) return old === undefined ? null : old;
    return abortReply;
  }
  setKey(ctx, key, value, (flags & F_KEEPTTL) !== 0);
  ctx.dirty++;
  ctx.server.notify('$', 'set', key, db.id);
  if (expire !== undefined) {
    db.setExpire(key, when);
    ctx.server.notify('g', 'expire', key, db.id);
    if (!(flags & F_PXAT)) ctx.propagateAs = [['SET', key, value, 'PXAT', String(when)]];
  }
  if (flags & F_GET) return old === undefined ? null : old;
  return okReply;
}

/** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL] */
export const set = defineCommand({
  name: 'set',
  arity: -3,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, args) {
    if (args.length === 2) {
      // the benchmark's hot path: no options
      const db = ctx.db;
      const key = args[0];
      if (db.expires.size !== 0) db.get(key); // lazy expiry first, as lookupKeyWrite does
      if (db.overwrite(key, args[1])) ctx.server.notify('n', 'new', key, db.id);
      ctx.dirty++;
      ctx.server.notify('$', 'set', key, db.id);
      return Reply.ok();
    }
    const { flags, expire } = parseExtendedArgs(args, 2, true);
    return setGeneric(ctx, flags, args[0], args[1], expire, Reply.ok(), null);
  },
});

/** SETNX key value -- 1 when set, 0 when the key exists. */
export const setnx = defineCommand({
  name: 'setnx',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key, value]) {
    return setGeneric(ctx, F_NX, key, value, undefined, 1, 0);
  },
});

/** SETEX key seconds value -- propagated as SET key value PXAT <ms>. */
export const setex = defineCommand({
  name: 'setex',
  arity: 4,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key, seconds, value]) {
    return setGeneric(ctx, F_EX, key, value, seconds, Reply.ok(), null);
  },
});

/** PSETEX key milliseconds value -- propagated as SET key value PXAT <ms>. */
export const psetex = defineCommand({
  name: 'psetex',
  arity: 4,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key, ms, value]) {
    return setGeneric(ctx, F_PX, key, value, ms, Reply.ok(), null);
  },
});

/** GETSET key value -- old value; propagated as SET key value. */
export const getset = defineCommand({
  name: 'getset',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key, value]) {
    const old = readString(ctx, key);
    setKey(ctx, key, value, false);
    ctx.server.notify('$', 'set', key, ctx.db.id);
    ctx.dirty++;
    ctx.propagateAs = [['SET', key, value]];
    return old === undefined ? null : old;
  },
});

/** GETDEL key -- the value, then the key is deleted; propagated as DEL key. */
export const getdel = defineCommand({
  name: 'getdel',
  arity: 2,
  flags: ['write', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key]) {
    const v = readString(ctx, key);
    if (v === undefined) return null;
    if (ctx.db.delete(key)) {
      ctx.propagateAs = [['DEL', key]];
      ctx.server.notify('g', 'del', key, ctx.db.id);
      ctx.dirty++;
    }
    return v;
  },
});

/** GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST] */
export const getex = defineCommand({
  name: 'getex',
  arity: -2,
  flags: ['write', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, args) {
    const { flags, expire } = parseExtendedArgs(args, 1, false);
    const db = ctx.db;
    const key = args[0];
    const v = readString(ctx, key);
    if (v === undefined) return null;
    const now = ctx.server.clock.now();
    let when = 0;
    if (expire !== undefined) when = parseExpireArg(unitOf(flags), expire, now, ctx.spec.fullName);
    if ((flags & (F_PXAT | F_EXAT)) && when <= now && !ctx.replaying) {
      // an absolute time already past: delete now (checkAlreadyExpired)
      db.delete(key);
      ctx.propagateAs = [['DEL', key]];
      ctx.server.notify('g', 'del', key, db.id);
      ctx.dirty++;
    } else if (expire !== undefined) {
      db.setExpire(key, when);
      if (!(flags & F_PXAT)) ctx.propagateAs = [['PEXPIREAT', key, String(when)]];
      ctx.server.notify('g', 'expire', key, db.id);
      ctx.dirty++;
    } else if (flags & F_PERSIST) {
      if (db.removeExpire(key)) {
        ctx.propagateAs = [['PERSIST', key]];
        ctx.server.notify('g', 'persist', key, db.id);
        ctx.dirty++;
      }
    }
    return v;
  },
});

/** MGET key [key ...] -- nil for missing keys and for keys of another type. */
export const mget = defineCommand({
  name: 'mget',
  arity: -2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: -1, step: 1 },
  run(ctx, args) {
    const db = ctx.db;
    const out: Reply[] = new Array(args.length);
    for (let i = 0; i < args.length; i++) {
      const v = readValue(ctx, args[i]);
      out[i] = typeof v === 'string' ? v : null;
    }
    return out;
  },
});

function msetGeneric(ctx: CommandContext, args: string[], nx: boolean): Reply {
  if (args.length % 2 !== 0) fail(Err.wrongArity(ctx.spec.fullName));
  const db = ctx.db;
  if (nx) {
    for (let j = 0; j < args.length; j += 2) if (db.get(args[j]) !== undefined) return 0;
  }
  const checkExpired = db.expires.size !== 0;
  for (let j = 0; j < args.length; j += 2) {
    const key = args[j];
    if (checkExpired) db.get(key);
    if (db.overwrite(key, args[j + 1])) ctx.server.notify('n', 'new', key, db.id);
    ctx.server.notify('$', 'set', key, db.id);
  }
  ctx.dirty += args.length / 2;
  return nx ? 1 : Reply.ok();
}

/** MSET key value [key value ...] */
export const mset = defineCommand({
  name: 'mset',
  arity: -3,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: -1, step: 2 },
  run(ctx, args) {
    return msetGeneric(ctx, args, false);
  },
});

/** MSETNX key value [key value ...] -- 1 when all were set, 0 (nothing set) when any exists. */
export const msetnx = defineCommand({
  name: 'msetnx',
  arity: -3,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: -1, step: 2 },
  run(ctx, args) {
    return msetGeneric(ctx, args, true);
  },
});

/** APPEND key value -- the new length. */
export const append = defineCommand({
  name: 'append',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key, value]) {
    const cur = ctx.db.getString(key);
    let next: string;
    if (cur === undefined) {
      next = value;
    } else {
      checkStringLength(ctx, cur.length, value.length);
      next = cur + value;
    }
    storeKeepTtl(ctx, key, next);
    ctx.server.notify('$', 'append', key, ctx.db.id);
    ctx.dirty++;
    return next.length;
  },
});

/** STRLEN key */
export const strlen = defineCommand({
  name: 'strlen',
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key]) {
    const v = readString(ctx, key);
    return v === undefined ? 0 : v.length;
  },
});

// --- Counters ---

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

// --- Ranges ---

function getrangeRun(ctx: CommandContext, [key, startArg, endArg]: string[]): Reply {
  let start = parseInteger(startArg);
  let end = parseInteger(endArg);
  const v = readString(ctx, key);
  if (v === undefined) return '';
  const len = v.length;
  if (start < 0 && end < 0 && start > end) return '';
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return '';
  return v.slice(start, end + 1);
}

/** GETRANGE key start end */
export const getrange = defineCommand({
  name: 'getrange',
  arity: 4,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  run: getrangeRun,
});

/** SUBSTR key start end -- the old name of GETRANGE. */
export const substr = defineCommand({
  name: 'substr',
  arity: 4,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  run: getrangeRun,
});

/** SETRANGE key offset value -- the new length; zero-pads as needed. */
export const setrange = defineCommand({
  name: 'setrange',
  arity: 4,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key, offsetArg, value]) {
    const offset = parseInteger(offsetArg);
    if (offset < 0) fail(Err.offsetOutOfRange);
    const cur = ctx.db.getString(key);
    if (cur === undefined) {
      if (value.length === 0) return 0;
    } else if (value.length === 0) {
      return cur.length;
    }
    checkStringLength(ctx, offset, value.length);
    const base = cur ?? '';
    let next: string;
    if (offset >= base.length) next = base + '\0'.repeat(offset - base.length) + value;
    else next = base.slice(0, offset) + value + base.slice(offset + value.length);
    storeKeepTtl(ctx, key, next);
    ctx.server.notify('$', 'setrange', key, ctx.db.id);
    ctx.dirty++;
    return next.length;
  },
});

// --- LCS ---

/** LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] -- as Redis's lcsCommand. */
export const lcs = defineCommand({
  name: 'lcs',
  arity: -3,
  flags: ['readonly'],
  keys: { first: 1, last: 2, step: 1 },
  run(ctx, args) {
    const va = readValue(ctx, args[0]);
    const vb = readValue(ctx, args[1]);
    if ((va !== undefined && typeof va !== 'string') || (vb !== undefined && typeof vb !== 'string')) {
      fail(Err.lcsNotStrings);
    }
    const a = va ?? '';
    const b = vb ?? '';
    let getlen = false;
    let getidx = false;
    let withmatchlen = false;
    let minmatchlen = 0;
    for (let j = 2; j < args.length; j++) {
      const moreargs = args.length - 1 - j;
      if (isWord(args[j], 'idx')) getidx = true;
      else if (isWord(args[j], 'len')) getlen = true;
      else if (isWord(args[j], 'withmatchlen')) withmatchlen = true;
      else if (isWord(args[j], 'minmatchlen') && moreargs > 0) {
        minmatchlen = parseInteger(args[++j]);
        if (minmatchlen < 0) minmatchlen = 0;
      } else fail(Err.syntax);
    }
    if (getidx && getlen) fail(Err.lcsIdxAndLen);
    const alen = a.length;
    const blen = b.length;
    const w = blen + 1;
    if ((alen + 1) * w * 4 > ctx.server.config.getNumber('proto-max-bulk-len')) fail(Err.lcsTooBig);
    const t = new Uint32Array((alen + 1) * w);
    for (let i = 1; i <= alen; i++) {
      const ca = a.charCodeAt(i - 1);
      const row = i * w;
      const prev = row - w;
      for (let j = 1; j <= blen; j++) {
        if (ca === b.charCodeAt(j - 1)) t[row + j] = t[prev + j - 1] + 1;
        else {
          const l1 = t[prev + j];
          const l2 = t[row + j - 1];
          t[row + j] = l1 > l2 ? l1 : l2;
        }
      }
    }
    const total = t[alen * w + blen];
    const computelcs = getidx || !getlen;
    if (!computelcs) return total;
    const result: number[] = new Array(total);
    const matches: Reply[] = [];
    let idx = total;
    let arangeStart = alen; // alen: no range open
    let arangeEnd = 0;
    let brangeStart = 0;
    let brangeEnd = 0;
    let i = alen;
    let j = blen;
    while (i > 0 && j > 0) {
      let emit = false;
      if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
        result[idx - 1] = a.charCodeAt(i - 1);
        if (arangeStart === alen) {
          arangeStart = i - 1;
          arangeEnd = i - 1;
          brangeStart = j - 1;
          brangeEnd = j - 1;
        } else if (arangeStart === i && brangeStart === j) {
          arangeStart--;
          brangeStart--;
        } else emit = true;
        if (arangeStart === 0 || brangeStart === 0) emit = true;
        idx--;
        i--;
        j--;
      } else {
        const l1 = t[(i - 1) * w + j];
        const l2 = t[i * w + j - 1];
        if (l1 > l2) i--;
        else j--;
        if (arangeStart !== alen) emit = true;
      }
      const matchLen = arangeEnd - arangeStart + 1;
      if (emit) {
        if (getidx && (minmatchlen === 0 || matchLen >= minmatchlen)) {
          const m: Reply[] = [
            [arangeStart, arangeEnd],
            [brangeStart, brangeEnd],
          ];
          if (withmatchlen) m.push(matchLen);
          matches.push(m);
        }
        arangeStart = alen;
      }
    }
    if (getidx) return Reply.map(['matches', matches, 'len', total]);
    return lcsString(result);
  },
});

function lcsString(codes: number[]): string {
  let s = '';
  for (let k = 0; k < codes.length; k += 8192) s += String.fromCharCode(...codes.slice(k, k + 8192));
  return s;
}

export const stringCommands: CommandSpec[] = [
  get, set, setnx, setex, psetex, getset, getdel, getex, mget, mset, msetnx, append, strlen,
  incr, decr, incrby, decrby, incrbyfloat, getrange, substr, setrange, lcs,
];
