/**
 * CONFIG GET/SET/RESETSTAT/REWRITE/HELP. The directive table and validation are config.ts's;
 * values, side effects and the file rewrite are reached through ctx.server.config (ConfigOps).
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import type { CommandContext } from './context.js';
import { helpReply } from './server.js';
import { type CommandSpec, defineCommand, defineContainer } from './table.js';

/** CONFIG GET parameter [parameter ...] -- a map of every matching name to its value. */
export const configGet = defineCommand({
  name: 'get',
  arity: -3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(ctx, patterns) {
    // Redis collects matches in a case-insensitive dict: each name once, first spelling wins
    const seen = new Set<string>();
    const flat: Reply[] = [];
    for (const pattern of patterns) {
      for (const [name, value] of ctx.server.config.getMatching(pattern)) {
        const key = name.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        flat.push(name, value);
      }
    }
    return Reply.map(flat);
  },
});

/** Loopback TCP or a unix socket: what enable-protected-configs "local" allows. */
function isLocalClient(ctx: CommandContext): boolean {
  const addr = ctx.server.clients.byId(ctx.client.id)?.addr;
  if (addr === undefined) return true; // internal contexts
  return addr.startsWith('/') || addr.startsWith('127.0.0.1:') || addr.startsWith('[::1]:') || addr.startsWith('[::ffff:127.0.0.1]:');
}

/** CONFIG SET parameter value [parameter value ...] -- all or nothing. */
export const configSet = defineCommand({
  name: 'set',
  arity: -4,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(ctx, args) {
    if (args.length % 2 !== 0) fail(Err.syntax);
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < args.length; i += 2) pairs.push([args[i], args[i + 1]]);
    ctx.server.config.set(pairs, isLocalClient(ctx));
    return Reply.ok();
  },
});

/** CONFIG RESETSTAT -- resets INFO's counters, commandstats and errorstats. */
export const configResetstat = defineCommand({
  name: 'resetstat',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(ctx) {
    ctx.server.admin.resetStats();
    return Reply.ok();
  },
});

/** CONFIG REWRITE -- writes the running configuration back into the config file. */
export const configRewrite = defineCommand({
  name: 'rewrite',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(ctx) {
    ctx.server.config.rewrite();
    return Reply.ok();
  },
});

/** CONFIG HELP */
export const configHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  run() {
    return helpReply('CONFIG', [
      'GET <pattern>',
      '    Return parameters matching the glob-like <pattern> and their values.',
      'SET <directive> <value>',
      '    Set the configuration <directive> to <value>.',
      'RESETSTAT',
      '    Reset statistics reported by the INFO command.',
      'REWRITE',
      '    Rewrite the configuration file.',
    ]);
  },
});

export const configCommand = defineContainer('config', -2, [], [configGet, configSet, configResetstat, configRewrite, configHelp]);

export const configCommands: CommandSpec[] = [configCommand];
