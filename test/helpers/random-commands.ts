/**
 * A seeded generator of random command sequences over every data type (strings, lists, hashes,
 * sets, sorted sets, SORT, generic key commands, MULTI/EXEC), for the randomized oracle test.
 * Commands are drawn only from those the server under test knows (`known`), so the sequence
 * widens as families land. A small key space makes types collide (WRONGTYPE), bulk writes cross
 * the listpack/intset thresholds, and a share of commands get a mangled argument (errors).
 *
 * Each step carries how its reply is compared (Mode): byte for byte, or as sorted contents /
 * shape where Redis leaves the order or the pick unspecified.
 */
import { sortMode, sortStep, zsetStep } from './random-zset-sort.js';
import { rng } from './rng.js';

export type Mode =
  | 'exact'
  | 'sorted' // a flat array compared as a sorted multiset (hashtable sets, HKEYS...)
  | 'pairs' // a flat field/value array compared as sorted pairs (HGETALL)
  | 'shape' // random picks: array length / reply type only
  | 'ttl' // integers within a second (or 2000 ms) of each other
  | 'scan' // a cursor command iterated to 0 on each server; the union of elements compared
  | 'spop' // random removal: counts compared, then nodis is made to pop what Redis popped
  | 'alpha' // SORT ... ALPHA without STORE: Redis compares with strcoll, so elements equal up to a NUL tie in an unspecified order
  | 'block' // a blocking pop: sent when a key exists (or a few times to time out: Redis times out at 100 ms ticks)
  | 'lex'; // lex ranges: exact when every score of the key is equal, else skipped (order of equal-lex rules is unspecified)

export interface Step {
  argv: string[];
  mode: Mode;
}
export type Item = Step | { multi: Step[] };

const BIN = 'a\x00b\xff\r\n\x80z';
const LONG = 'L'.repeat(70); // over the 64-byte listpack value limit
export const KEYS: Record<string, string[]> = {
  string: ['x0', 'x1'],
  list: ['l0', 'l1'],
  hash: ['h0', 'h1'],
  set: ['s0', 's1'],
  zset: ['z0', 'z1'],
};
export const ALL_KEYS = [...Object.values(KEYS).flat(), 'zl', 'n0'];

/** Every command the generator can produce, by family. */
export const FAMILY_COMMANDS: Record<string, string[]> = {
  string: ['set', 'get', 'append', 'strlen', 'incr', 'incrby', 'decrby', 'incrbyfloat', 'getrange', 'setrange', 'mset', 'mget', 'getdel', 'getset', 'setnx'],
  list: ['lpush', 'rpush', 'lpushx', 'rpushx', 'lpop', 'rpop', 'llen', 'lrange', 'lindex', 'lset', 'linsert', 'lrem', 'ltrim', 'lpos', 'lmove', 'rpoplpush', 'lmpop', 'blpop', 'brpop', 'blmove', 'brpoplpush', 'blmpop'],
  hash: ['hset', 'hsetnx', 'hget', 'hmset', 'hmget', 'hdel', 'hexists', 'hlen', 'hstrlen', 'hkeys', 'hvals', 'hgetall', 'hincrby', 'hincrbyfloat', 'hrandfield', 'hscan'],
  set: ['sadd', 'srem', 'smembers', 'sismember', 'smismember', 'scard', 'spop', 'srandmember', 'smove', 'sinter', 'sintercard', 'sinterstore', 'sunion', 'sunionstore', 'sdiff', 'sdiffstore', 'sscan'],
  zset: ['zadd', 'zincrby', 'zrem', 'zcard', 'zscore', 'zmscore', 'zcount', 'zlexcount', 'zrange', 'zrangestore', 'zrangebyscore', 'zrevrangebyscore', 'zrangebylex', 'zrevrangebylex', 'zrevrange', 'zrank', 'zrevrank', 'zremrangebyrank', 'zremrangebyscore', 'zremrangebylex', 'zpopmin', 'zpopmax', 'zmpop', 'bzpopmin', 'bzpopmax', 'bzmpop', 'zrandmember', 'zunion', 'zinter', 'zdiff', 'zunionstore', 'zinterstore', 'zdiffstore', 'zintercard', 'zscan'],
  sort: ['sort', 'sort_ro'],
  keys: ['type', 'exists', 'del', 'unlink', 'rename', 'renamenx', 'copy', 'object', 'expire', 'pexpire', 'expireat', 'persist', 'ttl', 'pttl', 'touch', 'dbsize', 'scan', 'keys'],
};
const FAMILY_WEIGHTS: Record<string, number> = { string: 8, list: 16, hash: 14, set: 14, zset: 24, sort: 2, keys: 12 };
/** The command that fills each collection type, picked more often so collections grow. */
const CREATORS: Record<string, string> = { string: 'set', list: 'rpush', hash: 'hset', set: 'sadd', zset: 'zadd' };

