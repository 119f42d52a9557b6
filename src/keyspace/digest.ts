/**
 * The dataset digest of DEBUG DIGEST and DEBUG DIGEST-VALUE, computed exactly as Redis 7.0's
 * debug.c does (xorDigest, mixDigest, xorObjectDigest, computeDatasetDigest), so a nodis
 * dataset and a redis-server dataset holding the same data print the same 40 hex digits.
 *
 * - xorDigest(d, data):  d ^= SHA1(data)             order-insensitive ("adds" unordered elements)
 * - mixDigest(d, data):  d = SHA1(d ^ SHA1(data))     order-sensitive (list elements, key then value)
 *
 * A key's digest mixes the key, the big-endian type code (OBJ_STRING 0, LIST 1, SET 2, ZSET 3,
 * HASH 4), then the value: a string's bytes; each list element in order; the xor of every set
 * member; the xor of a per-element digest for hashes (field, value) and sorted sets (member,
 * score printed with "%.17g", for both encodings); then "!!expire!!" xored in when the key has a
 * TTL. The dataset digest xors the key digests of each non-empty db after mixing in the db
 * number (htonl(j)), so an empty dataset is twenty zero bytes. As Redis's dict walk, logically
 * expired keys still present are included. Integers Redis keeps encoded (int strings, intset
 * and listpack integers) are hashed in their decimal form, which is what nodis stores.
 */
import { formatG17 } from '../util/format-double.js';
import { sha1Into } from '../util/sha1.js';
import type { Db } from './db.js';
import type { HashValue } from './types/hash.js';
import type { ListValue } from './types/list.js';
import type { SetValue } from './types/set.js';
import type { ZSetValue } from './types/zset.js';
import type { TypeName, Value } from './value.js';

/** Redis's OBJ_* type codes (server.h). */
const TYPE_CODE: Record<TypeName, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };

/** The 4 bytes of htonl(n). */
function be32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

const hashed = new Uint8Array(20);

/** digest ^= SHA1(data). Strings are latin1 (one char per byte). */
export function xorDigest(digest: Buffer, data: string | Buffer): void {
  sha1Into(data, hashed);
  for (let j = 0; j < 20; j++) digest[j] ^= hashed[j];
}

/** digest = SHA1(digest ^ SHA1(data)). */
export function mixDigest(digest: Buffer, data: string | Buffer): void {
  xorDigest(digest, data);
  sha1Into(digest, digest);
}

/**
 * xorObjectDigest: mixes the type, the value and (as an xor) the expire flag of `key` into
 * `digest` (not reset first, as in Redis).
 */
export function xorObjectDigest(db: Db, key: string, digest: Buffer, v: Value): void {
  const type: TypeName = typeof v === 'string' ? 'string' : v.type;
  mixDigest(digest, be32(TYPE_CODE[type]));
  switch (type) {
    case 'string':
      mixDigest(digest, v as string);
      break;
    case 'list': {
      const l = v as ListValue;
      for (let i = 0, n = l.length; i < n; i++) mixDigest(digest, l.at(i));
      break;
    }
    case 'set':
      for (const m of (v as SetValue).members()) xorDigest(digest, m);
      break;
    case 'zset': {
      const ele = Buffer.alloc(20);
      for (const [m, score] of (v as ZSetValue).dict.entries()) {
        ele.fill(0);
        mixDigest(ele, m);
        mixDigest(ele, formatG17(score));
        xorDigest(digest, ele);
      }
      break;
    }
    case 'hash': {
      const ele = Buffer.alloc(20);
      for (const [f, val] of (v as HashValue).entries()) {
        ele.fill(0);
        mixDigest(ele, f);
        mixDigest(ele, val);
        xorDigest(digest, ele);
      }
      break;
    }
    case 'stream':
      // nodis has no stream type yet: nothing can hold one
      throw new Error('DEBUG DIGEST: stream values are not supported');
  }
  if (db.expires.has(key)) xorDigest(digest, '!!expire!!');
}

/** DEBUG DIGEST-VALUE's digest of one key of db (all zeros when absent, expired or not). */
export function valueDigest(db: Db, key: string): Buffer {
  const digest = Buffer.alloc(20);
  const v = db.peek(key); // no lazy expiry, as Redis's dictFind
  if (v !== undefined) xorObjectDigest(db, key, digest, v);
  return digest;
}

/** computeDatasetDigest over the dbs in order (index = db number). */
export function datasetDigest(dbs: readonly Db[]): Buffer {
  const final = Buffer.alloc(20);
  const digest = Buffer.alloc(20);
  for (let j = 0; j < dbs.length; j++) {
    const db = dbs[j];
    if (db.size === 0) continue;
    mixDigest(final, be32(j));
    for (let p = 0, pages = db.pageCount; p < pages; p++) {
      for (const [key, v] of db.page(p)) {
        digest.fill(0);
        mixDigest(digest, key);
        xorObjectDigest(db, key, digest, v);
        xorDigest(final, digest);
      }
    }
  }
  return final;
}
