/**
 * Pub/sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB.
 * Who is subscribed to what, and message delivery, belong to server/pubsub.ts (PubSubOps).
 * Confirmations are push replies, one per channel, as Redis's addReplyPubsub*: RESP3 `>3`,
 * RESP2 `*3`. The RESP2 subscribed-mode restrictions are the dispatcher's.
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import type { ClientState, CommandContext } from './context.js';
import { type CommandSpec, defineCommand, defineContainer } from './table.js';

/** Redis's clientSubscriptionsCount: channels plus patterns. */
function subscriptions(c: ClientState): number {
  return c.channels.size + c.patterns.size;
}

/** SUBSCRIBE channel [channel ...] */
export const subscribe = defineCommand({
  name: 'subscribe',
  arity: -2,
  flags: ['pubsub', 'noscript', 'loading', 'stale'],
  run(ctx, channels) {
    const c = ctx.client;
    const out: Reply[] = [];
    for (const ch of channels) {
      ctx.server.pubsub.subscribe(c, ch);
      out.push(Reply.push(['subscribe', ch, subscriptions(c)]));
    }
    return Reply.multi(out);
  },
});

/** UNSUBSCRIBE [channel ...] -- none: every channel; when subscribed to none, one reply with a null channel. */
export const unsubscribe = defineCommand({
  name: 'unsubscribe',
  arity: -1,
  flags: ['pubsub', 'noscript', 'loading', 'stale'],
  run(ctx, channels) {
    return unsubscribeFrom(ctx, channels.length === 0 ? [...ctx.client.channels] : channels, false);
  },
});

/** PSUBSCRIBE pattern [pattern ...] */
export const psubscribe = defineCommand({
  name: 'psubscribe',
  arity: -2,
  flags: ['pubsub', 'noscript', 'loading', 'stale'],
  run(ctx, patterns) {
    const c = ctx.client;
    const out: Reply[] = [];
    for (const p of patterns) {
      ctx.server.pubsub.psubscribe(c, p);
      out.push(Reply.push(['psubscribe', p, subscriptions(c)]));
    }
    return Reply.multi(out);
  },
});

/** PUNSUBSCRIBE [pattern ...] */
export const punsubscribe = defineCommand({
  name: 'punsubscribe',
  arity: -1,
  flags: ['pubsub', 'noscript', 'loading', 'stale'],
  run(ctx, patterns) {
    return unsubscribeFrom(ctx, patterns.length === 0 ? [...ctx.client.patterns] : patterns, true);
  },
});

function unsubscribeFrom(ctx: CommandContext, names: string[], patterns: boolean): Reply {
  const c = ctx.client;
  const kind = patterns ? 'punsubscribe' : 'unsubscribe';
  if (names.length === 0) return Reply.push([kind, null, subscriptions(c)]);
  const out: Reply[] = [];
  for (const n of names) {
    if (patterns) ctx.server.pubsub.punsubscribe(c, n);
    else ctx.server.pubsub.unsubscribe(c, n);
    out.push(Reply.push([kind, n, subscriptions(c)]));
  }
  return Reply.multi(out);
}

/** Drops every subscription of a client (RESET). */
export function unsubscribeAll(ctx: CommandContext): void {
  const c = ctx.client;
  for (const ch of [...c.channels]) ctx.server.pubsub.unsubscribe(c, ch);
  for (const p of [...c.patterns]) ctx.server.pubsub.punsubscribe(c, p);
}

/** PUBLISH channel message -- the number of clients that received it. */
export const publish = defineCommand({
  name: 'publish',
  arity: 3,
  flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'],
  run(ctx, [channel, message]) {
    return ctx.server.pubsub.publish(channel, message);
  },
});

// --- PUBSUB ---

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

const pubsubChannels = defineCommand({
  name: 'channels',
  arity: -2,
  flags: ['pubsub', 'loading', 'stale'],
  run(ctx, args) {
    if (args.length > 1) fail(Err.subcommandSyntax(ctx.argv[1], 'pubsub'));
    return ctx.server.pubsub.channels(args[0]);
  },
});

const pubsubNumsub = defineCommand({
  name: 'numsub',
  arity: -2,
  flags: ['pubsub', 'loading', 'stale'],
  run(ctx, channels) {
    const out: Reply[] = [];
    for (const ch of channels) out.push(ch, ctx.server.pubsub.numsub(ch));
    return out; // a flat array in RESP3 too, as Redis 7.0
  },
});

const pubsubNumpat = defineCommand({
  name: 'numpat',
  arity: 2,
  flags: ['pubsub', 'loading', 'stale'],
  run(ctx) {
    return ctx.server.pubsub.numpat();
  },
});

/** Shard channels (SSUBSCRIBE) do not exist in nodis yet: answer as a server with none. */
const pubsubShardChannels = defineCommand({
  name: 'shardchannels',
  arity: -2,
  flags: ['pubsub', 'loading', 'stale'],
  run(ctx, args) {
    if (args.length > 1) fail(Err.subcommandSyntax(ctx.argv[1], 'pubsub'));
    return [];
  },
});

const pubsubShardNumsub = defineCommand({
  name: 'shardnumsub',
  arity: -2,
  flags: ['pubsub', 'loading', 'stale'],
  run(_ctx, channels) {
    const out: Reply[] = [];
    for (const ch of channels) out.push(ch, 0);
    return out;
  },
});

const pubsubHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  run() {
    return PUBSUB_HELP.map((l) => Reply.simple(l));
  },
});

/** PUBSUB CHANNELS|NUMSUB|NUMPAT|SHARDCHANNELS|SHARDNUMSUB|HELP */
export const pubsub = defineContainer('pubsub', -2, [], [
  pubsubChannels,
  pubsubNumsub,
  pubsubNumpat,
  pubsubShardChannels,
  pubsubShardNumsub,
  pubsubHelp,
]);

export const pubsubCommands: CommandSpec[] = [subscribe, unsubscribe, psubscribe, punsubscribe, publish, pubsub];
