/**
 * A dictionary whose entries sit in a dense array (plus a Map from key to slot), the dict under
 * sets, hashes and sorted sets. The array gives what a plain Map cannot:
 * - a uniformly random entry in O(1) (SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER);
 * - a SCAN cursor with Redis's guarantee: every entry present for the whole iteration is
 *   returned at least once, however the dict grows or shrinks in between.
 *
 * The cursor counts the slots not yet visited: a scan walks the array from the top down, so a
 * cursor c means "slots [0, c) remain". New entries are appended above the cursor (a scan may
 * miss them, as Redis allows). A delete moves the last entry into the hole (swap-remove): the
 * moved entry either stays below the cursor or comes from above it (then it may be returned
 * twice, which Redis allows), so no entry that stays present is ever skipped.
 *
 * Deleting with `keepOrder` closes the hole by shifting instead (O(n)); the small encodings use
 * it because Redis's listpack keeps insertion order across deletes.
 */
export class DenseSet {
  protected readonly slots = new Map<string, number>();
  protected keyArr: string[] = [];

  get size(): number {
    return this.keyArr.length;
  }

  has(k: string): boolean {
    return this.slots.has(k);
  }

  /** Adds a key; true when it was new. */
  add(k: string): boolean {
    if (this.slots.has(k)) return false;
    this.slots.set(k, this.keyArr.length);
    this.keyArr.push(k);
    this.pushValue();
    return true;
  }

  /**
   * Fills an empty dict from an array of keys (which it takes over), in that slot order: the
   * bulk path of loading. Returns the index of the first repeated key, -1 when all are distinct
   * (on a repeat the dict is left partial: the caller discards it).
   */
  initKeys(keys: string[]): number {
    if (this.keyArr.length !== 0) throw new Error('DenseSet.initKeys: not empty');
    const slots = this.slots;
    for (let i = 0; i < keys.length; i++) {
      slots.set(keys[i]!, i);
      if (slots.size === i) return i;
    }
    this.keyArr = keys;
    return -1;
  }

  /** Removes a key; true when it was present. */
  delete(k: string, keepOrder = false): boolean {
    const i = this.slots.get(k);
    if (i === undefined) return false;
    this.slots.delete(k);
    const last = this.keyArr.length - 1;
    if (keepOrder) {
      this.keyArr.splice(i, 1);
      this.spliceValue(i);
      for (let j = i; j < last; j++) this.slots.set(this.keyArr[j]!, j);
    } else {
      if (i !== last) {
        const moved = this.keyArr[last]!;
        this.keyArr[i] = moved;
        this.slots.set(moved, i);
        this.moveValue(last, i);
      }
      this.keyArr.pop();
      this.popValue();
    }
    return true;
  }

  /** The key in slot i (0 <= i < size). */
  keyAt(i: number): string {
    return this.keyArr[i]!;
  }

  /** A uniformly random slot (the dict must not be empty). */
  randomSlot(rand: () => number = Math.random): number {
    return Math.floor(rand() * this.keyArr.length);
  }

  keys(): IterableIterator<string> {
    return this.keyArr.values();
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.keyArr.values();
  }

  /**
   * Visits up to `count` slots below the cursor (0 starts a new scan) and returns the next
   * cursor, 0 when the scan is complete.
   */
  scan(cursor: number, count: number, visit: (slot: number) => void): number {
    let c = cursor === 0 || cursor > this.keyArr.length ? this.keyArr.length : cursor;
    const stop = Math.max(0, c - Math.max(1, count));
    while (c > stop) visit(--c);
    return c;
  }

  clear(): void {
    this.slots.clear();
    this.keyArr.length = 0;
    this.clearValues();
  }

  protected pushValue(): void {}
  protected popValue(): void {}
  protected spliceValue(_i: number): void {}
  protected moveValue(_from: number, _to: number): void {}
  protected clearValues(): void {}
}

/** A DenseSet with a value per key. */
export class DenseMap<V> extends DenseSet {
  private valArr: V[] = [];
  private pending: V | undefined;

  /**
   * Fills an empty map from parallel arrays of keys and values (which it takes over), in that
   * slot order. Returns the index of the first repeated key, -1 when all are distinct (on a
   * repeat the map is left partial: the caller discards it).
   */
  initEntries(keys: string[], vals: V[]): number {
    if (keys.length !== vals.length) throw new Error('DenseMap.initEntries: length mismatch');
    const dup = super.initKeys(keys);
    if (dup === -1) this.valArr = vals;
    return dup;
  }

  override initKeys(_keys: string[]): number {
    throw new Error('DenseMap.initKeys: use initEntries');
  }

  get(k: string): V | undefined {
    const i = this.slots.get(k);
    return i === undefined ? undefined : this.valArr[i];
  }

  /** Sets a key's value; true when the key was new. */
  set(k: string, v: V): boolean {
    const i = this.slots.get(k);
    if (i !== undefined) {
      this.valArr[i] = v;
      return false;
    }
    this.pending = v;
    super.add(k);
    return true;
  }

  override add(_k: string): boolean {
    throw new Error('DenseMap.add: use set');
  }

  valueAt(i: number): V {
    return this.valArr[i]!;
  }

  values(): IterableIterator<V> {
    return this.valArr.values();
  }

  *entries(): IterableIterator<[string, V]> {
    for (let i = 0; i < this.keyArr.length; i++) yield [this.keyArr[i]!, this.valArr[i]!];
  }

  protected override pushValue(): void {
    this.valArr.push(this.pending as V);
    this.pending = undefined;
  }
  protected override popValue(): void {
    this.valArr.pop();
  }
  protected override spliceValue(i: number): void {
    this.valArr.splice(i, 1);
  }
  protected override moveValue(from: number, to: number): void {
    this.valArr[to] = this.valArr[from]!;
  }
  protected override clearValues(): void {
    this.valArr.length = 0;
  }
}
