/**
 * COMMAND, COUNT, INFO, DOCS, LIST, GETKEYS, GETKEYSANDFLAGS, HELP: what the command table
 * says about itself. Only commands nodis implements are listed. Arity, flags and legacy key
 * positions come from our specs; ACL categories, tips, key specs and the docs come from
 * command-docs.json, saved once from a real redis-server 7.0.15 by scripts/gen-command-docs.mjs
 * (RESP3 shapes kept: {"+": s} simple string, {"%": [...]} map, {"~": [...]} set).
 *
 * COMMAND is dispatched here rather than as a container because bare COMMAND (no subcommand)
 * is valid, which the dispatcher's container lookup does not allow.
 */
import fs from 'node:fs';
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { globMatch } from '../util/glob.js';
import { isWord, tryParseInteger } from './args.js';
import type { CommandContext } from './context.js';
import { helpReply } from './server.js';
import { type CommandFlag, type CommandSpec, defineCommand, keyIndexes } from './table.js';

// --- The saved Redis data ---

/** A RESP3 value as saved in command-docs.json. */
type Saved = string | number | null | Saved[] | { '+': string } | { '%': Saved[] } | { '~': Saved[] };
/** COMMAND INFO entry: name, arity, flags, first, last, step, acl, tips, key specs, subcommands. */
type SavedInfo = [string, number, { '~': Saved[] }, number, number, number, { '~': Saved[] }, Saved, Saved, Saved];
interface SavedDocs {
  info: Record<string, SavedInfo>;
  docs: Record<string, { '%': Saved[] }>;
}

let saved: SavedDocs | null = null;

/** Loads command-docs.json on first use (from src/commands, or from dist/commands' source tree). */
function docsData(): SavedDocs {
  if (saved !== null) return saved;
  for (const rel of ['./command-docs.json', '../../src/commands/command-docs.json']) {
    try {
      saved = JSON.parse(fs.readFileSync(new URL(rel, import.meta.url), 'utf8')) as SavedDocs;
      return saved;
    } catch {
      /* try the next place */
    }
  }
  saved = { info: {}, docs: {} };
  return saved;
}

function toReply(v: Saved): Reply {
  if (v === null || typeof v === 'string' || typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(toReply);
  if ('+' in v) return Reply.simple(v['+']);
  if ('%' in v) return Reply.map(v['%'].map(toReply));
  return Reply.set(v['~'].map(toReply));
}

/** The saved COMMAND INFO entry of a command or subcommand (by full name). */
function savedInfo(fullName: string): SavedInfo | undefined {
  const data = docsData();
  const bar = fullName.indexOf('|');
  if (bar === -1) return data.info[fullName];
  const parent = data.info[fullName.slice(0, bar)];
  const subs = parent?.[9];
  if (!Array.isArray(subs)) return undefined;
  return subs.find((s) => Array.isArray(s) && s[0] === fullName) as SavedInfo | undefined;
}

function savedDocs(fullName: string): { '%': Saved[] } | undefined {
  const data = docsData();
  const bar = fullName.indexOf('|');
  if (bar === -1) return data.docs[fullName];
  const parent = data.docs[fullName.slice(0, bar)];
  if (parent === undefined) return undefined;
  const subs = mapGet(parent, 'subcommands');
  return subs !== undefined && typeof subs === 'object' && subs !== null && '%' in subs
    ? (mapGet(subs, fullName) as { '%': Saved[] } | undefined)
    : undefined;
}

function mapGet(m: { '%': Saved[] }, key: string): Saved | undefined {
  const flat = m['%'];
  for (let i = 0; i < flat.length; i += 2) if (flat[i] === key) return flat[i + 1];
  return undefined;
}

function savedSet(v: Saved | undefined): string[] {
  if (v === undefined || v === null || typeof v !== 'object' || !('~' in v)) return [];
  return v['~'].map((x) => (typeof x === 'object' && x !== null && '+' in x ? x['+'] : String(x)));
}

// --- COMMAND INFO / DOCS replies ---

/**
 * Redis's order of flags in COMMAND INFO (may_replicate, sentinel and protected are hidden).
 * Flags our specs cannot carry (asking, module, no_async_loading) come from the saved entry.
 */
const FLAG_ORDER = [
  'write', 'readonly', 'denyoom', 'module', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale',
  'skip_monitor', 'skip_slowlog', 'asking', 'fast', 'no_auth', 'no_mandatory_keys', 'no_async_loading', 'no_multi',
  'movablekeys', 'allow_busy',
] as const;
const SPEC_FLAGS: ReadonlySet<string> = new Set<CommandFlag>([
  'write', 'readonly', 'denyoom', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale', 'skip_monitor',
  'skip_slowlog', 'fast', 'no_auth', 'may_replicate', 'no_mandatory_keys', 'no_multi', 'allow_busy', 'movablekeys',
]);

/** The flags COMMAND INFO shows for a spec. */
export function commandFlags(spec: CommandSpec): string[] {
  const own = new Set<string>(spec.flags);
  if (spec.getKeys !== undefined) own.add('movablekeys');
  const extra = savedSet(savedInfo(spec.fullName)?.[2]).filter((f) => !SPEC_FLAGS.has(f));
  for (const f of extra) own.add(f);
  return FLAG_ORDER.filter((f) => own.has(f));
}

const EMPTY_SET = Reply.set([]);

function infoReply(spec: CommandSpec, subs: readonly CommandSpec[] | undefined): Reply {
  const s = savedInfo(spec.fullName);
  const k = spec.keys ?? { first: 0, last: 0, step: 0 };
  return Reply.array([
    spec.fullName,
    spec.arity,
    Reply.set(commandFlags(spec).map((f) => Reply.simple(f))),
    k.first,
    k.last,
    k.step,
    s ? toReply(s[6]) : EMPTY_SET,
    s ? toReply(s[7]) : EMPTY_SET,
    s ? toReply(s[8]) : EMPTY_SET,
    subs && subs.length > 0 ? Reply.array(subs.map((sub) => infoReply(sub, undefined))) : EMPTY_SET,
  ]);
}

function docsReply(spec: CommandSpec, subs: readonly CommandSpec[] | undefined): Reply {
  const d = savedDocs(spec.fullName);
  if (d === undefined) return Reply.map(['summary', '', 'since', '', 'group', 'server', 'complexity', '']);
  const flat = d['%'];
  const out: Reply[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] === 'subcommands') {
      if (subs === undefined || subs.length === 0) continue;
      const m: Reply[] = [];
      for (const sub of subs) m.push(sub.fullName, docsReply(sub, undefined));
      out.push('subcommands', Reply.map(m));
    } else {
      out.push(toReply(flat[i]), toReply(flat[i + 1]));
    }
  }
  return Reply.map(out);
}

