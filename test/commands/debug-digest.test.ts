/**
 * DEBUG DIGEST / DIGEST-VALUE on nodis alone, against digests recorded from redis-server 7.0.15
 * for the same writes (so the check runs where redis-server is missing; the full comparison is
 * test/oracle/digest.oracle.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespConn } from '../helpers/resp-session.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

describe('DEBUG DIGEST', () => {
  let server: TestServer;
  let c: RespConn;

  beforeAll(async () => {
    server = await startTestServer({ 'enable-debug-command': 'yes' });
    c = await RespConn.connect(server.port);
  });
  afterAll(async () => {
    c?.close();
    await server?.close();
  });

  it('is forty zeros for an empty dataset', async () => {
    expect(await c.cmd('DEBUG', 'DIGEST')).toBe(`+${'0'.repeat(40)}\r\n`);
    expect(await c.cmd('DEBUG', 'DIGEST-VALUE', 'missing')).toBe(`*1\r\n+${'0'.repeat(40)}\r\n`);
  });

  it('gives the digests redis-server 7.0 gives for the same data', async () => {
    for (const cmd of [
      ['SET', 'str', 'hello'],
      ['RPUSH', 'l', 'a', '1', 'b'],
      ['SADD', 's', '1', 'x'],
      ['HSET', 'h', 'f', 'v'],
      ['ZADD', 'z', '1.5', 'm', '-0', 'n', 'inf', 'o'],
      ['PEXPIRE', 'str', '100000000'],
      ['SELECT', '1'],
      ['SET', 'k', 'v'],
    ]) {
      expect(await c.cmd(...cmd)).not.toMatch(/^-/);
    }
    expect(await c.cmd('DEBUG', 'DIGEST-VALUE', 'k')).toBe('*1\r\n+d79ee9fe5d5ad902d7f6620efc3b07b75ddd742f\r\n');
    await c.cmd('SELECT', '0');
    expect(await c.cmd('DEBUG', 'DIGEST')).toBe('+288de3917f1034237b5d5b587b53757ce97c0436\r\n');
    expect(await c.cmd('DEBUG', 'DIGEST-VALUE', 'str', 'l', 's', 'h', 'z')).toBe(
      '*5\r\n' +
        '+d037c4eb8a8b36b602fbced4000daeab0714c1e3\r\n' +
        '+d5f44352f6226abea9252dad248ef5de0d964396\r\n' +
        '+96257d5cc29f1c46ff96a88360b5c99de66ae13f\r\n' +
        '+90c76e9e9f4c62d642a34fc97c7dad503b51f906\r\n' +
        '+927f113da18d2a3bd2328e90ba6fcdaed743835e\r\n',
    );
  });

  it('takes no argument after DIGEST', async () => {
    expect(await c.cmd('DEBUG', 'DIGEST', 'x')).toBe(
      "-ERR unknown subcommand or wrong number of arguments for 'DIGEST'. Try DEBUG HELP.\r\n",
    );
  });
});
