/**
 * Key commands, expiry and OBJECT/MEMORY against a real redis-server: the same requests to both,
 * replies compared byte for byte (KEYS results compared as sorted sets: order is unspecified).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, type RedisOracle, startRedis } from '../helpers/oracle.js';
import { RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

type Parsed = string | number | null | Parsed[];

/** Parses one RESP2 reply (enough for COMMAND INFO). */
function parse(s: string, i = 0): [Parsed, number] {
  const nl = s.indexOf('\r\n', i);
  const head = s.slice(i + 1, nl);
  switch (s[i]) {
    case ':':
      return [Number(head), nl + 2];
    case '+':
    case '-':
      return [head, nl + 2];
    case '$': {
      const n = Number(head);
      return n < 0 ? [null, nl + 2] : [s.slice(nl + 2, nl + 2 + n), nl + 4 + n];
    }
    default: {
      const n = Number(head);
      const out: Parsed[] = [];
      let p = nl + 2;
      for (let k = 0; k < n; k++) {
        const [v, e] = parse(s, p);
        out.push(v);
        p = e;
      }
      return [out, p];
    }
  }
}

/** name, arity, flags, first key, last key, step: of a COMMAND INFO entry and its subcommands. */
function specFacts(entry: Parsed): unknown {
  const e = entry as Parsed[];
  const subs = ((e[9] as Parsed[] | undefined) ?? []).map(specFacts);
  subs.sort((a, b) => String((a as Parsed[])[0]).localeCompare(String((b as Parsed[])[0])));
  return [...e.slice(0, 6), subs];
}

/** The bulk items of a flat array reply, sorted. */
function sortedBulks(reply: string): string[] {
  const out: string[] = [];
  let p = reply.indexOf('\r\n') + 2;
  while (p < reply.length) {
    const nl = reply.indexOf('\r\n', p);
    const n = Number(reply.slice(p + 1, nl));
    out.push(reply.slice(nl + 2, nl + 2 + n));
    p = nl + 2 + n + 2;
  }
  return out.sort();
}

let redis: RedisOracle;
let nodis: TestServer;
let r: RespConn;
let n: RespConn;

