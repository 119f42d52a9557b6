/**
 * CONFIG as commands see it (ConfigOps), and the side effects of configuration values on the
 * running server (reader limits, notification flags, log level, output buffer limits).
 */
import type { ConfigOps } from '../commands/context.js';
import { ConfigError } from '../config.js';
import { CommandError } from '../protocol/errors.js';
import { globMatch } from '../util/glob.js';
import { pinoLevel } from '../util/logger.js';
import { parseNotifyFlags } from './notifications.js';
import type { OutputLimit, ServerCore } from './server-core.js';

export class ConfigService implements ConfigOps {
  constructor(private readonly core: ServerCore) {}

  getMatching(pattern: string): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [name, value] of this.core.config.entries()) {
      if (globMatch(pattern, name, true)) out.push([name, value]);
    }
    return out;
  }

  set(pairs: Array<[string, string]>): void {
    const config = this.core.config;
    const old: Array<[string, string]> = [];
    for (const [name, value] of pairs) {
      const dir = config.directive(name);
      if (!dir) throw new CommandError(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
      if (!dir.mutable) throw new CommandError(`ERR CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config`);
      old.push([dir.name, config.get(dir.name)]);
      try {
        config.set(dir.name, value);
      } catch (e) {
        for (const [n, v] of old.reverse()) config.set(n, v);
        const reason = e instanceof ConfigError ? e.message : String(e);
        throw new CommandError(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`);
      }
    }
    this.applyAll();
  }

  rewrite(): void {
    throw new CommandError('ERR The server is running without a config file');
  }

  getNumber(name: string): number {
    return this.core.config.getNumber(name);
  }

  getString(name: string): string {
    return this.core.config.get(name);
  }

  getBool(name: string): boolean {
    return this.core.config.getBool(name);
  }

  /** Pushes current values into the parts of the server that cache them. */
  applyAll(): void {
    const c = this.core.config;
    this.core.readerLimits.maxBulkLen = c.getNumber('proto-max-bulk-len');
    this.core.readerLimits.queryBufferLimit = c.getNumber('client-query-buffer-limit');
    this.core.notifier.configure(parseNotifyFlags(c.get('notify-keyspace-events')) ?? new Set());
    this.core.log.level = pinoLevel(c.get('loglevel'));
  }

  /** client-output-buffer-limit for a class: normal 0 0 0, pubsub 32mb 8mb 60 by default. */
  outputLimit(cls: 'normal' | 'pubsub' | 'replica'): OutputLimit | null {
    if (cls === 'normal') return null;
    if (cls === 'pubsub') return { hard: 32 * 1024 * 1024, soft: 8 * 1024 * 1024, softSeconds: 60 };
    return { hard: 256 * 1024 * 1024, soft: 64 * 1024 * 1024, softSeconds: 60 };
  }
}
