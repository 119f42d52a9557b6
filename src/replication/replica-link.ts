/**
 * The replica side of replication (Redis's replication.c, replica half), as the server sees it:
 * REPLICAOF host port / NO ONE (replicationSetMaster / replicationUnsetMaster) and `replicaof` at
 * startup, -READONLY and -MASTERDOWN, ROLE and INFO replication's replica fields, and the
 * replication info an RDB saved on a replica carries. The connection to the master (handshake,
 * payload, stream, ACKs, reconnection) is master-link.ts's; the server wiring (master client in the
 * client list, loading, sub-replicas) is the host's (server/replica-host.ts).
 */
import type { CommandContext } from '../commands/context.js';
import type { CommandSpec } from '../commands/table.js';
import { Err } from '../protocol/errors.js';
import type { Logger } from '../util/logger.js';
import { MasterLink } from './master-link.js';
import type { ReplicaLinkHost, ReplState } from './replica-link-host.js';

export type { ReplicaLinkHost, ReplState } from './replica-link-host.js';

export class ReplicaLink {
  masterHost: string | null = null;
  masterPort = 0;
  private readonly link: MasterLink;

  constructor(private readonly host: ReplicaLinkHost) {
    this.link = new MasterLink(host);
  }

  /** nodis is a replica (REPLICAOF host port in force). */
  get isReplica(): boolean {
    return this.masterHost !== null;
  }

  /** master_link_status:up. */
  get linkUp(): boolean {
    return this.link.state === 'connected';
  }

  /** Whether ctx is the master client's (its writes are never refused). */
  isMasterClient(ctx: CommandContext): boolean {
    return this.link.isMasterClient(ctx);
  }

  /**
   * -READONLY for a write from a normal client on a read-only replica (processCommand). The
   * caller exempts the master client.
   */
  writeRefusal(isWrite: boolean): string | null {
    if (this.masterHost === null || !isWrite || !this.host.config.getBool('replica-read-only')) return null;
    return Err.readonly;
  }

  /**
   * -MASTERDOWN for commands without the `stale` flag (and EXEC of a queue holding one) while the
   * link is down and replica-serve-stale-data is no.
   */
  staleRefusal(ctx: CommandContext, spec: CommandSpec): string | null {
    if (this.masterHost === null || this.link.state === 'connected' || this.isMasterClient(ctx)) return null;
    if (this.host.config.getBool('replica-serve-stale-data')) return null;
    const stale = (s: CommandSpec) => s.flags.includes('stale');
    const multi = ctx.client.multi;
    if (stale(spec) && !(spec.name === 'exec' && multi !== null && !multi.every((q) => stale(q.spec)))) return null;
    return Err.masterDown;
  }

  private get log(): Logger {
    return this.host.log;
  }

  // --- REPLICAOF ---

  /**
   * REPLICAOF host port (replicationSetMaster). `from` names the requesting client for the log
   * ('' at startup from the config file). Returns false when already replicating that master.
   */
  replicaOf(host: string, port: number, from: string | null): boolean {
    if (this.masterHost === host && this.masterPort === port) return false;
    const wasMaster = this.masterHost === null;
    this.masterHost = host;
    this.masterPort = port;
    this.link.drop();
    this.host.setReplicaMode(true);
    // our replicas must resync with us: they may be able to continue, but learn of the change
    this.host.disconnectReplicas();
    if (wasMaster) {
      this.log.info(
        'Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.',
      );
    }
    // CONFIG GET replicaof (and CONFIG REWRITE) show the master in force
    this.host.config.set('replicaof', `${host} ${port}`);
    this.link.start(host, port, wasMaster ? { cached: true, masterDb: 0 } : null);
    if (from !== null) this.log.info(`REPLICAOF ${host}:${port} enabled (user request from '${from}')`);
    return true;
  }

  /** REPLICAOF NO ONE (replicationUnsetMaster): keep the data, shift the replication id. */
  noOne(from: string | null): void {
    if (this.masterHost === null) return;
    this.link.stop();
    this.masterHost = null;
    this.masterPort = 0;
    this.host.config.set('replicaof', 'no one');
    this.host.setReplicaMode(false);
    // the old id stays valid as replid2 up to here: replicas of the old master can continue with us
    this.host.state.shiftReplicationId();
    this.log.info(`Setting secondary replication ID to ${this.host.state.replid2}, valid up to offset: ${this.host.state.secondReplOffset}. New replication ID is ${this.host.state.replid}`);
    this.host.disconnectReplicas();
    if (from !== null) this.log.info(`MASTER MODE enabled (user request from '${from}')`);
  }

