/**
 * The set value: a DenseSet of latin1 members (O(1) add/remove/has, O(1) uniform random member,
 * a SCAN cursor with Redis's guarantee). Redis 7.0 encodes a set as an intset while every member
 * is a canonical int64 string and there are at most set-max-intset-entries of them, and as a
 * hashtable otherwise (one way: a hashtable never goes back). The commands compute the flag on
 * writes (the value has no access to config). An intset's members come out sorted numerically,
 * as Redis's intset does, so small integer sets reply byte for byte alike.
 */
import type { CollectionValue } from '../value.js';
import { DenseSet } from './dense-map.js';

export class SetValue implements CollectionValue {
  readonly type = 'set' as const;
  readonly dict = new DenseSet();
  /** True while Redis would keep this set as an intset. */
  intset = true;

  constructor(members?: Iterable<string>) {
    if (members !== undefined) for (const m of members) this.dict.add(m);
  }

  get encoding(): string {
    return this.intset ? 'intset' : 'hashtable';
  }

  get size(): number {
    return this.dict.size;
  }

  has(m: string): boolean {
    return this.dict.has(m);
  }

  /** Adds a member; true when it was new. */
  add(m: string): boolean {
    return this.dict.add(m);
  }

  /**
   * Fills an empty set from an array of members (which it takes over), the bulk path of
   * loading. Returns the index of the first repeated member, -1 when all are distinct (on a
   * repeat the set is left partial: the caller discards it).
   */
  initMembers(members: string[]): number {
    return this.dict.initKeys(members);
  }

  /** Removes a member (swap-remove: an intset's order is computed on output anyway). */
  remove(m: string): boolean {
    return this.dict.delete(m);
  }

  /** The members in storage order (not the reply order: see toArray). */
  members(): IterableIterator<string> {
    return this.dict.keys();
  }

  /** Re-evaluates the encoding after additions (intset -> hashtable only). */
  updateEncoding(maxIntsetEntries: number, added?: Iterable<string>): void {
    if (!this.intset) return;
    if (this.dict.size > maxIntsetEntries) {
      this.intset = false;
      return;
    }
    for (const m of added ?? this.dict.keys()) {
      if (!isInt64(m)) {
        this.intset = false;
        return;
      }
    }
  }

  /** The members in reply order: numerically sorted for an intset, storage order otherwise. */
  toArray(): string[] {
    const out = [...this.dict.keys()];
    if (this.intset) out.sort(compareInt);
    return out;
  }

  /** A uniformly random member (the set must not be empty), O(1). */
  random(rand: () => number = Math.random): string {
    return this.dict.keyAt(this.dict.randomSlot(rand));
  }

  clone(): SetValue {
    const c = new SetValue(this.dict.keys());
    c.intset = this.intset;
    return c;
  }

  memoryUsage(samples: number): number {
    const size = this.dict.size;
    if (this.intset) return 16 + 8 * size + 16;
    let bytes = 0;
    const n = Math.min(samples, size);
    for (let i = 0; i < n; i++) bytes += this.dict.keyAt(i).length + 24;
    const avg = n === 0 ? 0 : bytes / n;
    return Math.round(16 + 48 + size * (avg + 8));
  }
}

/** Numeric order of canonical int64 strings (an intset's order). */
export function compareInt(a: string, b: string): number {
  if (a.length < 16 && b.length < 16) return Number(a) - Number(b);
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Redis's string2ll acceptance (what an intset may hold): canonical decimal int64, no '+', no leading zeros. */
export function isInt64(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  if (n === 1) return s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return false;
  for (i++; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  if (n >= 19) {
    const b = BigInt(s);
    return b <= INT64_MAX && b >= INT64_MIN;
  }
  return true;
}
