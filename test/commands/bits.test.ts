/**
 * Bit commands through ioredis: SETBIT/GETBIT, BITCOUNT/BITPOS (BYTE and BIT ranges), BITOP,
 * BITFIELD/BITFIELD_RO, their errors, TTL handling and what is propagated.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CollectionValue } from '../../src/keyspace/value.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
let c: Redis;
let propagated: string[][] = [];
let stopListening: () => void;

beforeAll(async () => {
  server = await startTestServer({ 'proto-max-bulk-len': 1048576 });
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

const call = (...args: (string | number)[]) => c.call(String(args[0]), ...args.slice(1).map(String));

describe('SETBIT / GETBIT', () => {
  it('sets bits MSB first, grows with zeros, returns the old bit', async () => {
    expect(await c.setbit('k', 1, 1)).toBe(0);
    expect(await c.setbit('k', 7, 1)).toBe(0);
    expect(await c.get('k')).toBe('A');
    expect(await c.setbit('k', 7, 0)).toBe(1);
    expect(await c.setbit('k', 17, 1)).toBe(0);
    expect(await c.getBuffer('k')).toEqual(Buffer.from([0x40, 0, 0x40]));
    expect(await c.getbit('k', 17)).toBe(1);
    expect(await c.getbit('k', 18)).toBe(0);
    expect(await c.getbit('k', 1000)).toBe(0);
    expect(await c.getbit('missing', 3)).toBe(0);
  });

  it('a no-op SETBIT is not propagated; creating or growing is', async () => {
    await call('SETBIT', 'k', '3', '0');
    await call('SETBIT', 'k', '3', '0');
    await call('SETBIT', 'k', '3', '1');
    await call('SETBIT', 'k', '20', '0');
    expect(propagated).toEqual([
      ['SETBIT', 'k', '3', '0'],
      ['SETBIT', 'k', '3', '1'],
      ['SETBIT', 'k', '20', '0'],
    ]);
  });

  it('keeps the TTL', async () => {
    await c.set('k', 'a', 'EX', 100);
    await c.setbit('k', 0, 1);
    expect(await c.ttl('k')).toBeGreaterThan(90);
  });

  it('errors', async () => {
    for (const v of ['2', '-1', 'x', '01', '']) {
      await expect(call('SETBIT', 'k', '0', v), v).rejects.toThrow('ERR bit is not an integer or out of range');
    }
    for (const off of ['-1', 'x', '#1', '8388608']) {
      await expect(call('SETBIT', 'k', off, '1'), off).rejects.toThrow('ERR bit offset is not an integer or out of range');
      await expect(call('GETBIT', 'k', off), off).rejects.toThrow('ERR bit offset is not an integer or out of range');
    }
    expect(await c.setbit('k', 8388607, 1)).toBe(0);
  });
});

describe('BITCOUNT / BITPOS', () => {
  it('counts over byte and bit ranges', async () => {
    await c.set('k', 'foobar');
    expect(await c.bitcount('k')).toBe(26);
    expect(await c.bitcount('k', 0, 0)).toBe(4);
    expect(await c.bitcount('k', 1, 1)).toBe(6);
    expect(await call('BITCOUNT', 'k', '1', '1', 'BYTE')).toBe(6);
    expect(await call('BITCOUNT', 'k', '5', '30', 'BIT')).toBe(17);
    expect(await call('BITCOUNT', 'k', '-2', '-1')).toBe(7);
    expect(await call('BITCOUNT', 'k', '-1', '-2')).toBe(0);
    expect(await call('BITCOUNT', 'missing', 'x', 'y')).toBe(0); // 7.0 looks the key up first
    await expect(call('BITCOUNT', 'k', '1')).rejects.toThrow('ERR syntax error');
    await expect(call('BITCOUNT', 'k', '1', '2', 'BITS')).rejects.toThrow('ERR syntax error');
    await expect(call('BITCOUNT', 'k', 'a', '2')).rejects.toThrow('ERR value is not an integer or out of range');
  });

  it('finds bits', async () => {
    await c.set('k', Buffer.from([0xff, 0xf0, 0x00]));
    expect(await c.bitpos('k', 0)).toBe(12);
    expect(await c.bitpos('k', 1, 2)).toBe(-1);
    expect(await call('BITPOS', 'k', '0', '7', '15', 'BIT')).toBe(12);
    expect(await call('BITPOS', 'k', '1', '7', '15', 'BIT')).toBe(7);
    await c.set('ones', Buffer.from([0xff, 0xff]));
    expect(await c.bitpos('ones', 0)).toBe(16);
    expect(await c.bitpos('ones', 0, 0, -1)).toBe(-1);
    expect(await c.bitpos('missing', 0)).toBe(0);
    expect(await c.bitpos('missing', 1)).toBe(-1);
    await expect(call('BITPOS', 'k', '2')).rejects.toThrow('ERR The bit argument must be 1 or 0.');
    await expect(call('BITPOS', 'k', '1', '0', '1', 'FOO')).rejects.toThrow('ERR syntax error');
  });
});

describe('BITOP', () => {
  it('AND OR XOR NOT, padding shorter strings with zeros', async () => {
    await c.set('a', Buffer.from([0xf0, 0x0f]));
    await c.set('b', Buffer.from([0xff]));
    expect(await c.bitop('AND', 'd', 'a', 'b')).toBe(2);
    expect(await c.getBuffer('d')).toEqual(Buffer.from([0xf0, 0x00]));
    await c.bitop('OR', 'd', 'a', 'b');
    expect(await c.getBuffer('d')).toEqual(Buffer.from([0xff, 0x0f]));
    await c.bitop('XOR', 'd', 'a', 'b');
    expect(await c.getBuffer('d')).toEqual(Buffer.from([0x0f, 0x0f]));
    await c.bitop('NOT', 'd', 'a');
    expect(await c.getBuffer('d')).toEqual(Buffer.from([0x0f, 0xf0]));
    expect(await c.bitop('AND', 'd', 'none1', 'none2')).toBe(0);
    expect(await c.exists('d')).toBe(0);
    await expect(call('BITOP', 'NOT', 'd', 'a', 'b')).rejects.toThrow('ERR BITOP NOT must be called with a single source key.');
    await expect(call('BITOP', 'NAND', 'd', 'a')).rejects.toThrow('ERR syntax error');
  });

  it('replaces the destination and clears its TTL', async () => {
    await c.set('d', 'x', 'EX', 100);
    await c.set('a', 'y');
    await c.bitop('OR', 'd', 'a');
    expect(await c.ttl('d')).toBe(-1);
    expect(await c.get('d')).toBe('y');
  });
});

describe('BITFIELD', () => {
  it('GET SET INCRBY with overflow modes', async () => {
    expect(await call('BITFIELD', 'k', 'SET', 'i8', '0', '100', 'GET', 'i8', '0', 'INCRBY', 'i8', '0', '100')).toEqual([
      0, 100, -56,
    ]);
    expect(await call('BITFIELD', 'k', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '-200')).toEqual([-128]);
    expect(await call('BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '-1')).toEqual([null]);
    expect(await call('BITFIELD', 'k', 'INCRBY', 'u2', '#4', '3', 'INCRBY', 'u2', '#4', '1')).toEqual([3, 0]);
    expect(await call('BITFIELD', 'k', 'SET', 'u8', '#1', '255', 'GET', 'u4', '8', 'GET', 'i4', '12')).toEqual([0, 15, -1]);
    expect(await call('BITFIELD_RO', 'k', 'GET', 'u8', '8')).toEqual([255]);
    expect(await call('BITFIELD', 'none', 'GET', 'u8', '0')).toEqual([0]);
    expect(await c.exists('none')).toBe(0);
  });

  it('propagates only when something changed', async () => {
    await call('BITFIELD', 'k', 'GET', 'u8', '0');
    await call('BITFIELD', 'k', 'SET', 'u8', '0', '0'); // creates the key
    await call('BITFIELD', 'k', 'SET', 'u8', '0', '0'); // no change
    await call('BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '300'); // fails
    await call('BITFIELD', 'k', 'INCRBY', 'u8', '0', '1');
    expect(propagated).toEqual([
      ['BITFIELD', 'k', 'SET', 'u8', '0', '0'],
      ['BITFIELD', 'k', 'INCRBY', 'u8', '0', '1'],
    ]);
  });

  it('errors', async () => {
    const typeErr = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
    for (const t of ['u64', 'i65', 'i0', 'x8', 'u', 'u-1']) {
      await expect(call('BITFIELD', 'k', 'GET', t, '0'), t).rejects.toThrow(typeErr);
    }
    await expect(call('BITFIELD', 'k', 'GET', 'u8', '-1')).rejects.toThrow('ERR bit offset is not an integer or out of range');
    await expect(call('BITFIELD', 'k', 'GET', 'u8')).rejects.toThrow('ERR syntax error');
    await expect(call('BITFIELD', 'k', 'SET', 'u8', '0', 'x')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(call('BITFIELD', 'k', 'OVERFLOW', 'NOPE')).rejects.toThrow('ERR Invalid OVERFLOW type specified');
    await expect(call('BITFIELD_RO', 'k', 'SET', 'u8', '0', '1')).rejects.toThrow(
      'ERR BITFIELD_RO only supports the GET subcommand',
    );
  });
});

describe('arity and types', () => {
  it('wrong number of arguments', async () => {
    const cases: Array<[string, number]> = [
      ['SETBIT', 2], ['GETBIT', 1], ['GETBIT', 3], ['BITCOUNT', 0], ['BITPOS', 1], ['BITOP', 2], ['BITFIELD', 0],
      ['BITFIELD_RO', 0],
    ];
    for (const [cmd, n] of cases) {
      const args = Array.from({ length: n }, (_, i) => `a${i}`);
      await expect(call(cmd, ...args), cmd).rejects.toThrow(`ERR wrong number of arguments for '${cmd.toLowerCase()}' command`);
    }
  });

  it('WRONGTYPE', async () => {
    server.core.keyspace.dbs[0].set('h', { type: 'hash' } as CollectionValue);
    const cases: string[][] = [
      ['SETBIT', 'h', '0', '1'], ['GETBIT', 'h', '0'], ['BITCOUNT', 'h'], ['BITPOS', 'h', '1'],
      ['BITOP', 'AND', 'd', 'h'], ['BITFIELD', 'h', 'GET', 'u8', '0'], ['BITFIELD', 'h', 'SET', 'u8', '0', '1'],
      ['BITFIELD_RO', 'h', 'GET', 'u8', '0'],
    ];
    for (const argv of cases) {
      await expect(call(...argv), argv.join(' ')).rejects.toThrow(
        'WRONGTYPE Operation against a key holding the wrong kind of value',
      );
    }
  });
});
