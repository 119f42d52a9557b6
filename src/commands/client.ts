/**
 * CLIENT and the connection handshake commands: HELLO, AUTH, RESET.
 * Client bookkeeping (lists, kill, pause, monitor) is server/client-registry.ts, reached through
 * ClientsOps; the per-connection state is ClientState.
 */
import { Err, fail } from '../protocol/errors.js';
import { Reply } from '../protocol/reply.js';
import { isStrictInt, isWord, parseInteger } from './args.js';
import { type ClientInfo, type ClientState, type CommandContext, selectDb } from './context.js';
import { unsubscribeAll } from './pubsub.js';
import { type CommandSpec, defineCommand, defineContainer } from './table.js';
import { discardTransaction } from './transactions.js';

// --- Shared helpers ---

/** Redis's clientSetName: an empty name clears it; only printable non-space ASCII is allowed. */
function setClientName(client: ClientState, name: string): void {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126) fail(Err.clientNameSpaces);
  }
  client.name = name;
}

/** Redis's ACLAuthenticateUser for the only user nodis has, "default" (password = requirepass). */
function authenticate(ctx: CommandContext, user: string, pass: string): boolean {
  if (user !== 'default') return false;
  const required = ctx.server.config.getString('requirepass');
  if (required !== '' && pass !== required) return false;
  ctx.client.authenticated = true;
  return true;
}

/** Client types as CLIENT LIST TYPE / CLIENT KILL TYPE name them (getClientTypeByName). */
function parseClientType(name: string): ClientInfo['type'] {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'replica';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      fail(Err.unknownClientType(name));
  }
}

// --- HELLO, AUTH, RESET ---

/** HELLO [protover [AUTH username password] [SETNAME clientname]] */
export const hello = defineCommand({
  name: 'hello',
  arity: -1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
  run(ctx, args) {
    const c = ctx.client;
    let ver = 0;
    if (args.length >= 1) {
      const v = args[0];
      if (!isStrictInt(v)) fail(Err.helloProtoNotInteger);
      ver = Number(v);
      if (ver < 2 || ver > 3) fail(Err.noProto);
    }
    // As Redis 7.0: options apply as they are read, so a later bad option leaves the earlier ones done.
    for (let j = 1; j < args.length; j++) {
      const more = args.length - 1 - j;
      const opt = args[j];
      if (isWord(opt, 'auth') && more >= 2) {
        if (!authenticate(ctx, args[j + 1], args[j + 2])) fail(Err.wrongPass);
        j += 2;
      } else if (isWord(opt, 'setname') && more >= 1) {
        setClientName(c, args[j + 1]);
        j++;
      } else {
        fail(Err.helloSyntax(opt));
      }
    }
    if (!c.authenticated) fail(Err.helloNoAuth);
    if (ver !== 0) c.resp = ver as 2 | 3;
    return Reply.map([
      'server', 'redis',
      'version', ctx.server.redisVersion,
      'proto', c.resp,
      'id', c.id,
      'mode', 'standalone',
      'role', 'master',
      'modules', [],
    ]);
  },
});

/** AUTH [username] password */
export const auth = defineCommand({
  name: 'auth',
  arity: -2,
  flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
  run(ctx, args) {
    if (args.length > 2) fail(Err.syntax);
    if (args.length === 1) {
      // the old one-argument form errors when the default user has no password
      if (ctx.server.config.getString('requirepass') === '') fail(Err.authNotConfigured);
      if (!authenticate(ctx, 'default', args[0])) fail(Err.wrongPass);
    } else if (!authenticate(ctx, args[0], args[1])) {
      fail(Err.wrongPass);
    }
    return Reply.ok();
  },
});

/**
 * RESET -- back to a fresh connection's state (Redis's clearClientConnectionState): leaves
 * MONITOR and MULTI, unwatches, unsubscribes, db 0, RESP2, no name, replies on, and
 * re-authentication when a password is required. NO-EVICT stays, as in Redis 7.0.
 */
