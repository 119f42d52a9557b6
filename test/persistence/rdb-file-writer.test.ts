/**
 * The RDB file writer: chunks written with deferred compression go through the worker thread and come out
 * byte for byte as an inline LZF + CRC64 writer makes them; backpressure bounds what is in flight; failed
 * or aborted writes leave the previous file intact and no temp file behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crc64, crc64ToBytesLE } from '../../src/persistence/crc64.js';
import { compressSpans } from '../../src/persistence/lzf-spans.js';
import { RdbWriter } from '../../src/persistence/rdb-primitives.js';
import { RdbFileWriter, RdbWriteError } from '../../src/persistence/rdb-file-writer.js';
import { rng } from '../helpers/rng.js';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-rdbw-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A mix of what an RDB holds: short strings, integers, compressible and incompressible long strings. */
function items(seed: number, n: number): Array<string | number> {
  const r = rng(seed);
  const out: Array<string | number> = [];
  for (let i = 0; i < n; i++) {
    const t = r();
    if (t < 0.2) out.push(Math.floor(r() * 1e6));
    else if (t < 0.3) out.push(String(Math.floor(r() * 1e9) - 5e8));
    else if (t < 0.5) out.push(`short${i}`);
    else if (t < 0.75) out.push(`compressible:${'abc'.repeat(5 + Math.floor(r() * 200))}:${i}`);
    else {
      let s = '';
      const len = 21 + Math.floor(r() * 300);
      for (let j = 0; j < len; j++) s += String.fromCharCode(Math.floor(r() * 256));
      out.push(s);
    }
  }
  return out;
}

function writeItem(w: RdbWriter, it: string | number, compress: boolean): void {
  if (typeof it === 'number') w.length(it);
  else w.string(it, compress);
}

/** The same items through an inline-compressing writer, as one buffer. */
function inline(list: Array<string | number>, compress = true): Buffer {
  const w = new RdbWriter();
  for (const it of list) writeItem(w, it, compress);
  return Buffer.from(w.take());
}

/** The items as deferred-compression chunks of about chunkBytes each, with their spans. */
function deferredChunks(list: Array<string | number>, chunkBytes: number): Array<[Buffer, Uint32Array]> {
  const w = new RdbWriter(64 * 1024);
  w.deferCompression = true;
  const out: Array<[Buffer, Uint32Array]> = [];
  for (const it of list) {
    writeItem(w, it, true);
    if (w.size >= chunkBytes) {
      const spans = w.takeSpans();
      out.push([w.take(), spans]);
    }
  }
  const spans = w.takeSpans();
  out.push([w.take(), spans]);
  return out;
}

describe('deferred LZF spans', () => {
  it('compressSpans reproduces inline compression exactly', () => {
    const list = items(1, 3000);
    const out = new RdbWriter();
    for (const [chunk, spans] of deferredChunks(list, 4096)) compressSpans(chunk, spans, out);
    expect(Buffer.from(out.take()).equals(inline(list))).toBe(true);
  });

  it('RdbWriter.append carries the spans of a scratch writer, shifted', () => {
    const long = 'abcabcabcabcabcabcabcabcabcabc';
    const scratch = new RdbWriter();
    scratch.deferCompression = true;
    scratch.u8(7).string(long, true);
    const w = new RdbWriter();
    w.deferCompression = true;
    w.string('key-that-is-long-enough-to-compress', true).u8(scratch.byteAt(0)).append(scratch, 1);
    scratch.reset();
    expect(scratch.size).toBe(0);
    const out = new RdbWriter();
    const spans = w.takeSpans();
    expect(spans.length).toBe(6);
    compressSpans(w.take(), spans, out);
    const ref = new RdbWriter().string('key-that-is-long-enough-to-compress', true).u8(7).string(long, true);
    expect(Buffer.from(out.take()).equals(Buffer.from(ref.take()))).toBe(true);
  });

  it('rejects spans out of order or range', () => {
    const out = new RdbWriter();
    expect(() => compressSpans(Buffer.alloc(10), Uint32Array.from([0, 1, 20]), out)).toThrow(RangeError);
    expect(() => compressSpans(Buffer.alloc(40), Uint32Array.from([5, 6, 25, 0, 1, 22]), out)).toThrow(RangeError);
  });
});

