/**
 * DUMP payloads (Redis cluster.c createDumpPayload / verifyDumpPayload): one value in RDB object format,
 * then the RDB version (2 bytes, little-endian) and the CRC64 of everything before the checksum (8 bytes,
 * little-endian). The commands (DUMP, RESTORE) reach this through ServerOps;
 * error texts stay in the command layer.
 */
import type { Value } from '../keyspace/value.js';
import { crc64 } from './crc64.js';
import { RdbFormatError, RdbReader, RdbWriter } from './rdb-primitives.js';
import { isObjectType, readValue, type RdbValueOptions, writeValue } from './rdb-values.js';

/** RDB_VERSION of Redis 7.0: the version DUMP writes and the newest RESTORE accepts. */
export const RDB_VERSION = 10;

const FOOTER = 10;

export function createDumpPayload(value: Value, opts: RdbValueOptions): Buffer {
  const w = new RdbWriter(typeof value === 'string' ? value.length + 32 : 256);
  writeValue(w, value, opts);
  w.u16le(RDB_VERSION);
  const body = w.take();
  const out = Buffer.allocUnsafe(body.length + 8);
  body.copy(out, 0);
  out.writeBigUInt64LE(crc64(0n, body, 0, body.length), body.length);
  return out;
}

/** verifyDumpPayload: a footer, a version no newer than ours, and a matching (or zero) checksum. */
export function verifyDumpPayload(payload: Buffer): boolean {
  if (payload.length < FOOTER) return false;
  const footer = payload.length - FOOTER;
  const version = payload.readUInt16LE(footer);
  if (version > RDB_VERSION) return false;
  // Redis 7.0 has no "0 means unchecked" exception (7.2 added it with skip-checksum payloads)
  return crc64(0n, payload, 0, payload.length - 8) === payload.readBigUInt64LE(footer + 2);
}

export type RestoreResult = { ok: true; value: Value } | { ok: false; reason: 'checksum' | 'format'; detail: string };

/**
 * RESTORE's decoding: verifies the footer, then reads the object type and value. Bytes after the value are
 * ignored, as Redis ignores them.
 */
export function decodeDumpPayload(payload: Buffer, opts: RdbValueOptions): RestoreResult {
  if (!verifyDumpPayload(payload)) return { ok: false, reason: 'checksum', detail: 'version or checksum' };
  // Redis reads the value from the whole payload: a value running into the footer reads its bytes
  const r = new RdbReader(payload);
  try {
    const type = r.u8();
    if (!isObjectType(type)) r.fail(`unknown object type ${type}`, 0);
    return { ok: true, value: readValue(r, type, opts) };
  } catch (e) {
    if (e instanceof RdbFormatError) return { ok: false, reason: 'format', detail: e.message };
    throw e;
  }
}
