/**
 * The node layout of Redis 7.0's quicklist for a list's elements: which elements share a listpack node, as
 * RPUSHing them one by one under `list-max-listpack-size` (fill) would leave them (_quicklistNodeAllowInsert),
 * and which get a plain node of their own. nodis keeps a list as one array; the layout is computed when
 * something must look like Redis's quicklist: the RDB/DUMP encoding, MEMORY USAGE and DEBUG OBJECT's ql_* fields.
 */
import type { ListValue } from './list.js';
import { lpEntrySize } from './redis-sizes.js';

/** quicklist.c: elements of at least this many bytes get a plain node of their own. */
const PACKED_THRESHOLD = 1 << 30;
/** quicklist.c: optimization_level, the node size limits for fill -1 .. -5. */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;
/** quicklist.c: _quicklistNodeAllowInsert over-estimates an entry's listpack overhead as 8 bytes. */
const SIZE_ESTIMATE_OVERHEAD = 8;
/** Bytes of an empty listpack (header and end byte). */
export const LP_EMPTY_BYTES = 7;

/** A quicklist node: elements [start, end), packed (a listpack of `bytes` bytes) or plain (one element). */
export interface NodeSpan {
  start: number;
  end: number;
  plain: boolean;
  /** The listpack's bytes (packed), or the element's length (plain). */
  bytes: number;
}

/** _quicklistNodeAllowInsert (Redis 7.0.15): may an element of sz bytes join a node of nodeSz bytes? */
function allowInsert(nodeSz: number, nodeCount: number, fill: number, sz: number): boolean {
  const newSz = nodeSz + sz + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) return newSz <= OPTIMIZATION_LEVEL[Math.min(-fill, OPTIMIZATION_LEVEL.length) - 1];
  if (newSz > SIZE_SAFETY_LIMIT) return false;
  return nodeCount < fill;
}

/** The nodes Redis's quicklist would have after RPUSHing the list's elements one by one (fill clamped to -5). */
export function quicklistNodes(list: ListValue, fill: number): NodeSpan[] {
  fill = Math.max(-5, fill);
  const out: NodeSpan[] = [];
  let start = 0;
  let nodeSz = 0;
  let count = 0;
  const n = list.length;
  for (let i = 0; i < n; i++) {
    const e = list.at(i);
    const sz = e.length;
    if (sz >= PACKED_THRESHOLD) {
      if (i > start) out.push({ start, end: i, plain: false, bytes: nodeSz });
      out.push({ start: i, end: i + 1, plain: true, bytes: sz });
      start = i + 1;
      count = 0;
      continue;
    }
    if (count > 0 && allowInsert(nodeSz, count, fill, sz)) {
      nodeSz += lpEntrySize(e);
      count++;
      continue;
    }
    if (i > start) out.push({ start, end: i, plain: false, bytes: nodeSz });
    start = i;
    nodeSz = LP_EMPTY_BYTES + lpEntrySize(e);
    count = 1;
  }
  if (n > start) out.push({ start, end: n, plain: false, bytes: nodeSz });
  return out;
}
