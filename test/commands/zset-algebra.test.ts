/**
 * ZUNION ZINTER ZDIFF, their STORE forms and ZINTERCARD through ioredis: every option, Redis's
 * inf/NaN rules, sets as inputs, empty results, STORE replacing and deleting the destination
 * (with what is propagated), the stored encoding, key positions and the error paths. Input zsets
 * are put straight into the keyspace, so these tests need nothing but the algebra itself.
 * Also the strtod parser behind WEIGHTS.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ZSetValue } from '../../src/keyspace/types/zset.js';
import { strtodStrict } from '../../src/util/strtod.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';
import { err } from '../helpers/error-reply.js';

let server: TestServer;
let c: Redis;
let propagated: string[][] = [];
let stopListening: () => void;

beforeAll(async () => {
  server = await startTestServer();
  c = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await c.connect();
  stopListening = server.core.propagator.addListener((_db, argv) => propagated.push([...argv]));
});
afterAll(async () => {
  stopListening();
  c.disconnect();
  await server.close();
});
beforeEach(async () => {
  await c.flushall();
  propagated = [];
});

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const SYNTAX = 'ERR syntax error';
const WEIGHT = 'ERR weight value is not a float';
const NOTINT = 'ERR value is not an integer or out of range';
const arity = (name: string) => `ERR wrong number of arguments for '${name}' command`;

/** Puts a zset into db 0 (members with scores), as a small listpack one. */
function zset(key: string, ...pairs: Array<[string, number]>): void {
  const z = new ZSetValue();
  for (const [m, s] of pairs) z.set(m, s);
  server.core.keyspace.dbs[0].set(key, z);
}

function setup(): Promise<unknown> {
  zset('za', ['a', 1], ['b', 2], ['c', 3]);
  zset('zb', ['b', 10], ['c', 20], ['d', 30]);
  return c.sadd('s', 'a', 'x');
}