export const reset = defineCommand({
  name: 'reset',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
  run(ctx) {
    const c = ctx.client;
    ctx.server.clients.unmonitor(c);
    selectDb(ctx, 0);
    c.resp = 2;
    c.authenticated = ctx.server.config.getString('requirepass') === '';
    discardTransaction(ctx);
    unsubscribeAll(ctx);
    c.name = '';
    c.replyMode = 'on';
    return Reply.simple('RESET');
  },
});

// --- CLIENT ---

const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'HELP',
  '    Prints this help.',
];

const ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;
const PLAIN = ['noscript', 'loading', 'stale'] as const;

const clientId = defineCommand({
  name: 'id',
  arity: 2,
  flags: PLAIN,
  run(ctx) {
    return ctx.client.id;
  },
});

const clientSetname = defineCommand({
  name: 'setname',
  arity: 3,
  flags: PLAIN,
  run(ctx, [name]) {
    setClientName(ctx.client, name);
    return Reply.ok();
  },
});

const clientGetname = defineCommand({
  name: 'getname',
  arity: 2,
  flags: PLAIN,
  run(ctx) {
    return ctx.client.name === '' ? Reply.nil() : ctx.client.name;
  },
});

/** CLIENT LIST [TYPE type] | [ID id [id ...]] -- one line per client, each ending in "\n". */
const clientList = defineCommand({
  name: 'list',
  arity: -2,
  flags: ADMIN,
  run(ctx, args) {
    let filter: ((c: ClientInfo) => boolean) | undefined;
    if (args.length === 2 && isWord(args[0], 'type')) {
      const type = parseClientType(args[1]);
      filter = (c) => c.type === type;
    } else if (args.length >= 2 && isWord(args[0], 'id')) {
      const ids = new Set<number>();
      for (const a of args.slice(1)) ids.add(parseInteger(a, Err.invalidClientId));
      filter = (c) => ids.has(c.state.id);
    } else if (args.length !== 0) {
      fail(Err.syntax);
    }
    let text = '';
    for (const c of ctx.server.clients.list(filter)) text += `${c.line()}\n`;
    return Reply.verbatim(text);
  },
});

const clientInfo = defineCommand({
  name: 'info',
  arity: 2,
  flags: PLAIN,
  run(ctx) {
    return Reply.verbatim(`${ctx.server.clients.infoLine(ctx.client)}\n`);
  },
});

/**
 * CLIENT KILL ip:port (old form: OK or 'No such client'; it may kill the caller) |
 * CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR ip:port] [LADDR ip:port] [SKIPME yes|no] (how many).
 */
const clientKill = defineCommand({
  name: 'kill',
  arity: -3,
  flags: ADMIN,
  run(ctx, args) {
    const clients = ctx.server.clients;
    if (args.length === 1) {
      const addr = args[0];
      const n = clients.kill((c) => c.addr === addr, ctx.client, false);
      if (n === 0) fail(Err.noSuchClient);
      return Reply.ok();
    }
    let id = 0;
    let type: ClientInfo['type'] | null = null;
    let addr: string | null = null;
    let laddr: string | null = null;
    let skipMe = true;
    for (let i = 0; i < args.length; i += 2) {
      const opt = args[i];
      if (i + 1 >= args.length) fail(Err.syntax);
      const value = args[i + 1];
      if (isWord(opt, 'id')) {
        if (!isStrictInt(value) || Number(value) < 1) fail(Err.clientIdPositive);
        id = Number(value);
      } else if (isWord(opt, 'type')) {
        type = parseClientType(value);
      } else if (isWord(opt, 'addr')) {
        addr = value;
      } else if (isWord(opt, 'laddr')) {
        laddr = value;
      } else if (isWord(opt, 'user')) {
        if (value !== 'default') fail(Err.noSuchUser(value));
      } else if (isWord(opt, 'skipme')) {
        if (isWord(value, 'yes')) skipMe = true;
        else if (isWord(value, 'no')) skipMe = false;
        else fail(Err.syntax);
      } else {
        fail(Err.syntax);
      }
    }
    return clients.kill(
      (c) =>
        (addr === null || c.addr === addr) &&
        (laddr === null || c.laddr === laddr) &&
        (type === null || c.type === type) &&
        (id === 0 || c.state.id === id),
      ctx.client,
      skipMe,
    );
  },
});

