/**
 * The master side's commands: SYNC, PSYNC, REPLCONF, WAIT, ROLE. The work is the replication
 * master's (replication/master.ts), reached through ctx.server.replication; REPLICAOF / SLAVEOF
 * are the replica side's (replicaof.ts).
 */
import { type CommandSpec, defineCommand } from './table.js';

/** SYNC -- full resynchronization, old style (no +FULLRESYNC line); the connection becomes a replica. */
export const sync = defineCommand({
  name: 'sync',
  arity: 1,
  flags: ['admin', 'noscript', 'no_multi'],
  run(ctx) {
    return ctx.server.replication.sync(ctx, null);
  },
});

/** PSYNC replicationid offset -- partial resync from the backlog (+CONTINUE) or a full one (+FULLRESYNC). */
export const psync = defineCommand({
  name: 'psync',
  arity: -3,
  flags: ['admin', 'noscript', 'no_multi'],
  run(ctx, [replid, offset]) {
    return ctx.server.replication.sync(ctx, { replid, offset });
  },
});

/** REPLCONF [option value ...] -- replica facts (listening-port, ip-address, capa) and ACKs. */
export const replconf = defineCommand({
  name: 'replconf',
  arity: -1,
  flags: ['admin', 'noscript', 'loading', 'stale', 'allow_busy'],
  run(ctx, args) {
    return ctx.server.replication.replconf(ctx, args);
  },
});

/** WAIT numreplicas timeout -- blocks until numreplicas replicas acknowledged this client's writes. */
export const wait = defineCommand({
  name: 'wait',
  arity: 3,
  flags: ['noscript'],
  run(ctx, [numreplicas, timeout]) {
    return ctx.server.replication.wait(ctx, numreplicas, timeout);
  },
});

/** ROLE -- master: offset and replicas; replica: master host, port, link state, offset. */
export const role = defineCommand({
  name: 'role',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast'],
  run(ctx) {
    return ctx.server.replication.role();
  },
});

export const replicationCommands: CommandSpec[] = [sync, psync, replconf, wait, role];
