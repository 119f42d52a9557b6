/**
 * Keyspace notifications (notify-keyspace-events): which classes are on, and publishing
 * `__keyspace@<db>__:<key>` / `__keyevent@<db>__:<event>` messages as Redis does.
 */
import type { NotifyClass } from '../commands/context.js';
import type { PubSubHub } from './pubsub.js';

const ALL_CLASSES = 'g$lshzxetd'; // what 'A' stands for; 'm' and 'n' are never in A

/** Parsed flags; null when the string holds an unknown character. */
export function parseNotifyFlags(s: string): Set<string> | null {
  const out = new Set<string>();
  for (const ch of s) {
    if (ch === 'A') for (const c of ALL_CLASSES) out.add(c);
    else if ('g$lshzxeKEtmdn'.includes(ch)) out.add(ch);
    else return null;
  }
  return out;
}

/** Redis's canonical spelling (keyspaceEventsFlagsToString): CONFIG GET shows this. */
export function formatNotifyFlags(flags: Set<string>): string {
  let res = '';
  if ([...ALL_CLASSES].every((c) => flags.has(c))) res += 'A';
  else for (const c of ALL_CLASSES) if (flags.has(c)) res += c;
  if (flags.has('K')) res += 'K';
  if (flags.has('E')) res += 'E';
  if (flags.has('m')) res += 'm';
  if (flags.has('n')) res += 'n';
  return res;
}

export class KeyspaceNotifier {
  private flags = new Set<string>();

  constructor(private readonly hub: PubSubHub) {}

  configure(flags: Set<string>): void {
    this.flags = flags;
  }

  get enabled(): boolean {
    return this.flags.size > 0;
  }

  notify(cls: NotifyClass, event: string, key: string, dbIndex: number): void {
    const f = this.flags;
    if (f.size === 0 || !f.has(cls)) return;
    if (f.has('K')) this.hub.publish(`__keyspace@${dbIndex}__:${key}`, event);
    if (f.has('E')) this.hub.publish(`__keyevent@${dbIndex}__:${event}`, key);
  }
}
