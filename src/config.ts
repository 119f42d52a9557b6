/**
 * Configuration: the table of every directive Redis 7.0.15 accepts (with their old `slave-*`
 * aliases), their types, defaults, bounds and validation, and the Config object holding the
 * current values. Values are kept in Redis's CONFIG GET spelling (memory as plain bytes, bools
 * yes/no, enums lowercase); typed getters parse them. Parsing redis.conf text is config-file.ts;
 * side effects of values on a running server are server/config-service.ts. Imports nothing
 * from src/.
 */
import fs from 'node:fs';
import path from 'node:path';

export const NODIS_VERSION = '0.1.0';
export const REDIS_VERSION = '7.0.15';

export type DirectiveType = 'bool' | 'int' | 'memory' | 'string' | 'enum' | 'special';

export interface Directive {
  name: string;
  aliases?: readonly string[];
  type: DirectiveType;
  default: string;
  /** CONFIG SET may change it at runtime (Redis's MODIFIABLE_CONFIG, not IMMUTABLE_CONFIG). */
  mutable: boolean;
  /** false: accepted and reported, but has no effect in nodis (listed in the README). */
  implemented: boolean;
  /** With implemented:false: a later issue gives it meaning (persistence, replication, types...). */
  later?: boolean;
  enumValues?: readonly string[];
  /** Inclusive bounds of int/memory directives (bigint: Redis's bounds reach LLONG_MAX/ULLONG_MAX). */
  min?: bigint;
  max?: bigint;
  /** int printed and parsed in octal (unixsocketperm). */
  octal?: boolean;
  /** memory that also accepts "N%" (maxmemory-clients). */
  percent?: boolean;
  /** Takes several arguments; CONFIG SET splits its value on spaces. */
  multiArg?: boolean;
  /** PROTECTED_CONFIG: CONFIG SET only when enable-protected-configs allows it. */
  protected?: boolean;
  /** How CONFIG GET and CONFIG REWRITE show the stored value, when that loses information. */
  display?: (stored: string) => string;
  /** HIDDEN_CONFIG: CONFIG GET finds it by exact name only. */
  hidden?: boolean;
  /** SENSITIVE_CONFIG: its value is a secret. */
  sensitive?: boolean;
  /** Extra validation of the normalized value: returns Redis's error text, or null. */
  validate?: (value: string) => string | null;
  /** Special directives: args -> canonical value; throws ConfigError. `current` is the present value. */
  parse?: (args: string[], current: string, cfg: Config) => string;
}

/** An invalid value or directive; the message is Redis's error text (without prefix). */
export class ConfigError extends Error {}

const LLONG_MAX = 9223372036854775807n;
const LONG_MAX = LLONG_MAX;
const INT_MAX = 2147483647n;
const INT_MIN = -2147483648n;
const UINT_MAX = 4294967295n;
const ULLONG_MAX = 18446744073709551615n;
const SSIZE_MAX = LLONG_MAX;

// --- Directive constructors -------------------------------------------------------------------

interface Common {
  aliases?: readonly string[];
  mutable?: boolean;
  implemented?: boolean;
  later?: boolean;
  protected?: boolean;
  hidden?: boolean;
  sensitive?: boolean;
  validate?: (value: string) => string | null;
}

function base(name: string, type: DirectiveType, def: string, c: Common): Directive {
  return {
    name,
    type,
    default: def,
    mutable: c.mutable ?? true,
    implemented: c.implemented ?? false,
    ...(c.later ? { later: true } : {}),
    ...(c.aliases ? { aliases: c.aliases } : {}),
    ...(c.protected ? { protected: true } : {}),
    ...(c.hidden ? { hidden: true } : {}),
    ...(c.sensitive ? { sensitive: true } : {}),
    ...(c.validate ? { validate: c.validate } : {}),
  };
}
const bool = (name: string, def: boolean, c: Common = {}): Directive => base(name, 'bool', def ? 'yes' : 'no', c);
const str = (name: string, def: string, c: Common = {}): Directive => base(name, 'string', def, c);
const int = (name: string, min: bigint, max: bigint, def: number, c: Common = {}): Directive => ({
  ...base(name, 'int', String(def), c),
  min,
  max,
});
const mem = (name: string, min: bigint, max: bigint, def: number, c: Common = {}): Directive => ({
  ...base(name, 'memory', String(def), c),
  min,
  max,
});
const enm = (name: string, values: readonly string[], def: string, c: Common = {}): Directive => ({
  ...base(name, 'enum', def, c),
  enumValues: values,
});
const special = (
  name: string,
  def: string,
  parse: Directive['parse'],
  c: Common & { multiArg?: boolean; display?: Directive['display'] } = {},
): Directive => ({
  ...base(name, 'special', def, c),
  parse,
  ...(c.multiArg ? { multiArg: true } : {}),
  ...(c.display ? { display: c.display } : {}),
});

