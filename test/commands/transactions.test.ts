/**
 * Transactions: MULTI/EXEC/DISCARD/WATCH/UNWATCH semantics, WATCH invalidation (writes, expiry,
 * FLUSHDB/FLUSHALL, SWAPDB), EXECABORT, and propagation as MULTI ... EXEC.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RespSession } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
let a: Redis;
let b: Redis;
const propagated: string[][] = [];

beforeAll(async () => {
  server = await startTestServer({ hz: 100 });
  a = new Redis({ port: server.port, lazyConnect: true });
  b = new Redis({ port: server.port, lazyConnect: true });
  await Promise.all([a.connect(), b.connect()]);
  server.core.propagator.addListener((db, argv) => propagated.push([String(db), ...argv]));
});
afterAll(async () => {
  a.disconnect();
  b.disconnect();
  await server.close();
});
beforeEach(async () => {
  await a.flushall();
  propagated.length = 0;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('MULTI / EXEC / DISCARD', () => {
  it('runs the queue, with per-command errors in the reply', async () => {
    await a.set('s', 'str');
    const r = await a.multi().set('x', '1').incr('x').incr('s').get('x').exec();
    expect(r).toEqual([
      [null, 'OK'],
      [null, 2],
      [expect.objectContaining({ message: 'ERR value is not an integer or out of range' })],
      [null, '2'],
    ]);
  });

  it('propagates the writes as MULTI ... EXEC, a single write alone, reads not at all', async () => {
    propagated.length = 0;
    await a.multi().set('p1', 'a').get('p1').set('p2', 'b').exec();
    expect(propagated).toEqual([['0', 'MULTI'], ['0', 'set', 'p1', 'a'], ['0', 'set', 'p2', 'b'], ['0', 'EXEC']]);
    propagated.length = 0;
    await a.multi().set('p3', 'c').get('p3').exec();
    expect(propagated).toEqual([['0', 'set', 'p3', 'c']]);
    propagated.length = 0;
    await a.multi().get('p3').exec();
    expect(propagated).toEqual([]);
  });

  it('EXECABORT after a command failed to queue; errors on the wire', async () => {
    const s = await RespSession.connect(server.port);
    try {
      expect(await s.send(['MULTI'])).toBe('+OK\r\n');
      expect(await s.send(['MULTI'])).toBe('-ERR MULTI calls can not be nested\r\n');
      expect(await s.send(['SET', 'k'])).toBe("-ERR wrong number of arguments for 'set' command\r\n");
      expect(await s.send(['SET', 'k', 'v'])).toBe('+QUEUED\r\n');
      expect(await s.send(['WATCH', 'k'])).toBe('-ERR WATCH inside MULTI is not allowed\r\n');
      expect(await s.send(['EXEC'])).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
      expect(await s.send(['EXEC'])).toBe('-ERR EXEC without MULTI\r\n');
      expect(await s.send(['DISCARD'])).toBe('-ERR DISCARD without MULTI\r\n');
      expect(await s.send(['GET', 'k'])).toBe('$-1\r\n');
      expect(await s.send(['MULTI'])).toBe('+OK\r\n');
      expect(await s.send(['NOSUCH', 'a'])).toBe("-ERR unknown command 'NOSUCH', with args beginning with: 'a' \r\n");
      expect(await s.send(['DISCARD'])).toBe('+OK\r\n');
      expect(await s.send(['MULTI'])).toBe('+OK\r\n');
      expect(await s.send(['EXEC', 'x'])).toBe(
        "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n",
      );
      expect(await s.send(['EXEC'])).toBe('-ERR EXEC without MULTI\r\n');
      expect(await s.send(['MULTI'])).toBe('+OK\r\n');
      expect(await s.send(['EXEC'])).toBe('*0\r\n');
      expect(await s.send(['HELLO', '3'], 1)).toMatch(/^%7/);
      expect(await s.send(['MULTI'])).toBe('+OK\r\n');
      await s.send(['GET', 'nope']);
      await s.send(['SET', 'k', 'v']);
      expect(await s.send(['EXEC'])).toBe('*2\r\n_\r\n+OK\r\n');
    } finally {
      s.close();
    }
  });

  it('MULTI is refused in RESP2 subscribed mode; SUBSCRIBE can be queued', async () => {
    const s = await RespSession.connect(server.port);
    try {
      expect(await s.send(['MULTI'])).toBe('+OK\r\n');
      expect(await s.send(['SUBSCRIBE', 'q'])).toBe('+QUEUED\r\n');
      expect(await s.send(['EXEC'])).toBe('*1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nq\r\n:1\r\n');
      expect(await s.send(['MULTI'])).toBe(
        "-ERR Can't execute 'multi': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
      );
    } finally {
      s.close();
    }
  });
});

describe('WATCH', () => {
  it('another client writing a watched key aborts EXEC (null array)', async () => {
    await a.set('w', '1');
    await a.watch('w');
    await b.set('w', '2');
    expect(await a.multi().set('w', 'mine').exec()).toBeNull();
    expect(await a.get('w')).toBe('2');
    // watches are gone after EXEC
    await b.set('w', '3');
    expect(await a.multi().set('w', 'mine').exec()).toEqual([[null, 'OK']]);
  });

  it('UNWATCH and DISCARD clear the watches', async () => {
    await a.watch('u');
    await b.set('u', '1');
    expect(await a.unwatch()).toBe('OK');
    expect(await a.multi().get('u').exec()).toEqual([[null, '1']]);
    await a.watch('u');
    await a.multi({ pipeline: false });
    await a.discard();
    await b.set('u', '2');
    expect(await a.multi().get('u').exec()).toEqual([[null, '2']]);
    expect(server.core.keyspace.dbs[0].watched.size).toBe(0);
  });

  it('a key that expires after WATCH makes EXEC fail; an already expired one does not', async () => {
    await a.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0').catch(() => undefined);
    server.core.activeExpireEnabled = false;
    try {
      await a.set('e', 'v', 'PX', 40);
      await a.watch('e');
      await sleep(60);
      expect(await a.multi().ping().exec()).toBeNull();
      await a.set('e2', 'v', 'PX', 5);
      await sleep(20);
      await a.watch('e2');
      expect(await a.exists('e2')).toBe(0);
      expect(await a.multi().ping().exec()).toEqual([[null, 'PONG']]);
    } finally {
      server.core.activeExpireEnabled = true;
    }
  });

  it('active expiry of a watched key aborts EXEC', async () => {
    await a.set('ae', 'v', 'PX', 20);
    await a.watch('ae');
    for (let i = 0; i < 50 && server.core.keyspace.dbs[0].size > 0; i++) await sleep(10);
    expect(await a.multi().ping().exec()).toBeNull();
  });

  it('FLUSHALL and FLUSHDB touch watched keys that exist', async () => {
    await a.set('f', '1');
    await a.watch('f');
    await b.flushall();
    expect(await a.multi().ping().exec()).toBeNull();
    await a.set('f', '1');
    await a.watch('f');
    await b.flushdb();
    expect(await a.multi().ping().exec()).toBeNull();
    await a.watch('absent');
    await b.flushdb();
    expect(await a.multi().ping().exec()).toEqual([[null, 'PONG']]);
  });

  it('SWAPDB touches watched keys', async () => {
    if (!server.core.table.has('swapdb')) return;
    await a.set('sw', '1');
    await a.watch('sw');
    await b.swapdb(0, 1);
    expect(await a.multi().ping().exec()).toBeNull();
    await b.swapdb(0, 1);
  });

  it('watching the same key twice and keys in other dbs', async () => {
    await a.watch('d', 'd');
    await a.select(1);
    await a.watch('d');
    await a.select(0);
    await b.select(1);
    await b.set('d', '1');
    await b.select(0);
    expect(await a.multi().ping().exec()).toBeNull();
    for (const db of server.core.keyspace.dbs) expect(db.watched.size).toBe(0);
  });

  it('WATCH needs a key', async () => {
    await expect(a.call('WATCH')).rejects.toThrow("ERR wrong number of arguments for 'watch' command");
  });
});