// --- Lookups ---

/** A container's subcommands, in the order Redis lists them (the saved entry's), ours last. */
function subsOf(spec: CommandSpec): readonly CommandSpec[] | undefined {
  const subs = spec.name === 'command' ? commandSubs : spec.subcommands;
  if (subs === undefined || subs.length < 2) return subs;
  let cached = orderedSubs.get(spec);
  if (cached === undefined) {
    const savedSubs = savedInfo(spec.fullName)?.[9];
    const names = Array.isArray(savedSubs) ? savedSubs.map((x) => (Array.isArray(x) ? x[0] : '')) : [];
    const rank = (s: CommandSpec) => {
      const i = names.indexOf(s.fullName);
      return i === -1 ? names.length : i;
    };
    cached = [...subs].sort((a, b) => rank(a) - rank(b));
    orderedSubs.set(spec, cached);
  }
  return cached;
}
const orderedSubs = new WeakMap<CommandSpec, CommandSpec[]>();

/** A command or `container|sub` by name, as Redis's lookupCommandBySds. */
function lookupByName(ctx: CommandContext, name: string): CommandSpec | undefined {
  const lower = name.toLowerCase();
  const bar = lower.indexOf('|');
  const table = ctx.server.commands;
  if (bar === -1) return table.get(lower);
  const parent = table.get(lower.slice(0, bar));
  if (parent === undefined) return undefined;
  return subsOf(parent)?.find((s) => s.fullName === lower);
}

/** A full call (name [sub] args...) resolved as the dispatcher would, without arity checks. */
function lookupCall(ctx: CommandContext, argv: string[]): CommandSpec | undefined {
  const spec = ctx.server.commands.get(argv[0].toLowerCase());
  if (spec === undefined) return undefined;
  const subs = subsOf(spec);
  if (subs === undefined || subs.length === 0 || spec.name === 'command') return spec;
  if (argv.length < 2) return spec;
  return subs.find((s) => s.name === argv[1].toLowerCase()) ?? undefined;
}

function* allSpecs(ctx: CommandContext): IterableIterator<CommandSpec> {
  for (const spec of ctx.server.commands.values()) {
    yield spec;
    for (const sub of subsOf(spec) ?? []) yield sub;
  }
}

// --- Key specs (GETKEYSANDFLAGS) ---