describe('ZUNION / ZINTER / ZDIFF', () => {
  it('orders results by score, then member bytes', async () => {
    zset('z', ['b', 1], ['a', 1], ['\xff', 0], ['\x00', 1], ['c', -1]);
    const latin1 = (r: unknown) => (r as Buffer[]).map((b) => b.toString('latin1'));
    expect(latin1(await c.callBuffer('zunion', '1', 'z'))).toEqual(['c', '\xff', '\x00', 'a', 'b']);
    expect(latin1(await c.callBuffer('zunion', '1', 'z', 'WITHSCORES'))).toEqual(['c', '-1', '\xff', '0', '\x00', '1', 'a', '1', 'b', '1']);
  });

  it('unions, intersects and diffs with the default SUM', async () => {
    await setup();
    expect(await c.zunion(2, 'za', 'zb', 'WITHSCORES')).toEqual(['a', '1', 'b', '12', 'c', '23', 'd', '30']);
    expect(await c.zinter(2, 'za', 'zb', 'WITHSCORES')).toEqual(['b', '12', 'c', '23']);
    expect(await c.zdiff(2, 'za', 'zb', 'WITHSCORES')).toEqual(['a', '1']);
    expect(await c.zdiff(2, 'zb', 'za')).toEqual(['d']);
    expect(await c.zdiff(1, 'za')).toEqual(['a', 'b', 'c']);
    expect(await c.zdiff(2, 'za', 'za')).toEqual([]);
    expect(await c.zinter(2, 'za', 'za', 'WITHSCORES')).toEqual(['a', '2', 'b', '4', 'c', '6']);
  });

  it('applies WEIGHTS and AGGREGATE (any case)', async () => {
    await setup();
    expect(await c.zunion(2, 'za', 'zb', 'WEIGHTS', '2', '0.5', 'WITHSCORES')).toEqual(['a', '2', 'b', '9', 'd', '15', 'c', '16']);
    expect(await c.zunion(2, 'za', 'zb', 'aggregate', 'min', 'WITHSCORES')).toEqual(['a', '1', 'b', '2', 'c', '3', 'd', '30']);
    expect(await c.zunion(2, 'za', 'zb', 'AGGREGATE', 'MAX', 'withscores')).toEqual(['a', '1', 'b', '10', 'c', '20', 'd', '30']);
    expect(await c.zinter(2, 'za', 'zb', 'WEIGHTS', '-1', '1', 'AGGREGATE', 'MIN', 'WITHSCORES')).toEqual(['c', '-3', 'b', '-2']);
    // later options win
    expect(await c.zunion(1, 'za', 'WEIGHTS', '2', 'WEIGHTS', '3', 'AGGREGATE', 'MIN', 'AGGREGATE', 'SUM', 'WITHSCORES')).toEqual(['a', '3', 'b', '6', 'c', '9']);
  });

  it('follows Redis for inf and NaN: inf*0 and inf + -inf are 0; MIN/MAX ignore a NaN in ZINTER', async () => {
    zset('zi', ['a', Infinity], ['b', -Infinity], ['c', 0]);
    zset('zj', ['a', -Infinity], ['b', -Infinity], ['c', Infinity]);
    expect(await c.zunion(2, 'zi', 'zj', 'WITHSCORES')).toEqual(['b', '-inf', 'a', '0', 'c', 'inf']);
    expect(await c.zunion(1, 'zi', 'WEIGHTS', '0', 'WITHSCORES')).toEqual(['a', '0', 'b', '0', 'c', '0']);
    expect(await c.zunion(1, 'zi', 'WEIGHTS', 'inf', 'WITHSCORES')).toEqual(['b', '-inf', 'c', '0', 'a', 'inf']);
    // every second-input score is +-inf*0 = NaN: SUM would make it 0, MIN/MAX keep the first score
    expect(await c.zinter(2, 'zi', 'zj', 'WEIGHTS', '1', '0', 'AGGREGATE', 'MAX', 'WITHSCORES')).toEqual(['b', '-inf', 'c', '0', 'a', 'inf']);
    expect(await c.zinter(2, 'zi', 'zj', 'WEIGHTS', '5', '0', 'AGGREGATE', 'MIN', 'WITHSCORES')).toEqual(['b', '-inf', 'c', '0', 'a', 'inf']);
  });

  it('sums in order of input size (smallest first), as Redis', async () => {
    zset('z1', ['m', 1]);
    zset('z2', ['m', 1], ['n', 1]);
    zset('z3', ['m', 1], ['n', 1], ['o', 1]);
    // inputs visited z1 (w=inf), z2 (w=-inf), z3 (w=5): (inf + -inf -> 0) + 5 = 5
    expect(await c.zinter(3, 'z3', 'z2', 'z1', 'WEIGHTS', '5', '-inf', 'inf', 'WITHSCORES')).toEqual(['m', '5']);
    expect(await c.zunion(3, 'z3', 'z2', 'z1', 'WEIGHTS', '5', '-inf', 'inf', 'WITHSCORES')).toEqual(['n', '-inf', 'm', '5', 'o', '5']);
  });

  it('takes sets as inputs with score 1', async () => {
    await setup();
    await c.sadd('si', '1', '2');
    expect(await c.zunion(2, 'za', 's', 'WITHSCORES')).toEqual(['x', '1', 'a', '2', 'b', '2', 'c', '3']);
    expect(await c.zinter(2, 'za', 's', 'WEIGHTS', '1', '10', 'WITHSCORES')).toEqual(['a', '11']);
    expect(await c.zdiff(2, 's', 'za', 'WITHSCORES')).toEqual(['x', '1']);
    expect(await c.zunion(2, 'si', 's', 'WEIGHTS', '3', '2', 'WITHSCORES')).toEqual(['a', '2', 'x', '2', '1', '3', '2', '3']);
    expect(await c.zintercard(2, 's', 'za')).toBe(1);
  });

  it('answers empty arrays for missing keys', async () => {
    await setup();
    expect(await c.zunion(2, 'nope', 'nope2', 'WITHSCORES')).toEqual([]);
    expect(await c.zinter(2, 'za', 'nope')).toEqual([]);
    expect(await c.zdiff(2, 'nope', 'za')).toEqual([]);
    expect(await c.zdiff(2, 'za', 'nope')).toEqual(['a', 'b', 'c']);
  });

  it('accepts strtod weights: hex, subnormal, infinity; rejects NaN, spaces, ERANGE', async () => {
    zset('z', ['a', 1]);
    expect(await c.zunion(1, 'z', 'WEIGHTS', '0x10', 'WITHSCORES')).toEqual(['a', '16']);
    expect(await c.zunion(1, 'z', 'WEIGHTS', '0x1p-3', 'WITHSCORES')).toEqual(['a', '0.125']);
    expect(await c.zunion(1, 'z', 'WEIGHTS', '4e-320', 'WITHSCORES')).toEqual(['a', '3.999955468730732e-320']);
    expect(await c.zunion(1, 'z', 'WEIGHTS', '-Infinity', 'WITHSCORES')).toEqual(['a', '-inf']);
    for (const w of ['nan', 'x', '', ' 1', '1 ', '1e400', '1e-400', '0x', '1e', '--1']) {
      expect(await err(c.zunion(1, 'z', 'WEIGHTS', w))).toBe(WEIGHT);
    }
  });
});

