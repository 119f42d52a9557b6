/**
 * Bit commands (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO.
 * Bits are numbered from the most significant bit of byte 0. Strings are latin1 (a char is a
 * byte); a change builds a new string and stores it keeping the key's TTL, as Redis mutates in
 * place. Check order, clamping and replies follow Redis 7.0 exactly (e.g. BITCOUNT looks the
 * key up before parsing its range, so a missing key answers 0 even to bad arguments).
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { isStrictInt, isWord, parseInteger } from './args.js';
import type { CommandContext } from './context.js';
import { MAX_STRING_LENGTH, readString } from './string-values.js';
import { type CommandSpec, defineCommand } from './table.js';

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/** Stores a bit command's result keeping the TTL. */
function store(ctx: CommandContext, key: string, value: string): void {
  ctx.db.set(key, value);
}

/**
 * Redis's getBitOffsetFromArgument: a bit offset, or `#n` (n * bits) for BITFIELD; limited to
 * proto-max-bulk-len bytes.
 */
function parseBitOffset(ctx: CommandContext, arg: string, hash: boolean, bits: number): number {
  const useHash = hash && bits > 0 && arg.charCodeAt(0) === 35; // '#'
  const digits = useHash ? arg.slice(1) : arg;
  if (!isStrictInt(digits)) fail(Err.bitOffset);
  let off = Number(digits);
  if (useHash) off *= bits;
  if (off < 0 || (!ctx.replaying && Math.floor(off / 8) >= ctx.server.config.getNumber('proto-max-bulk-len'))) {
    fail(Err.bitOffset);
  }
  return off;
}

// --- SETBIT / GETBIT ---

/** SETBIT key offset value -- the bit's previous value. */
export const setbit = defineCommand({
  name: 'setbit',
  arity: 4,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key, offsetArg, valueArg]) {
    const offset = parseBitOffset(ctx, offsetArg, false, 0);
    if (valueArg !== '0' && valueArg !== '1') {
      // getLongFromObjectOrReply, then 'on & ~1': both answer the same error
      fail(Err.bitValue);
    }
    const on = valueArg === '1' ? 1 : 0;
    const cur = ctx.db.getString(key);
    const byte = Math.floor(offset / 8);
    if (byte >= MAX_STRING_LENGTH) fail(Err.stringTooLong); // V8's cap, just below 512MB
    const shift = 7 - (offset & 7);
    let grown = false;
    let base: string;
    if (cur === undefined || cur.length <= byte) {
      base = (cur ?? '') + '\0'.repeat(byte + 1 - (cur === undefined ? 0 : cur.length));
      grown = true;
    } else base = cur;
    const byteval = base.charCodeAt(byte);
    const bitval = (byteval >> shift) & 1;
    if (grown || bitval !== on) {
      const nb = (byteval & ~(1 << shift)) | (on << shift);
      store(ctx, key, base.slice(0, byte) + String.fromCharCode(nb) + base.slice(byte + 1));
      ctx.server.notify('$', 'setbit', key, ctx.db.id);
      ctx.dirty++;
    }
    return bitval;
  },
});

/** GETBIT key offset */
export const getbit = defineCommand({
  name: 'getbit',
  arity: 3,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key, offsetArg]) {
    const offset = parseBitOffset(ctx, offsetArg, false, 0);
    const v = readString(ctx, key);
    if (v === undefined) return 0;
    const byte = Math.floor(offset / 8);
    if (byte >= v.length) return 0;
    return (v.charCodeAt(byte) >> (7 - (offset & 7))) & 1;
  },
});

// --- BITCOUNT / BITPOS ---

/**
 * The byte span of a BITCOUNT/BITPOS range, as bitcountCommand and bitposCommand compute it:
 * negative indexes count from the end, then clamp; a BIT range also yields the masks of the bits
 * outside it in its first and last byte. `len` is the string length in bytes.
 */
