/**
 * Full resync, master side (Redis's startBgsaveForReplication and the RDB transfer): one snapshot
 * of the keyspace for every replica waiting when it starts, sent diskless (`$EOF:<mark>\r\n<rdb>
 * <mark>` written to the sockets as the walk produces it) or through a BGSAVE to the dump file
 * (newlines meanwhile, then `$<len>\r\n<file>`). repl-diskless-sync-delay and -max-replicas decide
 * when it starts; replicas arriving during a snapshot get the next one.
 *
 * The stream bytes written after the snapshot's instant are held by each ReplicaConnection until
 * its payload is sent; the replica list, the stream and the +FULLRESYNC bookkeeping stay with
 * ReplicationMaster (master.ts), which owns this object.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Crc64 } from '../persistence/crc64.js';
import { BackgroundSave } from '../persistence/rdb-save.js';
import { type RdbHeaderInfo, RdbSnapshotSink } from '../persistence/rdb-snapshot-sink.js';
import { Snapshot } from '../persistence/snapshot.js';
import type { MasterHost } from './master-host.js';
import type { ReplicaConnection } from './replica-connection.js';
import type { ReplicationState } from './replication-state.js';

/** A diskless transfer pauses the walk while a target socket holds more than this. */
export const SOCKET_HIGH_WATER = 4 * 1024 * 1024;

/** What a full sync needs from the master side. */
export interface FullSyncOwner {
  readonly host: MasterHost;
  readonly state: ReplicationState;
  /** The connected replicas. */
  replicas(): Iterable<ReplicaConnection>;
  /** Hands the queued stream bytes to the replicas (those before the snapshot's instant). */
  flush(): void;
  /** repl-stream-db of the snapshot; after it the stream must select its db again. */
  snapshotStreamDb(): number;
  /** A snapshot ended (sent, failed or cancelled): replica states changed. */
  syncEnded(): void;
}

/** A full sync in progress: one snapshot, the replicas it is for. */
interface SyncJob {
  readonly kind: 'socket' | 'disk';
  readonly targets: Set<ReplicaConnection>;
  cancel(): void;
}