describe('ZINTERCARD', () => {
  it('counts, with LIMIT', async () => {
    await setup();
    expect(await c.zintercard(2, 'za', 'zb')).toBe(2);
    expect(await c.zintercard(2, 'za', 'zb', 'LIMIT', 1)).toBe(1);
    expect(await c.zintercard(2, 'za', 'zb', 'LIMIT', 0)).toBe(2);
    expect(await c.call('zintercard', '1', 'za', 'limit', '100')).toBe(3);
    expect(await c.zintercard(2, 'za', 'nope')).toBe(0);
  });

  it('rejects bad LIMITs and other options', async () => {
    await setup();
    expect(await err(c.zintercard(1, 'za', 'LIMIT', -1))).toBe("ERR LIMIT can't be negative");
    expect(await err(c.zintercard(1, 'za', 'LIMIT', 'x'))).toBe("ERR LIMIT can't be negative");
    expect(await err(c.call('zintercard', '1', 'za', 'LIMIT'))).toBe(SYNTAX);
    expect(await err(c.call('zintercard', '1', 'za', 'WITHSCORES'))).toBe(SYNTAX);
    expect(await err(c.call('zintercard', '1', 'za', 'WEIGHTS', '1'))).toBe(SYNTAX);
    expect(await err(c.call('zintercard', '0', 'za'))).toBe("ERR at least 1 input key is needed for 'zintercard' command");
  });
});

