/**
 * Server administration, COMMAND and the scripting stand-ins against a real redis-server 7.0.15:
 * the same requests to both, replies compared byte for byte (RESP2, then RESP3 after HELLO 3).
 * Non-deterministic parts (DEBUG OBJECT's address and LRU clock, SLOWLOG ids, times and
 * addresses) are normalised before comparing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, type RedisOracle, startRedis } from '../helpers/oracle.js';
import { RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

/** A parsed reply: its RESP type char and value (children for aggregates). */
interface Node {
  t: string;
  v: string | Node[];
}

function parseReply(s: string, i = 0): [Node, number] {
  const nl = s.indexOf('\r\n', i);
  const t = s[i];
  const line = s.slice(i + 1, nl);
  if (t === '$' || t === '=') {
    const len = Number(line);
    if (len < 0) return [{ t, v: '' }, nl + 2];
    return [{ t, v: s.slice(nl + 2, nl + 2 + len) }, nl + 2 + len + 2];
  }
  if (t === '*' || t === '%' || t === '~') {
    const count = Number(line) * (t === '%' ? 2 : 1);
    const items: Node[] = [];
    let p = nl + 2;
    for (let k = 0; k < count; k++) {
      const [node, next] = parseReply(s, p);
      items.push(node);
      p = next;
    }
    return [{ t, v: items }, p];
  }
  return [{ t, v: line }, nl + 2];
}

/** Sorts what Redis orders by its randomly seeded dict: subcommands in COMMAND INFO and DOCS. */
function normalizeContainers(reply: string, kind: 'info' | 'docs'): Node {
  const [root] = parseReply(reply);
  const name = (x: Node) => (Array.isArray(x.v) ? String((x.v[0] as Node).v) : String(x.v));
  if (kind === 'info') {
    for (const entry of root.v as Node[]) {
      const subs = (entry.v as Node[])[9];
      if (subs && Array.isArray(subs.v)) subs.v.sort((a, b) => name(a).localeCompare(name(b)));
    }
  } else {
    const flat = root.v as Node[];
    for (let k = 1; k < flat.length; k += 2) {
      const body = flat[k].v as Node[];
      for (let j = 0; j < body.length; j += 2) {
        if (body[j].v !== 'subcommands') continue;
        const m = body[j + 1].v as Node[];
        const pairs: Node[][] = [];
        for (let q = 0; q < m.length; q += 2) pairs.push([m[q], m[q + 1]]);
        pairs.sort((a, b) => String(a[0].v).localeCompare(String(b[0].v)));
        body[j + 1].v = pairs.flat();
      }
    }
  }
  return root;
}

let redis: RedisOracle;
let nodis: TestServer;
let r: RespConn;
let n: RespConn;

const suite = hasRedis ? describe : describe.skip;

