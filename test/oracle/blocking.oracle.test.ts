/**
 * Blocking pops against a real redis-server: the same scripted scenarios (several connections,
 * blocking, pushing from another client, MULTI/EXEC, BLMOVE chains, timeouts, CLIENT UNBLOCK,
 * pipelining, wrong types, RESP3) run on both servers, and the transcripts of raw replies and
 * the keyspace notifications must be identical. What a served or immediate pop propagates is
 * compared with the records real Redis appends to its AOF.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, startRedis } from '../helpers/oracle.js';
import { keyeventLines, type OraclePair, startOraclePair } from '../helpers/oracle-pair.js';
import { RespConn } from '../helpers/resp-session.js';

/** One step of a scenario; connection 0 is the pair's command connection. */
type Step =
  | { c: number; cmd: string[] } // send, record the reply
  | { c: number; send: string[] } // send, do not wait
  | { c: number; read: number } // record the next n replies
  | { blocked: number } // wait until INFO shows n blocked clients
  | { c: number; unblock: number; how?: string } // c runs CLIENT UNBLOCK <id of connection> [how]
  | { sleep: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(port: number, main: RespConn, steps: Step[], conns = 4): Promise<string[]> {
  const cs: RespConn[] = [main];
  for (let i = 1; i < conns; i++) cs.push(await RespConn.connect(port));
  const ids = await Promise.all(cs.map(async (c) => (await c.cmd('CLIENT', 'ID')).slice(1, -2)));
  const out: string[] = [];
  try {
    for (const s of steps) {
      // HELLO's client id differs between the servers
      if ('cmd' in s) out.push(`${s.c}> ${s.cmd.join(' ')} = ${JSON.stringify((await cs[s.c].cmd(...s.cmd)).replace(/\$2\r\nid\r\n:\d+/, 'ID'))}`);
      else if ('send' in s) cs[s.c].send(...s.send);
      else if ('read' in s) for (let i = 0; i < s.read; i++) out.push(`${s.c}< ${JSON.stringify(await cs[s.c].next())}`);
      else if ('blocked' in s) {
        const deadline = Date.now() + 2000;
        for (;;) {
          const info = await main.cmd('INFO', 'clients');
          if (info.includes(`blocked_clients:${s.blocked}\r\n`)) break;
          if (Date.now() > deadline) throw new Error(`blocked_clients never reached ${s.blocked}`);
          await sleep(5);
        }
      } else if ('unblock' in s) {
        const args = ['CLIENT', 'UNBLOCK', ids[s.unblock], ...(s.how ? [s.how] : [])];
        out.push(`${s.c}> CLIENT UNBLOCK #${s.unblock} ${s.how ?? ''} = ${JSON.stringify(await cs[s.c].cmd(...args))}`);
      } else await sleep(s.sleep);
    }
    // nothing unexpected left on any connection
    await sleep(20);
    cs.forEach((c, i) => {
      const rest = c.drain();
      if (rest !== '') out.push(`${i} extra ${JSON.stringify(rest)}`);
    });
  } finally {
    for (const c of cs.slice(1)) c.close();
  }
  return out;
}

let pair: OraclePair;
let zsets = false;

beforeAll(async () => {
  if (!hasRedis) return;
  pair = await startOraclePair('KEA');
  zsets = (await pair.n.cmd('COMMAND', 'INFO', 'zadd')) !== '*1\r\n*-1\r\n';
});
afterAll(async () => {
  await pair?.close();
});

async function compare(steps: Step[], conns = 4): Promise<void> {
  const { r, n, redis, nodis } = pair;
  await Promise.all([r.cmd('FLUSHALL'), n.cmd('FLUSHALL')]);
  const want = await run(redis.port, r, steps, conns);
  const got = await run(nodis.port, n, steps, conns);
  expect(got).toEqual(want);
  // the servers must be back to no blocked client before the next scenario
  await run(redis.port, r, [{ blocked: 0 }], 1);
  await run(nodis.port, n, [{ blocked: 0 }], 1);
  const ev = await keyeventLines(pair);
  expect(ev.nodis).toEqual(ev.redis);
}

describe.skipIf(!hasRedis)('blocking pops: nodis vs redis', () => {
  it('argument errors and immediate pops', async () => {
    const t: string[][] = [
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
      ['SET', 's', 'x'],
      ['BLPOP', 'l'],
      ['BLPOP', 'l', 'x'],
      ['BLPOP', 'l', '-1'],
      ['BLPOP', 'l', '-0.0019'],
      ['BLPOP', 'l', 'inf'],
      ['BLPOP', 'l', '1e20'],
      ['BLPOP', 'l', ' 1'],
      ['BLPOP', 'l', 'nan'],
      ['BLPOP', 'nokey', 's', '0'],
      ['BLPOP', 'nokey', 'l', '0'],
      ['BRPOP', 'l', 'nokey', '1.5'],
      ['BLPOP', 'l', '-0'],
      ['BLMOVE', 'l', 'd', 'LEFT'],
      ['BLMOVE', 'l', 'd', 'UP', 'LEFT', '0'],
      ['BLMOVE', 'l', 'd', 'LEFT', 'x', 'y'],
      ['BLMOVE', 'l', 'd', 'LEFT', 'LEFT', 'y'],
      ['BLMOVE', 'l', 's', 'LEFT', 'LEFT', '0'],
      ['BLMOVE', 's', 'd', 'LEFT', 'LEFT', '0'],
      ['BLMOVE', 'l', 'd', 'right', 'Left', '0'],
      ['BRPOPLPUSH', 'l', 'd'],
      ['BRPOPLPUSH', 'l', 'd', 'x'],
      ['BRPOPLPUSH', 'l', 'd', '0'],
      ['BLMPOP', '0', '1', 'l'],
      ['BLMPOP', 'x', '0', 'l', 'LEFT'],
      ['BLMPOP', 'x', '-1', 'l', 'LEFT'],
      ['BLMPOP', 'x', 'a', 'l', 'LEFT'],
      ['BLMPOP', 'x', '3', 'l', 'LEFT'],
      ['BLMPOP', 'x', '1', 'l', 'UP'],
      ['BLMPOP', 'x', '1', 'l', 'LEFT', 'COUNT'],
      ['BLMPOP', 'x', '1', 'l', 'LEFT', 'COUNT', '0'],
      ['BLMPOP', 'x', '1', 'l', 'LEFT', 'COUNT', '2', 'COUNT', '2'],
      ['BLMPOP', 'x', '1', 'l', 'LEFT', 'COUNT', '2'],
      ['BLMPOP', '-1', '1', 'l', 'LEFT'],
      ['BLMPOP', '0', '2', 's', 'l', 'LEFT'],
      ['BLMPOP', '0', '2', 'nokey', 'l', 'RIGHT', 'COUNT', '100'],
      ['BZPOPMIN', 'z'],
      ['BZPOPMIN', 'z', 'x'],
      ['BZPOPMIN', 's', '0'],
      ['BZPOPMAX', 'z', '-5'],
      ['BZMPOP', '0', '1', 'z', 'LEFT'],
      ['BZMPOP', '0', '0', 'z', 'MIN'],
      ['BZMPOP', 'x', '1', 'z', 'MIN', 'COUNT', '-1'],
      ['BZMPOP', 'x', '1', 'z', 'MIN'],
      ['BZMPOP', '0', '1', 's', 'MAX'],
      ['EXISTS', 'l', 'd'],
      // timeout spellings against a non-empty list (valid ones pop at once)
      ['RPUSH', 't', ...'abcdefghijklmnopqrstuvwxyz'.split('')],
      ...['0x10', '1e-400', '-1e-400', '9223372036854775', '9223372036854776', '-0.001', '-0.999', '+1', '.5', '5.', '1e3',
        ' ', '', '1 ', '0.0009', 'infinity', '-inf', '1e400', '0x1p-2', '00001', '1_0', '1,5', '0.1e'].map((t) => ['BLPOP', 't', t]),
      ['LLEN', 't'],
    ];
    await compare(t.map((cmd) => ({ c: 0, cmd })));
  });

  it('FIFO order across three clients and served propagation forms', async () => {
    await compare([
      { c: 1, send: ['BLPOP', 'k', '0'] },
      { blocked: 1 },
      { c: 2, send: ['BRPOP', 'other', 'k', '0'] },
      { blocked: 2 },
      { c: 3, send: ['BLMPOP', '0', '1', 'k', 'LEFT', 'COUNT', '2'] },
      { blocked: 3 },
      { c: 0, cmd: ['RPUSH', 'k', 'a', 'b', 'c', 'd', 'e'] },
      { c: 1, read: 1 },
      { c: 2, read: 1 },
      { c: 3, read: 1 },
      { c: 0, cmd: ['LRANGE', 'k', '0', '-1'] },
    ]);
  });

  it('MULTI/EXEC pushes serve after EXEC; a push deleted in EXEC serves nobody', async () => {
    await compare([
      { c: 1, send: ['BLPOP', 'k', '0'] },
      { blocked: 1 },
      { c: 0, cmd: ['MULTI'] },
      { c: 0, cmd: ['RPUSH', 'k', 'a'] },
      { c: 0, cmd: ['DEL', 'k'] },
      { c: 0, cmd: ['EXEC'] },
      { c: 0, cmd: ['MULTI'] },
      { c: 0, cmd: ['RPUSH', 'k', 'a', 'b'] },
      { c: 0, cmd: ['LPOP', 'k'] },
      { c: 0, cmd: ['EXEC'] },
      { c: 1, read: 1 },
      { c: 0, cmd: ['EXISTS', 'k'] },
    ]);
  });

  it('BLMOVE/BRPOPLPUSH chains, rotation onto itself, wrong-type destination', async () => {
    await compare([
      { c: 1, send: ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0'] },
      { blocked: 1 },
      { c: 2, send: ['BRPOPLPUSH', 'b', 'c', '0'] },
      { blocked: 2 },
      { c: 3, send: ['BLPOP', 'c', '0'] },
      { blocked: 3 },
      { c: 0, cmd: ['RPUSH', 'a', 'x', 'y'] },
      { c: 1, read: 1 },
      { c: 2, read: 1 },
      { c: 3, read: 1 },
      { c: 0, cmd: ['LRANGE', 'a', '0', '-1'] },
      { c: 1, send: ['BLMOVE', 'r', 'r', 'RIGHT', 'LEFT', '0'] },
      { blocked: 1 },
      { c: 0, cmd: ['RPUSH', 'r', '1', '2', '3'] },
      { c: 1, read: 1 },
      { c: 0, cmd: ['LRANGE', 'r', '0', '-1'] },
      { c: 0, cmd: ['SET', 'str', 'v'] },
      { c: 2, send: ['BLMOVE', 'w', 'str', 'LEFT', 'LEFT', '0'] },
      { blocked: 1 },
      { c: 0, cmd: ['RPUSH', 'w', 'q'] },
      { c: 2, read: 1 },
      { c: 0, cmd: ['LRANGE', 'w', '0', '-1'] },
    ]);
  });

  it('a client blocked for another type stays blocked', async () => {
    await compare([
      { c: 1, send: ['BZPOPMIN', 'k', '0'] },
      { blocked: 1 },
      { c: 2, send: ['BLPOP', 'k', '0'] },
      { blocked: 2 },
      { c: 0, cmd: ['RPUSH', 'k', 'a', 'b'] },
      { c: 2, read: 1 },
      { blocked: 1 },
      { c: 0, cmd: ['LRANGE', 'k', '0', '-1'] },
      { c: 0, unblock: 1 },
      { c: 1, read: 1 },
    ]);
  });

  it('timeouts (RESP2 and RESP3), CLIENT UNBLOCK, pipelining behind a blocked request', async () => {
    await compare([
      { c: 1, cmd: ['BLPOP', 'nokey', '0.05'] },
      { c: 1, cmd: ['BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0.01'] },
      { c: 1, cmd: ['BRPOPLPUSH', 'nokey', 'd', '0.001'] },
      { c: 1, cmd: ['BLMPOP', '0.01', '1', 'nokey', 'LEFT'] },
      { c: 1, cmd: ['BZPOPMIN', 'nokey', '0.01'] },
      { c: 1, cmd: ['BZMPOP', '0.01', '1', 'nokey', 'MAX'] },
      { c: 2, cmd: ['HELLO', '3', 'SETNAME', 'x'] },
      { c: 2, cmd: ['BLPOP', 'nokey', '0.01'] },
      { c: 2, cmd: ['BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0.01'] },
      { c: 1, send: ['BLPOP', 'k', '0'] },
      { c: 1, send: ['PING'] },
      { c: 1, send: ['RPUSH', 'k2', 'after'] },
      { blocked: 1 },
      { c: 0, cmd: ['EXISTS', 'k2'] },
      { c: 0, unblock: 1, how: 'TIMEOUT' },
      { c: 1, read: 3 },
      { c: 2, send: ['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0'] },
      { blocked: 1 },
      { c: 0, unblock: 2, how: 'ERROR' },
      { c: 2, read: 1 },
      { c: 0, unblock: 2, how: 'ERROR' },
      { c: 0, unblock: 2, how: 'nope' },
      { c: 3, send: ['BLPOP', 'k', '0'] },
      { blocked: 1 },
      { c: 0, cmd: ['MULTI'] },
      { c: 0, cmd: ['BLPOP', 'k', '0'] },
      { c: 0, cmd: ['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0'] },
      { c: 0, cmd: ['BZMPOP', '0', '1', 'k', 'MIN'] },
      { c: 0, cmd: ['LPUSH', 'k', 'm'] },
      { c: 0, cmd: ['EXEC'] },
      { c: 3, read: 1 },
    ]);
  });

  it('sorted sets: immediate and served BZPOPMIN/BZPOPMAX/BZMPOP in RESP2 and RESP3', async () => {
    if (!zsets) return; // ZADD not in nodis's table yet
    await compare([
      { c: 0, cmd: ['ZADD', 'z', '1', 'a', '2.5', 'b', '3', 'c', '-inf', 'm'] },
      { c: 0, cmd: ['BZPOPMIN', 'nokey', 'z', '0'] },
      { c: 0, cmd: ['BZPOPMAX', 'z', '0'] },
      { c: 0, cmd: ['BZMPOP', '0', '2', 'nokey', 'z', 'MIN', 'COUNT', '10'] },
      { c: 1, send: ['BZPOPMIN', 'z', '0'] },
      { blocked: 1 },
      { c: 2, cmd: ['HELLO', '3'] },
      { c: 2, send: ['BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '2'] },
      { blocked: 2 },
      { c: 3, send: ['BZPOPMAX', 'z', '0'] },
      { blocked: 3 },
      { c: 0, cmd: ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'] },
      { c: 1, read: 1 },
      { c: 2, read: 1 },
      { c: 3, read: 1 },
      { c: 0, cmd: ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'] },
      { c: 2, cmd: ['BZPOPMIN', 'z', '0'] },
    ]);
  });
});

/** The commands of an AOF (RESP arrays), SELECTs left out. */
function aofRecords(text: string): string[][] {
  const out: string[][] = [];
  let p = 0;
  while (p < text.length) {
    const nl = text.indexOf('\r\n', p);
    const n = Number(text.slice(p + 1, nl));
    p = nl + 2;
    const argv: string[] = [];
    for (let i = 0; i < n; i++) {
      const l = text.indexOf('\r\n', p);
      const len = Number(text.slice(p + 1, l));
      argv.push(text.slice(l + 2, l + 2 + len));
      p = l + 2 + len + 2;
    }
    if (argv[0].toUpperCase() !== 'SELECT') out.push(argv);
  }
  return out;
}

describe.skipIf(!hasRedis)('blocking pops: propagation vs the AOF of redis', () => {
  it('immediate and served pops propagate as Redis writes them to its AOF', async () => {
    const redis = await startRedis(['--appendonly', 'yes']);
    const main = await RespConn.connect(redis.port);
    const records: string[][] = [];
    const stop = pair.nodis.core.propagator.addListener((_db, argv) => records.push([...argv]));
    const steps: Step[] = [
      { c: 0, cmd: ['RPUSH', 'src', 'a', 'b', 'c', 'd', 'e', 'f'] },
      { c: 0, cmd: ['BLMOVE', 'src', 'dst', 'left', 'RIGHT', '0'] },
      { c: 0, cmd: ['BRPOPLPUSH', 'src', 'dst', '0'] },
      { c: 0, cmd: ['BLMPOP', '0', '2', 'none', 'src', 'RIGHT', 'COUNT', '1'] },
      { c: 0, cmd: ['BLPOP', 'src', '0'] },
      { c: 1, send: ['BLMOVE', 'k', 'm', 'RIGHT', 'left', '0'] },
      { blocked: 1 },
      { c: 2, send: ['BLMPOP', '0', '1', 'm', 'LEFT', 'COUNT', '9'] },
      { blocked: 2 },
      { c: 3, send: ['BRPOPLPUSH', 'k', 'm', '0'] },
      { blocked: 3 },
      { c: 0, cmd: ['RPUSH', 'k', '1', '2', '3'] },
      { c: 1, read: 1 },
      { c: 2, read: 1 },
      { c: 3, read: 1 },
      { c: 0, cmd: ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'] },
      { c: 0, cmd: ['BZPOPMIN', 'z', '0'] },
      { c: 0, cmd: ['BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '9'] },
      { c: 1, send: ['BZPOPMAX', 'y', '0'] },
      { blocked: 1 },
      { c: 2, send: ['BZMPOP', '0', '1', 'y', 'MIN', 'COUNT', '9'] },
      { blocked: 2 },
      { c: 0, cmd: ['ZADD', 'y', '1', 'a', '2', 'b', '3', 'c'] },
      { c: 1, read: 1 },
      { c: 2, read: 1 },
    ];
    try {
      if (!zsets) steps.splice(steps.findIndex((s) => 'cmd' in s && s.cmd[0] === 'ZADD'));
      await pair.n.cmd('FLUSHALL');
      records.length = 0;
      const want = await run(redis.port, main, steps);
      const got = await run(pair.nodis.port, pair.n, steps);
      expect(got).toEqual(want);
      const dir = path.join(redis.dir, 'appendonlydir');
      let aof: string[][] = [];
      for (let i = 0; i < 100 && aof.length < records.length; i++) {
        await sleep(20);
        const incr = fs.readdirSync(dir).find((f) => f.endsWith('.incr.aof'))!;
        aof = aofRecords(fs.readFileSync(path.join(dir, incr), 'latin1'));
      }
      expect(records.length).toBe(zsets ? 15 : 9);
      expect(records).toEqual(aof);
    } finally {
      stop();
      main.close();
      await redis.close();
    }
  });
});
