/**
 * The dispatcher: looks a request up in the command table, checks it the way Redis's
 * processCommand does (arity, auth, MULTI queueing, subscribed context, loading, flags), calls
 * the handler, records stats, and hands writes to the propagator. Handlers never see a request
 * that failed a check, and never propagate anything themselves.
 */
import type { CommandContext, Executor } from '../commands/context.js';
import type { CommandSpec } from '../commands/table.js';
import { discardTransaction } from '../commands/transactions.js';
import { WrongTypeError } from '../keyspace/db.js';
import { CommandError, Err } from '../protocol/errors.js';
import { ErrorReply, Reply } from '../protocol/reply.js';
import type { Propagator } from './propagator.js';

/** What the dispatcher asks of the server around it. */
export interface DispatchHooks {
  /** requirepass is set (clients must AUTH). */
  authRequired(): boolean;
  /** A dataset is being loaded. */
  loading(): boolean;
  /**
   * Writes are refused with this error (MISCONF, later replica read-only), or null. Also asked
   * for PING and for an EXEC whose queue holds writes (isWrite tells them apart): Redis refuses
   * PING with MISCONF too.
   */
  writeRefusal(ctx: CommandContext, spec: CommandSpec, isWrite: boolean): string | null;
  /** Any command may be refused with this error (a replica's -MASTERDOWN), or null; asked when `staleChecks`. */
  staleRefusal?(ctx: CommandContext, spec: CommandSpec): string | null;
  /** After each executed command: MONITOR feed, slowlog. Only called when `observing`. */
  executed(ctx: CommandContext, spec: CommandSpec, argv: string[], durationUs: number): void;
  /** An error reply was produced (INFO errorstats). */
  errorReplied(message: string): void;
  /** An unexpected exception in a handler. */
  internalError(err: unknown, argv: string[]): void;
}

/** Keys made ready for blocked clients (BLPOP ...), served after each top-level command. */
export interface ReadyKeys {
  readonly hasReady: boolean;
  serveReady(): void;
}

/** Commands that run rather than queue inside MULTI. */
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
/** Commands allowed to a RESP2 client in subscribed mode. */
const SUBSCRIBED_ALLOWED = new Set([
  'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'ping', 'quit', 'reset',
]);

export class Dispatcher implements Executor {
  /** Set by the server when MONITOR or the slowlog need to see each command. */
  observing = true;
  totalCommands = 0;
  /** Set by the server while it is a replica: staleRefusal is asked for every command. */
  staleChecks = false;
  /** Set by the server: the blocked-client registry. */
  readyKeys: ReadyKeys | null = null;

  constructor(
    private readonly table: ReadonlyMap<string, CommandSpec>,
    private readonly propagator: Propagator,
    private readonly hooks: DispatchHooks,
  ) {}

  lookup(name: string): CommandSpec | undefined {
    // the reader hands the same name string object for repeated commands: one comparison
    if (name === this.lastName) return this.lastSpec;
    const spec = this.lookupSlow(name);
    this.lastName = name;
    this.lastSpec = spec;
    return spec;
  }

  /** The previous lookup (the table never changes after construction). */
  private lastName = '';
  private lastSpec: CommandSpec | undefined = undefined;

  private lookupSlow(name: string): CommandSpec | undefined {
    const spec = this.table.get(name);
    if (spec !== undefined) return spec;
    // clients send upper case ("SET"): remember such spellings rather than lowercase each time
    const known = this.spellings.get(name);
    if (known !== undefined) return known;
    const lower = this.table.get(name.toLowerCase());
    if (lower !== undefined && this.spellings.size < 1024) this.spellings.set(name, lower);
    return lower;
  }

  /** Non-lowercase spellings of command names seen so far (bounded). */
  private readonly spellings = new Map<string, CommandSpec>();

