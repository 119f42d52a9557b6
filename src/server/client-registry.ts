/**
 * The connected clients: ids, CLIENT LIST lines, KILL, PAUSE, MONITOR feeds, maxclients and
 * idle timeouts. Implements ClientsOps for the CLIENT family.
 */
import type net from 'node:net';
import type { ClientInfo, ClientsOps, ClientState, CommandContext } from '../commands/context.js';
import type { CommandSpec } from '../commands/table.js';
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

/**
 * A client without a Connection: a replica's link to its master (flags M, CLIENT KILL TYPE
 * master), registered by server/replica-host.ts. Listed and killable like a connection.
 */
export interface LinkClient {
  readonly client: Client;
  readonly ctx: CommandContext;
  readonly socket: net.Socket;
  readonly linkType: ClientInfo['type'];
  close(): void;
  closeAfterReply(): void;
}

/** Longest single timer wait (setTimeout's limit); longer pauses re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class ClientRegistry implements ClientsOps {
  private readonly conns = new Map<number, Connection>();
  private readonly monitors = new Set<Connection>();
  /** Clients without a Connection (the master link of a replica). */
  private readonly links = new Map<number, LinkClient>();
  private nextId = 1;
  /** CLIENT PAUSE in force: read on every request by Connection, so a plain field. */
  pauseActive = false;
  pauseEnd = 0;
  pauseMode: 'all' | 'write' = 'write';
  private pauseTimer: NodeJS.Timeout | null = null;
  /** Connections holding requests until the pause ends. */
  private readonly held = new Set<Connection>();

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
    this.held.delete(conn);
  }

  addLink(link: LinkClient): void {
    this.links.set(link.client.id, link);
  }

  removeLink(link: LinkClient): void {
    this.links.delete(link.client.id);
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

  private info(conn: Connection | LinkClient): ClientInfo {
    const c = conn.client;
    const now = this.core.clock.now();
    const type = 'linkType' in conn ? conn.linkType : c.isReplica ? 'replica' : c.channels.size + c.patterns.size > 0 ? 'pubsub' : 'normal';
    const registry = this;
    return {
      state: c,
      addr: c.addr,
      laddr: c.laddr,
      fd: c.fd,
      ageSec: Math.floor((now - c.createdAt) / 1000),
      idleSec: Math.floor((now - c.lastInteraction) / 1000),
      flags: c.flagString(),
      cmd: conn.ctx.spec?.fullName ?? 'NULL',
      type,
      // Redis's master client has no user (CLIENT LIST shows "(superuser)")
      user: 'linkType' in conn && conn.linkType === 'master' ? '(superuser)' : 'default',
      line() {
        return registry.lineOf(conn, this);
      },
    };
  }

  /**
   * One CLIENT LIST line, with Redis 7.0's fields in Redis's order. Buffer sizes are nodis's own
   * (no query buffer is kept between reads); `cmd` is the last command run, `container|sub` style.
   */
  lineOf(conn: Connection | LinkClient, info: ClientInfo): string {
    const c = conn.client;
    const sub = c.channels.size;
    const psub = c.patterns.size;
    const multi = c.multi === null ? -1 : c.multi.length;
    const omem = conn.socket.writableLength;
    return (
      `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name} age=${info.ageSec} idle=${info.idleSec} ` +
      `flags=${info.flags} db=${c.dbIndex} sub=${sub} psub=${psub} ssub=0 multi=${multi} qbuf=0 qbuf-free=0 argv-mem=0 ` +
      `multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=${omem} tot-mem=${omem + 1024} events=${omem > 0 ? 'rw' : 'r'} ` +
      `cmd=${info.cmd} user=${info.user} redir=-1 resp=${c.resp}`
    );
  }

  list(filter?: (c: ClientInfo) => boolean): ClientInfo[] {
    const out: ClientInfo[] = [];
    for (const conn of this.conns.values()) {
      const i = this.info(conn);
      if (!filter || filter(i)) out.push(i);
    }
    for (const link of this.links.values()) {
      const i = this.info(link);
      if (!filter || filter(i)) out.push(i);
    }
    // in id order, as Redis lists its clients (the master link was created among the connections)
    if (this.links.size > 0) out.sort((a, b) => a.state.id - b.state.id);
    return out;
  }

  infoLine(client: ClientState): string {
    const conn = this.conns.get(client.id) ?? this.links.get(client.id);
    return conn ? this.lineOf(conn, this.info(conn)) : '';
  }

  byId(id: number): ClientInfo | undefined {
    const conn = this.conns.get(id) ?? this.links.get(id);
    return conn ? this.info(conn) : undefined;
  }

  /**
   * CLIENT KILL: closes every client that matches, and returns how many. The caller is skipped
   * when skipCaller (SKIPME yes); killing itself, it gets its reply first and is closed after it,
   * as Redis's CLIENT_CLOSE_AFTER_REPLY. Others are closed at once, pending output dropped.
   */
  kill(match: (c: ClientInfo) => boolean, caller: ClientState, skipCaller: boolean): number {
    let n = 0;
    for (const conn of [...this.conns.values(), ...this.links.values()]) {
      const self = conn.client === caller;
      if (self && skipCaller) continue;
      if (!match(this.info(conn))) continue;
      n++;
      if (self) conn.closeAfterReply();
      else conn.close();
    }
    return n;
  }

  // --- CLIENT PAUSE ---

  /** As Redis's pauseClients: the stronger mode and the later end win over a pause in force. */
  pause(untilMs: number, mode: 'all' | 'write'): void {
    if (!this.pauseActive) {
      this.pauseActive = true;
      this.pauseMode = mode;
      this.pauseEnd = untilMs;
    } else {
      if (mode === 'all') this.pauseMode = 'all';
      if (untilMs > this.pauseEnd) this.pauseEnd = untilMs;
    }
    this.armPauseTimer();
  }

  private armPauseTimer(): void {
    if (this.pauseTimer !== null) clearTimeout(this.pauseTimer);
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, this.pauseEnd - this.core.clock.now()));
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = null;
      if (this.core.clock.now() >= this.pauseEnd) this.unpause();
      else this.armPauseTimer();
    }, wait);
    this.pauseTimer.unref();
  }

  /** Ends the pause; held requests run, connection by connection, in the order they paused. */
  unpause(): void {
    if (this.pauseTimer !== null) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    this.pauseActive = false;
    this.pauseEnd = 0;
    if (this.held.size === 0) return;
    const held = [...this.held];
    this.held.clear();
    // After the current command (CLIENT UNPAUSE may run inside EXEC): never nest other
    // clients' commands in it. Until then their new requests keep queueing behind the held ones.
    setImmediate(() => {
      for (const conn of held) conn.resumeHeld();
    });
  }

  /**
   * Whether a request must wait for the pause to end: every request under PAUSE ALL; under
   * PAUSE WRITE, writes and may-replicate commands (and EXEC of a transaction holding one).
   */
  mustWait(conn: Connection, argv: string[]): boolean {
    if (!this.pauseActive) return false;
    if (this.pauseMode === 'all') return true;
    const spec = this.core.dispatcher.resolve(argv);
    if (typeof spec === 'string') return false;
    const c = conn.client;
    if (spec.name === 'exec' && c.multi !== null) return c.multi.some((q) => mayReplicate(q.spec));
    // queued into MULTI, a write waits only at EXEC
    if (c.multi !== null && spec.name !== 'exec') return false;
    return mayReplicate(spec);
  }

  /** A connection started holding requests (Connection calls it). */
  holdUntilUnpause(conn: Connection): void {
    this.held.add(conn);
  }

  // --- MONITOR ---

  monitor(client: ClientState): void {
    const conn = this.conns.get(client.id);
    if (!conn) return;
    (conn.client as Client).isMonitor = true;
    this.monitors.add(conn);
  }

  /** Stops a client's MONITOR feed (RESET). */
  unmonitor(client: ClientState): void {
    const conn = this.conns.get(client.id);
    if (!conn) return;
    (conn.client as Client).isMonitor = false;
    this.monitors.delete(conn);
  }

  /** CLIENT UNBLOCK: handled by the blocked-client registry. */
  unblock(id: number, withError: boolean): boolean {
    return this.core.blocking.unblock(id, withError);
  }

  /** The connection of a client id (the blocking registry keeps it to reply later). */
  connectionOf(id: number): Connection | undefined {
    return this.conns.get(id);
  }

  /** Sends a MONITOR line as Redis's replicationFeedMonitors: +<sec>.<usec> [<db> <addr>] "arg" ... */
  feedMonitors(client: Client, argv: string[]): void {
    const now = this.core.clock.now();
    const sec = Math.floor(now / 1000);
    const usec = String(Math.floor((now % 1000) * 1000)).padStart(6, '0');
    let line = `${sec}.${usec} [${client.dbIndex} ${client.addr}]`;
    for (let i = 0; i < argv.length; i++) line += ` ${catRepr(argv[i])}`;
    const reply = Reply.simple(line);
    for (const m of this.monitors) m.push(reply);
  }

  /** Idle timeout: closes normal clients idle longer than `timeout` seconds. */
  cron(): void {
    const timeout = this.core.config.getNumber('timeout');
    if (timeout <= 0) return;
    const now = this.core.clock.now();
    for (const conn of [...this.conns.values()]) {
      const c = conn.client;
      if (c.isMonitor || c.channels.size + c.patterns.size > 0 || c.blocked || this.held.has(conn)) continue;
      if (now - c.lastInteraction > timeout * 1000) {
        this.core.log.debug({ client: c.addr }, 'Closing idle client');
        conn.close();
      }
    }
  }
}

function mayReplicate(spec: CommandSpec): boolean {
  return spec.isWrite || spec.flags.includes('may_replicate');
}
