/**
 * Generic key commands: DEL, UNLINK, EXISTS, TYPE, TOUCH, KEYS, SCAN, RANDOMKEY, RENAME,
 * RENAMENX, MOVE, COPY, with Redis 7.0's replies, notifications (class 'g') and error texts.
 * Expiry commands live in expire.ts; OBJECT and MEMORY in object.ts.
 *
 * Lookups go through Db.get(), which expires keys lazily (propagating DEL and notifying
 * 'expired' itself), as Redis's lookupKey* do before each command looks at a key.
 */
import type { Db } from '../keyspace/db.js';
import { typeOf, type Value } from '../keyspace/value.js';
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { globMatch } from '../util/glob.js';
import { isWord, parseInt32, parseInteger } from './args.js';
import type { CommandContext } from './context.js';
import { readValue } from './lookup.js';
import { type CommandSpec, defineCommand } from './table.js';

const U64 = 1n << 64n;
const CURSOR_RE = /^[+-]?\d+$/;

function delKeys(ctx: CommandContext, keys: string[]): number {
  let n = 0;
  const db = ctx.db;
  for (const key of keys) {
    // get() first: an expired key is removed (and propagated) as expired, not counted as deleted
    if (db.get(key) === undefined) continue;
    db.delete(key);
    ctx.dirty++;
    ctx.server.notify('g', 'del', key, db.id);
    n++;
  }
  return n;
}

/** DEL key [key ...] */
export const del = defineCommand({
  name: 'del',
  arity: -2,
  flags: ['write'],
  keys: { first: 1, last: -1, step: 1 },
  run: (ctx, keys) => delKeys(ctx, keys),
});

/** UNLINK key [key ...] -- DEL; nodis frees memory through the GC either way. */
export const unlink = defineCommand({
  name: 'unlink',
  arity: -2,
  flags: ['write', 'fast'],
  keys: { first: 1, last: -1, step: 1 },
  run: (ctx, keys) => delKeys(ctx, keys),
});

/** EXISTS and TOUCH look keys up as reads (lookupKeyRead): hits, misses and 'keymiss' count. */
function countExisting(ctx: CommandContext, keys: string[]): number {
  let n = 0;
  for (const key of keys) if (readValue(ctx, key) !== undefined) n++;
  return n;
}

/** EXISTS key [key ...] -- counts repeated keys each time. */
export const exists = defineCommand({
  name: 'exists',
  arity: -2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: -1, step: 1 },
  run: (ctx, keys) => countExisting(ctx, keys),
});

/** TOUCH key [key ...] -- nodis keeps no access clock, so this only counts existing keys. */
export const touch = defineCommand({
  name: 'touch',
  arity: -2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: -1, step: 1 },
  run: (ctx, keys) => countExisting(ctx, keys),
});

/** TYPE key -- status reply: string, list, ..., or none. */
export const type = defineCommand({
  name: 'type',
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key]) {
    const v = readValue(ctx, key);
    return Reply.simple(v === undefined ? 'none' : typeOf(v));
  },
});

/** KEYS pattern -- every live key matching the glob (expired ones are skipped, not deleted, as in 7.0). */
export const keys = defineCommand({
  name: 'keys',
  arity: 2,
  flags: ['readonly'],
  run(ctx, [pattern]) {
    const db = ctx.db;
    const all = pattern === '*'; // Redis special-cases it: "*" also lists the empty key
    const out: Reply[] = [];
    const checkTtl = db.expires.size !== 0;
    for (const key of db.keys()) {
      if (!all && !globMatch(pattern, key)) continue;
      if (checkTtl && db.isExpired(key)) continue;
      out.push(key);
    }
    return out;
  },
});

/** Redis's parseScanCursorOrReply: strtoul semantics (sign allowed, "" is 0), no leading space. */
export function parseScanCursor(s: string): number {
  const nul = s.indexOf('\0'); // strtoul sees a C string: it ends at the first NUL
  if (nul !== -1) s = s.slice(0, nul);
  if (s.length === 0) return 0;
  if (!CURSOR_RE.test(s)) fail(Err.invalidCursor);
  let v = BigInt(s.charCodeAt(0) === 43 ? s.slice(1) : s);
  if (v >= U64 || v <= -U64) fail(Err.invalidCursor);
  if (v < 0n) v += U64;
  // the page table never has more than 2^32 pages: only the low bits matter (as Redis's mask)
  return Number(v & 0xffffffffn);
}

export interface ScanOptions {
  count: number;
  /** null when absent or '*' (matches everything). */
  pattern: string | null;
  typeName: string | null;
}

/** The options of scanGenericCommand from args[from]: MATCH, COUNT (>= 1), and TYPE for SCAN only. */
export function parseScanOptions(args: string[], from: number, allowType: boolean): ScanOptions {
  const o: ScanOptions = { count: 10, pattern: null, typeName: null };
  for (let i = from; i < args.length; i += 2) {
    const opt = args[i];
    if (i + 1 >= args.length) fail(Err.syntax);
    if (isWord(opt, 'count')) {
      o.count = parseInteger(args[i + 1]);
      if (o.count < 1) fail(Err.syntax);
    } else if (isWord(opt, 'match')) {
      o.pattern = args[i + 1] === '*' ? null : args[i + 1];
    } else if (allowType && isWord(opt, 'type')) {
      o.typeName = args[i + 1].toLowerCase();
    } else {
      fail(Err.syntax);
    }
  }
  return o;
}

/** SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] */
export const scan = defineCommand({
  name: 'scan',
  arity: -2,
  flags: ['readonly'],
  run(ctx, args) {
    const cursor = parseScanCursor(args[0]);
    const { count, pattern, typeName } = parseScanOptions(args, 1, true);
    const db = ctx.db;
    const found: string[] = [];
    const next = db.scan(cursor, count, (key) => found.push(key));
    const out: Reply[] = [];
    for (const key of found) {
      if (pattern !== null && !globMatch(pattern, key)) continue;
      const v = db.get(key); // expires (and deletes) as Redis's SCAN does
      if (v === undefined) continue;
      if (typeName !== null && typeOf(v) !== typeName) continue;
      out.push(key);
    }
    return [String(next), out];
  },
});

/** RANDOMKEY -- a random live key; expired keys met on the way are deleted. */
export const randomkey = defineCommand({
  name: 'randomkey',
  arity: 1,
  flags: ['readonly'],
  run(ctx) {
    const db = ctx.db;
    let tries = 100;
    for (;;) {
      const key = db.randomKey();
      if (key === undefined) return Reply.nil();
      if (!db.isExpired(key)) return key;
      if (db.env.deleteExpired) {
        db.get(key); // deletes it (propagated as DEL); look for another
      } else if (--tries === 0) {
        // a replica keeps expired keys until the master's DEL: Redis gives up after 100 tries too
        return key;
      }
    }
  },
});

function renameGeneric(ctx: CommandContext, src: string, dst: string, nx: boolean): Reply {
  const db = ctx.db;
  const value = db.get(src);
  if (value === undefined) fail(Err.noSuchKey);
  if (src === dst) return nx ? 0 : Reply.ok();
  if (db.get(dst) !== undefined) {
    if (nx) return 0;
    db.delete(dst);
  }
  const expire = db.getExpire(src);
  db.delete(src);
  db.set(dst, value);
  if (expire !== undefined) db.setExpire(dst, expire);
  ctx.server.notify('g', 'rename_from', src, db.id);
  ctx.server.notify('g', 'rename_to', dst, db.id);
  ctx.dirty++;
  return nx ? 1 : Reply.ok();
}

/** RENAME key newkey -- keeps the TTL; overwrites newkey (no 'del' event for it, as Redis). */
export const rename = defineCommand({
  name: 'rename',
  arity: 3,
  flags: ['write'],
  keys: { first: 1, last: 2, step: 1 },
  run: (ctx, [src, dst]) => renameGeneric(ctx, src, dst, false),
});

/** RENAMENX key newkey */
export const renamenx = defineCommand({
  name: 'renamenx',
  arity: 3,
  flags: ['write', 'fast'],
  keys: { first: 1, last: 2, step: 1 },
  run: (ctx, [src, dst]) => renameGeneric(ctx, src, dst, true),
});

/** A db by index as SELECT accepts it, or undefined. */
function dbAt(ctx: CommandContext, index: number): Db | undefined {
  return index >= 0 && index < ctx.server.keyspace.dbs.length ? ctx.server.keyspace.dbs[index] : undefined;
}

/** MOVE key db */
export const move = defineCommand({
  name: 'move',
  arity: 3,
  flags: ['write', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key, dbArg]) {
    const dst = dbAt(ctx, parseInt32(dbArg));
    if (dst === undefined) fail(Err.dbIndexOutOfRange);
    const src = ctx.db;
    if (dst === src) fail(Err.sameObject);
    const value = src.get(key);
    if (value === undefined) return 0;
    const expire = src.getExpire(key);
    if (dst.get(key) !== undefined) return 0;
    dst.set(key, value);
    if (expire !== undefined) dst.setExpire(key, expire);
    src.delete(key);
    ctx.server.notify('g', 'move_from', key, src.id);
    ctx.server.notify('g', 'move_to', key, dst.id);
    ctx.dirty++;
    return 1;
  },
});

/**
 * A value for a second key (COPY). Strings are immutable JS strings and can be shared;
 * collection types (a later issue) must provide `clone()`.
 */
function copyValue(v: Value): Value {
  if (typeof v === 'string') return v;
  const c = v as Value & { clone?: () => Value };
  if (typeof c.clone !== 'function') throw new Error(`COPY of a ${v.type} value is not supported yet`);
  return c.clone();
}

/** COPY source destination [DB destination-db] [REPLACE] */
export const copy = defineCommand({
  name: 'copy',
  arity: -3,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 2, step: 1 },
  run(ctx, args) {
    const [srcKey, dstKey] = args;
    let replace = false;
    let dst = ctx.db;
    for (let j = 2; j < args.length; j++) {
      if (isWord(args[j], 'replace')) {
        replace = true;
      } else if (isWord(args[j], 'db') && j + 1 < args.length) {
        const d = dbAt(ctx, parseInt32(args[j + 1]));
        if (d === undefined) fail(Err.dbIndexOutOfRange);
        dst = d;
        j++;
      } else {
        fail(Err.syntax);
      }
    }
    const src = ctx.db;
    if (src === dst && srcKey === dstKey) fail(Err.sameObject);
    const value = src.get(srcKey);
    if (value === undefined) return 0;
    const expire = src.getExpire(srcKey);
    if (dst.get(dstKey) !== undefined) {
      if (!replace) return 0;
      dst.delete(dstKey);
    }
    dst.set(dstKey, copyValue(value));
    if (expire !== undefined) dst.setExpire(dstKey, expire);
    ctx.server.notify('g', 'copy_to', dstKey, dst.id);
    ctx.dirty++;
    return 1;
  },
});

export const keyCommands: CommandSpec[] = [
  del,
  unlink,
  exists,
  touch,
  type,
  keys,
  scan,
  randomkey,
  rename,
  renamenx,
  move,
  copy,
];
