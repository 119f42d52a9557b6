/**
 * Reply encoding, RESP2 and RESP3, and the OutputBuffer it writes into.
 */
import { describe, expect, it } from 'vitest';
import { OutputBuffer } from '../../src/protocol/output-buffer.js';
import { Reply } from '../../src/protocol/reply.js';
import { type Protocol, writeReply } from '../../src/protocol/reply-writer.js';

function enc(r: Reply, proto: Protocol): string {
  const out = new OutputBuffer();
  writeReply(out, r, proto);
  return Buffer.concat(out.take() ?? []).toString('latin1');
}

describe('writeReply', () => {
  const cases: Array<[string, Reply, string, string]> = [
    ['bulk', 'abc', '$3\r\nabc\r\n', '$3\r\nabc\r\n'],
    ['binary bulk', '\xff\0\r\n', '$4\r\n\xff\0\r\n\r\n', '$4\r\n\xff\0\r\n\r\n'],
    ['empty bulk', '', '$0\r\n\r\n', '$0\r\n\r\n'],
    ['buffer bulk', Buffer.from([0, 255]), '$2\r\n\0\xff\r\n', '$2\r\n\0\xff\r\n'],
    ['integer', 42, ':42\r\n', ':42\r\n'],
    ['negative integer', -7, ':-7\r\n', ':-7\r\n'],
    ['bigint', 2n ** 63n - 1n, ':9223372036854775807\r\n', ':9223372036854775807\r\n'],
    ['null', Reply.nil(), '$-1\r\n', '_\r\n'],
    ['null array', Reply.nilArray(), '*-1\r\n', '_\r\n'],
    ['empty array', [], '*0\r\n', '*0\r\n'],
    ['nested array', ['a', [1, null]], '*2\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n', '*2\r\n$1\r\na\r\n*2\r\n:1\r\n_\r\n'],
    ['simple', Reply.ok(), '+OK\r\n', '+OK\r\n'],
    ['error', Reply.error('ERR bad'), '-ERR bad\r\n', '-ERR bad\r\n'],
    ['error with newlines', Reply.error('ERR a\r\nb'), '-ERR a  b\r\n', '-ERR a  b\r\n'],
    ['map', Reply.map(['k', 1, 'j', 'v']), '*4\r\n$1\r\nk\r\n:1\r\n$1\r\nj\r\n$1\r\nv\r\n', '%2\r\n$1\r\nk\r\n:1\r\n$1\r\nj\r\n$1\r\nv\r\n'],
    ['empty map', Reply.map([]), '*0\r\n', '%0\r\n'],
    ['set', Reply.set(['a', 'b']), '*2\r\n$1\r\na\r\n$1\r\nb\r\n', '~2\r\n$1\r\na\r\n$1\r\nb\r\n'],
    ['double', Reply.double(1.5), '$3\r\n1.5\r\n', ',1.5\r\n'],
    ['double %.17g', Reply.double(0.1), '$19\r\n0.10000000000000001\r\n', ',0.10000000000000001\r\n'],
    ['integral double', Reply.double(3), '$1\r\n3\r\n', ',3\r\n'],
    ['big double', Reply.double(1e20), '$5\r\n1e+20\r\n', ',1e+20\r\n'],
    ['inf', Reply.double(Infinity), '$3\r\ninf\r\n', ',inf\r\n'],
    ['-inf', Reply.double(-Infinity), '$4\r\n-inf\r\n', ',-inf\r\n'],
    ['nan', Reply.double(NaN), '$3\r\nnan\r\n', ',nan\r\n'],
    ['true', Reply.bool(true), ':1\r\n', '#t\r\n'],
    ['false', Reply.bool(false), ':0\r\n', '#f\r\n'],
    ['verbatim', Reply.verbatim('a\r\nb'), '$4\r\na\r\nb\r\n', '=8\r\ntxt:a\r\nb\r\n'],
    ['push', Reply.push(['message', 'ch', 'hi']), '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n', '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n'],
    ['multi', Reply.multi([Reply.ok(), 1]), '+OK\r\n:1\r\n', '+OK\r\n:1\r\n'],
    ['none', Reply.none(), '', ''],
    ['map inside array', [Reply.map(['a', Reply.set([])])], '*1\r\n*2\r\n$1\r\na\r\n*0\r\n', '*1\r\n%1\r\n$1\r\na\r\n~0\r\n'],
  ];
  for (const [name, reply, resp2, resp3] of cases) {
    it(`encodes ${name}`, () => {
      expect(enc(reply, 2)).toBe(resp2);
      expect(enc(reply, 3)).toBe(resp3);
    });
  }
});

describe('OutputBuffer', () => {
  it('keeps bytes intact across slab boundaries, big payloads and several takes', () => {
    const out = new OutputBuffer();
    const expected: string[] = [];
    const got: Buffer[] = [];
    let expectedBytes = 0;
    let seed = 1;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let round = 0; round < 50; round++) {
      const n = 1 + (next() % 8);
      for (let i = 0; i < n; i++) {
        const size = next() % 5 === 0 ? 70000 + (next() % 100000) : next() % 3000;
        const s = String.fromCharCode(next() % 256).repeat(size);
        const r: Reply = next() % 2 ? s : Buffer.from(s, 'latin1');
        writeReply(out, r, 2);
        expected.push(`$${size}\r\n${s}\r\n`);
        expectedBytes += expected[expected.length - 1].length;
      }
      const gotBytes = got.reduce((n, b) => n + b.length, 0);
      expect(out.pending).toBe(expectedBytes - gotBytes);
      got.push(...(out.take() ?? []));
    }
    expect(out.take()).toBeNull();
    expect(Buffer.concat(got).toString('latin1')).toBe(expected.join(''));
  });

  it('discard drops what was not taken', () => {
    const out = new OutputBuffer();
    writeReply(out, 'keep', 2);
    const first = out.take();
    writeReply(out, 'drop', 2);
    writeReply(out, 'x'.repeat(100000), 2);
    out.discard();
    expect(out.pending).toBe(0);
    writeReply(out, 'next', 2);
    expect(Buffer.concat([...(first ?? []), ...(out.take() ?? [])]).toString('latin1')).toBe('$4\r\nkeep\r\n$4\r\nnext\r\n');
  });
});
