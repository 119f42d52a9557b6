/**
 * The list value: a growable ring buffer of latin1 strings. Push and pop at both ends are O(1)
 * amortized, index access is O(1) (better than Redis's quicklist), inserts and removals in the
 * middle move the shorter side. Redis 7.0 encodes every list as a quicklist, whatever its size
 * (the small-list listpack encoding arrived in 7.2), so `encoding` is constant.
 */
import type { CollectionValue } from '../value.js';
import { quicklistNodes } from './quicklist-layout.js';
import { jemallocSize } from './redis-sizes.js';

const MIN_CAPACITY = 8;

export class ListValue implements CollectionValue {
  readonly type = 'list' as const;
  private buf: (string | undefined)[];
  private head = 0;
  private len = 0;
  private mask: number;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.buf = new Array<string | undefined>(cap);
    this.mask = cap - 1;
  }

  /** A list of the given items, in order (the bulk path of loading). */
  static fromArray(items: readonly string[]): ListValue {
    const list = new ListValue(items.length);
    const buf = list.buf;
    for (let i = 0; i < items.length; i++) buf[i] = items[i];
    list.len = items.length;
    return list;
  }

  get encoding(): string {
    return 'quicklist';
  }

  get length(): number {
    return this.len;
  }

  private grow(): void {
    const old = this.buf;
    const cap = old.length * 2;
    const next = new Array<string | undefined>(cap);
    for (let i = 0; i < this.len; i++) next[i] = old[(this.head + i) & this.mask];
    this.buf = next;
    this.head = 0;
    this.mask = cap - 1;
  }

  private maybeShrink(): void {
    const cap = this.buf.length;
    if (cap > 64 && this.len < cap >>> 2) {
      const next = new Array<string | undefined>(cap >>> 1);
      for (let i = 0; i < this.len; i++) next[i] = this.buf[(this.head + i) & this.mask];
      this.buf = next;
      this.head = 0;
      this.mask = next.length - 1;
    }
  }

  pushHead(v: string): void {
    if (this.len === this.buf.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.len++;
  }

  pushTail(v: string): void {
    if (this.len === this.buf.length) this.grow();
    this.buf[(this.head + this.len) & this.mask] = v;
    this.len++;
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    this.maybeShrink();
    return v;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const i = (this.head + this.len - 1) & this.mask;
    const v = this.buf[i];
    this.buf[i] = undefined;
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Element at a 0-based index in [0, length). */
  at(index: number): string {
    return this.buf[(this.head + index) & this.mask] as string;
  }

  setAt(index: number, v: string): void {
    this.buf[(this.head + index) & this.mask] = v;
  }

  /** Inserts v so that it ends up at position index (0..length). */
  insertAt(index: number, v: string): void {
    if (index <= this.len >>> 1) {
      this.pushHead(v);
      for (let i = 0; i < index; i++) this.setAt(i, this.at(i + 1));
      this.setAt(index, v);
    } else {
      this.pushTail(v);
      for (let i = this.len - 1; i > index; i--) this.setAt(i, this.at(i - 1));
      this.setAt(index, v);
    }
  }

  /** Removes the element at index. */
  removeAt(index: number): void {
    if (index < this.len >>> 1) {
      for (let i = index; i > 0; i--) this.setAt(i, this.at(i - 1));
      this.popHead();
    } else {
      for (let i = index; i < this.len - 1; i++) this.setAt(i, this.at(i + 1));
      this.popTail();
    }
  }

  /** Keeps only [start, end] (inclusive, already clamped, start <= end). */
  trim(start: number, end: number): void {
    const n = end - start + 1;
    const next = new ListValue(n);
    for (let i = start; i <= end; i++) next.pushTail(this.at(i));
    this.buf = next.buf;
    this.head = next.head;
    this.len = next.len;
    this.mask = next.mask;
  }

  /** Removes every element for which drop() is true (LREM), in one pass; returns how many. */
  filter(keep: (v: string, i: number) => boolean): number {
    let w = 0;
    const n = this.len;
    for (let r = 0; r < n; r++) {
      const v = this.at(r);
      if (keep(v, r)) {
        if (w !== r) this.setAt(w, v);
        w++;
      }
    }
    for (let i = w; i < n; i++) this.setAt(i, undefined as unknown as string);
    this.len = w;
    this.maybeShrink();
    return n - w;
  }

  range(start: number, end: number): string[] {
    const out: string[] = new Array<string>(end - start + 1);
    for (let i = start; i <= end; i++) out[i - start] = this.at(i);
    return out;
  }

  clone(): ListValue {
    const c = new ListValue(this.len);
    for (let i = 0; i < this.len; i++) c.pushTail(this.at(i));
    return c;
  }

  /**
   * MEMORY USAGE's objectComputeSize, as Redis 7.0 counts a quicklist: robj + quicklist header,
   * plus the average size of the first `samples` nodes (quicklistNode + its listpack allocation)
   * times the number of nodes. Nodes are laid out as pushes fill them under the default fill -2
   * (quicklist-layout.ts); counting them is O(n).
   */
  memoryUsage(samples: number): number {
    if (this.len === 0) return ROBJ + QUICKLIST;
    const nodes = quicklistNodes(this, -2);
    const sampled = Math.max(1, Math.min(samples, nodes.length));
    let sampledSize = 0;
    for (let i = 0; i < sampled; i++) sampledSize += QUICKLIST_NODE + jemallocSize(nodes[i].bytes);
    return ROBJ + QUICKLIST + Math.floor((sampledSize / sampled) * nodes.length);
  }
}

const ROBJ = 16;
const QUICKLIST = 40;
const QUICKLIST_NODE = 40;

