/**
 * Server administration commands: INFO, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, LASTSAVE,
 * SHUTDOWN, MONITOR, SLOWLOG, LATENCY. DEBUG lives in debug.ts, COMMAND in command.ts.
 * The state behind them (stats, slow log, latency events, shutdown) is server/'s, reached
 * through ctx.server.admin.
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { isWord, parseInteger } from './args.js';
import type { CommandContext, LatencyEvent } from './context.js';
import { type CommandSpec, defineCommand, defineContainer } from './table.js';

/** Redis's addReplyHelp: the usage line, the given lines, then HELP's own two lines. */
export function helpReply(cmd: string, lines: readonly string[]): Reply {
  return Reply.array(
    [`${cmd} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...lines, 'HELP', '    Prints this help.'].map((l) =>
      Reply.simple(l),
    ),
  );
}

/** INFO [section ...] -- verbatim text in RESP3, a bulk string in RESP2. */
export const info = defineCommand({
  name: 'info',
  arity: -1,
  flags: ['loading', 'stale'],
  run(ctx, args) {
    return Reply.verbatim(ctx.server.admin.info(args.map((a) => a.toLowerCase())));
  },
});

/** DBSIZE */
export const dbsize = defineCommand({
  name: 'dbsize',
  arity: 1,
  flags: ['readonly', 'fast'],
  run(ctx) {
    return ctx.db.size;
  },
});

/** FLUSHDB/FLUSHALL's optional ASYNC|SYNC (both free the memory at once here). */
function checkFlushMode(args: string[]): void {
  if (args.length > 1) fail(Err.syntax);
  if (args.length === 1 && !isWord(args[0], 'sync') && !isWord(args[0], 'async')) fail(Err.syntax);
}

/** FLUSHDB [ASYNC|SYNC] */
export const flushdb = defineCommand({
  name: 'flushdb',
  arity: -1,
  flags: ['write', 'may_replicate'],
  run(ctx, args) {
    checkFlushMode(args);
    const removed = ctx.db.flush(); // invalidates WATCHes on keys it held
    // Redis adds the keys removed to dirty and always propagates FLUSHDB, even on an empty db
    ctx.dirty += Math.max(1, removed);
    return Reply.ok();
  },
});

/** FLUSHALL [ASYNC|SYNC] */
export const flushall = defineCommand({
  name: 'flushall',
  arity: -1,
  flags: ['write', 'may_replicate'],
  run(ctx, args) {
    checkFlushMode(args);
    let removed = 0;
    for (const db of ctx.server.keyspace.dbs) removed += db.flush();
    // as Redis's flushAllDataAndResetRDB: a running BGSAVE is killed, the empty dataset saved if rules exist
    ctx.server.persistence.flushedAll();
    ctx.dirty += removed + 1;
    return Reply.ok();
  },
});

/** SWAPDB index1 index2 */
export const swapdb = defineCommand({
  name: 'swapdb',
  arity: 3,
  flags: ['write', 'fast'],
  run(ctx, [a, b]) {
    // getIntFromObjectOrReply: a 32-bit int, else the argument's own error
    const i = parseInteger(a, Err.invalidFirstDbIndex);
    if (i !== (i | 0)) fail(Err.invalidFirstDbIndex);
    const j = parseInteger(b, Err.invalidSecondDbIndex);
    if (j !== (j | 0)) fail(Err.invalidSecondDbIndex);
    const dbs = ctx.server.keyspace.dbs;
    if (i < 0 || i >= dbs.length || j < 0 || j >= dbs.length) fail(Err.dbIndexOutOfRange);
    if (i !== j) dbs[i].swapContents(dbs[j]);
    ctx.dirty++;
    return Reply.ok();
  },
});

/** TIME -- [unix seconds, microseconds] as bulk strings. */
export const time = defineCommand({
  name: 'time',
  arity: 1,
  flags: ['loading', 'stale', 'fast'],
  run(ctx) {
    const ms = ctx.server.clock.now();
    const sec = Math.floor(ms / 1000);
    const usec = Math.floor((ms - sec * 1000) * 1000);
    return Reply.array([String(sec), String(usec)]);
  },
});

/** LASTSAVE */
export const lastsave = defineCommand({
  name: 'lastsave',
  arity: 1,
  flags: ['loading', 'stale', 'fast'],
  run(ctx) {
    return ctx.server.persistence.lastSave();
  },
});

/** SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] -- on success the connection just closes. */
export const shutdown = defineCommand({
  name: 'shutdown',
  arity: -1,
  flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'],
  run(ctx, args) {
    let save = false;
    let nosave = false;
    const opts = { now: false, force: false, abort: false };
    for (const a of args) {
      const w = a.toLowerCase();
      if (w === 'nosave') nosave = true;
      else if (w === 'save') save = true;
      else if (w === 'now') opts.now = true;
      else if (w === 'force') opts.force = true;
      else if (w === 'abort') opts.abort = true;
      else fail(Err.syntax);
    }
    if ((opts.abort && (save || nosave || opts.now || opts.force)) || (save && nosave)) fail(Err.syntax);
    // saves first when the mode or the save rules say so: the client waits, and gets an error if that fails
    return ctx.server.persistence.shutdown(ctx, nosave ? 'nosave' : save ? 'save' : 'default', opts);
  },
});

/** MONITOR -- OK, then every command other clients run, as +lines. */
export const monitor = defineCommand({
  name: 'monitor',
  arity: 1,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(ctx) {
    if (ctx.inExec) fail(Err.monitorDenyBlocking);
    ctx.server.clients.monitor(ctx.client);
    return Reply.ok();
  },
});

// --- SLOWLOG ---

const SLOWLOG_HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

const slowlogGet = defineCommand({
  name: 'get',
  arity: -2,
  flags: ['admin', 'loading', 'stale'],
  run(ctx, args) {
    if (args.length > 1) fail(Err.subcommandSyntax(ctx.argv[1], 'slowlog'));
    let count = 10;
    if (args.length === 1) {
      count = parseInteger(args[0], Err.slowlogCount);
      if (count < -1) fail(Err.slowlogCount);
    }
    return Reply.array(
      ctx.server.admin.slowlog
        .get(count)
        .map((e) => Reply.array([e.id, e.time, e.durationUs, Reply.array(e.argv), e.addr, e.name])),
    );
  },
});

const slowlogLen = defineCommand({
  name: 'len',
  arity: 2,
  flags: ['admin', 'loading', 'stale'],
  run(ctx) {
    return ctx.server.admin.slowlog.len();
  },
});

const slowlogReset = defineCommand({
  name: 'reset',
  arity: 2,
  flags: ['admin', 'loading', 'stale'],
  run(ctx) {
    ctx.server.admin.slowlog.reset();
    return Reply.ok();
  },
});

const slowlogHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  run() {
    return helpReply('SLOWLOG', SLOWLOG_HELP);
  },
});

/** SLOWLOG GET [count] | LEN | RESET | HELP */
export const slowlog = defineContainer('slowlog', -2, [], [slowlogGet, slowlogLen, slowlogReset, slowlogHelp]);

// --- LATENCY ---

const LATENCY_HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
];

function latencyEvents(ctx: CommandContext): Map<string, LatencyEvent> {
  return ctx.server.admin.latency;
}

function latencyThreshold(ctx: CommandContext): number {
  try {
    return ctx.server.config.getNumber('latency-monitor-threshold') || 0;
  } catch {
    return 0; // the directive is not in this build's table
  }
}

const latencyLatest = defineCommand({
  name: 'latest',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(ctx) {
    const out: Reply[] = [];
    for (const [name, ev] of latencyEvents(ctx)) {
      const last = ev.samples[ev.samples.length - 1];
      if (last === undefined) continue;
      out.push(Reply.array([name, last.time, last.latencyMs, ev.max]));
    }
    return Reply.array(out);
  },
});

const latencyHistory = defineCommand({
  name: 'history',
  arity: 3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(ctx, [event]) {
    const ev = latencyEvents(ctx).get(event);
    return Reply.array((ev?.samples ?? []).map((s) => Reply.array([s.time, s.latencyMs])));
  },
});

const latencyReset = defineCommand({
  name: 'reset',
  arity: -2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(ctx, events) {
    const map = latencyEvents(ctx);
    if (events.length === 0) {
      const n = map.size;
      map.clear();
      return n;
    }
    let n = 0;
    for (const e of events) if (map.delete(e)) n++;
    return n;
  },
});

const latencyDoctor = defineCommand({
  name: 'doctor',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(ctx) {
    if (latencyThreshold(ctx) === 0) return Reply.verbatim(Err.latencyDisabledDoctor);
    const map = latencyEvents(ctx);
    if (map.size === 0) {
      return Reply.verbatim(
        'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep tonight.\n',
      );
    }
    let report = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
    let i = 1;
    for (const [name, ev] of map) {
      const sum = ev.samples.reduce((acc, s) => acc + s.latencyMs, 0);
      const avg = ev.samples.length === 0 ? 0 : Math.floor(sum / ev.samples.length);
      report += `${i++}. ${name}: ${ev.samples.length} latency spikes (average ${avg}ms, mean deviation 0ms, period 0 sec). Worst all time event ${ev.max}ms.\n`;
    }
    report += '\nI have a few advices for you:\n\n- Check your slow commands with SLOWLOG GET.\n';
    return Reply.verbatim(report);
  },
});

const latencyGraph = defineCommand({
  name: 'graph',
  arity: 3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  run(ctx, [event]) {
    const ev = latencyEvents(ctx).get(event);
    if (ev === undefined || ev.samples.length === 0) fail(Err.latencyNoSamples(event));
    const now = Math.floor(ctx.server.clock.now() / 1000);
    const lines = [`${event} - high ${ev.max} ms, low ${Math.min(...ev.samples.map((s) => s.latencyMs))} ms (all time high ${ev.max} ms)`];
    lines.push('-'.repeat(80));
    for (const s of ev.samples) lines.push(`${String(now - s.time).padStart(6)}s ago  ${'#'.repeat(Math.max(1, Math.round((s.latencyMs * 40) / ev.max)))} ${s.latencyMs}ms`);
    return Reply.verbatim(`${lines.join('\n')}\n`);
  },
});

const latencyHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  run() {
    return helpReply('LATENCY', LATENCY_HELP);
  },
});

/** LATENCY LATEST | HISTORY event | RESET [event ...] | DOCTOR | GRAPH event | HELP */
export const latency = defineContainer('latency', -2, [], [
  latencyDoctor,
  latencyGraph,
  latencyReset,
  latencyLatest,
  latencyHelp,
  latencyHistory,
]);

export const serverCommands: CommandSpec[] = [
  info,
  dbsize,
  flushdb,
  flushall,
  swapdb,
  time,
  lastsave,
  shutdown,
  monitor,
  slowlog,
  latency,
];
