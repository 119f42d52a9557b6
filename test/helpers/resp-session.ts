/**
 * A raw RESP session for exact-byte tests: sends one command as a RESP array and waits for a
 * given number of complete top-level replies (RESP2 or RESP3), returning their bytes (latin1).
 */
import net from 'node:net';
import { RawClient } from './raw-client.js';

/** End offset of the RESP frame starting at pos in s, or -1 when incomplete. */
export function frameEnd(s: string, pos: number): number {
  if (pos >= s.length) return -1;
  const eol = s.indexOf('\r\n', pos);
  if (eol === -1) return -1;
  const type = s[pos];
  const head = s.slice(pos + 1, eol);
  switch (type) {
    case '$':
    case '=':
    case '!': {
      const len = Number(head);
      if (len < 0) return eol + 2;
      const end = eol + 2 + len + 2;
      return end <= s.length ? end : -1;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      const n = Number(head);
      if (n < 0) return eol + 2;
      const items = type === '%' || type === '|' ? n * 2 : n;
      let p = eol + 2;
      for (let i = 0; i < items; i++) {
        p = frameEnd(s, p);
        if (p === -1) return -1;
      }
      // an attribute precedes the reply it describes
      return type === '|' ? frameEnd(s, p) : p;
    }
    default:
      return eol + 2;
  }
}

/** Number of complete frames in s from pos. */
export function countFrames(s: string, pos = 0): number {
  let n = 0;
  for (let p = pos; ; n++) {
    p = frameEnd(s, p);
    if (p === -1) return n;
  }
}

export function encodeCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return out;
}

export class RespSession {
  private consumed = 0;

  private constructor(readonly raw: RawClient) {}

  static async connect(port: number): Promise<RespSession> {
    return new RespSession(await RawClient.connect(port));
  }

  /** Sends args; resolves with the bytes of `replies` complete frames (fewer on timeout/close). */
  async send(args: readonly string[], replies = 1, timeoutMs = 2000): Promise<string> {
    this.raw.write(encodeCommand(args));
    return this.read(replies, timeoutMs);
  }

  /** Waits for `replies` more frames (pushed messages). */
  async read(replies = 1, timeoutMs = 2000): Promise<string> {
    const from = this.consumed;
    const s = await this.raw.waitFor((all) => countFrames(all, from) >= replies, timeoutMs);
    let p = from;
    for (let i = 0; i < replies; i++) {
      const e = frameEnd(s, p);
      if (e === -1) break;
      p = e;
    }
    this.consumed = p;
    return s.slice(from, p);
  }

  /** Bytes received beyond what was read. */
  rest(): string {
    return this.raw.received.toString('latin1').slice(this.consumed);
  }

  close(): void {
    this.raw.close();
  }
}

/**
 * A minimal RESP2/RESP3 connection for oracle tests: cmd() sends one command and resolves with
 * the bytes (latin1) of the next complete reply; next() takes the next reply or pushed message.
 */
export class RespConn {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (c) => {
      this.buf = Buffer.concat([this.buf, c]);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespConn> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RespConn(s)));
      s.once('error', reject);
    });
  }

  /** Sends one command and resolves with its reply's bytes. */
  cmd(...args: string[]): Promise<string> {
    this.send(...args);
    return this.next();
  }

  /** Sends one command without waiting. */
  send(...args: string[]): void {
    this.sock.write(Buffer.from(encodeCommand(args), 'latin1'));
  }

  /** The next complete reply (or pushed message). */
  async next(): Promise<string> {
    for (;;) {
      const s = this.buf.toString('latin1');
      const end = frameEnd(s, 0);
      if (end !== -1) {
        this.buf = this.buf.subarray(end);
        return s.slice(0, end);
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Everything received that no next() took (pub/sub messages). */
  drain(): string {
    const s = this.buf.toString('latin1');
    this.buf = Buffer.alloc(0);
    return s;
  }

  close(): void {
    this.sock.destroy();
  }
}