describe.skipIf(!hasRedis)('key commands vs redis-server', () => {
  beforeAll(async () => {
    [redis, nodis] = await Promise.all([startRedis(), startTestServer()]);
    [r, n] = await Promise.all([RespConn.connect(redis.port), RespConn.connect(nodis.port)]);
  });
  afterAll(async () => {
    r?.close();
    n?.close();
    await Promise.all([redis?.close(), nodis?.close()]);
  });

  async function both(...args: string[]): Promise<string> {
    const [a, b] = await Promise.all([r.cmd(...args), n.cmd(...args)]);
    expect(b, args.join(' ')).toBe(a);
    return a;
  }

  async function cleanup(...keys: string[]): Promise<void> {
    await both('select', '0');
    for (const db of ['0', '1', '15']) {
      await both('select', db);
      if (keys.length) await both('del', ...keys);
    }
    await both('select', '0');
  }

  it('COMMAND INFO: arity, flags and key positions as Redis 7.0', async () => {
    const names = ['del', 'unlink', 'exists', 'touch', 'type', 'keys', 'scan', 'randomkey', 'rename', 'renamenx', 'move',
      'copy', 'expire', 'pexpire', 'expireat', 'pexpireat', 'ttl', 'pttl', 'expiretime', 'pexpiretime', 'persist', 'object', 'memory'];
    for (const name of names) {
      const [a, b] = await Promise.all([r.cmd('command', 'info', name), n.cmd('command', 'info', name)]);
      expect(specFacts((parse(b)[0] as Parsed[])[0]), name).toEqual(specFacts((parse(a)[0] as Parsed[])[0]));
    }
  });

  it('DEL, UNLINK, EXISTS, TOUCH, TYPE', async () => {
    await both('set', 'a', '1');
    await both('set', 'b', '2');
    await both('exists', 'a', 'a', 'b', 'nope');
    await both('touch', 'a', 'nope');
    await both('type', 'a');
    await both('type', 'nope');
    await both('del', 'a', 'nope', 'a');
    await both('unlink', 'b', 'b');
    await both('del');
    await both('exists');
    await both('type');
    await both('type', 'a', 'b');
  });

  it('RENAME / RENAMENX', async () => {
    await cleanup('s', 'd', 'x');
    await both('rename', 's', 'd');
    await both('renamenx', 's', 'd');
    await both('rename', 's', 's');
    await both('set', 's', 'v');
    await both('rename', 's', 's');
    await both('renamenx', 's', 's');
    await both('pexpire', 's', '100000');
    await both('rename', 's', 'd');
    await both('exists', 's');
    await both('get', 'd');
    await both('set', 'x', 'y');
    await both('renamenx', 'd', 'x');
    await both('renamenx', 'd', 'fresh');
    await both('get', 'fresh');
    await both('rename', 'fresh', 'x');
    await both('get', 'x');
    await both('rename', 'x');
    await cleanup('s', 'd', 'x', 'fresh');
  });

  it('MOVE and its errors', async () => {
    await cleanup('m');
    await both('set', 'm', 'v');
    for (const db of ['0', '16', '-1', 'x', '2147483648', '-2147483649', '9223372036854775808', '1.5', '']) await both('move', 'm', db);
    await both('move', 'nope', '1');
    await both('pexpire', 'm', '100000');
    await both('move', 'm', '1');
    await both('exists', 'm');
    await both('select', '1');
    await both('get', 'm');
    await both('set', 'clash', '1');
    await both('select', '0');
    await both('set', 'clash', '0');
    await both('move', 'clash', '1');
    await cleanup('m', 'clash');
  });

  it('COPY with DB and REPLACE, and its errors', async () => {
    await cleanup('c', 'c2');
    await both('copy', 'c', 'c2');
    await both('set', 'c', 'v');
    await both('copy', 'c', 'c');
    await both('copy', 'c', 'c', 'db', '0');
    await both('copy', 'c', 'c', 'db', '1');
    await both('copy', 'c', 'c2', 'db');
    await both('copy', 'c', 'c2', 'db', 'x');
    await both('copy', 'c', 'c2', 'db', '16');
    await both('copy', 'c', 'c2', 'db', '-1');
    await both('copy', 'c', 'c2', 'db', '2147483648');
    await both('copy', 'c', 'c2', 'db', '1.5');
    await both('copy', 'c', 'c2', 'foo');
    await both('copy', 'c', 'c2', 'replace', 'foo');
    await both('pexpire', 'c', '100000');
    await both('copy', 'c', 'c2');
    await both('copy', 'c', 'c2');
    await both('set', 'c', 'w');
    await both('copy', 'c', 'c2', 'REPLACE');
    await both('get', 'c2');
    await both('ttl', 'c2');
    await both('copy', 'c', 'c2', 'DB', '15', 'replace');
    await both('select', '15');
    await both('get', 'c2');
    await cleanup('c', 'c2');
  });

  it('EXPIRE family: options, errors and overflows', async () => {
    await cleanup('e');
    const cmds = ['expire', 'pexpire', 'expireat', 'pexpireat'];
    for (const c of cmds) {
      await both(c, 'nokey', '100');
      await both(c, 'e', 'abc');
      await both(c, 'e', '100', 'nx', 'xx');
      await both(c, 'e', '100', 'nx', 'gt');
      await both(c, 'e', '100', 'lt', 'nx');
      await both(c, 'e', '100', 'gt', 'lt');
      await both(c, 'e', '100', 'foo');
      await both(c, 'e', 'abc', 'foo');
      await both(c, 'e', '9223372036854775808');
    }
    await both('set', 'e', 'v');
    for (const big of ['9223370399119966', '9223372036854776', '10000000000000000', '18446744073709561', '-9223372036854776', '-9999999999999999'])
      await both('expire', 'e', big);
    await both('pexpire', 'e', '9223372036854770000');
    await both('expireat', 'e', '9223372036854776');
    await both('ttl', 'e');
    await both('pexpireat', 'e', '9223372036854770000');
    await both('persist', 'e');
    await both('expire', 'e', '100', 'xx');
    await both('expire', 'e', '100', 'gt');
    await both('expire', 'e', '100', 'lt');
    await both('expire', 'e', '100', 'NX');
    await both('expire', 'e', '200', 'nx');
    await both('expire', 'e', '50', 'gt');
    await both('expire', 'e', '200', 'gt');
    await both('expire', 'e', '300', 'lt');
    await both('expire', 'e', '100', 'lt');
    await both('expire', 'e', '200', 'xx', 'gt');
    await both('ttl', 'e');
    await both('expiretime', 'nokey');
    await both('pexpiretime', 'nokey');
    await both('pexpireat', 'e', '5000000000000');
    await both('pexpiretime', 'e');
    await both('expiretime', 'e');
    await both('pexpireat', 'e', '4999999999499');
    await both('expiretime', 'e');
    await both('persist', 'e');
    await both('persist', 'e');
    await both('ttl', 'e');
    await both('pttl', 'e');
    await both('expiretime', 'e');
    await both('persist', 'nokey');
    await both('ttl', 'nokey');
    await both('pttl', 'nokey');
    await both('expire', 'e', '-1');
    await both('exists', 'e');
    await both('set', 'e', 'v');
    await both('pexpireat', 'e', '-9223372036854770000');
    await both('ttl', 'e');
    await both('expire', 'e');
    await both('ttl');
  });

  it('SCAN arguments and errors', async () => {
    await cleanup('s1');
    await both('set', 's1', 'v');
    for (const cur of ['', '+0', ' 0', '0 ', 'x', '-', '18446744073709551616', '-18446744073709551616', '1.0'])
    {
      const [a, b] = await Promise.all([r.cmd('scan', cur, 'count', '1000'), n.cmd('scan', cur, 'count', '1000')]);
      if (a.startsWith('-')) expect(b, `scan ${cur}`).toBe(a);
      else expect(sortedBulks(b.slice(b.indexOf('*', 1))), `scan ${cur}`).toEqual(sortedBulks(a.slice(a.indexOf('*', 1))));
    }
    for (const extra of [['count', '0'], ['count', '-1'], ['count', 'x'], ['match'], ['foo', 'bar'], ['count', '10', 'match'], ['type', 'nosuchtype'], ['TYPE', 'STRING', 'MATCH', 's*']])
      await both('scan', '0', ...extra);
    await both('scan');
    await cleanup('s1');
  });

  it('OBJECT and MEMORY replies', async () => {
    await cleanup('o');
    const values = ['1', '0', '9999', '10000', '-1', '012', '+1', ' 1', '12345678901234567890', '-9223372036854775808',
      '9223372036854775807', '9223372036854775808', 'abc', 'x'.repeat(44), 'x'.repeat(45), 'x'.repeat(100),
      'y'.repeat(1000), 'z'.repeat(5000), '', '1.5'];
    for (const v of values) {
      await both('set', 'o', v);
      await both('object', 'encoding', 'o');
      await both('object', 'refcount', 'o');
      await both('memory', 'usage', 'o');
    }
    for (const key of ['', 'k', 'k'.repeat(31), 'k'.repeat(32), 'k'.repeat(40), 'k'.repeat(300)]) {
      await both('set', key, 'value');
      await both('memory', 'usage', key);
      await both('del', key);
    }
    await both('object', 'encoding', 'nokey');
    await both('object', 'refcount', 'nokey');
    await both('object', 'idletime', 'nokey');
    await both('object', 'freq', 'nokey');
    await both('object', 'freq', 'o');
    await both('object', 'help');
    await both('object', 'nosuch');
    await both('object');
    await both('object', 'encoding');
    await both('object', 'encoding', 'a', 'b');
    await both('memory', 'help');
    await both('memory', 'usage', 'nokey');
    await both('memory', 'usage', 'o', 'samples', '0');
    await both('memory', 'usage', 'o', 'samples', '-1');
    await both('memory', 'usage', 'o', 'samples', 'x');
    await both('memory', 'usage', 'o', 'samples');
    await both('memory', 'usage', 'o', 'foo');
    await both('memory', 'usage');
    await both('memory', 'purge');
    await both('memory', 'nosuch');
    await cleanup('o');
  });

  it('RESP3 replies', async () => {
    const conns = await Promise.all([RespConn.connect(redis.port), RespConn.connect(nodis.port)]);
    try {
      await Promise.all(conns.map((x) => x.cmd('hello', '3')));
      const same = async (...args: string[]) => {
        const [a, b] = await Promise.all(conns.map((x) => x.cmd(...args)));
        expect(b, args.join(' ')).toBe(a);
      };
      await same('set', 'r3', '1');
      await same('type', 'r3');
      await same('type', 'nokey');
      await same('object', 'encoding', 'r3');
      await same('object', 'encoding', 'nokey');
      await same('object', 'help');
      await same('memory', 'help');
      await same('memory', 'usage', 'nokey');
      await same('ttl', 'r3');
      await same('randomkey');
      await same('scan', '0', 'match', 'r3', 'count', '1000');
      await same('keys', 'r3');
      await same('del', 'r3');
      await same('randomkey');
      const [da, db] = await Promise.all(conns.map((x) => x.cmd('memory', 'doctor')));
      expect([da[0], db[0]]).toEqual(['=', '=']); // verbatim text both sides (the diagnosis differs)
      const [sa, sb] = await Promise.all(conns.map((x) => x.cmd('memory', 'stats')));
      expect(sb[0]).toBe(sa[0]);
    } finally {
      for (const x of conns) x.close();
    }
  });

  it('keyspace notifications match', async () => {
    const subs = await Promise.all([RespConn.connect(redis.port), RespConn.connect(nodis.port)]);
    try {
      await both('config', 'set', 'notify-keyspace-events', 'KEA');
      await Promise.all(
        subs.map(async (s) => {
          s.send('psubscribe', '__key*__:*', 'sentinel');
          await s.next();
          await s.next();
        }),
      );
      await both('set', 'a', '1');
      await both('del', 'a', 'zz');
      await both('set', 'a', '1');
      await both('expire', 'a', '100');
      await both('pexpire', 'a', '100', 'gt');
      await both('persist', 'a');
      await both('persist', 'a');
      await both('rename', 'a', 'b');
      await both('rename', 'b', 'b');
      await both('renamenx', 'b', 'c');
      await both('move', 'c', '2');
      await both('select', '2');
      await both('copy', 'c', 'd', 'db', '0');
      await both('copy', 'c', 'c2');
      await both('unlink', 'c', 'c2');
      await both('select', '0');
      await both('expire', 'd', '-5');
      await both('set', 'e', '1');
      await both('pexpireat', 'e', '1');
      await both('set', 'f', '1', 'px', '1');
      await new Promise((res) => setTimeout(res, 20));
      await both('exists', 'f');
      await both('publish', 'sentinel', 'end');
      const logs = await Promise.all(
        subs.map(async (s) => {
          const msgs: string[] = [];
          for (;;) {
            const m = await s.next();
            if (m.includes('sentinel')) break;
            msgs.push(m);
          }
          return msgs;
        }),
      );
      expect(logs[1]).toEqual(logs[0]);
      expect(logs[0].length).toBeGreaterThan(20);
    } finally {
      for (const s of subs) s.close();
      await both('config', 'set', 'notify-keyspace-events', '');
    }
  });

  it('KEYS and SCAN MATCH agree with stringmatchlen on many patterns', async () => {
    const keys = ['', 'a', 'b', 'ab', 'abc', 'aXc', 'a*c', 'a?c', 'a[c', 'a]c', 'a\\c', 'a-c', 'a^c', 'hello', 'hallo',
      'hxllo', 'heeeello', 'A', 'ABC', 'Hello', '\x80', '\xff', 'a\xe9c', '\x00', 'a\x00b', ']', '[', '^', '-', '\\', 'b]', 'foo:bar:baz'];
    for (const k of keys) await both('set', k, '1');
    const patterns = ['*', '', '?', '??', '???', 'a*', '*c', 'a?c', 'a\\?c', 'a\\*c', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo',
      'h[a-b]llo', 'h[b-a]llo', '[', '[a', 'a[', '[]', '[]]', '[]a]', '[^]', '[^', '[^]]', '[\\]]', 'a[\\]]c', 'a\\', '\\', '\\\\',
      'a\\\\c', 'a[-]c', 'a[a-]c', 'a[-z]c', '[a-', '[a-z', 'a[^a-z]c', '[\\', '[\\\\]', '*[', '**', '***a', 'a**c', '*a*b*c*',
      '[\x80-\xff]', '[a-\xff]', '[\xff-a]', '[^\x80]', 'a[\xe0-\xef]c', '?\x00?', '*\\', '[x-]', '[-]', 'a[]-]c', 'A*', 'h[A-Z]llo',
      '*:*', 'foo:*:baz', '[*]', '[?]', '\\[', 'a\\[c', '*]', 'b[]]', '[[]', '[^a-z]', '[^\\]]', '^'];
    // random patterns over the special characters
    let seed = 12345;
    const rnd = (m: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % m;
    };
    const alphabet = 'ab*?[]^-\\c\xff';
    for (let i = 0; i < 150; i++) {
      let p = '';
      const len = 1 + rnd(7);
      for (let j = 0; j < len; j++) p += alphabet[rnd(alphabet.length)];
      patterns.push(p);
    }
    for (const p of patterns) {
      const [a, b] = await Promise.all([r.cmd('keys', p), n.cmd('keys', p)]);
      expect(sortedBulks(b), `KEYS ${JSON.stringify(p)}`).toEqual(sortedBulks(a));
      const [sa, sb] = await Promise.all([r.cmd('scan', '0', 'match', p, 'count', '1000'), n.cmd('scan', '0', 'match', p, 'count', '1000')]);
      expect(sortedBulks(sb.slice(sb.indexOf('*', 1))), `SCAN MATCH ${JSON.stringify(p)}`).toEqual(sortedBulks(sa.slice(sa.indexOf('*', 1))));
    }
    await both('del', ...keys);
  });
});
