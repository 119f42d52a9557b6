/**
 * Test-only builders for RDB payloads in the old formats Redis 7.0 still loads but never writes (ziplists,
 * zipmaps), and for DUMP payloads of any body and RDB version with a valid CRC64 footer.
 */
import { crc64 } from '../../src/persistence/crc64.js';
import { RdbWriter } from '../../src/persistence/rdb-primitives.js';

/** A ziplist of strings (< 64 bytes) and small integers, as Redis <= 6.2 wrote them. */
export function ziplist(items: Array<string | number>): Buffer {
  const entries: Buffer[] = [];
  let prev = 0;
  for (const it of items) {
    let body: Buffer;
    if (typeof it === 'number') {
      body = it >= 0 && it <= 12 ? Buffer.from([0xf1 + it]) : Buffer.from([0xfe, it & 0xff]);
    } else {
      const b = Buffer.from(it, 'latin1');
      body = Buffer.concat([Buffer.from([b.length]), b]);
    }
    const e = Buffer.concat([Buffer.from([prev]), body]);
    entries.push(e);
    prev = e.length;
  }
  const content = Buffer.concat(entries);
  const hdr = Buffer.alloc(10);
  hdr.writeUInt32LE(10 + content.length + 1, 0);
  hdr.writeUInt32LE(entries.length === 0 ? 10 : 10 + content.length - entries[entries.length - 1].length, 4);
  hdr.writeUInt16LE(entries.length, 8);
  return Buffer.concat([hdr, content, Buffer.from([0xff])]);
}

/** A zipmap (Redis <= 2.4) of short fields and values. */
export function zipmap(pairs: Array<[string, string]>): Buffer {
  const parts: Buffer[] = [Buffer.from([pairs.length])];
  for (const [f, v] of pairs) {
    parts.push(Buffer.from([f.length]), Buffer.from(f, 'latin1'), Buffer.from([v.length, 0]), Buffer.from(v, 'latin1'));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

/** An object type byte followed by what fn writes. */
export function build(type: number, fn: (w: RdbWriter) => void): Buffer {
  const w = new RdbWriter(64);
  w.u8(type);
  fn(w);
  return w.take();
}

/** A DUMP payload around body: RDB version (LE16) and the CRC64 (LE64) of everything before it. */
export function dumpPayload(body: Buffer, version = 10): Buffer {
  const b = Buffer.alloc(body.length + 2);
  body.copy(b);
  b.writeUInt16LE(version, body.length);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(0n, b, 0, b.length));
  return Buffer.concat([b, crc]);
}
