/**
 * Loading a whole RDB file (Redis 7.0 rdbLoadRioWithLoadingCtx) into the keyspace: versions 1 to 11, AUX
 * fields, SELECTDB, RESIZEDB, both expire opcodes, FREQ/IDLE, EOF and the CRC64 trailer. Values are decoded
 * by rdb-values.ts; keys go in through Db.loadKey (Redis's dbAddRDBLoad: no keyspace event, no blocked-client
 * wakeup).
 *
 * The file is read in chunks into a window and parsed one record (the expire/FREQ/IDLE opcodes plus the key
 * and value, or one opcode) at a time; a record that runs past the window is re-read after the window grows,
 * so a record is only applied once it was read whole. Parsing runs in slices of a few milliseconds with
 * setImmediate between them, so the server keeps answering (-LOADING) while a big file loads.
 *
 * What nodis cannot hold (streams, modules, module AUX data, functions) is refused with an error naming the
 * key and type: nodis never starts with a silently partial dataset. Every failure is an RdbFormatError
 * naming the byte offset. Nothing here writes files. Logging and INFO belong to the caller.
 */
import fs from 'node:fs';
import type { Db } from '../keyspace/db.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import { Crc64 } from './crc64.js';
import { RdbFormatError, RdbReader } from './rdb-primitives.js';
import { isObjectType, RdbEmptyKeyError, RdbUnsupportedTypeError, readValue, type RdbValueOptions } from './rdb-values.js';

/** The newest RDB version we read: Redis 7.2's. */
export const RDB_LOAD_MAX_VERSION = 11;

// --- Opcodes (rdb.h) ---
const OP_FUNCTION_PRE_GA = 0xf5;
const OP_FUNCTION2 = 0xf6;
const OP_MODULE_AUX = 0xf7;
const OP_IDLE = 0xf8;
const OP_FREQ = 0xf9;
const OP_AUX = 0xfa;
const OP_RESIZEDB = 0xfb;
const OP_EXPIRETIME_MS = 0xfc;
const OP_EXPIRETIME = 0xfd;
const OP_SELECTDB = 0xfe;
const OP_EOF = 0xff;

/** A key of a type nodis cannot hold, or data nodis cannot use (module AUX, functions). */
export class RdbUnsupportedKeyError extends RdbFormatError {
  override name = 'RdbUnsupportedKeyError';
}

export interface RdbLoadOptions {
  /** Which encodings loaded values get (listpack/intset thresholds). */
  values: RdbValueOptions;
  /** The time that decides which keys are already expired. */
  now: () => number;
  /** Skip (and count) keys whose TTL has passed, as a master does. Default true. */
  skipExpired?: boolean;
  /** Milliseconds of parsing per slice before yielding to the event loop. Default 10. */
  sliceMs?: number;
  /** Bytes read from the file at a time. Default 4 MiB. */
  chunkBytes?: number;
  /** Aborting stops the load between slices; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface RdbLoadProgress {
  loadedBytes: number;
  totalBytes: number;
  keysLoaded: number;
  /** The used-mem AUX field once read (0 before). */
  usedMem: number;
}

/** The replication info a master saved (rdbSaveInfo): for a later PSYNC after restart. */
export interface RdbReplInfo {
  id: string;
  offset: number;
  streamDb: number;
}

export interface RdbLoadResult {
  version: number;
  /** Bytes parsed (up to and including the checksum). */
  bytes: number;
  keysLoaded: number;
  /** Keys skipped because their TTL had passed (rdb_last_load_keys_expired). */
  keysExpired: number;
  /** Empty collections skipped, as Redis skips them. */
  emptyKeysSkipped: number;
  /** 'verified'; 'disabled' for a file saved with rdbchecksum no (a zero trailer); 'absent' before version 5. */
  checksum: 'verified' | 'disabled' | 'absent';
  aux: { redisVer?: string; redisBits?: number; ctime?: number; usedMem?: number; aofBase?: boolean };
  /** Set when the file carries a replication id (saved for or by replication). */
  repl: RdbReplInfo | null;
}

