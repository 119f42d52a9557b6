/**
 * A model of the bucket-array sizes of a Redis 7.0 dict (dict.c), for MEMORY USAGE only:
 * MEMORY USAGE counts 8 bytes per slot of both tables while an incremental rehash runs, and a
 * collection's dict is rehashed one bucket per operation on it (no cron does it), so a dict
 * that just grew keeps both tables for a while. The model follows the rules: expand to the
 * next power of two >= used + 1 when used >= size (not while rehashing); shrink (htNeedsResize,
 * as zsetDel does) when under 10% full; a rehash step per add/find/delete moves one non-empty
 * bucket, and a table of b buckets holding u entries has about b(1 - e^(-u/b)) of them.
 */
const INITIAL = 4;

function nextPow2(n: number): number {
  let s = INITIAL;
  while (s < n) s *= 2;
  return s;
}

function nonEmptyBuckets(buckets: number, used: number): number {
  return Math.max(1, Math.round(buckets * (1 - Math.exp(-used / buckets))));
}

export class DictSizeModel {
  private size = 0;
  /** The old table's size while rehashing, else 0. */
  private old = 0;
  private left = 0;
  private used = 0;

  /** Starts from an empty dict (a conversion builds a fresh one). */
  reset(): void {
    this.size = 0;
    this.old = 0;
    this.left = 0;
    this.used = 0;
  }

  /** A dict created with dictExpand(n) and filled with n entries (zsetDup for COPY). */
  presize(n: number): void {
    this.reset();
    this.size = nextPow2(n);
    this.used = n;
  }

  /** Bucket slots of both tables (dictSlots). */
  get slots(): number {
    return this.size + this.old;
  }

  /** A lookup (dictFind and friends): one rehash step. */
  find(): void {
    if (this.old === 0) return;
    if (--this.left <= 0) this.old = 0;
  }

  add(): void {
    this.find();
    if (this.size === 0) this.size = INITIAL;
    else if (this.old === 0 && this.used >= this.size) this.startRehash(nextPow2(this.used + 1));
    this.used++;
  }

  delete(): void {
    this.find();
    this.used--;
    // htNeedsResize + dictResize (refused while rehashing)
    const slots = this.slots;
    if (this.old === 0 && slots > INITIAL && (this.used * 100) / slots < 10) {
      const target = nextPow2(Math.max(this.used, INITIAL));
      if (target !== this.size) this.startRehash(target);
    }
  }

  private startRehash(target: number): void {
    this.left = nonEmptyBuckets(this.size, this.used);
    this.old = this.size;
    this.size = target;
  }
}
