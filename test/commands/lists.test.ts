/**
 * List commands through ioredis: behaviour of every command, emptied lists deleting their key,
 * what is propagated (LMPOP as LPOP/RPOP with the popped count), WATCH, COPY, OBJECT ENCODING,
 * and every wrong-arity / WRONGTYPE / bad-number path. ListValue itself is checked against a
 * plain array model over many random operations (growth, shrinking, middle inserts/removals).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ListValue } from '../../src/keyspace/types/list.js';
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
const NOTINT = 'ERR value is not an integer or out of range';
const arity = (name: string) => `ERR wrong number of arguments for '${name}' command`;

describe('pushes and pops', () => {
  it('pushes at both ends and reports the length', async () => {
    expect(await c.lpush('l', 'a', 'b')).toBe(2);
    expect(await c.rpush('l', 'c', 'd')).toBe(4);
    expect(await c.lrange('l', 0, -1)).toEqual(['b', 'a', 'c', 'd']);
    expect(await c.lpushx('l', 'x')).toBe(5);
    expect(await c.rpushx('l', 'y', 'z')).toBe(7);
    expect(await c.lpushx('none', 'x')).toBe(0);
    expect(await c.rpushx('none', 'x')).toBe(0);
    expect(await c.exists('none')).toBe(0);
    expect(await c.type('l')).toBe('list');
    expect(await c.object('ENCODING', 'l')).toBe('quicklist');
    expect(await c.llen('l')).toBe(7);
    expect(await c.llen('none')).toBe(0);
  });

  it('is binary-safe', async () => {
    const bin = Buffer.from([0, 0xff, 13, 10, 0x80]);
    await c.rpush('b', bin);
    expect(await c.lindexBuffer('b', 0)).toEqual(bin);
  });

  it('pops one or count elements and deletes the emptied key', async () => {
    await c.rpush('l', '1', '2', '3', '4', '5');
    expect(await c.lpop('l')).toBe('1');
    expect(await c.rpop('l')).toBe('5');
    expect(await c.lpop('l', 2)).toEqual(['2', '3']);
    expect(await c.rpop('l', 0)).toEqual([]);
    expect(await c.rpop('l', 10)).toEqual(['4']);
    expect(await c.exists('l')).toBe(0);
    expect(await c.lpop('l')).toBeNull();
    expect(await c.lpop('l', 2)).toBeNull();
    expect(await err(c.lpop('l', -1))).toBe('ERR value is out of range, must be positive');
    expect(await err(c.call('lpop', 'l', 'x'))).toBe('ERR value is out of range, must be positive');
    expect(await err(c.call('lpop', 'l', '1', '2'))).toBe(arity('lpop'));
  });

  it('LMPOP pops from the first non-empty list and propagates LPOP/RPOP with the count', async () => {
    await c.rpush('b', 'a', 'b', 'c');
    propagated = [];
    expect(await c.call('lmpop', '2', 'a', 'b', 'RIGHT', 'COUNT', '2')).toEqual(['b', ['c', 'b']]);
    expect(propagated).toEqual([['RPOP', 'b', '2']]);
    expect(await c.call('lmpop', '2', 'a', 'b', 'LEFT', 'COUNT', '5')).toEqual(['b', ['a']]);
    expect(propagated[1]).toEqual(['LPOP', 'b', '1']);
    expect(await c.exists('b')).toBe(0);
    expect(await c.call('lmpop', '2', 'a', 'b', 'LEFT')).toBeNull();
    expect(await err(c.call('lmpop', '0', 'a', 'LEFT'))).toBe('ERR numkeys should be greater than 0');
    expect(await err(c.call('lmpop', '1', 'a', 'LEFT', 'COUNT', '0'))).toBe('ERR count should be greater than 0');
    expect(await err(c.call('lmpop', '3', 'a', 'LEFT'))).toBe('ERR syntax error');
    expect(await err(c.call('lmpop', '1', 'a', 'MIDDLE'))).toBe('ERR syntax error');
    expect(await c.call('command', 'GETKEYS', 'lmpop', '2', 'a', 'b', 'LEFT')).toEqual(['a', 'b']);
  });
});

describe('reads and in-place writes', () => {
  beforeEach(async () => {
    await c.rpush('l', 'a', 'b', 'c', 'a', 'b', 'c', 'a');
  });

  it('LRANGE and LINDEX clamp and count from the end', async () => {
    expect(await c.lrange('l', -2, -1)).toEqual(['c', 'a']);
    expect(await c.lrange('l', 5, 2)).toEqual([]);
    expect(await c.lrange('l', -100, 1)).toEqual(['a', 'b']);
    expect(await c.lrange('none', 0, -1)).toEqual([]);
    expect(await c.lindex('l', -1)).toBe('a');
    expect(await c.lindex('l', 7)).toBeNull();
    expect(await err(c.lrange('l', 'x' as unknown as number, 1))).toBe(NOTINT);
    expect(await err(c.lindex('l', 'x' as unknown as number))).toBe(NOTINT);
  });

  it('LSET replaces or fails', async () => {
    expect(await c.lset('l', -1, 'z')).toBe('OK');
    expect(await c.lindex('l', 6)).toBe('z');
    expect(await err(c.lset('l', 7, 'z'))).toBe('ERR index out of range');
    expect(await err(c.lset('none', 0, 'z'))).toBe('ERR no such key');
  });

  it('LINSERT inserts next to the first pivot', async () => {
    expect(await c.linsert('l', 'BEFORE', 'b', 'x')).toBe(8);
    expect(await c.linsert('l', 'AFTER', 'c', 'y')).toBe(9);
    expect(await c.lrange('l', 0, 4)).toEqual(['a', 'x', 'b', 'c', 'y']);
    expect(await c.linsert('l', 'AFTER', 'nope', 'y')).toBe(-1);
    expect(await c.linsert('none', 'AFTER', 'a', 'y')).toBe(0);
    expect(await err(c.call('linsert', 'l', 'MIDDLE', 'a', 'y'))).toBe('ERR syntax error');
  });

  it('LREM removes from the head, the tail or everywhere', async () => {
    expect(await c.lrem('l', 1, 'a')).toBe(1);
    expect(await c.lrem('l', -1, 'a')).toBe(1);
    expect(await c.lrange('l', 0, -1)).toEqual(['b', 'c', 'a', 'b', 'c']);
    expect(await c.lrem('l', 0, 'b')).toBe(2);
    expect(await c.lrem('l', 0, 'zz')).toBe(0);
    await c.lrem('l', 0, 'c');
    expect(await c.lrem('l', 0, 'a')).toBe(1);
    expect(await c.exists('l')).toBe(0);
  });

  it('LTRIM keeps a range and deletes an emptied list', async () => {
    expect(await c.ltrim('l', 1, -2)).toBe('OK');
    expect(await c.lrange('l', 0, -1)).toEqual(['b', 'c', 'a', 'b', 'c']);
    expect(await c.ltrim('none', 0, 1)).toBe('OK');
    expect(await c.ltrim('l', 3, 1)).toBe('OK');
    expect(await c.exists('l')).toBe(0);
  });

  it('LPOS with RANK, COUNT and MAXLEN', async () => {
    expect(await c.lpos('l', 'a')).toBe(0);
    expect(await c.lpos('l', 'a', 'RANK', -1)).toBe(6);
    expect(await c.lpos('l', 'a', 'RANK', 2)).toBe(3);
    expect(await c.lpos('l', 'a', 'COUNT', 0)).toEqual([0, 3, 6]);
    expect(await c.call('lpos', 'l', 'a', 'COUNT', '2', 'RANK', '-1')).toEqual([6, 3]);
    expect(await c.call('lpos', 'l', 'a', 'COUNT', '0', 'MAXLEN', '4')).toEqual([0, 3]);
    expect(await c.lpos('l', 'z')).toBeNull();
    expect(await c.lpos('none', 'z', 'COUNT', 1)).toEqual([]);
    expect(await err(c.lpos('l', 'a', 'RANK', 0))).toMatch(/^ERR RANK can't be zero/);
    expect(await err(c.lpos('l', 'a', 'COUNT', -1))).toBe("ERR COUNT can't be negative");
    expect(await err(c.lpos('l', 'a', 'MAXLEN', -1))).toBe("ERR MAXLEN can't be negative");
    expect(await err(c.call('lpos', 'l', 'a', 'RANK'))).toBe('ERR syntax error');
  });
});

describe('moves', () => {
  it('LMOVE and RPOPLPUSH move between lists, including onto themselves', async () => {
    await c.rpush('s', '1', '2', '3');
    expect(await c.lmove('s', 'd', 'LEFT', 'RIGHT')).toBe('1');
    expect(await c.lmove('s', 's', 'LEFT', 'RIGHT')).toBe('2');
    expect(await c.lrange('s', 0, -1)).toEqual(['3', '2']);
    expect(await c.rpoplpush('s', 'd')).toBe('2');
    expect(await c.rpoplpush('s', 'd')).toBe('3');
    expect(await c.exists('s')).toBe(0);
    expect(await c.lrange('d', 0, -1)).toEqual(['3', '2', '1']);
    expect(await c.rpoplpush('s', 'd')).toBeNull();
    expect(await err(c.call('lmove', 'd', 'x', 'UP', 'LEFT'))).toBe('ERR syntax error');
  });

  it('checks the destination type before popping', async () => {
    await c.rpush('s', '1');
    await c.set('str', 'x');
    expect(await err(c.lmove('s', 'str', 'LEFT', 'LEFT'))).toBe(WRONGTYPE);
    expect(await c.llen('s')).toBe(1);
  });
});

describe('errors shared by every command', () => {
  const calls: [string, ...string[]][] = [
    ['lpush', 'str', 'a'],
    ['rpush', 'str', 'a'],
    ['lpushx', 'str', 'a'],
    ['rpushx', 'str', 'a'],
    ['lpop', 'str'],
    ['rpop', 'str', '2'],
    ['llen', 'str'],
    ['lrange', 'str', '0', '1'],
    ['lindex', 'str', '0'],
    ['lset', 'str', '0', 'a'],
    ['linsert', 'str', 'before', 'a', 'b'],
    ['lrem', 'str', '0', 'a'],
    ['ltrim', 'str', '0', '1'],
    ['lpos', 'str', 'a'],
    ['lmove', 'str', 'x', 'left', 'left'],
    ['rpoplpush', 'str', 'x'],
    ['lmpop', '1', 'str', 'left'],
  ];
  it('answers WRONGTYPE against a string', async () => {
    await c.set('str', 'x');
    for (const [name, ...args] of calls) expect(await err(c.call(name, ...args)), name).toBe(WRONGTYPE);
  });
  it('checks arity', async () => {
    for (const [name, ...args] of calls) {
      expect(await err(c.call(name, ...args.slice(0, name === 'lmpop' ? 1 : 0))), name).toBe(arity(name));
    }
  });
});

describe('integration', () => {
  it('WATCH sees an in-place change', async () => {
    await c.rpush('l', 'a');
    const other = c.duplicate();
    await other.watch('l');
    await c.rpush('l', 'b');
    const res = await other.multi().get('x').exec();
    expect(res).toBeNull();
    other.disconnect();
  });

  it('COPY makes an independent copy; MEMORY USAGE answers a number', async () => {
    await c.rpush('l', 'a', 'b');
    expect(await c.copy('l', 'l2')).toBe(1);
    await c.rpush('l2', 'c');
    expect(await c.lrange('l', 0, -1)).toEqual(['a', 'b']);
    expect(await c.lrange('l2', 0, -1)).toEqual(['a', 'b', 'c']);
    expect(await c.memory('USAGE', 'l')).toBeGreaterThan(0);
  });

  it('notifies with Redis event names', async () => {
    await c.config('SET', 'notify-keyspace-events', 'Elg');
    const sub = c.duplicate();
    const events: string[] = [];
    sub.on('pmessage', (_p, ch, key) => events.push(`${ch.slice(ch.indexOf(':') + 1)} ${key}`));
    await sub.psubscribe('__keyevent@0__:*');
    await c.rpush('s', '1', '2');
    await c.lmove('s', 'd', 'LEFT', 'LEFT');
    await c.lmove('s', 'd', 'RIGHT', 'RIGHT');
    await c.ping();
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual(['rpush s', 'lpush d', 'lpop s', 'rpush d', 'rpop s', 'del s']);
    sub.disconnect();
    await c.config('SET', 'notify-keyspace-events', '');
  });
});

describe('ListValue', () => {
  it('matches an array model over random operations', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const list = new ListValue();
    const model: string[] = [];
    for (let step = 0; step < 20000; step++) {
      const op = Math.floor(rnd() * 8);
      const v = String(step);
      // bias towards growth first, then shrinking, to cross the resize thresholds both ways
      const grow = step < 10000;
      if (op === 0 || (grow && op === 6)) {
        list.pushHead(v);
        model.unshift(v);
      } else if (op === 1 || (grow && op === 7)) {
        list.pushTail(v);
        model.push(v);
      } else if (op === 2 || op === 6) {
        expect(list.popHead()).toBe(model.shift());
      } else if (op === 3 || op === 7) {
        expect(list.popTail()).toBe(model.pop());
      } else if (op === 4 && model.length > 0) {
        const i = Math.floor(rnd() * (model.length + 1));
        list.insertAt(i, v);
        model.splice(i, 0, v);
      } else if (op === 5 && model.length > 0) {
        const i = Math.floor(rnd() * model.length);
        list.removeAt(i);
        model.splice(i, 1);
      }
      expect(list.length).toBe(model.length);
    }
    expect(list.range(0, list.length - 1)).toEqual(model);
    const copy = list.clone();
    list.trim(1, 2);
    expect(copy.length).toBe(model.length);
  });
});