function byteRange(start: number, end: number, len: number, isbit: boolean): { start: number; end: number; firstMask: number; lastMask: number } {
  const total = isbit ? len * 8 : len;
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  if (!isbit || start > end) return { start, end, firstMask: 0, lastMask: 0 };
  return {
    start: Math.floor(start / 8),
    end: Math.floor(end / 8),
    firstMask: ~((1 << (8 - (start & 7))) - 1) & 0xff,
    lastMask: (1 << (7 - (end & 7))) - 1,
  };
}

/** BITCOUNT key [start end [BYTE | BIT]] */
export const bitcount = defineCommand({
  name: 'bitcount',
  arity: -2,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, args) {
    const p = readString(ctx, args[0]);
    if (p === undefined) return 0;
    const strlen = p.length;
    let start: number;
    let end: number;
    let firstMask = 0;
    let lastMask = 0;
    if (args.length === 3 || args.length === 4) {
      start = parseInteger(args[1]);
      end = parseInteger(args[2]);
      if (start < 0 && end < 0 && start > end) return 0;
      let isbit = false;
      if (args.length === 4) {
        if (isWord(args[3], 'bit')) isbit = true;
        else if (!isWord(args[3], 'byte')) fail(Err.syntax);
      }
      ({ start, end, firstMask, lastMask } = byteRange(start, end, strlen, isbit));
    } else if (args.length === 1) {
      start = 0;
      end = strlen - 1;
    } else fail(Err.syntax);
    if (start > end) return 0;
    let count = 0;
    for (let i = start; i <= end; i++) count += POPCOUNT[p.charCodeAt(i)];
    if (firstMask !== 0) count -= POPCOUNT[p.charCodeAt(start) & firstMask];
    if (lastMask !== 0) count -= POPCOUNT[p.charCodeAt(end) & lastMask];
    return count;
  },
});

/** Redis's redisBitpos over bytes [from, from+count) of s: the first `bit`, else -1 (for 1) or count*8 (for 0). */
function bitposBytes(s: string, from: number, count: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  for (let i = 0; i < count; i++) {
    const c = s.charCodeAt(from + i);
    if (c !== skip) {
      for (let b = 0; b < 8; b++) if (((c >> (7 - b)) & 1) === bit) return i * 8 + b;
    }
  }
  return bit ? -1 : count * 8;
}

function bitposByte(c: number, bit: number): number {
  return bitposBytes(String.fromCharCode(c & 0xff), 0, 1, bit);
}

/** BITPOS key bit [start [end [BYTE | BIT]]] */
export const bitpos = defineCommand({
  name: 'bitpos',
  arity: -3,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, args) {
    const bit = parseInteger(args[1]);
    if (bit !== 0 && bit !== 1) fail(Err.bitArgument);
    const p = readString(ctx, args[0]);
    if (p === undefined) return bit ? -1 : 0;
    const strlen = p.length;
    let start: number;
    let end: number;
    let endGiven = false;
    let firstMask = 0;
    let lastMask = 0;
    if (args.length >= 3 && args.length <= 5) {
      start = parseInteger(args[2]);
      let isbit = false;
      if (args.length === 5) {
        if (isWord(args[4], 'bit')) isbit = true;
        else if (!isWord(args[4], 'byte')) fail(Err.syntax);
      }
      if (args.length >= 4) {
        end = parseInteger(args[3]);
        endGiven = true;
      } else end = isbit ? strlen * 8 + 7 : strlen - 1;
      ({ start, end, firstMask, lastMask } = byteRange(start, end, strlen, isbit));
    } else if (args.length === 2) {
      start = 0;
      end = strlen - 1;
    } else fail(Err.syntax);
    if (start > end) return -1;
    let bytes = end - start + 1;
    let pos: number;
    found: {
      if (firstMask !== 0) {
        let tmp = bit ? p.charCodeAt(start) & ~firstMask : p.charCodeAt(start) | firstMask;
        if (lastMask !== 0 && bytes === 1) tmp = bit ? tmp & ~lastMask : tmp | lastMask;
        pos = bitposByte(tmp, bit);
        if (bytes === 1 || (pos !== -1 && pos !== 8)) break found;
        start++;
        bytes--;
      }
      const curbytes = bytes - (lastMask !== 0 ? 1 : 0);
      if (curbytes > 0) {
        pos = bitposBytes(p, start, curbytes, bit);
        if (bytes === curbytes || (pos !== -1 && pos !== curbytes * 8)) break found;
        start += curbytes;
        bytes -= curbytes;
      }
      const tmp = bit ? p.charCodeAt(end) & ~lastMask : p.charCodeAt(end) | lastMask;
      pos = bitposByte(tmp, bit);
    }
    // with an explicit end, a clear bit "after the range" is no answer
    if (endGiven && bit === 0 && pos === bytes * 8) return -1;
    if (pos !== -1) pos += start * 8;
    return pos;
  },
});

