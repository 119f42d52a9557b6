/**
 * The hash that places a key on a keyspace page: 32-bit FNV-1a over the key's bytes (latin1
 * chars). Long keys are hashed on their first and last 32 bytes plus their length, so the cost
 * per lookup stays bounded.
 */

export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  const n = key.length;
  if (n <= 64) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  } else {
    for (let i = 0; i < 32; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    for (let i = n - 32; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ (n & 0xffff), 0x01000193);
  }
  return h >>> 0;
}

/** Reverses the low 32 bits (SCAN cursors advance in reverse binary order, as in Redis). */
export function reverseBits32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}
