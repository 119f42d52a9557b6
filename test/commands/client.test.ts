/**
 * CLIENT: ID, SETNAME/GETNAME, LIST/INFO lines, KILL (old and new forms), PAUSE/UNPAUSE,
 * REPLY, NO-EVICT, UNBLOCK, GETREDIR, TRACKINGINFO, HELP.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespSession } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function client(): Promise<Redis> {
  const c = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await c.connect();
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FIELDS =
  'id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp';

describe('CLIENT ID / SETNAME / GETNAME / INFO / LIST', () => {
  it('names, ids and list lines in Redis 7.0 format', async () => {
    const a = await client();
    const b = await client();
    try {
      const ida = (await a.call('CLIENT', 'ID')) as number;
      const idb = (await b.call('CLIENT', 'ID')) as number;
      expect(idb).toBeGreaterThan(ida);
      expect(await a.call('CLIENT', 'GETNAME')).toBeNull();
      expect(await a.call('CLIENT', 'SETNAME', 'alpha')).toBe('OK');
      expect(await a.call('CLIENT', 'GETNAME')).toBe('alpha');
      await expect(a.call('CLIENT', 'SETNAME', 'a b')).rejects.toThrow('ERR Client names cannot contain spaces, newlines or special characters.');
      await b.get('x');
      const info = (await a.call('CLIENT', 'INFO')) as string;
      expect(info.endsWith('\n')).toBe(true);
      expect(info.trim().split(' ').map((kv) => kv.split('=')[0]).join(' ')).toBe(FIELDS);
      expect(info).toContain(`id=${ida} `);
      expect(info).toContain(' name=alpha ');
      expect(info).toContain(' cmd=client|info ');
      const list = (await a.call('CLIENT', 'LIST')) as string;
      const lines = list.split('\n');
      expect(lines.pop()).toBe('');
      const lb = lines.find((l) => l.startsWith(`id=${idb} `))!;
      expect(lb).toContain(' cmd=get ');
      expect(lb).toContain(' flags=N ');
      expect(lines.find((l) => l.startsWith(`id=${ida} `))).toContain(' cmd=client|list ');
      const byId = (await a.call('CLIENT', 'LIST', 'ID', String(idb), '999999')) as string;
      expect(byId.split('\n')).toHaveLength(2);
      expect(byId.startsWith(`id=${idb} `)).toBe(true);
      expect(await a.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).toBe('');
      expect(((await a.call('CLIENT', 'LIST', 'TYPE', 'normal')) as string).split('\n').length).toBeGreaterThanOrEqual(3);
      await expect(a.call('CLIENT', 'LIST', 'TYPE', 'bad')).rejects.toThrow("ERR Unknown client type 'bad'");
      await expect(a.call('CLIENT', 'LIST', 'ID', 'x')).rejects.toThrow('ERR Invalid client ID');
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('flags: P subscribed, x in MULTI, d dirty WATCH, e no-evict', async () => {
    const a = await client();
    const sub = await client();
    try {
      await sub.subscribe('flags-ch');
      const list = (await a.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
      expect(list).toMatch(/ flags=P .* sub=1 psub=0 /);
      await a.watch('fk');
      await a.set('fk', '1');
      await a.call('CLIENT', 'NO-EVICT', 'on');
      expect(await a.call('CLIENT', 'INFO')).toContain(' flags=de ');
      await a.unwatch();
      await a.call('CLIENT', 'NO-EVICT', 'off');
      const s = await RespSession.connect(server.port);
      await s.send(['MULTI']);
      await s.send(['PING']);
      const all = (await a.call('CLIENT', 'LIST')) as string;
      expect(all).toMatch(/ flags=x db=0 sub=0 psub=0 ssub=0 multi=1 /);
      s.close();
    } finally {
      a.disconnect();
      sub.disconnect();
    }
  });
});

describe('CLIENT KILL', () => {
  it('old form: OK, or No such client', async () => {
    const a = await client();
    const victim = await RespSession.connect(server.port);
    try {
      const addr = `127.0.0.1:${victim.raw.socket.localPort}`;
      await expect(a.call('CLIENT', 'KILL', '1.1.1.1:1')).rejects.toThrow('ERR No such client');
      expect(await a.call('CLIENT', 'KILL', addr)).toBe('OK');
      expect(await victim.raw.waitClose()).toBe(true);
    } finally {
      a.disconnect();
      victim.close();
    }
  });

  it('old form can kill the caller: reply first, then close', async () => {
    const s = await RespSession.connect(server.port);
    const addr = `127.0.0.1:${s.raw.socket.localPort}`;
    expect(await s.send(['CLIENT', 'KILL', addr])).toBe('+OK\r\n');
    expect(await s.raw.waitClose()).toBe(true);
  });

  it('new form: filters, count, SKIPME', async () => {
    const a = await client();
    const v1 = await RespSession.connect(server.port);
    const v2 = await RespSession.connect(server.port);
    try {
      const id1 = Number((await v1.send(['CLIENT', 'ID'])).slice(1));
      await v2.send(['SUBSCRIBE', 'kill-ch']);
      expect(await a.call('CLIENT', 'KILL', 'ID', String(id1))).toBe(1);
      expect(await v1.raw.waitClose()).toBe(true);
      expect(await a.call('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBe(1);
      expect(await v2.raw.waitClose()).toBe(true);
      const aid = (await a.call('CLIENT', 'ID')) as number;
      // SKIPME yes (default): the caller is not killed
      expect(await a.call('CLIENT', 'KILL', 'ID', String(aid))).toBe(0);
      expect(await a.call('CLIENT', 'KILL', 'USER', 'default', 'ID', String(aid), 'SKIPME', 'yes')).toBe(0);
      await expect(a.call('CLIENT', 'KILL', 'USER', 'bob')).rejects.toThrow("ERR No such user 'bob'");
      await expect(a.call('CLIENT', 'KILL', 'ID', '0')).rejects.toThrow('ERR client-id should be greater than 0');
    } finally {
      a.disconnect();
      v1.close();
      v2.close();
    }
  });

  it('new form with SKIPME no kills the caller after its reply', async () => {
    const s = await RespSession.connect(server.port);
    const id = Number((await s.send(['CLIENT', 'ID'])).slice(1));
    s.raw.write('*6\r\n$6\r\nCLIENT\r\n$4\r\nKILL\r\n$2\r\nID\r\n$' + String(id).length + `\r\n${id}\r\n$6\r\nSKIPME\r\n$2\r\nno\r\n` + '*1\r\n$4\r\nPING\r\n');
    expect(await s.read()).toBe(':1\r\n');
    expect(await s.raw.waitClose()).toBe(true);
    expect(s.rest()).toBe(''); // the pipelined PING is not answered
  });
});

describe('CLIENT PAUSE / UNPAUSE', () => {
  it('WRITE pauses writes (and PUBLISH) but not reads; UNPAUSE releases in order', async () => {
    const a = await client();
    const b = await client();
    try {
      await b.set('pk', 'before');
      expect(await a.call('CLIENT', 'PAUSE', '5000', 'WRITE')).toBe('OK');
      const order: string[] = [];
      const set = b.set('pk', 'after').then((r) => order.push(`set:${r}`));
      const get = b.get('pk').then((r) => order.push(`get:${r}`));
      const pub = a.publish('nobody', 'x').then((r) => order.push(`pub:${r}`));
      // reads from another connection are served meanwhile
      const c = await client();
      expect(await c.get('pk')).toBe('before');
      c.disconnect();
      await sleep(30);
      expect(order).toEqual([]);
      const u = await client();
      expect(await u.call('CLIENT', 'UNPAUSE')).toBe('OK');
      await Promise.all([set, get, pub]);
      u.disconnect();
      // b's GET was behind its SET: replies stay in order
      expect(order.slice(0, 2)).toEqual(['set:OK', 'get:after']);
      expect(order).toContain('pub:0');
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('ALL pauses every command until the timeout', async () => {
    const a = await client();
    const b = await client();
    try {
      const t0 = Date.now();
      expect(await a.call('CLIENT', 'PAUSE', '150')).toBe('OK');
      expect(await b.ping()).toBe('PONG');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(120);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('errors', async () => {
    const a = await client();
    try {
      await expect(a.call('CLIENT', 'PAUSE', 'x')).rejects.toThrow('ERR timeout is not an integer or out of range');
      await expect(a.call('CLIENT', 'PAUSE', '-1')).rejects.toThrow('ERR timeout is negative');
      await expect(a.call('CLIENT', 'PAUSE', '10', 'maybe')).rejects.toThrow('ERR CLIENT PAUSE mode must be WRITE or ALL');
      await expect(a.call('CLIENT', 'UNPAUSE', 'x')).rejects.toThrow("ERR wrong number of arguments for 'client|unpause' command");
    } finally {
      a.disconnect();
    }
  });
});

describe('CLIENT REPLY / NO-EVICT / UNBLOCK / GETREDIR / TRACKINGINFO / HELP', () => {
  it('REPLY OFF, SKIP and ON on the wire', async () => {
    const s = await RespSession.connect(server.port);
    try {
      await s.send(['CLIENT', 'REPLY', 'OFF'], 0);
      await s.send(['SET', 'r', '1'], 0);
      await s.send(['CLIENT', 'REPLY', 'SKIP'], 0); // ignored while OFF
      expect(await s.send(['CLIENT', 'REPLY', 'ON'])).toBe('+OK\r\n');
      await s.send(['CLIENT', 'REPLY', 'SKIP'], 0);
      await s.send(['GET', 'r'], 0);
      expect(await s.send(['GET', 'r'])).toBe('$1\r\n1\r\n');
      expect(s.rest()).toBe('');
    } finally {
      s.close();
    }
  });

  it('misc subcommands', async () => {
    const a = await client();
    try {
      expect(await a.call('CLIENT', 'NO-EVICT', 'ON')).toBe('OK');
      await expect(a.call('CLIENT', 'NO-EVICT', 'x')).rejects.toThrow('ERR syntax error');
      expect(await a.call('CLIENT', 'UNBLOCK', '12345')).toBe(0);
      expect(await a.call('CLIENT', 'UNBLOCK', '12345', 'ERROR')).toBe(0);
      await expect(a.call('CLIENT', 'UNBLOCK', '1', 'x')).rejects.toThrow('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      expect(await a.call('CLIENT', 'GETREDIR')).toBe(-1);
      expect(await a.call('CLIENT', 'TRACKINGINFO')).toEqual(['flags', ['off'], 'redirect', -1, 'prefixes', []]);
      const help = (await a.call('CLIENT', 'HELP')) as string[];
      expect(help[0]).toBe('CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
      expect(help).toHaveLength(48);
      await expect(a.call('CLIENT', 'NOPE')).rejects.toThrow("ERR unknown subcommand 'NOPE'. Try CLIENT HELP.");
      await expect(a.call('CLIENT')).rejects.toThrow("ERR wrong number of arguments for 'client' command");
    } finally {
      a.disconnect();
    }
  });
});
