/**
 * Workloads for the AOF round-trip tests (aof-digest, aof-compat): a fixed set of writes touching every
 * type and encoding, several dbs, relative expiries (propagated as absolute), MULTI/EXEC, INCRBYFLOAT,
 * SPOP, a blocking pop served later; and seeded random commands of every type (random-commands.ts) with
 * SELECT switches. Plus an in-process nodis on a given dir (restartable on the same dir).
 */
import fs from 'node:fs';
import { startServer, type ServerHandle } from '../../src/index.js';
import { FAMILY_COMMANDS, generate, type Step } from './random-commands.js';
import { RespConn } from './resp-session.js';

const BIN = 'a\x00b\xff\r\n\x80z';
const LONG = 'L'.repeat(70);

/** nodis in-process on `dir` (kept on close), debug commands on; resolves once the dataset is loaded. */
export async function startOnDir(dir: string, config: Record<string, string | number> = {}): Promise<ServerHandle> {
  const handle = await startServer({ config: { port: 0, bind: '127.0.0.1', dir, save: '', 'enable-debug-command': 'yes', ...config }, silent: true });
  const c = await RespConn.connect(handle.port);
  try {
    for (;;) {
      const r = await c.cmd('PING');
      if (r === '+PONG\r\n') break;
      if (!r.startsWith('-LOADING')) throw new Error(`PING: ${r}`);
      await new Promise((res) => setTimeout(res, 5));
    }
  } finally {
    c.close();
  }
  return handle;
}

