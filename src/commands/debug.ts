/**
 * DEBUG: refused unless enable-debug-command allows it (yes, or local for loopback and unix
 * socket clients), as Redis 7.0's protected commands. Subcommands: SLEEP, SET-ACTIVE-EXPIRE,
 * OBJECT, DIGEST, DIGEST-VALUE (keyspace/digest.ts), RELOAD (the server's persistence service), POPULATE, HELP.
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import type { ListValue } from '../keyspace/types/list.js';
import { quicklistNodes } from '../keyspace/types/quicklist-layout.js';
import type { Value } from '../keyspace/value.js';
import { datasetDigest, valueDigest } from '../keyspace/digest.js';
import { hashKey } from '../keyspace/key-hash.js';
import { isStrictInt } from './args.js';
import type { CommandContext } from './context.js';
import { helpReply } from './server.js';
import { type CommandSpec, defineCommand } from './table.js';

const DEBUG_HELP = [
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'POPULATE <count> [<prefix>] [<size>]',
  "    Create <count> string keys named key:<num>. If <prefix> is specified then",
  "    it is used instead of the 'key' prefix. These are not propagated to",
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Available <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  '    Examples:',
  '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
  '      the database.',
  '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
  '      existing RDB file.',
  '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
  '      file to the database.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
];

/** Whether a client's address is loopback or a unix socket (enable-debug-command local). */
function isLocalClient(ctx: CommandContext): boolean {
  const addr = ctx.server.clients.byId(ctx.client.id)?.addr;
  if (addr === undefined) return true; // internal clients (replay, tests)
  if (addr.startsWith('/')) return true; // unix socket clients are "/unixsocket:0", as in Redis
  return addr.startsWith('127.') || addr.startsWith('[::1]:') || addr.startsWith('[::ffff:127.');
}

function checkEnabled(ctx: CommandContext): void {
  const mode = ctx.server.config.getString('enable-debug-command');
  if (mode === 'yes' || (mode === 'local' && isLocalClient(ctx))) return;
  fail(Err.debugDisabled);
}

/** C's atoi/strtod: the leading number of a string, 0 when there is none. */
function atof(s: string): number {
  const v = parseFloat(s);
  return Number.isFinite(v) ? v : 0;
}

/** A string's encoding as OBJECT ENCODING reports it: int, embstr (<= 44 bytes) or raw. */
export function stringEncoding(s: string): 'int' | 'embstr' | 'raw' {
  if (s.length <= 20 && isStrictInt(s)) return 'int';
  return s.length <= 44 ? 'embstr' : 'raw';
}

/** rdbSavedObjectLen: the value's RDB payload, i.e. its DUMP without type byte, version and CRC. */
function serializedLength(ctx: CommandContext, v: Value): number {
  return ctx.server.dumpCodec.dump(v).length - 11;
}

/** DEBUG OBJECT's quicklist fields: nodes, average elements per node, fill, compression, listpack bytes. */
function quicklistFields(ctx: CommandContext, l: ListValue): string {
  const fill = Math.max(-5, ctx.server.config.getNumber('list-max-listpack-size'));
  const nodes = quicklistNodes(l, fill);
  let bytes = 0;
  for (const n of nodes) bytes += n.bytes;
  const avg = nodes.length === 0 ? 0 : l.length / nodes.length;
  const compressed = ctx.server.config.getNumber('list-compress-depth') !== 0 ? 1 : 0;
  return ` ql_nodes:${nodes.length} ql_avg_node:${avg.toFixed(2)} ql_listpack_max:${fill} ql_compressed:${compressed} ql_uncompressed_size:${bytes}`;
}

/** DEBUG OBJECT's line: Redis prints the object's address; nodis a stable per-key stand-in. */
function objectLine(ctx: CommandContext, key: string, v: Value): string {
  const lru = Math.floor(ctx.server.clock.now() / 1000) & 0xffffff;
  const addr = `0x7f${(hashKey(key) >>> 0).toString(16).padStart(8, '0')}`;
  if (typeof v === 'string') {
    // Redis shares the integers 0..9999 (OBJ_SHARED_INTEGERS): refcount INT_MAX, created at startup
    const shared = v.length <= 4 && isStrictInt(v) && Number(v) >= 0;
    const refcount = shared ? 2147483647 : 1;
    const idle = shared ? Math.floor((ctx.server.clock.now() - ctx.server.admin.startedAt()) / 1000) : 0;
    return `Value at:${addr} refcount:${refcount} encoding:${stringEncoding(v)} serializedlength:${serializedLength(ctx, v)} lru:${lru} lru_seconds_idle:${idle}`;
  }
  return `Value at:${addr} refcount:1 encoding:${v.encoding} serializedlength:${serializedLength(ctx, v)} lru:${lru} lru_seconds_idle:0${v.type === 'list' ? quicklistFields(ctx, v as ListValue) : ''}`;
}

