/**
 * The AOF writer: the fd-level appender (policies, group commit, write errors, short writes, delayed
 * fsync) against an in-memory AofFs, and the running server's AOF (record bytes, SELECT, MULTI/EXEC,
 * the reply gate of appendfsync always, -MISCONF and recovery with injected ENOSPC, the rewrite tap and
 * installRewritten, CONFIG SET appendonly/appendfsync, flush at close).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { encodeCommand, encodeSelect } from '../../src/persistence/aof-encode.js';
import { AofFile, type AofFileEvents, type AofFs, nodeAofFs } from '../../src/persistence/aof-file.js';
import { startServer } from '../../src/index.js';
import { hasDist, killAllChildren, startNodisChild } from '../helpers/nodis-child.js';
import { RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

// --- An in-memory AofFs whose async completions run when the test says ---

function errno(code: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: injected`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

class MemFs implements AofFs {
  data = Buffer.alloc(0);
  private pending: Array<() => void> = [];
  failWrite: string | null = null;
  /** The next writev writes only this many bytes. */
  shortWrite: number | null = null;
  failTruncate = false;
  failSync: string | null = null;
  writes = 0;
  syncs = 0;
  truncates: number[] = [];
  closed = false;

  openSync(): number {
    return 3;
  }
  writev(_fd: number, bufs: Buffer[], cb: (err: NodeJS.ErrnoException | null, n: number) => void): void {
    this.writes++;
    const all = Buffer.concat(bufs);
    this.pending.push(() => {
      if (this.failWrite !== null) return cb(errno(this.failWrite), 0);
      if (this.shortWrite !== null) {
        const n = this.shortWrite;
        this.shortWrite = null;
        this.data = Buffer.concat([this.data, all.subarray(0, n)]);
        return cb(null, n);
      }
      this.data = Buffer.concat([this.data, all]);
      cb(null, all.length);
    });
  }
  /** everysec / no write on the main thread: writevSync, with the same injected faults. */
  writevSync(_fd: number, bufs: Buffer[]): number {
    this.writes++;
    const all = Buffer.concat(bufs);
    if (this.failWrite !== null) throw errno(this.failWrite);
    if (this.shortWrite !== null) {
      const n = this.shortWrite;
      this.shortWrite = null;
      this.data = Buffer.concat([this.data, all.subarray(0, n)]);
      return n;
    }
    this.data = Buffer.concat([this.data, all]);
    return all.length;
  }
  /** fdatasync completions wait in `held` until releaseSyncs(). */
  holdSync = false;
  private held: Array<() => void> = [];
  fdatasync(_fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void {
    this.syncs++;
    const done = () => cb(this.failSync !== null ? errno(this.failSync) : null);
    if (this.holdSync) this.held.push(done);
    else this.pending.push(done);
  }
  releaseSyncs(): void {
    this.holdSync = false;
    for (const f of this.held.splice(0)) f();
  }
  writeSync(_fd: number, buf: Buffer, offset: number, length: number): number {
    this.data = Buffer.concat([this.data, buf.subarray(offset, offset + length)]);
    return length;
  }
  fdatasyncSync(): void {
    this.syncs++;
  }
  fsyncSync(): void {}
  ftruncateSync(_fd: number, len: number): void {
    if (this.failTruncate) throw errno('EIO');
    this.truncates.push(len);
    this.data = this.data.subarray(0, len);
  }
  fstatSync(): { size: number } {
    return { size: this.data.length };
  }
  close(_fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void {
    this.closed = true;
    cb(null);
  }
  closeSync(): void {
    this.closed = true;
  }
  renameSync(): void {}
  /** Runs the queued completions (and what they queue) in order. */
  run(): void {
    while (this.pending.length > 0) this.pending.shift()!();
  }
  /** Runs only the next completion. */
  step(): void {
    this.pending.shift()?.();
  }
  get inFlight(): number {
    return this.pending.length;
  }
}

function recorder(): AofFileEvents & { log: string[]; syncedTo: number } {
  const r = {
    log: [] as string[],
    syncedTo: 0,
    synced(n: number) {
      r.syncedTo = n;
    },
    failed(kind: string, code: string) {
      r.log.push(`${kind}:${code}`);
    },
    recovered() {
      r.log.push('recovered');
    },
    delayedFsync() {
      r.log.push('delayed');
    },
  };
  return r;
}

const b = (s: string) => Buffer.from(s, 'latin1');

describe('AofFile', () => {
  test('always: one writev + one fdatasync per group, what arrives meanwhile waits for the next', () => {
    const io = new MemFs();
    const ev = recorder();
    const f = new AofFile(io, 3, 0, 'always', ev);
    f.append(b('aa'));
    f.append(b('bb')); // queued behind the write in flight
    f.append(b('cc'));
    expect(io.writes).toBe(1);
    io.step(); // write 'aa' done -> fdatasync
    expect(io.syncs).toBe(1);
    expect(ev.syncedTo).toBe(0);
    io.step(); // fdatasync done -> synced, next group
    expect(ev.syncedTo).toBe(2);
    expect(io.writes).toBe(2);
    io.run();
    expect(ev.syncedTo).toBe(6);
    expect(io.writes).toBe(2);
    expect(io.syncs).toBe(2);
    expect(io.data.toString()).toBe('aabbcc');
  });

  test('everysec: writes at once on this thread, one fdatasync a second; a write waits behind a running fdatasync up to 2 s', () => {
    const io = new MemFs();
    const ev = recorder();
    const f = new AofFile(io, 3, 0, 'everysec', ev);
    f.append(b('x'));
    expect(io.data.toString()).toBe('x'); // written before append() returns (as Redis's write() before replies)
    expect(io.syncs).toBe(0);
    io.holdSync = true;
    f.tick(1000);
    expect(io.syncs).toBe(1);
    expect(f.fsyncInProgress).toBe(true);
    f.append(b('y')); // postponed while the fsync runs
    expect(io.data.toString()).toBe('x');
    expect(f.writePostponed).toBe(true);
    f.tick(1500);
    f.tick(2000);
    f.tick(2900);
    expect(io.data.toString()).toBe('x');
    expect(io.syncs).toBe(1);
    expect(f.delayedFsyncs).toBe(0);
    f.tick(3100); // postponed for over 2 s: written anyway, and counted
    expect(io.data.toString()).toBe('xy');
    expect(f.delayedFsyncs).toBe(1);
    expect(ev.log).toEqual(['delayed']);
    io.releaseSyncs();
    expect(ev.syncedTo).toBe(1); // what was written when it started
    f.tick(5000);
    io.run();
    expect(io.syncs).toBe(2);
    expect(ev.syncedTo).toBe(2);
    // a write postponed behind an fsync goes as soon as the fsync ends
    io.holdSync = true;
    f.append(b('z'));
    f.tick(6000);
    f.append(b('w'));
    expect(io.data.toString()).toBe('xyz');
    io.releaseSyncs();
    io.run();
    expect(io.data.toString()).toBe('xyzw');
  });

  test('a write error keeps the bytes queued; the retry (once a second) writes them once', () => {
    const io = new MemFs();
    const ev = recorder();
    const f = new AofFile(io, 3, 0, 'always', ev);
    io.failWrite = 'ENOSPC';
    f.append(b('one'));
    io.run();
    expect(f.writeOk).toBe(false);
    expect(f.lastErrno).toBe('ENOSPC');
    expect(ev.log).toEqual(['write:ENOSPC']);
    f.append(b('two')); // waits for the retry
    expect(io.inFlight).toBe(0);
    f.tick(1000);
    io.run();
    expect(f.writeOk).toBe(false);
    io.failWrite = null;
    f.tick(1500); // same second: no retry
    expect(io.inFlight).toBe(0);
    f.tick(2000);
    io.run();
    expect(f.writeOk).toBe(true);
    expect(ev.log).toEqual(['write:ENOSPC', 'write:ENOSPC', 'recovered']);
    expect(io.data.toString()).toBe('onetwo');
    expect(ev.syncedTo).toBe(6);
    expect(f.size).toBe(6);
  });

  test('a short write is truncated back to the last good size and retried whole', () => {
    const io = new MemFs();
    const ev = recorder();
    const f = new AofFile(io, 3, 0, 'everysec', ev);
    f.append(b('good'));
    io.run();
    io.shortWrite = 2;
    f.append(b('record'));
    io.run();
    expect(io.truncates).toEqual([4]);
    expect(io.data.toString()).toBe('good');
    expect(f.writeOk).toBe(false);
    expect(f.lastErrno).toBe('ENOSPC');
    expect(ev.log).toEqual(['short-write:ENOSPC']);
    f.tick(1000);
    io.run();
    expect(io.data.toString()).toBe('goodrecord');
    expect(f.writeOk).toBe(true);
    expect(f.size).toBe(10);
  });

  test('a short write that cannot be truncated keeps its bytes and retries only the rest', () => {
    const io = new MemFs();
    const f = new AofFile(io, 3, 0, 'no', recorder());
    io.failTruncate = true;
    io.shortWrite = 3;
    f.append(b('abcdef'));
    f.append(b('gh'));
    io.run();
    expect(io.data.toString()).toBe('abc');
    f.tick(1000);
    io.run();
    expect(io.data.toString()).toBe('abcdefgh');
  });

  test('an fdatasync error under always: nothing more is acknowledged until a retried fsync succeeds', () => {
    const io = new MemFs();
    const ev = recorder();
    const f = new AofFile(io, 3, 0, 'always', ev);
    io.failSync = 'EIO';
    f.append(b('a'));
    io.run();
    expect(f.fsyncOk).toBe(false);
    expect(ev.syncedTo).toBe(0);
    f.append(b('b'));
    expect(io.inFlight).toBe(0);
    io.failSync = null;
    f.tick(1000);
    io.run();
    expect(f.healthy).toBe(true);
    expect(ev.syncedTo).toBe(2);
    expect(io.data.toString()).toBe('ab');
  });

  test('no-appendfsync-on-rewrite: while skipFsync() says so, always answers without the fdatasync', () => {
    const io = new MemFs();
    const ev = recorder();
    const f = new AofFile(io, 3, 0, 'always', ev);
    let skip = true;
    f.skipFsync = () => skip;
    f.append(b('a'));
    io.run();
    expect(io.syncs).toBe(0);
    expect(ev.syncedTo).toBe(1);
    skip = false;
    f.append(b('b'));
    io.run();
    expect(io.syncs).toBe(1);
    expect(ev.syncedTo).toBe(2);
  });

  test('finish() waits for the operation in flight, writes the rest, fsyncs and closes', async () => {
    const io = new MemFs();
    const f = new AofFile(io, 3, 0, 'everysec', recorder());
    f.append(b('a'));
    f.append(b('b'));
    const done = f.finish();
    io.run();
    expect(await done).toBe(true);
    expect(io.data.toString()).toBe('ab');
    expect(io.closed).toBe(true);
  });
});

// --- The running server ---

/** Node's fs with switchable failures: writev ENOSPC, and fdatasync held until released. */
class FaultyFs implements AofFs {
  failWrite: string | null = null;
  holdSync = false;
  syncs = 0;
  writes = 0;
  private heldSyncs: Array<() => void> = [];
  openSync = nodeAofFs.openSync;
  writeSync = nodeAofFs.writeSync;
  fdatasyncSync = nodeAofFs.fdatasyncSync;
  fsyncSync = nodeAofFs.fsyncSync;
  ftruncateSync = nodeAofFs.ftruncateSync;
  fstatSync = nodeAofFs.fstatSync;
  close = nodeAofFs.close;
  closeSync = nodeAofFs.closeSync;
  renameSync = nodeAofFs.renameSync;
  writev(fd: number, bufs: Buffer[], cb: (err: NodeJS.ErrnoException | null, n: number) => void): void {
    this.writes++;
    if (this.failWrite !== null) {
      const code = this.failWrite;
      setImmediate(() => cb(errno(code), 0));
      return;
    }
    nodeAofFs.writev(fd, bufs, cb);
  }
  writevSync(fd: number, bufs: Buffer[]): number {
    this.writes++;
    if (this.failWrite !== null) throw errno(this.failWrite);
    return nodeAofFs.writevSync(fd, bufs);
  }
  fdatasync(fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void {
    this.syncs++;
    if (this.holdSync) {
      this.heldSyncs.push(() => nodeAofFs.fdatasync(fd, cb));
      return;
    }
    nodeAofFs.fdatasync(fd, cb);
  }
  releaseSyncs(): void {
    this.holdSync = false;
    for (const f of this.heldSyncs.splice(0)) f();
  }
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aof-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}

/** Whether a reply arrives within ms. */
async function replyWithin(p: Promise<string>, ms: number): Promise<string | null> {
  return Promise.race([p, sleep(ms).then(() => null)]);
}

const rec = (...argv: string[]) => encodeCommand(argv);

describe('AOF in the server', () => {
  let srv: TestServer | null = null;
  const conns: RespConn[] = [];
  afterEach(async () => {
    for (const c of conns.splice(0)) c.close();
    await srv?.close();
    srv = null;
  });
  async function start(config: Record<string, string | number>): Promise<TestServer> {
    srv = await startTestServer({ appendonly: 'yes', ...config });
    return srv;
  }
  async function conn(): Promise<RespConn> {
    const c = await RespConn.connect(srv!.port);
    conns.push(c);
    return c;
  }
  const aofText = () => fs.readFileSync(path.join(srv!.dir, 'appendonly.aof'), 'latin1');
  const info = async (c: RespConn, field: string) => new RegExp(`${field}:(\\S+)`).exec(await c.cmd('INFO', 'persistence'))?.[1];

  test('records as Redis writes them: SELECT on db changes, MULTI/EXEC, absolute expiries; flushed at close', async () => {
    const s = await start({ appendfsync: 'everysec' });
    const c = await conn();
    await c.cmd('SET', 'a', '1');
    await c.cmd('SELECT', '3');
    await c.cmd('RPUSH', 'l', 'x', 'y');
    await c.cmd('MULTI');
    await c.cmd('INCR', 'n');
    await c.cmd('SADD', 's', 'm');
    await c.cmd('EXEC');
    await c.cmd('GET', 'a'); // reads are not recorded
    await c.cmd('SELECT', '0');
    await c.cmd('DEL', 'a');
    await c.cmd('PEXPIREAT', 'zz', '1');
    await c.cmd('SET', 'b', 'v', 'PXAT', '99999999999999');
    await c.cmd('SET', 'bin', '\x00\xff\r\n');
    const dir = s.dir;
    // the handle's own close (the wrapper's would remove the dir)
    await (Object.getPrototypeOf(s) as TestServer).close();
    srv = null;
    const text = fs.readFileSync(path.join(dir, 'appendonly.aof'), 'latin1');
    fs.rmSync(dir, { recursive: true, force: true });
    expect(text).toBe(
      encodeSelect(0) +
        rec('SET', 'a', '1') +
        encodeSelect(3) +
        rec('RPUSH', 'l', 'x', 'y') +
        rec('MULTI') +
        rec('INCR', 'n') +
        rec('SADD', 's', 'm') +
        rec('EXEC') +
        encodeSelect(0) +
        rec('DEL', 'a') +
        rec('SET', 'b', 'v', 'PXAT', '99999999999999') +
        rec('SET', 'bin', '\x00\xff\r\n'),
    );
  });

  test('a restart appends to the AOF it loaded; aof_base_size is its size at startup', async () => {
    const first = await startServer({ config: { port: 0, bind: '127.0.0.1', save: '', dir: tmp(), appendonly: 'yes' }, silent: true });
    const dir = first.core.config.get('dir');
    try {
      let c = await RespConn.connect(first.port);
      await c.cmd('SET', 'a', '1');
      c.close();
      await first.close();
      const size = fs.statSync(path.join(dir, 'appendonly.aof')).size;
      const second = await startServer({ config: { port: 0, bind: '127.0.0.1', save: '', dir, appendonly: 'yes' }, silent: true });
      c = await RespConn.connect(second.port);
      expect(await c.cmd('GET', 'a')).toBe('$1\r\n1\r\n');
      await c.cmd('SET', 'b', '2');
      expect(second.core.aof.baseSize).toBe(size);
      c.close();
      await second.close();
      expect(fs.readFileSync(path.join(dir, 'appendonly.aof'), 'latin1')).toBe(
        encodeSelect(0) + rec('SET', 'a', '1') + encodeSelect(0) + rec('SET', 'b', '2'),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('appendonly yes creates the file at startup; INFO shows the aof_* fields', async () => {
    await start({ appendfsync: 'always' });
    const c = await conn();
    expect(aofText()).toBe('');
    await c.cmd('SET', 'k', 'v');
    const text = await c.cmd('INFO', 'persistence');
    expect(text).toContain('aof_enabled:1');
    expect(text).toContain(`aof_current_size:${aofText().length}`);
    expect(text).toContain('aof_base_size:0');
    expect(text).toContain('aof_last_write_status:ok');
    expect(text).toMatch(/aof_pending_rewrite:0\r\naof_buffer_length:0\r\naof_rewrite_buffer_length:\d+\r\naof_pending_bio_fsync:0\r\naof_delayed_fsync:0/);
  });

  test('always: every reply (reads too) waits for the fdatasync of the records before it', async () => {
    const s = await start({ appendfsync: 'always' });
    const io = new FaultyFs();
    s.core.aof.io = io;
    const writer = await conn();
    const reader = await conn();
    await writer.cmd('SET', 'k', 'old');
    io.holdSync = true;
    const setReply = writer.cmd('SET', 'k', 'new');
    await until(() => io.syncs > 0);
    const getReply = reader.cmd('GET', 'k');
    expect(await replyWithin(setReply, 150)).toBeNull();
    expect(await replyWithin(getReply, 10)).toBeNull();
    // the record is written, not yet durable
    expect(aofText()).toContain(rec('SET', 'k', 'new'));
    io.releaseSyncs();
    expect(await setReply).toBe('+OK\r\n');
    expect(await getReply).toBe('$3\r\nnew\r\n');
  });

  test('always: a BLPOP served later and a QUIT wait for the records before them too', async () => {
    const s = await start({ appendfsync: 'always' });
    const io = new FaultyFs();
    s.core.aof.io = io;
    const pusher = await conn();
    const popper = await conn();
    const quitter = await conn();
    await pusher.cmd('PING');
    const popped = popper.cmd('BLPOP', 'q', '0');
    await sleep(20);
    io.holdSync = true;
    const pushed = pusher.cmd('RPUSH', 'q', 'v');
    await until(() => io.syncs > 0);
    const quit = quitter.cmd('QUIT');
    expect(await replyWithin(popped, 100)).toBeNull();
    expect(await replyWithin(pushed, 10)).toBeNull();
    expect(await replyWithin(quit, 10)).toBeNull();
    expect(s.core.clients.connectedCount).toBe(3); // the QUIT's connection stays until its reply is sent
    io.releaseSyncs();
    expect(await pushed).toBe(':1\r\n');
    expect(await popped).toBe('*2\r\n$1\r\nq\r\n$1\r\nv\r\n');
    expect(await quit).toBe('+OK\r\n');
    await until(() => s.core.clients.connectedCount === 2);
    expect(aofText()).toBe(encodeSelect(0) + rec('RPUSH', 'q', 'v') + rec('LPOP', 'q'));
  });

  test('always: group commit, far fewer fdatasyncs than writes under concurrent clients', async () => {
    const s = await start({ appendfsync: 'always' });
    const io = new FaultyFs();
    s.core.aof.io = io;
    const clients = await Promise.all(Array.from({ length: 20 }, () => conn()));
    const per = 25;
    await Promise.all(
      clients.map(async (c, i) => {
        for (let j = 0; j < per; j++) expect(await c.cmd('INCR', `c${i}`)).toBe(`:${j + 1}\r\n`);
      }),
    );
    expect(io.syncs).toBeLessThan((20 * per) / 2);
    const text = aofText();
    expect(text.split('$4\r\nINCR\r\n').length - 1).toBe(20 * per);
  });

  test('ENOSPC under always: replies held (even -MISCONF ones), aof_last_write_status:err, recovery by itself', async () => {
    const s = await start({ appendfsync: 'always', hz: 100 });
    const aof = s.core.aof;
    const io = new FaultyFs();
    aof.io = io;
    const a = await conn();
    const other = await conn();
    await a.cmd('SET', 'before', '1');
    io.failWrite = 'ENOSPC';
    const pending = a.cmd('SET', 'during', '1');
    await until(() => aof.writeRefusal() !== null);
    expect(aof.writeRefusal()).toBe('MISCONF Errors writing to the AOF file: No space left on device');
    expect(aof.infoFields()).toContain('aof_last_write_status:err');
    // every reply waits behind the record that is not durable: nothing that may have seen it is answered
    const refused = other.cmd('SET', 'refused', '1');
    await until(() => s.core.stats.errorCounts.get('MISCONF') === 1);
    expect(await replyWithin(pending, 50)).toBeNull();
    expect(await replyWithin(refused, 10)).toBeNull();
    io.failWrite = null;
    expect(await pending).toBe('+OK\r\n'); // the cron's retry wrote and synced it
    expect(await refused).toBe('-MISCONF Errors writing to the AOF file: No space left on device\r\n');
    expect(await info(other, 'aof_last_write_status')).toBe('ok');
    expect(await other.cmd('SET', 'after', '1')).toBe('+OK\r\n');
    expect(aofText()).toBe(encodeSelect(0) + rec('SET', 'before', '1') + rec('SET', 'during', '1') + rec('SET', 'after', '1'));
  });

  test('everysec: a failed write is acknowledged (as Redis), later writes get -MISCONF until the retry works', async () => {
    const s = await start({ appendfsync: 'everysec', hz: 100 });
    const io = new FaultyFs();
    s.core.aof.io = io;
    const a = await conn();
    io.failWrite = 'EIO';
    expect(await a.cmd('SET', 'x', '1')).toBe('+OK\r\n');
    await until(async () => (await info(a, 'aof_last_write_status')) === 'err');
    expect(await a.cmd('INCR', 'y')).toBe('-MISCONF Errors writing to the AOF file: Input/output error\r\n');
    expect(await a.cmd('GET', 'x')).toBe('$1\r\n1\r\n'); // reads go on
    io.failWrite = null;
    await until(async () => (await info(a, 'aof_last_write_status')) === 'ok');
    expect(await a.cmd('INCR', 'y')).toBe(':1\r\n');
    await until(() => aofText().endsWith(rec('INCR', 'y')));
    expect(aofText()).toBe(encodeSelect(0) + rec('SET', 'x', '1') + rec('INCR', 'y'));
  });

  test('rewrite tap, drainPending and installRewritten: the new file takes over, held replies are released', async () => {
    const s = await start({ appendfsync: 'always' });
    const aof = s.core.aof;
    const c = await conn();
    await c.cmd('SELECT', '2');
    await c.cmd('SET', 'old', '1');
    const chunks: Buffer[] = [];
    aof.setRewriteTap((chunk) => chunks.push(chunk));
    await c.cmd('SET', 'during', '1');
    await c.cmd('SELECT', '5');
    await c.cmd('SET', 'during5', '1');
    // a record encoded this turn, its reply held: drainPending hands it over synchronously
    const io = new FaultyFs();
    aof.io = io;
    io.holdSync = true;
    const held = c.cmd('SET', 'last', '1');
    await until(() => aof.bufferLength > 0 || io.syncs > 0);
    aof.drainPending();
    const tapped = Buffer.concat(chunks).toString('latin1');
    expect(tapped).toBe(
      encodeSelect(2) + rec('SET', 'during', '1') + encodeSelect(5) + rec('SET', 'during5', '1') + rec('SET', 'last', '1'),
    );
    const base = '*3\r\n$3\r\nSET\r\n$4\r\nsnap\r\n$1\r\n1\r\n';
    const tmp = path.join(s.dir, 'temp-rewriteaof-test.aof');
    fs.writeFileSync(tmp, base + tapped);
    aof.installRewritten(tmp);
    aof.setRewriteTap(null);
    expect(await held).toBe('+OK\r\n'); // durable in the new file
    io.releaseSyncs();
    expect(fs.existsSync(tmp)).toBe(false);
    expect(aof.baseSize).toBe(base.length + tapped.length);
    await c.cmd('SET', 'next', '1');
    expect(aofText()).toBe(base + tapped + encodeSelect(5) + rec('SET', 'next', '1'));
    expect(aof.currentSize).toBe(aofText().length);
  });

  test('installRewritten failing (no such file) leaves the AOF and the state as they were', async () => {
    const s = await start({ appendfsync: 'everysec' });
    const c = await conn();
    await c.cmd('SET', 'a', '1');
    expect(() => s.core.aof.installRewritten(path.join(s.dir, 'missing-dir', 'x.aof'))).toThrow();
    expect(s.core.aof.state).toBe('on');
    await c.cmd('SET', 'b', '1');
    await until(() => aofText().endsWith(rec('SET', 'b', '1')));
    expect(aofText()).toBe(encodeSelect(0) + rec('SET', 'a', '1') + rec('SET', 'b', '1'));
  });

  test('CONFIG SET appendfsync and appendonly no: the file is flushed and closed, later writes not appended', async () => {
    await start({ appendfsync: 'always' });
    const c = await conn();
    await c.cmd('SET', 'a', '1');
    expect(await c.cmd('CONFIG', 'SET', 'appendfsync', 'no')).toBe('+OK\r\n');
    await c.cmd('SET', 'b', '1');
    expect(await c.cmd('CONFIG', 'SET', 'appendonly', 'no')).toBe('+OK\r\n');
    expect(await info(c, 'aof_enabled')).toBe('0');
    await c.cmd('SET', 'c', '1');
    await sleep(20);
    expect(aofText()).toBe(encodeSelect(0) + rec('SET', 'a', '1') + rec('SET', 'b', '1'));
  });

  test('CONFIG SET appendonly yes: wait-rewrite, the first file is built by a rewrite, then records follow', async () => {
    const s = await start({ appendonly: 'no', appendfsync: 'always' });
    const c = await conn();
    await c.cmd('SET', 'a', '1');
    expect(s.core.aof.state).toBe('off');
    expect(await info(c, 'aof_enabled')).toBe('0');
    expect(await c.cmd('CONFIG', 'SET', 'appendonly', 'yes')).toBe('+OK\r\n');
    expect(s.core.aof.state).toBe('wait-rewrite');
    expect(await info(c, 'aof_enabled')).toBe('1');
    await c.cmd('SET', 'b', '2'); // during the rewrite: reaches the file through the tap
    await until(() => s.core.aof.state === 'on');
    await c.cmd('SET', 'c', '3');
    const text = aofText();
    expect(text.startsWith('REDIS')).toBe(true); // aof-use-rdb-preamble yes
    expect(text).toContain(rec('SET', 'b', '2'));
    expect(text.endsWith(rec('SET', 'c', '3'))).toBe(true);
    expect(s.core.aof.baseSize).toBeGreaterThan(0);
    expect(s.core.aof.currentSize).toBe(text.length);
  });

  test('aof-timestamp-enabled writes #TS annotations', async () => {
    await start({ appendfsync: 'always', 'aof-timestamp-enabled': 'yes' });
    const c = await conn();
    await c.cmd('SET', 'a', '1');
    expect(aofText()).toMatch(/^#TS:\d+\r\n\*2\r\n\$6\r\nSELECT/);
  });
});

describe.skipIf(!hasDist)('AOF at SIGTERM (child process)', () => {
  afterAll(() => killAllChildren());

  test('appendfsync no: what is pending is written and fsynced before the process exits', async () => {
    const dir = tmp();
    try {
      const child = await startNodisChild(dir, ['--appendonly', 'yes', '--appendfsync', 'no']);
      const pipeline = child.client.pipeline();
      for (let i = 0; i < 2000; i++) pipeline.set(`k${i}`, `v${i}`);
      await pipeline.exec();
      expect(await child.term()).toBe(0);
      const text = fs.readFileSync(path.join(dir, 'appendonly.aof'), 'latin1');
      expect(text.split('$3\r\nset\r\n').length - 1).toBe(2000);
      expect(text.endsWith(rec('set', 'k1999', 'v1999'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
