/**
 * Starts nodis in-process on a free port with a temp dir and no save rules (`save ""`, as the oracle's
 * redis-server; pass `save` to test them). Every test closes what it opens.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type ServerHandle } from '../../src/index.js';

export interface TestServer extends ServerHandle {
  dir: string;
}

export async function startTestServer(config: Record<string, string | number> = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-test-'));
  const handle = await startServer({ config: { port: 0, bind: '127.0.0.1', dir, save: '', ...config }, silent: true });
  return Object.assign(Object.create(handle) as ServerHandle, handle, {
    dir,
    async close() {
      await handle.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  }) as TestServer;
}
