/**
 * A full resync's payload, replica side (readSyncBulkPayload): the snapshot after +FULLRESYNC is
 * framed by sync-payload.ts (`$<len>` or `$EOF:<mark>`) into a temp file in dir, then loaded
 * replacing the dataset (-LOADING meanwhile) and renamed to dbfilename only once it loaded whole.
 * The stream bytes that arrive with or after the payload are held and handed to the link with the
 * result. Connecting, the handshake and the stream are replica-link.ts's.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RdbLoadResult } from '../persistence/rdb-loader.js';
import type { MasterSocket } from './replica-handshake.js';
import type { ReplicaLinkHost } from './replica-link-host.js';
import { SyncPayloadReader } from './sync-payload.js';

/** What the payload loader needs from the link. */
export interface PayloadOwner {
  readonly host: ReplicaLinkHost;
  /** The attempt `gen` is still the link's current one. */
  current(gen: number): boolean;
  /** Bytes arrived from the master (master_last_io). */
  touched(): void;
  /**
   * The transfer (bad framing) or the load failed: the attempt is dropped and retried; after a failed
   * load (the dataset was emptied) without the cached history, so as a full resync.
   */
  failed(loadFailed: boolean): void;
  /**
   * The payload is loaded and the replication id and offset adopted: the link goes online, applies
   * `held` (the stream that came after the payload) and resumes the paused socket.
   */
  loaded(a: MasterSocket, gen: number, streamDb: number, offset: number, held: Buffer[]): void;
}

export class PayloadLoader {
  /** The transfer in progress: payload size/read for INFO. */
  private transfer: { reader: SyncPayloadReader; tmp: string; fd: number; lastIo: number } | null = null;
  /** The snapshot being loaded: aborted when the attempt is dropped; a next load waits for it. */
  private load: { abort: AbortController; done: Promise<unknown> } | null = null;

  constructor(private readonly owner: PayloadOwner) {}

  private get host(): ReplicaLinkHost {
    return this.owner.host;
  }

  /** The transfer's progress (INFO master_sync_*), null when no payload is being received. */
  progress(): { size: number; read: number; lastIo: number } | null {
    const t = this.transfer;
    return t === null ? null : { size: t.reader.size, read: t.reader.read, lastIo: t.lastIo };
  }

  /** Receives the payload from the attempt's socket (what the handshake read past +FULLRESYNC first). */
  begin(a: MasterSocket, gen: number, replid: string, offset: number): void {
    const log = this.host.log;
    const dir = this.host.config.get('dir');
    const tmp = path.resolve(dir, `temp-${this.host.clock.now()}.${process.pid}.rdb`);
    const fd = fs.openSync(tmp, 'w');
    const reader = new SyncPayloadReader({ write: (b) => writeAll(fd, b) });
    this.transfer = { reader, tmp, fd, lastIo: this.host.clock.now() };
    let announced = false;
    const onChunk = (chunk: Buffer): void => {
      if (!this.owner.current(gen) || this.transfer === null) return;
      this.transfer.lastIo = this.host.clock.now();
      let used: number;
      try {
        used = reader.feed(chunk);
      } catch (e) {
        log.warn(e instanceof Error ? e.message : String(e));
        this.owner.failed(false);
        return;
      }
      if (!announced && reader.started) {
        announced = true;
        if (reader.eofForm) log.info('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk');
        else log.info(`MASTER <-> REPLICA sync: receiving ${reader.size} bytes from master to disk`);
      }
      if (!reader.done) return;
      // what follows the payload is the stream: held until the dataset is loaded
      a.socket.pause();
      a.socket.removeAllListeners('data');
      const rest = chunk.subarray(used);
      const held: Buffer[] = rest.length > 0 ? [rest] : [];
      a.socket.on('data', (c: Buffer) => {
        this.owner.touched();
        held.push(c);
      });
      void this.loadPayload(a, gen, replid, offset, held);
    };
    a.socket.removeAllListeners('data');
    a.socket.on('data', onChunk);
    const pending = a.takeRest();
    if (pending.length > 0) onChunk(pending);
  }

  private async loadPayload(a: MasterSocket, gen: number, replid: string, offset: number, held: Buffer[]): Promise<void> {
    const t = this.transfer!;
    this.transfer = null;
    const host = this.host;
    const log = host.log;
    let streamDb: number;
    try {
      fs.closeSync(t.fd);
      const file = path.resolve(host.config.get('dir'), host.config.get('dbfilename'));
      // an abandoned load must have stopped before the dataset is flushed again
      if (this.load !== null) await this.load.done;
      if (!this.owner.current(gen)) {
        fs.rmSync(t.tmp, { force: true });
        return;
      }
      log.info('MASTER <-> REPLICA sync: Flushing old data');
      host.flushAll();
      log.info('MASTER <-> REPLICA sync: Loading DB in memory');
      // loaded from the temp file, which becomes dbfilename only once it loaded whole (Redis renames
      // first, and a corrupt payload then stays as the dump a restart refuses to load)
      const abort = new AbortController();
      const loading = host.loadRdb(t.tmp, abort.signal);
      const load = { abort, done: loading.catch(() => {}) };
      this.load = load;
      let result: RdbLoadResult;
      try {
        result = await loading;
      } finally {
        if (this.load === load) this.load = null;
      }
      if (!this.owner.current(gen)) {
        // REPLICAOF changed meanwhile: the data is whole, but this master's id and offset no longer apply
        fs.rmSync(t.tmp, { force: true });
        return;
      }
      fs.renameSync(t.tmp, file);
      host.fullSyncLoaded();
      host.state.adopt(replid, offset);
      streamDb = result.repl?.streamDb ?? 0;
      log.info('MASTER <-> REPLICA sync: Finished with success');
    } catch (e) {
      fs.rmSync(t.tmp, { force: true });
      // never serve a partly loaded dataset as complete: empty, and a full resync again
      host.flushAll();
      if (!this.owner.current(gen)) return;
      log.warn(`Failed trying to load the MASTER synchronization DB from disk, check server logs. (${e instanceof Error ? e.message : String(e)})`);
      this.owner.failed(true);
      return;
    }
    this.owner.loaded(a, gen, streamDb, offset, held);
  }

  /** The attempt is dropped: the temp file goes, a running load is aborted. */
  abort(): void {
    const t = this.transfer;
    if (t !== null) {
      this.transfer = null;
      try {
        fs.closeSync(t.fd);
      } catch {
        /* already closed */
      }
      fs.rmSync(t.tmp, { force: true });
    }
    this.load?.abort.abort(new Error('replication attempt cancelled'));
  }
}

function writeAll(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
}
