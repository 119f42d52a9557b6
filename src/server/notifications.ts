/**
 * Keyspace notifications (notify-keyspace-events): which classes are on (validation and the
 * canonical spelling CONFIG GET shows live in config.ts), and publishing `__keyspace@<db>__:<key>` / `__keyevent@<db>__:<event>`
 * messages as Redis's notifyKeyspaceEvent does. Commands call ServerOps.notify; this file only
 * decides whether and where to publish.
 */
import type { NotifyClass } from '../commands/context.js';
import type { PubSubHub } from './pubsub.js';

/** What 'A' stands for (NOTIFY_ALL): 'm' (key miss) and 'n' (new key) are never in A. */
const ALL_CLASSES = 'g$lshzxetd';
const VALID = 'g$lshzxeKEtmdn';

/** Parsed flags; null when the string holds an unknown character (keyspaceEventsStringToFlags). */
export function parseNotifyFlags(s: string): Set<string> | null {
  const out = new Set<string>();
  for (const ch of s) {
    if (ch === 'A') for (const c of ALL_CLASSES) out.add(c);
    else if (VALID.includes(ch)) out.add(ch);
    else return null;
  }
  return out;
}

export class KeyspaceNotifier {
  private flags = new Set<string>();
  private keyspace = false;
  private keyevent = false;

  constructor(private readonly hub: PubSubHub) {}

  configure(flags: Set<string>): void {
    this.flags = flags;
    this.keyspace = flags.has('K');
    this.keyevent = flags.has('E');
  }

  get enabled(): boolean {
    return this.keyspace || this.keyevent;
  }

  notify(cls: NotifyClass, event: string, key: string, dbIndex: number): void {
    // Fast exit for the common case (notifications off): called on every write.
    if (!this.keyspace && !this.keyevent) return;
    if (!this.flags.has(cls)) return;
    if (this.keyspace) this.hub.publish(`__keyspace@${dbIndex}__:${key}`, event);
    if (this.keyevent) this.hub.publish(`__keyevent@${dbIndex}__:${event}`, key);
  }
}