/** Removes a dir (after the servers on it closed). */
export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Sends commands pipelined; resolves with the replies (raw RESP). */
export async function pipeline(c: RespConn, cmds: string[][]): Promise<string[]> {
  for (const argv of cmds) c.send(...argv);
  const out: string[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(await c.next());
  return out;
}

/** The fixed writes: every type, encoding and propagation rewrite the AOF must carry. */
export async function fixedWrites(port: number): Promise<void> {
  const c = await RespConn.connect(port);
  const waiter = await RespConn.connect(port);
  try {
    const replies = await pipeline(c, [
      ['SELECT', '0'],
      ['SET', 'str', 'hello'],
      ['SET', 'int', '12345'],
      ['SET', 'bin', BIN],
      ['SET', 'ex', 'v', 'EX', '100000'],
      ['SET', 'px', 'v', 'PX', '100000000'],
      ['SETEX', 'setex', '100000', 'v'],
      ['INCRBYFLOAT', 'float', '1.5'],
      ['INCRBYFLOAT', 'float', '0.1'],
      ['APPEND', 'str', ' world'],
      ['SETRANGE', 'str', '20', 'x'],
      ['RPUSH', 'list', 'a', 'b', 'c', BIN, LONG],
      ['LPUSH', 'list', 'z'],
      ['LREM', 'list', '1', 'b'],
      ['HSET', 'hash', 'f1', 'v1', 'f2', BIN, 'f3', LONG],
      ['HINCRBYFLOAT', 'hash', 'n', '2.5'],
      ['SADD', 'iset', '1', '2', '3', '-7'],
      ['SADD', 'set', 'a', 'b', 'c', BIN],
      ['SPOP', 'set'],
      ['ZADD', 'zset', '1', 'one', '2.5', 'two', '-inf', 'low', 'inf', 'high'],
      ['ZINCRBY', 'zset', '0.1', 'one'],
      ['ZADD', 'bigz', ...Array.from({ length: 300 }, (_, i) => [String(i / 3), `m${i}`]).flat()],
      ['SADD', 'bigset', ...Array.from({ length: 600 }, (_, i) => `e${i}`)],
      ['EXPIRE', 'bigset', '100000'],
      ['PEXPIRE', 'hash', '100000000'],
      ['EXPIREAT', 'list', '4000000000'],
      ['PERSIST', 'ex'],
      ['SELECT', '3'],
      ['SET', 'db3', 'x'],
      ['RPUSH', 'l3', '1', '2', '3'],
      ['MULTI'],
      ['INCR', 'ctr'],
      ['RPOPLPUSH', 'l3', 'l3b'],
      ['SET', 'inmulti', 'y', 'EX', '100000'],
      ['EXEC'],
      ['SELECT', '9'],
      ['SET', 'db9', 'z'],
      ['RENAME', 'db9', 'db9b'],
      ['SELECT', '0'],
      ['DEL', 'int'],
      ['UNLINK', 'nothing'],
    ]);
    for (const r of replies) if (r.startsWith('-')) throw new Error(`fixed write failed: ${r}`);
    // blocking pops served later are propagated as their non-blocking forms
    waiter.send('BLPOP', 'blk', '0');
    waiter.send('BZPOPMIN', 'blkz', '0');
    await new Promise((r) => setTimeout(r, 30));
    await c.cmd('RPUSH', 'blk', 'p1', 'p2');
    await c.cmd('ZADD', 'blkz', '5', 'zz', '6', 'yy');
    await waiter.next();
    await waiter.next();
    await c.cmd('SELECT', '2');
    waiter.send('SELECT', '2');
    await waiter.next();
    waiter.send('BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0');
    await new Promise((r) => setTimeout(r, 30));
    await c.cmd('RPUSH', 'src', 'moved', 'stays');
    await waiter.next();
    await c.cmd('SELECT', '0');
  } finally {
    c.close();
    waiter.close();
  }
}

/** The commands nodis knows among those random-commands.ts can generate. */
export async function knownCommands(port: number): Promise<Set<string>> {
  const c = await RespConn.connect(port);
  const names = Object.values(FAMILY_COMMANDS).flat();
  const reply = await c.cmd('COMMAND', 'INFO', ...names);
  c.close();
  // one entry per name: a nil (*-1 / $-1) for an unknown one, an array for a known one
  const known = new Set<string>();
  let pos = reply.indexOf('\r\n') + 2;
  for (const name of names) {
    if (reply.startsWith('*-1\r\n', pos) || reply.startsWith('$-1\r\n', pos)) {
      pos += 5;
      continue;
    }
    known.add(name);
    pos = skipFrame(reply, pos);
  }
  return known;
}

function skipFrame(s: string, pos: number): number {
  const eol = s.indexOf('\r\n', pos);
  const t = s[pos];
  const n = Number(s.slice(pos + 1, eol));
  if (t === '$') return n < 0 ? eol + 2 : eol + 2 + n + 2;
  if (t === '*') {
    let p = eol + 2;
    for (let i = 0; i < n; i++) p = skipFrame(s, p);
    return p;
  }
  return eol + 2;
}

/**
 * `count` random items from `seed` (every type, MULTI/EXEC, blocking pops with short timeouts), with a
 * SELECT of one of dbs 0..3 every 50 items. Replies are not checked (errors included on purpose).
 */
export async function randomWrites(port: number, seed: number, count: number, known: ReadonlySet<string>): Promise<void> {
  const c = await RespConn.connect(port);
  try {
    // without "-0" arguments: a -0 score survives in a skiplist-encoded zset but reads back as 0 from a
    // listpack, and a zset's encoding after replay can differ from the live one (a zset that once grew
    // stays a skiplist): real Redis replaying the same AOF shows the same 0 for a live -0
    const items = generate(seed, count, known).filter((it) => ('multi' in it ? it.multi : [it]).every((s: Step) => !s.argv.includes('-0')));
    let batch: string[][] = [];
    const flush = async (): Promise<void> => {
      await pipeline(c, batch);
      batch = [];
    };
    for (let i = 0; i < items.length; i++) {
      if (i % 50 === 0) batch.push(['SELECT', String((seed + i / 50) % 4)]);
      const item = items[i];
      if ('multi' in item) batch.push(['MULTI'], ...item.multi.map((s: Step) => s.argv), ['EXEC']);
      else if (item.mode === 'block' || item.mode === 'scan') {
        // sent alone: a blocking pop may wait its timeout; SCAN-like commands are reads anyway
        await flush();
        await c.cmd(...item.argv);
      } else batch.push(item.argv);
      if (batch.length >= 100) await flush();
    }
    await flush();
    await c.cmd('SELECT', '0');
  } finally {
    c.close();
  }
}

/** DEBUG DIGEST of the whole dataset. */
export async function digest(port: number): Promise<string> {
  const c = await RespConn.connect(port);
  const r = await c.cmd('DEBUG', 'DIGEST');
  c.close();
  if (!r.startsWith('+')) throw new Error(`DEBUG DIGEST: ${r}`);
  return r.slice(1, -2);
}

/**
 * Per-key digests of every non-empty db (`db:key` -> DEBUG DIGEST-VALUE, plus PTTL presence): for a
 * readable report of which keys differ when two datasets' digests do. For small datasets only.
 */
export async function keyDigests(port: number): Promise<Map<string, string>> {
  const c = await RespConn.connect(port);
  const out = new Map<string, string>();
  try {
    for (let db = 0; db < 16; db++) {
      await c.cmd('SELECT', String(db));
      const keys = parseArray(await c.cmd('KEYS', '*'));
      for (const k of keys) {
        const d = parseArray(await c.cmd('DEBUG', 'DIGEST-VALUE', k))[0];
        const ttl = await c.cmd('PTTL', k);
        const type = (await c.cmd('TYPE', k)).trim().slice(1);
        const contents =
          type === 'zset' ? await c.cmd('ZRANGE', k, '0', '-1', 'WITHSCORES') : type === 'list' ? await c.cmd('LRANGE', k, '0', '-1') : type === 'string' ? await c.cmd('GET', k) : '';
        out.set(`${db}:${JSON.stringify(k)}`, `${d} ${ttl.startsWith(':-1') ? 'no-ttl' : 'ttl'} ${type} ${JSON.stringify(contents.slice(0, 2000))}`);
      }
    }
  } finally {
    c.close();
  }
  return out;
}

/** The differences between two keyDigests() maps, one line each. */
export function diffKeyDigests(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${k}: ${v} -> ${b.get(k) ?? 'missing'}`);
  for (const [k, v] of b) if (!a.has(k)) out.push(`${k}: missing -> ${v}`);
  return out;
}

/** A flat RESP array of bulk / simple strings. */
function parseArray(r: string): string[] {
  const out: string[] = [];
  let eol = r.indexOf('\r\n');
  const n = Number(r.slice(1, eol));
  let p = eol + 2;
  for (let i = 0; i < n; i++) {
    eol = r.indexOf('\r\n', p);
    if (r[p] === '$') {
      const len = Number(r.slice(p + 1, eol));
      out.push(r.slice(eol + 2, eol + 2 + len));
      p = eol + 2 + len + 2;
    } else {
      out.push(r.slice(p + 1, eol));
      p = eol + 2;
    }
  }
  return out;
}
