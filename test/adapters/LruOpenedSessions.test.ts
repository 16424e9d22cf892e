import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LruOpenedSessions } from '../../src/adapters/memory/LruOpenedSessions.ts';

const session = (id: string) => ({ images: new Map([[id, { sha256: id, faces: [] }]]) });

describe('LruOpenedSessions', () => {
  let opened: LruOpenedSessions;
  beforeEach(() => {
    vi.useFakeTimers();
    opened = new LruOpenedSessions({ maxSessions: 4, maxAgeMs: 60_000 });
  });
  afterEach(() => {
    opened.close();
    vi.useRealTimers();
  });

  it('gives back what was set until it is deleted', () => {
    const a = session('a');
    opened.set('a', a);
    expect(opened.get('a')).toBe(a);
    expect(opened.get('b')).toBeUndefined();
    opened.delete('a');
    expect(opened.get('a')).toBeUndefined();
  });

  it('forgets a session its maximum age after it was opened', () => {
    opened.set('a', session('a'));
    vi.advanceTimersByTime(59_000);
    expect(opened.get('a')).toBeDefined();
    vi.advanceTimersByTime(1_000);
    expect(opened.get('a')).toBeUndefined();
  });

  it('holds a bounded number of sessions, dropping the least recently used', () => {
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) opened.set(id, session(id));
    const held = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].filter((id) => opened.get(id) !== undefined);
    expect(held.length).toBeLessThanOrEqual(4);
    expect(held).toContain('h');
  });

  it('holds nothing after close', () => {
    opened.set('a', session('a'));
    opened.close();
    expect(opened.get('a')).toBeUndefined();
  });
});
