/**
 * Replaying an append-only file (Redis 7.0's loadSingleAppendOnlyFile) into the keyspace: an RDB preamble
 * ("REDIS" magic) is loaded by rdb-loader.ts with expired keys kept (RDBFLAGS_AOF_PREAMBLE), then RESP commands
 * (`*<argc>` / `$<len>` frames) are parsed straight from a window over the file and handed as latin1 argv to
 * an AofReplayTarget (the server runs them as replayed commands: no replies, no propagation). `#` annotation
 * lines are skipped. A MULTI left open at the end of the file is dropped (the file reverts to before it).
 *
 * A file whose last command is cut short (a crash mid-write) is truncated back to the last complete command
 * when `loadTruncated` (aof-load-truncated yes), with Redis's warnings; otherwise, and for anything else that
 * is not a well-formed command (garbage in the middle, an unknown command), the load fails with an
 * AofLoadError naming the byte offset, and the file is left untouched. Parsing runs in slices of a few
 * milliseconds with setImmediate between them, so the server answers -LOADING and INFO meanwhile.
 */
import fs from 'node:fs';
import type { Keyspace } from '../keyspace/keyspace.js';
import { loadRdbFile, type RdbLoadOptions, type RdbLoadResult } from './rdb-loader.js';

/** Runs the commands read from the file. */
export interface AofReplayTarget {
  /** Runs one command; false when argv[0] names no command (the load then fails, as Redis's). */
  command(argv: string[]): boolean;
}

export interface AofLoadProgress {
  loadedBytes: number;
  totalBytes: number;
  /** The preamble's used-mem AUX field once read (0 before, and without a preamble). */
  usedMem: number;
}

export interface AofLoadOptions {
  /** The file's name as messages show it (appendfilename). */
  name: string;
  /** aof-load-truncated: a file whose last command is incomplete is truncated and loaded (else refused). */
  loadTruncated: boolean;
  /** Loads an RDB preamble; its skipExpired is forced off (expired keys load, expiry removes them later). */
  keyspace: Keyspace;
  rdb: RdbLoadOptions;
  /** Milliseconds of parsing per slice before yielding to the event loop. Default 10. */
  sliceMs?: number;
  /** Bytes read from the file at a time. Default 4 MiB. */
  chunkBytes?: number;
  /** Aborting stops the load between slices; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Redis's log lines (warnings about truncation, the preamble). */
  log: { info(msg: string): void; warn(msg: string): void };
  onProgress?: (p: AofLoadProgress) => void;
}

export interface AofLoadResult {
  /** 'truncated': the file was cut back to `bytes` (aof-load-truncated); 'empty': a zero-length file. */
  status: 'ok' | 'truncated' | 'empty';
  /** The size of the file once loaded (after any truncation). */
  bytes: number;
  /** Commands read and run (MULTI/EXEC and those of a dropped MULTI included). */
  commands: number;
  preamble: RdbLoadResult | null;
}

/** The file cannot be loaded: the server must not start. offset is where the problem is (-1 when none). */
export class AofLoadError extends Error {
  override name = 'AofLoadError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Default bytes read from the file at a time. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Digits accepted in a `*` or `$` length (beyond them the number is garbage, not a length). */
const MAX_DIGITS = 15;

// parse() outcomes
const OK = 0;
/** The command (or annotation) runs past the bytes read so far. */
const INCOMPLETE = 1;
/** An annotation line was skipped. */
const SKIPPED = 2;

const CR = 13;
const LF = 10;

/** Loads the AOF at `path` into opts.keyspace through `target`. See AofLoadOptions. */
export async function loadAofFile(path: string, target: AofReplayTarget, opts: AofLoadOptions): Promise<AofLoadResult> {
  const fh = await fs.promises.open(path, 'r');
  try {
    const totalBytes = (await fh.stat()).size;
    if (totalBytes === 0) return { status: 'empty', bytes: 0, commands: 0, preamble: null };
    const magic = Buffer.alloc(5);
    const { bytesRead } = await fh.read(magic, 0, 5, 0);
    let preamble: RdbLoadResult | null = null;
    if (bytesRead === 5 && magic.latin1Slice(0, 5) === 'REDIS') {
      preamble = await loadPreamble(path, opts, totalBytes);
      opts.log.info('Reading the remaining AOF tail...');
    }
    return await new AofReplay(fh, path, totalBytes, preamble, target, opts).run();
  } finally {
    await fh.close();
  }
}

async function loadPreamble(path: string, opts: AofLoadOptions, totalBytes: number): Promise<RdbLoadResult> {
  opts.log.info('Reading RDB preamble from AOF file...');
  try {
    return await loadRdbFile(path, opts.keyspace, { ...opts.rdb, skipExpired: false, signal: opts.signal }, (p) =>
      opts.onProgress?.({ loadedBytes: p.loadedBytes, totalBytes, usedMem: p.usedMem }),
    );
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    opts.log.warn(`Error reading the RDB preamble of the AOF file ${opts.name}, AOF loading aborted`);
    const offset = typeof (e as { offset?: unknown }).offset === 'number' ? (e as { offset: number }).offset : -1;
    throw new AofLoadError(`Error reading the RDB preamble of the AOF file ${opts.name}: ${e instanceof Error ? e.message : String(e)}`, offset);
  }
}

class AofReplay {
  /** The window: file bytes [start, start + buf.length). */
  private buf = Buffer.alloc(0);
  private start: number;
  /** Parse position in buf. */
  private pos = 0;
  /** File offset of the next byte to read into the window. */
  private fileOffset: number;
  private atEnd = false;
  /** The command parse() read, and where it ends in buf. */
  private argv: string[] = [];
  private next = 0;
  /** Offset of the end of the last complete command (Redis's valid_up_to). */
  private validUpTo: number;
  /** validUpTo when the open MULTI began (valid_before_multi). */
  private validBeforeMulti = 0;
  private inMulti = false;
  private commands = 0;
  private readonly chunkBytes: number;
  private readonly sliceMs: number;

