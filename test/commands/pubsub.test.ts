/**
 * Pub/sub: SUBSCRIBE/UNSUBSCRIBE/PSUBSCRIBE/PUNSUBSCRIBE/PUBLISH/PUBSUB, message delivery in
 * RESP2 and RESP3 (exact bytes), subscribed-mode restrictions, cleanup on disconnect.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespSession } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
let pub: Redis;

beforeAll(async () => {
  server = await startTestServer();
  pub = new Redis({ port: server.port, lazyConnect: true });
  await pub.connect();
});
afterAll(async () => {
  pub.disconnect();
  await server.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('delivery', () => {
  it('ioredis subscribers get channel and pattern messages; PUBLISH counts receivers', async () => {
    const sub = new Redis({ port: server.port, lazyConnect: true });
    await sub.connect();
    try {
      const got: string[] = [];
      sub.on('message', (ch, m) => got.push(`m:${ch}:${m}`));
      sub.on('pmessage', (p, ch, m) => got.push(`p:${p}:${ch}:${m}`));
      await sub.subscribe('news', 'other');
      await sub.psubscribe('n*');
      expect(await pub.publish('news', 'hello')).toBe(2);
      expect(await pub.publish('nothing', 'x')).toBe(1);
      expect(await pub.publish('zzz', 'x')).toBe(0);
      await sleep(20);
      expect(got).toEqual(['m:news:hello', 'p:n*:news:hello', 'p:n*:nothing:x']);
    } finally {
      sub.disconnect();
    }
  });

  it('RESP2 and RESP3 message bytes, binary-safe payloads', async () => {
    const s2 = await RespSession.connect(server.port);
    const s3 = await RespSession.connect(server.port);
    try {
      expect(await s2.send(['SUBSCRIBE', 'bin'])).toBe('*3\r\n$9\r\nsubscribe\r\n$3\r\nbin\r\n:1\r\n');
      expect(await s2.send(['PSUBSCRIBE', 'b?n'])).toBe('*3\r\n$10\r\npsubscribe\r\n$3\r\nb?n\r\n:2\r\n');
      await s3.send(['HELLO', '3']);
      expect(await s3.send(['SUBSCRIBE', 'bin', 'x'], 2)).toBe(
        '>3\r\n$9\r\nsubscribe\r\n$3\r\nbin\r\n:1\r\n>3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:2\r\n',
      );
      expect(await pub.publish('bin', Buffer.from([0, 0xff, 0x0d, 0x0a]))).toBe(3);
      expect(await s2.read(2)).toBe(
        '*3\r\n$7\r\nmessage\r\n$3\r\nbin\r\n$4\r\n\x00\xff\r\n\r\n' + '*4\r\n$8\r\npmessage\r\n$3\r\nb?n\r\n$3\r\nbin\r\n$4\r\n\x00\xff\r\n\r\n',
      );
      expect(await s3.read()).toBe('>3\r\n$7\r\nmessage\r\n$3\r\nbin\r\n$4\r\n\x00\xff\r\n\r\n');
      // RESP3 clients may run any command while subscribed; RESP2 ones may not
      expect(await s3.send(['GET', 'nokey'])).toBe('_\r\n');
      expect(await s2.send(['GET', 'nokey'])).toBe(
        "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
      );
      expect(await s3.send(['UNSUBSCRIBE', 'x', 'never'], 2)).toBe(
        '>3\r\n$11\r\nunsubscribe\r\n$1\r\nx\r\n:1\r\n>3\r\n$11\r\nunsubscribe\r\n$5\r\nnever\r\n:1\r\n',
      );
      expect(await s3.send(['UNSUBSCRIBE'])).toBe('>3\r\n$11\r\nunsubscribe\r\n$3\r\nbin\r\n:0\r\n');
      expect(await s3.send(['UNSUBSCRIBE'])).toBe('>3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n');
      expect(await s2.send(['PUNSUBSCRIBE'])).toBe('*3\r\n$12\r\npunsubscribe\r\n$3\r\nb?n\r\n:1\r\n');
      expect(await s2.send(['UNSUBSCRIBE'])).toBe('*3\r\n$11\r\nunsubscribe\r\n$3\r\nbin\r\n:0\r\n');
      expect(await s2.send(['PUNSUBSCRIBE'])).toBe('*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n');
      expect(await s2.send(['GET', 'nokey'])).toBe('$-1\r\n');
    } finally {
      s2.close();
      s3.close();
    }
  });

  it('a RESP3 publisher subscribed to its own channel gets the message before its reply', async () => {
    const s = await RespSession.connect(server.port);
    try {
      await s.send(['HELLO', '3']);
      await s.send(['SUBSCRIBE', 'self']);
      expect(await s.send(['PUBLISH', 'self', 'm'], 2)).toBe('>3\r\n$7\r\nmessage\r\n$4\r\nself\r\n$1\r\nm\r\n:1\r\n');
    } finally {
      s.close();
    }
  });
});

describe('PUBSUB', () => {
  it('CHANNELS, NUMSUB, NUMPAT, shard forms, HELP, errors', async () => {
    const s1 = await RespSession.connect(server.port);
    const s2 = await RespSession.connect(server.port);
    try {
      await s1.send(['SUBSCRIBE', 'ch.a', 'ch.b', 'zz'], 3);
      await s2.send(['SUBSCRIBE', 'ch.a'], 1);
      await s1.send(['PSUBSCRIBE', 'p1', 'p2'], 2);
      await s2.send(['PSUBSCRIBE', 'p1'], 1);
      expect(((await pub.call('PUBSUB', 'CHANNELS')) as string[]).sort()).toEqual(['ch.a', 'ch.b', 'zz']);
      expect(((await pub.call('PUBSUB', 'CHANNELS', 'ch.*')) as string[]).sort()).toEqual(['ch.a', 'ch.b']);
      expect(await pub.call('PUBSUB', 'NUMSUB', 'ch.a', 'ch.b', 'none')).toEqual(['ch.a', 2, 'ch.b', 1, 'none', 0]);
      expect(await pub.call('PUBSUB', 'NUMSUB')).toEqual([]);
      expect(await pub.call('PUBSUB', 'NUMPAT')).toBe(2);
      expect(await pub.call('PUBSUB', 'SHARDCHANNELS')).toEqual([]);
      expect(await pub.call('PUBSUB', 'SHARDNUMSUB', 'ch.a')).toEqual(['ch.a', 0]);
      expect(((await pub.call('PUBSUB', 'HELP')) as string[])[0]).toBe('PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
      await expect(pub.call('PUBSUB', 'CHANNELS', 'a', 'b')).rejects.toThrow(
        "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.",
      );
      await expect(pub.call('PUBSUB', 'NOPE')).rejects.toThrow("ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.");
      await expect(pub.call('PUBLISH', 'a')).rejects.toThrow("ERR wrong number of arguments for 'publish' command");
      await expect(pub.call('SUBSCRIBE')).rejects.toThrow("ERR wrong number of arguments for 'subscribe' command");
      // a disconnect drops every subscription
      s1.close();
      for (let i = 0; i < 50 && (await pub.call('PUBSUB', 'NUMPAT')) !== 1; i++) await sleep(10);
      expect(await pub.call('PUBSUB', 'NUMSUB', 'ch.a', 'ch.b')).toEqual(['ch.a', 1, 'ch.b', 0]);
      expect(await pub.call('PUBSUB', 'NUMPAT')).toBe(1);
    } finally {
      s1.close();
      s2.close();
    }
  });
});

describe('output buffer limit', () => {
  it('a subscriber that does not read is closed past the pubsub hard limit', async () => {
    await pub.config('SET', 'client-output-buffer-limit', 'pubsub 256kb 0 0');
    const s = await RespSession.connect(server.port);
    try {
      await s.send(['SUBSCRIBE', 'flood']);
      s.raw.socket.pause(); // stop reading: replies pile up in the server's buffers
      const big = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 200 && !s.raw.closed; i++) {
        await pub.publish('flood', big);
        if (i % 20 === 19) await sleep(5);
      }
      for (let i = 0; i < 50 && (await pub.call('PUBSUB', 'NUMSUB', 'flood') as unknown[])[1] !== 0; i++) await sleep(10);
      expect(await pub.call('PUBSUB', 'NUMSUB', 'flood')).toEqual(['flood', 0]);
    } finally {
      s.close();
      await pub.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
    }
  });
});
