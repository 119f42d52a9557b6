/**
 * The connected clients: ids, CLIENT LIST lines, KILL, PAUSE, MONITOR feeds, maxclients and
 * idle timeouts. Implements ClientsOps for the CLIENT family.
 */
import type { ClientInfo, ClientsOps, ClientState } from '../commands/context.js';
import { Reply } from '../protocol/reply.js';
import type { Client } from './client.js';
import type { Connection } from './connection.js';
import type { ServerCore } from './server-core.js';

/** Quotes an argument for MONITOR lines as Redis's sdscatrepr does. */
export function catRepr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 92: out += '\\\\'; break;
      case 34: out += '\\"'; break;
      case 10: out += '\\n'; break;
      case 13: out += '\\r'; break;
      case 9: out += '\\t'; break;
      case 7: out += '\\a'; break;
      case 8: out += '\\b'; break;
      default:
        out += c >= 32 && c < 127 ? s[i] : `\\x${c.toString(16).padStart(2, '0')}`;
    }
  }
  return out + '"';
}

export class ClientRegistry implements ClientsOps {
  private readonly conns = new Map<number, Connection>();
  private readonly monitors = new Set<Connection>();
  private nextId = 1;
  pausedUntil = 0;
  pauseMode: 'all' | 'write' = 'all';

  constructor(private readonly core: ServerCore) {}

  allocateId(): number {
    return this.nextId++;
  }

  add(conn: Connection): void {
    this.conns.set(conn.client.id, conn);
  }

  remove(conn: Connection): void {
    this.conns.delete(conn.client.id);
    this.monitors.delete(conn);
  }

  get connectedCount(): number {
    return this.conns.size;
  }

  get monitorCount(): number {
    return this.monitors.size;
  }

  connections(): IterableIterator<Connection> {
    return this.conns.values();
  }

  private info(conn: Connection): ClientInfo {
    const c = conn.client;
    const now = this.core.clock.now();
    const type = c.isMonitor ? 'normal' : c.channels.size + c.patterns.size > 0 ? 'pubsub' : 'normal';
    const core = this.core;
    return {
      state: c,
      addr: c.addr,
      laddr: c.laddr,
      fd: c.fd,
      ageSec: Math.floor((now - c.createdAt) / 1000),
      idleSec: Math.floor((now - c.lastInteraction) / 1000),
      flags: c.flagString(),
      cmd: c.lastCommand,
      type,
      user: 'default',
      line() {
        return core.clients.lineOf(conn, this);
      },
    };
  }

  /** One CLIENT LIST line, with Redis 7.0's fields in Redis's order. */
  lineOf(conn: Connection, info: ClientInfo): string {
    const c = conn.client;
    const sub = c.channels.size;
    const psub = c.patterns.size;
    const multi = c.multi === null ? -1 : c.multi.length;
    const omem = conn.socket.writableLength;
    return (
      `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name} age=${info.ageSec} idle=${info.idleSec} ` +
      `flags=${info.flags} db=${c.dbIndex} sub=${sub} psub=${psub} ssub=0 multi=${multi} qbuf=0 qbuf-free=0 argv-mem=0 ` +
      `multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=${omem} tot-mem=${omem + 1024} events=r cmd=${info.cmd} user=${info.user} ` +
      `redir=-1 resp=${c.resp}`
    );
  }

  list(filter?: (c: ClientInfo) => boolean): ClientInfo[] {
    const out: ClientInfo[] = [];
    for (const conn of this.conns.values()) {
      const i = this.info(conn);
      if (!filter || filter(i)) out.push(i);
    }
    return out;
  }

  infoLine(client: ClientState): string {
    const conn = this.conns.get(client.id);
    return conn ? this.lineOf(conn, this.info(conn)) : '';
  }

  byId(id: number): ClientInfo | undefined {
    const conn = this.conns.get(id);
    return conn ? this.info(conn) : undefined;
  }

  kill(match: (c: ClientInfo) => boolean, except?: ClientState): number {
    let n = 0;
    for (const conn of [...this.conns.values()]) {
      if (except !== undefined && conn.client === except) continue;
      if (!match(this.info(conn))) continue;
      n++;
      // Killing oneself: Redis replies first, then closes.
      if (conn.client === except) conn.closeAfterReply();
      else conn.close();
    }
    return n;
  }

  /** Closes the connection of the given client after its reply (CLIENT KILL of oneself). */
  closeSelf(client: ClientState): void {
    this.conns.get(client.id)?.closeAfterReply();
  }

  pause(untilMs: number, mode: 'all' | 'write'): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
    this.pauseMode = mode;
  }

  unpause(): void {
    this.pausedUntil = 0;
  }

  isPaused(): boolean {
    return this.pausedUntil > this.core.clock.now();
  }

  monitor(client: ClientState): void {
    const conn = this.conns.get(client.id);
    if (!conn) return;
    (conn.client as Client).isMonitor = true;
    this.monitors.add(conn);
  }

  unblock(_id: number, _withError: boolean): boolean {
    return false; // blocking commands arrive with the data types issue
  }

  /** Sends a MONITOR line: +<unix time.usec> [<db> <addr>] "arg" ... */
  feedMonitors(client: Client, argv: string[]): void {
    const now = this.core.clock.now();
    const sec = Math.floor(now / 1000);
    const usec = String((now % 1000) * 1000).padStart(6, '0');
    const line = `${sec}.${usec} [${client.dbIndex} ${client.addr}] ${argv.map(catRepr).join(' ')}`;
    const reply = Reply.simple(line);
    for (const m of this.monitors) if (m.client !== client) m.push(reply);
  }

  /** Idle timeout: closes normal clients idle longer than `timeout` seconds. */
  cron(): void {
    const timeout = this.core.config.getNumber('timeout');
    if (timeout <= 0) return;
    const now = this.core.clock.now();
    for (const conn of [...this.conns.values()]) {
      const c = conn.client;
      if (c.isMonitor || c.channels.size + c.patterns.size > 0 || c.blocked) continue;
      if (now - c.lastInteraction > timeout * 1000) {
        this.core.log.debug({ client: c.addr }, 'Closing idle client');
        conn.close();
      }
    }
  }
}
