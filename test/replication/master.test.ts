/**
 * The master side against hand-driven replicas (raw sockets speaking the replica's half of the
 * protocol): SYNC/PSYNC/REPLCONF/WAIT/ROLE replies, the full resync payload forms, the stream after
 * it (SELECT, MULTI/EXEC, expiries as DEL), +CONTINUE from the backlog and a full resync once the
 * backlog overflowed, replicas arriving together sharing one snapshot, heartbeats, WAIT with ACKs,
 * min-replicas-to-write, the replica output limit, and INFO replication.
 * Waits on bytes received and on offsets, not on sleeps.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, startOnDir } from '../helpers/aof-workload.js';
import { encodeCommand, RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let opened: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of opened.reverse()) await o.close();
  opened = [];
});

async function server(config: Record<string, string | number> = {}): Promise<TestServer> {
  const s = await startTestServer({ 'repl-diskless-sync-delay': 0, ...config });
  opened.push(s);
  return s;
}

async function client(port: number): Promise<RespConn> {
  const c = await RespConn.connect(port);
  opened.push(c);
  return c;
}

/** A replica driven by hand: raw bytes in, raw bytes out. */
class FakeReplica {
  buf = Buffer.alloc(0);
  closed = false;
  /** The +FULLRESYNC offset. */
  offset = '0';
  private wake: (() => void) | null = null;
  private constructor(readonly sock: net.Socket) {
    sock.on('data', (c) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.wake?.();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    sock.on('error', () => {});
  }
  static connect(port: number): Promise<FakeReplica> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        const r = new FakeReplica(s);
        opened.push({ close: () => s.destroy() });
        resolve(r);
      });
      s.once('error', reject);
    });
  }
  send(...args: string[]): void {
    this.sock.write(Buffer.from(encodeCommand(args), 'latin1'));
  }
  /** Waits until pred(buffer as latin1) returns a position >= 0; returns the text up to it and consumes it. */
  async take(pred: (s: string) => number, ms = 5000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const s = this.buf.toString('latin1');
      const n = pred(s);
      if (n >= 0) {
        this.buf = this.buf.subarray(n);
        return s.slice(0, n);
      }
      if (this.closed) throw new Error(`connection closed; have ${JSON.stringify(s.slice(0, 200))}`);
      if (Date.now() > end) throw new Error(`timed out; have ${JSON.stringify(s.slice(0, 200))}`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 50);
      });
    }
  }
  /** Discards everything up to and including `needle` (big payloads: keeps only a tail in memory). */
  async skipUntil(needle: string, ms = 10000): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.buf.indexOf(needle, 0, 'latin1');
      if (i >= 0) {
        this.buf = this.buf.subarray(i + needle.length);
        return;
      }
      if (this.buf.length > needle.length) this.buf = Buffer.from(this.buf.subarray(this.buf.length - needle.length));
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > end) throw new Error('timed out');
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 50);
      });
    }
  }
  line(): Promise<string> {
    return this.take((s) => (s.indexOf('\r\n') >= 0 ? s.indexOf('\r\n') + 2 : -1));
  }
  bytes(n: number): Promise<string> {
    return this.take((s) => (s.length >= n ? n : -1));
  }
  /** Everything up to and including `needle`. */
  until(needle: string, ms?: number): Promise<string> {
    return this.take((s) => (s.indexOf(needle) >= 0 ? s.indexOf(needle) + needle.length : -1), ms);
  }
  /** Handshake then PSYNC; returns the +FULLRESYNC/+CONTINUE line. */
  async psync(replid: string, offset: number, capa = true): Promise<string> {
    this.send('REPLCONF', 'listening-port', '7599');
    expect(await this.line()).toBe('+OK\r\n');
    if (capa) {
      this.send('REPLCONF', 'capa', 'eof', 'capa', 'psync2');
      expect(await this.line()).toBe('+OK\r\n');
    }
    this.send('PSYNC', replid, String(offset));
    for (;;) {
      // newlines are keepalives before the reply
      const l = (await this.line()).replace(/^\n+/, '');
      if (l.startsWith('+FULLRESYNC ')) this.offset = l.trim().split(' ')[2];
      if (l !== '') return l;
    }
  }
  /**
   * Reads the diskless payload and ACKs it, as a replica does once it loaded it (the master holds the
   * stream until then); returns the RDB bytes.
   */
  async eofPayload(ack = true): Promise<string> {
    const head = await this.line();
    expect(head).toMatch(/^\$EOF:[0-9a-f]{40}\r\n$/);
    const mark = head.slice(5, 45);
    const body = await this.until(mark);
    // nothing follows the mark before the ACK
    expect(this.buf.length).toBe(0);
    if (ack) this.send('REPLCONF', 'ACK', this.offset);
    return body.slice(0, -40);
  }
}

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

