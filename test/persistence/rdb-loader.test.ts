/**
 * The RDB file loader: the Redis 7.0 fixtures compared key by key with their JSON, old-version files built
 * by hand (no checksum, second expiries, FREQ/IDLE, ziplists, zipmaps), every corruption rejected with an
 * offset (truncations at many offsets, flipped bytes, bad magic/version), what nodis cannot hold refused by
 * key and type, and a file written by a real redis-server whose DEBUG DIGEST must match ours.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetDigest } from '../../src/keyspace/digest.js';
import { Keyspace } from '../../src/keyspace/keyspace.js';
import { HashValue } from '../../src/keyspace/types/hash.js';
import { ListValue } from '../../src/keyspace/types/list.js';
import { SetValue } from '../../src/keyspace/types/set.js';
import { ZSetValue } from '../../src/keyspace/types/zset.js';
import type { Value } from '../../src/keyspace/value.js';
import { crc64 } from '../../src/persistence/crc64.js';
import { loadRdbBuffer, loadRdbFile, type RdbLoadOptions, RdbUnsupportedKeyError } from '../../src/persistence/rdb-loader.js';
import { RdbFormatError, RdbWriter } from '../../src/persistence/rdb-primitives.js';
import { DEFAULT_RDB_VALUE_OPTIONS } from '../../src/persistence/rdb-values.js';
import { formatG17 } from '../../src/util/format-double.js';
import { hasRedis, startRedis, type RedisOracle } from '../helpers/oracle.js';
import { ziplist, zipmap } from '../helpers/rdb-build.js';

const FIXTURES = path.resolve(__dirname, '../fixtures/redis-7.0');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name));

function newKeyspace(dbs = 16): Keyspace {
  return new Keyspace(dbs, {
    clock: { now: () => Date.now() },
    deleteExpired: true,
    expired() {},
    added() {
      throw new Error('loading must not raise the "new" keyspace event');
    },
  });
}

const opts = (now = Date.now()): RdbLoadOptions => ({ values: DEFAULT_RDB_VALUE_OPTIONS, now: () => now });

// --- The JSON form of all-types.json ---

type JsonString = string | { hex: string };
const utf8 = new TextDecoder('utf-8', { fatal: true });
function text(s: string): JsonString {
  const b = Buffer.from(s, 'latin1');
  try {
    return utf8.decode(b);
  } catch {
    return { hex: b.toString('hex') };
  }
}
const sortKey = (s: JsonString): string => (typeof s === 'string' ? s : `hex:${s.hex}`);

function toJson(v: Value): { type: string; value: unknown } {
  if (typeof v === 'string') return { type: 'string', value: text(v) };
  if (v instanceof ListValue) return { type: 'list', value: v.range(0, v.length - 1).map(text) };
  if (v instanceof SetValue) {
    const out = v.toArray().map(text);
    out.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    return { type: 'set', value: out };
  }
  if (v instanceof HashValue) {
    const o: Record<string, JsonString> = {};
    for (const [f, x] of v.entries()) o[sortKey(text(f))] = text(x);
    return { type: 'hash', value: o };
  }
  if (v instanceof ZSetValue) return { type: 'zset', value: v.rangeByRank(0, v.size - 1).map(([m, s]) => [text(m), formatG17(s)]) };
  throw new Error(`unexpected value ${v.type}`);
}

type Dataset = Record<string, Record<string, { type: string; value: unknown; expireat_ms: number | null }>>;

function datasetOf(ks: Keyspace): Dataset {
  const out: Dataset = {};
  for (const db of ks.dbs) {
    for (const [k, v] of db.entries()) {
      (out[String(db.id)] ??= {})[sortKey(text(k))] = { ...toJson(v), expireat_ms: db.getExpire(k) ?? null };
    }
  }
  return out;
}

async function expectRejected(p: Promise<unknown>): Promise<RdbFormatError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, 'the load must fail').toBeInstanceOf(RdbFormatError);
  expect((e as Error).message).toMatch(/at offset \d+/);
  return e as RdbFormatError;
}

/** An RDB file: header, body written by fn, EOF and (version >= 5) the CRC64. */
function rdbFile(version: number, fn: (w: RdbWriter) => void): Buffer {
  const w = new RdbWriter();
  w.bytes(Buffer.from(`REDIS${String(version).padStart(4, '0')}`, 'latin1'));
  fn(w);
  w.u8(0xff);
  const body = Buffer.from(w.take());
  if (version < 5) return body;
  const sum = Buffer.alloc(8);
  sum.writeBigUInt64LE(crc64(0n, body));
  return Buffer.concat([body, sum]);
}

