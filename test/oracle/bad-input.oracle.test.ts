/**
 * Bad input across the whole command table, against a real redis-server: every command and
 * subcommand nodis implements gets too few and (for exact arities) too many arguments, derived
 * from nodis's own specs; numeric arguments get malformed, float, out-of-range, empty, spaced,
 * exponent and hex forms; containers get unknown subcommands; options get keyword typos.
 * The same bytes go to both servers from the same fresh state (RESET, FLUSHALL, k=v, n=10) and
 * the replies are compared byte for byte; cases whose reply is not a lone error run again in
 * RESP3. One assertion lists every mismatch, grouped by the file that owns the command;
 * deliberate differences live in ALLOWED / ALLOWED_PATTERNS with a reason.
 * Debugging: BAD_INPUT_REPORT=file writes the mismatch list, BAD_INPUT_DUMP=file every case with
 * Redis's reply.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCommandTable } from '../../src/commands/registry.js';
import type { CommandSpec } from '../../src/commands/table.js';
import { hasRedis, type RedisOracle, startRedis } from '../helpers/oracle.js';
import { encodeCommand, RespSession } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const COMMANDS_DIR = path.resolve(here, '../../src/commands');
const DISPATCH = 'src/exec/dispatch.ts';

/** Known, deliberate differences: the case's argv (commands joined by ' ; ', args by ' ') -> reason. */
const ALLOWED: Record<string, string> = {
  'CLIENT TRACKING maybe': 'client-side caching is not in this issue: unknown subcommand',
  'CLIENT CACHING maybe': 'client-side caching is not in this issue: unknown subcommand',
  'CONFIG SET maxmemory-policy allkeys-lfu ; SET f v ; OBJECT FREQ f ; CONFIG SET maxmemory-policy noeviction':
    'no per-key LFU counter in nodis: OBJECT FREQ answers 0',
};
/** The same, for families of cases. */
const ALLOWED_PATTERNS: Array<[RegExp, string]> = [
  [
    /^(SET e 10 ; (APPEND|SETRANGE) e .*|INCRBYFLOAT n 1|SETBIT e 0 1) ; OBJECT ENCODING [en]$/,
    'a value keeps no encoding of its own: nodis derives it from the bytes (Redis: raw after APPEND/SETRANGE/SETBIT, embstr after INCRBYFLOAT)',
  ],
  [
    /^(P?EXPIREAT k|SET k v (EX|PX)AT|GETEX k (EX|PX)AT) \S+ ; P?EXPIRETIME k$/,
    'expiry times are JS numbers (ms): exact up to 2^53 ms (year 287,396), rounded beyond',
  ],
];
function allowed(key: string): boolean {
  return key in ALLOWED || ALLOWED_PATTERNS.some(([re]) => re.test(key.replace(/^\[RESP3\] /, '')));
}

/** Commands never sent: replies inherently differ or the server would go away. */
const SKIP = new Set(['shutdown', 'quit', 'monitor', 'sync', 'psync', 'failover', 'replicaof', 'slaveof']);

/** Integer arguments that Redis's string2ll/strtol checks reject (or that overflow). */
const INT_BAD = ['abc', '1.5', '9223372036854775808', '-9223372036854775809', '', ' 1', '1 ', '1e3', '0x10', '+1', '01', '-0', '1\x00', '\t1', '-'];
/** Long double arguments (INCRBYFLOAT): malformed, spaced, infinite, NaN, overflowing. */
const FLOAT_BAD = ['abc', '', ' 1', '1 ', 'inf', '-inf', 'nan', '1e400', '0x10', '1.5.5', '1e', '9223372036854775808', '1e3', '.5', '5.',
  '1e-400', '1e-5000', '1e5000', '-0.0', '0x1p3', '1\x00', '\t1', 'infinity', '+inf', '1e+3', '+1', '-.5', '0.1e-5'];

/** Integers past 2^53 (a JS number loses them), and the boundaries of Redis's overflow checks. */
const BIG = ['9007199254740993', '-9007199254740993', '4611686018427387904', '9223372036854775807', '-9223372036854775808', '9223372036854775', '9223372036854776'];

interface Case {
  cmds: string[][];
  /** Owner file override (default: the owner of the first command's name). */
  owner?: string;
}

