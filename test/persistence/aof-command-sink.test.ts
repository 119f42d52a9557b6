/**
 * AofCommandSink: the commands of a rewrite. Exact bytes for small values (batches of 64, PEXPIREAT,
 * %.17g scores, intsets ascending); and a walk in tiny slices with random writes between them (big values
 * written in parts, rebased on clones) emits exactly the bytes of an undisturbed walk of the same start.
 */
import { describe, expect, it } from 'vitest';
import type { DbEnv } from '../../src/keyspace/db.js';
import { Keyspace } from '../../src/keyspace/keyspace.js';
import { HashValue } from '../../src/keyspace/types/hash.js';
import { ListValue } from '../../src/keyspace/types/list.js';
import { SetValue } from '../../src/keyspace/types/set.js';
import { ZSetValue } from '../../src/keyspace/types/zset.js';
import { AofCommandSink } from '../../src/persistence/aof-command-sink.js';
import type { RdbChunkConsumer } from '../../src/persistence/rdb-snapshot-sink.js';
import { Snapshot, type SnapshotSink } from '../../src/persistence/snapshot.js';
import { ManualClock } from '../../src/util/clock.js';
import { rng } from '../helpers/rng.js';
import { populate, randomWrite } from '../helpers/snapshot-workload.js';

function makeKeyspace(clock: ManualClock): Keyspace {
  const env: DbEnv = { clock, deleteExpired: true, expired: () => {}, added: () => {} };
  return new Keyspace(16, env);
}

/** Collects the chunks (asks for a drain now and then, as a busy writer would). */
class Collector implements RdbChunkConsumer {
  chunks: Buffer[] = [];
  write(chunk: Buffer): boolean {
    this.chunks.push(Buffer.from(chunk));
    return this.chunks.length % 3 !== 0;
  }
  drain(): Promise<void> {
    return Promise.resolve();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }
}

const cmd = (...argv: string[]) => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;