// Marks
const YES = { implemented: true } as const;
const LATER = { later: true } as const;

const PROTECTED_ACTION = ['no', 'yes', 'local'] as const;
const notBaseName = (what: string, kind: string) => (v: string) =>
  v.includes('/') || v.includes('\\') ? `${what} can't be a path, just a ${kind}` : null;

// --- Special directives -----------------------------------------------------------------------

function parseLongStrict(s: string): bigint | null {
  // Redis's strtoll with an end-pointer check: optional sign, digits (leading spaces allowed)
  const m = /^\s*([+-]?\d+)$/.exec(s);
  return m ? BigInt(m[1]) : null;
}

function parseSave(args: string[]): string {
  if (args.length === 1 && args[0] === '') args = [];
  if (args.length % 2 !== 0) throw new ConfigError('Invalid save parameters');
  for (let j = 0; j < args.length; j++) {
    const v = parseLongStrict(args[j]);
    if (v === null || (j % 2 === 0 && v < 1n) || (j % 2 === 1 && v < 0n)) throw new ConfigError('Invalid save parameters');
  }
  return args.map((a) => String(parseLongStrict(a))).join(' ');
}

const OBUF_CLASSES = ['normal', 'slave', 'pubsub'] as const;

/** client-output-buffer-limit value -> per class limits. */
export function parseOutputBufferLimits(value: string): Record<'normal' | 'slave' | 'pubsub', { hard: number; soft: number; softSeconds: number }> {
  const t = value.split(' ');
  const out = {} as Record<'normal' | 'slave' | 'pubsub', { hard: number; soft: number; softSeconds: number }>;
  for (let j = 0; j + 3 < t.length; j += 4) {
    out[t[j] as 'normal'] = { hard: Number(t[j + 1]), soft: Number(t[j + 2]), softSeconds: Number(t[j + 3]) };
  }
  return out;
}

function parseOutputBufferLimit(args: string[], current: string): string {
  if (args.length % 4 !== 0) throw new ConfigError('Wrong number of arguments in buffer limit configuration.');
  const cur = parseOutputBufferLimits(current);
  const next = { ...cur };
  for (let j = 0; j < args.length; j += 4) {
    let cls = args[j].toLowerCase();
    if (cls === 'replica') cls = 'slave';
    if (!(OBUF_CLASSES as readonly string[]).includes(cls)) {
      throw new ConfigError('Invalid client class specified in buffer limit configuration.');
    }
    const hard = parseMemory(args[j + 1]);
    const soft = parseMemory(args[j + 2]);
    const secs = /^\s*[+-]?\d+$/.test(args[j + 3]) ? Number(args[j + 3]) : NaN;
    if (hard === null || soft === null || !(secs >= 0)) {
      throw new ConfigError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    }
    next[cls as 'normal'] = { hard, soft, softSeconds: secs };
  }
  return OBUF_CLASSES.map((c) => `${c} ${next[c].hard} ${next[c].soft} ${next[c].softSeconds}`).join(' ');
}

function parseOomScoreAdjValues(args: string[]): string {
  if (args.length !== 3) throw new ConfigError('wrong number of arguments');
  const vals = args.map((a) => parseLongStrict(a));
  if (vals.some((v) => v === null || v < -2000n || v > 2000n)) {
    throw new ConfigError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
  }
  return vals.join(' ');
}

const NOTIFY_ALL = 'g$lshzxetd'; // what 'A' stands for

/** notify-keyspace-events: validated and in Redis's canonical spelling (keyspaceEventsFlagsToString). */
export function canonicalNotifyFlags(s: string): string | null {
  const flags = new Set<string>();
  for (const ch of s) {
    if (ch === 'A') for (const c of NOTIFY_ALL) flags.add(c);
    else if ('g$lshzxeKEtmdn'.includes(ch)) flags.add(ch);
    else return null;
  }
  let res = '';
  if ([...NOTIFY_ALL].every((c) => flags.has(c))) res += 'A';
  else for (const c of `${NOTIFY_ALL}n`) if (flags.has(c)) res += c;
  if (res === 'A' && flags.has('n')) res += 'n'; // kept: 'n' is on, though Redis does not show it next to 'A'
  for (const c of 'KEm') if (flags.has(c)) res += c;
  return res;
}

