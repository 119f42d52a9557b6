/**
 * What a key holds. A string value is a latin1 JS string (one char per byte: binary-safe, and
 * about half the heap of a Buffer per key, measured with 1M keys); the collection types of a
 * later issue are objects tagged with their type name.
 */

export type TypeName = 'string' | 'list' | 'hash' | 'set' | 'zset' | 'stream';

/** Base shape of every non-string value. */
export interface CollectionValue {
  readonly type: Exclude<TypeName, 'string'>;
  /** What OBJECT ENCODING answers (Redis 7.0's encoding for the same data and thresholds). */
  readonly encoding: string;
}

export type Value = string | CollectionValue;

export function typeOf(v: Value): TypeName {
  return typeof v === 'string' ? 'string' : v.type;
}