describe('RdbFileWriter', () => {
  it('writes through the worker the bytes an inline LZF + CRC64 writer produces, and renames over the old file', async () => {
    const list = items(2, 6000);
    const target = path.join(dir, 'dump.rdb');
    fs.writeFileSync(target, 'old');
    const w = new RdbFileWriter({ dir, filename: 'dump.rdb', checksum: true, maxInFlightChunks: 2 });
    let sawBackpressure = false;
    for (const [chunk, spans] of deferredChunks(list, 32 * 1024)) {
      const big = chunk.buffer.byteLength > Buffer.poolSize && chunk.byteOffset === 0;
      if (!w.write(chunk, spans)) {
        sawBackpressure = true;
        await w.drain();
      }
      // transferred, not copied: the chunk's memory now belongs to the worker
      if (big) expect(chunk.buffer.byteLength).toBe(0);
      expect(fs.readFileSync(target, 'latin1')).toBe('old'); // untouched until the end
    }
    const res = await w.end();
    const expected = inline(list);
    const file = fs.readFileSync(target);
    expect(file.length).toBe(expected.length + 8);
    expect(file.subarray(0, expected.length).equals(expected)).toBe(true);
    expect(file.subarray(expected.length).equals(crc64ToBytesLE(crc64(0n, expected)))).toBe(true);
    expect(res.bytes).toBe(file.length);
    expect(res.crc).toBe(crc64(0n, expected));
    expect(sawBackpressure).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['dump.rdb']);
  });

  it('writes a zero trailer with rdbchecksum off, and copies chunks it cannot transfer', async () => {
    const list = items(3, 200);
    const w = new RdbFileWriter({ dir, filename: 'x.rdb', checksum: false });
    const whole = inline(list, false);
    // views into one buffer still in use: copied (transfer = false), the source stays usable
    const src = Buffer.from(whole);
    expect(src.buffer.byteLength).toBeGreaterThan(Buffer.poolSize);
    for (let off = 0; off < src.length; off += 100) w.write(src.subarray(off, Math.min(src.length, off + 100)), null, false);
    // a pooled buffer is copied even when transfer is allowed: the pool stays attached
    const pooled = Buffer.from('pool');
    w.write(Buffer.alloc(0));
    expect(pooled.buffer.byteLength).toBe(Buffer.poolSize);
    expect(src.equals(whole)).toBe(true);
    await w.end();
    const file = fs.readFileSync(path.join(dir, 'x.rdb'));
    expect(file.subarray(0, whole.length).equals(whole)).toBe(true);
    expect(file.subarray(whole.length).equals(Buffer.alloc(8))).toBe(true);
  });

  it('reports a missing directory and leaves nothing behind', async () => {
    const missing = path.join(dir, 'nope');
    const w = new RdbFileWriter({ dir: missing, filename: 'dump.rdb', checksum: true });
    w.write(Buffer.from('REDIS0010'));
    const err = await w.end().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RdbWriteError);
    expect((err as RdbWriteError).code).toBe('ENOENT');
    expect(() => w.write(Buffer.from('more'))).toThrow(RdbWriteError);
    expect(fs.existsSync(missing)).toBe(false);
  });

  it('a failed rename keeps the old target and removes the temp file', async () => {
    // the target is a non-empty directory: rename(2) over it fails after the whole file was written
    const target = path.join(dir, 'dump.rdb');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), 'x');
    const w = new RdbFileWriter({ dir, filename: 'dump.rdb', checksum: true });
    for (const [chunk, spans] of deferredChunks(items(4, 1000), 8192)) w.write(chunk, spans);
    await expect(w.end()).rejects.toBeInstanceOf(RdbWriteError);
    expect(fs.readFileSync(path.join(target, 'keep'), 'latin1')).toBe('x');
    expect(fs.readdirSync(dir)).toEqual(['dump.rdb']);
  });

  it('an aborted write keeps the old file and removes the temp file', async () => {
    const target = path.join(dir, 'dump.rdb');
    fs.writeFileSync(target, 'previous dump');
    const w = new RdbFileWriter({ dir, filename: 'dump.rdb', checksum: true });
    for (const [chunk, spans] of deferredChunks(items(5, 2000), 8192)) w.write(chunk, spans);
    await w.drain();
    await w.abort();
    expect(fs.readFileSync(target, 'latin1')).toBe('previous dump');
    expect(fs.readdirSync(dir)).toEqual(['dump.rdb']);
  });

  it.skipIf(process.getuid?.() === 0)('reports EACCES on a read-only directory, old file intact', async () => {
    const target = path.join(dir, 'dump.rdb');
    fs.writeFileSync(target, 'previous dump');
    fs.chmodSync(dir, 0o555);
    try {
      const w = new RdbFileWriter({ dir, filename: 'dump.rdb', checksum: true });
      w.write(Buffer.from('REDIS0010'));
      const err = await w.end().catch((e: unknown) => e);
      expect((err as RdbWriteError).code).toBe('EACCES');
      expect(fs.readFileSync(target, 'latin1')).toBe('previous dump');
    } finally {
      fs.chmodSync(dir, 0o755);
    }
  });
});
