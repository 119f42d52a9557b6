/**
 * The sorted-set value (t_zset.c): a dict member -> score (DenseMap: O(1) lookups, uniform
 * random slots and SCAN cursors) plus a skiplist ordered by (score, member bytes) for ranks and
 * ranges in O(log n + m). Both structures are kept whatever the encoding: Redis's listpack keeps
 * the same (score, member) order, so `listpack` is only the flag OBJECT ENCODING, ZSCAN,
 * ZRANDMEMBER and MEMORY USAGE read. The commands set it (the value has no access to config):
 * one way on writes (updateEncoding), back to listpack only for *STORE results
 * (convertToListpackIfSmall, as zsetConvertToListpackIfNeeded).
 *
 * Range helpers answer rank intervals [lo, hi) (0-based, hi exclusive), so counts are hi - lo
 * and ranges walk from nodeAt(lo):
 * - scoreRanks(range): the ranks whose score is inside a ScoreRange (min/max, each exclusive or not);
 * - lexRanks(range): the ranks whose member is inside a LexRange ('-', '+', '[x', '(x'),
 *   meaningful when all scores are equal, as Redis documents;
 * - lexFirst / lexLast / lexDeleteStart: Redis's own lookups, which the lex commands walk from
 *   (so mixed scores answer as Redis does for a listpack).
 */
import { formatG17 } from '../../util/format-double.js';
import type { CollectionValue } from '../value.js';
import { DenseMap } from './dense-map.js';
import { DictSizeModel } from './dict-size-model.js';
import { SkipList, type SkipNode } from './skiplist.js';
import { jemallocSize, lpEntrySize } from './redis-sizes.js';

export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** A lex bound: '-' (minus infinity), '+' (plus infinity) or a member, inclusive or not. */
export type LexBound = { kind: '-' } | { kind: '+' } | { kind: 'member'; member: string; exclusive: boolean };

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

/** zslLexValueGteMin: member >= (or >) the range's min. */
export function lexGteMin(m: string, r: LexRange): boolean {
  const b = r.min;
  if (b.kind !== 'member') return b.kind === '-';
  return b.exclusive ? m > b.member : m >= b.member;
}

/** zslLexValueLteMax: member <= (or <) the range's max. */
export function lexLteMax(m: string, r: LexRange): boolean {
  const b = r.max;
  if (b.kind !== 'member') return b.kind === '+';
  return b.exclusive ? m < b.member : m <= b.member;
}

/** sdscmplex on two bounds ('-' below everything, '+' above). */
function lexCmp(a: LexBound, b: LexBound): number {
  if (a.kind === b.kind && a.kind !== 'member') return 0;
  if (a.kind === '-' || b.kind === '+') return -1;
  if (a.kind === '+' || b.kind === '-') return 1;
  const am = (a as { member: string }).member;
  const bm = (b as { member: string }).member;
  return am < bm ? -1 : am > bm ? 1 : 0;
}

/** A range no element can be in (min > max, or min == max with an exclusive end). */
function lexEmpty(r: LexRange): boolean {
  const c = lexCmp(r.min, r.max);
  const ex = (b: LexBound) => b.kind !== 'member' || b.exclusive;
  return c > 0 || (c === 0 && (ex(r.min) || ex(r.max)));
}

export class ZSetValue implements CollectionValue {
  readonly type = 'zset' as const;
  readonly dict = new DenseMap<number>();
  readonly zsl = new SkipList();
  private lp = true;
  /** Redis's dict table sizes once a skiplist (MEMORY USAGE). */
  private readonly ht = new DictSizeModel();

  /** True while Redis 7.0 would keep this zset as a listpack. */
  get listpack(): boolean {
    return this.lp;
  }

  /** Setting it false converts (zsetConvert builds the dict from the current members). */
  set listpack(v: boolean) {
    if (v === this.lp) return;
    this.lp = v;
    this.ht.reset();
    if (!v) for (let i = this.dict.size; i > 0; i--) this.ht.add();
  }

