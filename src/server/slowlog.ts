/**
 * The slow log: commands that ran longer than slowlog-log-slower-than microseconds, newest
 * first, at most slowlog-max-len entries.
 */
import type { SlowlogEntry, SlowlogOps } from '../commands/context.js';

export class Slowlog implements SlowlogOps {
  private entries: SlowlogEntry[] = [];
  private nextId = 0;

  constructor(private readonly limits: () => { slowerThanUs: number; maxLen: number }) {}

  /** Records a command if it was slow enough. */
  record(durationUs: number, argv: string[], addr: string, name: string, nowSec: number): void {
    const { slowerThanUs, maxLen } = this.limits();
    if (slowerThanUs < 0 || durationUs < slowerThanUs) return;
    // Redis keeps at most 32 args, each at most 128 bytes
    let args = argv.length > 32 ? [...argv.slice(0, 31), `... (${argv.length - 31} more arguments)`] : argv.slice();
    args = args.map((a) => (a.length > 128 ? `${a.slice(0, 128)}... (${a.length - 128} more bytes)` : a));
    this.entries.unshift({ id: this.nextId++, time: nowSec, durationUs, argv: args, addr, name });
    if (this.entries.length > maxLen) this.entries.length = maxLen;
  }

  get(count: number): SlowlogEntry[] {
    return count < 0 ? this.entries.slice() : this.entries.slice(0, count);
  }

  len(): number {
    return this.entries.length;
  }

  reset(): void {
    this.entries = [];
  }
}
