/**
 * nodis replicating from a real redis-server 7.0 master: full sync of every type and encoding
 * (diskless and disk-based payloads), streaming of every write command (fixed and seeded random
 * workloads, MULTI/EXEC, several dbs), partial resync after CLIENT KILL TYPE master on the
 * replica (sync_partial_ok on the master), -READONLY, ROLE and INFO replication's replica fields,
 * and DEBUG DIGEST equal on both sides after each step. Waits on offsets, never on sleeps.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/index.js';
import { diffKeyDigests, digest, fixedWrites, keyDigests, knownCommands, randomWrites, removeDir, startOnDir } from '../helpers/aof-workload.js';
import { freePort, hasRedis, startRedis, whenReady } from '../helpers/oracle.js';
import { RespConn } from '../helpers/resp-session.js';

const SEED = process.env.NODIS_SEED ? Number(process.env.NODIS_SEED) : Date.now() % 100000;

async function cmd(port: number, ...args: string[]): Promise<string> {
  const c = await RespConn.connect(port);
  try {
    return await c.cmd(...args);
  } finally {
    c.close();
  }
}

async function infoRepl(port: number): Promise<Record<string, string>> {
  const r = await cmd(port, 'INFO', 'replication');
  const out: Record<string, string> = {};
  for (const line of r.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Waits until the replica's link is up and its offset reached the master's. */
async function waitInSync(masterPort: number, replicaPort: number, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    const m = await infoRepl(masterPort);
    const r = await infoRepl(replicaPort);
    last = `master ${m.master_repl_offset}, replica ${r.master_link_status} ${r.slave_repl_offset}`;
    if (r.master_link_status === 'up' && r.slave_repl_offset === m.master_repl_offset) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`replica not in sync: ${last}`);
}

async function expectSameData(masterPort: number, replicaPort: number): Promise<void> {
  const a = await digest(masterPort);
  const b = await digest(replicaPort);
  if (a !== b) {
    const diff = diffKeyDigests(await keyDigests(masterPort), await keyDigests(replicaPort));
    throw new Error(`DEBUG DIGEST differs (seed ${SEED}):\n${diff.slice(0, 20).join('\n')}`);
  }
}

async function until(fn: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function masterStat(port: number, field: string): Promise<number> {
  const r = await cmd(port, 'INFO', 'stats');
  return Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(r)?.[1] ?? NaN);
}

