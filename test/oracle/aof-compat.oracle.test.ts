/**
 * Our AOF is Redis's: an appendonly.aof written by nodis (a fixed workload of every type plus seeded random
 * commands; also after BGREWRITEAOF with and without the RDB preamble, with writes after it)
 * - passes `redis-check-aof` ("is valid", exit 0);
 * - loads into a real redis-server 7.0 started with `appendonly yes` in a dir holding it (Redis migrates an
 *   old-style AOF into its appendonlydir/) with the same DEBUG DIGEST as nodis had.
 * A truncated nodis AOF: redis-check-aof reports it as not valid with ok_up_to at the end of the last
 * complete command (which we find by parsing the file ourselves), `--fix` cuts it there, and nodis
 * (aof-load-truncated yes) and Redis started on the truncated file both load the same dataset.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest, fixedWrites, knownCommands, randomWrites, removeDir, startOnDir } from '../helpers/aof-workload.js';
import { hasRedis, startRedis } from '../helpers/oracle.js';
import { RespConn } from '../helpers/resp-session.js';

const SEED = process.env.NODIS_SEED ? Number(process.env.NODIS_SEED) : 5150;
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aof-compat-'));
  dirs.push(d);
  return d;
}

function checkAof(file: string, ...flags: string[]): { code: number; out: string } {
  const r = spawnSync('redis-check-aof', [...flags, file], { encoding: 'latin1', input: 'y\n' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/**
 * A real redis-server with `appendonly yes` on a copy of `aof`; returns its DEBUG DIGEST and whether it
 * migrated the file into its appendonlydir/ (Redis 7.0's upgrade of an old-style AOF).
 */
async function redisDigestOf(aof: string): Promise<{ digest: string; migrated: boolean }> {
  const dir = tempDir();
  fs.copyFileSync(aof, path.join(dir, 'appendonly.aof'));
  // the later --dir wins over the oracle's own temp dir
  const redis = await startRedis(['--appendonly', 'yes', '--dir', dir]);
  try {
    const c = await RespConn.connect(redis.port);
    let r: string;
    while ((r = await c.cmd('DEBUG', 'DIGEST')).startsWith('-LOADING')) await new Promise((res) => setTimeout(res, 5));
    c.close();
    expect(r[0], r).toBe('+');
    const manifest = path.join(dir, 'appendonlydir', 'appendonly.aof.manifest');
    const migrated = fs.existsSync(manifest) && /^file appendonly\.aof seq 1 type b/m.test(fs.readFileSync(manifest, 'latin1'));
    return { digest: r.slice(1, -2), migrated };
  } finally {
    await redis.close();
  }
}

/** Ends of the complete top-level commands of an old-style AOF without preamble (byte offsets). */
function commandEnds(buf: Buffer): number[] {
  const ends: number[] = [];
  let p = 0;
  for (;;) {
    if (p >= buf.length || buf[p] !== 0x2a /* * */) return ends;
    let eol = buf.indexOf('\r\n', p);
    if (eol === -1) return ends;
    const argc = Number(buf.toString('latin1', p + 1, eol));
    let q = eol + 2;
    for (let i = 0; i < argc; i++) {
      eol = buf.indexOf('\r\n', q);
      if (eol === -1) return ends;
      const len = Number(buf.toString('latin1', q + 1, eol));
      q = eol + 2 + len + 2;
      if (q > buf.length) return ends;
    }
    ends.push(q);
    p = q;
  }
}

