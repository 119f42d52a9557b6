/**
 * Reply encoding, RESP2 and RESP3. The only code that turns Reply values into bytes; it writes
 * them into an OutputBuffer. Buffering and flushing belong to Connection.
 */
import { formatG17 } from '../util/format-double.js';
import { OutputBuffer } from './output-buffer.js';
import {
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  MultiReply,
  NoReply,
  NullArrayReply,
  PushReply,
  type Reply,
  SetReply,
  SimpleReply,
  VerbatimReply,
} from './reply.js';

export type Protocol = 2 | 3;

/** Error text must be one line: Redis replaces CR/LF with spaces. */
function sanitizeLine(s: string): string {
  return s.includes('\r') || s.includes('\n') ? s.replace(/[\r\n]/g, ' ') : s;
}

export function writeReply(out: OutputBuffer, reply: Reply, proto: Protocol): void {
  switch (typeof reply) {
    case 'string':
      out.header(36 /* $ */, reply.length);
      out.latin1(reply);
      out.ascii('\r\n');
      return;
    case 'number':
      if (Number.isSafeInteger(reply)) out.header(58 /* : */, reply);
      else out.ascii(`:${reply}\r\n`);
      return;
    case 'bigint':
      out.ascii(`:${reply}\r\n`);
      return;
    case 'object':
      break;
    default:
      throw new Error(`unencodable reply: ${typeof reply}`);
  }
  if (reply === null) {
    out.ascii(proto === 3 ? '_\r\n' : '$-1\r\n');
  } else if (Array.isArray(reply)) {
    out.header(42 /* * */, reply.length);
    for (let i = 0; i < reply.length; i++) writeReply(out, reply[i], proto);
  } else if (Buffer.isBuffer(reply)) {
    out.ascii(`$${reply.length}\r\n`);
    out.bytes(reply);
    out.ascii('\r\n');
  } else if (reply instanceof SimpleReply) {
    // +OK and the like: one pass, CR/LF turned into spaces as sanitizeLine does
    if (!out.line(43 /* + */, reply.value)) {
      out.ascii('+');
      out.latin1(sanitizeLine(reply.value));
      out.ascii('\r\n');
    }
  } else if (reply instanceof ErrorReply) {
    const msg = sanitizeLine(reply.message);
    out.ascii(msg.startsWith('-') ? '' : '-');
    out.latin1(msg);
    out.ascii('\r\n');
  } else if (reply instanceof NullArrayReply) {
    out.ascii(proto === 3 ? '_\r\n' : '*-1\r\n');
  } else if (reply instanceof MapReply) {
    const flat = reply.flat;
    out.ascii(proto === 3 ? `%${flat.length / 2}\r\n` : `*${flat.length}\r\n`);
    for (let i = 0; i < flat.length; i++) writeReply(out, flat[i], proto);
  } else if (reply instanceof SetReply) {
    out.ascii(`${proto === 3 ? '~' : '*'}${reply.items.length}\r\n`);
    for (const item of reply.items) writeReply(out, item, proto);
  } else if (reply instanceof DoubleReply) {
    const s = formatG17(reply.value);
    out.ascii(proto === 3 ? `,${s}\r\n` : `$${s.length}\r\n${s}\r\n`);
  } else if (reply instanceof BoolReply) {
    out.ascii(proto === 3 ? (reply.value ? '#t\r\n' : '#f\r\n') : reply.value ? ':1\r\n' : ':0\r\n');
  } else if (reply instanceof VerbatimReply) {
    if (proto === 3) {
      const body = Buffer.from(`${reply.format}:${reply.text}`, 'utf8');
      out.ascii(`=${body.length}\r\n`);
      out.bytes(body);
      out.ascii('\r\n');
    } else {
      out.ascii(`$${Buffer.byteLength(reply.text)}\r\n`);
      out.utf8(reply.text);
      out.ascii('\r\n');
    }
  } else if (reply instanceof PushReply) {
    out.ascii(`${proto === 3 ? '>' : '*'}${reply.items.length}\r\n`);
    for (const item of reply.items) writeReply(out, item, proto);
  } else if (reply instanceof MultiReply) {
    for (const r of reply.replies) writeReply(out, r, proto);
  } else if (reply instanceof NoReply) {
    // nothing on the wire
  } else {
    throw new Error('unencodable reply object');
  }
}
