/**
 * Encodes the replication stream's records (Redis's replicationFeedSlaves): each write as a RESP
 * array of bulk strings, preceded by SELECT when its db differs from the stream's (slaveseldb).
 * One scratch buffer, reused: encoding a record allocates nothing once it has grown.
 */

export class RecordEncoder {
  /** The db the stream last selected (Redis's slaveseldb); -1 forces a SELECT. */
  seldb = -1;
  /** Holds the last record encoded (valid until the next encode). */
  buf = Buffer.allocUnsafe(16 * 1024);

  /** Encodes one record (SELECT first when the db changes) into buf; returns its length. */
  encode(dbIndex: number, argv: readonly string[]): number {
    let need = 64;
    for (let i = 0; i < argv.length; i++) need += argv[i].length + 16;
    if (need > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    const b = this.buf;
    let p = 0;
    if (dbIndex !== this.seldb && dbIndex >= 0) {
      const d = String(dbIndex);
      p += b.write(`*2\r\n$6\r\nSELECT\r\n$${d.length}\r\n${d}\r\n`, p, 'latin1');
      this.seldb = dbIndex;
    }
    b[p++] = 42; // '*'
    p = writeDecimal(b, p, argv.length);
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      b[p++] = 36; // '$'
      p = writeDecimal(b, p, a.length);
      p += a.length < 32 ? writeShortLatin1(b, p, a) : b.latin1Write(a, p, a.length);
      b[p++] = 13;
      b[p++] = 10;
    }
    return p;
  }
}

/** Writes n (>= 0) in decimal then CRLF at p; returns the position after. */
function writeDecimal(b: Buffer, p: number, n: number): number {
  if (n < 10) b[p++] = 48 + n;
  else {
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    for (let i = digits - 1, x = n; i >= 0; i--, x = Math.floor(x / 10)) b[p + i] = 48 + (x % 10);
    p += digits;
  }
  b[p++] = 13;
  b[p++] = 10;
  return p;
}

/** A short latin1 string, byte by byte (cheaper than a native write call). */
function writeShortLatin1(b: Buffer, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) b[p + i] = s.charCodeAt(i);
  return s.length;
}
