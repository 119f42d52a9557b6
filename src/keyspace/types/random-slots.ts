/**
 * Uniform random picks of slots of a dense collection of size n (DenseSet / DenseMap slots), for
 * SRANDMEMBER, HRANDFIELD and ZRANDMEMBER with a count. Follows the case analysis of Redis 7.0's
 * srandmemberWithCountCommand / hrandfieldWithCountCommand: the caller serves count >= n (the
 * whole collection) and negative counts (independent picks, `independentSlots`); for distinct
 * picks, a count that is small against n draws random slots into a result set (expected O(count)),
 * and a count above n/3 takes the "copy and remove" way (a partial Fisher-Yates over the slot
 * numbers, O(n), which that count makes proportional to the reply). Nothing copies the entries.
 * `rand` returns a float in [0, 1) (Math.random; tests pass a seeded generator).
 */

/** How many times bigger than count n must be for random picks into a set (Redis's *_SUB_STRATEGY_MUL). */
const SUB_STRATEGY_MUL = 3;

/** count independent uniform slots (repeats allowed), in pick order. */
export function independentSlots(n: number, count: number, rand: () => number = Math.random): number[] {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = Math.floor(rand() * n);
  return out;
}

/** count distinct uniform slots, 0 < count < n. */
export function distinctSlots(n: number, count: number, rand: () => number = Math.random): number[] {
  if (count * SUB_STRATEGY_MUL > n) {
    // copy and remove: shuffle the first count positions of [0, n)
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(rand() * (n - i));
      const t = idx[j]!;
      idx[j] = idx[i]!;
      idx[i] = t;
      out[i] = t;
    }
    return out;
  }
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(rand() * n));
  return [...picked];
}
