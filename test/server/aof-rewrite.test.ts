/**
 * BGREWRITEAOF: the rewritten file (with and without the RDB preamble) replays to the live dataset,
 * also when every type is written while the rewrite runs; BGSAVE / BGREWRITEAOF exclusivity and
 * scheduling; the automatic rewrite; CONFIG SET appendonly yes building the first file; failures
 * leaving the old AOF alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/index.js';
import { digest, fixedWrites, knownCommands, pipeline, randomWrites, removeDir, startOnDir } from '../helpers/aof-workload.js';
import { nodeAofRewriteFs } from '../../src/persistence/aof-rewrite.js';
import { encodeCommand, RespConn, RespSession } from '../helpers/resp-session.js';

/** Servers and connections to close after each test (servers last). */
const open: Array<{ close(): unknown }> = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  for (const d of dirs.splice(0)) removeDir(d);
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aofrw-'));
  dirs.push(d);
  return d;
}

async function start(dir: string, config: Record<string, string | number> = {}): Promise<ServerHandle> {
  const h = await startOnDir(dir, { appendonly: 'yes', appendfsync: 'no', ...config });
  open.push(h);
  return h;
}

async function conn(h: ServerHandle): Promise<RespConn> {
  const c = await RespConn.connect(h.port);
  open.push(c);
  return c;
}

async function close(h: ServerHandle): Promise<void> {
  open.splice(open.indexOf(h), 1);
  await h.close();
}