/** Keys past this count are refused as Redis refuses a dict it cannot allocate. */
const POPULATE_MAX = 1 << 28;

/**
 * DEBUG POPULATE count [prefix] [size]: string keys prefix:N = "value:N" (cut or NUL-padded to
 * size), skipping keys that exist; not propagated and not counted as changes, as in Redis.
 */
function populate(ctx: CommandContext, args: string[]): void {
  const count = parsePositiveLong(args[1]);
  if (count > POPULATE_MAX) fail(Err.populateOom);
  const size = args.length === 4 ? parsePositiveLong(args[3]) : 0;
  const prefix = args.length >= 3 ? args[2] : 'key';
  const db = ctx.db;
  for (let j = 0; j < count; j++) {
    let key = `${prefix}:${j}`;
    if (key.length > 127) key = key.slice(0, 127); // snprintf into a 128-byte buffer
    if (db.get(key) !== undefined) continue;
    let val = `value:${j}`;
    if (size !== 0) val = size <= val.length ? val.slice(0, size) : val + '\0'.repeat(size - val.length);
    db.set(key, val);
  }
}

/** getPositiveLongFromObjectOrReply: 0..LONG_MAX, one error for everything else. */
function parsePositiveLong(s: string): number {
  if (!isStrictInt(s) || s.charCodeAt(0) === 45) fail(Err.mustBePositive);
  return Number(s);
}

/** DEBUG <subcommand> [args] */
export const debug = defineCommand({
  name: 'debug',
  arity: -2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(ctx, args) {
    checkEnabled(ctx);
    const sub = args[0].toLowerCase();
    const n = args.length; // Redis's argc - 1
    if (sub === 'help' && n === 1) return helpReply('DEBUG', DEBUG_HELP);
    if (sub === 'sleep' && n === 2) {
      // blocks the event loop on purpose, as Redis's nanosleep blocks the server
      const ms = atof(args[1]) * 1000;
      if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      return Reply.ok();
    }
    if (sub === 'set-active-expire' && n === 2) {
      ctx.server.admin.setActiveExpire(Math.trunc(atof(args[1])) !== 0);
      return Reply.ok();
    }
    if (sub === 'digest' && n === 1) {
      return Reply.simple(datasetDigest(ctx.server.keyspace.dbs).toString('hex'));
    }
    if (sub === 'digest-value') {
      // no lazy expiry: a debug command works on logically expired keys, as Redis's dictFind
      return args.slice(1).map((key) => Reply.simple(valueDigest(ctx.db, key).toString('hex')));
    }
    if (sub === 'object' && n === 2) {
      // no expiry check and no access-time update, as Redis's dictFind
      const v = ctx.db.peek(args[1]);
      if (v === undefined) fail(Err.noSuchKey);
      return Reply.simple(objectLine(ctx, args[1], v));
    }
    if (sub === 'populate' && n >= 2 && n <= 4) {
      populate(ctx, args);
      return Reply.ok();
    }
    if (sub === 'reload') {
      const opts = { merge: false, flush: true, save: true };
      for (const a of args.slice(1)) {
        const w = a.toLowerCase();
        if (w === 'merge') opts.merge = true;
        else if (w === 'noflush') opts.flush = false;
        else if (w === 'nosave') opts.save = false;
        else fail(Err.debugReloadOptions);
      }
      // the reload waits for the disk: it cannot run inside EXEC, where replies are immediate
      if (ctx.inExec) fail(Err.bareErr);
      return ctx.server.persistence.reload(ctx, opts);
    }
    return fail(Err.subcommandSyntax(args[0], 'debug'));
  },
});

export const debugCommands: CommandSpec[] = [debug];
