/**
 * RDB saving commands: SAVE and BGSAVE. The saving itself (snapshot, file, rules, INFO figures) is the
 * server's persistence service, reached through ctx.server.persistence; BGREWRITEAOF goes to ctx.server.aof
 * (the AOF rewriter). LASTSAVE and SHUTDOWN are in server.ts, DEBUG RELOAD in debug.ts.
 */
import { Err, fail } from '../protocol/errors.js';
import { isWord } from './args.js';
import { type CommandSpec, defineCommand } from './table.js';

/** SAVE -- writes the dataset to disk, the server blocked meanwhile; +OK once the file is in place. */
export const save = defineCommand({
  name: 'save',
  arity: 1,
  flags: ['admin', 'noscript', 'no_multi'],
  run(ctx) {
    return ctx.server.persistence.save(ctx);
  },
});

/** BGSAVE [SCHEDULE] -- starts a background save (scheduled for the cron inside MULTI). */
export const bgsave = defineCommand({
  name: 'bgsave',
  arity: -1,
  flags: ['admin', 'noscript'],
  run(ctx, args) {
    let schedule = false;
    if (args.length > 0) {
      if (args.length === 1 && isWord(args[0], 'schedule')) schedule = true;
      else fail(Err.syntax);
    }
    return ctx.server.persistence.bgsave(ctx, schedule);
  },
});

/** BGREWRITEAOF -- starts a background AOF rewrite (scheduled while a BGSAVE runs, or inside MULTI). */
export const bgrewriteaof = defineCommand({
  name: 'bgrewriteaof',
  arity: 1,
  flags: ['admin', 'noscript'],
  run(ctx) {
    return ctx.server.aof.bgrewriteaof(ctx);
  },
});

export const persistenceCommands: CommandSpec[] = [save, bgsave, bgrewriteaof];
