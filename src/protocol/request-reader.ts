/**
 * Request reading: turns socket chunks into argv arrays (latin1 strings, one char per byte).
 *
 * redis-parser (returnBuffers) builds the argv of multibulk requests. In front of it sits a
 * small resumable scanner that walks only the frame headers (payloads are skipped by length),
 * so that this file can do what a reply parser does not: find frame boundaries for inline
 * commands (`PING\r\n`), reject what Redis rejects with Redis's exact protocol errors
 * (non-'$' elements, bad or huge lengths, proto-max-bulk-len) before buffering anything, and
 * count the bytes of an incomplete request against client-query-buffer-limit.
 * Only validated bytes are handed to redis-parser.
 */
import RedisParser from 'redis-parser';
import { Err } from './errors.js';
import { splitArgs } from './inline.js';

export interface ReaderLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** client-query-buffer-limit */
  queryBufferLimit: number;
}

export interface RequestSink {
  /** One complete request, in order. */
  command(argv: string[]): void;
}

/** Why feed() stopped early. */
export type FeedResult =
  | { kind: 'ok' }
  | { kind: 'protocol-error'; message: string }
  | { kind: 'query-buffer-limit' };

const OK: FeedResult = { kind: 'ok' };
const INLINE_MAX = 64 * 1024;
const INT_MAX = 2147483647;

const enum State {
  Boundary,
  MultibulkCount,
  BulkHeader,
  BulkBody,
  Inline,
}

/** Redis's string2ll on a latin1 header: strict decimal, optional '-', no leading zeros. */
function parseLength(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  if (s === '0') return 0;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
    if (n === 1) return null;
  }
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return null;
  let v = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    v = v * 10 + (c - 48);
  }
  if (v > 9223372036854775807) return null;
  return neg ? -v : v;
}

export class RequestReader {
  private readonly parser: RedisParser;
  private state = State.Boundary;
  /** Header line bytes collected across chunks (count or bulk length line, or inline line). */
  private line = '';
  private elementsLeft = 0;
  private bodyLeft = 0;
  /** Bytes of the current incomplete request seen so far. */
  private pendingBytes = 0;
  private closed = false;

  constructor(
    private readonly sink: RequestSink,
    private readonly limits: ReaderLimits,
    /** Before AUTH, Redis caps requests at 10 elements and 16 KiB bulks. */
    private readonly authRequired: () => boolean = () => false,
  ) {
    this.parser = new RedisParser({
      returnBuffers: true,
      returnReply: (reply: unknown) => this.onFrame(reply),
      returnError: () => {
        /* the scanner feeds only '*' frames */
      },
      returnFatalError: () => {
        /* the scanner feeds only validated frames */
      },
    });
  }

  private onFrame(reply: unknown): void {
    if (this.closed || !Array.isArray(reply) || reply.length === 0) return;
    const argv = new Array<string>(reply.length);
    for (let i = 0; i < reply.length; i++) argv[i] = (reply[i] as Buffer).toString('latin1');
    this.sink.command(argv);
  }

  /** Stops delivering commands (the connection is closing). */
  close(): void {
    this.closed = true;
  }

  /** Whether a request is partly read (used by tests and the idle timeout). */
  get midRequest(): boolean {
    return this.state !== State.Boundary;
  }

