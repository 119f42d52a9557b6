/**
 * A real redis-server and nodis started side by side with the same notify-keyspace-events flags,
 * each with a command connection and a PSUBSCRIBE '__key*__:*' subscriber, for oracle suites
 * that compare replies and keyspace notifications.
 */
import { type RedisOracle, startRedis } from './oracle.js';
import { RespConn } from './resp-session.js';
import { startTestServer, type TestServer } from './start-server.js';

export interface OraclePair {
  redis: RedisOracle;
  nodis: TestServer;
  /** command connections */
  r: RespConn;
  n: RespConn;
  /** PSUBSCRIBE '__key*__:*' subscribers */
  rSub: RespConn;
  nSub: RespConn;
  close(): Promise<void>;
}

/**
 * Starts both servers and connects; `beforeSubscribe` (if given) runs before the subscribers
 * subscribe, so what it does publishes nothing they see.
 */
export async function startOraclePair(
  notifyFlags: string,
  beforeSubscribe?: (pair: OraclePair) => Promise<void>,
): Promise<OraclePair> {
  const [redis, nodis] = await Promise.all([
    startRedis(['--notify-keyspace-events', notifyFlags]),
    startTestServer({ 'notify-keyspace-events': notifyFlags }),
  ]);
  let conns: RespConn[] = [];
  const close = async (): Promise<void> => {
    for (const c of conns) c.close();
    await Promise.all([redis.close(), nodis.close()]);
  };
  try {
    const [r, n, rSub, nSub] = (conns = await Promise.all([
      RespConn.connect(redis.port),
      RespConn.connect(nodis.port),
      RespConn.connect(redis.port),
      RespConn.connect(nodis.port),
    ]));
    const pair: OraclePair = { redis, nodis, r, n, rSub, nSub, close };
    if (beforeSubscribe) await beforeSubscribe(pair);
    await Promise.all([rSub.cmd('PSUBSCRIBE', '__key*__:*'), nSub.cmd('PSUBSCRIBE', '__key*__:*')]);
    return pair;
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Publishes a sync message on both servers (same pattern, published last, so it marks the end of
 * the run's notifications), drains both subscribers until it arrives (2 s at most), and returns
 * one "event key" line per __keyevent@ message.
 */
export async function keyeventLines(pair: OraclePair): Promise<{ redis: string[]; nodis: string[] }> {
  const { r, n, rSub, nSub } = pair;
  await Promise.all([r.cmd('PUBLISH', '__keysync__:x', 'sync'), n.cmd('PUBLISH', '__keysync__:x', 'sync')]);
  const wait = async (c: RespConn): Promise<string> => {
    let s = '';
    const deadline = Date.now() + 2000;
    while (!s.includes('__keysync__') && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 20));
      s += c.drain();
    }
    return s;
  };
  const [a, b] = await Promise.all([wait(rSub), wait(nSub)]);
  const lines = (s: string) =>
    s
      .split('*4\r\n')
      .filter((m) => m.includes('__keyevent@') && !m.includes('sync'))
      .map((m) => {
        const parts = m.split('\r\n');
        return `${parts[5].slice(parts[5].indexOf(':') + 1)} ${parts[7]}`;
      });
  return { redis: lines(a), nodis: lines(b) };
}

/**
 * Sends each row to both connections in turn and returns one line per reply that differs (argv,
 * Redis's reply, nodis's); `normalize` (if given) is applied to both replies first.
 */
export async function compareRows(
  r: RespConn,
  n: RespConn,
  rows: readonly string[][],
  normalize?: (reply: string) => string,
): Promise<string[]> {
  const mismatches: string[] = [];
  for (const argv of rows) {
    let [a, b] = await Promise.all([r.cmd(...argv), n.cmd(...argv)]);
    if (normalize !== undefined) {
      a = normalize(a);
      b = normalize(b);
    }
    if (a !== b) mismatches.push(`${JSON.stringify(argv)}\n  redis: ${JSON.stringify(a)}\n  nodis: ${JSON.stringify(b)}`);
  }
  return mismatches;
}
