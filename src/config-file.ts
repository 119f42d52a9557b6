/**
 * redis.conf parsing, as Redis's loadServerConfig/loadServerConfigFromString: one directive per
 * line split with sdssplitargs rules (quotes, escapes), `#` comments, `include` (glob patterns
 * allowed; relative paths resolve against the current `dir`, i.e. the cwd Redis would have),
 * command-line options appended as extra lines, and Redis's FATAL CONFIG FILE ERROR report.
 * Values go into a Config (config.ts); nothing here touches a running server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Config, ConfigError, type Directive, DIRECTIVES, parseOutputBufferLimits, REDIS_VERSION } from './config.js';
import { splitArgs } from './protocol/inline.js';
import { globMatch } from './util/glob.js';

/** A config error at a line: printed as Redis's FATAL CONFIG FILE ERROR, then exit 1. */
export class ConfigFileError extends Error {
  constructor(
    readonly reason: string,
    /** 1-based line in the text being parsed, 0 when not about a line. */
    readonly lineNumber: number,
    readonly line: string,
    /** Where the line came from: a file path, 'stdin' or 'command line', '' when unknown. */
    readonly source: string,
  ) {
    super(reason);
  }

  /** Redis's report, plus the source of the line (which Redis leaves out). */
  format(): string {
    let s = `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n`;
    if (this.lineNumber > 0) {
      s += `Reading the configuration file, at line ${this.lineNumber}\n`;
      s += `>>> '${this.line}'\n`;
    }
    s += `${this.reason}\n`;
    if (this.source) s += `(in ${this.source})\n`;
    return s;
  }
}

/** A segment of the concatenated text: lines [first, first+count) came from source. */
interface Segment {
  source: string;
  first: number;
  count: number;
}

/** Directives Redis silently ignores (deprecated) when given with this many arguments (argc incl. name). */
const DEPRECATED: Record<string, [number, number]> = {
  'list-max-ziplist-entries': [2, 2],
  'list-max-ziplist-value': [2, 2],
  'lua-replicate-commands': [2, 2],
};

/**
 * Parses config text into config (loadServerConfigFromString). `segments` name where line
 * ranges came from, for the error report. Throws ConfigFileError.
 */
export function loadConfigText(config: Config, text: string, segments: Segment[] = [], depth = 0): void {
  const lines = text.split('\n');
  const sourceOf = (n: number) => segments.find((s) => n >= s.first && n < s.first + s.count)?.source ?? '';
  for (let i = 0; i < lines.length; i++) {
    const lineNumber = i + 1;
    const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (line === '' || line.startsWith('#')) continue;
    const fail = (reason: string): never => {
      throw new ConfigFileError(reason, lineNumber, line, sourceOf(lineNumber));
    };
    const argv = splitArgs(line);
    if (argv === null) fail('Unbalanced quotes in configuration line');
    if (argv!.length === 0) continue;
    const name = argv![0].toLowerCase();
    let args = argv!.slice(1);
    const dir = config.directive(name);
    if (dir) {
      // a multi-argument directive given as one non-empty argument is split again, as Redis
      // does so that `--save "3600 1"` and `save "3600 1"` work
      if (dir.multiArg && args.length === 1 && args[0] !== '') args = splitArgs(args[0]) ?? args;
      try {
        config.setArgs(name, args);
      } catch (e) {
        fail(e instanceof ConfigError ? e.message : String(e));
      }
      continue;
    }
    const dep = DEPRECATED[name];
    if (dep && argv!.length >= dep[0] && argv!.length <= dep[1]) continue;
    if (name === 'include' && args.length === 1) {
      if (depth > 32) fail('Too many nested include directives');
      includeFile(config, args[0], depth, fail);
    } else if (name === 'rename-command' && args.length === 2) {
      // Accepted and recorded; nodis does not rename commands (see README)
      config.renamedCommands.push([args[0], args[1]]);
    } else if (name === 'user' && args.length >= 1) {
      // ACL users are accepted and recorded; nodis has only the default user (requirepass)
      config.userLines.push(args);
    } else if (name === 'loadmodule' && args.length >= 1) {
      fail(`Modules are not supported by nodis: can't load module from ${args[0]}`);
    } else if (name.includes('.')) {
      if (args.length !== 1) fail('Module config specified without value');
      fail(`Module configuration is not supported by nodis (no module provides '${argv![0]}')`);
    } else if (name === 'sentinel') {
      fail(args.length === 0 ? 'Sentinel mode is not supported by nodis' : 'sentinel directive while not in sentinel mode');
    } else {
      fail('Bad directive or wrong number of arguments');
    }
  }
}

function includeFile(config: Config, pattern: string, depth: number, fail: (reason: string) => never): void {
  const base = config.get('dir');
  const abs = path.resolve(base, pattern);
  let files: string[];
  if (/[*?[]/.test(pattern)) {
    // Redis: a pattern that matches nothing is skipped quietly (empty conf.d directories)
    const dir = path.dirname(abs);
    const glob = path.basename(abs);
    try {
      files = fs
        .readdirSync(dir)
        .filter((f) => globMatch(glob, f))
        .sort()
        .map((f) => path.join(dir, f));
    } catch {
      files = [];
    }
  } else {
    files = [abs];
  }
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch (e) {
      fail(`Fatal error, can't open config file '${file}': ${errnoText(e)}`);
    }
    loadConfigText(config, text!, [{ source: file, first: 1, count: Infinity }], depth + 1);
  }
}

