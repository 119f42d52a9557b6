/**
 * Server administration commands: DBSIZE, FLUSHDB/FLUSHALL, SWAPDB, TIME, LASTSAVE, SHUTDOWN,
 * MONITOR, SLOWLOG, LATENCY, DEBUG, and the scripting stand-ins (FUNCTION, SCRIPT, EVAL*, FCALL*).
 */
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { err } from '../helpers/error-reply.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
let r: Redis;

beforeAll(async () => {
  server = await startTestServer({ 'enable-debug-command': 'yes' });
  r = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await r.connect();
});
afterAll(async () => {
  r.disconnect();
  await server.close();
});
beforeEach(async () => {
  await r.call('flushall');
  await r.call('select', '0');
});

describe('DBSIZE / FLUSHDB / FLUSHALL / SWAPDB', () => {
  it('counts keys and flushes one db or all', async () => {
    await r.set('a', '1');
    await r.set('b', '2');
    expect(await r.dbsize()).toBe(2);
    await r.select(1);
    await r.set('c', '3');
    expect(await r.call('flushdb')).toBe('OK');
    expect(await r.dbsize()).toBe(0);
    await r.select(0);
    expect(await r.dbsize()).toBe(2);
    expect(await r.call('flushdb', 'ASYNC')).toBe('OK');
    expect(await r.dbsize()).toBe(0);
    await r.set('a', '1');
    await r.select(3);
    await r.set('x', '1');
    expect(await r.call('flushall', 'sync')).toBe('OK');
    expect(await r.dbsize()).toBe(0);
    await r.select(0);
    expect(await r.dbsize()).toBe(0);
  });

  it('rejects bad FLUSH arguments and arity', async () => {
    expect(await err(r.call('flushdb', 'foo'))).toBe('ERR syntax error');
    expect(await err(r.call('flushall', 'async', 'x'))).toBe('ERR syntax error');
    expect(await err(r.call('dbsize', 'x'))).toBe("ERR wrong number of arguments for 'dbsize' command");
  });

  it('FLUSHALL invalidates WATCH', async () => {
    await r.set('w', '1');
    const other = r.duplicate();
    await other.watch('w');
    await r.call('flushall');
    const res = await other.multi().set('w', '2').exec();
    expect(res).toBeNull();
    other.disconnect();
  });

  it('SWAPDB swaps contents and checks indexes', async () => {
    await r.set('k0', 'v0');
    await r.select(1);
    await r.set('k1', 'v1');
    expect(await r.call('swapdb', '0', '1')).toBe('OK');
    expect(await r.get('k0')).toBe('v0');
    expect(await r.get('k1')).toBeNull();
    await r.select(0);
    expect(await r.get('k1')).toBe('v1');
    expect(await r.call('swapdb', '0', '0')).toBe('OK');
    expect(await err(r.call('swapdb', 'a', '1'))).toBe('ERR invalid first DB index');
    expect(await err(r.call('swapdb', '0', 'b'))).toBe('ERR invalid second DB index');
    expect(await err(r.call('swapdb', '0', '99'))).toBe('ERR DB index is out of range');
    expect(await err(r.call('swapdb', '-1', '0'))).toBe('ERR DB index is out of range');
    expect(await err(r.call('swapdb', '0'))).toBe("ERR wrong number of arguments for 'swapdb' command");
  });
});

describe('TIME / LASTSAVE', () => {
  it('TIME is [seconds, microseconds]', async () => {
    const [sec, usec] = (await r.call('time')) as string[];
    expect(Math.abs(Number(sec) - Date.now() / 1000)).toBeLessThan(5);
    expect(Number(usec)).toBeGreaterThanOrEqual(0);
    expect(Number(usec)).toBeLessThan(1_000_000);
    expect(await err(r.call('time', 'x'))).toBe("ERR wrong number of arguments for 'time' command");
  });

  it('LASTSAVE is the start time', async () => {
    const t = (await r.call('lastsave')) as number;
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
    expect(await err(r.call('lastsave', 'x'))).toBe("ERR wrong number of arguments for 'lastsave' command");
  });
});

