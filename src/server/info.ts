/**
 * INFO: builds the sections with Redis 7.0's field names, in Redis's order, from nodis's real
 * state where it has it (clients, commands, memory, CPU, keyspace) and with the values of a
 * Redis without persistence or replicas elsewhere (rdb_*, aof_*, repl_*), so tools that parse
 * INFO find every field they look for. Sampled values (instantaneous ops, peak memory) come
 * from AdminService's cron.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandSpec } from '../commands/table.js';
import type { ServerCore } from './server-core.js';

export const REDIS_VERSION = '7.0.15';

/** package.json's version (src/server and dist/server both sit two levels below it). */
export const NODIS_VERSION: string = (() => {
  try {
    const file = new URL('../../package.json', import.meta.url);
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

/** Section names in Redis's order; `modules` is Redis's module_list ("# Modules"). */
const SECTIONS = [
  'server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules',
  'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace',
] as const;
type Section = (typeof SECTIONS)[number];
const DEFAULT_SECTIONS: ReadonlySet<Section> = new Set([
  'server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace',
]);
const TITLES: Record<Section, string> = {
  server: 'Server', clients: 'Clients', memory: 'Memory', persistence: 'Persistence', stats: 'Stats',
  replication: 'Replication', cpu: 'CPU', modules: 'Modules', commandstats: 'Commandstats', errorstats: 'Errorstats',
  latencystats: 'Latencystats', cluster: 'Cluster', keyspace: 'Keyspace',
};

/** Which sections INFO's arguments (lowercased) ask for. */
export function selectSections(args: readonly string[]): Set<Section> {
  if (args.length === 0) return new Set(DEFAULT_SECTIONS);
  const out = new Set<Section>();
  for (const a of args) {
    if (a === 'all' || a === 'everything') for (const s of SECTIONS) out.add(s);
    else if (a === 'default') for (const s of DEFAULT_SECTIONS) out.add(s);
    else if (a === 'module_list') out.add('modules');
    else if ((SECTIONS as readonly string[]).includes(a)) out.add(a as Section);
  }
  return out;
}

/** Redis's bytesToHuman. */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)}${units[i]}`;
}

function optNumber(core: ServerCore, name: string, dflt: number): number {
  return core.config.directive(name) ? core.config.getNumber(name) : dflt;
}
function optString(core: ServerCore, name: string, dflt: string): string {
  return core.config.directive(name) ? core.config.get(name) : dflt;
}

const BUILD_ID = '0000000000000000';
const ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686' };

function serverSection(core: ServerCore): string[] {
  const now = core.clock.now();
  const uptime = Math.floor((now - core.startedAt) / 1000);
  const hz = core.config.getNumber('hz');
  return [
    `redis_version:${REDIS_VERSION}`,
    `nodis_version:${NODIS_VERSION}`,
    'redis_git_sha1:00000000',
    'redis_git_dirty:0',
    `redis_build_id:${BUILD_ID}`,
    'redis_mode:standalone',
    `os:${os.type()} ${os.release()} ${ARCH[process.arch] ?? process.arch}`,
    'arch_bits:64',
    'monotonic_clock:POSIX clock_gettime',
    'multiplexing_api:epoll',
    'atomicvar_api:c11-builtin',
    'gcc_version:0.0.0',
    `process_id:${process.pid}`,
    'process_supervised:no',
    `run_id:${core.admin.runId}`,
    `tcp_port:${core.port}`,
    `server_time_usec:${Math.floor(now * 1000)}`,
    `uptime_in_seconds:${uptime}`,
    `uptime_in_days:${Math.floor(uptime / 86400)}`,
    `hz:${hz}`,
    `configured_hz:${hz}`,
    // Redis's LRU clock: seconds, 24 bits
    `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
    `executable:${process.argv[1] ? path.resolve(process.argv[1]) : process.execPath}`,
    `config_file:${core.config.file ? path.resolve(core.config.file) : ''}`,
    'io_threads_active:0',
  ];
}

function clientsSection(core: ServerCore): string[] {
  return [
    `connected_clients:${core.clients.connectedCount}`,
    'cluster_connections:0',
    `maxclients:${core.config.getNumber('maxclients')}`,
    'client_recent_max_input_buffer:0',
    'client_recent_max_output_buffer:0',
    `blocked_clients:${core.blocking.count}`,
    'tracking_clients:0',
    `clients_in_timeout_table:${core.blocking.withTimeout}`,
  ];
}

