/**
 * What the replicas have acknowledged, master side: WAIT numreplicas timeout (a client blocks until
 * enough replicas' REPLCONF ACK offsets reach its last write, Redis's c->woff; one REPLCONF GETACK *
 * per turn of the event loop while clients wait) and min-replicas-to-write / min-replicas-max-lag
 * (the count of online replicas whose last ACK is recent enough, -NOREPLICAS below it). The ACKs
 * themselves are recorded on each ReplicaConnection by master.ts's REPLCONF.
 */
import type { ClientState, CommandContext } from '../commands/context.js';
import { BLOCKED } from '../commands/context.js';
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import type { MasterHost } from './master-host.js';
import type { ReplicaConnection } from './replica-connection.js';
import type { ReplicationState } from './replication-state.js';

/** What WAIT and min-replicas need from the master side. */
export interface AckOwner {
  readonly host: MasterHost;
  readonly state: ReplicationState;
  /** The connected replicas. */
  replicas(): Iterable<ReplicaConnection>;
  /** REPLCONF GETACK * into the stream, flushed, when there are replicas to ask. */
  requestAcks(): void;
}

interface Waiter {
  readonly client: ClientState;
  readonly offset: number;
  readonly numreplicas: number;
  readonly timer: NodeJS.Timeout | null;
}

export class ReplicaAcks {
  private readonly waiters = new Set<Waiter>();
  private getackScheduled = false;
  /** Per-client offset after its last command that propagated (Redis's c->woff). */
  private readonly woff = new WeakMap<ClientState, number>();
  private offsetSeen = 0;
  /** Online replicas with lag <= min-replicas-max-lag (Redis's repl_good_slaves_count). */
  goodReplicas = 0;

  constructor(private readonly owner: AckOwner) {}

  private get host(): MasterHost {
    return this.owner.host;
  }

  // --- WAIT ---

  /** WAIT numreplicas timeout. */
  wait(ctx: CommandContext, numArg: string, timeoutArg: string): Reply {
    if (this.host.replicaSide().isReplica) fail(Err.waitOnReplica);
    const num = parseLongLong(numArg);
    if (!/^-?\d+$/.test(timeoutArg) || !Number.isSafeInteger(Number(timeoutArg))) fail(Err.pauseTimeoutNotInteger);
    const timeout = Number(timeoutArg);
    if (timeout < 0) fail(Err.timeoutNegative);
    const client = ctx.client;
    const offset = this.woff.get(client) ?? 0;
    const acked = this.countAcks(offset);
    if (acked >= num || client.multi !== null || ctx.inExec) return Reply.int(acked);
    const waiter: Waiter = {
      client,
      offset,
      numreplicas: num,
      timer:
        timeout > 0
          ? setTimeout(() => {
              this.waiters.delete(waiter);
              this.host.unblock(client, Reply.int(this.countAcks(offset)));
            }, timeout)
          : null,
    };
    this.waiters.add(waiter);
    this.scheduleGetack();
    return BLOCKED;
  }

  /** Clients are blocked in WAIT. */
  get waiting(): boolean {
    return this.waiters.size > 0;
  }

  /** Replicas whose ACK reached offset. */
  private countAcks(offset: number): number {
    let n = 0;
    for (const r of this.owner.replicas()) if (r.phase === 'online' && r.ackOffset >= offset) n++;
    return n;
  }

  /** After an ACK (and from the cron): answers the waiters that have enough replicas, drops the gone. */
  checkWaiters(): void {
    for (const w of this.waiters) {
      if (!this.host.connected(w.client)) {
        if (w.timer !== null) clearTimeout(w.timer);
        this.waiters.delete(w);
        continue;
      }
      const n = this.countAcks(w.offset);
      if (n >= w.numreplicas) {
        if (w.timer !== null) clearTimeout(w.timer);
        this.waiters.delete(w);
        this.host.unblock(w.client, Reply.int(n));
      }
    }
  }

  /** One REPLCONF GETACK * per turn of the event loop while clients wait (Redis's get_ack_from_slaves). */
  private scheduleGetack(): void {
    if (this.getackScheduled) return;
    this.getackScheduled = true;
    setImmediate(() => {
      this.getackScheduled = false;
      if (this.waiters.size === 0 || this.host.replicaSide().isReplica) return;
      this.owner.requestAcks();
    });
  }

  /** After each command (server's executed hook): remembers the client's write offset (c->woff). */
  afterCommand(client: ClientState): void {
    const off = this.owner.state.offset;
    if (off !== this.offsetSeen) {
      this.offsetSeen = off;
      this.woff.set(client, off);
    }
  }

  // --- min-replicas ---

  /** -NOREPLICAS for writes when fewer than min-replicas-to-write replicas have lag <= min-replicas-max-lag. */
  writeRefusal(isWrite: boolean): string | null {
    if (!isWrite) return null;
    const c = this.host.config;
    const min = c.getNumber('min-replicas-to-write');
    if (min <= 0 || c.getNumber('min-replicas-max-lag') <= 0 || this.host.replicaSide().isReplica) return null;
    return this.goodReplicas < min ? Err.noReplicas : null;
  }

  /** refreshGoodSlavesCount. */
  refreshGoodReplicas(now = this.host.clock.now()): void {
    const maxLag = this.host.config.getNumber('min-replicas-max-lag');
    let n = 0;
    for (const r of this.owner.replicas()) {
      if (r.phase === 'online' && Math.floor((now - r.ackTime) / 1000) <= maxLag) n++;
    }
    this.goodReplicas = n;
  }

  /** Server shutdown: the waiters' timers go (their clients are closed by the server). */
  close(): void {
    for (const w of this.waiters) if (w.timer !== null) clearTimeout(w.timer);
    this.waiters.clear();
  }
}

/** getLongLongFromObjectOrReply for REPLCONF/WAIT numbers. */
export function parseLongLong(s: string): number {
  if (!/^-?\d+$/.test(s)) fail(Err.notInteger);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) fail(Err.notInteger);
  return n;
}
