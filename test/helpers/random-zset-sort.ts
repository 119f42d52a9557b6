/**
 * The sorted-set and SORT parts of the random command generator (random-commands.ts): argument
 * makers per command, and how each reply is compared.
 */
import { ALL_KEYS, type Gen, KEYS, type Mode, type Step } from './random-commands.js';

/** A sorted-set command with random arguments (lex commands mostly on `zl`, whose scores stay 0). */
export function zsetStep(g: Gen, cmd: string, C: string): Step {
  const exact = (...argv: string[]): Step => ({ argv, mode: 'exact' });
  const as = (mode: Mode, ...argv: string[]): Step => ({ argv, mode });
  const lexKey = () => (g.chance(0.8) ? 'zl' : g.key('zset'));
  const k = g.key('zset');
  const member = () => (g.chance(0.85) ? String.fromCharCode(97 + g.int(0, 15)) : g.elem());
  const ks = () => g.times(1, 3, () => (g.chance(0.2) ? g.key('set') : g.key('zset')));
  switch (cmd) {
    case 'zadd': {
      const key = g.chance(0.15) ? 'zl' : k;
      const flags: string[] = [];
      if (g.chance(0.3)) flags.push(...g.times(1, 2, () => g.pick(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'])));
      const n = g.chance(0.04) ? g.int(100, 300) : g.int(1, 3);
      const pairs = Array.from({ length: n }, () => [
        key === 'zl' ? '0' : g.score(),
        n > 3 ? `m${g.int(0, 400)}` : member(),
      ]);
      return exact(C, key, ...flags, ...pairs.flat());
    }
    case 'zincrby':
      return exact(C, k, g.score(), member());
    case 'zrem':
    case 'zmscore':
      return exact(C, k, ...g.times(1, 3, member));
    case 'zscore':
    case 'zrank':
    case 'zrevrank':
      return exact(C, k, member());
    case 'zcount':
    case 'zremrangebyscore':
      return exact(C, k, g.scoreBound(), g.scoreBound());
    case 'zlexcount':
    case 'zremrangebylex':
      return as('lex', C, lexKey(), g.lexBound(), g.lexBound());
    case 'zrangebylex':
    case 'zrevrangebylex':
      return as('lex', C, lexKey(), g.lexBound(), g.lexBound(), ...g.limit());
    case 'zrangebyscore':
    case 'zrevrangebyscore': {
      const opts = g.chance(0.5) ? [...g.withScores(), ...g.limit()] : [...g.limit(), ...g.withScores()];
      return exact(C, k, g.scoreBound(), g.scoreBound(), ...opts);
    }
    case 'zrevrange':
    case 'zremrangebyrank':
      return exact(C, k, g.index(), g.index(), ...(cmd === 'zrevrange' ? g.withScores() : []));
    case 'zrange':
    case 'zrangestore': {
      const by = g.pick(['', '', 'BYSCORE', 'BYLEX']);
      const key = by === 'BYLEX' ? lexKey() : k;
      const [a, b] = by === 'BYSCORE' ? [g.scoreBound(), g.scoreBound()] : by === 'BYLEX' ? [g.lexBound(), g.lexBound()] : [g.index(), g.index()];
      const opts = [...(by ? [by] : []), ...(g.chance(0.3) ? ['REV'] : []), ...(by && g.chance(0.4) ? g.limit() : [])];
      if (cmd === 'zrange') opts.push(...g.withScores());
      const argv = cmd === 'zrange' ? [C, key, a, b, ...opts] : [C, g.key('zset'), key, a, b, ...opts];
      return as(by === 'BYLEX' ? 'lex' : 'exact', ...argv);
    }
    case 'zpopmin':
    case 'zpopmax':
      return g.chance(0.5) ? exact(C, k) : exact(C, k, g.pick(['1', '2', '5', '0', '-1', '100']));
    case 'zmpop': {
      const keys = g.keys('zset');
      return exact(C, g.numkeys(keys), ...keys, g.pick(['MIN', 'MAX']), ...(g.chance(0.5) ? ['COUNT', g.count()] : []));
    }
    case 'bzpopmin':
    case 'bzpopmax':
      return as('block', C, ...g.keys('zset'), g.timeout());
    case 'bzmpop': {
      const keys = g.keys('zset');
      return as('block', C, g.timeout(), g.numkeys(keys), ...keys, g.pick(['MIN', 'MAX']), ...(g.chance(0.5) ? ['COUNT', g.count()] : []));
    }
    case 'zrandmember':
      if (g.chance(0.3)) return as('shape', C, k);
      return as('shape', C, k, g.pick(['1', '3', '-3', '0', '200', '-1000']), ...g.withScores());
    case 'zunion':
    case 'zinter':
    case 'zunionstore':
    case 'zinterstore': {
      const keys = ks();
      const opts: string[] = [];
      if (g.chance(0.3)) opts.push('WEIGHTS', ...keys.map(() => g.pick(['1', '2', '-1', '0', '0.5', 'inf', '-inf'])));
      if (g.chance(0.3)) opts.push('AGGREGATE', g.pick(['SUM', 'MIN', 'MAX', 'AVG']));
      if (!cmd.endsWith('store')) opts.push(...g.withScores());
      const head = cmd.endsWith('store') ? [C, g.key('zset')] : [C];
      return exact(...head, g.numkeys(keys), ...keys, ...opts);
    }
    case 'zdiff':
      return exact(C, ...((keys) => [g.numkeys(keys), ...keys])(ks()), ...g.withScores());
    case 'zdiffstore':
      return exact(C, g.key('zset'), ...((keys) => [g.numkeys(keys), ...keys])(ks()));
    case 'zintercard': {
      const keys = ks();
      return exact(C, g.numkeys(keys), ...keys, ...(g.chance(0.3) ? ['LIMIT', g.pick(['0', '1', '3'])] : []));
    }
    case 'zscan':
      return as('scan', C, k, '0', ...g.scanOpts());
    default:
      return exact(C, k);
  }
}

/** SORT or SORT_RO over any key, with BY / LIMIT / GET / DESC / ALPHA / STORE drawn at random. */
export function sortStep(g: Gen, C: string): Step {
  const k = g.pick([...KEYS.list, ...KEYS.set, ...KEYS.zset, ...ALL_KEYS]);
  const by = g.chance(0.3) ? g.pick(['nosort', 'x*', 'h*->a', 'nokey*']) : '';
  const alpha = g.chance(0.5);
  const gets = g.chance(0.3) ? g.times(1, 2, () => ['GET', g.pick(['#', 'x*', 'h*->a', 'l*'])]).flat() : [];
  const limit = g.chance(0.3) ? ['LIMIT', g.pick(['0', '1', '-1']), g.pick(['2', '5', '-1'])] : [];
  // ALPHA with BY ties elements (missing or equal weights) in an unspecified order: never stored
  const store = C === 'SORT' && !(alpha && by !== '' && by !== 'nosort') && g.chance(0.3) ? ['STORE', g.pick(KEYS.list.concat(['n0']))] : [];
  const argv = [C, k, ...(by ? ['BY', by] : []), ...limit, ...gets, ...(g.chance(0.3) ? ['DESC'] : []), ...(alpha ? ['ALPHA'] : []), ...store];
  return { argv, mode: sortMode(argv) };
}

/**
 * How a SORT reply compares. Redis leaves the order unspecified for BY <pattern without '*'>
 * (no sorting) on a set without STORE, and for ties under ALPHA with BY (missing or equal
 * weights); ALPHA without STORE compares with strcoll (see Mode 'alpha').
 */
export function sortMode(argv: string[]): Mode {
  const up = argv.map((a) => a.toUpperCase());
  const byAt = up.indexOf('BY');
  const by = byAt > 0 ? (argv[byAt + 1] ?? '') : '';
  const alpha = up.includes('ALPHA');
  const store = up.includes('STORE');
  const dontsort = byAt > 0 && !by.includes('*');
  const unordered = (dontsort && !store) || (alpha && byAt > 0 && !dontsort);
  if (!unordered) return alpha && !store ? 'alpha' : 'exact';
  return !up.includes('GET') && !up.includes('LIMIT') ? 'sorted' : 'shape';
}