describe('loading the Redis 7.0 fixtures', () => {
  const want = JSON.parse(fixture('all-types.json').toString('utf8')) as Dataset;

  it('all-types.rdb loads every key, type, value and TTL of all-types.json', async () => {
    const ks = newKeyspace();
    const res = await loadRdbFile(path.join(FIXTURES, 'all-types.rdb'), ks, opts());
    expect(res).toMatchObject({ version: 10, keysLoaded: 19, keysExpired: 0, checksum: 'verified', repl: null });
    expect(res.aux.redisVer).toBe('7.0.15');
    expect(res.bytes).toBe(fixture('all-types.rdb').length);
    expect(datasetOf(ks)).toEqual(want);
  });

  it('loads the same through a tiny read window (records re-read after the window grows)', async () => {
    for (const chunkBytes of [64, 1000, 4096]) {
      const ks = newKeyspace();
      const res = await loadRdbFile(path.join(FIXTURES, 'all-types.rdb'), ks, { ...opts(), chunkBytes });
      expect(res).toMatchObject({ keysLoaded: 19, checksum: 'verified', bytes: fixture('all-types.rdb').length });
      expect(datasetOf(ks)).toEqual(want);
    }
  });

  it('the checksum spans window refills: a flipped byte is caught through a tiny window', async () => {
    const good = fixture('all-types.rdb');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-rdbload-'));
    try {
      for (const at of [good.indexOf('expiring'), good.indexOf('v3')]) {
        const f = Buffer.from(good);
        f[at] ^= 0x20;
        fs.writeFileSync(path.join(dir, 'flipped.rdb'), f);
        const e = await expectRejected(loadRdbFile(path.join(dir, 'flipped.rdb'), newKeyspace(), { ...opts(), chunkBytes: 128 }));
        expect(e.message).toMatch(/wrong RDB checksum/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uncompressed.rdb loads and agrees with all-types.json', async () => {
    const ks = newKeyspace();
    const res = await loadRdbFile(path.join(FIXTURES, 'uncompressed.rdb'), ks, opts());
    expect(res.keysLoaded).toBe(2);
    const got = datasetOf(ks);
    // str:big is the compressible string of all-types.json, written plain here; l is its own small list
    expect(got['0']['str:big']).toEqual(want['0']['str:big']);
    expect(got['0'].l).toEqual({ type: 'list', value: ['a', 'b'], expireat_ms: null });
  });

  it('streams-hll.rdb is refused, naming the stream key and its type', async () => {
    const e = await expectRejected(loadRdbFile(path.join(FIXTURES, 'streams-hll.rdb'), newKeyspace(), opts()));
    expect(e).toBeInstanceOf(RdbUnsupportedKeyError);
    expect(e.message).toContain('"stream:s"');
    expect(e.message).toContain('stream');
  });

  it('keys already expired are skipped and counted; the rest keep their TTL', async () => {
    const ks = newKeyspace();
    // after str:ttl (db 0) and db3key (db 3) expired
    const res = await loadRdbBuffer(fixture('all-types.rdb'), ks, opts(1_900_000_000_000));
    expect(res).toMatchObject({ keysLoaded: 17, keysExpired: 2 });
    expect(ks.dbs[0].has('str:ttl')).toBe(false);
    expect(ks.dbs[3].has('db3key')).toBe(false);
    // a replica keeps them (the master expires them)
    const ks2 = newKeyspace();
    const res2 = await loadRdbBuffer(fixture('all-types.rdb'), ks2, { ...opts(1_900_000_000_000), skipExpired: false });
    expect(res2).toMatchObject({ keysLoaded: 19, keysExpired: 0 });
  });

  it('a file saved with rdbchecksum no (zero trailer) loads unchecked', async () => {
    const f = Buffer.from(fixture('all-types.rdb'));
    f.fill(0, f.length - 8);
    const res = await loadRdbBuffer(f, newKeyspace(), opts());
    expect(res).toMatchObject({ checksum: 'disabled', keysLoaded: 19 });
  });

  it('a db index beyond `databases` is a clear error', async () => {
    const e = await expectRejected(loadRdbBuffer(fixture('all-types.rdb'), newKeyspace(2), opts()));
    expect(e.message).toMatch(/selects DB 3, but this server has only 2 databases/);
  });

  it('keys go in raw (dbAddRDBLoad): no WATCH touch, no blocked-client wakeup, no keyspace event', async () => {
    const ks = newKeyspace();
    const watcher = { dirty: false };
    ks.dbs[0].watched.set('list:small', new Set([watcher]));
    const stored: string[] = [];
    ks.dbs[0].readyObserver = { keyStored: (_db, key) => stored.push(key), contentsSwapped() {} };
    await loadRdbBuffer(fixture('all-types.rdb'), ks, opts());
    expect(ks.dbs[0].size).toBe(17);
    expect(watcher.dirty).toBe(false);
    expect(stored).toEqual([]);
  });

  it('a key already present is a duplicate (the keyspace is loaded into as it is)', async () => {
    const ks = newKeyspace();
    ks.dbs[0].loadKey('str:raw', 'x', -1);
    const e = await expectRejected(loadRdbBuffer(fixture('all-types.rdb'), ks, opts()));
    expect(e.message).toContain('duplicated key "str:raw" in DB 0');
  });
});

describe('corrupt files are rejected with the offset', () => {
  const good = fixture('all-types.rdb');

  it('truncated at many offsets', async () => {
    const cuts = new Set<number>();
    for (let i = 0; i < good.length; i += 97) cuts.add(i);
    for (let i = good.length - 40; i < good.length; i++) cuts.add(i);
    for (const cut of cuts) {
      const e = await expectRejected(loadRdbBuffer(good.subarray(0, cut), newKeyspace(), opts()));
      expect(e.offset, `cut at ${cut}`).toBeLessThanOrEqual(cut);
    }
  });

  it('truncated, through the file reader with a small window', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-rdbload-'));
    try {
      for (const cut of [9, 100, 5000, 20000, good.length - 9, good.length - 1]) {
        const file = path.join(dir, `cut-${cut}.rdb`);
        fs.writeFileSync(file, good.subarray(0, cut));
        await expectRejected(loadRdbFile(file, newKeyspace(), { ...opts(), chunkBytes: 256 }));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a flipped byte anywhere is caught (checksum or format)', async () => {
    let checksumErrors = 0;
    for (let i = 9; i < good.length; i += 53) {
      const f = Buffer.from(good);
      f[i] ^= 0x20;
      const e = await expectRejected(loadRdbBuffer(f, newKeyspace(), opts()));
      if (/wrong RDB checksum/.test(e.message)) checksumErrors++;
    }
    expect(checksumErrors).toBeGreaterThan(10);
    // a flipped letter inside a string value: only the checksum can tell
    const at = good.indexOf('expiring');
    const f = Buffer.from(good);
    f[at] ^= 0x20;
    const e = await expectRejected(loadRdbBuffer(f, newKeyspace(), opts()));
    expect(e.message).toMatch(/wrong RDB checksum/);
    expect(e.offset).toBe(good.length - 8);
  });

  it('bad magic, bad or unsupported version, empty file', async () => {
    const withHeader = (h: string) => Buffer.concat([Buffer.from(h, 'latin1'), good.subarray(9)]);
    expect((await expectRejected(loadRdbBuffer(withHeader('REDIX0010'), newKeyspace(), opts()))).message).toMatch(/offset 0: wrong signature/);
    expect((await expectRejected(loadRdbBuffer(withHeader('REDIS0012'), newKeyspace(), opts()))).message).toMatch(/offset 5: can't handle RDB format version "0012"/);
    expect((await expectRejected(loadRdbBuffer(withHeader('REDIS0000'), newKeyspace(), opts()))).message).toMatch(/version "0000"/);
    expect((await expectRejected(loadRdbBuffer(withHeader('REDIS00x1'), newKeyspace(), opts()))).message).toMatch(/version "00x1"/);
    await expectRejected(loadRdbBuffer(Buffer.alloc(0), newKeyspace(), opts()));
    await expectRejected(loadRdbBuffer(Buffer.from('REDIS'), newKeyspace(), opts()));
  });

  it('an unknown opcode and a bad listpack', async () => {
    const e = await expectRejected(loadRdbBuffer(rdbFile(10, (w) => w.u8(0xf0)), newKeyspace(), opts()));
    expect(e.message).toMatch(/offset 9: unknown RDB opcode/);
    const bad = rdbFile(10, (w) => {
      w.u8(0xfe).length(0);
      w.u8(16).string('h', false).string(Buffer.from([1, 2, 3, 4, 5, 6, 7]), false); // hash listpack
    });
    expect((await expectRejected(loadRdbBuffer(bad, newKeyspace(), opts()))).message).toMatch(/listpack/);
  });
});

describe('old versions and the other opcodes', () => {
  it('version 4 (no checksum): second expiries, linked lists, zipmaps, ziplists, plain sets and zsets', async () => {
    const future = Math.floor(Date.now() / 1000) + 3600;
    const f = rdbFile(4, (w) => {
      w.u8(0xfe).length(0);
      w.u8(0xfd).i32le(future);
      w.u8(0).string('s', false).string('v', false);
      w.u8(1).string('l', false).length(2).string('a', false).string('b', false);
      w.u8(9).string('zm', false).string(zipmap([['f', 'v']]), false);
      w.u8(10).string('zl', false).string(ziplist(['x', 5, 'y']), false);
      w.u8(2).string('set', false).length(2).string('m1', false).string('m2', false);
      w.u8(3).string('z', false).length(1).string('m', false).u8(3).bytes(Buffer.from('1.5'));
      w.u8(1).string('empty', false).length(0); // skipped, as Redis does
    });
    const ks = newKeyspace();
    const res = await loadRdbBuffer(f, ks, opts());
    expect(res).toMatchObject({ version: 4, checksum: 'absent', keysLoaded: 6, emptyKeysSkipped: 1 });
    const d = datasetOf(ks)['0'];
    expect(d.s).toEqual({ type: 'string', value: 'v', expireat_ms: future * 1000 });
    expect(d.l.value).toEqual(['a', 'b']);
    expect(d.zm.value).toEqual({ f: 'v' });
    expect(d.zl.value).toEqual(['x', '5', 'y']);
    expect(d.set.value).toEqual(['m1', 'm2']);
    expect(d.z.value).toEqual([['m', '1.5']]);
  });

  it('version 9/10: FREQ, IDLE, RESIZEDB, AUX (repl info, lua, unknown) are read', async () => {
    const id = 'a'.repeat(40);
    const f = rdbFile(9, (w) => {
      w.u8(0xfa).string('repl-stream-db', false).integerString(2);
      w.u8(0xfa).string('repl-id', false).string(id, false);
      w.u8(0xfa).string('repl-offset', false).integerString(12345);
      w.u8(0xfa).string('lua', false).string('return 1', false);
      w.u8(0xfa).string('some-future-field', false).string('x', false);
      w.u8(0xfe).length(1).u8(0xfb).length(2).length(0);
      w.u8(0xf9).u8(5).u8(0).string('a', false).string('1', false);
      w.u8(0xf8).length(1000).u8(0).string('b', false).string('2', false);
    });
    const ks = newKeyspace();
    const res = await loadRdbBuffer(f, ks, opts());
    expect(res.repl).toEqual({ id, offset: 12345, streamDb: 2 });
    expect(res.keysLoaded).toBe(2);
    expect(ks.dbs[1].peek('a')).toBe('1');
  });

  it('module AUX data, functions and module values are refused', async () => {
    const mod = rdbFile(10, (w) => w.u8(0xf7).length(12345));
    expect((await expectRejected(loadRdbBuffer(mod, newKeyspace(), opts()))).message).toMatch(/MODULE_AUX/);
    const fn = rdbFile(10, (w) => w.u8(0xf6).string('#!lua name=x', false));
    expect((await expectRejected(loadRdbBuffer(fn, newKeyspace(), opts()))).message).toMatch(/function/);
    const mv = rdbFile(10, (w) => w.u8(0xfe).length(0).u8(7).string('mk', false).length(99));
    const e = await expectRejected(loadRdbBuffer(mv, newKeyspace(), opts()));
    expect(e.message).toMatch(/key "mk" in DB 0 is a module/);
  });

  it('yields to the event loop between slices', async () => {
    const f = rdbFile(10, (w) => {
      w.u8(0xfe).length(0);
      for (let i = 0; i < 50000; i++) w.u8(0).string(`key:${i}`, false).string(`value:${i}`, false);
    });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const progress: number[] = [];
    try {
      const res = await loadRdbBuffer(f, newKeyspace(), { ...opts(), sliceMs: 1 }, (p) => progress.push(p.loadedBytes));
      expect(res.keysLoaded).toBe(50000);
    } finally {
      clearInterval(timer);
    }
    expect(progress.length).toBeGreaterThan(1);
    expect(progress[progress.length - 1]).toBe(f.length);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe.skipIf(!hasRedis)('a file written by a real redis-server', () => {
  let redis: RedisOracle;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis({ port: redis.port, lazyConnect: true });
    await client.connect();
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.close();
  });

  it('loads with the same DEBUG DIGEST, every type and encoding', async () => {
    const c = client;
    const p = c.pipeline();
    // strings: int, embstr, raw, compressible, binary, TTLs
    p.set('s:int', '12345').set('s:neg', '-98765432101').set('s:emb', 'hello').set('s:big', 'x'.repeat(5000));
    p.set('s:bin', Buffer.from([0, 1, 2, 255, 254, 0x80])).set('s:ttl', 'v', 'EX', 1000).set('s:pttl', 'v', 'PX', 500000);
    // lists: listpack, quicklist with many nodes, big elements
    p.rpush('l:small', 'a', 'b', '1', '-2', '3.5');
    for (let i = 0; i < 20; i++) p.rpush('l:big', ...Array.from({ length: 500 }, (_, j) => `e${i * 500 + j}`));
    p.rpush('l:fat', 'y'.repeat(20000), 'z'.repeat(70000), '12');
    // sets: intset, big intset, hashtable
    p.sadd('set:int', 1, 2, 3, -5, 1e9);
    p.sadd('set:bigint', ...Array.from({ length: 600 }, (_, i) => i * 7));
    p.sadd('set:str', ...Array.from({ length: 300 }, (_, i) => `m${i}`));
    // hashes: listpack, hashtable by size and by value length
    p.hset('h:small', 'a', '1', 'b', 'two');
    p.hset('h:big', ...Array.from({ length: 1200 }, (_, i) => [`f${i}`, `v${i}`]).flat());
    p.hset('h:long', 'f', 'q'.repeat(200));
    // zsets: listpack, skiplist, special scores
    p.zadd('z:small', 1, 'a', 2.5, 'b', -3, 'c');
    p.zadd('z:big', ...Array.from({ length: 1000 }, (_, i) => [i * 1.25, `m${i}`]).flat());
    p.zadd('z:inf', '+inf', 'pinf', '-inf', 'ninf', 0, 'zero');
    p.zadd('z:long', 1, 'w'.repeat(100));
    p.select(5);
    p.set('db5:k', 'v');
    p.hset('db5:h', 'x', 'y');
    p.select(0);
    await p.exec();
    await c.call('DEBUG', 'POPULATE', '20000', 'pop', '20');
    expect(await c.call('SAVE')).toBe('OK');
    const digest = (await c.call('DEBUG', 'DIGEST')) as string;
    const dbsize = await c.dbsize();

    const ks = newKeyspace();
    const res = await loadRdbFile(path.join(redis.dir, 'dump.rdb'), ks, opts());
    expect(res.checksum).toBe('verified');
    expect(ks.dbs[0].size).toBe(dbsize);
    expect(res.keysLoaded).toBe(dbsize + 2);
    expect(datasetDigest(ks.dbs).toString('hex')).toBe(digest);
  });
});