  /** Resolves argv to a spec (subcommand included) or an error text. */
  resolve(argv: string[]): CommandSpec | string {
    let spec = this.lookup(argv[0]);
    if (spec === undefined) return Err.unknownCommand(argv[0], argv.slice(1));
    if (spec.subcommandMap !== undefined) {
      if (argv.length < 2) return Err.wrongArity(spec.fullName);
      const sub = spec.subcommandMap.get(argv[1].toLowerCase());
      if (sub === undefined) return Err.unknownSubcommand(argv[1], spec.name);
      spec = sub;
    }
    const a = spec.arity;
    if ((a > 0 && argv.length !== a) || argv.length < -a) {
      spec.stats.rejectedCalls++; // Redis counts arity errors as rejected calls of the command
      return Err.wrongArity(spec.fullName);
    }
    return spec;
  }

  /** Runs one client request through every check. */
  process(ctx: CommandContext, argv: string[]): Reply {
    const client = ctx.client;
    const resolved = this.resolve(argv);
    if (typeof resolved === 'string') {
      if (client.multi !== null) client.multiError = true;
      return this.reject(ctx, argv[0], resolved);
    }
    const spec = resolved;
    if (!client.authenticated && !spec.allowedBeforeAuth && this.hooks.authRequired()) {
      if (client.multi !== null) client.multiError = true;
      spec.stats.rejectedCalls++;
      return this.reject(ctx, argv[0], Err.noAuth);
    }
    // as processCommand: before queueing, so a refused write inside MULTI fails the EXEC
    const isWrite = spec.isWrite || (spec.name === 'exec' && client.multi !== null && client.multi.some((q) => q.spec.isWrite));
    if (isWrite || spec.name === 'ping') {
      const refusal = this.hooks.writeRefusal(ctx, spec, isWrite);
      if (refusal !== null) {
        if (client.multi !== null) client.multiError = true;
        spec.stats.rejectedCalls++;
        return this.reject(ctx, argv[0], refusal);
      }
    }
    if (this.staleChecks) {
      const refusal = this.hooks.staleRefusal?.(ctx, spec) ?? null;
      if (refusal !== null) {
        if (client.multi !== null) client.multiError = true;
        spec.stats.rejectedCalls++;
        return this.reject(ctx, argv[0], refusal);
      }
    }
    if (client.multi !== null && !MULTI_IMMEDIATE.has(spec.name)) {
      if (spec.noMulti) {
        client.multiError = true;
        return this.error(Err.notAllowedInMulti(spec.fullName));
      }
      client.multi.push({ spec, argv });
      return Reply.queued();
    }
    if (client.resp === 2 && (client.channels.size > 0 || client.patterns.size > 0) && !SUBSCRIBED_ALLOWED.has(spec.name)) {
      spec.stats.rejectedCalls++;
      return this.reject(ctx, argv[0], Err.subscribedContext(spec.fullName));
    }
    if (!spec.allowedWhileLoading && this.hooks.loading()) {
      spec.stats.rejectedCalls++;
      return this.reject(ctx, argv[0], Err.loading);
    }
    const reply = this.call(ctx, spec, argv);
    // as Redis's processCommand: blocked clients are served after the command (after a whole EXEC)
    const ready = this.readyKeys;
    if (ready !== null && ready.hasReady) ready.serveReady();
    return reply;
  }

