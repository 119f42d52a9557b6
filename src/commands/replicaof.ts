/**
 * REPLICAOF / SLAVEOF: makes this server a replica of another, or (NO ONE) a master again. The
 * link itself (handshake, sync, stream) is the replica side's, reached through ctx.server.replica.
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import type { CommandContext } from './context.js';
import { isWord } from './args.js';
import { type CommandSpec, defineCommand } from './table.js';

function replicaof(ctx: CommandContext, [host, portArg]: string[]): Reply {
  const from = ctx.server.clients.infoLine(ctx.client);
  if (isWord(host, 'no') && isWord(portArg, 'one')) {
    ctx.server.replica.noOne(from);
    return Reply.ok();
  }
  // getRangeLongFromObjectOrReply(0, 65535, "Invalid master port")
  const port = /^-?\d{1,20}$/.test(portArg) ? Number(portArg) : NaN;
  if (!(port >= 0 && port <= 65535)) fail(Err.invalidMasterPort);
  if (!ctx.server.replica.replicaOf(host, port, from)) return Reply.simple('OK Already connected to specified master');
  return Reply.ok();
}

/** REPLICAOF host port | NO ONE */
export const replicaofCmd = defineCommand({
  name: 'replicaof',
  arity: 3,
  flags: ['admin', 'noscript', 'stale'],
  run: replicaof,
});

/** SLAVEOF host port | NO ONE -- the old name of REPLICAOF. */
export const slaveof = defineCommand({
  name: 'slaveof',
  arity: 3,
  flags: ['admin', 'noscript', 'stale'],
  run: replicaof,
});

export const replicaofCommands: CommandSpec[] = [replicaofCmd, slaveof];
