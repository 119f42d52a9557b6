/**
 * Keyspace notifications: notify-keyspace-events flags (CONFIG SET/GET spelling, bad
 * characters), __keyspace@<db>__ / __keyevent@<db>__ messages, class filtering, expired events.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeyspaceNotifier, parseNotifyFlags } from '../../src/server/notifications.js';
import { PubSubHub } from '../../src/server/pubsub.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
let c: Redis;
let sub: Redis;
let got: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ hz: 100 });
  c = new Redis({ port: server.port, lazyConnect: true });
  sub = new Redis({ port: server.port, lazyConnect: true });
  await Promise.all([c.connect(), sub.connect()]);
  sub.on('pmessage', (_p, ch, m) => got.push(`${ch} ${m}`));
  await sub.psubscribe('__key*__:*');
});
afterAll(async () => {
  c.disconnect();
  sub.disconnect();
  await server.close();
});
beforeEach(async () => {
  await c.config('SET', 'notify-keyspace-events', '');
  await c.flushall();
  got = [];
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(n: number): Promise<string[]> {
  for (let i = 0; i < 100 && got.length < n; i++) await sleep(5);
  return got;
}

describe('notify-keyspace-events', () => {
  it('CONFIG SET / GET use Redis spelling; bad characters are refused', async () => {
    const cases: Array<[string, string]> = [['KEA', 'AKE'], ['Kgx$', 'g$xK'], ['AKEmn', 'AKEm'], ['Kn', 'nK'], ['E', 'E'], ['', '']];
    for (const [set, want] of cases) {
      expect(await c.config('SET', 'notify-keyspace-events', set)).toBe('OK');
      expect(await c.config('GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', want]);
    }
    await expect(c.config('SET', 'notify-keyspace-events', 'KEq')).rejects.toThrow(
      "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
    );
  });

  it('parseNotifyFlags', () => {
    expect([...parseNotifyFlags('A')!].sort().join('')).toBe([...'g$lshzxetd'].sort().join(''));
    expect(parseNotifyFlags('K?')).toBeNull();
  });
});

describe('events', () => {
  it('SET publishes on both channels with the db index', async () => {
    await c.config('SET', 'notify-keyspace-events', 'KEA');
    await c.select(2);
    await c.set('foo', 'bar');
    await c.select(0);
    expect(await until(2)).toEqual(['__keyspace@2__:foo set', '__keyevent@2__:set foo']);
  });

  it('only the enabled channel kinds and classes', async () => {
    await c.config('SET', 'notify-keyspace-events', 'E$');
    await c.set('a', '1');
    await c.config('SET', 'notify-keyspace-events', 'Kg'); // strings not enabled: no message
    await c.set('b', '2');
    await c.config('SET', 'notify-keyspace-events', 'K$');
    await c.set('c', '3');
    expect(await until(2)).toEqual(['__keyevent@0__:set a', '__keyspace@0__:c set']);
    await c.config('SET', 'notify-keyspace-events', '$'); // neither K nor E: nothing
    await c.set('d', '4');
    await sleep(20);
    expect(got).toHaveLength(2);
  });

  it('new keys with n', async () => {
    await c.config('SET', 'notify-keyspace-events', 'En$');
    await c.set('fresh', '1');
    await c.set('fresh', '2');
    expect(await until(3)).toEqual(['__keyevent@0__:new fresh', '__keyevent@0__:set fresh', '__keyevent@0__:set fresh']);
  });

  it('expired events from lazy and active expiry', async () => {
    await c.config('SET', 'notify-keyspace-events', 'Ex');
    await c.set('lazy', 'v', 'PX', 10);
    server.core.activeExpireEnabled = false;
    try {
      await sleep(30);
      expect(await c.get('lazy')).toBeNull();
      expect(await until(1)).toEqual(['__keyevent@0__:expired lazy']);
    } finally {
      server.core.activeExpireEnabled = true;
    }
    await c.set('active', 'v', 'PX', 10);
    expect(await until(2)).toEqual(['__keyevent@0__:expired lazy', '__keyevent@0__:expired active']);
  });

  it('the notifier exits early when off and publishes binary keys as they are', () => {
    const hub = new PubSubHub();
    const n = new KeyspaceNotifier(hub);
    let published = 0;
    hub.publish = () => (published++, 0);
    n.notify('$', 'set', 'k', 0);
    expect(published).toBe(0);
    n.configure(parseNotifyFlags('KE$')!);
    n.notify('g', 'del', 'k', 0);
    expect(published).toBe(0);
    const seen: string[] = [];
    hub.publish = (ch, m) => (seen.push(`${ch}|${m}`), 0);
    n.notify('$', 'set', 'k\xff\x00', 9);
    expect(seen).toEqual(['__keyspace@9__:k\xff\x00|set', '__keyevent@9__:set|k\xff\x00']);
  });
});