  feed(chunk: Buffer): FeedResult {
    let pos = 0;
    let fedFrom = 0; // chunk bytes before this were given to the parser (or consumed inline)
    const n = chunk.length;
    const limits = this.limits;
    const feedParser = (end: number) => {
      if (end > fedFrom) this.parser.execute(chunk.subarray(fedFrom, end));
      fedFrom = end;
    };
    const fail = (message: string): FeedResult => {
      feedParser(this.frameStartInChunk(pos));
      this.closed = true;
      return { kind: 'protocol-error', message };
    };

    while (pos < n && !this.closed) {
      switch (this.state) {
        case State.Boundary: {
          this.frameStart = pos;
          this.pendingBytes = 0;
          if (chunk[pos] === 42 /* '*' */) {
            this.state = State.MultibulkCount;
            this.line = '';
            pos++;
          } else {
            feedParser(pos);
            this.state = State.Inline;
            this.line = '';
          }
          break;
        }
        case State.MultibulkCount:
        case State.BulkHeader: {
          let text: string;
          if (this.line.endsWith('\r')) {
            // the CR ended the previous chunk; this byte is its LF
            text = this.line.slice(0, -1);
            pos += 1;
          } else {
            const nl = chunk.indexOf(13, pos);
            if (nl === -1 || nl + 1 >= n) {
              // the header line continues in the next chunk
              this.line += chunk.toString('latin1', pos, n);
              if (this.line.length > INLINE_MAX) {
                return fail(this.state === State.MultibulkCount ? Err.protoTooBigMbulkCount : Err.protoTooBigBulkCount);
              }
              pos = n;
              break;
            }
            text = this.line + chunk.toString('latin1', pos, nl);
            pos = nl + 2; // Redis skips the byte after CR without checking it
          }
          this.line = '';
          if (this.state === State.MultibulkCount) {
            const count = parseLength(text);
            if (count === null || count > INT_MAX) return fail(Err.protoInvalidMultibulk);
            if (count > 10 && this.authRequired()) return fail(Err.protoInvalidMultibulk);
            if (count <= 0) {
              this.state = State.Boundary;
            } else {
              this.elementsLeft = count;
              this.state = State.BulkHeader;
            }
          } else {
            if (text.charCodeAt(0) !== 36 /* '$' */) return fail(Err.protoExpectedDollar(text.charAt(0)));
            const len = parseLength(text.slice(1));
            if (len === null || len < 0 || len > limits.maxBulkLen) return fail(Err.protoInvalidBulk);
            if (len > 16384 && this.authRequired()) return fail(Err.protoInvalidBulk);
            this.bodyLeft = len + 2;
            this.state = State.BulkBody;
          }
          break;
        }
        case State.BulkBody: {
          const take = Math.min(this.bodyLeft, n - pos);
          pos += take;
          this.bodyLeft -= take;
          if (this.bodyLeft === 0) {
            this.elementsLeft--;
            this.state = this.elementsLeft === 0 ? State.Boundary : State.BulkHeader;
          }
          break;
        }
        case State.Inline: {
          const nl = chunk.indexOf(10, pos);
          if (nl === -1) {
            this.line += chunk.toString('latin1', pos, n);
            pos = n;
            fedFrom = n;
            if (this.line.length > INLINE_MAX) {
              this.closed = true;
              return { kind: 'protocol-error', message: Err.protoTooBigInline };
            }
            break;
          }
          let text = this.line + chunk.toString('latin1', pos, nl);
          this.line = '';
          pos = nl + 1;
          fedFrom = pos;
          this.state = State.Boundary;
          if (text.length > INLINE_MAX) {
            this.closed = true;
            return { kind: 'protocol-error', message: Err.protoTooBigInline };
          }
          if (text.endsWith('\r')) text = text.slice(0, -1);
          const argv = splitArgs(text);
          if (argv === null) {
            this.closed = true;
            return { kind: 'protocol-error', message: Err.protoUnbalancedQuotes };
          }
          if (argv.length > 0) this.sink.command(argv);
          break;
        }
      }
    }
    if (this.closed) return OK;
    feedParser(pos);
    if (this.state !== State.Boundary) {
      this.pendingBytes += n - Math.max(0, this.frameStart);
      this.frameStart = 0;
      if (this.pendingBytes > limits.queryBufferLimit) {
        this.closed = true;
        return { kind: 'query-buffer-limit' };
      }
    }
    return OK;
  }

  /** Where the current frame began in this chunk (0 when it began in an earlier one). */
  private frameStart = 0;
  private frameStartInChunk(_pos: number): number {
    return this.frameStart;
  }
}
