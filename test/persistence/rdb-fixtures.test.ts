/**
 * Walks the RDB files written by real Redis 7.0 with the persistence primitives and codecs (a minimal
 * walker, test-only: the real loader comes with the RDB decoder) and compares every key with
 * all-types.json: strings in every encoding, LZF, listpacks, intsets, quicklist 2 nodes, zset2 doubles,
 * expiries, the CRC64 trailer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc64 } from '../../src/persistence/crc64.js';
import { decodeIntset } from '../../src/persistence/intset.js';
import { decodeListpack } from '../../src/persistence/listpack.js';
import type { PackedEntry } from '../../src/persistence/packed.js';
import { RdbReader } from '../../src/persistence/rdb-primitives.js';
import { decodeZiplist } from '../../src/persistence/ziplist.js';
import { decodeZipmap } from '../../src/persistence/zipmap.js';
import { formatG17 } from '../../src/util/format-double.js';

const FIXTURES = path.resolve(__dirname, '../fixtures/redis-7.0');

type JsonString = string | { hex: string };
type JsonValue = JsonString | JsonString[] | Record<string, JsonString> | Array<[JsonString, string]>;
type JsonKey = { type: string; value: JsonValue; expireat_ms: number | null };
type Dataset = Record<string, Record<string, JsonKey>>;

const utf8 = new TextDecoder('utf-8', { fatal: true });
function text(b: Buffer): JsonString {
  try {
    return utf8.decode(b);
  } catch {
    return { hex: b.toString('hex') };
  }
}
const bytesOf = (e: PackedEntry): Buffer => (Buffer.isBuffer(e) ? e : Buffer.from(String(e), 'latin1'));
const key = (s: JsonString): string => (typeof s === 'string' ? s : `hex:${s.hex}`);
const sortStrings = (a: JsonString[]): JsonString[] => a.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));

function pairsToObject(flat: Buffer[]): Record<string, JsonString> {
  const o: Record<string, JsonString> = {};
  for (let i = 0; i < flat.length; i += 2) o[key(text(flat[i]))] = text(flat[i + 1]);
  return o;
}

function zsetOf(pairs: Array<[Buffer, number]>): Array<[JsonString, string]> {
  pairs.sort((a, b) => a[1] - b[1] || Buffer.compare(a[0], b[0]));
  return pairs.map(([m, s]) => [text(m), formatG17(s)]);
}

/** Decodes one value of the given RDB object type into the JSON form of all-types.json. */
function readValue(r: RdbReader, type: number): { type: string; value: JsonValue } {
  switch (type) {
    case 0:
      return { type: 'string', value: text(r.string()) };
    case 1: {
      const n = r.length();
      const out: JsonString[] = [];
      for (let i = 0; i < n; i++) out.push(text(r.string()));
      return { type: 'list', value: out };
    }
    case 2: {
      const n = r.length();
      const out: JsonString[] = [];
      for (let i = 0; i < n; i++) out.push(text(r.string()));
      return { type: 'set', value: sortStrings(out) };
    }
    case 3:
    case 5: {
      const n = r.length();
      const pairs: Array<[Buffer, number]> = [];
      for (let i = 0; i < n; i++) pairs.push([Buffer.from(r.string()), type === 5 ? r.binaryDouble() : r.doubleString()]);
      return { type: 'zset', value: zsetOf(pairs) };
    }
    case 4: {
      const n = r.length();
      const flat: Buffer[] = [];
      for (let i = 0; i < 2 * n; i++) flat.push(r.string());
      return { type: 'hash', value: pairsToObject(flat) };
    }
    case 9:
      return { type: 'hash', value: pairsToObject(decodeZipmap(r.string())) };
    case 10:
      return { type: 'list', value: decodeZiplist(r.string()).map((e) => text(bytesOf(e))) };
    case 11:
      return { type: 'set', value: sortStrings(decodeIntset(r.string()).map((v) => String(v))) };
    case 12:
    case 17: {
      const entries = type === 12 ? decodeZiplist(r.string()) : decodeListpack(r.string());
      const pairs: Array<[Buffer, number]> = [];
      for (let i = 0; i < entries.length; i += 2) {
        const s = bytesOf(entries[i + 1]).toString('latin1');
        pairs.push([bytesOf(entries[i]), s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s)]);
      }
      return { type: 'zset', value: zsetOf(pairs) };
    }
    case 13:
    case 16: {
      const entries = type === 13 ? decodeZiplist(r.string()) : decodeListpack(r.string());
      return { type: 'hash', value: pairsToObject(entries.map(bytesOf)) };
    }
    case 14:
    case 18: {
      const nodes = r.length();
      const out: JsonString[] = [];
      for (let i = 0; i < nodes; i++) {
        const container = type === 18 ? r.length() : 2;
        const blob = r.string();
        if (container === 1) out.push(text(blob)); // QUICKLIST_NODE_CONTAINER_PLAIN
        else for (const e of type === 14 ? decodeZiplist(blob) : decodeListpack(blob)) out.push(text(bytesOf(e)));
      }
      return { type: 'list', value: out };
    }
    default:
      throw new Error(`walker: unsupported object type ${type}`);
  }
}

