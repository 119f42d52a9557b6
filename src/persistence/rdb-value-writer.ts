/**
 * Writing one value as Redis 7.0's rdbSaveObjectType + rdbSaveObject do, byte for byte: strings with their
 * int/LZF encodings, lists as quicklist 2 with the nodes Redis's pushes would have formed (and inner nodes
 * LZF-compressed under list-compress-depth), intsets, listpack hashes and zsets, and the hashtable and
 * skiplist forms. Used by DUMP and the RDB file encoder.
 */
import type { HashValue } from '../keyspace/types/hash.js';
import type { ListValue } from '../keyspace/types/list.js';
import type { SetValue } from '../keyspace/types/set.js';
import type { ZSetValue } from '../keyspace/types/zset.js';
import type { Value } from '../keyspace/value.js';
import { quicklistNodes } from '../keyspace/types/quicklist-layout.js';
import { formatG17 } from '../util/format-double.js';
import { encodeIntset } from './intset.js';
import { encodeListpack } from './listpack.js';
import { lzfCompress } from './lzf.js';
import { type PackedInput, parseStrictInt64Latin1 } from './packed.js';
import { RDB_ENC_LZF, type RdbWriter } from './rdb-primitives.js';
import {
  QUICKLIST_NODE_CONTAINER_PACKED,
  QUICKLIST_NODE_CONTAINER_PLAIN,
  RDB_TYPE_HASH,
  RDB_TYPE_HASH_LISTPACK,
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_TYPE_SET,
  RDB_TYPE_SET_INTSET,
  RDB_TYPE_STRING,
  RDB_TYPE_ZSET_2,
  RDB_TYPE_ZSET_LISTPACK,
  type RdbValueOptions,
} from './rdb-value-types.js';

/** quicklist.c: nodes smaller than this are never compressed; compression must save more than 8 bytes. */
const MIN_COMPRESS_BYTES = 48;
const MIN_COMPRESS_IMPROVE = 8;

/** rdbSaveObjectType + rdbSaveObject for one value. */
export function writeValue(w: RdbWriter, value: Value, opts: RdbValueOptions): void {
  if (typeof value === 'string') {
    w.u8(RDB_TYPE_STRING);
    w.string(value, opts.compress);
    return;
  }
  switch (value.type) {
    case 'list':
      writeList(w, value as ListValue, opts);
      return;
    case 'set':
      writeSet(w, value as SetValue, opts);
      return;
    case 'hash':
      writeHash(w, value as HashValue, opts);
      return;
    case 'zset':
      writeZset(w, value as ZSetValue, opts);
      return;
    default:
      throw new Error(`rdb: cannot serialize a value of type ${value.type}`);
  }
}

function writeList(w: RdbWriter, list: ListValue, opts: RdbValueOptions): void {
  w.u8(RDB_TYPE_LIST_QUICKLIST_2);
  const nodes = quicklistNodes(list, opts.listMaxListpackSize);
  w.length(nodes.length);
  const depth = opts.listCompressDepth;
  for (let k = 0; k < nodes.length; k++) {
    const node = nodes[k];
    if (node.plain) {
      w.length(QUICKLIST_NODE_CONTAINER_PLAIN);
      w.string(list.at(node.start), opts.compress);
      continue;
    }
    w.length(QUICKLIST_NODE_CONTAINER_PACKED);
    const entries: string[] = new Array<string>(node.end - node.start);
    for (let i = node.start; i < node.end; i++) entries[i - node.start] = list.at(i);
    const lp = encodeListpack(entries);
    // with list-compress-depth, the inner nodes are held LZF-compressed and saved as they are held
    if (depth > 0 && k >= depth && k < nodes.length - depth && lp.length >= MIN_COMPRESS_BYTES) {
      const c = lzfCompress(lp, lp.length);
      if (c !== null && c.length + MIN_COMPRESS_IMPROVE < lp.length) {
        w.u8(0xc0 | RDB_ENC_LZF);
        w.length(c.length);
        w.length(lp.length);
        w.bytes(c);
        continue;
      }
    }
    w.string(lp, opts.compress);
  }
}

function writeSet(w: RdbWriter, set: SetValue, opts: RdbValueOptions): void {
  if (set.intset) {
    const ints: Array<number | bigint> = [];
    for (const m of set.members()) {
      const v = parseStrictInt64Latin1(m);
      if (v === null) break; // a set flagged intset by mistake (built without updateEncoding): write it plain
      ints.push(v);
    }
    if (ints.length === set.size) {
      w.u8(RDB_TYPE_SET_INTSET);
      w.string(encodeIntset(ints), opts.compress);
      return;
    }
  }
  w.u8(RDB_TYPE_SET);
  const d = set.dict;
  const n = d.size;
  w.length(n);
  for (let i = 0; i < n; i++) w.string(d.keyAt(i), opts.compress);
}

function writeHash(w: RdbWriter, hash: HashValue, opts: RdbValueOptions): void {
  if (hash.listpack) {
    const d = hash.dict;
    const n = d.size;
    const flat: string[] = new Array<string>(n * 2);
    for (let i = 0; i < n; i++) {
      flat[2 * i] = d.keyAt(i);
      flat[2 * i + 1] = d.valueAt(i);
    }
    w.u8(RDB_TYPE_HASH_LISTPACK);
    w.string(encodeListpack(flat), opts.compress);
    return;
  }
  w.u8(RDB_TYPE_HASH);
  const d = hash.dict;
  const n = d.size;
  w.length(n);
  for (let i = 0; i < n; i++) {
    w.string(d.keyAt(i), opts.compress);
    w.string(d.valueAt(i), opts.compress);
  }
}

/** double2ll: integral doubles within +-2^62 go into a listpack as integers. */
function isLong(d: number): boolean {
  return Number.isInteger(d) && d >= -4611686018427387904 && d <= 4611686018427387904;
}

function writeZset(w: RdbWriter, zset: ZSetValue, opts: RdbValueOptions): void {
  if (zset.listpack) {
    // zzlInsertAt: the member, then the score as an integer when integral, else as d2string's %.17g
    // (a %.17g text of a non-integral score never reads as an integer, so it can go in as a string)
    const flat: PackedInput[] = new Array<PackedInput>(zset.size * 2);
    let i = 0;
    for (let x = zset.zsl.first(); x !== null; x = x.succ) {
      const s = x.score;
      flat[i++] = x.member;
      flat[i++] = isLong(s) ? (Number.isSafeInteger(s) ? s : BigInt(s)) : formatG17(s);
    }
    w.u8(RDB_TYPE_ZSET_LISTPACK);
    w.string(encodeListpack(flat), opts.compress);
    return;
  }
  // rdbSaveObject walks the skiplist from the tail, so a load inserts at the head cheaply
  w.u8(RDB_TYPE_ZSET_2);
  w.length(zset.size);
  for (let x = zset.zsl.tail; x !== null; x = x.backward) {
    w.string(x.member, opts.compress);
    w.binaryDouble(x.score);
  }
}

