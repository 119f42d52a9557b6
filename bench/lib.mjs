/**
 * Shared pieces of the benchmark scripts: free ports, starting nodis and redis-server as child
 * processes, CPU time and RSS of a process from /proc, running redis-benchmark, medians.
 * Linux only (/proc); needs redis-server and redis-benchmark on PATH.
 */
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** A TCP port nobody listens on: from `base` upwards when given, else one the OS picks. */
export async function freePort(base = 0, taken = new Set()) {
  for (let p = base; ; p++) {
    if (base !== 0 && taken.has(p)) continue;
    const port = await new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(-1));
      s.listen(p, '127.0.0.1', () => {
        const got = s.address().port;
        s.close(() => resolve(got));
      });
    });
    if (port > 0) {
      taken.add(port);
      return port;
    }
    if (base === 0) throw new Error('no free port');
  }
}

function waitReady(child, pattern, name) {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d.toString();
      if (pattern.test(out)) {
        cleanup();
        resolve(out);
      }
    };
    const onExit = (code) => {
      cleanup();
      reject(new Error(`${name} exited (${code}) before it was ready:\n${out.slice(-2000)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${name} not ready after 15 s:\n${out.slice(-2000)}`));
    }, 15000);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
      // keep draining so the child never blocks on a full pipe
      child.stdout.resume();
      child.stderr.resume();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', onExit);
  });
}

/** The node flags nodis ships with: those of main.js's shebang (`#!/usr/bin/env -S node <flags>`). */
export function shippedNodeArgs(main) {
  const first = readFileSync(main, 'utf8').split('\n', 1)[0];
  const m = /^#!.*\bnode\b(.*)$/.exec(first);
  return m ? m[1].split(/\s+/).filter(Boolean) : [];
}

/**
 * Starts nodis (dist/main.js) in the foreground, with the node flags it ships with. Tries `--save '' --bind 127.0.0.1` first and
 * drops the directives the CLI rejects, so the harness works while the config grows.
 * `nodeArgs` go to node itself (e.g. --cpu-prof).
 */
export async function startNodis(port, { nodeArgs = [], extraArgs = [], main = path.join(ROOT, 'dist/main.js') } = {}) {
  nodeArgs = [...shippedNodeArgs(main), ...nodeArgs];
  const variants = [
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...extraArgs],
    ['--port', String(port), '--bind', '127.0.0.1', ...extraArgs],
    ['--port', String(port), ...extraArgs],
  ];
  let lastErr;
  for (const args of variants) {
    const child = spawn(process.execPath, [...nodeArgs, main, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await waitReady(child, /Ready to accept connections/, 'nodis');
      return { name: 'nodis', pid: child.pid, port, child, args, stop: () => stopChild(child) };
    } catch (e) {
      lastErr = e;
      await stopChild(child);
    }
  }
  throw lastErr;
}

/** Starts a real redis-server with persistence off. */
export async function startRedis(port, extraArgs = []) {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...extraArgs];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitReady(child, /Ready to accept connections/, 'redis-server');
  return { name: 'redis', pid: child.pid, port, child, args, stop: () => stopChild(child) };
}

export function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** utime + stime of a process, in seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the ")" that closes comm: state is field 3, utime 14, stime 15
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
}

/** VmRSS of a process, in bytes. */
export function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/**
 * Runs redis-benchmark with --csv; returns [{ test, rps, avgMs, p50Ms, p99Ms }]. `command` (an argv)
 * runs a custom command instead of -t tests (redis-benchmark takes it after the options).
 */
export function redisBenchmark(port, args, command = []) {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), ...args, '--csv', ...command], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`redis-benchmark exited ${code}: ${err || out}`));
      const rows = [];
      for (const line of out.split('\n')) {
        const cells = line.match(/"([^"]*)"/g)?.map((c) => c.slice(1, -1));
        if (!cells || cells.length < 2 || cells[0] === 'test') continue;
        // columns: test, rps, avg, min, p50, p95, p99, max latency (ms)
        rows.push({ test: cells[0], rps: Number(cells[1]), avgMs: Number(cells[2]), p50Ms: Number(cells[4]), p99Ms: Number(cells[6]) });
      }
      resolve(rows);
    });
  });
}

/** Sends one command with redis-cli and returns its raw output. */
export function cli(port, ...args) {
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]).toString();
}

