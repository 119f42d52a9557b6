/**
 * AOF record encoding: argv -> RESP arrays exactly as Redis's catAppendOnlyGenericCommand writes them
 * (`*<argc>\r\n$<len>\r\n<arg>\r\n...`), with a SELECT before a record whose db differs from the last
 * one written to the same stream, and (aof-timestamp-enabled) Redis's `#TS:<unixtime>\r\n` annotations.
 * Keys and values are latin1 strings, so a string's length is its byte length and the encoded text is
 * turned into bytes with one Buffer.from(text, 'latin1') per batch. Writing the bytes is aof-file.ts's.
 */

/** One record in RESP form (the loader's and rewriter's RESP output use it too). */
export function encodeCommand(argv: readonly string[]): string {
  let s = `*${argv.length}\r\n`;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    s += `$${a.length}\r\n${a}\r\n`;
  }
  return s;
}

/** `SELECT <db>` as a record. */
export function encodeSelect(db: number): string {
  const d = String(db);
  return `*2\r\n$6\r\nSELECT\r\n$${d.length}\r\n${d}\r\n`;
}

/**
 * Accumulates one event-loop turn's records as one latin1 string (no Buffer per record), tracking the
 * db the stream has selected, as Redis's feedAppendOnlyFile with server.aof_selected_db.
 */
export class AofBatchEncoder {
  /** The db the stream's last SELECT chose; -1: the next record carries a SELECT. */
  selectedDb = -1;
  /** The unix second of the last `#TS:` annotation written (Redis's aof_cur_timestamp). */
  private lastTimestamp = 0;
  private text = '';

  /** Bytes encoded and not yet taken. */
  get pendingBytes(): number {
    return this.text.length;
  }

  /**
   * feedAppendOnlyFile: the timestamp annotation when enabled and the second changed, SELECT when
   * the db differs, then the record.
   */
  append(db: number, argv: readonly string[], timestampSec = 0): void {
    let s = this.text;
    if (timestampSec > this.lastTimestamp) {
      s += `#TS:${timestampSec}\r\n`;
      this.lastTimestamp = timestampSec;
    }
    if (db !== this.selectedDb) {
      s += encodeSelect(db);
      this.selectedDb = db;
    }
    s += `*${argv.length}\r\n`;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      s += `$${a.length}\r\n${a}\r\n`;
    }
    this.text = s;
  }

  /** The next record carries a SELECT (a new file or a rewrite buffer starts). */
  resetDb(): void {
    this.selectedDb = -1;
  }

  /** The encoded bytes since the last take, or null when none. */
  take(): Buffer | null {
    if (this.text.length === 0) return null;
    const b = Buffer.from(this.text, 'latin1');
    this.text = '';
    return b;
  }

  /** Drops what was encoded since the last take. */
  discard(): void {
    this.text = '';
  }
}
