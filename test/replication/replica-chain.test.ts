/**
 * nodis replicating from nodis, the replica side's view: a chained replica (A -> B -> C) gets A's
 * stream verbatim through B (same replication id and offsets), a killed master link continues
 * with +CONTINUE, and a promotion (REPLICAOF NO ONE) keeps the old id as replid2 so another
 * replica of the old master follows the promoted one by partial resync. DEBUG DIGEST equal
 * everywhere after each step; waits on offsets from INFO replication.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/index.js';
import { digest, fixedWrites, knownCommands, randomWrites, removeDir, startOnDir } from '../helpers/aof-workload.js';
import { RespConn } from '../helpers/resp-session.js';
import { startTestServer } from '../helpers/start-server.js';

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

/** Waits until every replica's link is up and its offset reached the master's. */
async function waitInSync(masterPort: number, replicaPorts: number[], timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const m = await infoRepl(masterPort);
    let ok = true;
    last = `master ${m.master_repl_offset}`;
    for (const p of replicaPorts) {
      const r = await infoRepl(p);
      last += `, ${p}: ${r.master_link_status} ${r.slave_repl_offset}`;
      if (r.master_link_status !== 'up' || r.slave_repl_offset !== m.master_repl_offset) ok = false;
    }
    if (ok) return;
    if (Date.now() > end) throw new Error(`replicas not in sync: ${last}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

const opened: ServerHandle[] = [];
afterEach(async () => {
  for (const s of opened.splice(0).reverse()) await s.close();
});

async function server(): Promise<ServerHandle> {
  const s = await startTestServer({ 'enable-debug-command': 'yes', 'repl-diskless-sync-delay': 0 });
  opened.push(s);
  return s;
}

describe('nodis replicas of nodis', () => {
  it('a chained replica gets the stream verbatim: same id, same offsets, same data', async () => {
    const a = await server();
    const b = await server();
    const c = await server();
    await fixedWrites(a.port);
    expect(await cmd(b.port, 'REPLICAOF', '127.0.0.1', String(a.port))).toBe('+OK\r\n');
    await waitInSync(a.port, [b.port]);
    expect(await cmd(c.port, 'REPLICAOF', '127.0.0.1', String(b.port))).toBe('+OK\r\n');
    await waitInSync(a.port, [b.port, c.port]);
    await randomWrites(a.port, SEED, 600, await knownCommands(a.port));
    await fixedWrites(a.port);
    await waitInSync(a.port, [b.port, c.port]);
    const ia = await infoRepl(a.port);
    const ic = await infoRepl(c.port);
    expect(ic.master_replid).toBe(ia.master_replid);
    expect(ic.master_repl_offset).toBe(ia.master_repl_offset);
    const d = await digest(a.port);
    expect(await digest(b.port)).toBe(d);
    expect(await digest(c.port)).toBe(d);
    // B lists C as its replica
    expect((await infoRepl(b.port)).connected_slaves).toBe('1');
  });

  it('CLIENT KILL TYPE master: the replica continues (+CONTINUE), writes meanwhile', async () => {
    const a = await server();
    const b = await server();
    await cmd(b.port, 'REPLICAOF', '127.0.0.1', String(a.port));
    await waitInSync(a.port, [b.port]);
    await fixedWrites(a.port);
    expect(await cmd(b.port, 'CLIENT', 'KILL', 'TYPE', 'master')).toBe(':1\r\n');
    await randomWrites(a.port, SEED + 1, 300, await knownCommands(a.port));
    await waitInSync(a.port, [b.port]);
    const stats = (a as unknown as { core: { replication: { stats: { syncFull: number; syncPartialOk: number } } } }).core.replication.stats;
    expect(stats.syncFull).toBe(1);
    expect(stats.syncPartialOk).toBe(1);
    expect(await digest(b.port)).toBe(await digest(a.port));
  });

  it('promotion: REPLICAOF NO ONE keeps the old id as replid2; the other replica follows by partial resync', async () => {
    const a = await server();
    const b = await server();
    const c = await server();
    await cmd(b.port, 'REPLICAOF', '127.0.0.1', String(a.port));
    await cmd(c.port, 'REPLICAOF', '127.0.0.1', String(a.port));
    await fixedWrites(a.port);
    await waitInSync(a.port, [b.port, c.port]);
    const before = await infoRepl(a.port);
    expect(await cmd(b.port, 'REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    const promoted = await infoRepl(b.port);
    expect(promoted.role).toBe('master');
    expect(promoted.master_replid2).toBe(before.master_replid);
    expect(promoted.second_repl_offset).toBe(String(Number(before.master_repl_offset) + 1));
    expect(promoted.master_replid).not.toBe(before.master_replid);
    // the old master goes away; C follows B
    await cmd(c.port, 'REPLICAOF', '127.0.0.1', String(b.port));
    await randomWrites(b.port, SEED + 2, 300, await knownCommands(b.port));
    await waitInSync(b.port, [c.port]);
    const stats = (b as unknown as { core: { replication: { stats: { syncFull: number; syncPartialOk: number } } } }).core.replication.stats;
    expect(stats.syncPartialOk).toBe(1);
    expect(stats.syncFull).toBe(0);
    expect((await infoRepl(c.port)).master_replid).toBe(promoted.master_replid);
    expect(await digest(c.port)).toBe(await digest(b.port));
    // the old master, demoted, also continues: it PSYNCs with its own id and offset (a synthesized cached master)
    expect(await cmd(a.port, 'REPLICAOF', '127.0.0.1', String(b.port))).toBe('+OK\r\n');
    await fixedWrites(b.port);
    await waitInSync(b.port, [c.port, a.port]);
    expect(stats.syncPartialOk).toBe(2);
    expect(stats.syncFull).toBe(0);
    expect(await digest(a.port)).toBe(await digest(b.port));
  });

  it('an appendonly replica: the full sync rewrites its AOF, streamed writes are appended; a restart has the same data', async () => {
    const a = await server();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aof-replica-'));
    try {
      await fixedWrites(a.port);
      let b = await startOnDir(dir, { appendonly: 'yes', replicaof: `127.0.0.1 ${a.port}` });
      try {
        await waitInSync(a.port, [b.port]);
        await randomWrites(a.port, SEED + 3, 300, await knownCommands(a.port));
        await waitInSync(a.port, [b.port]);
        for (;;) {
          const p = await cmd(b.port, 'INFO', 'persistence');
          if (p.includes('aof_rewrite_in_progress:0') && p.includes('aof_rewrite_scheduled:0')) break;
          await new Promise((res) => setTimeout(res, 10));
        }
        await cmd(a.port, 'SET', 'after-rewrite', '1');
        await waitInSync(a.port, [b.port]);
      } finally {
        await b.close();
      }
      b = await startOnDir(dir, { appendonly: 'yes' });
      try {
        expect(await digest(b.port)).toBe(await digest(a.port));
      } finally {
        await b.close();
      }
    } finally {
      removeDir(dir);
    }
  });

  it('DEBUG RELOAD on a replica while the master writes: the stream waits for the load, nothing is lost', async () => {
    const a = await server();
    const b = await server();
    await cmd(a.port, 'DEBUG', 'POPULATE', '10000', 'k', '20');
    await cmd(b.port, 'REPLICAOF', '127.0.0.1', String(a.port));
    await waitInSync(a.port, [b.port]);
    const writer = await RespConn.connect(a.port);
    const reload = cmd(b.port, 'DEBUG', 'RELOAD');
    for (let i = 0; i < 300; i++) writer.send('INCR', 'during-reload');
    for (let i = 0; i < 300; i++) await writer.next();
    writer.close();
    expect(await reload).toBe('+OK\r\n');
    await waitInSync(a.port, [b.port]);
    expect(await cmd(b.port, 'GET', 'during-reload')).toBe('$3\r\n300\r\n');
    expect(await digest(b.port)).toBe(await digest(a.port));
  });
});