  /** Runs a checked command: handler, stats, propagation, MONITOR/slowlog. */
  call(ctx: CommandContext, spec: CommandSpec, argv: string[]): Reply {
    ctx.argv = argv;
    ctx.spec = spec;
    ctx.dirty = 0;
    ctx.propagateAs = null;
    const dbIndex = ctx.client.dbIndex;
    const start = performance.now();
    let reply: Reply;
    try {
      reply = spec.run(ctx, argv.slice(spec.argOffset));
    } catch (e) {
      reply = this.caught(e, argv);
      spec.stats.failedCalls++;
    }
    const us = Math.round((performance.now() - start) * 1000);
    spec.stats.calls++;
    spec.stats.usec += us;
    this.totalCommands++;
    if (ctx.dirty > 0 && spec.isWrite && !ctx.replaying) {
      const rewritten = ctx.propagateAs as string[][] | null; // set by the handler
      if (rewritten === null) this.propagator.propagate(dbIndex, argv);
      else if (rewritten.length === 1) this.propagator.propagate(dbIndex, rewritten[0]);
      // several records (SPOP with a count) go out wrapped in MULTI/EXEC, as Redis's alsoPropagate
      else this.propagator.transaction(dbIndex, () => rewritten.forEach((a) => this.propagator.propagate(dbIndex, a)));
    }
    // replayed commands (EXEC's queue during an AOF load) feed no MONITOR/slowlog: only their changes count
    if (ctx.replaying) this.replayDirty += ctx.dirty;
    else if (this.observing) this.hooks.executed(ctx, spec, argv, us);
    return reply;
  }

  /**
   * Runs a command as loaded or replicated (AOF replay; issue 6's master stream): no auth, -LOADING, MISCONF or
   * OOM checks (arity still), no propagation (ctx.replaying must be set), no stats, slowlog or MONITOR.
   * As Redis's fake AOF client: inside MULTI everything but EXEC is queued, and EXEC runs the queue.
   * Returns the reply (the caller drops it; errors are ignored as Redis ignores them), or undefined when argv[0]
   * (or its subcommand) is not a command, which fails an AOF load. ctx.dirty holds the changes made, except
   * those of EXEC's queued commands; replayDirty counts them all.
   */
  replay(ctx: CommandContext, argv: string[]): Reply | undefined {
    let spec = this.lookup(argv[0]);
    if (spec === undefined) return undefined;
    if (spec.subcommandMap !== undefined && argv.length >= 2) {
      spec = spec.subcommandMap.get(argv[1].toLowerCase());
      if (spec === undefined) return undefined;
    }
    const a = spec.arity;
    if ((a > 0 && argv.length !== a) || argv.length < -a) return new ErrorReply(Err.wrongArity(spec.fullName));
    const client = ctx.client;
    if (client.multi !== null && spec.name !== 'exec') {
      client.multi.push({ spec, argv });
      return Reply.queued();
    }
    ctx.argv = argv;
    ctx.spec = spec;
    ctx.dirty = 0;
    ctx.propagateAs = null;
    let reply: Reply;
    try {
      reply = spec.run(ctx, argv.slice(spec.argOffset));
    } catch (e) {
      if (e instanceof CommandError) reply = new ErrorReply(e.message);
      else if (e instanceof WrongTypeError) reply = new ErrorReply(Err.wrongType);
      else reply = this.caught(e, argv);
    }
    this.replayDirty += ctx.dirty;
    return reply;
  }

  /** Changes made by replayed commands, EXEC's queued ones included (rdb_changes_since_last_save after a load). */
  replayDirty = 0;

  transaction<T>(dbIndex: number, fn: () => T): T {
    return this.propagator.transaction(dbIndex, fn);
  }

  private caught(e: unknown, argv: string[]): Reply {
    if (e instanceof CommandError) return this.error(e.message);
    if (e instanceof WrongTypeError) return this.error(Err.wrongType);
    this.hooks.internalError(e, argv);
    return this.error(`ERR internal error: ${e instanceof Error ? e.message : String(e)}`);
  }

  /** A request refused before running; a refused EXEC aborts the transaction (Redis's execCommandAbort). */
  private reject(ctx: CommandContext, name: string, message: string): Reply {
    if (name.length === 4 && name.toLowerCase() === 'exec') {
      discardTransaction(ctx);
      return this.error(Err.execAbortBecause(message));
    }
    return this.error(message);
  }

  private error(message: string): Reply {
    this.hooks.errorReplied(message);
    return new ErrorReply(message);
  }
}
