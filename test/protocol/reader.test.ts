/**
 * RequestReader in-process: framing across chunk splits, limits, ordering against AUTH.
 */
import { describe, expect, it } from 'vitest';
import { Err } from '../../src/protocol/errors.js';
import { RequestReader } from '../../src/protocol/request-reader.js';

const MB = 1024 * 1024;

function reader(opts: { maxBulkLen?: number; queryBufferLimit?: number; auth?: () => boolean } = {}) {
  const got: string[][] = [];
  const limits = { maxBulkLen: opts.maxBulkLen ?? 512 * MB, queryBufferLimit: opts.queryBufferLimit ?? 1024 * MB };
  const r = new RequestReader({ command: (argv) => got.push(argv) }, limits, opts.auth);
  return { r, got, limits };
}

function mb(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
}
const L = (s: string) => Buffer.from(s, 'latin1');

describe('RequestReader', () => {
  const stream = [
    mb('SET', 'k', 'v\r\n\0'),
    'PING\r\n',
    '*0\r\n',
    '*-1\r\n',
    mb('ECHO', ''),
    '   \r\n',
    'ECHO "a b" \'c d\'\n',
    mb('GET', 'k'),
  ].join('');
  const expected = [['SET', 'k', 'v\r\n\0'], ['PING'], ['ECHO', ''], ['ECHO', 'a b', 'c d'], ['GET', 'k']];

  it('yields the same commands however the stream is split', () => {
    const whole = reader();
    expect(whole.r.feed(L(stream))).toEqual({ kind: 'ok' });
    expect(whole.got).toEqual(expected);
    for (let i = 1; i < stream.length; i++) {
      const { r, got } = reader();
      r.feed(L(stream.slice(0, i)));
      r.feed(L(stream.slice(i)));
      expect(got).toEqual(expected);
    }
    const bytewise = reader();
    for (const ch of stream) bytewise.r.feed(L(ch));
    expect(bytewise.got).toEqual(expected);
    expect(bytewise.r.midRequest).toBe(false);
  });

  it('delivers the requests before a bad frame, then nothing more', () => {
    const { r, got } = reader();
    const res = r.feed(L(mb('PING') + 'PING\r\n' + mb('ECHO', 'x') + '*1\r\n+OK\r\n' + mb('PING')));
    expect(res).toEqual({ kind: 'protocol-error', message: Err.protoExpectedDollar('+') });
    expect(got).toEqual([['PING'], ['PING'], ['ECHO', 'x']]);
    expect(r.feed(L(mb('PING')))).toEqual({ kind: 'ok' });
    expect(got.length).toBe(3);
  });

  it('reports each protocol error', () => {
    const cases: Array<[string, string]> = [
      ['*3000000000\r\n', Err.protoInvalidMultibulk],
      ['*x\r\n', Err.protoInvalidMultibulk],
      ['*1\r\n$-1\r\n', Err.protoInvalidBulk],
      ['*1\r\n$1x\r\n', Err.protoInvalidBulk],
      ['*1\r\n\r\n', Err.protoExpectedDollar(' ')],
      ['ECHO "a\r\n', Err.protoUnbalancedQuotes],
      ["ECHO 'a'b\r\n", Err.protoUnbalancedQuotes],
      ['x'.repeat(65537), Err.protoTooBigInline],
      ['*' + '1'.repeat(65536), Err.protoTooBigMbulkCount],
      ['*1\r\n$' + '1'.repeat(65537), Err.protoTooBigBulkCount],
    ];
    for (const [input, message] of cases) {
      const { r } = reader();
      expect(r.feed(L(input)), JSON.stringify(input.slice(0, 20))).toEqual({ kind: 'protocol-error', message });
    }
  });

  it('counts a long inline line across chunks', () => {
    const { r } = reader();
    for (let i = 0; i < 64; i++) expect(r.feed(L('x'.repeat(1024)))).toEqual({ kind: 'ok' });
    expect(r.feed(L('x'))).toEqual({ kind: 'protocol-error', message: Err.protoTooBigInline });
  });

  it('stalls on a NUL before the terminator, like strchr in Redis, until 64 KiB', () => {
    const { r, got } = reader();
    expect(r.feed(L('PING\0\r\nPING\r\n'))).toEqual({ kind: 'ok' });
    expect(got).toEqual([]);
    expect(r.feed(L('y'.repeat(65536)))).toEqual({ kind: 'protocol-error', message: Err.protoTooBigInline });
    const h = reader();
    expect(h.r.feed(L('*1\r\n$4\0\r\nPING\r\n'))).toEqual({ kind: 'ok' });
    expect(h.got).toEqual([]);
    expect(h.r.feed(L('y'.repeat(65536)))).toEqual({ kind: 'protocol-error', message: Err.protoTooBigBulkCount });
  });

  it('enforces proto-max-bulk-len, read live', () => {
    const { r, limits } = reader({ maxBulkLen: MB });
    expect(r.feed(L(`*1\r\n$${MB}\r\n`))).toEqual({ kind: 'ok' });
    const b = reader({ maxBulkLen: MB });
    expect(b.r.feed(L(`*1\r\n$${MB + 1}\r\n`))).toEqual({ kind: 'protocol-error', message: Err.protoInvalidBulk });
    // a CONFIG SET earlier in the same chunk applies to the frames after it
    const c = reader({ maxBulkLen: MB });
    const sinkLimits = c.limits;
    const r2 = new RequestReader(
      {
        command: (argv) => {
          if (argv[0] === 'CONFIG') sinkLimits.maxBulkLen = 2 * MB;
        },
      },
      sinkLimits,
    );
    expect(r2.feed(L(mb('CONFIG', 'SET') + `*1\r\n$${MB + 1}\r\n`))).toEqual({ kind: 'ok' });
    expect(limits.maxBulkLen).toBe(MB);
  });

  it('applies the before-AUTH limits, and lifts them after an AUTH earlier in the same chunk', () => {
    let authed = false;
    const got: string[][] = [];
    const limits = { maxBulkLen: 512 * MB, queryBufferLimit: 1024 * MB };
    const mk = () =>
      new RequestReader(
        {
          command: (argv) => {
            got.push(argv);
            if (argv[0] === 'AUTH' && argv[1] === 'ok') authed = true;
          },
        },
        limits,
        () => !authed,
      );
    expect(mk().feed(L('*11\r\n'))).toEqual({ kind: 'protocol-error', message: Err.protoUnauthMultibulk });
    expect(mk().feed(L('*1\r\n$16385\r\n'))).toEqual({ kind: 'protocol-error', message: Err.protoUnauthBulk });
    expect(mk().feed(L('*10\r\n*1\r\n$16384\r\n'))).toEqual({ kind: 'protocol-error', message: Err.protoExpectedDollar('*') });
    expect(mk().feed(L(mb('AUTH', 'bad') + '*11\r\n'))).toEqual({ kind: 'protocol-error', message: Err.protoUnauthMultibulk });
    expect(got).toEqual([['AUTH', 'bad']]);
    const r = mk();
    expect(r.feed(L(mb('AUTH', 'ok') + mb('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K') + mb('ECHO', 'x'.repeat(20000))))).toEqual({ kind: 'ok' });
    expect(got.slice(1).map((a) => a.length)).toEqual([2, 11, 2]);
  });

  it('closes on a bulk bigger than client-query-buffer-limit once that much arrived', () => {
    const { r, got } = reader({ queryBufferLimit: MB });
    expect(r.feed(L(mb('PING') + `*2\r\n$4\r\nECHO\r\n$${MB}\r\n`))).toEqual({ kind: 'ok' });
    expect(got).toEqual([['PING']]);
    expect(r.feed(Buffer.alloc(MB))).toEqual({ kind: 'ok' }); // at the limit
    expect(r.feed(Buffer.alloc(1))).toEqual({ kind: 'query-buffer-limit' }); // over it
    expect(got).toEqual([['PING']]);
  });

  it('does not count completed elements against client-query-buffer-limit (Redis trims them)', () => {
    const { r, got } = reader({ queryBufferLimit: MB });
    const v = 'v'.repeat(100 * 1024);
    const frame = mb('MSET', ...Array.from({ length: 30 }, () => v));
    for (let off = 0; off < frame.length; off += 50000) expect(r.feed(L(frame.slice(off, off + 50000)))).toEqual({ kind: 'ok' });
    expect(got.length).toBe(1);
    expect(got[0].length).toBe(31);
  });

  it('stops delivering after close()', () => {
    const got: string[][] = [];
    const r = new RequestReader(
      {
        command: (argv) => {
          got.push(argv);
          if (argv[0] === 'QUIT') r.close();
        },
      },
      { maxBulkLen: MB, queryBufferLimit: MB },
    );
    r.feed(L('PING\r\nQUIT\r\nPING\r\n' + mb('PING')));
    expect(got).toEqual([['PING'], ['QUIT']]);
  });
});
