/**
 * The snapshot as a stream of RDB bytes (Redis 7.0, RDB version 10): a SnapshotSink that encodes the
 * header and AUX fields, SELECTDB/RESIZEDB per db, each key (EXPIRETIME_MS, type, key, value) and EOF, and
 * hands the bytes in chunks to a consumer: the RDB file writer (rdb-file-writer.ts), or later a replica's
 * socket. Strings are written with deferred compression (RdbWriter.deferCompression): the consumer
 * compresses the marked spans and appends the CRC64 trailer, off the main thread.
 *
 * Values come from rdb-values.ts (writeValue: the type byte then the payload; the key goes in between, so
 * a value is written to a scratch writer and spliced). A big value in a non-compact encoding (hashtable
 * hash or set, skiplist zset, long list) is written in parts through a ValueCursor that reads the value by
 * element index, producing the same bytes as writeValue; the snapshot rebases the cursor on a clone if the
 * value is modified before it is finished. A list's quicklist node layout is computed when its cursor
 * starts (one O(n) pass); the nodes are then written a few at a time.
 */
import type { HashValue } from '../keyspace/types/hash.js';
import type { ListValue } from '../keyspace/types/list.js';
import type { SetValue } from '../keyspace/types/set.js';
import type { ZSetValue } from '../keyspace/types/zset.js';
import type { SkipNode } from '../keyspace/types/skiplist.js';
import type { Value } from '../keyspace/value.js';
import { encodeListpack } from './listpack.js';
import { lzfCompress } from './lzf.js';
import { RDB_ENC_LZF, RdbWriter } from './rdb-primitives.js';
import {
  quicklistNodes,
  RDB_TYPE_HASH,
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_TYPE_SET,
  RDB_TYPE_STRING,
  RDB_TYPE_ZSET_2,
  type RdbValueOptions,
  writeValue,
} from './rdb-values.js';
import type { SnapshotSink, ValueCursor } from './snapshot-sink.js';

export const RDB_VERSION = 10;

export const RDB_OPCODE_AUX = 0xfa;
export const RDB_OPCODE_RESIZEDB = 0xfb;
export const RDB_OPCODE_EXPIRETIME_MS = 0xfc;
export const RDB_OPCODE_SELECTDB = 0xfe;
export const RDB_OPCODE_EOF = 0xff;

/** Values with more elements than this (in a non-compact encoding) are written in parts. */
const PARTS_MIN_ELEMENTS = 1024;
const QUICKLIST_NODE_CONTAINER_PLAIN = 1;
const QUICKLIST_NODE_CONTAINER_PACKED = 2;
const MIN_COMPRESS_BYTES = 48;
const MIN_COMPRESS_IMPROVE = 8;

/** Where the RDB bytes go: RdbFileWriter, or a socket adapter. */
export interface RdbChunkConsumer {
  /** Takes ownership of chunk. Returns false when the producer should await drain(). */
  write(chunk: Buffer, spans: Uint32Array | null): boolean;
  drain(): Promise<void>;
}

/** rdbSaveInfoAuxFields's values. */
export interface RdbHeaderInfo {
  redisVer: string;
  /** Unix seconds. */
  ctime: number;
  usedMem: number;
  /** Set when saving for replication (rdbSaveInfo). */
  repl?: { streamDb: number; id: string; offset: number };
  aofBase?: boolean;
}

export class RdbSnapshotSink implements SnapshotSink {
  private readonly w = new RdbWriter(512 * 1024);
  private readonly scratch = new RdbWriter(16 * 1024);
  private needDrain = false;
  /** Bytes handed to the consumer (before compression). */
  bytes = 0;

  constructor(
    private readonly consumer: RdbChunkConsumer,
    private readonly opts: RdbValueOptions,
    header: RdbHeaderInfo,
    private readonly chunkBytes = 256 * 1024,
  ) {
    this.w.deferCompression = true;
    this.scratch.deferCompression = true;
    this.writeHeader(header);
  }

  private aux(key: string, value: string | number): void {
    const w = this.w;
    w.u8(RDB_OPCODE_AUX);
    w.string(key, this.opts.compress);
    if (typeof value === 'number') w.integerString(value);
    else w.string(value, this.opts.compress);
  }