  constructor(
    private readonly fh: fs.promises.FileHandle,
    private readonly path: string,
    private readonly totalBytes: number,
    private readonly preamble: RdbLoadResult | null,
    private readonly target: AofReplayTarget,
    private readonly opts: AofLoadOptions,
  ) {
    const from = preamble === null ? 0 : preamble.bytes;
    this.start = from;
    this.fileOffset = from;
    this.validUpTo = from;
    this.chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
    this.sliceMs = opts.sliceMs ?? 10;
  }

  async run(): Promise<AofLoadResult> {
    await this.refill(this.chunkBytes);
    let truncated = false;
    for (;;) {
      this.opts.signal?.throwIfAborted();
      const r = this.slice();
      this.progress();
      if (r === 'more') {
        await this.refill(Math.max(this.chunkBytes, 2 * (this.buf.length - this.pos)));
        continue;
      }
      if (r === 'truncated') {
        truncated = true;
        break;
      }
      if (r === 'end') break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const name = this.opts.name;
    if (this.inMulti) {
      // as Redis: an open MULTI at the end is handled as a short read, even when the file is well formed
      this.opts.log.warn(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
      this.validUpTo = this.validBeforeMulti;
      truncated = true;
    }
    const result: AofLoadResult = { status: 'ok', bytes: this.totalBytes, commands: this.commands, preamble: this.preamble };
    if (!truncated) return result;
    return this.shortRead(result);
  }

  /** Redis's uxeof: truncate the file back to the last complete command, or refuse it. */
  private shortRead(result: AofLoadResult): AofLoadResult {
    const { name, log } = this.opts;
    const at = this.validUpTo;
    if (this.opts.loadTruncated) {
      log.warn(`!!! Warning: short read while loading the AOF file ${name}!!!`);
      log.warn(`!!! Truncating the AOF ${name} at offset ${at} !!!`);
      try {
        fs.truncateSync(this.path, at);
        log.warn(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
        return { ...result, status: 'truncated', bytes: at };
      } catch (e) {
        log.warn(`Error truncating the AOF file ${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const message =
      `Unexpected end of file reading the append only file ${name}. You can: ` +
      '1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename>. ' +
      "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.";
    // logged by whoever stops the start (with the offset): not twice
    throw new AofLoadError(`${message} (the last complete command ends at offset ${at} of ${this.totalBytes} bytes)`, at);
  }

  private progress(): void {
    this.opts.onProgress?.({ loadedBytes: this.start + this.pos, totalBytes: this.totalBytes, usedMem: this.preamble?.aux.usedMem ?? 0 });
  }

  /**
   * Parses and runs commands for up to sliceMs. 'more': the next command runs past the window (not at the
   * end of the file); 'end': the file is done; 'truncated': it ends inside a command; 'yield': time is up.
   */
  private slice(): 'more' | 'end' | 'truncated' | 'yield' {
    const deadline = performance.now() + this.sliceMs;
    const target = this.target;
    let n = 0;
    for (;;) {
      if (this.pos >= this.buf.length) {
        if (this.atEnd) return 'end';
        return 'more';
      }
      const r = this.parse();
      if (r === INCOMPLETE) {
        if (!this.atEnd) return 'more';
        // a partial annotation line at the end is no command: Redis's fgets reads it and skips it
        if (this.buf[this.pos] === 0x23) return 'end';
        return 'truncated';
      }
      if (r === SKIPPED) {
        this.pos = this.next;
        continue;
      }
      const argv = this.argv;
      const name = argv[0];
      if (!target.command(argv)) {
        throw new AofLoadError(
          `Unknown command '${name}' reading the append only file ${this.opts.name} (the command at offset ${this.start + this.pos})`,
          this.start + this.pos,
        );
      }
      if (name.length === 5 && !this.inMulti && name.toLowerCase() === 'multi') {
        this.inMulti = true;
        this.validBeforeMulti = this.validUpTo;
      } else if (name.length === 4 && this.inMulti && name.toLowerCase() === 'exec') {
        this.inMulti = false;
      }
      this.commands++;
      this.pos = this.next;
      this.validUpTo = this.start + this.pos;
      if ((++n & 255) === 0 && performance.now() >= deadline) return 'yield';
    }
  }

  /** A format error at buf offset p. */
  private bad(p: number, detail: string): never {
    const offset = this.start + p;
    throw new AofLoadError(
      `Bad file format reading the append only file ${this.opts.name} at offset ${offset} (${detail}; the command starts at offset ${this.start + this.pos}): ` +
        'make a backup of your AOF file, then use ./redis-check-aof --fix <filename>',
      offset,
    );
  }

  /**
   * Parses the command (or `#` annotation line) at pos into argv/next. INCOMPLETE when the window ends first;
   * throws AofLoadError for bytes that are no command.
   */
  private parse(): number {
    const buf = this.buf;
    const end = buf.length;
    let p = this.pos;
    const c = buf[p];
    if (c === 0x23) {
      const lf = buf.indexOf(LF, p);
      if (lf === -1) return INCOMPLETE;
      this.next = lf + 1;
      return SKIPPED;
    }
    if (c !== 0x2a) this.bad(p, `expected '*', got ${describeByte(c)}`);
    // *<argc>\r\n
    p++;
    let argc = 0;
    let digits = 0;
    while (p < end) {
      const d = buf[p] - 48;
      if (d < 0 || d > 9) break;
      argc = argc * 10 + d;
      p++;
      if (++digits > MAX_DIGITS) this.bad(p, 'the argument count is too long');
    }
    if (p >= end) return INCOMPLETE;
    if (digits === 0 || buf[p] !== CR) this.bad(p, 'invalid argument count');
    if (p + 1 >= end) return INCOMPLETE;
    if (buf[p + 1] !== LF) this.bad(p + 1, 'invalid argument count');
    if (argc < 1) this.bad(p, 'the argument count is 0');
    p += 2;
    const argv: string[] = new Array(Math.min(argc, 1024));
    for (let j = 0; j < argc; j++) {
      if (p >= end) return INCOMPLETE;
      if (buf[p] !== 0x24) this.bad(p, `expected '$', got ${describeByte(buf[p])}`);
      p++;
      let len = 0;
      digits = 0;
      while (p < end) {
        const d = buf[p] - 48;
        if (d < 0 || d > 9) break;
        len = len * 10 + d;
        p++;
        if (++digits > MAX_DIGITS) this.bad(p, 'the bulk length is too long');
      }
      if (p >= end) return INCOMPLETE;
      if (digits === 0 || buf[p] !== CR) this.bad(p, 'invalid bulk length');
      if (p + 1 >= end) return INCOMPLETE;
      if (buf[p + 1] !== LF) this.bad(p + 1, 'invalid bulk length');
      p += 2;
      if (p + len + 2 > end) return INCOMPLETE;
      if (buf[p + len] !== CR || buf[p + len + 1] !== LF) this.bad(p + len, 'the argument is not followed by CRLF');
      argv[j] = j === 0 ? this.commandName(buf, p, len) : buf.latin1Slice(p, p + len);
      p += len + 2;
    }
    this.argv = argv;
    this.next = p;
    return OK;
  }

  /** The previous command's name and its bytes: the same name (most of a file) is not sliced again. */
  private lastName = '';
  private readonly lastNameBytes = Buffer.alloc(32);

  /** argv[0] at buf[p, p + len): the previous command's string when the bytes match (one lookup hit after). */
  private commandName(buf: Buffer, p: number, len: number): string {
    const last = this.lastNameBytes;
    if (len === this.lastName.length) {
      let i = 0;
      while (i < len && buf[p + i] === last[i]) i++;
      if (i === len) return this.lastName;
    }
    const name = buf.latin1Slice(p, p + len);
    if (len <= last.length) {
      buf.copy(last, 0, p, p + len);
      this.lastName = name;
    }
    return name;
  }

  /** Drops the window before pos and reads at least `ahead` more bytes (or to the end of the file). */
  private async refill(ahead: number): Promise<void> {
    const keep = this.buf.length - this.pos;
    const want = Math.min(ahead, this.totalBytes - this.fileOffset);
    const next = Buffer.allocUnsafe(keep + Math.max(0, want));
    this.buf.copy(next, 0, this.pos);
    let filled = keep;
    while (filled < next.length) {
      const { bytesRead } = await this.fh.read(next, filled, next.length - filled, this.fileOffset);
      if (bytesRead === 0) break; // the file shrank under us: what we have is what there is
      filled += bytesRead;
      this.fileOffset += bytesRead;
    }
    this.start += this.pos;
    this.pos = 0;
    this.buf = filled === next.length ? next : next.subarray(0, filled);
    this.atEnd = this.fileOffset >= this.totalBytes || filled < next.length;
  }
}

function describeByte(b: number): string {
  return b >= 0x20 && b < 0x7f ? `'${String.fromCharCode(b)}'` : `byte 0x${b.toString(16).padStart(2, '0')}`;
}
