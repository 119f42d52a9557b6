/**
 * OBJECT (ENCODING, REFCOUNT, IDLETIME, FREQ, HELP) and MEMORY (USAGE, DOCTOR, STATS,
 * MALLOC-STATS, PURGE, HELP).
 *
 * nodis stores a string as a JS string, so what Redis's object header would say is derived
 * from the value: OBJECT ENCODING answers what Redis 7.0 picks for a freshly SET value (int,
 * embstr up to 44 bytes, raw), and MEMORY USAGE estimates Redis's bytes (robj + sds + dict
 * entry, rounded to jemalloc size classes) so tools see a Redis-like magnitude.
 * No per-key access clock is kept (it would cost memory on every key): IDLETIME answers 0 and
 * FREQ 0 when an LFU policy is selected.
 */
import type { Value } from '../keyspace/value.js';
import { jemallocSize } from '../keyspace/types/redis-sizes.js';
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { isStrictInt, isWord, parseInteger } from './args.js';
import type { CommandContext } from './context.js';
import { readValue } from './lookup.js';
import { type CommandSpec, defineCommand, defineContainer } from './table.js';

const OBJ_SHARED_INTEGERS = 10000;
const SHARED_REFCOUNT = 2147483647;
const EMBSTR_LIMIT = 44;
const ROBJ = 16;
const DICT_ENTRY = 24;

// --- Redis-like sizes ---

/** sdsReqType's header size for a string of len bytes. */
function sdsHeader(len: number, isKey: boolean): number {
  if (len < 32) return isKey && len > 0 ? 1 : 3; // type 5 only for non-empty keys
  if (len < 256) return 3;
  if (len < 65536) return 5;
  return len < 2 ** 32 ? 9 : 17;
}

function sdsAllocSize(len: number, isKey: boolean): number {
  return jemallocSize(sdsHeader(len, isKey) + len + 1);
}

/** Redis 7.0's encoding of a string value, as tryObjectEncoding leaves a SET value. */
export function stringEncoding(s: string): 'int' | 'embstr' | 'raw' {
  if (s.length <= 20 && isStrictInt(s)) return 'int';
  return s.length <= EMBSTR_LIMIT ? 'embstr' : 'raw';
}

function encodingOf(v: Value): string {
  return typeof v === 'string' ? stringEncoding(v) : v.encoding;
}

/** objectComputeSize for a value (strings exact to Redis's accounting; collections ask the value). */
function valueSize(v: Value, samples: number): number {
  if (typeof v === 'string') {
    switch (stringEncoding(v)) {
      case 'int':
        return ROBJ;
      case 'embstr':
        return jemallocSize(ROBJ + 3 + v.length + 1);
      default:
        return ROBJ + sdsAllocSize(v.length, false);
    }
  }
  const sized = v as Value & { memoryUsage?: (samples: number) => number };
  return typeof sized.memoryUsage === 'function' ? sized.memoryUsage(samples) : ROBJ;
}

/** MEMORY USAGE's figure: value + key sds + dict entry. */
export function keyMemoryUsage(key: string, v: Value, samples = 5): number {
  return valueSize(v, samples) + sdsAllocSize(key.length, true) + DICT_ENTRY;
}

function maxmemoryPolicy(ctx: CommandContext): string {
  try {
    return ctx.server.config.getString('maxmemory-policy');
  } catch {
    return 'noeviction'; // directive not in this build's config table
  }
}

function helpReply(lines: string[], cmd: string): Reply {
  return [
    Reply.simple(`${cmd} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`),
    ...lines.map((l) => Reply.simple(l)),
    Reply.simple('HELP'),
    Reply.simple('    Prints this help.'),
  ];
}

// --- OBJECT ---

function objectSub(name: string, run: (ctx: CommandContext, v: Value) => Reply): CommandSpec {
  return defineCommand({
    name,
    arity: 3,
    flags: ['readonly'],
    keys: { first: 2, last: 2, step: 1 },
    run(ctx, [key]) {
      const v = readValue(ctx, key, false); // LOOKUP_NONOTIFY: stats, but no 'keymiss'
      return v === undefined ? Reply.nil() : run(ctx, v);
    },
  });
}

const objectEncoding = objectSub('encoding', (_ctx, v) => encodingOf(v));

/** Redis stops sharing small integers when maxmemory is set with an LRU/LFU policy (per-object clocks). */
function sharesIntegers(ctx: CommandContext): boolean {
  const policy = maxmemoryPolicy(ctx);
  if (!policy.includes('lru') && !policy.includes('lfu')) return true;
  try {
    return ctx.server.config.getNumber('maxmemory') === 0;
  } catch {
    return true;
  }
}

const objectRefcount = objectSub('refcount', (ctx, v) => {
  if (typeof v === 'string' && stringEncoding(v) === 'int' && sharesIntegers(ctx)) {
    const n = Number(v);
    if (n >= 0 && n < OBJ_SHARED_INTEGERS) return SHARED_REFCOUNT;
  }
  return 1;
});

const objectIdletime = objectSub('idletime', (ctx) => {
  if (maxmemoryPolicy(ctx).includes('lfu')) fail(Err.lfuSelected);
  return 0; // no per-key access clock in nodis
});

