/**
 * Server administration for commands (AdminOps): INFO, stats reset, SHUTDOWN, LASTSAVE,
 * the slow log, the latency monitor, memory estimates, and the per-cron samples INFO reports
 * (instantaneous ops and network rates, peak memory).
 */
import crypto from 'node:crypto';
import type { AdminOps, LatencyEvent, ServerStats, SlowlogOps } from '../commands/context.js';
import { buildInfo } from './info.js';
import type { ServerCore } from './server-core.js';
import { newStats } from './server-core.js';

/** Redis's instantaneous metrics: a ring of STATS_METRIC_SAMPLES rates sampled every 100 ms. */
const METRIC_SAMPLES = 16;

class InstantMetric {
  private samples = new Float64Array(METRIC_SAMPLES);
  private idx = 0;
  private lastTime = 0;
  private lastValue = 0;

  /** Records the rate per second since the previous call. */
  track(value: number, nowMs: number): void {
    if (this.lastTime !== 0) {
      const dt = nowMs - this.lastTime;
      if (dt > 0) {
        this.samples[this.idx] = ((value - this.lastValue) * 1000) / dt;
        this.idx = (this.idx + 1) % METRIC_SAMPLES;
      }
    }
    this.lastTime = nowMs;
    this.lastValue = value;
  }

  /** Mean of the samples (what INFO shows). */
  get(): number {
    let sum = 0;
    for (let i = 0; i < METRIC_SAMPLES; i++) sum += this.samples[i];
    return sum / METRIC_SAMPLES;
  }

  reset(): void {
    this.samples.fill(0);
    this.lastTime = 0;
  }
}

/** Samples kept per latency event, as Redis's LATENCY_TS_LEN. */
const LATENCY_HISTORY = 160;

export class AdminService implements AdminOps {
  /** INFO run_id: random per process start. */
  readonly runId = crypto.randomBytes(20).toString('hex');
  /** INFO master_replid: random per start (replication arrives in a later issue). */
  readonly replId = crypto.randomBytes(20).toString('hex');
  readonly opsPerSec = new InstantMetric();
  readonly inputKbps = new InstantMetric();
  readonly outputKbps = new InstantMetric();
  peakMemory = 0;
  private lastSampleMs = 0;
  readonly startupMemory: number;
  readonly latency = new Map<string, LatencyEvent>();

  constructor(private readonly core: ServerCore) {
    this.startupMemory = this.usedMemory();
    this.peakMemory = this.startupMemory;
  }

  info(sections: string[]): string {
    return buildInfo(this.core, sections);
  }

  /** Called from the server cron: samples the instantaneous metrics every ~100 ms. */
  cron(nowMs: number): void {
    // Redis samples every 100 ms whatever hz is
    if (nowMs >= this.lastSampleMs && nowMs - this.lastSampleMs < 100) return;
    this.lastSampleMs = nowMs;
    const s = this.core.stats;
    this.opsPerSec.track(this.core.dispatcher.totalCommands, nowMs);
    this.inputKbps.track(s.totalNetInput, nowMs);
    this.outputKbps.track(s.totalNetOutput, nowMs);
    const used = this.usedMemory();
    if (used > this.peakMemory) this.peakMemory = used;
  }

  resetStats(): void {
    const dirty = this.core.stats.dirty;
    this.core.stats = newStats();
    this.core.stats.dirty = dirty;
    this.core.dispatcher.totalCommands = 0;
    this.core.persistence.resetStats();
    this.core.aofRewriter.resetStats();
    this.opsPerSec.reset();
    this.inputKbps.reset();
    this.outputKbps.reset();
    for (const spec of this.core.table.values()) {
      spec.stats = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 };
      for (const sub of spec.subcommandMap?.values() ?? []) sub.stats = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 };
    }
  }

  shutdown(mode: 'default' | 'save' | 'nosave', opts: { now: boolean; force: boolean; abort: boolean }): string | null {
    // Closes without saving: the SHUTDOWN command goes through PersistenceOps.shutdown, which saves
    // first when the mode or the save rules say so (rdb-persistence.ts).
    if (opts.abort) return 'ERR No shutdown in progress.';
    this.core.shutdownHandler(mode);
    return null;
  }

  lastSave(): number {
    return this.core.persistence.lastSave();
  }

  startedAt(): number {
    return this.core.startedAt;
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
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  }

  // --- Latency monitor ---

  /** Records a latency event if latency-monitor-threshold enables it (ms; 0 = off). */
  latencyAddSampleIfNeeded(event: string, durationMs: number): void {
    const config = this.core.config;
    const threshold = config.directive('latency-monitor-threshold') ? config.getNumber('latency-monitor-threshold') : 0;
    if (threshold > 0 && durationMs >= threshold) this.latencyAddSample(event, Math.round(durationMs));
  }

  latencyAddSample(event: string, latencyMs: number): void {
    const now = Math.floor(this.core.clock.now() / 1000);
    let ev = this.latency.get(event);
    if (ev === undefined) this.latency.set(event, (ev = { samples: [], max: 0 }));
    if (latencyMs > ev.max) ev.max = latencyMs;
    const last = ev.samples[ev.samples.length - 1];
    // as Redis: one sample a second, keeping the max of that second
    if (last !== undefined && last.time === now) {
      if (latencyMs > last.latencyMs) last.latencyMs = latencyMs;
      return;
    }
    ev.samples.push({ time: now, latencyMs });
    if (ev.samples.length > LATENCY_HISTORY) ev.samples.shift();
  }
}
