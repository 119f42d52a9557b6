// Node's fast per-encoding Buffer methods (present since Node 0.x, untyped in @types/node).
declare global {
  interface Buffer {
    asciiWrite(s: string, offset?: number, length?: number): number;
    latin1Write(s: string, offset?: number, length?: number): number;
    utf8Write(s: string, offset?: number, length?: number): number;
    latin1Slice(start?: number, end?: number): string;
  }
}
export {};
