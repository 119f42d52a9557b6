/**
 * A client connection turned replica by SYNC/PSYNC: from then on its output is the raw replication
 * stream (the snapshot payload, then the commands), never replies. server/connection.ts hands the
 * socket over as a ReplicaTransport; this file keeps the per-replica state the master needs:
 * Redis's replstate, the REPLCONF facts (listening port, announced ip, capabilities), the last ACK,
 * the stream bytes held back while the snapshot is being sent, and the replica output limit.
 */

/** The socket of a connection handed over to replication (server/connection.ts implements it). */
export interface ReplicaTransport {
  /** CLIENT ID of the connection. */
  readonly id: number;
  /** Peer address as CLIENT LIST shows it (ip:port). */
  readonly addr: string;
  /** Peer ip. */
  readonly ip: string;
  /** Writes raw bytes (the buffer must not be changed afterwards). */
  write(chunk: Buffer): void;
  /** Bytes written and not yet sent to the kernel. */
  pending(): number;
  /** Closes the connection now. */
  close(): void;
  /** Called once when the connection closes (whoever closed it). */
  onClose(cb: () => void): void;
}

/** What REPLCONF told us before (or after) SYNC/PSYNC. */
export interface ReplicaFacts {
  listeningPort: number;
  ipAddress: string;
  capaEof: boolean;
  capaPsync2: boolean;
}

export function newReplicaFacts(): ReplicaFacts {
  return { listeningPort: 0, ipAddress: '', capaEof: false, capaPsync2: false };
}

/** Redis's SLAVE_STATE_*, as INFO names them (WAIT_BGSAVE_START and _END are both wait_bgsave). */
export type ReplicaPhase = 'wait_bgsave' | 'send_bulk' | 'online';

export class ReplicaConnection {
  phase: ReplicaPhase = 'wait_bgsave';
  /** A snapshot for this replica has started: stream bytes are held in `held` until the payload is sent. */
  buffering = false;
  held: Buffer[] = [];
  heldBytes = 0;
  /** REPLCONF ACK: the replica's offset and when it was received (ms); -1 before any ACK. */
  ackOffset = 0;
  ackTime: number;
  /** The replica ever sent REPLCONF ACK (an old SYNC replica never does: no timeout, lag from creation). */
  acked = false;
  /** SYNC (not PSYNC): no +FULLRESYNC line. */
  readonly oldSync: boolean;
  /** When the output went over the soft limit (ms), 0 when under it. */
  softSince = 0;
  /** Since when a diskless transfer to this replica has been stuck on a full socket (ms), 0 when not. */
  stallSince = 0;
  closed = false;

  constructor(
    readonly transport: ReplicaTransport,
    readonly facts: ReplicaFacts,
    now: number,
    oldSync: boolean,
  ) {
    this.ackTime = now;
    this.oldSync = oldSync;
  }

  get id(): number {
    return this.transport.id;
  }

  /** The ip INFO/ROLE show: REPLCONF ip-address, else the peer's. */
  get ip(): string {
    return this.facts.ipAddress !== '' ? this.facts.ipAddress : this.transport.ip;
  }

  /**
   * After a diskless payload: the stream is held until the replica's first REPLCONF ACK (Redis's
   * repl_start_cmd_stream_on_ack). A replica reading `$EOF:` looks for the mark at the end of what
   * it read, so stream bytes arriving in the same read as the mark would hide it.
   */
  awaitAck = false;

  /** Stream bytes for this replica: sent when online, held while its snapshot is sent, dropped before it starts. */
  stream(chunk: Buffer): void {
    if (this.closed) return;
    if (this.phase === 'online' && !this.awaitAck) this.transport.write(chunk);
    else if (this.buffering) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
    }
  }

  /** The payload is sent: the held stream follows it, and the replica is online. */
  goOnline(): void {
    this.awaitAck = false;
    if (this.closed) return;
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    this.buffering = false;
    this.phase = 'online';
    for (const c of held) this.transport.write(c);
  }

  /** Bytes counted against client-output-buffer-limit replica (the held stream while a snapshot is sent). */
  outputBytes(): number {
    return this.phase === 'online' && !this.awaitAck ? this.transport.pending() : this.heldBytes;
  }

  /**
   * client-output-buffer-limit replica: true when the replica must be closed now (hard limit, or over
   * the soft limit for more than its seconds).
   */
  overLimit(limit: { hard: number; soft: number; softSeconds: number } | null, now: number): boolean {
    if (limit === null) return false;
    const used = this.outputBytes();
    if (limit.hard > 0 && used >= limit.hard) return true;
    if (limit.soft > 0 && used >= limit.soft) {
      if (this.softSince === 0) this.softSince = now;
      else if (Math.floor(now / 1000) - Math.floor(this.softSince / 1000) > limit.softSeconds) return true;
    } else {
      this.softSince = 0;
    }
    return false;
  }
}
