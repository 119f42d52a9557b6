/**
 * The server side of the replication master (replication/master.ts): handing a client connection
 * over to replication after SYNC/PSYNC, answering WAIT's blocked clients, the replica output limit
 * and the values the snapshot needs. The master owns the protocol; this file only wires the server.
 */
import type { ClientState } from '../commands/context.js';
import { REDIS_VERSION } from '../config.js';
import { rdbValueOptionsFrom } from '../persistence/rdb-values.js';
import { ErrorReply, type Reply } from '../protocol/reply.js';
import type { MasterHost } from '../replication/master.js';
import type { ServerCore } from './server-core.js';

export function replicationMasterHost(core: ServerCore): MasterHost {
  core.configService.onSet(['repl-backlog-size'], () => {
    core.replication.applyBacklogSize();
    return null;
  });
  return {
    config: core.config,
    keyspace: core.keyspace,
    log: core.log,
    clock: core.clock,
    propagator: core.propagator,
    redisVersion: REDIS_VERSION,
    replicaSide: () => core.replicaLink,
    takeOver: (client: ClientState) => core.clients.connectionOf(client.id)?.becomeReplica() ?? null,
    unblock(client: ClientState, reply: Reply) {
      if (reply instanceof ErrorReply) core.errorReplied(reply.message);
      core.clients.connectionOf(client.id)?.unblocked(reply);
    },
    connected: (client: ClientState) => core.clients.connectionOf(client.id) !== undefined,
    replicaOutputLimit: () => core.configService.outputLimit('replica'),
    rdbValueOptions: () => rdbValueOptionsFrom(core.configService),
    usedMemory: () => process.memoryUsage().rss,
  };
}
