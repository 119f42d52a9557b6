/**
 * Protocol edge cases against a real redis-server: the same bytes go to both servers and the
 * full received bytes and whether the server closed the connection must match.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, startRedis, type RedisOracle } from '../helpers/oracle.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

interface Outcome {
  bytes: string;
  closed: boolean;
}

/**
 * Sends data, then collects until the server closes, or until nothing arrived for idleMs after
 * at least minMs (the machine may be loaded: a slow first reply must not count as silence).
 * With `like` (Redis's outcome), waits for as many bytes, or for the close, first.
 */
function exchange(port: number, data: Buffer, idleMs = 250, like?: Outcome): Promise<Outcome> {
  const minMs = like ? 0 : Math.max(idleMs, 600);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let timer: NodeJS.Timeout | undefined;
    const start = Date.now();
    const s = net.connect({ port, host: '127.0.0.1' }, () => s.write(data));
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      clearTimeout(cap);
      s.destroy();
      resolve({ bytes: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const cap = setTimeout(() => finish(false), 5000);
    const arm = () => {
      clearTimeout(timer);
      if (like && (like.closed || size < like.bytes.length)) return; // keep waiting (up to the cap)
      timer = setTimeout(() => finish(false), Math.max(idleMs, minMs - (Date.now() - start)));
    };
    s.on('data', (c) => {
      chunks.push(c);
      size += c.length;
      arm();
    });
    s.on('error', () => {});
    s.on('close', () => finish(true));
    arm();
  });
}

/** Runs data against Redis, then against nodis expecting the same. */
async function both(redisPort: number, nodisPort: number, data: Buffer): Promise<[Outcome, Outcome]> {
  const r = await exchange(redisPort, data);
  const n = await exchange(nodisPort, data, 250, r);
  return [r, n];
}

const L = (s: string) => Buffer.from(s, 'latin1');

const cases: Array<[string, Buffer]> = [
  ['non-$ element', L('*1\r\n+PING\r\n')],
  ['non-$ high byte', L('*1\r\n\xff4\r\nPING\r\n')],
  ['empty element header', L('*1\r\n\r\n')],
  ['LF as element header', L('*1\r\n\n$4\r\n')],
  ['commands before the bad frame run first', L('PING\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\na\r\n*1\r\n:1\r\n')],
  ['multibulk length 3000000000', L('*3000000000\r\n')],
  ['multibulk length INT_MAX is accepted (waits)', L('*2147483647\r\n')],
  ['non-numeric multibulk length', L('*abc\r\n')],
  ['multibulk length with leading zero', L('*01\r\n$4\r\nPING\r\n')],
  ['multibulk length -0', L('*-0\r\n')],
  ['multibulk length trailing junk', L('*1x\r\n')],
  ['empty multibulk length', L('*\r\n')],
  ['negative multibulk lengths are ignored', L('*-1\r\n*-5\r\n*0\r\nPING\r\n')],
  ['negative bulk length', L('*1\r\n$-1\r\n')],
  ['non-numeric bulk length', L('*1\r\n$abc\r\n')],
  ['empty bulk length', L('*1\r\n$\r\n')],
  ['bulk length with plus sign', L('*1\r\n$+4\r\nPING\r\n')],
  ['bulk over proto-max-bulk-len', L('*1\r\n$1048577\r\n')],
  ['bulk at proto-max-bulk-len waits', L('*1\r\n$1048576\r\n')],
  ['huge bulk length', L('*1\r\n$99999999999999999999999\r\n')],
  ['unchecked bytes after CR and after a body', L('*1\rX$4\rXPINGxxPING\r\n')],
  ['NUL in a count header stalls', L('*1\0\r\n$4\r\nPING\r\n')],
  ['NUL in an inline line stalls', L('ECHO a\0b\r\nPING\r\n')],
  ['unbalanced double quote', L('ECHO "a\r\n')],
  ['unbalanced single quote', L("ECHO 'a\r\n")],
  ['closing quote followed by a letter', L('ECHO "a"b\r\n')],
  ['inline escapes', L('ECHO "\\x41\\x4g\\q\\n"\r\nECHO \'\\x41\\\'\'\r\n')],
  ['inline vertical tab inside a word', L('ECHO a\vb\r\nECHO "a"\v\r\n')],
  ['inline with only CR', L('PING\rPING\r\n')],
  ['too big inline request', L('a'.repeat(70000))],
  ['too big mbulk count string', L('*' + '1'.repeat(70000))],
  ['too big bulk count string', L('*1\r\n$' + '1'.repeat(70000))],
  ['QUIT then a bad frame: no error reply', L('*1\r\n$4\r\nQUIT\r\n*1\r\n+x\r\n')],
  ['inline QUIT then garbage', L('QUIT\r\n"unbalanced\r\n')],
  ['CLIENT REPLY OFF silences the protocol error', L('CLIENT REPLY OFF\r\n*1\r\n+x\r\n')],
  ['CLIENT REPLY OFF: nothing is read after the bad frame', L('CLIENT REPLY OFF\r\n*1\r\n+x\r\nPING\r\n')],
  ['CLIENT REPLY SKIP then a bad frame', L('CLIENT REPLY SKIP\r\n*1\r\n+x\r\n')],
  ['CLIENT REPLY SKIP, a command, then a bad frame', L('CLIENT REPLY SKIP\r\nPING\r\n*1\r\n+x\r\n')],
  ['unknown command with a NUL and a CR inside', L('*3\r\n$6\r\nEXIS\0T\r\n$3\r\na\rb\r\n$3\r\nc\0d\r\n')],
  ['nothing after QUIT runs', L('PING\r\n*1\r\n$4\r\nQUIT\r\nPING\r\n*1\r\n$4\r\nPING\r\n')],
  ['empty command name', L('*1\r\n$0\r\n\r\n""\r\n*2\r\n$0\r\n\r\n$1\r\na\r\n')],
  ['lowercase and mixed-case commands', L('ping\r\n*1\r\n$4\r\npInG\r\n')],
  ['unknown command then a bad frame', L('FOO bar\r\n*1\r\n$x\r\n')],
  ['unknown command args are cut at 128 chars', L(`FOO ${'a'.repeat(100)} ${'b'.repeat(50)} c\r\nFOO a b c d e f g h i j k l m n o p q r s t u v w x y z\r\n`)],
];