const objectFreq = objectSub('freq', (ctx) => {
  if (!maxmemoryPolicy(ctx).includes('lfu')) fail(Err.lfuNotSelected);
  return 0;
});

const OBJECT_HELP = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
];

const objectHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  run: () => helpReply(OBJECT_HELP, 'OBJECT'),
});

/** OBJECT <subcommand> key */
export const object = defineContainer('object', -2, [], [objectEncoding, objectFreq, objectIdletime, objectRefcount, objectHelp]);

// --- MEMORY ---

/** MEMORY USAGE key [SAMPLES count] */
const memoryUsage = defineCommand({
  name: 'usage',
  arity: -3,
  flags: ['readonly'],
  keys: { first: 2, last: 2, step: 1 },
  run(ctx, args) {
    const key = args[0];
    let samples = 5;
    for (let j = 1; j < args.length; j++) {
      if (isWord(args[j], 'samples') && j + 1 < args.length) {
        samples = parseInteger(args[j + 1]);
        if (samples < 0) fail(Err.syntax);
        if (samples === 0) samples = Number.MAX_SAFE_INTEGER;
        j++;
      } else {
        fail(Err.syntax);
      }
    }
    const v = ctx.db.peek(key); // Redis looks in the dict directly: no lazy expiry here
    return v === undefined ? Reply.nil() : keyMemoryUsage(key, v, samples);
  },
});

const DOCTOR_EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.";
const DOCTOR_OK = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.";

const memoryDoctor = defineCommand({
  name: 'doctor',
  arity: 2,
  flags: [],
  run(ctx) {
    // as Redis: below 5MB of used memory there is nothing to diagnose
    const used = ctx.server.admin.usedMemory();
    return Reply.verbatim(used < 5 * 1024 * 1024 ? DOCTOR_EMPTY : DOCTOR_OK);
  },
});

/** MEMORY STATS -- Redis's field names; the allocator figures come from V8's heap and the RSS. */
const memoryStats = defineCommand({
  name: 'stats',
  arity: 2,
  flags: [],
  run(ctx) {
    const mu = process.memoryUsage();
    const used = ctx.server.admin.usedMemory();
    const keyspace = ctx.server.keyspace;
    const flat: Reply[] = [
      'peak.allocated', Math.max(used, mu.heapTotal),
      'total.allocated', used,
      'startup.allocated', 0,
      'replication.backlog', 0,
      'clients.slaves', 0,
      'clients.normal', 0,
      'cluster.links', 0,
      'aof.buffer', 0,
      'lua.caches', 0,
      'functions.caches', 0,
    ];
    let overhead = 0;
    let keys = 0;
    for (const db of keyspace.dbs) {
      if (db.size === 0) continue;
      const main = db.size * DICT_ENTRY + db.pageCount * 8;
      const expires = db.expires.size * DICT_ENTRY;
      overhead += main + expires;
      keys += db.size;
      flat.push(`db.${db.id}`, Reply.map([
        'overhead.hashtable.main', main,
        'overhead.hashtable.expires', expires,
        'overhead.hashtable.slot-to-keys', 0,
      ]));
    }
    const dataset = Math.max(0, used - overhead);
    flat.push(
      'overhead.total', overhead,
      'keys.count', keys,
      'keys.bytes-per-key', keys === 0 ? 0 : Math.floor(dataset / keys),
      'dataset.bytes', dataset,
      'dataset.percentage', Reply.double(used === 0 ? 0 : (dataset * 100) / used),
      'peak.percentage', Reply.double(100),
      'allocator.allocated', mu.heapUsed,
      'allocator.active', mu.heapTotal,
      'allocator.resident', mu.rss,
      'allocator-fragmentation.ratio', Reply.double(mu.heapUsed === 0 ? 0 : mu.heapTotal / mu.heapUsed),
      'allocator-fragmentation.bytes', mu.heapTotal - mu.heapUsed,
      'allocator.rss-ratio', Reply.double(mu.heapTotal === 0 ? 0 : mu.rss / mu.heapTotal),
      'allocator.rss-bytes', mu.rss - mu.heapTotal,
      'rss-overhead.ratio', Reply.double(1),
      'rss-overhead.bytes', 0,
      'fragmentation', Reply.double(used === 0 ? 0 : mu.rss / used),
      'fragmentation.bytes', mu.rss - used,
    );
    return Reply.map(flat);
  },
});

const memoryMallocStats = defineCommand({
  name: 'malloc-stats',
  arity: 2,
  flags: [],
  run: () => 'Stats not supported for the current allocator',
});

const memoryPurge = defineCommand({
  name: 'purge',
  arity: 2,
  flags: [],
  run: () => Reply.ok(),
});

const MEMORY_HELP = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

const memoryHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  run: () => helpReply(MEMORY_HELP, 'MEMORY'),
});

/** MEMORY <subcommand> */
export const memory = defineContainer('memory', -2, [], [
  memoryDoctor,
  memoryMallocStats,
  memoryPurge,
  memoryStats,
  memoryUsage,
  memoryHelp,
]);

export const objectCommands: CommandSpec[] = [object, memory];
