/**
 * Keeps the layering of STYLE.md honest: imports only point down the list
 * util/config -> protocol, keyspace -> commands -> exec -> persistence -> replication -> server -> main/index.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../../src');

const ALLOWED: Record<string, string[]> = {
  util: ['util'],
  'config.ts': [],
  protocol: ['protocol', 'util'],
  keyspace: ['keyspace', 'util'],
  commands: ['commands', 'protocol', 'keyspace', 'util'],
  exec: ['exec', 'commands', 'protocol', 'keyspace', 'util'],
  persistence: ['persistence', 'exec', 'commands', 'protocol', 'keyspace', 'util'],
  replication: ['replication', 'persistence', 'exec', 'commands', 'protocol', 'keyspace', 'util', 'config.ts'],
  server: ['server', 'replication', 'persistence', 'exec', 'commands', 'protocol', 'keyspace', 'util', 'config.ts', 'config-file.ts'],
  'config-file.ts': ['config.ts', 'protocol', 'util'],
};

function layerOf(rel: string): string {
  const first = rel.split(path.sep)[0];
  return first;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

describe('architecture', () => {
  it('imports only point down the layers', () => {
    const violations: string[] = [];
    for (const file of walk(SRC)) {
      const rel = path.relative(SRC, file);
      const layer = layerOf(rel);
      const allowed = ALLOWED[layer];
      if (allowed === undefined) continue; // main.ts, index.ts, types/
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/from\s+'(\.[^']+)'/g)) {
        const target = path.relative(SRC, path.resolve(path.dirname(file), m[1]));
        const targetLayer = layerOf(target).replace(/\.js$/, '.ts');
        if (targetLayer === 'main.ts' || targetLayer === 'index.ts' || !allowed.includes(targetLayer)) {
          if (targetLayer !== layer) violations.push(`${rel} imports ${m[1]}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
