/**
 * Redis's zskiplist (t_zset.c): a skiplist ordered by (score, member bytes) with a span count
 * on every forward link, so rank <-> node is O(log n), and backward pointers on level 0 for
 * reverse walks. P = 0.25, at most 32 levels, as Redis 7.0.
 *
 * Members are latin1 strings (one char per byte), so JS's `<` on them is memcmp: the same
 * order as Redis's sdscmp. Ranks here are 0-based (Redis's zslGetRank is 1-based).
 * The dict (member -> score) lives in ZSetValue; this file only orders.
 *
 * A node keeps its level-0 link in a field (its span is always 1) and the levels above in one
 * interleaved array, allocated only for the one node in four that has them: fewer objects (so
 * less GC work) and fewer cache misses per step on a big list.
 */

export const SKIPLIST_MAXLEVEL = 32;
const SKIPLIST_P = 0.25;

type Link = SkipNode | null | number;

export class SkipNode {
  /** The forward link on level 0 (its span is always 1). */
  n0: SkipNode | null = null;
  /**
   * Levels 1 and up, interleaved: up[2(i-1)] the forward link on level i, up[2(i-1) + 1] how
   * many level-0 steps it covers. Null for a one-level node (three nodes in four): one object
   * per such node.
   */
  up: Link[] | null;
  backward: SkipNode | null = null;

  constructor(
    public member: string,
    public score: number,
    level: number,
  ) {
    if (level === 1) this.up = null;
    else {
      const up = new Array<Link>(2 * (level - 1));
      for (let i = 0; i < up.length; i += 2) {
        up[i] = null;
        up[i + 1] = 0;
      }
      this.up = up;
    }
  }

  get level(): number {
    return this.up === null ? 1 : 1 + (this.up.length >> 1);
  }

  /** The next node (level 0), null at the tail. */
  get succ(): SkipNode | null {
    return this.n0;
  }
}

/** The forward link of x on level i. */
function fwd(x: SkipNode, i: number): SkipNode | null {
  return i === 0 ? x.n0 : (x.up![2 * i - 2] as SkipNode | null);
}

function setFwd(x: SkipNode, i: number, to: SkipNode | null): void {
  if (i === 0) x.n0 = to;
  else x.up![2 * i - 2] = to;
}

/** The span of x's link on level i (1 on level 0). */
function span(x: SkipNode, i: number): number {
  return i === 0 ? 1 : (x.up![2 * i - 1] as number);
}

function setSpan(x: SkipNode, i: number, v: number): void {
  if (i !== 0) x.up![2 * i - 1] = v;
}

/** (score, member) of a strictly before (score2, member2). */
function before(score: number, member: string, score2: number, member2: string): boolean {
  return score < score2 || (score === score2 && member < member2);
}

function randomLevel(rand: () => number): number {
  let level = 1;
  while (rand() < SKIPLIST_P && level < SKIPLIST_MAXLEVEL) level++;
  return level;
}

// Scratch space of insert/delete, shared by every list (single-threaded, never re-entered):
// a small zset then costs no more than its nodes and a one-level header.
const UPDATE: SkipNode[] = new Array<SkipNode>(SKIPLIST_MAXLEVEL);
const RANK: number[] = new Array<number>(SKIPLIST_MAXLEVEL).fill(0);

export class SkipList {
  /** Grows its levels as the list's level grows (Redis allocates all 32 up front). */
  readonly header = new SkipNode('', 0, 2);
  tail: SkipNode | null = null;
  length = 0;
  level = 1;
  private readonly update = UPDATE;
  private readonly rankAt = RANK;

  constructor(private readonly rand: () => number = Math.random) {}