  private writeHeader(h: RdbHeaderInfo): void {
    this.w.bytes(Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, '0')}`, 'latin1'));
    this.aux('redis-ver', h.redisVer);
    this.aux('redis-bits', 64);
    this.aux('ctime', h.ctime);
    this.aux('used-mem', h.usedMem);
    if (h.repl !== undefined) {
      this.aux('repl-stream-db', h.repl.streamDb);
      this.aux('repl-id', h.repl.id);
      this.aux('repl-offset', h.repl.offset);
    }
    this.aux('aof-base', h.aofBase === true ? 1 : 0);
  }

  /** Hands the bytes written so far to the consumer. */
  flush(): void {
    if (this.w.size === 0) return;
    const spans = this.w.takeSpans();
    const chunk = this.w.take();
    this.bytes += chunk.length;
    if (!this.consumer.write(chunk, spans.length > 0 ? spans : null)) this.needDrain = true;
  }

  /** Flushes when a chunk's worth is buffered. */
  maybeFlush(): void {
    if (this.w.size >= this.chunkBytes) this.flush();
  }

  beginDb(index: number, keys: number, expires: number): void {
    const w = this.w;
    w.u8(RDB_OPCODE_SELECTDB).length(index);
    w.u8(RDB_OPCODE_RESIZEDB).length(keys).length(expires);
  }

  entry(_db: number, key: string, value: Value, expireAt: number | undefined): ValueCursor | null {
    const w = this.w;
    if (expireAt !== undefined) w.u8(RDB_OPCODE_EXPIRETIME_MS).millisecondTime(expireAt);
    if (typeof value === 'string') {
      w.u8(RDB_TYPE_STRING);
      w.string(key, this.opts.compress);
      w.string(value, this.opts.compress);
      this.maybeFlush();
      return null;
    }
    const cursor = this.partCursor(key, value);
    if (cursor !== null) return cursor;
    const s = this.scratch;
    s.reset();
    writeValue(s, value, this.opts);
    w.u8(s.byteAt(0));
    w.string(key, this.opts.compress);
    w.append(s, 1);
    s.reset();
    this.maybeFlush();
    return null;
  }

  /** A cursor for a big value in a non-compact encoding, or null to write it whole. */
  private partCursor(key: string, value: Exclude<Value, string>): ValueCursor | null {
    switch (value.type) {
      case 'hash': {
        const h = value as HashValue;
        if (h.listpack || h.size <= PARTS_MIN_ELEMENTS) return null;
        return this.indexCursor(key, RDB_TYPE_HASH, h.size, h, (w, v, i, c) => {
          const d = (v as HashValue).dict;
          w.string(d.keyAt(i), c);
          w.string(d.valueAt(i), c);
        });
      }
      case 'set': {
        const st = value as SetValue;
        if (st.intset || st.size <= PARTS_MIN_ELEMENTS) return null;
        return this.indexCursor(key, RDB_TYPE_SET, st.size, st, (w, v, i, c) => {
          w.string((v as SetValue).dict.keyAt(i), c);
        });
      }
      case 'zset': {
        const z = value as ZSetValue;
        if (z.listpack || z.size <= PARTS_MIN_ELEMENTS) return null;
        return this.zsetCursor(key, z);
      }
      case 'list': {
        const l = value as ListValue;
        if (l.length <= PARTS_MIN_ELEMENTS) return null;
        return this.listCursor(key, l);
      }
      default:
        return null;
    }
  }

  private head(type: number, key: string, length: number): void {
    this.w.u8(type);
    this.w.string(key, this.opts.compress);
    this.w.length(length);
  }

  /** hash and set: length, then elements 0..n-1 by dict slot (the order writeValue iterates). */
  private indexCursor(
    key: string,
    type: number,
    n: number,
    value: Value,
    writeAt: (w: RdbWriter, v: Value, i: number, compress: boolean) => void,
  ): ValueCursor {
    this.head(type, key, n);
    let v = value;
    let i = 0;
    return {
      step: (budget) => {
        const end = Math.min(n, i + budget);
        const c = this.opts.compress;
        for (; i < end; i++) writeAt(this.w, v, i, c);
        this.maybeFlush();
        return i >= n;
      },
      rebase: (copy) => {
        v = copy;
      },
    };
  }

  /** zset skiplist: length, then member + binary score from the tail backwards (rdbSaveObject's order). */
  private zsetCursor(key: string, z: ZSetValue): ValueCursor {
    const n = z.size;
    this.head(RDB_TYPE_ZSET_2, key, n);
    let node: SkipNode | null = z.zsl.tail;
    let done = 0;
    return {
      step: (budget) => {
        const c = this.opts.compress;
        for (let k = 0; k < budget && node !== null; k++, done++) {
          this.w.string(node.member, c);
          this.w.binaryDouble(node.score);
          node = node.backward;
        }
        this.maybeFlush();
        return done >= n;
      },
      rebase: (copy) => {
        node = done >= n ? null : (copy as ZSetValue).nodeAt(n - 1 - done);
      },
    };
  }

  /** list: quicklist2 nodes as writeValue lays them out, a node at a time. */
  private listCursor(key: string, list: ListValue): ValueCursor {
    const opts = this.opts;
    const nodes = quicklistNodes(list, Math.max(-5, opts.listMaxListpackSize));
    this.head(RDB_TYPE_LIST_QUICKLIST_2, key, nodes.length);
    let l = list;
    let k = 0;
    const depth = opts.listCompressDepth;
    return {
      step: (budget) => {
        const w = this.w;
        let written = 0;
        while (k < nodes.length && written < budget) {
          const node = nodes[k];
          if (node.plain) {
            w.length(QUICKLIST_NODE_CONTAINER_PLAIN);
            w.string(l.at(node.start), opts.compress);
          } else {
            w.length(QUICKLIST_NODE_CONTAINER_PACKED);
            const entries: string[] = new Array<string>(node.end - node.start);
            for (let i = node.start; i < node.end; i++) entries[i - node.start] = l.at(i);
            const lp = encodeListpack(entries);
            let done = false;
            if (depth > 0 && k >= depth && k < nodes.length - depth && lp.length >= MIN_COMPRESS_BYTES) {
              const c = lzfCompress(lp, lp.length);
              if (c !== null && c.length + MIN_COMPRESS_IMPROVE < lp.length) {
                w.u8(0xc0 | RDB_ENC_LZF).length(c.length).length(lp.length).bytes(c);
                done = true;
              }
            }
            if (!done) w.string(lp, opts.compress);
          }
          written += node.end - node.start;
          k++;
        }
        this.maybeFlush();
        return k >= nodes.length;
      },
      rebase: (copy) => {
        l = copy as ListValue;
      },
    };
  }

  /**
   * Between slices: hands off what is buffered once it is worth a message (a quarter chunk; slices of a
   * millisecond would otherwise post a small buffer each), and waits when the consumer has too much in flight.
   */
  endSlice(): Promise<void> | void {
    if (this.w.size >= this.chunkBytes >>> 2) this.flush();
    if (this.needDrain) {
      this.needDrain = false;
      return this.consumer.drain();
    }
  }

  end(): void {
    this.w.u8(RDB_OPCODE_EOF);
    this.flush();
  }
}
