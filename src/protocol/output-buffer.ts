/**
 * A slab-backed byte sink for one connection's replies. Replies are encoded straight into a
 * shared 64 KiB slab; `take()` hands the bytes written since the last take to the caller (as
 * views into the slab, so no copy) and the slab keeps being filled after them. When the slab
 * runs out a new one is allocated; the old one stays alive only while the socket holds views.
 */

const SLAB_SIZE = 64 * 1024;
/** Up to this length strings are copied by a JS loop rather than a native call. */
const SHORT = 48;

export class OutputBuffer {
  private slab: Buffer = Buffer.allocUnsafe(SLAB_SIZE);
  private start = 0;
  /** Write position in the current slab. */
  pos = 0;
  /** Completed views from earlier slabs, not yet taken. */
  private done: Buffer[] = [];
  private doneBytes = 0;

  /** Bytes written and not yet taken. */
  get pending(): number {
    return this.doneBytes + this.pos - this.start;
  }

  /** Makes room for n more bytes in the current slab. */
  private reserve(n: number): void {
    if (this.pos + n <= this.slab.length) return;
    if (this.pos > this.start) {
      this.done.push(this.slab.subarray(this.start, this.pos));
      this.doneBytes += this.pos - this.start;
    }
    this.slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, n));
    this.start = this.pos = 0;
  }

  /** ASCII text (protocol framing, numbers). */
  ascii(s: string): void {
    const n = s.length;
    this.reserve(n);
    if (n <= SHORT) {
      // a JS loop beats the native call for the short strings framing is made of
      const slab = this.slab;
      let p = this.pos;
      for (let i = 0; i < n; i++) slab[p++] = s.charCodeAt(i);
      this.pos = p;
      return;
    }
    this.pos += this.slab.asciiWrite(s, this.pos);
  }

  /** One byte per char: how keys and values are held in memory. */
  latin1(s: string): void {
    const n = s.length;
    if (n > SLAB_SIZE) return this.bigBuffer(Buffer.from(s, 'latin1'));
    this.reserve(n);
    if (n <= SHORT) {
      const slab = this.slab;
      let p = this.pos;
      for (let i = 0; i < n; i++) slab[p++] = s.charCodeAt(i);
      this.pos = p;
      return;
    }
    this.pos += this.slab.latin1Write(s, this.pos);
  }

  /**
   * A RESP line made of a type byte and a safe integer (`$5\r\n`, `*2\r\n`, `:-1\r\n`), written
   * without building a string.
   */
  header(type: number, n: number): void {
    this.reserve(24);
    const slab = this.slab;
    let p = this.pos;
    slab[p++] = type;
    if (n < 0) {
      slab[p++] = 45; // '-'
      n = -n;
    }
    if (n < 10) {
      slab[p++] = 48 + n;
    } else {
      let digits = 1;
      for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
      p += digits;
      for (let i = p - 1; n >= 10; i--) {
        const q = Math.floor(n / 10);
        slab[i] = 48 + (n - q * 10);
        n = q;
      }
      slab[p - digits] = 48 + n;
    }
    slab[p++] = 13;
    slab[p++] = 10;
    this.pos = p;
  }

  /**
   * A short one-line reply (`+OK\r\n`): the type byte, s with CR and LF turned into spaces
   * (Redis keeps status and error lines on one line), CRLF. Returns false, writing nothing, when
   * s is longer than SHORT chars: the caller then takes the general path.
   */
  line(type: number, s: string): boolean {
    const n = s.length;
    if (n > SHORT) return false;
    this.reserve(n + 3);
    const slab = this.slab;
    let p = this.pos;
    slab[p++] = type;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      slab[p++] = c === 13 || c === 10 ? 32 : c;
    }
    slab[p++] = 13;
    slab[p++] = 10;
    this.pos = p;
    return true;
  }

  /** UTF-8 text (log-like replies: INFO, CLIENT LIST are ASCII anyway). */
  utf8(s: string): void {
    const n = Buffer.byteLength(s);
    this.reserve(n);
    this.pos += this.slab.utf8Write(s, this.pos);
  }

  bytes(b: Buffer): void {
    if (b.length > SLAB_SIZE) return this.bigBuffer(b);
    this.reserve(b.length);
    b.copy(this.slab, this.pos);
    this.pos += b.length;
  }

  /** A large payload is passed along as its own view instead of being copied into the slab. */
  private bigBuffer(b: Buffer): void {
    if (this.pos > this.start) {
      this.done.push(this.slab.subarray(this.start, this.pos));
      this.doneBytes += this.pos - this.start;
      this.start = this.pos;
    }
    this.done.push(b);
    this.doneBytes += b.length;
  }

  /** Hands over everything written since the last take, or null when nothing was. */
  take(): Buffer[] | null {
    if (this.pos > this.start) {
      this.done.push(this.slab.subarray(this.start, this.pos));
      this.start = this.pos;
    }
    if (this.done.length === 0) return null;
    const out = this.done;
    this.done = [];
    this.doneBytes = 0;
    if (this.slab.length - this.pos < 1024) {
      this.slab = Buffer.allocUnsafe(SLAB_SIZE);
      this.start = this.pos = 0;
    }
    return out;
  }

  /** Drops what was written since the last take (CLIENT REPLY OFF, a killed client). */
  discard(): void {
    this.done = [];
    this.doneBytes = 0;
    this.start = this.pos;
  }
}
