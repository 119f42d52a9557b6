/**
 * Randomized oracle over every data type: a seeded sequence of a few thousand commands (strings,
 * lists, hashes, sets, sorted sets, SORT, key commands, MULTI/EXEC; test/helpers/random-commands.ts)
 * sent to a real redis-server and to nodis, replies compared byte for byte (or as sorted contents /
 * shape where Redis leaves order or picks unspecified), then the final contents of every key
 * (type, encoding, full contents, TTL presence) compared. Only commands nodis knows (COMMAND INFO)
 * are generated, so the sequence widens as families land.
 *
 * Reproduce a failure with the seed it prints: NODIS_SEED=<seed> npx vitest run <this file>
 * (same nodis command table needed). NODIS_RANDOM_COUNT=<n> changes the length; NODIS_SKIP=cmd,cmd
 * leaves commands out (to look past a known mismatch); NODIS_TRACE=<file> logs every command sent to both
 * (and, marked #NODIS, the SPOP fix-ups sent to nodis alone); NODIS_STATS=1 prints
 * what kinds of replies Redis gave and the final keys.
 */
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis } from '../helpers/oracle.js';
import { type OraclePair, startOraclePair } from '../helpers/oracle-pair.js';
import { FAMILY_COMMANDS, generate, type Item, type Mode, type Step } from '../helpers/random-commands.js';
import type { RespConn } from '../helpers/resp-session.js';

const SEED = process.env.NODIS_SEED ? Number(process.env.NODIS_SEED) : 20261127;
const COUNT = Number(process.env.NODIS_RANDOM_COUNT ?? 4000);
const TRACE = process.env.NODIS_TRACE; // a file that gets every command sent
const STATS = !!process.env.NODIS_STATS; // prints reply kinds and the final keys
const SKIP = new Set((process.env.NODIS_SKIP ?? '').toLowerCase().split(',').filter(Boolean));

// --- RESP trees, and the views compared per mode ---

interface Node {
  t: string; // RESP type byte
  v: string; // line or bulk payload
  nil?: boolean;
  items?: Node[];
}

function parseAt(s: string, pos: number): [Node, number] {
  const t = s[pos];
  const eol = s.indexOf('\r\n', pos);
  const head = s.slice(pos + 1, eol);
  if (t === '$' || t === '=' || t === '!') {
    const len = Number(head);
    if (len < 0) return [{ t, v: '', nil: true }, eol + 2];
    return [{ t, v: s.slice(eol + 2, eol + 2 + len) }, eol + 2 + len + 2];
  }
  if (t === '*' || t === '~' || t === '>' || t === '%') {
    const n = Number(head);
    if (n < 0) return [{ t, v: head, nil: true }, eol + 2];
    const items: Node[] = [];
    let p = eol + 2;
    for (let i = 0; i < (t === '%' ? 2 * n : n); i++) {
      const [child, next] = parseAt(s, p);
      items.push(child);
      p = next;
    }
    return [{ t, v: head, items }, p];
  }
  return [{ t, v: head }, eol + 2];
}
const parse = (s: string): Node => parseAt(s, 0)[0];
const ser = (n: Node): string => (n.items ? `${n.t}[${n.items.map(ser).join(',')}]` : n.nil ? `${n.t}nil` : `${n.t}${JSON.stringify(n.v)}`);

/** What is compared for a reply under a mode (errors, nils and scalars always exactly). */
function view(mode: Mode, raw: string): string {
  const n = parse(raw);
  if (!n.items) return (mode === 'shape' || mode === 'spop') && n.t === '$' && !n.nil ? '$<random pick>' : raw;
  switch (mode) {
    case 'sorted':
      return `${n.t}${n.items.length} ${n.items.map(ser).sort().join(',')}`;
    case 'pairs': {
      const pairs: string[] = [];
      for (let i = 0; i < n.items.length; i += 2) pairs.push(`${ser(n.items[i])}=${ser(n.items[i + 1])}`);
      return `${n.t}${n.items.length} ${pairs.sort().join(',')}`;
    }
    case 'alpha': {
      // the order of the elements cut at their first NUL, and the multiset of whole elements
      const cut = n.items.map((i) => (i.nil ? '(nil)' : i.v.split('\0')[0]));
      return `${n.t}${n.items.length} ${JSON.stringify(cut)} ${n.items.map(ser).sort().join(',')}`;
    }
    case 'shape':
    case 'spop':
      return `${n.t}${n.items.length}<random picks>`;
    default:
      return raw;
  }
}

/**
 * nodis works a string's OBJECT ENCODING out from its bytes (a documented difference: Redis says
 * raw after APPEND/SETRANGE/INCRBYFLOAT...), so string encodings are compared as one.
 */
