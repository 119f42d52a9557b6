/**
 * The error catalogue: every error reply nodis sends, with Redis 7.0's exact text.
 * Handlers throw `CommandError` (or return `Reply.error`) with one of these; no ad-hoc strings
 * elsewhere. Texts carry their prefix (ERR, WRONGTYPE, ...) but no leading '-' or CRLF.
 */

/** An error reply. Thrown by handlers and argument parsers; the dispatcher turns it into a reply. */
export class CommandError {
  constructor(readonly message: string) {}
}

/** Throw helper so call sites read as statements. */
export function fail(message: string): never {
  throw new CommandError(message);
}

export const Err = {
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  overflow: 'ERR increment or decrement would overflow',
  nanOrInfinity: 'ERR increment would produce NaN or Infinity',
  noSuchKey: 'ERR no such key',
  dbIndexOutOfRange: 'ERR DB index is out of range',
  invalidDbIndex: 'ERR invalid DB index',
  sameObject: 'ERR source and destination objects are the same',
  stringTooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  bitOffset: 'ERR bit offset is not an integer or out of range',
  bitValue: 'ERR bit is not an integer or out of range',
  offsetOutOfRange: 'ERR offset is out of range',
  timeoutNotFloat: 'ERR timeout is not a float or out of range',
  timeoutNegative: 'ERR timeout is negative',
  timeoutOutOfRange: 'ERR timeout is out of range',
  busyKey: 'BUSYKEY Target key name already exists.',
  loading: 'LOADING Redis is loading the dataset in memory',
  noAuth: 'NOAUTH Authentication required.',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  authNotConfigured:
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  noProto: 'NOPROTO unsupported protocol version',
  multiNested: 'ERR MULTI calls can not be nested',
  execWithoutMulti: 'ERR EXEC without MULTI',
  discardWithoutMulti: 'ERR DISCARD without MULTI',
  watchInMulti: 'ERR WATCH inside MULTI is not allowed',
  execAbort: 'EXECABORT Transaction discarded because of previous errors.',
  maxClients: 'ERR max number of clients reached',
  readonly: "READONLY You can't write against a read only replica.",
  oom: "OOM command not allowed when used memory > 'maxmemory'.",
  noScript: 'NOSCRIPT No matching script. Please use EVAL.',
  debugDisabled:
    'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
  noSuchClient: 'ERR No such client',
  clientNameSpaces: 'ERR Client names cannot contain spaces, newlines or special characters.',
  protoInvalidMultibulk: 'ERR Protocol error: invalid multibulk length',
  protoInvalidBulk: 'ERR Protocol error: invalid bulk length',
  protoTooBigInline: 'ERR Protocol error: too big inline request',
  protoTooBigMbulkCount: 'ERR Protocol error: too big mbulk count string',
  protoTooBigBulkCount: 'ERR Protocol error: too big bulk count string',
  protoUnbalancedQuotes: 'ERR Protocol error: unbalanced quotes in request',
  protoExpectedDollar: (got: string) => `ERR Protocol error: expected '$', got '${got}'`,
  wrongArity: (name: string) => `ERR wrong number of arguments for '${name}' command`,
  unknownCommand: (name: string, args: readonly string[]) =>
    `ERR unknown command '${name.slice(0, 128)}', with args beginning with: ${args
      .slice(0, 8)
      .map((a) => `'${a.slice(0, 128)}' `)
      .join('')}`,
  unknownSubcommand: (sub: string, cmd: string) =>
    `ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${cmd.toUpperCase()} HELP.`,
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  subscribedContext: (name: string) =>
    `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
  notAllowedInMulti: (name: string) => `ERR Command not allowed inside a transaction`,
  misconf:
    'MISCONF Redis is configured to save RDB snapshots, but it\'s currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.',
} as const;
