/**
 * Main-thread side of the RDB file writer: hands chunks of RDB bytes to a worker thread
 * (rdb-writer-worker.ts) that compresses, checksums, writes, fsyncs and renames the file atomically.
 * The main thread never touches the disk and never compresses.
 *
 * Chunks are transferred: the chunk's whole ArrayBuffer moves to the worker, as suits RdbWriter.take()
 * chunks (the writer drops its buffer on take). Pass transfer = false for a view into memory still in use;
 * it is copied then. Buffers from Node's small-allocation pool are always copied (transferring would
 * detach the pool).
 *
 * Backpressure: at most maxInFlightChunks chunks / maxInFlightBytes bytes are sent and not yet written by
 * the worker. write() returns false once a limit is reached; the producer then awaits drain() (the
 * snapshot's sink does this between slices), so memory stays bounded however slow the disk is.
 *
 * Errors (dir missing, EACCES, ENOSPC, rename failing) reject drain()/end() and leave the target as it
 * was: the worker only renames after the whole file is written and fsynced, and removes its temp file on
 * failure.
 *
 * Loading the worker: from dist/ the worker is the compiled rdb-writer-worker.js next to this file. When
 * this module runs as TypeScript source (vitest), there is no .js next to it, and Node 20 cannot run .ts,
 * so the worker is started with a small ESM loader (module.register hooks, from data: URLs) serving its
 * .ts modules transpiled on the main thread with the `typescript` dev dependency (cached by content hash).
 * That keeps tests on the current source (no stale dist/ build) and costs nothing in production.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker, WriterJob } from './rdb-writer-worker.js';

export interface RdbFileWriterOptions {
  /** Directory of the target (Redis's `dir`). */
  dir: string;
  /** File name in dir (Redis's `dbfilename`). */
  filename: string;
  /** rdbchecksum. */
  checksum: boolean;
  /** Append the 8-byte CRC64 trailer at the end (default true: an RDB file). */
  trailer?: boolean;
  maxInFlightChunks?: number;
  maxInFlightBytes?: number;
}

export interface RdbFileResult {
  /** Bytes in the final file. */
  bytes: number;
  /** The CRC64 of the file's bytes before the trailer (0 when checksums are off). */
  crc: bigint;
  path: string;
}

/** A failed save: the message of the underlying error, its errno code when there is one. */
export class RdbWriteError extends Error {
  override name = 'RdbWriteError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

let tempCounter = 0;

interface WorkerEntry {
  url: URL;
  execArgv: string[];
  /** For the .ts case: transpiled sources by file URL, handed to the loader through workerData. */
  sources: Record<string, string> | null;
}

let tsEntry: WorkerEntry | null = null;

/** Loader hooks serving transpiled sources (given in initialize) for the worker's .ts modules. */
const TS_HOOKS = `
let sources = {};
export function initialize(data) { sources = data; }
export async function resolve(spec, ctx, next) {
  if (ctx.parentURL !== undefined && ctx.parentURL in sources && spec.startsWith('.') && spec.endsWith('.js')) {
    const u = new URL(spec.slice(0, -3) + '.ts', ctx.parentURL).href;
    if (u in sources) return { url: u, format: 'module', shortCircuit: true };
  }
  return next(spec, ctx);
}
export async function load(url, ctx, next) {
  if (url in sources) return { format: 'module', source: sources[url], shortCircuit: true };
  return next(url, ctx);
}`;

const TS_REGISTER = `
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';
register(${JSON.stringify('data:text/javascript,' + encodeURIComponent(TS_HOOKS))}, { data: workerData.tsSources });`;

/**
 * The worker's modules as JavaScript: the worker and everything it imports relatively, transpiled once per
 * process. Loading `typescript` takes seconds, so the output is cached under node_modules/.cache, keyed by
 * a hash of the sources.
 */
function transpileWorkerSources(entry: URL): Record<string, string> {
  const texts = new Map<string, string>();
  const todo = [entry.href];
  while (todo.length > 0) {
    const href = todo.pop()!;
    if (texts.has(href)) continue;
    const text = readFileSync(fileURLToPath(href), 'utf8');
    texts.set(href, text);
    for (const m of text.matchAll(/from '(\.[^']+)\.js'/g)) todo.push(new URL(`${m[1]}.ts`, href).href);
  }
  const hash = createHash('sha256');
  for (const [href, text] of [...texts].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(href).update('\0').update(text).update('\0');
  const cacheDir = fileURLToPath(new URL('../../node_modules/.cache/nodis-worker-ts/', import.meta.url));
  const cacheFile = path.join(cacheDir, `${hash.digest('hex').slice(0, 32)}.json`);
  try {
    return JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, string>;
  } catch {
    // not cached yet
  }
  const require = createRequire(import.meta.url);
  const ts = require('typescript') as typeof import('typescript');
  const sources: Record<string, string> = {};
  for (const [href, text] of texts) {
    sources[href] = ts.transpileModule(text, {
      fileName: fileURLToPath(href),
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, inlineSourceMap: true },
    }).outputText;
  }
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(sources));
    renameSync(tmp, cacheFile);
  } catch {
    // a read-only checkout: transpile again next time
  }
  return sources;
}

