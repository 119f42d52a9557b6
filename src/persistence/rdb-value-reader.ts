/**
 * Reading one value as Redis 7.0's rdbLoadObject does, for every value type Redis 7.0 and 7.2 write:
 * strings; lists as linked lists, ziplists, quicklist 1 and 2 (plain and packed nodes); sets plain, intset
 * and 7.2's listpack; zsets with string or binary doubles, ziplist and listpack; hashes plain, zipmap, ziplist
 * and listpack. The encoding flags end where Redis leaves them after loading, and Redis's load-time checks
 * apply (empty keys, duplicates, odd pair counts, NaN scores, every blob deep-validated), each failure an
 * RdbFormatError naming the offset. Streams and modules are refused with RdbUnsupportedTypeError.
 */
import { HashValue } from '../keyspace/types/hash.js';
import { ListValue } from '../keyspace/types/list.js';
import { isInt64, SetValue } from '../keyspace/types/set.js';
import { ZSetValue } from '../keyspace/types/zset.js';
import type { Value } from '../keyspace/value.js';
import { strtodStrict } from '../util/strtod.js';
import { decodeIntset } from './intset.js';
import { decodeListpackText } from './listpack.js';
import { CorruptPackedError, type PackedText } from './packed.js';
import type { RdbReader } from './rdb-primitives.js';
import {
  QUICKLIST_NODE_CONTAINER_PACKED,
  QUICKLIST_NODE_CONTAINER_PLAIN,
  RDB_TYPE_HASH,
  RDB_TYPE_HASH_LISTPACK,
  RDB_TYPE_HASH_ZIPLIST,
  RDB_TYPE_HASH_ZIPMAP,
  RDB_TYPE_LIST,
  RDB_TYPE_LIST_QUICKLIST,
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_TYPE_LIST_ZIPLIST,
  RDB_TYPE_MODULE_2,
  RDB_TYPE_MODULE_PRE_GA,
  RDB_TYPE_SET,
  RDB_TYPE_SET_INTSET,
  RDB_TYPE_SET_LISTPACK,
  RDB_TYPE_STREAM_LISTPACKS,
  RDB_TYPE_STREAM_LISTPACKS_2,
  RDB_TYPE_STREAM_LISTPACKS_3,
  RDB_TYPE_STRING,
  RDB_TYPE_ZSET,
  RDB_TYPE_ZSET_2,
  RDB_TYPE_ZSET_LISTPACK,
  RDB_TYPE_ZSET_ZIPLIST,
  RdbEmptyKeyError,
  RdbUnsupportedTypeError,
  type RdbValueOptions,
} from './rdb-value-types.js';
import { decodeZiplistText } from './ziplist.js';
import { decodeZipmap } from './zipmap.js';

/** Runs a blob decoder, turning its corruption error into an RdbFormatError at the blob's offset. */
function decodeAt<T>(r: RdbReader, at: number, what: string, decode: (blob: Buffer) => T, blob: Buffer): T {
  try {
    return decode(blob);
  } catch (e) {
    if (e instanceof CorruptPackedError) r.fail(`${what} integrity check failed (${e.message})`, at);
    throw e;
  }
}

const entryText = (e: PackedText): string => (typeof e === 'string' ? e : String(e));

/** Appends the entries' texts to `out` from index `at`; returns `out`. */
function entryTexts(entries: readonly PackedText[], out: string[], at: number): string[] {
  for (let i = 0; i < entries.length; i++) out[at + i] = entryText(entries[i]!);
  return out;
}

/** The index of the first of the first `n` strings that repeats an earlier one, -1 when none does. */
function firstRepeat(items: readonly string[], n: number): number {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    if (seen.has(items[i]!)) return i;
    seen.add(items[i]!);
  }
  return -1;
}

function emptyKey(r: RdbReader, at: number): never {
  throw new RdbEmptyKeyError(r.base + at, 'empty keys are not allowed');
}

/**
 * rdbLoadObject: reads the payload of a value whose object type byte (already read) is `type`, starting at
 * the reader's position.
 */
