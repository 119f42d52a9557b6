/**
 * Blocking pops through raw connections: FIFO wakeups across clients, every source of a push
 * (LPUSH/RPUSH, LMOVE, MULTI/EXEC, RENAME, MOVE, SWAPDB, SORT ... STORE when present), BLMOVE
 * chains, wrong-type keys leaving a client blocked, timeouts (sub-second, 0 = forever), CLIENT
 * UNBLOCK, MULTI, disconnects and kills, pipelined requests held behind a blocked one, and what
 * is propagated for immediate and served pops (a propagator listener records it).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
let admin: RespConn;
let propagated: string[][] = [];
let stopListening: () => void;
const open: RespConn[] = [];

beforeAll(async () => {
  server = await startTestServer();
  admin = await RespConn.connect(server.port);
  stopListening = server.core.propagator.addListener((_db, argv) => propagated.push([...argv]));
});
afterAll(async () => {
  stopListening();
  admin.close();
  await server.close();
});
beforeEach(async () => {
  for (const c of open.splice(0)) c.close();
  await waitBlocked(0);
  await admin.cmd('FLUSHALL');
  propagated = [];
});

async function conn(): Promise<RespConn> {
  const c = await RespConn.connect(server.port);
  open.push(c);
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until INFO reports n blocked clients (2 s at most). */
async function waitBlocked(n: number): Promise<void> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const info = await admin.cmd('INFO', 'clients');
    if (info.includes(`blocked_clients:${n}\r\n`)) return;
    if (Date.now() > deadline) throw new Error(`blocked_clients never reached ${n}: ${info}`);
    await sleep(5);
  }
}

/** Sends a blocking command and waits until the server has it blocked. */
async function blockOn(c: RespConn, ...args: string[]): Promise<void> {
  const before = Number(/blocked_clients:(\d+)/.exec(await admin.cmd('INFO', 'clients'))![1]);
  c.send(...args);
  await waitBlocked(before + 1);
}

/** 'none' if nothing arrives within ms, else what arrived (consumed). */
async function nextOrNone(c: RespConn, ms: number): Promise<string> {
  await sleep(ms);
  const s = c.drain();
  return s === '' ? 'none' : s;
}

const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;
const arr = (...items: string[]) => `*${items.length}\r\n${items.join('')}`;
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';