/** The worker's entry point: the compiled .js, or the .ts source with a loader (see the file comment). */
function workerEntry(): WorkerEntry {
  const js = new URL('./rdb-writer-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts') || existsSync(js)) return { url: js, execArgv: [], sources: null };
  if (tsEntry !== null) return tsEntry;
  const url = new URL('./rdb-writer-worker.ts', import.meta.url);
  tsEntry = {
    url,
    execArgv: ['--import', 'data:text/javascript,' + encodeURIComponent(TS_REGISTER)],
    sources: transpileWorkerSources(url),
  };
  return tsEntry;
}

/** Whether a Buffer owns its whole ArrayBuffer outside Node's shared pool, so it can be transferred. */
function transferable(b: Uint8Array): boolean {
  return b.byteOffset === 0 && b.buffer.byteLength > Buffer.poolSize && !(b.buffer instanceof SharedArrayBuffer);
}

export class RdbFileWriter {
  readonly target: string;
  readonly temp: string;
  private readonly worker: Worker;
  private readonly maxChunks: number;
  private readonly maxBytes: number;
  private inFlightChunks = 0;
  private inFlightBytes = 0;
  /** Sizes of the chunks in flight, oldest first (the worker acknowledges in order). */
  private inFlightSizes: number[] = [];
  private sentBytes = 0;
  /** Bytes the worker has written so far (after compression). */
  written = 0;
  private failure: RdbWriteError | null = null;
  private state: 'open' | 'ending' | 'done' | 'aborted' | 'failed' = 'open';
  private drainWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private endWaiter: { resolve: (r: RdbFileResult) => void; reject: (e: Error) => void } | null = null;
  private abortWaiter: (() => void) | null = null;

