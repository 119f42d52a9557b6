/**
 * Configuration: the table of directives nodis accepts (Redis 7.0's, with their old aliases),
 * their types, defaults and validation, and the Config object holding current values.
 * Values are kept in Redis's CONFIG GET spelling; typed getters parse them. Imports nothing
 * from src/.
 */

export type DirectiveType = 'bool' | 'int' | 'memory' | 'string' | 'enum';

export interface Directive {
  name: string;
  aliases?: readonly string[];
  type: DirectiveType;
  default: string;
  /** CONFIG SET may change it at runtime. */
  mutable: boolean;
  /** false: accepted and reported, but has no effect in nodis (listed in the README). */
  implemented: boolean;
  enumValues?: readonly string[];
  min?: number;
  max?: number;
}

const d = (x: Directive): Directive => x;

/** Directives (a subset for now; every Redis 7.0 directive will be listed). */
export const DIRECTIVES: readonly Directive[] = [
  d({ name: 'bind', type: 'string', default: '* -::*', mutable: true, implemented: true }),
  d({ name: 'port', type: 'int', default: '6379', mutable: true, implemented: true, min: 0, max: 65535 }),
  d({ name: 'requirepass', type: 'string', default: '', mutable: true, implemented: true }),
  d({ name: 'databases', type: 'int', default: '16', mutable: false, implemented: true, min: 1, max: 2147483647 }),
  d({ name: 'maxclients', type: 'int', default: '10000', mutable: true, implemented: true, min: 1, max: 2147483647 }),
  d({ name: 'timeout', type: 'int', default: '0', mutable: true, implemented: true, min: 0, max: 2147483647 }),
  d({ name: 'proto-max-bulk-len', type: 'memory', default: '536870912', mutable: true, implemented: true, min: 1048576 }),
  d({ name: 'client-query-buffer-limit', type: 'memory', default: '1073741824', mutable: true, implemented: true, min: 1048576 }),
  d({ name: 'loglevel', type: 'enum', default: 'notice', mutable: true, implemented: true, enumValues: ['debug', 'verbose', 'notice', 'warning', 'nothing'] }),
  d({ name: 'logfile', type: 'string', default: '', mutable: false, implemented: true }),
  d({ name: 'notify-keyspace-events', type: 'string', default: '', mutable: true, implemented: true }),
  d({ name: 'hz', type: 'int', default: '10', mutable: true, implemented: true, min: 0, max: 2147483647 }),
  d({ name: 'enable-debug-command', type: 'enum', default: 'no', mutable: false, implemented: true, enumValues: ['no', 'yes', 'local'] }),
  d({ name: 'dir', type: 'string', default: '', mutable: true, implemented: true }),
  d({ name: 'unixsocket', type: 'string', default: '', mutable: false, implemented: true }),
  d({ name: 'unixsocketperm', type: 'string', default: '0', mutable: false, implemented: true }),
  d({ name: 'slowlog-log-slower-than', type: 'int', default: '10000', mutable: true, implemented: true, min: -1 }),
  d({ name: 'slowlog-max-len', type: 'int', default: '128', mutable: true, implemented: true, min: 0 }),
  d({ name: 'protected-mode', type: 'bool', default: 'yes', mutable: true, implemented: true }),
];

export class ConfigError extends Error {}

export class Config {
  private readonly values = new Map<string, string>();
  private readonly byName = new Map<string, Directive>();
  /** Path of the config file it was loaded from ('' when none); CONFIG REWRITE writes there. */
  file = '';

  constructor(readonly directives: readonly Directive[] = DIRECTIVES) {
    for (const dir of directives) {
      this.byName.set(dir.name, dir);
      for (const a of dir.aliases ?? []) this.byName.set(a, dir);
      this.values.set(dir.name, dir.default);
    }
  }

  directive(name: string): Directive | undefined {
    return this.byName.get(name.toLowerCase());
  }

  get(name: string): string {
    const dir = this.directive(name);
    if (!dir) throw new ConfigError(`unknown directive ${name}`);
    return this.values.get(dir.name)!;
  }

  getNumber(name: string): number {
    return Number(this.get(name));
  }

  getBool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /** Sets a value after validating it; throws ConfigError with the reason. */
  set(name: string, value: string): void {
    const dir = this.directive(name);
    if (!dir) throw new ConfigError(`Bad directive or wrong number of arguments`);
    this.values.set(dir.name, normalize(dir, value));
  }

  entries(): IterableIterator<[string, string]> {
    return this.values.entries();
  }
}

const MEMORY_UNITS: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3 };

/** Parses "1gb", "100mb", "512" as Redis's memtoull. null when invalid. */
export function parseMemory(s: string): number | null {
  const m = /^(-?\d+)([a-z]*)$/i.exec(s);
  if (!m) return null;
  const unit = MEMORY_UNITS[m[2].toLowerCase()];
  return unit === undefined ? null : Number(m[1]) * unit;
}

function normalize(dir: Directive, value: string): string {
  switch (dir.type) {
    case 'bool': {
      const v = value.toLowerCase();
      if (v !== 'yes' && v !== 'no') throw new ConfigError('argument must be \'yes\' or \'no\'');
      return v;
    }
    case 'int': {
      if (!/^-?\d+$/.test(value)) throw new ConfigError('argument couldn\'t be parsed into an integer');
      const n = Number(value);
      if ((dir.min !== undefined && n < dir.min) || (dir.max !== undefined && n > dir.max)) {
        throw new ConfigError(`argument must be between ${dir.min} and ${dir.max} inclusive`);
      }
      return String(n);
    }
    case 'memory': {
      const n = parseMemory(value);
      if (n === null) throw new ConfigError('argument must be a memory value');
      if (dir.min !== undefined && n < dir.min) throw new ConfigError(`argument must be between ${dir.min} and ${dir.max ?? 'LLONG_MAX'} inclusive`);
      return String(n);
    }
    case 'enum': {
      const v = value.toLowerCase();
      if (!dir.enumValues!.includes(v)) throw new ConfigError(`argument(s) must be one of the following: ${dir.enumValues!.join(', ')}`);
      return v;
    }
    default:
      return value;
  }
}
