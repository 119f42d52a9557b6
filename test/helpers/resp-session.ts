/**
 * A raw RESP session for exact-byte tests: sends one command as a RESP array and waits for a
 * given number of complete top-level replies (RESP2 or RESP3), returning their bytes (latin1).
 */
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
