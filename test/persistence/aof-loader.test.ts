/**
 * The AOF parser/replayer on hand-written files, with a target that records the commands: RESP frames and
 * annotations, windows smaller than a command, a truncation at every offset (aof-load-truncated yes: the
 * file is cut back to the last complete command; no: refused), an open MULTI at the end (reverted), garbage
 * in the middle and unknown commands (refused, naming the offset, the file untouched), and an empty file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/util/clock.js';
import { Keyspace } from '../../src/keyspace/keyspace.js';
import { AofLoadError, loadAofFile, type AofLoadOptions } from '../../src/persistence/aof-loader.js';
import { DEFAULT_RDB_VALUE_OPTIONS } from '../../src/persistence/rdb-value-types.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aofload-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
function file(bytes: string | Buffer): string {
  const p = path.join(root, `f${n++}.aof`);
  fs.writeFileSync(p, typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  return p;
}

/** RESP encoding of one command, as Redis's catAppendOnlyGenericCommand. */
function cmd(...argv: string[]): string {
  return `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`;
}

interface Run {
  commands: string[][];
  warnings: string[];
}

function opts(loadTruncated: boolean, run: Run, extra: Partial<AofLoadOptions> = {}): AofLoadOptions {
  return {
    name: 'appendonly.aof',
    loadTruncated,
    keyspace: new Keyspace(16, { clock: systemClock, deleteExpired: true, expired: () => {}, added: () => {} }),
    rdb: { values: DEFAULT_RDB_VALUE_OPTIONS, now: () => Date.now() },
    log: { info: () => {}, warn: (m) => run.warnings.push(m) },
    ...extra,
  };
}

async function load(p: string, loadTruncated = true, extra: Partial<AofLoadOptions> = {}) {
  const run: Run = { commands: [], warnings: [] };
  const target = {
    command(argv: string[]) {
      if (argv[0].toLowerCase() === 'nosuchcmd') return false;
      run.commands.push(argv);
      return true;
    },
  };
  const result = await loadAofFile(p, target, opts(loadTruncated, run, extra));
  return { result, ...run };
}

async function loadError(p: string, loadTruncated = true, extra: Partial<AofLoadOptions> = {}): Promise<AofLoadError> {
  try {
    await load(p, loadTruncated, extra);
  } catch (e) {
    expect(e).toBeInstanceOf(AofLoadError);
    return e as AofLoadError;
  }
  throw new Error('expected the load to fail');
}

const BODY = [
  cmd('SELECT', '0'),
  cmd('SET', 'k', 'v'),
  '#TS:1700000000\r\n',
  cmd('RPUSH', 'l', 'a', '', 'b\r\nc'),
  cmd('MULTI'),
  cmd('INCR', 'n'),
  cmd('SET', 'bin', '\x00\xff\x80'),
  cmd('EXEC'),
  cmd('DEL', 'k'),
];
const TEXT = BODY.join('');
/** Offsets where a complete command (or annotation) ends. */
const BOUNDARIES = BODY.reduce<number[]>((acc, part) => [...acc, acc[acc.length - 1] + Buffer.byteLength(part, 'latin1')], [0]);

