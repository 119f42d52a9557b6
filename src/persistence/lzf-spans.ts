/**
 * Deferred LZF: turns a chunk written by RdbWriter with deferCompression (strings in plain form, plus the
 * list of spans eligible for compression) into the bytes RdbWriter.string(s, true) would have written
 * inline. Runs in the RDB file writer's worker thread, so the main thread never spends time compressing.
 *
 * A span is (prefixStart, dataStart, dataLen): the plain length prefix, then the string's bytes. Each is
 * re-encoded as Redis's LZF string (0xC3, compressed length, original length, data) when that saves at
 * least 4 bytes (rdbSaveLzfStringObject's limit of len - 4), else copied as it is.
 */
import { lzfCompress } from './lzf.js';
import { RDB_ENC_LZF, RdbWriter } from './rdb-primitives.js';

/** Writes chunk with its spans compressed into out. Spans must be in order and lie inside the chunk. */
export function compressSpans(chunk: Uint8Array, spans: Uint32Array | null, out: RdbWriter): void {
  let pos = 0;
  if (spans !== null) {
    if (spans.length % 3 !== 0) throw new RangeError('rdb spans: length is not a multiple of 3');
    for (let i = 0; i < spans.length; i += 3) {
      const prefixStart = spans[i];
      const dataStart = spans[i + 1];
      const dataLen = spans[i + 2];
      const dataEnd = dataStart + dataLen;
      if (prefixStart < pos || dataStart < prefixStart || dataEnd > chunk.length) {
        throw new RangeError(`rdb spans: span ${i / 3} (${prefixStart}, ${dataStart}, ${dataLen}) is out of order or range`);
      }
      if (prefixStart > pos) out.bytes(chunk.subarray(pos, prefixStart));
      const data = chunk.subarray(dataStart, dataEnd);
      const c = lzfCompress(data, dataLen - 4);
      if (c !== null) {
        out.u8(0xc0 | RDB_ENC_LZF);
        out.length(c.length);
        out.length(dataLen);
        out.bytes(c);
      } else {
        out.bytes(chunk.subarray(prefixStart, dataEnd));
      }
      pos = dataEnd;
    }
  }
  if (pos < chunk.length) out.bytes(chunk.subarray(pos));
}