  /**
   * At startup with `replicaof` configured: the RDB's repl-id/repl-offset (when it had them)
   * become the cached master, so the first PSYNC may continue where the file stopped.
   */
  startFromConfig(loaded: { id: string; offset: number; streamDb: number } | null): void {
    const conf = this.host.config.get('replicaof');
    if (conf === '') return;
    const sp = conf.lastIndexOf(' ');
    const host = conf.slice(0, sp);
    const port = Number(conf.slice(sp + 1));
    if (loaded !== null) this.host.state.adopt(loaded.id, loaded.offset);
    this.masterHost = host;
    this.masterPort = port;
    this.host.setReplicaMode(true);
    this.link.start(host, port, { cached: loaded !== null, masterDb: loaded?.streamDb ?? 0 });
  }

  /** Server shutdown: closes the link and stops the timer (the replica role stays configured). */
  close(): void {
    this.link.close();
  }

  /**
   * The replication info an RDB saved now should carry (rdbPopulateSaveInfo, replica case): the
   * master's id, our processed offset and the master client's db; null when not a replica or when
   * there is no history a master could continue.
   */
  saveInfo(): { id: string; offset: number; streamDb: number } | null {
    if (this.masterHost === null || !this.link.hasHistory) return null;
    return { id: this.host.state.replid, offset: this.host.state.offset, streamDb: this.link.streamDb() };
  }

  /** The master client's selected db: repl-stream-db of a snapshot our own replicas get. */
  streamDb(): number {
    return this.link.streamDb();
  }

  // --- ROLE / INFO ---

  /** ROLE for a replica: master host, port, state, offset (-1 before the master client exists). */
  role(): { host: string; port: number; state: ReplState; offset: number } {
    return {
      host: this.masterHost ?? '',
      port: this.masterPort,
      state: this.link.state,
      offset: this.link.attached ? this.host.state.offset : -1,
    };
  }

  /**
   * INFO replication's replica lines, role:slave to replica_announced (genRedisInfoString); the
   * master side appends connected_slaves and the rest. Empty when not a replica.
   */
  infoFields(): string[] {
    if (this.masterHost === null) return [];
    const now = this.host.clock.now();
    const sec = (ms: number) => Math.floor((now - ms) / 1000);
    const link = this.link;
    const state = link.state;
    const replOffset = link.hasHistory ? this.host.state.offset : 1;
    const readOffset = link.attached ? link.readOffset : replOffset;
    const lines = [
      'role:slave',
      `master_host:${this.masterHost}`,
      `master_port:${this.masterPort}`,
      `master_link_status:${state === 'connected' ? 'up' : 'down'}`,
      `master_last_io_seconds_ago:${link.attached ? sec(link.lastIo) : -1}`,
      `master_sync_in_progress:${state === 'sync' ? 1 : 0}`,
      `slave_read_repl_offset:${readOffset}`,
      `slave_repl_offset:${replOffset}`,
    ];
    const t = link.transferProgress();
    if (state === 'sync' && t !== null) {
      const size = Math.max(0, t.size);
      const read = t.read;
      lines.push(
        `master_sync_total_bytes:${t.size}`,
        `master_sync_read_bytes:${read}`,
        `master_sync_left_bytes:${t.size - read}`,
        `master_sync_perc:${(size > 0 ? (read / size) * 100 : 0).toFixed(2)}`,
        `master_sync_last_io_seconds_ago:${sec(t.lastIo)}`,
      );
    }
    if (state !== 'connected') lines.push(`master_link_down_since_seconds:${link.downSince !== 0 ? sec(link.downSince) : -1}`);
    const c = this.host.config;
    lines.push(
      `slave_priority:${c.getNumber('replica-priority')}`,
      `slave_read_only:${c.getBool('replica-read-only') ? 1 : 0}`,
      `replica_announced:${c.getBool('replica-announced') ? 1 : 0}`,
    );
    return lines;
  }
}
