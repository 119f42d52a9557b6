/**
 * RDB object types (rdb.h), the load-time errors every value reader shares, and RdbValueOptions: the
 * configuration that decides how values are written (rdbcompression, quicklist fill and compression) and
 * which encoding a loaded value gets (the listpack / intset thresholds).
 */
import { RdbFormatError } from './rdb-primitives.js';

// --- Object types (rdb.h) ---

export const RDB_TYPE_STRING = 0;
export const RDB_TYPE_LIST = 1;
export const RDB_TYPE_SET = 2;
export const RDB_TYPE_ZSET = 3;
export const RDB_TYPE_HASH = 4;
export const RDB_TYPE_ZSET_2 = 5;
export const RDB_TYPE_MODULE_PRE_GA = 6;
export const RDB_TYPE_MODULE_2 = 7;
export const RDB_TYPE_HASH_ZIPMAP = 9;
export const RDB_TYPE_LIST_ZIPLIST = 10;
export const RDB_TYPE_SET_INTSET = 11;
export const RDB_TYPE_ZSET_ZIPLIST = 12;
export const RDB_TYPE_HASH_ZIPLIST = 13;
export const RDB_TYPE_LIST_QUICKLIST = 14;
export const RDB_TYPE_STREAM_LISTPACKS = 15;
export const RDB_TYPE_HASH_LISTPACK = 16;
export const RDB_TYPE_ZSET_LISTPACK = 17;
export const RDB_TYPE_LIST_QUICKLIST_2 = 18;
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19;
export const RDB_TYPE_SET_LISTPACK = 20;
export const RDB_TYPE_STREAM_LISTPACKS_3 = 21;

/** The object types a value may have (rdbIsObjectType): 0-7 and 9-21 (up to Redis 7.2). */
export function isObjectType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 21);
}

/** quicklist.c: how a quicklist 2 node holds its data. */
export const QUICKLIST_NODE_CONTAINER_PLAIN = 1;
export const QUICKLIST_NODE_CONTAINER_PACKED = 2;

export class RdbEmptyKeyError extends RdbFormatError {
  override name = 'RdbEmptyKeyError';
}

export class RdbUnsupportedTypeError extends RdbFormatError {
  override name = 'RdbUnsupportedTypeError';
  constructor(
    offset: number,
    readonly typeName: string,
  ) {
    super(offset, `values of type ${typeName} are not supported by nodis`);
  }
}

/** The configuration that decides how values are written and which encoding a loaded value gets. */
export interface RdbValueOptions {
  /** rdbcompression: LZF for strings longer than 20 bytes. */
  compress: boolean;
  /** list-max-listpack-size (quicklist fill). */
  listMaxListpackSize: number;
  /** list-compress-depth: quicklist nodes this far from either end stay uncompressed. */
  listCompressDepth: number;
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  setMaxIntsetEntries: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
}

/** Redis's defaults. */
export const DEFAULT_RDB_VALUE_OPTIONS: Readonly<RdbValueOptions> = Object.freeze({
  compress: true,
  listMaxListpackSize: -2,
  listCompressDepth: 0,
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
});

/** The options from a config with Redis's directive names. */
export function rdbValueOptionsFrom(cfg: { getNumber(name: string): number; getBool(name: string): boolean }): RdbValueOptions {
  return {
    compress: cfg.getBool('rdbcompression'),
    listMaxListpackSize: cfg.getNumber('list-max-listpack-size'),
    listCompressDepth: cfg.getNumber('list-compress-depth'),
    hashMaxListpackEntries: cfg.getNumber('hash-max-listpack-entries'),
    hashMaxListpackValue: cfg.getNumber('hash-max-listpack-value'),
    setMaxIntsetEntries: cfg.getNumber('set-max-intset-entries'),
    zsetMaxListpackEntries: cfg.getNumber('zset-max-listpack-entries'),
    zsetMaxListpackValue: cfg.getNumber('zset-max-listpack-value'),
  };
}