describe('STORE forms', () => {
  it('store the result and answer its size', async () => {
    await setup();
    expect(await c.zunionstore('d', 2, 'za', 'zb')).toBe(4);
    expect(await c.zunion(1, 'd', 'WITHSCORES')).toEqual(['a', '1', 'b', '12', 'c', '23', 'd', '30']);
    expect(await c.zinterstore('d', 2, 'za', 'zb', 'WEIGHTS', 2, 3, 'AGGREGATE', 'MAX')).toBe(2);
    expect(await c.zunion(1, 'd', 'WITHSCORES')).toEqual(['b', '30', 'c', '60']);
    expect(await c.zdiffstore('d', 2, 'za', 'zb')).toBe(1);
    expect(await c.zunion(1, 'd', 'WITHSCORES')).toEqual(['a', '1']);
    expect(await c.type('d')).toBe('zset');
  });

  it('replace any type and drop the TTL', async () => {
    await setup();
    await c.set('d', 'x', 'EX', 100);
    expect(await c.zunionstore('d', 1, 's')).toBe(2);
    expect(await c.type('d')).toBe('zset');
    expect(await c.ttl('d')).toBe(-1);
    await c.rpush('l', 'a');
    expect(await c.zinterstore('l', 2, 'za', 's')).toBe(1);
    expect(await c.type('l')).toBe('zset');
    // a source may be the destination
    expect(await c.zunionstore('za', 2, 'za', 'za')).toBe(3);
    expect(await c.zunion(1, 'za', 'WITHSCORES')).toEqual(['a', '2', 'b', '4', 'c', '6']);
  });

  it('delete the destination when the result is empty', async () => {
    await setup();
    await c.set('d', 'x');
    expect(await c.zinterstore('d', 2, 'za', 'nope')).toBe(0);
    expect(await c.exists('d')).toBe(0);
    expect(await c.zdiffstore('d', 2, 'za', 'za')).toBe(0);
    expect(await c.zunionstore('d', 1, 'nope')).toBe(0);
    // only the first call changed anything: only it is propagated
    expect(propagated.filter((a) => a[0].toLowerCase().startsWith('z'))).toEqual([['zinterstore', 'd', '2', 'za', 'nope']]);
  });

  it('propagate the command as sent', async () => {
    await setup();
    await c.zunionstore('d', 2, 'za', 'zb', 'WEIGHTS', 'inf', '1');
    expect(propagated.at(-1)).toEqual(['zunionstore', 'd', '2', 'za', 'zb', 'WEIGHTS', 'inf', '1']);
  });

  it('store a listpack when small, a skiplist otherwise, and -0 as 0 in a listpack', async () => {
    await setup();
    await c.zunionstore('d', 2, 'za', 'zb');
    expect(await c.object('ENCODING', 'd')).toBe('listpack');
    await c.config('SET', 'zset-max-listpack-entries', '3');
    await c.zunionstore('d', 2, 'za', 'zb');
    expect(await c.object('ENCODING', 'd')).toBe('skiplist');
    await c.zdiffstore('d', 2, 'zb', 'za');
    expect(await c.object('ENCODING', 'd')).toBe('listpack');
    await c.config('SET', 'zset-max-listpack-value', '2');
    await c.sadd('long', 'abc');
    await c.zunionstore('d', 1, 'long');
    expect(await c.object('ENCODING', 'd')).toBe('skiplist');
    await c.config('SET', 'zset-max-listpack-value', '64');
    await c.zunionstore('d', 1, 's', 'WEIGHTS', '-0');
    expect(await c.zunion(1, 'd', 'WITHSCORES')).toEqual(['a', '0', 'x', '0']);
    expect(await c.zunion(1, 's', 'WEIGHTS', '-0', 'WITHSCORES')).toEqual(['a', '-0', 'x', '-0']);
    await c.config('SET', 'zset-max-listpack-entries', '0');
    await c.zunionstore('d', 1, 's', 'WEIGHTS', '-0');
    expect(await c.zunion(1, 'd', 'WITHSCORES')).toEqual(['a', '-0', 'x', '-0']);
    await c.config('SET', 'zset-max-listpack-entries', '128');
  });
});