/** keyspaceEventsFlagsToString: 'n' is not shown next to 'A'. */
function displayNotifyFlags(stored: string): string {
  return stored.startsWith('An') ? `A${stored.slice(2)}` : stored;
}

function parseNotify(args: string[]): string {
  if (args.length !== 1) throw new ConfigError('wrong number of arguments');
  const v = canonicalNotifyFlags(args[0]);
  if (v === null) throw new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  return v;
}

function parseBind(args: string[]): string {
  if (args.length > 16) throw new ConfigError('Too many bind addresses specified.');
  if (args.length === 1 && args[0] === '') return '';
  return args.join(' ');
}

function parseReplicaOf(args: string[]): string {
  if (args.length !== 2) throw new ConfigError('wrong number of arguments');
  if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return '';
  const port = /^[+-]?\d+$/.test(args[1]) ? Number(args[1]) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new ConfigError('Invalid master port');
  return `${args[0]} ${port}`;
}

function parsePercentiles(args: string[]): string {
  if (args.length === 1 && args[0] === '') return '';
  const out: string[] = [];
  for (const a of args) {
    const p = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(a) ? Number(a) : NaN;
    if (Number.isNaN(p)) throw new ConfigError('Invalid latency-tracking-info-percentiles parameters');
    if (p > 100 || p < 0) throw new ConfigError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
    out.push(String(Number(p.toFixed(6))));
  }
  return out.join(' ');
}

const SHUTDOWN_FLAGS = ['default', 'save', 'nosave', 'now', 'force'] as const;

function parseShutdownFlags(args: string[]): string {
  const set = new Set<string>();
  for (const a of args) {
    const v = a.toLowerCase();
    if (!(SHUTDOWN_FLAGS as readonly string[]).includes(v)) {
      throw new ConfigError(`argument(s) must be one of the following: ${SHUTDOWN_FLAGS.join(', ')}`);
    }
    if (v !== 'default') set.add(v);
  }
  if (set.has('save') && set.has('nosave')) {
    throw new ConfigError(`argument(s) must be one of the following: ${SHUTDOWN_FLAGS.join(', ')}`);
  }
  const res = SHUTDOWN_FLAGS.filter((f) => set.has(f));
  return res.length === 0 ? 'default' : res.join(' ');
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
};