export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Parses `--name value` / `--flag` options into an object. */
export function parseArgs(argv, defaults) {
  const opts = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument: ${a}`);
    const key = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in defaults)) throw new Error(`unknown option: ${a}`);
    if (typeof defaults[key] === 'boolean') opts[key] = true;
    else opts[key] = typeof defaults[key] === 'number' ? Number(argv[++i]) : argv[++i];
  }
  return opts;
}

export function table(header, rows) {
  const cells = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells
    .map((r, ri) => {
      const line = r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
      return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

/** A minimal RESP client: one persistent connection (INFO polling every few ms), replies parsed as they arrive. */
export class Conn {
  constructor(port) {
    this.port = port;
    this.buf = Buffer.alloc(0);
    this.waiting = [];
  }
  open() {
    return new Promise((resolve, reject) => {
      this.sock = net.connect(this.port, '127.0.0.1', resolve);
      this.sock.once('error', reject);
      this.sock.on('data', (d) => {
        this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
        this.drain();
      });
    });
  }
  /** Parses one reply at `at`: [value, next offset] or null when incomplete. Errors are Error objects. */
  parse(at) {
    const eol = this.buf.indexOf('\r\n', at);
    if (eol === -1) return null;
    const type = String.fromCharCode(this.buf[at]);
    const line = this.buf.toString('latin1', at + 1, eol);
    if (type === '+' || type === ':') return [line, eol + 2];
    if (type === '-') return [new Error(line), eol + 2];
    if (type === '$') {
      const n = Number(line);
      if (n < 0) return [null, eol + 2];
      if (this.buf.length < eol + 2 + n + 2) return null;
      return [this.buf.toString('latin1', eol + 2, eol + 2 + n), eol + 4 + n];
    }
    if (type === '*') {
      const out = [];
      let p = eol + 2;
      for (let i = 0; i < Number(line); i++) {
        const r = this.parse(p);
        if (r === null) return null;
        out.push(r[0]);
        p = r[1];
      }
      return [out, p];
    }
    throw new Error(`unexpected reply type ${type}`);
  }
  drain() {
    let at = 0;
    while (this.waiting.length > 0) {
      const r = this.parse(at);
      if (r === null) break;
      at = r[1];
      this.waiting.shift()(r[0]);
    }
    this.buf = this.buf.subarray(at);
  }
  /** Sends a command; resolves to its reply (an Error object for an error reply). */
  call(...argv) {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.sock.write(resp(argv));
    });
  }
  /** Like call, but an error reply rejects. */
  async ok(...argv) {
    const r = await this.call(...argv);
    if (r instanceof Error) throw new Error(`${argv.join(' ')}: ${r.message}`);
    return r;
  }
  async info(section) {
    const text = await this.call('INFO', section);
    const fields = {};
    for (const l of String(text).split('\r\n')) {
      const i = l.indexOf(':');
      if (i > 0) fields[l.slice(0, i)] = l.slice(i + 1);
    }
    return fields;
  }
  close() {
    this.sock.destroy();
  }
}

/** argv as one RESP array of bulk strings (latin1). */
export function resp(argv) {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(String(a), 'latin1')}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

/**
 * Pipelines the commands of `gen` (arrays) on a plain socket, at most `window` unanswered; every reply
 * must be one line (an error reply rejects). Resolves to the number of commands when all are answered.
 */
export function pump(port, gen, window = 20000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let sent = 0;
    let answered = 0;
    let done = false;
    const fill = () => {
      const chunks = [];
      let bytes = 0;
      while (!done && sent - answered < window && bytes < 1 << 20) {
        const next = gen.next();
        if (next.done) {
          done = true;
          break;
        }
        const b = resp(next.value);
        chunks.push(b);
        bytes += b.length;
        sent++;
      }
      if (chunks.length > 0) sock.write(Buffer.concat(chunks));
      if (done && answered === sent) finish();
    };
    const finish = () => {
      sock.destroy();
      resolve(sent);
    };
    sock.on('connect', fill);
    sock.on('error', reject);
    sock.on('data', (d) => {
      if (d[0] === 45 /* - */) return reject(new Error(d.toString('latin1', 0, 200)));
      for (let p = d.indexOf(10); p !== -1; p = d.indexOf(10, p + 1)) answered++;
      if (done) {
        if (answered === sent) finish();
      } else if (sent - answered < window / 2) fill();
    });
  });
}

/**
 * Waits until PING answers +PONG, retrying refused connections and -LOADING; `dead()` true (the process
 * exited) fails at once.
 */
export async function untilPong(port, dead = () => false, deadlineMs = 300000) {
  const end = performance.now() + deadlineMs;
  while (performance.now() < end) {
    if (dead()) throw new Error('exited before answering PING');
    const c = new Conn(port);
    try {
      await c.open();
      for (;;) {
        const r = await c.call('PING');
        if (r === 'PONG') return;
        if (!(r instanceof Error) || !/LOADING/.test(r.message)) throw new Error(`PING: ${r}`);
        await sleep(2);
      }
    } catch (e) {
      if (e.code !== 'ECONNREFUSED') throw e;
      await sleep(2);
    } finally {
      c.close();
    }
  }
  throw new Error('server did not answer PING');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
