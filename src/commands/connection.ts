/**
 * Connection commands: PING, ECHO, QUIT, SELECT.
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { parseInt32 } from './args.js';
import { selectDb } from './context.js';
import { type CommandSpec, defineCommand } from './table.js';

/** PING [message] -- PONG, or the message; in RESP2 subscribed mode a ["pong", message] array. */
export const ping = defineCommand({
  name: 'ping',
  arity: -1,
  flags: ['fast'],
  run(ctx, args) {
    if (args.length > 1) fail(Err.wrongArity('ping'));
    const c = ctx.client;
    if (c.resp === 2 && (c.channels.size > 0 || c.patterns.size > 0)) return Reply.array(['pong', args[0] ?? '']);
    return args.length === 0 ? Reply.pong() : Reply.bulk(args[0]);
  },
});

/** ECHO message */
export const echo = defineCommand({
  name: 'echo',
  arity: 2,
  flags: ['loading', 'stale', 'fast'],
  run(_ctx, [message]) {
    return Reply.bulk(message);
  },
});

/** QUIT -- reply OK, then close. */
export const quit = defineCommand({
  name: 'quit',
  arity: -1,
  flags: ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'],
  run(ctx) {
    ctx.client.closeAfterReply();
    return Reply.ok();
  },
});

/** SELECT index */
export const select = defineCommand({
  name: 'select',
  arity: 2,
  flags: ['loading', 'stale', 'fast'],
  run(ctx, [index]) {
    const i = parseInt32(index); // Redis's getIntFromObjectOrReply
    if (i < 0 || i >= ctx.server.keyspace.dbs.length) fail(Err.dbIndexOutOfRange);
    selectDb(ctx, i);
    return Reply.ok();
  },
});

export const connectionCommands: CommandSpec[] = [ping, echo, quit, select];
