/** DEBUG POPULATE against a real redis-server: replies, the keys made (DEBUG DIGEST), no change count. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, type RedisOracle, startRedis } from '../helpers/oracle.js';
import { RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

describe.skipIf(!hasRedis)('DEBUG POPULATE against redis-server', () => {
  let redis: RedisOracle;
  let nodis: TestServer;
  let r: RespConn;
  let n: RespConn;
  beforeAll(async () => {
    [redis, nodis] = await Promise.all([startRedis(), startTestServer({ 'enable-debug-command': 'yes' })]);
    [r, n] = await Promise.all([RespConn.connect(redis.port), RespConn.connect(nodis.port)]);
  });
  afterAll(async () => {
    r?.close();
    n?.close();
    await Promise.all([redis?.close(), nodis?.close()]);
  });

  it('makes the same keys and replies alike', async () => {
    const long = 'p'.repeat(200);
    const script = [
      ['DEBUG', 'POPULATE', '1000'], ['SET', 'key:5', 'mine'], ['DEBUG', 'POPULATE', '10'],
      ['DEBUG', 'POPULATE', '5', 'p', '12'], ['DEBUG', 'POPULATE', '8', 'p', '3'], ['DEBUG', 'POPULATE', '3', 'q', '0'],
      ['DEBUG', 'POPULATE', '2', long], ['DEBUG', 'POPULATE', '0'],
      ['DEBUG', 'POPULATE', '-1'], ['DEBUG', 'POPULATE', 'abc'], ['DEBUG', 'POPULATE', '1', 'a', 'b'],
      ['DEBUG', 'POPULATE', '1', 'a', '-1'], ['DEBUG', 'POPULATE'], ['DEBUG', 'POPULATE', '1', 'a', '1', 'x'],
      ['GET', 'p:2'], ['GET', 'p:7'], ['GET', 'key:5'], ['DBSIZE'], ['DEBUG', 'DIGEST'],
    ];
    for (const argv of script) {
      const [a, b] = await Promise.all([r.cmd(...argv), n.cmd(...argv)]);
      expect(b, argv.join(' ').slice(0, 60)).toBe(a);
    }
    const field = (s: string) => /rdb_changes_since_last_save:(\d+)/.exec(s)![1];
    const [ia, ib] = await Promise.all([r.cmd('INFO', 'persistence'), n.cmd('INFO', 'persistence')]);
    expect(field(ib)).toBe(field(ia));
  });
});
