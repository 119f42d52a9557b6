/**
 * The one propagation path. Every change to the dataset reaches durability and replicas through
 * here: commands with the `write` flag that changed something (argv, or the argv the handler
 * rewrote), keys deleted by expiry (as DEL), and EXEC's writes wrapped in MULTI/EXEC.
 * Listeners (MONITOR-free: AOF, replication backlog in later issues) receive each record with
 * the db it applies to; emitting SELECT when the db changes is the listener's concern, since
 * the AOF and each replica stream track their own current db.
 */

export type PropagationListener = (dbIndex: number, argv: readonly string[]) => void;

export class Propagator {
  private readonly listeners = new Set<PropagationListener>();
  /** Records propagated since start. */
  count = 0;
  private batchDepth = 0;
  private batch: Array<[number, readonly string[]]> = [];

  /** True inside transaction(): records are held until it ends (a rewrite must not start then). */
  get inTransaction(): boolean {
    return this.batchDepth > 0;
  }

  addListener(l: PropagationListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  propagate(dbIndex: number, argv: readonly string[]): void {
    if (this.batchDepth > 0) {
      this.batch.push([dbIndex, argv]);
      return;
    }
    this.emit(dbIndex, argv);
  }

  /** Runs fn; what it propagates is emitted after it, wrapped in MULTI/EXEC when more than one record. */
  transaction<T>(dbIndex: number, fn: () => T): T {
    this.batchDepth++;
    try {
      return fn();
    } finally {
      this.batchDepth--;
      if (this.batchDepth === 0) this.flushBatch(dbIndex);
    }
  }

  private flushBatch(dbIndex: number): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    if (batch.length === 1) {
      this.emit(batch[0][0], batch[0][1]);
      return;
    }
    this.emit(batch[0][0] ?? dbIndex, ['MULTI']);
    for (const [db, argv] of batch) this.emit(db, argv);
    this.emit(batch[batch.length - 1][0], ['EXEC']);
  }

  private emit(dbIndex: number, argv: readonly string[]): void {
    this.count++;
    for (const l of this.listeners) l(dbIndex, argv);
  }
}
