/**
 * redis.conf parsing (quotes, include, comments, errors with line numbers), redis-server's
 * command-line conventions, the directive table's defaults and validation, CONFIG REWRITE's
 * file handling. Pure unit tests: no server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Config, DIRECTIVES } from '../../src/config.js';
import { ConfigFileError, loadConfigText, loadServerConfig, parseCommandLine, rewriteConfigFile } from '../../src/config-file.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-conf-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

function parse(text: string): Config {
  const c = new Config();
  c.beginFileLoad();
  loadConfigText(c, text);
  c.endFileLoad();
  return c;
}

function parseError(text: string): ConfigFileError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof ConfigFileError) return e;
    throw e;
  }
  throw new Error('expected a config error');
}

describe('defaults', () => {
  it('are Redis 7.0.15 defaults in CONFIG GET spelling', () => {
    const c = new Config();
    expect(c.get('bind')).toBe('* -::*');
    expect(c.get('port')).toBe('6379');
    expect(c.get('save')).toBe('3600 1 300 100 60 10000');
    expect(c.get('client-output-buffer-limit')).toBe('normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    expect(c.get('proto-max-bulk-len')).toBe('536870912');
    expect(c.get('maxmemory')).toBe('0');
    expect(c.get('appendonly')).toBe('no');
    expect(c.get('loglevel')).toBe('notice');
    expect(c.get('unixsocketperm')).toBe('0');
    expect(c.get('latency-tracking-info-percentiles')).toBe('50 99 99.9');
    expect(c.get('oom-score-adj-values')).toBe('0 200 800');
    expect(c.get('dir')).toBe(process.cwd());
  });

  it('answer aliases', () => {
    const c = new Config();
    expect(c.get('slave-read-only')).toBe('yes');
    expect(c.get('hash-max-ziplist-entries')).toBe('512');
    expect(c.get('lua-time-limit')).toBe('5000');
    c.set('slave-priority', '7');
    expect(c.get('replica-priority')).toBe('7');
  });

  it('list every directive once', () => {
    const names = new Set<string>();
    for (const d of DIRECTIVES) for (const n of [d.name, ...(d.aliases ?? [])]) {
      expect(names.has(n)).toBe(false);
      names.add(n);
    }
    // 192 names (aliases included) from CONFIG GET * on Redis 7.0.15, plus 5 hidden ones
    expect(names.size).toBe(197);
  });
});

describe('values', () => {
  it('normalizes memory, bools, enums, octal and percentages', () => {
    const c = new Config();
    c.set('maxmemory', '1K');
    expect(c.get('maxmemory')).toBe('1000');
    c.set('maxmemory', '2gb');
    expect(c.get('maxmemory')).toBe('2147483648');
    c.set('appendonly', 'YES');
    expect(c.get('appendonly')).toBe('yes');
    c.set('loglevel', 'WARNING');
    expect(c.get('loglevel')).toBe('warning');
    c.set('maxmemory-clients', '50%');
    expect(c.get('maxmemory-clients')).toBe('50%');
    c.set('notify-keyspace-events', 'KEA');
    expect(c.get('notify-keyspace-events')).toBe('AKE');
    c.set('hz', '1000');
    expect(c.get('hz')).toBe('500');
    c.set('latency-tracking-info-percentiles', '50 99.90');
    expect(c.get('latency-tracking-info-percentiles')).toBe('50 99.9');
    c.set('shutdown-on-sigterm', 'now SAVE');
    expect(c.get('shutdown-on-sigterm')).toBe('save now');
  });

  it('rejects bad values with Redis reasons', () => {
    const c = new Config();
    const reason = (name: string, v: string) => {
      try {
        c.set(name, v);
      } catch (e) {
        return (e as Error).message;
      }
      return 'ok';
    };
    expect(reason('maxmemory', '1.5mb')).toBe('argument must be a memory value');
    expect(reason('maxmemory', '-1')).toBe('argument must be a memory value');
    expect(reason('port', '70000')).toBe('argument must be between 0 and 65535 inclusive');
    expect(reason('port', 'abc')).toBe("argument couldn't be parsed into an integer");
    expect(reason('timeout', '1.5')).toBe("argument couldn't be parsed into an integer");
    expect(reason('maxclients', '0')).toBe('argument must be between 1 and 4294967295 inclusive');
    expect(reason('slowlog-log-slower-than', '-2')).toBe('argument must be between -1 and 9223372036854775807 inclusive');
    expect(reason('loglevel', 'bogus')).toBe('argument(s) must be one of the following: debug, verbose, notice, warning');
    expect(reason('appendonly', 'maybe')).toBe("argument must be 'yes' or 'no'");
    expect(reason('save', '1')).toBe('Invalid save parameters');
    expect(reason('client-output-buffer-limit', 'normal 1 2')).toBe('Wrong number of arguments in buffer limit configuration.');
    expect(reason('client-output-buffer-limit', 'master 1 2 3')).toBe('Invalid client class specified in buffer limit configuration.');
    expect(reason('notify-keyspace-events', 'Q')).toBe("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    expect(reason('maxmemory-clients', '200%')).toBe('percentage argument must be less or equal to 100');
    expect(reason('unixsocketperm', '999')).toBe("argument couldn't be parsed as an octal number");
    expect(reason('dbfilename', 'a/b')).toBe("dbfilename can't be a path, just a filename");
    expect(reason('dir', path.join(tmp, 'nope'))).toBe('No such file or directory');
  });

  it('merges client-output-buffer-limit classes and accepts replica for slave', () => {
    const c = new Config();
    c.set('client-output-buffer-limit', 'pubsub 1mb 2k 3 replica 1gb 0 0');
    expect(c.get('client-output-buffer-limit')).toBe('normal 0 0 0 slave 1073741824 0 0 pubsub 1048576 2000 3');
  });
});

describe('config file text', () => {
  it('handles comments, blank lines, quotes and escapes', () => {
    const c = parse('# a comment\n\n   \nport 7000\r\nrequirepass "a b\\"c\\x41"\nmasterauth \'it\\\'s\'\n  loglevel   warning  \n');
    expect(c.get('port')).toBe('7000');
    expect(c.get('requirepass')).toBe('a b"cA');
    expect(c.get('masterauth')).toBe("it's");
    expect(c.get('loglevel')).toBe('warning');
  });

  it('takes several arguments for multi-argument directives', () => {
    const c = parse('bind 127.0.0.1 -::1\nclient-output-buffer-limit normal 1mb 1mb 10\noom-score-adj-values 1 2 3');
    expect(c.get('bind')).toBe('127.0.0.1 -::1');
    expect(c.get('client-output-buffer-limit')).toBe('normal 1048576 1048576 10 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    expect(c.get('oom-score-adj-values')).toBe('1 2 3');
  });

  it("accumulates save lines, replacing the defaults once; save \"\" clears", () => {
    expect(parse('save 900 1\nsave 300 10').get('save')).toBe('900 1 300 10');
    expect(parse('save ""').get('save')).toBe('');
    expect(parse('save 900 1 300 10').get('save')).toBe('900 1 300 10');
    expect(parse('save 900 1\nsave ""').get('save')).toBe('');
    expect(parse('save ""\nsave 100 1').get('save')).toBe('100 1');
  });

  it('accepts aliases, deprecated directives, rename-command and user', () => {
    const c = parse('slaveof 10.0.0.1 6380\nslave-serve-stale-data no\nlist-max-ziplist-entries 5\nrename-command FLUSHALL ""\nuser default on nopass ~* +@all');
    expect(c.get('replicaof')).toBe('10.0.0.1 6380');
    expect(c.get('replica-serve-stale-data')).toBe('no');
    expect(c.renamedCommands).toEqual([['FLUSHALL', '']]);
    expect(c.userLines.length).toBe(1);
  });

  it('reports unknown directives with the line, in Redis format', () => {
    const e = parseError('port 7000\n# c\n\nbogus   x  "y z"\n');
    expect(e.lineNumber).toBe(4);
    expect(e.format()).toContain(
      "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 4\n>>> 'bogus   x  \"y z\"'\nBad directive or wrong number of arguments\n",
    );
  });

  it('reports bad values, wrong argument counts and unbalanced quotes', () => {
    expect(parseError('maxmemory abc').reason).toBe('argument must be a memory value');
    expect(parseError('port').reason).toBe('wrong number of arguments');
    expect(parseError('port 1 2').reason).toBe('wrong number of arguments');
    const q = parseError('\nport "7141');
    expect([q.lineNumber, q.line, q.reason]).toEqual([2, 'port "7141', 'Unbalanced quotes in configuration line']);
    expect(parseError('loadmodule /x.so').reason).toContain('not supported');
  });

  it('includes files (globs too) and names the included file in errors', () => {
    const inc = write('inc-a.conf', 'maxclients 77\n');
    write('inc-b.conf', 'timeout 5\n');
    const c = parse(`include ${inc}\ninclude ${path.join(tmp, 'inc-*.conf')}\ninclude ${path.join(tmp, 'none-*.conf')}`);
    expect(c.get('maxclients')).toBe('77');
    expect(c.get('timeout')).toBe('5');
    const bad = write('inc-bad.conf', 'port 1\nnot-a-directive 1\n');
    const e = parseError(`port 2\ninclude ${bad}`);
    expect([e.lineNumber, e.source]).toEqual([2, bad]);
    expect(e.format()).toContain(`(in ${bad})`);
    expect(parseError(`include ${path.join(tmp, 'missing.conf')}`).reason).toContain("can't open config file");
  });

  it('resolves relative includes against dir (the cwd Redis would have)', () => {
    write('rel.conf', 'databases 3\n');
    const c = parse(`dir ${tmp}\ninclude rel.conf`);
    expect(c.get('dir')).toBe(tmp);
    expect(c.get('databases')).toBe('3');
  });
});

describe('redis.conf.example', () => {
  it('loads, and every active line keeps the default', () => {
    const example = path.resolve(import.meta.dirname, '../../redis.conf.example');
    const c = new Config();
    loadServerConfig(c, parseCommandLine([example]));
    const defaults = new Config();
    for (const [name, value] of defaults.entries()) expect(c.get(name), name).toBe(value);
    // and it documents every directive (commented out or not)
    const text = fs.readFileSync(example, 'latin1');
    for (const d of DIRECTIVES) if (!d.hidden) expect(text, d.name).toMatch(new RegExp(`^#? ?${d.name} `, 'm'));
  });
});

describe('command line', () => {
  const opts = (...argv: string[]) => parseCommandLine(argv);

  it('takes the first non-option argument as the config file', () => {
    expect(opts('/etc/redis.conf', '--port', '7000')).toEqual({ configFile: '/etc/redis.conf', fromStdin: false, options: 'port "7000" ' });
    expect(opts('--port', '7000').configFile).toBeNull();
  });

  it('groups values up to the next --option, and handles --save', () => {
    expect(opts('--client-output-buffer-limit', 'normal', '0', '0', '0', '--port', '1').options).toBe(
      'client-output-buffer-limit "normal" "0" "0" "0" \nport "1" ',
    );
    expect(opts('--save', '', '--port', '1').options).toBe('save "" \nport "1" ');
    expect(opts('--save', '--port', '1').options).toBe('save ""\nport "1" ');
    expect(opts('--port', '1', '--save').options).toBe('port "1" \nsave ""');
    expect(opts('--requirepass', '--weird').options).toBe('requirepass "--weird" ');
  });

  it("reads stdin for '-' as first or last argument", () => {
    expect(opts('-').fromStdin).toBe(true);
    expect(opts('--port', '1', '-').fromStdin).toBe(true);
  });

  it('appends options after the file and stdin, line numbers running on', () => {
    const file = write('base.conf', 'port 7000\nmaxclients 5\n');
    const c = new Config();
    loadServerConfig(c, parseCommandLine([file, '--port', '7001', '-']), () => 'timeout 9\n');
    expect([c.get('port'), c.get('maxclients'), c.get('timeout'), c.file]).toEqual(['7001', '5', '9', file]);
    try {
      loadServerConfig(new Config(), parseCommandLine([file, '--bogus', 'x']));
      expect.unreachable();
    } catch (e) {
      const err = e as ConfigFileError;
      expect([err.lineNumber, err.line, err.source]).toEqual([4, 'bogus "x"', 'command line']);
    }
  });
});

describe('rewrite', () => {
  it('keeps comments and unknown lines, rewrites in place, appends after the signature', () => {
    const file = write(
      'rw.conf',
      '# My config\nport 7142\n# about save\nsave 900 1\nsave 300 10\n\nmaxmemory 100mb\nslave-read-only yes\nrename-command FLUSHALL ""\nhz 20\n',
    );
    const c = new Config();
    loadServerConfig(c, parseCommandLine([file]));
    c.set('maxmemory', '2gb');
    c.set('timeout', '30');
    c.set('hz', '10');
    c.set('save', '');
    c.set('replica-read-only', 'no');
    c.set('requirepass', 'a b"c');
    c.set('client-output-buffer-limit', 'pubsub 64mb 16mb 90');
    rewriteConfigFile(c);
    const text = fs.readFileSync(file, 'latin1');
    expect(text).toBe(
      [
        '# My config',
        'port 7142',
        '# about save',
        'save ""',
        '',
        'maxmemory 2gb',
        'replica-read-only no',
        'rename-command FLUSHALL ""',
        'hz 10',
        '',
        '# Generated by CONFIG REWRITE',
        'timeout 30',
        `dir "${process.cwd()}"`,
        'requirepass "a b\\"c"',
        'latency-tracking-info-percentiles 50 99 99.9',
        'client-output-buffer-limit pubsub 64mb 16mb 90',
        '',
      ].join('\n'),
    );
    // what was written reads back to the same values
    const again = new Config();
    loadServerConfig(again, parseCommandLine([file]));
    for (const n of ['maxmemory', 'timeout', 'hz', 'save', 'replica-read-only', 'requirepass', 'client-output-buffer-limit']) {
      expect(again.get(n)).toBe(c.get(n));
    }
  });
});

describe('multi-argument directives given as one argument', () => {
  it('are split again, as redis-server does for `--save "3600 1"`', () => {
    const c = parse('save "3600 1 300 5"\nclient-output-buffer-limit "normal 1 2 3"\nbind "127.0.0.1 -::1"\n');
    expect(c.get('save')).toBe('3600 1 300 5');
    expect(c.get('client-output-buffer-limit')).toBe('normal 1 2 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    expect(c.get('bind')).toBe('127.0.0.1 -::1');
    expect(parse('save ""\n').get('save')).toBe('');
  });
});
