/**
 * CONFIG as commands see it (ConfigOps: GET matching, atomic SET, REWRITE), and the side
 * effects of configuration values on the running server (reader limits, notification flags,
 * log level, output buffer limits, the cron frequency, the working directory).
 */
import type { ConfigOps } from '../commands/context.js';
import { ConfigError, type Directive, parseOutputBufferLimits } from '../config.js';
import { errnoText, rewriteConfigFile } from '../config-file.js';
import { CommandError, Err } from '../protocol/errors.js';
import { globMatch } from '../util/glob.js';
import { pinoLevel } from '../util/logger.js';
import { parseNotifyFlags } from './notifications.js';
import type { OutputLimit, ServerCore } from './server-core.js';

export class ConfigService implements ConfigOps {
  private limits: Record<'normal' | 'slave' | 'pubsub', OutputLimit | null> = { normal: null, slave: null, pubsub: null };
  private lastHz = -1;
  /**
   * When the process is the server (the CLI), `dir` changes the process's working directory as
   * in Redis; an embedded server leaves the host's cwd alone (and worker threads cannot chdir).
   */
  chdirOnDirChange = false;

  /** A logger created silent (tests) stays silent whatever loglevel says. */
  private readonly silentLog: boolean;

  /** Subsystems' reactions to CONFIG SET (appendonly, maxmemory, ...), see onSet(). */
  private readonly appliers: Array<{ names: ReadonlySet<string>; apply: () => string | null }> = [];

  constructor(private readonly core: ServerCore) {
    this.silentLog = core.log.level === 'silent';
  }

  /**
   * Registers what to do after CONFIG SET changed one of `names` (canonical names). `apply`
   * returns null, or an error text: then every value of that CONFIG SET is restored and the
   * client gets "ERR CONFIG SET failed (possibly related to argument '<name>') - <text>", as
   * Redis's apply functions (e.g. "Unable to turn on AOF. Check server logs.").
   */
  onSet(names: readonly string[], apply: () => string | null): void {
    this.appliers.push({ names: new Set(names), apply });
  }

  /**
   * CONFIG GET for one argument: an exact name (aliases and hidden directives included) answers
   * under the name as given; a glob matches every non-hidden name and alias, nocase.
   */
  getMatching(pattern: string): Array<[string, string]> {
    const config = this.core.config;
    if (!/[[*?]/.test(pattern)) {
      const dir = config.directive(pattern);
      return dir ? [[pattern, config.display(dir.name)]] : [];
    }
    const out: Array<[string, string]> = [];
    for (const dir of config.directives) {
      if (dir.hidden) continue;
      const value = config.display(dir.name);
      if (globMatch(pattern, dir.name, true)) out.push([dir.name, value]);
      for (const alias of dir.aliases ?? []) if (globMatch(pattern, alias, true)) out.push([alias, value]);
    }
    return out;
  }

  /** CONFIG SET name value [name value ...]: all or nothing, with Redis's checks in Redis's order. */
  set(pairs: Array<[string, string]>, local = true): void {
    const config = this.core.config;
    const dirs: Directive[] = [];
    let unknown: string | null = null;
    let failed: [string, string] | null = null;
    for (const [name, _] of pairs) {
      const dir = config.directive(name);
      if (!dir) {
        if (unknown === null && failed === null) unknown = name;
        continue;
      }
      if (unknown !== null || failed !== null) continue;
      if (!dir.mutable) failed = [name, "can't set immutable config"];
      else if (dir.protected && !this.protectedAllowed(local)) failed = [name, "can't set protected config"];
      else if (dirs.includes(dir)) failed = [name, 'duplicate parameter'];
      dirs.push(dir);
    }
    if (unknown !== null) throw new CommandError(Err.configSetUnknown(unknown));
    if (failed !== null) throw new CommandError(Err.configSetFailed(failed[0], failed[1]));

    const old = dirs.map((d) => config.get(d.name));
    for (let i = 0; i < pairs.length; i++) {
      try {
        config.set(dirs[i].name, pairs[i][1]);
      } catch (e) {
        for (let j = i - 1; j >= 0; j--) config.set(dirs[j].name, old[j]);
        const reason = e instanceof ConfigError ? e.message : String(e);
        throw new CommandError(Err.configSetFailed(pairs[i][0].toLowerCase(), reason));
      }
    }
    const restore = () => {
      for (let j = dirs.length - 1; j >= 0; j--) config.set(dirs[j].name, old[j]);
      this.applyAll();
    };
    try {
      this.applyAll();
    } catch (e) {
      restore();
      throw new CommandError(Err.configSetFailed(pairs[0][0].toLowerCase(), e instanceof Error ? e.message : String(e)));
    }
    // Each applier once, for the first changed directive it watches (Redis's apply_fns); on a
    // failure the old values are restored and the appliers that ran are run again on them
    const ran: Array<() => string | null> = [];
    for (const a of this.appliers) {
      const i = dirs.findIndex((d, k) => a.names.has(d.name) && config.get(d.name) !== old[k]);
      if (i === -1) continue;
      const err = a.apply();
      if (err !== null) {
        restore();
        for (const r of ran) r();
        throw new CommandError(Err.configSetFailed(dirs[i].name, err));
      }
      ran.push(a.apply);
    }
  }

  private protectedAllowed(local: boolean): boolean {
    const v = this.core.config.get('enable-protected-configs');
    return v === 'yes' || (v === 'local' && local);
  }

  rewrite(): void {
    const file = this.core.config.file;
    if (!file) throw new CommandError(Err.noConfigFile);
    try {
      rewriteConfigFile(this.core.config, file);
    } catch (e) {
      this.core.log.warn(`CONFIG REWRITE failed: ${errnoText(e)}`);
      throw new CommandError(Err.configRewriteFailed(errnoText(e)));
    }
    this.core.log.warn('CONFIG REWRITE executed with success.');
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
    this.core.slowlog.configure(c.getNumber('slowlog-log-slower-than'), c.getNumber('slowlog-max-len'));
    if (!this.silentLog) this.core.log.level = pinoLevel(c.get('loglevel'));
    const obuf = parseOutputBufferLimits(c.get('client-output-buffer-limit'));
    const lim = (l: OutputLimit) => (l.hard === 0 && l.soft === 0 ? null : l);
    this.limits = { normal: lim(obuf.normal), slave: lim(obuf.slave), pubsub: lim(obuf.pubsub) };
    // hz: restart the cron at the new frequency (only if it is running)
    const hz = c.getNumber('hz');
    if (this.lastHz !== -1 && hz !== this.lastHz && this.core.timersRunning) {
      this.core.stopTimers();
      this.core.startTimers();
    }
    this.lastHz = hz;
    if (this.chdirOnDirChange && c.get('dir') !== process.cwd()) process.chdir(c.get('dir'));
  }

  /**
   * protected-mode: with no password, Redis 7.0 accepts only loopback and unix socket clients
   * (whatever `bind` says). `remote` is the peer address (undefined for a unix socket).
   */
  refusesPeer(remote: string | undefined): boolean {
    if (remote === undefined || remote === '127.0.0.1' || remote === '::1' || remote === '::ffff:127.0.0.1') return false;
    const c = this.core.config;
    return c.getBool('protected-mode') && !this.core.authRequired();
  }

  /** client-output-buffer-limit for a class (null: no limit), as configured. */
  outputLimit(cls: 'normal' | 'pubsub' | 'replica'): OutputLimit | null {
    return this.limits[cls === 'replica' ? 'slave' : cls];
  }
}