// --- BITOP ---

/** BITOP AND|OR|XOR|NOT destkey key [key ...] -- the result's length. */
export const bitop = defineCommand({
  name: 'bitop',
  arity: -4,
  flags: ['write', 'denyoom'],
  keys: { first: 2, last: -1, step: 1 },
  run(ctx, args) {
    const opname = args[0];
    let op: 'and' | 'or' | 'xor' | 'not';
    if (isWord(opname, 'and')) op = 'and';
    else if (isWord(opname, 'or')) op = 'or';
    else if (isWord(opname, 'xor')) op = 'xor';
    else if (isWord(opname, 'not')) op = 'not';
    else fail(Err.syntax);
    if (op === 'not' && args.length !== 3) fail(Err.bitopNotSingle);
    const db = ctx.db;
    const target = args[1];
    const n = args.length - 2;
    const src: string[] = new Array(n);
    let maxlen = 0;
    for (let j = 0; j < n; j++) {
      const v = readString(ctx, args[j + 2]);
      src[j] = v ?? '';
      if (src[j].length > maxlen) maxlen = src[j].length;
    }
    if (db.expires.size !== 0) db.get(target); // lazy expiry first, as setKey/dbDelete see it
    if (maxlen > 0) {
      const res = Buffer.allocUnsafe(maxlen);
      const s0 = src[0];
      for (let j = 0; j < maxlen; j++) {
        let out = j < s0.length ? s0.charCodeAt(j) : 0;
        if (op === 'not') out = ~out & 0xff;
        for (let i = 1; i < n; i++) {
          const s = src[i];
          const b = j < s.length ? s.charCodeAt(j) : 0;
          if (op === 'and') {
            out &= b;
            if (out === 0) break;
          } else if (op === 'or') {
            out |= b;
            if (out === 0xff) break;
          } else out ^= b;
        }
        res[j] = out;
      }
      db.overwrite(target, res.toString('latin1'));
      ctx.server.notify('$', 'set', target, db.id);
      ctx.dirty++;
    } else {
      if (db.delete(target)) {
        ctx.server.notify('g', 'del', target, db.id);
        ctx.dirty++;
      }
    }
    return maxlen;
  },
});

// --- BITFIELD ---

const OW_WRAP = 0;
const OW_SAT = 1;
const OW_FAIL = 2;

interface BitfieldOp {
  get: boolean;
  incr: boolean;
  offset: number;
  value: bigint;
  owtype: number;
  bits: number;
  signed: boolean;
}

/** getBitfieldTypeFromArgument: i1..i64, u1..u63. */
function parseBitfieldType(arg: string): { signed: boolean; bits: number } {
  const c = arg.charCodeAt(0);
  let signed: boolean;
  // lowercase only, as Redis's getBitfieldTypeFromArgument
  if (c === 105) signed = true;
  else if (c === 117) signed = false;
  else fail(Err.bitfieldType);
  const rest = arg.slice(1);
  if (!isStrictInt(rest)) fail(Err.bitfieldType);
  const bits = Number(rest);
  if (bits < 1 || (signed && bits > 64) || (!signed && bits > 63)) fail(Err.bitfieldType);
  return { signed, bits };
}

