/**
 * String ranges (t_string.c): GETRANGE, SUBSTR, SETRANGE, and LCS.
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { isWord, parseInteger } from './args.js';
import type { CommandContext } from './context.js';
import { readValue } from './lookup.js';
import { readString, storeKeepTtl, checkStringLength } from './string-values.js';
import { type CommandSpec, defineCommand } from './table.js';

function getrangeRun(ctx: CommandContext, [key, startArg, endArg]: string[]): Reply {
  let start = parseInteger(startArg);
  let end = parseInteger(endArg);
  const v = readString(ctx, key);
  if (v === undefined) return '';
  const len = v.length;
  if (start < 0 && end < 0 && start > end) return '';
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return '';
  return v.slice(start, end + 1);
}

/** GETRANGE key start end */
export const getrange = defineCommand({
  name: 'getrange',
  arity: 4,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  run: getrangeRun,
});

/** SUBSTR key start end -- the old name of GETRANGE. */
export const substr = defineCommand({
  name: 'substr',
  arity: 4,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  run: getrangeRun,
});

/** SETRANGE key offset value -- the new length; zero-pads as needed. */
export const setrange = defineCommand({
  name: 'setrange',
  arity: 4,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  run(ctx, [key, offsetArg, value]) {
    const offset = parseInteger(offsetArg);
    if (offset < 0) fail(Err.offsetOutOfRange);
    const cur = ctx.db.getString(key);
    if (cur === undefined) {
      if (value.length === 0) return 0;
    } else if (value.length === 0) {
      return cur.length;
    }
    checkStringLength(ctx, offset, value.length);
    const base = cur ?? '';
    let next: string;
    if (offset >= base.length) next = base + '\0'.repeat(offset - base.length) + value;
    else next = base.slice(0, offset) + value + base.slice(offset + value.length);
    storeKeepTtl(ctx, key, next);
    ctx.server.notify('$', 'setrange', key, ctx.db.id);
    ctx.dirty++;
    return next.length;
  },
});

// --- LCS ---

/** LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] -- as Redis's lcsCommand. */
export const lcs = defineCommand({
  name: 'lcs',
  arity: -3,
  flags: ['readonly'],
  keys: { first: 1, last: 2, step: 1 },
  run(ctx, args) {
    const va = readValue(ctx, args[0]);
    const vb = readValue(ctx, args[1]);
    if ((va !== undefined && typeof va !== 'string') || (vb !== undefined && typeof vb !== 'string')) {
      fail(Err.lcsNotStrings);
    }
    const a = va ?? '';
    const b = vb ?? '';
    let getlen = false;
    let getidx = false;
    let withmatchlen = false;
    let minmatchlen = 0;
    for (let j = 2; j < args.length; j++) {
      const moreargs = args.length - 1 - j;
      if (isWord(args[j], 'idx')) getidx = true;
      else if (isWord(args[j], 'len')) getlen = true;
      else if (isWord(args[j], 'withmatchlen')) withmatchlen = true;
      else if (isWord(args[j], 'minmatchlen') && moreargs > 0) {
        minmatchlen = parseInteger(args[++j]);
        if (minmatchlen < 0) minmatchlen = 0;
      } else fail(Err.syntax);
    }
    if (getidx && getlen) fail(Err.lcsIdxAndLen);
    const alen = a.length;
    const blen = b.length;
    const w = blen + 1;
    if ((alen + 1) * w * 4 > ctx.server.config.getNumber('proto-max-bulk-len')) fail(Err.lcsTooBig);
    const t = new Uint32Array((alen + 1) * w);
    for (let i = 1; i <= alen; i++) {
      const ca = a.charCodeAt(i - 1);
      const row = i * w;
      const prev = row - w;
      for (let j = 1; j <= blen; j++) {
        if (ca === b.charCodeAt(j - 1)) t[row + j] = t[prev + j - 1] + 1;
        else {
          const l1 = t[prev + j];
          const l2 = t[row + j - 1];
          t[row + j] = l1 > l2 ? l1 : l2;
        }
      }
    }
    const total = t[alen * w + blen];
    const computelcs = getidx || !getlen;
    if (!computelcs) return total;
    const result: number[] = new Array(total);
    const matches: Reply[] = [];
    let idx = total;
    let arangeStart = alen; // alen: no range open
    let arangeEnd = 0;
    let brangeStart = 0;
    let brangeEnd = 0;
    let i = alen;
    let j = blen;
    while (i > 0 && j > 0) {
      let emit = false;
      if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
        result[idx - 1] = a.charCodeAt(i - 1);
        if (arangeStart === alen) {
          arangeStart = i - 1;
          arangeEnd = i - 1;
          brangeStart = j - 1;
          brangeEnd = j - 1;
        } else if (arangeStart === i && brangeStart === j) {
          arangeStart--;
          brangeStart--;
        } else emit = true;
        if (arangeStart === 0 || brangeStart === 0) emit = true;
        idx--;
        i--;
        j--;
      } else {
        const l1 = t[(i - 1) * w + j];
        const l2 = t[i * w + j - 1];
        if (l1 > l2) i--;
        else j--;
        if (arangeStart !== alen) emit = true;
      }
      const matchLen = arangeEnd - arangeStart + 1;
      if (emit) {
        if (getidx && (minmatchlen === 0 || matchLen >= minmatchlen)) {
          const m: Reply[] = [
            [arangeStart, arangeEnd],
            [brangeStart, brangeEnd],
          ];
          if (withmatchlen) m.push(matchLen);
          matches.push(m);
        }
        arangeStart = alen;
      }
    }
    if (getidx) return Reply.map(['matches', matches, 'len', total]);
    return lcsString(result);
  },
});

function lcsString(codes: number[]): string {
  let s = '';
  for (let k = 0; k < codes.length; k += 8192) s += String.fromCharCode(...codes.slice(k, k + 8192));
  return s;
}

export const stringRangeCommands: CommandSpec[] = [getrange, substr, setrange, lcs];
