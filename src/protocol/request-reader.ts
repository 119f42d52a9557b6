/**
 * Request reading: turns socket chunks into argv arrays (latin1 strings, one char per byte).
 *
 * redis-parser (returnBuffers) builds the argv of multibulk requests. In front of it sits a
 * small resumable scanner that walks only the frame headers (payloads are skipped by length),
 * so that this file can do what a reply parser does not: find frame boundaries for inline
 * commands (`PING\r\n`), reject what Redis rejects with Redis's exact protocol errors
 * (non-'$' elements, bad or huge lengths, proto-max-bulk-len, the before-AUTH caps) before
 * buffering anything, and apply client-query-buffer-limit as Redis does (Redis trims parsed
 * arguments from its query buffer, so in practice only one bulk larger than the limit trips it).
 * Only validated bytes are handed to redis-parser: an unfinished header line is held back.
 *
 * Hot path: a frame that is complete in the chunk and plainly valid (frame()) is cut and run in
 * one pass, and validated complete frames are cut straight from the chunk when redis-parser has
 * nothing buffered (deliverFrames()); redis-parser assembles the frames that span chunks.
 *
 * Redis quirks matched on purpose: the byte after a header's CR and the two bytes after a bulk
 * body are skipped unchecked; Redis finds line ends with strchr(), so a NUL before the CR (or,
 * inline, before the LF) stalls the request until the 64 KiB "too big" errors; checks that depend
 * on AUTH or CONFIG SET see the requests before them in the same chunk already executed.
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
  /** The current header or inline line holds a NUL before its terminator: Redis looks for the
   * terminator with strchr(), which stops at the NUL, so such a request never completes (until
   * it grows past 64 KiB and is rejected as too big). */
  private lineStuck = false;
  private elementsLeft = 0;
  private bodyLeft = 0;
  /** The current bulk is longer than client-query-buffer-limit; bodyRead counts its bytes. */
  private bulkOverLimit = false;
  private bodyRead = 0;
  /** Where the current frame began in this chunk (0 when it began in an earlier one). */
  private frameStart = 0;
  /** Where the current header line began in this chunk (-1 when in an earlier one). */
  private lineStart = 0;
  /** Bytes of an unfinished header line from earlier chunks, not yet given to the parser:
   * redis-parser only ever sees header lines the scanner has validated. */
  private held = '';
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

  /**
   * The fast path of the parser stage: delivers the complete frames in chunk[pos, end), which the
   * scanner has already validated, without redis-parser's Buffer per argument. Frames are cut
   * exactly as redis-parser cuts them (a header ends at its CR, the byte after it is skipped, a
   * body is followed by two skipped bytes). Returns where the first incomplete frame begins.
   */
  private deliverFrames(b: Buffer, pos: number, end: number): number {
    while (pos < end) {
      if (this.closed) return end;
      const start = pos;
      let i = pos + 1; // after '*'
      let neg = false;
      if (i < end && b[i] === 45) {
        neg = true;
        i++;
      }
      let count = 0;
      for (; i < end; i++) {
        const c = b[i];
        if (c === 13) break;
        count = count * 10 + (c - 48);
      }
      if (i + 1 >= end) return start;
      pos = i + 2;
      if (neg || count === 0) continue; // *0, *-1: no command, as onFrame
      const argv = new Array<string>(count);
      for (let k = 0; k < count; k++) {
        let j = pos + 1; // after '$'
        let len = 0;
        for (; j < end; j++) {
          const c = b[j];
          if (c === 13) break;
          len = len * 10 + (c - 48);
        }
        if (j + 1 >= end) return start;
        const body = j + 2;
        if (body + len + 2 > end) return start;
        if (k === 0) argv[0] = this.commandName(b, body, len);
        else argv[k] = b.latin1Slice(body, body + len);
        pos = body + len + 2;
      }
      this.sink.command(argv);
    }
    return pos;
  }

  /**
   * The fast path of feed(): when chunk[start] begins a frame that is complete in the chunk and
   * plainly valid (a count of 1..1048576 without leading zeros, '$' headers of strict decimal
   * lengths up to 16 KiB, no NUL or other stray byte in a header line), runs it and returns
   * where the next frame begins. Anything else, however rare or wrong, returns -1 and goes the
   * validating path below, which applies Redis's exact errors and limits; frames are cut as
   * there (the byte after a header's CR and the two after a body are skipped unchecked).
   */
  private frame(b: Buffer, start: number, n: number): number {
    let i = start + 1;
    if (i >= n) return -1;
    let c = b[i];
    if (c < 49 || c > 57) return -1; // '1'..'9': *0, *-1, leading zeros, junk go the slow way
    let count = c - 48;
    for (i++; ; i++) {
      if (i >= n) return -1;
      c = b[i];
      if (c === 13) break;
      if (c < 48 || c > 57) return -1;
      count = count * 10 + (c - 48);
      if (count > 1048576) return -1;
    }
    if (i + 1 >= n) return -1;
    if (count > 10 && this.authRequired()) return -1;
    const limits = this.limits;
    const maxLen = Math.min(16384, limits.maxBulkLen, limits.queryBufferLimit - 2);
    let p = i + 2;
    const argv = new Array<string>(count);
    for (let k = 0; k < count; k++) {
      if (p + 3 >= n || b[p] !== 36 /* '$' */) return -1;
      let j = p + 1;
      c = b[j];
      let len: number;
      if (c === 48) {
        len = 0;
        j++;
        if (b[j] !== 13) return -1;
      } else {
        if (c < 49 || c > 57) return -1;
        len = c - 48;
        for (j++; ; j++) {
          if (j >= n) return -1;
          c = b[j];
          if (c === 13) break;
          if (c < 48 || c > 57) return -1;
          len = len * 10 + (c - 48);
          if (len > maxLen) return -1;
        }
        if (len > maxLen) return -1;
      }
      const body = j + 2;
      if (body + len + 2 > n) return -1;
      argv[k] = k === 0 ? this.commandName(b, body, len) : b.latin1Slice(body, body + len);
      p = body + len + 2;
    }
    this.sink.command(argv);
    return p;
  }

  /** The previous request's command name: reused when the next one has the same bytes. */
  private lastName = '';

  /**
   * A command name, as the same string object when it repeats (pipelines and benchmarks send
   * the same command again and again): no allocation, and the string's hash stays cached for
   * the command table lookup.
   */
  private commandName(b: Buffer, start: number, len: number): string {
    const last = this.lastName;
    if (len === last.length) {
      let i = 0;
      while (i < len && b[start + i] === last.charCodeAt(i)) i++;
      if (i === len) return last;
    }
    const name = b.latin1Slice(start, start + len);
    if (len <= 32) this.lastName = name;
    return name;
  }

  /** Stops delivering commands (the connection is closing). */
  close(): void {
    this.closed = true;
  }

  /** Whether a request is partly read (used by tests and the idle timeout). */
  get midRequest(): boolean {
    return this.state !== State.Boundary;
  }

  /**
   * Reads one chunk. Every complete request before a bad frame is delivered to the sink first;
   * after a protocol error or the query buffer limit the reader delivers nothing more.
   */
  feed(chunk: Buffer): FeedResult {
    const n = chunk.length;
    let pos = 0;
    if (this.closed) return OK;
    if (this.state === State.Boundary && (this.parser as unknown as { buffer: Buffer | null }).buffer === null) {
      // the common case: whole, plainly valid frames from the chunk's start, run without setting
      // up the general path's closures (one chunk per request when clients do not pipeline)
      while (pos < n && chunk[pos] === 42 /* '*' */) {
        const next = this.frame(chunk, pos, n);
        if (next === -1) return this.feedFrom(chunk, pos, pos);
        pos = next;
        if (this.closed) return OK;
      }
      if (pos === n) return OK;
    }
    return this.feedFrom(chunk, pos, -1);
  }

  /**
   * feed() from chunk[start] (the bytes before it were run by the fast path, the state is where
   * they left it). `tried` is where frame() already failed (-1: nowhere), so it is not retried.
   */
  private feedFrom(chunk: Buffer, start: number, tried: number): FeedResult {
    let pos = start;
    let fedFrom = start; // chunk bytes before this were given to the parser (or consumed inline)
    const n = chunk.length;
    const limits = this.limits;
    const feedParser = (end: number) => {
      if (end > fedFrom) {
        // with nothing buffered in redis-parser the bytes start on a frame boundary: complete
        // frames are cut straight out of the chunk, only a partial one goes to the parser
        const from = (this.parser as unknown as { buffer: Buffer | null }).buffer === null ? this.deliverFrames(chunk, fedFrom, end) : fedFrom;
        if (end > from) this.parser.execute(chunk.subarray(from, end));
      }
      fedFrom = end;
    };
    const stop = (result: FeedResult): FeedResult => {
      // the requests before the bad frame run (and are answered) before the error
      if (this.state !== State.Inline) feedParser(this.frameStart);
      if (this.closed) return OK; // a QUIT among them ended the conversation: Redis reads no further
      this.closed = true;
      return result;
    };
    const fail = (message: string): FeedResult => stop({ kind: 'protocol-error', message });

    while (pos < n && !this.closed) {
      switch (this.state) {
        case State.Boundary: {
          if (chunk[pos] === 42 /* '*' */) {
            // the common case in one pass: a whole, plainly valid frame is cut and run at once
            if (fedFrom < pos) feedParser(pos);
            if (this.closed) break;
            const next = pos !== tried && (this.parser as unknown as { buffer: Buffer | null }).buffer === null ? this.frame(chunk, pos, n) : -1;
            if (next !== -1) {
              pos = fedFrom = next;
              break;
            }
          }
          this.frameStart = pos;
          this.line = '';
          this.lineStuck = false;
          if (chunk[pos] === 42 /* '*' */) {
            this.state = State.MultibulkCount;
            this.lineStart = pos;
            pos++;
          } else {
            feedParser(pos);
            this.state = State.Inline;
          }
          break;
        }
        case State.MultibulkCount:
        case State.BulkHeader: {
          let text: string;
          if (this.line.endsWith('\r') && !this.lineStuck) {
            // the CR ended the previous chunk; this byte is its LF
            text = this.line.slice(0, -1);
            pos += 1;
          } else {
            // Redis: strchr(querybuf, '\r'), which a NUL stops
            let nl = -1;
            if (!this.lineStuck) {
              for (let i = pos; i < n; i++) {
                const c = chunk[i];
                if (c === 13) {
                  nl = i;
                  break;
                }
                if (c === 0) {
                  this.lineStuck = true;
                  break;
                }
              }
            }
            if (nl === -1 || nl + 1 >= n) {
              // the header line continues in the next chunk
              this.line += chunk.toString('latin1', pos, n);
              // Redis counts the whole unparsed buffer, '*' included
              const buffered = this.line.length + (this.state === State.MultibulkCount ? 1 : 0);
              if (buffered > INLINE_MAX && nl === -1) {
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
            if (count > 10 && this.authRequired()) {
              // an AUTH earlier in this chunk runs first, as it would in Redis
              feedParser(this.frameStart);
              if (this.closed) return OK;
              if (this.authRequired()) return fail(Err.protoUnauthMultibulk);
            }
            if (count <= 0) {
              this.state = State.Boundary;
            } else {
              this.elementsLeft = count;
              this.state = State.BulkHeader;
              this.lineStart = pos;
            }
          } else {
            // an empty header means the first byte was the CR itself; Redis's error formatter
            // turns CR/LF into spaces
            if (text.charCodeAt(0) !== 36 /* '$' */) return fail(Err.protoExpectedDollar(text === '' ? ' ' : text.charAt(0)));
            const len = parseLength(text.slice(1));
            if (len !== null && (len > limits.maxBulkLen || (len > 16384 && this.authRequired()))) {
              // the requests before this one run first: an AUTH or CONFIG SET among them counts
              feedParser(this.frameStart);
              if (this.closed) return OK;
            }
            if (len === null || len < 0 || len > limits.maxBulkLen) return fail(Err.protoInvalidBulk);
            if (len > 16384 && this.authRequired()) return fail(Err.protoUnauthBulk);
            this.bodyLeft = len + 2;
            // Redis reads a big bulk into a query buffer of its own size: if that is over
            // client-query-buffer-limit the client is closed once that many bytes arrived
            this.bulkOverLimit = len + 2 > limits.queryBufferLimit;
            this.bodyRead = 0;
            this.state = State.BulkBody;
          }
          if (this.held !== '') {
            // the header began in an earlier chunk: now valid, it goes to the parser ahead of this chunk
            this.parser.execute(Buffer.from(this.held, 'latin1'));
            this.held = '';
          }
          break;
        }
        case State.BulkBody: {
          const take = Math.min(this.bodyLeft, n - pos);
          pos += take;
          this.bodyLeft -= take;
          if (this.bulkOverLimit) {
            this.bodyRead += take;
            if (this.bodyRead > limits.queryBufferLimit) return stop({ kind: 'query-buffer-limit' });
          }
          if (this.bodyLeft === 0) {
            this.elementsLeft--;
            this.state = this.elementsLeft === 0 ? State.Boundary : State.BulkHeader;
            this.lineStart = pos;
          }
          break;
        }
        case State.Inline: {
          // Redis: strchr(querybuf, '\n'), which a NUL stops
          let nl = -1;
          if (!this.lineStuck) {
            for (let i = pos; i < n; i++) {
              const c = chunk[i];
              if (c === 10) {
                nl = i;
                break;
              }
              if (c === 0) {
                this.lineStuck = true;
                break;
              }
            }
          }
          if (nl === -1) {
            this.line += chunk.toString('latin1', pos, n);
            pos = n;
            fedFrom = n;
            if (this.line.length > INLINE_MAX) return fail(Err.protoTooBigInline);
            break;
          }
          let text = this.line + chunk.toString('latin1', pos, nl);
          this.line = '';
          pos = nl + 1;
          fedFrom = pos;
          // Redis rejects a line only while it has no newline yet; its 16 KiB reads make the exact
          // cut-off depend on timing, so any line over 64 KiB is rejected here
          if (text.length > INLINE_MAX) return fail(Err.protoTooBigInline);
          this.state = State.Boundary;
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
    if (this.state === State.MultibulkCount || this.state === State.BulkHeader) {
      // hold back the unfinished header line
      if (this.lineStart >= 0) {
        feedParser(this.lineStart);
        this.held = chunk.toString('latin1', this.lineStart, n);
      } else {
        this.held += chunk.toString('latin1');
      }
      this.lineStart = -1;
    } else {
      feedParser(pos);
    }
    if (this.state !== State.Boundary) this.frameStart = 0;
    return OK;
  }
}
