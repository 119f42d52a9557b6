/**
 * One client connection: socket in, socket out. Chunks go to the RequestReader, each request to
 * the dispatcher, each reply into the connection's OutputBuffer; everything a read produced is
 * flushed once after it (pipelined replies batched per read). Protocol errors are answered and
 * the connection closed; other clients are unaffected.
 */
import type net from 'node:net';
import { BLOCKED, type CommandContext, newCommandContext } from '../commands/context.js';
import { OutputBuffer } from '../protocol/output-buffer.js';
import { ErrorReply, MultiReply, PushReply, type Reply } from '../protocol/reply.js';
import { writeReply } from '../protocol/reply-writer.js';
import { RequestReader } from '../protocol/request-reader.js';
import type { ReplicaTransport } from '../replication/replica-connection.js';
import { Client } from './client.js';
import type { ServerCore } from './server-core.js';

export class Connection {
  readonly client: Client;
  readonly ctx: CommandContext;
  private readonly reader: RequestReader;
  private readonly out = new OutputBuffer();
  private closing = false;
  private closed = false;
  /** A protocol error went unanswered (CLIENT REPLY OFF): input is ignored from then on. */
  private deaf = false;
  /** socket.end() was called (closing after the pending replies). */
  private ending = false;
  private flushScheduled = false;
  /** Requests held while clients are paused (CLIENT PAUSE), in arrival order; null when none. */
  private held: string[][] | null = null;
  /** A protocol error read after held requests: answered once they have run. */
  private heldProtocolError: string | null = null;
  /** When the output buffer first went over the soft limit (ms), or 0. */
  private softLimitSince = 0;
  /** SYNC/PSYNC made this a replica: output is the raw replication stream, replies are dropped. */
  private replicaOut = false;
  private replicaClosed: (() => void) | null = null;

