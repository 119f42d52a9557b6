/**
 * Generic key commands: replies, keyspace notifications, propagation, SCAN's guarantee,
 * OBJECT/MEMORY. Byte-exact comparisons with Redis are in test/oracle/keys.oracle.test.ts.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
let c: Redis;
const events: string[] = [];
const propagated: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  c = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  const notifier = server.core.notifier;
  const orig = notifier.notify.bind(notifier);
  notifier.notify = (cls, event, key, db) => {
    // keymiss (class m) is covered by test/oracle/lookups.oracle.test.ts
    if (cls !== 'm') events.push(`${cls}:${event}:${key}@${db}`);
    orig(cls, event, key, db);
  };
  server.core.propagator.addListener((db, argv) => propagated.push(`${db}:${argv.join(' ')}`));
});
afterAll(async () => {
  c.disconnect();
  await server.close();
});

async function clearAll(): Promise<void> {
  for (const db of server.core.keyspace.dbs) db.flush();
  events.length = 0;
  propagated.length = 0;
}
beforeEach(clearAll);

describe('DEL / UNLINK / EXISTS / TYPE / TOUCH', () => {
  it('counts, notifies del and propagates as sent', async () => {
    await c.set('a', '1');
    await c.set('b', '2');
    events.length = 0;
    propagated.length = 0;
    expect(await c.exists('a', 'a', 'b', 'x')).toBe(3);
    expect(await c.touch('a', 'x')).toBe(1);
    expect(await c.type('a')).toBe('string');
    expect(await c.type('x')).toBe('none');
    expect(await c.del('a', 'x', 'a')).toBe(1);
    expect(await c.unlink('b')).toBe(1);
    expect(await c.del('nothing')).toBe(0);
    expect(events).toEqual(['g:del:a@0', 'g:del:b@0']);
    expect(propagated).toEqual(['0:del a x a', '0:unlink b']);
  });

  it('an expired key is not counted by DEL but expired (propagated as DEL)', async () => {
    await c.set('t', 'v');
    server.core.keyspace.dbs[0].setExpire('t', Date.now() - 1);
    events.length = 0;
    propagated.length = 0;
    expect(await c.del('t')).toBe(0);
    expect(events).toEqual(['x:expired:t@0']);
    expect(propagated).toEqual(['0:DEL t']);
  });

  it('keys are binary-safe latin1', async () => {
    const k = Buffer.from([0x00, 0xff, 0x80, 0x41]);
    await c.set(k, 'v');
    expect(await c.exists(k)).toBe(1);
    const keys = await c.keysBuffer('*');
    expect(keys).toEqual([k]);
  });
});

describe('KEYS / RANDOMKEY', () => {
  it('KEYS matches globs and skips expired keys', async () => {
    await c.mset('hello', '1', 'hallo', '2', 'hxllo', '3', 'world', '4');
    server.core.keyspace.dbs[0].setExpire('world', Date.now() - 1);
    expect((await c.keys('h?llo')).sort()).toEqual(['hallo', 'hello', 'hxllo']);
    expect((await c.keys('h[ae]llo')).sort()).toEqual(['hallo', 'hello']);
    expect((await c.keys('*')).sort()).toEqual(['hallo', 'hello', 'hxllo']);
  });

  it('KEYS * includes the empty key', async () => {
    await c.set('', 'v');
    expect(await c.keys('*')).toEqual(['']);
  });

  it('RANDOMKEY returns live keys and nil when empty', async () => {
    expect(await c.randomkey()).toBe(null);
    await c.set('only', '1');
    expect(await c.randomkey()).toBe('only');
    await c.set('gone', '1');
    server.core.keyspace.dbs[0].setExpire('gone', Date.now() - 1);
    for (let i = 0; i < 20; i++) expect(await c.randomkey()).toBe('only');
    server.core.keyspace.dbs[0].setExpire('only', Date.now() - 1);
    expect(await c.randomkey()).toBe(null);
  });
});

describe('RENAME / RENAMENX / MOVE / COPY', () => {
  it('RENAME keeps the TTL, notifies rename_from/rename_to, replaces the target', async () => {
    await c.set('src', 'v', 'PX', 100000);
    await c.set('dst', 'old');
    events.length = 0;
    expect(await c.rename('src', 'dst')).toBe('OK');
    expect(await c.get('dst')).toBe('v');
    expect(await c.pttl('dst')).toBeGreaterThan(90000);
    expect(await c.exists('src')).toBe(0);
    expect(events).toEqual(['n:new:dst@0', 'g:rename_from:src@0', 'g:rename_to:dst@0']);
    await expect(c.rename('src', 'x')).rejects.toThrow('ERR no such key');
    expect(await c.rename('dst', 'dst')).toBe('OK');
    expect(await c.renamenx('dst', 'dst')).toBe(0);
  });

  it('RENAME drops a TTL the target had', async () => {
    await c.set('s', 'v');
    await c.set('d', 'old', 'PX', 100000);
    await c.rename('s', 'd');
    expect(await c.pttl('d')).toBe(-1);
  });

  it('RENAMENX refuses an existing target', async () => {
    await c.mset('a', '1', 'b', '2');
    expect(await c.renamenx('a', 'b')).toBe(0);
    expect(await c.renamenx('a', 'c')).toBe(1);
    expect(await c.get('c')).toBe('1');
  });

  it('MOVE moves with TTL and notifies move_from/move_to', async () => {
    await c.set('m', 'v', 'PX', 100000);
    events.length = 0;
    propagated.length = 0;
    expect(await c.move('m', 3)).toBe(1);
    expect(await c.exists('m')).toBe(0);
    expect(events).toEqual(['n:new:m@3', 'g:move_from:m@0', 'g:move_to:m@3']);
    expect(propagated).toEqual(['0:move m 3']);
    const db3 = server.core.keyspace.dbs[3];
    expect(db3.get('m')).toBe('v');
    expect(db3.getExpire('m')).toBeGreaterThan(Date.now());
    await expect(c.move('x', 0)).rejects.toThrow('ERR source and destination objects are the same');
    await expect(c.move('x', 16)).rejects.toThrow('ERR DB index is out of range');
    await c.set('m', 'here');
    db3.set('m', 'there');
    expect(await c.move('m', 3)).toBe(0);
  });

  it('COPY copies TTL, honours REPLACE and DB, notifies copy_to', async () => {
    await c.set('c', 'v', 'PX', 100000);
    events.length = 0;
    expect(await c.copy('c', 'c2')).toBe(1);
    expect(await c.pttl('c2')).toBeGreaterThan(90000);
    expect(await c.copy('c', 'c2')).toBe(0);
    await c.set('c', 'w');
    expect(await c.copy('c', 'c2', 'REPLACE')).toBe(1);
    expect(await c.get('c2')).toBe('w');
    expect(await c.pttl('c2')).toBe(-1);
    expect(await c.copy('c', 'c', 'DB', 5)).toBe(1);
    expect(server.core.keyspace.dbs[5].get('c')).toBe('w');
    expect(events.filter((e) => e.startsWith('g:'))).toEqual(['g:copy_to:c2@0', 'g:copy_to:c2@0', 'g:copy_to:c@5']);
    await expect(c.copy('c', 'c')).rejects.toThrow('ERR source and destination objects are the same');
    await expect(c.copy('c', 'x', 'DB', 99)).rejects.toThrow('ERR DB index is out of range');
  });
});

describe('SCAN', () => {
  async function fullScan(extra: (string | number)[] = [], between?: (round: number) => Promise<void>): Promise<Set<string>> {
    const seen = new Set<string>();
    let cursor = '0';
    let round = 0;
    do {
      const [next, keys] = (await c.call('scan', cursor, ...extra)) as [string, string[]];
      for (const k of keys) seen.add(k);
      cursor = next;
      if (between) await between(round++);
    } while (cursor !== '0');
    return seen;
  }

  it('returns every key once over a full iteration', async () => {
    const p = c.pipeline();
    for (let i = 0; i < 2000; i++) p.set(`k:${i}`, '1');
    await p.exec();
    const seen = await fullScan(['COUNT', 50]);
    expect(seen.size).toBe(2000);
  });

  it('returns every key present throughout while keys are added, removed and the table grows', async () => {
    const db = server.core.keyspace.dbs[0];
    for (let i = 0; i < 3000; i++) db.set(`stay:${i}`, 'v');
    for (let i = 0; i < 500; i++) db.set(`tmp:${i}`, 'v');
    const pagesBefore = db.pageCount;
    let added = 0;
    const seen = await fullScan(['COUNT', 200], async (round) => {
      // in-process inserts: tens of thousands of keys during the scan, so pages split many times
      if (round < 20) for (let i = 0; i < 1500; i++) db.set(`new:${added++}`, 'v');
      if (round < 500) db.delete(`tmp:${round}`);
    });
    expect(db.pageCount).toBeGreaterThan(pagesBefore * 4);
    expect(added).toBe(30000);
    for (let i = 0; i < 3000; i++) expect(seen.has(`stay:${i}`), `stay:${i}`).toBe(true);
  });

  it('MATCH, TYPE and expired keys', async () => {
    await c.mset('user:1', 'a', 'user:2', 'b', 'other', 'c');
    server.core.keyspace.dbs[0].setExpire('user:2', Date.now() - 1);
    expect([...(await fullScan(['MATCH', 'user:*']))]).toEqual(['user:1']);
    expect((await fullScan(['TYPE', 'string'])).size).toBe(2);
    expect((await fullScan(['TYPE', 'STRING'])).size).toBe(2);
    expect((await fullScan(['TYPE', 'list'])).size).toBe(0);
    expect(await c.exists('user:2')).toBe(0);
  });

  it('cursor and COUNT errors', async () => {
    await expect(c.call('scan', 'abc')).rejects.toThrow('ERR invalid cursor');
    await expect(c.call('scan', '0', 'COUNT', '0')).rejects.toThrow('ERR syntax error');
    await expect(c.call('scan', '0', 'COUNT', 'x')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(c.call('scan', '0', 'MATCH')).rejects.toThrow('ERR syntax error');
  });
});

describe('OBJECT / MEMORY', () => {
  it('OBJECT ENCODING / REFCOUNT follow Redis 7.0 for SET values', async () => {
    const cases: Array<[string, string, number]> = [
      ['123', 'int', 2147483647],
      ['12345', 'int', 1],
      ['-5', 'int', 1],
      ['012', 'embstr', 1],
      ['x'.repeat(44), 'embstr', 1],
      ['x'.repeat(45), 'raw', 1],
    ];
    for (const [v, enc, rc] of cases) {
      await c.set('o', v);
      expect(await c.object('ENCODING', 'o'), v).toBe(enc);
      expect(await c.object('REFCOUNT', 'o'), v).toBe(rc);
    }
    expect(await c.object('ENCODING', 'missing')).toBe(null);
  });

  it('IDLETIME is 0, FREQ needs an LFU policy', async () => {
    await c.set('o', 'v');
    expect(await c.object('IDLETIME', 'o')).toBe(0);
    await expect(c.object('FREQ', 'o')).rejects.toThrow('ERR An LFU maxmemory policy is not selected');
  });

  it('with an LFU policy FREQ answers 0 and IDLETIME errors; LRU with maxmemory unshares integers', async () => {
    await c.set('o', '5');
    await c.config('SET', 'maxmemory-policy', 'allkeys-lfu');
    try {
      expect(await c.object('FREQ', 'o')).toBe(0);
      await expect(c.object('IDLETIME', 'o')).rejects.toThrow('ERR An LFU maxmemory policy is selected, idle time not tracked.');
      await c.config('SET', 'maxmemory-policy', 'allkeys-lru');
      expect(await c.object('REFCOUNT', 'o')).toBe(2147483647);
      await c.config('SET', 'maxmemory', '1000000000');
      expect(await c.object('REFCOUNT', 'o')).toBe(1);
    } finally {
      await c.config('SET', 'maxmemory-policy', 'noeviction');
      await c.config('SET', 'maxmemory', '0');
    }
  });

  it('MEMORY USAGE gives Redis-like sizes', async () => {
    await c.set('k', 'v');
    expect(await c.memory('USAGE', 'k')).toBe(64);
    await c.set('k', 'a'.repeat(100));
    expect(await c.memory('USAGE', 'k')).toBe(160);
    await c.set('k', 'a'.repeat(5000));
    expect(await c.memory('USAGE', 'k')).toBe(5168);
    expect(await c.memory('USAGE', 'nokey')).toBe(null);
  });

  it('MEMORY STATS / DOCTOR / PURGE / MALLOC-STATS answer', async () => {
    await c.set('k', 'v');
    const stats = (await c.call('memory', 'stats')) as unknown[];
    expect(stats).toContain('keys.count');
    expect(stats[stats.indexOf('keys.count') + 1]).toBe(1);
    expect(stats).toContain('db.0');
    expect(typeof (await c.call('memory', 'doctor'))).toBe('string');
    expect(await c.call('memory', 'purge')).toBe('OK');
    expect(await c.call('memory', 'malloc-stats')).toBe('Stats not supported for the current allocator');
  });
});
