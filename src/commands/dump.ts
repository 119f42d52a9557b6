/**
 * DUMP and RESTORE (Redis cluster.c): a value serialized in Redis's payload format (RDB object type and
 * payload, RDB version, CRC64), so payloads move between nodis and real Redis both ways. The codec lives in
 * persistence/ and is reached through ctx.server.dumpCodec; this file owns the arguments, the keyspace
 * changes, notifications and propagation.
 *
 * nodis keeps no per-key LRU/LFU clock (see object.ts): IDLETIME and FREQ are validated as Redis does and
 * then have nothing to set.
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { isWord, parseInteger } from './args.js';
import { readValue } from './lookup.js';
import { type CommandSpec, defineCommand } from './table.js';

/** DUMP key -- the serialized value at key, or nil. */
export const dump = defineCommand({
  name: 'dump',
  arity: 2,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key]) {
    const value = readValue(ctx, key);
    if (value === undefined) return Reply.nil();
    return ctx.server.dumpCodec.dump(value);
  },
});

/** RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] */
export const restore = defineCommand({
  name: 'restore',
  arity: -4,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, args) {
    const [key, ttlArg, payload] = args;
    let replace = false;
    let absttl = false;
    let idle = -1;
    let freq = -1;
    for (let j = 3; j < args.length; j++) {
      const more = args.length - j - 1;
      if (isWord(args[j], 'replace')) {
        replace = true;
      } else if (isWord(args[j], 'absttl')) {
        absttl = true;
      } else if (isWord(args[j], 'idletime') && more >= 1 && freq === -1) {
        idle = parseInteger(args[j + 1]);
        if (idle < 0) fail(Err.restoreInvalidIdletime);
        j++;
      } else if (isWord(args[j], 'freq') && more >= 1 && idle === -1) {
        freq = parseInteger(args[j + 1]);
        if (freq < 0 || freq > 255) fail(Err.restoreInvalidFreq);
        j++;
      } else {
        fail(Err.syntax);
      }
    }

    const db = ctx.db;
    const exists = db.get(key) !== undefined;
    if (exists && !replace) fail(Err.busyKey);
    let ttl = parseInteger(ttlArg);
    if (ttl < 0) fail(Err.restoreInvalidTtl);

    const decoded = ctx.server.dumpCodec.restore(Buffer.from(payload, 'latin1'));
    if (!decoded.ok) fail(decoded.reason === 'checksum' ? Err.dumpPayload : Err.badDataFormat);

    const deleted = replace && db.delete(key);
    const now = ctx.server.clock.now();
    if (ttl !== 0 && !absttl) ttl += now;
    // checkAlreadyExpired: not while replaying, and not on a replica (which waits for its master's DEL)
    if (ttl !== 0 && ttl <= now && !ctx.replaying && db.env.deleteExpired) {
      if (deleted) {
        ctx.propagateAs = [['DEL', key]];
        ctx.server.notify('g', 'del', key, db.id);
        ctx.dirty++;
      }
      return Reply.ok();
    }
    db.set(key, decoded.value);
    if (ttl !== 0) {
      db.setExpire(key, ttl);
      if (!absttl) {
        // propagate the TTL as an absolute time, as Redis rewrites the command
        const argv = ctx.argv.slice();
        argv[2] = String(ttl);
        argv.push('ABSTTL');
        ctx.propagateAs = [argv];
      }
    }
    ctx.server.notify('g', 'restore', key, db.id);
    ctx.dirty++;
    return Reply.ok();
  },
});

export const dumpCommands: CommandSpec[] = [dump, restore];
