/**
 * CONFIG GET/SET/RESETSTAT/REWRITE/HELP on an in-process server, error texts compared with a
 * real Redis 7.0 (oracle) where it is installed, and the side effects of CONFIG SET.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/index.js';
import { Config } from '../../src/config.js';
import { loadServerConfig, parseCommandLine } from '../../src/config-file.js';
import { hasRedis, startRedis, type RedisOracle } from '../helpers/oracle.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
let c: Redis;

async function run(client: Redis, ...args: string[]): Promise<unknown> {
  try {
    return await client.call(args[0], ...args.slice(1));
  } catch (e) {
    return `ERROR: ${(e as Error).message}`;
  }
}

beforeAll(async () => {
  server = await startTestServer();
  c = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
});
afterAll(async () => {
  c.disconnect();
  await server.close();
});

describe('CONFIG GET', () => {
  it('answers exact names, aliases and hidden names under the name given', async () => {
    expect(await run(c, 'config', 'get', 'maxmemory')).toEqual(['maxmemory', '0']);
    // startTestServer asks for port 0 (an ephemeral port); the directive reports the port bound
    expect(await run(c, 'config', 'get', 'PORT')).toEqual(['PORT', String(server.port)]);
    expect(await run(c, 'config', 'get', 'slave-read-only')).toEqual(['slave-read-only', 'yes']);
    expect(await run(c, 'config', 'get', 'use-exit-on-panic')).toEqual(['use-exit-on-panic', 'no']);
    expect(await run(c, 'config', 'get', '*exit*')).toEqual([]);
    expect(await run(c, 'config', 'get', 'nonexistent')).toEqual([]);
  });

  it('matches glob patterns against names and aliases, several patterns, each name once', async () => {
    const r = (await run(c, 'config', 'get', '*read-only*')) as string[];
    expect(r.filter((_, i) => i % 2 === 0).sort()).toEqual(['replica-read-only', 'slave-read-only']);
    const m = (await run(c, 'config', 'get', 'maxmemory', 'bind', 'port', 'PORT', 'p?rt')) as string[];
    expect(m).toEqual(['maxmemory', '0', 'bind', '127.0.0.1', 'port', String(server.port)]);
    const all = (await run(c, 'config', 'get', '*')) as string[];
    expect(all.length / 2).toBe(192);
  });

  it('is a map in RESP3', async () => {
    const raw = await RawClient.connect(server.port);
    raw.write('HELLO 3\r\n');
    await raw.waitFor((s) => s.includes('modules'));
    raw.clear();
    const reply = await raw.request('CONFIG GET maxmemory\r\n', '%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n'.length);
    expect(reply).toBe('%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n');
    raw.close();
  });
});

describe('CONFIG SET', () => {
  it('sets several values atomically', async () => {
    expect(await run(c, 'config', 'set', 'maxmemory', '10mb', 'timeout', '30')).toBe('OK');
    expect(await run(c, 'config', 'get', 'maxmemory', 'timeout')).toEqual(['maxmemory', '10485760', 'timeout', '30']);
    expect(await run(c, 'config', 'set', 'maxmemory', '20mb', 'timeout', 'abc')).toMatch(/possibly related to argument 'timeout'/);
    expect(await run(c, 'config', 'get', 'maxmemory', 'timeout')).toEqual(['maxmemory', '10485760', 'timeout', '30']);
    await run(c, 'config', 'set', 'maxmemory', '0', 'timeout', '0');
  });

  it('applies side effects: output buffer limits, notifications, proto-max-bulk-len', async () => {
    await run(c, 'config', 'set', 'client-output-buffer-limit', 'pubsub 1mb 512kb 10 normal 2mb 1mb 5');
    expect(server.core.configService.outputLimit('pubsub')).toEqual({ hard: 1048576, soft: 524288, softSeconds: 10 });
    expect(server.core.configService.outputLimit('normal')).toEqual({ hard: 2097152, soft: 1048576, softSeconds: 5 });
    await run(c, 'config', 'set', 'client-output-buffer-limit', 'normal 0 0 0 pubsub 32mb 8mb 60');
    expect(server.core.configService.outputLimit('normal')).toBeNull();
    await run(c, 'config', 'set', 'proto-max-bulk-len', '2mb');
    expect(server.core.readerLimits.maxBulkLen).toBe(2 * 1024 * 1024);
    await run(c, 'config', 'set', 'proto-max-bulk-len', '512mb');
    await run(c, 'config', 'set', 'notify-keyspace-events', 'KEA');
    expect(server.core.notifier.enabled).toBe(true);
    await run(c, 'config', 'set', 'notify-keyspace-events', '');
    expect(server.core.notifier.enabled).toBe(false);
  });

  it('runs registered appliers, restoring every value when one fails', async () => {
    const seen: string[] = [];
    server.core.configService.onSet(['appendonly'], () => {
      seen.push(server.core.config.get('appendonly'));
      return server.core.config.get('appendonly') === 'yes' ? 'Unable to turn on AOF. Check server logs.' : null;
    });
    expect(await run(c, 'config', 'set', 'timeout', '5', 'appendonly', 'yes')).toBe(
      "ERROR: ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.",
    );
    expect(await run(c, 'config', 'get', 'timeout', 'appendonly')).toEqual(['timeout', '0', 'appendonly', 'no']);
    expect(await run(c, 'config', 'set', 'appendonly', 'no', 'timeout', '0')).toBe('OK');
    expect(seen).toEqual(['yes']); // not called when the value did not change
  });

  it('allows protected configs only as enable-protected-configs says', async () => {
    expect(await run(c, 'config', 'set', 'dir', server.dir)).toBe(
      "ERROR: ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config",
    );
    const s2 = await startTestServer({ 'enable-protected-configs': 'local' });
    const c2 = new Redis({ port: s2.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await c2.connect();
    const sub = path.join(s2.dir, 'sub');
    fs.mkdirSync(sub);
    expect(await run(c2, 'config', 'set', 'dir', sub)).toBe('OK');
    expect(await run(c2, 'config', 'get', 'dir')).toEqual(['dir', sub]);
    expect(await run(c2, 'config', 'set', 'dir', path.join(s2.dir, 'nope'))).toBe(
      "ERROR: ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory",
    );
    c2.disconnect();
    await s2.close();
  });
});

describe('CONFIG RESETSTAT, REWRITE, HELP', () => {
  it('RESETSTAT resets the stats', async () => {
    await run(c, 'set', 'k', 'v');
    await run(c, 'nosuchcommand');
    expect(server.core.table.get('set')!.stats.calls).toBeGreaterThan(0);
    expect(server.core.stats.errorReplies).toBeGreaterThan(0);
    expect(await run(c, 'config', 'resetstat')).toBe('OK');
    expect(server.core.table.get('set')!.stats.calls).toBe(0);
    expect(server.core.stats.errorReplies).toBe(0);
  });

  it('REWRITE without a config file fails like Redis', async () => {
    expect(await run(c, 'config', 'rewrite')).toBe('ERROR: ERR The server is running without a config file');
  });

  it('REWRITE writes changed values into the file, keeping its comments', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-rw-'));
    const file = path.join(dir, 'redis.conf');
    fs.writeFileSync(file, '# keep me\nmaxmemory 100mb\n# and me\nslave-read-only yes\n');
    const config = new Config();
    loadServerConfig(config, parseCommandLine([file]));
    const s = await startServer({ baseConfig: config, config: { port: 0, bind: '127.0.0.1' }, silent: true });
    const cc = new Redis({ port: s.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await cc.connect();
    expect(await run(cc, 'config', 'set', 'maxmemory', '1gb', 'slave-read-only', 'no', 'hz', '20')).toBe('OK');
    expect(await run(cc, 'config', 'rewrite')).toBe('OK');
    const text = fs.readFileSync(file, 'latin1');
    expect(text.startsWith('# keep me\nmaxmemory 1gb\n# and me\nreplica-read-only no\n\n# Generated by CONFIG REWRITE\n')).toBe(true);
    expect(text).toContain('\nhz 20\n');
    expect(text).toContain(`\nport ${s.port}\n`);
    cc.disconnect();
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('HELP lists the subcommands', async () => {
    const help = (await run(c, 'config', 'help')) as string[];
    expect(help[0]).toBe('CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(help).toContain('REWRITE');
    expect(help.at(-1)).toBe('    Prints this help.');
  });
});

describe('protected mode', () => {
  const ip = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

  it.skipIf(!ip)('refuses non-loopback clients without a password, with the DENIED error', async () => {
    const s = await startServer({ config: { port: 0, bind: '0.0.0.0' }, silent: true });
    const raw = await RawClient.connect(s.port, ip);
    await raw.waitClose();
    expect(raw.received.toString('latin1')).toMatch(/^-DENIED Redis is running in protected mode because protected mode is enabled and no password is set/);
    const local = await RawClient.connect(s.port, '127.0.0.1');
    expect(await local.request('PING\r\n', 7)).toBe('+PONG\r\n');
    local.close();
    s.core.config.set('protected-mode', 'no');
    const again = await RawClient.connect(s.port, ip);
    expect(await again.request('PING\r\n', 7)).toBe('+PONG\r\n');
    again.close();
    await s.close();
  });
});

describe.skipIf(!hasRedis)('error texts against Redis 7.0', () => {
  let redis: RedisOracle;
  let r: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    r = new Redis({ port: redis.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await r.connect();
  });
  afterAll(async () => {
    r.disconnect();
    await redis.close();
  });

  const cases: string[][] = [
    ['config', 'set', 'foo', 'bar'],
    ['config', 'set', 'databases', '3'],
    ['config', 'set', 'dir', '/tmp'],
    ['config', 'set', 'dbfilename', 'x.rdb'],
    ['config', 'set', 'maxmemory', 'abc'],
    ['config', 'set', 'maxmemory', '-1'],
    ['config', 'set', 'port', '70000'],
    ['config', 'set', 'port', 'abc'],
    ['config', 'set', 'hz', '-1'],
    ['config', 'set', 'loglevel', 'bogus'],
    ['config', 'set', 'appendonly', 'maybe'],
    ['config', 'set', 'save', '1'],
    ['config', 'set', 'client-output-buffer-limit', 'normal 1 2'],
    ['config', 'set', 'client-output-buffer-limit', 'master 1 2 3'],
    ['config', 'set', 'client-output-buffer-limit', 'normal x 2 3'],
    ['config', 'set', 'notify-keyspace-events', 'Q'],
    ['config', 'set', 'unixsocketperm', '999'],
    ['config', 'set', 'maxmemory-clients', '200%'],
    ['config', 'set', 'maxmemory-clients', 'abc'],
    ['config', 'set', 'port', '1', 'port', '2'],
    ['config', 'set', 'port', '1', 'hz'],
    ['config', 'set', 'slave-read-only', 'yes', 'slave-read-only', 'no'],
    ['config', 'set', 'oom-score-adj-values', '1 2'],
    ['config', 'set', 'oom-score-adj-values', '1 2 9999'],
    ['config', 'set', 'latency-tracking-info-percentiles', 'abc'],
    ['config', 'set', 'slowlog-log-slower-than', '-2'],
    ['config', 'set', 'maxclients', '0'],
    ['config', 'set', 'proto-max-bulk-len', '10'],
    ['config', 'set', 'shutdown-on-sigterm', 'bogus'],
    ['config', 'set', 'propagation-error-behavior', 'x'],
    ['config', 'set', 'list-max-listpack-size', '5000000000'],
    ['config', 'set', 'timeout', '1.5'],
    ['config', 'set', 'active-defrag-cycle-min', '100'],
    ['config', 'set', 'replicaof', 'a 1'],
    ['config', 'set', 'enable-debug-command', 'yes'],
    ['config', 'set', 'activedefrag', 'yes'],
    ['config', 'set', 'port', '1', 'foo', '2'],
    ['config', 'set', 'databases', '1', 'foo', '2'],
    ['config', 'set', 'foo', '1', 'databases', '2'],
    ['config', 'set', 'port', 'abc', 'databases', '2'],
    ['config', 'set', 'maxmemory', '1gb', 'port', 'abc'],
    ['config', 'get'],
    ['config'],
    ['config', 'foo'],
    ['config', 'resetstat', 'x'],
    ['config', 'rewrite'],
    ['config', 'help'],
    ['config', 'set', 'maxmemory', '1K'],
    ['config', 'get', 'maxmemory'],
    ['config', 'set', 'maxmemory', '0'],
    ['config', 'set', 'save', '100 2 200 3'],
    ['config', 'get', 'save'],
    ['config', 'set', 'client-output-buffer-limit', 'pubsub 1mb 2k 3'],
    ['config', 'get', 'client-output-buffer-limit'],
    ['config', 'set', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60'],
    ['config', 'set', 'hz', '1000'],
    ['config', 'get', 'hz'],
    ['config', 'set', 'hz', '10'],
    ['config', 'set', 'lua-time-limit', '100'],
    ['config', 'get', 'busy-reply-threshold', 'lua-time-limit'],
    ['config', 'set', 'notify-keyspace-events', 'KEA'],
    ['config', 'get', 'notify-keyspace-events'],
    ['config', 'set', 'notify-keyspace-events', ''],
    ['config', 'get', 'sl*ve-read-only', 'maxmemory', 'bind', 'PORT'],
    ['config', 'set', 'PORT', 'abc'],
    ['config', 'set', 'DATABASES', '3'],
    ['config', 'set', 'Slave-Read-Only', 'maybe'],
    ['config', 'set', 'FOO', '1'],
    ['config', 'get', 'SLAVE-read-only'],
  ];

  it('CONFIG replies match Redis', async () => {
    const redisPort = String(redis.port);
    for (const args of cases) {
      const want = await run(r, ...args);
      const got = await run(c, ...args);
      // legitimate differences: the port number, and the order of CONFIG GET's map (Redis's is hash order)
      const norm = (v: unknown) => {
        if (args[1] === 'get' && Array.isArray(v)) {
          const pairs: string[] = [];
          for (let i = 0; i < v.length; i += 2) pairs.push(`${v[i]}=${v[i + 1]}`);
          v = pairs.sort();
        }
        return JSON.stringify(v).replaceAll(redisPort, 'PORT').replaceAll(String(server.port), 'PORT');
      };
      expect(norm(got), args.join(' ')).toBe(norm(want));
    }
  });

  it('CONFIG GET * lists the same names and defaults as Redis', async () => {
    const pairs = async (cl: Redis) => {
      const flat = (await run(cl, 'config', 'get', '*')) as string[];
      const m = new Map<string, string>();
      for (let i = 0; i < flat.length; i += 2) m.set(flat[i], flat[i + 1]);
      return m;
    };
    const want = await pairs(r);
    const got = await pairs(c);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    const differ = [...want].filter(([k, v]) => got.get(k) !== v).map(([k]) => k).sort();
    // started with different ports/dirs; the oracle helper passes --enable-debug-command yes
    expect(differ).toEqual(['dir', 'enable-debug-command', 'port']);
  });
});
