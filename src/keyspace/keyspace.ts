/**
 * All databases of the server, and active expiry.
 *
 * Active expiry works like Redis's activeExpireCycle: each cycle samples keys with a TTL (here
 * by walking each db's expiry index with a rolling iterator, 20 keys a sample), deletes those
 * past their time, and repeats on the same db while more than 25% of a sample was expired and
 * the cycle's time budget lasts. The caller runs a cycle from a timer (hz), so the event loop is
 * never held for longer than the budget.
 */
import { Db, type DbEnv } from './db.js';

const SAMPLE = 20;

export class Keyspace {
  readonly dbs: Db[];
  private expireCursor = 0;
  private iters: (IterableIterator<string> | null)[];
  private iterMaps: (Map<string, number> | null)[];
  /** Keys removed by active expiry since start (INFO expired_keys counts lazy ones too). */
  activeExpired = 0;
  /** Whether the last cycle stopped because time ran out. */
  expireTimeLimitHit = false;

  constructor(count: number, readonly env: DbEnv) {
    this.dbs = Array.from({ length: count }, (_, i) => new Db(i, env));
    this.iters = new Array(count).fill(null);
    this.iterMaps = new Array(count).fill(null);
  }

  totalKeys(): number {
    let n = 0;
    for (const db of this.dbs) n += db.size;
    return n;
  }

  /** Runs one active expiry cycle within budgetMs; returns how many keys it removed. */
  activeExpireCycle(budgetMs: number): number {
    if (!this.env.deleteExpired) return 0;
    const start = performance.now();
    let removed = 0;
    this.expireTimeLimitHit = false;
    for (let visited = 0; visited < this.dbs.length; visited++) {
      const i = this.expireCursor;
      this.expireCursor = (this.expireCursor + 1) % this.dbs.length;
      const db = this.dbs[i];
      if (db.expires.size === 0) continue;
      for (;;) {
        let sampled = 0;
        let expired = 0;
        while (sampled < SAMPLE && db.expires.size > 0) {
          const key = this.nextExpiring(i, db);
          if (key === undefined) break;
          sampled++;
          if (db.expireIfDue(key)) expired++;
        }
        removed += expired;
        if (performance.now() - start > budgetMs) {
          this.expireTimeLimitHit = true;
          this.activeExpired += removed;
          return removed;
        }
        if (sampled === 0 || expired * 4 <= sampled) break;
      }
    }
    this.activeExpired += removed;
    return removed;
  }

  /** Next key of db's expiry index in a walk that restarts when it ends or the index is replaced. */
  private nextExpiring(i: number, db: Db): string | undefined {
    if (this.iterMaps[i] !== db.expires) {
      this.iterMaps[i] = db.expires;
      this.iters[i] = db.expires.keys();
    }
    let r = this.iters[i]!.next();
    if (r.done) {
      this.iters[i] = db.expires.keys();
      r = this.iters[i]!.next();
    }
    return r.done ? undefined : r.value;
  }
}
