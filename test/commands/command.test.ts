/**
 * COMMAND and its subcommands, and the spec check: every command in nodis's table must have
 * the arity, flags and key positions real Redis 7.0.15 reports (saved in command-docs.json).
 */
import fs from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandFlags } from '../../src/commands/command.js';
import { buildCommandTable } from '../../src/commands/registry.js';
import type { CommandSpec } from '../../src/commands/table.js';
import { err } from '../helpers/error-reply.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
let r: Redis;

beforeAll(async () => {
  server = await startTestServer();
  r = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await r.connect();
});
afterAll(async () => {
  r.disconnect();
  await server.close();
});

type SavedInfo = [string, number, { '~': Array<{ '+': string }> }, number, number, number, ...unknown[]];
const saved = JSON.parse(fs.readFileSync(new URL('../../src/commands/command-docs.json', import.meta.url), 'utf8')) as {
  info: Record<string, SavedInfo & { 9: unknown }>;
  docs: Record<string, unknown>;
};

describe('COMMAND', () => {
  it('COUNT is the number of top-level commands', async () => {
    expect(await r.call('command', 'count')).toBe(server.core.table.size);
    expect(await err(r.call('command', 'count', 'x'))).toBe("ERR wrong number of arguments for 'command|count' command");
  });

  it('plain COMMAND lists every command', async () => {
    const all = (await r.call('command')) as unknown[][];
    expect(all).toHaveLength(server.core.table.size);
    expect(all.map((e) => e[0]).sort()).toEqual([...server.core.table.keys()].sort());
  });

  it('INFO gives Redis\'s 10-element entries', async () => {
    const [get, none] = (await r.call('command', 'info', 'get', 'nosuch')) as unknown[][];
    expect(get).toEqual(['get', 2, ['readonly', 'fast'], 1, 1, 1, ['@read', '@string', '@fast'], [], [
      ['flags', ['RO', 'access'], 'begin_search', ['type', 'index', 'spec', ['index', 1]], 'find_keys',
        ['type', 'range', 'spec', ['lastkey', 0, 'keystep', 1, 'limit', 0]]],
    ], []]);
    expect(none).toBeNull();
    const [info] = (await r.call('command', 'info', 'INFO')) as unknown[][];
    expect(info.slice(0, 6)).toEqual(['info', -1, ['loading', 'stale'], 0, 0, 0]);
  });

  it('INFO of a container nests its subcommands; container|sub names work', async () => {
    const [slowlog] = (await r.call('command', 'info', 'slowlog')) as unknown[][];
    const subs = slowlog[9] as unknown[][];
    expect(subs.map((s) => s[0]).sort()).toEqual(['slowlog|get', 'slowlog|help', 'slowlog|len', 'slowlog|reset']);
    const [sub] = (await r.call('command', 'info', 'slowlog|get')) as unknown[][];
    expect(sub.slice(0, 6)).toEqual(['slowlog|get', -2, ['admin', 'loading', 'stale'], 0, 0, 0]);
    const [cmd] = (await r.call('command', 'info', 'command')) as unknown[][];
    expect((cmd[9] as unknown[][]).map((s) => s[0])).toContain('command|docs');
  });

  it('DOCS is Redis\'s documentation map', async () => {
    const docs = (await r.call('command', 'docs', 'get', 'nosuch')) as unknown[];
    expect(docs).toEqual([
      'get',
      ['summary', 'Get the value of a key', 'since', '1.0.0', 'group', 'string', 'complexity', 'O(1)', 'arguments',
        [['name', 'key', 'type', 'key', 'key_spec_index', 0]]],
    ]);
    const slowlog = (await r.call('command', 'docs', 'slowlog')) as unknown[];
    const body = slowlog[1] as unknown[];
    const subs = body[body.indexOf('subcommands') + 1] as unknown[];
    expect(subs.filter((_, i) => i % 2 === 0).sort()).toEqual(['slowlog|get', 'slowlog|help', 'slowlog|len', 'slowlog|reset']);
    const all = (await r.call('command', 'docs')) as unknown[];
    expect(all.length).toBe(server.core.table.size * 2);
  });

  it('LIST with and without filters', async () => {
    const all = (await r.call('command', 'list')) as string[];
    expect(all).toContain('get');
    expect(all).toContain('slowlog|get');
    expect(await r.call('command', 'list', 'filterby', 'pattern', 'slow*')).toEqual(
      expect.arrayContaining(['slowlog', 'slowlog|get', 'slowlog|len']),
    );
    const admin = (await r.call('command', 'list', 'filterby', 'aclcat', 'ADMIN')) as string[];
    expect(admin).toContain('debug');
    expect(admin).not.toContain('get');
    expect(await r.call('command', 'list', 'filterby', 'aclcat', 'nosuchcat')).toEqual([]);
    expect(await r.call('command', 'list', 'filterby', 'module', 'x')).toEqual([]);
    expect(await err(r.call('command', 'list', 'filterby', 'foo', 'x'))).toBe('ERR syntax error');
    expect(await err(r.call('command', 'list', 'filterby'))).toBe('ERR syntax error');
  });

  it('GETKEYS and GETKEYSANDFLAGS', async () => {
    expect(await r.call('command', 'getkeys', 'set', 'a', 'b')).toEqual(['a']);
    expect(await r.call('command', 'getkeys', 'mset', 'a', '1', 'b', '2')).toEqual(['a', 'b']);
    expect(await r.call('command', 'getkeys', 'eval', 'return 1', '2', 'k1', 'k2', 'arg')).toEqual(['k1', 'k2']);
    expect(await r.call('command', 'getkeys', 'eval', 'return 1', '0')).toEqual([]);
    expect(await r.call('command', 'getkeysandflags', 'get', 'a')).toEqual([['a', ['RO', 'access']]]);
    expect(await r.call('command', 'getkeysandflags', 'mset', 'a', '1', 'b', '2')).toEqual([['a', ['OW', 'update']], ['b', ['OW', 'update']]]);
    expect(await err(r.call('command', 'getkeys', 'nosuch', 'a'))).toBe('ERR Invalid command specified');
    expect(await err(r.call('command', 'getkeys', 'get', 'a', 'b'))).toBe('ERR Invalid number of arguments specified for command');
    expect(await err(r.call('command', 'getkeys', 'ping', 'x'))).toBe('ERR The command has no key arguments');
    expect(await err(r.call('command', 'getkeys', 'get'))).toBe("ERR wrong number of arguments for 'command|getkeys' command");
  });

  it('HELP and unknown subcommands', async () => {
    const help = (await r.call('command', 'help')) as string[];
    expect(help[0]).toBe('COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(help).toHaveLength(21);
    expect(await err(r.call('command', 'foo'))).toBe("ERR unknown subcommand 'foo'. Try COMMAND HELP.");
  });
});

describe('the command table against real Redis 7.0.15 (command-docs.json)', () => {
  /** What a spec says, in COMMAND INFO's terms. */
  function facts(spec: CommandSpec): string {
    const k = spec.keys ?? { first: 0, last: 0, step: 0 };
    return `${spec.fullName} arity=${spec.arity} flags=${commandFlags(spec).join(',')} keys=${k.first},${k.last},${k.step}`;
  }
  function redisFacts(e: SavedInfo): string {
    return `${e[0]} arity=${e[1]} flags=${e[2]['~'].map((f) => f['+']).join(',')} keys=${e[3]},${e[4]},${e[5]}`;
  }

  it('every command has the arity, flags and key positions Redis reports', () => {
    const mismatches: string[] = [];
    for (const spec of buildCommandTable().values()) {
      if (spec.name === 'command') continue; // its subcommands are internal (bare COMMAND is valid)
      const e = saved.info[spec.name];
      if (e === undefined) {
        mismatches.push(`${spec.name}: not a Redis 7.0 command`);
        continue;
      }
      if (facts(spec) !== redisFacts(e)) mismatches.push(`ours  ${facts(spec)}\nredis ${redisFacts(e)}`);
      for (const sub of spec.subcommands ?? []) {
        const se = (e[9] as SavedInfo[]).find((x) => x[0] === sub.fullName);
        if (se === undefined) mismatches.push(`${sub.fullName}: not a Redis 7.0 subcommand`);
        else if (facts(sub) !== redisFacts(se)) mismatches.push(`ours  ${facts(sub)}\nredis ${redisFacts(se)}`);
      }
    }
    expect(mismatches.join('\n')).toBe('');
  });
});
