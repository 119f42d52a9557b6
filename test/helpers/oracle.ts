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

/** Starts redis-server with persistence off (plus extra args), waits until it answers. */
export async function startRedis(extraArgs: string[] = []): Promise<RedisOracle> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-oracle-'));
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--enable-debug-command', 'yes', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10000);
    proc.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(t);
        resolve();
      }
    });
    proc.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
  });
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