export function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EISDIR':
      return 'Is a directory';
    case 'ENOTDIR':
      return 'Not a directory';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/** sdscatrepr: a quoted, escaped rendering that splitArgs reads back as the same string. */
export function reprArg(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c < 32 || c >= 127) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

export interface CommandLine {
  /** The config file path (first argument not starting with '-'), or null. */
  configFile: string | null;
  /** Read config from stdin ('-' as first or last argument). */
  fromStdin: boolean;
  /** Options as config text, one directive per line (Redis's `options` string). */
  options: string;
}

/**
 * redis-server's argument handling: `[/path/to/redis.conf] [--name value ...] [-]`. Each
 * `--name` starts a directive line; the arguments up to the next `--x` are its values (quoted
 * as sdscatrepr does), and the first one is always a value even when it starts with `--`.
 * `--save` with no value means `save ""`.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let j = 0;
  let configFile: string | null = null;
  let fromStdin = false;
  if (argv.length > 0 && !argv[0].startsWith('-')) {
    configFile = argv[0];
    j = 1;
  }
  let options = '';
  let handledLastArg = true;
  const n = argv.length;
  for (; j < n; j++) {
    const a = argv[j];
    if (a === '-' && (j === 0 || j === n - 1)) {
      fromStdin = true;
    } else if (handledLastArg && a.startsWith('--')) {
      if (options.length) options += '\n';
      options += `${a.slice(2)} `;
      const parts = splitArgs(a);
      if (parts !== null && parts.length === 1) {
        handledLastArg = false;
        const nextIsOption = j !== n - 1 && argv[j + 1].startsWith('--');
        if (a.toLowerCase() === '--save' && (nextIsOption || j === n - 1)) {
          options += '""';
          handledLastArg = true;
        } else if (j === n - 1) {
          handledLastArg = true;
        }
      } else {
        handledLastArg = true;
      }
    } else {
      options += `${reprArg(a)} `;
      handledLastArg = true;
    }
  }
  return { configFile, fromStdin, options };
}

/**
 * loadServerConfig: the file (if any), then stdin text (if any), then the options, parsed as one
 * text so line numbers run on as in Redis. Throws ConfigFileError.
 */
export function loadServerConfig(config: Config, cl: CommandLine, readStdin: () => string = () => fs.readFileSync(0, 'latin1')): void {
  let text = '';
  const segments: Segment[] = [];
  const add = (source: string, chunk: string) => {
    const first = text.split('\n').length;
    segments.push({ source, first, count: chunk.split('\n').length });
    text += chunk;
  };
  if (cl.configFile !== null) {
    const abs = path.resolve(cl.configFile);
    try {
      add(abs, fs.readFileSync(abs, 'latin1'));
    } catch (e) {
      throw new ConfigFileError(`Fatal error, can't open config file '${cl.configFile}': ${errnoText(e)}`, 0, '', '');
    }
    config.file = abs;
  }
  if (cl.fromStdin) add('stdin', readStdin());
  if (cl.options) {
    text += '\n';
    add('command line', cl.options);
  }
  config.beginFileLoad();
  try {
    loadConfigText(config, text, segments);
  } finally {
    config.endFileLoad();
  }
  const logfile = config.get('logfile');
  if (logfile !== '') {
    // Redis checks it can open the log file before going on
    try {
      fs.closeSync(fs.openSync(path.resolve(config.get('dir'), logfile), 'a'));
    } catch (e) {
      throw new ConfigFileError(`Can't open the log file: ${errnoText(e)}`, 0, '', '');
    }
  }
}

// --- CONFIG REWRITE ---------------------------------------------------------------------------

const REWRITE_SIGNATURE = '# Generated by CONFIG REWRITE';

/** String directives where '' is a real value (Redis's ALLOW_EMPTY_STRING); for the others '' means unset. */
const EMPTY_IS_VALUE = new Set([
  'aclfile',
  'logfile',
  'ignore-warnings',
  'proc-title-template',
  'cluster-config-file',
  'syslog-ident',
  'dbfilename',
  'appendfilename',
  'appenddirname',
]);

/** rewriteConfigFormatMemory: 1073741824 -> 1gb, 65536 -> 64kb. */
export function formatMemoryForFile(bytes: number): string {
  const gb = 1024 ** 3;
  const mb = 1024 ** 2;
  if (bytes && bytes % gb === 0) return `${bytes / gb}gb`;
  if (bytes && bytes % mb === 0) return `${bytes / mb}mb`;
  if (bytes && bytes % 1024 === 0) return `${bytes / 1024}kb`;
  return String(bytes);
}

class RewriteState {
  readonly lines: string[] = [];
  /** option -> indexes of its lines in the old file. */
  readonly optionLines = new Map<string, number[]>();
  readonly processed = new Set<string>();
  needsSignature = true;