/** Generates `count` items (a MULTI batch counts as one) from `seed`, using only `known` commands. */
export function generate(seed: number, count: number, known: ReadonlySet<string>): Item[] {
  const g = new Gen(seed, known);
  const out: Item[] = [];
  while (out.length < count && g.hasCommands) {
    if (g.chance(0.04)) {
      const multi: Step[] = [];
      const n = g.int(1, 4);
      for (let guard = 0; multi.length < n && guard < 50; guard++) {
        const s = g.step();
        // inside MULTI a blocking pop does not block: compared exactly
        // (and no numeric SORT: see ERRNO_RESET in the test)
        if (s && /^SORT/.test(s.argv[0]) && !s.argv.includes('ALPHA')) continue;
        if (s && (s.mode === 'exact' || s.mode === 'block')) multi.push({ ...s, mode: 'exact' });
        else if (s?.mode === 'ttl') multi.push({ argv: ['EXISTS', s.argv[1] ?? 'n0'], mode: 'exact' });
      }
      out.push({ multi });
    } else {
      const s = g.step();
      if (s) out.push(s);
    }
  }
  return out;
}

/** The random source and argument makers, shared with random-zset-sort.ts. */
export class Gen {
  private readonly r: () => number;
  private readonly families: Array<[string, string[]]>;
  private readonly weights: Map<string, number>;
  private readonly totalWeight: number;

  constructor(seed: number, known: ReadonlySet<string>) {
    this.r = rng(seed);
    this.families = Object.entries(FAMILY_COMMANDS)
      .map(([f, cmds]) => [f, cmds.filter((c) => known.has(c))] as [string, string[]])
      .filter(([, cmds]) => cmds.length > 0);
    // a family weighs in proportion to how much of it is known
    this.weights = new Map(this.families.map(([f, cmds]) => [f, (FAMILY_WEIGHTS[f] * cmds.length) / FAMILY_COMMANDS[f].length]));
    this.totalWeight = [...this.weights.values()].reduce((a, b) => a + b, 0);
  }

  get hasCommands(): boolean {
    return this.families.length > 0;
  }