describe('AofCommandSink', () => {
  it('writes the shortest commands: SELECT, SET, batches of 64, PEXPIREAT, scores as %.17g', () => {
    const clock = new ManualClock(1_000_000);
    const ks = makeKeyspace(clock);
    const db = ks.dbs[2];
    db.set('s', 'v\x00\xff');
    db.setExpire('s', 4_000_000_000_000);
    const l = new ListValue();
    for (let i = 0; i < 130; i++) l.pushTail(`e${i}`);
    ks.dbs[5].set('l', l);
    const st = new SetValue();
    for (const m of ['10', '-3', '7', '100']) st.add(m);
    ks.dbs[5].set('is', st);
    const h = new HashValue();
    h.set('f', '1');
    h.set('g', '2');
    ks.dbs[7].set('h', h);
    const z = new ZSetValue();
    z.set('a', 0.1);
    z.set('b', Infinity);
    z.set('c', -Infinity);
    z.set('d', 3);
    ks.dbs[7].set('z', z);
    const out = new Collector();
    const sink = new AofCommandSink(out, { timestampSec: 1700000000 });
    Snapshot.start(ks, sink).slice({ maxMs: Infinity });
    const items = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `e${from + i}`);
    const want =
      '#TS:1700000000\r\n' +
      cmd('SELECT', '2') +
      cmd('SET', 's', 'v\x00\xff') +
      cmd('PEXPIREAT', 's', '4000000000000') +
      cmd('SELECT', '5') +
      cmd('RPUSH', 'l', ...items(0, 64)) +
      cmd('RPUSH', 'l', ...items(64, 128)) +
      cmd('RPUSH', 'l', ...items(128, 130)) +
      cmd('SADD', 'is', '-3', '7', '10', '100') +
      cmd('SELECT', '7') +
      cmd('HMSET', 'h', 'f', '1', 'g', '2') +
      cmd('ZADD', 'z', '-inf', 'c', '0.10000000000000001', 'a', '3', 'd', 'inf', 'b');
    // keys of one db come in page order: compare the db 5 and db 7 blocks as sets of key blocks
    const got = out.text();
    expect(got.length).toBe(want.length);
    expect(got.startsWith('#TS:1700000000\r\n' + cmd('SELECT', '2') + cmd('SET', 's', 'v\x00\xff'))).toBe(true);
    for (const block of [
      cmd('RPUSH', 'l', ...items(0, 64)) + cmd('RPUSH', 'l', ...items(64, 128)) + cmd('RPUSH', 'l', ...items(128, 130)),
      cmd('SADD', 'is', '-3', '7', '10', '100'),
      cmd('HMSET', 'h', 'f', '1', 'g', '2'),
      cmd('ZADD', 'z', '-inf', 'c', '0.10000000000000001', 'a', '3', 'd', 'inf', 'b'),
    ]) {
      expect(got).toContain(block);
    }
  });

  it('a walk in tiny slices with writes between them emits the bytes of an undisturbed walk', () => {
    for (const seed of [1, 2, 3]) {
      const build = (): { ks: Keyspace; clock: ManualClock } => {
        const clock = new ManualClock(1_000_000);
        const ks = makeKeyspace(clock);
        populate(ks, rng(seed), [300, 200, 0, 150, 50, 100], clock, 0.2);
        // big values in non-compact encodings: written in parts
        const l = new ListValue();
        const s = new SetValue();
        const h = new HashValue();
        const z = new ZSetValue();
        for (let i = 0; i < 3000; i++) {
          l.pushTail(`e${i}`);
          s.add(`m${i}`);
          h.set(`f${i}`, `v${i}`);
          z.set(`z${i}`, (i * 7919) % 1000);
        }
        s.intset = false;
        h.listpack = false;
        z.listpack = false;
        // db 8: randomWrite (dbs 0..5) never flushes or swaps it away
        for (const [k, v] of [['bigl', l], ['bigs', s], ['bigh', h], ['bigz', z]] as const) ks.dbs[8].set(k, v);
        ks.dbs[8].setExpire('bigz', 5_000_000);
        return { ks, clock };
      };
      const a = build();
      const calm = new Collector();
      Snapshot.start(a.ks, new AofCommandSink(calm)).slice({ maxMs: Infinity });

      const b = build();
      const busy = new Collector();
      const inner = new AofCommandSink(busy);
      // which key's value is being written in parts right now
      let writing = null as string | null;
      const sink: SnapshotSink = {
        beginDb: (i) => inner.beginDb(i),
        entry: (db, key, value, exp) => {
          const cursor = inner.entry(db, key, value, exp);
          if (cursor === null) return null;
          writing = key;
          return {
            step: (n) => {
              const done = cursor.step(n);
              if (done) writing = null;
              return done;
            },
            rebase: (copy) => cursor.rebase(copy),
          };
        },
        end: () => inner.end(),
      };
      const snap = Snapshot.start(b.ks, sink);
      const r = rng(seed + 100);
      let editedWhileWriting = 0;
      while (!snap.slice({ maxUnits: 37 })) {
        for (let i = 0; i < 5; i++) randomWrite(b.ks, r, b.clock, 10_000_000);
        // in-place edits, as commands do them, of the big value being written (earlier edits would make the
        // snapshot copy it before the walk reaches it, and the cursor would never see a change)
        const db = b.ks.dbs[8];
        const key = writing;
        if (key === null) continue;
        editedWhileWriting++;
        const v = db.get(key);
        if (v === undefined || typeof v === 'string') continue;
        db.willModify(key);
        if (v instanceof ListValue) v.setAt(Math.floor(r() * v.length), 'changed');
        else if (v instanceof SetValue) v.remove(`m${Math.floor(r() * 3000)}`);
        else if (v instanceof HashValue) v.set(`f${Math.floor(r() * 3000)}`, 'changed');
        else if (v instanceof ZSetValue) v.set(`z${Math.floor(r() * 3000)}`, -1);
      }
      expect(busy.text() === calm.text(), `seed ${seed}`).toBe(true);
      expect(editedWhileWriting).toBeGreaterThan(10); // big values being written were changed (rebase)
    }
  });
});