  get encoding(): 'listpack' | 'skiplist' {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  get size(): number {
    return this.dict.size;
  }

  score(member: string): number | undefined {
    if (!this.lp) this.ht.find();
    return this.dict.get(member);
  }

  /** Inserts a member or updates its score (re-positioning it); true when it was new. */
  set(member: string, score: number): boolean {
    // a listpack stores an integral score as an integer (double2ll): -0 comes back as 0
    if (this.listpack && score === 0) score = 0;
    const cur = this.dict.get(member); // the caller's score() lookup stands for zsetAdd's dictFind
    if (cur === undefined) {
      if (!this.lp) this.ht.add();
      this.dict.set(member, score);
      this.zsl.insert(score, member);
      return true;
    }
    // as zsetAdd: only a different score counts (so 0 stays 0 when set to -0)
    if (cur !== score) {
      this.dict.set(member, score);
      this.zsl.updateScore(cur, member, score);
    }
    return false;
  }

  /**
   * Fills an empty zset from parallel arrays (which it takes over; the dict keeps their order),
   * the bulk path of loading: the skiplist is built in one pass when they are sorted either way.
   * Returns the index of the first repeated member, -1 when all are distinct (on a repeat the
   * zset is left unusable: the caller discards it). As set(), a listpack turns -0 into 0.
   */
  initEntries(members: string[], scores: number[]): number {
    if (this.dict.size !== 0) throw new Error('ZSetValue.initEntries: not empty');
    const n = members.length;
    if (this.lp) for (let i = 0; i < n; i++) if (scores[i] === 0) scores[i] = 0;
    const dup = this.dict.initEntries(members, scores);
    if (dup !== -1) return dup;
    if (!this.lp) for (let i = 0; i < n; i++) this.ht.add();
    this.zsl.build(scores, members);
    return -1;
  }

  remove(member: string): boolean {
    const cur = this.dict.get(member);
    if (cur === undefined) return false;
    if (!this.lp) this.ht.delete();
    this.dict.delete(member);
    this.zsl.delete(cur, member);
    return true;
  }

  /** 0-based ascending rank, O(log n). */
  rank(member: string): number | undefined {
    const s = this.score(member);
    if (s === undefined) return undefined;
    return this.zsl.rank(s, member);
  }

  /** The node at a 0-based ascending rank (walk on with node.succ / node.backward). */
  nodeAt(rank: number): SkipNode | null {
    return rank < 0 || rank >= this.zsl.length ? null : this.zsl.byRank(rank);
  }

  /**
   * Entries with ascending rank in [start, end] (caller clamps to 0..size-1), ascending, or
   * descending from `end` down to `start` when `reverse`. O(log n + m).
   */
  rangeByRank(start: number, end: number, reverse = false): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    if (start > end) return out;
    let x = this.nodeAt(reverse ? end : start);
    for (let n = end - start + 1; n > 0 && x !== null; n--) {
      out.push([x.member, x.score]);
      x = reverse ? x.backward : x.succ;
    }
    return out;
  }

  /** The ranks [lo, hi) whose scores are inside the range (empty when hi <= lo). O(log n). */
  scoreRanks(r: ScoreRange): [number, number] {
    const lo = this.zsl.countScoreBelow(r.min, r.minex);
    const hi = this.zsl.countScoreBelow(r.max, !r.maxex);
    return [lo, Math.max(lo, hi)];
  }

  /** The ranks [lo, hi) whose members are inside the lex range. O(log n). */
  lexRanks(r: LexRange): [number, number] {
    const lo = this.lexBelow(r.min, true);
    const hi = this.lexBelow(r.max, false);
    return [lo, Math.max(lo, hi)];
  }

  /**
   * zslFirstInLexRange / zzlFirstInLexRange: the rank of the first element of the range as Redis
   * finds it, or -1. Lex ranges assume equal scores; with mixed scores Redis's answer depends on
   * the encoding (a listpack is scanned from the head, a skiplist descended), and so does this.
   */
  lexFirst(r: LexRange): number {
    if (!this.lexMayHit(r)) return -1;
    if (this.listpack) {
      let i = 0;
      for (let x = this.zsl.first(); x !== null; x = x.succ, i++) {
        if (lexGteMin(x.member, r)) return lexLteMax(x.member, r) ? i : -1;
      }
      return -1;
    }
    const rank = this.zsl.countWhile((n) => !lexGteMin(n.member, r));
    const x = this.zsl.byRank(rank);
    return x !== null && lexLteMax(x.member, r) ? rank : -1;
  }

  /** zslLastInLexRange / zzlLastInLexRange: the rank of the last element of the range, or -1. */
  lexLast(r: LexRange): number {
    if (!this.lexMayHit(r)) return -1;
    if (this.listpack) {
      let i = this.size - 1;
      for (let x = this.zsl.tail; x !== null; x = x.backward, i--) {
        if (lexLteMax(x.member, r)) return lexGteMin(x.member, r) ? i : -1;
      }
      return -1;
    }
    const rank = this.zsl.countWhile((n) => lexLteMax(n.member, r)) - 1;
    const x = rank < 0 ? null : this.zsl.byRank(rank);
    return x !== null && lexGteMin(x.member, r) ? rank : -1;
  }

  /** Where ZREMRANGEBYLEX starts: the first in range (listpack), or the descent alone (skiplist). */
  lexDeleteStart(r: LexRange): number {
    if (this.listpack) return this.lexFirst(r);
    return this.zsl.countWhile((n) => !lexGteMin(n.member, r));
  }

