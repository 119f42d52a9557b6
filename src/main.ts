#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * nodis-server CLI: `nodis-server [/path/to/redis.conf] [--directive value ...] [-]`, with
 * redis-server's conventions. Loads the configuration (config-file.ts), stays in the foreground
 * with its own PID (no fork), logs the startup banner and "Ready to accept connections", writes
 * and removes the pidfile, and shuts down cleanly on SIGTERM/SIGINT or SHUTDOWN.
 * Nothing imports this file.
 *
 * The shebang (and `npm start`) cap V8's young generation at 4 MiB semispaces: with Node's
 * default (up to 16 MiB each) the young generation adds some 40 MiB of RSS under write load,
 * about 70 bytes per key for a million-key dataset, for no measurable CPU benefit. The flag
 * must be on the node command line: v8.setFlagsFromString() here comes after the heap is set
 * up and does not change it (measured).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { Config, NODIS_VERSION, REDIS_VERSION } from './config.js';
import { ConfigFileError, loadServerConfig, parseCommandLine } from './config-file.js';
import type { ServerHandle } from './server/server.js';
import { createLogger, type Logger } from './util/logger.js';

const VERSION_LINE = `nodis v${NODIS_VERSION} (Redis ${REDIS_VERSION} compatible)`;

function buildProgram(): Command {
  return new Command('nodis-server')
    .usage('[/path/to/redis.conf] [options] [-]')
    .description('A Redis 7.0-compatible in-memory database server for Node.js.')
    .version(VERSION_LINE, '-v, --version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit')
    .argument('[config-file]', "a redis.conf-style file ('-' reads it from stdin)")
    .addHelpText(
      'after',
      `
Any redis.conf directive can be given as --<directive> <value ...>; the
arguments up to the next --<name> are its values, appended after the file.

Examples:
       nodis-server (run the server with default conf)
       echo 'maxmemory 128mb' | nodis-server -
       nodis-server /etc/redis/6379.conf
       nodis-server --port 7777
       nodis-server --port 7777 --save "" --loglevel verbose
       nodis-server /etc/myredis.conf --loglevel verbose -
       nodis-server --client-output-buffer-limit normal 0 0 0`,
    );
}

function loadConfig(argv: string[]): Config {
  const config = new Config();
  try {
    loadServerConfig(config, parseCommandLine(argv));
  } catch (e) {
    if (e instanceof ConfigFileError) {
      process.stderr.write(e.lineNumber > 0 ? e.format() : `${e.reason}\n`);
      process.exit(1);
    }
    throw e;
  }
  return config;
}

function writePidfile(file: string, log: Logger): boolean {
  try {
    fs.writeFileSync(file, `${process.pid}\n`);
    return true;
  } catch (e) {
    log.warn(`Failed to write PID file: ${(e as Error).message}`);
    return false;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // redis-server only looks for -v/-h as the first argument; anything else is configuration
  if (argv.length > 0 && ['-v', '--version', '-h', '--help'].includes(argv[0])) {
    buildProgram().parse([argv[0]], { from: 'user' });
    return;
  }
  const config = loadConfig(argv);
  // Redis chdir()s as it reads `dir`; relative pidfile/logfile/unixsocket paths follow it
  if (config.get('dir') !== process.cwd()) process.chdir(config.get('dir'));

  const log = createLogger({ level: config.get('loglevel'), file: config.get('logfile') });
  log.warn('oO0OoO0OoO0Oo nodis is starting oO0OoO0OoO0Oo');
  log.warn(`nodis version=${NODIS_VERSION} (Redis ${REDIS_VERSION} compatible), bits=64, node=${process.version}, pid=${process.pid}, just started`);
  if (argv.length === 0) {
    log.warn(`Warning: no config file specified, using the default config. In order to specify a config file use ${process.argv[1]} /path/to/redis.conf`);
  } else {
    log.warn('Configuration loaded');
  }
  if (config.getBool('daemonize')) {
    log.warn('daemonize yes is not supported: nodis stays in the foreground with its own PID (use your supervisor to background it)');
  }
  if (config.get('supervised') !== 'no') log.warn(`supervised ${config.get('supervised')} has no effect in nodis`);

  let server: ServerHandle;
  try {
    // loaded only now: --version, --help and config errors answer without loading the server
    const { startServer } = await import('./server/server.js');
    server = await startServer({ baseConfig: config, logger: log });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // a dataset file that cannot be loaded (dataset-load.ts): Redis's "Fatal error loading the DB"
    if (err.name === 'DatasetLoadError') log.warn(`${err.message}. Exiting.`);
    else log.warn(`Failed listening on port ${config.get('port')} (tcp), aborting: ${err.message}`);
    log.flush?.();
    process.exit(1);
  }
  server.core.configService.chdirOnDirChange = true;
  const pidfile = config.get('pidfile');
  const wrotePid = pidfile !== '' && writePidfile(path.resolve(pidfile), log);
  const portInfo = config.get('unixsocket') ? `Port: ${server.port}, Unix socket: ${config.get('unixsocket')}` : `Port: ${server.port}`;
  log.info(`${VERSION_LINE} 64 bit, Running mode=standalone, ${portInfo}, PID: ${process.pid}`);
  log.warn('Server initialized');
  log.info('Ready to accept connections');

  let exiting = false;
  const finish = (code: number) => {
    if (wrotePid) {
      log.info('Removing the pid file.');
      fs.rmSync(path.resolve(pidfile), { force: true });
    }
    if (config.get('unixsocket')) log.info('Removing the unix socket file.');
    log.warn('Redis is now ready to exit, bye bye...');
    log.flush?.();
    process.exit(code);
  };
  const onSignal = (sig: 'SIGTERM' | 'SIGINT') => {
    if (exiting) {
      // a second signal while shutting down: stop waiting, as Redis's "You insist..."
      log.warn('You insist... exiting now.');
      log.flush?.();
      process.exit(1);
    }
    exiting = true;
    log.warn(`Received ${sig} scheduling shutdown...`);
    log.warn('User requested shutdown...');
    // the save before exiting (shutdown-on-sigterm / -sigint and the save rules); when it fails the server
    // keeps running, as Redis does
    void server.core.persistence.shutdownOnSignal(sig).then((ok) => {
      if (ok) return server.close().then(() => finish(0));
      exiting = false;
      log.warn(`${sig} received but errors trying to shut down the server, check the logs for more information`);
    });
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // SHUTDOWN (the command) closes the server; the process then exits like Redis
  void server.closed.then(() => {
    if (exiting) return;
    exiting = true;
    finish(0);
  });
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
