/**
 * A really full disk under the AOF: nodis runs as a child process (dist/main.js) with its dir on a 2 MB
 * tmpfs that also holds a filler file, and a client writes until the disk is full. Then: writes get
 * -MISCONF (`Errors writing to the AOF file: No space left on device`), INFO says aof_last_write_status:err,
 * reads still work; with `appendfsync always` the write whose record could not be written is not
 * acknowledged until it is durable. Removing the filler frees space and the writes resume by themselves (the
 * retry in the cron); after a kill -9 and a restart on that disk every acknowledged write is there.
 * Needs `mount -t tmpfs` (root): skips with a message where mounting is not allowed.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RespConn } from '../helpers/resp-session.js';
import { hasDist, infoField, killAllChildren, startNodisChild, type NodisChild } from '../helpers/nodis-child.js';

const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aof-full-'));
let mounted = false;
let whyNot = '';
if (hasDist) {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: 'pipe' });
    mounted = true;
  } catch (e) {
    whyNot = String((e as { stderr?: Buffer }).stderr ?? e).trim();
  }
} else whyNot = 'dist/main.js missing (npm test builds it first)';
if (!mounted) console.warn(`aof-disk-full tests skip: cannot mount a tmpfs (${whyNot})`);

afterAll(() => {
  killAllChildren();
  if (mounted) {
    try {
      execFileSync('umount', [mnt], { stdio: 'pipe' });
    } catch {
      // a child still closing its files: a lazy unmount detaches the tmpfs now and frees it once they are gone
      execFileSync('umount', ['-l', mnt], { stdio: 'pipe' });
    }
  }
  fs.rmSync(mnt, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const FILLER = path.join(mnt, 'filler.bin');
const VALUE = 'v'.repeat(500);
const KEYS = 2400; // ~1.3 MB of records: more than fits next to the filler, less than the whole tmpfs
const MISCONF = /^MISCONF Errors writing to the AOF file: No space left on device/;
/** Redis's log lines for a failed AOF write (a short write first, when the disk fills mid-record). */
const WRITE_ERROR_LOG = /Error writing to the AOF file: No space left on device|Short write while writing to the AOF file/;

/** Empties the tmpfs and puts a 1.5 MB filler on it. */
function resetDisk(): void {
  for (const f of fs.readdirSync(mnt)) fs.rmSync(path.join(mnt, f), { recursive: true, force: true });
  fs.writeFileSync(FILLER, Buffer.alloc(1536 * 1024, 1));
}

async function until(what: string, cond: () => Promise<boolean> | boolean, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * One client SETs key:0..KEYS-1 in order, one at a time; a -MISCONF is counted and the same key retried
 * after 50 ms. `acked` holds the keys whose +OK arrived.
 */
function writer(port: number): { acked: Set<string>; misconf: () => number; done: Promise<void>; client: Redis } {
  const client = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const acked = new Set<string>();
  let misconf = 0;
  const done = (async () => {
    for (let i = 0; i < KEYS; i++) {
      for (;;) {
        try {
          expect(await client.set(`key:${i}`, `${VALUE}${i}`)).toBe('OK');
          acked.add(`key:${i}`);
          break;
        } catch (e) {
          if (!MISCONF.test((e as Error).message)) throw e;
          misconf++;
          await sleep(50);
        }
      }
    }
  })();
  return { acked, misconf: () => misconf, done, client };
}

async function checkAfterRestart(srv: NodisChild, acked: Set<string>): Promise<void> {
  await srv.kill9();
  const again = await startNodisChild(mnt, ['--appendonly', 'yes']);
  const keys = [...acked];
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const vals = await again.client.mget(...chunk);
    chunk.forEach((k, j) => expect(vals[j], k).toBe(`${VALUE}${k.slice(4)}`));
  }
  await again.kill9();
}

describe.skipIf(!mounted)('AOF on a full disk (tmpfs)', () => {
  it('appendfsync everysec: -MISCONF while full, resumes by itself, nothing acknowledged lost', { timeout: 60000 }, async () => {
    resetDisk();
    const srv = await startNodisChild(mnt, ['--appendonly', 'yes', '--appendfsync', 'everysec', '--auto-aof-rewrite-percentage', '0']);
    const w = writer(srv.port);
    let failure: unknown;
    w.done.catch((e) => (failure = e));
    await until('aof_last_write_status:err', async () => {
      if (failure) throw failure;
      return infoField(await srv.client.info('persistence'), 'aof_last_write_status') === 'err';
    });
    expect(srv.output()).toMatch(WRITE_ERROR_LOG);
    await expect(srv.client.set('probe', 'x')).rejects.toThrow(MISCONF);
    // reads are served
    expect(await srv.client.get('key:0')).toBe(`${VALUE}0`);
    await until('the writer to see -MISCONF', () => w.misconf() > 0);

    fs.rmSync(FILLER);
    await until('writes to resume', async () => {
      try {
        return (await srv.client.set('probe', 'y')) === 'OK';
      } catch (e) {
        if (!MISCONF.test((e as Error).message)) throw e;
        return false;
      }
    });
    expect(infoField(await srv.client.info('persistence'), 'aof_last_write_status')).toBe('ok');
    await w.done;
    w.client.disconnect();
    expect(w.acked.size).toBe(KEYS);
    await sleep(300); // the last turn's write (kill -9 keeps what reached the kernel; no fsync needed)
    await checkAfterRestart(srv, w.acked);
  });

  it('appendfsync always: the failed write is not acknowledged until durable, then writes resume', { timeout: 60000 }, async () => {
    resetDisk();
    const srv = await startNodisChild(mnt, ['--appendonly', 'yes', '--appendfsync', 'always', '--auto-aof-rewrite-percentage', '0']);
    const w = writer(srv.port);
    let failure: unknown;
    w.done.catch((e) => (failure = e));
    // under `always` every reply may be held while a record is not durable (INFO too): watch the log
    await until('the write error in the log', () => {
      if (failure) throw failure;
      return WRITE_ERROR_LOG.test(srv.output());
    });
    await sleep(300);
    const ackedWhileFull = w.acked.size;
    expect(ackedWhileFull).toBeLessThan(KEYS);
    // a write sent now is refused (its -MISCONF may itself wait for the held replies ahead of it); a raw
    // connection, as a client library's ready check (INFO) would wait for the held replies first
    const probe = await RespConn.connect(srv.port);
    const probeReply = probe.cmd('SET', 'probe', 'x');
    await sleep(700);
    // nothing unacknowledged became visible: the writer is stuck on its unwritten record
    expect(w.acked.size).toBe(ackedWhileFull);
    const infoWhileFull = probe.cmd('INFO', 'persistence');

    fs.rmSync(FILLER);
    expect(await probeReply).toMatch(/^-MISCONF Errors writing to the AOF file: No space left on device\r\n$/);
    expect(infoField(await infoWhileFull, 'aof_last_write_status')).toBe('err');
    await w.done;
    expect(w.acked.size).toBe(KEYS);
    expect(infoField(await probe.cmd('INFO', 'persistence'), 'aof_last_write_status')).toBe('ok');
    expect(await probe.cmd('SET', 'probe', 'z')).toBe('+OK\r\n');
    probe.close();
    w.client.disconnect();
    await checkAfterRestart(srv, w.acked);
  });
});
