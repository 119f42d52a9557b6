/**
 * Loading <dir>/<dbfilename> at startup: a fixture's keys are served after startServer resolves, a corrupt
 * or unsupported file makes the start fail and stays untouched (and the CLI exits 1), and while a big file
 * (written by a real redis-server) loads, commands get -LOADING and INFO shows the loading_* fields.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/index.js';
import { DatasetLoadError } from '../../src/server/dataset-load.js';
import { freePort, hasRedis, startRedis } from '../helpers/oracle.js';
import { startTestServer } from '../helpers/start-server.js';

const FIXTURES = path.resolve(__dirname, '../fixtures/redis-7.0');
const root = path.resolve(__dirname, '../..');

const dirs: string[] = [];
/** A temp dir holding `file` (a fixture name or bytes) as dump.rdb (or `name`). */
function dirWith(file: string | Buffer, name = 'dump.rdb'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-startload-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, name), typeof file === 'string' ? fs.readFileSync(path.join(FIXTURES, file)) : file);
  return dir;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const infoField = (info: string, name: string): string | undefined => new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(info)?.[1];

describe('startup load', () => {
  it('serves the keys of dir/dbfilename once started', async () => {
    const dir = dirWith('all-types.rdb', 'fixture.rdb');
    const srv = await startTestServer({ dir, dbfilename: 'fixture.rdb' });
    const c = new Redis({ port: srv.port, lazyConnect: true });
    try {
      await c.connect();
      expect(await c.dbsize()).toBe(17);
      expect(await c.get('str:raw')).toBe('hello world');
      expect(await c.hgetall('hash:small')).toEqual({ f1: 'v1', f2: '2' });
      expect(await c.zrange('zset:inf', 0, -1, 'WITHSCORES')).toEqual(['ninf', '-inf', 'pinf', 'inf']);
      expect(await c.pexpiretime('str:ttl')).toBe(1882196782211);
      expect(await c.object('ENCODING', 'list:big')).toBe('quicklist');
      await c.select(3);
      expect(await c.dbsize()).toBe(2);
      const info = await c.info('persistence');
      expect(infoField(info, 'loading')).toBe('0');
      expect(infoField(info, 'rdb_last_load_keys_loaded')).toBe('19');
      expect(infoField(info, 'rdb_last_load_keys_expired')).toBe('0');
      expect(infoField(info, 'loading_total_bytes')).toBeUndefined();
    } finally {
      c.disconnect();
      await srv.close();
    }
  });

  it('a corrupt file stops the start and is left untouched', async () => {
    const bytes = fs.readFileSync(path.join(FIXTURES, 'all-types.rdb'));
    bytes[bytes.indexOf('expiring')] ^= 1;
    const dir = dirWith(bytes);
    const before = fs.readFileSync(path.join(dir, 'dump.rdb'));
    const port = await freePort();
    const err = await startServer({ config: { port, bind: '127.0.0.1', dir }, silent: true }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatasetLoadError);
    expect((err as Error).message).toMatch(/wrong RDB checksum/);
    expect((err as Error).message).toMatch(/offset \d+/);
    expect(fs.readFileSync(path.join(dir, 'dump.rdb')).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['dump.rdb']);
    // the listener was closed: the port can be bound again
    const again = await startServer({ config: { port, bind: '127.0.0.1', dir: dirWith('uncompressed.rdb') }, silent: true });
    await again.close();
  });

  it('a file with a stream is refused, naming the key and type', async () => {
    const err = await startServer({ config: { port: 0, bind: '127.0.0.1', dir: dirWith('streams-hll.rdb') }, silent: true }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatasetLoadError);
    expect((err as Error).message).toMatch(/key "stream:s" in DB 0 is a stream/);
  });

  const built = fs.existsSync(path.join(root, 'dist/server/dataset-load.js'));
  it.skipIf(!built)('the CLI exits 1 with "Fatal error loading the DB" (dist built by npm test)', async () => {
    const bytes = fs.readFileSync(path.join(FIXTURES, 'all-types.rdb')).subarray(0, 5000);
    const dir = dirWith(bytes);
    const port = await freePort();
    const proc = spawn(process.execPath, [path.join(root, 'dist/main.js'), '--port', String(port), '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (c) => (out += c));
    proc.stderr.on('data', (c) => (out += c));
    const code = await new Promise<number | null>((r) => proc.once('exit', r));
    expect(code).toBe(1);
    expect(out).toMatch(/Fatal error loading the DB from .*dump\.rdb: RDB format error at offset \d+/);
    expect(fs.readFileSync(path.join(dir, 'dump.rdb')).equals(bytes)).toBe(true);
  });
});

describe.skipIf(!hasRedis)('-LOADING while a big file loads', () => {
  let dir = '';
  let size = 0;

  beforeAll(async () => {
    const redis = await startRedis();
    const c = new Redis({ port: redis.port, lazyConnect: true });
    try {
      await c.connect();
      await c.call('DEBUG', 'POPULATE', '300000', 'key', '10');
      expect(await c.call('SAVE')).toBe('OK');
      const bytes = fs.readFileSync(path.join(redis.dir, 'dump.rdb'));
      size = bytes.length;
      dir = dirWith(bytes);
    } finally {
      c.disconnect();
      await redis.close();
    }
  }, 60000);

  it('answers -LOADING and reports loading_* in INFO, then serves the keys', async () => {
    const port = await freePort();
    let settled = false;
    const starting = startServer({ config: { port, bind: '127.0.0.1', dir }, silent: true }).finally(() => (settled = true));
    const c = new Redis({ port, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => 2, maxRetriesPerRequest: null });
    c.on('error', () => {});
    let loadingReplies = 0;
    let infoWhileLoading = '';
    try {
      await c.connect().catch(() => {});
      while (!settled) {
        try {
          await c.ping();
        } catch (e) {
          expect((e as Error).message).toBe('LOADING Redis is loading the dataset in memory');
          loadingReplies++;
          // INFO is allowed while loading
          const info = await c.info('persistence');
          if (infoField(info, 'loading') === '1') infoWhileLoading = info;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const srv = await starting;
      try {
        expect(await c.dbsize()).toBe(300000);
        expect(await c.get('key:123')).toBe('value:123\0'); // DEBUG POPULATE pads to the size given
        const info = await c.info('persistence');
        expect(infoField(info, 'loading')).toBe('0');
        expect(infoField(info, 'rdb_last_load_keys_loaded')).toBe('300000');
        // a fast machine may finish before the client gets in: assert on what was observed
        if (loadingReplies === 0) console.warn('the load finished before -LOADING could be observed');
        if (infoWhileLoading !== '') {
          expect(infoField(infoWhileLoading, 'loading_total_bytes')).toBe(String(size));
          const loaded = Number(infoField(infoWhileLoading, 'loading_loaded_bytes'));
          expect(loaded).toBeGreaterThanOrEqual(0);
          expect(loaded).toBeLessThanOrEqual(size);
          expect(Number(infoField(infoWhileLoading, 'loading_loaded_perc'))).toBeLessThanOrEqual(100);
          expect(infoField(infoWhileLoading, 'loading_start_time')).toMatch(/^\d+$/);
          expect(infoField(infoWhileLoading, 'loading_eta_seconds')).toMatch(/^\d+$/);
          expect(infoField(infoWhileLoading, 'loading_rdb_used_mem')).toMatch(/^\d+$/);
        }
      } finally {
        await srv.close();
      }
    } finally {
      c.disconnect();
    }
  });

  it('SHUTDOWN while loading stops the load; the file stays as it was', async () => {
    const port = await freePort();
    const file = path.join(dir, 'dump.rdb');
    const before = fs.readFileSync(file);
    let settled = false;
    const starting = startServer({ config: { port, bind: '127.0.0.1', dir, save: '3600 1' }, silent: true }).finally(() => (settled = true));
    const c = new Redis({ port, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => 2, maxRetriesPerRequest: null });
    c.on('error', () => {});
    try {
      await c.connect().catch(() => {});
      let shutdownSent = false;
      while (!settled && !shutdownSent) {
        try {
          await c.ping();
        } catch {
          // -LOADING: a shutdown now never saves (Redis drops SAVE while loading)
          void c.call('SHUTDOWN').catch(() => {});
          shutdownSent = true;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const srv = await starting;
      if (shutdownSent) await srv.closed;
      else await srv.close(); // a fast machine finished first
      expect(fs.readFileSync(file).equals(before)).toBe(true);
    } finally {
      c.disconnect();
    }
  });
});
