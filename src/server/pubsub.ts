/**
 * Pub/sub registry: who is subscribed to which channel and pattern, and message delivery.
 * Messages go out as push replies (RESP3 `>`, RESP2 arrays) through each client's connection.
 */
import type { ClientState, PubSubOps } from '../commands/context.js';
import { Reply } from '../protocol/reply.js';
import { globMatch } from '../util/glob.js';

export class PubSubHub implements PubSubOps {
  private readonly channelSubs = new Map<string, Set<ClientState>>();
  private readonly patternSubs = new Map<string, Set<ClientState>>();
  messages = 0;

  publish(channel: string, message: string): number {
    let receivers = 0;
    const subs = this.channelSubs.get(channel);
    if (subs !== undefined) {
      // One reply value for every subscriber: each connection encodes it in its own protocol.
      const reply = Reply.push(['message', channel, message]);
      for (const c of subs) c.push(reply);
      receivers += subs.size;
    }
    if (this.patternSubs.size !== 0) {
      for (const [pattern, clients] of this.patternSubs) {
        if (!globMatch(pattern, channel)) continue;
        const reply = Reply.push(['pmessage', pattern, channel, message]);
        for (const c of clients) c.push(reply);
        receivers += clients.size;
      }
    }
    this.messages++;
    return receivers;
  }

  subscribe(client: ClientState, channel: string): boolean {
    if (client.channels.has(channel)) return false;
    client.channels.add(channel);
    let set = this.channelSubs.get(channel);
    if (set === undefined) this.channelSubs.set(channel, (set = new Set()));
    set.add(client);
    return true;
  }

  unsubscribe(client: ClientState, channel: string): boolean {
    if (!client.channels.delete(channel)) return false;
    const set = this.channelSubs.get(channel);
    if (set !== undefined) {
      set.delete(client);
      if (set.size === 0) this.channelSubs.delete(channel);
    }
    return true;
  }

  psubscribe(client: ClientState, pattern: string): boolean {
    if (client.patterns.has(pattern)) return false;
    client.patterns.add(pattern);
    let set = this.patternSubs.get(pattern);
    if (set === undefined) this.patternSubs.set(pattern, (set = new Set()));
    set.add(client);
    return true;
  }

  punsubscribe(client: ClientState, pattern: string): boolean {
    if (!client.patterns.delete(pattern)) return false;
    const set = this.patternSubs.get(pattern);
    if (set !== undefined) {
      set.delete(client);
      if (set.size === 0) this.patternSubs.delete(pattern);
    }
    return true;
  }

  /** Drops every subscription of a disconnecting client. */
  removeClient(client: ClientState): void {
    for (const ch of [...client.channels]) this.unsubscribe(client, ch);
    for (const p of [...client.patterns]) this.punsubscribe(client, p);
  }

  channels(pattern: string | undefined): string[] {
    const out: string[] = [];
    for (const ch of this.channelSubs.keys()) if (pattern === undefined || globMatch(pattern, ch)) out.push(ch);
    return out;
  }

  numsub(channel: string): number {
    return this.channelSubs.get(channel)?.size ?? 0;
  }

  numpat(): number {
    return this.patternSubs.size;
  }
}
