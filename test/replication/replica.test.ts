/**
 * The replica side against a scripted fake master (a net.Server in the test): the handshake as
 * sent (PING, AUTH with masterauth/masteruser, REPLCONF listening-port, capa, PSYNC), both payload
 * forms (the EOF mark split across chunks), the stream's offsets (MULTI/EXEC counted at EXEC,
 * REPLCONF GETACK answered with the offset before it), bad input (truncated snapshot, corrupt RDB,
 * garbage PSYNC reply: a clear log, a retry, never a half dataset), -MASTERDOWN, and the payload
 * and stream readers on their own.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MasterStreamReader } from '../../src/replication/master-stream.js';
import { encodeCommand } from '../../src/replication/replica-handshake.js';
import { SyncPayloadReader } from '../../src/replication/sync-payload.js';
import { RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const REPLID = 'a'.repeat(40);
const MARK = 'm'.repeat(40);

/** One replica connection as the fake master sees it: the commands it sent, raw writes back. */
class Peer {
  commands: string[][] = [];
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  constructor(readonly socket: net.Socket) {
    socket.on('data', (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      const r = new MasterStreamReader();
      const cmds: string[][] = [];
      r.feed(this.buf, (argv) => cmds.push(argv));
      this.commands = cmds;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => {});
  }

  /** Waits until a command whose name (lowercase) is `name` arrived; returns it. */
  async waitFor(name: string, nth = 1, timeoutMs = 3000): Promise<string[]> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.commands.filter((c) => c[0].toLowerCase() === name);
      if (found.length >= nth) return found[nth - 1];
      if (Date.now() > end) throw new Error(`no ${name} (got ${JSON.stringify(this.commands)})`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  write(s: string | Buffer): void {
    this.socket.write(s);
  }
}

/** A fake master: `onPeer` scripts each replica connection (the nth one, from 1). */
async function fakeMaster(onPeer: (p: Peer, n: number) => Promise<void>): Promise<{ port: number; peers: Peer[]; close(): Promise<void> }> {
  const peers: Peer[] = [];
  const srv = net.createServer((s) => {
    const p = new Peer(s);
    peers.push(p);
    onPeer(p, peers.length).catch(() => s.destroy());
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    peers,
    close: () =>
      new Promise<void>((r) => {
        for (const p of peers) p.socket.destroy();
        srv.close(() => r());
      }),
  };
}

/** Answers the handshake up to PSYNC (PING, AUTH?, REPLCONF x2); returns the PSYNC argv. */
async function handshake(p: Peer, auth = false): Promise<string[]> {
  await p.waitFor('ping');
  p.write('+PONG\r\n');
  const psyncAt = auth ? 4 : 3;
  await p.waitFor('replconf', 2);
  for (let i = 0; i < psyncAt - 1; i++) p.write('+OK\r\n');
  return p.waitFor('psync');
}

/** An RDB with the given keys (string values), written by nodis itself. */
async function makeRdb(keys: Record<string, string>): Promise<Buffer> {
  const s = await startTestServer();
  try {
    const c = await RespConn.connect(s.port);
    for (const [k, v] of Object.entries(keys)) await c.cmd('SET', k, v);
    await c.cmd('SAVE');
    c.close();
    return fs.readFileSync(path.join(s.dir, 'dump.rdb'));
  } finally {
    await s.close();
  }
}

async function cmd(port: number, ...args: string[]): Promise<string> {
  const c = await RespConn.connect(port);
  try {
    return await c.cmd(...args);
  } finally {
    c.close();
  }
}

async function infoField(port: number, field: string): Promise<string | undefined> {
  const r = await cmd(port, 'INFO', 'replication');
  return new RegExp(`^${field}:(.*?)\\r?$`, 'm').exec(r)?.[1];
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});

async function replicaServer(config: Record<string, string | number> = {}): Promise<TestServer> {
  const s = await startTestServer(config);
  opened.push(s);
  return s;
}

describe('the replica link against a fake master', () => {
  it('sends the handshake, loads a $<len> payload, applies the stream and counts its bytes', async () => {
    const rdb = await makeRdb({ a: '1', b: '2' });
    const m = await fakeMaster(async (p) => {
      const psync = await handshake(p);
      expect(psync.slice(1)).toEqual([expect.stringMatching(/^[0-9a-f]{40}$/), '1']);
      p.write(`+FULLRESYNC ${REPLID} 100\r\n\n\n`);
      p.write(Buffer.concat([Buffer.from(`$${rdb.length}\r\n`), rdb, encodeCommand(['SET', 'c', '3'])]));
    });
    opened.push(m);
    const r = await replicaServer();
    expect(await cmd(r.port, 'REPLICAOF', '127.0.0.1', String(m.port))).toBe('+OK\r\n');
    const setLen = encodeCommand(['SET', 'c', '3']).length;
    await until('offset', async () => (await infoField(r.port, 'slave_repl_offset')) === String(100 + setLen));
    expect(await cmd(r.port, 'MGET', 'a', 'b', 'c')).toBe('*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n');
    const p = m.peers[0];
    const names = p.commands.map((c) => c.join(' '));
    expect(names.slice(0, 4)).toEqual(['PING', `REPLCONF listening-port ${r.port}`, 'REPLCONF capa eof capa psync2', names[3]]);
    // the first ACK follows the load
    const ack = await p.waitFor('replconf', 3);
    expect(ack.slice(0, 2)).toEqual(['REPLCONF', 'ACK']);
    expect(await infoField(r.port, 'master_link_status')).toBe('up');
    expect(await infoField(r.port, 'master_replid')).toBe(REPLID);
  });

  it('reads the $EOF: form with the mark split across chunks; MULTI counts at EXEC; GETACK gets the offset before it', async () => {
    const rdb = await makeRdb({ k: 'v' });
    let peer: Peer | null = null;
    const m = await fakeMaster(async (p) => {
      await handshake(p);
      peer = p;
      p.write(`+FULLRESYNC ${REPLID} 0\r\n$EOF:${MARK}\r\n`);
      const body = Buffer.concat([rdb, Buffer.from(MARK)]);
      // in pieces, the mark cut in the middle
      for (let i = 0; i < body.length; i += 7) {
        p.write(body.subarray(i, i + 7));
        await new Promise((r) => setTimeout(r, 1));
      }
    });
    opened.push(m);
    const r = await replicaServer();
    await cmd(r.port, 'REPLICAOF', '127.0.0.1', String(m.port));
    await until('link up', async () => (await infoField(r.port, 'master_link_status')) === 'up');
    expect(await cmd(r.port, 'GET', 'k')).toBe('$1\r\nv\r\n');
    const p = peer!;
    const multi = Buffer.concat([encodeCommand(['MULTI']), encodeCommand(['SET', 'x', '1']), encodeCommand(['INCR', 'n'])]);
    const exec = encodeCommand(['EXEC']);
    p.write(multi);
    await new Promise((res) => setTimeout(res, 30));
    // inside the block: read but not processed
    expect(await infoField(r.port, 'slave_repl_offset')).toBe('0');
    expect(await infoField(r.port, 'slave_read_repl_offset')).toBe(String(multi.length));
    expect(await cmd(r.port, 'EXISTS', 'x')).toBe(':0\r\n');
    p.write(exec);
    const total = multi.length + exec.length;
    await until('exec', async () => (await infoField(r.port, 'slave_repl_offset')) === String(total));
    expect(await cmd(r.port, 'MGET', 'x', 'n')).toBe('*2\r\n$1\r\n1\r\n$1\r\n1\r\n');
    const acksBefore = p.commands.length;
    // a write and GETACK in one chunk: the ACK covers the write, not the GETACK
    const set = encodeCommand(['SET', 'z', '1']);
    const getack = encodeCommand(['REPLCONF', 'GETACK', '*']);
    p.write(Buffer.concat([set, getack]));
    // (only the GETACK's answer can carry exactly this offset: periodic ACKs come before or after the chunk)
    await until('ack', async () => p.commands.slice(acksBefore).some((c) => c[1] === 'ACK' && c[2] === String(total + set.length)));
    await until('getack counted', async () => (await infoField(r.port, 'slave_repl_offset')) === String(total + set.length + getack.length));
  });

  it('a master closing mid-transfer: INFO shows the transfer, the old data stays, and the retry syncs', async () => {
    const rdb = await makeRdb({ fresh: '1' });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const m = await fakeMaster(async (p, n) => {
      await handshake(p);
      p.write(`+FULLRESYNC ${REPLID} 0\r\n$${rdb.length}\r\n`);
      if (n === 1) {
        p.write(rdb.subarray(0, 10));
        await released;
        p.socket.destroy();
        return;
      }
      p.write(rdb);
    });
    opened.push(m);
    const r = await replicaServer();
    await cmd(r.port, 'SET', 'old', 'x');
    await cmd(r.port, 'REPLICAOF', '127.0.0.1', String(m.port));
    await until('transfer', async () => (await infoField(r.port, 'master_sync_read_bytes')) === '10');
    expect(await infoField(r.port, 'master_sync_in_progress')).toBe('1');
    expect(await infoField(r.port, 'master_sync_total_bytes')).toBe(String(rdb.length));
    expect(await infoField(r.port, 'master_sync_left_bytes')).toBe(String(rdb.length - 10));
    expect(await cmd(r.port, 'ROLE')).toContain('$4\r\nsync\r\n');
    // the old dataset is served meanwhile
    expect(await cmd(r.port, 'GET', 'old')).toBe('$1\r\nx\r\n');
    release();
    await until('link up', async () => (await infoField(r.port, 'master_link_status')) === 'up');
    expect(m.peers.length).toBe(2);
    expect(await cmd(r.port, 'KEYS', '*')).toBe('*1\r\n$5\r\nfresh\r\n');
    // no temp file left behind
    expect(fs.readdirSync(r.dir).filter((f) => f.startsWith('temp-'))).toEqual([]);
  });

  it('a corrupt snapshot is not served: the dataset is emptied and a full resync asked again (PSYNC ? -1)', async () => {
    const rdb = await makeRdb({ good: '1' });
    const bad = Buffer.from(rdb);
    bad[bad.length - 3] ^= 0xff; // checksum mismatch
    const m = await fakeMaster(async (p, n) => {
      await handshake(p);
      const payload = n === 1 ? bad : rdb;
      p.write(Buffer.concat([Buffer.from(`+FULLRESYNC ${REPLID} 0\r\n$${payload.length}\r\n`), payload]));
    });
    opened.push(m);
    const r = await replicaServer();
    await cmd(r.port, 'SET', 'old', 'x');
    await cmd(r.port, 'REPLICAOF', '127.0.0.1', String(m.port));
    await until('second attempt', async () => m.peers.length >= 2, 8000);
    const psync2 = await m.peers[1].waitFor('psync');
    expect(psync2.slice(1)).toEqual(['?', '-1']);
    await until('link up', async () => (await infoField(r.port, 'master_link_status')) === 'up');
    expect(await cmd(r.port, 'KEYS', '*')).toBe('*1\r\n$4\r\ngood\r\n');
  });

  it('garbage PSYNC replies, payload headers and stream bytes are retried, never crash', async () => {
    const rdb = await makeRdb({ k: 'v' });
    const set = encodeCommand(['SET', 'a', '1']);
    let psync4: string[] = [];
    const m = await fakeMaster(async (p, n) => {
      const psync = await handshake(p);
      if (n === 1) p.write('+WHAT is this\r\n');
      else if (n === 2) p.write(`+FULLRESYNC ${REPLID} 0\r\nnot a payload\r\n`);
      else if (n === 3) p.write(Buffer.concat([Buffer.from(`+FULLRESYNC ${REPLID} 0\r\n$${rdb.length}\r\n`), rdb, set, Buffer.from('*2\r\n+oops\r\n')]));
      else {
        psync4 = psync;
        p.write(`+CONTINUE ${REPLID}\r\n`);
      }
    });
    opened.push(m);
    const r = await replicaServer();
    await cmd(r.port, 'REPLICAOF', '127.0.0.1', String(m.port));
    await until('fourth attempt', async () => m.peers.length >= 4, 8000);
    await until('link up', async () => (await infoField(r.port, 'master_link_status')) === 'up');
    // the bad frame dropped the link; the commands before it count, and the master is asked to go on after them
    expect(psync4.slice(1)).toEqual([REPLID, String(set.length + 1)]);
    expect(await cmd(r.port, 'MGET', 'k', 'a')).toBe('*2\r\n$1\r\nv\r\n$1\r\n1\r\n');
  });

  it('AUTH with masteruser/masterauth, then +CONTINUE keeps the data', async () => {
    const m = await fakeMaster(async (p) => {
      await handshake(p, true);
      p.write(`+CONTINUE ${REPLID}\r\n`);
    });
    opened.push(m);
    const r = await replicaServer({ masteruser: 'repl', masterauth: 'secret' });
    await cmd(r.port, 'SET', 'mine', '1');
    await cmd(r.port, 'REPLICAOF', '127.0.0.1', String(m.port));
    await until('link up', async () => (await infoField(r.port, 'master_link_status')) === 'up');
    expect(m.peers[0].commands[1]).toEqual(['AUTH', 'repl', 'secret']);
    expect(await cmd(r.port, 'GET', 'mine')).toBe('$1\r\n1\r\n');
    expect(await infoField(r.port, 'master_replid')).toBe(REPLID);
    expect(await infoField(r.port, 'master_replid2')).toMatch(/^[0-9a-f]{40}$/);
  });

  it('-MASTERDOWN while the link is down with replica-serve-stale-data no; ROLE and INFO while connecting', async () => {
    const m = await fakeMaster(async () => {
      /* never answers */
    });
    opened.push(m);
    const r = await replicaServer({ 'replica-serve-stale-data': 'no' });
    await cmd(r.port, 'REPLICAOF', '127.0.0.1', String(m.port));
    expect(await cmd(r.port, 'GET', 'k')).toBe("-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n");
    expect(await cmd(r.port, 'INFO', 'replication')).toMatch(/^\$/); // stale commands still run
    expect(await cmd(r.port, 'SET', 'k', 'v')).toBe("-READONLY You can't write against a read only replica.\r\n");
    // a writable replica takes writes (and still refuses non-stale commands while the link is down)
    await cmd(r.port, 'CONFIG', 'SET', 'replica-read-only', 'no');
    expect(await cmd(r.port, 'SET', 'k', 'v')).toBe("-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n");
    await cmd(r.port, 'CONFIG', 'SET', 'replica-serve-stale-data', 'yes');
    expect(await cmd(r.port, 'SET', 'k', 'v')).toBe('+OK\r\n');
    expect(await infoField(r.port, 'slave_read_only')).toBe('0');
    await cmd(r.port, 'CONFIG', 'SET', 'replica-read-only', 'yes', 'replica-serve-stale-data', 'no');
    const role = await cmd(r.port, 'ROLE');
    expect(role).toMatch(new RegExp(`^\\*5\\r\\n\\$5\\r\\nslave\\r\\n\\$9\\r\\n127\\.0\\.0\\.1\\r\\n:${m.port}\\r\\n\\$\\d+\\r\\n(connecting|handshake)\\r\\n:-1\\r\\n$`));
    expect(await infoField(r.port, 'master_link_status')).toBe('down');
    expect(await infoField(r.port, 'master_link_down_since_seconds')).toBe('-1');
    const conf = `127.0.0.1 ${m.port}`;
    expect(await cmd(r.port, 'CONFIG', 'GET', 'replicaof')).toBe(`*2\r\n$9\r\nreplicaof\r\n$${conf.length}\r\n${conf}\r\n`);
    expect(await cmd(r.port, 'REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    expect(await cmd(r.port, 'SET', 'k', 'v')).toBe('+OK\r\n');
    expect(await infoField(r.port, 'role')).toBe('master');
    expect(await cmd(r.port, 'CONFIG', 'GET', 'replicaof')).toBe('*2\r\n$9\r\nreplicaof\r\n$0\r\n\r\n');
  });

  it('a master that stops answering is dropped after repl-timeout and retried (handshake and stream)', async () => {
    const m = await fakeMaster(async (p, n) => {
      if (n === 1) return; // silent during the handshake
      await handshake(p);
      p.write(`+CONTINUE ${REPLID}\r\n`); // then silent on the stream
    });
    opened.push(m);
    const r = await replicaServer({ 'repl-timeout': 1 });
    await cmd(r.port, 'REPLICAOF', '127.0.0.1', String(m.port));
    await until('second attempt', async () => m.peers.length >= 2, 8000);
    await until('link up', async () => (await infoField(r.port, 'master_link_status')) === 'up');
    await until('third attempt', async () => m.peers.length >= 3, 8000);
    // the stream timeout is a link loss: the reconnection asks to continue
    const psync = await m.peers[2].waitFor('psync');
    expect(psync[1]).toBe(REPLID);
  });

  it('REPLICAOF argument errors', async () => {
    const r = await replicaServer();
    expect(await cmd(r.port, 'REPLICAOF', 'x', 'abc')).toBe('-ERR Invalid master port\r\n');
    expect(await cmd(r.port, 'REPLICAOF', 'x', '70000')).toBe('-ERR Invalid master port\r\n');
    expect(await cmd(r.port, 'SLAVEOF', 'x')).toBe("-ERR wrong number of arguments for 'slaveof' command\r\n");
    expect(await cmd(r.port, 'REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
  });
});

describe('payload and stream readers', () => {
  it('SyncPayloadReader: keepalives, $<len>, $EOF: with the stream after it in the same chunk', () => {
    const got: Buffer[] = [];
    const r = new SyncPayloadReader({ write: (b) => got.push(Buffer.from(b)) });
    const chunk = Buffer.from(`\n\n$EOF:${MARK}\r\nRDBDATA${MARK}*1\r\n$4\r\nPING\r\n`);
    const used = r.feed(chunk);
    expect(r.done).toBe(true);
    expect(Buffer.concat(got).toString()).toBe('RDBDATA');
    expect(chunk.subarray(used).toString()).toBe('*1\r\n$4\r\nPING\r\n');
    const r2 = new SyncPayloadReader({ write: () => {} });
    expect(() => r2.feed(Buffer.from('-ERR no\r\n'))).toThrow(/MASTER aborted replication with an error: ERR no/);
    const r3 = new SyncPayloadReader({ write: () => {} });
    expect(() => r3.feed(Buffer.from('hello\r\n'))).toThrow(/the first byte is not '\$'/);
    const r4 = new SyncPayloadReader({ write: (b) => got.push(b) });
    expect(r4.feed(Buffer.from('$3\r\nab'))).toBe(6);
    expect(r4.feed(Buffer.from('cXYZ'))).toBe(1);
    expect(r4.done).toBe(true);
  });

  it('MasterStreamReader: byte ranges of commands across chunks, inline lines', () => {
    const out: Array<[string, number]> = [];
    const r = new MasterStreamReader();
    const bytes = Buffer.concat([encodeCommand(['SET', 'k', 'x'.repeat(100)]), Buffer.from('PING\r\n'), encodeCommand(['DEL', 'k'])]);
    let base = 0;
    for (let i = 0; i < bytes.length; i += 5) {
      const chunk = bytes.subarray(i, i + 5);
      r.feed(chunk, (argv, _d, start, end) => out.push([argv[0], end - start]));
      base += chunk.length;
    }
    expect(out).toEqual([
      ['SET', encodeCommand(['SET', 'k', 'x'.repeat(100)]).length],
      ['PING', 6],
      ['DEL', encodeCommand(['DEL', 'k']).length],
    ]);
    expect(r.buffered).toBe(0);
  });
});
