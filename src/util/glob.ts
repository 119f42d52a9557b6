/**
 * Glob matching exactly as Redis's stringmatchlen (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET):
 * `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes; byte-wise on latin1 strings; optional nocase.
 */

export function globMatch(pattern: string, str: string, nocase = false): boolean {
  return matchAt(pattern, 0, str, 0, nocase, 0) === 1;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function signedByte(c: number): number {
  return c >= 128 ? c - 256 : c;
}

// Returns 1 match, 0 no match, -1 "skip longer" (Redis's skipLongerMatches optimisation).
function matchAt(p: string, pi: number, s: string, si: number, nocase: boolean, nesting: number): number {
  if (nesting > 1000) return 0;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi);
    switch (pc) {
      case 42: /* '*' */ {
        while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++;
        if (pi + 1 === plen) return 1;
        while (si < slen) {
          const r = matchAt(p, pi + 1, s, si, nocase, nesting + 1);
          if (r === 1) return 1;
          if (r === -1) return -1;
          si++;
        }
        return -1;
      }
      case 63: /* '?' */
        si++;
        break;
      case 91: /* '[' */ {
        pi++;
        const not = p.charCodeAt(pi) === 94; /* '^' */
        if (not) pi++;
        let match = false;
        for (;;) {
          if (pi >= plen) {
            pi--; // Redis: unterminated class, pattern ends
            break;
          }
          const c = p.charCodeAt(pi);
          if (c === 92 /* '\\' */ && pi + 2 <= plen) {
            pi++;
            if (p.charCodeAt(pi) === s.charCodeAt(si)) match = true;
          } else if (c === 93 /* ']' */) {
            break;
          } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === 45 /* '-' */) {
            // Redis compares `char`s, which are signed on x86-64/gcc: bytes >= 0x80 sort below 0
            let start = signedByte(c);
            let end = signedByte(p.charCodeAt(pi + 2));
            let ch = signedByte(s.charCodeAt(si));
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(start);
              end = lower(end);
              ch = lower(ch);
            }
            pi += 2;
            if (ch >= start && ch <= end) match = true;
          } else if (nocase ? lower(c) === lower(s.charCodeAt(si)) : c === s.charCodeAt(si)) {
            match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match) return 0;
        si++;
        break;
      }
      default: {
        if (pc === 92 /* '\\' */ && pi + 1 < plen) pi++;
        const a = p.charCodeAt(pi);
        const b = s.charCodeAt(si);
        if (nocase ? lower(a) !== lower(b) : a !== b) return 0;
        si++;
        break;
      }
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === plen && si === slen ? 1 : 0;
}