function parseDir(args: string[], current: string): string {
  if (args.length !== 1) throw new ConfigError('wrong number of arguments');
  // Redis chdir()s; nodis resolves against the current dir (the CLI then chdir()s to it, while an
  // embedded server leaves the process's cwd alone) and reports chdir's errors.
  const target = path.resolve(current || process.cwd(), args[0]);
  let st: fs.Stats;
  try {
    st = fs.statSync(target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new ConfigError(ERRNO_TEXT[code] ?? String((e as Error).message));
  }
  if (!st.isDirectory()) throw new ConfigError('Not a directory');
  return target;
}

// --- The table --------------------------------------------------------------------------------

/** Every directive of Redis 7.0.15 (CONFIG GET * on a real server, plus hidden ones). */
export const DIRECTIVES: readonly Directive[] = [
  // Network
  special('bind', '* -::*', (a) => parseBind(a), { multiArg: true, ...YES }),
  bool('protected-mode', true, YES),
  int('port', 0n, 65535n, 6379, YES),
  int('tcp-backlog', 0n, INT_MAX, 511, { mutable: false, ...YES }),
  str('unixsocket', '', { mutable: false, ...YES }),
  { ...int('unixsocketperm', 0n, 0o777n, 0, { mutable: false, ...YES }), octal: true },
  int('timeout', 0n, INT_MAX, 0, YES),
  int('tcp-keepalive', 0n, INT_MAX, 300, YES),
  str('bind-source-addr', '', LATER),
  int('socket-mark-id', 0n, UINT_MAX, 0),
  // General
  bool('daemonize', false, { mutable: false, ...YES }),
  enm('supervised', ['upstart', 'systemd', 'auto', 'no'], 'no', { mutable: false }),
  str('pidfile', '', { mutable: false, ...YES }),
  enm('loglevel', ['debug', 'verbose', 'notice', 'warning'], 'notice', YES),
  str('logfile', '', { mutable: false, ...YES }),
  bool('syslog-enabled', false, { mutable: false }),
  str('syslog-ident', 'redis', { mutable: false }),
  enm('syslog-facility', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], 'local0', { mutable: false }),
  bool('crash-log-enabled', true),
  bool('crash-memcheck-enabled', true),
  int('databases', 1n, INT_MAX, 16, { mutable: false, ...YES }),
  bool('always-show-logo', false, { mutable: false }),
  bool('set-proc-title', true, { mutable: false }),
  str('proc-title-template', '{title} {listen-addr} {server-mode}'),
  str('ignore-warnings', ''),
  bool('use-exit-on-panic', false, { hidden: true }),
  int('watchdog-period', 0n, INT_MAX, 0, { hidden: true }),
  // Snapshotting
  special('save', '3600 1 300 100 60 10000', (a) => parseSave(a), { multiArg: true, ...YES }),
  bool('stop-writes-on-bgsave-error', true, YES),
  bool('rdbcompression', true, YES),
  bool('rdbchecksum', true, { mutable: false, ...YES }),
  enm('sanitize-dump-payload', ['no', 'yes', 'clients'], 'no', LATER),
  str('dbfilename', 'dump.rdb', { protected: true, ...YES, validate: notBaseName('dbfilename', 'filename') }),
  bool('rdb-del-sync-files', false, LATER),
  special('dir', '', (a, cur) => parseDir(a, cur), { protected: true, ...YES }),
  int('rdb-key-save-delay', INT_MIN, INT_MAX, 0, { hidden: true, ...LATER }),
  int('key-load-delay', INT_MIN, INT_MAX, 0, { hidden: true, ...LATER }),
  int('loading-process-events-interval-bytes', 1024n, INT_MAX, 2 * 1024 * 1024, { hidden: true }),
  bool('rdb-save-incremental-fsync', true, LATER),
  // Replication
  special('replicaof', '', (a) => parseReplicaOf(a), { aliases: ['slaveof'], multiArg: true, mutable: false, ...YES }),
  str('masterauth', '', { sensitive: true, ...YES }),
  str('masteruser', '', { sensitive: true, ...YES }),
  bool('replica-serve-stale-data', true, { aliases: ['slave-serve-stale-data'], ...YES }),
  bool('replica-read-only', true, { aliases: ['slave-read-only'], ...YES }),
  bool('repl-diskless-sync', true, YES),
  int('repl-diskless-sync-delay', 0n, INT_MAX, 5, YES),
  int('repl-diskless-sync-max-replicas', 0n, INT_MAX, 0, YES),
  enm('repl-diskless-load', ['disabled', 'on-empty-db', 'swapdb'], 'disabled', LATER),
  int('repl-ping-replica-period', 1n, INT_MAX, 10, { aliases: ['repl-ping-slave-period'], ...YES }),
  int('repl-timeout', 1n, INT_MAX, 60, YES),
  bool('repl-disable-tcp-nodelay', false, LATER),
  mem('repl-backlog-size', 1n, LLONG_MAX, 1024 * 1024, YES),
  int('repl-backlog-ttl', 0n, LONG_MAX, 3600, YES),
  int('replica-priority', 0n, INT_MAX, 100, { aliases: ['slave-priority'], ...YES }),
  enm('propagation-error-behavior', ['ignore', 'panic', 'panic-on-replicas'], 'ignore', LATER),
  bool('replica-ignore-disk-write-errors', false, LATER),
  bool('replica-announced', true, YES),
  int('min-replicas-to-write', 0n, INT_MAX, 0, { aliases: ['min-slaves-to-write'], ...YES }),
  int('min-replicas-max-lag', 0n, INT_MAX, 10, { aliases: ['min-slaves-max-lag'], ...YES }),
  str('replica-announce-ip', '', { aliases: ['slave-announce-ip'], ...YES }),
  int('replica-announce-port', 0n, 65535n, 0, { aliases: ['slave-announce-port'], ...YES }),
  bool('replica-lazy-flush', false, { aliases: ['slave-lazy-flush'] }), // values are freed by the GC
  bool('replica-ignore-maxmemory', true, { aliases: ['slave-ignore-maxmemory'], ...LATER }),
  // Keys tracking, security
  int('tracking-table-max-keys', 0n, LONG_MAX, 1000000),
  int('acllog-max-len', 0n, LONG_MAX, 128),
  str('aclfile', '', { mutable: false }),
  enm('acl-pubsub-default', ['allchannels', 'resetchannels'], 'resetchannels'),
  str('requirepass', '', { sensitive: true, ...YES }),
  // Clients, memory management
  int('maxclients', 1n, UINT_MAX, 10000, YES),
  mem('maxmemory', 0n, ULLONG_MAX, 0, LATER),
  enm('maxmemory-policy', ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'], 'noeviction', LATER),
  int('maxmemory-samples', 1n, INT_MAX, 5, LATER),
  int('maxmemory-eviction-tenacity', 0n, 100n, 10, LATER),
  { ...mem('maxmemory-clients', -100n, SSIZE_MAX, 0), percent: true },
  // Lazy freeing, threads, kernel
  bool('lazyfree-lazy-eviction', false),
  bool('lazyfree-lazy-expire', false),
  bool('lazyfree-lazy-server-del', false),
  bool('lazyfree-lazy-user-del', false),
  bool('lazyfree-lazy-user-flush', false),
  int('io-threads', 1n, 128n, 1, { mutable: false }),
  bool('io-threads-do-reads', false, { mutable: false }),
  enm('oom-score-adj', ['no', 'yes', 'relative', 'absolute'], 'no'),
  special('oom-score-adj-values', '0 200 800', (a) => parseOomScoreAdjValues(a), { multiArg: true }),
  bool('disable-thp', true, { mutable: false }),
  // Append only mode
  bool('appendonly', false, YES),
  str('appendfilename', 'appendonly.aof', {
    mutable: false,
    ...YES,
    validate: (v) => (v === '' ? "appendfilename can't be empty" : notBaseName('appendfilename', 'filename')(v)),
  }),
  // nodis writes one AOF file: appenddirname only locates a Redis multi-part AOF it refuses to start over
  str('appenddirname', 'appendonlydir', {
    mutable: false,
    validate: (v) => (v === '' ? "appenddirname can't be empty" : notBaseName('appenddirname', 'dirname')(v)),
  }),
  enm('appendfsync', ['everysec', 'always', 'no'], 'everysec', YES),
  bool('no-appendfsync-on-rewrite', false, YES),
  int('auto-aof-rewrite-percentage', 0n, INT_MAX, 100, YES),
  mem('auto-aof-rewrite-min-size', 0n, LLONG_MAX, 64 * 1024 * 1024, YES),
  bool('aof-load-truncated', true, YES),
  bool('aof-use-rdb-preamble', true, YES),
  bool('aof-timestamp-enabled', false, YES),
  // the rewrite is written and fsynced by a worker thread: no incremental fsync to pace
  bool('aof-rewrite-incremental-fsync', true),
  // no multi-part AOF, so no history files to collect
  bool('aof-disable-auto-gc', false),
  // Shutdown
  int('shutdown-timeout', 0n, INT_MAX, 10, LATER),
  special('shutdown-on-sigint', 'default', (a) => parseShutdownFlags(a), { multiArg: true, ...YES }),
  special('shutdown-on-sigterm', 'default', (a) => parseShutdownFlags(a), { multiArg: true, ...YES }),
  // Scripting
  int('busy-reply-threshold', 0n, LONG_MAX, 5000, { aliases: ['lua-time-limit'], ...LATER }),
  // Cluster (not supported by nodis)
  bool('cluster-enabled', false, { mutable: false }),
  str('cluster-config-file', 'nodes.conf', { mutable: false }),
  int('cluster-node-timeout', 0n, LLONG_MAX, 15000),
  int('cluster-port', 0n, 65535n, 0, { mutable: false }),
  int('cluster-replica-validity-factor', 0n, INT_MAX, 10, { aliases: ['cluster-slave-validity-factor'] }),
  int('cluster-migration-barrier', 0n, INT_MAX, 1),
  bool('cluster-allow-replica-migration', true),
  bool('cluster-require-full-coverage', true),
  bool('cluster-replica-no-failover', false, { aliases: ['cluster-slave-no-failover'] }),
  bool('cluster-allow-reads-when-down', false),
  bool('cluster-allow-pubsubshard-when-down', true),
  mem('cluster-link-sendbuf-limit', 0n, ULLONG_MAX, 0),
  str('cluster-announce-hostname', ''),
  enm('cluster-preferred-endpoint-type', ['ip', 'hostname', 'unknown-endpoint'], 'ip'),
  str('cluster-announce-ip', ''),
  int('cluster-announce-port', 0n, 65535n, 0),
  int('cluster-announce-tls-port', 0n, 65535n, 0),
  int('cluster-announce-bus-port', 0n, 65535n, 0),
  // Slow log, latency
  int('slowlog-log-slower-than', -1n, LLONG_MAX, 10000, YES),
  int('slowlog-max-len', 0n, LONG_MAX, 128, YES),
  int('latency-monitor-threshold', 0n, LLONG_MAX, 0, YES),
  bool('latency-tracking', true),
  special('latency-tracking-info-percentiles', '50 99 99.9', (a) => parsePercentiles(a), { multiArg: true }),
  // Event notification
  special('notify-keyspace-events', '', (a) => parseNotify(a), { display: displayNotifyFlags, ...YES }),
  // Advanced config: encodings (meaningful once the data types exist)
  int('hash-max-listpack-entries', 0n, LONG_MAX, 512, { aliases: ['hash-max-ziplist-entries'], ...YES }),
  mem('hash-max-listpack-value', 0n, LONG_MAX, 64, { aliases: ['hash-max-ziplist-value'], ...YES }),
  int('list-max-listpack-size', INT_MIN, INT_MAX, -2, { aliases: ['list-max-ziplist-size'], ...YES }),
  int('list-compress-depth', 0n, INT_MAX, 0, YES),
  int('set-max-intset-entries', 0n, LONG_MAX, 512, YES),
  int('zset-max-listpack-entries', 0n, LONG_MAX, 128, { aliases: ['zset-max-ziplist-entries'], ...YES }),
  mem('zset-max-listpack-value', 0n, LONG_MAX, 64, { aliases: ['zset-max-ziplist-value'], ...YES }),
  mem('hll-sparse-max-bytes', 0n, LONG_MAX, 3000, LATER),
  mem('stream-node-max-bytes', 0n, LONG_MAX, 4096, LATER),
  int('stream-node-max-entries', 0n, LLONG_MAX, 100, LATER),
  bool('activerehashing', true),
  special('client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60', (a, cur) => parseOutputBufferLimit(a, cur), {
    multiArg: true,
    ...YES,
  }),
  mem('client-query-buffer-limit', 1024n * 1024n, LONG_MAX, 1024 * 1024 * 1024, YES),
  mem('proto-max-bulk-len', 1024n * 1024n, LONG_MAX, 512 * 1024 * 1024, YES),
  int('hz', 0n, INT_MAX, 10, YES),
  bool('dynamic-hz', true),
  int('lfu-log-factor', 0n, INT_MAX, 10, LATER),
  int('lfu-decay-time', 0n, INT_MAX, 1, LATER),
  int('active-expire-effort', 1n, 10n, 1),
  // Active defragmentation (nodis has no allocator to defragment: like a Redis built without jemalloc)
  bool('activedefrag', false, {
    validate: (v) =>
      v === 'yes'
        ? 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution'
        : null,
  }),
  mem('active-defrag-ignore-bytes', 1n, LLONG_MAX, 100 * 1024 * 1024),
  int('active-defrag-threshold-lower', 0n, 1000n, 10),
  int('active-defrag-threshold-upper', 0n, 1000n, 100),
  int('active-defrag-cycle-min', 1n, 99n, 1),
  int('active-defrag-cycle-max', 1n, 99n, 25),
  int('active-defrag-max-scan-fields', 1n, LONG_MAX, 1000),
  bool('jemalloc-bg-thread', true),
  str('server_cpulist', '', { mutable: false }),
  str('bio_cpulist', '', { mutable: false }),
  str('aof_rewrite_cpulist', '', { mutable: false }),
  str('bgsave_cpulist', '', { mutable: false }),
  // Protected actions
  enm('enable-protected-configs', PROTECTED_ACTION, 'no', { mutable: false, ...YES }),
  enm('enable-debug-command', PROTECTED_ACTION, 'no', { mutable: false, ...YES }),
  enm('enable-module-command', PROTECTED_ACTION, 'no', { mutable: false }),
  // TLS (nodis has no TLS listener)
  int('tls-port', 0n, 65535n, 0),
  str('tls-cert-file', ''),
  str('tls-key-file', ''),
  str('tls-key-file-pass', ''),
  str('tls-client-cert-file', ''),
  str('tls-client-key-file', ''),
  str('tls-client-key-file-pass', ''),
  str('tls-dh-params-file', ''),
  str('tls-ca-cert-file', ''),
  str('tls-ca-cert-dir', ''),
  enm('tls-auth-clients', ['no', 'yes', 'optional'], 'yes'),
  bool('tls-replication', false),
  bool('tls-cluster', false),
  str('tls-protocols', ''),
  str('tls-ciphers', ''),
  str('tls-ciphersuites', ''),
  bool('tls-prefer-server-ciphers', false),
  bool('tls-session-caching', true),
  int('tls-session-cache-size', 0n, INT_MAX, 20 * 1024),
  int('tls-session-cache-timeout', 0n, INT_MAX, 300),
];

/** Directives of redis.conf that are not settings (handled by config-file.ts). */
export const FILE_ONLY_DIRECTIVES = ['include', 'rename-command', 'user', 'loadmodule'] as const;

// --- Value parsing ----------------------------------------------------------------------------

const MEMORY_UNITS: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3 };