export function readValue(r: RdbReader, type: number, opts: RdbValueOptions): Value {
  const at = r.pos;
  switch (type) {
    case RDB_TYPE_STRING:
      return r.stringLatin1();
    case RDB_TYPE_LIST:
      return readLinkedList(r, at);
    case RDB_TYPE_LIST_ZIPLIST: {
      const bat = r.pos;
      const blob = r.string();
      const entries = decodeAt(r, bat, 'list ziplist', decodeZiplistText, blob);
      if (entries.length === 0) emptyKey(r, at);
      return ListValue.fromArray(entryTexts(entries, new Array<string>(entries.length), 0));
    }
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
      return readQuicklist(r, type, at);
    case RDB_TYPE_SET:
      return readPlainSet(r, at, opts);
    case RDB_TYPE_SET_INTSET: {
      const bat = r.pos;
      const blob = r.string();
      const members = decodeAt(r, bat, 'intset', decodeIntset, blob);
      if (members.length === 0) r.fail('intset integrity check failed (empty intset)', bat);
      const set = new SetValue();
      set.initMembers(members.map(String)); // strictly ascending: distinct
      set.intset = set.size <= opts.setMaxIntsetEntries;
      return set;
    }
    case RDB_TYPE_SET_LISTPACK: {
      const bat = r.pos;
      const blob = r.string();
      const entries = decodeAt(r, bat, 'set listpack', decodeListpackText, blob);
      if (entries.length === 0) emptyKey(r, at);
      const set = new SetValue();
      if (set.initMembers(entryTexts(entries, new Array<string>(entries.length), 0)) !== -1) {
        r.fail('set listpack integrity check failed (duplicate members)', bat);
      }
      set.updateEncoding(opts.setMaxIntsetEntries);
      return set;
    }
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
      return readPlainZset(r, type, at, opts);
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK: {
      const bat = r.pos;
      const blob = r.string();
      const what = type === RDB_TYPE_ZSET_ZIPLIST ? 'zset ziplist' : 'zset listpack';
      const entries = decodeAt(r, bat, what, type === RDB_TYPE_ZSET_ZIPLIST ? decodeZiplistText : decodeListpackText, blob);
      if (entries.length % 2 !== 0) r.fail(`${what} integrity check failed (odd number of entries)`, bat);
      if (entries.length === 0) emptyKey(r, at);
      const n = entries.length >> 1;
      const members = new Array<string>(n);
      const scores = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        members[i] = entryText(entries[2 * i]);
        const score = packedScore(entries[2 * i + 1]);
        if (score === null) {
          // a repeated member before it is reported first, as when adding one by one
          if (firstRepeat(members, i) !== -1) r.fail(`${what} integrity check failed (duplicate members)`, bat);
          r.fail(`${what} integrity check failed (invalid score)`, bat);
        }
        scores[i] = score;
      }
      const zset = new ZSetValue();
      if (zset.initEntries(members, scores) !== -1) r.fail(`${what} integrity check failed (duplicate members)`, bat);
      if (zset.size > opts.zsetMaxListpackEntries) zset.listpack = false;
      return zset;
    }
    case RDB_TYPE_HASH:
      return readPlainHash(r, at, opts);
    case RDB_TYPE_HASH_ZIPMAP: {
      const bat = r.pos;
      const blob = r.string();
      const flat = decodeAt(r, bat, 'zipmap', decodeZipmap, blob);
      const hash = new HashValue();
      let maxlen = 0;
      for (let i = 0; i < flat.length; i += 2) {
        maxlen = Math.max(maxlen, flat[i].length, flat[i + 1].length);
        if (!hash.set(flat[i].latin1Slice(), flat[i + 1].latin1Slice())) {
          r.fail('zipmap integrity check failed (duplicate fields)', bat);
        }
      }
      hash.listpack = hash.size <= opts.hashMaxListpackEntries && maxlen <= opts.hashMaxListpackValue;
      return hash;
    }
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK: {
      const bat = r.pos;
      const blob = r.string();
      const what = type === RDB_TYPE_HASH_ZIPLIST ? 'hash ziplist' : 'hash listpack';
      const entries = decodeAt(r, bat, what, type === RDB_TYPE_HASH_ZIPLIST ? decodeZiplistText : decodeListpackText, blob);
      if (entries.length % 2 !== 0) r.fail(`${what} integrity check failed (odd number of entries)`, bat);
      if (entries.length === 0) emptyKey(r, at);
      const n = entries.length >> 1;
      const fields = new Array<string>(n);
      const values = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        fields[i] = entryText(entries[2 * i]);
        values[i] = entryText(entries[2 * i + 1]);
      }
      const hash = new HashValue();
      if (hash.initEntries(fields, values) !== -1) r.fail(`${what} integrity check failed (duplicate fields)`, bat);
      hash.listpack = hash.size <= opts.hashMaxListpackEntries;
      return hash;
    }
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
    case RDB_TYPE_STREAM_LISTPACKS_3:
      throw new RdbUnsupportedTypeError(r.base + at - 1, `stream (RDB type ${type})`);
    case RDB_TYPE_MODULE_PRE_GA:
    case RDB_TYPE_MODULE_2:
      throw new RdbUnsupportedTypeError(r.base + at - 1, `module (RDB type ${type})`);
    default:
      if (type >= 22 && type <= 25) throw new RdbUnsupportedTypeError(r.base + at - 1, `hash with field expiry (RDB type ${type}, Redis 7.4)`);
      r.fail(`unknown object type ${type}`, at - 1);
  }
}

/** A listpack/ziplist zset score: an integer entry, or a string strtod accepts (not NaN). */
function packedScore(e: PackedText): number | null {
  if (typeof e === 'number') return e;
  if (typeof e === 'bigint') return Number(e);
  return strtodStrict(e);
}

