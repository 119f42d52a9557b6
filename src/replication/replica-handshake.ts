/**
 * The replica's handshake with its master (Redis's syncWithMaster / slaveTryPartialResynchronization):
 * PING, AUTH (masterauth / masteruser), REPLCONF listening-port [ip-address], REPLCONF capa eof capa
 * psync2, then PSYNC <replid> <offset> (or `? -1`), falling back to SYNC for a master that does not
 * know PSYNC. Returns what the master answered; the link (replica-link.ts) acts on it.
 */
import type net from 'node:net';
import type { Logger } from '../util/logger.js';

/** One connection attempt: the socket and what was read from it and not yet consumed. */
export class MasterSocket {
  inbuf: Buffer = Buffer.alloc(0);
  closed = false;
  error: string | null = null;
  private wake: (() => void) | null = null;

  constructor(readonly socket: net.Socket) {}

  /** Bytes arrived (the socket's data listener during the handshake). */
  received(chunk: Buffer): void {
    this.inbuf = this.inbuf.length === 0 ? chunk : Buffer.concat([this.inbuf, chunk]);
    this.wake?.();
  }

  /** The socket closed, or the attempt was abandoned: a pending readLine() fails. */
  ended(): void {
    this.closed = true;
    this.wake?.();
  }

  /** What was read beyond the handshake (the start of the payload or stream). */
  takeRest(): Buffer {
    const rest = this.inbuf;
    this.inbuf = Buffer.alloc(0);
    return rest;
  }

  send(...argv: string[]): void {
    this.socket.write(encodeCommand(argv));
  }

  /** Reads one reply line (CRLF stripped); fails once `current()` is false or the socket closed. */
  async readLine(current: () => boolean): Promise<string> {
    for (;;) {
      if (!current()) throw new Error('replication attempt cancelled');
      const nl = this.inbuf.indexOf(10);
      if (nl !== -1) {
        let line = this.inbuf.latin1Slice(0, nl);
        this.inbuf = this.inbuf.subarray(nl + 1);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        return line;
      }
      if (this.closed) throw new Error(`Master closed the connection during the handshake${this.error ? `: ${this.error}` : ''}`);
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}

export interface HandshakeParams {
  masterauth: string;
  masteruser: string;
  /** REPLCONF listening-port (replica-announce-port or the bound port). */
  listeningPort: number;
  /** replica-announce-ip ('' for none). */
  announceIp: string;
  /** The history we hold (PSYNC <replid> <offset+1>), or null for `PSYNC ? -1`. */
  cached: { replid: string; offset: number } | null;
  log: Logger;
  /** False once the attempt was abandoned. */
  current: () => boolean;
}

export type HandshakeResult =
  | { kind: 'fullresync'; replid: string; offset: number }
  | { kind: 'continue'; replid: string | null }
  /** The master refused PSYNC: SYNC was sent, a payload follows without +FULLRESYNC. */
  | { kind: 'sync' };

/** Runs the handshake on m; throws (with the text to log) when the attempt must be retried. */
export async function handshake(m: MasterSocket, p: HandshakeParams): Promise<HandshakeResult> {
  const log = p.log;
  m.send('PING');
  const pong = await m.readLine(p.current);
  // -NOAUTH and friends are fine here: AUTH follows
  if (pong.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(pong)) {
    throw new Error(`Error reply to PING from master: '${pong.slice(1)}'`);
  }
  log.info('Master replied to PING, replication can continue...');
  // pipelined, then the replies read in order (Redis 7.0)
  if (p.masterauth !== '') {
    if (p.masteruser !== '') m.send('AUTH', p.masteruser, p.masterauth);
    else m.send('AUTH', p.masterauth);
  }
  m.send('REPLCONF', 'listening-port', String(p.listeningPort));
  if (p.announceIp !== '') m.send('REPLCONF', 'ip-address', p.announceIp);
  m.send('REPLCONF', 'capa', 'eof', 'capa', 'psync2');
  if (p.masterauth !== '') {
    const r = await m.readLine(p.current);
    if (r.startsWith('-')) throw new Error(`Unable to AUTH to MASTER: ${r}`);
  }
  const lp = await m.readLine(p.current);
  if (lp.startsWith('-')) log.info(`(Non critical) Master does not understand REPLCONF listening-port: ${lp}`);
  if (p.announceIp !== '') {
    const ip = await m.readLine(p.current);
    if (ip.startsWith('-')) log.info(`(Non critical) Master does not understand REPLCONF ip-address: ${ip}`);
  }
  const capa = await m.readLine(p.current);
  if (capa.startsWith('-')) log.info(`(Non critical) Master does not understand REPLCONF capa: ${capa}`);

  let psyncId = '?';
  let psyncOffset = '-1';
  if (p.cached !== null) {
    psyncId = p.cached.replid;
    psyncOffset = String(p.cached.offset + 1);
    log.info(`Trying a partial resynchronization (request ${psyncId}:${psyncOffset}).`);
  } else {
    log.info('Partial resynchronization not possible (no cached master)');
  }
  m.send('PSYNC', psyncId, psyncOffset);
  let reply = '';
  // the master may send newlines before its answer, to keep the connection alive
  while (reply === '') reply = await m.readLine(p.current);
  if (reply.startsWith('+FULLRESYNC')) {
    const r = /^\+FULLRESYNC ([0-9a-zA-Z]{40}) (\d+)$/.exec(reply);
    if (r === null) throw new Error(`Master replied with wrong +FULLRESYNC syntax: ${reply}`);
    log.info(`Full resync from master: ${r[1]}:${r[2]}`);
    return { kind: 'fullresync', replid: r[1], offset: Number(r[2]) };
  }
  if (reply.startsWith('+CONTINUE')) {
    const id = reply.slice('+CONTINUE'.length).trim();
    log.info('Successful partial resynchronization with master.');
    return { kind: 'continue', replid: id.length === 40 ? id : null };
  }
  if (reply.startsWith('-NOMASTERLINK') || reply.startsWith('-LOADING')) {
    throw new Error(`Master is currently unable to PSYNC but should be in the future: ${reply}`);
  }
  if (reply.startsWith('-')) {
    // an old master without PSYNC: SYNC, then a payload without +FULLRESYNC
    log.warn(`Unexpected reply to PSYNC from master: ${reply}`);
    log.info('Retrying with SYNC...');
    m.send('SYNC');
    return { kind: 'sync' };
  }
  throw new Error(`Unexpected reply to PSYNC from master: ${reply}`);
}

/** A command as RESP multibulk. */
export function encodeCommand(argv: readonly string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}
