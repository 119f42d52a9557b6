/**
 * String commands.
 */
import { Reply } from '../protocol/reply.js';
import { type CommandSpec, defineCommand } from './table.js';

/** GET key */
export const get = defineCommand({
  name: 'get',
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key]) {
    const v = ctx.db.getString(key);
    return v === undefined ? Reply.nil() : v;
  },
});

/** SET key value */
export const set = defineCommand({
  name: 'set',
  arity: -3,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key, value]) {
    ctx.db.overwrite(key, value);
    ctx.dirty++;
    ctx.server.notify('$', 'set', key, ctx.db.id);
    return Reply.ok();
  },
});

export const stringCommands: CommandSpec[] = [get, set];
