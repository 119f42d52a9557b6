/**
 * Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX XX GT LT), TTL, PTTL, EXPIRETIME,
 * PEXPIRETIME, PERSIST, as Redis 7.0's expire.c.
 *
 * A TTL is stored as an absolute time in ms (Db.expires). Relative forms are propagated as
 * PEXPIREAT <ms> (options kept), and a time already in the past deletes the key and is
 * propagated as DEL, so AOF replay and replicas reach the same state. Active expiry is in
 * keyspace.ts, lazy expiry in Db.get().
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { isWord, parseInt64 } from './args.js';
import type { CommandContext } from './context.js';
import { readValue } from './lookup.js';
import { type CommandSpec, defineCommand } from './table.js';

const LLONG_MAX = 9223372036854775807n;
// C's integer division truncates toward zero
const SEC_MAX = LLONG_MAX / 1000n;
const SEC_MIN = -SEC_MAX;

const NX = 1;
const XX = 2;
const GT = 4;
const LT = 8;

/** Redis's parseExtendedExpireArgumentsOrReply: NX|XX|GT|LT after key and time. */
function parseExpireFlags(args: string[]): number {
  let flags = 0;
  for (let j = 2; j < args.length; j++) {
    const opt = args[j];
    if (isWord(opt, 'nx')) flags |= NX;
    else if (isWord(opt, 'xx')) flags |= XX;
    else if (isWord(opt, 'gt')) flags |= GT;
    else if (isWord(opt, 'lt')) flags |= LT;
    else fail(Err.unsupportedOption(opt));
  }
  if (flags & NX && flags & (XX | GT | LT)) fail(Err.expireNxCombined);
  if (flags & GT && flags & LT) fail(Err.expireGtLt);
  return flags;
}

/** lazyfree-lazy-expire: Redis then propagates a past-time EXPIRE as UNLINK instead of DEL. */
function lazyExpire(ctx: CommandContext): boolean {
  try {
    return ctx.server.config.getBool('lazyfree-lazy-expire');
  } catch {
    return false;
  }
}

/**
 * expireGenericCommand: `relative` adds the current time; `seconds` scales by 1000.
 * Overflow checks are done on int64 exactly as Redis does, hence bigint.
 */
function expireGeneric(ctx: CommandContext, args: string[], relative: boolean, seconds: boolean): Reply {
  const [key, param] = args;
  const flags = parseExpireFlags(args);
  let when = parseInt64(param);
  const now = ctx.server.clock.now();
  const base = relative ? BigInt(now) : 0n;
  if (seconds) {
    if (when > SEC_MAX || when < SEC_MIN) fail(Err.invalidExpire(ctx.spec.fullName));
    when *= 1000n;
  }
  if (when > LLONG_MAX - base) fail(Err.invalidExpire(ctx.spec.fullName));
  when += base;

  const db = ctx.db;
  if (db.get(key) === undefined) return 0;
  const whenMs = Number(when);
  if (flags !== 0) {
    const current = db.getExpire(key);
    if (flags & NX && current !== undefined) return 0;
    if (flags & XX && current === undefined) return 0;
    // no TTL counts as an infinite one: GT never passes, LT always does
    if (flags & GT && (current === undefined || whenMs <= current)) return 0;
    if (flags & LT && current !== undefined && whenMs >= current) return 0;
  }
  // checkAlreadyExpired: not while loading/replaying (Redis's server.loading), where the key
  // must keep its past TTL for the expiry that follows
  if (whenMs <= now && !ctx.replaying && db.env.deleteExpired) {
    db.delete(key);
    ctx.dirty++;
    ctx.propagateAs = [[lazyExpire(ctx) ? 'UNLINK' : 'DEL', key]];
    ctx.server.notify('g', 'del', key, db.id);
    return 1;
  }
  db.setExpire(key, whenMs);
  ctx.dirty++;
  if (relative || seconds) {
    const argv = ctx.argv.slice();
    argv[0] = 'PEXPIREAT';
    argv[2] = String(when);
    ctx.propagateAs = [argv];
  }
  ctx.server.notify('g', 'expire', key, db.id);
  return 1;
}

function defineExpire(name: string, relative: boolean, seconds: boolean): CommandSpec {
  return defineCommand({
    name,
    arity: -3,
    flags: ['write', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    run: (ctx, args) => expireGeneric(ctx, args, relative, seconds),
  });
}

/** EXPIRE key seconds [NX|XX|GT|LT] */
export const expire = defineExpire('expire', true, true);
/** PEXPIRE key milliseconds [NX|XX|GT|LT] */
export const pexpire = defineExpire('pexpire', true, false);
/** EXPIREAT key unix-time-seconds [NX|XX|GT|LT] */
export const expireat = defineExpire('expireat', false, true);
/** PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT] */
export const pexpireat = defineExpire('pexpireat', false, false);

/** ttlGenericCommand: -2 no key, -1 no TTL, else remaining (or absolute) time. */
function ttlGeneric(ctx: CommandContext, key: string, ms: boolean, absolute: boolean): Reply {
  const db = ctx.db;
  if (readValue(ctx, key) === undefined) return -2;
  const expire = db.getExpire(key);
  if (expire === undefined) return -1;
  let ttl = absolute ? expire : expire - ctx.server.clock.now();
  if (ttl < 0) ttl = 0;
  return ms ? ttl : Math.trunc((ttl + 500) / 1000);
}

function defineTtl(name: string, ms: boolean, absolute: boolean): CommandSpec {
  return defineCommand({
    name,
    arity: 2,
    flags: ['readonly', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    run: (ctx, [key]) => ttlGeneric(ctx, key, ms, absolute),
  });
}

/** TTL key -- seconds left, rounded. */
export const ttl = defineTtl('ttl', false, false);
/** PTTL key */
export const pttl = defineTtl('pttl', true, false);
/** EXPIRETIME key -- absolute unix time in seconds (rounded, as Redis). */
export const expiretime = defineTtl('expiretime', false, true);
/** PEXPIRETIME key */
export const pexpiretime = defineTtl('pexpiretime', true, true);

/** PERSIST key -- 1 when a TTL was removed. */
export const persist = defineCommand({
  name: 'persist',
  arity: 2,
  flags: ['write', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key]) {
    const db = ctx.db;
    if (db.get(key) === undefined || !db.removeExpire(key)) return 0;
    ctx.server.notify('g', 'persist', key, db.id);
    ctx.dirty++;
    return 1;
  },
});

export const expireCommands: CommandSpec[] = [
  expire,
  pexpire,
  expireat,
  pexpireat,
  ttl,
  pttl,
  expiretime,
  pexpiretime,
  persist,
];
