/**
 * The strings and bits families against a real redis-server: the same requests to both, replies
 * compared byte for byte (errors, edge cases, INCRBYFLOAT's long double digits, LCS, BITFIELD),
 * and the keyspace notifications both publish for the whole run. Replies that depend on the
 * time (TTL) are left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectionValue } from '../../src/keyspace/value.js';
import { hasRedis, type RedisOracle, startRedis } from '../helpers/oracle.js';
import { RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const BIN = 'a\x00b\xff\r\n\x80z';
const BIG = 'x'.repeat(300);

/** Commands run in order on both servers (keys are prefixed per group). */
const TABLE: string[][] = [
  // GET / SET and options
  ['GET', 's:nokey'],
  ['SET', 's:a', 'hello'],
  ['GET', 's:a'],
  ['SET', 's:bin', BIN],
  ['GET', 's:bin'],
  ['SET', 's:empty', ''],
  ['GET', 's:empty'],
  ['STRLEN', 's:empty'],
  ['SET', 's:a', 'v', 'NX'],
  ['SET', 's:a', 'v2', 'XX'],
  ['GET', 's:a'],
  ['SET', 's:new', 'v', 'XX'],
  ['SET', 's:new', 'v', 'nx'],
  ['SET', 's:a', 'x', 'NX', 'XX'],
  ['SET', 's:a', 'x', 'XX', 'NX'],
  ['SET', 's:a', 'x', 'GET'],
  ['SET', 's:a', 'y', 'NX', 'GET'],
  ['SET', 's:nx2', 'y', 'NX', 'GET'],
  ['SET', 's:xx2', 'y', 'XX', 'GET'],
  ['GET', 's:xx2'],
  ['SET', 's:a', 'x', 'EX', '100'],
  ['SET', 's:a', 'x', 'PX', '100000'],
  ['SET', 's:a', 'x', 'EX', '100', 'KEEPTTL'],
  ['SET', 's:a', 'x', 'KEEPTTL', 'EX', '100'],
  ['SET', 's:a', 'x', 'KEEPTTL'],
  ['SET', 's:a', 'x', 'EX', '10', 'PX', '100'],
  ['SET', 's:a', 'x', 'EX', '10', 'EX', '20'],
  ['SET', 's:a', 'x', 'EX'],
  ['SET', 's:a', 'x', 'EX', 'abc'],
  ['SET', 's:a', 'x', 'EX', '0'],
  ['SET', 's:a', 'x', 'EX', '-5'],
  ['SET', 's:a', 'x', 'PX', '0'],
  ['SET', 's:a', 'x', 'EX', '9223372036854775807'],
  ['SET', 's:a', 'x', 'EX', '9223372036854775'],
  ['SET', 's:a', 'x', 'PX', '9223372036854775807'],
  ['SET', 's:a', 'x', 'EX', '1.5'],
  ['SET', 's:a', 'x', 'EX', '99999999999999999999'],
  ['SET', 's:a', 'x', 'EXAT', '99999999999'],
  ['SET', 's:a', 'x', 'PXAT', '99999999999999'],
  ['SET', 's:a', 'x', 'PERSIST'],
  ['SET', 's:a', 'x', 'FOO'],
  ['SET', 's:a', 'x', 'GET', 'GET'],
  ['SET', 's:a'],
  ['SET'],
  ['GET'],
  ['GET', 'a', 'b'],
  ['SET', 's:a', 'x', 'get', 'ex', '100', 'xx'],
  ['SET', 's:a', 'x', 'keepttl', 'get'],
  // wrong type (s:hash is a hash: HSET on redis, injected into nodis's keyspace)
  ['GET', 's:hash'],
  ['SET', 's:hash', 'x', 'GET'],
  ['SET', 's:hash', 'x', 'NX'],
  ['SET', 's:hash', 'x', 'NX', 'GET'],
  ['GETSET', 's:hash', 'x'],
  ['GETDEL', 's:hash'],
  ['GETEX', 's:hash'],
  ['GETEX', 's:hash', 'EX', 'abc'],
  ['APPEND', 's:hash', 'x'],
  ['STRLEN', 's:hash'],
  ['INCR', 's:hash'],
  ['INCRBY', 's:hash', 'x'],
  ['INCRBYFLOAT', 's:hash', '1'],
  ['GETRANGE', 's:hash', '0', '1'],
  ['GETRANGE', 's:hash', 'a', '1'],
  ['SETRANGE', 's:hash', '0', 'x'],
  ['SETRANGE', 's:hash', 'x', 'x'],
  ['MGET', 's:hash', 's:a', 's:nokey'],
  ['LCS', 's:hash', 's:a'],
  ['LCS', 's:a', 's:hash', 'BAD'],
  ['SETBIT', 's:hash', '0', '1'],
  ['GETBIT', 's:hash', '0'],
  ['BITCOUNT', 's:hash'],
  ['BITCOUNT', 's:hash', 'x', 'y'],
  ['BITPOS', 's:hash', '1'],
  ['BITPOS', 's:hash', '2'],
  ['BITOP', 'AND', 's:dst', 's:hash'],
  ['BITFIELD', 's:hash', 'GET', 'u8', '0'],
  ['BITFIELD', 's:hash'],
  ['BITFIELD_RO', 's:hash', 'GET', 'u8', '0'],
  ['SETNX', 's:hash', 'x'],
  ['MSETNX', 's:hash', 'x'],
  // SETNX SETEX PSETEX GETSET GETDEL GETEX
  ['SETNX', 's:nx', '1'],
  ['SETNX', 's:nx', '2'],
  ['GET', 's:nx'],
  ['SETNX', 's:nx'],
  ['SETEX', 's:ex', '100', 'v'],
  ['SETEX', 's:ex', '0', 'v'],
  ['SETEX', 's:ex', '-1', 'v'],
  ['SETEX', 's:ex', 'x', 'v'],
  ['SETEX', 's:ex', '100'],
  ['PSETEX', 's:pex', '100000', 'v'],
  ['PSETEX', 's:pex', '0', 'v'],
  ['PSETEX', 's:pex', 'x', 'v'],
  ['GET', 's:pex'],
  ['GETSET', 's:gs', 'one'],
  ['GETSET', 's:gs', 'two'],
  ['GET', 's:gs'],
  ['GETSET', 's:gs'],
  ['GETDEL', 's:gs'],
  ['GETDEL', 's:gs'],
  ['GETDEL', 's:gs', 'x'],
  ['SET', 's:ge', 'val'],
  ['GETEX', 's:ge'],
  ['GETEX', 's:ge', 'EX', '100'],
  ['GETEX', 's:ge', 'PX', '100000'],
  ['GETEX', 's:ge', 'EXAT', '99999999999'],
  ['GETEX', 's:ge', 'PXAT', '99999999999999'],
  ['GETEX', 's:ge', 'PERSIST'],
  ['GETEX', 's:ge', 'PERSIST'],
  ['GETEX', 's:ge', 'EX', '100', 'PERSIST'],
  ['GETEX', 's:ge', 'PERSIST', 'EX', '100'],
  ['GETEX', 's:ge', 'EX'],
  ['GETEX', 's:ge', 'EX', 'x'],
  ['GETEX', 's:ge', 'EX', '0'],
  ['GETEX', 's:ge', 'EX', '-1'],
  ['GETEX', 's:ge', 'NX'],
  ['GETEX', 's:ge', 'KEEPTTL'],
  ['GETEX', 's:ge', 'GET'],
  ['GETEX', 's:ge', 'EX', '10', 'EX', '20'],
  ['GETEX', 's:nokey', 'EX', 'abc'],
  ['GETEX', 's:nokey', 'BADOPT'],
  ['GETEX', 's:ge', 'EXAT', '1'],
  ['GET', 's:ge'],
  ['GETEX'],
  // MGET MSET MSETNX
  ['MSET', 's:m1', '1', 's:m2', '2'],
  ['MGET', 's:m1', 's:m2', 's:nokey', 's:m1'],
  ['MSET', 's:m1', '1', 's:m2'],
  ['MSET', 's:m1'],
  ['MSETNX', 's:m1', 'x', 's:m3', 'y'],
  ['MGET', 's:m3'],
  ['MSETNX', 's:m4', 'x', 's:m5', 'y'],
  ['MSETNX', 's:m6', 'x', 's:m6', 'y'],
  ['GET', 's:m6'],
  ['MSETNX', 's:m7', 'x', 's:m8'],
  ['MGET'],
  // APPEND STRLEN
  ['APPEND', 's:ap', 'abc'],
  ['APPEND', 's:ap', BIN],
  ['APPEND', 's:ap', ''],
  ['GET', 's:ap'],
  ['STRLEN', 's:ap'],
  ['STRLEN', 's:nokey'],
  ['APPEND', 's:ap'],
  ['STRLEN'],
  ['SET', 's:apn', '10'],
  ['APPEND', 's:apn', '5'],
  ['INCR', 's:apn'],
  // counters
  ['INCR', 's:n'],
  ['INCR', 's:n'],
  ['DECR', 's:n'],
  ['DECR', 's:n2'],
  ['INCRBY', 's:n', '100'],
  ['INCRBY', 's:n', '-1000'],
  ['DECRBY', 's:n', '-5'],
  ['DECRBY', 's:n', '5'],
  ['INCRBY', 's:n', 'x'],
  ['INCRBY', 's:n', '1.5'],
  ['INCRBY', 's:n', ''],
  ['INCRBY', 's:n', ' 1'],
  ['INCRBY', 's:n', '+1'],
  ['INCRBY', 's:n', '01'],
  ['INCRBY', 's:n', '9223372036854775808'],
  ['DECRBY', 's:n', '-9223372036854775808'],
  ['DECRBY', 's:nokey2', '9223372036854775807'],
  ['GET', 's:nokey2'],
  ['SET', 's:big', '9223372036854775806'],
  ['INCR', 's:big'],
  ['INCR', 's:big'],
  ['GET', 's:big'],
  ['SET', 's:small', '-9223372036854775807'],
  ['DECR', 's:small'],
  ['DECR', 's:small'],
  ['INCRBY', 's:small', '9223372036854775807'],
  ['INCRBY', 's:small', '9223372036854775807'],
  ['SET', 's:near', '9007199254740991'],
  ['INCR', 's:near'],
  ['INCR', 's:near'],
  ['INCRBY', 's:near', '9007199254740993'],
  ['DECRBY', 's:near', '18014398509481990'],
  ['SET', 's:nn', 'abc'],
  ['INCR', 's:nn'],
  ['SET', 's:nn', ' 1'],
  ['INCR', 's:nn'],
  ['SET', 's:nn', '1 '],
  ['INCR', 's:nn'],
  ['SET', 's:nn', '007'],
  ['INCR', 's:nn'],
  ['SET', 's:nn', '-0'],
  ['INCR', 's:nn'],
  ['SET', 's:nn', '12345678901234567890'],
  ['INCR', 's:nn'],
  ['SET', 's:nn', '1.0'],
  ['INCR', 's:nn'],
  ['SET', 's:nn', '0'],
  ['DECRBY', 's:nn', '0'],
  ['INCR'],
  ['INCRBY', 's:n'],
  // INCRBYFLOAT
  ['SET', 's:f', '10.5'],
  ['INCRBYFLOAT', 's:f', '0.1'],
  ['INCRBYFLOAT', 's:f', '-5.0e3'],
  ['INCRBYFLOAT', 's:f', '1e300'],
  ['INCRBYFLOAT', 's:f', '-1e300'],
  ['INCRBYFLOAT', 's:f2', '3.0e3'],
  ['INCRBYFLOAT', 's:f2', '2.0e2'],
  ['INCRBYFLOAT', 's:f3', '1000.1'],
  ['INCRBYFLOAT', 's:f3', '0.2'],
  ['INCRBYFLOAT', 's:f3', 'abc'],
  ['INCRBYFLOAT', 's:f3', ''],
  ['INCRBYFLOAT', 's:f3', ' 1'],
  ['INCRBYFLOAT', 's:f3', '1 '],
  ['INCRBYFLOAT', 's:f3', 'nan'],
  ['INCRBYFLOAT', 's:f3', 'inf'],
  ['INCRBYFLOAT', 's:f3', '-inf'],
  ['INCRBYFLOAT', 's:f3', '1e5000'],
  ['INCRBYFLOAT', 's:f3', '1e-5000'],
  ['INCRBYFLOAT', 's:f3', '0x10'],
  ['INCRBYFLOAT', 's:f3', '1e4000'],
  ['INCRBYFLOAT', 's:f3', '-1e4000'],
  ['INCRBYFLOAT', 's:f4', '.5'],
  ['INCRBYFLOAT', 's:f4', '5.'],
  ['INCRBYFLOAT', 's:f4', '+1.25'],
  ['INCRBYFLOAT', 's:f4', '-5.75'],
  ['INCRBYFLOAT', 's:f4', '0.000000000000000001'],
  ['INCRBYFLOAT', 's:f5', '1.23456789012345678901234567890'],
  ['INCRBYFLOAT', 's:f5', '-1.23456789012345678901234567890'],
  ['INCRBYFLOAT', 's:f6', '1e17'],
  ['INCRBYFLOAT', 's:f6', '0.3'],
  ['INCRBYFLOAT', 's:f7', '1.7976931348623157e308'],
  ['INCRBYFLOAT', 's:f7', '1.7976931348623157e308'],
  ['SET', 's:f8', 'x'],
  ['INCRBYFLOAT', 's:f8', '1'],
  ['SET', 's:f8', '5'],
  ['INCRBYFLOAT', 's:f8', '2.5\x00junk'],
  ['SET', 's:f9', '9223372036854775807'],
  ['INCRBYFLOAT', 's:f9', '1'],
  ['INCR', 's:f9'],
  ['INCRBYFLOAT', 's:f'],
  // GETRANGE SUBSTR SETRANGE
  ['SET', 's:r', 'Hello World'],
  ['GETRANGE', 's:r', '0', '4'],
  ['GETRANGE', 's:r', '-5', '-1'],
  ['GETRANGE', 's:r', '-1', '-5'],
  ['GETRANGE', 's:r', '5', '3'],
  ['GETRANGE', 's:r', '0', '-1'],
  ['GETRANGE', 's:r', '-100', '100'],
  ['GETRANGE', 's:r', '100', '200'],
  ['GETRANGE', 's:r', '0', '9223372036854775807'],
  ['GETRANGE', 's:r', '-9223372036854775808', '2'],
  ['GETRANGE', 's:r', 'x', '2'],
  ['GETRANGE', 's:r', '0', 'y'],
  ['GETRANGE', 's:nokey', '0', '1'],
  ['GETRANGE', 's:nokey', 'x', '1'],
  ['GETRANGE', 's:empty', '0', '-1'],
  ['GETRANGE', 's:r', '0'],
  ['SUBSTR', 's:r', '1', '3'],
  ['SUBSTR', 's:r', '1'],
  ['SETRANGE', 's:r', '6', 'Redis'],
  ['GET', 's:r'],
  ['SETRANGE', 's:r', '20', 'X'],
  ['GET', 's:r'],
  ['SETRANGE', 's:r', '0', ''],
  ['SETRANGE', 's:sr', '0', ''],
  ['STRLEN', 's:sr'],
  ['SETRANGE', 's:sr', '3', BIN],
  ['GET', 's:sr'],
  ['SETRANGE', 's:sr', '-1', 'x'],
  ['SETRANGE', 's:sr', '-1', ''],
  ['SETRANGE', 's:sr', 'x', 'x'],
  ['SETRANGE', 's:sr', '536870912', 'x'],
  ['SETRANGE', 's:sr', '536870911', ''],
  ['SETRANGE', 's:sr2', '536870911', 'xx'],
  ['SETRANGE', 's:sr', '1'],
  // LCS
  ['SET', 's:l1', 'ohmytext'],
  ['SET', 's:l2', 'mynewtext'],
  ['LCS', 's:l1', 's:l2'],
  ['LCS', 's:l1', 's:l2', 'LEN'],
  ['LCS', 's:l1', 's:l2', 'IDX'],
  ['LCS', 's:l1', 's:l2', 'IDX', 'MINMATCHLEN', '4'],
  ['LCS', 's:l1', 's:l2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
  ['LCS', 's:l1', 's:l2', 'IDX', 'WITHMATCHLEN'],
  ['LCS', 's:l1', 's:l2', 'IDX', 'MINMATCHLEN', '-4'],
  ['LCS', 's:l1', 's:l2', 'IDX', 'MINMATCHLEN', 'x'],
  ['LCS', 's:l1', 's:l2', 'IDX', 'MINMATCHLEN'],
  ['LCS', 's:l1', 's:l2', 'IDX', 'LEN'],
  ['LCS', 's:l1', 's:l2', 'LEN', 'WITHMATCHLEN'],
  ['LCS', 's:l1', 's:l2', 'FOO'],
  ['LCS', 's:l1', 's:nokey'],
  ['LCS', 's:nokey', 's:nokey', 'IDX'],
  ['LCS', 's:l1', 's:l1', 'IDX', 'WITHMATCHLEN'],
  ['SET', 's:l3', 'ABCBDAB'],
  ['SET', 's:l4', 'BDCABA'],
  ['LCS', 's:l3', 's:l4'],
  ['LCS', 's:l3', 's:l4', 'IDX', 'WITHMATCHLEN'],
  ['SET', 's:l5', BIN + BIG],
  ['SET', 's:l6', BIG + BIN],
  ['LCS', 's:l5', 's:l6', 'LEN'],
  ['LCS', 's:l5', 's:l6', 'IDX', 'MINMATCHLEN', '3'],
  ['LCS', 's:l1'],
  // SETBIT GETBIT
  ['SETBIT', 'b:1', '7', '1'],
  ['SETBIT', 'b:1', '7', '1'],
  ['SETBIT', 'b:1', '7', '0'],
  ['SETBIT', 'b:1', '100', '1'],
  ['GET', 'b:1'],
  ['GETBIT', 'b:1', '100'],
  ['GETBIT', 'b:1', '101'],
  ['GETBIT', 'b:1', '100000'],
  ['GETBIT', 'b:nokey', '0'],
  ['SETBIT', 'b:1', '0', '2'],
  ['SETBIT', 'b:1', '0', '-1'],
  ['SETBIT', 'b:1', '0', 'x'],
  ['SETBIT', 'b:1', '0', '01'],
  ['SETBIT', 'b:1', '-1', '1'],
  ['SETBIT', 'b:1', 'x', '1'],
  ['SETBIT', 'b:1', '4294967296', '1'],
  ['SETBIT', 'b:1', '4294967295', 'x'],
  ['SETBIT', 'b:1', '#1', '1'],
  ['GETBIT', 'b:1', '-1'],
  ['GETBIT', 'b:1', '4294967296'],
  ['GETBIT', 'b:1', '#1'],
  ['SETBIT', 'b:new', '3', '0'],
  ['GET', 'b:new'],
  ['SETBIT', 'b:1', '0'],
  ['GETBIT', 'b:1'],
  // BITCOUNT
  ['SET', 'b:c', 'foobar'],
  ['BITCOUNT', 'b:c'],
  ['BITCOUNT', 'b:c', '0', '0'],
  ['BITCOUNT', 'b:c', '1', '1'],
  ['BITCOUNT', 'b:c', '1', '1', 'BYTE'],
  ['BITCOUNT', 'b:c', '5', '30', 'BIT'],
  ['BITCOUNT', 'b:c', '5', '30', 'bit'],
  ['BITCOUNT', 'b:c', '-10', '-1', 'BIT'],
  ['BITCOUNT', 'b:c', '0', '-1'],
  ['BITCOUNT', 'b:c', '-2', '-1'],
  ['BITCOUNT', 'b:c', '-1', '-2'],
  ['BITCOUNT', 'b:c', '3', '1'],
  ['BITCOUNT', 'b:c', '-100', '100'],
  ['BITCOUNT', 'b:c', '7', '7', 'BIT'],
  ['BITCOUNT', 'b:c', '1'],
  ['BITCOUNT', 'b:c', '1', '2', 'FOO'],
  ['BITCOUNT', 'b:c', '1', '2', 'BIT', 'x'],
  ['BITCOUNT', 'b:c', 'x', '2'],
  ['BITCOUNT', 'b:c', '1', 'y'],
  ['BITCOUNT', 'b:nokey'],
  ['BITCOUNT', 'b:nokey', 'x', 'y'],
  ['BITCOUNT', 'b:nokey', '1'],
  ['BITCOUNT', 'b:empty'],
  ['BITCOUNT'],
  // BITPOS
  ['SET', 'b:p', '\xff\xf0\x00'],
  ['BITPOS', 'b:p', '0'],
  ['BITPOS', 'b:p', '1'],
  ['BITPOS', 'b:p', '0', '0'],
  ['BITPOS', 'b:p', '1', '2'],
  ['BITPOS', 'b:p', '1', '2', '-1'],
  ['BITPOS', 'b:p', '0', '0', '0'],
  ['BITPOS', 'b:p', '0', '0', '1'],
  ['BITPOS', 'b:p', '1', '7', '15', 'BIT'],
  ['BITPOS', 'b:p', '0', '7', '15', 'BIT'],
  ['BITPOS', 'b:p', '0', '3', '11', 'BIT'],
  ['BITPOS', 'b:p', '1', '12', '-1', 'BIT'],
  ['BITPOS', 'b:p', '0', '1', '3', 'BIT'],
  ['BITPOS', 'b:p', '1', '-5', '-1', 'BIT'],
  ['BITPOS', 'b:p', '0', '-5', '-1', 'bit'],
  ['BITPOS', 'b:p', '1', '2', '1'],
  ['BITPOS', 'b:p', '1', '0', '0', 'BYTE'],
  ['BITPOS', 'b:p', '1', '0', '0', 'FOO'],
  ['BITPOS', 'b:p', '1', 'x'],
  ['BITPOS', 'b:p', '1', '0', 'y'],
  ['BITPOS', 'b:p', '2'],
  ['BITPOS', 'b:p', 'x'],
  ['BITPOS', 'b:p', '1', '0', '1', 'BIT', 'extra'],
  ['SET', 'b:ones', '\xff\xff'],
  ['BITPOS', 'b:ones', '0'],
  ['BITPOS', 'b:ones', '0', '0'],
  ['BITPOS', 'b:ones', '0', '0', '-1'],
  ['BITPOS', 'b:ones', '0', '1', '14', 'BIT'],
  ['BITPOS', 'b:ones', '0', '3', 'BIT'],
  ['BITPOS', 'b:nokey', '1'],
  ['BITPOS', 'b:nokey', '0'],
  ['BITPOS', 'b:nokey', '0', 'x'],
  ['BITPOS', 'b:empty', '0'],
  ['BITPOS', 'b:empty', '1'],
  ['BITPOS', 'b:p'],
  // BITOP
  ['SET', 'b:o1', 'foobar'],
  ['SET', 'b:o2', 'abcdef\xff'],
  ['BITOP', 'AND', 'b:dest', 'b:o1', 'b:o2'],
  ['GET', 'b:dest'],
  ['BITOP', 'or', 'b:dest', 'b:o1', 'b:o2', 'b:nokey'],
  ['GET', 'b:dest'],
  ['BITOP', 'XOR', 'b:dest', 'b:o1', 'b:o2'],
  ['GET', 'b:dest'],
  ['BITOP', 'NOT', 'b:dest', 'b:o2'],
  ['GET', 'b:dest'],
  ['BITOP', 'NOT', 'b:dest', 'b:o1', 'b:o2'],
  ['BITOP', 'NAND', 'b:dest', 'b:o1'],
  ['BITOP', 'AND', 'b:dest', 'b:nokey', 'b:nokey2'],
  ['STRLEN', 'b:dest'],
  ['BITOP', 'AND', 'b:dest', 'b:nokey'],
  ['BITOP', 'AND', 'b:dest', 'b:o1', 's:hash'],
  ['BITOP', 'AND', 'b:dest'],
  ['BITOP', 'AND', 'b:o1', 'b:o1', 'b:o2'],
  ['GET', 'b:o1'],
  // BITFIELD
  ['BITFIELD', 'b:f', 'SET', 'i8', '0', '100', 'GET', 'i8', '0', 'INCRBY', 'i8', '0', '100'],
  ['BITFIELD', 'b:f', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '100', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '1'],
  ['BITFIELD', 'b:f', 'GET', 'u8', '0', 'GET', 'i4', '4', 'GET', 'u1', '#3'],
  ['BITFIELD', 'b:f', 'SET', 'u8', '#1', '255', 'GET', 'u16', '0', 'GET', 'i16', '0'],
  ['BITFIELD', 'b:f', 'SET', 'u8', '0', '256', 'OVERFLOW', 'SAT', 'SET', 'u8', '8', '300', 'SET', 'u8', '8', '-1'],
  ['BITFIELD', 'b:f', 'OVERFLOW', 'FAIL', 'SET', 'u8', '16', '300', 'SET', 'i8', '16', '-129', 'SET', 'i8', '16', '-128'],
  ['BITFIELD', 'b:f', 'INCRBY', 'u2', '100', '1', 'INCRBY', 'u2', '100', '1', 'INCRBY', 'u2', '100', '1', 'INCRBY', 'u2', '100', '1'],
  ['BITFIELD', 'b:f', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '-5', 'INCRBY', 'u2', '102', '7'],
  ['BITFIELD', 'b:f', 'SET', 'i64', '0', '-9223372036854775808', 'GET', 'i64', '0', 'GET', 'u63', '0', 'GET', 'u63', '1'],
  ['BITFIELD', 'b:f', 'INCRBY', 'i64', '0', '-1', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-1', 'INCRBY', 'i64', '0', '9223372036854775807'],
  ['BITFIELD', 'b:f', 'OVERFLOW', 'WRAP', 'INCRBY', 'i64', '0', '9223372036854775807', 'INCRBY', 'i64', '0', '9223372036854775807'],
  ['BITFIELD', 'b:f', 'SET', 'u63', '3', '9223372036854775807', 'GET', 'u63', '3', 'INCRBY', 'u63', '3', '1'],
  ['BITFIELD', 'b:f', 'OVERFLOW', 'SAT', 'INCRBY', 'u63', '3', '-9223372036854775808', 'INCRBY', 'u8', '3', '-9223372036854775808'],
  ['BITFIELD', 'b:f', 'SET', 'i1', '5', '1', 'GET', 'i1', '5', 'OVERFLOW', 'SAT', 'INCRBY', 'i1', '5', '-3'],
  ['GET', 'b:f'],
  ['BITFIELD', 'b:f', 'GET', 'u64', '0'],
  ['BITFIELD', 'b:f', 'GET', 'i65', '0'],
  ['BITFIELD', 'b:f', 'GET', 'i0', '0'],
  ['BITFIELD', 'b:f', 'GET', 'x8', '0'],
  ['BITFIELD', 'b:f', 'GET', 'u', '0'],
  ['BITFIELD', 'b:f', 'GET', 'u8', '-1'],
  ['BITFIELD', 'b:f', 'GET', 'u8', '#-1'],
  ['BITFIELD', 'b:f', 'GET', 'u8', 'x'],
  ['BITFIELD', 'b:f', 'GET', 'u8', '4294967296'],
  ['BITFIELD', 'b:f', 'GET', 'u8'],
  ['BITFIELD', 'b:f', 'SET', 'u8', '0'],
  ['BITFIELD', 'b:f', 'SET', 'u8', '0', 'x'],
  ['BITFIELD', 'b:f', 'INCRBY', 'u8', '0', '1.5'],
  ['BITFIELD', 'b:f', 'OVERFLOW', 'BAD', 'GET', 'u8', '0'],
  ['BITFIELD', 'b:f', 'OVERFLOW'],
  ['BITFIELD', 'b:f', 'FOO', 'u8', '0'],
  ['BITFIELD', 'b:f', 'GET', 'u8', '0', 'SET', 'x8', '0', '1'],
  ['BITFIELD', 'b:f'],
  ['BITFIELD', 'b:nokey', 'GET', 'u8', '0'],
  ['STRLEN', 'b:nokey'],
  ['BITFIELD', 'b:ff', 'OVERFLOW', 'FAIL', 'SET', 'u2', '20', '7'],
  ['GET', 'b:ff'],
  ['BITFIELD_RO', 'b:f', 'GET', 'u8', '0', 'GET', 'i8', '#1'],
  ['BITFIELD_RO', 'b:f', 'SET', 'u8', '0', '1'],
  ['BITFIELD_RO', 'b:f', 'INCRBY', 'u8', '0', '1'],
  ['BITFIELD_RO', 'b:f', 'OVERFLOW', 'SAT'],
  ['BITFIELD_RO', 'b:f', 'GET', 'x8', '0'],
  ['BITFIELD_RO', 'b:nokey', 'GET', 'u8', '0'],
  ['BITFIELD_RO'],
  ['BITFIELD'],
  // specs
  ['COMMAND', 'INFO', 'get', 'set', 'mset', 'bitop', 'lcs', 'bitfield_ro', 'substr', 'getex', 'incrbyfloat'],
];

describe.skipIf(!hasRedis)('strings oracle', () => {
  let redis: RedisOracle;
  let nodis: TestServer;
  let r: RespConn;
  let n: RespConn;
  let rSub: RespConn;
  let nSub: RespConn;

  beforeAll(async () => {
    [redis, nodis] = await Promise.all([
      startRedis(['--notify-keyspace-events', 'KEg$xnm']),
      startTestServer({ 'notify-keyspace-events': 'KEg$xnm' }),
    ]);
    [r, n, rSub, nSub] = await Promise.all([
      RespConn.connect(redis.port),
      RespConn.connect(nodis.port),
      RespConn.connect(redis.port),
      RespConn.connect(nodis.port),
    ]);
    // a non-string key for the WRONGTYPE paths (nodis has no hashes yet: inject one)
    await r.cmd('HSET', 's:hash', 'f', 'v');
    nodis.core.keyspace.dbs[0].set('s:hash', { type: 'hash' } as CollectionValue);
    await Promise.all([rSub.cmd('PSUBSCRIBE', '__key*__:*'), nSub.cmd('PSUBSCRIBE', '__key*__:*')]);
  });
  afterAll(async () => {
    for (const c of [r, n, rSub, nSub]) c?.close();
    await Promise.all([redis?.close(), nodis?.close()]);
  });

  it('answers the whole table byte for byte', async () => {
    const mismatches: string[] = [];
    for (const argv of TABLE) {
      const [a, b] = await Promise.all([r.cmd(...argv), n.cmd(...argv)]);
      if (a !== b) mismatches.push(`${JSON.stringify(argv)}\n  redis: ${JSON.stringify(a)}\n  nodis: ${JSON.stringify(b)}`);
    }
    expect(mismatches.join('\n')).toBe('');
  });

  it('publishes the same keyspace notifications', async () => {
    // a message on the same pattern, published last, marks the end of the run's notifications
    await Promise.all([r.cmd('PUBLISH', '__keysync__:x', 'sync'), n.cmd('PUBLISH', '__keysync__:x', 'sync')]);
    const wait = async (c: RespConn): Promise<string> => {
      let s = '';
      const deadline = Date.now() + 2000;
      while (!s.includes('__keysync__') && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 20));
        s += c.drain();
      }
      return s;
    };
    const [a, b] = await Promise.all([wait(rSub), wait(nSub)]);
    // "event key" per keyevent message
    const lines = (s: string) =>
      s
        .split('*4\r\n')
        .filter((m) => m.includes('__keyevent@') && !m.includes('sync'))
        .map((m) => {
          const parts = m.split('\r\n');
          return `${parts[5].slice(parts[5].indexOf(':') + 1)} ${parts[7]}`;
        });
    expect(lines(a).length).toBeGreaterThan(150);
    expect(lines(b)).toEqual(lines(a));
  });

  it('treats times already past as Redis 7.0 does (replies only: expiry timing differs)', async () => {
    const rows: string[][] = [
      ['SET', 't:a', 'v', 'EXAT', '1'],
      ['GET', 't:a'],
      ['SET', 't:b', 'v', 'PXAT', '1', 'GET'],
      ['SET', 't:b', 'v', 'PXAT', '1', 'GET'],
      ['SET', 't:c', 'v'],
      ['GETEX', 't:c', 'EXAT', '1'],
      ['EXISTS', 't:c'],
      ['SET', 't:d', 'v'],
      ['GETEX', 't:d', 'PXAT', '1'],
      ['GET', 't:d'],
      ['SET', 't:e', 'v', 'PX', '1'],
      ['SET', 't:e', 'w', 'XX', 'PX', '5'],
    ];
    for (const argv of rows) {
      if (argv[1] === 't:e' && argv[3] === 'XX') await new Promise((res) => setTimeout(res, 10));
      const [a, b] = await Promise.all([r.cmd(...argv), n.cmd(...argv)]);
      expect(b, JSON.stringify(argv)).toBe(a);
    }
  });

  it('answers IDX as a map in RESP3', async () => {
    const [r3, n3] = await Promise.all([RespConn.connect(redis.port), RespConn.connect(nodis.port)]);
    try {
      await Promise.all([r3.cmd('HELLO', '3'), n3.cmd('HELLO', '3')]);
      for (const argv of [
        ['LCS', 's:l1', 's:l2', 'IDX', 'WITHMATCHLEN'],
        ['BITFIELD', 'b:f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
        ['GET', 's:nokey'],
        ['MGET', 's:nokey', 's:l1'],
        ['INCRBYFLOAT', 's:f3', '1.5'],
      ]) {
        const [a, b] = await Promise.all([r3.cmd(...argv), n3.cmd(...argv)]);
        expect(b, JSON.stringify(argv)).toBe(a);
      }
    } finally {
      r3.close();
      n3.close();
    }
  });
});
