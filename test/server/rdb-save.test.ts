/**
 * RDB saving wired into the server: SAVE and BGSAVE write files a real redis-server loads with the same
 * DEBUG DIGEST and redis-check-rdb accepts; a BGSAVE while clients keep writing holds the start instant;
 * save rules start a BGSAVE; SHUTDOWN SAVE, FLUSHALL and DEBUG RELOAD; a failed BGSAVE gives
 * rdb_last_bgsave_status:err and -MISCONF on writes until a good save; LASTSAVE and INFO persistence.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Err } from '../../src/protocol/errors.js';
import { freePort, hasRedis, startRedis, whenReady } from '../helpers/oracle.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const infoField = (info: string, name: string): string | undefined => new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(info)?.[1];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A copy of `file` as dump.rdb in a fresh dir. */
function copyToDir(file: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-rdbsave-'));
  dirs.push(dir);
  fs.copyFileSync(file, path.join(dir, 'dump.rdb'));
  return dir;
}

async function withServer(config: Record<string, string | number>, fn: (c: Redis, srv: TestServer) => Promise<void>): Promise<void> {
  const srv = await startTestServer({ 'enable-debug-command': 'yes', save: '', ...config });
  const c = new Redis({ port: srv.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await c.connect();
    await fn(c, srv);
  } finally {
    c.disconnect();
    await srv.close();
  }
}

/** Keys of every type, some with a TTL, in dbs 0 and 2, and a few big values (written in parts). */
async function populate(c: Redis, n: number): Promise<void> {
  const p = c.pipeline();
  for (let i = 0; i < n; i++) {
    p.set(`s:${i}`, i % 3 === 0 ? String(i) : `value-${i}-${'x'.repeat(i % 50)}`);
    if (i % 10 === 0) p.pexpire(`s:${i}`, 100_000_000);
    if (i % 5 === 0) p.rpush(`l:${i % 100}`, `e${i}`, i);
    if (i % 7 === 0) p.hset(`h:${i % 50}`, `f${i}`, `v${i}`);
    if (i % 3 === 0) p.sadd(`set:${i % 40}`, i % 2 === 0 ? String(i) : `m${i}`);
    if (i % 4 === 0) p.zadd(`z:${i % 30}`, i / 7, `m${i}`);
  }
  for (let i = 0; i < 3000; i++) {
    p.hset('bighash', `field${i}`, `v${i}`);
    p.sadd('bigset', `member${i}`);
    p.zadd('bigzset', i * 1.5, `m${i}`);
    p.rpush('biglist', `item${i}`);
  }
  p.select(2);
  p.set('db2:a', 'b');
  p.hset('db2:h', 'f', 'v');
  p.select(0);
  await p.exec();
}

/** Loads dir/dump.rdb into a real redis-server and returns its DEBUG DIGEST. */
async function redisDigest(dir: string): Promise<string> {
  const r = await startRedis(['--dir', dir, '--dbfilename', 'dump.rdb']);
  const c = new Redis({ port: r.port, lazyConnect: true });
  try {
    await c.connect();
    return (await c.call('debug', 'digest')) as string;
  } finally {
    c.disconnect();
    await r.close();
  }
}

function checkRdb(file: string): void {
  const res = spawnSync('redis-check-rdb', [file], { encoding: 'utf8' });
  expect(res.stdout).toContain('RDB looks OK!');
  expect(res.status).toBe(0);
}

async function waitBgsave(c: Redis): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const info = await c.info('persistence');
    if (infoField(info, 'rdb_bgsave_in_progress') === '0') return info;
    await sleep(10);
  }
  throw new Error('bgsave did not finish');
}

