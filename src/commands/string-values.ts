/**
 * What the string families share: readString (lookupKeyRead for strings), setKey with its
 * and the string length limit. Used by strings, counters, string ranges and bits.
 */
import { WrongTypeError } from '../keyspace/db.js';
import { Err, fail } from '../protocol/errors.js';
import type { CommandContext } from './context.js';
import { readValue } from './lookup.js';
import { constants } from 'node:buffer';

/** The longest JS string V8 can build. */
export const MAX_STRING_LENGTH = constants.MAX_STRING_LENGTH;

/** readValue for a string: throws WrongTypeError for another type. */
export function readString(ctx: CommandContext, key: string): string | undefined {
  const v = readValue(ctx, key);
  if (v === undefined || typeof v === 'string') return v;
  throw new WrongTypeError(key, v.type);
}

/** Stores a value as Redis's setKey does (TTL cleared unless keepTtl); the Db emits 'new'. */
export function setKey(ctx: CommandContext, key: string, value: string, keepTtl: boolean): void {
  if (keepTtl) ctx.db.set(key, value);
  else ctx.db.overwrite(key, value);
}

/** Replaces the value of a key, keeping its TTL (dbOverwrite / dbAdd). */
export function storeKeepTtl(ctx: CommandContext, key: string, value: string): void {
  ctx.db.set(key, value);
}

/**
 * Redis's checkStringLength: appending `extra` bytes to `size` must fit proto-max-bulk-len.
 * V8 caps a string a little below 512MB (MAX_STRING_LENGTH): beyond it nodis answers the same
 * error even when proto-max-bulk-len would allow more (Redis would build the string).
 */
export function checkStringLength(ctx: CommandContext, size: number, extra: number): void {
  const total = size + extra;
  if (total > MAX_STRING_LENGTH) fail(Err.stringTooLong);
  if (ctx.replaying) return;
  if (total > ctx.server.config.getNumber('proto-max-bulk-len')) fail(Err.stringTooLong);
}
