/**
 * DUMP / RESTORE in nodis alone: round trips of every type and encoding, REPLACE / ABSTTL / IDLETIME /
 * FREQ, TTLs, propagation (relative TTL -> absolute + ABSTTL, an already-expired REPLACE -> DEL),
 * notifications, and the errors.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
let c: Redis;
const events: string[] = [];
const propagated: string[][] = [];

beforeAll(async () => {
  server = await startTestServer();
  c = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  const notifier = server.core.notifier;
  const orig = notifier.notify.bind(notifier);
  notifier.notify = (cls, event, key, db) => {
    if (cls === 'g') events.push(`${event}:${key}`);
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

const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));

async function contents(key: string): Promise<unknown> {
  const type = await c.type(key);
  switch (type) {
    case 'string':
      return c.getBuffer(key);
    case 'list':
      return c.lrangeBuffer(key, 0, -1);
    case 'set':
      return (await c.smembers(key)).sort();
    case 'hash':
      return c.hgetall(key);
    case 'zset':
      return c.zrange(key, 0, -1, 'WITHSCORES');
    default:
      return type;
  }
}

describe('DUMP / RESTORE round trips', () => {
  it('every type and encoding restores to the same contents and encoding', async () => {
    await c.set('str', 'hello');
    await c.set('int', '12345');
    await c.set('lzf', 'abc'.repeat(300));
    await c.set('bin', Buffer.from([0, 255, 13, 10, 128]));
    await c.rpush('list', 'a', '1', 'b');
    await c.rpush('biglist', ...range(3000, (i) => `e${i}`));
    await c.sadd('intset', '1', '2', '-3');
    await c.sadd('set', 'a', 'b');
    await c.hset('hash', 'f', 'v', 'g', '1');
    await c.hset('bighash', ...range(1200, (i) => `x${i}`));
    await c.zadd('zset', 1, 'a', 2.5, 'b', '-inf', 'c');
    await c.zadd('bigzset', ...range(400, (i) => (i % 2 ? `m${i}` : String(i))));
    for (const key of ['str', 'int', 'lzf', 'bin', 'list', 'biglist', 'intset', 'set', 'hash', 'bighash', 'zset', 'bigzset']) {
      const payload = await c.dumpBuffer(key);
      expect(await c.restore(`r:${key}`, 0, payload)).toBe('OK');
      expect(await contents(`r:${key}`), key).toEqual(await contents(key));
      expect(await c.object('ENCODING', `r:${key}`), key).toBe(await c.object('ENCODING', key));
      // DUMP of the restored value is the same payload
      expect((await c.dumpBuffer(`r:${key}`)).equals(payload) || key.startsWith('big') || key === 'set', key).toBe(true);
    }
  });

  it('DUMP of a missing key is nil; DUMP counts as a read', async () => {
    expect(await c.dumpBuffer('nokey')).toBeNull();
    expect(await c.call('DUMP', 'nokey')).toBeNull();
  });

  it('DUMP payload of a string: type, value, version 10, CRC64', async () => {
    await c.set('k', 'hello');
    const p = await c.dumpBuffer('k');
    expect(p.subarray(0, 8).toString('latin1')).toBe('\x00\x05hello\x0a');
    expect(p[8]).toBe(0);
    expect(p.length).toBe(17);
  });
});

describe('RESTORE options', () => {
  it('BUSYKEY unless REPLACE; REPLACE over another type', async () => {
    await c.set('k', 'v');
    const payload = await c.dumpBuffer('k');
    await expect(c.restore('k', 0, payload)).rejects.toThrow('BUSYKEY Target key name already exists.');
    await c.rpush('l', 'x');
    expect(await c.restore('l', 0, payload, 'REPLACE')).toBe('OK');
    expect(await c.get('l')).toBe('v');
    expect(events).toEqual(['restore:l']);
  });

  it('a relative TTL is set and propagated as absolute with ABSTTL', async () => {
    await c.set('k', 'v');
    const payload = await c.dumpBuffer('k');
    propagated.length = 0;
    const before = Date.now();
    await c.restore('t', 5000, payload);
    const pttl = await c.pttl('t');
    expect(pttl).toBeGreaterThan(4000);
    expect(pttl).toBeLessThanOrEqual(5000);
    expect(propagated.length).toBe(1);
    const [cmd, key, ttl, , last] = propagated[0];
    expect([cmd.toUpperCase(), key, last]).toEqual(['RESTORE', 't', 'ABSTTL']);
    expect(Number(ttl)).toBeGreaterThanOrEqual(before + 5000);
    // ABSTTL and 0 are propagated as given
    propagated.length = 0;
    await c.restore('t2', 0, payload);
    await c.restore('t3', Date.now() + 100000, payload, 'ABSTTL');
    expect(propagated.map((a) => a.length)).toEqual([4, 5]);
    expect(await c.pttl('t2')).toBe(-1);
    expect(await c.pttl('t3')).toBeGreaterThan(90000);
  });

  it('an already-expired ABSTTL creates nothing; with REPLACE the old key is deleted and DEL propagated', async () => {
    await c.set('k', 'v');
    const payload = await c.dumpBuffer('k');
    propagated.length = 0;
    events.length = 0;
    expect(await c.restore('gone', 1, payload, 'ABSTTL')).toBe('OK');
    expect(await c.exists('gone')).toBe(0);
    expect(propagated).toEqual([]);
    expect(await c.call('RESTORE', 'k', 1, payload, 'ABSTTL', 'REPLACE')).toBe('OK');
    expect(await c.exists('k')).toBe(0);
    expect(propagated).toEqual([['DEL', 'k']]);
    expect(events).toEqual(['del:k']);
  });

  it('IDLETIME and FREQ are validated; invalid TTLs and payloads are refused', async () => {
    await c.set('k', 'v');
    const payload = await c.dumpBuffer('k');
    expect(await c.restore('a', 0, payload, 'IDLETIME', 10)).toBe('OK');
    expect(await c.restore('b', 0, payload, 'FREQ', 255)).toBe('OK');
    await expect(c.restore('c', 0, payload, 'IDLETIME', -1)).rejects.toThrow('ERR Invalid IDLETIME value, must be >= 0');
    await expect(c.restore('c', 0, payload, 'FREQ', 256)).rejects.toThrow('ERR Invalid FREQ value, must be >= 0 and <= 255');
    await expect(c.call('RESTORE', 'c', 0, payload, 'FREQ', 1, 'IDLETIME', 1)).rejects.toThrow('ERR syntax error');
    await expect(c.restore('c', -1, payload)).rejects.toThrow('ERR Invalid TTL value, must be >= 0');
    await expect(c.restore('c', 'x', payload)).rejects.toThrow('ERR value is not an integer or out of range');
    const bad = Buffer.from(payload);
    bad[3] ^= 1;
    await expect(c.restore('c', 0, bad)).rejects.toThrow('ERR DUMP payload version or checksum are wrong');
    await expect(c.restore('c', 0, 'x')).rejects.toThrow('ERR DUMP payload version or checksum are wrong');
    expect(await c.exists('c')).toBe(0);
  });
});