describe.skipIf(!hasRedis)('RDB files real Redis loads', () => {
  it('SAVE writes a file with the same digest in redis-server and passing redis-check-rdb', async () => {
    await withServer({}, async (c, srv) => {
      await populate(c, 3000);
      const digest = await c.call('debug', 'digest');
      expect(await c.save()).toBe('OK');
      const file = path.join(srv.dir, 'dump.rdb');
      checkRdb(file);
      expect(await redisDigest(copyToDir(file))).toBe(digest);
      const info = await c.info('persistence');
      expect(infoField(info, 'rdb_changes_since_last_save')).toBe('0');
      expect(infoField(info, 'rdb_saves')).toBe('1');
    });
  });

  it('rdbcompression no and rdbchecksum no still give a file Redis loads', async () => {
    await withServer({ rdbcompression: 'no', rdbchecksum: 'no', dbfilename: 'plain.rdb' }, async (c, srv) => {
      await c.set('long', 'a'.repeat(1000));
      await c.hset('h', 'f', 'b'.repeat(500));
      const digest = await c.call('debug', 'digest');
      expect(await c.save()).toBe('OK');
      const file = path.join(srv.dir, 'plain.rdb');
      expect(fs.statSync(file).size).toBeGreaterThan(1500);
      // the trailer is zero: no checksum
      expect(fs.readFileSync(file).subarray(-8).equals(Buffer.alloc(8))).toBe(true);
      expect(await redisDigest(copyToDir(file))).toBe(digest);
    });
  });

  it('BGSAVE while clients keep writing: replies flow, the file holds the start instant', async () => {
    await withServer({}, async (c, srv) => {
      await populate(c, 12000);
      const digest = await c.call('debug', 'digest');
      const writer = new Redis({ port: srv.port });
      try {
        expect(await c.bgsave()).toBe('Background saving started');
        await expect(c.bgsave()).rejects.toThrow(Err.bgsaveInProgress);
        await expect(c.save()).rejects.toThrow(Err.bgsaveInProgress);
        let during = 0;
        let round = 0;
        for (;;) {
          const p = writer.pipeline();
          for (let i = 0; i < 200; i++) {
            const k = (round * 200 + i) % 12000;
            p.set(`s:${k}`, `new${round}`);
            p.del(`l:${k % 100}`);
            p.hset(`h:${k % 50}`, 'f', round);
            p.hset('bighash', `field${k % 3000}`, 'changed');
            p.srem('bigset', `member${k % 3000}`);
            p.rpush('biglist', 'more');
            p.zincrby('bigzset', 1, `m${k % 3000}`);
            p.sadd(`newset:${k}`, 'x');
          }
          if (round % 5 === 4) p.swapdb(0, 2).swapdb(0, 2);
          const res = await p.exec();
          expect(res!.every(([err]) => err === null)).toBe(true);
          round++;
          const info = await c.info('persistence');
          if (infoField(info, 'rdb_bgsave_in_progress') === '0') break;
          during++;
          expect(Number(infoField(info, 'current_save_keys_total'))).toBeGreaterThan(12000);
        }
        expect(during).toBeGreaterThan(0);
        const info = await c.info('persistence');
        expect(infoField(info, 'rdb_last_bgsave_status')).toBe('ok');
        expect(Number(infoField(info, 'rdb_last_cow_size'))).toBeGreaterThan(0);
        expect(await c.call('debug', 'digest')).not.toBe(digest);
        const file = path.join(srv.dir, 'dump.rdb');
        checkRdb(file);
        expect(await redisDigest(copyToDir(file))).toBe(digest);
      } finally {
        writer.disconnect();
      }
    });
  });
});