const authCases: Array<[string, Buffer]> = [
  ['unauthenticated multibulk length', L('*11\r\n')],
  ['10 elements allowed before AUTH', L('*10\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n')],
  ['unauthenticated bulk length', L('*1\r\n$16385\r\n')],
  ['16384 bytes allowed before AUTH', L('*1\r\n$16384\r\n')],
  ['NOAUTH for a command', L('PING\r\n')],
  ['after an inline AUTH the limits are gone', L('AUTH secret\r\n*11\r\n$4\r\nECHO\r\n')],
  ['a multibulk AUTH earlier in the same chunk counts', L('*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n*11\r\n$4\r\nECHO\r\n*1\r\n$16385\r\n')],
  ['a failed AUTH keeps the limits', L('*2\r\n$4\r\nAUTH\r\n$5\r\nwrong\r\n*1\r\n$16385\r\n')],
];

describe.skipIf(!hasRedis)('protocol vs redis-server', () => {
  let redis: RedisOracle;
  let redisAuth: RedisOracle;
  let nodis: TestServer;
  let nodisAuth: TestServer;
  beforeAll(async () => {
    [redis, redisAuth, nodis, nodisAuth] = await Promise.all([
      startRedis(['--proto-max-bulk-len', '1mb']),
      startRedis(['--requirepass', 'secret']),
      startTestServer({ 'proto-max-bulk-len': '1mb' }),
      startTestServer({ requirepass: 'secret' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([redis?.close(), redisAuth?.close(), nodis?.close(), nodisAuth?.close()]);
  });

  it('answers bad and odd frames byte for byte like Redis, and closes when Redis does', async () => {
    const results = await Promise.all(
      cases.map(async ([name, data]) => {
        const [r, n] = await both(redis.port, nodis.port, data);
        return { name, redis: r, nodis: n };
      }),
    );
    for (const { name, redis: r, nodis: n } of results) expect({ name, ...n }).toEqual({ name, ...r });
  });

  it('applies the before-AUTH limits like Redis', async () => {
    const results = await Promise.all(
      authCases.map(async ([name, data]) => {
        const [r, n] = await both(redisAuth.port, nodisAuth.port, data);
        return { name, redis: r, nodis: n };
      }),
    );
    for (const { name, redis: r, nodis: n } of results) expect({ name, ...n }).toEqual({ name, ...r });
  });

  it('applies a CONFIG SET proto-max-bulk-len from earlier in the same chunk', async () => {
    const data = L('*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$18\r\nproto-max-bulk-len\r\n$3\r\n2mb\r\n*2\r\n$4\r\nECHO\r\n$1048577\r\n');
    const [r, n] = await both(redis.port, nodis.port, data);
    expect(n).toEqual(r);
    const reset = L('CONFIG SET proto-max-bulk-len 1mb\r\n');
    const ok = { bytes: '+OK\r\n', closed: false };
    await Promise.all([exchange(redis.port, reset, 50, ok), exchange(nodis.port, reset, 50, ok)]);
  });

  it('encodes RESP3 replies like Redis (after HELLO 3)', async () => {
    const session = async (port: number) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.on('error', () => {});
      await new Promise((r) => s.once('connect', r));
      let got = '';
      s.on('data', (d) => (got += d.toString('latin1')));
      s.write('HELLO 3\r\n');
      for (let i = 0; i < 100 && !got.includes('modules'); i++) await new Promise((r) => setTimeout(r, 10));
      got = '';
      s.write(
        'PING\r\nECHO "a\\r\\nb"\r\nGET nokey\r\nCONFIG GET maxclients\r\nEXISTS a\r\nSUBSCRIBE ch\r\nPING\r\nPING x\r\nUNSUBSCRIBE\r\nFOO\r\n',
      );
      for (let i = 0; i < 300 && !got.includes("'FOO'"); i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      s.destroy();
      return got;
    };
    const [r, n] = await Promise.all([session(redis.port), session(nodis.port)]);
    expect(r).toContain('>3');
    expect(n).toBe(r);
  });

  it('closes a client over client-query-buffer-limit like Redis: earlier replies sent, then no reply', async () => {
    const set = (v: string) => L(`CONFIG SET client-query-buffer-limit ${v}\r\n`);
    // the requirepass pair runs with the default proto-max-bulk-len
    const auth = L('AUTH secret\r\n');
    const cfg = (v: string) => Buffer.concat([auth, set(v)]);
    const ok2 = { bytes: '+OK\r\n+OK\r\n', closed: false };
    await Promise.all([exchange(redisAuth.port, cfg('1mb'), 50, ok2), exchange(nodisAuth.port, cfg('1mb'), 50, ok2)]);
    const run = (port: number) =>
      new Promise<Outcome>((resolve) => {
        const chunks: Buffer[] = [];
        const s = net.connect({ port, host: '127.0.0.1' }, () => {
          s.write('AUTH secret\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2000000\r\n');
          setTimeout(() => s.write(Buffer.alloc(1100 * 1024, 0x61)), 50);
        });
        s.on('error', () => {});
        s.on('data', (c) => chunks.push(c));
        const t = setTimeout(() => s.destroy(), 2000);
        s.on('close', () => {
          clearTimeout(t);
          resolve({ bytes: Buffer.concat(chunks).toString('latin1'), closed: true });
        });
      });
    const [r, n] = await Promise.all([run(redisAuth.port), run(nodisAuth.port)]);
    expect(r).toEqual({ bytes: '+OK\r\n+PONG\r\n', closed: true });
    expect(n).toEqual(r);
    await Promise.all([exchange(redisAuth.port, cfg('1gb'), 50, ok2), exchange(nodisAuth.port, cfg('1gb'), 50, ok2)]);
  });

  it('answers random and mutated frames exactly like Redis', async () => {
    let seed = 4242;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const special = ['\r', '\n', '\0', '*', '$', '-', '"', "'", '\\', ' ', '0', '9', '\xff'];
    // no writes: connections run in parallel, so replies must not depend on each other
    const words = ['PING', 'ECHO', 'GET', 'STRLEN', 'EXISTS', 'x', '', 'a b', '"', "'", '\\x41', 'QUIT'];
    const payload = () => {
      let out = '';
      for (let f = 1 + rnd(3); f > 0; f--) {
        const args = [words[rnd(words.length)], ...Array.from({ length: rnd(3) }, () => words[rnd(words.length)])];
        let frame = rnd(3) === 0 ? args.join(' ') + '\r\n' : `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
        for (let m = rnd(3); m > 0; m--) {
          const at = rnd(frame.length + 1);
          const op = rnd(3);
          if (op === 0) frame = frame.slice(0, at) + special[rnd(special.length)] + frame.slice(at);
          else if (op === 1) frame = frame.slice(0, at) + frame.slice(at + 1);
          else frame = frame.slice(0, at) + String(rnd(3) ? rnd(20) : -rnd(3)) + frame.slice(at);
        }
        out += frame;
      }
      return L(out);
    };
    const inputs = Array.from({ length: 120 }, payload);
    const results = await Promise.all(inputs.map((data) => both(redis.port, nodis.port, data)));
    results.forEach(([r, n], i) => expect({ input: inputs[i].toString('latin1'), ...n }).toEqual({ input: inputs[i].toString('latin1'), ...r }));
  });

  it('splits random inline lines exactly like Redis (sdssplitargs)', async () => {
    let seed = 777;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = ['a', 'b', ' ', ' ', '"', "'", '\\', 'x', '4', 'F', 'g', 'n', 't', '\t', '\v', '\f', '\r', '\xe9'];
    // an unknown command echoes its (quoted) arguments back in the error
    const lines = Array.from({ length: 150 }, () => `FOO ${Array.from({ length: 1 + rnd(14) }, () => alphabet[rnd(alphabet.length)]).join('')}\r\n`);
    const results = await Promise.all(lines.map((line) => both(redis.port, nodis.port, L(line))));
    results.forEach(([r, n], i) => expect({ input: lines[i], ...n }).toEqual({ input: lines[i], ...r }));
  });

  it('answers requests held by CLIENT PAUSE before a bad frame behind them', async () => {
    const data = L('PING\r\n*1\r\n+x\r\n');
    const run = async (port: number, like?: Outcome) => {
      await exchange(port, L('CLIENT PAUSE 300 ALL\r\n'), 10, { bytes: '+OK\r\n', closed: false });
      const t0 = Date.now();
      const out = await exchange(port, data, 250, like);
      return { out, waited: Date.now() - t0 };
    };
    const r = await run(redis.port);
    const n = await run(nodis.port, r.out);
    expect(r.out).toEqual({ bytes: "+PONG\r\n-ERR Protocol error: expected '$', got '+'\r\n", closed: true });
    expect(n.out).toEqual(r.out);
    expect(n.waited).toBeGreaterThanOrEqual(200);
  });

  it('keeps other clients working while one sends a bad frame', async () => {
    for (const port of [redis.port, nodis.port]) {
      const good = net.connect({ port, host: '127.0.0.1' });
      await new Promise((r) => good.once('connect', r));
      const bad = await exchange(port, L('*1\r\n$x\r\n'));
      expect(bad.closed).toBe(true);
      const reply = await new Promise<string>((resolve) => {
        good.once('data', (d) => resolve(d.toString('latin1')));
        good.write('PING\r\n');
      });
      expect(reply).toBe('+PONG\r\n');
      good.destroy();
    }
  });
});

describe.skipIf(!hasRedis)('maxclients vs redis-server', () => {
  it('rejects the client over maxclients with the same bytes, then closes', async () => {
    const [redis, nodis] = await Promise.all([startRedis(['--maxclients', '1']), startTestServer({ maxclients: 1 })]);
    try {
      const holders = await Promise.all(
        [redis.port, nodis.port].map(
          (port) =>
            new Promise<net.Socket>((resolve) => {
              const s = net.connect({ port, host: '127.0.0.1' }, () => s.write('PING\r\n'));
              s.on('error', () => {});
              s.once('data', () => resolve(s));
            }),
        ),
      );
      const [r, n] = await both(redis.port, nodis.port, L('PING\r\n'));
      expect(r).toEqual({ bytes: '-ERR max number of clients reached\r\n', closed: true });
      expect(n).toEqual(r);
      for (const h of holders) h.destroy();
    } finally {
      await Promise.all([redis.close(), nodis.close()]);
    }
  });
});