  constructor(
    readonly socket: net.Socket,
    private readonly core: ServerCore,
    id: number,
  ) {
    const addr = socket.remoteFamily === 'IPv6' ? `[${socket.remoteAddress}]:${socket.remotePort}` : `${socket.remoteAddress}:${socket.remotePort}`;
    const laddr = socket.localFamily === 'IPv6' ? `[${socket.localAddress}]:${socket.localPort}` : `${socket.localAddress}:${socket.localPort}`;
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    this.client = new Client(
      id,
      socket.remoteAddress === undefined ? '/unixsocket:0' : addr,
      socket.localAddress === undefined ? core.unixSocketPath() : laddr,
      fd,
      core.clock.now(),
      !core.authRequired(),
      { push: (r) => this.push(r), closeAfterReply: () => this.closeAfterReply() },
    );
    this.ctx = newCommandContext(this.client, core.ops);
    this.reader = new RequestReader(
      { command: (argv) => this.onCommand(argv) },
      core.readerLimits,
      () => !this.client.authenticated && core.authRequired(),
    );
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => core.log.debug({ client: this.client.addr, err: err.message }, 'client socket error'));
    socket.on('close', () => this.onClose());
    socket.on('drain', () => this.checkOutputLimits());
  }

  private onData(chunk: Buffer): void {
    if (this.closing || this.deaf) return;
    this.core.stats.totalNetInput += chunk.length;
    this.client.lastInteraction = this.core.clock.now();
    const r = this.reader.feed(chunk);
    if (r.kind === 'protocol-error') {
      // a QUIT earlier in the chunk already ended the conversation: Redis stops reading there
      if (this.closing) {
        this.flush();
        return;
      }
      if (this.held !== null) {
        // requests before the bad frame wait for CLIENT PAUSE to end: the error follows their replies
        this.heldProtocolError = r.message;
        return;
      }
      this.protocolError(r.message);
      return;
    } else if (r.kind === 'query-buffer-limit') {
      this.core.log.warn({ client: this.client.addr }, 'Closing client that reached max query buffer length');
      // requests before the oversized one ran (Redis would have read them in earlier reads):
      // their replies go out, then the connection closes without a reply
      this.flush();
      this.close();
      return;
    }
    this.flush();
  }

  /** Answers a protocol error, then closes after the reply (unless CLIENT REPLY silences it). */
  private protocolError(message: string): void {
    this.core.log.debug({ client: this.client.addr, error: message }, 'protocol error');
    // counted like any error reply (INFO stats and errorstats), even when silenced
    const stats = this.core.stats;
    stats.errorReplies++;
    stats.errorCounts.set('ERR', (stats.errorCounts.get('ERR') ?? 0) + 1);
    const silenced = this.client.replyMode !== 'on';
    this.write(new ErrorReply(message));
    if (silenced) {
      // CLIENT REPLY OFF/SKIP silences the error; Redis then never gets to close the client
      // (it closes after the last reply is written) and reads nothing more from it
      this.deaf = true;
    } else {
      this.closeAfterReply();
    }
    this.flush();
  }

  private onCommand(argv: string[]): void {
    if (this.closing) return;
    // CLIENT PAUSE: once a request waits, the ones behind it wait too (replies stay in order)
    if ((this.held !== null || this.core.clients.pauseActive) && this.mustHold(argv)) return;
    const reply = this.core.execute(this, argv);
    // a blocking command waits: later requests queue behind it until unblocked()
    if (reply === BLOCKED) this.held ??= [];
    else this.write(reply);
  }

  /** The blocked command got its reply (served, timed out, CLIENT UNBLOCK): send it, then run what queued. */
  unblocked(reply: Reply): void {
    if (this.closing) return;
    this.write(reply);
    // as Redis's processUnblockedClients: after the current command, never nested in it
    setImmediate(() => {
      if (this.held !== null && !this.client.blocked) this.resumeHeld();
      else this.flush();
    });
  }

  private mustHold(argv: string[]): boolean {
    if (this.held === null && !this.core.clients.mustWait(this, argv)) return false;
    if (this.held === null) {
      this.held = [];
      this.core.clients.holdUntilUnpause(this);
    }
    this.held.push(argv);
    return true;
  }

  /** The pause ended: runs the held requests in order (until one must wait for a new pause). */
  resumeHeld(): void {
    const held = this.held;
    if (held === null) return;
    this.held = null;
    for (const argv of held) this.onCommand(argv);
    const message = this.heldProtocolError;
    if (message !== null && this.held === null) {
      this.heldProtocolError = null;
      if (!this.closing) return this.protocolError(message);
    }
    this.flush();
  }

  /**
   * SYNC/PSYNC: hands the socket over to replication. Pending replies go out first; from now on the
   * replication master writes raw stream bytes and replies (REPLCONF ACK has none) are dropped.
   */
  becomeReplica(): ReplicaTransport {
    this.flush();
    this.replicaOut = true;
    this.client.isReplica = true;
    const socket = this.socket;
    return {
      id: this.client.id,
      addr: this.client.addr,
      ip: socket.remoteAddress?.replace(/^::ffff:/, '') ?? '',
      write: (chunk) => {
        if (!this.closed) socket.write(chunk);
      },
      pending: () => socket.writableLength,
      close: () => this.close(),
      onClose: (cb) => {
        this.replicaClosed = cb;
      },
    };
  }

  /** Writes a reply honouring CLIENT REPLY. */
  write(reply: Reply): void {
    if (this.replicaOut) return;
    const mode = this.client.replyMode;
    if (mode === 'on') {
      writeReply(this.out, reply, this.client.resp);
      return;
    }
    if (mode === 'skip') this.client.replyMode = 'on';
    else if (mode === 'skip-next') this.client.replyMode = 'skip'; // CLIENT REPLY SKIP has no reply; the next one is dropped
    // (P)SUBSCRIBE confirmations are pushes: sent whatever CLIENT REPLY says (Redis's CLIENT_PUSHING)
    if (reply instanceof PushReply || (reply instanceof MultiReply && reply.replies[0] instanceof PushReply)) {
      writeReply(this.out, reply, this.client.resp);
    }
  }

  /** Out-of-band reply (pub/sub message, MONITOR line, unblocked client): flushed soon. */
  push(reply: Reply): void {
    if (this.closing || this.replicaOut) return;
    writeReply(this.out, reply, this.client.resp);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    const parts = this.out.take();
    // appendfsync always: replies wait until the records before them are durable (aof-persistence.ts)
    if (parts !== null && !this.closed && !this.core.aof.holdsReplies(this, parts)) this.sendHeld(parts);
    if (this.closing && !this.closed && !this.ending && !this.core.aof.holding(this)) {
      // like Redis's close() after the last reply: no half-open socket left to a peer that keeps sending
      this.ending = true;
      this.socket.end(() => this.socket.destroy());
    }
  }

  /** Writes reply bytes to the socket: flush(), and the AOF releasing replies it held for fsync. */
  sendHeld(parts: Buffer[]): void {
    if (!this.closed) {
      let bytes = 0;
      if (parts.length === 1) {
        bytes = parts[0].length;
        this.socket.write(parts[0]);
      } else {
        this.socket.cork();
        for (const p of parts) {
          bytes += p.length;
          this.socket.write(p);
        }
        this.socket.uncork();
      }
      this.core.stats.totalNetOutput += bytes;
      this.checkOutputLimits();
    }
  }

  /** client-output-buffer-limit: hard limit closes at once, soft limit after its seconds. */
  private checkOutputLimits(): void {
    // a replica's limit is the replication master's (client-output-buffer-limit replica)
    if (this.replicaOut) return;
    const pending = this.socket.writableLength + this.out.pending;
    if (pending === 0) {
      // the usual case (the socket took everything): no limit can be reached, as the else branch below
      this.softLimitSince = 0;
      return;
    }
    const limit = this.core.outputLimit(this.client);
    if (limit === null) return;
    const now = this.core.clock.now();
    if (limit.hard > 0 && pending >= limit.hard) {
      this.core.log.warn({ client: this.client.addr, pending }, 'Client scheduled to be closed ASAP for overcoming of output buffer limits.');
      this.close();
      return;
    }
    if (limit.soft > 0 && pending >= limit.soft) {
      if (this.softLimitSince === 0) this.softLimitSince = now;
      // Redis compares whole unix seconds: closed once more than softSeconds of them have passed
      else if (Math.floor(now / 1000) - Math.floor(this.softLimitSince / 1000) > limit.softSeconds) {
        this.core.log.warn({ client: this.client.addr, pending }, 'Client scheduled to be closed ASAP for overcoming of output buffer limits.');
        this.close();
      }
    } else {
      this.softLimitSince = 0;
    }
  }

  /** QUIT, protocol errors: send what is pending, then close. */
  closeAfterReply(): void {
    this.closing = true;
    this.reader.close();
  }

  /** Closes at once, dropping pending output (CLIENT KILL, limits, shutdown). */
  close(): void {
    if (this.closed) return;
    if (this.client.blocked) this.core.blocking.remove(this.client.id);
    this.closing = true;
    this.reader.close();
    this.out.discard();
    this.socket.destroy();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    this.core.disconnected(this);
    this.replicaClosed?.();
  }
}
