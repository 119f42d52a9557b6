/**
 * -MISCONF after a failed background save, against a real redis-server: only with save rules,
 * for write commands and PING (not reads), at queueing time inside MULTI (the EXEC then aborts),
 * and as EXECABORT for an EXEC whose queued writes were accepted before the save failed.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, type RedisOracle, startRedis } from '../helpers/oracle.js';
import { RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

async function failBgsave(c: RespConn, dir: string): Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  await c.cmd('BGSAVE');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const info = await c.cmd('INFO', 'persistence');
    if (info.includes('rdb_last_bgsave_status:err') && info.includes('rdb_bgsave_in_progress:0')) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('bgsave did not fail');
}

describe.skipIf(!hasRedis)('MISCONF against redis-server', () => {
  let redis: RedisOracle;
  let nodis: TestServer;
  let r: RespConn;
  let n: RespConn;
  beforeAll(async () => {
    [redis, nodis] = await Promise.all([
      startRedis(['--enable-protected-configs', 'yes']),
      startTestServer({ 'enable-protected-configs': 'yes' }),
    ]);
    [r, n] = await Promise.all([RespConn.connect(redis.port), RespConn.connect(nodis.port)]);
  });
  afterAll(async () => {
    r?.close();
    n?.close();
    await Promise.all([redis?.close(), nodis?.close()]);
  });

  const both = async (...argv: string[]): Promise<void> => {
    const [a, b] = await Promise.all([r.cmd(...argv), n.cmd(...argv)]);
    expect(b, argv.join(' ')).toBe(a);
  };

  it('refuses writes and PING only while save rules exist', async () => {
    await both('SET', 'a', '1');
    await Promise.all([failBgsave(r, redis.dir), failBgsave(n, nodis.dir)]);
    // no save rules: a failed bgsave refuses nothing
    for (const argv of [['PING'], ['SET', 'a', '2'], ['GET', 'a']]) await both(...argv);
    await both('CONFIG', 'SET', 'save', '3600 1');
    const script = [
      ['PING'], ['SET', 'a', '3'], ['GET', 'a'], ['INCR', 'n'], ['DEL', 'a'],
      ['MULTI'], ['GET', 'a'], ['EXEC'],
      ['MULTI'], ['SET', 'a', 'b'], ['GET', 'a'], ['EXEC'],
      ['MULTI'], ['PING'], ['EXEC'],
    ];
    for (const argv of script) await both(...argv);
  });

  it('aborts an EXEC whose writes were queued before the save failed', async () => {
    await both('CONFIG', 'SET', 'save', '');
    // a fresh dir (Redis works in its cwd, which the removed dir still is)
    fs.mkdirSync(`${redis.dir}/d2`, { recursive: true });
    fs.mkdirSync(`${nodis.dir}/d2`, { recursive: true });
    await Promise.all([r.cmd('CONFIG', 'SET', 'dir', `${redis.dir}/d2`), n.cmd('CONFIG', 'SET', 'dir', `${nodis.dir}/d2`)]);
    await both('SAVE');
    await both('CONFIG', 'SET', 'save', '3600 1');
    await both('MULTI');
    await both('SET', 'q', '1');
    const [r2, n2] = await Promise.all([RespConn.connect(redis.port), RespConn.connect(nodis.port)]);
    await Promise.all([failBgsave(r2, `${redis.dir}/d2`), failBgsave(n2, `${nodis.dir}/d2`)]);
    r2.close();
    n2.close();
    await both('EXEC');
    await both('GET', 'q');
  });
});
