#!/usr/bin/env node
/**
 * Generates src/commands/command-docs.json from a real redis-server 7.0.15 (NOT run in CI).
 *
 *   redis-server --port 7160 --save '' --daemonize yes
 *   node scripts/gen-command-docs.mjs 7160
 *
 * It sends HELLO 3, COMMAND INFO and COMMAND DOCS over a raw socket and saves both replies in a
 * typed JSON form that keeps RESP3's shapes, so nodis can answer in RESP2 and RESP3 alike:
 * a JSON string is a bulk string, a number an integer, null a null, an array an array,
 * {"+": s} a simple string, {"%": [k, v, ...]} a map, {"~": [...]} a set.
 * nodis merges these with its own specs at run time (arity, flags and key positions come from
 * the specs; ACL categories, tips, key specs and docs from here).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const port = Number(process.argv[2] ?? 6379);
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'commands', 'command-docs.json');

function parse(buf, pos) {
  const type = String.fromCharCode(buf[pos]);
  const eol = buf.indexOf('\r\n', pos, 'latin1');
  const line = buf.toString('latin1', pos + 1, eol);
  let p = eol + 2;
  const many = (n, wrap) => {
    const items = [];
    for (let i = 0; i < n; i++) {
      const [v, np] = parse(buf, p);
      items.push(v);
      p = np;
    }
    return [wrap(items), p];
  };
  switch (type) {
    case '$':
    case '=': {
      const n = Number(line);
      return [buf.toString('latin1', p, p + n), p + n + 2];
    }
    case '+':
      return [{ '+': line }, p];
    case '-':
      throw new Error(line);
    case ':':
      return [Number(line), p];
    case '_':
      return [null, p];
    case '*':
      return many(Number(line), (x) => x);
    case '%':
      return many(Number(line) * 2, (x) => ({ '%': x }));
    case '~':
      return many(Number(line), (x) => ({ '~': x }));
    default:
      throw new Error(`unexpected RESP type ${type}`);
  }
}

function request(sock, argv) {
  let cmd = `*${argv.length}\r\n`;
  for (const a of argv) cmd += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return new Promise((resolve, reject) => {
    let acc = Buffer.alloc(0);
    const onData = (chunk) => {
      acc = Buffer.concat([acc, chunk]);
      try {
        const [v, end] = parse(acc, 0);
        if (end > acc.length) return;
        sock.off('data', onData);
        resolve(v);
      } catch (e) {
        if (e instanceof RangeError || /unexpected RESP type undefined/.test(String(e))) return;
        // incomplete frames throw on missing bytes; wait for more unless it is a server error
        if (acc.length > 0 && acc[acc.length - 1] !== 10) return;
        if (String(e).includes('ERR')) reject(e);
      }
    };
    sock.on('data', onData);
    sock.write(cmd);
  });
}

const sock = net.connect({ port, host: '127.0.0.1' });
await new Promise((r) => sock.once('connect', r));
sock.setMaxListeners(0);
await request(sock, ['HELLO', '3']);
const info = await request(sock, ['COMMAND', 'INFO']);
const docs = await request(sock, ['COMMAND', 'DOCS']);
sock.destroy();

const result = { info: {}, docs: {} };
for (const entry of info) result.info[entry[0]] = entry;
const flat = docs['%'];
for (let i = 0; i < flat.length; i += 2) result.docs[flat[i]] = flat[i + 1];
const sortObj = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
result.info = sortObj(result.info);
result.docs = sortObj(result.docs);
fs.writeFileSync(out, `${JSON.stringify(result)}\n`);
console.log(`wrote ${Object.keys(result.info).length} commands to ${out}`);