export class FullSync {
  private job: SyncJob | null = null;
  private startTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly owner: FullSyncOwner) {}

  private get host(): MasterHost {
    return this.owner.host;
  }

  /** A snapshot for replicas is being taken (BGSAVE and the save rules wait: one snapshot at a time). */
  get running(): boolean {
    return this.job !== null;
  }

  /** The running snapshot's kind, null when none runs. */
  get kind(): 'socket' | 'disk' | null {
    return this.job?.kind ?? null;
  }

  /** A replica went away: a snapshot left without targets is cancelled. */
  replicaGone(r: ReplicaConnection): void {
    const job = this.job;
    if (job !== null && job.targets.delete(r) && job.targets.size === 0) job.cancel();
  }

  /** Replicas waiting for a snapshot that has not started. */
  private waiting(): ReplicaConnection[] {
    const out: ReplicaConnection[] = [];
    for (const r of this.owner.replicas()) if (r.phase === 'wait_bgsave' && !r.buffering) out.push(r);
    return out;
  }

  /** Starts the next snapshot now (disk, delay 0) or after repl-diskless-sync-delay. */
  schedule(): void {
    if (this.job !== null || this.startTimer !== null) return;
    const waiting = this.waiting();
    if (waiting.length === 0) return;
    const diskless = this.host.config.getBool('repl-diskless-sync') && waiting.every((r) => r.facts.capaEof);
    const delay = diskless ? this.host.config.getNumber('repl-diskless-sync-delay') : 0;
    const max = this.host.config.getNumber('repl-diskless-sync-max-replicas');
    const ms = delay > 0 && !(max > 0 && waiting.length >= max) ? delay * 1000 : 0;
    this.startTimer = setTimeout(() => {
      this.startTimer = null;
      this.start();
    }, ms);
    this.startTimer.unref?.();
  }

  /** startBgsaveForReplication: one snapshot for every replica waiting now. */
  private start(): void {
    if (this.job !== null) return;
    const targets = this.waiting();
    if (targets.length === 0) return;
    const host = this.host;
    // another snapshot (BGSAVE, AOF rewrite) holds the keyspace: try again shortly
    if (host.keyspace.dbs.some((db) => db.observer !== null)) {
      if (this.retryTimer === null) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.schedule();
        }, 100);
        this.retryTimer.unref?.();
      }
      return;
    }
    const diskless = host.config.getBool('repl-diskless-sync') && targets.every((r) => r.facts.capaEof);
    // stream bytes before the snapshot's instant belong to the other replicas only
    this.owner.flush();
    const streamDb = this.owner.snapshotStreamDb();
    const state = this.owner.state;
    const header: RdbHeaderInfo = {
      redisVer: host.redisVersion,
      ctime: Math.floor(host.clock.now() / 1000),
      usedMem: host.usedMemory(),
      repl: { streamDb, id: state.replid, offset: state.offset },
      aofBase: false,
    };
    const fullresync = Buffer.from(`+FULLRESYNC ${state.replid} ${state.offset}\r\n`, 'latin1');
    for (const r of targets) {
      if (!r.oldSync) r.transport.write(fullresync);
      r.buffering = true;
    }
    host.log.info(`Starting BGSAVE for SYNC with target: ${diskless ? 'replicas sockets' : 'disk'}`);
    try {
      this.job = diskless ? this.socketSync(new Set(targets), header) : this.diskSync(new Set(targets), header);
    } catch (e) {
      host.log.warn(`BGSAVE for replication failed: ${(e as Error).message}`);
      for (const r of targets) r.transport.close();
    }
  }

  // --- Diskless ---

  /** Diskless: `$EOF:<mark>\r\n<rdb><mark>` written to every target socket as the walk produces it. */
  private socketSync(targets: Set<ReplicaConnection>, header: RdbHeaderInfo): SyncJob {
    const host = this.host;
    const mark = crypto.randomBytes(20).toString('hex');
    const crc = host.config.getBool('rdbchecksum') ? new Crc64() : null;
    const preamble = Buffer.from(`$EOF:${mark}\r\n`, 'latin1');
    for (const r of targets) {
      r.phase = 'send_bulk';
      r.transport.write(preamble);
    }
    const waitDrain = (): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          let busy = false;
          for (const r of targets) if (r.transport.pending() > SOCKET_HIGH_WATER) busy = true;
          if (!busy) resolve();
          else setTimeout(check, 2);
        };
        check();
      });
    const consumer = {
      write: (chunk: Buffer): boolean => {
        crc?.update(chunk);
        let ok = true;
        for (const r of targets) {
          r.transport.write(chunk);
          if (r.transport.pending() > SOCKET_HIGH_WATER) ok = false;
        }
        return ok;
      },
      drain: waitDrain,
    };
    // strings go uncompressed: LZF on the main thread would cost more than the bytes saved on a link
    const values = { ...host.rdbValueOptions(), compress: false };
    const sink = new RdbSnapshotSink(consumer, values, header);
    const snapshot = Snapshot.start(host.keyspace, sink);
    const job: SyncJob = {
      kind: 'socket',
      targets,
      cancel: () => snapshot.cancel(),
    };
    snapshot.run({ maxMs: 2 }).then(
      () => {
        const tail = Buffer.concat([crc !== null ? crc.bytesLE() : Buffer.alloc(8), Buffer.from(mark, 'latin1')]);
        this.owner.flush();
        for (const r of targets) {
          r.transport.write(tail);
          // online, but the held stream waits for the replica's first ACK (it has loaded the payload)
          r.phase = 'online';
          r.awaitAck = true;
          // lag and repl-timeout count from here (Redis's repl_ack_time when put online)
          r.ackTime = host.clock.now();
          host.log.info(`Streamed RDB transfer with replica ${r.ip}:${r.facts.listeningPort} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming`);
        }
        this.done(job);
      },
      (e: unknown) => {
        if (targets.size > 0) host.log.warn(`Diskless rdb transfer failed: ${(e as Error).message}`);
        for (const r of targets) r.transport.close();
        this.done(job);
      },
    );
    return job;
  }

  // --- Disk-based ---

  /** Disk-based: a BGSAVE to the dump file, newlines meanwhile, then `$<len>\r\n<file>`. */
  private diskSync(targets: Set<ReplicaConnection>, header: RdbHeaderInfo): SyncJob {
    const host = this.host;
    const config = host.config;
    const dir = config.get('dir');
    const filename = config.get('dbfilename');
    const save = new BackgroundSave(host.keyspace, {
      dir,
      filename,
      checksum: config.getBool('rdbchecksum'),
      values: host.rdbValueOptions(),
      header,
      slice: { maxMs: 2 },
    });
    let cancelled = false;
    const job: SyncJob = {
      kind: 'disk',
      targets,
      cancel: () => {
        cancelled = true;
        save.cancel();
      },
    };
    save.done.then(
      (res) => {
        if (cancelled || targets.size === 0) return this.done(job);
        let data: Buffer;
        try {
          data = fs.readFileSync(path.resolve(dir, res.path));
        } catch (e) {
          host.log.warn(`SYNC failed. Can't open/stat DB after BGSAVE: ${(e as Error).message}`);
          for (const r of targets) r.transport.close();
          return this.done(job);
        }
        host.log.info('Background saving terminated with success');
        this.owner.flush();
        const head = Buffer.from(`$${data.length}\r\n`, 'latin1');
        for (const r of targets) {
          r.phase = 'send_bulk';
          r.transport.write(head);
          r.transport.write(data);
          r.goOnline();
          host.log.info(`Synchronization with replica ${r.ip}:${r.facts.listeningPort} succeeded`);
        }
        this.done(job);
      },
      (e: unknown) => {
        host.log.warn(`BGSAVE for replication failed: ${(e as Error).message}`);
        for (const r of targets) r.transport.close();
        this.done(job);
      },
    );
    return job;
  }

  private done(job: SyncJob): void {
    if (this.job === job) this.job = null;
    this.owner.syncEnded();
    // replicas that arrived meanwhile get the next snapshot
    this.schedule();
  }

  /** Server shutdown: the snapshot and the timers go. */
  close(): void {
    this.job?.cancel();
    if (this.startTimer !== null) clearTimeout(this.startTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.startTimer = null;
    this.retryTimer = null;
  }
}
