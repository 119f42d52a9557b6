/**
 * The replication stream on its way to the replicas: every chunk fed to the ReplicationState (our
 * records, or our master's stream on a chained replica) is queued here and handed to each replica
 * once per turn of the event loop, or at once past FLUSH_BYTES; each ReplicaConnection then sends,
 * holds (during its snapshot) or drops it. A replica over client-output-buffer-limit replica is closed.
 */
import type { Logger } from '../util/logger.js';
import type { MasterHost } from './master-host.js';
import type { ReplicaConnection } from './replica-connection.js';

/** Stream bytes are held for the replicas until this many are pending (then flushed at once). */
const FLUSH_BYTES = 256 * 1024;

export class StreamFanout {
  /** Stream bytes not yet handed to the replicas. */
  private out = Buffer.allocUnsafe(64 * 1024);
  private outLen = 0;
  private flushScheduled = false;

  constructor(
    private readonly host: MasterHost,
    private readonly replicas: Map<number, ReplicaConnection>,
    private readonly log: Logger,
  ) {}

  /** Every chunk fed to the stream: queued for the replicas (nothing to do without replicas). */
  onFeed(buf: Buffer, start: number, end: number): void {
    if (this.replicas.size === 0) return;
    const need = this.outLen + end - start;
    if (need > this.out.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.out.length * 2));
      this.out.copy(grown, 0, 0, this.outLen);
      this.out = grown;
    }
    buf.copy(this.out, this.outLen, start, end);
    this.outLen = need;
    if (this.outLen >= FLUSH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /** Hands the queued stream bytes to every replica (sent, held during its snapshot, or dropped before it). */
  flush(): void {
    if (this.outLen === 0) return;
    const chunk = Buffer.from(this.out.subarray(0, this.outLen));
    this.outLen = 0;
    if (this.out.length > 1024 * 1024) this.out = Buffer.allocUnsafe(64 * 1024);
    const limit = this.host.replicaOutputLimit();
    const now = this.host.clock.now();
    for (const r of this.replicas.values()) {
      r.stream(chunk);
      if (r.overLimit(limit, now)) this.closeOverLimit(r);
    }
  }

  /** client-output-buffer-limit replica reached: the replica is closed (it will resync). */
  closeOverLimit(r: ReplicaConnection): void {
    this.log.warn(
      `Client id=${r.id} addr=${r.transport.addr} scheduled to be closed ASAP for overcoming of output buffer limits.`,
    );
    r.transport.close();
  }
}
