/**
 * The hash value: a Map of latin1 field -> value. Redis 7.0 keeps a small hash as a listpack
 * (insertion order) while it has at most hash-max-listpack-entries fields and every field and
 * value is at most hash-max-listpack-value bytes, and as a hashtable otherwise (one way). The
 * commands compute the flag on writes (the value has no access to config); Map insertion order
 * mirrors the listpack's order, so small hashes reply byte for byte alike.
 */
import type { CollectionValue } from '../value.js';

export class HashValue implements CollectionValue {
  readonly type = 'hash' as const;
  readonly fields: Map<string, string>;
  /** True while Redis would keep this hash as a listpack. */
  listpack = true;

  constructor(fields?: Iterable<[string, string]>) {
    this.fields = new Map(fields);
  }

  get encoding(): string {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  get size(): number {
    return this.fields.size;
  }

  get(f: string): string | undefined {
    return this.fields.get(f);
  }

  has(f: string): boolean {
    return this.fields.has(f);
  }

  /** Sets a field; true when it was new. */
  set(f: string, v: string): boolean {
    const before = this.fields.size;
    this.fields.set(f, v);
    return this.fields.size !== before;
  }

  remove(f: string): boolean {
    return this.fields.delete(f);
  }

  /** Re-evaluates the encoding after a write (listpack -> hashtable only). */
  updateEncoding(maxEntries: number, maxValue: number, written: readonly string[]): void {
    if (!this.listpack) return;
    if (this.fields.size > maxEntries) {
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
    const c = new HashValue(this.fields);
    c.listpack = this.listpack;
    return c;
  }

  memoryUsage(samples: number): number {
    let bytes = 0;
    let n = 0;
    for (const [f, v] of this.fields) {
      if (n++ >= samples) break;
      bytes += f.length + v.length + (this.listpack ? 4 : 48);
    }
    const avg = n === 0 ? 0 : bytes / n;
    return Math.round(16 + (this.listpack ? 8 : 48) + this.fields.size * (avg + (this.listpack ? 0 : 8)));
  }
}