const STRING_ENCODINGS = /\$(6\r\nembstr|3\r\nraw|3\r\nint)\r\n/g;
const canon = (argv: string[], raw: string) => (/^(OBJECT|EXEC)$/i.test(argv[0]) ? raw.replace(STRING_ENCODINGS, '$6\r\nstring\r\n') : raw);

/** Both replies, cut around their first difference when long. */
function clipPair(a: string, b: string): string[] {
  let d = 0;
  while (d < a.length && a[d] === b[d]) d++;
  const cut = (s: string) => (s.length <= 600 ? JSON.stringify(s) : `${d > 100 ? '...' : ''}${JSON.stringify(s.slice(Math.max(0, d - 100), d + 300))}... (${s.length} bytes, differs at ${d})`);
  return [`  redis: ${cut(a)}`, `  nodis: ${cut(b)}`];
}

// --- the runner ---

/** A reply, or a marker after 5 s (a hung server shows up as a mismatch, not a test timeout). */
function withTimeout(p: Promise<string>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('(no reply within 5 s)'), 5000)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * Redis's numeric SORT tests errno after strtod without clearing it first, so an ERANGE left by
 * an earlier command (a score like 1e400) fails the next SORT of non-integer elements. This
 * parses a float successfully (getDoubleFromObject clears errno) and changes nothing; it is sent
 * before every SORT, and once more before asking again when Redis still gives that error.
 */
const ERRNO_RESET = ['ZADD', '{errno-reset}', 'XX', '1.5', 'm'];
const SORT_ERANGE = "-ERR One or more scores can't be converted into double\r\n";

class Runner {
  skipped = 0;
  private timeouts = 0;
  /** Redis's replies by kind, for NODIS_STATS */
  readonly stats = new Map<string, number>();
  private readonly recent: string[] = [];

  constructor(
    private readonly r: RespConn,
    private readonly n: RespConn,
    private readonly seed: number,
  ) {}

  private async both(argv: string[]): Promise<[string, string]> {
    if (TRACE) appendFileSync(TRACE, `${JSON.stringify(argv)}\n`);
    const [a, b] = await Promise.all([withTimeout(this.r.cmd(...argv)), withTimeout(this.n.cmd(...argv))]);
    if (STATS) {
      const kind = a[0] === '-' ? a.slice(0, a.indexOf(' ')) : /^object$/i.test(argv[0]) ? `${argv[0]} ${a.slice(4, -2)}` : a[0];
      this.stats.set(kind, (this.stats.get(kind) ?? 0) + 1);
    }
    return [canon(argv, a), canon(argv, b)];
  }

  private mismatch(index: number, argv: string[], a: string, b: string, note = ''): string {
    return [
      `seed ${this.seed}, command #${index}${note}: ${JSON.stringify(argv)}`,
      ...clipPair(a, b),
      `  preceded by:\n    ${this.recent.slice(-8).join('\n    ')}`,
    ].join('\n');
  }

  /** Runs one item; returns a mismatch report, or undefined. */
  async run(item: Item, index: number): Promise<string | undefined> {
    if ('multi' in item) {
      const steps: Step[] = [{ argv: ['MULTI'], mode: 'exact' }, ...item.multi, { argv: ['EXEC'], mode: 'exact' }];
      for (const s of steps) {
        const [a, b] = await this.both(s.argv);
        this.note(s.argv);
        if (a !== b) return this.mismatch(index, s.argv, a, b, ' (in MULTI)');
      }
      return undefined;
    }
    const { argv, mode } = item;
    this.note(argv);
    switch (mode) {
      case 'scan': {
        const [a, b] = await Promise.all([scanAll(this.r, argv), scanAll(this.n, argv)]);
        return a === b ? undefined : this.mismatch(index, argv, a, b, ' (iterated to cursor 0, union compared)');
      }
      case 'block': {
        if (!(await this.wouldServe(argv))) {
          if (this.timeouts >= 3) {
            this.skipped++;
            return undefined;
          }
          this.timeouts++;
        }
        const [a, b] = await this.both(argv);
        return a === b ? undefined : this.mismatch(index, argv, a, b);
      }
      case 'lex': {
        if (!(await this.equalScores(argv[0].toUpperCase() === 'ZRANGESTORE' ? argv[2] : argv[1]))) {
          this.skipped++;
          return undefined;
        }
        const [a, b] = await this.both(argv);
        return a === b ? undefined : this.mismatch(index, argv, a, b);
      }
      case 'ttl': {
        const [a, b] = await this.both(argv);
        const slack = argv[0].toUpperCase().startsWith('P') ? 2000 : 2;
        const close = a[0] === ':' && b[0] === ':' && Number(a.slice(1)) >= 0 && Math.abs(Number(a.slice(1)) - Number(b.slice(1))) <= slack;
        return a === b || close ? undefined : this.mismatch(index, argv, a, b);
      }
      case 'spop': {
        const [a, b] = await this.both(argv);
        if (view(mode, a) !== view(mode, b)) return this.mismatch(index, argv, a, b, ' (count compared)');
        await this.samePops(argv[1], a, b);
        return undefined;
      }
      default: {
        const sort = /^SORT/i.test(argv[0]);
        if (sort) await this.r.cmd(...ERRNO_RESET);
        let [a, b] = await this.both(argv);
        if (sort && a === SORT_ERANGE && b[0] !== '-') {
          // the stale errno again (the reset does not always take): ask Redis once more
          await this.r.cmd(...ERRNO_RESET);
          a = canon(argv, await this.r.cmd(...argv));
        }
        if (a === b || (mode !== 'exact' && view(mode, a) === view(mode, b))) return undefined;
        return this.mismatch(index, argv, a, b, mode === 'exact' ? '' : ` (compared as ${mode})`);
      }
    }
  }

