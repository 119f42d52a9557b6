/**
 * INFO: builds the sections with Redis's field names.
 */
import type { ServerCore } from './server-core.js';

export const REDIS_VERSION = '7.0.15';

export function buildInfo(core: ServerCore, sections: string[]): string {
  const lines: string[] = [];
  const want = (s: string) => sections.length === 0 || sections.includes(s) || sections.includes('all') || sections.includes('everything') || sections.includes('default');
  if (want('server')) {
    lines.push('# Server', `redis_version:${REDIS_VERSION}`, `tcp_port:${core.port}`, `process_id:${process.pid}`, '');
  }
  if (want('persistence')) lines.push('# Persistence', `loading:${core.loading ? 1 : 0}`, '');
  if (want('keyspace')) {
    lines.push('# Keyspace');
    for (const db of core.keyspace.dbs) if (db.size > 0) lines.push(`db${db.id}:keys=${db.size},expires=${db.expires.size},avg_ttl=0`);
    lines.push('');
  }
  return lines.join('\r\n');
}