/** Parses "1gb", "100mb", "512" as Redis's memtoull. null when invalid (negative, fractions, bad unit). */
export function parseMemory(s: string): number | null {
  const m = /^(\d+)([a-z]*)$/i.exec(s);
  if (!m) return null;
  const unit = MEMORY_UNITS[m[2].toLowerCase()];
  return unit === undefined ? null : Number(m[1]) * unit;
}

function parseMemoryBig(s: string): bigint | null {
  const m = /^(\d+)([a-z]*)$/i.exec(s);
  if (!m) return null;
  const unit = MEMORY_UNITS[m[2].toLowerCase()];
  if (unit === undefined) return null;
  const v = BigInt(m[1]) * BigInt(unit);
  return v > ULLONG_MAX ? null : v;
}

/** Redis's string2ll: no '+', no leading zeros, no spaces, within int64. */
function string2ll(s: string): bigint | null {
  if (!/^(0|-?[1-9]\d*)$/.test(s)) return null;
  const v = BigInt(s);
  return v > LLONG_MAX || v < -LLONG_MAX - 1n ? null : v;
}

function checkBounds(dir: Directive, v: bigint): void {
  const { min = -LLONG_MAX - 1n, max = ULLONG_MAX } = dir;
  if (dir.percent && v < 0n) {
    if (v < min) throw new ConfigError(`percentage argument must be less or equal to ${-min}`);
    return;
  }
  if (v < min || v > max) {
    const f = (x: bigint) => (dir.octal ? x.toString(8) : String(x));
    throw new ConfigError(`argument must be between ${f(min)} and ${f(max)} inclusive`);
  }
}

