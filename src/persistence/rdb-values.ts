/**
 * RDB object values (Redis 7.0 rdb.c rdbSaveObjectType / rdbSaveObject / rdbLoadObject): the object type
 * byte and payload of one value, as RDB files and DUMP payloads hold them. Writing produces exactly the bytes
 * Redis 7.0 writes for the same data (rdb-value-writer.ts); reading accepts every value type Redis 7.0 and
 * 7.2 write and leaves the encoding flags where Redis would after loading (rdb-value-reader.ts). Keys,
 * opcodes, AUX fields and the file layout belong to the file encoder/decoder; lengths, strings and doubles
 * to rdb-primitives.ts; the compact blobs to their codecs.
 */
export * from './rdb-value-types.js';
export { quicklistNodes } from '../keyspace/types/quicklist-layout.js';
export { writeValue } from './rdb-value-writer.js';
export { readValue } from './rdb-value-reader.js';
