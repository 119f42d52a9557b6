/**
 * Preloaded into the nodis process by bench/memory.mjs (`node --expose-gc --import
 * ./bench/heap-probe.mjs dist/main.js ...`): on SIGUSR2 it runs a full GC and writes
 * process.memoryUsage() as JSON to $NODIS_HEAP_PROBE_OUT. It gives the benchmark nodis's heap
 * use without depending on INFO or DEBUG; nothing in src/ knows about it.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.NODIS_HEAP_PROBE_OUT;
if (out) {
  process.on('SIGUSR2', () => {
    if (typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    writeFileSync(out, JSON.stringify({ gc: typeof globalThis.gc === 'function', ...process.memoryUsage() }));
  });
}
