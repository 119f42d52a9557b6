#!/usr/bin/env node
/**
 * nodis-server CLI: `nodis-server [/path/to/redis.conf] [--directive value ...]`, as
 * redis-server. Parses arguments, loads the config, starts the server, handles signals.
 * Nothing imports this file.
 */
import { Config } from './config.js';
import { startServer } from './server/server.js';

async function main(): Promise<void> {
  const config = new Config();
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--')) {
      config.set(args[i].slice(2), args[i + 1] ?? '');
      i++;
    }
  }
  const server = await startServer({ baseConfig: config });
  console.log(` PID: ${process.pid} Ready to accept connections on port ${server.port}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
