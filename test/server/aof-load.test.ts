/**
 * Loading the AOF at startup (appendonly yes): hand-written files of every type, SELECT and MULTI; the AOF
 * wins over dump.rdb (and no AOF means an empty start, as Redis 7.0); keys already expired in the file are
 * replayed as Redis does (expiry paused while loading, caught up after; checked against a real Redis loading
 * the same file); a truncated file is cut back (aof-load-truncated yes) or refused (no, and the CLI exits 1);
 * garbage stops the start naming the offset; an RDB preamble written by nodis's SAVE plus a RESP tail; AOFs
 * written by a real Redis 7.0 (base + incr files joined, preamble no and yes) load to an equal DEBUG DIGEST;
 * -LOADING and loading_* in INFO while a big AOF loads.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../../src/index.js';
import { DatasetLoadError } from '../../src/server/dataset-load.js';
import { digest, fixedWrites, knownCommands, randomWrites, startOnDir } from '../helpers/aof-workload.js';
import { freePort, hasRedis, startRedis, whenReady } from '../helpers/oracle.js';
import { RespConn } from '../helpers/resp-session.js';

const root = path.resolve(__dirname, '../..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A temp dir holding the given files. */
function dirWith(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aofload-'));
  dirs.push(dir);
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  return dir;
}

/** RESP encoding of one command, as Redis's catAppendOnlyGenericCommand. */
function cmd(...argv: string[]): string {
  return `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`;
}

function start(dir: string, config: Record<string, string | number> = {}): Promise<ServerHandle> {
  return startServer({ config: { port: 0, bind: '127.0.0.1', dir, save: '', appendonly: 'yes', 'enable-debug-command': 'yes', ...config }, silent: true });
}

async function startError(dir: string, config: Record<string, string | number> = {}): Promise<Error> {
  const err = await start(dir, config).then(
    async (h) => {
      await h.close();
      return null;
    },
    (e: unknown) => e as Error,
  );
  expect(err).toBeInstanceOf(DatasetLoadError);
  return err!;
}

async function client(port: number): Promise<Redis> {
  const c = new Redis({ port, lazyConnect: true });
  await c.connect();
  return c;
}

const BIG = 100_000;
let big = '';
/** BIG SETs of distinct keys (a few MB: long enough to answer -LOADING meanwhile). */
function bigAof(): string {
  if (big === '') {
    const parts: string[] = [];
    for (let i = 0; i < BIG; i++) parts.push(cmd('SET', `key:${i}`, `value:${i}`));
    big = parts.join('');
  }
  return big;
}

const infoField = (info: string, name: string): string | undefined => new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(info)?.[1];

const FAR = String(Date.now() + 1e9);
const PAST = String(Date.now() - 1e6);
const ALL_TYPES = [
  cmd('SELECT', '0'),
  cmd('SET', 'str', 'hello'),
  cmd('APPEND', 'str', ' world'),
  cmd('SET', 'bin', 'a\x00b\xff\r\n'),
  cmd('SET', 'ttl', 'v', 'PXAT', FAR),
  cmd('RPUSH', 'list', 'a', 'b', 'c'),
  cmd('LPOP', 'list'),
  cmd('HSET', 'hash', 'f1', 'v1', 'f2', 'v2'),
  cmd('SADD', 'set', '1', '2', '3'),
  cmd('ZADD', 'zset', '1.5', 'a', '-inf', 'b'),
  cmd('PEXPIREAT', 'hash', FAR),
  cmd('MULTI'),
  cmd('INCR', 'counter'),
  cmd('INCRBYFLOAT', 'counter', '0.5'),
  cmd('EXEC'),
  cmd('SELECT', '3'),
  cmd('SET', 'in3', 'x'),
  cmd('DEL', 'nosuchkey'),
].join('');

