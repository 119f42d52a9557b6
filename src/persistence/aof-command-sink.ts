/**
 * The snapshot as the shortest commands that rebuild it: a SnapshotSink writing what Redis 7.0's
 * rewriteAppendOnlyFileRio writes for `aof-use-rdb-preamble no` (BGREWRITEAOF's base file). Per db a
 * SELECT; per key SET, or RPUSH / SADD / ZADD / HMSET with at most AOF_REWRITE_ITEMS_PER_CMD elements a
 * command; then PEXPIREAT <abs ms> when the key has a TTL. ZADD scores are printed as Redis's
 * rioWriteBulkDouble does (%.17g: 0.1 is 0.10000000000000001, inf, -inf).
 *
 * Element orders follow Redis where Redis's is deterministic: a list head to tail, an intset ascending
 * (SetValue.toArray), a listpack hash in insertion order, a zset by ascending score. (A hashtable set or
 * hash and a skiplist zset come out in dict order in Redis, which is random: any order rebuilds them.)
 *
 * Bytes go to an RdbChunkConsumer (the RDB file writer's worker, with no spans: nothing to compress) in
 * chunks of about 256 KB, each in a fresh unpooled Buffer that is transferred to the worker. A value with
 * more than PARTS_MIN_ELEMENTS elements is written in parts through a ValueCursor (the snapshot rebases it
 * on a clone when the value is modified before it is finished).
 */
import type { HashValue } from '../keyspace/types/hash.js';
import type { ListValue } from '../keyspace/types/list.js';
import type { SetValue } from '../keyspace/types/set.js';
import type { SkipNode } from '../keyspace/types/skiplist.js';
import type { ZSetValue } from '../keyspace/types/zset.js';
import type { Value } from '../keyspace/value.js';
import { formatG17 } from '../util/format-double.js';
import type { RdbChunkConsumer } from './rdb-snapshot-sink.js';
import type { SnapshotSink, ValueCursor } from './snapshot-sink.js';

/** Redis's AOF_REWRITE_ITEMS_PER_CMD: elements per RPUSH / SADD / ZADD / HMSET of a rewrite. */
export const AOF_REWRITE_ITEMS_PER_CMD = 64;
/** Values with more elements than this are written in parts (as the RDB sink does). */
const PARTS_MIN_ELEMENTS = 1024;
const CHUNK_BYTES = 256 * 1024;

/**
 * A growing output of RESP text in an unpooled Buffer, handed off in chunks. Strings are latin1 (one
 * char per byte), so lengths are byte lengths and latin1Write copies them as they are.
 */
class RespOut {
  buf: Buffer;
  pos = 0;

  constructor(private readonly chunkBytes: number) {
    this.buf = Buffer.allocUnsafeSlow(chunkBytes);
  }

  /** Room for n more bytes: the caller takes the chunk first when it is full (see AofCommandSink.room). */
  grow(n: number): void {
    const size = Math.max(this.chunkBytes, this.pos + n);
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** The bytes written so far (a view of the whole unpooled buffer from offset 0: transferable). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafeSlow(this.chunkBytes);
    this.pos = 0;
    return out;
  }

  /** Writes text known to fit. */
  text(s: string): void {
    this.pos += this.buf.latin1Write(s, this.pos);
  }
}

/** How a collection's elements are read for the batched command (by index; rebased on a clone). */
interface Elements {
  /** RPUSH / SADD / ZADD / HMSET. */
  readonly cmd: string;
  /** Bulk strings per element: 1, or 2 for ZADD (score, member) and HMSET (field, value). */
  readonly per: 1 | 2;
  readonly n: number;
  /** Writes element i (its one or two bulks). */
  write(out: AofCommandSink, i: number): void;
  rebase(copy: Value): void;
}

export class AofCommandSink implements SnapshotSink {
  private readonly out: RespOut;
  private needDrain = false;
  /** Bytes handed to the consumer. */
  bytes = 0;

  constructor(
    private readonly consumer: RdbChunkConsumer,
    opts: { timestampSec?: number } = {},
    private readonly chunkBytes = CHUNK_BYTES,
  ) {
    this.out = new RespOut(chunkBytes);
    // aof-timestamp-enabled: the rewrite starts with its timestamp annotation (genAofTimestampAnnotationIfNeeded)
    if (opts.timestampSec !== undefined) this.raw(`#TS:${opts.timestampSec}\r\n`);
  }

  // --- RESP output ---

  /** Makes room for n bytes: hands off the current chunk when it would overflow. */
  private room(n: number): void {
    const o = this.out;
    if (o.pos + n <= o.buf.length) return;
    if (o.pos >= this.chunkBytes / 2) this.flush();
    if (o.pos + n > o.buf.length) o.grow(n);
  }

  private raw(s: string): void {
    this.room(s.length);
    this.out.text(s);
  }

  /** `$<len>\r\n<s>\r\n`. */
  bulk(s: string): void {
    const head = `$${s.length}\r\n`;
    this.room(head.length + s.length + 2);
    const o = this.out;
    o.text(head);
    o.text(s);
    o.buf[o.pos++] = 13;
    o.buf[o.pos++] = 10;
  }