function byteAt(s: string | Buffer, i: number): number {
  if (typeof s === 'string') return i < s.length ? s.charCodeAt(i) : 0;
  return i < s.length ? s[i] : 0;
}

/** The unsigned value of `bits` bits at bit offset `off` (zero past the end). */
function readBits(s: string | Buffer, off: number, bits: number): bigint {
  let v = 0n;
  let i = 0;
  // whole bytes when aligned, else bit by bit
  while (i < bits) {
    const p = off + i;
    if ((p & 7) === 0 && bits - i >= 8) {
      v = (v << 8n) | BigInt(byteAt(s, p / 8));
      i += 8;
    } else {
      v = (v << 1n) | BigInt((byteAt(s, Math.floor(p / 8)) >> (7 - (p & 7))) & 1);
      i++;
    }
  }
  return v;
}

function writeBits(buf: Buffer, off: number, bits: number, value: bigint): void {
  const v = BigInt.asUintN(bits, value);
  for (let i = 0; i < bits; i++) {
    const p = off + i;
    const bit = Number((v >> BigInt(bits - 1 - i)) & 1n);
    const byte = Math.floor(p / 8);
    const mask = 1 << (7 - (p & 7));
    buf[byte] = bit ? buf[byte] | mask : buf[byte] & ~mask;
  }
}

const I64_MAX = (1n << 63n) - 1n;

/** checkUnsignedBitfieldOverflow with C's 64-bit wrapping: [overflowed, limit]. */
function unsignedOverflow(value: bigint, incr: bigint, bits: number, owtype: number): [boolean, bigint] {
  const max = (1n << BigInt(bits)) - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, -value);
  const wrap = (): bigint => BigInt.asUintN(64, value + incr) & max;
  if (value > max || (incr > 0n && incr > maxincr)) return [true, owtype === OW_WRAP ? wrap() : max];
  if (incr < 0n && incr < minincr) return [true, owtype === OW_WRAP ? wrap() : 0n];
  return [false, 0n];
}

/** checkSignedBitfieldOverflow with C's 64-bit wrapping: [overflowed, limit]. */
function signedOverflow(value: bigint, incr: bigint, bits: number, owtype: number): [boolean, bigint] {
  const max = bits === 64 ? I64_MAX : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, min - value);
  const wrap = (): bigint => BigInt.asIntN(bits, value + incr);
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) {
    return [true, owtype === OW_WRAP ? wrap() : max];
  }
  if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) {
    return [true, owtype === OW_WRAP ? wrap() : min];
  }
  return [false, 0n];
}