const cases: Case[] = [];
const seen = new Set<string>();
function keyOf(cmds: string[][]): string {
  return cmds.map((c) => c.map((a) => (a === '' ? '""' : /[\s\x00-\x1f\x7f-\xff"]/.test(a) ? JSON.stringify(a) : a)).join(' ')).join(' ; ');
}
function add(...cmds: string[][]): void {
  addOwned(undefined, ...cmds);
}
function addOwned(owner: string | undefined, ...cmds: string[][]): void {
  const k = keyOf(cmds);
  if (seen.has(k)) return;
  seen.add(k);
  cases.push({ cmds, owner });
}
/** One case per form, each replacing the '#' placeholder in argv. */
function forms(argv: string[], values: readonly string[]): void {
  for (const v of values) add(argv.map((a) => (a === '#' ? v : a)));
}

// --- (a), (b), (d): generated from nodis's spec table ---

function filler(spec: CommandSpec, argvIndex: number): string {
  const k = spec.keys;
  if (k && k.first > 0 && argvIndex >= k.first && (k.last < 0 || argvIndex <= k.last)) return 'k';
  return 'x';
}

function arityCases(spec: CommandSpec, prefix: string[]): void {
  const a = spec.arity;
  const n = Math.abs(a);
  // too few: argc n-1 (name(s) included)
  if (n - 1 >= prefix.length && n - 1 >= 1) {
    const argv = prefix.slice(0, n - 1);
    for (let i = argv.length; i < n - 1; i++) argv.push(filler(spec, i));
    add(argv);
  }
  if (a > 0) {
    const argv = [...prefix];
    for (let i = argv.length; i < n + 1; i++) argv.push(filler(spec, i));
    add(argv);
  }
}

function generate(table: Map<string, CommandSpec>): void {
  for (const [name, spec] of table) {
    if (SKIP.has(name)) continue;
    if (spec.subcommandMap) {
      add([name.toUpperCase()]);
      add([name, 'FOO']);
      add([name.toUpperCase(), 'foo', 'bar']);
      add([name[0].toUpperCase() + name.slice(1), '']);
      for (const [subName, sub] of spec.subcommandMap) arityCases(sub, [name.toUpperCase(), subName.toUpperCase()]);
    } else {
      arityCases(spec, [name.toUpperCase()]);
    }
  }
}

// --- (c), (e): hand-written numeric forms and keyword typos ---

function handWritten(): void {
  const expireExtra = ['0', '-1', '9223372036854775807', '-9223372036854775808', '9223372036854776', '9223372036854775'];
  for (const opt of ['EX', 'PX', 'EXAT', 'PXAT']) {
    forms(['SET', 'k', 'v', opt, '#'], [...INT_BAD, ...expireExtra]);
    forms(['GETEX', 'k', opt, '#'], [...INT_BAD, ...expireExtra]);
  }
  forms(['SETEX', 'k', '#', 'v'], [...INT_BAD, ...expireExtra]);
  forms(['PSETEX', 'k', '#', 'v'], [...INT_BAD, ...expireExtra]);
  for (const c of ['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT']) forms([c, 'k', '#'], [...INT_BAD, ...expireExtra]);
  forms(['INCRBY', 'n', '#'], [...INT_BAD, '9223372036854775807', '-9223372036854775808']);
  forms(['DECRBY', 'n', '#'], [...INT_BAD, '9223372036854775807', '-9223372036854775808']);
  forms(['INCRBYFLOAT', 'n', '#'], FLOAT_BAD);
  forms(['INCRBYFLOAT', 'k', '#'], ['1', 'abc']);
  add(['INCRBYFLOAT', 'n', '1.7976931348623157e308'], ['INCRBYFLOAT', 'n', '1.7976931348623157e308']);
  forms(['GETRANGE', 'k', '#', '1'], INT_BAD);
  forms(['GETRANGE', 'k', '0', '#'], INT_BAD);
  forms(['SUBSTR', 'k', '#', '1'], INT_BAD);
  forms(['SETRANGE', 'k', '#', 'v'], [...INT_BAD, '-1', '536870912', '4294967296']);
  forms(['SETBIT', 'k', '#', '1'], [...INT_BAD, '-1', '4294967296']);
  forms(['SETBIT', 'k', '0', '#'], [...INT_BAD, '2', '-1']);
  forms(['GETBIT', 'k', '#'], [...INT_BAD, '-1', '4294967296']);
  forms(['BITCOUNT', 'k', '#', '1'], INT_BAD);
  forms(['BITCOUNT', 'k', '0', '#'], INT_BAD);
  forms(['BITPOS', 'k', '#'], [...INT_BAD, '2', '-1']);
  forms(['BITPOS', 'k', '1', '#'], INT_BAD);
  forms(['BITPOS', 'k', '1', '0', '#'], INT_BAD);
  const INT32 = ['2147483647', '2147483648', '-2147483648', '-2147483649', '4294967296'];
  forms(['SELECT', '#'], [...INT_BAD, ...INT32, '16', '-1']);
  forms(['MOVE', 'k', '#'], [...INT_BAD, ...INT32, '16', '-1', '0']);
  forms(['COPY', 'k', 'k2', 'DB', '#'], [...INT_BAD, ...INT32, '16', '-1']);
  forms(['SWAPDB', '#', '1'], INT32);
  forms(['SWAPDB', '1', '#'], INT32);
  forms(['SCAN', '#', 'MATCH', 'zzz'], [...INT_BAD, '-1', '18446744073709551616', '18446744073709551615']);
  forms(['SCAN', '0', 'COUNT', '#'], [...INT_BAD, '0', '-1']);
  forms(['SLOWLOG', 'GET', '#'], [...INT_BAD, '-2']);
  forms(['CLIENT', 'KILL', 'ID', '#'], [...INT_BAD, '0', '-1']);
  forms(['CLIENT', 'UNBLOCK', '#'], [...INT_BAD, '0', '-1']);
  forms(['CLIENT', 'LIST', 'ID', '#'], INT_BAD.filter((v) => v !== '1 ' && v !== ' 1' && v !== '+1' && v !== '01'));
  forms(['CLIENT', 'PAUSE', '#'], [...INT_BAD, '-1']);
  forms(['SWAPDB', '#', '0'], [...INT_BAD, '16', '-1']);
  forms(['SWAPDB', '0', '#'], [...INT_BAD, '16', '-1']);
  forms(['LCS', 'k', 'n', 'MINMATCHLEN', '#'], INT_BAD);
  forms(['BITFIELD', 'k', 'GET', 'u8', '#'], ['abc', '-1', '#abc', '#-1', '1.5', '', '4294967296', '#', ' 1', '0x10', '1e3']);
  forms(['BITFIELD', 'k', 'GET', '#', '0'], ['u64', 'i65', 'u0', 'i0', 'x8', 'u', 'i', '', 'U8', 'I8', 'u8x', 'u 8', 'i64', 'u63']);
  forms(['BITFIELD', 'k', 'SET', 'u8', '0', '#'], ['abc', '1.5', '9223372036854775808', '', '0x10']);
  forms(['BITFIELD', 'k', 'INCRBY', 'u8', '0', '#'], ['abc', '1.5', '9223372036854775808', '', '0x10']);
  forms(['BITFIELD_RO', 'k', 'GET', 'u8', '#'], ['abc', '-1', '#abc']);
  forms(['HELLO', '#'], [...INT_BAD, '4', '1', '0', '-1']);
  forms(['CONFIG', 'SET', 'hz', '#'], ['abc', '1.5', '9223372036854775808', '', ' 1', '-1']);
  forms(['MEMORY', 'USAGE', 'k', 'SAMPLES', '#'], [...INT_BAD, '-1']);
  forms(['EVAL', 'return 1', '#'], [...INT_BAD, '-1', '2']);
  forms(['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '#'], ['abc', '-1', '2']);
  forms(['EVALSHA', 'fff', '#'], ['abc', '-1', '2']);
  forms(['FCALL', 'f', '#'], ['abc', '-1', '2']);
  forms(['DEBUG', 'SLEEP', '#'], ['abc', '', '-1']); // never a positive time: both would block
  add(['DEBUG', 'SET-ACTIVE-EXPIRE', 'abc'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
  add(['DEBUG', 'FOO']);
  add(['DEBUG', 'foo', 'bar']);
  add(['DEBUG', 'HELP', 'x']);
  add(['DEBUG', 'OBJECT', 'nokey']);
  add(['DEBUG', 'OBJECT']);

  // big integers: valid for Redis's long long, imprecise as a JS number
  for (const c of [
    ['GETRANGE', 'k', '#', '-1'],
    ['GETRANGE', 'k', '0', '#'],
    ['SETRANGE', 'k', '#', 'v'],
    ['SETBIT', 'k', '#', '1'],
    ['GETBIT', 'k', '#'],
    ['BITCOUNT', 'k', '#', '-1'],
    ['BITCOUNT', 'k', '0', '#', 'BIT'],
    ['BITPOS', 'k', '1', '#'],
    ['BITPOS', 'k', '1', '0', '#', 'BIT'],
    ['SCAN', '0', 'MATCH', 'zzz', 'COUNT', '#'],
    ['INCRBY', 'n', '#'],
    ['DECRBY', 'n', '#'],
    ['SELECT', '#'],
    ['MOVE', 'k', '#'],
    ['SWAPDB', '#', '0'],
    ['SWAPDB', '0', '#'],
    ['CLIENT', 'KILL', 'ID', '#'],
    ['CLIENT', 'UNBLOCK', '#'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', '#'],
    ['LCS', 'k', 'n', 'MINMATCHLEN', '#'],
    ['EVAL', 'return 1', '#'],
    ['HELLO', '#'],
    ['BITFIELD', 'k', 'GET', 'u8', '#'],
    ['BITFIELD', 'k', 'INCRBY', 'i64', '0', '#'],
  ]) {
    forms(c, BIG);
  }
  // the stored expiry must be exact (absolute times only: a relative one depends on the clock)
  for (const v of BIG) {
    for (const c of ['EXPIREAT', 'PEXPIREAT']) add([c, 'k', v], ['PEXPIRETIME', 'k']);
    for (const o of ['EXAT', 'PXAT']) add(['SET', 'k', 'v', o, v], ['PEXPIRETIME', 'k']);
    add(['GETEX', 'k', 'PXAT', v], ['PEXPIRETIME', 'k']);
    add(['EXPIREAT', 'k', v], ['EXPIRETIME', 'k']);
  }
  add(['INCRBY', 'n', '9223372036854775797']);
  add(['INCRBY', 'n', '9223372036854775798']);
  add(['DECRBY', 'n', '-9223372036854775797']);
  add(['DECRBY', 'n', '-9223372036854775798']);
  add(['SET', 'n', '-9223372036854775808'], ['DECRBY', 'n', '-1']);
  add(['SET', 'n', '-9223372036854775807'], ['DECRBY', 'n', '1'], ['DECR', 'n']);
  add(['SET', 'n', '9007199254740993'], ['INCR', 'n'], ['INCRBYFLOAT', 'n', '1']);

  // bad numbers stored in the value rather than given as an argument
  for (const v of ['9223372036854775807', '-9223372036854775808', ' 1', '1 ', '01', '+1', '-0', '1e3', '0x10', '1.5', '', 'abc', 'inf', 'nan']) {
    add(['SET', 'n', v], ['INCR', 'n']);
    add(['SET', 'n', v], ['DECR', 'n']);
    add(['SET', 'n', v], ['INCRBYFLOAT', 'n', '1']);
  }
  add(['SETRANGE', 'k', '536870912', '']);
  add(['SETRANGE', 'nokey', '536870912', '']);
  add(['SETRANGE', 'k', '-1', '']);
  add(['GETRANGE', 'k', '0', '9223372036854775807']);
  add(['GETRANGE', 'k', '-9223372036854775808', '-1']);
  add(['BITFIELD', 'k', 'GET', 'u8', '#536870912']);
  add(['BITFIELD', 'k', 'GET', 'u8', '4294967295']);
  add(['BITFIELD', 'k', 'GET', 'u8', '4294967296']);
  add(['BITFIELD', 'k', 'GET', 'i64', '0', 'GET', 'u63', '0', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1000']);
  add(['EXPIRE', 'k', '100', 'GT']);
  add(['EXPIRE', 'nokey', '100']);
  add(['EXPIRE', 'k', '100', 'xx']);

  // empty and missing operands
  add(['APPEND', 'e', ''], ['EXISTS', 'e']);
  add(['SETRANGE', 'e', '0', ''], ['EXISTS', 'e']);
  add(['SETRANGE', 'e', '3', ''], ['EXISTS', 'e']);
  add(['SETBIT', 'e', '0', '0'], ['STRLEN', 'e']);
  add(['SET', 'd', 'x'], ['BITOP', 'AND', 'd', 'nokey'], ['EXISTS', 'd']);
  add(['BITPOS', 'nokey', '1'], ['BITPOS', 'nokey', '0'], ['BITCOUNT', 'nokey']);
  add(['BITCOUNT', 'k', '1', '0'], ['BITCOUNT', 'k', '-1', '-100'], ['GETRANGE', 'k', '1', '0']);
  add(['RENAME', 'k', 'k'], ['RENAMENX', 'k', 'k']);
  add(['MSETNX', 'k', 'x', 'e', 'y'], ['EXISTS', 'e']);
  add(['GETDEL', 'nokey'], ['GETEX', 'nokey', 'EX', '10'], ['GETRANGE', 'nokey', '0', '-1']);
  add(['SET', 'n', '-0.0'], ['INCRBYFLOAT', 'n', '0']);
  add(['SET', 'n', '0.1'], ['INCRBYFLOAT', 'n', '0.2']);
  add(['CLIENT', 'KILL', 'ID', '999999']);
  add(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
  add(['CLIENT', 'KILL', 'TYPE', 'master']);
  add(['CLIENT', 'KILL', 'SKIPME', 'no', 'ID', '999999']);
  add(['CLIENT', 'NO-EVICT', 'on'], ['CLIENT', 'NO-EVICT', 'OFF']);

  // keyword typos and conflicting options
  add(['SET', 'k', 'v', 'EXX', '10']);
  add(['SET', 'k', 'v', 'NX', 'XX']);
  add(['SET', 'k', 'v', 'EX', '10', 'PX', '10']);
  add(['SET', 'k', 'v', 'KEEPTTL', 'EX', '10']);
  add(['SET', 'k', 'v', 'EX']);
  add(['SET', 'k', 'v', 'GET', 'GETX']);
  add(['SET', 'n', 'v', 'NX', 'GET']);
  add(['SET', 'k', 'v', 'EX', '10', 'EX', '10']);
  add(['SET', 'k', 'v', 'NX', 'NX']);
  add(['SET', 'k', 'v', 'GET', 'GET']);
  add(['SET', 'k', 'v', 'KEEPTTL', 'KEEPTTL']);
  add(['SET', 'k', 'v', 'PXAT', '1', 'KEEPTTL']);
  add(['SET', 'k', 'v', 'ex', '10', 'px']);
  add(['SETNX', 'k']);
  add(['GETEX', 'k', 'PERSISTX']);
  add(['GETEX', 'k', 'EX', '10', 'PX', '10']);
  add(['GETEX', 'k', 'PERSIST', 'EX', '10']);
  add(['GETEX', 'k', 'EX']);
  add(['MSET', 'k', 'v', 'k2']);
  add(['MSETNX', 'k', 'v', 'k2']);
  add(['INCR', 'k']);
  add(['DECR', 'k']);
  add(['INCRBY', 'k', '1']);
  add(['INCRBY', 'n', '9223372036854775807']);
  add(['DECRBY', 'n', '-9223372036854775808']);
  add(['LCS', 'k', 'n', 'IDXX']);
  add(['LCS', 'k', 'n', 'LEN', 'IDX']);
  add(['LCS', 'k', 'n', 'MINMATCHLEN']);
  add(['BITCOUNT', 'k', '0', '1', 'BITS']);
  add(['BITCOUNT', 'k', '0', '1', 'BYTE', 'x']);
  add(['BITCOUNT', 'k', '0']);
  add(['BITPOS', 'k', '1', '0', '1', 'BITX']);
  add(['BITPOS', 'k', '1', '0', '1', 'BIT', 'x']);
  add(['BITOP', 'FOO', 'd', 'k']);
  add(['BITOP', 'NOT', 'd', 'k', 'n']);
  add(['BITOP', 'NOT', 'd']);
  add(['BITFIELD', 'k', 'GET', 'u8']);
  add(['BITFIELD', 'k', 'SET', 'u8', '0']);
  add(['BITFIELD', 'k', 'OVERFLOW', 'FOO']);
  add(['BITFIELD', 'k', 'OVERFLOW']);
  add(['BITFIELD', 'k', 'FOO']);
  add(['BITFIELD_RO', 'k', 'SET', 'u8', '0', '1']);
  add(['BITFIELD_RO', 'k', 'INCRBY', 'u8', '0', '1']);
  add(['SETBIT', 'n', '0', '1'], ['GET', 'n']);
  for (const c of ['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT']) {
    add([c, 'k', '100000', 'XY']);
    add([c, 'k', '100000', 'NX', 'XX']);
    add([c, 'k', '100000', 'GT', 'LT']);
    add([c, 'k', '100000', 'NX', 'GT']);
  }
  add(['SCAN', '0', 'MATCHX', 'a']);
  add(['SCAN', '0', 'COUNT']);
  add(['SCAN', '0', 'MATCH']);
  add(['SCAN', '0', 'TYPE']);
  add(['SCAN', '0', 'MATCH', 'zzz', 'TYPE', 'foo']);
  add(['SCAN', '0', 'MATCH', 'zzz', 'FOO', 'bar']);
  add(['COPY', 'k', 'k2', 'REPLACEX']);
  add(['COPY', 'k', 'k2', 'DB']);
  add(['COPY', 'k', 'k']);
  add(['COPY', 'nokey', 'k2', 'DB', '0', 'REPLACE', 'x']);
  add(['RENAME', 'nokey', 'k2']);
  add(['RENAMENX', 'nokey', 'k2']);
  add(['MOVE', 'nokey', '1']);
  add(['KEYS']);
  add(['TYPE']);
  add(['TOUCH']);
  add(['FLUSHALL', 'FOO']);
  add(['FLUSHALL', 'ASYNC', 'SYNC']);
  add(['FLUSHDB', 'X']);
  add(['FLUSHDB', 'ASYNC', 'x']);
  add(['SWAPDB', '0']);
  add(['PING', 'a', 'b']);
  add(['ECHO']);
  add(['ECHO', 'a', 'b']);
  add(['HELLO', '3', 'FOO']);
  add(['HELLO', '3', 'AUTH', 'u']);
  add(['HELLO', '2', 'SETNAME', 'a b']);
  add(['HELLO', '2', 'SETNAME']);
  add(['HELLO', 'FOO']);
  add(['AUTH', 'a']);
  add(['AUTH', 'a', 'b']);
  add(['AUTH', 'a', 'b', 'c']);
  add(['AUTH', 'default', 'x']);
  add(['AUTH', 'DEFAULT', 'x']);
  add(['SELECT']);
  add(['CLIENT', 'LIST', 'TYPE', 'foo']);
  add(['CLIENT', 'LIST', 'TYPE']);
  add(['CLIENT', 'LIST', 'FOO']);
  add(['CLIENT', 'LIST', 'ID']);
  add(['CLIENT', 'KILL', 'FOO', 'bar']);
  add(['CLIENT', 'KILL', 'TYPE', 'foo']);
  add(['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5']);
  add(['CLIENT', 'KILL', '1.2.3.4:5']);
  add(['CLIENT', 'KILL', 'SKIPME', 'maybe']);
  add(['CLIENT', 'KILL', 'ID']);
  add(['CLIENT', 'KILL', 'ID', '999999', 'FOO']);
  add(['CLIENT', 'KILL', 'USER', 'nouser']);
  add(['CLIENT', 'KILL', 'LADDR', '1.2.3.4:5']);
  add(['CLIENT', 'KILL', 'MAXAGE', '10']);
  add(['CLIENT', 'KILL', 'ID', '5', 'ID']);
  add(['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5', 'SKIPME', 'no']);
  add(['CLIENT', 'PAUSE', '10', 'WRITEX']);
  add(['CLIENT', 'PAUSE', 'abc', 'WRITE']);
  add(['CLIENT', 'SETNAME', 'a\x7f']);
  add(['CLIENT', 'SETNAME', '\xe9']);
  add(['CLIENT', 'SETNAME', ''], ['CLIENT', 'GETNAME']);
  add(['CLIENT', 'REPLY', 'MAYBE']);
  add(['CLIENT', 'SETNAME', 'a b']);
  add(['CLIENT', 'SETNAME', 'a\nb']);
  add(['CLIENT', 'NO-EVICT', 'maybe']);
  add(['CLIENT', 'PAUSE', '10', 'FOO']);
  add(['CLIENT', 'UNBLOCK', '999999', 'FOO']);
  add(['CLIENT', 'TRACKING', 'maybe']);
  add(['CLIENT', 'CACHING', 'maybe']);
  add(['CONFIG', 'SET', 'foo', 'bar']);
  add(['CONFIG', 'SET', 'hz']);
  add(['CONFIG', 'SET', 'hz', '10', 'hz', '20']);
  add(['CONFIG', 'SET', 'hz', '10', 'foo']);
  add(['CONFIG', 'SET', 'daemonize', 'yes']);
  add(['CONFIG', 'SET', 'appendonly', 'maybe']);
  add(['CONFIG', 'SET', 'maxmemory-policy', 'foo']);
  add(['CONFIG', 'SET', 'hz', '10']);
  add(['CONFIG', 'SET', 'hz', '10', 'maxmemory-policy', 'foo']);
  add(['CONFIG', 'SET', 'HZ', 'abc']);
  add(['CONFIG', 'SET', 'hz', '11', 'maxmemory-policy', 'foo'], ['CONFIG', 'GET', 'hz']);
  for (const [param, value] of [
    ['save', 'abc'],
    ['save', '100'],
    ['save', '100 abc'],
    ['notify-keyspace-events', 'q'],
    ['dir', '/nonexistent/nodis'],
    ['loglevel', 'foo'],
    ['timeout', '-1'],
    ['maxclients', '0'],
    ['databases', '32'],
    ['port', 'abc'],
    ['slowlog-log-slower-than', 'abc'],
    ['maxmemory', 'abc'],
    ['maxmemory', '1.5'],
    ['maxmemory', '-1'],
    ['maxmemory', '10xb'],
    ['appendfsync', 'sometimes'],
    ['list-max-listpack-size', 'abc'],
    ['client-output-buffer-limit', 'normal 0 0'],
    ['client-output-buffer-limit', 'foo 0 0 0'],
    ['client-output-buffer-limit', 'normal abc 0 0'],
  ]) {
    add(['CONFIG', 'SET', param, value]);
  }
  add(['CONFIG', 'GET']);
  add(['CONFIG', 'GET', 'nosuchparam']);
  add(['OBJECT', 'ENCODING', 'nokey']);
  add(['OBJECT', 'FREQ', 'k']);
  add(['OBJECT', 'FREQ', 'nokey']);
  add(['OBJECT', 'IDLETIME', 'nokey']);
  addOwned(
    'src/commands/object.ts',
    ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
    ['SET', 'f', 'v'],
    ['OBJECT', 'IDLETIME', 'f'],
    ['OBJECT', 'FREQ', 'nokey'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
  );
  addOwned(
    'src/commands/object.ts',
    ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
    ['SET', 'f', 'v'],
    ['OBJECT', 'FREQ', 'f'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
  );
  // which strings count as integers (Redis's string2l) shows in the encoding and shared refcount
  for (const v of [...INT_BAD, ...BIG, '0', '-1', '9999', '10000', 'x'.repeat(44), 'x'.repeat(45), '1'.repeat(20), '-'.repeat(1)]) {
    addOwned('src/commands/object.ts', ['SET', 'e', v], ['OBJECT', 'ENCODING', 'e'], ['OBJECT', 'REFCOUNT', 'e']);
  }
  addOwned('src/commands/object.ts', ['SET', 'e', '10'], ['APPEND', 'e', '1'], ['OBJECT', 'ENCODING', 'e']);
  addOwned('src/commands/object.ts', ['SET', 'e', '10'], ['SETRANGE', 'e', '0', '2'], ['OBJECT', 'ENCODING', 'e']);
  addOwned('src/commands/object.ts', ['INCRBYFLOAT', 'n', '1'], ['OBJECT', 'ENCODING', 'n']);
  addOwned('src/commands/object.ts', ['INCR', 'newkey'], ['OBJECT', 'ENCODING', 'newkey'], ['OBJECT', 'REFCOUNT', 'newkey']);
  addOwned('src/commands/object.ts', ['SETBIT', 'e', '0', '1'], ['OBJECT', 'ENCODING', 'e']);
  addOwned('src/commands/object.ts', ['GETSET', 'e', '12'], ['OBJECT', 'ENCODING', 'e']);
  addOwned('src/commands/object.ts', ['MSET', 'e', '12', 'e2', 'abc'], ['OBJECT', 'ENCODING', 'e'], ['OBJECT', 'ENCODING', 'e2']);
  add(['OBJECT', 'REFCOUNT', 'nokey']);
  add(['MEMORY', 'USAGE', 'k', 'SAMPLESX', '1']);
  add(['MEMORY', 'USAGE', 'k', 'SAMPLES']);
  add(['MEMORY', 'USAGE', 'nokey']);
  // COMMAND's subcommands are dispatched by its handler, not the table: their arities by hand
  add(['COMMAND', 'COUNT', 'x']);
  add(['COMMAND', 'HELP', 'x']);
  add(['COMMAND', 'GETKEYS']);
  add(['COMMAND', 'GETKEYSANDFLAGS']);
  add(['COMMAND', 'FOO']);
  add(['command', 'foo', 'bar']);
  add(['COMMAND', '']);
  add(['COMMAND', 'GETKEYS', 'foo']);
  add(['COMMAND', 'GETKEYS', 'get']);
  add(['COMMAND', 'GETKEYS', 'ping']);
  add(['COMMAND', 'GETKEYS', 'config', 'foo']);
  add(['COMMAND', 'GETKEYSANDFLAGS', 'foo']);
  add(['COMMAND', 'LIST', 'FILTERBY', 'FOO', 'x']);
  add(['COMMAND', 'LIST', 'FILTERBY']);
  add(['COMMAND', 'LIST', 'FOO']);
  add(['COMMAND', 'INFO', 'nosuchcmd']);
  add(['COMMAND', 'COUNT', 'x']);
  add(['PUBSUB', 'NUMPAT', 'x']);
  add(['PUBSUB', 'NUMSUB']);
  add(['PUBSUB', 'CHANNELS', 'a', 'b']);
  add(['PUBLISH', 'c']);
  add(['SCRIPT', 'FLUSH', 'FOO']);
  add(['SCRIPT', 'FLUSH', 'ASYNC', 'SYNC']);
  add(['SCRIPT', 'EXISTS']);
  add(['SCRIPT', 'DEBUG', 'maybe']);
  add(['SCRIPT', 'KILL']);
  add(['FUNCTION', 'FLUSH', 'FOO']);
  add(['FUNCTION', 'LIST', 'WITHCODEX']);
  add(['FUNCTION', 'LIST', 'LIBRARYNAME']);
  add(['FUNCTION', 'DELETE', 'nolib']);
  add(['FUNCTION', 'RESTORE', 'garbage']);
  add(['FUNCTION', 'RESTORE', 'garbage', 'FOO']);
  add(['FUNCTION', 'KILL']);
  add(['FCALL', 'f', '0']);
  add(['FUNCTION', 'LIST']);
  add(['FUNCTION', 'STATS']);
  add(['FUNCTION', 'DUMP']);
  add(['SCRIPT', 'EXISTS', 'a', 'b']);
  add(['PUBSUB', 'NUMSUB', 'a', 'b']);
  add(['PUBSUB', 'SHARDNUMSUB', 'a']);
  add(['PUBSUB', 'CHANNELS', '*']);
  add(['LCS', 'k', 'nokey']);
  add(['LCS', 'k', 'n', 'IDX', 'MINMATCHLEN', '-1', 'WITHMATCHLEN']);
  add(['LATENCY', 'RESET', 'foo']);
  add(['SLOWLOG', 'RESET', 'x']);
  add(['SLOWLOG', 'GET', '1', 'x']);
  add(['LATENCY', 'HISTORY', 'nosuchevent']);
  add(['LATENCY', 'LATEST', 'x']);
  add(['LATENCY', 'GRAPH', 'nosuchevent']);
  add(['INFO', 'a', 'b', 'c', 'nosuchsection']);
  add(['WATCH']);
  add(['UNWATCH', 'x']);

  // transactions: the errors depend on the MULTI state
  add(['MULTI'], ['MULTI']);
  add(['EXEC']);
  add(['DISCARD']);
  add(['MULTI'], ['WATCH', 'k']);
  add(['MULTI'], ['SET', 'k'], ['EXEC']);
  add(['MULTI'], ['NOSUCHCMD'], ['EXEC']);
  add(['MULTI'], ['CONFIG', 'FOO'], ['EXEC']);
  add(['MULTI'], ['SET', 'k', 'v', 'EXX', '1'], ['INCR', 'k'], ['EXEC']);
  add(['MULTI'], ['SUBSCRIBE', 'c'], ['DISCARD']);
  add(['MULTI'], ['MULTI'], ['EXEC']);
  add(['MULTI'], ['EXEC', 'x'], ['EXEC']);
  add(['WATCH', 'k'], ['MULTI'], ['SET', 'k', 'v2'], ['EXEC']);

  // RESP2 subscribed context
  add(['SUBSCRIBE', 'c'], ['GET', 'k']);
  add(['SUBSCRIBE', 'c'], ['PING']);
  add(['SUBSCRIBE', 'c'], ['PING', 'a', 'b']);
  add(['SUBSCRIBE', 'c'], ['NOSUCHCMD']);
  add(['SUBSCRIBE', 'c'], ['SET', 'k']);
  add(['PSUBSCRIBE', 'p*'], ['CONFIG', 'FOO']);
  add(['SUBSCRIBE', 'c'], ['CONFIG', 'GET', 'hz']);
  add(['SUBSCRIBE', 'c'], ['CONFIG', 'FOO']);
  add(['SUBSCRIBE', 'c'], ['MULTI']);
  add(['SUBSCRIBE', 'c'], ['UNSUBSCRIBE', 'x', 'c']);
  add(['SUBSCRIBE', 'c'], ['PUNSUBSCRIBE']);
  add(['SUBSCRIBE', 'c'], ['RESET'], ['GET', 'k']);
  add(['UNSUBSCRIBE']);
  add(['PUNSUBSCRIBE']);

  add(['MULTI'], ['RESET'], ['EXEC']);
  add(['MULTI'], ['HELLO', '4'], ['EXEC']);

  // requirepass: RESET deauthenticates; the checks before NOAUTH, then AUTH's and HELLO's errors
  addOwned(
    'src/commands/client.ts',
    ['CONFIG', 'SET', 'requirepass', 'pw'],
    ['RESET'],
    ['GET', 'k'],
    ['GET'],
    ['NOSUCHCMD', 'a'],
    ['CONFIG', 'FOO'],
    ['HELLO'],
    ['HELLO', '2'],
    ['HELLO', '3', 'AUTH', 'default', 'wrong'],
    ['HELLO', '3', 'AUTH', 'default'],
    ['HELLO', 'abc', 'AUTH', 'default', 'pw'],
    ['AUTH', 'wrong'],
    ['AUTH', 'default', 'wrong'],
    ['AUTH', 'nouser', 'pw'],
    ['AUTH', 'a', 'b', 'c'],
    ['MULTI'],
    ['EXEC'],
    ['AUTH', 'pw'],
    ['CONFIG', 'SET', 'requirepass', ''],
  );

  // dispatch: unknown names, the container|sub form, long arguments in the error text
  add(['FOOBAR']);
  add(['FOOBAR', 'a', 'b']);
  add(['FOOBAR', 'x'.repeat(200)]);
  add(['x'.repeat(200)]);
  add(['FOOBAR', ...Array.from({ length: 30 }, (_, i) => `arg${i}`)]);
  add(['FOOBAR', 'a\r\nb']);
  add(['FOO\r\nBAR']);
  add(['FOO\nBAR', 'x\ny']);
  add(['CONFIG', 'a\r\nb']);
  add(['CONFIG', 'x'.repeat(200)]);
  add(['DEBUG', 'x'.repeat(200)]);
  add(['CONFIG|GET', 'hz']);
  add(['config|get']);
  add(['']);
}

// --- running ---

async function ownerMap(): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for (const f of fs.readdirSync(COMMANDS_DIR).sort()) {
    if (!f.endsWith('.ts') || f.endsWith('.d.ts') || f === 'registry.ts') continue;
    const mod = (await import(path.join(COMMANDS_DIR, f))) as Record<string, unknown>;
    for (const v of Object.values(mod)) {
      if (!Array.isArray(v)) continue;
      for (const s of v) {
        if (s && typeof s === 'object' && typeof (s as CommandSpec).name === 'string' && typeof (s as CommandSpec).run === 'function') {
          owners.set((s as CommandSpec).name, `src/commands/${f}`);
        }
      }
    }
  }
  return owners;
}

const PRELUDE = [['RESET'], ['FLUSHALL'], ['SET', 'k', 'v'], ['SET', 'n', '10']];
const PRELUDE_BYTES = PRELUDE.map(encodeCommand).join('');
const PRELUDE_REPLY = '+RESET\r\n+OK\r\n+OK\r\n+OK\r\n';

class Side {
  private session!: RespSession;
  constructor(private readonly port: number) {}
  async open(): Promise<void> {
    this.session = await RespSession.connect(this.port);
  }
  /**
   * Runs one case from the fresh state (in RESP3 after HELLO 3, whose reply carries the server's
   * id and version, so it is not compared); returns the replies, or a diagnostic. The case's
   * commands go one at a time, each after the previous reply.
   */
  async run(c: Case, resp3 = false): Promise<string> {
    const s = this.session;
    // the first command rides with the prelude, except where Redis refuses a pipeline
    const first = c.cmds[0];
    const pipelined = !resp3 && !(first[0].toUpperCase() === 'SCRIPT' && first[1]?.toUpperCase() === 'DEBUG');
    s.raw.write(pipelined ? PRELUDE_BYTES + encodeCommand(first) : PRELUDE_BYTES);
    const prelude = await s.read(PRELUDE.length, 5000);
    const hello = resp3 ? await s.send(['HELLO', '3'], 1, 5000) : '%';
    if (prelude !== PRELUDE_REPLY || !hello.startsWith('%')) {
      await this.reopen();
      return `<prelude: ${JSON.stringify(prelude + hello)}>`;
    }
    const out: string[] = [];
    for (let i = 0; i < c.cmds.length; i++) {
      const r = i === 0 && pipelined ? await s.read(1, 5000) : await s.send(c.cmds[i], 1, 5000);
      if (r === '') {
        const closed = s.raw.closed;
        await this.reopen();
        out.push(closed ? '<connection closed>' : '<no reply>');
        break;
      }
      out.push(r);
    }
    return out.join('');
  }
  private async reopen(): Promise<void> {
    this.session.close();
    await this.open();
  }
  close(): void {
    this.session.close();
  }
}

function show(s: string): string {
  return JSON.stringify(s.length > 300 ? `${s.slice(0, 300)}...` : s);
}

describe.skipIf(!hasRedis)('bad input: nodis vs redis-server, every command', () => {
  let nodis: TestServer;
  let redis: RedisOracle;
  let a: Side;
  let b: Side;

  beforeAll(async () => {
    [nodis, redis] = await Promise.all([startTestServer({ 'enable-debug-command': 'yes' }), startRedis()]);
    a = new Side(nodis.port);
    b = new Side(redis.port);
    await Promise.all([a.open(), b.open()]);
  });

  afterAll(async () => {
    a?.close();
    b?.close();
    await Promise.all([nodis?.close(), redis?.close()]);
  });

  it('answers bad arguments exactly as Redis does', async () => {
    const table = buildCommandTable();
    const owners = await ownerMap();
    const mismatches = new Map<string, string[]>();
    const note = (owner: string, line: string) => {
      let list = mismatches.get(owner);
      if (list === undefined) mismatches.set(owner, (list = []));
      list.push(line);
    };

    // the command list nodis advertises is the table it dispatches from
    const listed = await (async () => {
      const s = await RespSession.connect(nodis.port);
      const r = await s.send(['COMMAND', 'LIST']);
      s.close();
      return new Set(r.split('\r\n').filter((_, i) => i > 0 && i % 2 === 0));
    })();
    // Redis 7.0 lists subcommands too, as container|sub
    const expected = new Set<string>();
    for (const [name, spec] of table) {
      expected.add(name);
      for (const sub of spec.subcommandMap?.keys() ?? []) expected.add(`${name}|${sub}`);
    }
    // COMMAND dispatches its own subcommands (plain COMMAND is valid), so they are not in the map
    for (const n of listed) if (n.startsWith('command|')) expected.add(n);
    const diff = [...expected].filter((n) => !listed.has(n)).concat([...listed].filter((n) => !expected.has(n)));
    if (diff.length > 0) note('src/commands/command.ts', `COMMAND LIST differs from the table: ${diff.join(', ')}`);

    generate(table);
    handWritten();

    const matchedAllowed: string[] = [];
    const resp3: Case[] = [];
    const compare = async (c: Case, proto3: boolean) => {
      const [mine, theirs] = await Promise.all([a.run(c, proto3), b.run(c, proto3)]);
      // replies that are not a lone error may differ in RESP3 (null, map, double): run those that
      // matched again
      if (!proto3 && mine === theirs && !(c.cmds.length === 1 && theirs.startsWith('-'))) resp3.push(c);
      const key = (proto3 ? '[RESP3] ' : '') + keyOf(c.cmds);
      if (process.env.BAD_INPUT_DUMP) fs.appendFileSync(process.env.BAD_INPUT_DUMP, `${key}\n    ${show(theirs)}\n`);
      if (mine === theirs) {
        if (key in ALLOWED) matchedAllowed.push(key);
        return;
      }
      if (allowed(key)) return;
      const name = c.cmds[0][0].toLowerCase();
      const owner = c.owner ?? (table.has(name) ? (owners.get(name) ?? DISPATCH) : DISPATCH);
      note(owner, `${key}\n      redis: ${show(theirs)}\n      nodis: ${show(mine)}`);
    };
    for (const c of cases) await compare(c, false);
    for (const c of resp3) await compare(c, true);
    if (matchedAllowed.length > 0) console.warn(`allowlisted cases that now match (drop them): ${matchedAllowed.join(' | ')}`);

    const report: string[] = [];
    for (const owner of [...mismatches.keys()].sort()) {
      report.push(`${owner}:`);
      for (const line of mismatches.get(owner)!) report.push(`  ${line}`);
    }
    if (process.env.BAD_INPUT_REPORT) fs.writeFileSync(process.env.BAD_INPUT_REPORT, `${cases.length} cases, ${resp3.length} again in RESP3\n${report.join('\n')}\n`);
    expect(report.join('\n'), `${cases.length} cases, ${resp3.length} again in RESP3`).toBe('');
  });
});