/** Validates args for a directive and returns the canonical value (what CONFIG GET shows). */
function normalize(dir: Directive, args: string[], current: string, cfg: Config): string {
  let out: string;
  if (dir.type === 'special') {
    out = dir.parse!(args, current, cfg);
  } else {
    const value = args[0];
    switch (dir.type) {
      case 'bool': {
        const v = value.toLowerCase();
        if (v !== 'yes' && v !== 'no') throw new ConfigError("argument must be 'yes' or 'no'");
        out = v;
        break;
      }
      case 'int': {
        let n: bigint | null;
        if (dir.octal) {
          n = /^\s*[+-]?[0-7]+$/.test(value) ? BigInt(parseInt(value, 8)) : null;
          if (n === null) throw new ConfigError("argument couldn't be parsed as an octal number");
        } else {
          n = string2ll(value);
          if (n === null) throw new ConfigError("argument couldn't be parsed into an integer");
        }
        checkBounds(dir, n);
        out = dir.octal ? n.toString(8) : String(n);
        break;
      }
      case 'memory': {
        let n = parseMemoryBig(value);
        let pct = false;
        if (n === null && dir.percent && value.length > 1 && value.endsWith('%')) {
          const p = string2ll(value.slice(0, -1));
          if (p !== null && p >= 0n) {
            n = -p;
            pct = true;
          }
        }
        if (n === null) throw new ConfigError(dir.percent ? 'argument must be a memory or percent value' : 'argument must be a memory value');
        checkBounds(dir, n);
        out = pct ? `${-n}%` : String(n);
        break;
      }
      case 'enum': {
        const v = value.toLowerCase();
        if (!dir.enumValues!.includes(v)) throw new ConfigError(`argument(s) must be one of the following: ${dir.enumValues!.join(', ')}`);
        out = v;
        break;
      }
      default:
        out = value;
    }
  }
  const bad = dir.validate?.(out);
  if (bad) throw new ConfigError(bad);
  // hz is a hint: Redis accepts any value and clamps it (updateHZ)
  if (dir.name === 'hz') out = String(Math.min(500, Math.max(1, Number(out))));
  return out;
}

