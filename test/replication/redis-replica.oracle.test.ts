/**
 * Interop: a real redis-server 7.0 replicating from nodis. Full sync (diskless, and disk-based with
 * `repl-diskless-sync no`) of every type and encoding, then the stream of every write command; DEBUG
 * DIGEST equal on both sides. Then a partial resync after CLIENT KILL TYPE master on the replica
 * (+CONTINUE from nodis's backlog), and WAIT acknowledged by the real replica.
 * Waits on offsets (INFO replication), never on sleeps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { digest, fixedWrites, knownCommands, randomWrites } from '../helpers/aof-workload.js';
import { hasRedis, type RedisOracle, startRedis } from '../helpers/oracle.js';
import { RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const SEED = process.env.NODIS_SEED ? Number(process.env.NODIS_SEED) : Date.now() % 100000;

let opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of opened.reverse()) await o.close();
  opened = [];
});

async function infoRepl(port: number): Promise<Record<string, string>> {
  const c = await RespConn.connect(port);
  const r = await c.cmd('INFO', 'replication');
  c.close();
  const out: Record<string, string> = {};
  for (const line of r.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function until(what: string, fn: () => Promise<boolean>, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The replica's link is up and its offset reached the master's. */
async function caughtUp(master: number, replica: number): Promise<void> {
  await until('replica in sync', async () => {
    const m = await infoRepl(master);
    const r = await infoRepl(replica);
    return r.master_link_status === 'up' && r.slave_repl_offset === m.master_repl_offset;
  });
}

async function cmd(port: number, ...args: string[]): Promise<string> {
  const c = await RespConn.connect(port);
  const r = await c.cmd(...args);
  c.close();
  return r;
}

describe.skipIf(!hasRedis)('a real Redis 7.0 replica of nodis', () => {
  for (const diskless of ['yes', 'no']) {
    it(`full sync (repl-diskless-sync ${diskless}), streaming, digest equal (seed ${SEED})`, async () => {
      const master = await startTestServer({ 'repl-diskless-sync': diskless, 'repl-diskless-sync-delay': 0, 'enable-debug-command': 'yes' });
      opened.push(master);
      await fixedWrites(master.port);
      const known = await knownCommands(master.port);
      await randomWrites(master.port, SEED, 400, known);
      const replica: RedisOracle = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
      opened.push(replica);
      await caughtUp(master.port, replica.port);
      expect(await digest(replica.port)).toBe(await digest(master.port));
      // the stream: every write command after the snapshot
      await randomWrites(master.port, SEED + 1, 400, known);
      await fixedWrites(master.port);
      await caughtUp(master.port, replica.port);
      expect(await digest(replica.port)).toBe(await digest(master.port));
      const m = await infoRepl(master.port);
      expect(m.connected_slaves).toBe('1');
      expect(m.slave0).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${replica.port},state=online,offset=\\d+,lag=\\d+$`));
      expect(m.repl_backlog_active).toBe('1');
    });
  }

  it('writes throughout a full sync reach the replica', async () => {
    const master = await startTestServer({ 'repl-diskless-sync-delay': 0, 'enable-debug-command': 'yes' });
    opened.push(master);
    expect(await cmd(master.port, 'DEBUG', 'POPULATE', '20000', 'key', '100')).toBe('+OK\r\n');
    // big collections: written in parts while the writes below change them
    const c = await RespConn.connect(master.port);
    for (let i = 0; i < 3000; i += 500) {
      const args: string[] = [];
      for (let j = i; j < i + 500; j++) args.push(`f${j}`, `v${j}`);
      await c.cmd('HSET', 'bighash', ...args);
      await c.cmd('RPUSH', 'biglist', ...args);
    }
    const known = await knownCommands(master.port);
    const replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
    opened.push(replica);
    // writes while the snapshot is taken and sent
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        await c.cmd('HSET', 'bighash', `f${i % 3000}`, `w${i}`);
        await c.cmd('LSET', 'biglist', String(i % 6000), `w${i}`);
        await c.cmd('SET', `key:${i % 20000}`, `w${i}`);
        await c.cmd('DEL', `key:${(i * 7) % 20000}`);
      }
    })();
    await randomWrites(master.port, SEED + 2, 300, known);
    await until('replica link up', async () => (await infoRepl(replica.port)).master_link_status === 'up', 20000);
    stop = true;
    await writer;
    c.close();
    await caughtUp(master.port, replica.port);
    expect(await digest(replica.port)).toBe(await digest(master.port));
  });

  it('partial resync after CLIENT KILL TYPE master; WAIT acknowledged by the replica', async () => {
    const master = await startTestServer({ 'repl-diskless-sync-delay': 0, 'enable-debug-command': 'yes' });
    opened.push(master);
    await fixedWrites(master.port);
    const replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
    opened.push(replica);
    await caughtUp(master.port, replica.port);
    const before = master.core.replication.stats.syncPartialOk;
    const c = await RespConn.connect(replica.port);
    expect(await c.cmd('CLIENT', 'KILL', 'TYPE', 'master')).toBe(':1\r\n');
    c.close();
    await cmd(master.port, 'SET', 'after-kill', 'x');
    await cmd(master.port, 'LPUSH', 'l2', 'a', 'b');
    await caughtUp(master.port, replica.port);
    expect(master.core.replication.stats.syncPartialOk).toBe(before + 1);
    expect(master.core.replication.stats.syncFull).toBe(1);
    expect(await digest(replica.port)).toBe(await digest(master.port));
    // WAIT: the write is acknowledged by the one replica
    const w = await RespConn.connect(master.port);
    await w.cmd('SET', 'waited', '1');
    expect(await w.cmd('WAIT', '1', '5000')).toBe(':1\r\n');
    expect(await w.cmd('WAIT', '2', '100')).toBe(':1\r\n');
    w.close();
    expect(await cmd(replica.port, 'GET', 'waited')).toBe('$1\r\n1\r\n');
    // ROLE on the master lists the replica with its acknowledged offset
    const role = await cmd(master.port, 'ROLE');
    expect(role).toMatch(new RegExp(`^\\*3\\r\\n\\$6\\r\\nmaster\\r\\n:\\d+\\r\\n\\*1\\r\\n\\*3\\r\\n\\$9\\r\\n127\\.0\\.0\\.1\\r\\n\\$\\d+\\r\\n${replica.port}\\r\\n`));
  });
});
