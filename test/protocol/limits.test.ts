/**
 * Connection limits: client-query-buffer-limit, maxclients, client-output-buffer-limit (pubsub),
 * idle timeout.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer } from '../helpers/start-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(pred: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

describe('client-query-buffer-limit', () => {
  it('closes a client whose bulk outgrows the limit, without a reply; others are unaffected', async () => {
    const server = await startTestServer({ 'client-query-buffer-limit': '1mb' });
    try {
      const other = await RawClient.connect(server.port);
      const c = await RawClient.connect(server.port);
      c.write('PING\r\n*2\r\n$4\r\nECHO\r\n$2000000\r\n');
      expect(await c.waitBytes(7)).toBe('+PONG\r\n');
      c.write(Buffer.alloc(1100 * 1024, 0x61));
      expect(await c.waitClose()).toBe(true);
      expect(c.received.toString('latin1')).toBe('+PONG\r\n');
      expect(await other.request('PING\r\n', 7)).toBe('+PONG\r\n');
      other.close();
    } finally {
      await server.close();
    }
  });

  it('accepts a request bigger than the limit when each bulk fits (Redis trims parsed args)', async () => {
    const server = await startTestServer({ 'client-query-buffer-limit': '1mb' });
    try {
      const c = await RawClient.connect(server.port);
      const v = 'v'.repeat(200 * 1024);
      const args = ['ECHO', v.repeat(4)];
      // a 800 KB bulk: under the limit, and the whole frame is over 1 MB with the next one
      const frame = `*2\r\n$4\r\nECHO\r\n$${args[1].length}\r\n${args[1]}\r\n`;
      const reply = `$${args[1].length}\r\n${args[1]}\r\n`;
      // count bytes here: RawClient.received re-concatenates on every read
      let total = 0;
      const done = new Promise<void>((resolve) => {
        c.socket.on('data', (d: Buffer) => {
          total += d.length;
          if (total >= reply.length * 2) resolve();
        });
      });
      c.write(frame + frame);
      await done;
      expect(c.received.toString('latin1')).toBe(reply + reply);
      expect(c.closed).toBe(false);
      c.close();
    } finally {
      await server.close();
    }
  });
});

describe('maxclients', () => {
  it('answers the client over the limit with an error and closes it', async () => {
    const server = await startTestServer({ maxclients: 2 });
    try {
      const a = await RawClient.connect(server.port);
      const b = await RawClient.connect(server.port);
      expect(await a.request('PING\r\n', 7)).toBe('+PONG\r\n');
      expect(await b.request('PING\r\n', 7)).toBe('+PONG\r\n');
      const c = await RawClient.connect(server.port);
      expect(await c.waitClose()).toBe(true);
      expect(c.received.toString('latin1')).toBe('-ERR max number of clients reached\r\n');
      expect(await a.request('PING\r\n', 7)).toBe('+PONG\r\n');
      a.close();
      expect(await waitUntil(() => server.core.clients.connectedCount === 1)).toBe(true);
      const d = await RawClient.connect(server.port);
      expect(await d.request('PING\r\n', 7)).toBe('+PONG\r\n');
      b.close();
      d.close();
    } finally {
      await server.close();
    }
  });

  it('survives a rejected client that resets at once', async () => {
    const server = await startTestServer({ maxclients: 1 });
    try {
      const a = await RawClient.connect(server.port);
      for (let i = 0; i < 20; i++) {
        const s = net.connect({ port: server.port, host: '127.0.0.1' });
        s.on('error', () => {});
        s.once('connect', () => s.resetAndDestroy());
      }
      await sleep(100);
      expect(await a.request('PING\r\n', 7)).toBe('+PONG\r\n');
      a.close();
    } finally {
      await server.close();
    }
  });
});

describe('client-output-buffer-limit', () => {
  it('closes a pubsub client that does not read once it passes the hard limit', async () => {
    const server = await startTestServer({ 'client-output-buffer-limit': 'pubsub 256kb 128kb 60' });
    try {
      const sub = await RawClient.connect(server.port);
      await sub.request('SUBSCRIBE ch\r\n', '*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n'.length);
      sub.socket.pause(); // stop reading: the output piles up
      const pub = await RawClient.connect(server.port);
      const msg = 'm'.repeat(100 * 1024);
      const cmd = `*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$${msg.length}\r\n${msg}\r\n`;
      pub.write(cmd.repeat(100)); // 10 MB: more than the kernel buffers take
      expect(await waitUntil(() => server.core.clients.connectedCount === 1, 5000)).toBe(true);
      const n = await pub.waitBytes(100 * 4);
      // the subscriber got the early messages; once closed, later PUBLISHes reach nobody
      expect(n.startsWith(':1\r\n')).toBe(true);
      expect(n.endsWith(':0\r\n')).toBe(true);
      sub.close();
      pub.close();
    } finally {
      await server.close();
    }
  });

  it('closes a pubsub client over the soft limit for longer than its seconds', async () => {
    const server = await startTestServer({ 'client-output-buffer-limit': 'pubsub 0 256kb 0' });
    try {
      const sub = await RawClient.connect(server.port);
      await sub.request('SUBSCRIBE ch\r\n', '*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n'.length);
      sub.socket.pause();
      const pub = await RawClient.connect(server.port);
      const msg = 'm'.repeat(100 * 1024);
      const cmd = `*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$${msg.length}\r\n${msg}\r\n`;
      // start the burst just after a second boundary so that it does not straddle one
      await sleep(1000 - (Date.now() % 1000) + 10);
      pub.write(cmd.repeat(100));
      await pub.waitBytes(400);
      // over the soft limit, but not for more than 0 whole seconds yet
      expect(server.core.clients.connectedCount).toBe(2);
      // Redis counts whole unix seconds: once the second has changed, the next reply closes it
      await sleep(1000 - (Date.now() % 1000) + 50);
      pub.write(cmd);
      expect(await waitUntil(() => server.core.clients.connectedCount === 1, 5000)).toBe(true);
      sub.close();
      pub.close();
    } finally {
      await server.close();
    }
  });

  it('leaves normal clients alone (normal 0 0 0)', async () => {
    const server = await startTestServer();
    try {
      const c = await RawClient.connect(server.port);
      c.socket.pause();
      const v = 'x'.repeat(1024 * 1024);
      c.write(`*2\r\n$4\r\nECHO\r\n$${v.length}\r\n${v}\r\n`.repeat(8));
      await sleep(300);
      expect(server.core.clients.connectedCount).toBe(1);
      c.close();
    } finally {
      await server.close();
    }
  });
});

describe('timeout', () => {
  it('closes idle clients but not subscribers or active ones', async () => {
    const server = await startTestServer({ timeout: 1, hz: 10 });
    try {
      const idle = await RawClient.connect(server.port);
      const sub = await RawClient.connect(server.port);
      const active = await RawClient.connect(server.port);
      await sub.request('SUBSCRIBE ch\r\n', '*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n'.length);
      const t0 = Date.now();
      const keepAlive = setInterval(() => active.write('PING\r\n'), 200);
      try {
        expect(await idle.waitClose(3000)).toBe(true);
        const elapsed = Date.now() - t0;
        expect(elapsed).toBeGreaterThanOrEqual(900);
        expect(elapsed).toBeLessThan(2500); // 1 s + a cron tick, with slack for a loaded machine
        expect(idle.received.length).toBe(0);
        await sleep(200);
        expect(sub.closed).toBe(false);
        expect(active.closed).toBe(false);
      } finally {
        clearInterval(keepAlive);
      }
      sub.close();
      active.close();
    } finally {
      await server.close();
    }
  });
});
