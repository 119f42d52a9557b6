/**
 * The command table: every family's specs, by lowercase name.
 */
import { bitCommands } from './bits.js';
import { blockingCommands } from './blocking.js';
import { clientCommands } from './client.js';
import { commandCommands } from './command.js';
import { configCommands } from './config.js';
import { hashCommands } from './hashes.js';
import { connectionCommands } from './connection.js';
import { counterCommands } from './counters.js';
import { debugCommands } from './debug.js';
import { dumpCommands } from './dump.js';
import { expireCommands } from './expire.js';
import { keyCommands } from './keys.js';
import { listCommands } from './lists.js';
import { objectCommands } from './object.js';
import { persistenceCommands } from './persistence.js';
import { replicaofCommands } from './replicaof.js';
import { replicationCommands } from './replication.js';
import { pubsubCommands } from './pubsub.js';
import { scriptingCommands } from './scripting.js';
import { serverCommands } from './server.js';
import { setCommands } from './sets.js';
import { sortCommands } from './sort.js';
import { stringRangeCommands } from './string-ranges.js';
import { stringCommands } from './strings.js';
import type { CommandSpec } from './table.js';
import { transactionCommands } from './transactions.js';
import { zsetAlgebraCommands } from './zset-algebra.js';
import { zsetCommands } from './zsets.js';

export const FAMILIES: readonly (readonly CommandSpec[])[] = [
  connectionCommands,
  clientCommands,
  stringCommands,
  counterCommands,
  stringRangeCommands,
  bitCommands,
  keyCommands,
  expireCommands,
  objectCommands,
  serverCommands,
  commandCommands,
  debugCommands,
  configCommands,
  transactionCommands,
  pubsubCommands,
  scriptingCommands,
  listCommands,
  blockingCommands,
  setCommands,
  hashCommands,
  sortCommands,
  zsetAlgebraCommands,
  zsetCommands,
  dumpCommands,
  persistenceCommands,
  replicaofCommands,
  replicationCommands,
];
export function buildCommandTable(): Map<string, CommandSpec> {
  const table = new Map<string, CommandSpec>();
  for (const family of FAMILIES) {
    for (const spec of family) {
      if (table.has(spec.name)) throw new Error(`command ${spec.name} defined twice`);
      table.set(spec.name, cloneSpec(spec));
    }
  }
  return table;
}

/** Each server gets its own copy of the specs, so per-command stats are per server. */
function cloneSpec(spec: CommandSpec): CommandSpec {
  const copy: CommandSpec = { ...spec, stats: { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 } };
  if (spec.subcommandMap) {
    copy.subcommandMap = new Map();
    for (const [name, sub] of spec.subcommandMap) copy.subcommandMap.set(name, cloneSpec(sub));
    copy.subcommands = [...copy.subcommandMap.values()];
  }
  return copy;
}
