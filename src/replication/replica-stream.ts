/**
 * Applying the master's stream on a replica: cuts chunks into commands (master-stream.ts), runs
 * each as the master client, answers REPLCONF GETACK, and feeds the applied bytes, verbatim, to
 * the replication stream (the replica offset, the backlog, chained replicas). A MULTI block counts
 * only once its EXEC ran (Redis's reploff stays before an open block), its bytes kept across
 * chunks meanwhile. The link (replica-link.ts) decides when chunks are applied.
 */
import type { CommandContext } from '../commands/context.js';
import { ErrorReply, type Reply } from '../protocol/reply.js';
import { MasterStreamReader } from './master-stream.js';

export interface StreamApplierHost {
  /** Runs a command as the master client. */
  execute(ctx: CommandContext, argv: string[]): Reply;
  /** Appends applied stream bytes (ReplicationState.feed). */
  feed(bytes: Buffer): void;
  /** Sends REPLCONF ACK with the offset fed so far. */
  sendAck(): void;
  warn(message: string): void;
  /** The keyspace environment: expiry is paused while the master's commands run. */
  readonly env: { expiryPaused?: boolean };
}

export class StreamApplier {
  private readonly reader = new MasterStreamReader();
  /** Bytes of an open MULTI block from earlier chunks, fed once its EXEC ran. */
  private multiBytes: Buffer[] = [];

  constructor(private readonly host: StreamApplierHost) {}

  /** Forgets buffered bytes and an open block (the link was lost; the master re-sends them). */
  reset(): void {
    this.reader.reset();
    this.multiBytes = [];
  }

  /**
   * Applies a chunk as ctx (the master client). `current()` turning false (a command dropped the
   * link) stops it. Throws MasterStreamError on bytes that are not commands; what was applied
   * before them is fed first.
   */
  apply(chunk: Buffer, ctx: CommandContext, current: () => boolean): void {
    const host = this.host;
    const env = host.env;
    // the master client sees keys whose TTL passed as existing (Redis's expireIfNeeded for the master)
    env.expiryPaused = true;
    // every command of one feed() is cut from the same buffer; committed bytes form one run of it
    let data: Buffer | null = null;
    let runStart = -1;
    let runEnd = 0;
    /** Where a MULTI block opened in this buffer begins (-1: none open, or it opened in an earlier chunk). */
    let blockStart = -1;
    let lastEnd = 0;
    try {
      this.reader.feed(chunk, (argv, buf, start, end) => {
        if (!current()) return;
        data = buf;
        lastEnd = end;
        const wasInMulti = ctx.client.multi !== null;
        if (!wasInMulti && argv.length >= 2 && argv[0].length === 8 && argv[0].toLowerCase() === 'replconf' && argv[1].toLowerCase() === 'getack') {
          // answered with the offset before this command, as Redis (its reploff moves after the call):
          // what this chunk committed so far is fed first
          this.feedRun(buf, runStart, runEnd);
          runStart = -1;
          host.sendAck();
        } else {
          const reply = host.execute(ctx, argv);
          if (reply instanceof ErrorReply) {
            host.warn(`== CRITICAL == This replica is sending an error to its master: '${reply.message}' after processing the command '${argv[0]}'`);
          }
        }
        if (ctx.client.multi !== null) {
          // inside MULTI nothing counts until EXEC
          if (!wasInMulti) blockStart = start;
          return;
        }
        let from = start;
        if (wasInMulti) {
          if (blockStart !== -1) from = blockStart;
          else {
            // the block opened in an earlier chunk: its kept bytes go first, then this buffer from its start
            this.feedRun(buf, runStart, runEnd);
            for (const b of this.multiBytes) host.feed(b);
            this.multiBytes = [];
            runStart = -1;
            from = 0;
          }
          blockStart = -1;
        }
        if (runStart === -1) runStart = from;
        runEnd = end;
      });
    } finally {
      env.expiryPaused = false;
      if (data !== null && current()) {
        const d: Buffer = data;
        this.feedRun(d, runStart, runEnd);
        // an open MULTI block: keep its bytes of this buffer until its EXEC
        if (ctx.client.multi !== null) {
          const from = blockStart !== -1 ? blockStart : 0;
          if (lastEnd > from) this.multiBytes.push(Buffer.from(d.subarray(from, lastEnd)));
        }
      }
    }
  }

  private feedRun(data: Buffer, start: number, end: number): void {
    if (start !== -1 && end > start) this.host.feed(data.subarray(start, end));
  }
}
