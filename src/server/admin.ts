/**
 * Server administration for commands (AdminOps): INFO, stats reset, SHUTDOWN, LASTSAVE,
 * the slow log, memory estimates.
 */
import type { AdminOps, ServerStats, SlowlogOps } from '../commands/context.js';
import { buildInfo } from './info.js';
import type { ServerCore } from './server-core.js';
import { newStats } from './server-core.js';

export class AdminService implements AdminOps {
  constructor(private readonly core: ServerCore) {}

  info(sections: string[]): string {
    return buildInfo(this.core, sections);
  }

  resetStats(): void {
    const dirty = this.core.stats.dirty;
    this.core.stats = newStats();
    this.core.stats.dirty = dirty;
    for (const spec of this.core.table.values()) {
      spec.stats = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 };
      for (const sub of spec.subcommandMap?.values() ?? []) sub.stats = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 };
    }
  }

  shutdown(mode: 'default' | 'save' | 'nosave'): string | null {
    this.core.shutdownHandler(mode);
    return null;
  }

  lastSave(): number {
    return Math.floor(this.core.startedAt / 1000);
  }

  get slowlog(): SlowlogOps {
    return this.core.slowlog;
  }

  setActiveExpire(enabled: boolean): void {
    this.core.activeExpireEnabled = enabled;
  }

  get stats(): ServerStats {
    return this.core.stats;
  }

  usedMemory(): number {
    return process.memoryUsage().heapUsed;
  }
}
