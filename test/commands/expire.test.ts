/**
 * Expiry: EXPIRE family semantics, TTL readers, PERSIST, propagation (PEXPIREAT / DEL),
 * notifications, lazy and active expiry.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
let c: Redis;
const events: string[] = [];
const propagated: string[][] = [];

beforeAll(async () => {
  server = await startTestServer({ hz: 100 });
  c = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  const notifier = server.core.notifier;
  const orig = notifier.notify.bind(notifier);
  notifier.notify = (cls, event, key, db) => {
    if (cls === 'g' || cls === 'x') events.push(`${event}:${key}`);
    orig(cls, event, key, db);
  };
  server.core.propagator.addListener((_db, argv) => propagated.push([...argv]));
});
afterAll(async () => {
  c.disconnect();
  await server.close();
});
beforeEach(() => {
  for (const db of server.core.keyspace.dbs) db.flush();
  events.length = 0;
  propagated.length = 0;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT', () => {
  it('sets TTLs and propagates relative forms as PEXPIREAT with options kept', async () => {
    await c.set('k', 'v');
    propagated.length = 0;
    const before = Date.now();
    expect(await c.expire('k', 100)).toBe(1);
    expect(await c.pexpire('k', 200000, 'GT')).toBe(1);
    expect(await c.expireat('k', Math.floor(before / 1000) + 1000)).toBe(1);
    expect(await c.pexpireat('k', before + 500000)).toBe(1);
    expect(propagated.map((a) => a[0])).toEqual(['PEXPIREAT', 'PEXPIREAT', 'PEXPIREAT', 'pexpireat']);
    const abs0 = Number(propagated[0][2]);
    expect(abs0).toBeGreaterThanOrEqual(before + 100000);
    expect(abs0).toBeLessThan(before + 100000 + 1000);
    expect(propagated[1].slice(3)).toEqual(['GT']);
    expect(propagated[2][2]).toBe(String((Math.floor(before / 1000) + 1000) * 1000));
    expect(propagated[3]).toEqual(['pexpireat', 'k', String(before + 500000)]);
    expect(events).toEqual(['expire:k', 'expire:k', 'expire:k', 'expire:k']);
    expect(await c.pexpiretime('k')).toBe(before + 500000);
    expect(await c.expiretime('k')).toBe(Math.floor((before + 500000 + 500) / 1000));
  });

  it('a time in the past deletes the key, notifies del and propagates DEL', async () => {
    await c.set('k', 'v');
    events.length = 0;
    propagated.length = 0;
    expect(await c.expire('k', -1)).toBe(1);
    expect(await c.exists('k')).toBe(0);
    expect(events).toEqual(['del:k']);
    expect(propagated).toEqual([['DEL', 'k']]);
    await c.set('k', 'v');
    expect(await c.pexpireat('k', 1)).toBe(1);
    expect(await c.exists('k')).toBe(0);
  });

  it('with lazyfree-lazy-expire a past time is propagated as UNLINK', async () => {
    await c.config('SET', 'lazyfree-lazy-expire', 'yes');
    try {
      await c.set('k', 'v');
      propagated.length = 0;
      expect(await c.pexpire('k', -10)).toBe(1);
      expect(propagated).toEqual([['UNLINK', 'k']]);
      server.core.activeExpireEnabled = false;
      await c.set('k', 'v', 'PX', 1);
      await sleep(5);
      propagated.length = 0;
      expect(await c.get('k')).toBe(null);
      expect(propagated).toEqual([['UNLINK', 'k']]);
    } finally {
      server.core.activeExpireEnabled = true;
      await c.config('SET', 'lazyfree-lazy-expire', 'no');
    }
  });

  it('NX / XX / GT / LT', async () => {
    await c.set('k', 'v');
    expect(await c.expire('k', 100, 'XX')).toBe(0);
    expect(await c.expire('k', 100, 'GT')).toBe(0);
    expect(await c.expire('k', 100, 'LT')).toBe(1);
    expect(await c.expire('k', 200, 'NX')).toBe(0);
    expect(await c.expire('k', 50, 'GT')).toBe(0);
    expect(await c.expire('k', 200, 'GT')).toBe(1);
    expect(await c.expire('k', 300, 'LT')).toBe(0);
    expect(await c.expire('k', 100, 'LT')).toBe(1);
    expect(await c.expire('k', 150, 'XX')).toBe(1);
    expect(await c.ttl('k')).toBe(150);
    await c.persist('k');
    expect(await c.expire('k', 100, 'NX')).toBe(1);
  });

  it('errors', async () => {
    await c.set('k', 'v');
    await expect(c.call('expire', 'k', '10', 'NX', 'XX')).rejects.toThrow('ERR NX and XX, GT or LT options at the same time are not compatible');
    await expect(c.call('expire', 'k', '10', 'GT', 'LT')).rejects.toThrow('ERR GT and LT options at the same time are not compatible');
    await expect(c.call('expire', 'k', '10', 'foo')).rejects.toThrow('ERR Unsupported option foo');
    await expect(c.call('expire', 'k', 'abc')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(c.call('expire', 'k', '9223372036854776')).rejects.toThrow("ERR invalid expire time in 'expire' command");
    await expect(c.call('pexpire', 'k', '9223372036854770000')).rejects.toThrow("ERR invalid expire time in 'pexpire' command");
    expect(await c.call('pexpireat', 'k', '9223372036854770000')).toBe(1);
    expect(await c.expire('nokey', 10)).toBe(0);
  });
});

describe('TTL / PTTL / EXPIRETIME / PEXPIRETIME / PERSIST', () => {
  it('answers -2 / -1 / time left', async () => {
    expect(await c.ttl('x')).toBe(-2);
    expect(await c.pttl('x')).toBe(-2);
    expect(await c.expiretime('x')).toBe(-2);
    await c.set('x', 'v');
    expect(await c.ttl('x')).toBe(-1);
    expect(await c.pexpiretime('x')).toBe(-1);
    await c.pexpire('x', 10400);
    expect(await c.ttl('x')).toBe(10);
    const pttl = await c.pttl('x');
    expect(pttl).toBeGreaterThan(10000);
    expect(pttl).toBeLessThanOrEqual(10400);
  });

  it('PERSIST removes the TTL once, notifies persist, propagates as is', async () => {
    await c.set('p', 'v', 'EX', 100);
    events.length = 0;
    propagated.length = 0;
    expect(await c.persist('p')).toBe(1);
    expect(await c.persist('p')).toBe(0);
    expect(await c.persist('nokey')).toBe(0);
    expect(await c.ttl('p')).toBe(-1);
    expect(events).toEqual(['persist:p']);
    expect(propagated).toEqual([['persist', 'p']]);
  });
});

describe('lazy and active expiry', () => {
  it('lazy: a read after the TTL finds nothing, and the expiry is propagated as DEL', async () => {
    await c.set('l', 'v', 'PX', 30);
    server.core.activeExpireEnabled = false;
    try {
      await sleep(50);
      propagated.length = 0;
      events.length = 0;
      expect(await c.get('l')).toBe(null);
      expect(propagated).toEqual([['DEL', 'l']]);
      expect(events).toEqual(['expired:l']);
    } finally {
      server.core.activeExpireEnabled = true;
    }
  });

  it('active: keys with short TTLs disappear without being accessed', async () => {
    const p = c.pipeline();
    for (let i = 0; i < 200; i++) p.set(`a:${i}`, 'v', 'PX', 100 + (i % 100));
    for (let i = 0; i < 20; i++) p.set(`keep:${i}`, 'v');
    await p.exec();
    expect(await c.dbsize()).toBeGreaterThan(20);
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && (await c.dbsize()) > 20) await sleep(50);
    expect(await c.dbsize()).toBe(20);
    const dels = propagated.filter((a) => a[0] === 'DEL');
    expect(dels.length).toBe(200);
    expect(dels.every((a) => a[1].startsWith('a:'))).toBe(true);
    expect(events.filter((e) => e.startsWith('expired:')).length).toBe(200);
  });

  it('active expiry works in other dbs too', async () => {
    await c.select(7);
    await c.set('o', 'v', 'PX', 50);
    await c.select(0);
    const db7 = server.core.keyspace.dbs[7];
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && db7.size > 0) await sleep(30);
    expect(db7.size).toBe(0);
  });
});
