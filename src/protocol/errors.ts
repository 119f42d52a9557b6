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

/** A string as C's printf("%s") prints it: cut at the first NUL. */
function cString(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
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
  decrementOverflow: 'ERR decrement would overflow',
  hashNotInteger: 'ERR hash value is not an integer',
  hashNotFloat: 'ERR hash value is not a float',
  valueOutOfRange: 'ERR value is out of range',
  valueNanOrInfinity: 'ERR value is NaN or Infinity',
  countOutOfRange: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  lcsNotStrings: 'ERR The specified keys must contain string values',
  lcsIdxAndLen: 'ERR If you want both the length and indexes, please just use IDX.',
  lcsTooBig: 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len',
  bitArgument: 'ERR The bit argument must be 1 or 0.',
  bitopNotSingle: 'ERR BITOP NOT must be called with a single source key.',
  bitfieldType: 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.',
  bitfieldOverflowType: 'ERR Invalid OVERFLOW type specified',
  bitfieldRoOnlyGet: 'ERR BITFIELD_RO only supports the GET subcommand',
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
  invalidMasterPort: 'ERR Invalid master port',
  /** replica-serve-stale-data no while the link with the master is down (processCommand). */
  masterDown: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
  oom: "OOM command not allowed when used memory > 'maxmemory'.",
  noScript: 'NOSCRIPT No matching script. Please use EVAL.',
  debugDisabled:
    'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
  noSuchClient: 'ERR No such client',
  clientNameSpaces: 'ERR Client names cannot contain spaces, newlines or special characters.',
  protoInvalidMultibulk: 'ERR Protocol error: invalid multibulk length',
  protoInvalidBulk: 'ERR Protocol error: invalid bulk length',
  protoUnauthMultibulk: 'ERR Protocol error: unauthenticated multibulk length',
  protoUnauthBulk: 'ERR Protocol error: unauthenticated bulk length',
  protoTooBigInline: 'ERR Protocol error: too big inline request',
  protoTooBigMbulkCount: 'ERR Protocol error: too big mbulk count string',
  protoTooBigBulkCount: 'ERR Protocol error: too big bulk count string',
  protoUnbalancedQuotes: 'ERR Protocol error: unbalanced quotes in request',
  protoExpectedDollar: (got: string) => `ERR Protocol error: expected '$', got '${got}'`,
  wrongArity: (name: string) => `ERR wrong number of arguments for '${name}' command`,
  /** Redis quotes args while the list is under 128 chars, each cut to what is left of 128
   * (and, printed with %s, at a NUL). */
  unknownCommand: (name: string, args: readonly string[]) => {
    let list = '';
    for (let i = 0; i < args.length && list.length < 128; i++) list += `'${cString(args[i]).slice(0, 128 - list.length)}' `;
    return `ERR unknown command '${cString(name).slice(0, 128)}', with args beginning with: ${list}`;
  },
  unknownSubcommand: (sub: string, cmd: string) =>
    `ERR unknown subcommand '${cString(sub).slice(0, 128)}'. Try ${cString(cmd).toUpperCase()} HELP.`,
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  subscribedContext: (name: string) =>
    `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
  notAllowedInMulti: (name: string) => `ERR Command not allowed inside a transaction`,
  misconf:
    'MISCONF Redis is configured to save RDB snapshots, but it\'s currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.',
  /** writeCommandsDeniedByDiskError, DISK_ERROR_TYPE_AOF: reason is strerror(aof_last_write_errno). */
  misconfAof: (reason: string) => `MISCONF Errors writing to the AOF file: ${reason}`,
  // --- server administration, COMMAND, scripting (server helper) ---
  subcommandSyntax: (sub: string, cmd: string) =>
    `ERR unknown subcommand or wrong number of arguments for '${sub.slice(0, 128)}'. Try ${cmd.toUpperCase()} HELP.`,
  invalidFirstDbIndex: 'ERR invalid first DB index',
  invalidSecondDbIndex: 'ERR invalid second DB index',
  slowlogCount: 'ERR count should be greater than or equal to -1',
  noShutdownInProgress: 'ERR No shutdown in progress.',
  latencyNoSamples: (event: string) => `ERR No samples available for event '${event}'`,
  invalidCommandSpecified: 'ERR Invalid command specified',
  invalidCommandArgs: 'ERR Invalid number of arguments specified for command',
  commandNoKeys: 'ERR The command has no key arguments',
  invalidCommandArguments: 'ERR Invalid arguments specified for command',
  unknownArgument: (arg: string) => `ERR Unknown argument ${arg}`,
  scriptingUnsupported: 'ERR scripting is not supported by nodis yet',
  functionFlushOption: 'ERR FUNCTION FLUSH only supports SYNC|ASYNC option',
  scriptFlushOption: 'ERR SCRIPT FLUSH only support SYNC|ASYNC option',
  libraryNotFound: 'ERR Library not found',
  notBusy: 'NOTBUSY No scripts in execution right now.',
  functionRestorePayload: 'ERR DUMP payload version or checksum are wrong',
  numkeysNotInteger: 'ERR value is not an integer or out of range',
  numkeysNegative: "ERR Number of keys can't be negative",
  numkeysTooBig: "ERR Number of keys can't be greater than number of args",
  monitorDenyBlocking: "ERR MONITOR isn't allowed for DENY BLOCKING client",
  functionNotFound: 'ERR Function not found',
  scriptDebugMode: 'ERR Use SCRIPT DEBUG YES/SYNC/NO',
  libraryNameMissing: 'ERR library name argument was not given',
  functionRestorePolicy: 'ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.',
  shutdownDenyBlocking: "ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client",
  latencyDisabledDoctor:
    'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n',
  // --- keys / expiry / OBJECT (keys.ts, expire.ts, object.ts) ---
  invalidCursor: 'ERR invalid cursor',
  int32Range: 'ERR value is out of range, value must between -2147483648 and 2147483647',
  unsupportedOption: (opt: string) => `ERR Unsupported option ${opt}`,
  expireNxCombined: 'ERR NX and XX, GT or LT options at the same time are not compatible',
  expireGtLt: 'ERR GT and LT options at the same time are not compatible',
  lfuNotSelected:
    'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  lfuSelected:
    'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  // --- connection, CLIENT, transactions (client.ts, transactions.ts) ---
  helloProtoNotInteger: 'ERR Protocol version is not an integer or out of range',
  helloSyntax: (opt: string) => `ERR Syntax error in HELLO option '${opt}'`,
  helloNoAuth:
    'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
  unknownClientType: (t: string) => `ERR Unknown client type '${t}'`,
  invalidClientId: 'ERR Invalid client ID',
  clientIdPositive: 'ERR client-id should be greater than 0',
  noSuchUser: (u: string) => `ERR No such user '${u}'`,
  unblockReason: 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR',
  pauseTimeoutNotInteger: 'ERR timeout is not an integer or out of range',
  pauseMode: 'ERR CLIENT PAUSE mode must be WRITE or ALL',
  /** EXEC rejected before running (arity, NOAUTH, ...): the rejection's text without its ERR prefix. */
  execAbortBecause: (error: string) =>
    `EXECABORT Transaction discarded because of: ${error.startsWith('ERR ') ? error.slice(4) : error}`,
  configSetUnknown: (name: string) => `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`,
  configSetFailed: (name: string, reason: string) => `ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`,
  noConfigFile: 'ERR The server is running without a config file',
  /** Sent (then the connection closes) to non-loopback peers under protected-mode without a password. Redis 7.0.15's text, typo included. */
  protectedMode:
    "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.",
  configRewriteFailed: (reason: string) => `ERR Rewriting config file: ${reason}`,
  // --- lists (lists.ts) ---
  indexOutOfRange: 'ERR index out of range',
  mustBePositive: 'ERR value is out of range, must be positive',
  populateOom: 'ERR OOM in dictTryExpand',
  lposRankZero:
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
  lposCountNegative: "ERR COUNT can't be negative",
  lposMaxlenNegative: "ERR MAXLEN can't be negative",
  numkeysNotPositive: 'ERR numkeys should be greater than 0',
  countNotPositive: 'ERR count should be greater than 0',
  // --- blocking pops (blocking.ts) ---
  unblockedByClientUnblock: 'UNBLOCKED client unblocked via CLIENT UNBLOCK',
  // --- sorted sets (zset-*.ts) ---
  zsetMinMaxNotFloat: 'ERR min or max is not a float',
  zsetMinMaxNotLex: 'ERR min or max not valid string range item',
  zaddXxNx: 'ERR XX and NX options at the same time are not compatible',
  zaddGtLtNx: 'ERR GT, LT, and/or NX options at the same time are not compatible',
  zaddIncrPair: 'ERR INCR option supports a single increment-element pair',
  zsetScoreNan: 'ERR resulting score is not a number (NaN)',
  zrangeLimitNeedsBy: 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
  zrangeWithscoresBylex: 'ERR syntax error, WITHSCORES not supported in combination with BYLEX',
  // --- sorted-set algebra (zset-algebra.ts) ---
  weightNotFloat: 'ERR weight value is not a float',
  limitNegative: "ERR LIMIT can't be negative",
  atLeastOneInputKey: (cmd: string) => `ERR at least 1 input key is needed for '${cmd}' command`,
  // --- SORT (sort.ts) ---
  sortNotDouble: "ERR One or more scores can't be converted into double",
  // --- DUMP / RESTORE (dump.ts) ---
  dumpPayload: 'ERR DUMP payload version or checksum are wrong',
  badDataFormat: 'ERR Bad data format',
  restoreInvalidTtl: 'ERR Invalid TTL value, must be >= 0',
  restoreInvalidIdletime: 'ERR Invalid IDLETIME value, must be >= 0',
  restoreInvalidFreq: 'ERR Invalid FREQ value, must be >= 0 and <= 255',
  // --- RDB saving (rdb-persistence.ts) ---
  bgsaveInProgress: 'ERR Background save already in progress',
  /** shared.err: SAVE / DEBUG RELOAD when the save failed (details in the log). */
  bareErr: 'ERR',
  shutdownErrors: 'ERR Errors trying to SHUTDOWN. Check logs.',
  debugReloadOptions: 'ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.',
  debugReloadFailed: 'ERR Error trying to load the RDB dump, check server logs.',
  // --- AOF rewrite (aof-rewriter.ts) ---
  /** BGSAVE while BGREWRITEAOF runs (Redis 7.0's text for any other child). */
  bgsaveAofInProgress:
    "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
  aofRewriteInProgress: 'ERR Background append only file rewriting already in progress',
  aofRewriteCantStart: "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.",
  // --- Replication, master side (replication/master.ts) ---
  noMasterLink: "NOMASTERLINK Can't SYNC while not connected with my master",
  noReplicas: 'NOREPLICAS Not enough good replicas to write.',
  replconfUnrecognized: (opt: string) => `ERR Unrecognized REPLCONF option: ${cString(opt)}`,
  replconfIpTooLong: (len: number) => `ERR REPLCONF ip-address provided by replica instance is too long: ${len} bytes`,
  waitOnReplica:
    'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
} as const;
