/**
 * The nodis-server CLI as test harnesses use redis-server: spawned as `node dist/main.js`
 * (built by `npm test`'s pretest; built here when missing), banner with ' PID: ',
 * 'Ready to accept connections', options, config files, errors, signals and the pidfile.
 */
import { execFile, execSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/oracle.js';

const root = path.resolve(import.meta.dirname, '../..');
const main = path.join(root, 'dist/main.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-cli-'));

beforeAll(() => {
  if (!fs.existsSync(main)) {
    try {
      execSync('npm run build --silent', { cwd: root, stdio: 'ignore' });
    } catch {
      /* tsc still emits on type errors elsewhere; the tests below tell */
    }
  }
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Running {
  proc: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

/** Spawns the CLI and waits for "Ready to accept connections" on stdout. */
async function startCli(args: string[], opts: { input?: string } = {}): Promise<Running> {
  const proc = spawn(process.execPath, [main, ...args], { cwd: tmp, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c) => (out += c));
  proc.stderr!.on('data', (c) => (out += c));
  if (opts.input !== undefined) proc.stdin!.end(opts.input);
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`nodis did not start: ${out}`)), 10000);
    const check = () => {
      if (out.includes('Ready to accept connections')) {
        clearTimeout(t);
        resolve();
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(t);
      reject(new Error(`nodis exited ${code}: ${out}`));
    });
  });
  return { proc, out: () => out, exited };
}

/** Runs the CLI to completion (for the cases that exit at once). */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [main, ...args], { cwd: tmp, encoding: 'latin1', timeout: 10000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

describe('nodis-server', () => {
  it('--version and -v print the version', async () => {
    for (const r of await Promise.all([runCli(['--version']), runCli(['-v'])])) {
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('nodis v0.1.0 (Redis 7.0.15 compatible)\n');
    }
  });

  it('--help prints the usage', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: nodis-server [/path/to/redis.conf] [options] [-]');
    expect(r.stdout).toContain('--port 7777');
  });

  it('starts in the foreground with its own PID, banner and Ready line; SIGTERM exits 0 and removes the pidfile', async () => {
    const port = await freePort();
    const pidfile = path.join(tmp, 'nodis.pid');
    const s = await startCli(['--port', String(port), '--bind', '127.0.0.1', '--pidfile', pidfile, '--save', '', '--daemonize', 'no']);
    expect(s.out()).toContain(` PID: ${s.proc.pid}`);
    expect(s.out()).toContain(`Port: ${port}`);
    expect(s.out()).toContain('nodis v0.1.0 (Redis 7.0.15 compatible)');
    expect(fs.readFileSync(pidfile, 'latin1')).toBe(`${s.proc.pid}\n`);
    const c = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await c.connect();
    expect(await c.ping()).toBe('PONG');
    expect(await c.config('GET', 'save', 'port')).toEqual(['save', '', 'port', String(port)]);
    c.disconnect();
    s.proc.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(fs.existsSync(pidfile)).toBe(false);
    expect(s.out()).toContain('Received SIGTERM scheduling shutdown...');
    expect(s.out()).toContain('Redis is now ready to exit, bye bye...');
  });

  it('reads a config file (with multi-word values on the command line) and SIGINT shuts down', async () => {
    const port = await freePort();
    const conf = path.join(tmp, 'a.conf');
    fs.writeFileSync(conf, `# test\nport ${port}\nbind 127.0.0.1\nmaxmemory "100mb"\ndaemonize yes\n`);
    const s = await startCli([conf, '--client-output-buffer-limit', 'normal', '1mb', '1mb', '0', '--timeout', '7']);
    expect(s.out()).toContain('nodis stays in the foreground');
    const c = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await c.connect();
    expect(await c.config('GET', 'maxmemory', 'timeout', 'client-output-buffer-limit', 'daemonize')).toEqual([
      'maxmemory',
      '104857600',
      'timeout',
      '7',
      'client-output-buffer-limit',
      'normal 1048576 1048576 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
      'daemonize',
      'yes',
    ]);
    expect(await c.config('SET', 'timeout', '8')).toBe('OK');
    expect(await c.call('CONFIG', 'REWRITE')).toBe('OK');
    c.disconnect();
    expect(fs.readFileSync(conf, 'latin1')).toContain('\ntimeout 8\n');
    s.proc.kill('SIGINT');
    expect(await s.exited).toBe(0);
    expect(s.out()).toContain('Received SIGINT scheduling shutdown...');
  });

  it("reads the config from stdin with '-'", async () => {
    const port = await freePort();
    const s = await startCli(['-', '--bind', '127.0.0.1'], { input: `port ${port}\ndatabases 4\n` });
    const c = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await c.connect();
    expect(await c.config('GET', 'databases')).toEqual(['databases', '4']);
    c.disconnect();
    s.proc.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('exits 1 with the FATAL message for a bad directive or value', async () => {
    const conf = path.join(tmp, 'bad.conf');
    fs.writeFileSync(conf, 'port 7000\n# c\n\nbogus   x  "y z"\n');
    const [r, v, m, missing] = await Promise.all([
      runCli([conf]),
      runCli(['--port', 'abc']),
      runCli(['--loadmodule', '/x.so']),
      runCli([path.join(tmp, 'missing.conf')]),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 4\n>>> 'bogus   x  \"y z\"'\nBad directive or wrong number of arguments\n",
    );
    expect(r.stderr).toContain(conf);

    expect(v.code).toBe(1);
    expect(v.stderr).toContain(">>> 'port \"abc\"'\nargument couldn't be parsed into an integer\n");

    expect(m.code).toBe(1);
    expect(m.stderr).toContain('Modules are not supported by nodis');

    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Fatal error, can't open config file");
  });
});
