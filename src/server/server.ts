/**
 * The TCP (and unix socket) listener and the embedding entry: startServer() builds the core,
 * listens, and returns a handle with the bound port and close().
 */
import fs from 'node:fs';
import net from 'node:net';
import { Config } from '../config.js';
import { Err } from '../protocol/errors.js';
import { systemClock, type Clock } from '../util/clock.js';
import { createLogger, type Logger } from '../util/logger.js';
import { Connection } from './connection.js';
import { loadDatasetAtStartup } from './dataset-load.js';
import { ServerCore } from './server-core.js';

export interface StartOptions {
  /** Directive values (as from a config file or flags): name -> value. Port 0 picks a free port. */
  config?: Record<string, string | number | boolean>;
  /** A ready Config (the CLI passes the parsed file); `config` values are applied on top. */
  baseConfig?: Config;
  logger?: Logger;
  clock?: Clock;
  /** Log nothing (tests). */
  silent?: boolean;
}

export interface ServerHandle {
  readonly port: number;
  readonly core: ServerCore;
  /** Stops listening, closes every client, stops timers. */
  close(): Promise<void>;
  /** Resolves when the server has shut down (SHUTDOWN, close()). */
  readonly closed: Promise<void>;
}

function listenAddresses(bind: string): string[] {
  const addrs = bind.split(/\s+/).filter(Boolean);
  // "-" prefix: optional address (don't fail if unavailable); Redis's default is "* -::*"
  return addrs.length === 0 ? ['0.0.0.0'] : addrs;
}

/** aofOpenIfNeededOnServerStart: a file that cannot be opened stops the start, as in Redis. */
function openAofAfterLoad(core: ServerCore): void {
  try {
    core.aof.open();
  } catch (e) {
    const err = new Error(`Can't open the append-only file ${core.config.get('appendfilename')}: ${(e as Error).message}`);
    err.name = 'DatasetLoadError';
    throw err;
  }
}

export async function startServer(opts: StartOptions = {}): Promise<ServerHandle> {
  const config = opts.baseConfig ?? new Config();
  for (const [k, v] of Object.entries(opts.config ?? {})) config.set(k, typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));
  const log = opts.logger ?? createLogger({ level: config.get('loglevel'), file: config.get('logfile'), silent: opts.silent });
  const core = new ServerCore(config, log, opts.clock ?? systemClock);

  const servers: net.Server[] = [];
  const onConnection = (socket: net.Socket) => {
    const maxClients = config.getNumber('maxclients');
    if (core.clients.connectedCount >= maxClients) {
      core.stats.rejectedConnections++;
      socket.on('error', () => {}); // a reset from the rejected peer must not crash the server
      socket.end(`-${Err.maxClients}\r\n`, () => socket.destroy());
      return;
    }
    if (core.configService.refusesPeer(socket.remoteAddress)) {
      socket.on('error', () => {});
      socket.end(`-${Err.protectedMode}\r\n`, () => socket.destroy());
      return;
    }
    const keepalive = config.getNumber('tcp-keepalive');
    if (keepalive > 0 && socket.remoteAddress !== undefined) socket.setKeepAlive(true, keepalive * 1000);
    const conn = new Connection(socket, core, core.clients.allocateId());
    core.connected(conn);
  };

  let port = config.getNumber('port');
  if (port !== 0 || opts.config?.port === 0) {
    for (const raw of listenAddresses(config.get('bind'))) {
      const optional = raw.startsWith('-');
      let host = optional ? raw.slice(1) : raw;
      if (host === '*') host = '0.0.0.0';
      else if (host === '::*') host = '::';
      const srv = net.createServer({ noDelay: true }, onConnection);
      try {
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen({ port, host, ipv6Only: host === '::', backlog: config.getNumber('tcp-backlog') }, () => {
            srv.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        if (optional) continue;
        for (const s of servers) s.close();
        throw err;
      }
      srv.on('error', (err) => log.warn({ err: err.message }, 'listener error'));
      const addr = srv.address();
      if (port === 0 && addr && typeof addr === 'object') port = addr.port;
      servers.push(srv);
    }
  }
  const unixsocket = config.get('unixsocket');
  if (unixsocket) {
    try {
      fs.unlinkSync(unixsocket);
    } catch {
      /* not there */
    }
    const srv = net.createServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(unixsocket, () => resolve());
    });
    srv.on('error', (err) => log.warn({ err: err.message }, 'listener error'));
    // unixsocketperm 0 (the default) leaves the socket's mode to the umask, as Redis does
    const perm = parseInt(config.get('unixsocketperm') || '0', 8);
    if (perm) fs.chmodSync(unixsocket, perm);
    servers.push(srv);
  }
  core.port = port;
  // an embedder's port 0 means "any free port": report the one bound, as CONFIG GET port
  if (opts.config?.port === 0 && port !== 0) config.set('port', String(port));
  core.startTimers();

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let closing: Promise<void> | null = null;
  const loadAbort = new AbortController();
  const close = () => {
    if (closing) return closing;
    closing = (async () => {
      loadAbort.abort(new Error('server closed while loading the dataset'));
      core.stopTimers();
      core.replicaLink.close();
      core.replication.close();
      const saving = core.persistence.close();
      for (const conn of [...core.clients.connections()]) conn.close();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      await saving;
      // a running BGREWRITEAOF is killed (its temp file removed) before the AOF's last flush
      await core.aofRewriter.close();
      // finishShutdown: what the AOF has pending is written and fsynced before exiting
      await core.aof.close();
      if (unixsocket) fs.rmSync(unixsocket, { force: true });
      resolveClosed();
    })();
    return closing;
  };
  core.shutdownHandler = () => {
    void close();
  };
  // as Redis: the dataset loads while the server listens, answering -LOADING meanwhile; a file that
  // cannot be loaded stops the start (DatasetLoadError) and is left as it is
  try {
    const loaded = await loadDatasetAtStartup(core, loadAbort.signal);
    // appendonly yes: appending starts once the dataset is loaded (the file is created when missing)
    openAofAfterLoad(core);
    // `replicaof` in the config: a replica from the start, continuing from the file's repl-id/offset if it can
    core.replicaLink.startFromConfig(loaded?.repl ?? null);
  } catch (e) {
    if (loadAbort.signal.aborted) return { port, core, close, closed };
    await close();
    throw e;
  }
  return { port, core, close, closed };
}