  constructor(opts: RdbFileWriterOptions) {
    this.target = path.resolve(opts.dir, opts.filename);
    this.temp = path.resolve(opts.dir, `temp-${process.pid}-${++tempCounter}.rdb`);
    this.maxChunks = opts.maxInFlightChunks ?? 8;
    this.maxBytes = opts.maxInFlightBytes ?? 8 * 1024 * 1024;
    const job: WriterJob = { target: this.target, temp: this.temp, checksum: opts.checksum, trailer: opts.trailer ?? true };
    const entry = workerEntry();
    const workerData = entry.sources === null ? job : { ...job, tsSources: entry.sources };
    this.worker = new Worker(entry.url, { workerData, execArgv: entry.execArgv });
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.onFailure(new RdbWriteError(`rdb writer thread failed: ${e.message}`, undefined)));
    this.worker.on('exit', (code) => {
      if (this.state === 'open' || this.state === 'ending') {
        this.onFailure(new RdbWriteError(`rdb writer thread exited (code ${code})`, undefined));
      }
    });
  }

  /** The error that failed this write, if any. */
  get error(): RdbWriteError | null {
    return this.failure;
  }

  /** Bytes handed to write() so far (before compression). */
  get bytesSent(): number {
    return this.sentBytes;
  }

  /** True while under the in-flight limits (write() would return true). */
  get writable(): boolean {
    return this.inFlightChunks < this.maxChunks && this.inFlightBytes < this.maxBytes;
  }

  /**
   * Sends a chunk (with transfer, its ArrayBuffer passes to the worker) with its LZF spans (RdbWriter.takeSpans()). Returns
   * false when the in-flight limit is reached: await drain() before writing more. Throws after a failure.
   */
  write(chunk: Uint8Array, spans: Uint32Array | null = null, transfer = true): boolean {
    if (this.failure !== null) throw this.failure;
    if (this.state !== 'open') throw new Error(`rdb file writer: write after ${this.state}`);
    if (chunk.length === 0) return this.writable;
    let buf: ArrayBuffer;
    let offset = chunk.byteOffset;
    if (transfer && transferable(chunk)) {
      buf = chunk.buffer as ArrayBuffer;
    } else {
      buf = new ArrayBuffer(chunk.length);
      new Uint8Array(buf).set(chunk);
      offset = 0;
    }
    const moved: ArrayBuffer[] = [buf];
    const sp = spans !== null && spans.length > 0 ? spans : null;
    if (sp !== null && sp.byteOffset === 0 && sp.buffer.byteLength === sp.byteLength) moved.push(sp.buffer as ArrayBuffer);
    const msg: ToWorker = { op: 'chunk', buf, offset, length: chunk.length, spans: sp };
    this.worker.postMessage(msg, moved);
    this.inFlightChunks++;
    this.inFlightBytes += chunk.length;
    this.inFlightSizes.push(chunk.length);
    this.sentBytes += chunk.length;
    return this.writable;
  }

  /** Resolves once under the in-flight limits again; rejects if the write failed. */
  drain(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.writable) return Promise.resolve();
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** Finishes the file: trailer, fsync, rename over the target, fsync of the directory. */
  end(): Promise<RdbFileResult> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.state !== 'open') return Promise.reject(new Error(`rdb file writer: end after ${this.state}`));
    this.state = 'ending';
    return new Promise((resolve, reject) => {
      this.endWaiter = { resolve, reject };
      this.worker.postMessage({ op: 'end' } satisfies ToWorker);
    });
  }

  /** Abandons the file: the temp file is removed, the target untouched. */
  abort(): Promise<void> {
    if (this.state !== 'open' && this.state !== 'ending') return Promise.resolve();
    this.state = 'aborted';
    const waiting = new RdbWriteError('rdb write aborted', undefined);
    for (const w of this.drainWaiters.splice(0)) w.reject(waiting);
    this.endWaiter?.reject(waiting);
    this.endWaiter = null;
    return new Promise((resolve) => {
      this.abortWaiter = resolve;
      this.worker.postMessage({ op: 'abort' } satisfies ToWorker);
    });
  }

  private onMessage(m: FromWorker): void {
    switch (m.op) {
      case 'ack':
        this.written = m.bytes;
        this.inFlightChunks--;
        this.inFlightBytes -= this.inFlightSizes.shift()!;
        if (this.writable) for (const w of this.drainWaiters.splice(0)) w.resolve();
        return;
      case 'done':
        this.written = m.bytes;
        this.state = 'done';
        void this.worker.terminate();
        this.endWaiter?.resolve({ bytes: m.bytes, crc: BigInt(m.crc), path: this.target });
        this.endWaiter = null;
        return;
      case 'aborted':
        void this.worker.terminate();
        this.abortWaiter?.();
        this.abortWaiter = null;
        return;
      case 'error':
        this.onFailure(new RdbWriteError(m.message, m.code));
        return;
    }
  }

  private onFailure(e: RdbWriteError): void {
    if (this.failure !== null || this.state === 'done') return;
    const wasAborting = this.state === 'aborted';
    this.failure = e;
    this.state = 'failed';
    void this.worker.terminate();
    for (const w of this.drainWaiters.splice(0)) w.reject(e);
    this.endWaiter?.reject(e);
    this.endWaiter = null;
    if (wasAborting) {
      this.abortWaiter?.();
      this.abortWaiter = null;
    }
  }
}
