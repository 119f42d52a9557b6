import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('protocol basics', () => {
  it('answers a multibulk PING and an inline PING', async () => {
    const c = await RawClient.connect(server.port);
    expect(await c.request('*1\r\n$4\r\nPING\r\n', 7)).toBe('+PONG\r\n');
    expect(await c.request('PING\r\n', 7)).toBe('+PONG\r\n');
    c.close();
  });

  it('rejects a non-bulk element with Redis\'s error and closes', async () => {
    const c = await RawClient.connect(server.port);
    c.write('*1\r\n+PING\r\n');
    expect(await c.waitFor((s) => s.endsWith('\r\n'))).toBe("-ERR Protocol error: expected '$', got '+'\r\n");
    expect(await c.waitClose()).toBe(true);
  });
});
