/**
 * The AOF's bytes against a real redis-server 7.0 (`appendonly yes`, `appendfsync always`,
 * `aof-timestamp-enabled no`): the same command sequence (every type, SELECT switches, relative
 * expiries made absolute, MULTI/EXEC, a BLPOP served later, INCRBYFLOAT, SPOP ...) must leave nodis's
 * appendonly.aof equal to Redis's appendonlydir/appendonly.aof.1.incr.aof record for record and byte
 * for byte, except the absolute times (PXAT / PEXPIREAT arguments), which are normalised.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src/persistence/aof-encode.js';
import { hasRedis, type RedisOracle, startRedis } from '../helpers/oracle.js';
import { RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

/** Parses RESP arrays of bulk strings (an AOF without annotations). */
function parseAof(text: string): string[][] {
  const out: string[][] = [];
  let p = 0;
  while (p < text.length) {
    if (text[p] !== '*') throw new Error(`bad record at ${p}: ${JSON.stringify(text.slice(p, p + 20))}`);
    let e = text.indexOf('\r\n', p);
    const argc = Number(text.slice(p + 1, e));
    p = e + 2;
    const argv: string[] = [];
    for (let i = 0; i < argc; i++) {
      e = text.indexOf('\r\n', p);
      const len = Number(text.slice(p + 1, e));
      argv.push(text.slice(e + 2, e + 2 + len));
      p = e + 2 + len + 2;
    }
    out.push(argv);
  }
  return out;
}

/** The absolute times differ between the two servers: replaced by a placeholder. */
function normalise(records: string[][]): string {
  let s = '';
  for (const argv of records) {
    const a = [...argv];
    const name = a[0].toLowerCase();
    if (name === 'pexpireat') a[2] = '<ms>';
    for (let i = 1; i + 1 < a.length; i++) if (a[i].toLowerCase() === 'pxat') a[i + 1] = '<ms>';
    s += encodeCommand(a);
  }
  return s;
}

const FUTURE = String(Math.floor(Date.now() / 1000) + 100000);

/** Commands sent one by one (the replies are compared too). */
const SEQUENCE: string[][] = [
  ['SET', 's1', 'v1'],
  ['SET', 's2', 'v2', 'EX', '100'],
  ['SETEX', 's3', '100', 'v3'],
  ['PSETEX', 's4', '100000', 'v4'],
  ['SET', 's5', 'v5', 'PX', '100000', 'GET'],
  ['SET', 's1', 'v1b', 'KEEPTTL'],
  ['EXPIRE', 's1', '100'],
  ['PEXPIRE', 's1', '100000'],
  ['EXPIREAT', 's1', FUTURE],
  ['GETEX', 's1', 'EX', '50'],
  ['GETEX', 's1', 'PERSIST'],
  ['PERSIST', 's2'],
  ['SETNX', 's6', 'x'],
  ['SETNX', 's6', 'y'],
  ['INCR', 'n'],
  ['INCRBY', 'n', '10'],
  ['DECR', 'n'],
  ['INCRBYFLOAT', 'f', '1.5'],
  ['INCRBYFLOAT', 'f', '2.25e2'],
  ['APPEND', 's6', 'tail'],
  ['SETRANGE', 's6', '1', 'ZZ'],
  ['GETSET', 's6', 'new'],
  ['GETDEL', 's6'],
  ['MSET', 'm1', 'a', 'm2', 'b'],
  ['MSETNX', 'm3', 'c', 'm4', 'd'],
  ['SET', 'bin', '\x00\x01\xff\r\n$*'],
  ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
  ['LPUSH', 'l', 'z'],
  ['LPOP', 'l'],
  ['RPOP', 'l', '2'],
  ['LINSERT', 'l', 'BEFORE', 'b', 'ins'],
  ['LSET', 'l', '0', 'first'],
  ['LREM', 'l', '1', 'ins'],
  ['LTRIM', 'l', '0', '5'],
  ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'],
  ['RPOPLPUSH', 'l', 'l2'],
  ['LPOP', 'nolist'],
  ['HSET', 'h', 'f1', 'v1', 'f2', 'v2'],
  ['HSETNX', 'h', 'f3', 'v3'],
  ['HINCRBY', 'h', 'cnt', '5'],
  ['HINCRBYFLOAT', 'h', 'fl', '0.5'],
  ['HDEL', 'h', 'f1'],
  ['SADD', 'st', 'a', 'b', 'c'],
  ['SREM', 'st', 'a'],
  ['SMOVE', 'st', 'st2', 'b'],
  ['SPOP', 'st2'],
  ['SADD', 'st3', 'x'], // one member: SPOP's reply order of a hashtable set is Redis's dict order
  ['SPOP', 'st3', '5'],
  ['SADD', 'sa', '1', '2', '3'],
  ['SADD', 'sb', '2', '3', '4'],
  ['SINTERSTORE', 'si', 'sa', 'sb'],
  ['SUNIONSTORE', 'su', 'sa', 'sb'],
  ['ZADD', 'z', '1', 'a', '2', 'b', '3.5', 'c'],
  ['ZINCRBY', 'z', '2', 'a'],
  ['ZREM', 'z', 'b'],
  ['ZPOPMIN', 'z'],
  ['ZADD', 'z2', '5', 'q', '-inf', 'm'],
  ['ZUNIONSTORE', 'zu', '2', 'z', 'z2'],
  ['ZRANGESTORE', 'zr', 'zu', '0', '-1'],
  ['ZREMRANGEBYSCORE', 'zu', '-inf', '0'],
  ['SELECT', '1'],
  ['SET', 'db1', 'x'],
  ['RPUSH', 'db1l', 'x'],
  ['MULTI'],
  ['INCR', 'tx'],
  ['SET', 'tx2', 'v', 'EX', '1000'],
  ['GET', 'tx'],
  ['EXEC'],
  ['MULTI'],
  ['INCR', 'single'],
  ['EXEC'],
  ['SELECT', '0'],
  ['RENAME', 'm1', 'm1r'],
  ['COPY', 'm2', 'm2c'],
  ['MOVE', 'm2c', '2'],
  ['DEL', 'm3', 'nokey'],
  ['UNLINK', 'm4'],
  ['EXPIRE', 's4', '-1'],
  ['SET', 'gone', 'x'],
  ['PEXPIREAT', 'gone', '1'],
];