describe('immediate (non-blocking) path', () => {
  it('BLPOP/BRPOP pop from the first non-empty key and propagate as LPOP/RPOP', async () => {
    await admin.cmd('RPUSH', 'k2', 'a', 'b', 'c');
    expect(await admin.cmd('BLPOP', 'k1', 'k2', '0')).toBe(arr(bulk('k2'), bulk('a')));
    expect(await admin.cmd('BRPOP', 'k1', 'k2', '0')).toBe(arr(bulk('k2'), bulk('c')));
    expect(propagated.slice(1)).toEqual([['LPOP', 'k2'], ['RPOP', 'k2']]);
  });

  it('WRONGTYPE on the first typed key, even before a non-empty list', async () => {
    await admin.cmd('SET', 's', 'x');
    await admin.cmd('RPUSH', 'l', 'a');
    expect(await admin.cmd('BLPOP', 'nokey', 's', 'l', '0')).toBe(WRONGTYPE);
    expect(await admin.cmd('BZPOPMIN', 'l', '0')).toBe(WRONGTYPE);
    expect(await admin.cmd('BLMOVE', 's', 'd', 'LEFT', 'LEFT', '0')).toBe(WRONGTYPE);
  });

  it('argument errors in Redis order', async () => {
    expect(await admin.cmd('BLPOP', 'k', 'abc')).toBe('-ERR timeout is not a float or out of range\r\n');
    expect(await admin.cmd('BLPOP', 'k', '-1')).toBe('-ERR timeout is negative\r\n');
    expect(await admin.cmd('BLPOP', 'k', 'inf')).toBe('-ERR timeout is negative\r\n');
    expect(await admin.cmd('BLPOP', 'k')).toBe("-ERR wrong number of arguments for 'blpop' command\r\n");
    expect(await admin.cmd('BLMOVE', 'a', 'b', 'UP', 'LEFT', 'x')).toBe('-ERR syntax error\r\n');
    expect(await admin.cmd('BLMOVE', 'a', 'b', 'LEFT', 'LEFT', 'x')).toBe('-ERR timeout is not a float or out of range\r\n');
    expect(await admin.cmd('BLMPOP', 'x', '0', 'k', 'LEFT')).toBe('-ERR numkeys should be greater than 0\r\n');
    expect(await admin.cmd('BLMPOP', 'x', '1', 'k', 'UP')).toBe('-ERR syntax error\r\n');
    expect(await admin.cmd('BLMPOP', 'x', '1', 'k', 'LEFT', 'COUNT', '0')).toBe('-ERR count should be greater than 0\r\n');
    // the timeout is parsed after the other arguments
    expect(await admin.cmd('BLMPOP', 'x', '1', 'k', 'LEFT')).toBe('-ERR timeout is not a float or out of range\r\n');
    expect(await admin.cmd('BZMPOP', '0', '1', 'k', 'LEFT')).toBe('-ERR syntax error\r\n');
    expect(await admin.cmd('BZMPOP', '0', '2', 'k', 'MIN')).toBe('-ERR syntax error\r\n');
    expect(await admin.cmd('BZMPOP', '0', '2', 'k')).toBe("-ERR wrong number of arguments for 'bzmpop' command\r\n");
  });

  it('BLMOVE/BRPOPLPUSH/BLMPOP immediate forms propagate as LMOVE (client args)/RPOPLPUSH/LPOP count', async () => {
    await admin.cmd('RPUSH', 'src', 'a', 'b', 'c', 'd');
    expect(await admin.cmd('BLMOVE', 'src', 'dst', 'left', 'RIGHT', '0')).toBe(bulk('a'));
    expect(await admin.cmd('BRPOPLPUSH', 'src', 'dst', '0')).toBe(bulk('d'));
    expect(await admin.cmd('BLMPOP', '0', '2', 'none', 'src', 'RIGHT', 'COUNT', '5')).toBe(arr(bulk('src'), arr(bulk('c'), bulk('b'))));
    expect(propagated.slice(1)).toEqual([
      ['LMOVE', 'src', 'dst', 'left', 'RIGHT'],
      ['RPOPLPUSH', 'src', 'dst'],
      ['RPOP', 'src', '2'],
    ]);
    expect(await admin.cmd('EXISTS', 'src')).toBe(':0\r\n');
  });

  it('inside MULTI an empty key answers the timeout reply at once', async () => {
    await admin.cmd('RPUSH', 'l', 'x');
    await admin.cmd('MULTI');
    for (const c of [
      ['BLPOP', 'nokey', '0'],
      ['BRPOPLPUSH', 'nokey', 'd', '0'],
      ['BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0'],
      ['BLMPOP', '0', '1', 'nokey', 'LEFT'],
      ['BZPOPMIN', 'nokey', '0'],
      ['BZMPOP', '0', '1', 'nokey', 'MIN'],
      ['BLPOP', 'l', '0'],
    ]) {
      expect(await admin.cmd(...c)).toBe('+QUEUED\r\n');
    }
    expect(await admin.cmd('EXEC')).toBe(
      arr('*-1\r\n', '$-1\r\n', '$-1\r\n', '*-1\r\n', '*-1\r\n', '*-1\r\n', arr(bulk('l'), bulk('x'))),
    );
  });
});