/** A redis-server on a fixed port and dir, so it can be restarted on them (startRedis picks new ones). */
async function spawnRedis(port: number, dir: string): Promise<{ port: number; stop(): Promise<void>; exited: Promise<unknown> }> {
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '3600 1', '--appendonly', 'no', '--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await whenReady(proc, 'redis-server');
  const exited = new Promise((r) => proc.once('exit', r));
  return {
    port,
    exited,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

describe.skipIf(!hasRedis)('nodis replica of a real Redis 7.0 master', () => {
  let master: Awaited<ReturnType<typeof spawnRedis>>;
  let masterDir: string;
  let replica: ServerHandle;
  let replicaDir: string;
  const replicaConfig = { 'repl-timeout': 5, 'repl-diskless-sync-delay': 0 };

  beforeAll(async () => {
    masterDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-oracle-master-'));
    replicaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-replica-'));
    master = await spawnRedis(await freePort(), masterDir);
    replica = await startOnDir(replicaDir, replicaConfig);
    // every type and encoding before the first sync
    await fixedWrites(master.port);
    await cmd(master.port, 'DEBUG', 'POPULATE', '2000', 'pop', '10');
    await cmd(master.port, 'RPUSH', 'biglist', ...Array.from({ length: 400 }, (_, i) => `item-${i}`));
    await cmd(master.port, 'HSET', 'bighash', ...Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`]).flat());
    await cmd(master.port, 'SADD', 'bigints', ...Array.from({ length: 700 }, (_, i) => String(i * 7)));
  });

  afterAll(async () => {
    await replica?.close();
    await master?.stop();
    removeDir(masterDir);
    removeDir(replicaDir);
  });

  it('full sync (diskless) of every type, then INFO, ROLE and CLIENT LIST show the link', async () => {
    expect(await cmd(replica.port, 'REPLICAOF', '127.0.0.1', String(master.port))).toBe('+OK\r\n');
    await waitInSync(master.port, replica.port);
    await expectSameData(master.port, replica.port);
    const r = await infoRepl(replica.port);
    const m = await infoRepl(master.port);
    expect(r.role).toBe('slave');
    expect(r.master_host).toBe('127.0.0.1');
    expect(r.master_port).toBe(String(master.port));
    expect(r.master_sync_in_progress).toBe('0');
    expect(r.slave_read_repl_offset).toBe(m.master_repl_offset);
    expect(r.slave_read_only).toBe('1');
    expect(r.master_link_down_since_seconds).toBeUndefined();
    expect(r.master_replid).toBe(m.master_replid);
    const role = await cmd(replica.port, 'ROLE');
    expect(role).toBe(`*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:${master.port}\r\n$9\r\nconnected\r\n:${m.master_repl_offset}\r\n`);
    const list = await cmd(replica.port, 'CLIENT', 'LIST', 'TYPE', 'master');
    expect(list).toMatch(new RegExp(`addr=127\\.0\\.0\\.1:${master.port} .*flags=M .*user=\\(superuser\\) `));
    expect(await cmd(replica.port, 'REPLICAOF', '127.0.0.1', String(master.port))).toBe('+OK Already connected to specified master\r\n');
    // the master lists us with our listening port
    const ms = await cmd(master.port, 'INFO', 'replication');
    expect(ms).toMatch(new RegExp(`slave0:ip=127\\.0\\.0\\.1,port=${replica.port},state=online`));
  });

  it('streams every write command (fixed and random workloads, MULTI/EXEC, several dbs)', async () => {
    await fixedWrites(master.port);
    await randomWrites(master.port, SEED, 1500, await knownCommands(replica.port));
    await waitInSync(master.port, replica.port);
    await expectSameData(master.port, replica.port);
  });

  it('chained: a real Redis replica of the nodis replica gets the master stream verbatim (same id and offsets)', async () => {
    const sub = await startRedis(['--replicaof', '127.0.0.1', String(replica.port)]);
    try {
      await waitInSync(master.port, sub.port);
      await fixedWrites(master.port);
      await randomWrites(master.port, SEED + 5, 300, await knownCommands(replica.port));
      await waitInSync(master.port, sub.port);
      const m = await infoRepl(master.port);
      const s2 = await infoRepl(sub.port);
      expect(s2.master_replid).toBe(m.master_replid);
      expect(s2.master_repl_offset).toBe(m.master_repl_offset);
      await expectSameData(master.port, sub.port);
    } finally {
      await sub.close();
    }
  });

  it("WAIT on the master counts our ACKs (REPLCONF GETACK answered)", async () => {
    const c = await RespConn.connect(master.port);
    try {
      await c.cmd('SET', 'waited', '1');
      expect(await c.cmd('WAIT', '1', '5000')).toBe(':1\r\n');
    } finally {
      c.close();
    }
    expect(await cmd(replica.port, 'GET', 'waited')).toBe('$1\r\n1\r\n');
  });

  it('hides keys whose TTL passed but keeps them until the master sends DEL', async () => {
    await cmd(master.port, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    try {
      await cmd(master.port, 'SET', 'short-lived', 'v', 'PX', '100');
      await waitInSync(master.port, replica.port);
      const size = await cmd(replica.port, 'DBSIZE');
      await new Promise((r) => setTimeout(r, 150));
      expect(await cmd(replica.port, 'GET', 'short-lived')).toBe('$-1\r\n');
      expect(await cmd(replica.port, 'EXISTS', 'short-lived')).toBe(':0\r\n');
      expect(await cmd(replica.port, 'DBSIZE')).toBe(size);
      // the master's lazy expiry propagates a DEL
      expect(await cmd(master.port, 'GET', 'short-lived')).toBe('$-1\r\n');
      await waitInSync(master.port, replica.port);
      expect(await cmd(replica.port, 'DBSIZE')).toBe(`:${Number(size.slice(1)) - 1}\r\n`);
    } finally {
      await cmd(master.port, 'DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    }
  });

  it('refuses writes from clients (-READONLY) but serves reads', async () => {
    expect(await cmd(replica.port, 'SET', 'x', '1')).toBe("-READONLY You can't write against a read only replica.\r\n");
    expect(await cmd(replica.port, 'GET', 'str')).toBe(await cmd(master.port, 'GET', 'str'));
  });

  it('continues with a partial resync after CLIENT KILL TYPE master, writes meanwhile', async () => {
    const partialBefore = await masterStat(master.port, 'sync_partial_ok');
    const fullBefore = await masterStat(master.port, 'sync_full');
    expect(await cmd(replica.port, 'CLIENT', 'KILL', 'TYPE', 'master')).toBe(':1\r\n');
    await randomWrites(master.port, SEED + 1, 300, await knownCommands(replica.port));
    await waitInSync(master.port, replica.port);
    await expectSameData(master.port, replica.port);
    expect(await masterStat(master.port, 'sync_partial_ok')).toBe(partialBefore + 1);
    expect(await masterStat(master.port, 'sync_full')).toBe(fullBefore);
  });

  it('full sync with a disk-based payload ($<len>) after REPLICAOF NO ONE and back', async () => {
    await cmd(master.port, 'CONFIG', 'SET', 'repl-diskless-sync', 'no');
    expect(await cmd(replica.port, 'REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    const promoted = await infoRepl(replica.port);
    expect(promoted.role).toBe('master');
    // writes on the promoted replica are allowed, then thrown away by the next full sync
    expect(await cmd(replica.port, 'SET', 'only-here', '1')).toBe('+OK\r\n');
    await cmd(master.port, 'SET', 'while-apart', '1');
    const fullBefore = await masterStat(master.port, 'sync_full');
    expect(await cmd(replica.port, 'REPLICAOF', '127.0.0.1', String(master.port))).toBe('+OK\r\n');
    await waitInSync(master.port, replica.port);
    expect(await masterStat(master.port, 'sync_full')).toBe(fullBefore + 1);
    expect(await cmd(replica.port, 'EXISTS', 'only-here')).toBe(':0\r\n');
    await fixedWrites(master.port);
    await waitInSync(master.port, replica.port);
    await expectSameData(master.port, replica.port);
  });

  it('a replica restarted with replicaof in its config continues from its RDB (partial resync)', async () => {
    // past the backlog of the last full sync: only the offset a SAVE on the replica records can continue
    await cmd(master.port, 'CONFIG', 'SET', 'repl-backlog-size', '16384');
    for (let i = 0; i < 40; i++) await cmd(master.port, 'SET', `filler:${i}`, 'x'.repeat(1000));
    await waitInSync(master.port, replica.port);
    expect(await cmd(replica.port, 'SAVE')).toBe('+OK\r\n');
    await replica.close();
    await cmd(master.port, 'SET', 'while-replica-down', '1');
    const partialBefore = await masterStat(master.port, 'sync_partial_ok');
    const fullBefore = await masterStat(master.port, 'sync_full');
    replica = await startOnDir(replicaDir, { ...replicaConfig, replicaof: `127.0.0.1 ${master.port}` });
    await waitInSync(master.port, replica.port);
    expect(await masterStat(master.port, 'sync_partial_ok')).toBe(partialBefore + 1);
    expect(await masterStat(master.port, 'sync_full')).toBe(fullBefore);
    await expectSameData(master.port, replica.port);
    await cmd(master.port, 'CONFIG', 'SET', 'repl-backlog-size', '1mb');
  });

  it('a replica down while the master overflows its backlog gets a full resync on restart', async () => {
    await replica.close();
    await cmd(master.port, 'CONFIG', 'SET', 'repl-backlog-size', '16384');
    // more than the backlog holds
    for (let i = 0; i < 40; i++) await cmd(master.port, 'SET', `overflow:${i}`, 'x'.repeat(1000));
    const fullBefore = await masterStat(master.port, 'sync_full');
    const errBefore = await masterStat(master.port, 'sync_partial_err');
    replica = await startOnDir(replicaDir, { ...replicaConfig, replicaof: `127.0.0.1 ${master.port}` });
    await waitInSync(master.port, replica.port);
    expect(await masterStat(master.port, 'sync_full')).toBe(fullBefore + 1);
    expect(await masterStat(master.port, 'sync_partial_err')).toBe(errBefore + 1);
    await expectSameData(master.port, replica.port);
    await cmd(master.port, 'CONFIG', 'SET', 'repl-backlog-size', '1mb');
  });

  it('writes throughout a full sync of 100000 keys reach the replica', async () => {
    await cmd(master.port, 'DEBUG', 'POPULATE', '100000', 'big', '20');
    await cmd(replica.port, 'REPLICAOF', 'NO', 'ONE');
    const fullBefore = await masterStat(master.port, 'sync_full');
    await cmd(replica.port, 'REPLICAOF', '127.0.0.1', String(master.port));
    const writer = await RespConn.connect(master.port);
    let n = 0;
    // until the replica is online: a steady flow of writes, during the snapshot and the load
    for (;;) {
      await writer.cmd('INCR', 'during-sync');
      await writer.cmd('RPUSH', 'during-list', String(n++));
      const r = await infoRepl(replica.port);
      if (r.master_link_status === 'up' && n > 20) break;
    }
    writer.close();
    await waitInSync(master.port, replica.port, 20000);
    expect(await masterStat(master.port, 'sync_full')).toBe(fullBefore + 1);
    expect(await cmd(replica.port, 'GET', 'during-sync')).toBe(await cmd(master.port, 'GET', 'during-sync'));
    await expectSameData(master.port, replica.port);
  }, 30000);

  it('a master restarted with its RDB: the replica reconnects and continues under the new replication id', async () => {
    await randomWrites(master.port, SEED + 2, 200, await knownCommands(replica.port));
    await waitInSync(master.port, replica.port);
    const before = await infoRepl(master.port);
    // SHUTDOWN saves the RDB with the replication id and offset
    const c = await RespConn.connect(master.port);
    c.send('SHUTDOWN', 'SAVE');
    await master.exited;
    c.close();
    await until(async () => (await infoRepl(replica.port)).master_link_status === 'down');
    master = await spawnRedis(master.port, masterDir);
    const after = await infoRepl(master.port);
    expect(after.master_replid2).toBe(before.master_replid);
    await waitInSync(master.port, replica.port);
    const r = await infoRepl(replica.port);
    expect(r.master_replid).toBe(after.master_replid);
    expect(await masterStat(master.port, 'sync_partial_ok')).toBe(1);
    await cmd(master.port, 'SET', 'after-restart', '1');
    await waitInSync(master.port, replica.port);
    await expectSameData(master.port, replica.port);
  });
});
