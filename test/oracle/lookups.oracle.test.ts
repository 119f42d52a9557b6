/**
 * Read lookups (Redis's lookupKeyRead) across families: which commands count keyspace hits and
 * misses in INFO and publish 'keymiss', compared with a real redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, startRedis, type RedisOracle } from '../helpers/oracle.js';
import { RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const SCRIPT: string[][] = [
  ['SET', 'a', '1'],
  ['GET', 'a'],
  ['GET', 'missing'],
  ['EXISTS', 'a', 'missing', 'a'],
  ['TOUCH', 'a', 'missing'],
  ['TYPE', 'a'],
  ['TYPE', 'missing'],
  ['TTL', 'a'],
  ['PTTL', 'missing'],
  ['EXPIRETIME', 'missing'],
  ['OBJECT', 'ENCODING', 'a'],
  ['OBJECT', 'ENCODING', 'missing'],
  ['MEMORY', 'USAGE', 'missing'],
  ['STRLEN', 'missing'],
  ['MGET', 'a', 'missing'],
  ['EXPIRE', 'missing', '10'],
  ['PERSIST', 'missing'],
  ['DEL', 'missing'],
  ['RENAME', 'missing', 'x'],
];

function stat(info: string, name: string): string {
  return new RegExp(`${name}:(\\d+)`).exec(info)?.[1] ?? 'absent';
}

describe.skipIf(!hasRedis)('read lookups: nodis vs redis-server', () => {
  let nodis: TestServer;
  let redis: RedisOracle;
  beforeAll(async () => {
    nodis = await startTestServer();
    redis = await startRedis();
  });
  afterAll(async () => {
    await nodis?.close();
    await redis?.close();
  });

  it('count hits and misses and publish keymiss as Redis does', async () => {
    const run = async (port: number) => {
      const c = await RespConn.connect(port);
      const sub = await RespConn.connect(port);
      await c.cmd('CONFIG', 'SET', 'notify-keyspace-events', 'Em');
      await sub.cmd('SUBSCRIBE', '__keyevent@0__:keymiss');
      await c.cmd('CONFIG', 'RESETSTAT');
      const replies: string[] = [];
      for (const args of SCRIPT) replies.push(await c.cmd(...args));
      const info = await c.cmd('INFO', 'stats');
      await c.cmd('PING');
      await new Promise((r) => setTimeout(r, 50));
      const messages = sub.drain();
      c.close();
      sub.close();
      return { replies, hits: stat(info, 'keyspace_hits'), misses: stat(info, 'keyspace_misses'), messages };
    };
    const want = await run(redis.port);
    const got = await run(nodis.port);
    expect(Number(want.misses)).toBeGreaterThan(5);
    expect(want.messages).toContain("keymiss");
    expect(got.replies).toEqual(want.replies);
    expect({ hits: got.hits, misses: got.misses }).toEqual({ hits: want.hits, misses: want.misses });
    expect(got.messages).toBe(want.messages);
  });
});
