/**
 * Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET (behaviour and exact bytes).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespSession } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
let pass: TestServer;

beforeAll(async () => {
  [server, pass] = await Promise.all([startTestServer(), startTestServer({ requirepass: 'secret' })]);
});
afterAll(async () => {
  await Promise.all([server.close(), pass.close()]);
});

const HELLO = (proto: number, id: number, head: string) =>
  `${head}$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:${proto}\r\n$2\r\nid\r\n:${id}\r\n` +
  '$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n';

describe('PING / ECHO / SELECT / QUIT', () => {
  it('answers through ioredis', async () => {
    const c = new Redis({ port: server.port, lazyConnect: true });
    await c.connect();
    try {
      expect(await c.ping()).toBe('PONG');
      expect(await c.ping('hi')).toBe('hi');
      expect(await c.echo('a\u00ffb')).toBe('a\u00ffb');
      await expect(c.call('ECHO')).rejects.toThrow("ERR wrong number of arguments for 'echo' command");
      expect(await c.select(3)).toBe('OK');
      await c.set('k', 'in3');
      await c.select(0);
      expect(await c.get('k')).toBeNull();
      await expect(c.select(16)).rejects.toThrow('ERR DB index is out of range');
      await expect(c.call('SELECT', 'x')).rejects.toThrow('ERR value is not an integer or out of range');
    } finally {
      c.disconnect();
    }
  });

  it('PING in RESP2 subscribed mode answers ["pong", msg]', async () => {
    const s = await RespSession.connect(server.port);
    try {
      await s.send(['SUBSCRIBE', 'ch']);
      expect(await s.send(['PING'])).toBe('*2\r\n$4\r\npong\r\n$0\r\n\r\n');
      expect(await s.send(['PING', 'm'])).toBe('*2\r\n$4\r\npong\r\n$1\r\nm\r\n');
    } finally {
      s.close();
    }
  });

  it('QUIT replies OK and closes', async () => {
    const s = await RespSession.connect(server.port);
    expect(await s.send(['QUIT'])).toBe('+OK\r\n');
    expect(await s.raw.waitClose()).toBe(true);
  });
});

describe('HELLO', () => {
  it('replies the server map in RESP2 and RESP3 and switches protocol', async () => {
    const s = await RespSession.connect(server.port);
    try {
      const id = Number((await s.send(['CLIENT', 'ID'])).slice(1));
      expect(await s.send(['HELLO'])).toBe(HELLO(2, id, '*14\r\n'));
      expect(await s.send(['HELLO', '3'])).toBe(HELLO(3, id, '%7\r\n'));
      expect(await s.send(['GET', 'missing'])).toBe('_\r\n');
      expect(await s.send(['HELLO', '4'])).toBe('-NOPROTO unsupported protocol version\r\n');
      expect(await s.send(['HELLO', '2', 'SETNAME', 'me'])).toBe(HELLO(2, id, '*14\r\n'));
      expect(await s.send(['CLIENT', 'GETNAME'])).toBe('$2\r\nme\r\n');
      expect(await s.send(['GET', 'missing'])).toBe('$-1\r\n');
      expect(await s.send(['HELLO', 'x'])).toBe('-ERR Protocol version is not an integer or out of range\r\n');
      expect(await s.send(['HELLO', '3', 'SETNAME', 'a b'])).toBe(
        '-ERR Client names cannot contain spaces, newlines or special characters.\r\n',
      );
      expect(await s.send(['HELLO', '3', 'AUTH', 'u'])).toBe("-ERR Syntax error in HELLO option 'AUTH'\r\n");
    } finally {
      s.close();
    }
  });
});

describe('AUTH and requirepass', () => {
  it('AUTH without a configured password', async () => {
    const s = await RespSession.connect(server.port);
    try {
      expect(await s.send(['AUTH', 'x'])).toBe(
        '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n',
      );
      expect(await s.send(['AUTH', 'default', 'anything'])).toBe('+OK\r\n');
      expect(await s.send(['AUTH', 'bob', 'x'])).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
      expect(await s.send(['AUTH', 'a', 'b', 'c'])).toBe('-ERR syntax error\r\n');
    } finally {
      s.close();
    }
  });

  it('requires AUTH, accepts both forms, HELLO AUTH, RESET deauthenticates', async () => {
    const s = await RespSession.connect(pass.port);
    try {
      expect(await s.send(['GET', 'a'])).toBe('-NOAUTH Authentication required.\r\n');
      expect(await s.send(['HELLO', '3'])).toMatch(/^-NOAUTH HELLO must be called with the client already authenticated/);
      expect(await s.send(['AUTH', 'wrong'])).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
      expect(await s.send(['AUTH', 'secret'])).toBe('+OK\r\n');
      expect(await s.send(['GET', 'a'])).toBe('$-1\r\n');
      expect(await s.send(['RESET'])).toBe('+RESET\r\n');
      expect(await s.send(['GET', 'a'])).toBe('-NOAUTH Authentication required.\r\n');
      expect((await s.send(['HELLO', '3', 'AUTH', 'default', 'secret', 'SETNAME', 'n'])).slice(0, 3)).toBe('%7\r');
      expect(await s.send(['CLIENT', 'GETNAME'])).toBe('$1\r\nn\r\n');
    } finally {
      s.close();
    }
  });

  it('ioredis connects with a password', async () => {
    const c = new Redis({ port: pass.port, password: 'secret', lazyConnect: true });
    await c.connect();
    try {
      expect(await c.ping()).toBe('PONG');
    } finally {
      c.disconnect();
    }
  });
});

describe('RESET', () => {
  it('restores a fresh connection state', async () => {
    const s = await RespSession.connect(server.port);
    const o = new Redis({ port: server.port, lazyConnect: true });
    await o.connect();
    try {
      await s.send(['HELLO', '3']);
      await s.send(['SELECT', '5']);
      await s.send(['CLIENT', 'SETNAME', 'named']);
      await s.send(['CLIENT', 'NO-EVICT', 'on']);
      await s.send(['WATCH', 'wk']);
      await s.send(['SUBSCRIBE', 'rch']);
      await s.send(['PSUBSCRIBE', 'rp*']);
      await s.send(['MULTI']);
      expect(await o.call('PUBSUB', 'NUMSUB', 'rch')).toEqual(['rch', 1]);
      expect(await s.send(['RESET'])).toBe('+RESET\r\n');
      expect(await o.call('PUBSUB', 'NUMSUB', 'rch')).toEqual(['rch', 0]);
      expect(await o.call('PUBSUB', 'NUMPAT')).toBe(0);
      expect(server.core.keyspace.dbs[5].watched.size).toBe(0);
      const info = await s.send(['CLIENT', 'INFO']);
      expect(info).toMatch(/^\$\d+\r\n/); // RESP2 again
      expect(info).toContain(' name= ');
      expect(info).toContain(' db=0 ');
      expect(info).toContain(' flags=e '); // NO-EVICT survives RESET, as in Redis 7.0
      expect(info).toContain(' multi=-1 ');
      expect(await s.send(['EXEC'])).toBe('-ERR EXEC without MULTI\r\n');
      // CLIENT REPLY OFF is cleared too
      await s.send(['CLIENT', 'REPLY', 'OFF'], 0);
      expect(await s.send(['RESET'])).toBe('+RESET\r\n');
      expect(await s.send(['PING'])).toBe('+PONG\r\n');
      // MONITOR ends
      await s.send(['MONITOR']);
      expect(await s.send(['RESET'])).toBe('+RESET\r\n');
      await o.set('after-reset', '1');
      expect(await s.send(['PING'])).toBe('+PONG\r\n');
      expect(s.rest()).toBe('');
    } finally {
      s.close();
      o.disconnect();
    }
  });
});