function memorySection(core: ServerCore): string[] {
  const admin = core.admin;
  const m = process.memoryUsage();
  const used = m.heapUsed + m.external;
  if (used > admin.peakMemory) admin.peakMemory = used;
  const peak = admin.peakMemory;
  const startup = admin.startupMemory;
  const overhead = startup;
  const dataset = Math.max(0, used - overhead);
  const netUsed = Math.max(1, used - startup);
  const maxmemory = optNumber(core, 'maxmemory', 0);
  const total = os.totalmem();
  const frag = used > 0 ? m.rss / used : 0;
  return [
    `used_memory:${used}`,
    `used_memory_human:${bytesToHuman(used)}`,
    `used_memory_rss:${m.rss}`,
    `used_memory_rss_human:${bytesToHuman(m.rss)}`,
    `used_memory_peak:${peak}`,
    `used_memory_peak_human:${bytesToHuman(peak)}`,
    `used_memory_peak_perc:${((used * 100) / peak).toFixed(2)}%`,
    `used_memory_overhead:${overhead}`,
    `used_memory_startup:${startup}`,
    `used_memory_dataset:${dataset}`,
    `used_memory_dataset_perc:${((dataset * 100) / netUsed).toFixed(2)}%`,
    `allocator_allocated:${m.heapUsed}`,
    `allocator_active:${m.heapTotal}`,
    `allocator_resident:${m.rss}`,
    `total_system_memory:${total}`,
    `total_system_memory_human:${bytesToHuman(total)}`,
    'used_memory_lua:0',
    'used_memory_vm_eval:0',
    'used_memory_lua_human:0B',
    'used_memory_scripts_eval:0',
    'number_of_cached_scripts:0',
    'number_of_functions:0',
    'number_of_libraries:0',
    'used_memory_vm_functions:0',
    'used_memory_vm_total:0',
    'used_memory_vm_total_human:0B',
    'used_memory_functions:0',
    'used_memory_scripts:0',
    'used_memory_scripts_human:0B',
    `maxmemory:${maxmemory}`,
    `maxmemory_human:${bytesToHuman(maxmemory)}`,
    `maxmemory_policy:${optString(core, 'maxmemory-policy', 'noeviction')}`,
    `allocator_frag_ratio:${(m.heapTotal / Math.max(1, m.heapUsed)).toFixed(2)}`,
    `allocator_frag_bytes:${Math.max(0, m.heapTotal - m.heapUsed)}`,
    `allocator_rss_ratio:${(m.rss / Math.max(1, m.heapTotal)).toFixed(2)}`,
    `allocator_rss_bytes:${m.rss - m.heapTotal}`,
    'rss_overhead_ratio:1.00',
    'rss_overhead_bytes:0',
    `mem_fragmentation_ratio:${frag.toFixed(2)}`,
    `mem_fragmentation_bytes:${m.rss - used}`,
    'mem_not_counted_for_evict:0',
    `mem_replication_backlog:${core.replication.state.backlog.active ? core.replication.state.backlog.size : 0}`,
    'mem_total_replication_buffers:0',
    'mem_clients_slaves:0',
    'mem_clients_normal:0',
    'mem_cluster_links:0',
    `mem_aof_buffer:${core.aof.bufferLength}`,
    'mem_allocator:v8',
    'active_defrag_running:0',
    'lazyfree_pending_objects:0',
    'lazyfreed_objects:0',
  ];
}

function persistenceSection(core: ServerCore): string[] {
  return [
    `loading:${core.loading ? 1 : 0}`,
    'async_loading:0',
    // current_cow_peak .. rdb_last_cow_size (rdb-persistence.ts)
    ...core.persistence.infoFields(),
    `rdb_last_load_keys_expired:${core.loadStatus.lastKeysExpired}`,
    `rdb_last_load_keys_loaded:${core.loadStatus.lastKeysLoaded}`,
    // aof_enabled .. module_fork_last_cow_size, then aof_current_size .. when the AOF is on (aof-persistence.ts)
    ...core.aof.infoFields(),
    // as Redis: the loading_* fields close the section while a dataset loads
    ...(core.loading ? core.loadStatus.loadingInfo(Math.floor(core.clock.now() / 1000)) : []),
  ];
}

function statsSection(core: ServerCore): string[] {
  const s = core.stats;
  const a = core.admin;
  return [
    `total_connections_received:${s.totalConnections}`,
    `total_commands_processed:${core.dispatcher.totalCommands}`,
    `instantaneous_ops_per_sec:${Math.round(a.opsPerSec.get())}`,
    `total_net_input_bytes:${s.totalNetInput}`,
    `total_net_output_bytes:${s.totalNetOutput}`,
    'total_net_repl_input_bytes:0',
    'total_net_repl_output_bytes:0',
    `instantaneous_input_kbps:${(a.inputKbps.get() / 1024).toFixed(2)}`,
    `instantaneous_output_kbps:${(a.outputKbps.get() / 1024).toFixed(2)}`,
    'instantaneous_input_repl_kbps:0.00',
    'instantaneous_output_repl_kbps:0.00',
    `rejected_connections:${s.rejectedConnections}`,
    `sync_full:${core.replication.stats.syncFull}`,
    `sync_partial_ok:${core.replication.stats.syncPartialOk}`,
    `sync_partial_err:${core.replication.stats.syncPartialErr}`,
    `expired_keys:${s.expiredKeys}`,
    'expired_stale_perc:0.00',
    `expired_time_cap_reached_count:0`,
    'expire_cycle_cpu_milliseconds:0',
    'evicted_keys:0',
    'evicted_clients:0',
    'total_eviction_exceeded_time:0',
    'current_eviction_exceeded_time:0',
    `keyspace_hits:${s.keyspaceHits}`,
    `keyspace_misses:${s.keyspaceMisses}`,
    `pubsub_channels:${core.pubsub.channels(undefined).length}`,
    `pubsub_patterns:${core.pubsub.numpat()}`,
    'pubsubshard_channels:0',
    'latest_fork_usec:0',
    'total_forks:0',
    'migrate_cached_sockets:0',
    'slave_expires_tracked_keys:0',
    'active_defrag_hits:0',
    'active_defrag_misses:0',
    'active_defrag_key_hits:0',
    'active_defrag_key_misses:0',
    'total_active_defrag_time:0',
    'current_active_defrag_time:0',
    'tracking_total_keys:0',
    'tracking_total_items:0',
    'tracking_total_prefixes:0',
    'unexpected_error_replies:0',
    `total_error_replies:${s.errorReplies}`,
    'dump_payload_sanitizations:0',
    `total_reads_processed:0`,
    `total_writes_processed:0`,
    'io_threaded_reads_processed:0',
    'io_threaded_writes_processed:0',
    'reply_buffer_shrinks:0',
    'reply_buffer_expands:0',
  ];
}

