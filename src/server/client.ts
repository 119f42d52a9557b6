/**
 * Client state: everything Redis keeps per connection that commands may read or change
 * (db, protocol, MULTI queue, WATCH, subscriptions, name), and its CLIENT LIST line.
 * Socket I/O belongs to Connection.
 */
import type { ClientState, QueuedCommand } from '../commands/context.js';
import type { Reply } from '../protocol/reply.js';

export interface ClientIo {
  push(reply: Reply): void;
  closeAfterReply(): void;
}

export class Client implements ClientState {
  name = '';
  dbIndex = 0;
  resp: 2 | 3 = 2;
  authenticated: boolean;
  multi: QueuedCommand[] | null = null;
  multiError = false;
  readonly watch = { dirty: false, keys: [] as Array<{ db: number; key: string; expiredAtWatch: boolean }> };
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  replyMode: 'on' | 'off' | 'skip' | 'skip-next' = 'on';
  noEvict = false;
  readonly createdAt: number;
  lastInteraction: number;
  isMonitor = false;
  /** The replica's link to its master (flag M). */
  isMaster = false;
  /** A replica of ours: SYNC/PSYNC handed the connection to replication (flag S, type replica). */
  isReplica = false;
  /** Set while a blocking command waits (server/blocking.ts). */
  blocked = false;

  constructor(
    readonly id: number,
    readonly addr: string,
    readonly laddr: string,
    readonly fd: number,
    now: number,
    authenticated: boolean,
    private readonly io: ClientIo,
  ) {
    this.createdAt = now;
    this.lastInteraction = now;
    this.authenticated = authenticated;
  }

  push(reply: Reply): void {
    this.io.push(reply);
  }

  closeAfterReply(): void {
    this.io.closeAfterReply();
  }

  /** Connected over the unix socket (flag U). */
  get unixSocket(): boolean {
    return this.addr.startsWith('/');
  }

  /**
   * Redis's client flags string, letters in catClientInfoString's order: O monitor, P pubsub,
   * x in MULTI, b blocked, d a WATCHed key changed, U unix socket, e no-evict; N when none.
   */
  flagString(): string {
    let f = '';
    if (this.isMonitor) f += 'O';
    if (this.isReplica) f += 'S';
    if (this.isMaster) f += 'M';
    if (this.channels.size > 0 || this.patterns.size > 0) f += 'P';
    if (this.multi !== null) f += 'x';
    if (this.blocked) f += 'b';
    if (this.watch.dirty && this.watch.keys.length !== 0) f += 'd';
    if (this.unixSocket) f += 'U';
    if (this.noEvict) f += 'e';
    return f === '' ? 'N' : f;
  }
}