async function run(c: RespConn, blocker: RespConn): Promise<string[]> {
  const replies: string[] = [];
  for (const argv of SEQUENCE) replies.push(await c.cmd(...argv));
  // a BLPOP served later is written as the pop it became
  blocker.send('BLPOP', 'bl', '0');
  await new Promise((r) => setTimeout(r, 50));
  replies.push(await c.cmd('RPUSH', 'bl', 'x', 'y'));
  replies.push(await blocker.next());
  replies.push(await c.cmd('SET', 'end', '1'));
  return replies;
}

describe.skipIf(!hasRedis)('AOF bytes against redis-server 7.0', () => {
  let redis: RedisOracle;
  let nodis: TestServer;
  const conns: RespConn[] = [];
  beforeAll(async () => {
    [redis, nodis] = await Promise.all([
      startRedis(['--appendonly', 'yes', '--appendfsync', 'always', '--aof-timestamp-enabled', 'no']),
      startTestServer({ appendonly: 'yes', appendfsync: 'always' }),
    ]);
  });
  afterAll(async () => {
    for (const c of conns) c.close();
    await Promise.all([redis?.close(), nodis?.close()]);
  });

  it('the same records, in the same order, with the same bytes', async () => {
    for (const port of [redis.port, redis.port, nodis.port, nodis.port]) conns.push(await RespConn.connect(port));
    const [r, rb, n, nb] = conns;
    const [rReplies, nReplies] = await Promise.all([run(r, rb), run(n, nb)]);
    expect(nReplies).toEqual(rReplies);
    const redisAof = fs.readFileSync(path.join(redis.dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
    const nodisAof = fs.readFileSync(path.join(nodis.dir, 'appendonly.aof'), 'latin1');
    const rRecords = parseAof(redisAof);
    const nRecords = parseAof(nodisAof);
    expect(rRecords.length).toBeGreaterThan(SEQUENCE.length * 0.8);
    expect(rRecords.filter((a) => a[0] === 'MULTI').length).toBe(1);
    // readable first (one line per record), then the bytes
    const show = (recs: string[][]) => parseAof(normalise(recs)).map((a) => JSON.stringify(a));
    expect(show(nRecords)).toEqual(show(rRecords));
    // the absolute times themselves agree to within a few seconds
    const times = (recs: string[][]) => {
      const t: number[] = [];
      for (const a of recs) {
        if (a[0].toLowerCase() === 'pexpireat') t.push(Number(a[2]));
        for (let i = 1; i + 1 < a.length; i++) if (a[i].toLowerCase() === 'pxat') t.push(Number(a[i + 1]));
      }
      return t;
    };
    const [rt, nt] = [times(rRecords), times(nRecords)];
    expect(nt.length).toBe(rt.length);
    for (let i = 0; i < rt.length; i++) expect(Math.abs(nt[i] - rt[i])).toBeLessThan(5000);
    expect(normalise(nRecords)).toBe(normalise(rRecords));
  });
});
