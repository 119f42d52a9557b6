/**
 * Oracle: connection handshake, CLIENT errors, transactions, pub/sub and keyspace notifications
 * compared byte for byte with a real redis-server (client ids masked). UNSUBSCRIBE without
 * arguments answers in Redis's dict order (randomly seeded), so scripts use it with one channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, startRedis, type RedisOracle } from '../helpers/oracle.js';
import { RespSession } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

/** [args, number of replies (default 1)] */
type Step = [string[], number?] | { sleep: number };

function mask(s: string): string {
  return s.replace(/(\$2\r\nid\r\n:)\d+/g, '$1<id>');
}

async function runScript(port: number, steps: Step[]): Promise<string[]> {
  const s = await RespSession.connect(port);
  const out: string[] = [];
  try {
    for (const step of steps) {
      if ('sleep' in step) {
        await new Promise((r) => setTimeout(r, step.sleep));
        continue;
      }
      const [args, n = 1] = step;
      out.push(`${args.join(' ')} => ${mask(await s.send(args, n))}`);
    }
  } finally {
    s.close();
  }
  return out;
}

const d = hasRedis ? describe : describe.skip;

d('connection oracle', () => {
  let redis: RedisOracle;
  let nodis: TestServer;
  let redisPass: RedisOracle;
  let nodisPass: TestServer;

  beforeAll(async () => {
    [redis, nodis, redisPass, nodisPass] = await Promise.all([
      startRedis(),
      startTestServer(),
      startRedis(['--requirepass', 'secret']),
      startTestServer({ requirepass: 'secret' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([redis?.close(), nodis?.close(), redisPass?.close(), nodisPass?.close()]);
  });

  async function same(steps: Step[], pass = false): Promise<void> {
    const [a, b] = await Promise.all([
      runScript(pass ? nodisPass.port : nodis.port, steps),
      runScript(pass ? redisPass.port : redis.port, steps),
    ]);
    expect(a).toEqual(b);
  }

  it('HELLO, AUTH and PING/ECHO/SELECT without a password', async () => {
    await same([
      [['HELLO']], [['HELLO', '3']], [['PING']], [['PING', 'x']], [['HELLO', '4']], [['HELLO', 'abc']], [['HELLO', '1']],
      [['HELLO', '-1']], [['HELLO', '9999999999999999999']], [['HELLO', '3', 'AUTH']], [['HELLO', '3', 'AUTH', 'a']],
      [['HELLO', '3', 'SETNAME']], [['HELLO', '3', 'FOO']], [['HELLO', '2', 'SETNAME', 'x', 'FOO']], [['CLIENT', 'GETNAME']],
      [['HELLO', '2', 'AUTH', 'a', 'b', 'SETNAME', 'z']], [['CLIENT', 'GETNAME']], [['HELLO', '2', 'SETNAME', 'a b']],
      [['HELLO', '3', 'auth', 'default', 'any', 'setname', 'n1']], [['CLIENT', 'GETNAME']], [['HELLO', '2']],
      [['AUTH', 'x']], [['AUTH', 'a', 'b']], [['AUTH', 'default', 'foo']], [['AUTH', 'a', 'b', 'c']], [['AUTH']],
      [['ECHO']], [['ECHO', 'a', 'b']], [['PING', 'a', 'b']], [['SELECT', 'x']], [['SELECT', '99']], [['SELECT', '-1']], [['SELECT', '4294967296']], [['SELECT', '1.5']], [['SELECT', '1']],
      [['RESET']], [['QUIT', 'x']],
    ]);
  });

  it('requirepass: NOAUTH, WRONGPASS, HELLO AUTH, RESET deauthenticates, rejected EXEC', async () => {
    await same(
      [
        [['PING']], [['HELLO']], [['HELLO', '3', 'SETNAME', 'x']], [['CLIENT', 'GETNAME']], [['AUTH', 'x']],
        [['AUTH', 'default', 'x']], [['AUTH', 'foo', 'secret']], [['AUTH', 'x', 'y', 'z']], [['EXEC']], [['MULTI']],
        [['HELLO', '3', 'AUTH', 'default', 'secret']], [['RESET']], [['PING']], [['AUTH', 'secret']], [['CLIENT', 'SETNAME', 'n']],
        [['MULTI']], [['SET', 'a', '1']], [['RESET']], [['EXEC']], [['CLIENT', 'GETNAME']], [['AUTH', 'default', 'secret']],
        [['CLIENT', 'GETNAME']], [['MULTI']], [['RESET']], [['EXEC']],
      ],
      true,
    );
  });

  it('MULTI / EXEC / DISCARD / WATCH flows and errors', async () => {
    await same([
      [['FLUSHALL']], [['EXEC']], [['DISCARD']], [['EXEC', 'foo']], [['MULTI', 'foo']], [['MULTI']], [['MULTI']], [['SET', 'a', '1']],
      [['EXEC']], [['MULTI']], [['SET', 'a']], [['FOO']], [['EXEC']], [['MULTI']], [['WATCH', 'a']], [['INCR', 'a']],
      [['SET', 'b', 'x']], [['INCR', 'b']], [['EXEC']], [['MULTI']], [['EXEC', 'foo']], [['EXEC']], [['MULTI']],
      [['DISCARD', 'foo']], [['DISCARD']], [['WATCH']], [['UNWATCH', 'x']], [['MULTI']], [['UNWATCH']], [['EXEC']],
      [['MULTI']], [['EXEC']], [['MULTI']], [['PING']], [['ECHO', 'e']], [['GET', 'a']], [['EXEC']],
      [['WATCH', 'a', 'b']], [['SET', 'a', '5']], [['MULTI']], [['GET', 'a']], [['EXEC']],
      [['WATCH', 'a']], [['MULTI']], [['GET', 'a']], [['EXEC']],
      [['WATCH', 'nokey']], [['SET', 'nokey', '1']], [['UNWATCH']], [['MULTI']], [['GET', 'nokey']], [['EXEC']],
      [['WATCH', 'a']], [['FLUSHDB']], [['MULTI']], [['PING']], [['EXEC']],
      [['WATCH', 'absent']], [['FLUSHDB']], [['MULTI']], [['PING']], [['EXEC']],
      [['SET', 'x', '1']], [['PEXPIRE', 'x', '30']], [['WATCH', 'x']], { sleep: 60 }, [['MULTI']], [['PING']], [['EXEC']],
      [['MULTI']], [['SUBSCRIBE', 'c1', 'c2']], [['PUBLISH', 'nobody', 'm']], [['EXEC']], [['UNSUBSCRIBE', 'c2']], [['UNSUBSCRIBE']],
      [['MULTI']], [['SELECT', '1']], [['SET', 'k', 'v']], [['EXEC']], [['SELECT', '0']],
    ]);
  });

  it('RESP3 transactions', async () => {
    await same([
      [['HELLO', '3']], [['FLUSHALL']], [['MULTI']], [['SET', 'a', '1']], [['GET', 'a']], [['GET', 'nope']], [['INCR', 'a']],
      [['GET']], [['EXEC']], [['MULTI']], [['INCR', 'a']], [['EXEC']], [['WATCH', 'a']], [['SET', 'a', '2']], [['MULTI']], [['EXEC']],
    ]);
  });

  it('pub/sub in RESP2', async () => {
    await same([
      [['UNSUBSCRIBE']], [['PUNSUBSCRIBE']], [['SUBSCRIBE', 'a', 'b', 'a'], 3], [['PING']], [['PING', 'x']], [['GET', 'x']],
      [['MULTI']], [['RESET']], [['SUBSCRIBE', 'a', 'b'], 2], [['PSUBSCRIBE', 'p*', 'q*'], 2], [['PUNSUBSCRIBE', 'x']],
      [['UNSUBSCRIBE', 'b', 'zz'], 2], [['PUNSUBSCRIBE', 'p*']], [['PUNSUBSCRIBE']], [['UNSUBSCRIBE']], [['UNSUBSCRIBE']], [['SUBSCRIBE']], [['PSUBSCRIBE']],
      [['PUBSUB']], [['PUBSUB', 'CHANNELS']], [['PUBSUB', 'NUMSUB']], [['PUBSUB', 'NUMSUB', 'a', 'b']], [['PUBSUB', 'NUMPAT']],
      [['PUBSUB', 'SHARDCHANNELS']], [['PUBSUB', 'SHARDNUMSUB', 'a']], [['PUBSUB', 'FOO']], [['PUBSUB', 'CHANNELS', 'a', 'b']],
      [['PUBSUB', 'NUMPAT', 'x']], [['PUBSUB', 'HELP']], [['PUBSUB', 'HELP', 'x']], [['PUBLISH', 'a']], [['PUBLISH', 'a', 'b']],
      [['SUBSCRIBE', 'a'], 1], [['PUBSUB', 'NUMSUB', 'a']], [['QUIT']],
    ]);
  });

  it('pub/sub in RESP3, messages to oneself', async () => {
    await same([
      [['HELLO', '3']], [['UNSUBSCRIBE']], [['SUBSCRIBE', 'a', 'b'], 2], [['PING']], [['GET', 'x']], [['PUBLISH', 'a', 'hi'], 2],
      [['PSUBSCRIBE', 'a*']], [['PUBLISH', 'a', 'hi'], 3], [['UNSUBSCRIBE', 'b']], [['UNSUBSCRIBE']], [['PUNSUBSCRIBE']], [['MULTI']],
      [['SUBSCRIBE', 'c']], [['EXEC']], [['PUBSUB', 'NUMSUB', 'a', 'c']], [['UNSUBSCRIBE', 'c']], [['HELLO', '2']],
      [['SUBSCRIBE', 'z']], [['HELLO', '3']], [['RESET']], [['PING']],
    ]);
  });

  it('CLIENT subcommand errors and simple replies', async () => {
    await same([
      [['CLIENT']], [['CLIENT', 'ID', 'x']], [['CLIENT', 'SETNAME']], [['CLIENT', 'SETNAME', 'a b']], [['CLIENT', 'SETNAME', 'é']],
      [['CLIENT', 'SETNAME', 'a\nb']], [['CLIENT', 'SETNAME', '']], [['CLIENT', 'GETNAME']], [['CLIENT', 'SETNAME', 'foo']],
      [['CLIENT', 'GETNAME']], [['CLIENT', 'LIST', 'TYPE', 'pubsub']], [['CLIENT', 'LIST', 'TYPE', 'foo']], [['CLIENT', 'LIST', 'ID']],
      [['CLIENT', 'LIST', 'ID', 'x']], [['CLIENT', 'LIST', 'ID', '999', '998']], [['CLIENT', 'LIST', 'foo']],
      [['CLIENT', 'LIST', 'TYPE', 'normal', 'ID', '1']], [['CLIENT', 'LIST', 'TYPE', 'master']], [['CLIENT', 'LIST', 'TYPE', 'replica']],
      [['CLIENT', 'LIST', 'TYPE', 'slave']], [['CLIENT', 'LIST', 'TYPE']], [['CLIENT', 'LIST', 'id', '1', 'x']],
      [['CLIENT', 'GETREDIR']], [['CLIENT', 'GETREDIR', 'x']], [['CLIENT', 'NO-EVICT']], [['CLIENT', 'NO-EVICT', 'maybe']],
      [['CLIENT', 'NO-EVICT', 'ON']], [['CLIENT', 'NO-EVICT', 'off']], [['CLIENT', 'NO-EVICT', 'on', 'x']],
      [['CLIENT', 'UNBLOCK']], [['CLIENT', 'UNBLOCK', 'x']], [['CLIENT', 'UNBLOCK', '1']], [['CLIENT', 'UNBLOCK', '1', 'TIMEOUT']],
      [['CLIENT', 'UNBLOCK', '1', 'ERROR']], [['CLIENT', 'UNBLOCK', '1', 'foo']], [['CLIENT', 'UNBLOCK', 'x', 'foo']],
      [['CLIENT', 'UNBLOCK', '1', '2', '3']], [['CLIENT', 'REPLY']], [['CLIENT', 'REPLY', 'foo']], [['CLIENT', 'REPLY', 'ON', 'x']],
      [['CLIENT', 'PAUSE']], [['CLIENT', 'PAUSE', 'x']], [['CLIENT', 'PAUSE', '-1']], [['CLIENT', 'PAUSE', '10', 'foo']],
      [['CLIENT', 'PAUSE', 'x', 'foo']], [['CLIENT', 'PAUSE', '1', 'WRITE', 'x']], [['CLIENT', 'PAUSE', '99999999999999999999']],
      [['CLIENT', 'UNPAUSE', 'x']], [['CLIENT', 'FOO']], [['CLIENT', 'HELP']], [['CLIENT', 'HELP', 'x']],
      [['CLIENT', 'KILL']], [['CLIENT', 'KILL', '1.2.3.4:5']], [['CLIENT', 'KILL', 'ID']], [['CLIENT', 'KILL', 'ID', 'x']],
      [['CLIENT', 'KILL', 'ID', '99999']], [['CLIENT', 'KILL', 'ID', '1', 'SKIPME']], [['CLIENT', 'KILL', 'ID', '1', 'SKIPME', 'maybe']],
      [['CLIENT', 'KILL', 'TYPE', 'foo']], [['CLIENT', 'KILL', 'TYPE', 'pubsub']], [['CLIENT', 'KILL', 'USER', 'nobody']],
      [['CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'yes']], [['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5']],
      [['CLIENT', 'KILL', 'LADDR', '1.2.3.4:5']], [['CLIENT', 'KILL', 'FOO', 'bar']], [['CLIENT', 'KILL', 'ID', '0']],
      [['CLIENT', 'KILL', 'ID', '-5']], [['CLIENT', 'KILL', 'TYPE', 'master']], [['CLIENT', 'KILL', '127.0.0.1:1', 'x']],
      [['CLIENT', 'TRACKINGINFO']], [['HELLO', '3']], [['CLIENT', 'TRACKINGINFO']],
      [['CLIENT', 'REPLY', 'OFF'], 0], [['PING'], 0], [['CLIENT', 'REPLY', 'SKIP'], 0], [['CLIENT', 'REPLY', 'ON']],
      [['CLIENT', 'REPLY', 'SKIP'], 0], [['ECHO', 'skipped'], 0], [['ECHO', 'shown']],
    ]);
  });

  it('keyspace notification flags (CONFIG SET / GET)', async () => {
    const steps: Step[] = [];
    for (const v of ['KEA', 'Kgx$', 'AKEmn', 'K', 'E', 'Kn', 'nE', 'KEAq', 'A', 'gl', 'Eshzxetdm', '']) {
      steps.push([['CONFIG', 'SET', 'notify-keyspace-events', v]], [['CONFIG', 'GET', 'notify-keyspace-events']]);
    }
    await same(steps);
  });

  it('keyspace notifications: set, del-free expired, keyevent and keyspace channels', async () => {
    async function run(port: number): Promise<string[]> {
      const sub = await RespSession.connect(port);
      const w = await RespSession.connect(port);
      const out: string[] = [];
      try {
        await w.send(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
        out.push(await sub.send(['PSUBSCRIBE', '__key*__:*']));
        await w.send(['SELECT', '3']);
        await w.send(['SET', 'foo', 'bar']);
        out.push(await sub.read(2));
        await w.send(['SET', 'tmp', 'v', 'PX', '20']);
        out.push(await sub.read(2));
        await new Promise((r) => setTimeout(r, 60));
        await w.send(['GET', 'tmp']);
        out.push(await sub.read(2));
        await w.send(['CONFIG', 'SET', 'notify-keyspace-events', 'E$']);
        await w.send(['SET', 'foo', 'baz']);
        out.push(await sub.read(1));
        await w.send(['CONFIG', 'SET', 'notify-keyspace-events', '']);
      } finally {
        sub.close();
        w.close();
      }
      return out;
    }
    const [a, b] = await Promise.all([run(nodis.port), run(redis.port)]);
    expect(a).toEqual(b);
  });

  it('CLIENT INFO: the same fields in the same order, same flags in each state', async () => {
    const fields = (line: string) => line.trim().split(' ').map((kv) => kv.slice(0, kv.indexOf('=')));
    const pick = (line: string) =>
      line
        .trim()
        .split(' ')
        .filter((kv) => /^(name|flags|db|sub|psub|ssub|multi|cmd|user|redir|resp)=/.test(kv))
        .join(' ');
    async function run(port: number): Promise<string[]> {
      const s = await RespSession.connect(port);
      const body = (r: string) => r.slice(r.indexOf('\r\n') + 2).replace(/^txt:/, '');
      const out: string[] = [];
      try {
        const first = body(await s.send(['CLIENT', 'INFO']));
        out.push(fields(first).join(' '), pick(first));
        await s.send(['CLIENT', 'SETNAME', 'nm']);
        await s.send(['SELECT', '2']);
        await s.send(['CLIENT', 'NO-EVICT', 'on']);
        await s.send(['SET', 'w', '1']);
        await s.send(['WATCH', 'w']);
        await s.send(['SET', 'w', '2']);
        out.push(pick(body(await s.send(['CLIENT', 'INFO']))));
        await s.send(['MULTI']);
        await s.send(['PING']);
        await s.send(['PING']);
        await s.send(['DISCARD']);
        await s.send(['HELLO', '3']);
        await s.send(['SUBSCRIBE', 'a', 'b'], 2);
        await s.send(['PSUBSCRIBE', 'p']);
        out.push(pick(body(await s.send(['CLIENT', 'INFO']))));
        out.push(pick(body(await s.send(['CLIENT', 'LIST', 'TYPE', 'pubsub']))));
        await s.send(['RESET']);
        out.push(pick(body(await s.send(['CLIENT', 'INFO']))));
        const list = body(await s.send(['CLIENT', 'LIST', 'ID', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']));
        out.push(String(list.endsWith('\n')));
      } finally {
        s.close();
      }
      return out;
    }
    const [a, b] = await Promise.all([run(nodis.port), run(redis.port)]);
    expect(a).toEqual(b);
  });

  it('MONITOR lines', async () => {
    async function run(port: number): Promise<string> {
      const m = await RespSession.connect(port);
      const w = await RespSession.connect(port);
      try {
        await m.send(['MONITOR']);
        await w.send(['SET', 'k', 'a "q" \\ \n\x01\xff']);
        await w.send(['SELECT', '1']);
        await w.send(['CONFIG', 'GET', 'port']); // admin: not shown
        await w.send(['GET', 'k']);
        await w.send(['MULTI']);
        await w.send(['INCR', 'n']);
        await w.send(['EXEC']);
        const lines = await m.read(6);
        return lines.replace(/\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]/g, '+<time> [$1 <addr>]');
      } finally {
        m.close();
        w.close();
      }
    }
    const [a, b] = await Promise.all([run(nodis.port), run(redis.port)]);
    expect(a).toEqual(b);
  });

  it('CLIENT REPLY OFF / SKIP do not silence pub/sub pushes', async () => {
    async function run(port: number): Promise<string> {
      const a = await RespSession.connect(port);
      const b = await RespSession.connect(port);
      try {
        await a.send(['CLIENT', 'REPLY', 'SKIP'], 0);
        await a.send(['SUBSCRIBE', 'c0'], 1);
        await a.send(['UNSUBSCRIBE', 'c0'], 1);
        await a.send(['CLIENT', 'REPLY', 'OFF'], 0);
        await a.send(['SUBSCRIBE', 'ch'], 1);
        await b.send(['PUBLISH', 'ch', 'hello']);
        await a.read(1);
        await a.send(['PING', 'x'], 0); // an ordinary reply: silenced
        await a.send(['RESET'], 1);
        await a.send(['PING']);
        return a.raw.received.toString('latin1');
      } finally {
        a.close();
        b.close();
      }
    }
    const [x, y] = await Promise.all([run(nodis.port), run(redis.port)]);
    expect(x).toEqual(y);
  });
});
