/**
 * Robustness fuzzing with a seeded PRNG: the RequestReader in-process (must never throw), and a
 * live server hit by many short connections carrying random bytes and mutated frames while a
 * well-behaved client keeps getting correct replies.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestReader } from '../../src/protocol/request-reader.js';
import { rng } from '../helpers/rng.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const SPECIAL = [13, 10, 0, 42, 36, 45, 43, 58, 34, 39, 92, 32, 48, 49, 57, 255];

function makeFuzzer(seed: number) {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const randomBytes = (n: number) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = r() < 0.3 ? pick(SPECIAL) : int(256);
    return b;
  };
  const word = () => pick(['PING', 'ECHO', 'GET', 'SET', 'QUIT', 'x', '', 'hello world', '"', "'", '\\x41']);
  const frame = (): Buffer => {
    const args = [word(), ...Array.from({ length: int(4) }, () => (r() < 0.5 ? word() : randomBytes(int(20)).toString('latin1')))];
    if (r() < 0.3) return Buffer.from(args.map((a) => a.replace(/[\r\n\0]/g, '')).join(' ') + '\r\n', 'latin1');
    return Buffer.from(`*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`, 'latin1');
  };
  const mutate = (b: Buffer): Buffer => {
    const bytes = [...b];
    const rounds = 1 + int(3);
    for (let k = 0; k < rounds; k++) {
      const at = int(bytes.length + 1);
      switch (int(7)) {
        case 0:
          if (bytes.length) bytes[int(bytes.length)] = int(256);
          break;
        case 1:
          bytes.splice(at, 0, pick(SPECIAL));
          break;
        case 2:
          bytes.splice(at, 1);
          break;
        case 3:
          bytes.length = Math.min(bytes.length, at);
          break;
        case 4:
          bytes.splice(at, 0, ...Buffer.from(pick(['-1', '0', '3000000000', '99999999999999999999', '-5', '16385', 'abc', ''])));
          break;
        case 5:
          bytes.splice(at, 0, ...bytes.slice(int(bytes.length), int(bytes.length) + 10));
          break;
        default:
          bytes.splice(at, 0, ...Buffer.from(pick(['*', '$', '\r\n', '*0\r\n', '*-1\r\n', '$0\r\n\r\n', '"', '\0'])));
      }
    }
    return Buffer.from(bytes);
  };
  const payload = (): Buffer => {
    const kind = int(4);
    if (kind === 0) return randomBytes(1 + int(200));
    const frames = Array.from({ length: 1 + int(4) }, frame);
    if (kind === 1) return Buffer.concat(frames);
    return Buffer.concat(frames.map((f) => (r() < 0.6 ? mutate(f) : f)));
  };
  const splits = (b: Buffer): Buffer[] => {
    const out: Buffer[] = [];
    let off = 0;
    while (off < b.length) {
      const len = r() < 0.5 ? b.length - off : 1 + int(b.length - off);
      out.push(b.subarray(off, off + len));
      off += len;
    }
    return out;
  };
  return { payload, splits, int, r };
}

describe('RequestReader fuzz (in-process)', () => {
  it('never throws and yields only string argvs, whatever it is fed', () => {
    const f = makeFuzzer(42);
    let commands = 0;
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      let authed = f.r() < 0.5;
      const reader = new RequestReader(
        {
          command: (argv) => {
            commands++;
            expect(argv.length).toBeGreaterThan(0);
            for (const a of argv) expect(typeof a).toBe('string');
            if (argv[0] === 'QUIT') reader.close();
            if (argv[0] === 'ECHO') authed = true;
          },
        },
        { maxBulkLen: 1024 * 1024, queryBufferLimit: 1024 * 1024 },
        () => !authed,
      );
      for (const chunk of f.splits(f.payload())) {
        const res = reader.feed(chunk);
        if (res.kind !== 'ok') {
          errors++;
          break;
        }
      }
    }
    expect(commands).toBeGreaterThan(100);
    expect(errors).toBeGreaterThan(100);
  });

  it('gives the same commands and the same verdict for any split of garbage', () => {
    const f = makeFuzzer(99);
    const run = (chunks: Buffer[]) => {
      const got: string[][] = [];
      let authed = false;
      const reader = new RequestReader(
        {
          command: (argv) => {
            got.push(argv);
            if (argv[0] === 'QUIT') reader.close();
            if (argv[0] === 'ECHO') authed = true;
          },
        },
        { maxBulkLen: 1 << 20, queryBufferLimit: 1 << 20 },
        () => !authed,
      );
      let verdict: unknown = { kind: 'ok' };
      for (const c of chunks) {
        const res = reader.feed(c);
        if (res.kind !== 'ok') {
          verdict = res;
          break;
        }
      }
      return { got, verdict };
    };
    for (let i = 0; i < 1500; i++) {
      const input = f.payload();
      const whole = run([input]);
      const sp = f.splits(input);
      expect(run(sp), JSON.stringify(sp.map((b) => b.toString('latin1')))).toEqual(whole);
      if (i % 10 === 0) expect(run([...input].map((b) => Buffer.from([b])))).toEqual(whole);
    }
  });

  it('gives the same commands for any split of valid input', () => {
    const f = makeFuzzer(7);
    for (let i = 0; i < 300; i++) {
      const parts: Buffer[] = [];
      for (let k = 0; k < 5; k++) {
        const args = Array.from({ length: 1 + f.int(4) }, () => Buffer.from(Array.from({ length: f.int(30) }, () => f.int(256))));
        parts.push(Buffer.from(`*${args.length}\r\n`), ...args.flatMap((a) => [Buffer.from(`$${a.length}\r\n`), a, Buffer.from('\r\n')]));
      }
      const input = Buffer.concat(parts);
      const run = (chunks: Buffer[]) => {
        const got: string[][] = [];
        const reader = new RequestReader({ command: (argv) => got.push(argv) }, { maxBulkLen: 1 << 20, queryBufferLimit: 1 << 20 });
        for (const c of chunks) expect(reader.feed(c)).toEqual({ kind: 'ok' });
        return got;
      };
      expect(run(f.splits(input))).toEqual(run([input]));
    }
  });
});

describe('server fuzz (over TCP)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  /** One short connection: sends the pieces, lingers briefly, hangs up. */
  function hit(port: number, pieces: Buffer[], lingerMs: number): Promise<void> {
    return new Promise((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.on('error', () => {});
      s.on('data', () => {});
      s.once('connect', () => {
        for (const p of pieces) s.write(p);
        setTimeout(() => s.destroy(), lingerMs);
      });
      s.once('close', () => resolve());
    });
  }

  /** A well-behaved client running PING / SET / GET and checking every reply. */
  function goodClient(port: number, stop: () => boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      let buf = '';
      let expected = '';
      let n = 0;
      const next = () => {
        if (stop()) {
          s.destroy();
          resolve(n);
          return;
        }
        const v = `value-${n}\r\n\0`;
        const req = `*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$4\r\ngood\r\n$${v.length}\r\n${v}\r\n*2\r\n$3\r\nGET\r\n$4\r\ngood\r\n`;
        expected = `+PONG\r\n+OK\r\n$${v.length}\r\n${v}\r\n`;
        buf = '';
        n++;
        s.write(Buffer.from(req, 'latin1'));
      };
      s.on('data', (d) => {
        buf += d.toString('latin1');
        if (buf.length < expected.length) return;
        if (buf !== expected) {
          s.destroy();
          reject(new Error(`bad reply ${JSON.stringify(buf)}, wanted ${JSON.stringify(expected)}`));
          return;
        }
        next();
      });
      s.on('error', reject);
      s.once('connect', next);
    });
  }

  it('survives 300 connections of garbage while a good client keeps working', async () => {
    const f = makeFuzzer(2024);
    let done = false;
    const good = goodClient(server.port, () => done);
    const total = 300;
    let started = 0;
    const worker = async () => {
      while (started < total) {
        started++;
        await hit(server.port, f.splits(f.payload()), f.int(15));
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    done = true;
    const rounds = await good;
    expect(rounds).toBeGreaterThan(10);
    // still serving, and every fuzz connection is gone
    const check = await new Promise<string>((resolve) => {
      const s = net.connect({ port: server.port, host: '127.0.0.1' }, () => s.write('PING\r\n'));
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString('latin1'));
      });
    });
    expect(check).toBe('+PONG\r\n');
    for (let i = 0; i < 50 && server.core.clients.connectedCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.core.clients.connectedCount).toBe(0);
  });
});
