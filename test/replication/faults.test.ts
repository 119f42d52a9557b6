/**
 * Faults around nodis -> nodis replication that need real processes: a replica killed (-9) and restarted
 * (a partial resync from the dump.rdb its full sync or a SAVE left, a full one when that file is lost), a
 * master with appendonly killed (-9) and restarted on the same port and dir (its replicas reconnect and
 * converge), and a stalled replica going over client-output-buffer-limit replica during a full sync while another
 * replica completes it. Every write acknowledged by WAIT 1 on the master before a fault is checked on the
 * replica after it, and DEBUG DIGEST is equal on both sides at the end. Waits on offsets, not sleeps.
 * Needs dist/main.js (npm test's pretest builds it).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { digest, removeDir } from '../helpers/aof-workload.js';
import { hasDist, killAllChildren, NODIS_MAIN, ROOT, startNodisChild } from '../helpers/nodis-child.js';
import { freePort } from '../helpers/oracle.js';
import { encodeCommand, RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let opened: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of opened.reverse()) await o.close();
  opened = [];
});
afterAll(() => killAllChildren());

async function server(config: Record<string, string | number> = {}): Promise<TestServer> {
  const s = await startTestServer({ 'repl-diskless-sync-delay': 0, 'enable-debug-command': 'yes', ...config });
  opened.push(s);
  return s;
}

async function client(port: number): Promise<RespConn> {
  const c = await RespConn.connect(port);
  opened.push(c);
  return c;
}

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-repl-fault-'));
  opened.push({ close: () => removeDir(dir) });
  return dir;
}

async function infoRepl(port: number): Promise<Record<string, string>> {
  const c = await RespConn.connect(port);
  try {
    const r = await c.cmd('INFO', 'replication');
    const out: Record<string, string> = {};
    for (const line of r.split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
    }
    return out;
  } finally {
    c.close();
  }
}

/** Waits until the replica's link is up and its offset reached the master's. */
async function inSync(master: number, replica: number, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let m: Record<string, string> = {};
    let r: Record<string, string> = {};
    try {
      m = await infoRepl(master);
      r = await infoRepl(replica);
      if (r.master_link_status === 'up' && r.slave_repl_offset === m.master_repl_offset) return;
    } catch (e) {
      // a server still starting (connection refused / -LOADING)
      if (Date.now() > end) throw e;
    }
    if (Date.now() > end) throw new Error(`replica not in sync: master ${m.master_repl_offset}, replica ${r.master_link_status} ${r.slave_repl_offset}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Writes `n` keys `prefix:i` on the master and returns once WAIT 1 acknowledged them. */
async function ackedWrites(c: RespConn, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) c.send('SET', `${prefix}:${i}`, `v${i}`);
  c.send('HSET', `${prefix}:h`, 'f', prefix);
  for (let i = 0; i <= n; i++) expect(await c.next()).toMatch(/^(\+OK|:1)\r\n$/);
  expect(await c.cmd('WAIT', '1', '5000')).toBe(':1\r\n');
}

async function expectAcked(port: number, prefix: string, n: number): Promise<void> {
  const c = await RespConn.connect(port);
  try {
    for (let i = 0; i < n; i++) expect(await c.cmd('GET', `${prefix}:${i}`)).toBe(`$${`v${i}`.length}\r\nv${i}\r\n`);
    expect(await c.cmd('HGET', `${prefix}:h`, 'f')).toBe(`$${prefix.length}\r\n${prefix}\r\n`);
  } finally {
    c.close();
  }
}

/** nodis (dist/main.js) on a given port and dir, for a master restarted where its replicas look for it. */
async function nodisOnPort(port: number, dir: string, directives: string[]): Promise<{ kill9(): Promise<void> }> {
  const proc = spawn(
    process.execPath,
    [NODIS_MAIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--enable-debug-command', 'yes', ...directives],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = (): boolean => proc.exitCode !== null || proc.signalCode !== null;
  const handle = {
    async kill9(): Promise<void> {
      if (exited()) return;
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await done;
    },
  };
  opened.push({ close: () => handle.kill9() });
  // ready once PING answers +PONG (not -LOADING)
  const end = Date.now() + 20000;
  for (;;) {
    if (exited()) throw new Error(`nodis exited:\n${out}`);
    try {
      const c = await RespConn.connect(port);
      const r = await c.cmd('PING');
      c.close();
      if (r === '+PONG\r\n') return handle;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`nodis not ready:\n${out}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

describe.skipIf(!hasDist)('a replica killed (-9) and restarted', () => {
  it('with the dump.rdb its full sync left: a partial resync (+CONTINUE) from the sync point', async () => {
    const m = await server();
    const mc = await client(m.port);
    const dir = tmpDir();
    await mc.cmd('DEBUG', 'POPULATE', '2000');
    let r = await startNodisChild(dir, ['--replicaof', '127.0.0.1', String(m.port)]);
    opened.push({ close: () => r.kill9() });
    await inSync(m.port, r.port);
    // the payload was stored as dump.rdb (repl-id/repl-offset of the sync point), as Redis's replica does
    expect(fs.existsSync(path.join(dir, 'dump.rdb'))).toBe(true);
    await ackedWrites(mc, 'streamed', 50);
    await r.kill9();
    await mc.cmd('SET', 'while-down', 'w');
    const full = m.core.replication.stats.syncFull;
    const partial = m.core.replication.stats.syncPartialOk;
    r = await startNodisChild(dir, ['--replicaof', '127.0.0.1', String(m.port)]);
    opened.push({ close: () => r.kill9() });
    await inSync(m.port, r.port);
    expect(m.core.replication.stats.syncPartialOk).toBe(partial + 1);
    expect(m.core.replication.stats.syncFull).toBe(full);
    await expectAcked(r.port, 'streamed', 50);
    expect(await r.client.get('while-down')).toBe('w');
    expect(await digest(r.port)).toBe(await digest(m.port));
  });

  it('its dump.rdb lost: a full resync; acknowledged writes and the digest match', async () => {
    const m = await server();
    const mc = await client(m.port);
    const dir = tmpDir();
    await mc.cmd('DEBUG', 'POPULATE', '2000');
    let r = await startNodisChild(dir, ['--replicaof', '127.0.0.1', String(m.port)]);
    opened.push({ close: () => r.kill9() });
    await inSync(m.port, r.port);
    await ackedWrites(mc, 'before', 50);
    await r.kill9();
    // the payload the replica kept as dump.rdb (as Redis's disk-load replica does) is gone with the disk
    for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    // writes while the replica is down
    await mc.cmd('SET', 'while-down', 'x');
    await mc.cmd('DEL', 'key:1');
    const full = m.core.replication.stats.syncFull;
    r = await startNodisChild(dir, ['--replicaof', '127.0.0.1', String(m.port)]);
    opened.push({ close: () => r.kill9() });
    await inSync(m.port, r.port);
    expect(m.core.replication.stats.syncFull).toBe(full + 1);
    await expectAcked(r.port, 'before', 50);
    expect(await r.client.get('while-down')).toBe('x');
    expect(await digest(r.port)).toBe(await digest(m.port));
  });

  it('after a SAVE on the replica: a partial resync (+CONTINUE) from its RDB', async () => {
    const m = await server();
    const mc = await client(m.port);
    const dir = tmpDir();
    await mc.cmd('DEBUG', 'POPULATE', '2000');
    let r = await startNodisChild(dir, ['--replicaof', '127.0.0.1', String(m.port)]);
    opened.push({ close: () => r.kill9() });
    await inSync(m.port, r.port);
    await ackedWrites(mc, 'saved', 20);
    expect(await r.client.call('SAVE')).toBe('OK');
    // acknowledged after the RDB was written: must come from the master's backlog
    await ackedWrites(mc, 'after-save', 20);
    await r.kill9();
    await mc.cmd('SET', 'while-down', 'y');
    const full = m.core.replication.stats.syncFull;
    const partial = m.core.replication.stats.syncPartialOk;
    r = await startNodisChild(dir, ['--replicaof', '127.0.0.1', String(m.port)]);
    opened.push({ close: () => r.kill9() });
    await inSync(m.port, r.port);
    expect(m.core.replication.stats.syncPartialOk).toBe(partial + 1);
    expect(m.core.replication.stats.syncFull).toBe(full);
    await expectAcked(r.port, 'saved', 20);
    await expectAcked(r.port, 'after-save', 20);
    expect(await r.client.get('while-down')).toBe('y');
    expect(await digest(r.port)).toBe(await digest(m.port));
  });
});

describe.skipIf(!hasDist)('a master with appendonly killed (-9) and restarted', () => {
  it('the replica reconnects to the restarted master and converges; acknowledged writes survive', async () => {
    const dir = tmpDir();
    const port = await freePort();
    const args = ['--appendonly', 'yes', '--appendfsync', 'always', '--repl-diskless-sync-delay', '0'];
    let m = await nodisOnPort(port, dir, args);
    const r = await server();
    const rc = await client(r.port);
    const mc = await RespConn.connect(port);
    await mc.cmd('DEBUG', 'POPULATE', '1000');
    expect(await rc.cmd('REPLICAOF', '127.0.0.1', String(port))).toBe('+OK\r\n');
    await inSync(port, r.port);
    await ackedWrites(mc, 'acked', 50);
    await m.kill9();
    mc.close();
    for (let i = 0; i < 200 && (await infoRepl(r.port)).master_link_status !== 'down'; i++) await new Promise((res) => setTimeout(res, 20));
    expect((await infoRepl(r.port)).master_link_status).toBe('down');
    // the replica keeps serving the data it has
    await expectAcked(r.port, 'acked', 50);
    m = await nodisOnPort(port, dir, args);
    // the master's AOF has every acknowledged write
    await expectAcked(port, 'acked', 50);
    const mc2 = await client(port);
    expect(await mc2.cmd('SET', 'after-restart', 'z')).toBe('+OK\r\n');
    await inSync(port, r.port, 15000);
    expect(await rc.cmd('GET', 'after-restart')).toBe('$1\r\nz\r\n');
    await expectAcked(r.port, 'acked', 50);
    expect(await digest(r.port)).toBe(await digest(port));
    expect(await mc2.cmd('WAIT', '1', '5000')).toBe(':1\r\n');
  });
});

describe('a stalled replica over client-output-buffer-limit replica during a full sync', () => {
  it('is dropped while the other replica completes its sync; acknowledged writes reach it', async () => {
    const m = await server({ 'client-output-buffer-limit': 'replica 262144 0 0' });
    const mc = await client(m.port);
    expect(await mc.cmd('DEBUG', 'POPULATE', '50000', 'key', '200')).toBe('+OK\r\n');
    // a replica that asks for a full sync and then stops reading (a paused socket does not see its own
    // close either: the master's INFO tells whether it is still a replica)
    const stalled = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ port: m.port, host: '127.0.0.1' }, () => resolve(s));
      s.once('error', reject);
    });
    opened.push({ close: () => stalled.destroy() });
    stalled.on('error', () => {});
    stalled.write(Buffer.from(encodeCommand(['REPLCONF', 'listening-port', '7701']), 'latin1'));
    stalled.write(Buffer.from(encodeCommand(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']), 'latin1'));
    stalled.write(Buffer.from(encodeCommand(['PSYNC', '?', '-1']), 'latin1'));
    stalled.pause();
    const stalledListed = async (): Promise<boolean> => Object.entries(await infoRepl(m.port)).some(([k, v]) => /^slave\d+$/.test(k) && v.includes('port=7701,'));
    for (let i = 0; i < 200 && !(await stalledListed()); i++) await new Promise((res) => setTimeout(res, 10));
    expect(await stalledListed()).toBe(true);
    // a real replica arriving meanwhile
    const r = await server();
    const rc = await client(r.port);
    expect(await rc.cmd('REPLICAOF', '127.0.0.1', String(m.port))).toBe('+OK\r\n');
    // writes during the sync fill the stalled replica's buffer past the limit
    const big = 'x'.repeat(32 * 1024);
    for (let i = 0; i < 400 && (await stalledListed()); i++) await mc.cmd('SET', `big${i % 8}`, big);
    expect(await stalledListed()).toBe(false);
    await inSync(m.port, r.port, 15000);
    await ackedWrites(mc, 'acked', 20);
    expect((await infoRepl(m.port)).connected_slaves).toBe('1');
    await expectAcked(r.port, 'acked', 20);
    expect(await digest(r.port)).toBe(await digest(m.port));
  });
});
