/**
 * BGSAVE under random commands of every type (test/helpers/random-commands.ts: in-place edits of lists,
 * hashes, sets and sorted sets, renames, moves, expiries, SORT STORE, MULTI/EXEC...) sent while the walk
 * runs: the file must hold exactly the dataset of the start instant (DEBUG DIGEST of the file loaded in a
 * fresh nodis equals the digest taken when BGSAVE started). This checks every command path that changes a
 * collection in place calls Db.willModify first (the snapshot copies a collection only then).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAMILY_COMMANDS, generate, type Step } from '../helpers/random-commands.js';
import { RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

function field(info: string, name: string): string | undefined {
  return new RegExp(`\\r\\n${name}:([^\\r]*)`).exec(`\r\n${info}`)?.[1];
}

/** The text of a raw bulk or status reply. */
function bulk(raw: string): string {
  if (raw.startsWith('+')) return raw.slice(1, -2);
  const nl = raw.indexOf('\r\n');
  return raw.slice(nl + 2, raw.length - 2);
}

async function server(config: Record<string, string> = {}): Promise<{ srv: TestServer; c: RespConn }> {
  const srv = await startTestServer(config);
  open.push(srv);
  const c = await RespConn.connect(srv.port);
  open.push({ close: () => c.close() });
  return { srv, c };
}

describe('BGSAVE under random writes of every type', () => {
  it.each([1, 2])('the file holds the start instant (seed %i)', async (seed) => {
    const { srv, c } = await server({ 'enable-debug-command': 'yes', 'list-max-listpack-size': '4', 'hash-max-listpack-entries': '8', 'zset-max-listpack-entries': '8' });
    const names = Object.values(FAMILY_COMMANDS).flat();
    const known = new Set(names.filter((n) => !/^(b[lrz]|blm|brpoplpush|debug|shutdown|save|bgsave|flushall|flushdb|swapdb)/.test(n)));
    const run = async (s: Step): Promise<void> => {
      await c.cmd(...s.argv);
    };
    const items = generate(seed, 12000, known);
    let at = 0;
    const next = async (): Promise<void> => {
      const item = items[at++ % items.length];
      if ('multi' in item) {
        await c.cmd('MULTI');
        for (const s of item.multi) await run(s);
        await c.cmd('EXEC');
      } else if (item.mode !== 'block') {
        await run(item);
      }
    };
    // a keyspace big enough that the walk takes many slices, then the random keys
    expect(await c.cmd('DEBUG', 'POPULATE', '20000', 'pop', '20')).toBe('+OK\r\n');
    for (let i = 0; i < 800; i++) await next();
    const digest = bulk(await c.cmd('DEBUG', 'DIGEST'));
    expect(await c.cmd('BGSAVE')).toBe('+Background saving started\r\n');
    let during = 0;
    for (;;) {
      for (let i = 0; i < 20; i++) await next();
      const info = bulk(await c.cmd('INFO', 'persistence'));
      if (field(info, 'rdb_bgsave_in_progress') === '0') {
        expect(field(info, 'rdb_last_bgsave_status')).toBe('ok');
        break;
      }
      during += 20;
    }
    expect(during).toBeGreaterThan(100);
    expect(bulk(await c.cmd('DEBUG', 'DIGEST'))).not.toBe(digest);
    // load the file in a fresh server
    const copy = await startTestServer({ 'enable-debug-command': 'yes' });
    open.push(copy);
    const c2 = await RespConn.connect(copy.port);
    open.push({ close: () => c2.close() });
    fs.copyFileSync(path.join(srv.dir, 'dump.rdb'), path.join(copy.dir, 'dump.rdb'));
    expect(await c2.cmd('DEBUG', 'RELOAD', 'NOSAVE')).toBe('+OK\r\n');
    expect(bulk(await c2.cmd('DEBUG', 'DIGEST'))).toBe(digest);
  });
});
