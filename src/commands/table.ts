/**
 * Command specs: the facts the dispatcher checks (arity, flags, key positions) and the handler.
 * Families export their specs; `registry.ts` gathers them into the table.
 */
import type { Reply } from '../protocol/reply.js';
import type { CommandContext } from './context.js';

/** Redis 7.0's command flags (as COMMAND INFO lists them). */
export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'no_mandatory_keys'
  | 'no_multi'
  | 'allow_busy'
  | 'movablekeys';

/** Legacy key positions: first key index, last (negative counts from the end), step. */
export interface KeyPositions {
  first: number;
  last: number;
  step: number;
}

export interface CommandSpecInput {
  /** Lowercase name; for a subcommand, the subcommand's own name (`get` of `config|get`). */
  name: string;
  /** Positive: exact argc (name included); negative: at least -arity. */
  arity: number;
  flags: readonly CommandFlag[];
  keys?: KeyPositions;
  /** For commands whose keys cannot be found from positions (movablekeys): argv -> key indexes. */
  getKeys?: (argv: readonly string[]) => number[];
  /** Subcommands (CONFIG GET ...): the container's own run is not used when these exist. */
  subcommands?: readonly CommandSpec[];
  run(ctx: CommandContext, args: string[]): Reply;
}

export interface CommandSpec extends CommandSpecInput {
  /** `name` or `container|name` for a subcommand; what error texts and stats use. */
  fullName: string;
  /** Where the handler's args start in argv: 1, or 2 for a subcommand. */
  argOffset: number;
  isWrite: boolean;
  isReadonly: boolean;
  allowedBeforeAuth: boolean;
  allowedWhileLoading: boolean;
  isAdmin: boolean;
  denyOom: boolean;
  noMulti: boolean;
  isBlocking: boolean;
  skipMonitor: boolean;
  isPubsub: boolean;
  subcommandMap?: Map<string, CommandSpec>;
  /** Per-command statistics (INFO commandstats). */
  stats: { calls: number; usec: number; rejectedCalls: number; failedCalls: number };
}

export function defineCommand(input: CommandSpecInput): CommandSpec {
  const f = new Set(input.flags);
  const spec: CommandSpec = {
    ...input,
    fullName: input.name,
    argOffset: 1,
    isWrite: f.has('write'),
    isReadonly: f.has('readonly'),
    allowedBeforeAuth: f.has('no_auth'),
    allowedWhileLoading: f.has('loading'),
    isAdmin: f.has('admin'),
    denyOom: f.has('denyoom'),
    noMulti: f.has('no_multi'),
    isBlocking: f.has('blocking'),
    skipMonitor: f.has('skip_monitor'),
    isPubsub: f.has('pubsub'),
    stats: { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 },
  };
  if (input.subcommands) {
    spec.subcommandMap = new Map();
    for (const sub of input.subcommands) {
      sub.fullName = `${input.name}|${sub.name}`;
      sub.argOffset = 2;
      spec.subcommandMap.set(sub.name, sub);
    }
  }
  return spec;
}

/** A container command (CONFIG, CLIENT, ...): dispatch goes to its subcommands. */
export function defineContainer(
  name: string,
  arity: number,
  flags: readonly CommandFlag[],
  subcommands: readonly CommandSpec[],
): CommandSpec {
  return defineCommand({
    name,
    arity,
    flags,
    subcommands,
    run: () => {
      throw new Error('container commands dispatch to subcommands');
    },
  });
}

/** The argv indexes of the keys of a command call (COMMAND GETKEYS, WATCH checks, ...). */
export function keyIndexes(spec: CommandSpec, argv: readonly string[]): number[] {
  if (spec.getKeys) return spec.getKeys(argv);
  const k = spec.keys;
  if (!k || k.first === 0) return [];
  const last = k.last < 0 ? argv.length + k.last : k.last;
  const out: number[] = [];
  for (let i = k.first; i <= last && i < argv.length; i += k.step) out.push(i);
  return out;
}
