/**
 * SPOP and SRANDMEMBER (t_set.c spopWithCountCommand / srandmemberWithCountCommand): uniform picks
 * in O(1) each from the set's DenseSet, never copying the set's members per call.
 * - SPOP key: one random member, propagated as SREM key member.
 * - SPOP key count: count >= size returns the whole set and deletes the key (propagated as DEL);
 *   otherwise count random pick-and-removes (each O(1): a swap-remove), propagated as one
 *   SREM per popped member, which the dispatcher wraps in MULTI/EXEC as Redis's alsoPropagate.
 * - SRANDMEMBER key count: negative = independent picks; count >= size = the whole set; else
 *   distinct picks (random-slots.ts: picks into a result set, or copy-and-remove when count is
 *   more than a third of the set).
 */
import { distinctSlots, independentSlots } from '../keyspace/types/random-slots.js';
import { Err, fail } from '../protocol/errors.js';
import { parseInt64, parseInteger } from './args.js';
import { deleteIfEmpty, KEY1, readSet, setReply, writeSet } from './set-access.js';
import { type CommandSpec, defineCommand } from './table.js';

const INT64_MAX = 9223372036854775807n;

/** SPOP key [count] */
export const spop = defineCommand({
  name: 'spop',
  arity: -2,
  flags: ['write', 'fast'],
  keys: KEY1,
  run(ctx, args) {
    if (args.length > 2) fail(Err.syntax);
    const key = args[0];
    if (args.length === 1) {
      const set = writeSet(ctx, key);
      if (set === undefined) return null;
      ctx.db.willModify(key);
      const m = set.random();
      set.remove(m);
      ctx.server.notify('s', 'spop', key, ctx.db.id);
      deleteIfEmpty(ctx, key, set);
      ctx.propagateAs = [['SREM', key, m]];
      ctx.dirty++;
      return m;
    }
    const count = parseInteger(args[1], Err.mustBePositive);
    if (count < 0) fail(Err.mustBePositive);
    const set = writeSet(ctx, key);
    if (set === undefined || count === 0) return setReply([]);
    ctx.server.notify('s', 'spop', key, ctx.db.id);
    if (count >= set.size) {
      const all = set.toArray();
      ctx.db.delete(key);
      ctx.server.notify('g', 'del', key, ctx.db.id);
      ctx.propagateAs = [['DEL', key]];
      ctx.dirty++;
      return setReply(all);
    }
    ctx.db.willModify(key);
    const popped = new Array<string>(count);
    const prop = new Array<string[]>(count);
    const d = set.dict;
    for (let i = 0; i < count; i++) {
      const m = d.keyAt(d.randomSlot());
      d.delete(m);
      popped[i] = m;
      prop[i] = ['SREM', key, m];
    }
    ctx.propagateAs = prop;
    ctx.dirty++;
    return setReply(popped);
  },
});

/** SRANDMEMBER key [count]: a negative count may repeat members; always an array reply (7.0) */
export const srandmember = defineCommand({
  name: 'srandmember',
  arity: -2,
  flags: ['readonly'],
  keys: KEY1,
  run(ctx, args) {
    if (args.length > 2) fail(Err.syntax);
    if (args.length === 1) {
      const set = readSet(ctx, args[0]);
      return set === undefined ? null : set.random();
    }
    const big = parseInt64(args[1]);
    if (big < -INT64_MAX) fail(Err.countOutOfRange);
    const set = readSet(ctx, args[0]);
    if (set === undefined || big === 0n) return [];
    const size = set.size;
    const d = set.dict;
    if (big < 0n) {
      const slots = independentSlots(size, Number(-big));
      const out = new Array<string>(slots.length);
      for (let i = 0; i < slots.length; i++) out[i] = d.keyAt(slots[i]!);
      return out;
    }
    if (big >= BigInt(size)) return set.toArray();
    const slots = distinctSlots(size, Number(big));
    const out = new Array<string>(slots.length);
    for (let i = 0; i < slots.length; i++) out[i] = d.keyAt(slots[i]!);
    return out;
  },
});

export const setRandomCommands: readonly CommandSpec[] = [spop, srandmember];
