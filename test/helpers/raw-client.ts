/**
 * Raw socket helper for protocol tests: writes exact bytes, collects exact bytes.
 */
import net from 'node:net';

export class RawClient {
  private chunks: Buffer[] = [];
  closed = false;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (c) => {
      this.chunks.push(c);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Everything received so far. */
  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Waits until the received bytes (latin1) satisfy pred, or the timeout passes; returns them. */
  async waitFor(pred: (s: string) => boolean, timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.received.toString('latin1');
      if (pred(s) || this.closed) return s;
      const left = deadline - Date.now();
      if (left <= 0) return s;
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Waits for at least n bytes. */
  waitBytes(n: number, timeoutMs = 3000): Promise<string> {
    return this.waitFor((s) => s.length >= n, timeoutMs);
  }

  /** Waits until the server closes the connection. */
  async waitClose(timeoutMs = 3000): Promise<boolean> {
    await this.waitFor(() => false, timeoutMs);
    return this.closed;
  }

  /** Sends bytes and waits for `expected` bytes' worth of reply. */
  async request(data: string | Buffer, expectedLength: number, timeoutMs = 3000): Promise<string> {
    const before = this.received.length;
    this.write(data);
    const s = await this.waitBytes(before + expectedLength, timeoutMs);
    return s.slice(before);
  }

  clear(): void {
    this.chunks = [];
  }

  close(): void {
    this.socket.destroy();
  }
}