describe('save rules, LASTSAVE, INFO', () => {
  it('INFO persistence fields, BGSAVE arguments, BGSAVE inside MULTI is scheduled', async () => {
    await withServer({}, async (c) => {
      const info = await c.info('persistence');
      for (const f of [
        'rdb_changes_since_last_save',
        'rdb_bgsave_in_progress',
        'rdb_last_save_time',
        'rdb_last_bgsave_status',
        'rdb_last_bgsave_time_sec',
        'rdb_current_bgsave_time_sec',
        'rdb_saves',
        'rdb_last_cow_size',
      ]) {
        expect(infoField(info, f), f).toBeDefined();
      }
      expect(infoField(info, 'rdb_last_bgsave_time_sec')).toBe('-1');
      expect(infoField(info, 'rdb_current_bgsave_time_sec')).toBe('-1');
      await expect(c.call('bgsave', 'foo')).rejects.toThrow(Err.syntax);
      await expect(c.call('bgsave', 'schedule', 'x')).rejects.toThrow(Err.syntax);
      await c.set('a', '1');
      expect(infoField(await c.info('persistence'), 'rdb_changes_since_last_save')).toBe('1');
      const res = await c.multi().bgsave().exec();
      expect(res).toEqual([[null, 'Background saving scheduled']]);
      // the cron starts it
      for (let i = 0; i < 100 && infoField(await c.info('persistence'), 'rdb_saves') !== '1'; i++) await sleep(10);
      const after = await waitBgsave(c);
      expect(infoField(after, 'rdb_saves')).toBe('1');
      expect(infoField(after, 'rdb_last_bgsave_time_sec')).toMatch(/^[01]$/);
      expect(infoField(after, 'rdb_changes_since_last_save')).toBe('0');
    });
  });

  it('a save rule starts a BGSAVE; LASTSAVE moves', async () => {
    await withServer({}, async (c, srv) => {
      const before = await c.lastsave();
      await c.config('SET', 'save', '1 1');
      await c.set('k', 'v');
      let info = '';
      for (let i = 0; i < 400; i++) {
        info = await c.info('persistence');
        if (infoField(info, 'rdb_saves') === '1' && infoField(info, 'rdb_bgsave_in_progress') === '0') break;
        await sleep(10);
      }
      expect(infoField(info, 'rdb_saves')).toBe('1');
      expect(infoField(info, 'rdb_changes_since_last_save')).toBe('0');
      expect(await c.lastsave()).toBeGreaterThan(before);
      expect(fs.existsSync(path.join(srv.dir, 'dump.rdb'))).toBe(true);
      // save "" disables the rules
      await c.config('SET', 'save', '');
      expect(await c.config('GET', 'save')).toEqual(['save', '']);
    });
  });

  it('a failed BGSAVE: status err, -MISCONF on writes, cleared by a good save', async () => {
    await withServer({ save: '3600 1', 'enable-protected-configs': 'yes' }, async (c, srv) => {
      await c.set('k', 'v');
      const dir = path.join(srv.dir, 'sub');
      fs.mkdirSync(dir);
      await c.config('SET', 'dir', dir);
      fs.rmSync(dir, { recursive: true });
      expect(await c.bgsave()).toBe('Background saving started');
      const info = await waitBgsave(c);
      expect(infoField(info, 'rdb_last_bgsave_status')).toBe('err');
      await expect(c.set('k', 'v2')).rejects.toThrow(Err.misconf);
      expect(await c.get('k')).toBe('v');
      // SAVE fails too (Redis's bare -ERR), SHUTDOWN refuses to exit
      await expect(c.save()).rejects.toThrow(/^ERR$/);
      await expect(c.call('shutdown')).rejects.toThrow(Err.shutdownErrors);
      await expect(c.ping()).rejects.toThrow(Err.misconf); // as Redis: PING too
      // stop-writes-on-bgsave-error no lets writes through
      await c.config('SET', 'stop-writes-on-bgsave-error', 'no');
      expect(await c.set('k', 'v3')).toBe('OK');
      await c.config('SET', 'stop-writes-on-bgsave-error', 'yes');
      await expect(c.set('k', 'v4')).rejects.toThrow(Err.misconf);
      fs.mkdirSync(dir);
      expect(await c.bgsave()).toBe('Background saving started');
      expect(infoField(await waitBgsave(c), 'rdb_last_bgsave_status')).toBe('ok');
      expect(await c.set('k', 'v5')).toBe('OK');
    });
  });
});

