/**
 * Snapshot -> RDB stream -> worker file writer, end to end: the file is byte for byte what an inline
 * writer (LZF and CRC64 on the main thread, whole values) produces; big values written in parts give the
 * same bytes; under concurrent writes of every kind the file passes redis-check-rdb and a real
 * redis-server loads it with the digest of the keyspace as it was when the snapshot started.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { datasetDigest } from '../../src/keyspace/digest.js';
import { Keyspace } from '../../src/keyspace/keyspace.js';
import { HashValue } from '../../src/keyspace/types/hash.js';
import { ListValue } from '../../src/keyspace/types/list.js';
import { SetValue } from '../../src/keyspace/types/set.js';
import { ZSetValue } from '../../src/keyspace/types/zset.js';
import type { CollectionValue, Value } from '../../src/keyspace/value.js';
import { crc64, crc64ToBytesLE } from '../../src/persistence/crc64.js';
import { RdbWriteError } from '../../src/persistence/rdb-file-writer.js';
import { compressSpans } from '../../src/persistence/lzf-spans.js';
import { RdbWriter } from '../../src/persistence/rdb-primitives.js';
import { type RdbHeaderInfo, RdbSnapshotSink } from '../../src/persistence/rdb-snapshot-sink.js';
import { DEFAULT_RDB_VALUE_OPTIONS, writeValue } from '../../src/persistence/rdb-values.js';
import { BackgroundSave, type RdbSaveOptions } from '../../src/persistence/rdb-save.js';
import { Snapshot, SnapshotAbortedError, type SnapshotStats } from '../../src/persistence/snapshot.js';
import { ManualClock } from '../../src/util/clock.js';
import { hasRedis, startRedis } from '../helpers/oracle.js';
import { rng } from '../helpers/rng.js';
import { populate, randomWrite } from '../helpers/snapshot-workload.js';

const HEADER: RdbHeaderInfo = { redisVer: '7.0.15', ctime: 1_700_000_000, usedMem: 123456 };
const OPTS = DEFAULT_RDB_VALUE_OPTIONS;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-rdbsnap-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function makeKeyspace(clock: ManualClock): Keyspace {
  return new Keyspace(16, { clock, deleteExpired: true, expired: () => {}, added: () => {} });
}

function cloneKeyspace(ks: Keyspace, clock: ManualClock): Keyspace {
  const out = makeKeyspace(clock);
  for (const db of ks.dbs) {
    for (const [k, v] of db.entries()) {
      out.dbs[db.id].set(k, typeof v === 'string' ? v : (v as CollectionValue & { clone(): Value }).clone());
      const e = db.getExpire(k);
      if (e !== undefined) out.dbs[db.id].setExpire(k, e);
    }
  }
  return out;
}

/** The file an inline writer makes for the keyspace as it is (walk order: db, page, insertion). */
function inlineFile(ks: Keyspace): Buffer {
  const w = new RdbWriter();
  const aux = (k: string, v: string | number) => {
    w.u8(0xfa).string(k, true);
    if (typeof v === 'number') w.integerString(v);
    else w.string(v, true);
  };
  w.bytes(Buffer.from('REDIS0010'));
  aux('redis-ver', HEADER.redisVer);
  aux('redis-bits', 64);
  aux('ctime', HEADER.ctime);
  aux('used-mem', HEADER.usedMem);
  aux('aof-base', 0);
  const scratch = new RdbWriter();
  for (const db of ks.dbs) {
    if (db.size === 0) continue;
    w.u8(0xfe).length(db.id).u8(0xfb).length(db.size).length(db.expires.size);
    for (let p = 0; p < db.pageCount; p++) {
      for (const [k, v] of db.page(p)) {
        const e = db.getExpire(k);
        if (e !== undefined) w.u8(0xfc).millisecondTime(e);
        scratch.reset();
        writeValue(scratch, v, OPTS);
        w.u8(scratch.byteAt(0)).string(k, true).append(scratch, 1);
      }
    }
  }
  w.u8(0xff);
  const body = Buffer.from(w.take());
  return Buffer.concat([body, crc64ToBytesLE(crc64(0n, body))]);
}

function saveOptions(over: Partial<RdbSaveOptions> = {}): RdbSaveOptions {
  return { dir, filename: 'dump.rdb', checksum: true, values: OPTS, header: HEADER, ...over };
}

async function snapshotToFile(ks: Keyspace, during?: () => void): Promise<{ file: Buffer; stats: SnapshotStats }> {
  const save = new BackgroundSave(ks, saveOptions());
  const timer = during !== undefined ? setInterval(during, 1) : null;
  try {
    const res = await save.done;
    expect(res.bytes).toBe(fs.statSync(res.path).size);
    return { file: fs.readFileSync(path.join(dir, 'dump.rdb')), stats: res.stats };
  } finally {
    if (timer !== null) clearInterval(timer);
  }
}

function bigValues(ks: Keyspace, r: () => number): void {
  const db = ks.dbs[2];
  const h = new HashValue();
  for (let i = 0; i < 5000; i++) h.set(`field-${i}`, i % 3 === 0 ? String(i) : `value-${i}-${'z'.repeat(i % 40)}`);
  h.listpack = false;
  db.set('bighash', h);
  const s = new SetValue();
  for (let i = 0; i < 3000; i++) s.add(`member-${i}-${'q'.repeat(i % 30)}`);
  s.intset = false;
  db.set('bigset', s);
  const z = new ZSetValue();
  for (let i = 0; i < 3000; i++) z.set(`zm-${i}`, Math.floor(r() * 1e6) / 7);
  z.listpack = false;
  db.set('bigzset', z);
  const l = new ListValue();
  for (let i = 0; i < 6000; i++) l.pushTail(i % 5 === 0 ? String(i) : `elem-${i}-${'w'.repeat(i % 50)}`);
  db.set('biglist', l);
}

