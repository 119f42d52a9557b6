/**
 * The replication identity and stream, master or replica alike: replid/replid2,
 * master_repl_offset and the backlog. Every byte of the replication stream passes through
 * feed(): the master's propagator listener (master.ts) on a master, the replica link verbatim on
 * a replica (so chained replicas see the same stream and offsets). Feed listeners (the
 * online replica connections) are told about each chunk after the backlog has it.
 */

import crypto from 'node:crypto';
import { ReplicationBacklog } from './backlog.js';

export const NULL_REPLID = '0'.repeat(40);

/** Told about each chunk fed: buf[start, end) (valid only during the call: copy what you keep). */
export type FeedListener = (buf: Buffer, start: number, end: number) => void;

export function randomReplid(): string {
  return crypto.randomBytes(20).toString('hex');
}

export class ReplicationState {
  replid: string;
  replid2 = NULL_REPLID;
  secondReplOffset = -1;
  readonly backlog: ReplicationBacklog;
  private _offset = 0;
  private listeners: FeedListener[] = [];

  constructor(backlogSize: number, replid: string = randomReplid()) {
    this.replid = replid;
    this.backlog = new ReplicationBacklog(backlogSize);
  }

  /** master_repl_offset: bytes fed to the stream so far. */
  get offset(): number {
    return this._offset;
  }

  /** Called with each chunk fed (after the backlog took it). Returns the remover. */
  addFeedListener(l: FeedListener): () => void {
    this.listeners = [...this.listeners, l];
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }

  /**
   * Appends raw stream bytes. The backlog is created on first use when missing (Redis counts
   * master_repl_offset only while a backlog exists; callers that must not start one check
   * backlog.active first, as the master's listener does).
   */
  feed(bytes: Buffer): void {
    this.feedRange(bytes, 0, bytes.length);
  }

  /** feed() of buf[start, end), without a subarray (the master's encoder feeds its scratch buffer). */
  feedRange(buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    if (!this.backlog.active) this.backlog.create(this._offset);
    this.backlog.appendRange(buf, start, end);
    this._offset += end - start;
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i](buf, start, end);
  }

  /** REPLICAOF NO ONE: replid2 = replid, secondReplOffset = offset + 1, new random replid. */
  shiftReplicationId(): void {
    this.replid2 = this.replid;
    this.secondReplOffset = this._offset + 1;
    this.replid = randomReplid();
  }

  /**
   * A replica after +CONTINUE with a different id (its master was promoted): the old id becomes
   * replid2 valid up to the current offset, as Redis's replica does, and the new id is adopted.
   */
  switchToMasterReplid(newReplid: string): void {
    if (newReplid === this.replid) return;
    this.replid2 = this.replid;
    this.secondReplOffset = this._offset + 1;
    this.replid = newReplid;
  }

  /** New random id, no secondary id (Redis: a master's first replica when there was no backlog). */
  resetReplicationId(): void {
    this.replid = randomReplid();
    this.replid2 = NULL_REPLID;
    this.secondReplOffset = -1;
  }

  /**
   * A replica after a full sync / at start from an RDB with repl-id: adopt the master's id and
   * offset. The backlog restarts empty at that offset (its old content is another history).
   */
  adopt(replid: string, offset: number): void {
    this.replid = replid;
    this.replid2 = NULL_REPLID;
    this.secondReplOffset = -1;
    this._offset = offset;
    this.backlog.create(offset);
  }

  /** Whether PSYNC <replid> <offset> can continue: id match (replid2 only up to second_repl_offset) and offset in the backlog window. */
  canContinue(replid: string, psyncOffset: number): boolean {
    if (replid !== this.replid) {
      if (replid !== this.replid2 || this.replid2 === NULL_REPLID || psyncOffset > this.secondReplOffset) return false;
    }
    return this.backlog.canServe(psyncOffset);
  }
}
