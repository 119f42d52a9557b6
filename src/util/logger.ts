/**
 * Logger factory (pino). `logfile ''` logs to stdout; a path appends to that file.
 * Redis's loglevels map onto pino's: debug->debug, verbose->debug, notice->info, warning->warn,
 * nothing->silent.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const LEVELS: Record<string, string> = {
  debug: 'debug',
  verbose: 'debug',
  notice: 'info',
  warning: 'warn',
  nothing: 'silent',
};

export function pinoLevel(redisLevel: string): string {
  return LEVELS[redisLevel] ?? 'info';
}

export function createLogger(opts: { level: string; file: string; silent?: boolean }): Logger {
  const level = opts.silent ? 'silent' : pinoLevel(opts.level);
  if (opts.file === '') return pino({ level, base: { pid: process.pid } });
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: opts.file, append: true, sync: true, mkdir: true }));
}
