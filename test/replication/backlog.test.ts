/**
 * The backlog ring (replication/backlog.ts) and ReplicationState's offsets and ids: window bounds as
 * Redis's PSYNC checks them, wrap-around, overflow, resize, free/create.
 */
import { describe, expect, it } from 'vitest';
import { ReplicationBacklog } from '../../src/replication/backlog.js';
import { NULL_REPLID, ReplicationState } from '../../src/replication/replication-state.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const read = (bl: ReplicationBacklog, off: number) => Buffer.concat(bl.readFrom(off)).toString('latin1');

describe('ReplicationBacklog', () => {
  it('is inactive until created; then the window starts after the stream offset', () => {
    const bl = new ReplicationBacklog(16);
    expect(bl.active).toBe(false);
    expect(bl.firstByteOffset).toBe(0);
    expect(bl.canServe(1)).toBe(false);
    bl.create(100);
    expect(bl.active).toBe(true);
    expect(bl.firstByteOffset).toBe(101);
    expect(bl.histlen).toBe(0);
    // nothing to send, but a replica at 100 may continue
    expect(bl.canServe(101)).toBe(true);
    expect(bl.readFrom(101)).toEqual([]);
    expect(bl.canServe(100)).toBe(false);
    expect(bl.canServe(102)).toBe(false);
  });

  it('keeps the newest bytes across wrap-around and reads from any offset in the window', () => {
    const bl = new ReplicationBacklog(10);
    bl.create(0);
    bl.append(b('abcdef')); // offsets 1..6
    expect(read(bl, 1)).toBe('abcdef');
    expect(read(bl, 4)).toBe('def');
    bl.append(b('ghijk')); // 7..11: 'a' dropped
    expect(bl.histlen).toBe(10);
    expect(bl.firstByteOffset).toBe(2);
    expect(bl.canServe(1)).toBe(false);
    expect(read(bl, 2)).toBe('bcdefghijk');
    expect(read(bl, 9)).toBe('ijk');
    expect(bl.canServe(12)).toBe(true);
    expect(bl.canServe(13)).toBe(false);
    for (let i = 0; i < 7; i++) bl.append(b(String.fromCharCode(108 + i)));
    expect(read(bl, bl.firstByteOffset)).toBe('ijklmnopqr');
  });

  it('an append larger than the ring keeps its tail', () => {
    const bl = new ReplicationBacklog(4);
    bl.create(10);
    bl.append(b('xy'));
    bl.append(b('0123456789'));
    expect(bl.histlen).toBe(4);
    expect(bl.firstByteOffset).toBe(10 + 12 - 4 + 1);
    expect(read(bl, bl.firstByteOffset)).toBe('6789');
    bl.append(b('Z'));
    expect(read(bl, bl.firstByteOffset)).toBe('789Z');
  });

  it('resize keeps the newest min(histlen, size) bytes; free forgets everything', () => {
    const bl = new ReplicationBacklog(8);
    bl.create(0);
    bl.append(b('abcdefghij')); // keeps cdefghij (3..10)
    bl.resize(4);
    expect(bl.size).toBe(4);
    expect(read(bl, bl.firstByteOffset)).toBe('ghij');
    expect(bl.firstByteOffset).toBe(7);
    bl.resize(32);
    bl.append(b('kl'));
    expect(read(bl, 7)).toBe('ghijkl');
    bl.free();
    expect(bl.active).toBe(false);
    expect(bl.histlen).toBe(0);
    expect(bl.canServe(7)).toBe(false);
  });
});

describe('ReplicationState', () => {
  it('counts every byte fed; feed listeners see each chunk', () => {
    const st = new ReplicationState(1024);
    expect(st.replid).toMatch(/^[0-9a-f]{40}$/);
    expect(st.replid2).toBe(NULL_REPLID);
    expect(st.secondReplOffset).toBe(-1);
    const seen: string[] = [];
    st.addFeedListener((x, start, end) => seen.push(x.toString('latin1', start, end)));
    st.feed(b('*1\r\n$4\r\nPING\r\n'));
    st.feed(b('xyz'));
    expect(st.offset).toBe(17);
    expect(seen).toEqual(['*1\r\n$4\r\nPING\r\n', 'xyz']);
    expect(st.backlog.firstByteOffset).toBe(1);
    expect(st.canContinue(st.replid, 15)).toBe(true);
    expect(st.canContinue(st.replid, 18)).toBe(true);
    expect(st.canContinue(st.replid, 19)).toBe(false);
    expect(st.canContinue('?', 1)).toBe(false);
  });

  it('shiftReplicationId keeps the old id valid up to offset + 1', () => {
    const st = new ReplicationState(1024);
    st.feed(b('0123456789'));
    const old = st.replid;
    st.shiftReplicationId();
    expect(st.replid).not.toBe(old);
    expect(st.replid2).toBe(old);
    expect(st.secondReplOffset).toBe(11);
    st.feed(b('abc'));
    expect(st.canContinue(old, 11)).toBe(true);
    expect(st.canContinue(old, 12)).toBe(false);
    expect(st.canContinue(st.replid, 12)).toBe(true);
  });

  it('adopt takes the master id and offset with an empty backlog', () => {
    const st = new ReplicationState(1024);
    st.feed(b('junk'));
    st.shiftReplicationId();
    const id = 'a'.repeat(40);
    st.adopt(id, 5000);
    expect(st.replid).toBe(id);
    expect(st.replid2).toBe(NULL_REPLID);
    expect(st.offset).toBe(5000);
    expect(st.backlog.firstByteOffset).toBe(5001);
    expect(st.backlog.histlen).toBe(0);
    st.feed(b('12345'));
    expect(st.offset).toBe(5005);
    expect(Buffer.concat(st.backlog.readFrom(5003)).toString()).toBe('345');
  });
});
