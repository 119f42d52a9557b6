/**
 * The README's three directive lists (Implemented / Accepted, not implemented yet / Accepted, no
 * effect in nodis) name every directive of the config table in the group its flags say.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIRECTIVES } from '../../src/config.js';

const README = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

/** The backticked names of the paragraph starting with `heading` (notes and aliases in parentheses dropped). */
function listed(heading: string): string[] {
  const start = README.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const end = README.indexOf('\n\n', start);
  const body = README.slice(start, end === -1 ? undefined : end);
  const list = body.slice(body.indexOf(': ') + 2).replace(/\([^)]*\)/g, '');
  return [...list.matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort();
}

describe('README directive lists', () => {
  const visible = DIRECTIVES.filter((d) => !d.hidden);
  const names = (pick: (d: (typeof DIRECTIVES)[number]) => boolean) =>
    visible
      .filter(pick)
      .map((d) => d.name)
      .sort();

  it('Implemented lists exactly the implemented directives', () => {
    expect(listed('**Implemented**')).toEqual(names((d) => d.implemented));
  });

  it('Accepted, not implemented yet lists exactly the directives a later issue implements', () => {
    expect(listed('**Accepted, not implemented yet**')).toEqual(names((d) => !d.implemented && d.later === true));
  });

  it('Accepted, no effect lists exactly the directives without meaning in nodis', () => {
    expect(listed('**Accepted, no effect in nodis**')).toEqual(names((d) => !d.implemented && d.later !== true));
  });
});
