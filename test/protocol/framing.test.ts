/**
 * Request framing over real sockets: frames split at every byte, random splits, big pipelines,
 * empty/large/binary bulks, inline commands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { rng } from '../helpers/rng.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

function mb(...args: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}
function bulk(s: string | Buffer): string {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  return `$${b.length}\r\n${b.toString('latin1')}\r\n`;
}

const pipeline = Buffer.concat([
  mb('PING'),
  Buffer.from('PING\r\n'),
  mb('ECHO', 'hello'),
  mb('ECHO', ''),
  Buffer.from('ECHO "a b"\r\n'),
  mb('ECHO', Buffer.from([0, 13, 10, 255, 36, 42])),
  Buffer.from('\r\n'),
  mb('PING', 'x'),
]);
const pipelineReply =
  '+PONG\r\n+PONG\r\n' + bulk('hello') + bulk('') + bulk('a b') + bulk(Buffer.from([0, 13, 10, 255, 36, 42])) + bulk('x');

async function sendSplit(points: number[]): Promise<string> {
  const c = await RawClient.connect(server.port);
  let prev = 0;
  for (const p of [...points, pipeline.length]) {
    if (p > prev) {
      c.write(pipeline.subarray(prev, p));
      // let each piece arrive as its own read
      await new Promise((r) => setImmediate(r));
    }
    prev = p;
  }
  const got = await c.waitBytes(pipelineReply.length);
  c.close();
  return got;
}

describe('framing', () => {
  it('handles a pipeline sent one byte per write', async () => {
    const points = Array.from({ length: pipeline.length }, (_, i) => i);
    expect(await sendSplit(points)).toBe(pipelineReply);
  });

  it('handles a pipeline split at random points', async () => {
    const r = rng(7);
    for (let round = 0; round < 20; round++) {
      const k = 1 + Math.floor(r() * 8);
      const points = Array.from({ length: k }, () => Math.floor(r() * pipeline.length)).sort((a, b) => a - b);
      expect(await sendSplit(points)).toBe(pipelineReply);
    }
  });

  it('answers a frame split at every possible single point', async () => {
    for (let p = 1; p < pipeline.length; p++) expect(await sendSplit([p])).toBe(pipelineReply);
  });

  it('answers 10k pipelined commands sent in one write, batched per read', async () => {
    const c = await RawClient.connect(server.port);
    expect(await c.request('PING\r\n', 7)).toBe('+PONG\r\n');
    c.clear();
    // the server side of this connection: count its reads and its flushes
    const conn = [...server.core.clients.connections()].sort((x, y) => y.client.id - x.client.id)[0];
    let reads = 0;
    let flushes = 0;
    conn.socket.prependListener('data', () => reads++);
    const flush = conn.flush.bind(conn);
    conn.flush = () => {
      flushes++;
      flush();
    };
    const cmd = mb('PING');
    const n = 10000;
    c.write(Buffer.concat(Array.from({ length: n }, () => cmd)));
    const got = await c.waitBytes(7 * n, 10000);
    expect(got.length).toBe(7 * n);
    expect(got).toBe('+PONG\r\n'.repeat(n));
    // replies are flushed once per read, not once per command
    expect(reads).toBeGreaterThan(0);
    expect(flushes).toBe(reads);
    c.close();
  });

  it('handles an empty bulk, and the empty multibulk / null multibulk are ignored', async () => {
    const c = await RawClient.connect(server.port);
    expect(await c.request('*0\r\n*-1\r\n*-5\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n', 6)).toBe('$0\r\n\r\n');
    expect(c.closed).toBe(false);
    c.close();
  });

  it('echoes a 5 MB binary value intact, also when sent in small pieces', async () => {
    const value = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < value.length; i++) value[i] = (i * 31 + (i >> 8)) & 0xff;
    value.write('\r\n\0$*', 1000, 'latin1');
    const frame = mb('ECHO', value);
    const expected = Buffer.concat([Buffer.from(`$${value.length}\r\n`), value, Buffer.from('\r\n')]);
    for (const piece of [frame.length, 100000]) {
      const c = await RawClient.connect(server.port);
      // count bytes here: RawClient.received re-concatenates on every read
      let total = 0;
      const done = new Promise<void>((resolve) => {
        c.socket.on('data', (d: Buffer) => {
          total += d.length;
          if (total >= expected.length) resolve();
        });
      });
      for (let off = 0; off < frame.length; off += piece) c.write(frame.subarray(off, off + piece));
      await done;
      expect(c.received.equals(expected)).toBe(true);
      c.close();
    }
  });

  it('splits inline commands as Redis does', async () => {
    const c = await RawClient.connect(server.port);
    const cases: Array<[string, string]> = [
      ['ECHO "a b"\r\n', bulk('a b')],
      ["ECHO 'x'\r\n", bulk('x')],
      ['ECHO "\\x41\\x4a\\n\\t\\\\"\r\n', bulk('AJ\n\t\\')],
      ["ECHO 'it\\'s'\r\n", bulk("it's")],
      ['ECHO "\\xZZ"\r\n', bulk('xZZ')],
      ['ECHO a\vb\r\n', bulk('a\vb')],
      ['  ECHO    spaced   \r\n', bulk('spaced')],
      ['ECHO lf-only\n', bulk('lf-only')],
      ['ECHO ""\r\n', bulk('')],
    ];
    for (const [req, rep] of cases) expect(await c.request(req, rep.length)).toBe(rep);
    c.close();
  });

  it('ignores empty inline lines and mixes inline with multibulk in one chunk', async () => {
    const c = await RawClient.connect(server.port);
    const req = '\r\n\n   \r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nz\r\nECHO y\r\n*1\r\n$4\r\nPING\r\n';
    const rep = '+PONG\r\n' + bulk('z') + bulk('y') + '+PONG\r\n';
    expect(await c.request(req, rep.length)).toBe(rep);
    c.close();
  });

  it('skips the two bytes after a bulk body and the byte after a header CR unchecked, like Redis', async () => {
    const c = await RawClient.connect(server.port);
    expect(await c.request('*1\rX$4\rXPINGxx', 7)).toBe('+PONG\r\n');
    c.close();
  });

  it('fully closes after a protocol error even if the peer keeps sending', async () => {
    const c = await RawClient.connect(server.port);
    c.write('*1\r\n$x\r\n');
    const spam = setInterval(() => {
      if (!c.closed) c.write('PING\r\n');
    }, 5);
    try {
      expect(await c.waitClose(3000)).toBe(true);
    } finally {
      clearInterval(spam);
    }
    expect(c.received.toString('latin1')).toBe('-ERR Protocol error: invalid bulk length\r\n');
    for (let i = 0; i < 100 && server.core.clients.connectedCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.core.clients.connectedCount).toBe(0);
  });

  it('counts a protocol error in INFO stats and errorstats', async () => {
    const c = await RawClient.connect(server.port);
    await c.request('CONFIG RESETSTAT\r\n', 5);
    const bad = await RawClient.connect(server.port);
    bad.write('*1\r\n$x\r\n');
    expect(await bad.waitClose()).toBe(true);
    const info = await c.request('INFO errorstats\r\n', 1);
    const all = await c.waitFor((s) => s.includes('count=') || s.length > info.length + 200);
    expect(all).toContain('errorstat_ERR:count=1\r\n');
    c.close();
  });

  it('an inline line with a NUL before its newline never completes (Redis strchr)', async () => {
    const c = await RawClient.connect(server.port);
    c.write('ECHO a\0b\r\nPING\r\n');
    expect(await c.waitFor((s) => s.length > 0, 300)).toBe('');
    expect(c.closed).toBe(false);
    c.close();
  });
});