describe('AOF loader', () => {
  it('replays commands as latin1 argv, skipping annotations', async () => {
    const { result, commands } = await load(file(TEXT));
    expect(result).toMatchObject({ status: 'ok', bytes: TEXT.length, commands: 8, preamble: null });
    expect(commands).toEqual([
      ['SELECT', '0'],
      ['SET', 'k', 'v'],
      ['RPUSH', 'l', 'a', '', 'b\r\nc'],
      ['MULTI'],
      ['INCR', 'n'],
      ['SET', 'bin', '\x00\xff\x80'],
      ['EXEC'],
      ['DEL', 'k'],
    ]);
  });

  it('parses the same with windows smaller than one command', async () => {
    for (const chunkBytes of [1, 3, 7, 64]) {
      const { commands } = await load(file(TEXT), true, { chunkBytes });
      expect(commands.length).toBe(8);
      expect(commands[2]).toEqual(['RPUSH', 'l', 'a', '', 'b\r\nc']);
    }
    const big = 'x'.repeat(300_000);
    const { commands } = await load(file(cmd('SET', 'big', big) + cmd('GET', 'big')), true, { chunkBytes: 1024 });
    expect(commands).toEqual([['SET', 'big', big], ['GET', 'big']]);
  });

  it('command names of equal length are told apart (the name cache)', async () => {
    const { commands } = await load(file(cmd('SET', 'a', '1') + cmd('DEL', 'a') + cmd('set', 'b', '2') + cmd('SET', 'c', '3') + cmd('SETX')));
    expect(commands.map((c) => c[0])).toEqual(['SET', 'DEL', 'set', 'SET', 'SETX']);
  });

  it('an empty file loads nothing', async () => {
    const { result, commands } = await load(file(''));
    expect(result.status).toBe('empty');
    expect(commands).toEqual([]);
  });

  it('truncated at every offset: yes cuts the file back to the last complete command, no refuses it', async () => {
    for (let cut = 1; cut < TEXT.length; cut++) {
      const prefix = TEXT.slice(0, cut);
      const complete = BOUNDARIES.filter((b) => b <= cut).pop()!;
      // the annotation's end is no command's: Redis's valid_up_to stays at the command before it
      const lastCommandEnd = BOUNDARIES.filter((b, i) => b <= cut && i !== 3).pop()!;
      // a cut inside the MULTI (after its start, before EXEC's end) reverts to before MULTI
      const multiStart = BOUNDARIES[4];
      const execEnd = BOUNDARIES[8];
      const inMulti = cut > multiStart && cut < execEnd;
      const validUpTo = inMulti ? multiStart : lastCommandEnd;
      const clean = cut === complete && !inMulti;
      // a cut inside the annotation line: its partial line is skipped as Redis's fgets does
      const inAnnotation = cut > BOUNDARIES[2] && cut < BOUNDARIES[3];

      const pNo = file(prefix);
      if (clean || inAnnotation) {
        const { result } = await load(pNo, false);
        expect(result.status, `cut ${cut}`).toBe('ok');
      } else {
        const err = await loadError(pNo, false);
        expect(err.message, `cut ${cut}`).toMatch(/^Unexpected end of file reading the append only file appendonly\.aof\. You can: 1\) Make a backup/);
        expect(err.offset).toBe(validUpTo);
        expect(fs.readFileSync(pNo, 'latin1')).toBe(prefix);
      }

      const pYes = file(prefix);
      const { result, warnings } = await load(pYes, true);
      if (clean || inAnnotation) {
        expect(result.status, `cut ${cut}`).toBe('ok');
        expect(fs.readFileSync(pYes, 'latin1')).toBe(prefix);
      } else {
        expect(result.status, `cut ${cut}`).toBe('truncated');
        expect(result.bytes).toBe(validUpTo);
        expect(fs.readFileSync(pYes, 'latin1')).toBe(TEXT.slice(0, validUpTo));
        expect(warnings).toContain(`!!! Truncating the AOF appendonly.aof at offset ${validUpTo} !!!`);
        expect(warnings).toContain('AOF appendonly.aof loaded anyway because aof-load-truncated is enabled');
        if (cut >= BOUNDARIES[5] && cut < execEnd) expect(warnings).toContain('Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof');
      }
    }
  });

  it('a well-formed file ending inside MULTI reverts to before the MULTI', async () => {
    const text = cmd('SET', 'a', '1') + cmd('MULTI') + cmd('SET', 'b', '2');
    const p = file(text);
    const { result, commands, warnings } = await load(p);
    expect(result).toMatchObject({ status: 'truncated', bytes: cmd('SET', 'a', '1').length });
    expect(commands.map((c) => c[0])).toEqual(['SET', 'MULTI', 'SET']);
    expect(warnings[0]).toBe('Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof');
    expect(fs.readFileSync(p, 'latin1')).toBe(cmd('SET', 'a', '1'));
    // aof-load-truncated no: refused, untouched
    const q = file(text);
    expect((await loadError(q, false)).offset).toBe(cmd('SET', 'a', '1').length);
    expect(fs.readFileSync(q, 'latin1')).toBe(text);
  });

  it('garbage in the middle is refused with its offset, the file untouched', async () => {
    const good = cmd('SET', 'a', '1');
    const cases: Array<[string, number, RegExp]> = [
      [good + 'garbage\r\n' + good, good.length, /expected '\*', got 'g'/],
      [good + '*x\r\n' + good, good.length + 1, /invalid argument count/],
      [good + '*0\r\n' + good, good.length + 2, /argument count is 0/],
      [good + '*2\r\n$3\r\nGET\r\n+a\r\n' + good, good.length + 13, /expected '\$', got '\+'/],
      [good + '*2\r\n$3\r\nGET\r\n$2\r\nabc\r\n' + good, good.length + 19, /not followed by CRLF/],
      [good + '*1\r\n$-1\r\n' + good, good.length + 5, /invalid bulk length/],
    ];
    for (const [text, offset, detail] of cases) {
      for (const loadTruncated of [true, false]) {
        const p = file(text);
        const err = await loadError(p, loadTruncated);
        expect(err.offset).toBe(offset);
        expect(err.message).toMatch(/^Bad file format reading the append only file appendonly\.aof at offset \d+/);
        expect(err.message).toMatch(detail);
        expect(fs.readFileSync(p, 'latin1')).toBe(text);
      }
    }
  });

  it('an unknown command stops the load', async () => {
    const text = cmd('SET', 'a', '1') + cmd('NOSUCHCMD', 'x') + cmd('SET', 'b', '2');
    const err = await loadError(file(text));
    expect(err.message).toMatch(/^Unknown command 'NOSUCHCMD' reading the append only file appendonly\.aof/);
    expect(err.offset).toBe(cmd('SET', 'a', '1').length);
  });

  it('an aborted load rejects with the signal reason', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(load(file(TEXT), true, { signal: ac.signal })).rejects.toThrow('stop');
  });
});
