/**
 * Library entry: embed nodis in a Node process.
 *   const server = await startServer({ config: { port: 0 } }); ... await server.close();
 */
export { startServer, type ServerHandle, type StartOptions } from './server/server.js';
export { Config } from './config.js';
