/**
 * What the master side of replication needs from the server, declared here so that replication/
 * never imports server/ (server/replication-host.ts implements MasterHost). Types only.
 */
import type { ClientState } from '../commands/context.js';
import type { Propagator } from '../exec/propagator.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { RdbValueOptions } from '../persistence/rdb-values.js';
import type { Reply } from '../protocol/reply.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ReplicaTransport } from './replica-connection.js';

export interface OutputLimitSpec {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** The replica side as the master sees it (F's ReplicaLink satisfies it). */
export interface ReplicaSideView {
  /** REPLICAOF host port is in force. */
  readonly isReplica: boolean;
  /** master_link_status:up. */
  readonly linkUp: boolean;
  /** The master client's selected db (repl-stream-db of a chained replica's snapshot). */
  streamDb?(): number;
}

/** What the master side needs from the server (server/server-core.ts implements it). */
export interface MasterHost {
  readonly config: { get(name: string): string; getNumber(name: string): number; getBool(name: string): boolean };
  readonly keyspace: Keyspace;
  readonly log: Logger;
  readonly clock: Clock;
  readonly propagator: Propagator;
  readonly redisVersion: string;
  /** The replica side (may be read lazily: it is created after the master side). */
  replicaSide(): ReplicaSideView;
  /** Hands a client's connection over to replication (raw output from now on); null when it is gone. */
  takeOver(client: ClientState): ReplicaTransport | null;
  /** Answers a client whose command returned BLOCKED (WAIT). */
  unblock(client: ClientState, reply: Reply): void;
  /** The client is still connected. */
  connected(client: ClientState): boolean;
  /** client-output-buffer-limit replica. */
  replicaOutputLimit(): OutputLimitSpec | null;
  rdbValueOptions(): RdbValueOptions;
  usedMemory(): number;
}