/** Walks a whole RDB; stops early (returning what it has) at a type listed in `stopAt`. */
function walk(
  file: Buffer,
  stopAt: number[] = [],
): { dbs: Dataset; aux: Record<string, string>; types: Set<number>; complete: boolean } {
  expect(file.subarray(0, 5).toString()).toBe('REDIS');
  const version = Number(file.subarray(5, 9).toString());
  expect(version).toBe(10);
  const r = new RdbReader(file, 9);
  const dbs: Dataset = {};
  const aux: Record<string, string> = {};
  const types = new Set<number>();
  let db = '0';
  let expire: number | null = null;
  for (;;) {
    const op = r.u8();
    if (op === 0xff) {
      // EOF, then the CRC64 of everything before it
      const end = r.pos;
      expect(r.u64le()).toBe(crc64(0n, file, 0, end));
      expect(r.remaining).toBe(0);
      return { dbs, aux, types, complete: true };
    }
    if (op === 0xfa) {
      const k = r.stringLatin1();
      aux[k] = r.stringLatin1();
    } else if (op === 0xfb) {
      r.length();
      r.length();
    } else if (op === 0xfe) {
      db = String(r.length());
    } else if (op === 0xfc) {
      expire = r.millisecondTime();
    } else if (op === 0xfd) {
      expire = r.secondTime() * 1000;
    } else if (op === 0xf8) {
      r.length(); // IDLE
    } else if (op === 0xf9) {
      r.u8(); // FREQ
    } else {
      if (stopAt.includes(op)) return { dbs, aux, types, complete: false };
      types.add(op);
      const name = text(r.string());
      const v = readValue(r, op);
      (dbs[db] ??= {})[key(name)] = { ...v, expireat_ms: expire };
      expire = null;
    }
  }
}

describe('RDB files written by Redis 7.0', () => {
  const want = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'all-types.json'), 'utf8')) as Dataset;

  it('all-types.rdb decodes to exactly all-types.json', () => {
    const { dbs, aux, types } = walk(fs.readFileSync(path.join(FIXTURES, 'all-types.rdb')));
    // string, set, zset2, hash, intset, hash listpack, zset listpack, quicklist 2
    expect([...types].sort((a, b) => a - b)).toEqual([0, 2, 4, 5, 11, 16, 17, 18]);
    expect(aux['redis-ver']).toBe('7.0.15');
    expect(aux['redis-bits']).toBe('64');
    expect(Object.keys(dbs).sort()).toEqual(Object.keys(want).sort());
    for (const db of Object.keys(want)) {
      expect(Object.keys(dbs[db]).sort(), `db ${db}`).toEqual(Object.keys(want[db]).sort());
      for (const k of Object.keys(want[db])) expect(dbs[db][k], `db ${db} key ${k}`).toEqual(want[db][k]);
    }
  });

  it('uncompressed.rdb walks cleanly and agrees with all-types.json on the keys it holds', () => {
    const file = fs.readFileSync(path.join(FIXTURES, 'uncompressed.rdb'));
    const { dbs } = walk(file);
    let n = 0;
    for (const db of Object.keys(dbs)) {
      for (const [k, v] of Object.entries(dbs[db])) {
        if (want[db]?.[k]) {
          expect(v, k).toEqual(want[db][k]);
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(0);
  });

  it('streams-hll.rdb: strings (HLL, bitmap) decode up to the stream, and the checksum holds', () => {
    const file = fs.readFileSync(path.join(FIXTURES, 'streams-hll.rdb'));
    expect(crc64(0n, file, 0, file.length - 8)).toBe(file.readBigUInt64LE(file.length - 8));
    const { dbs } = walk(file, [15, 19, 21]);
    const strings = Object.values(dbs).flatMap((d) => Object.values(d));
    for (const s of strings) expect(s.type).toBe('string');
  });

  it('a truncated or corrupted file fails with an error naming the offset', () => {
    const file = fs.readFileSync(path.join(FIXTURES, 'all-types.rdb'));
    for (const cut of [20, 100, 1000, 5000, file.length - 9]) {
      expect(() => walk(file.subarray(0, cut))).toThrow(/offset \d+/);
    }
  });
});