// --- Config -----------------------------------------------------------------------------------

export class Config {
  private readonly values = new Map<string, string>();
  private readonly numbers = new Map<string, number>();
  private readonly byName = new Map<string, Directive>();
  /** Path of the config file it was loaded from ('' when none); CONFIG REWRITE writes there. */
  file = '';
  /** True while a config file is being read: `save` lines accumulate instead of replacing. */
  private loadingFile = false;
  private saveLoaded = false;
  /** `user` lines and `rename-command` lines seen in the file (accepted, not applied). */
  readonly userLines: string[][] = [];
  readonly renamedCommands: Array<[string, string]> = [];

  constructor(readonly directives: readonly Directive[] = DIRECTIVES) {
    for (const dir of directives) {
      this.byName.set(dir.name, dir);
      for (const a of dir.aliases ?? []) this.byName.set(a, dir);
      this.store(dir, dir.name === 'dir' ? process.cwd() : dir.default);
    }
  }

  private store(dir: Directive, value: string): void {
    this.values.set(dir.name, value);
    const n = Number(value);
    if (value !== '' && !Number.isNaN(n)) this.numbers.set(dir.name, n);
    else this.numbers.delete(dir.name);
  }

  directive(name: string): Directive | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  /** The current value as CONFIG GET shows it. Throws ConfigError for an unknown name. */
  /** The value as CONFIG GET and CONFIG REWRITE show it. */
  display(name: string): string {
    const dir = this.directive(name);
    const v = this.get(name);
    return dir?.display ? dir.display(v) : v;
  }

