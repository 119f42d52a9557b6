/**
 * Inline command splitting, as Redis's sdssplitargs: whitespace-separated words, "double quotes"
 * with C escapes (\n \r \t \b \a \\ \" \xHH) and 'single quotes' with only \' escaped.
 * Works on latin1 strings (one char per byte). Returns null on unbalanced quotes.
 */

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return out;
    let cur = '';
    let inDq = false;
    let inSq = false;
    for (;;) {
      if (inDq) {
        if (i >= n) return null;
        const c = line.charCodeAt(i);
        if (c === 92 && i + 3 < n && line[i + 1] === 'x' && hexVal(line.charCodeAt(i + 2)) >= 0 && hexVal(line.charCodeAt(i + 3)) >= 0) {
          cur += String.fromCharCode(hexVal(line.charCodeAt(i + 2)) * 16 + hexVal(line.charCodeAt(i + 3)));
          i += 3;
        } else if (c === 92 && i + 1 < n) {
          i++;
          const e = line[i];
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === 34) {
          // closing quote must be followed by a space or the end
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          i++;
          break;
        } else {
          cur += line[i];
        }
        i++;
      } else if (inSq) {
        if (i >= n) return null;
        const c = line.charCodeAt(i);
        if (c === 92 && i + 1 < n && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === 39) {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          i++;
          break;
        } else {
          cur += line[i];
        }
        i++;
      } else {
        if (i >= n) break;
        const c = line.charCodeAt(i);
        // unlike the blank skipping above, a bare word ends only at space, \n, \r, \t (not \v, \f)
        if (c === 32 || c === 10 || c === 13 || c === 9) {
          i++;
          break;
        }
        if (c === 34) inDq = true;
        else if (c === 39) inSq = true;
        else cur += line[i];
        i++;
      }
    }
    out.push(cur);
  }
}