describe('RDB snapshot to file', () => {
  it('writes a 200k-field hash in many sub-millisecond slices', () => {
    const clock = new ManualClock(Date.now());
    const ks = makeKeyspace(clock);
    const h = new HashValue();
    for (let i = 0; i < 200_000; i++) h.set(`field:${i}`, `value:${i}`);
    h.listpack = false;
    ks.dbs[0].set('big', h);
    const expected = inlineFile(ks);
    // an in-memory consumer doing what the worker does
    const out = new RdbWriter();
    const sink = new RdbSnapshotSink({ write: (c, sp) => (compressSpans(c, sp, out), true), drain: async () => {} }, OPTS, HEADER);
    const snap = Snapshot.start(ks, sink);
    const times: number[] = [];
    for (let done = false; !done; ) {
      const t = performance.now();
      done = snap.slice({ maxMs: 0.5 });
      sink.endSlice();
      times.push(performance.now() - t);
    }
    const body = Buffer.from(out.take());
    expect(Buffer.concat([body, crc64ToBytesLE(crc64(0n, body))]).equals(expected)).toBe(true);
    times.sort((a, b) => a - b);
    expect(times.length).toBeGreaterThan(20);
    expect(times[times.length >> 1]).toBeLessThan(1.5);
    console.log(`200k-field hash: ${times.length} slices, median ${times[times.length >> 1].toFixed(3)} ms, max ${times.at(-1)!.toFixed(3)} ms`);
  });

  it('writes exactly the bytes of an inline writer, big values in parts included', async () => {
    const clock = new ManualClock(Date.now());
    const ks = makeKeyspace(clock);
    const r = rng(11);
    populate(ks, r, [3000, 0, 2000], clock);
    bigValues(ks, r);
    const expected = inlineFile(ks);
    const { file, stats } = await snapshotToFile(ks);
    expect(stats.keys).toBe(5004);
    expect(file.length).toBe(expected.length);
    expect(file.equals(expected)).toBe(true);
  });

  it.skipIf(!hasRedis)(
    'under concurrent writes, redis-check-rdb accepts the file and redis-server loads the start-instant dataset',
    async () => {
      const clock = new ManualClock(Date.now());
      const ks = makeKeyspace(clock);
      const r = rng(12);
      populate(ks, r, [8000, 6000, 4000, 2000], clock, 0.05);
      bigValues(ks, r);
      // TTLs an hour ahead: the real server must not drop keys as expired when it loads the file
      for (const db of ks.dbs) for (const k of [...db.expires.keys()]) db.setExpire(k, Date.now() + 3_600_000);
      const atStart = cloneKeyspace(ks, clock);
      const digest = datasetDigest(atStart.dbs).toString('hex');
      const { stats } = await snapshotToFile(ks, () => {
        for (let i = 0; i < 30; i++) randomWrite(ks, r, clock, 3_600_000);
        // the big values get edited while being written
        const db = ks.dbs[2];
        const h = db.peek('bighash');
        if (h !== undefined && typeof h !== 'string' && h.type === 'hash') {
          db.willModify('bighash');
          (h as HashValue).set(`late-${r()}`, 'x');
        }
      });
      expect(stats.cowPages).toBeGreaterThan(0);
      execFileSync('redis-check-rdb', [path.join(dir, 'dump.rdb')], { stdio: 'pipe' });
      const redis = await startRedis(['--dir', dir, '--dbfilename', 'dump.rdb']);
      const c = new Redis({ port: redis.port, lazyConnect: true });
      try {
        await c.connect();
        expect(await c.call('debug', 'digest')).toBe(digest);
        for (const db of atStart.dbs) {
          if (db.size === 0) continue;
          await c.select(db.id);
          expect(await c.dbsize()).toBe(db.size);
        }
      } finally {
        c.disconnect();
        await redis.close();
      }
    },
  );

  it('a cancelled or failed save leaves the previous file, and no temp file', async () => {
    const clock = new ManualClock(Date.now());
    const ks = makeKeyspace(clock);
    populate(ks, rng(13), [20000], clock);
    const target = path.join(dir, 'dump.rdb');
    fs.writeFileSync(target, 'previous');
    const save = new BackgroundSave(ks, saveOptions());
    await new Promise((r) => setImmediate(r));
    save.cancel();
    await expect(save.done).rejects.toBeInstanceOf(SnapshotAbortedError);
    for (const db of ks.dbs) expect(db.observer).toBeNull();
    expect(fs.readdirSync(dir)).toEqual(['dump.rdb']);
    expect(fs.readFileSync(target, 'latin1')).toBe('previous');

    const failed = new BackgroundSave(ks, saveOptions({ dir: path.join(dir, 'missing') }));
    const err = await failed.done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RdbWriteError);
    expect((err as RdbWriteError).code).toBe('ENOENT');
    for (const db of ks.dbs) expect(db.observer).toBeNull();
    expect(fs.readFileSync(target, 'latin1')).toBe('previous');
  });
});
