/**
 * The AOF replays to the live dataset: with `appendonly yes`, a fixed workload (every type and encoding,
 * several dbs, expiries, MULTI/EXEC, blocking pops served later) and seeded random commands of every type
 * (test/helpers/random-commands.ts) run against an in-process nodis; it is closed (which flushes and fsyncs
 * the AOF) and started again on the same dir, and DEBUG DIGEST must be the same. Variants: each fsync
 * policy; a BGREWRITEAOF in between, with writes going on while it runs, with `aof-use-rdb-preamble yes`
 * and `no`; two rewrites in a row.
 * A failure lists the keys that differ (per-key DEBUG DIGEST-VALUE and contents). Reproduce with the seed it
 * prints: NODIS_SEED=<seed> npx vitest run test/server/aof-digest.test.ts; NODIS_AOF_KEEP=1 keeps the dirs
 * and their AOFs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffKeyDigests, digest, fixedWrites, keyDigests, knownCommands, randomWrites, removeDir, startOnDir } from '../helpers/aof-workload.js';
import { RespConn } from '../helpers/resp-session.js';

const SEED = process.env.NODIS_SEED ? Number(process.env.NODIS_SEED) : Date.now() % 100000;
const COUNT = 1500;
const dirs: string[] = [];
// NODIS_AOF_KEEP=1 keeps the dirs (and their AOFs) for a look after a failure
afterAll(() => (process.env.NODIS_AOF_KEEP ? console.log(`kept ${dirs.join(' ')}`) : dirs.forEach(removeDir)));

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aof-digest-'));
  dirs.push(d);
  return d;
}

async function info(port: number, field: string): Promise<string | undefined> {
  const c = await RespConn.connect(port);
  const r = await c.cmd('INFO', 'persistence');
  c.close();
  return new RegExp(`^${field}:(.*?)\\r?$`, 'm').exec(r)?.[1];
}

/** BGREWRITEAOF while `during` runs; resolves once the rewrite is done (status ok). */
async function rewriteWhile(port: number, during: () => Promise<void>): Promise<void> {
  const c = await RespConn.connect(port);
  const r = await c.cmd('BGREWRITEAOF');
  c.close();
  expect(r).toBe('+Background append only file rewriting started\r\n');
  await during();
  const end = Date.now() + 20000;
  while ((await info(port, 'aof_rewrite_in_progress')) !== '0' || (await info(port, 'aof_rewrite_scheduled')) !== '0') {
    if (Date.now() > end) throw new Error('BGREWRITEAOF did not finish');
    await new Promise((res) => setTimeout(res, 5));
  }
  expect(await info(port, 'aof_last_bgrewrite_status')).toBe('ok');
}

interface Variant {
  fsync: 'always' | 'everysec' | 'no';
  /** BGREWRITEAOF between the parts: none, or the preamble setting (twice: two rewrites in a row). */
  rewrite: 'none' | 'yes' | 'no' | 'twice';
}

const VARIANTS: Variant[] = [
  { fsync: 'always', rewrite: 'none' },
  { fsync: 'everysec', rewrite: 'none' },
  { fsync: 'no', rewrite: 'none' },
  { fsync: 'everysec', rewrite: 'yes' },
  { fsync: 'always', rewrite: 'no' },
  { fsync: 'everysec', rewrite: 'twice' },
];

describe('AOF replay equals the live dataset (DEBUG DIGEST)', () => {
  for (const [i, v] of VARIANTS.entries()) {
    it(`appendfsync ${v.fsync}, rewrite: ${v.rewrite}`, { timeout: 30000 }, async () => {
      const seed = SEED + i;
      const dir = tempDir();
      const config = { appendonly: 'yes', appendfsync: v.fsync, 'aof-use-rdb-preamble': v.rewrite === 'no' ? 'no' : 'yes' };
      const first = await startOnDir(dir, config);
      let live: string;
      let liveKeys: Map<string, string>;
      try {
        const known = await knownCommands(first.port);
        await fixedWrites(first.port);
        await randomWrites(first.port, seed, COUNT, known);
        if (v.rewrite !== 'none') {
          // writes of every type go on while the rewrite runs: they reach the new file via the rewrite buffer
          await rewriteWhile(first.port, () => randomWrites(first.port, seed + 1000, COUNT / 2, known));
          if (v.rewrite === 'twice') await rewriteWhile(first.port, () => randomWrites(first.port, seed + 2000, COUNT / 4, known));
          await randomWrites(first.port, seed + 3000, COUNT / 4, known);
        }
        live = await digest(first.port);
        liveKeys = await keyDigests(first.port);
        expect(fs.existsSync(path.join(dir, 'appendonly.aof'))).toBe(true);
      } finally {
        await first.close();
      }
      const second = await startOnDir(dir, config);
      try {
        const replayed = await digest(second.port);
        if (replayed !== live) {
          const diff = diffKeyDigests(liveKeys, await keyDigests(second.port));
          expect.fail(`NODIS_SEED=${SEED}: digest ${replayed} after replay, ${live} live; keys differing:\n${diff.join('\n')}`);
        }
      } finally {
        await second.close();
      }
    });
  }
});