describe('AOF loading at startup', () => {
  it('replays every type, SELECT, expiries and MULTI/EXEC', async () => {
    const dir = dirWith({ 'appendonly.aof': ALL_TYPES });
    const h = await start(dir);
    const c = await client(h.port);
    try {
      expect(await c.get('str')).toBe('hello world');
      expect(await c.getBuffer('bin')).toEqual(Buffer.from('a\x00b\xff\r\n', 'latin1'));
      expect(await c.pexpiretime('ttl')).toBe(Number(FAR));
      expect(await c.lrange('list', 0, -1)).toEqual(['b', 'c']);
      expect(await c.hgetall('hash')).toEqual({ f1: 'v1', f2: 'v2' });
      expect(await c.pexpiretime('hash')).toBe(Number(FAR));
      expect(await c.smembers('set')).toEqual(['1', '2', '3']);
      expect(await c.zrange('zset', 0, -1, 'WITHSCORES')).toEqual(['b', '-inf', 'a', '1.5']);
      expect(await c.get('counter')).toBe('1.5');
      expect(await c.dbsize()).toBe(8);
      await c.select(3);
      expect(await c.get('in3')).toBe('x');
      const info = await c.info('persistence');
      expect(infoField(info, 'loading')).toBe('0');
      // as Redis 7.0 (asked): the replayed writes count as changes, EXEC's queued ones included
      expect(infoField(info, 'rdb_changes_since_last_save')).toBe('19');
    } finally {
      c.disconnect();
      await h.close();
    }
  });

  it('the AOF wins over dump.rdb; with no AOF the start is empty; appendonly no loads dump.rdb', async () => {
    // a dump.rdb made by nodis itself
    const src = dirWith({});
    const s = await startServer({ config: { port: 0, bind: '127.0.0.1', dir: src, save: '' }, silent: true });
    const sc = await client(s.port);
    await sc.set('fromrdb', '1');
    await sc.save();
    sc.disconnect();
    await s.close();
    const rdb = fs.readFileSync(path.join(src, 'dump.rdb'));

    const both = dirWith({ 'dump.rdb': rdb, 'appendonly.aof': cmd('SET', 'fromaof', '1') });
    let h = await start(both);
    let c = await client(h.port);
    expect(await c.keys('*')).toEqual(['fromaof']);
    c.disconnect();
    await h.close();

    const onlyRdb = dirWith({ 'dump.rdb': rdb });
    h = await start(onlyRdb);
    c = await client(h.port);
    expect(await c.dbsize()).toBe(0);
    c.disconnect();
    await h.close();

    const noAof = dirWith({ 'dump.rdb': rdb, 'appendonly.aof': cmd('SET', 'fromaof', '1') });
    h = await start(noAof, { appendonly: 'no' });
    c = await client(h.port);
    expect(await c.keys('*')).toEqual(['fromrdb']);
    c.disconnect();
    await h.close();

    // an empty AOF is fine
    h = await start(dirWith({ 'appendonly.aof': '' }));
    c = await client(h.port);
    expect(await c.dbsize()).toBe(0);
    c.disconnect();
    await h.close();
  });

  it("a Redis 7 multi-part AOF (appendonlydir) without appendonly.aof stops the start rather than being ignored", async () => {
    const dir = dirWith({});
    fs.mkdirSync(path.join(dir, 'appendonlydir'));
    fs.writeFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.rdb seq 1 type b\n');
    const err = await startError(dir);
    expect(err.message).toMatch(/a multi-part AOF of Redis 7, which nodis does not read/);
  });

  it('a custom appendfilename is read', async () => {
    const dir = dirWith({ 'my.aof': cmd('SET', 'a', '1') });
    const h = await start(dir, { appendfilename: 'my.aof' });
    const c = await client(h.port);
    expect(await c.get('a')).toBe('1');
    c.disconnect();
    await h.close();
  });

  it('a truncated last command: aof-load-truncated yes cuts the file and starts, no refuses', async () => {
    const good = cmd('SET', 'a', '1') + cmd('MULTI') + cmd('SET', 'b', '2') + cmd('EXEC');
    const text = good + cmd('SET', 'c', '3').slice(0, -3);
    const yes = dirWith({ 'appendonly.aof': text });
    const h = await start(yes);
    const c = await client(h.port);
    expect(await c.mget('a', 'b', 'c')).toEqual(['1', '2', null]);
    c.disconnect();
    await h.close();
    // A's writer may have appended since: the loaded part is the good prefix
    expect(fs.readFileSync(path.join(yes, 'appendonly.aof'), 'latin1').startsWith(good)).toBe(true);
    expect(fs.readFileSync(path.join(yes, 'appendonly.aof'), 'latin1').startsWith(text)).toBe(false);

    const no = dirWith({ 'appendonly.aof': text });
    const err = await startError(no, { 'aof-load-truncated': 'no' });
    expect(err.message).toMatch(/Unexpected end of file reading the append only file appendonly\.aof/);
    expect(err.message).toContain(`offset ${good.length}`);
    expect(fs.readFileSync(path.join(no, 'appendonly.aof'), 'latin1')).toBe(text);
  });

  it('an unfinished MULTI at the tail is dropped', async () => {
    const good = cmd('SET', 'a', '1');
    const dir = dirWith({ 'appendonly.aof': good + cmd('MULTI') + cmd('SET', 'b', '2') });
    const h = await start(dir);
    const c = await client(h.port);
    expect(await c.mget('a', 'b')).toEqual(['1', null]);
    c.disconnect();
    await h.close();
    expect(fs.readFileSync(path.join(dir, 'appendonly.aof'), 'latin1').startsWith(good + '*')).toBe(false);
  });

  it('garbage in the middle or an unknown command stops the start, naming the offset; the file is untouched', async () => {
    const good = cmd('SET', 'a', '1');
    for (const [bad, re] of [
      [good + 'xx\r\n' + good, new RegExp(`Bad file format reading the append only file appendonly\\.aof at offset ${good.length}`)],
      [good + cmd('NOSUCH', 'k') + good, new RegExp(`Unknown command 'NOSUCH' reading the append only file appendonly\\.aof \\(the command at offset ${good.length}\\)`)],
    ] as const) {
      const dir = dirWith({ 'appendonly.aof': bad });
      const err = await startError(dir);
      expect(err.message).toMatch(re);
      expect(fs.readFileSync(path.join(dir, 'appendonly.aof'), 'latin1')).toBe(bad);
    }
  });

  it('commands failing in the file are ignored, as Redis does', async () => {
    const dir = dirWith({ 'appendonly.aof': cmd('SET', 'a', 'x') + cmd('INCR', 'a') + cmd('LPUSH', 'a', 'y') + cmd('SET', 'b', '1') });
    const h = await start(dir);
    const c = await client(h.port);
    expect(await c.mget('a', 'b')).toEqual(['x', '1']);
    c.disconnect();
    await h.close();
  });

  it('an RDB preamble (nodis SAVE) followed by RESP commands loads to the same digest', async () => {
    const src = dirWith({});
    const s = await startOnDir(src);
    await fixedWrites(s.port);
    const c = await client(s.port);
    await c.save();
    const tail = [cmd('SELECT', '1'), cmd('SET', 'after', 'preamble'), cmd('SELECT', '0'), cmd('DEL', 'str'), cmd('HSET', 'newhash', 'f', 'v')];
    await c.select(1);
    await c.set('after', 'preamble');
    await c.select(0);
    await c.del('str');
    await c.hset('newhash', 'f', 'v');
    const want = await digest(s.port);
    c.disconnect();
    await s.close();
    const aof = Buffer.concat([fs.readFileSync(path.join(src, 'dump.rdb')), Buffer.from(tail.join(''), 'latin1')]);
    const dir = dirWith({ 'appendonly.aof': aof });
    const h = await start(dir);
    try {
      expect(await digest(h.port)).toBe(want);
    } finally {
      await h.close();
    }
    // a preamble cut short is an error, not a truncation
    const cut = dirWith({ 'appendonly.aof': aof.subarray(0, 40) });
    const err = await startError(cut);
    expect(err.message).toMatch(/Error reading the RDB preamble of the AOF file appendonly\.aof/);
  });

  it('-LOADING and loading_* in INFO while a big AOF loads', async () => {
    const text = bigAof();
    const dir = dirWith({ 'appendonly.aof': text });
    const port = await freePort();
    let settled = false;
    const starting = start(dir, { port }).finally(() => (settled = true));
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
          const info = await c.info('persistence');
          if (infoField(info, 'loading') === '1') infoWhileLoading = info;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const h = await starting;
      try {
        expect(await c.dbsize()).toBe(BIG);
        expect(await c.get('key:123')).toBe('value:123');
        if (loadingReplies === 0) console.warn('the AOF load finished before -LOADING could be observed');
        if (infoWhileLoading !== '') {
          expect(infoField(infoWhileLoading, 'loading_total_bytes')).toBe(String(text.length));
          const loaded = Number(infoField(infoWhileLoading, 'loading_loaded_bytes'));
          expect(loaded).toBeLessThanOrEqual(text.length);
        }
      } finally {
        await h.close();
      }
    } finally {
      c.disconnect();
    }
  });

  it("nodis's own AOF (every type, random writes) replays to an equal DEBUG DIGEST", async () => {
    const dir = dirWith({});
    let h = await startOnDir(dir, { appendonly: 'yes', appendfsync: 'always' });
    let want: string;
    try {
      await fixedWrites(h.port);
      await randomWrites(h.port, 5, 400, await knownCommands(h.port));
      want = await digest(h.port);
    } finally {
      await h.close();
    }
    expect(fs.statSync(path.join(dir, 'appendonly.aof')).size).toBeGreaterThan(0);
    h = await startOnDir(dir, { appendonly: 'yes' });
    try {
      expect(await digest(h.port)).toBe(want);
    } finally {
      await h.close();
    }
  });

  it('SHUTDOWN while the AOF loads stops the load; the file stays as it was', async () => {
    const text = bigAof();
    const dir = dirWith({ 'appendonly.aof': text });
    const port = await freePort();
    let settled = false;
    const starting = start(dir, { port }).finally(() => (settled = true));
    const c = new Redis({ port, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => 2, maxRetriesPerRequest: null });
    c.on('error', () => {});
    try {
      await c.connect().catch(() => {});
      let shutdownSent = false;
      while (!settled && !shutdownSent) {
        try {
          await c.ping();
        } catch {
          void c.call('SHUTDOWN', 'NOSAVE').catch(() => {});
          shutdownSent = true;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const h = await starting;
      if (shutdownSent) await h.closed;
      else await h.close(); // a fast machine finished first
      expect(fs.readFileSync(path.join(dir, 'appendonly.aof'), 'latin1')).toBe(text);
    } finally {
      c.disconnect();
    }
  });

  const built = fs.existsSync(path.join(root, 'dist/persistence/aof-loader.js'));
  it.skipIf(!built)('the CLI exits 1 on a truncated AOF with aof-load-truncated no (dist built by npm test)', async () => {
    const text = cmd('SET', 'a', '1') + '*2\r\n$3\r\nGET';
    const dir = dirWith({ 'appendonly.aof': text });
    const port = await freePort();
    const proc = spawn(process.execPath, [path.join(root, 'dist/main.js'), '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--aof-load-truncated', 'no', '--save', ''], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => proc.once('exit', r));
    expect(code).toBe(1);
    expect(out).toMatch(/Unexpected end of file reading the append only file appendonly\.aof/);
    expect(fs.readFileSync(path.join(dir, 'appendonly.aof'), 'latin1')).toBe(text);
  });
});

/** Joins the base and incr files of a Redis 7.0 appendonlydir, in manifest order, into one old-style AOF. */
function joinAppendonlyDir(dir: string): Buffer {
  const aofDir = path.join(dir, 'appendonlydir');
  const manifest = fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1');
  const files = [...manifest.matchAll(/^file (\S+) seq \d+ type ([bhi])$/gm)];
  const base = files.filter((f) => f[2] === 'b').map((f) => f[1]);
  const incr = files.filter((f) => f[2] === 'i').map((f) => f[1]);
  return Buffer.concat([...base, ...incr].map((f) => fs.readFileSync(path.join(aofDir, f))));
}

describe.skipIf(!hasRedis)('AOFs written by real Redis 7.0', () => {
  for (const preamble of ['no', 'yes']) {
    it(`aof-use-rdb-preamble ${preamble}: base + incr load to an equal DEBUG DIGEST`, async () => {
      const redis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always', '--aof-use-rdb-preamble', preamble]);
      let want = '';
      let aof: Buffer;
      try {
        const known = await knownCommands(redis.port);
        await fixedWrites(redis.port);
        await randomWrites(redis.port, 11, 300, known);
        // a rewrite in between: the base holds the first part, the incr file the rest
        const c = await RespConn.connect(redis.port);
        try {
          expect(await c.cmd('BGREWRITEAOF')).toMatch(/^\+Background append only file rewriting (started|scheduled)/);
          for (;;) {
            const info = await c.cmd('INFO', 'persistence');
            if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) break;
            await new Promise((r) => setTimeout(r, 20));
          }
        } finally {
          c.close();
        }
        await randomWrites(redis.port, 12, 300, known);
        want = await digest(redis.port);
        aof = joinAppendonlyDir(redis.dir);
      } finally {
        await redis.close();
      }
      if (preamble === 'yes') expect(aof.subarray(0, 5).toString('latin1')).toBe('REDIS');
      const dir = dirWith({ 'appendonly.aof': aof });
      const h = await start(dir);
      try {
        expect(await digest(h.port)).toBe(want);
      } finally {
        await h.close();
      }
    });
  }

  /** TYPE and PEXPIRETIME of each key once `aof` is loaded by Redis 7.0 (it upgrades an old-style AOF in dir) and by nodis. */
  async function typesAndTtls(aof: string | Buffer, keys: string[]): Promise<{ redis: unknown; nodis: Record<string, readonly [unknown, number]> }> {
    const read = async (port: number) => {
      const c = await client(port);
      try {
        return Object.fromEntries(await Promise.all(keys.map(async (k) => [k, [await c.call('TYPE', k), await c.pexpiretime(k)]] as const)));
      } finally {
        c.disconnect();
      }
    };
    const port = await freePort();
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dirWith({ 'appendonly.aof': aof }), '--save', '', '--appendonly', 'yes'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let redis: unknown;
    try {
      await whenReady(proc, 'redis-server');
      redis = await read(port);
    } finally {
      proc.kill('SIGKILL');
    }
    const h = await start(dirWith({ 'appendonly.aof': aof }));
    try {
      return { redis, nodis: await read(h.port) };
    } finally {
      await h.close();
    }
  }

  it('keys already expired in the file end as in Redis (expiry paused while loading)', async () => {
    const text = [
      cmd('SET', 'k1', '1', 'PXAT', PAST),
      cmd('INCR', 'k1'), // sees k1 (not yet expired while loading): k1 = 2, TTL kept, expires after
      cmd('SET', 'k2', 'v', 'PXAT', PAST),
      cmd('PERSIST', 'k2'), // k2 lives
      cmd('SET', 'k3', 'v', 'PXAT', PAST),
      cmd('PEXPIREAT', 'k3', FAR), // k3 lives with the new TTL
      cmd('RPUSH', 'k4', 'a'),
      cmd('PEXPIREAT', 'k4', PAST),
      cmd('RPUSH', 'k4', 'b'), // appends to the expired list; gone after
      cmd('SET', 'k5', 'x', 'PXAT', PAST),
      cmd('SET', 'k6', 'y'),
      cmd('RENAME', 'k5', 'k6'), // k6 takes k5's value and TTL: gone after
    ].join('');
    const { redis, nodis } = await typesAndTtls(text, ['k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
    expect(nodis).toEqual(redis);
    expect(nodis.k2).toEqual(['string', -1]);
    expect(nodis.k3).toEqual(['string', Number(FAR)]);
    expect(nodis.k1).toEqual(['none', -2]);
  });

  it('keys of an RDB preamble whose TTL passed are loaded, and the tail applies to them as in Redis', async () => {
    const src = dirWith({});
    const s = await startOnDir(src);
    const c = await client(s.port);
    await c.set('p1', 'v', 'PX', 150);
    await c.rpush('p2', 'a', 'b');
    await c.pexpire('p2', 150);
    await c.set('p3', 'v', 'PX', 150);
    await c.save();
    c.disconnect();
    await s.close();
    await new Promise((r) => setTimeout(r, 200));
    const tail = [cmd('PERSIST', 'p1'), cmd('RPUSH', 'p2', 'c'), cmd('PERSIST', 'p2')].join('');
    const aof = Buffer.concat([fs.readFileSync(path.join(src, 'dump.rdb')), Buffer.from(tail, 'latin1')]);
    const { redis, nodis } = await typesAndTtls(aof, ['p1', 'p2', 'p3']);
    expect(nodis).toEqual(redis);
    expect(nodis).toEqual({ p1: ['string', -1], p2: ['list', -1], p3: ['none', -2] });
  });
});