describe('errors', () => {
  it('checks numkeys before the keys, the keys before the options', async () => {
    await setup();
    await c.set('str', 'v');
    expect(await err(c.call('zunion', '0', 'za'))).toBe("ERR at least 1 input key is needed for 'zunion' command");
    expect(await err(c.call('zinterstore', 'd', '-1', 'za'))).toBe("ERR at least 1 input key is needed for 'zinterstore' command");
    expect(await err(c.call('zdiffstore', 'd', '0', 'za'))).toBe("ERR at least 1 input key is needed for 'zdiffstore' command");
    expect(await err(c.call('zunion', 'x', 'za'))).toBe(NOTINT);
    expect(await err(c.call('zunion', '3', 'za', 'zb'))).toBe(SYNTAX);
    expect(await err(c.call('zunionstore', 'd', '3', 'za', 'zb'))).toBe(SYNTAX);
    expect(await err(c.call('zunion', '1', 'str', 'BOGUS'))).toBe(WRONGTYPE);
    expect(await err(c.call('zinter', '2', 'za', 'str'))).toBe(WRONGTYPE);
    expect(await err(c.call('zdiffstore', 'd', '1', 'str'))).toBe(WRONGTYPE);
    await c.hset('h', 'f', 'v');
    await c.rpush('l', 'v');
    expect(await err(c.call('zunion', '2', 'h', 'l'))).toBe(WRONGTYPE);
  });

  it('rejects bad options', async () => {
    await setup();
    const bad: string[][] = [
      ['zunion', '1', 'za', 'WEIGHTS'],
      ['zunion', '2', 'za', 'zb', 'WEIGHTS', '1'],
      ['zunion', '1', 'za', 'WEIGHTS', '1', '2'],
      ['zunion', '1', 'za', 'AGGREGATE'],
      ['zunion', '1', 'za', 'AGGREGATE', 'AVG'],
      ['zunion', '1', 'za', 'LIMIT', '1'],
      ['zdiff', '1', 'za', 'WEIGHTS', '1'],
      ['zdiff', '1', 'za', 'AGGREGATE', 'MIN'],
      ['zunionstore', 'd', '1', 'za', 'WITHSCORES'],
      ['zinter', '1', 'za', 'FOO'],
    ];
    for (const argv of bad) expect(await err(c.call(argv[0], ...argv.slice(1))), argv.join(' ')).toBe(SYNTAX);
    expect(await err(c.call('zunion', '2', 'za', 'zb', 'WEIGHTS', '1', 'x'))).toBe(WEIGHT);
  });

  it('checks arity', async () => {
    for (const [name, args] of [
      ['zunion', ['1']],
      ['zinter', ['1']],
      ['zdiff', ['1']],
      ['zintercard', ['1']],
      ['zunionstore', ['d', '1']],
      ['zinterstore', ['d', '1']],
      ['zdiffstore', ['d', '1']],
    ] as const) {
      expect(await err(c.call(name, ...args))).toBe(arity(name));
    }
  });
});

describe('key positions', () => {
  it('COMMAND GETKEYS finds the destination and the numkeys keys', async () => {
    expect(await c.call('command', 'GETKEYS', 'ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2')).toEqual(['d', 'a', 'b']);
    expect(await c.call('command', 'GETKEYS', 'ZINTER', '2', 'a', 'b', 'WITHSCORES')).toEqual(['a', 'b']);
    expect(await c.call('command', 'GETKEYS', 'ZINTERCARD', '1', 'a', 'LIMIT', '5')).toEqual(['a']);
    // the getkeys proc (atoi; destination last) when the key spec cannot parse numkeys
    expect(await c.call('command', 'GETKEYS', 'ZDIFFSTORE', 'd', '+2', 'a', 'b')).toEqual(['a', 'b', 'd']);
    expect(await err(c.call('command', 'GETKEYS', 'ZUNIONSTORE', 'd', '0', 'a'))).toBe('ERR Invalid arguments specified for command');
    expect(await err(c.call('command', 'GETKEYS', 'ZUNION', '3', 'a', 'b'))).toBe('ERR Invalid arguments specified for command');
  });
});

describe('strtodStrict', () => {
  it('parses as glibc strtod under Redis checks', () => {
    expect(strtodStrict('1.5')).toBe(1.5);
    expect(strtodStrict('-.5e1')).toBe(-5);
    expect(strtodStrict('0x1.8p1')).toBe(3);
    expect(strtodStrict('-0X.8')).toBe(-0.5);
    expect(strtodStrict('0x1p-1074')).toBe(5e-324);
    expect(strtodStrict('0x1p-1075')).toBe(null);
    expect(strtodStrict('0x1p1024')).toBe(null);
    expect(strtodStrict('0x' + 'f'.repeat(40))).toBe(2 ** 160);
    expect(strtodStrict('INF')).toBe(Infinity);
    expect(strtodStrict('-infinity')).toBe(-Infinity);
    expect(strtodStrict('0e-999')).toBe(0);
    expect(Object.is(strtodStrict('-0'), -0)).toBe(true);
    for (const s of ['', ' 1', '1 ', 'nan', '-nan', 'inf1', 'infin', '1e400', '-1e400', '1e-400', '0x', '0xg', '0x1p', '1..2']) {
      expect(strtodStrict(s), s).toBe(null);
    }
  });
});
