/**
 * FUNCTION / EVAL / SCRIPT as a server without scripting answers them. Where a Redis 7.0 with
 * no libraries and an empty script cache has a definite answer (FUNCTION LIST/STATS/DUMP/FLUSH,
 * FCALL's "Function not found", EVALSHA's NOSCRIPT, SCRIPT EXISTS), nodis gives exactly that;
 * what would need a Lua engine (EVAL, FUNCTION LOAD, SCRIPT LOAD) answers
 * Err.scriptingUnsupported.
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { isWord, parseInteger } from './args.js';
import { helpReply } from './server.js';
import { type CommandSpec, type CommandFlag, defineCommand, defineContainer } from './table.js';

/** FUNCTION DUMP of an empty library set: RDB version 10 (LE) and the payload's CRC64 (LE). */
export const EMPTY_FUNCTION_DUMP = '\x0a\x00\x5d\x9b\x5c\x40\x0f\x7f\xa2\xda';

/** Keys of EVAL/FCALL-style calls: `cmd script|sha|function numkeys key... arg...`. */
function numkeysKeys(argv: readonly string[]): number[] {
  const n = Number(argv[2]);
  if (!Number.isInteger(n) || n <= 0 || n > argv.length - 3) return [];
  return Array.from({ length: n }, (_, i) => 3 + i);
}

/** Checks numkeys as evalGenericCommand does. */
function checkNumkeys(args: string[]): void {
  const n = parseInteger(args[1]);
  if (n > args.length - 2) fail(Err.numkeysTooBig);
  if (n < 0) fail(Err.numkeysNegative);
}

const EVAL_FLAGS: CommandFlag[] = ['noscript', 'stale', 'skip_monitor', 'no_mandatory_keys', 'movablekeys'];
const EVAL_RO_FLAGS: CommandFlag[] = ['readonly', ...EVAL_FLAGS];

function evalCommand(name: string, flags: CommandFlag[]): CommandSpec {
  return defineCommand({
    name,
    arity: -3,
    flags,
    getKeys: numkeysKeys,
    run(_ctx, args) {
      checkNumkeys(args);
      return fail(Err.scriptingUnsupported);
    },
  });
}

/** EVALSHA: a SHA that is not 40 chars cannot match; else numkeys is checked, then the (always
 * empty) script cache, in evalShaCommand's order. */
function evalshaCommand(name: string, flags: CommandFlag[]): CommandSpec {
  return defineCommand({
    name,
    arity: -3,
    flags,
    getKeys: numkeysKeys,
    run(_ctx, args) {
      if (args[0].length === 40) checkNumkeys(args);
      return fail(Err.noScript);
    },
  });
}

/** FCALL: no library is ever loaded, so no function exists (checked before numkeys, as Redis). */
function fcallCommand(name: string, flags: CommandFlag[]): CommandSpec {
  return defineCommand({ name, arity: -3, flags, getKeys: numkeysKeys, run: () => fail(Err.functionNotFound) });
}

export const evalCmd = evalCommand('eval', EVAL_FLAGS);
export const evalRo = evalCommand('eval_ro', EVAL_RO_FLAGS);
export const evalsha = evalshaCommand('evalsha', EVAL_FLAGS);
export const evalshaRo = evalshaCommand('evalsha_ro', EVAL_RO_FLAGS);
export const fcall = fcallCommand('fcall', EVAL_FLAGS);
export const fcallRo = fcallCommand('fcall_ro', EVAL_RO_FLAGS);

// --- FUNCTION ---

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

const functionList = defineCommand({
  name: 'list',
  arity: -2,
  flags: ['noscript'],
  run(_ctx, args) {
    let withcode = false;
    let pattern = false;
    for (let i = 0; i < args.length; i++) {
      if (isWord(args[i], 'withcode') && !withcode) {
        withcode = true;
      } else if (isWord(args[i], 'libraryname') && !pattern) {
        if (i + 1 >= args.length) fail(Err.libraryNameMissing);
        pattern = true;
        i++;
      } else {
        fail(Err.unknownArgument(args[i]));
      }
    }
    return Reply.array([]);
  },
});

const functionStats = defineCommand({
  name: 'stats',
  arity: 2,
  flags: ['noscript', 'allow_busy'],
  run() {
    const lua = Reply.map(['libraries_count', 0, 'functions_count', 0]);
    return Reply.map(['running_script', Reply.nil(), 'engines', Reply.map(['LUA', lua])]);
  },
});