describe('SHUTDOWN, FLUSHALL, DEBUG RELOAD', () => {
  it('SHUTDOWN SAVE writes the file and closes the server', async () => {
    const srv = await startTestServer({ save: '' });
    const file = path.join(srv.dir, 'dump.rdb');
    const c = new Redis({ port: srv.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await c.connect();
      await c.set('a', '1');
      await c.rpush('l', 'x', 'y');
      await c.call('shutdown', 'save').catch(() => {});
      await srv.closed;
      expect(fs.existsSync(file)).toBe(true);
      const copy = copyToDir(file);
      const again = await startTestServer({ dir: copy, save: '' });
      const c2 = new Redis({ port: again.port, lazyConnect: true });
      try {
        await c2.connect();
        expect(await c2.get('a')).toBe('1');
        expect(await c2.lrange('l', 0, -1)).toEqual(['x', 'y']);
      } finally {
        c2.disconnect();
        await again.close();
      }
    } finally {
      c.disconnect();
      await srv.close();
    }
  });

  it('SHUTDOWN with save rules saves; NOSAVE does not', async () => {
    for (const [args, saved] of [[[], true], [['nosave'], false]] as const) {
      const srv = await startTestServer({ save: '3600 1' });
      const c = new Redis({ port: srv.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await c.connect();
        await c.set('a', '1');
        await c.call('shutdown', ...args).catch(() => {});
        await srv.closed;
        expect(fs.existsSync(path.join(srv.dir, 'dump.rdb'))).toBe(saved);
      } finally {
        c.disconnect();
        await srv.close();
      }
    }
  });

  it('FLUSHALL with save rules writes the empty dataset; changes are kept', async () => {
    await withServer({ save: '3600 1' }, async (c, srv) => {
      await c.set('a', '1');
      await c.set('b', '2');
      expect(await c.flushall()).toBe('OK');
      const file = path.join(srv.dir, 'dump.rdb');
      for (let i = 0; i < 200 && !fs.existsSync(file); i++) await sleep(5);
      checkRdb(file);
      // as Redis: dirty + keys removed + 1
      expect(infoField(await c.info('persistence'), 'rdb_changes_since_last_save')).toBe('5');
      const copy = copyToDir(file);
      const again = await startTestServer({ dir: copy, save: '' });
      const c2 = new Redis({ port: again.port, lazyConnect: true });
      try {
        await c2.connect();
        expect(await c2.dbsize()).toBe(0);
      } finally {
        c2.disconnect();
        await again.close();
      }
    });
  });

  it('DEBUG RELOAD saves, flushes and loads back', async () => {
    await withServer({}, async (c) => {
      await populate(c, 500);
      const digest = await c.call('debug', 'digest');
      const size = await c.dbsize();
      expect(await c.call('debug', 'reload')).toBe('OK');
      expect(await c.call('debug', 'digest')).toBe(digest);
      expect(await c.dbsize()).toBe(size);
      await c.set('extra', '1');
      expect(await c.call('debug', 'reload', 'nosave')).toBe('OK');
      expect(await c.exists('extra')).toBe(0);
      await expect(c.call('debug', 'reload', 'bogus')).rejects.toThrow(Err.debugReloadOptions);
    });
  });
});

const mainJs = path.resolve(__dirname, '../../dist/main.js');

/** The CLI (dist/, built by `npm test`) on a free port with `dir`, once it accepts connections. */
async function startCli(dir: string, args: string[]): Promise<{ port: number; proc: ReturnType<typeof spawn>; out: () => string }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [mainJs, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = await whenReady(proc, 'nodis');
  return { port, proc, out };
}

describe.skipIf(!fs.existsSync(mainJs))('SIGTERM (the CLI)', () => {
  it('saves before exiting when save rules exist; a failed save keeps the server running', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-sigterm-'));
    dirs.push(dir);
    const a = await startCli(dir, ['--save', '3600', '1']);
    const c = new Redis({ port: a.port, lazyConnect: true });
    await c.connect();
    await c.set('a', '1');
    c.disconnect();
    const exited = new Promise<number | null>((r) => a.proc.once('exit', r));
    a.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    checkRdb(path.join(dir, 'dump.rdb'));

    const gone = path.join(dir, 'gone');
    fs.mkdirSync(gone);
    const b = await startCli(gone, ['--save', '3600', '1']);
    const c2 = new Redis({ port: b.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await c2.connect();
      await c2.set('a', '1');
      fs.rmSync(gone, { recursive: true });
      b.proc.kill('SIGTERM');
      for (let i = 0; i < 200 && !b.out().includes('SIGTERM received but errors'); i++) await sleep(10);
      expect(b.out()).toContain('SIGTERM received but errors trying to shut down the server');
      expect(await c2.get('a')).toBe('1');
      const exited2 = new Promise<number | null>((r) => b.proc.once('exit', r));
      await c2.call('shutdown', 'nosave').catch(() => {});
      expect(await exited2).toBe(0);
    } finally {
      c2.disconnect();
      if (b.proc.exitCode === null) b.proc.kill('SIGKILL');
    }
  });
});
