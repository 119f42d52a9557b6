/**
 * Cutting the master's replication stream into commands, keeping each command's exact byte range:
 * the replica counts processed bytes into its offset and forwards the same bytes verbatim to its
 * own replicas, so (unlike the client RequestReader) this reader reports where every command
 * begins and ends. Multibulk frames as a master sends them, and inline lines for robustness.
 * Bytes of an unfinished frame are kept (as a list, joined only once enough arrived), so a large
 * value spanning many chunks is not re-parsed per chunk.
 */

/** The master sent bytes that are not a command. */
export class MasterStreamError extends Error {
  override name = 'MasterStreamError';
}

/** One command of the stream: argv (latin1), and its bytes data[start, end). */
export type StreamCommandHandler = (argv: string[], data: Buffer, start: number, end: number) => void;

const INLINE_MAX = 64 * 1024;

export class MasterStreamReader {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** Bytes the unfinished frame needs at least before parsing is worth retrying. */
  private need = 0;

  constructor(private readonly maxBulkLen = 512 * 1024 * 1024) {}

  /** Bytes received but not yet cut into a command. */
  get buffered(): number {
    return this.pendingLen;
  }

  /** Drops what is buffered (the link was lost). */
  reset(): void {
    this.pending = [];
    this.pendingLen = 0;
    this.need = 0;
  }

  /**
   * Feeds a chunk; calls onCommand for each complete command in order. All commands of one call are
   * cut from the same buffer (the chunk, or the held bytes joined with it), which onCommand receives
   * with each command's range, so the caller can keep ranges of it.
   */
  feed(chunk: Buffer, onCommand: StreamCommandHandler): void {
    if (this.pendingLen > 0) {
      this.pending.push(chunk);
      this.pendingLen += chunk.length;
      if (this.pendingLen < this.need) return;
      chunk = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingLen);
      this.pending = [];
      this.pendingLen = 0;
    }
    this.need = 0;
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      const end = chunk[pos] === 42 ? this.multibulk(chunk, pos) : this.inline(chunk, pos);
      if (end < 0) break;
      if (this.argv !== null) onCommand(this.argv, chunk, pos, end);
      pos = end;
    }
    if (pos < len) {
      const rest = chunk.subarray(pos);
      this.pending.push(rest);
      this.pendingLen = rest.length;
      this.need = Math.max(this.need, rest.length + 1);
    }
  }

  /** argv of the frame just parsed (null for an empty inline line). */
  private argv: string[] | null = null;

  /** Parses a `*` frame at pos; returns its end, or -1 when incomplete (need set). */
  private multibulk(b: Buffer, start: number): number {
    const len = b.length;
    let pos = start + 1;
    const header = this.lineEnd(b, pos);
    if (header < 0) return -1;
    const count = this.number(b, pos, header);
    pos = header + 2;
    if (count <= 0) {
      this.argv = null;
      return pos;
    }
    if (count > 1024 * 1024) throw new MasterStreamError(`invalid multibulk length ${count}`);
    const argv = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      if (pos >= len) {
        this.need = pos - start + 1;
        return -1;
      }
      if (b[pos] !== 36) throw new MasterStreamError(`expected '$', got '${String.fromCharCode(b[pos])}'`);
      const h = this.lineEnd(b, pos + 1);
      if (h < 0) {
        this.need = len - start + 1;
        return -1;
      }
      const n = this.number(b, pos + 1, h);
      if (n < 0 || n > this.maxBulkLen) throw new MasterStreamError(`invalid bulk length ${n}`);
      const body = h + 2;
      if (body + n + 2 > len) {
        this.need = body + n + 2 - start;
        return -1;
      }
      argv[i] = b.latin1Slice(body, body + n);
      pos = body + n + 2;
    }
    this.argv = argv;
    return pos;
  }

  /** An inline command line at pos (Redis accepts them from a master too). */
  private inline(b: Buffer, start: number): number {
    const nl = b.indexOf(10, start);
    if (nl === -1) {
      if (b.length - start > INLINE_MAX) throw new MasterStreamError('too big inline request');
      this.need = b.length - start + 1;
      return -1;
    }
    let lineEnd = nl;
    if (lineEnd > start && b[lineEnd - 1] === 13) lineEnd--;
    const line = b.latin1Slice(start, lineEnd).trim();
    this.argv = line === '' ? null : line.split(/\s+/);
    return nl + 1;
  }

  /** Index of the CR ending the header line that starts at pos (-1 when not in b yet). */
  private lineEnd(b: Buffer, pos: number): number {
    const cr = b.indexOf(13, pos);
    if (cr === -1 || cr + 1 >= b.length) {
      if (b.length - pos > 64) throw new MasterStreamError('too big header line');
      return -1;
    }
    return cr;
  }

  private number(b: Buffer, from: number, to: number): number {
    if (to === from || to - from > 15) throw new MasterStreamError('invalid length');
    let neg = false;
    let i = from;
    if (b[i] === 45) {
      neg = true;
      i++;
    }
    let v = 0;
    for (; i < to; i++) {
      const c = b[i] - 48;
      if (c < 0 || c > 9) throw new MasterStreamError('invalid length');
      v = v * 10 + c;
    }
    return neg ? -v : v;
  }
}
