/**
 * The server side of the replica link (replication/replica-link.ts): the master client in the
 * client list (flags M), running the master's commands through the dispatcher, loading the
 * full resync's RDB with -LOADING and INFO loading_* figures, and telling the master side that
 * its replicas must resync. The link owns the protocol; this file only wires the server.
 */
import type net from 'node:net';
import { type CommandContext, newCommandContext } from '../commands/context.js';
import { loadRdbFile, type RdbLoadResult } from '../persistence/rdb-loader.js';
import { rdbValueOptionsFrom } from '../persistence/rdb-values.js';
import type { ReplicaLinkHost } from '../replication/replica-link.js';
import { Client } from './client.js';
import type { LinkClient } from './client-registry.js';
import type { ServerCore } from './server-core.js';

export function replicaLinkHost(core: ServerCore): ReplicaLinkHost {
  return {
    config: core.config,
    keyspace: core.keyspace,
    log: core.log,
    clock: core.clock,
    // one replication identity and stream, master or replica: the master side's
    get state() {
      return core.replication.state;
    },
    listeningPort: () => core.port,
    execute(ctx, argv) {
      (ctx.client as Client).lastInteraction = core.clock.now();
      return core.dispatcher.process(ctx, argv);
    },
    attachMasterClient(socket: net.Socket, kill: () => void) {
      const remote = `${socket.remoteAddress}:${socket.remotePort}`;
      const local = `${socket.localAddress}:${socket.localPort}`;
      const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
      const client = new Client(core.clients.allocateId(), remote, local, fd, core.clock.now(), true, {
        push: () => {},
        closeAfterReply: kill,
      });
      client.isMaster = true;
      const ctx = newCommandContext(client, core.ops);
      const link: LinkClient = { client, ctx, socket, linkType: 'master', close: kill, closeAfterReply: kill };
      core.clients.addLink(link);
      return {
        ctx,
        detach: () => core.clients.removeLink(link),
      };
    },
    async loadRdb(file: string, signal: AbortSignal): Promise<RdbLoadResult> {
      const status = core.loadStatus;
      status.begin(Math.floor(core.clock.now() / 1000), 0);
      core.loading = true;
      let result: RdbLoadResult;
      try {
        result = await loadRdbFile(
          file,
          core.keyspace,
          // a replica keeps keys whose TTL passed: the master's DEL removes them (Redis's rdbLoad on a replica)
          { values: rdbValueOptionsFrom(core.configService), now: () => core.clock.now(), skipExpired: false, signal },
          (p) => {
            status.totalBytes = p.totalBytes;
            status.loadedBytes = p.loadedBytes;
            status.rdbUsedMem = p.usedMem;
          },
        );
      } finally {
        core.loading = false;
      }
      const aux = result.aux;
      if (aux.redisVer !== undefined) core.log.info(`Loading RDB produced by version ${aux.redisVer}`);
      if (aux.ctime !== undefined) core.log.info(`RDB age ${Math.max(0, Math.floor(core.clock.now() / 1000) - aux.ctime)} seconds`);
      if (aux.usedMem !== undefined) core.log.info(`RDB memory usage when created ${(aux.usedMem / 1024 / 1024).toFixed(2)} Mb`);
      status.lastKeysLoaded = result.keysLoaded;
      status.lastKeysExpired = result.keysExpired;
      status.lastResult = result;
      core.log.info(`Done loading RDB, keys loaded: ${result.keysLoaded}, keys expired: ${result.keysExpired}.`);
      return result;
    },
    streamOnHold: () => core.loading || core.clients.pauseActive,
    flushAll() {
      for (const db of core.keyspace.dbs) db.flush();
    },
    fullSyncLoaded() {
      // the AOF holds the old dataset: rewritten from the loaded one (Redis's restartAOFAfterSYNC)
      if (core.aof.state === 'off') return;
      core.aofRewriter.cancel();
      core.aofRewriter.start();
    },
    setReplicaMode(on: boolean) {
      // a replica hides logically expired keys but waits for the master's DEL to remove them
      core.keyspace.env.deleteExpired = !on;
      core.dispatcher.staleChecks = on;
    },
    disconnectReplicas() {
      core.replication.disconnectReplicas();
    },
  };
}