/** Keys and their flags from Redis's key specs (index/keyword begin_search; range/keynum find_keys). */
function keysFromSpecs(fullName: string, argv: string[]): Map<number, Reply> {
  const out = new Map<number, Reply>();
  const specs = savedInfo(fullName)?.[8];
  const list = specs && typeof specs === 'object' && specs !== null && '~' in specs ? specs['~'] : Array.isArray(specs) ? specs : [];
  const argc = argv.length;
  for (const ks of list) {
    if (typeof ks !== 'object' || ks === null || !('%' in ks)) continue;
    const bs = mapGet(ks, 'begin_search') as { '%': Saved[] };
    const fk = mapGet(ks, 'find_keys') as { '%': Saved[] };
    const bsSpec = mapGet(bs, 'spec') as { '%': Saved[] };
    const fkSpec = mapGet(fk, 'spec') as { '%': Saved[] };
    let start = -1;
    if (mapGet(bs, 'type') === 'index') {
      start = mapGet(bsSpec, 'index') as number;
    } else if (mapGet(bs, 'type') === 'keyword') {
      const word = String(mapGet(bsSpec, 'keyword')).toLowerCase();
      const from = mapGet(bsSpec, 'startfrom') as number;
      if (from >= 0) {
        for (let i = from; i < argc; i++) if (argv[i].toLowerCase() === word) { start = i + 1; break; }
      } else {
        for (let i = argc + from; i > 0; i--) if (argv[i].toLowerCase() === word) { start = i + 1; break; }
      }
    }
    if (start <= 0 || start >= argc) continue;
    let first = start;
    let last: number;
    let step: number;
    if (mapGet(fk, 'type') === 'range') {
      const lastkey = mapGet(fkSpec, 'lastkey') as number;
      const limit = mapGet(fkSpec, 'limit') as number;
      step = mapGet(fkSpec, 'keystep') as number;
      if (lastkey >= 0) last = first + lastkey;
      else if (!limit) last = argc + lastkey;
      else last = first + Math.floor((argc - first) / limit) + lastkey;
    } else if (mapGet(fk, 'type') === 'keynum') {
      const n = tryParseInteger(argv[first + (mapGet(fkSpec, 'keynumidx') as number)] ?? '');
      if (n === null || n <= 0) continue;
      step = mapGet(fkSpec, 'keystep') as number;
      first += mapGet(fkSpec, 'firstkey') as number;
      last = first + (n - 1) * step;
    } else {
      continue;
    }
    const flags = toReply(mapGet(ks, 'flags') ?? { '~': [] });
    for (let i = first; i <= last && i < argc; i += Math.max(1, step)) if (!out.has(i)) out.set(i, flags);
  }
  return out;
}

/**
 * Key flags of the two commands whose key spec says variable_flags: Redis computes them from
 * the arguments (setGetKeys, bitfieldGetKeys).
 */
const VARIABLE_KEY_FLAGS: Record<string, (argv: string[]) => string[]> = {
  set(argv) {
    for (let i = 3; i < argv.length; i++) if (isWord(argv[i], 'get')) return ['RW', 'access', 'update'];
    return ['OW', 'update'];
  },
  bitfield(argv) {
    for (let i = 2; i < argv.length; i++) {
      const rem = argv.length - i - 1;
      const a = argv[i].toLowerCase();
      if (a === 'get' && rem >= 2) i += 2;
      else if ((a === 'set' || a === 'incrby') && rem >= 3) return ['RW', 'access', 'update'];
      else if (a === 'overflow' && rem >= 1) i += 1;
    }
    return ['RO', 'access'];
  },
};

// --- Subcommands ---

const COMMAND_HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

const FLAGS: CommandFlag[] = ['loading', 'stale'];

const countSub = defineCommand({
  name: 'count',
  arity: 2,
  flags: FLAGS,
  run: (ctx) => ctx.server.commands.size,
});

const infoSub = defineCommand({
  name: 'info',
  arity: -2,
  flags: FLAGS,
  run(ctx, names) {
    if (names.length === 0) return Reply.array([...ctx.server.commands.values()].map((s) => infoReply(s, subsOf(s))));
    return Reply.array(
      names.map((n) => {
        const spec = lookupByName(ctx, n);
        return spec === undefined ? Reply.nil() : infoReply(spec, subsOf(spec));
      }),
    );
  },
});

const docsSub = defineCommand({
  name: 'docs',
  arity: -2,
  flags: FLAGS,
  run(ctx, names) {
    const out: Reply[] = [];
    if (names.length === 0) {
      for (const s of ctx.server.commands.values()) out.push(s.fullName, docsReply(s, subsOf(s)));
    } else {
      for (const n of names) {
        const spec = lookupByName(ctx, n);
        if (spec !== undefined) out.push(spec.fullName, docsReply(spec, subsOf(spec)));
      }
    }
    return Reply.map(out);
  },
});