  /**
   * Whether a blocking pop answers at once: an invalid timeout or key count (error), or one of
   * its keys exists (served, or WRONGTYPE). Otherwise it waits for its timeout, which Redis only
   * notices on its 100 ms cron tick, so only a few such waits are sent.
   */
  private async wouldServe(argv: string[]): Promise<boolean> {
    const name = argv[0].toUpperCase();
    let keys: string[];
    if (name === 'BLMPOP' || name === 'BZMPOP') {
      if (argv[1] !== '0.01' || !/^[1-9]$/.test(argv[2])) return true;
      keys = argv.slice(3, 3 + Number(argv[2]));
    } else if (name === 'BLMOVE' || name === 'BRPOPLPUSH') {
      if (argv[argv.length - 1] !== '0.01') return true;
      keys = [argv[1]];
    } else {
      if (argv[argv.length - 1] !== '0.01') return true;
      keys = argv.slice(1, -1);
    }
    return (await this.r.cmd('EXISTS', ...keys)) !== ':0\r\n';
  }

  private note(argv: string[]): void {
    this.recent.push(JSON.stringify(argv).slice(0, 200));
    if (this.recent.length > 8) this.recent.shift();
  }

  /**
   * Lex ranges are specified only when every member has the same score (otherwise Redis's answer
   * depends on its skiplist's random levels): asks Redis whether the key's lowest and highest
   * scores are equal (true as well when the key is missing or not a zset: the reply is exact then).
   */
  private async equalScores(key: string): Promise<boolean> {
    if ((await this.r.cmd('TYPE', key)) !== '+zset\r\n') return true;
    const lo = parse(await this.r.cmd('ZRANGE', key, '0', '0', 'WITHSCORES'));
    const hi = parse(await this.r.cmd('ZRANGE', key, '-1', '-1', 'WITHSCORES'));
    // RESP2: [member, score]; RESP3: [[member, score]]
    const score = (n: Node) => (n.items![0].items ? n.items![0].items[1] : n.items![1]);
    return ser(score(lo)) === ser(score(hi));
  }

  /** After SPOP picked differently on each side, makes nodis's set what Redis's is. */
  private async samePops(key: string, a: string, b: string): Promise<void> {
    const picks = (raw: string): string[] => {
      const n = parse(raw);
      if (n.items) return n.items.map((i) => i.v);
      return n.t === '$' && !n.nil ? [n.v] : [];
    };
    const [pa, pb] = [picks(a), picks(b)];
    if ([...pa].sort().join('\0') === [...pb].sort().join('\0')) return;
    const fix = [...(pb.length > 0 ? [['SADD', key, ...pb]] : []), ...(pa.length > 0 ? [['SREM', key, ...pa]] : [])];
    for (const argv of fix) {
      if (TRACE) appendFileSync(TRACE, `${JSON.stringify(['#NODIS', ...argv])}\n`);
      await this.n.cmd(...argv);
    }
  }
}

/** Iterates a SCAN-family command from cursor 0 to 0; returns the sorted union, or the error. */
async function scanAll(c: RespConn, argv: string[]): Promise<string> {
  const cursorAt = argv[0].toUpperCase() === 'SCAN' ? 1 : 2;
  const pairs = /^(HSCAN|ZSCAN)$/i.test(argv[0]);
  const seen = new Set<string>();
  let cursor = '0';
  for (let rounds = 0; rounds < 100000; rounds++) {
    const a = [...argv];
    a[cursorAt] = cursor;
    const raw = await c.cmd(...a);
    const node = parse(raw);
    if (node.t !== '*' || !node.items) return raw;
    cursor = node.items[0].v;
    const els = node.items[1].items ?? [];
    for (let i = 0; i < els.length; i += pairs ? 2 : 1) seen.add(pairs ? `${ser(els[i])}=${ser(els[i + 1])}` : ser(els[i]));
    if (cursor === '0') break;
  }
  return [...seen].sort().join(',');
}