function readLinkedList(r: RdbReader, at: number): ListValue {
  const n = r.length();
  if (n === 0) emptyKey(r, at);
  const items: string[] = [];
  for (let i = 0; i < n; i++) items.push(r.stringLatin1());
  return ListValue.fromArray(items);
}

function readQuicklist(r: RdbReader, type: number, at: number): ListValue {
  const nodes = r.length();
  if (nodes === 0) emptyKey(r, at);
  const items: string[] = [];
  for (let k = 0; k < nodes; k++) {
    let container = QUICKLIST_NODE_CONTAINER_PACKED;
    if (type === RDB_TYPE_LIST_QUICKLIST_2) {
      const cat = r.pos;
      container = r.length();
      if (container !== QUICKLIST_NODE_CONTAINER_PACKED && container !== QUICKLIST_NODE_CONTAINER_PLAIN) {
        r.fail(`quicklist integrity check failed (node container ${container})`, cat);
      }
    }
    const bat = r.pos;
      const blob = r.string();
    if (blob.length === 0) r.fail('quicklist integrity check failed (empty node)', bat);
    if (container === QUICKLIST_NODE_CONTAINER_PLAIN) {
      items.push(blob.latin1Slice());
      continue;
    }
    // empty packed nodes are skipped silently, as Redis does
    const entries =
      type === RDB_TYPE_LIST_QUICKLIST_2
        ? decodeAt(r, bat, 'listpack', decodeListpackText, blob)
        : decodeAt(r, bat, 'ziplist', decodeZiplistText, blob);
    entryTexts(entries, items, items.length);
  }
  if (items.length === 0) emptyKey(r, at);
  return ListValue.fromArray(items);
}

function readPlainSet(r: RdbReader, at: number, opts: RdbValueOptions): SetValue {
  const n = r.length();
  if (n === 0) emptyKey(r, at);
  const set = new SetValue();
  // too many entries for an intset: a hashtable from the start (max_entries capped at 2^30 as Redis does)
  set.intset = n <= Math.min(opts.setMaxIntsetEntries, 2 ** 30);
  const members: string[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < n; i++) {
    offsets.push(r.pos);
    const m = r.stringLatin1();
    if (set.intset && !isInt64(m)) set.intset = false;
    members.push(m);
  }
  const dup = set.initMembers(members);
  if (dup !== -1) r.fail('duplicate set members detected', offsets[dup]!);
  return set;
}

function readPlainZset(r: RdbReader, type: number, at: number, opts: RdbValueOptions): ZSetValue {
  const n = r.length();
  if (n === 0) emptyKey(r, at);
  const zset = new ZSetValue();
  zset.listpack = false;
  let sawNegZero = false;
  const members: string[] = [];
  const scores: number[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < n; i++) {
    const mat = r.pos;
    offsets.push(mat);
    const m = r.stringLatin1();
    const score = type === RDB_TYPE_ZSET_2 ? r.binaryDouble() : r.doubleString();
    if (Number.isNaN(score)) {
      // a repeated member before it is reported first, as when adding one by one
      const dup = firstRepeat(members, i);
      if (dup !== -1) r.fail('duplicate zset fields detected', offsets[dup]!);
      r.fail('zset with NAN score detected', mat);
    }
    if (Object.is(score, -0)) sawNegZero = true;
    members.push(m);
    scores.push(score);
  }
  const dup = zset.initEntries(members, scores);
  if (dup !== -1) r.fail('duplicate zset fields detected', offsets[dup]!);
  // converted after loading, since the elements are not stored in order
  zset.convertToListpackIfSmall(opts.zsetMaxListpackEntries, opts.zsetMaxListpackValue);
  if (zset.listpack && sawNegZero) {
    // a listpack holds an integral score as an integer: -0 becomes 0 (zzlInsertAt)
    for (const [m, s] of [...zset.entries()]) {
      if (Object.is(s, -0)) {
        zset.remove(m);
        zset.set(m, 0);
      }
    }
  }
  return zset;
}

function readPlainHash(r: RdbReader, at: number, opts: RdbValueOptions): HashValue {
  const n = r.length();
  if (n === 0) emptyKey(r, at);
  const hash = new HashValue();
  hash.listpack = n <= opts.hashMaxListpackEntries;
  const fields: string[] = [];
  const values: string[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < n; i++) {
    offsets.push(r.pos);
    const f = r.stringLatin1();
    const v = r.stringLatin1();
    if (hash.listpack && (f.length > opts.hashMaxListpackValue || v.length > opts.hashMaxListpackValue)) hash.listpack = false;
    fields.push(f);
    values.push(v);
  }
  const dup = hash.initEntries(fields, values);
  if (dup !== -1) r.fail('duplicate hash fields detected', offsets[dup]!);
  return hash;
}

/** Bytes one element takes in a listpack: encoding + data + backlen (lpEncodeGetType + lpEncodeBacklen). */