async function info(c: RespConn): Promise<Record<string, string>> {
  const r = await c.cmd('INFO', 'persistence');
  const out: Record<string, string> = {};
  for (const line of r.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function waitFor(c: RespConn, pred: (i: Record<string, string>) => boolean, ms = 10000): Promise<Record<string, string>> {
  const until = Date.now() + ms;
  for (;;) {
    const i = await info(c);
    if (pred(i)) return i;
    if (Date.now() > until) throw new Error(`timed out; INFO: ${JSON.stringify(i)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until the AOF writer has written everything (appendfsync no writes asynchronously). */
async function settled(c: RespConn, file: string): Promise<void> {
  await waitFor(c, (i) => i.aof_buffer_length === '0' && fs.statSync(file).size === Number(i.aof_current_size));
}

const rewriteDone = (i: Record<string, string>) => i.aof_rewrite_in_progress === '0' && i.aof_rewrite_scheduled === '0';

/** Populates n keys of every type (strings, lists, hashes, sets, zsets; some with TTLs; a few big values). */
async function populate(c: RespConn, n: number): Promise<void> {
  let batch: string[][] = [];
  for (let i = 0; i < n; i++) {
    switch (i % 5) {
      case 0:
        batch.push(['SET', `s${i}`, `v${i}`]);
        break;
      case 1:
        batch.push(['RPUSH', `l${i}`, 'a', 'b', String(i)]);
        break;
      case 2:
        batch.push(['HSET', `h${i}`, 'f', String(i), 'g', 'x']);
        break;
      case 3:
        batch.push(['SADD', `t${i}`, String(i), 'm']);
        break;
      case 4:
        batch.push(['ZADD', `z${i}`, '1.5', 'a', String(i / 7), 'b']);
        break;
    }
    if (i % 97 === 0) batch.push(['PEXPIRE', `s${i}`, '100000000']);
    if (batch.length >= 500) {
      await pipeline(c, batch);
      batch = [];
    }
  }
  const big = Array.from({ length: 3000 }, (_, i) => `e${i}`);
  batch.push(['RPUSH', 'bigl', ...big], ['SADD', 'bigs', ...big], ['HSET', 'bigh', ...big.flatMap((e) => [e, e])]);
  batch.push(['ZADD', 'bigz', ...big.flatMap((e, i) => [String(i * 0.25), e])]);
  await pipeline(c, batch);
}

describe('BGREWRITEAOF', () => {
  for (const preamble of ['no', 'yes']) {
    it(`rewrites the AOF (preamble ${preamble}); a restart replays it to the same digest`, async () => {
      const dir = tempDir();
      const h = await start(dir, { 'aof-use-rdb-preamble': preamble });
      await fixedWrites(h.port);
      const c = await conn(h);
      await populate(c, 500);
      const before = fs.statSync(path.join(dir, 'appendonly.aof')).size;
      expect(await c.cmd('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
      const i = await waitFor(c, rewriteDone);
      expect(i.aof_last_bgrewrite_status).toBe('ok');
      expect(i.aof_rewrites).toBe('1');
      // writes after the switch go to the new file
      await c.cmd('SET', 'after', 'rewrite');
      await c.cmd('INCR', 'ctr-after');
      const d = await digest(h.port);
      const file = fs.readFileSync(path.join(dir, 'appendonly.aof'));
      if (preamble === 'yes') expect(file.subarray(0, 5).toString()).toBe('REDIS');
      else expect(file.subarray(0, 23).toString('latin1')).toBe('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n');
      expect(before).toBeGreaterThan(0);
      expect(fs.readdirSync(dir).filter((f) => f.startsWith('temp-'))).toEqual([]);
      c.close();
      open.splice(open.indexOf(c), 1);
      await close(h);
      const h2 = await start(dir);
      expect(await digest(h2.port)).toBe(d);
    });
  }

  it('rewrites while every type is written: the AOF replays to the live dataset', async () => {
    const dir = tempDir();
    const h = await start(dir, { 'aof-use-rdb-preamble': 'no' });
    const c = await conn(h);
    await populate(c, 5000);
    const known = await knownCommands(h.port);
    // small slices and appends so the rewrite is still running while the writes arrive
    const rw = h.core.aofRewriter;
    rw.tuning = { slice: { maxUnits: 10 }, finalBytes: 2048, sliceBytes: 8192 };
    expect(await c.cmd('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
    const job = rw.current!;
    let buffered = 0;
    const watch = setInterval(() => (buffered = Math.max(buffered, job.bufferLength)), 1);
    // a writer that goes on through the append phase and the switch: each INCR must land exactly once
    let finished = false;
    let incrs = 0;
    const c2 = await conn(h);
    const steady = (async () => {
      while (!finished) {
        await pipeline(c2, [['INCR', 'steady'], ['RPUSH', 'steady-l', String(incrs)], ['SELECT', String(incrs % 3)]]);
        incrs++;
      }
    })();
    await Promise.all([randomWrites(h.port, 7, 1500, known), randomWrites(h.port, 8, 1500, known)]);
    const res = await job.done;
    finished = true;
    await steady;
    clearInterval(watch);
    expect(res.stats.cowPages).toBeGreaterThan(0); // writes arrived during the walk
    expect(res.bytes - res.baseBytes).toBeGreaterThan(20000); // the buffer was appended in many slices
    expect(buffered).toBeGreaterThan(8192);
    await waitFor(c, rewriteDone);
    await randomWrites(h.port, 9, 300, known);
    expect((await info(c)).aof_last_bgrewrite_status).toBe('ok');
    const d = await digest(h.port);
    c.close();
    open.splice(open.indexOf(c), 1);
    await close(h);
    const h2 = await start(dir);
    expect(await digest(h2.port)).toBe(d);
  });

  for (const preamble of ['no', 'yes']) {
    it(`big values modified while the rewrite writes them in parts (preamble ${preamble})`, async () => {
      const dir = tempDir();
      const h = await start(dir, { 'aof-use-rdb-preamble': preamble });
      const c = await conn(h);
      const big = Array.from({ length: 5000 }, (_, i) => `e${i}`);
      await pipeline(c, [
        ['RPUSH', 'bigl', ...big],
        ['SADD', 'bigs', ...big],
        ['HSET', 'bigh', ...big.flatMap((e) => [e, e])],
        ['ZADD', 'bigz', ...big.flatMap((e, i) => [String(i), e])],
        ['PEXPIRE', 'bigz', '100000000'],
      ]);
      h.core.aofRewriter.tuning = { slice: { maxUnits: 100 } };
      expect(await c.cmd('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
      const job = h.core.aofRewriter.current!;
      // each value is being written in parts now and then: change them between slices
      for (let round = 0; job.inSnapshot && round < 200; round++) {
        await pipeline(c, [
          ['LSET', 'bigl', String(round * 17), `changed${round}`],
          ['RPUSH', 'bigl', `tail${round}`],
          ['LPOP', 'bigl'],
          ['SREM', 'bigs', `e${round * 13}`],
          ['SADD', 'bigs', `new${round}`],
          ['HSET', 'bigh', `e${round * 11}`, `v${round}`],
          ['HDEL', 'bigh', `e${round * 7 + 1}`],
          ['ZADD', 'bigz', String(-round), `e${round * 19}`],
          ['ZREM', 'bigz', `e${round * 5 + 2}`],
        ]);
      }
      const res = await job.done;
      expect(res.stats.cowValues).toBeGreaterThan(0); // a value being written in parts was cloned (rebase)
      await waitFor(c, rewriteDone);
      const d = await digest(h.port);
      await close(h);
      expect(await digest((await start(dir)).port)).toBe(d);
    });
  }

  it('BGSAVE and BGREWRITEAOF never run together: the second is refused or scheduled', async () => {
    const dir = tempDir();
    const h = await start(dir);
    const c = await conn(h);
    await populate(c, 2000);
    h.core.aofRewriter.tuning = { slice: { maxUnits: 50 } };
    const s = await RespSession.connect(h.port);
    open.push(s);
    // one read: the commands run in the same turn, while the first job surely runs
    const send = (...cmds: string[][]) => s.raw.write(cmds.map((a) => encodeCommand(a)).join(''));
    send(['BGREWRITEAOF'], ['BGSAVE'], ['BGSAVE', 'SCHEDULE'], ['BGREWRITEAOF'], ['MULTI'], ['BGREWRITEAOF'], ['EXEC']);
    expect(await s.read(7)).toBe(
      '+Background append only file rewriting started\r\n' +
        "-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n" +
        '+Background saving scheduled\r\n' +
        '-ERR Background append only file rewriting already in progress\r\n' +
        '+OK\r\n+QUEUED\r\n' +
        '*1\r\n-ERR Background append only file rewriting already in progress\r\n',
    );
    // the scheduled BGSAVE starts from the cron once the rewrite is done
    await waitFor(c, (i) => i.aof_rewrite_in_progress === '0' && i.rdb_bgsave_in_progress === '0' && i.rdb_saves === '1');
    expect(fs.existsSync(path.join(dir, 'dump.rdb'))).toBe(true);
    // the other way round: BGREWRITEAOF during a BGSAVE is scheduled (also inside MULTI)
    h.core.aofRewriter.tuning = {};
    send(['BGSAVE'], ['BGREWRITEAOF'], ['BGSAVE']);
    expect(await s.read(3)).toBe(
      '+Background saving started\r\n+Background append only file rewriting scheduled\r\n-ERR Background save already in progress\r\n',
    );
    expect((await info(c)).aof_rewrite_scheduled).toBe('1');
    const i = await waitFor(c, (x) => x.aof_rewrites === '2' && rewriteDone(x) && x.rdb_bgsave_in_progress === '0');
    expect(i.aof_last_bgrewrite_status).toBe('ok');
    expect(i.rdb_last_bgsave_status).toBe('ok');
    send(['MULTI'], ['BGREWRITEAOF'], ['EXEC']);
    expect(await s.read(3)).toBe('+OK\r\n+QUEUED\r\n*1\r\n+Background append only file rewriting scheduled\r\n');
    await waitFor(c, (x) => x.aof_rewrites === '3' && rewriteDone(x));
    const d = await digest(h.port);
    s.close();
    await close(h);
    expect(await digest((await start(dir)).port)).toBe(d);
  });

  it('SAVE works while a rewrite runs', async () => {
    const dir = tempDir();
    const h = await start(dir);
    const c = await conn(h);
    await populate(c, 2000);
    h.core.aofRewriter.tuning = { slice: { maxUnits: 20 } };
    const s = await RespSession.connect(h.port);
    open.push(s);
    // one read: SAVE runs in the turn the rewrite started, beside its snapshot
    s.raw.write([['BGREWRITEAOF'], ['SET', 'during', '1'], ['SAVE'], ['SET', 'during', '2']].map((a) => encodeCommand(a)).join(''));
    expect(await s.read(4)).toBe('+Background append only file rewriting started\r\n+OK\r\n+OK\r\n+OK\r\n');
    await waitFor(c, rewriteDone);
    expect((await info(c)).aof_last_bgrewrite_status).toBe('ok');
    const d = await digest(h.port);
    s.close();
    await close(h);
    expect(await digest((await start(dir)).port)).toBe(d);
    // the RDB file holds the dataset as SAVE saw it
    const h3 = await start(dir, { appendonly: 'no' });
    const c3 = await conn(h3);
    expect(await c3.cmd('GET', 'during')).toBe('$1\r\n1\r\n');
  });

  it('a failed rewrite leaves the old AOF intact and removes its temp file', async () => {
    const dir = tempDir();
    const h = await start(dir, { 'aof-use-rdb-preamble': 'no' });
    const c = await conn(h);
    await populate(c, 300);
    const aof = path.join(dir, 'appendonly.aof');
    // 1. the snapshot's file cannot be put in place (a directory holds its name): the worker fails
    const tmp = path.join(dir, `temp-rewriteaof-bg-${process.pid}.aof`);
    fs.mkdirSync(tmp);
    await settled(c, aof);
    let old = fs.readFileSync(aof);
    expect(await c.cmd('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
    let i = await waitFor(c, rewriteDone);
    expect(i.aof_last_bgrewrite_status).toBe('err');
    expect(i.aof_rewrites_consecutive_failures).toBe('1');
    expect(fs.readFileSync(aof).equals(old)).toBe(true);
    fs.rmdirSync(tmp);
    // 2. the fsync of the switch fails: the same, and writes keep going to the old file
    const eio = (): never => {
      throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    };
    h.core.aofRewriter.fs = { ...nodeAofRewriteFs, fsyncSync: eio };
    await settled(c, aof);
    old = fs.readFileSync(aof);
    expect(await c.cmd('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
    i = await waitFor(c, rewriteDone);
    expect(i.aof_last_bgrewrite_status).toBe('err');
    expect(i.aof_rewrites_consecutive_failures).toBe('2');
    expect(fs.readFileSync(aof).equals(old)).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('temp-'))).toEqual([]);
    await c.cmd('SET', 'still', 'logged');
    await settled(c, aof);
    expect(fs.readFileSync(aof).subarray(0, old.length).equals(old)).toBe(true);
    expect(fs.readFileSync(aof).toString('latin1').endsWith('$5\r\nstill\r\n$6\r\nlogged\r\n')).toBe(true);
    // 3. the async open of the temp file for the buffer fails
    h.core.aofRewriter.fs = { ...nodeAofRewriteFs, open: (_f, _fl, cb) => cb(Object.assign(new Error('EACCES'), { code: 'EACCES' }), -1) };
    expect(await c.cmd('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
    i = await waitFor(c, rewriteDone);
    expect(i.aof_rewrites_consecutive_failures).toBe('3');
    // 4. healthy again
    h.core.aofRewriter.fs = undefined;
    expect(await c.cmd('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
    i = await waitFor(c, rewriteDone);
    expect(i.aof_last_bgrewrite_status).toBe('ok');
    expect(i.aof_rewrites_consecutive_failures).toBe('0');
    const d = await digest(h.port);
    await close(h);
    expect(await digest((await start(dir)).port)).toBe(d);
  });

  it('rewrites automatically on growth (auto-aof-rewrite-percentage / min-size)', async () => {
    const dir = tempDir();
    const h = await start(dir, { 'auto-aof-rewrite-percentage': 100, 'auto-aof-rewrite-min-size': 4096, hz: 50 });
    const c = await conn(h);
    await c.cmd('SET', 'small', 'x');
    await new Promise((r) => setTimeout(r, 100));
    expect((await info(c)).aof_rewrites).toBe('0'); // under min-size
    // overwriting one key grows the log, not the dataset; the growth is checked once the writes are in
    const grow = async (v: string): Promise<void> => {
      expect(await c.cmd('CONFIG', 'SET', 'auto-aof-rewrite-percentage', '0')).toBe('+OK\r\n');
      for (let i = 0; i < 5; i++) await pipeline(c, Array.from({ length: 50 }, () => ['SET', 'k', v.repeat(100)]));
      expect(await c.cmd('CONFIG', 'SET', 'auto-aof-rewrite-percentage', '100')).toBe('+OK\r\n');
    };
    await grow('v');
    let i = await waitFor(c, (x) => x.aof_rewrites === '1' && rewriteDone(x));
    expect(Number(i.aof_base_size)).toBeLessThan(4096);
    expect(i.aof_current_size).toBe(i.aof_base_size);
    await grow('w');
    i = await waitFor(c, (x) => x.aof_rewrites === '2' && rewriteDone(x));
    expect(Number(i.aof_base_size)).toBeLessThan(4096);
    expect(await c.cmd('GET', 'small')).toBe('$1\r\nx\r\n');
    const d = await digest(h.port);
    await close(h);
    expect(await digest((await start(dir)).port)).toBe(d);
  });

  it('CONFIG SET appendonly yes builds the first AOF by a rewrite; appendonly no kills a running one', async () => {
    const dir = tempDir();
    const h = await start(dir, { appendonly: 'no' });
    const c = await conn(h);
    await populate(c, 1000);
    expect(await c.cmd('CONFIG', 'SET', 'appendonly', 'yes')).toBe('+OK\r\n');
    await c.cmd('INCR', 'during-wait');
    await waitFor(c, (x) => x.aof_enabled === '1' && rewriteDone(x) && x.aof_rewrites === '1');
    await c.cmd('INCR', 'during-wait');
    const d = await digest(h.port);
    // appendonly no during a rewrite: it is killed, its temp file removed
    h.core.aofRewriter.tuning = { slice: { maxUnits: 10 } };
    expect(await c.cmd('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
    expect(await c.cmd('CONFIG', 'SET', 'appendonly', 'no')).toBe('+OK\r\n');
    const i = await info(c);
    expect(i.aof_rewrite_in_progress).toBe('0');
    expect(i.aof_last_bgrewrite_status).toBe('ok');
    await close(h);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('temp-'))).toEqual([]);
    expect(await digest((await start(dir)).port)).toBe(d);
  });

  it('a failed first rewrite of CONFIG SET appendonly yes is retried from the cron', async () => {
    const dir = tempDir();
    const h = await start(dir, { appendonly: 'no', hz: 50 });
    const c = await conn(h);
    await populate(c, 200);
    let failures = 2;
    h.core.aofRewriter.fs = {
      ...nodeAofRewriteFs,
      fsyncSync: (fd) => {
        if (failures-- > 0) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
        nodeAofRewriteFs.fsyncSync(fd);
      },
    };
    expect(await c.cmd('CONFIG', 'SET', 'appendonly', 'yes')).toBe('+OK\r\n');
    await c.cmd('SET', 'while', 'waiting');
    const i = await waitFor(c, (x) => x.aof_rewrites === '3' && rewriteDone(x));
    expect(i.aof_enabled).toBe('1');
    expect(i.aof_last_bgrewrite_status).toBe('ok');
    expect(h.core.aof.state).toBe('on');
    await c.cmd('SET', 'after', 'on');
    const d = await digest(h.port);
    await close(h);
    expect(await digest((await start(dir)).port)).toBe(d);
  });

  it('CONFIG SET appendonly yes inside MULTI or during a BGSAVE schedules the first rewrite', async () => {
    const dir = tempDir();
    const h = await start(dir, { appendonly: 'no', hz: 50 });
    const c = await conn(h);
    await populate(c, 300);
    const s = await RespSession.connect(h.port);
    open.push(s);
    const send = (...cmds: string[][]) => s.raw.write(cmds.map((a) => encodeCommand(a)).join(''));
    // the INCRs around it must each land once: the one before is in the snapshot, not in the buffer
    send(['MULTI'], ['INCR', 'x'], ['CONFIG', 'SET', 'appendonly', 'yes'], ['INCR', 'x'], ['EXEC']);
    expect(await s.read(5)).toBe('+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n:1\r\n+OK\r\n:2\r\n');
    await waitFor(c, (x) => x.aof_enabled === '1' && x.aof_rewrites === '1' && rewriteDone(x));
    expect(h.core.aof.state).toBe('on');
    send(['CONFIG', 'SET', 'appendonly', 'no'], ['BGSAVE'], ['CONFIG', 'SET', 'appendonly', 'yes'], ['INCR', 'x']);
    expect(await s.read(4)).toBe('+OK\r\n+Background saving started\r\n+OK\r\n:3\r\n');
    await waitFor(c, (x) => x.aof_rewrites === '2' && rewriteDone(x) && x.rdb_bgsave_in_progress === '0');
    expect(h.core.aof.state).toBe('on');
    const d = await digest(h.port);
    s.close();
    await close(h);
    const h2 = await start(dir);
    expect(await digest(h2.port)).toBe(d);
    expect(await (await conn(h2)).cmd('GET', 'x')).toBe('$1\r\n3\r\n');
  });

  it('BGREWRITEAOF with appendonly no writes the file from the dataset', async () => {
    const dir = tempDir();
    const h = await start(dir, { appendonly: 'no' });
    const c = await conn(h);
    await fixedWrites(h.port);
    expect(await c.cmd('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
    await waitFor(c, (x) => x.aof_rewrites === '1' && rewriteDone(x));
    expect((await info(c)).aof_enabled).toBe('0');
    const d = await digest(h.port);
    await close(h);
    expect(await digest((await start(dir)).port)).toBe(d);
  });
});