function intReply(v: bigint): Reply {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

function bitfieldGeneric(ctx: CommandContext, args: string[], readonlyCmd: boolean): Reply {
  const key = args[0];
  const ops: BitfieldOp[] = [];
  let owtype = OW_WRAP;
  let readonly = true;
  let highestWrite = 0;
  for (let j = 1; j < args.length; j++) {
    const remargs = args.length - j - 1;
    const sub = args[j];
    let get = false;
    let incr = false;
    if (isWord(sub, 'get') && remargs >= 2) get = true;
    else if (isWord(sub, 'set') && remargs >= 3) incr = false;
    else if (isWord(sub, 'incrby') && remargs >= 3) incr = true;
    else if (isWord(sub, 'overflow') && remargs >= 1) {
      const t = args[++j];
      if (isWord(t, 'wrap')) owtype = OW_WRAP;
      else if (isWord(t, 'sat')) owtype = OW_SAT;
      else if (isWord(t, 'fail')) owtype = OW_FAIL;
      else fail(Err.bitfieldOverflowType);
      continue;
    } else fail(Err.syntax);
    const { signed, bits } = parseBitfieldType(args[j + 1]);
    const offset = parseBitOffset(ctx, args[j + 2], true, bits);
    let value = 0n;
    if (!get) {
      readonly = false;
      if (highestWrite < offset + bits - 1) highestWrite = offset + bits - 1;
      if (!isStrictInt(args[j + 3])) fail(Err.notInteger);
      value = BigInt(args[j + 3]);
    }
    ops.push({ get, incr, offset, value, owtype, bits, signed });
    j += get ? 2 : 3;
  }
  const db = ctx.db;
  let src: string | undefined;
  let buf: Buffer | null = null;
  let grown = false;
  if (readonly) {
    src = readString(ctx, key);
  } else {
    if (readonlyCmd) fail(Err.bitfieldRoOnlyGet);
    src = db.getString(key);
    const need = Math.floor(highestWrite / 8) + 1;
    if (need > MAX_STRING_LENGTH) fail(Err.stringTooLong); // V8's cap, just below 512MB
    const cur = src ?? '';
    grown = src === undefined || need > cur.length;
    buf = Buffer.alloc(Math.max(need, cur.length));
    buf.write(cur, 0, 'latin1');
  }
  const out: Reply[] = [];
  let changes = 0;
  for (const op of ops) {
    if (op.get) {
      const from: string | Buffer = buf ?? src ?? '';
      let v = readBits(from, op.offset, op.bits);
      if (op.signed) v = BigInt.asIntN(op.bits, v);
      out.push(intReply(v));
      continue;
    }
    const b = buf!;
    let oldval = readBits(b, op.offset, op.bits);
    let newval: bigint;
    let retval: bigint;
    let overflow: boolean;
    let limit: bigint;
    if (op.signed) {
      oldval = BigInt.asIntN(op.bits, oldval);
      if (op.incr) {
        [overflow, limit] = signedOverflow(oldval, op.value, op.bits, op.owtype);
        newval = overflow ? limit : oldval + op.value;
        retval = newval;
      } else {
        newval = op.value;
        [overflow, limit] = signedOverflow(newval, 0n, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = oldval;
      }
    } else {
      if (op.incr) {
        newval = oldval + op.value;
        [overflow, limit] = unsignedOverflow(oldval, op.value, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = newval;
      } else {
        newval = BigInt.asUintN(64, op.value);
        [overflow, limit] = unsignedOverflow(newval, 0n, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = oldval;
      }
    }
    if (!(overflow && op.owtype === OW_FAIL)) {
      out.push(intReply(retval));
      writeBits(b, op.offset, op.bits, newval);
      // counted (notified, propagated) only when the key was created or grown, or the value changed
      if (grown || oldval !== newval) changes++;
    } else out.push(null); // FAIL: nothing written, nothing counted
  }
  let stored = false;
  if (buf !== null) {
    const next = buf.toString('latin1');
    if (src === undefined || next !== src) {
      store(ctx, key, next);
      stored = true;
    }
  }
  if (changes > 0) {
    if (!stored) db.willModify(key); // changed and changed back: still a modification for WATCH
    ctx.server.notify('$', 'setbit', key, db.id);
    ctx.dirty += changes;
  }
  return out;
}

/** BITFIELD key [GET enc off | SET enc off val | INCRBY enc off incr | OVERFLOW WRAP|SAT|FAIL] ... */
export const bitfield = defineCommand({
  name: 'bitfield',
  arity: -2,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, args) {
    return bitfieldGeneric(ctx, args, false);
  },
});

/** BITFIELD_RO key [GET enc off] ... */
export const bitfieldRo = defineCommand({
  name: 'bitfield_ro',
  arity: -2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, args) {
    return bitfieldGeneric(ctx, args, true);
  },
});

export const bitCommands: CommandSpec[] = [setbit, getbit, bitcount, bitpos, bitop, bitfield, bitfieldRo];
