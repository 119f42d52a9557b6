/**
 * globMatch: Redis's stringmatchlen, case by case (the oracle test compares KEYS with redis-server
 * over many more patterns).
 */
import { describe, expect, it } from 'vitest';
import { globMatch } from '../../src/util/glob.js';

const cases: Array<[string, string, boolean]> = [
  ['*', 'anything', true],
  ['*', '', false], // stringmatchlen itself: KEYS/SCAN special-case a lone "*"
  ['', '', true],
  ['', 'a', false],
  ['?', 'a', true],
  ['?', '', false],
  ['??', 'a', false],
  ['h?llo', 'hello', true],
  ['h*llo', 'heeeello', true],
  ['h*llo', 'hllo', true],
  ['h[ae]llo', 'hallo', true],
  ['h[ae]llo', 'hillo', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  ['h[a-b]llo', 'hbllo', true],
  ['h[b-a]llo', 'hallo', true], // reversed range
  ['h[a-b]llo', 'hcllo', false],
  ['a\\*c', 'a*c', true],
  ['a\\*c', 'abc', false],
  ['a\\?c', 'a?c', true],
  ['a[\\]]c', 'a]c', true],
  ['a\\', 'a\\', true], // trailing backslash is literal
  ['\\\\', '\\', true],
  ['[', 'x', false],
  ['[a', 'a', true], // unterminated class: the class ends with the pattern
  ['[^', 'z', true],
  ['[]', 'x', false],
  ['[]]', ']', false], // ']' right after '[' closes an empty class, then a literal ']'
  ['[]]', 'x]', false],
  ['a[-]c', 'a-c', true],
  ['a[a-]c', 'abc', false], // "a-]" is a range a..']', the class runs to the pattern end
  ['**a', 'bba', true],
  ['*a*b*c*', 'xaybzc', true],
  ['*a*b*c*', 'xaycbz', false],
  ['[a-\xff]', 'z', false], // Redis compares signed chars: 0xff is -1, so the range is -1..'a'
  ['[a-\xff]', 'A', true],
  ['[\x80-\xff]', '\x90', true],
  ['[\x80-\xff]', 'a', false],
  ['?\x00?', 'a\x00b', true],
];

describe('globMatch', () => {
  it.each(cases)('%j against %j', (pattern, str, expected) => {
    expect(globMatch(pattern, str)).toBe(expected);
  });

  it('nocase', () => {
    expect(globMatch('HeLLo', 'hello', true)).toBe(true);
    expect(globMatch('h[A-Z]llo', 'hello', true)).toBe(true);
    expect(globMatch('h[A-Z]llo', 'hello', false)).toBe(false);
    expect(globMatch('h[E]llo', 'hello', true)).toBe(true);
  });

  it('gives up on abusive patterns quickly', () => {
    const start = performance.now();
    expect(globMatch('a*'.repeat(50) + 'b', 'a'.repeat(60))).toBe(false);
    expect(globMatch('*'.repeat(2000) + 'x', 'y'.repeat(2000))).toBe(false);
    expect(performance.now() - start).toBeLessThan(500);
  });
});