const functionFlush = defineCommand({
  name: 'flush',
  arity: -2,
  flags: ['write', 'noscript'],
  run(ctx, args) {
    if (args.length > 1) fail(Err.subcommandSyntax(ctx.argv[1], 'function'));
    if (args.length === 1 && !isWord(args[0], 'sync') && !isWord(args[0], 'async')) fail(Err.functionFlushOption);
    return Reply.ok();
  },
});

const functionDump = defineCommand({
  name: 'dump',
  arity: 2,
  flags: ['noscript'],
  run() {
    return Reply.bulk(EMPTY_FUNCTION_DUMP);
  },
});

const functionRestore = defineCommand({
  name: 'restore',
  arity: -3,
  flags: ['write', 'denyoom', 'noscript'],
  run(ctx, args) {
    if (args.length > 2) fail(Err.subcommandSyntax(ctx.argv[1], 'function'));
    if (args.length === 2 && !isWord(args[1], 'flush') && !isWord(args[1], 'append') && !isWord(args[1], 'replace')) {
      fail(Err.functionRestorePolicy);
    }
    const payload = args[0];
    if (payload === EMPTY_FUNCTION_DUMP) return Reply.ok();
    // 0xf5: RDB_OPCODE_FUNCTION2, a payload with libraries, which would need a Lua engine
    if (payload.length > 10 && payload.charCodeAt(0) === 0xf5) fail(Err.scriptingUnsupported);
    return fail(Err.functionRestorePayload);
  },
});

const functionLoad = defineCommand({
  name: 'load',
  arity: -3,
  flags: ['write', 'denyoom', 'noscript'],
  run: () => fail(Err.scriptingUnsupported),
});

const functionDelete = defineCommand({
  name: 'delete',
  arity: 3,
  flags: ['write', 'noscript'],
  run: () => fail(Err.libraryNotFound),
});

const functionKill = defineCommand({
  name: 'kill',
  arity: 2,
  flags: ['noscript', 'allow_busy'],
  run: () => fail(Err.notBusy),
});

const functionHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  run: () => helpReply('FUNCTION', FUNCTION_HELP),
});

/** FUNCTION LIST|STATS|FLUSH|DUMP|RESTORE|LOAD|DELETE|KILL|HELP */
export const functionCmd = defineContainer('function', -2, [], [
  functionList,
  functionLoad,
  functionDelete,
  functionHelp,
  functionKill,
  functionFlush,
  functionRestore,
  functionDump,
  functionStats,
]);

// --- SCRIPT ---

const SCRIPT_HELP = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

const scriptExists = defineCommand({
  name: 'exists',
  arity: -3,
  flags: ['noscript'],
  run(_ctx, shas) {
    return Reply.array(shas.map(() => 0));
  },
});

const scriptFlush = defineCommand({
  name: 'flush',
  arity: -2,
  flags: ['noscript'],
  run(_ctx, args) {
    if (args.length > 1 || (args.length === 1 && !isWord(args[0], 'sync') && !isWord(args[0], 'async'))) {
      fail(Err.scriptFlushOption);
    }
    return Reply.ok();
  },
});

const scriptLoad = defineCommand({
  name: 'load',
  arity: 3,
  flags: ['noscript', 'stale'],
  run: () => fail(Err.scriptingUnsupported),
});

const scriptKill = defineCommand({
  name: 'kill',
  arity: 2,
  flags: ['noscript', 'allow_busy'],
  run: () => fail(Err.notBusy),
});

const scriptDebug = defineCommand({
  name: 'debug',
  arity: 3,
  flags: ['noscript'],
  run(_ctx, [mode]) {
    if (isWord(mode, 'no')) return Reply.ok();
    if (isWord(mode, 'yes') || isWord(mode, 'sync')) fail(Err.scriptingUnsupported);
    return fail(Err.scriptDebugMode);
  },
});

const scriptHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  run: () => helpReply('SCRIPT', SCRIPT_HELP),
});

/** SCRIPT EXISTS|FLUSH|DEBUG|LOAD|KILL|HELP */
export const script = defineContainer('script', -2, [], [scriptExists, scriptFlush, scriptDebug, scriptLoad, scriptHelp, scriptKill]);

export const scriptingCommands: CommandSpec[] = [evalCmd, evalsha, evalRo, evalshaRo, fcall, fcallRo, functionCmd, script];