const listSub = defineCommand({
  name: 'list',
  arity: -2,
  flags: FLAGS,
  run(ctx, args) {
    let match: (s: CommandSpec) => boolean = () => true;
    if (args.length === 3 && isWord(args[0], 'filterby')) {
      const value = args[2];
      if (isWord(args[1], 'module')) {
        match = () => false; // nodis has no modules
      } else if (isWord(args[1], 'aclcat')) {
        const cat = `@${value.toLowerCase()}`;
        match = (s) => savedSet(savedInfo(s.fullName)?.[6]).includes(cat);
      } else if (isWord(args[1], 'pattern')) {
        match = (s) => globMatch(value, s.fullName, true);
      } else {
        fail(Err.syntax);
      }
    } else if (args.length !== 0) {
      fail(Err.syntax);
    }
    const out: Reply[] = [];
    for (const s of allSpecs(ctx)) if (match(s)) out.push(s.fullName);
    return Reply.array(out);
  },
});

/** Shared by GETKEYS and GETKEYSANDFLAGS: the resolved spec of a full call, checked as Redis does. */
function checkedCall(ctx: CommandContext, argv: string[]): CommandSpec {
  const spec = lookupCall(ctx, argv);
  if (spec === undefined) fail(Err.invalidCommandSpecified);
  const hasKeys = spec.getKeys !== undefined || (spec.keys !== undefined && spec.keys.first > 0);
  if (!hasKeys) fail(Err.commandNoKeys);
  const a = spec.arity;
  if ((a > 0 && argv.length !== a) || argv.length < -a) fail(Err.invalidCommandArgs);
  return spec;
}

const getkeysSub = defineCommand({
  name: 'getkeys',
  arity: -4,
  flags: FLAGS,
  run(ctx, argv) {
    const spec = checkedCall(ctx, argv);
    const idx = keyIndexes(spec, argv);
    if (idx.length === 0 && !spec.flags.includes('no_mandatory_keys')) fail(Err.invalidCommandArguments);
    return Reply.array(idx.map((i) => argv[i]));
  },
});

const getkeysAndFlagsSub = defineCommand({
  name: 'getkeysandflags',
  arity: -4,
  flags: FLAGS,
  run(ctx, argv) {
    const spec = checkedCall(ctx, argv);
    const idx = keyIndexes(spec, argv);
    if (idx.length === 0 && !spec.flags.includes('no_mandatory_keys')) fail(Err.invalidCommandArguments);
    const variable = VARIABLE_KEY_FLAGS[spec.fullName];
    if (variable !== undefined) {
      const set = Reply.set(variable(argv).map((f) => Reply.simple(f)));
      return Reply.array(idx.map((i) => Reply.array([argv[i], set])));
    }
    const flags = keysFromSpecs(spec.fullName, argv);
    return Reply.array(idx.map((i) => Reply.array([argv[i], flags.get(i) ?? EMPTY_SET])));
  },
});

const helpSub = defineCommand({
  name: 'help',
  arity: 2,
  flags: FLAGS,
  run: () => helpReply('COMMAND', COMMAND_HELP),
});

/** COMMAND's subcommands, in Redis's order. */
const commandSubs: CommandSpec[] = [listSub, docsSub, countSub, getkeysSub, getkeysAndFlagsSub, helpSub, infoSub];
const commandSubMap = new Map<string, CommandSpec>();
for (const sub of commandSubs) {
  sub.fullName = `command|${sub.name}`;
  sub.argOffset = 2;
  commandSubMap.set(sub.name, sub);
}

/** COMMAND [COUNT | INFO [name ...] | DOCS [name ...] | LIST [FILTERBY ...] | GETKEYS cmd ... | GETKEYSANDFLAGS cmd ... | HELP] */
export const command: CommandSpec = defineCommand({
  name: 'command',
  arity: -1,
  flags: FLAGS,
  run(ctx, args) {
    if (args.length === 0) return Reply.array([...ctx.server.commands.values()].map((s) => infoReply(s, subsOf(s))));
    const sub = commandSubMap.get(args[0].toLowerCase());
    if (sub === undefined) fail(Err.unknownSubcommand(args[0], 'command'));
    const argc = args.length + 1;
    if ((sub.arity > 0 && argc !== sub.arity) || argc < -sub.arity) fail(Err.wrongArity(sub.fullName));
    return sub.run(ctx, args.slice(1));
  },
});

export const commandCommands: CommandSpec[] = [command];