/** CLIENT PAUSE timeout [WRITE|ALL] */
const clientPause = defineCommand({
  name: 'pause',
  arity: -3,
  flags: ADMIN,
  run(ctx, args) {
    if (args.length > 2) fail(Err.subcommandSyntax(ctx.argv[1], 'client'));
    let mode: 'all' | 'write' = 'all';
    if (args.length === 2) {
      if (isWord(args[1], 'write')) mode = 'write';
      else if (isWord(args[1], 'all')) mode = 'all';
      else fail(Err.pauseMode);
    }
    const ms = parseInteger(args[0], Err.pauseTimeoutNotInteger);
    if (ms < 0) fail(Err.timeoutNegative);
    ctx.server.clients.pause(ctx.server.clock.now() + ms, mode);
    return Reply.ok();
  },
});

const clientUnpause = defineCommand({
  name: 'unpause',
  arity: 2,
  flags: ADMIN,
  run(ctx) {
    ctx.server.clients.unpause();
    return Reply.ok();
  },
});

/** CLIENT REPLY ON|OFF|SKIP -- OFF and SKIP have no reply of their own. */
const clientReply = defineCommand({
  name: 'reply',
  arity: 3,
  flags: PLAIN,
  run(ctx, [mode]) {
    const c = ctx.client;
    if (isWord(mode, 'on')) {
      c.replyMode = 'on';
      return Reply.ok();
    }
    if (isWord(mode, 'off')) {
      c.replyMode = 'off';
      return Reply.none();
    }
    if (isWord(mode, 'skip')) {
      if (c.replyMode !== 'off') c.replyMode = 'skip-next';
      return Reply.none();
    }
    fail(Err.syntax);
  },
});

const clientNoEvict = defineCommand({
  name: 'no-evict',
  arity: 3,
  flags: ADMIN,
  run(ctx, [arg]) {
    if (isWord(arg, 'on')) ctx.client.noEvict = true;
    else if (isWord(arg, 'off')) ctx.client.noEvict = false;
    else fail(Err.syntax);
    return Reply.ok();
  },
});

/** CLIENT UNBLOCK id [TIMEOUT|ERROR] -- 1 when a blocked client was woken, else 0. */
const clientUnblock = defineCommand({
  name: 'unblock',
  arity: -3,
  flags: ADMIN,
  run(ctx, args) {
    if (args.length > 2) fail(Err.subcommandSyntax(ctx.argv[1], 'client'));
    let withError = false;
    if (args.length === 2) {
      if (isWord(args[1], 'timeout')) withError = false;
      else if (isWord(args[1], 'error')) withError = true;
      else fail(Err.unblockReason);
    }
    const id = parseInteger(args[0]);
    return ctx.server.clients.unblock(id, withError) ? 1 : 0;
  },
});

const clientGetredir = defineCommand({
  name: 'getredir',
  arity: 2,
  flags: PLAIN,
  run() {
    return -1; // tracking is not supported: never redirecting
  },
});

/** CLIENT TRACKINGINFO -- tracking is off (client-side caching is not implemented). */
const clientTrackinginfo = defineCommand({
  name: 'trackinginfo',
  arity: 2,
  flags: PLAIN,
  run() {
    return Reply.map(['flags', Reply.set(['off']), 'redirect', -1, 'prefixes', []]);
  },
});

const clientHelp = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  run() {
    return CLIENT_HELP.map((l) => Reply.simple(l));
  },
});

/** CLIENT <subcommand> */
export const client = defineContainer('client', -2, [], [
  clientId,
  clientSetname,
  clientGetname,
  clientList,
  clientInfo,
  clientKill,
  clientPause,
  clientUnpause,
  clientReply,
  clientNoEvict,
  clientUnblock,
  clientGetredir,
  clientTrackinginfo,
  clientHelp,
]);

export const clientCommands: CommandSpec[] = [client, hello, auth, reset];