const SET_KV = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n';

describe('master side: command replies', () => {
  it('answers PSYNC, REPLCONF, WAIT and ROLE as Redis does', async () => {
    const s = await server();
    const c = await client(s.port);
    expect(await c.cmd('PSYNC', 'abc')).toBe("-ERR wrong number of arguments for 'psync' command\r\n");
    expect(await c.cmd('REPLCONF', 'foo')).toBe('-ERR syntax error\r\n');
    expect(await c.cmd('REPLCONF', 'foo', 'bar')).toBe('-ERR Unrecognized REPLCONF option: foo\r\n');
    expect(await c.cmd('REPLCONF', 'listening-port', 'abc')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await c.cmd('REPLCONF')).toBe('+OK\r\n');
    expect(await c.cmd('REPLCONF', 'ip-address', '1.2.3.4', 'capa', 'eof')).toBe('+OK\r\n');
    // ACK and GETACK from a non-replica: no reply at all
    c.send('REPLCONF', 'ACK', '5');
    c.send('REPLCONF', 'GETACK', '*');
    expect(await c.cmd('PING')).toBe('+PONG\r\n');
    expect(await c.cmd('WAIT', '0', '0')).toBe(':0\r\n');
    expect(await c.cmd('WAIT', 'a', '0')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await c.cmd('WAIT', '1', '-1')).toBe('-ERR timeout is negative\r\n');
    expect(await c.cmd('WAIT', '1', 'x')).toBe('-ERR timeout is not an integer or out of range\r\n');
    expect(await c.cmd('WAIT', '1', '50')).toBe(':0\r\n');
    expect(await c.cmd('ROLE')).toBe('*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n');
    const info = await infoRepl(s.port);
    expect(info).toMatchObject({
      role: 'master',
      connected_slaves: '0',
      master_failover_state: 'no-failover',
      master_replid2: '0'.repeat(40),
      master_repl_offset: '0',
      second_repl_offset: '-1',
      repl_backlog_active: '0',
      repl_backlog_size: '1048576',
      repl_backlog_first_byte_offset: '0',
      repl_backlog_histlen: '0',
    });
    expect(info.master_replid).toMatch(/^[0-9a-f]{40}$/);
    // CONFIG SET resizes at once; Redis's minimum is 16 KB
    expect(await c.cmd('CONFIG', 'SET', 'repl-backlog-size', '20000')).toBe('+OK\r\n');
    expect((await infoRepl(s.port)).repl_backlog_size).toBe('20000');
    await c.cmd('CONFIG', 'SET', 'repl-backlog-size', '1');
    expect((await infoRepl(s.port)).repl_backlog_size).toBe('16384');
    // a non-integer PSYNC offset
    const r = await FakeReplica.connect(s.port);
    r.send('PSYNC', '?', 'xyz');
    expect(await r.line()).toBe('-ERR value is not an integer or out of range\r\n');
  });
});