suite('server commands: nodis vs redis-server', () => {
  beforeAll(async () => {
    redis = await startRedis();
    nodis = await startTestServer({ 'enable-debug-command': 'yes' });
    r = await RespConn.connect(redis.port);
    n = await RespConn.connect(nodis.port);
  });
  afterAll(async () => {
    r?.close();
    n?.close();
    await nodis?.close();
    await redis?.close();
  });

  async function same(...args: string[]): Promise<string> {
    const [a, b] = await Promise.all([r.cmd(...args), n.cmd(...args)]);
    expect(b, args.join(' ')).toBe(a);
    return a;
  }

  const CASES: string[][] = [
    ['flushall'],
    ['dbsize', 'x'], ['flushdb', 'foo'], ['flushall', 'async', 'x'], ['flushdb', 'sync'], ['flushall', 'ASYNC'],
    ['set', 'k', 'v'], ['dbsize'],
    ['swapdb'], ['swapdb', 'a', '1'], ['swapdb', '0', 'a'], ['swapdb', '0', '99'], ['swapdb', '-1', '0'],
    ['swapdb', '0', '1'], ['dbsize'], ['swapdb', '0', '1'], ['swapdb', '0', '0'], ['dbsize'],
    ['time', 'x'], ['lastsave', 'x'],
    ['shutdown', 'foo'], ['shutdown', 'abort'], ['shutdown', 'save', 'nosave'], ['shutdown', 'abort', 'now'],
    ['slowlog'], ['slowlog', 'foo'], ['slowlog', 'get', 'x'], ['slowlog', 'get', '-2'], ['slowlog', 'get', '1', '2'],
    ['slowlog', 'len', 'x'], ['slowlog', 'help'], ['slowlog', 'reset'], ['slowlog', 'len'], ['slowlog', 'get'],
    ['slowlog', 'get', '-1'],
    ['latency', 'latest'], ['latency', 'history', 'command'], ['latency', 'reset'], ['latency', 'reset', 'a', 'b'],
    ['latency', 'doctor'], ['latency', 'graph', 'command'], ['latency', 'history'], ['latency', 'foo'],
    ['debug'], ['debug', 'foo'], ['debug', 'sleep'], ['debug', 'sleep', '0'], ['debug', 'sleep', 'x'],
    ['debug', 'set-active-expire', '1'], ['debug', 'set-active-expire'], ['debug', 'object', 'nokey'],
    ['debug', 'object'], ['debug', 'jmap'],
    ['function', 'list'], ['function', 'stats'], ['function', 'flush'], ['function', 'flush', 'async'],
    ['function', 'flush', 'foo'], ['function', 'flush', 'sync', 'x'], ['function', 'dump'],
    ['function', 'list', 'withcode'], ['function', 'list', 'libraryname'], ['function', 'list', 'foo'],
    ['function', 'list', 'withcode', 'withcode'], ['function', 'list', 'libraryname', 'x', 'withcode'],
    ['function', 'delete', 'x'], ['function', 'kill'], ['function', 'restore', 'x'], ['function', 'restore', 'x', 'foo'],
    ['function', 'restore', 'x', 'flush', 'y'], ['function', 'restore', '\x0a\x00\x5d\x9b\x5c\x40\x0f\x7f\xa2\xda'],
    ['function'], ['function', 'stats', 'x'], ['function', 'help'], ['function', 'foo'],
    ['script', 'flush'], ['script', 'flush', 'x'], ['script', 'flush', 'sync', 'async'], ['script', 'exists', 'a', 'b'],
    ['script', 'kill'], ['script', 'exists'], ['script', 'help'],
    ['evalsha', 'abc', '0'], ['evalsha', 'abc', 'x'], ['evalsha_ro', 'abc', '0'], ['fcall', 'f', '0'],
    ['fcall_ro', 'f', '1'], ['eval', 'x', '-1'], ['eval', 'x', '5', 'a'], ['eval', 'x'], ['fcall', 'x'],
    ['command', 'foo'], ['command', 'count', 'x'], ['command', 'getkeys', 'get'], ['command', 'getkeys', 'nosuch', 'a'],
    ['command', 'getkeys', 'get', 'a', 'b'], ['command', 'getkeys', 'get', 'a'], ['command', 'getkeys', 'ping', 'x'],
    ['command', 'getkeys', 'eval', 'return 1', '2', 'a', 'b', 'c'], ['command', 'getkeys', 'fcall', 'f', '0'],
    ['command', 'getkeysandflags', 'get', 'a'], ['command', 'getkeysandflags', 'set', 'a', 'b'],
    ['command', 'getkeysandflags', 'set', 'a', 'b', 'GET'], ['command', 'getkeysandflags', 'bitfield', 'a', 'get', 'u8', '0'],
    ['command', 'getkeysandflags', 'bitfield', 'a', 'incrby', 'u8', '0', '1'],
    ['command', 'getkeysandflags', 'mset', 'a', '1', 'b', '2'], ['command', 'getkeysandflags', 'eval', 's', '1', 'k', 'a'],
    ['command', 'getkeysandflags', 'rename', 'a', 'b'], ['command', 'getkeys', 'mset', 'a', '1', 'b', '2'],
    ['command', 'list', 'filterby', 'foo', 'x'], ['command', 'list', 'filterby'], ['command', 'list', 'x'],
    ['command', 'list', 'filterby', 'module', 'x'], ['command', 'list', 'filterby', 'aclcat', 'nosuchcat'],
    ['command', 'info', 'nosuch'], ['command', 'info', 'get', 'nosuch', 'DBSIZE'], ['command', 'info', 'eval', 'fcall_ro', 'debug', 'info', 'flushall'],
    ['command', 'info', 'slowlog|get'],
    ['command', 'docs', 'get'], ['command', 'docs', 'nosuch'], ['command', 'docs', 'eval', 'evalsha_ro', 'fcall', 'info', 'debug', 'shutdown', 'swapdb'],
    ['command', 'help'],
    ['info', 'nosuch'], ['info', 'cluster'], ['info', 'modules', 'cluster'],
  ];

  it('RESP2: errors and deterministic replies are byte-identical', async () => {
    for (const c of CASES) await same(...c);
  });

  it('RESP3: errors and deterministic replies are byte-identical', async () => {
    const hello = ['hello', '3'];
    await Promise.all([r.cmd(...hello), n.cmd(...hello)]);
    for (const c of CASES) await same(...c);
    await Promise.all([r.cmd('hello', '2'), n.cmd('hello', '2')]);
  });

  it('COMMAND INFO/DOCS of containers match once subcommands are sorted', async () => {
    for (const proto of ['2', '3']) {
      await Promise.all([r.cmd('hello', proto), n.cmd('hello', proto)]);
      for (const kind of ['info', 'docs'] as const) {
        for (const names of [['slowlog', 'function', 'script'], ['command'], ['slowlog|get', 'function|stats']]) {
          const [a, b] = await Promise.all([r.cmd('command', kind, ...names), n.cmd('command', kind, ...names)]);
          expect(normalizeContainers(b, kind), `RESP${proto} command ${kind} ${names.join(' ')}`).toEqual(normalizeContainers(a, kind));
        }
      }
    }
    await Promise.all([r.cmd('hello', '2'), n.cmd('hello', '2')]);
  });

  it('DEBUG OBJECT line matches apart from the address and LRU clock', async () => {
    const norm = (s: string) => s.replace(/at:0x[0-9a-f]+/, 'at:ADDR').replace(/lru:\d+ lru_seconds_idle:\d+/, 'lru:N');
    // incompressible values: Redis LZF-compresses strings over 20 bytes in serializedlength
    const noise = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ!@#$%^&*()-_=+[]{};:,.<>/?';
    for (const v of ['hello', '12', '-300', '70000', '4294967296', noise.slice(0, 44), noise.slice(0, 45), noise, '']) {
      await same('set', 'dk', v);
      const [a, b] = await Promise.all([r.cmd('debug', 'object', 'dk'), n.cmd('debug', 'object', 'dk')]);
      expect(norm(b), v).toBe(norm(a));
    }
  });

  it('DEBUG OBJECT of a list has the quicklist fields (nodes, fill, compression, sizes)', async () => {
    const norm = (s: string) => s.replace(/at:0x[0-9a-f]+/, 'at:ADDR').replace(/lru:\d+ lru_seconds_idle:\d+/, 'lru:N');
    const cases: Array<[string, string, string[]]> = [
      ['-2', '0', ['a', 'b', 'c', '1234']],
      ['-2', '1', ['x']],
      ['2', '1', ['a', 'b', 'c', 'd', 'e']],
      ['-1', '0', Array.from({ length: 300 }, (_, i) => `element-${i}-${'z'.repeat(i % 40)}`)],
      ['-7', '2', Array.from({ length: 2000 }, (_, i) => String(i * 37))],
    ];
    for (const [fill, depth, elements] of cases) {
      await same('config', 'set', 'list-max-listpack-size', fill);
      await same('config', 'set', 'list-compress-depth', depth);
      await same('del', 'ql');
      await same('rpush', 'ql', ...elements);
      const [a, b] = await Promise.all([r.cmd('debug', 'object', 'ql'), n.cmd('debug', 'object', 'ql')]);
      expect(norm(b), `${fill} ${depth}`).toBe(norm(a));
    }
    await same('config', 'set', 'list-max-listpack-size', '-2');
    await same('config', 'set', 'list-compress-depth', '0');
    await same('del', 'ql');
  });

  it('SLOWLOG entries have Redis\'s shape', async () => {
    await same('config', 'set', 'slowlog-log-slower-than', '0');
    await same('slowlog', 'reset');
    await same('set', 'slowkey', 'value');
    const norm = (s: string) => s.replace(/:\d+\r\n/g, ':N\r\n').replace(/\$\d+\r\n127\.0\.0\.1:\d+/g, '$L\r\nADDR');
    const [a, b] = await Promise.all([r.cmd('slowlog', 'get', '2'), n.cmd('slowlog', 'get', '2')]);
    expect(norm(b)).toBe(norm(a));
    await same('config', 'set', 'slowlog-log-slower-than', '10000');
  });
});