  /** zslIsInLexRange: the range is not empty and overlaps [first, last]. */
  private lexMayHit(r: LexRange): boolean {
    const first = this.zsl.first();
    const last = this.zsl.tail;
    if (lexEmpty(r) || first === null || last === null) return false;
    return lexGteMin(last.member, r) && lexLteMax(first.member, r);
  }

  /** Elements before the bound: for a min bound those not >= it, for a max bound those <= it. */
  private lexBelow(b: LexBound, isMin: boolean): number {
    if (b.kind === '-') return 0;
    if (b.kind === '+') return this.zsl.length;
    return this.zsl.countMemberBelow(b.member, isMin ? b.exclusive : !b.exclusive);
  }

  /** Ascending (score, member) order. */
  *entries(): IterableIterator<[string, number]> {
    for (let x = this.zsl.first(); x !== null; x = x.succ) yield [x.member, x.score];
  }

  /** zsetAdd's check before inserting a new member: to skiplist if it would not fit a listpack. */
  beforeInsert(member: string, maxEntries: number, maxValue: number): void {
    if (this.lp && (this.size + 1 > maxEntries || member.length > maxValue)) this.listpack = false;
  }

  /** After a write that added `written` members: listpack -> skiplist when past the limits. */
  updateEncoding(maxEntries: number, maxValue: number, written: Iterable<string>): void {
    if (!this.listpack) return;
    if (this.size > maxEntries) {
      this.listpack = false;
      return;
    }
    for (const m of written) {
      if (m.length > maxValue) {
        this.listpack = false;
        return;
      }
    }
  }

  /** zsetConvertToListpackIfNeeded for *STORE results: back to listpack when small enough. */
  convertToListpackIfSmall(maxEntries: number, maxValue: number): void {
    if (this.listpack || this.size > maxEntries) return;
    for (const m of this.dict.keys()) if (m.length > maxValue) return;
    this.listpack = true;
    for (let x = this.zsl.first(); x !== null; x = x.succ) {
      // in place: set() keeps a -0 it sees as equal to 0, and the order does not change
      if (Object.is(x.score, -0)) {
        x.score = 0;
        this.dict.set(x.member, 0);
      }
    }
  }

  /** How ZSCAN prints a score: a listpack holds integral scores as integers, a skiplist uses d2string. */
  scanScore(score: number): string {
    if (this.listpack && isLong(score)) return BigInt(score).toString();
    return formatG17(score);
  }

  clone(): ZSetValue {
    const c = new ZSetValue();
    for (let x = this.zsl.first(); x !== null; x = x.succ) {
      c.dict.set(x.member, x.score);
      c.zsl.insert(x.score, x.member);
    }
    c.lp = this.lp;
    if (!c.lp) c.ht.presize(c.size);
    return c;
  }

  /**
   * objectComputeSize as Redis 7.0 counts a zset: robj + the listpack allocation (exact: entry
   * encodings as lpInsert picks them, scores as d2string prints them), or robj + zset + zskiplist
   * + dict + bucket array + header node, plus the average of the first `samples` nodes (member
   * sds + dictEntry + node with its levels) times the size.
   */
  memoryUsage(samples: number): number {
    if (this.listpack) {
      let bytes = LP_HEADER + 1;
      for (let x = this.zsl.first(); x !== null; x = x.succ) {
        bytes += lpEntrySize(x.member) + lpEntrySize(isLong(x.score) ? BigInt(x.score).toString() : formatG17(x.score));
      }
      return ROBJ + jemallocSize(bytes);
    }
    // robj + zset + zskiplist + dict (88 bytes in 7.0.15, measured) + buckets + header node
    let size = ROBJ + 16 + 32 + 88 + 8 * this.ht.slots + jemallocSize(24 + 16 * 32);
    let n = 0;
    let ele = 0;
    for (let x = this.zsl.first(); x !== null && n < samples; x = x.succ, n++) {
      ele += sdsAllocSize(x.member.length) + 24 + jemallocSize(24 + 16 * x.level);
    }
    if (n > 0) size += (ele / n) * this.size;
    return Math.floor(size);
  }
}

// --- Redis-like sizes ---

const ROBJ = 16;
const LP_HEADER = 6;

function sdsAllocSize(len: number): number {
  const hdr = len === 0 ? 3 : len < 32 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : 9;
  return jemallocSize(hdr + len + 1);
}

/** double2ll: integral scores within +-LLONG_MAX/2 go into a listpack as integers. */
function isLong(d: number): boolean {
  return Number.isInteger(d) && d >= -4611686018427387904 && d <= 4611686018427387904;
}