describe('master side: full and partial resync', () => {
  it('diskless full resync, then the stream with SELECT, MULTI/EXEC and expiries as DEL', async () => {
    const s = await server();
    const c = await client(s.port);
    await c.cmd('SET', 'before', '1');
    const idBefore = (await infoRepl(s.port)).master_replid;
    const r = await FakeReplica.connect(s.port);
    const line = await r.psync('?', -1);
    const m = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)\r\n$/.exec(line);
    expect(m).not.toBeNull();
    // the first replica of a master without a backlog starts a new history
    expect(m![1]).not.toBe(idBefore);
    const rdb = await r.eofPayload();
    expect(rdb.startsWith('REDIS0010')).toBe(true);
    expect(rdb).toContain('repl-id');
    expect(rdb).toContain(m![1]);
    expect(rdb).toContain('before');
    await c.cmd('SET', 'k', 'v');
    expect(await r.bytes(23 + SET_KV.length)).toBe(`*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n${SET_KV}`);
    await c.cmd('SELECT', '3');
    await c.cmd('MULTI');
    await c.cmd('INCR', 'n');
    await c.cmd('INCR', 'n');
    await c.cmd('EXEC');
    const incr = '*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n';
    const expected = `*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*1\r\n$5\r\nMULTI\r\n${incr}${incr}*1\r\n$4\r\nEXEC\r\n`;
    expect(await r.bytes(expected.length)).toBe(expected);
    await c.cmd('SET', 'e', 'v', 'PX', '1');
    await r.until('PXAT');
    await new Promise((res) => setTimeout(res, 5));
    expect(await c.cmd('GET', 'e')).toBe('$-1\r\n');
    expect(await r.until('*2\r\n$3\r\nDEL\r\n$1\r\ne\r\n')).toBeTruthy();
    const info = await infoRepl(s.port);
    expect(info.connected_slaves).toBe('1');
    expect(info.slave0).toMatch(/^ip=127\.0\.0\.1,port=7599,state=online,offset=0,lag=\d+$/);
    expect(info.repl_backlog_active).toBe('1');
    expect(info.master_replid).toBe(m![1]);
    expect(Number(info.master_repl_offset)).toBe(Number(info.repl_backlog_histlen) + Number(info.repl_backlog_first_byte_offset) - 1);
  });

  it('disk-based payload ($<len>) without capa eof, and for SYNC (no +FULLRESYNC line)', async () => {
    const s = await server();
    const c = await client(s.port);
    await c.cmd('SET', 'x', 'y');
    const r = await FakeReplica.connect(s.port);
    expect(await r.psync('?', -1, false)).toMatch(/^\+FULLRESYNC [0-9a-f]{40} \d+\r\n$/);
    let head = await r.take((t) => (/^\n*\$\d+\r\n/.exec(t)?.[0].length ?? -1));
    let len = Number(head.replace(/\n/g, '').slice(1, -1));
    const rdb = await r.bytes(len);
    expect(rdb.startsWith('REDIS0010')).toBe(true);
    const old = await FakeReplica.connect(s.port);
    old.send('SYNC');
    head = await old.take((t) => (/^\n*\$\d+\r\n/.exec(t)?.[0].length ?? -1));
    len = Number(head.replace(/\n/g, '').slice(1, -1));
    expect((await old.bytes(len)).startsWith('REDIS0010')).toBe(true);
    await c.cmd('SET', 'k', 'v');
    expect(await old.until(SET_KV)).toContain(SET_KV);
    expect(await r.until(SET_KV)).toContain(SET_KV);
  });

  it('+CONTINUE from the backlog; a full resync once the backlog overflowed', async () => {
    const s = await server({ 'repl-backlog-size': 16384 });
    const c = await client(s.port);
    const r1 = await FakeReplica.connect(s.port);
    const full = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)\r\n$/.exec(await r1.psync('?', -1))!;
    await r1.eofPayload();
    await c.cmd('SET', 'k', 'v');
    await r1.until(SET_KV);
    const replid = full[1];
    const offset = Number((await infoRepl(s.port)).master_repl_offset);
    r1.sock.destroy();
    await c.cmd('SET', 'k2', 'v2');
    const missing = '*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$2\r\nv2\r\n';
    const r2 = await FakeReplica.connect(s.port);
    expect(await r2.psync(replid, offset + 1)).toBe(`+CONTINUE ${replid}\r\n`);
    expect(await r2.bytes(missing.length)).toBe(missing);
    r2.sock.destroy();
    // without capa psync2: no id on the line
    const r3 = await FakeReplica.connect(s.port);
    expect(await r3.psync(replid, offset + 1, false)).toBe('+CONTINUE\r\n');
    expect(await r3.bytes(missing.length)).toBe(missing);
    r3.sock.destroy();
    // an offset past the end, or a wrong id: full resync
    const r4 = await FakeReplica.connect(s.port);
    expect(await r4.psync(replid, offset + 10000)).toMatch(/^\+FULLRESYNC /);
    r4.sock.destroy();
    const r5 = await FakeReplica.connect(s.port);
    expect(await r5.psync('f'.repeat(40), offset + 1)).toMatch(/^\+FULLRESYNC /);
    r5.sock.destroy();
    // overflow: more than 16 KB written since the replica's offset
    const now = Number((await infoRepl(s.port)).master_repl_offset);
    await c.cmd('SET', 'big', 'x'.repeat(20000));
    const r6 = await FakeReplica.connect(s.port);
    expect(await r6.psync(replid, now + 1)).toMatch(/^\+FULLRESYNC /);
    const st = s.core.replication.stats;
    expect(st.syncPartialOk).toBe(2);
    expect(st.syncPartialErr).toBe(3);
  });

  it('replicas arriving within repl-diskless-sync-delay share one snapshot', async () => {
    const s = await server({ 'repl-diskless-sync-delay': 1 });
    const c = await client(s.port);
    await c.cmd('SET', 'a', '1');
    const r1 = await FakeReplica.connect(s.port);
    const r2 = await FakeReplica.connect(s.port);
    const [l1, l2] = await Promise.all([r1.psync('?', -1), r2.psync('?', -1)]);
    expect(l1).toBe(l2);
    const [h1, h2] = await Promise.all([r1.line(), r2.line()]);
    expect(h1).toBe(h2);
  });
});

