/**
 * The hash value: a DenseMap of latin1 field -> value (O(1) get/set/delete, O(1) uniform random
 * field, a SCAN cursor with Redis's guarantee). Redis 7.0 keeps a small hash as a listpack
 * (insertion order) while it has at most hash-max-listpack-entries fields and every field and
 * value is at most hash-max-listpack-value bytes, and as a hashtable otherwise (one way). The
 * commands compute the flag on writes (the value has no access to config). While listpack, a
 * delete shifts (keepOrder) so slot order mirrors the listpack's order and small hashes reply
 * byte for byte alike; once hashtable, deletes swap-remove in O(1) (Redis's order is random).
 */
import type { CollectionValue } from '../value.js';
import { DenseMap } from './dense-map.js';

export class HashValue implements CollectionValue {
  readonly type = 'hash' as const;
  readonly dict = new DenseMap<string>();
  /** True while Redis would keep this hash as a listpack. */
  listpack = true;

  constructor(fields?: Iterable<[string, string]>) {
    if (fields !== undefined) for (const [f, v] of fields) this.dict.set(f, v);
  }

  get encoding(): string {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  get size(): number {
    return this.dict.size;
  }

  get(f: string): string | undefined {
    return this.dict.get(f);
  }

  has(f: string): boolean {
    return this.dict.has(f);
  }

  /** Sets a field (an existing field keeps its place); true when it was new. */
  set(f: string, v: string): boolean {
    return this.dict.set(f, v);
  }

  /**
   * Fills an empty hash from parallel arrays of fields and values (which it takes over), the
   * bulk path of loading. Returns the index of the first repeated field, -1 when all are
   * distinct (on a repeat the hash is left partial: the caller discards it).
   */
  initEntries(fields: string[], values: string[]): number {
    return this.dict.initEntries(fields, values);
  }

  remove(f: string): boolean {
    return this.dict.delete(f, this.listpack);
  }

  fields(): IterableIterator<string> {
    return this.dict.keys();
  }

  values(): IterableIterator<string> {
    return this.dict.values();
  }

  entries(): IterableIterator<[string, string]> {
    return this.dict.entries();
  }

  /** Re-evaluates the encoding after a write (listpack -> hashtable only). */
  updateEncoding(maxEntries: number, maxValue: number, written: readonly string[]): void {
    if (!this.listpack) return;
    if (this.dict.size > maxEntries) {
      this.listpack = false;
      return;
    }
    for (const s of written) {
      if (s.length > maxValue) {
        this.listpack = false;
        return;
      }
    }
  }

  clone(): HashValue {
    const c = new HashValue(this.dict.entries());
    c.listpack = this.listpack;
    return c;
  }

  memoryUsage(samples: number): number {
    const size = this.dict.size;
    const n = Math.min(samples, size);
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      bytes += this.dict.keyAt(i).length + this.dict.valueAt(i).length + (this.listpack ? 4 : 48);
    }
    const avg = n === 0 ? 0 : bytes / n;
    return Math.round(16 + (this.listpack ? 8 : 48) + size * (avg + (this.listpack ? 0 : 8)));
  }
}
