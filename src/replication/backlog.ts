/**
 * The replication backlog: a ring buffer holding the last `repl-backlog-size` bytes of the
 * replication stream, so a replica that lost its link for a moment can PSYNC and continue
 * (+CONTINUE) from its offset. Offsets are stream offsets as in Redis: the first byte ever fed
 * has offset 1, and `master_repl_offset` is the offset of the last byte fed.
 * Who feeds it and when it is created or freed (repl-backlog-ttl) is ReplicationState's and
 * ReplicationMaster's concern; this file only stores bytes.
 */

export class ReplicationBacklog {
  private buf: Buffer | null = null;
  private capacity: number;
  /** Next write position in buf. */
  private idx = 0;
  private len = 0;
  /** Stream offset of the first byte held (repl_backlog_first_byte_offset); next byte is first + len. */
  private first = 0;

  constructor(size: number) {
    this.capacity = Math.max(1, Math.floor(size));
  }

  /** repl-backlog-size. */
  get size(): number {
    return this.capacity;
  }

  /** repl_backlog_active. */
  get active(): boolean {
    return this.buf !== null;
  }

  /** repl_backlog_first_byte_offset (0 while inactive). */
  get firstByteOffset(): number {
    return this.buf === null ? 0 : this.first;
  }

  /** repl_backlog_histlen. */
  get histlen(): number {
    return this.len;
  }

  /**
   * (Re)creates the backlog empty; `streamOffset` is the offset of the last byte already in the
   * stream (master_repl_offset), so the next byte appended has offset streamOffset + 1.
   */
  create(streamOffset: number): void {
    if (this.buf === null || this.buf.length !== this.capacity) this.buf = Buffer.allocUnsafe(this.capacity);
    this.idx = 0;
    this.len = 0;
    this.first = streamOffset + 1;
  }

  /** Frees the memory (repl-backlog-ttl elapsed without replicas). */
  free(): void {
    this.buf = null;
    this.idx = 0;
    this.len = 0;
    this.first = 0;
  }

  /** Appends stream bytes (no-op while inactive). */
  append(bytes: Buffer): void {
    this.appendRange(bytes, 0, bytes.length);
  }

  /** Appends src[start, end) (no-op while inactive). */
  appendRange(src: Buffer, start: number, end: number): void {
    const buf = this.buf;
    const n = end - start;
    if (buf === null || n <= 0) return;
    const cap = this.capacity;
    if (n >= cap) {
      // Only the tail fits: the ring holds exactly its last `cap` bytes.
      const dropped = n - cap;
      src.copy(buf, 0, start + dropped, end);
      this.first += this.len + dropped;
      this.idx = 0;
      this.len = cap;
      return;
    }
    const tailRoom = cap - this.idx;
    if (n <= tailRoom) {
      src.copy(buf, this.idx, start, end);
    } else {
      src.copy(buf, this.idx, start, start + tailRoom);
      src.copy(buf, 0, start + tailRoom, end);
    }
    this.idx = (this.idx + n) % cap;
    const newLen = this.len + n;
    if (newLen > cap) {
      this.first += newLen - cap;
      this.len = cap;
    } else {
      this.len = newLen;
    }
  }

  /**
   * True when a replica asking for `offset` (the first byte it lacks, i.e. its offset + 1) can be
   * served from here: first <= offset <= first + histlen, as Redis's addReplyReplicationBacklog.
   */
  canServe(offset: number): boolean {
    if (this.buf === null) return false;
    return offset >= this.first && offset <= this.first + this.len;
  }

  /** The bytes from stream offset `offset` to the end (canServe(offset) must hold); at most two slices, copied. */
  readFrom(offset: number): Buffer[] {
    const buf = this.buf;
    if (buf === null || !this.canServe(offset)) throw new Error(`backlog cannot serve offset ${offset}`);
    const skip = offset - this.first;
    const n = this.len - skip;
    if (n === 0) return [];
    const cap = this.capacity;
    const start = (this.idx - this.len + skip + cap * 2) % cap;
    if (start + n <= cap) return [Buffer.from(buf.subarray(start, start + n))];
    return [Buffer.from(buf.subarray(start, cap)), Buffer.from(buf.subarray(0, n - (cap - start)))];
  }

  /** CONFIG SET repl-backlog-size: keeps the newest min(histlen, size) bytes. */
  resize(size: number): void {
    const cap = Math.max(1, Math.floor(size));
    if (cap === this.capacity) return;
    if (this.buf === null) {
      this.capacity = cap;
      return;
    }
    const keep = Math.min(this.len, cap);
    const end = this.first + this.len;
    const parts = keep > 0 ? this.readFrom(end - keep) : [];
    this.capacity = cap;
    this.buf = Buffer.allocUnsafe(cap);
    let pos = 0;
    for (const p of parts) {
      p.copy(this.buf, pos);
      pos += p.length;
    }
    this.idx = pos % cap;
    this.len = keep;
    this.first = end - keep;
  }
}