describe('master side: a replica arriving during a snapshot', () => {
  it('waits for the next snapshot, which starts when the first is sent; both get the stream', async () => {
    const s = await server({ 'enable-debug-command': 'yes' });
    const c = await client(s.port);
    expect(await c.cmd('DEBUG', 'POPULATE', '20000')).toBe('+OK\r\n');
    const r1 = await FakeReplica.connect(s.port);
    const l1 = await r1.psync('?', -1);
    await c.cmd('SET', 'during', '1');
    const r2 = await FakeReplica.connect(s.port);
    const l2 = await r2.psync('?', -1);
    // the second snapshot starts after the SET: a later offset
    expect(Number(l2.split(' ')[2])).toBeGreaterThan(Number(l1.split(' ')[2]));
    const [p1, p2] = await Promise.all([r1.eofPayload(), r2.eofPayload()]);
    expect(p1.startsWith('REDIS0010')).toBe(true);
    expect(p2.startsWith('REDIS0010')).toBe(true);
    // the SET made during r1's snapshot follows its payload
    await r1.until('*3\r\n$3\r\nSET\r\n$6\r\nduring\r\n$1\r\n1\r\n');
    await c.cmd('SET', 'k', 'v');
    await r1.until(SET_KV);
    await r2.until(SET_KV);
    expect(s.core.replication.stats.syncFull).toBe(2);
  });
});