/** Where the bytes come from: a window over the file, grown on demand. */
interface Source {
  buf: Buffer;
  /** File offset of buf[0]. */
  start: number;
  /** Whether buf reaches the end of the file. */
  atEnd: boolean;
  totalBytes: number;
  /** Drops buf[0, keepFrom) and reads at least `ahead` more bytes when the file has them. */
  refill(keepFrom: number, ahead: number): Promise<void>;
  close(): Promise<void>;
}

function bufferSource(buf: Buffer): Source {
  return { buf, start: 0, atEnd: true, totalBytes: buf.length, refill: async () => {}, close: async () => {} };
}

async function fileSource(path: string, chunkBytes: number): Promise<Source> {
  const fh = await fs.promises.open(path, 'r');
  try {
    const totalBytes = (await fh.stat()).size;
    let fileOffset = 0;
    const src: Source = {
      buf: Buffer.alloc(0),
      start: 0,
      atEnd: totalBytes === 0,
      totalBytes,
      async refill(keepFrom, ahead) {
        const keep = src.buf.length - keepFrom;
        const want = Math.min(Math.max(ahead, chunkBytes), totalBytes - fileOffset);
        const next = Buffer.allocUnsafe(keep + want);
        src.buf.copy(next, 0, keepFrom);
        let filled = keep;
        while (filled < next.length) {
          const { bytesRead } = await fh.read(next, filled, next.length - filled, fileOffset);
          if (bytesRead === 0) break; // the file shrank under us: what we have is what there is
          filled += bytesRead;
          fileOffset += bytesRead;
        }
        src.start += keepFrom;
        src.buf = filled === next.length ? next : next.subarray(0, filled);
        src.atEnd = fileOffset >= totalBytes || filled < next.length;
      },
      close: () => fh.close(),
    };
    await src.refill(0, chunkBytes);
    return src;
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** A failure that a bigger window could cure: the record ran past the bytes read so far. */
function isShortRead(e: unknown): boolean {
  return e instanceof RdbFormatError && /short read|exceeds the \d+ bytes left/.test(e.message);
}

/** A key as it appears in messages: quoted, non-printable bytes escaped. */
export function printableKey(key: string): string {
  return JSON.stringify(key);
}

/** Reads `path` into the keyspace (the dbs must not hold the file's keys). See RdbLoadOptions. */
export async function loadRdbFile(
  path: string,
  keyspace: Keyspace,
  opts: RdbLoadOptions,
  onProgress?: (p: RdbLoadProgress) => void,
): Promise<RdbLoadResult> {
  const src = await fileSource(path, opts.chunkBytes ?? CHUNK_BYTES);
  try {
    return await new RdbLoad(src, keyspace, opts, onProgress).run();
  } finally {
    await src.close();
  }
}

/** Reads an RDB held in memory into the keyspace, in slices like loadRdbFile. */
export function loadRdbBuffer(
  buf: Buffer,
  keyspace: Keyspace,
  opts: RdbLoadOptions,
  onProgress?: (p: RdbLoadProgress) => void,
): Promise<RdbLoadResult> {
  return new RdbLoad(bufferSource(buf), keyspace, opts, onProgress).run();
}

/** Default bytes read from the file at a time; a quarter of it is kept ahead of the parse position. */
const CHUNK_BYTES = 4 * 1024 * 1024;

class RdbLoad {
  private r: RdbReader;
  private readonly crc = new Crc64();
  /** File offset up to which the checksum has been computed. */
  private crcPos = 0;
  private version = 0;
  private db: Db;
  private done = false;
  private readonly result: RdbLoadResult = {
    version: 0,
    bytes: 0,
    keysLoaded: 0,
    keysExpired: 0,
    emptyKeysSkipped: 0,
    checksum: 'absent',
    aux: {},
    repl: null,
  };
  private replId: string | null = null;
  private replOffset = 0;
  private replStreamDb = 0;
  private readonly skipExpired: boolean;
  private readonly sliceMs: number;
  /** Bytes kept ahead of the parse position in the window, so most records fit at the first try. */
  private readonly lowWater: number;

  constructor(
    private readonly src: Source,
    private readonly keyspace: Keyspace,
    private readonly opts: RdbLoadOptions,
    private readonly onProgress?: (p: RdbLoadProgress) => void,
  ) {
    this.r = new RdbReader(src.buf, 0, src.start);
    this.db = keyspace.dbs[0];
    this.skipExpired = opts.skipExpired ?? true;
    this.sliceMs = opts.sliceMs ?? 10;
    this.lowWater = Math.max(16, Math.floor((opts.chunkBytes ?? CHUNK_BYTES) / 4));
  }

  async run(): Promise<RdbLoadResult> {
    await this.ensure(9);
    this.header();
    while (!this.done) {
      this.opts.signal?.throwIfAborted();
      await this.slice();
      this.onProgress?.({ loadedBytes: this.src.start + this.r.pos, totalBytes: this.src.totalBytes, keysLoaded: this.result.keysLoaded, usedMem: this.result.aux.usedMem ?? 0 });
      if (!this.done) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.result.version = this.version;
    this.result.bytes = this.src.start + this.r.pos;
    if (this.replId !== null) this.result.repl = { id: this.replId, offset: this.replOffset, streamDb: this.replStreamDb };
    return this.result;
  }

  /** Grows the window until `n` bytes past the parse position are in it (or the file ends). */
  private async ensure(n: number): Promise<void> {
    while (this.r.remaining < n && !this.src.atEnd) await this.refill(n);
  }

  private async refill(ahead: number): Promise<void> {
    const pos = this.r.pos;
    // bytes before the parse position leave the window: fold them into the checksum first
    const from = this.crcPos - this.src.start;
    if (pos > from) this.crc.update(this.src.buf, from, pos);
    this.crcPos = this.src.start + pos;
    await this.src.refill(pos, ahead);
    this.r = new RdbReader(this.src.buf, 0, this.src.start);
  }

  private header(): void {
    const r = this.r;
    const magic = r.bytes(Math.min(5, r.remaining), 'the signature');
    if (magic.length < 5 || magic.latin1Slice() !== 'REDIS') r.fail('wrong signature trying to load DB from file (not an RDB file)', 0);
    const text = r.bytes(4, 'the version').latin1Slice();
    const version = /^\d{4}$/.test(text) ? Number(text) : 0;
    if (version < 1 || version > RDB_LOAD_MAX_VERSION) r.fail(`can't handle RDB format version ${JSON.stringify(text)} (nodis reads 1 to ${RDB_LOAD_MAX_VERSION})`, 5);
    this.version = version;
  }

  /** Parses records for up to sliceMs, refilling the window as needed. */
  private async slice(): Promise<void> {
    const deadline = performance.now() + this.sliceMs;
    let n = 0;
    while (!this.done) {
      if (this.r.remaining < this.lowWater && !this.src.atEnd) {
        await this.refill(this.lowWater * 4);
        continue;
      }
      const at = this.r.pos;
      try {
        this.record();
      } catch (e) {
        if (this.src.atEnd || !isShortRead(e)) throw e;
        // the record runs past the window: re-read it from its start with (at least) twice the bytes
        this.r.pos = at;
        await this.refill(Math.max(this.lowWater, 2 * this.r.remaining));
        continue;
      }
      if ((++n & 15) === 0 && performance.now() >= deadline) return;
    }
  }

  /** One record: opcodes that apply to the next key plus the key, or one standalone opcode. */
  private record(): void {
    const r = this.r;
    let expireAt = -1;
    for (;;) {
      const opAt = r.pos;
      const type = r.u8();
      switch (type) {
        case OP_EXPIRETIME:
          expireAt = r.secondTime() * 1000;
          continue;
        case OP_EXPIRETIME_MS:
          expireAt = r.millisecondTime();
          continue;
        case OP_FREQ:
          r.u8(); // LFU counter: nodis keeps no per-key access data
          continue;
        case OP_IDLE:
          r.length(); // LRU idle time
          continue;
        case OP_EOF:
          this.eof(opAt);
          return;
        case OP_SELECTDB: {
          const id = r.length();
          if (id >= this.keyspace.dbs.length) {
            r.fail(`the file selects DB ${id}, but this server has only ${this.keyspace.dbs.length} databases (raise 'databases')`, opAt);
          }
          this.db = this.keyspace.dbs[id];
          return;
        }
        case OP_RESIZEDB: {
          const size = r.length();
          r.length(); // expires size
          // a key takes at least 3 bytes of file: a corrupt size cannot make us allocate beyond that
          this.db.reserve(Math.min(size, Math.floor((this.src.totalBytes - this.src.start - r.pos) / 3)));
          return;
        }
        case OP_AUX:
          this.aux(r.stringLatin1(), r.stringLatin1());
          return;
        case OP_MODULE_AUX:
          throw new RdbUnsupportedKeyError(r.base + opAt, `module auxiliary data (MODULE_AUX, module id ${r.length()}): nodis does not support modules`);
        case OP_FUNCTION_PRE_GA:
        case OP_FUNCTION2:
          throw new RdbUnsupportedKeyError(r.base + opAt, 'function libraries (FUNCTION LOAD): nodis cannot load functions from an RDB file');
        default:
          if (!isObjectType(type)) r.fail(`unknown RDB opcode or object type ${type} (0x${type.toString(16)})`, opAt);
          this.keyValue(type, opAt, expireAt);
          return;
      }
    }
  }

  private keyValue(type: number, opAt: number, expireAt: number): void {
    const r = this.r;
    const key = r.stringLatin1();
    let value;
    try {
      value = readValue(r, type, this.opts.values);
    } catch (e) {
      if (e instanceof RdbEmptyKeyError) {
        // as Redis: an empty collection is skipped (the value was read whole)
        this.result.emptyKeysSkipped++;
        return;
      }
      if (e instanceof RdbUnsupportedTypeError) {
        throw new RdbUnsupportedKeyError(e.offset, `key ${printableKey(key)} in DB ${this.db.id} is a ${e.typeName}: nodis cannot hold this type`);
      }
      throw e;
    }
    if (this.skipExpired && expireAt !== -1 && expireAt < this.opts.now()) {
      this.result.keysExpired++;
      return;
    }
    if (!this.db.loadKey(key, value, expireAt)) r.fail(`duplicated key ${printableKey(key)} in DB ${this.db.id}`, opAt);
    this.result.keysLoaded++;
  }

  private aux(name: string, value: string): void {
    const a = this.result.aux;
    const int = (): number => {
      const v = Number(value);
      return Number.isFinite(v) ? v : 0;
    };
    switch (name) {
      case 'redis-ver':
        a.redisVer = value;
        break;
      case 'redis-bits':
        a.redisBits = int();
        break;
      case 'ctime':
        a.ctime = int();
        break;
      case 'used-mem':
        a.usedMem = int();
        break;
      case 'aof-base':
      case 'aof-preamble':
        a.aofBase = value !== '0';
        break;
      case 'repl-stream-db':
        this.replStreamDb = int();
        break;
      case 'repl-id':
        // as Redis: only a 40-character id counts
        if (value.length === 40) this.replId = value;
        break;
      case 'repl-offset':
        this.replOffset = int();
        break;
      default:
        // 'lua' (scripts of old versions) and anything unknown are ignored, as Redis does
        break;
    }
  }

  /** EOF opcode at opAt: then the 8-byte checksum (version 5 on). */
  private eof(opAt: number): void {
    const r = this.r;
    if (this.version >= 5) {
      // guarded: a retried EOF record (its checksum ran past the window) must not fold bytes twice
      const from = this.crcPos - this.src.start;
      if (opAt + 1 > from) this.crc.update(this.src.buf, from, opAt + 1);
      this.crcPos = this.src.start + opAt + 1;
      const sumAt = r.pos;
      const stored = r.u64le();
      if (stored === 0n) {
        this.result.checksum = 'disabled';
      } else {
        const computed = this.crc.value;
        if (stored !== computed) {
          r.fail(`wrong RDB checksum: the file has 0x${stored.toString(16)}, the contents give 0x${computed.toString(16)}`, sumAt);
        }
        this.result.checksum = 'verified';
      }
    }
    this.done = true;
  }
}