/** One line per key: type, encoding, full contents, whether it has a TTL. */
async function dump(c: RespConn, known: ReadonlySet<string>): Promise<string[]> {
  const keys = (parse(await c.cmd('KEYS', '*')).items ?? []).map((i) => i.v).sort();
  const lines: string[] = [];
  for (const k of keys) {
    const type = (await c.cmd('TYPE', k)).slice(1, -2);
    const enc = parse(canon(['OBJECT'], await c.cmd('OBJECT', 'ENCODING', k))).v;
    let contents: string;
    switch (type) {
      case 'string':
        contents = await c.cmd('GET', k);
        break;
      case 'list':
        contents = await c.cmd('LRANGE', k, '0', '-1');
        break;
      case 'hash':
        contents = view('pairs', await c.cmd('HGETALL', k));
        break;
      case 'set':
        contents = view('sorted', await c.cmd('SMEMBERS', k));
        break;
      case 'zset':
        // (ZUNION of one key lists it in the same order, for while ZRANGE has not landed)
        contents = await c.cmd(...(known.has('zrange') ? ['ZRANGE', k, '0', '-1', 'WITHSCORES'] : ['ZUNION', '1', k, 'WITHSCORES']));
        break;
      default:
        contents = '?';
    }
    const pttl = Number((await c.cmd('PTTL', k)).slice(1, -2));
    lines.push(`${k} ${type} ${enc} ttl:${pttl > 0 ? 'yes' : pttl} ${JSON.stringify(contents)}`);
  }
  return lines;
}

describe.skipIf(!hasRedis)('randomized oracle over all types', () => {
  let pair: OraclePair;
  let r: RespConn;
  let n: RespConn;
  let known: Set<string>;

  beforeAll(async () => {
    pair = await startOraclePair('');
    ({ r, n } = pair);
    const names = Object.values(FAMILY_COMMANDS).flat();
    const info = parse(await n.cmd('COMMAND', 'INFO', ...names));
    known = new Set(names.filter((name, i) => !info.items![i].nil && !SKIP.has(name)));
  });
  afterAll(async () => {
    await pair?.close();
  });

  async function runSequence(seed: number, count: number): Promise<void> {
    const items = generate(seed, count, known);
    const runner = new Runner(r, n, seed);
    let failure: string | undefined;
    for (let i = 0; i < items.length && !failure; i++) failure = await runner.run(items[i], i);
    expect(failure ?? '', `replies differ (reproduce: NODIS_SEED=${seed})`).toBe('');

    const [a, b] = await Promise.all([dump(r, known), dump(n, known)]);
    const diff: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length) && diff.length < 6; i++) {
      if (a[i] !== b[i]) diff.push(...clipPair(a[i] ?? '(none)', b[i] ?? '(none)'));
    }
    if (STATS) console.log(seed, runner.stats, `${runner.skipped} lex skipped`, a.map((l) => l.slice(0, 60)));
    expect(diff.join('\n'), `final contents differ (seed ${seed})`).toBe('');
    expect(a.length).toBeGreaterThan(3);
    expect(runner.skipped).toBeLessThan(count / 4);
  }

  it('gives the same replies and final contents at the default thresholds', async () => {
    await runSequence(SEED, COUNT);
  });

  it('gives the same replies and final contents with small listpack/intset thresholds', async () => {
    const config: Array<[string, string]> = [
      ['hash-max-listpack-entries', '8'],
      ['hash-max-listpack-value', '16'],
      ['set-max-intset-entries', '16'],
      ['zset-max-listpack-entries', '8'],
      ['zset-max-listpack-value', '16'],
    ];
    for (const argv of [['FLUSHALL'], ...config.map(([k, v]) => ['CONFIG', 'SET', k, v])]) {
      const [a, b] = await Promise.all([r.cmd(...argv), n.cmd(...argv)]);
      expect(b).toBe(a);
    }
    await runSequence(SEED + 1, Math.ceil(COUNT / 2));
  });

  it('gives the same replies and final contents in RESP3', async () => {
    for (const argv of [['FLUSHALL'], ['HELLO', '3'], ['CONFIG', 'SET', 'zset-max-listpack-entries', '16']]) {
      const [a, b] = await Promise.all([r.cmd(...argv), n.cmd(...argv)]);
      if (argv[0] !== 'HELLO') expect(b).toBe(a);
    }
    try {
      await runSequence(SEED + 2, Math.ceil(COUNT / 2));
    } finally {
      await Promise.all([r.cmd('HELLO', '2'), n.cmd('HELLO', '2')]);
    }
  });
});