describe('master side: a stalled transfer', () => {
  it('holds BGSAVE off meanwhile; the stalled replica closing leaves the transfer to the other intact', async () => {
    const s = await server({ 'enable-debug-command': 'yes' });
    const c = await client(s.port);
    expect(await c.cmd('DEBUG', 'POPULATE', '60000', 'key', '200')).toBe('+OK\r\n');
    const stalled = await FakeReplica.connect(s.port);
    stalled.sock.pause();
    const ok = await FakeReplica.connect(s.port);
    stalled.send('REPLCONF', 'capa', 'eof');
    ok.send('REPLCONF', 'capa', 'eof');
    await ok.line();
    stalled.send('PSYNC', '?', '-1');
    ok.send('PSYNC', '?', '-1');
    const head = await ok.until('\r\n$EOF:');
    expect(head).toMatch(/^\+FULLRESYNC /);
    // the transfer waits on the stalled socket: one snapshot at a time, as Redis's one RDB child
    for (let i = 0; i < 100 && !s.core.replication.snapshotRunning; i++) await new Promise((res) => setTimeout(res, 10));
    expect(s.core.replication.snapshotRunning).toBe(true);
    expect(await c.cmd('BGSAVE')).toBe('-ERR Background save already in progress\r\n');
    expect(await c.cmd('CLIENT', 'KILL', 'ADDR', `127.0.0.1:${stalled.sock.localPort}`)).toBe(':1\r\n');
    // the other replica's payload completes
    const mark = (await ok.line()).slice(0, 40);
    await ok.skipUntil(mark);
    ok.send('REPLCONF', 'ACK', '0');
    await c.cmd('SET', 'k', 'v');
    await ok.until(SET_KV);
    expect(s.core.replication.snapshotRunning).toBe(false);
    expect(await c.cmd('BGSAVE')).toBe('+Background saving started\r\n');
  });
});

