/**
 * nodis as a child process (dist/main.js, built by `npm test`'s pretest) for tests that kill it (-9) or
 * restart it on the same dir: start it with directives, wait until it answers PING (not -LOADING), stop it
 * with SIGKILL or SIGTERM. NODIS_TEST_MAIN overrides the build to run (a private build while developing).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, whenReady } from './oracle.js';

export const ROOT = path.resolve(__dirname, '../..');
export const NODIS_MAIN = process.env.NODIS_TEST_MAIN ?? path.join(ROOT, 'dist/main.js');
export const hasDist = fs.existsSync(NODIS_MAIN);

export interface NodisChild {
  proc: ChildProcess;
  port: number;
  client: Redis;
  /** stdout + stderr so far. */
  output(): string;
  /** SIGKILL; resolves once it exited. */
  kill9(): Promise<void>;
  /** SIGTERM (Redis's shutdown path); resolves with the exit code once it exited. */
  term(): Promise<number | null>;
}

const started = new Set<ChildProcess>();

/** Kills (-9) every child still running: call from afterAll. */
export function killAllChildren(): void {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  started.clear();
}

/** The exit of a child that refuses to start: exit code and output (rejects if it is still up after `ms`). */
export async function runToExit(dir: string, directives: string[], ms = 15000): Promise<{ code: number | null; output: string }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [NODIS_MAIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...directives], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`nodis still running after ${ms} ms:\n${out}`));
    }, ms);
    proc.once('exit', (code) => {
      clearTimeout(t);
      started.delete(proc);
      resolve({ code, output: out });
    });
  });
}

/**
 * Starts dist/main.js on `dir` with `directives` (CLI form: '--appendonly', 'yes', ...); resolves once it
 * answers PING with +PONG (the startup load is done).
 */
export async function startNodisChild(dir: string, directives: string[] = [], readyMs = 30000): Promise<NodisChild> {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [NODIS_MAIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--enable-debug-command', 'yes', ...directives],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  started.add(proc);
  const out = await whenReady(proc, 'nodis', readyMs);
  const client = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  await client.connect();
  // the listener is up before the dataset is loaded: wait until commands stop getting -LOADING
  const end = Date.now() + readyMs;
  for (;;) {
    try {
      await client.ping();
      break;
    } catch (e) {
      if (!/LOADING/.test(String(e)) || Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const exited = (): boolean => proc.exitCode !== null || proc.signalCode !== null;
  return {
    proc,
    port,
    client,
    output: out,
    async kill9() {
      client.disconnect();
      if (exited()) return;
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await done;
      started.delete(proc);
    },
    async term() {
      client.disconnect();
      if (!exited()) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await done;
      }
      started.delete(proc);
      return proc.exitCode;
    },
  };
}

export const infoField = (info: string, name: string): string | undefined => new RegExp(`^${name}:(.*?)\\r?$`, 'm').exec(info)?.[1];
