/**
 * A real redis-server for oracle tests, started on a free port in a temp dir.
 * `.ci/run` installs redis-server, so in CI these always run; locally, when the binary is
 * missing, `hasRedis` is false and oracle suites skip with a message.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function which(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const hasRedis = which('redis-server');
if (!hasRedis && !process.env.CI) console.warn('redis-server not found: oracle tests skip (CI installs it)');
if (!hasRedis && process.env.CI) throw new Error('redis-server is required in CI');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface RedisOracle {
  port: number;
  dir: string;
  proc: ChildProcess;
  close(): Promise<void>;
}

/**
 * Resolves once a server process (redis-server, or nodis, which prints the same line) logs "Ready to accept
 * connections" on stdout or stderr; rejects when it exits first or after `ms`. Resolves to a getter of
 * everything it printed (kept up to date).
 */
export function whenReady(proc: ChildProcess, name: string, ms = 10000): Promise<() => string> {
  let out = '';
  const collect = (c: Buffer | string): void => {
    out += c.toString();
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => {
      clearTimeout(t);
      reject(new Error(`${name} exited (${code}):\n${out}`));
    };
    const t = setTimeout(() => {
      proc.off('exit', onExit);
      reject(new Error(`${name} not ready:\n${out}`));
    }, ms);
    const onData = (): void => {
      if (!out.includes('Ready to accept connections')) return;
      clearTimeout(t);
      proc.off('exit', onExit);
      proc.stdout?.off('data', onData);
      proc.stderr?.off('data', onData);
      resolve(() => out);
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', onExit);
  });
}

/** Starts redis-server with persistence off (plus extra args), waits until it answers. */
export async function startRedis(extraArgs: string[] = []): Promise<RedisOracle> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-oracle-'));
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--enable-debug-command', 'yes', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await whenReady(proc, 'redis-server');
  return {
    port,
    dir,
    proc,
    async close() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
