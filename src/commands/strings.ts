/**
 * String commands (t_string.c): GET/SET and their variants, MGET/MSET, APPEND, STRLEN.
 * Counters are in counters.ts, ranges and LCS in string-ranges.ts, bit commands in bits.ts.
 * Values are latin1 strings; every change goes through the Db (page hooks, WATCH) and is
 * propagated by the dispatcher from ctx.dirty / ctx.propagateAs, with relative times made
 * absolute as Redis 7.0 does.
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { parseExpireArg, type ExpireUnit } from './args.js';
import type { CommandContext } from './context.js';
import { readValue } from './lookup.js';
import { readString, setKey, storeKeepTtl, checkStringLength } from './string-values.js';
import { type CommandSpec, defineCommand } from './table.js';

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
      db.overwrite(key, args[1]);
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
    db.overwrite(key, args[j + 1]);
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

export const stringCommands: CommandSpec[] = [
  get, set, setnx, setex, psetex, getset, getdel, getex, mget, mset, msetnx, append, strlen,
];
