/**
 * INFO: sections, field names and order (Redis 7.0's), values from nodis's state, RESP2 bulk
 * and RESP3 verbatim encoding.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
let r: Redis;

beforeAll(async () => {
  server = await startTestServer();
  r = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await r.connect();
});
afterAll(async () => {
  r.disconnect();
  await server.close();
});

function parse(text: string): { sections: string[]; fields: Map<string, string> } {
  const sections: string[] = [];
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) sections.push(line.slice(2));
    else if (line.includes(':')) fields.set(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1));
  }
  return { sections, fields };
}

describe('INFO', () => {
  it('default sections in Redis\'s order', async () => {
    const { sections } = parse((await r.info()) as string);
    expect(sections).toEqual(['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Errorstats', 'Cluster', 'Keyspace']);
  });

  it('all / everything add commandstats and latencystats', async () => {
    for (const arg of ['all', 'everything', 'ALL']) {
      const { sections } = parse((await r.info(arg)) as string);
      expect(sections).toEqual([
        'Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules',
        'Commandstats', 'Errorstats', 'Latencystats', 'Cluster', 'Keyspace',
      ]);
    }
  });

  it('selects sections by name, several at once; unknown gives empty', async () => {
    expect(parse((await r.call('info', 'server', 'clients')) as string).sections).toEqual(['Server', 'Clients']);
    expect(parse((await r.call('info', 'keyspace', 'server')) as string).sections).toEqual(['Server', 'Keyspace']);
    expect(await r.call('info', 'nosuchsection')).toBe('');
  });

  it('exact framing: sections separated by an empty line, each line CRLF-terminated', async () => {
    const text = (await r.call('info', 'cluster', 'modules')) as string;
    expect(text).toBe('# Modules\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n');
  });

  it('server fields report the Redis version nodis implements and its own', async () => {
    const { fields } = parse((await r.info('server')) as string);
    expect(fields.get('redis_version')).toBe('7.0.15');
    expect(fields.get('nodis_version')).toMatch(/^\d+\.\d+\.\d+/);
    expect(fields.get('redis_mode')).toBe('standalone');
    expect(fields.get('tcp_port')).toBe(String(server.port));
    expect(fields.get('process_id')).toBe(String(process.pid));
    expect(fields.get('run_id')).toMatch(/^[0-9a-f]{40}$/);
    expect(Number(fields.get('uptime_in_seconds'))).toBeGreaterThanOrEqual(0);
    expect(fields.get('hz')).toBe('10');
  });

  it('has every field a Redis 7.0 INFO everything has, in the same order', async () => {
    const { fields } = parse((await r.info('everything')) as string);
    const names = [...fields.keys()];
    // the field list of a real Redis 7.0.15 INFO everything (idle server)
    const redis = REDIS_FIELDS.split(' ');
    const ours = names.filter((n) => redis.includes(n));
    expect(ours).toEqual(redis);
  });

  it('counts clients, commands, keys, errors', async () => {
    await r.set('k1', 'v');
    await r.set('k2', 'v', 'EX', 100);
    await r.call('nosuchcommand').catch(() => {});
    await r.call('get', 'a', 'b').catch(() => {});
    const { fields } = parse((await r.info('everything')) as string);
    expect(Number(fields.get('connected_clients'))).toBeGreaterThanOrEqual(1);
    expect(Number(fields.get('total_commands_processed'))).toBeGreaterThan(2);
    const db0 = /^keys=2,expires=1,avg_ttl=(\d+)$/.exec(fields.get('db0') ?? '');
    expect(db0).not.toBeNull();
    expect(Number(db0![1])).toBeGreaterThan(90_000);
    expect(Number(db0![1])).toBeLessThanOrEqual(100_000);
    expect(Number(fields.get('rdb_changes_since_last_save'))).toBeGreaterThan(0);
    expect(fields.get('role')).toBe('master');
    expect(fields.get('master_replid')).toMatch(/^[0-9a-f]{40}$/);
    expect(fields.get('master_repl_offset')).toBe('0');
    expect(fields.get('loading')).toBe('0');
    expect(Number(fields.get('errorstat_ERR')?.split('=')[1])).toBeGreaterThanOrEqual(2);
    expect(Number(fields.get('total_error_replies'))).toBeGreaterThanOrEqual(2);
    expect(fields.get('cmdstat_set')).toMatch(/^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$/);
    expect(Number(fields.get('used_memory'))).toBeGreaterThan(0);
    expect(fields.get('used_memory_human')).toMatch(/^\d+(\.\d\d)?[BKMG]$/);
    expect(fields.get('used_cpu_user')).toMatch(/^\d+\.\d{6}$/);
    await r.call('del', 'k1', 'k2');
  });

  it('counts subcommands as cmdstat_<container>|<sub>', async () => {
    await r.call('slowlog', 'len');
    const { fields } = parse((await r.info('commandstats')) as string);
    expect(fields.get('cmdstat_slowlog|len')).toMatch(/^calls=\d+,/);
  });

  it('instantaneous_ops_per_sec is sampled by the cron', async () => {
    const admin = server.core.admin;
    admin.opsPerSec.reset();
    const total = server.core.dispatcher.totalCommands;
    admin.cron(1000);
    server.core.dispatcher.totalCommands = total + 50;
    admin.cron(1100);
    server.core.dispatcher.totalCommands = total;
    // one sample of 500/s in a ring of 16
    const { fields } = parse((await r.info('stats')) as string);
    expect(fields.get('instantaneous_ops_per_sec')).toBe(String(Math.round(500 / 16)));
    admin.opsPerSec.reset();
  });

  it('is a bulk string in RESP2 and verbatim text in RESP3', async () => {
    const c = await RawClient.connect(server.port);
    c.write('*2\r\n$4\r\nINFO\r\n$7\r\ncluster\r\n');
    expect(await c.waitFor((s) => s.endsWith('\r\n\r\n'))).toBe('$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n');
    c.clear();
    c.write('*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n');
    await c.waitFor((s) => s.includes('modules'));
    await new Promise((res) => setTimeout(res, 50));
    c.clear();
    c.write('*2\r\n$4\r\nINFO\r\n$7\r\ncluster\r\n');
    expect(await c.waitFor((s) => s.endsWith('\r\n\r\n'))).toBe('=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n');
    c.close();
  });
});

const REDIS_FIELDS =
  'redis_version redis_git_sha1 redis_git_dirty redis_build_id redis_mode os arch_bits monotonic_clock multiplexing_api ' +
  'atomicvar_api gcc_version process_id process_supervised run_id tcp_port server_time_usec uptime_in_seconds ' +
  'uptime_in_days hz configured_hz lru_clock executable config_file io_threads_active connected_clients ' +
  'cluster_connections maxclients client_recent_max_input_buffer client_recent_max_output_buffer blocked_clients ' +
  'tracking_clients clients_in_timeout_table used_memory used_memory_human used_memory_rss used_memory_rss_human ' +
  'used_memory_peak used_memory_peak_human used_memory_peak_perc used_memory_overhead used_memory_startup ' +
  'used_memory_dataset used_memory_dataset_perc allocator_allocated allocator_active allocator_resident ' +
  'total_system_memory total_system_memory_human used_memory_lua used_memory_vm_eval used_memory_lua_human ' +
  'used_memory_scripts_eval number_of_cached_scripts number_of_functions number_of_libraries used_memory_vm_functions ' +
  'used_memory_vm_total used_memory_vm_total_human used_memory_functions used_memory_scripts used_memory_scripts_human ' +
  'maxmemory maxmemory_human maxmemory_policy allocator_frag_ratio allocator_frag_bytes allocator_rss_ratio ' +
  'allocator_rss_bytes rss_overhead_ratio rss_overhead_bytes mem_fragmentation_ratio mem_fragmentation_bytes ' +
  'mem_not_counted_for_evict mem_replication_backlog mem_total_replication_buffers mem_clients_slaves ' +
  'mem_clients_normal mem_cluster_links mem_aof_buffer mem_allocator active_defrag_running lazyfree_pending_objects ' +
  'lazyfreed_objects loading async_loading current_cow_peak current_cow_size current_cow_size_age current_fork_perc ' +
  'current_save_keys_processed current_save_keys_total rdb_changes_since_last_save rdb_bgsave_in_progress ' +
  'rdb_last_save_time rdb_last_bgsave_status rdb_last_bgsave_time_sec rdb_current_bgsave_time_sec rdb_saves ' +
  'rdb_last_cow_size rdb_last_load_keys_expired rdb_last_load_keys_loaded aof_enabled aof_rewrite_in_progress ' +
  'aof_rewrite_scheduled aof_last_rewrite_time_sec aof_current_rewrite_time_sec aof_last_bgrewrite_status ' +
  'aof_rewrites aof_rewrites_consecutive_failures aof_last_write_status aof_last_cow_size module_fork_in_progress ' +
  'module_fork_last_cow_size total_connections_received total_commands_processed instantaneous_ops_per_sec ' +
  'total_net_input_bytes total_net_output_bytes total_net_repl_input_bytes total_net_repl_output_bytes ' +
  'instantaneous_input_kbps instantaneous_output_kbps instantaneous_input_repl_kbps instantaneous_output_repl_kbps ' +
  'rejected_connections sync_full sync_partial_ok sync_partial_err expired_keys expired_stale_perc ' +
  'expired_time_cap_reached_count expire_cycle_cpu_milliseconds evicted_keys evicted_clients ' +
  'total_eviction_exceeded_time current_eviction_exceeded_time keyspace_hits keyspace_misses pubsub_channels ' +
  'pubsub_patterns pubsubshard_channels latest_fork_usec total_forks migrate_cached_sockets ' +
  'slave_expires_tracked_keys active_defrag_hits active_defrag_misses active_defrag_key_hits ' +
  'active_defrag_key_misses total_active_defrag_time current_active_defrag_time tracking_total_keys ' +
  'tracking_total_items tracking_total_prefixes unexpected_error_replies total_error_replies ' +
  'dump_payload_sanitizations total_reads_processed total_writes_processed io_threaded_reads_processed ' +
  'io_threaded_writes_processed reply_buffer_shrinks reply_buffer_expands role connected_slaves ' +
  'master_failover_state master_replid master_replid2 master_repl_offset second_repl_offset repl_backlog_active ' +
  'repl_backlog_size repl_backlog_first_byte_offset repl_backlog_histlen used_cpu_sys used_cpu_user ' +
  'used_cpu_sys_children used_cpu_user_children used_cpu_sys_main_thread used_cpu_user_main_thread cluster_enabled';