  get(name: string): string {
    const v = this.values.get(name);
    if (v !== undefined) return v;
    const dir = this.directive(name);
    if (!dir) throw new ConfigError(`unknown directive ${name}`);
    return this.values.get(dir.name)!;
  }

  /** Numeric value (cached: callers on the hot path use it). NaN for non-numeric values. */
  getNumber(name: string): number {
    const n = this.numbers.get(name);
    if (n !== undefined) return n;
    return Number(this.get(name));
  }

  getBool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /**
   * Sets a directive from one string, as CONFIG SET and StartOptions do: multi-argument
   * directives split it on spaces. Throws ConfigError with Redis's reason.
   */
  set(name: string, value: string): void {
    const dir = this.directive(name);
    if (!dir) throw new ConfigError('Bad directive or wrong number of arguments');
    const args = dir.multiArg ? (value === '' ? [] : value.split(' ')) : [value];
    this.setValidated(dir, args);
  }

  /** Sets a directive from config-file arguments (after the name). Throws ConfigError. */
  setArgs(name: string, args: string[]): void {
    const dir = this.directive(name);
    if (!dir) throw new ConfigError('Bad directive or wrong number of arguments');
    if (!dir.multiArg && args.length !== 1) throw new ConfigError('wrong number of arguments');
    if (dir.name === 'save' && this.loadingFile) {
      // Redis: the file's save lines replace the defaults once, then accumulate; save "" clears
      const parsed = normalize(dir, args, '', this);
      const prev = this.saveLoaded && parsed !== '' ? this.get('save') : '';
      this.saveLoaded = true;
      this.store(dir, [prev, parsed].filter((x) => x !== '').join(' '));
      return;
    }
    this.setValidated(dir, args);
  }

  private setValidated(dir: Directive, args: string[]): void {
    this.store(dir, normalize(dir, args, this.values.get(dir.name)!, this));
  }

  /** Brackets the reading of a config file (and the command-line options appended to it). */
  beginFileLoad(): void {
    this.loadingFile = true;
  }

  endFileLoad(): void {
    this.loadingFile = false;
  }

  /** Has the value been changed from Redis's default? */
  isDefault(name: string): boolean {
    const dir = this.directive(name)!;
    return this.values.get(dir.name) === (dir.name === 'dir' ? process.cwd() : dir.default);
  }

  /** [canonical name, value] of every directive. */
  entries(): IterableIterator<[string, string]> {
    return this.values.entries();
  }
}