describe('master side: heartbeats, WAIT, min-replicas, limits', () => {
  it('WAIT blocks until a replica ACKs (GETACK goes into the stream); PING every period', async () => {
    const s = await server({ 'repl-ping-replica-period': 1 });
    const c = await client(s.port);
    const r = await FakeReplica.connect(s.port);
    await r.psync('?', -1);
    await r.eofPayload();
    await c.cmd('SET', 'k', 'v');
    await r.until(SET_KV);
    const offset = (await infoRepl(s.port)).master_repl_offset;
    const waiting = c.cmd('WAIT', '1', '0');
    await r.until('*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n');
    r.send('REPLCONF', 'ACK', offset);
    expect(await waiting).toBe(':1\r\n');
    expect((await infoRepl(s.port)).slave0).toContain(`offset=${offset},`);
    expect(await c.cmd('ROLE')).toContain(`$4\r\n7599\r\n$${offset.length}\r\n${offset}\r\n`);
    // PING into the stream within a period or two
    await r.until('*1\r\n$4\r\nPING\r\n', 3000);
    // the replica in CLIENT LIST (flags S, type replica), and CLIENT KILL TYPE replica
    expect(await c.cmd('CLIENT', 'LIST', 'TYPE', 'replica')).toMatch(/flags=S .*cmd=(psync|replconf)/);
    expect(await c.cmd('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(':1\r\n');
    await r.take(() => -1, 2000).catch(() => {});
    expect(r.closed).toBe(true);
    expect((await infoRepl(s.port)).connected_slaves).toBe('0');
  });

  it('min-replicas-to-write refuses writes with -NOREPLICAS until a good replica is attached', async () => {
    const s = await server({ 'min-replicas-to-write': 1, 'min-replicas-max-lag': 10 });
    const c = await client(s.port);
    expect(await c.cmd('SET', 'k', 'v')).toBe('-NOREPLICAS Not enough good replicas to write.\r\n');
    expect(await c.cmd('GET', 'k')).toBe('$-1\r\n');
    const r = await FakeReplica.connect(s.port);
    await r.psync('?', -1);
    await r.eofPayload();
    r.send('REPLCONF', 'ACK', '0');
    for (let i = 0; i < 100 && (await c.cmd('SET', 'k', 'v')) !== '+OK\r\n'; i++) await new Promise((res) => setTimeout(res, 20));
    expect(await c.cmd('GET', 'k')).toBe('$1\r\nv\r\n');
    expect((await infoRepl(s.port)).min_slaves_good_slaves).toBe('1');
  });

  it('a replica over client-output-buffer-limit replica is closed; others go on', async () => {
    const s = await server({ 'client-output-buffer-limit': 'replica 65536 0 0' });
    const c = await client(s.port);
    const stalled = await FakeReplica.connect(s.port);
    await stalled.psync('?', -1);
    await stalled.eofPayload();
    const ok = await FakeReplica.connect(s.port);
    await ok.psync('?', -1);
    await ok.eofPayload();
    stalled.sock.pause();
    const big = 'x'.repeat(128 * 1024);
    for (let i = 0; i < 200 && !stalled.closed; i++) {
      await c.cmd('SET', `big${i % 4}`, big);
      // the healthy replica keeps reading
      ok.buf = Buffer.alloc(0);
    }
    stalled.sock.resume();
    await stalled.take(() => -1, 3000).catch(() => {});
    expect(stalled.closed).toBe(true);
    expect((await infoRepl(s.port)).connected_slaves).toBe('1');
    await c.cmd('SET', 'k', 'v');
    await ok.until(SET_KV);
  });
});

describe('master side: time-driven duties (cron called with a later time)', () => {
  it('repl-backlog-ttl frees the backlog (new id); repl-timeout drops a silent replica; lag refuses writes', async () => {
    const s = await server({ 'repl-backlog-ttl': 1, 'min-replicas-to-write': 1, 'min-replicas-max-lag': 10 });
    const c = await client(s.port);
    const r = await FakeReplica.connect(s.port);
    await r.psync('?', -1);
    await r.eofPayload();
    r.send('REPLCONF', 'ACK', '0');
    for (let i = 0; i < 100 && (await c.cmd('SET', 'k', 'v')) !== '+OK\r\n'; i++) await new Promise((res) => setTimeout(res, 20));
    // a replica that loaded its payload but never ACKs gets no stream, and times out too
    const silent = await FakeReplica.connect(s.port);
    await silent.psync('?', -1);
    await silent.eofPayload(false);
    await c.cmd('SET', 'k2', 'v');
    const rm = s.core.replication;
    // 20 s without an ACK: lag over min-replicas-max-lag
    rm.cron(Date.now() + 20_000);
    expect(await c.cmd('SET', 'k', 'v')).toBe('-NOREPLICAS Not enough good replicas to write.\r\n');
    // more than repl-timeout (60 s): the replica is dropped
    rm.cron(Date.now() + 61_000);
    await r.take(() => -1, 2000).catch(() => {});
    expect(r.closed).toBe(true);
    await silent.take(() => -1, 2000).catch(() => {});
    expect(silent.closed).toBe(true);
    expect(silent.buf.toString('latin1')).not.toContain('k2');
    await new Promise((res) => setTimeout(res, 20));
    const before = await infoRepl(s.port);
    expect(before.connected_slaves).toBe('0');
    expect(before.repl_backlog_active).toBe('1');
    rm.cron(Date.now() + 62_000);
    const after = await infoRepl(s.port);
    expect(after.repl_backlog_active).toBe('0');
    expect(after.master_replid).not.toBe(before.master_replid);
  });
});

describe('nodis -> nodis', () => {
  async function caughtUp(master: number, replica: number): Promise<void> {
    const end = Date.now() + 8000;
    for (;;) {
      const m = await infoRepl(master);
      const r = await infoRepl(replica);
      if (r.master_link_status === 'up' && r.slave_repl_offset === m.master_repl_offset) return;
      if (Date.now() > end) throw new Error(`replica not in sync: ${JSON.stringify({ m: m.master_repl_offset, r: r.slave_repl_offset, link: r.master_link_status })}`);
      await new Promise((res) => setTimeout(res, 20));
    }
  }
  const dbg = { 'enable-debug-command': 'yes' };
  async function digestOf(port: number): Promise<string> {
    const c = await RespConn.connect(port);
    const d = await c.cmd('DEBUG', 'DIGEST');
    c.close();
    return d;
  }

  it('full sync, partial resync after a link kill, WAIT, and promotion with the other replica following by partial resync', async () => {
    const m = await server(dbg);
    const r1 = await server(dbg);
    const r2 = await server(dbg);
    const mc = await client(m.port);
    await mc.cmd('SET', 'a', '1');
    await mc.cmd('HSET', 'h', 'f', 'v');
    for (const r of [r1, r2]) {
      const c = await client(r.port);
      expect(await c.cmd('REPLICAOF', '127.0.0.1', String(m.port))).toBe('+OK\r\n');
    }
    await caughtUp(m.port, r1.port);
    await caughtUp(m.port, r2.port);
    await mc.cmd('SELECT', '2');
    await mc.cmd('RPUSH', 'l', 'x', 'y');
    expect(await mc.cmd('WAIT', '2', '5000')).toBe(':2\r\n');
    await caughtUp(m.port, r1.port);
    expect(await digestOf(r1.port)).toBe(await digestOf(m.port));
    expect(m.core.replication.stats.syncFull).toBe(2);
    // the link killed on the replica: it continues from the backlog
    const c1 = await client(r1.port);
    expect(await c1.cmd('CLIENT', 'KILL', 'TYPE', 'master')).toBe(':1\r\n');
    await mc.cmd('SET', 'b', '2');
    await caughtUp(m.port, r1.port);
    expect(m.core.replication.stats.syncPartialOk).toBe(1);
    await caughtUp(m.port, r2.port);
    // promotion: r1 becomes a master, r2 follows it by partial resync (r1's replid2 is m's id)
    const mid = (await infoRepl(m.port)).master_replid;
    expect(await c1.cmd('REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    const i1 = await infoRepl(r1.port);
    expect(i1.role).toBe('master');
    expect(i1.master_replid2).toBe(mid);
    const c2 = await client(r2.port);
    expect(await c2.cmd('REPLICAOF', '127.0.0.1', String(r1.port))).toBe('+OK\r\n');
    await c1.cmd('SET', 'on-new-master', 'x');
    await caughtUp(r1.port, r2.port);
    expect(r1.core.replication.stats.syncPartialOk).toBe(1);
    expect(r1.core.replication.stats.syncFull).toBe(0);
    expect(await digestOf(r2.port)).toBe(await digestOf(r1.port));
    expect(await c2.cmd('GET', 'on-new-master')).toBe('$1\r\nx\r\n');
  });
});

describe('a master restarted as a replica of its promoted replica', () => {
  it("continues by partial resync from its RDB's repl-id/repl-offset (the new master's replid2)", async () => {
    const m = await server();
    const r1 = await server();
    const mc = await client(m.port);
    await mc.cmd('SET', 'a', '1');
    const c1 = await client(r1.port);
    await c1.cmd('REPLICAOF', '127.0.0.1', String(m.port));
    await mc.cmd('SELECT', '1');
    await mc.cmd('SET', 'b', '2');
    for (let i = 0; ; i++) {
      const a = await infoRepl(m.port);
      const b = await infoRepl(r1.port);
      if (b.master_link_status === 'up' && b.slave_repl_offset === a.master_repl_offset) break;
      if (i > 400) throw new Error('replica not in sync');
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(await mc.cmd('SAVE')).toBe('+OK\r\n');
    const rdb = fs.readFileSync(path.join(m.dir, 'dump.rdb')).toString('latin1');
    const mid = (await infoRepl(m.port)).master_replid;
    expect(rdb).toContain('repl-id');
    expect(rdb).toContain(mid);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-restart-'));
    opened.push({ close: () => removeDir(dir) });
    fs.copyFileSync(path.join(m.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
    await m.close();
    opened = opened.filter((o) => o !== m);
    expect(await c1.cmd('REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    await c1.cmd('SET', 'c', '3');
    const old = await startOnDir(dir, { replicaof: `127.0.0.1 ${r1.port}` });
    opened.push(old);
    for (let i = 0; ; i++) {
      const a = await infoRepl(r1.port);
      const b = await infoRepl(old.port);
      if (b.master_link_status === 'up' && b.slave_repl_offset === a.master_repl_offset) break;
      if (i > 400) throw new Error('restarted master not in sync');
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(r1.core.replication.stats.syncPartialOk).toBe(1);
    expect(r1.core.replication.stats.syncFull).toBe(0);
    const oc = await client(old.port);
    // r1's first write of its own re-selects its db (the stream was in db 1)
    expect(await oc.cmd('GET', 'c')).toBe('$1\r\n3\r\n');
    await oc.cmd('SELECT', '1');
    expect(await oc.cmd('GET', 'b')).toBe('$1\r\n2\r\n');
    expect(await oc.cmd('GET', 'c')).toBe('$-1\r\n');
  });
});
