/**
 * Worker thread of the RDB file writer (rdb-file-writer.ts is the main-thread side). It receives chunks of
 * RDB bytes (transferred, not copied), compresses the strings the main thread marked (lzf-spans.ts),
 * checksums the final bytes, and writes them to a temp file; at the end it appends the CRC64 trailer,
 * fsyncs, renames the temp file over the target and fsyncs the directory. Any failure removes the temp
 * file and reports the error: the previous file at the target is never touched before the final rename.
 *
 * Blocking fs calls are fine here: this thread does nothing else.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { Crc64 } from './crc64.js';
import { compressSpans } from './lzf-spans.js';
import { RdbWriter } from './rdb-primitives.js';

/** What the worker is told at start. */
export interface WriterJob {
  /** Final path. */
  target: string;
  /** Temp path in the same directory. */
  temp: string;
  /** rdbchecksum: false writes a zero trailer, as Redis does. */
  checksum: boolean;
  /** Whether to append the 8-byte CRC64 trailer at the end (an RDB file: yes). */
  trailer: boolean;
}

export type ToWorker =
  | { op: 'chunk'; buf: ArrayBuffer; offset: number; length: number; spans: Uint32Array | null }
  | { op: 'end' }
  | { op: 'abort' };

export type FromWorker =
  | { op: 'ack'; bytes: number }
  | { op: 'done'; bytes: number; crc: string }
  | { op: 'aborted' }
  | { op: 'error'; message: string; code: string | undefined };

/**
 * This thread's work is background work: on Linux it lowers its own priority (nice 10; setpriority takes a
 * thread id there, read from /proc/thread-self), so on a busy machine the main thread serving clients runs
 * first. Best effort: elsewhere, or when not allowed, the thread keeps the normal priority.
 */
function lowerPriority(): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) os.setPriority(tid, 10);
  } catch {
    // not Linux, or not permitted
  }
}
lowerPriority();

const port = parentPort!;
const job = workerData as WriterJob;
const crc = new Crc64();
const out = new RdbWriter(256 * 1024);
let fd = -1;
let bytes = 0;
let failed = false;

function post(m: FromWorker): void {
  port.postMessage(m);
}

function removeTemp(): void {
  if (fd >= 0) {
    try {
      fs.closeSync(fd);
    } catch {
      // already failing; the unlink below is what matters
    }
    fd = -1;
  }
  try {
    fs.unlinkSync(job.temp);
  } catch {
    // never created, or already gone
  }
}

function fail(e: unknown): void {
  failed = true;
  removeTemp();
  const err = e as NodeJS.ErrnoException;
  post({ op: 'error', message: err?.message ?? String(e), code: err?.code });
}

function writeAll(b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
  bytes += b.length;
}

function onChunk(m: Extract<ToWorker, { op: 'chunk' }>): void {
  const chunk = new Uint8Array(m.buf, m.offset, m.length);
  compressSpans(chunk, m.spans, out);
  const data = out.take();
  if (job.checksum) crc.update(data);
  writeAll(data);
}

function onEnd(): void {
  if (job.trailer) writeAll(job.checksum ? crc.bytesLE() : Buffer.alloc(8));
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fd = -1;
  fs.renameSync(job.temp, job.target);
  // make the rename itself durable
  const dfd = fs.openSync(path.dirname(job.target), 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}

try {
  fd = fs.openSync(job.temp, 'w', 0o666); // as fopen("w"): the umask decides
} catch (e) {
  fail(e);
}

port.on('message', (m: ToWorker) => {
  if (failed) return;
  try {
    switch (m.op) {
      case 'chunk':
        onChunk(m);
        post({ op: 'ack', bytes });
        return;
      case 'end':
        onEnd();
        post({ op: 'done', bytes, crc: job.checksum ? crc.value.toString() : '0' });
        port.close();
        return;
      case 'abort':
        failed = true;
        removeTemp();
        post({ op: 'aborted' });
        port.close();
        return;
    }
  } catch (e) {
    fail(e);
  }
});
