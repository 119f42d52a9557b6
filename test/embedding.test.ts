/**
 * The library entry as an embedder uses it: `import { startServer } from 'nodis'` (the package's
 * own name, resolved through package.json "exports" to the built dist/index.js).
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

describe('embedding', () => {
  it('starts on port 0, serves ioredis, reports the bound port, and closes', async () => {
    const { startServer } = await import('nodis');
    const server = await startServer({ config: { port: 0, bind: '127.0.0.1' }, silent: true });
    expect(server.port).toBeGreaterThan(0);
    const client = new Redis({ port: server.port, lazyConnect: true });
    await client.connect();
    expect(await client.set('k', 'v')).toBe('OK');
    expect(await client.get('k')).toBe('v');
    expect(await client.config('GET', 'port')).toEqual(['port', String(server.port)]);
    client.disconnect();
    await server.close();
    await server.closed;
  });
});
