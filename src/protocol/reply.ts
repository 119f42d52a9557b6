/**
 * Reply values: what handlers return. Cheap shapes for the hot path (a latin1 string or a
 * Buffer is a bulk string, a number or bigint an integer, null a null bulk, an array an array),
 * small classes for the rest. Encoding into bytes belongs to reply-writer.ts.
 */

export class SimpleReply {
  constructor(readonly value: string) {}
}
export class ErrorReply {
  constructor(readonly message: string) {}
}
/** A null array: `*-1` in RESP2, `_` in RESP3. */
export class NullArrayReply {}
/** A map: flat key/value list. RESP2 sends it as a flat array, RESP3 as `%`. */
export class MapReply {
  constructor(readonly flat: Reply[]) {}
}
/** A set: RESP2 array, RESP3 `~`. */
export class SetReply {
  constructor(readonly items: Reply[]) {}
}
/** A double: RESP2 bulk string ("%.17g"), RESP3 `,`. */
export class DoubleReply {
  constructor(readonly value: number) {}
}
/** A boolean: RESP2 integer 0/1, RESP3 `#t`/`#f`. */
export class BoolReply {
  constructor(readonly value: boolean) {}
}
/** Verbatim text (INFO, CLIENT LIST): RESP2 bulk, RESP3 `=` with a `txt:` prefix. */
export class VerbatimReply {
  constructor(readonly text: string, readonly format = 'txt') {}
}
/** Out-of-band message (pub/sub, invalidation): RESP2 array, RESP3 `>`. */
export class PushReply {
  constructor(readonly items: Reply[]) {}
}
/** Several replies written back to back (EXEC's bodies are arrays; this is for commands such
 * as SUBSCRIBE that answer once per argument). */
export class MultiReply {
  constructor(readonly replies: Reply[]) {}
}
/** A reply that is not sent at all (CLIENT REPLY OFF/SKIP, a blocked client). */
export class NoReply {}

export type Reply =
  | string
  | Buffer
  | number
  | bigint
  | null
  | Reply[]
  | SimpleReply
  | ErrorReply
  | NullArrayReply
  | MapReply
  | SetReply
  | DoubleReply
  | BoolReply
  | VerbatimReply
  | PushReply
  | MultiReply
  | NoReply;

const OK = new SimpleReply('OK');
const PONG = new SimpleReply('PONG');
const QUEUED = new SimpleReply('QUEUED');
const NULL_ARRAY = new NullArrayReply();
const NONE = new NoReply();

/** Constructors, so call sites read `Reply.ok()`, `Reply.bulk(v)`. */
export const Reply = {
  ok: (): Reply => OK,
  pong: (): Reply => PONG,
  queued: (): Reply => QUEUED,
  simple: (s: string): Reply => new SimpleReply(s),
  error: (message: string): Reply => new ErrorReply(message),
  nil: (): Reply => null,
  nilArray: (): Reply => NULL_ARRAY,
  none: (): Reply => NONE,
  bulk: (v: string | Buffer): Reply => v,
  int: (n: number | bigint): Reply => n,
  array: (items: Reply[]): Reply => items,
  map: (flat: Reply[]): Reply => new MapReply(flat),
  set: (items: Reply[]): Reply => new SetReply(items),
  double: (d: number): Reply => new DoubleReply(d),
  bool: (b: boolean): Reply => new BoolReply(b),
  verbatim: (text: string): Reply => new VerbatimReply(text),
  push: (items: Reply[]): Reply => new PushReply(items),
  multi: (replies: Reply[]): Reply => new MultiReply(replies),
} as const;
