/**
 * The slow log: commands that ran longer than slowlog-log-slower-than microseconds, newest
 * first, at most slowlog-max-len entries.
 */
import type { SlowlogEntry, SlowlogOps } from '../commands/context.js';

const REDACTED = '(redacted)';
/** Directives whose values CONFIG SET hides (Redis's SENSITIVE_CONFIG). */
const SENSITIVE = new Set(['requirepass', 'masterauth', 'masteruser']);

/** Hides secrets as Redis's redactClientCommandArgument: AUTH's args, HELLO's AUTH pair, sensitive CONFIG SET values. */
function redact(argv: string[]): string[] {
  const cmd = argv[0].toLowerCase();
  if (cmd === 'auth') return argv.map((a, i) => (i === 0 ? a : REDACTED));
  if (cmd === 'hello') {
    const out = argv.slice();
    for (let i = 2; i < out.length; i++) {
      if (out[i].toLowerCase() === 'auth' && i + 2 < out.length) {
        out[i + 1] = REDACTED;
        out[i + 2] = REDACTED;
        i += 2;
      }
    }
    return out;
  }
  if (cmd === 'config' && argv.length > 3 && argv[1].toLowerCase() === 'set') {
    const out = argv.slice();
    for (let i = 2; i + 1 < out.length; i += 2) if (SENSITIVE.has(out[i].toLowerCase())) out[i + 1] = REDACTED;
    return out;
  }
  return argv;
}

export class Slowlog implements SlowlogOps {
  private entries: SlowlogEntry[] = [];
  private nextId = 0;

  /** Limits pushed by configure() (CONFIG SET's apply step); until then read through `limits`. */
  private slowerThanUs = 0;
  private maxLen = 0;
  private configured = false;

  constructor(private readonly limits: () => { slowerThanUs: number; maxLen: number }) {}

  /**
   * Caches slowlog-log-slower-than and slowlog-max-len, so record(), which runs after every
   * command, reads two fields instead of two config lookups.
   */
  configure(slowerThanUs: number, maxLen: number): void {
    this.slowerThanUs = slowerThanUs;
    this.maxLen = maxLen;
    this.configured = true;
  }

  /** Whether a command that ran durationUs would be recorded (the per-command check: two field reads). */
  isSlow(durationUs: number): boolean {
    if (!this.configured) {
      const { slowerThanUs } = this.limits();
      return slowerThanUs >= 0 && durationUs >= slowerThanUs;
    }
    return this.slowerThanUs >= 0 && durationUs >= this.slowerThanUs;
  }

  /** Records a command if it was slow enough. */
  record(durationUs: number, argv: string[], addr: string, name: string, nowSec: number): void {
    let slowerThanUs = this.slowerThanUs;
    let maxLen = this.maxLen;
    if (!this.configured) ({ slowerThanUs, maxLen } = this.limits());
    if (slowerThanUs < 0 || durationUs < slowerThanUs) return;
    argv = redact(argv);
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