function replicationSection(core: ServerCore): string[] {
  // a replica's lines (role:slave .. replica_announced) come from the replica link
  const replica = core.replicaLink.infoFields();
  return [
    ...(replica.length > 0 ? replica : ['role:master']),
    // connected_slaves .. repl_backlog_histlen: the master side (replication/master.ts)
    ...core.replication.infoFields(),
  ];
}

function cpuSection(): string[] {
  const u = process.cpuUsage();
  const sys = (u.system / 1e6).toFixed(6);
  const user = (u.user / 1e6).toFixed(6);
  return [
    `used_cpu_sys:${sys}`,
    `used_cpu_user:${user}`,
    'used_cpu_sys_children:0.000000',
    'used_cpu_user_children:0.000000',
    `used_cpu_sys_main_thread:${sys}`,
    `used_cpu_user_main_thread:${user}`,
  ];
}

function commandstatsSection(core: ServerCore): string[] {
  const lines: string[] = [];
  const add = (spec: CommandSpec) => {
    const st = spec.stats;
    if (st.calls === 0 && st.failedCalls === 0 && st.rejectedCalls === 0) return;
    const perCall = st.calls === 0 ? 0 : st.usec / st.calls;
    lines.push(
      `cmdstat_${spec.fullName}:calls=${st.calls},usec=${st.usec},usec_per_call=${perCall.toFixed(2)},` +
        `rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}`,
    );
  };
  for (const spec of core.table.values()) {
    add(spec);
    if (spec.subcommandMap) for (const sub of spec.subcommandMap.values()) add(sub);
  }
  return lines;
}

function errorstatsSection(core: ServerCore): string[] {
  const lines: string[] = [];
  for (const [code, count] of core.stats.errorCounts) lines.push(`errorstat_${code}:count=${count}`);
  return lines;
}

/** Keys sampled for avg_ttl (Redis estimates it from active expiry's samples). */
const AVG_TTL_SAMPLE = 32;

/** Average remaining TTL in ms over a few keys of the expiry index; 0 when none. */
function avgTtl(expires: ReadonlyMap<string, number>, now: number): number {
  let sum = 0;
  let n = 0;
  for (const when of expires.values()) {
    if (when > now) {
      sum += when - now;
      n++;
    }
    if (n >= AVG_TTL_SAMPLE) break;
  }
  return n === 0 ? 0 : Math.round(sum / n);
}

function keyspaceSection(core: ServerCore): string[] {
  const lines: string[] = [];
  const now = core.clock.now();
  for (const db of core.keyspace.dbs) {
    if (db.size > 0) lines.push(`db${db.id}:keys=${db.size},expires=${db.expires.size},avg_ttl=${avgTtl(db.expires, now)}`);
  }
  return lines;
}

function sectionLines(core: ServerCore, s: Section): string[] {
  switch (s) {
    case 'server': return serverSection(core);
    case 'clients': return clientsSection(core);
    case 'memory': return memorySection(core);
    case 'persistence': return persistenceSection(core);
    case 'stats': return statsSection(core);
    case 'replication': return replicationSection(core);
    case 'cpu': return cpuSection();
    case 'commandstats': return commandstatsSection(core);
    case 'errorstats': return errorstatsSection(core);
    case 'cluster': return ['cluster_enabled:0'];
    case 'keyspace': return keyspaceSection(core);
    // no modules; latency percentiles are not tracked yet
    case 'modules':
    case 'latencystats':
      return [];
  }
}

/**
 * The INFO text for the given (lowercased) arguments: "# Title\r\n" and "field:value\r\n"
 * lines per section, sections separated by an empty line, as Redis's genRedisInfoString.
 */
export function buildInfo(core: ServerCore, args: string[]): string {
  const wanted = selectSections(args);
  let out = '';
  let n = 0;
  for (const s of SECTIONS) {
    if (!wanted.has(s)) continue;
    if (n++ > 0) out += '\r\n';
    out += `# ${TITLES[s]}\r\n`;
    for (const line of sectionLines(core, s)) out += `${line}\r\n`;
  }
  return out;
}