async function rewrite(port: number, preamble: 'yes' | 'no'): Promise<void> {
  const c = await RespConn.connect(port);
  try {
    expect(await c.cmd('CONFIG', 'SET', 'aof-use-rdb-preamble', preamble)).toBe('+OK\r\n');
    expect(await c.cmd('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
    const end = Date.now() + 20000;
    for (;;) {
      const i = await c.cmd('INFO', 'persistence');
      if (/aof_rewrite_in_progress:0/.test(i) && /aof_rewrite_scheduled:0/.test(i)) {
        expect(i).toMatch(/aof_last_bgrewrite_status:ok/);
        return;
      }
      if (Date.now() > end) throw new Error('BGREWRITEAOF did not finish');
      await new Promise((res) => setTimeout(res, 5));
    }
  } finally {
    c.close();
  }
}

/**
 * Writes a nodis AOF in a fresh dir: the fixed workload and random commands, then (per `rewrite`) a
 * BGREWRITEAOF and more writes. Returns the file and nodis's digest.
 */
async function nodisAof(rewriteWith: 'none' | 'yes' | 'no', seed: number): Promise<{ file: string; digest: string }> {
  const dir = tempDir();
  const srv = await startOnDir(dir, { appendonly: 'yes', appendfsync: 'always' });
  let d: string;
  try {
    const known = await knownCommands(srv.port);
    await fixedWrites(srv.port);
    await randomWrites(srv.port, seed, 1500, known);
    if (rewriteWith !== 'none') {
      await rewrite(srv.port, rewriteWith);
      await randomWrites(srv.port, seed + 1, 500, known);
    }
    // the last command is a plain SET (the truncation test cuts into it)
    const c = await RespConn.connect(srv.port);
    expect(await c.cmd('SET', 'last-key', 'the-last-value-of-this-file')).toBe('+OK\r\n');
    c.close();
    d = await digest(srv.port);
  } finally {
    await srv.close();
  }
  return { file: path.join(dir, 'appendonly.aof'), digest: d };
}

describe.skipIf(!hasRedis)('our AOF and Redis 7.0 (redis-check-aof, redis-server)', () => {
  let hasCheck = false;
  beforeAll(() => {
    try {
      execFileSync('sh', ['-c', 'command -v redis-check-aof'], { stdio: 'ignore' });
      hasCheck = true;
    } catch {
      console.warn('redis-check-aof not found: its checks skip');
    }
  });

  for (const rw of ['none', 'yes', 'no'] as const) {
    const label = rw === 'none' ? 'as written' : `after BGREWRITEAOF, aof-use-rdb-preamble ${rw}`;
    it(`${label}: redis-check-aof says valid, redis-server loads it with the same digest`, { timeout: 30000 }, async () => {
      const { file, digest: ours } = await nodisAof(rw, SEED + (rw === 'none' ? 0 : rw === 'yes' ? 10 : 20));
      const bytes = fs.readFileSync(file);
      expect(bytes.subarray(0, 5).toString('latin1') === 'REDIS', 'RDB preamble iff the rewrite had it on').toBe(rw === 'yes');
      if (hasCheck) {
        const r = checkAof(file);
        expect(r.out).toMatch(/is valid/);
        expect(r.code, r.out).toBe(0);
        if (rw === 'yes') expect(r.out).toMatch(/RDB preamble/);
      }
      const theirs = await redisDigestOf(file);
      expect(theirs.migrated, 'Redis took our file as the base of its appendonlydir').toBe(true);
      expect(theirs.digest, `seed ${SEED}`).toBe(ours);
    });
  }

  it('a truncated nodis AOF: redis-check-aof, --fix, nodis and Redis all cut it at the last complete command', { timeout: 30000 }, async () => {
    const { file } = await nodisAof('none', SEED + 30);
    const full = fs.readFileSync(file);
    const ends = commandEnds(full);
    expect(ends[ends.length - 1]).toBe(full.length);
    const lastStart = ends[ends.length - 2];
    // cuts inside the last command (a SET): in its header, its arguments' headers, and its payload
    const cuts = [lastStart + 1, lastStart + 20, full.length - 3, full.length - 1];
    for (const cut of cuts) {
      const dir = tempDir();
      const cutFile = path.join(dir, 'appendonly.aof');
      fs.writeFileSync(cutFile, full.subarray(0, cut));
      if (hasCheck) {
        const r = checkAof(cutFile);
        expect(r.code, r.out).toBe(1);
        expect(r.out).toMatch(/is not valid/);
        expect(r.out, `cut at ${cut}`).toContain(`ok_up_to=${lastStart},`);
        // --fix truncates to the same offset
        const fixCopy = path.join(dir, 'fixed.aof');
        fs.copyFileSync(cutFile, fixCopy);
        const f = checkAof(fixCopy, '--fix');
        expect(f.out, f.out).toMatch(/Successfully truncated AOF/);
        expect(fs.statSync(fixCopy).size).toBe(lastStart);
        fs.rmSync(fixCopy);
      }
      const theirs = await redisDigestOf(cutFile);
      // nodis with aof-load-truncated yes (the default) starts, and cuts the file where Redis would
      const srv = await startOnDir(dir, { appendonly: 'yes' });
      try {
        expect(fs.statSync(cutFile).size, `cut at ${cut}`).toBe(lastStart);
        expect(await digest(srv.port), `cut at ${cut}`).toBe(theirs.digest);
        const c = await RespConn.connect(srv.port);
        expect(await c.cmd('EXISTS', 'last-key')).toBe(':0\r\n');
        c.close();
      } finally {
        await srv.close();
      }
    }
  });
});