  /** A score as rioWriteBulkDouble prints it. */
  bulkDouble(d: number): void {
    this.bulk(formatG17(d));
  }

  /** Hands the bytes written so far to the consumer. */
  flush(): void {
    if (this.out.pos === 0) return;
    const chunk = this.out.take();
    this.bytes += chunk.length;
    if (!this.consumer.write(chunk, null)) this.needDrain = true;
  }

  private maybeFlush(): void {
    if (this.out.pos >= this.chunkBytes) this.flush();
  }

  // --- SnapshotSink ---

  beginDb(index: number): void {
    const db = String(index);
    this.raw(`*2\r\n$6\r\nSELECT\r\n$${db.length}\r\n${db}\r\n`);
  }

  entry(_db: number, key: string, value: Value, expireAt: number | undefined): ValueCursor | null {
    if (typeof value === 'string') {
      this.raw('*3\r\n$3\r\nSET\r\n');
      this.bulk(key);
      this.bulk(value);
      if (expireAt !== undefined) this.expire(key, expireAt);
      this.maybeFlush();
      return null;
    }
    const els = elementsOf(value);
    if (els === null) throw new Error(`aof rewrite: cannot write a value of type ${value.type}`);
    let i = 0;
    let count = 0;
    const n = els.n;
    /** Writes elements up to `end`, starting a command every AOF_REWRITE_ITEMS_PER_CMD (rewriteListObject). */
    const writeTo = (end: number): void => {
      for (; i < end; i++) {
        if (count === 0) {
          const items = Math.min(AOF_REWRITE_ITEMS_PER_CMD, n - i);
          this.raw(`*${2 + items * els.per}\r\n$${els.cmd.length}\r\n${els.cmd}\r\n`);
          this.bulk(key);
        }
        els.write(this, i);
        if (++count === AOF_REWRITE_ITEMS_PER_CMD) count = 0;
      }
    };
    const finish = (): void => {
      if (expireAt !== undefined) this.expire(key, expireAt);
      this.maybeFlush();
    };
    if (n <= PARTS_MIN_ELEMENTS) {
      writeTo(n);
      finish();
      return null;
    }
    return {
      step: (budget) => {
        writeTo(Math.min(n, i + budget));
        if (i < n) {
          this.maybeFlush();
          return false;
        }
        finish();
        return true;
      },
      rebase: (copy) => els.rebase(copy),
    };
  }

  private expire(key: string, at: number): void {
    this.raw('*3\r\n$9\r\nPEXPIREAT\r\n');
    this.bulk(key);
    this.bulk(String(at));
  }

  /** Hands off the slice's bytes; waits when the consumer has too much in flight. */
  endSlice(): Promise<void> | void {
    this.flush();
    if (this.needDrain) {
      this.needDrain = false;
      return this.consumer.drain();
    }
  }

  end(): void {
    this.flush();
  }
}

/** The element reader of a collection, or null for a type the rewrite does not know. */
function elementsOf(value: Exclude<Value, string>): Elements | null {
  switch (value.type) {
    case 'list': {
      let l = value as ListValue;
      return {
        cmd: 'RPUSH',
        per: 1,
        n: l.length,
        write: (out, i) => out.bulk(l.at(i)),
        rebase: (copy) => {
          l = copy as ListValue;
        },
      };
    }
    case 'set': {
      const st = value as SetValue;
      if (st.intset) {
        // an intset is written ascending, as Redis iterates it; the sorted array is already a copy
        const members = st.toArray();
        return { cmd: 'SADD', per: 1, n: members.length, write: (out, i) => out.bulk(members[i]), rebase: () => {} };
      }
      let d = st.dict;
      return {
        cmd: 'SADD',
        per: 1,
        n: st.size,
        write: (out, i) => out.bulk(d.keyAt(i)),
        rebase: (copy) => {
          d = (copy as SetValue).dict;
        },
      };
    }
    case 'hash': {
      let d = (value as HashValue).dict;
      return {
        cmd: 'HMSET',
        per: 2,
        n: d.size,
        write: (out, i) => {
          out.bulk(d.keyAt(i));
          out.bulk(d.valueAt(i));
        },
        rebase: (copy) => {
          d = (copy as HashValue).dict;
        },
      };
    }
    case 'zset': {
      // ascending by (score, member), following level-0 links; index i is always the next node's rank
      const z = value as ZSetValue;
      let node: SkipNode | null = z.nodeAt(0);
      let at = 0;
      return {
        cmd: 'ZADD',
        per: 2,
        n: z.size,
        write: (out, i) => {
          if (i !== at || node === null) throw new Error('aof rewrite: zset read out of order');
          out.bulkDouble(node.score);
          out.bulk(node.member);
          node = node.succ;
          at++;
        },
        rebase: (copy) => {
          node = (copy as ZSetValue).nodeAt(at);
        },
      };
    }
    default:
      return null;
  }
}
