/**
 * Reading a full resync's snapshot from the master's socket (Redis's readSyncBulkPayload): after
 * +FULLRESYNC (or SYNC) the master sends newlines as keepalives while it prepares, then either
 * `$<len>\r\n` and len bytes of RDB (disk-based), or `$EOF:<40 chars>\r\n`, the RDB, and the same
 * 40 chars (diskless). What follows the payload is the replication stream: feed() reports how
 * many bytes of a chunk belonged to the payload so the caller hands the rest on.
 * The RDB bytes go to a sink (the replica link writes them to a temp file); this file only frames.
 */

/** The master sent something that is not a payload, or closed/erred before its end. */
export class SyncPayloadError extends Error {
  override name = 'SyncPayloadError';
}

export interface PayloadSink {
  write(bytes: Buffer): void;
}

/** Redis's CONFIG_RUN_ID_SIZE: the EOF mark's length. */
export const EOF_MARK_LEN = 40;
/** A header line longer than this is not a payload header. */
const MAX_HEADER = 1024;

const enum Phase {
  Header,
  Body,
  Done,
}

export class SyncPayloadReader {
  private phase = Phase.Header;
  private line = '';
  /** Declared length (`$<len>`), or -1 in the EOF-mark form. */
  size = -1;
  /** Payload bytes received so far (the mark excluded). */
  read = 0;
  private mark: Buffer | null = null;
  /** EOF form: the last bytes received, held back until it is known they are not the mark. */
  private tail: Buffer = Buffer.alloc(0);

  constructor(private readonly sink: PayloadSink) {}

  get done(): boolean {
    return this.phase === Phase.Done;
  }

  /** Whether the payload header was read (the transfer proper has begun). */
  get started(): boolean {
    return this.phase !== Phase.Header;
  }

  /** True for the diskless form ($EOF:<mark>). */
  get eofForm(): boolean {
    return this.mark !== null;
  }

  /**
   * Consumes payload bytes from chunk; returns how many were consumed (all of it unless the
   * payload ended inside). Throws SyncPayloadError on a header that is not a payload.
   */
  feed(chunk: Buffer): number {
    let pos = 0;
    if (this.phase === Phase.Header) {
      pos = this.header(chunk);
      if (this.phase === Phase.Header) return chunk.length;
    }
    if (this.phase === Phase.Body && pos < chunk.length) pos += this.body(chunk, pos);
    return pos;
  }

  /** Reads header bytes; returns where the body starts in chunk. */
  private header(chunk: Buffer): number {
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      const end = nl === -1 ? chunk.length : nl;
      this.line += chunk.latin1Slice(pos, end);
      if (this.line.length > MAX_HEADER) throw new SyncPayloadError(`Bad protocol from MASTER, the payload header is too long`);
      if (nl === -1) return chunk.length;
      pos = nl + 1;
      let line = this.line;
      this.line = '';
      if (line.endsWith('\r')) line = line.slice(0, -1);
      // newlines are the master's keepalives while the snapshot is prepared
      if (line === '') continue;
      this.parseHeader(line);
      return pos;
    }
    return pos;
  }

  private parseHeader(line: string): void {
    if (line[0] === '-') throw new SyncPayloadError(`MASTER aborted replication with an error: ${line.slice(1)}`);
    if (line[0] !== '$') {
      throw new SyncPayloadError(
        `Bad protocol from MASTER, the first byte is not '$' (we received '${line.slice(0, 64)}'), are you sure the host and port are right?`,
      );
    }
    if (line.startsWith('$EOF:')) {
      const mark = line.slice(5);
      if (mark.length !== EOF_MARK_LEN) throw new SyncPayloadError(`Bad protocol from MASTER, the EOF mark is not ${EOF_MARK_LEN} bytes long`);
      this.mark = Buffer.from(mark, 'latin1');
      this.size = -1;
    } else {
      const text = line.slice(1);
      if (!/^\d{1,15}$/.test(text)) throw new SyncPayloadError(`Bad protocol from MASTER, invalid payload length '${text.slice(0, 64)}'`);
      this.size = Number(text);
    }
    this.phase = this.size === 0 ? Phase.Done : Phase.Body;
  }

  private body(chunk: Buffer, pos: number): number {
    if (this.mark === null) {
      const n = Math.min(chunk.length - pos, this.size - this.read);
      if (n > 0) this.sink.write(chunk.subarray(pos, pos + n));
      this.read += n;
      if (this.read === this.size) this.phase = Phase.Done;
      return n;
    }
    // EOF form: the payload ends where the mark is; the mark may straddle chunks, so the last
    // MARK_LEN - 1 bytes are held back until the next chunk shows what they are
    const held = this.tail.length;
    const data = held === 0 ? chunk.subarray(pos) : Buffer.concat([this.tail, chunk.subarray(pos)]);
    const at = data.indexOf(this.mark);
    if (at !== -1) {
      if (at > 0) this.sink.write(data.subarray(0, at));
      this.read += at;
      this.tail = Buffer.alloc(0);
      this.phase = Phase.Done;
      // bytes of chunk consumed: the payload and mark, less what was held from earlier chunks
      return at + EOF_MARK_LEN - held;
    }
    const keep = Math.min(data.length, EOF_MARK_LEN - 1);
    const out = data.length - keep;
    if (out > 0) this.sink.write(data.subarray(0, out));
    this.read += out;
    this.tail = Buffer.from(data.subarray(out));
    return chunk.length - pos;
  }
}