describe('SHUTDOWN', () => {
  it('checks its options', async () => {
    expect(await err(r.call('shutdown', 'foo'))).toBe('ERR syntax error');
    expect(await err(r.call('shutdown', 'save', 'nosave'))).toBe('ERR syntax error');
    expect(await err(r.call('shutdown', 'abort', 'now'))).toBe('ERR syntax error');
    expect(await err(r.call('shutdown', 'abort'))).toBe('ERR No shutdown in progress.');
  });

  it('shuts the server down and closes the connection', async () => {
    const s = await startTestServer();
    const c = await RawClient.connect(s.port);
    c.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    expect(await c.waitClose()).toBe(true);
    expect(c.received.length).toBe(0);
    await s.closed;
    await s.close();
  });
});

describe('MONITOR', () => {
  it('replies OK, then streams other clients\' commands', async () => {
    const m = await RawClient.connect(server.port);
    expect(await m.request('*1\r\n$7\r\nMONITOR\r\n', 5)).toBe('+OK\r\n');
    await r.set('mk', 'hello world');
    const s = await m.waitFor((x) => x.includes('"mk"'));
    expect(s).toMatch(/^\+OK\r\n\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "set" "mk" "hello world"\r\n/);
    m.close();
  });
});

describe('SLOWLOG', () => {
  it('records slow commands with Redis\'s entry shape', async () => {
    await r.call('config', 'set', 'slowlog-log-slower-than', '0').catch(() => {});
    const c = r.duplicate();
    await c.call('slowlog', 'reset');
    await c.call('client', 'setname', 'slowpoke').catch(() => {});
    await c.set('sk', 'v');
    const entries = (await c.call('slowlog', 'get', '-1')) as unknown[][];
    const set = entries.find((e) => (e[3] as string[])[0] === 'set')!;
    expect(set).toBeDefined();
    expect(set).toHaveLength(6);
    expect(typeof set[0]).toBe('number');
    expect(Math.abs((set[1] as number) - Date.now() / 1000)).toBeLessThan(10);
    expect(typeof set[2]).toBe('number');
    expect(set[3]).toEqual(['set', 'sk', 'v']);
    expect(set[4]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(typeof set[5]).toBe('string');
    expect(await c.call('slowlog', 'len')).toBeGreaterThan(0);
    expect((await c.call('slowlog', 'get', '1')) as unknown[]).toHaveLength(1);
    expect(await c.call('slowlog', 'reset')).toBe('OK');
    // RESET itself may be logged
    expect(await c.call('slowlog', 'len')).toBeLessThanOrEqual(1);
    await r.call('config', 'set', 'slowlog-log-slower-than', '10000').catch(() => {});
    c.disconnect();
  });

  it('truncates long argument lists and long arguments', async () => {
    server.core.slowlog.reset();
    const args = Array.from({ length: 40 }, (_, i) => (i === 0 ? 'x'.repeat(200) : String(i)));
    server.core.slowlog.record(20000, ['rpush', ...args], '1.2.3.4:5', 'n', 1);
    const [e] = server.core.slowlog.get(1);
    expect(e.argv).toHaveLength(32);
    expect(e.argv[1]).toBe(`${'x'.repeat(128)}... (72 more bytes)`);
    expect(e.argv[31]).toBe('... (10 more arguments)');
    server.core.slowlog.reset();
  });

  it('checks arguments', async () => {
    expect(await err(r.call('slowlog', 'get', 'x'))).toBe('ERR count should be greater than or equal to -1');
    expect(await err(r.call('slowlog', 'get', '-2'))).toBe('ERR count should be greater than or equal to -1');
    expect(await err(r.call('slowlog', 'get', '1', '2'))).toBe(
      "ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.",
    );
    expect(await err(r.call('slowlog', 'len', 'x'))).toBe("ERR wrong number of arguments for 'slowlog|len' command");
    expect(await err(r.call('slowlog', 'foo'))).toBe("ERR unknown subcommand 'foo'. Try SLOWLOG HELP.");
    expect(await err(r.call('slowlog'))).toBe("ERR wrong number of arguments for 'slowlog' command");
    const help = (await r.call('slowlog', 'help')) as string[];
    expect(help[0]).toBe('SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(help.at(-1)).toBe('    Prints this help.');
  });
});

describe('LATENCY', () => {
  it('answers empty when nothing was recorded', async () => {
    expect(await r.call('latency', 'latest')).toEqual([]);
    expect(await r.call('latency', 'history', 'command')).toEqual([]);
    expect(await r.call('latency', 'reset')).toBe(0);
    expect(await err(r.call('latency', 'graph', 'command'))).toBe("ERR No samples available for event 'command'");
    expect(await r.call('latency', 'doctor')).toMatch(/^I'm sorry, Dave, I can't do that\. Latency monitoring is disabled/);
    expect(await err(r.call('latency', 'history'))).toBe("ERR wrong number of arguments for 'latency|history' command");
    expect(await err(r.call('latency', 'foo'))).toBe("ERR unknown subcommand 'foo'. Try LATENCY HELP.");
  });

  it('records a slow command as a "command" event once latency-monitor-threshold is set', async () => {
    await r.call('latency', 'reset');
    await r.call('config', 'set', 'latency-monitor-threshold', '10');
    await r.call('debug', 'sleep', '0.03');
    const latest = (await r.call('latency', 'latest')) as unknown[][];
    expect(latest.map((e) => e[0])).toEqual(['command']);
    expect(latest[0][2]).toBeGreaterThanOrEqual(30);
    expect(await r.call('latency', 'doctor')).toMatch(/^Dave, I have observed latency spikes/);
    await r.call('config', 'set', 'latency-monitor-threshold', '0');
    await r.call('latency', 'reset');
  });

  it('records command events when latency-monitor-threshold is set', async () => {
    const admin = server.core.admin;
    admin.latencyAddSample('command', 120);
    const latest = (await r.call('latency', 'latest')) as unknown[][];
    expect(latest).toHaveLength(1);
    expect(latest[0][0]).toBe('command');
    expect(latest[0][2]).toBe(120);
    expect(latest[0][3]).toBe(120);
    const hist = (await r.call('latency', 'history', 'command')) as number[][];
    expect(hist).toHaveLength(1);
    expect(hist[0][1]).toBe(120);
    expect(await r.call('latency', 'graph', 'command')).toMatch(/^command - high 120 ms/);
    expect(await r.call('latency', 'reset', 'command', 'nope')).toBe(1);
    expect(await r.call('latency', 'latest')).toEqual([]);
  });
});

describe('DEBUG', () => {
  it('SLEEP blocks the server', async () => {
    const t0 = Date.now();
    expect(await r.call('debug', 'sleep', '0.2')).toBe('OK');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(await r.call('debug', 'sleep', '0')).toBe('OK');
    expect(await r.call('debug', 'sleep', 'x')).toBe('OK');
  });

  it('SET-ACTIVE-EXPIRE toggles active expiry', async () => {
    expect(await r.call('debug', 'set-active-expire', '0')).toBe('OK');
    expect(server.core.activeExpireEnabled).toBe(false);
    expect(await r.call('debug', 'set-active-expire', '1')).toBe('OK');
    expect(server.core.activeExpireEnabled).toBe(true);
  });

  it('OBJECT shows Redis\'s line', async () => {
    await r.set('s', 'hello');
    await r.set('i', '12345');
    await r.set('long', 'x'.repeat(50));
    expect(await r.call('debug', 'object', 's')).toMatch(
      /^Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:6 lru:\d+ lru_seconds_idle:0$/,
    );
    expect(await r.call('debug', 'object', 'i')).toMatch(/encoding:int serializedlength:3 /);
    expect(await r.call('debug', 'object', 'long')).toMatch(/encoding:raw serializedlength:12 /); // LZF, as Redis 7.0.15
    expect(await err(r.call('debug', 'object', 'nokey'))).toBe('ERR no such key');
  });

  it('answers Redis\'s errors for unknown subcommands and arity', async () => {
    expect(await err(r.call('debug'))).toBe("ERR wrong number of arguments for 'debug' command");
    expect(await err(r.call('debug', 'foo'))).toBe(
      "ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.",
    );
    expect(await err(r.call('debug', 'sleep'))).toBe(
      "ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP.",
    );
    expect(await err(r.call('debug', 'object'))).toBe(
      "ERR unknown subcommand or wrong number of arguments for 'object'. Try DEBUG HELP.",
    );
    expect(await err(r.call('debug', 'reload', 'x'))).toBe('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
    const help = (await r.call('debug', 'help')) as string[];
    expect(help[0]).toBe('DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  });

  it('is refused unless enable-debug-command allows it', async () => {
    const s = await startTestServer();
    const c = new Redis({ port: s.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await c.connect();
    expect(await err(c.call('debug', 'sleep', '0'))).toMatch(/^ERR DEBUG command not allowed\. If the enable-debug-command/);
    c.disconnect();
    await s.close();
    const sock = path.join(os.tmpdir(), `nodis-debug-${process.pid}.sock`);
    const local = await startTestServer({ 'enable-debug-command': 'local', unixsocket: sock });
    const lc = new Redis({ port: local.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await lc.connect();
    expect(await lc.call('debug', 'sleep', '0')).toBe('OK');
    lc.disconnect();
    const uc = new Redis({ path: sock, lazyConnect: true, maxRetriesPerRequest: 0 });
    await uc.connect();
    expect(await uc.call('debug', 'sleep', '0')).toBe('OK');
    uc.disconnect();
    await local.close();
  });
});

describe('scripting stand-ins', () => {
  it('FUNCTION answers as a server with no libraries', async () => {
    expect(await r.call('function', 'flush')).toBe('OK');
    expect(await r.call('function', 'flush', 'async')).toBe('OK');
    expect(await r.call('function', 'list')).toEqual([]);
    expect(await r.call('function', 'list', 'withcode', 'libraryname', 'x')).toEqual([]);
    expect(await r.call('function', 'stats')).toEqual(['running_script', null, 'engines', ['LUA', ['libraries_count', 0, 'functions_count', 0]]]);
    const dump = (await r.callBuffer('function', 'dump')) as Buffer;
    expect(dump.toString('hex')).toBe('0a005d9b5c400f7fa2da');
    expect(await r.call('function', 'restore', dump)).toBe('OK');
    expect(await r.call('function', 'restore', dump, 'replace')).toBe('OK');
    expect(await err(r.call('function', 'restore', 'x'))).toBe('ERR DUMP payload version or checksum are wrong');
    expect(await err(r.call('function', 'restore', 'x', 'foo'))).toBe(
      'ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.',
    );
    expect(await err(r.call('function', 'flush', 'foo'))).toBe('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
    expect(await err(r.call('function', 'list', 'foo'))).toBe('ERR Unknown argument foo');
    expect(await err(r.call('function', 'list', 'libraryname'))).toBe('ERR library name argument was not given');
    expect(await err(r.call('function', 'delete', 'x'))).toBe('ERR Library not found');
    expect(await err(r.call('function', 'kill'))).toBe('NOTBUSY No scripts in execution right now.');
    expect(await err(r.call('function', 'load', 'x'))).toBe('ERR scripting is not supported by nodis yet');
    expect(await err(r.call('function'))).toBe("ERR wrong number of arguments for 'function' command");
    expect(await err(r.call('function', 'stats', 'x'))).toBe("ERR wrong number of arguments for 'function|stats' command");
  });

  it('EVAL/EVALSHA/FCALL and SCRIPT answer clearly', async () => {
    expect(await err(r.call('eval', 'return 1', '0'))).toBe('ERR scripting is not supported by nodis yet');
    expect(await err(r.call('eval_ro', 'return 1', '0'))).toBe('ERR scripting is not supported by nodis yet');
    expect(await err(r.call('eval', 'return 1', '-1'))).toBe("ERR Number of keys can't be negative");
    expect(await err(r.call('eval', 'return 1', '5', 'a'))).toBe("ERR Number of keys can't be greater than number of args");
    expect(await err(r.call('eval', 'return 1', 'x'))).toBe('ERR value is not an integer or out of range');
    expect(await err(r.call('evalsha', 'abc', '0'))).toBe('NOSCRIPT No matching script. Please use EVAL.');
    expect(await err(r.call('evalsha_ro', 'abc', '0'))).toBe('NOSCRIPT No matching script. Please use EVAL.');
    expect(await err(r.call('fcall', 'f', '0'))).toBe('ERR Function not found');
    expect(await err(r.call('fcall_ro', 'f', '0'))).toBe('ERR Function not found');
    expect(await err(r.call('eval', 'x'))).toBe("ERR wrong number of arguments for 'eval' command");
    expect(await r.call('script', 'flush')).toBe('OK');
    expect(await r.call('script', 'exists', 'a', 'b')).toEqual([0, 0]);
    expect(await err(r.call('script', 'load', 'return 1'))).toBe('ERR scripting is not supported by nodis yet');
    expect(await err(r.call('script', 'kill'))).toBe('NOTBUSY No scripts in execution right now.');
    expect(await err(r.call('script', 'flush', 'x'))).toBe('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
    expect(await err(r.call('script', 'exists'))).toBe("ERR wrong number of arguments for 'script|exists' command");
  });
});

describe('SLOWLOG redaction', () => {
  it('hides AUTH, HELLO AUTH and sensitive CONFIG SET arguments as Redis does', () => {
    const log = server.core.slowlog;
    log.reset();
    log.record(20000, ['AUTH', 'user', 'pw'], 'a', '', 1);
    log.record(20000, ['HELLO', '3', 'AUTH', 'default', 'pw', 'SETNAME', 'x'], 'a', '', 1);
    log.record(20000, ['config', 'set', 'requirepass', 'pw', 'maxclients', '10'], 'a', '', 1);
    const [config, hello, auth] = log.get(3);
    expect(auth.argv).toEqual(['AUTH', '(redacted)', '(redacted)']);
    expect(hello.argv).toEqual(['HELLO', '3', 'AUTH', '(redacted)', '(redacted)', 'SETNAME', 'x']);
    expect(config.argv).toEqual(['config', 'set', 'requirepass', '(redacted)', 'maxclients', '10']);
    log.reset();
  });
});

describe('Slowlog limits', () => {
  it('reads limits through the callback until configure() caches them', async () => {
    const { Slowlog } = await import('../../src/server/slowlog.js');
    const log = new Slowlog(() => ({ slowerThanUs: 0, maxLen: 1 }));
    log.record(1, ['a'], '', '', 1);
    log.record(1, ['b'], '', '', 1);
    expect(log.get(-1).map((e) => e.argv[0])).toEqual(['b']);
    log.configure(100, 2);
    log.record(50, ['fast'], '', '', 1);
    log.record(150, ['slow'], '', '', 1);
    expect(log.get(-1).map((e) => e.argv[0])).toEqual(['slow', 'b']);
    log.configure(-1, 2);
    log.record(1e9, ['off'], '', '', 1);
    expect(log.len()).toBe(2);
  });
});