  chance(p: number): boolean {
    return this.r() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)];
  }
  times<T>(lo: number, hi: number, f: () => T): T[] {
    return Array.from({ length: this.int(lo, hi) }, f);
  }

  /** A key: of the family's own type most of the time, any key otherwise. */
  key(type: string): string {
    return this.chance(0.9) ? this.pick(KEYS[type]) : this.pick(ALL_KEYS);
  }
  keys(type: string, lo = 1, hi = 3): string[] {
    return this.times(lo, hi, () => this.key(type));
  }
  /** A collection element / string value. */
  elem(): string {
    const x = this.r();
    if (x < 0.4) return String(this.int(0, 30));
    if (x < 0.5) return String(this.int(-1000, 1000));
    if (x < 0.88) return String.fromCharCode(97 + this.int(0, 15));
    if (x < 0.92) return this.pick([BIN, '', 'a b', 'A']);
    if (x < 0.96) return this.pick(['1.5', '-0', '007', ' 1', '9223372036854775808', '-9223372036854775808']);
    return LONG + this.int(0, 3);
  }
  elems(lo = 1, hi = 4): string[] {
    return this.times(lo, hi, () => this.elem());
  }
  /** Many elements, to cross the listpack/intset thresholds. */
  bulk(kind: 'int' | 'any', lo: number, hi: number): string[] {
    return this.times(lo, hi, () => (kind === 'int' ? String(this.int(0, 700)) : this.chance(0.5) ? `m${this.int(0, 300)}` : this.elem()));
  }
  index(): string {
    return this.pick(['0', '1', '2', '-1', '-2', '3', '5', '10', '-100', '100', String(this.int(-20, 20))]);
  }
  count(): string {
    return this.pick(['1', '2', '3', '5', '10', '0', '100']);
  }
  intArg(): string {
    return this.chance(0.9) ? String(this.int(-50, 50)) : this.pick(['x', '1.5', '9223372036854775807', '9223372036854775808', '']);
  }
  floatArg(): string {
    return this.pick(['1', '-2', '0.5', '1e2', '-1.25', '3.0e-1', '10', 'inf', 'x', '', ' 1', '0.1', '1e-5', '5.0e3', '-0.3333333333333333']);
  }
  score(): string {
    const x = this.r();
    if (x < 0.6) return String(this.int(-5, 20));
    if (x < 0.85) return this.pick(['1.5', '2.5', '-0.5', '0.1', '1e1', '3.00', '-0', '0x10', '1e-3']);
    if (x < 0.9) return this.pick(['0.30000000000000004', '1e-7', '12345678901234567890', '-1.5e300', '5e-324', '3.3333333333333335']);
    return this.pick(['inf', '-inf', '+inf', 'nan', 'x', '1e400', '']);
  }
  scoreBound(): string {
    const x = this.r();
    if (x < 0.5) return (this.chance(0.3) ? '(' : '') + String(this.int(-5, 20));
    if (x < 0.9) return this.pick(['-inf', '+inf', 'inf', '(1.5', '2.5', '(-inf', '(+inf']);
    return this.pick(['x', '((1', '[1', 'nan', '']);
  }
  lexBound(): string {
    const x = this.r();
    if (x < 0.8) return this.pick(['[', '(']) + String.fromCharCode(97 + this.int(0, 15));
    if (x < 0.95) return this.pick(['-', '+', '[', '(', '[1']);
    return this.pick(['a', '', '{a']);
  }
  withScores(): string[] {
    return this.chance(0.4) ? ['WITHSCORES'] : [];
  }
  limit(): string[] {
    return this.chance(0.3) ? ['LIMIT', this.pick(['0', '1', '2', '-1']), this.pick(['1', '2', '5', '-1', '0'])] : [];
  }
  numkeys(ks: string[]): string {
    return this.chance(0.95) ? String(ks.length) : this.pick(['0', '-1', String(ks.length + 1), 'x']);
  }
  timeout(): string {
    // short enough that a wait on missing keys costs little, never 0 (forever)
    return this.chance(0.95) ? '0.01' : this.pick(['-1', 'x']);
  }

  /** One random step (or undefined if the chosen family has nothing known). */
  step(): Step | undefined {
    let w = this.r() * this.totalWeight;
    let fam = this.families[0];
    for (const f of this.families) {
      w -= this.weights.get(f[0])!;
      if (w < 0) {
        fam = f;
        break;
      }
    }
    if (!fam) return undefined;
    const creator = CREATORS[fam[0]];
    const cmd = creator && fam[1].includes(creator) && this.chance(0.15) ? creator : this.pick(fam[1]);
    const s = this.make(fam[0], cmd);
    // mangle a few: drop the last argument, append junk, or replace an argument
    // (not blocking pops: a mangled timeout could wait seconds)
    if (s.mode !== 'scan' && s.mode !== 'spop' && s.mode !== 'block' && this.chance(0.05)) {
      const a = s.argv;
      const how = this.int(0, 2);
      if (how === 0 && a.length > 1) a.pop();
      else if (how === 1) a.push(this.pick(['FOO', 'x', '1']));
      else if (a.length > 1) a[this.int(1, a.length - 1)] = this.pick(['x', '-1', '', '1.5']);
      // a mangled SORT may have lost its order (e.g. BY x: a pattern without '*' does not sort)
      if (/^SORT/.test(a[0])) s.mode = sortMode(a);
    }
    return s;
  }

  private make(fam: string, cmd: string): Step {
    const exact = (...argv: string[]): Step => ({ argv, mode: 'exact' });
    const as = (mode: Mode, ...argv: string[]): Step => ({ argv, mode });
    const C = cmd.toUpperCase();
    switch (fam) {
      case 'string': {
        // SET and friends overwrite any type: mostly on string keys, or collections rarely last
        const k = this.chance(0.97) ? this.pick(KEYS.string) : this.pick(ALL_KEYS);
        switch (cmd) {
          case 'set': {
            const opts = this.chance(0.3) ? [this.pick(['NX', 'XX', 'GET', 'KEEPTTL', 'EX', 'PX'])] : [];
            if (opts[0] === 'EX') opts.push(this.pick(['100000', '0', 'x']));
            if (opts[0] === 'PX') opts.push('100000000');
            return exact('SET', k, this.elem(), ...opts);
          }
          case 'incrby':
          case 'decrby':
            return exact(C, k, this.intArg());
          case 'incrbyfloat':
            return exact(C, k, this.floatArg());
          case 'append':
          case 'getset':
          case 'setnx':
            return exact(C, k, this.elem());
          case 'getrange':
            return exact(C, k, this.index(), this.index());
          case 'setrange':
            return exact(C, k, String(this.int(0, 20)), this.elem());
          case 'mset':
            return exact('MSET', ...this.times(1, 3, () => [this.pick(KEYS.string), this.elem()]).flat());
          case 'mget':
            return exact('MGET', ...this.keys('string'));
          default:
            return exact(C, k);
        }
      }
      case 'list': {
        const k = this.key('list');
        switch (cmd) {
          case 'lpush':
          case 'rpush':
            return exact(C, k, ...(this.chance(0.04) ? this.bulk('any', 100, 1200) : this.elems()));
          case 'lpushx':
          case 'rpushx':
            return exact(C, k, ...this.elems());
          case 'lpop':
          case 'rpop':
            return this.chance(0.5) ? exact(C, k) : exact(C, k, this.count());
          case 'lrange':
          case 'ltrim':
            return exact(C, k, this.index(), this.index());
          case 'lindex':
            return exact(C, k, this.index());
          case 'lset':
            return exact(C, k, this.index(), this.elem());
          case 'linsert':
            return exact(C, k, this.pick(['BEFORE', 'AFTER', 'before', 'MIDDLE']), this.elem(), this.elem());
          case 'lrem':
            return exact(C, k, this.pick(['0', '1', '-1', '2', '-2']), this.elem());
          case 'lpos': {
            const opts: string[] = [];
            if (this.chance(0.4)) opts.push('RANK', this.pick(['1', '-1', '2', '-2', '0']));
            if (this.chance(0.4)) opts.push('COUNT', this.pick(['0', '1', '2', '-1']));
            if (this.chance(0.3)) opts.push('MAXLEN', this.pick(['0', '1', '3', '-1']));
            return exact(C, k, this.elem(), ...opts);
          }
          case 'lmove':
            return exact(C, k, this.key('list'), this.pick(['LEFT', 'RIGHT']), this.pick(['LEFT', 'RIGHT', 'UP']));
          case 'rpoplpush':
            return exact(C, k, this.key('list'));
          case 'lmpop': {
            const ks = this.keys('list');
            return exact(C, this.numkeys(ks), ...ks, this.pick(['LEFT', 'RIGHT']), ...(this.chance(0.5) ? ['COUNT', this.count()] : []));
          }
          case 'blpop':
          case 'brpop':
            return as('block', C, ...this.keys('list'), this.timeout());
          case 'blmove':
            return as('block', C, k, this.key('list'), this.pick(['LEFT', 'RIGHT']), this.pick(['LEFT', 'RIGHT']), this.timeout());
          case 'brpoplpush':
            return as('block', C, k, this.key('list'), this.timeout());
          case 'blmpop': {
            const ks = this.keys('list');
            return as('block', C, this.timeout(), this.numkeys(ks), ...ks, this.pick(['LEFT', 'RIGHT']), ...(this.chance(0.5) ? ['COUNT', this.count()] : []));
          }
          default:
            return exact(C, k);
        }
      }
      case 'hash': {
        const k = this.key('hash');
        const field = () => (this.chance(0.9) ? String.fromCharCode(97 + this.int(0, 15)) : this.elem());
        switch (cmd) {
          case 'hset':
          case 'hmset': {
            const n = this.chance(0.04) ? this.int(100, 600) : this.int(1, 3);
            const pairs = Array.from({ length: n }, () => [n > 3 ? `f${this.int(0, 700)}` : field(), this.elem()]);
            return exact(C, k, ...pairs.flat());
          }
          case 'hsetnx':
            return exact(C, k, field(), this.elem());
          case 'hget':
          case 'hexists':
          case 'hstrlen':
            return exact(C, k, field());
          case 'hmget':
          case 'hdel':
            return exact(C, k, ...this.times(1, 3, field));
          case 'hincrby':
            return exact(C, k, field(), this.intArg());
          case 'hincrbyfloat':
            return exact(C, k, field(), this.floatArg());
          case 'hkeys':
          case 'hvals':
            return as('sorted', C, k);
          case 'hgetall':
            return as('pairs', C, k);
          case 'hrandfield': {
            if (this.chance(0.3)) return as('shape', C, k);
            return as('shape', C, k, this.pick(['1', '3', '-3', '0', '200', '-1000']), ...(this.chance(0.5) ? ['WITHVALUES'] : []));
          }
          case 'hscan':
            return as('scan', C, k, '0', ...this.scanOpts());
          default:
            return exact(C, k);
        }
      }
      case 'set': {
        const k = this.key('set');
        switch (cmd) {
          case 'sadd':
            return exact(C, k, ...(this.chance(0.05) ? this.bulk(this.chance(0.7) ? 'int' : 'any', 100, 600) : this.elems()));
          case 'srem':
          case 'smismember':
            return exact(C, k, ...this.elems());
          case 'sismember':
            return exact(C, k, this.elem());
          case 'smembers':
            return as('sorted', C, k);
          case 'spop':
            return this.chance(0.4) ? as('spop', C, k) : as('spop', C, k, this.pick(['1', '2', '5', '0', '50', '1000']));
          case 'srandmember':
            return this.chance(0.3) ? as('shape', C, k) : as('shape', C, k, this.pick(['1', '3', '-3', '0', '200', '-1000']));
          case 'smove':
            return exact(C, k, this.key('set'), this.elem());
          case 'sinter':
          case 'sunion':
          case 'sdiff':
            return as('sorted', C, ...this.keys('set'));
          case 'sinterstore':
          case 'sunionstore':
          case 'sdiffstore':
            return exact(C, this.key('set'), ...this.keys('set'));
          case 'sintercard': {
            const ks = this.keys('set');
            return exact(C, this.numkeys(ks), ...ks, ...(this.chance(0.3) ? ['LIMIT', this.pick(['0', '1', '3'])] : []));
          }
          case 'sscan':
            return as('scan', C, k, '0', ...this.scanOpts());
          default:
            return exact(C, k);
        }
      }
      case 'zset':
        return zsetStep(this, cmd, C);
      case 'sort':
        return sortStep(this, C);
      default:
        return this.generic(cmd, C);
    }
  }

  scanOpts(): string[] {
    const o: string[] = [];
    if (this.chance(0.3)) o.push('MATCH', this.pick(['*', '[a-f]*', '1*', 'm*', '*0']));
    if (this.chance(0.5)) o.push('COUNT', this.pick(['1', '5', '50', '1000']));
    return o;
  }

  private generic(cmd: string, C: string): Step {
    const k = this.pick(ALL_KEYS);
    const k2 = this.pick(ALL_KEYS);
    const exact = (...argv: string[]): Step => ({ argv, mode: 'exact' });
    switch (cmd) {
      case 'exists':
      case 'touch':
        return exact(C, ...this.times(1, 3, () => this.pick(ALL_KEYS)));
      case 'del':
      case 'unlink':
        // half of them miss, so collections get to grow
        return exact(C, this.chance(0.5) ? k : 'n0');
      case 'rename':
      case 'renamenx':
        return exact(C, k, k2);
      case 'copy':
        return exact(C, k, k2, ...(this.chance(0.5) ? ['REPLACE'] : []));
      case 'object':
        return exact('OBJECT', 'ENCODING', k);
      case 'expire':
      case 'pexpire': {
        const t = this.pick(['100000', '200000', '300000', '-1', 'x']);
        const opt = this.chance(0.3) ? [this.pick(['NX', 'XX', 'GT', 'LT'])] : [];
        return exact(C, k, cmd === 'pexpire' && t.length > 3 ? t + '000' : t, ...opt);
      }
      case 'expireat':
        return exact(C, k, this.pick(['1', '4000000000', '4000001000']));
      case 'ttl':
      case 'pttl':
        return { argv: [C, k], mode: 'ttl' };
      case 'dbsize':
        return exact('DBSIZE');
      case 'keys':
        return { argv: ['KEYS', this.pick(['*', '?0', 'z*', '[hs]*'])], mode: 'sorted' };
      case 'scan':
        return { argv: ['SCAN', '0', ...this.scanOpts(), ...(this.chance(0.4) ? ['TYPE', this.pick(['string', 'list', 'hash', 'set', 'zset', 'none'])] : [])], mode: 'scan' };
      default:
        return exact(C, k);
    }
  }
}
