/**
 * What the replica side of replication needs from the server, declared here so that replication/
 * never imports server/ (server/replica-host.ts implements ReplicaLinkHost). Types only.
 */
import type net from 'node:net';
import type { CommandContext } from '../commands/context.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { RdbLoadResult } from '../persistence/rdb-loader.js';
import type { Reply } from '../protocol/reply.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ReplicationState } from './replication-state.js';

/** What the link needs from the server (server/replica-host.ts implements it). */
export interface ReplicaLinkHost {
  readonly config: { get(name: string): string; getNumber(name: string): number; getBool(name: string): boolean; set(name: string, value: string): void };
  readonly keyspace: Keyspace;
  readonly log: Logger;
  readonly clock: Clock;
  /** The replication identity and stream (the master side's ReplicationState). */
  readonly state: ReplicationState;
  /** The port this server listens on (REPLCONF listening-port). */
  listeningPort(): number;
  /** Runs a command of the master's stream as the master client, through the dispatcher's checks. */
  execute(ctx: CommandContext, argv: string[]): Reply;
  /** Creates the master client (CLIENT LIST flags=M; CLIENT KILL TYPE master calls kill). */
  attachMasterClient(socket: net.Socket, kill: () => void): { ctx: CommandContext; detach(): void };
  /** Loads the RDB file into the (flushed) dataset with -LOADING; keys with a past TTL are kept. Abortable. */
  loadRdb(file: string, signal: AbortSignal): Promise<RdbLoadResult>;
  /**
   * The master's commands must wait: a dataset load runs (they would get -LOADING), or clients are
   * paused (CLIENT PAUSE, and SAVE / DEBUG RELOAD, which Redis runs synchronously, hold every client;
   * Redis pauses the master client too).
   */
  streamOnHold(): boolean;
  /** Empties every db (a failed load must not leave a half dataset). */
  flushAll(): void;
  /** The dataset was replaced by a full sync: an AOF must be rewritten from it (restartAOFAfterSYNC). */
  fullSyncLoaded(): void;
  /** Entering (true) or leaving replica mode: keys stop expiring by themselves, -MASTERDOWN checks. */
  setReplicaMode(on: boolean): void;
  /** The stream's history changed (full resync, new master, promotion): replicas of ours must resync. */
  disconnectReplicas(): void;
}

/** Redis's repl_state, as ROLE names it. */
export type ReplState = 'none' | 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';