  /** Inserts (score, member); the member must not be present (the dict guarantees it). */
  insert(score: number, member: string): SkipNode {
    const update = this.update;
    const rank = this.rankAt;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let r = i === this.level - 1 ? 0 : rank[i + 1]!;
      let f = fwd(x, i);
      while (f !== null && before(f.score, f.member, score, member)) {
        r += span(x, i);
        x = f;
        f = fwd(x, i);
      }
      rank[i] = r;
      update[i] = x;
    }
    const level = randomLevel(this.rand);
    if (level > this.level) {
      const hup = this.header.up!;
      while (hup.length < 2 * (level - 1)) hup.push(null, 0);
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        setSpan(this.header, i, this.length);
      }
      this.level = level;
    }
    const node = new SkipNode(member, score, level);
    const r0 = rank[0]!;
    for (let i = 0; i < level; i++) {
      const u = update[i]!;
      const crossed = r0 - rank[i]!;
      setFwd(node, i, fwd(u, i));
      setFwd(u, i, node);
      setSpan(node, i, span(u, i) - crossed);
      setSpan(u, i, crossed + 1);
    }
    for (let i = level; i < this.level; i++) {
      const u = update[i]!;
      setSpan(u, i, span(u, i) + 1);
    }
    node.backward = update[0] === this.header ? null : update[0]!;
    const next = node.succ;
    if (next !== null) next.backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  /**
   * Fills an empty list with the elements of parallel arrays (members distinct): in one pass
   * when they come in strictly ascending or descending (score, member) order, as a listpack or
   * a skiplist saved from its tail holds them; by insert otherwise.
   */
  build(scores: readonly number[], members: readonly string[]): void {
    const n = members.length;
    let dir = 1;
    if (n >= 2) {
      dir = before(scores[0]!, members[0]!, scores[1]!, members[1]!) ? 1 : -1;
      for (let i = 1; i < n; i++) {
        const asc = before(scores[i - 1]!, members[i - 1]!, scores[i]!, members[i]!);
        if (asc !== (dir === 1) || (!asc && !before(scores[i]!, members[i]!, scores[i - 1]!, members[i - 1]!))) {
          dir = 0;
          break;
        }
      }
    }
    if (dir === 1) this.buildSorted(scores, members, 0, 1, n);
    else if (dir === -1) this.buildSorted(scores, members, n - 1, -1, n);
    else for (let i = 0; i < n; i++) this.insert(scores[i]!, members[i]!);
  }

  /**
   * Fills an empty list in one pass from elements in strictly ascending (score, member) order
   * (the caller checks it), walking them from index `from` by `step` (+1 or -1), `count` of
   * them. Levels come from the same random process as insert; spans are computed as it goes.
   */
  buildSorted(scores: readonly number[], members: readonly string[], from: number, step: number, count: number): void {
    if (this.length !== 0) throw new Error('SkipList.buildSorted: not empty');
    const last = this.update;
    const lastRank = this.rankAt;
    const header = this.header;
    for (let i = 0; i < SKIPLIST_MAXLEVEL; i++) {
      last[i] = header;
      lastRank[i] = 0;
    }
    let maxLevel = 1;
    let prev: SkipNode | null = null;
    for (let k = 0, j = from; k < count; k++, j += step) {
      const level = randomLevel(this.rand);
      const node = new SkipNode(members[j]!, scores[j]!, level);
      const rank = k + 1;
      if (level > maxLevel) {
        const hup = header.up!;
        while (hup.length < 2 * (level - 1)) hup.push(null, 0);
        maxLevel = level;
      }
      if (prev === null) header.n0 = node;
      else prev.n0 = node;
      for (let i = 1; i < level; i++) {
        const u = last[i]!;
        u.up![2 * i - 2] = node;
        u.up![2 * i - 1] = rank - lastRank[i]!;
        last[i] = node;
        lastRank[i] = rank;
      }
      node.backward = prev;
      prev = node;
    }
    // a link to the end spans the nodes after its source (as insert leaves it)
    for (let i = 1; i < maxLevel; i++) last[i]!.up![2 * i - 1] = count - lastRank[i]!;
    this.tail = prev;
    this.length = count;
    this.level = maxLevel;
  }

  /** Fills `update` with the last node before (score, member) on each level; returns the candidate. */
  private locate(score: number, member: string): SkipNode | null {
    const update = this.update;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = fwd(x, i);
      while (f !== null && before(f.score, f.member, score, member)) {
        x = f;
        f = fwd(x, i);
      }
      update[i] = x;
    }
    return x.succ;
  }

  /** Removes (score, member); false when absent. */
  delete(score: number, member: string): boolean {
    const node = this.locate(score, member);
    if (node === null || node.score !== score || node.member !== member) return false;
    this.unlink(node, this.update);
    return true;
  }

  private unlink(node: SkipNode, update: SkipNode[]): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i]!;
      if (fwd(u, i) === node) {
        setSpan(u, i, span(u, i) + span(node, i) - 1);
        setFwd(u, i, fwd(node, i));
      } else {
        setSpan(u, i, span(u, i) - 1);
      }
    }
    const next = node.succ;
    if (next !== null) next.backward = node.backward;
    else this.tail = node.backward;
    while (this.level > 1 && fwd(this.header, this.level - 1) === null) this.level--;
    this.length--;
  }

  /**
   * Changes a member's score. Like Redis's zslUpdateScore, the node stays in place when the
   * order is unchanged; otherwise it is removed and re-inserted.
   */
  updateScore(curScore: number, member: string, newScore: number): void {
    const node = this.locate(curScore, member);
    if (node === null || node.score !== curScore || node.member !== member) {
      throw new Error('SkipList.updateScore: member not found');
    }
    const prev = node.backward;
    const next = node.succ;
    if (
      (prev === null || before(prev.score, prev.member, newScore, member)) &&
      (next === null || before(newScore, member, next.score, next.member))
    ) {
      node.score = newScore;
      return;
    }
    this.unlink(node, this.update);
    this.insert(newScore, member);
  }

  /** 0-based rank of (score, member), or -1 when absent. */
  rank(score: number, member: string): number {
    let rank = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = fwd(x, i);
      while (f !== null && (f.score < score || (f.score === score && f.member <= member))) {
        rank += span(x, i);
        x = f;
        f = fwd(x, i);
      }
      if (x !== this.header && x.member === member && x.score === score) return rank - 1;
    }
    return -1;
  }

  /** The node at 0-based rank (0 <= rank < length), O(log n). */
  byRank(rank: number): SkipNode | null {
    const target = rank + 1;
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = fwd(x, i);
      while (f !== null && traversed + span(x, i) <= target) {
        traversed += span(x, i);
        x = f;
        f = fwd(x, i);
      }
      if (traversed === target) return x;
    }
    return null;
  }

  /** How many elements have score < s, or score <= s when `orEqual`. O(log n). */
  countScoreBelow(s: number, orEqual: boolean): number {
    let rank = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = fwd(x, i);
      while (f !== null && (f.score < s || (orEqual && f.score === s))) {
        rank += span(x, i);
        x = f;
        f = fwd(x, i);
      }
    }
    return rank;
  }

  /**
   * How many elements have member < m, or member <= m when `orEqual`, descending as Redis's
   * lex-range lookups do (meaningful when all scores are equal, as Redis documents). O(log n).
   */
  countMemberBelow(m: string, orEqual: boolean): number {
    return this.countWhile((f) => f.member < m || (orEqual && f.member === m));
  }

  /**
   * Descends while `pred` holds for the next node (Redis's range lookups): the number of nodes
   * passed, i.e. the rank of the first node where the descent stopped. Exact for a predicate
   * that is monotonic along the list; otherwise as arbitrary as Redis's own descent.
   */
  countWhile(pred: (n: SkipNode) => boolean): number {
    let rank = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = fwd(x, i);
      while (f !== null && pred(f)) {
        rank += span(x, i);
        x = f;
        f = fwd(x, i);
      }
    }
    return rank;
  }

  first(): SkipNode | null {
    return this.header.succ;
  }

  clear(): void {
    this.header.n0 = null;
    this.header.up!.length = 2;
    this.header.up![0] = null;
    this.header.up![1] = 0;
    this.tail = null;
    this.length = 0;
    this.level = 1;
  }
}