describe('blocking and waking', () => {
  it('serves blocked clients in FIFO order per key', async () => {
    const [c1, c2, c3] = [await conn(), await conn(), await conn()];
    await blockOn(c1, 'BLPOP', 'k', '0');
    await blockOn(c2, 'BRPOP', 'other', 'k', '0');
    await blockOn(c3, 'BLPOP', 'k', '0');
    expect(await admin.cmd('RPUSH', 'k', 'a', 'b')).toBe(':2\r\n');
    expect(await c1.next()).toBe(arr(bulk('k'), bulk('a')));
    expect(await c2.next()).toBe(arr(bulk('k'), bulk('b')));
    expect(await nextOrNone(c3, 50)).toBe('none');
    await admin.cmd('LPUSH', 'k', 'c');
    expect(await c3.next()).toBe(arr(bulk('k'), bulk('c')));
    expect(await admin.cmd('EXISTS', 'k')).toBe(':0\r\n');
    expect(propagated).toEqual([['RPUSH', 'k', 'a', 'b'], ['LPOP', 'k'], ['RPOP', 'k'], ['LPUSH', 'k', 'c'], ['LPOP', 'k']]);
    await waitBlocked(0);
  });

  it('a client waiting on several keys is served by the first one pushed', async () => {
    const c = await conn();
    await blockOn(c, 'BLPOP', 'k1', 'k2', 'k3', '0');
    await admin.cmd('RPUSH', 'k3', 'x');
    expect(await c.next()).toBe(arr(bulk('k3'), bulk('x')));
    await admin.cmd('RPUSH', 'k1', 'y');
    expect(await admin.cmd('LLEN', 'k1')).toBe(':1\r\n');
  });

  it('serves after the whole EXEC, not inside it', async () => {
    const c = await conn();
    await blockOn(c, 'BLPOP', 'k', '0');
    await admin.cmd('MULTI');
    await admin.cmd('RPUSH', 'k', 'a');
    await admin.cmd('RPUSH', 'k', 'b');
    await admin.cmd('LPOP', 'k');
    expect(await admin.cmd('EXEC')).toBe(arr(':1\r\n', ':2\r\n', bulk('a')));
    expect(await c.next()).toBe(arr(bulk('k'), bulk('b')));
    expect(propagated).toEqual([['MULTI'], ['RPUSH', 'k', 'a'], ['RPUSH', 'k', 'b'], ['LPOP', 'k'], ['EXEC'], ['LPOP', 'k']]);
  });

  it('a key pushed then deleted inside EXEC serves nobody', async () => {
    const c = await conn();
    await blockOn(c, 'BLPOP', 'k', '0');
    await admin.cmd('MULTI');
    await admin.cmd('RPUSH', 'k', 'a');
    await admin.cmd('DEL', 'k');
    await admin.cmd('EXEC');
    expect(await nextOrNone(c, 50)).toBe('none');
    await admin.cmd('RPUSH', 'k', 'z');
    expect(await c.next()).toBe(arr(bulk('k'), bulk('z')));
  });

  it('wakes on LMOVE, RPOPLPUSH, RENAME, MOVE and SWAPDB', async () => {
    const c = await conn();
    await admin.cmd('RPUSH', 'src', '1', '2', '3', '4');
    await blockOn(c, 'BLPOP', 'k', '0');
    await admin.cmd('LMOVE', 'src', 'k', 'LEFT', 'LEFT');
    expect(await c.next()).toBe(arr(bulk('k'), bulk('1')));
    await blockOn(c, 'BLPOP', 'k', '0');
    await admin.cmd('RPOPLPUSH', 'src', 'k');
    expect(await c.next()).toBe(arr(bulk('k'), bulk('4')));
    await blockOn(c, 'BLPOP', 'k', '0');
    await admin.cmd('RENAME', 'src', 'k');
    expect(await c.next()).toBe(arr(bulk('k'), bulk('2')));
    expect(await admin.cmd('LRANGE', 'k', '0', '-1')).toBe(arr(bulk('3')));
    await admin.cmd('DEL', 'k');
    await blockOn(c, 'BLPOP', 'k', '0');
    await admin.cmd('SELECT', '1');
    await admin.cmd('RPUSH', 'k', 'm');
    await admin.cmd('MOVE', 'k', '0');
    expect(await c.next()).toBe(arr(bulk('k'), bulk('m')));
    await blockOn(c, 'BLPOP', 'k', '0');
    await admin.cmd('RPUSH', 'k', 's');
    await admin.cmd('SELECT', '0');
    await admin.cmd('SWAPDB', '0', '1');
    expect(await c.next()).toBe(arr(bulk('k'), bulk('s')));
  });

  it('wakes on SORT ... STORE when SORT exists', async () => {
    if ((await admin.cmd('COMMAND', 'INFO', 'sort')) === '*1\r\n*-1\r\n') return;
    const c = await conn();
    await admin.cmd('RPUSH', 'src', '3', '1', '2');
    await blockOn(c, 'BLPOP', 'k', '0');
    await admin.cmd('SORT', 'src', 'STORE', 'k');
    expect(await c.next()).toBe(arr(bulk('k'), bulk('1')));
  });

  it('BLMOVE chains serve every hop in one go', async () => {
    const [c1, c2, c3] = [await conn(), await conn(), await conn()];
    await blockOn(c1, 'BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0');
    await blockOn(c2, 'BRPOPLPUSH', 'b', 'c', '0');
    await blockOn(c3, 'BLPOP', 'c', '0');
    await admin.cmd('RPUSH', 'a', 'x');
    expect(await c1.next()).toBe(bulk('x'));
    expect(await c2.next()).toBe(bulk('x'));
    expect(await c3.next()).toBe(arr(bulk('c'), bulk('x')));
    expect(propagated).toEqual([
      ['RPUSH', 'a', 'x'],
      ['LMOVE', 'a', 'b', 'left', 'right'],
      ['RPOPLPUSH', 'b', 'c'],
      ['LPOP', 'c'],
    ]);
    expect(await admin.cmd('DBSIZE')).toBe(':0\r\n');
  });

  it('BLMOVE onto itself rotates and keeps the key', async () => {
    const c = await conn();
    await blockOn(c, 'BLMOVE', 'r', 'r', 'LEFT', 'RIGHT', '0');
    await admin.cmd('RPUSH', 'r', 'a', 'b');
    expect(await c.next()).toBe(bulk('a'));
    expect(await admin.cmd('LRANGE', 'r', '0', '-1')).toBe(arr(bulk('b'), bulk('a')));
  });

  it('a served BLMPOP pops up to count and propagates the popped count', async () => {
    const c = await conn();
    await blockOn(c, 'BLMPOP', '0', '2', 'k1', 'k2', 'RIGHT', 'COUNT', '10');
    await admin.cmd('RPUSH', 'k2', 'a', 'b', 'c');
    expect(await c.next()).toBe(arr(bulk('k2'), arr(bulk('c'), bulk('b'), bulk('a'))));
    expect(propagated).toEqual([['RPUSH', 'k2', 'a', 'b', 'c'], ['RPOP', 'k2', '3']]);
  });

  it('a client waiting for another type stays blocked; the list waiter behind it is served', async () => {
    const [cz, cl] = [await conn(), await conn()];
    await blockOn(cz, 'BZPOPMIN', 'k', '0');
    await blockOn(cl, 'BLPOP', 'k', '0');
    await admin.cmd('RPUSH', 'k', 'a', 'b');
    expect(await cl.next()).toBe(arr(bulk('k'), bulk('a')));
    expect(await nextOrNone(cz, 50)).toBe('none');
    expect(await admin.cmd('LRANGE', 'k', '0', '-1')).toBe(arr(bulk('b')));
    await waitBlocked(1);
  });

  it('a served BLMOVE whose destination has the wrong type gets WRONGTYPE and pops nothing', async () => {
    const c = await conn();
    await admin.cmd('SET', 'dst', 'str');
    await blockOn(c, 'BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '0');
    await admin.cmd('RPUSH', 'src', 'a');
    expect(await c.next()).toBe(WRONGTYPE);
    expect(await admin.cmd('LRANGE', 'src', '0', '-1')).toBe(arr(bulk('a')));
    expect(propagated).toEqual([['SET', 'dst', 'str'], ['RPUSH', 'src', 'a']]);
    await waitBlocked(0);
  });
});

describe('sorted sets', () => {
  it('BZPOPMIN/BZPOPMAX/BZMPOP immediate forms reply with scores and propagate ZPOPMIN/ZPOPMAX', async () => {
    await admin.cmd('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    expect(await admin.cmd('BZPOPMIN', 'none', 'z', '0')).toBe(arr(bulk('z'), bulk('a'), bulk('1')));
    expect(await admin.cmd('BZPOPMAX', 'z', '0')).toBe(arr(bulk('z'), bulk('d'), bulk('4')));
    expect(await admin.cmd('BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '5')).toBe(
      arr(bulk('z'), arr(arr(bulk('c'), bulk('3')), arr(bulk('b'), bulk('2')))),
    );
    expect(propagated.slice(1)).toEqual([['ZPOPMIN', 'z'], ['ZPOPMAX', 'z'], ['ZPOPMAX', 'z', '2']]);
    expect(await admin.cmd('EXISTS', 'z')).toBe(':0\r\n');
  });

  it('served zset waiters in FIFO order, RESP3 doubles, propagated as ZPOPMIN/ZPOPMAX', async () => {
    const [c1, c2, c3] = [await conn(), await conn(), await conn()];
    await c2.cmd('HELLO', '3');
    await blockOn(c1, 'BZPOPMAX', 'z', '0');
    await blockOn(c2, 'BZMPOP', '0', '2', 'y', 'z', 'MIN', 'COUNT', '2');
    await blockOn(c3, 'BZPOPMIN', 'z', '0');
    await admin.cmd('ZADD', 'z', '1.5', 'a', '2', 'b', '3', 'c');
    expect(await c1.next()).toBe(arr(bulk('z'), bulk('c'), bulk('3')));
    expect(await c2.next()).toBe(arr(bulk('z'), arr(arr(bulk('a'), ',1.5\r\n'), arr(bulk('b'), ',2\r\n'))));
    expect(await nextOrNone(c3, 50)).toBe('none');
    expect(propagated).toEqual([['ZADD', 'z', '1.5', 'a', '2', 'b', '3', 'c'], ['ZPOPMAX', 'z'], ['ZPOPMIN', 'z', '2']]);
    await admin.cmd('ZADD', 'z', '7', 'q');
    expect(await c3.next()).toBe(arr(bulk('z'), bulk('q'), bulk('7')));
  });

  it('a list waiter on a key that becomes a zset stays blocked', async () => {
    const c = await conn();
    await blockOn(c, 'BLPOP', 'k', '0');
    await admin.cmd('ZADD', 'k', '1', 'm');
    expect(await nextOrNone(c, 50)).toBe('none');
    await admin.cmd('DEL', 'k');
    await admin.cmd('RPUSH', 'k', 'v');
    expect(await c.next()).toBe(arr(bulk('k'), bulk('v')));
  });
});

describe('timeouts, CLIENT UNBLOCK, connection state', () => {
  it('sub-second timeouts answer the null array (RESP2 and RESP3), BLMOVE included', async () => {
    const c = await conn();
    const start = Date.now();
    expect(await c.cmd('BLPOP', 'nokey', '0.1')).toBe('*-1\r\n');
    expect(Date.now() - start).toBeLessThan(2000);
    expect(await c.cmd('BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0.05')).toBe('*-1\r\n');
    expect(await c.cmd('BRPOPLPUSH', 'nokey', 'd', '0.01')).toBe('*-1\r\n');
    expect(await c.cmd('BZMPOP', '0.01', '1', 'nokey', 'MIN')).toBe('*-1\r\n');
    await c.cmd('HELLO', '3');
    expect(await c.cmd('BLPOP', 'nokey', '0.01')).toBe('_\r\n');
    expect(await c.cmd('BZPOPMAX', 'nokey', '0.01')).toBe('_\r\n');
    expect(await admin.cmd('INFO', 'clients')).toContain('blocked_clients:0\r\n');
  });

  it('INFO counts blocked clients and those with a timeout', async () => {
    const [c1, c2] = [await conn(), await conn()];
    await blockOn(c1, 'BLPOP', 'k', '0');
    await blockOn(c2, 'BLPOP', 'k', '100');
    const info = await admin.cmd('INFO', 'clients');
    expect(info).toContain('blocked_clients:2\r\n');
    expect(info).toContain('clients_in_timeout_table:1\r\n');
  });

  it('0 waits until woken', async () => {
    const c = await conn();
    await blockOn(c, 'BRPOP', 'k', '0');
    expect(await nextOrNone(c, 200)).toBe('none');
    await admin.cmd('RPUSH', 'k', 'late');
    expect(await c.next()).toBe(arr(bulk('k'), bulk('late')));
  });

  it('CLIENT UNBLOCK TIMEOUT / ERROR, flags b and blocked_clients', async () => {
    const c = await conn();
    const id = (await c.cmd('CLIENT', 'ID')).slice(1, -2);
    await blockOn(c, 'BLPOP', 'k', '0');
    expect(await admin.cmd('CLIENT', 'LIST', 'ID', id)).toMatch(/ flags=b .* cmd=blpop /);
    expect(await admin.cmd('INFO', 'clients')).toContain('blocked_clients:1\r\n');
    expect(await admin.cmd('CLIENT', 'UNBLOCK', id)).toBe(':1\r\n');
    expect(await c.next()).toBe('*-1\r\n');
    expect(await admin.cmd('CLIENT', 'UNBLOCK', id)).toBe(':0\r\n');
    await blockOn(c, 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0');
    expect(await admin.cmd('CLIENT', 'UNBLOCK', id, 'error')).toBe(':1\r\n');
    expect(await c.next()).toBe('-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
    expect(await admin.cmd('CLIENT', 'LIST', 'ID', id)).toMatch(/ flags=N /);
    expect(await admin.cmd('INFO', 'errorstats')).toContain('errorstat_UNBLOCKED:count=1');
    expect(await admin.cmd('CLIENT', 'UNBLOCK', '99999')).toBe(':0\r\n');
    expect(await admin.cmd('CLIENT', 'UNBLOCK', id, 'foo')).toBe('-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n');
    // the unblocked client carries on
    expect(await c.cmd('PING')).toBe('+PONG\r\n');
  });

  it('pipelined requests behind a blocked one wait for it, then run in order', async () => {
    const c = await conn();
    c.send('BLPOP', 'k', '0');
    c.send('PING');
    c.send('RPUSH', 'k2', 'after');
    await waitBlocked(1);
    expect(await nextOrNone(c, 100)).toBe('none');
    expect(await admin.cmd('EXISTS', 'k2')).toBe(':0\r\n');
    await admin.cmd('RPUSH', 'k', 'v');
    expect(await c.next()).toBe(arr(bulk('k'), bulk('v')));
    expect(await c.next()).toBe('+PONG\r\n');
    expect(await c.next()).toBe(':1\r\n');
  });

  it('a blocking command queued behind another blocks in turn', async () => {
    const c = await conn();
    c.send('BLPOP', 'k', '0');
    c.send('BLPOP', 'k', '0');
    c.send('PING');
    await waitBlocked(1);
    await admin.cmd('RPUSH', 'k', 'one');
    expect(await c.next()).toBe(arr(bulk('k'), bulk('one')));
    await waitBlocked(1);
    expect(await nextOrNone(c, 50)).toBe('none');
    await admin.cmd('RPUSH', 'k', 'two');
    expect(await c.next()).toBe(arr(bulk('k'), bulk('two')));
    expect(await c.next()).toBe('+PONG\r\n');
  });

  it('a client disconnecting while blocked leaves the queue', async () => {
    const c1 = await conn();
    const c2 = await conn();
    await blockOn(c1, 'BLPOP', 'k', '0');
    await blockOn(c2, 'BLPOP', 'k', '0');
    c1.close();
    await waitBlocked(1);
    await admin.cmd('RPUSH', 'k', 'a', 'b');
    expect(await c2.next()).toBe(arr(bulk('k'), bulk('a')));
    expect(await admin.cmd('LRANGE', 'k', '0', '-1')).toBe(arr(bulk('b')));
  });

  it('CLIENT KILL of a blocked client removes it at once', async () => {
    const c = await conn();
    const id = (await c.cmd('CLIENT', 'ID')).slice(1, -2);
    await blockOn(c, 'BLPOP', 'k', '0');
    expect(await admin.cmd('MULTI')).toBe('+OK\r\n');
    await admin.cmd('CLIENT', 'KILL', 'ID', id);
    await admin.cmd('RPUSH', 'k', 'a');
    expect(await admin.cmd('EXEC')).toBe(arr(':1\r\n', ':1\r\n'));
    expect(await admin.cmd('LLEN', 'k')).toBe(':1\r\n');
    await waitBlocked(0);
  });

  it('RESET sent while blocked runs once the client is served', async () => {
    const c = await conn();
    await c.cmd('SELECT', '2');
    c.send('BLPOP', 'k', '0');
    c.send('RESET');
    await waitBlocked(1);
    await admin.cmd('SELECT', '2');
    await admin.cmd('RPUSH', 'k', 'a');
    await admin.cmd('SELECT', '0');
    expect(await c.next()).toBe(arr(bulk('k'), bulk('a')));
    expect(await c.next()).toBe('+RESET\r\n');
    expect(await c.cmd('CLIENT', 'INFO')).toMatch(/ db=0 /);
  });
});
