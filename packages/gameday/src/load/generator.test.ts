import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GAMEDAY_DEFAULTS } from '../defaults.js';
import { type CallRecord, generateLoad } from './generator.js';
import type { LoadOutcome, RegionalLoadClient } from './load-client.js';

/** A client whose read of `item-0` never settles, not even when its signal aborts. */
const hangingOnItem0: RegionalLoadClient = {
  label: 'test',
  read: (id) =>
    id === 'item-0'
      ? new Promise<LoadOutcome>(() => {})
      : Promise.resolve({ ok: true, status: '200', servedBy: 'us-east' }),
  write: () => Promise.reject(new Error('no writes in this plan')),
  close: () => Promise.resolve(),
};

describe('generateLoad', () => {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'],
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('records a call the client never settles as hung once its time is up, not at the end', async () => {
    const deadlineMs = 100;
    const completed: CallRecord[] = [];
    let done = false;
    const run = generateLoad({
      rps: 10,
      durationS: 0.2, // two calls: at 0 and 100 ms
      writeRatio: 0,
      deadlineMs,
      clients: { http: hangingOnItem0 },
      random: () => 0.5,
      startedAt: performance.now(),
      runId: 'hang',
      onComplete: (record) => completed.push(record),
    }).then((records) => {
      done = true;
      return records;
    });

    const hangAt = deadlineMs + GAMEDAY_DEFAULTS.drainGraceMs;
    await vi.advanceTimersByTimeAsync(hangAt - 1);
    expect(completed.map((r) => [r.seq, r.status])).toEqual([[1, '200']]);
    await vi.advanceTimersByTimeAsync(1);
    // Live: the hang is reported while the run still waits for its last call's grace.
    expect(completed.map((r) => [r.seq, r.status])).toEqual([
      [1, '200'],
      [0, 'hung'],
    ]);
    expect(done).toBe(false);

    await vi.advanceTimersByTimeAsync(200);
    const records = await run;
    expect(records.map((r) => [r.seq, r.status, r.ok])).toEqual([
      [0, 'hung', false],
      [1, '200', true],
    ]);
    expect(records[0]?.endMs).toBe(hangAt);
  });
});