  rewrite(option: string, line: string, force: boolean): void {
    this.processed.add(option);
    const l = this.optionLines.get(option);
    if (!l && !force) return;
    if (l) {
      const at = l.shift()!;
      if (l.length === 0) this.optionLines.delete(option);
      this.lines[at] = line;
    } else {
      if (this.needsSignature) {
        this.lines.push(REWRITE_SIGNATURE);
        this.needsSignature = false;
      }
      this.lines.push(line);
    }
  }
}

function readOldFile(config: Config, file: string): RewriteState {
  const state = new RewriteState();
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return state;
    throw e;
  }
  if (text.length === 0) return state;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^[\r\n\t ]+|[\r\n\t ]+$/g, '');
    if (line === '' || line.startsWith('#')) {
      if (state.needsSignature && line === REWRITE_SIGNATURE) state.needsSignature = false;
      state.lines.push(line);
      continue;
    }
    const argv = splitArgs(line);
    if (argv === null || argv.length === 0) {
      state.lines.push(`# ??? ${line}`);
      continue;
    }
    state.lines.push(line);
    // slave-* lines are indexed under their replica-* names, so they get rewritten in place
    const option = argv[0].toLowerCase().replace('slave', 'replica');
    const dir = config.directive(option);
    const key = dir ? dir.name : option;
    const l = state.optionLines.get(key);
    if (l) l.push(state.lines.length - 1);
    else state.optionLines.set(key, [state.lines.length - 1]);
  }
  return state;
}

const OBUF_DEFAULTS = parseOutputBufferLimits(DIRECTIVES.find((d) => d.name === 'client-output-buffer-limit')!.default);

function rewriteDirective(state: RewriteState, config: Config, dir: Directive): void {
  const name = dir.name;
  const value = config.display(name);
  const changed = value !== dir.default;
  switch (dir.type) {
    case 'bool':
    case 'enum':
    case 'int':
      state.rewrite(name, `${name} ${value}`, changed);
      return;
    case 'memory':
      state.rewrite(name, `${name} ${value.endsWith('%') ? value : formatMemoryForFile(Number(value))}`, changed);
      return;
    case 'string':
      if (value === '' && !EMPTY_IS_VALUE.has(name)) {
        state.processed.add(name);
        return;
      }
      state.rewrite(name, `${name} ${reprArg(value)}`, changed);
      return;
    default:
      break;
  }
  switch (name) {
    case 'bind':
      if (!changed) state.processed.add(name);
      else state.rewrite(name, `bind ${value === '' ? '""' : value}`, true);
      return;
    case 'save':
      if (value === '') state.rewrite(name, 'save ""', true);
      else {
        const t = value.split(' ');
        for (let j = 0; j < t.length; j += 2) state.rewrite(name, `save ${t[j]} ${t[j + 1]}`, true);
      }
      state.processed.add(name);
      return;
    case 'dir':
      state.rewrite(name, `dir ${reprArg(value)}`, true);
      return;
    case 'replicaof':
      if (value === '') state.processed.add(name);
      else state.rewrite(name, `replicaof ${value}`, true);
      return;
    case 'notify-keyspace-events':
      state.rewrite(name, `${name} ${reprArg(value)}`, value !== '');
      return;
    case 'latency-tracking-info-percentiles':
      state.rewrite(name, `${name} ${value === '' ? '""' : value}`, true);
      return;
    case 'client-output-buffer-limit': {
      const cur = parseOutputBufferLimits(value);
      for (const cls of ['normal', 'slave', 'pubsub'] as const) {
        const c = cur[cls];
        const d = OBUF_DEFAULTS[cls];
        const force = c.hard !== d.hard || c.soft !== d.soft || c.softSeconds !== d.softSeconds;
        const shown = cls === 'slave' ? 'replica' : cls;
        state.rewrite(name, `${name} ${shown} ${formatMemoryForFile(c.hard)} ${formatMemoryForFile(c.soft)} ${c.softSeconds}`, force);
      }
      return;
    }
    default:
      state.rewrite(name, `${name} ${value}`, changed);
  }
}

/**
 * Redis's rewriteConfig: keeps comments and the lines it does not manage, rewrites the lines of
 * each directive in place (`slave-*` names become `replica-*`), blanks superseded duplicates,
 * appends changed directives after '# Generated by CONFIG REWRITE', and replaces the file
 * atomically. Throws the fs error (its errno text goes in the reply).
 */
export function rewriteConfigFile(config: Config, file = config.file): void {
  const state = readOldFile(config, file);
  for (const dir of config.directives) rewriteDirective(state, config, dir);
  // Orphans: remaining old lines of options that were rewritten are blanked
  for (const [option, idxs] of state.optionLines) {
    if (!state.processed.has(option)) continue;
    for (const i of idxs) state.lines[i] = '';
  }
  let content = '';
  let wasEmpty = false;
  for (const line of state.lines) {
    if (line === '') {
      if (wasEmpty) continue;
      wasEmpty = true;
    } else {
      wasEmpty = false;
    }
    content += `${line}\n`;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, content, { encoding: 'latin1', mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
