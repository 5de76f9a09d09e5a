import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEADLINE_TICK_MS, DeadlineWatch, type Watched } from './deadline-watch.js';

class Entry implements Watched {
  watchIndex = -1;
  expired = 0;
  constructor(
    readonly name: string,
    readonly deadline: number,
    private readonly onExpire?: () => void,
  ) {}
  expire(): void {
    this.expired++;
    this.onExpire?.();
  }
}

describe('DeadlineWatch', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires each due entry once and keeps the rest, whatever the order of deletes', () => {
    const watch = new DeadlineWatch();
    const entries = [10, 50, 20, 90, 30].map((deadline, i) => new Entry(`e${i}`, deadline));
    for (const entry of entries) watch.add(entry);
    const [e0, , e2, e3, e4] = entries as [Entry, Entry, Entry, Entry, Entry];
    watch.delete(e0); // the first slot: the last entry moves into it
    watch.delete(e0); // twice is harmless
    watch.delete(e3); // now the last slot
    expect(watch.size).toBe(3);

    vi.advanceTimersByTime(30 + DEADLINE_TICK_MS);
    expect(entries.map((e) => e.expired)).toEqual([0, 0, 1, 0, 1]);
    expect(watch.size).toBe(1);
    expect(e2.watchIndex).toBe(-1);
    expect(e4.watchIndex).toBe(-1);

    vi.advanceTimersByTime(100);
    expect(entries.map((e) => e.expired)).toEqual([0, 1, 1, 0, 1]);
    expect(watch.size).toBe(0);
  });

  it('keeps entries that expiring ones add or remove while the sweep runs', () => {
    const watch = new DeadlineWatch();
    const later = new Entry('later', 1_000);
    const settledByOther = new Entry('settled', 10);
    const first = new Entry('first', 10, () => {
      watch.delete(settledByOther); // an expiry can settle another attempt
      watch.add(later); // and a retry can start a new one
    });
    watch.add(first);
    watch.add(settledByOther);

    vi.advanceTimersByTime(10 + DEADLINE_TICK_MS);
    expect(first.expired).toBe(1);
    expect(settledByOther.expired).toBe(0);
    expect(later.expired).toBe(0);
    expect(watch.size).toBe(1);
  });

  it('does not add an entry twice', () => {
    const watch = new DeadlineWatch();
    const entry = new Entry('e', 10);
    watch.add(entry);
    watch.add(entry);
    expect(watch.size).toBe(1);
    vi.advanceTimersByTime(10 + DEADLINE_TICK_MS);
    expect(entry.expired).toBe(1);
  });

  it('reads no entry on sweeps before the earliest deadline, and still expires on time', () => {
    const watch = new DeadlineWatch();
    let reads = 0;
    const counted = (deadline: number): Watched => {
      const entry = new Entry(`at ${deadline}`, deadline);
      return Object.defineProperty(entry, 'deadline', {
        get: () => {
          reads++;
          return deadline;
        },
      });
    };
    const soon = counted(100);
    const later = counted(300);
    watch.add(later);
    watch.add(soon);
    watch.delete(soon); // the bound stays at 100 until a sweep passes it
    reads = 0;

    vi.advanceTimersByTime(100 - DEADLINE_TICK_MS); // sweeps, all before 100
    expect(reads).toBe(0);
    vi.advanceTimersByTime(DEADLINE_TICK_MS); // at 100: one scan raises the bound to 300
    expect(reads).toBe(1);
    vi.advanceTimersByTime(195);
    expect(reads).toBe(1);
    expect((later as Entry).expired).toBe(0);
    vi.advanceTimersByTime(DEADLINE_TICK_MS);
    expect((later as Entry).expired).toBe(1);
  });

  it('lowers the bound for an entry added while another expires', () => {
    const watch = new DeadlineWatch();
    const retry = new Entry('retry', 20);
    watch.add(new Entry('first', 10, () => watch.add(retry)));
    watch.add(new Entry('far', 10_000));

    vi.advanceTimersByTime(10); // expires 'first', which adds 'retry' (due at 20)
    vi.advanceTimersByTime(10 + DEADLINE_TICK_MS);
    expect(retry.expired).toBe(1);
  });

  it('still expires the due entries after one whose expiry threw', () => {
    const watch = new DeadlineWatch();
    const other = new Entry('other', 10);
    watch.add(
      new Entry('throws', 10, () => {
        throw new Error('expire failed');
      }),
    );
    watch.add(other);

    expect(() => vi.advanceTimersByTime(10)).toThrow('expire failed');
    expect(other.expired).toBe(0); // the sweep stopped at the throw
    vi.advanceTimersByTime(DEADLINE_TICK_MS);
    expect(other.expired).toBe(1);
  });
});
