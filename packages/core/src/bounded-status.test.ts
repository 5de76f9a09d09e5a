import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { countsOnlyStatus } from './bounded-status.js';

function status() {
  const rotations = new EventEmitter();
  const counts = countsOnlyStatus({
    rollingCountTimeout: 1_000,
    rollingCountBuckets: 10,
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
    rotateBucketController: rotations,
  }) as ReturnType<typeof countsOnlyStatus> & { increment(property: string, ms?: number): void };
  return { counts, rotations };
}

describe('countsOnlyStatus', () => {
  it('counts into the current bucket, and into the new one after a rotation', () => {
    const { counts, rotations } = status();
    counts.increment('fires');
    counts.increment('successes', 12);
    rotations.emit('rotate');
    counts.increment('fires');
    counts.increment('failures', 30);
    const [current, previous] = counts.window;
    expect(current).toMatchObject({ fires: 1, failures: 1, successes: 0 });
    expect(previous).toMatchObject({ fires: 1, successes: 1, failures: 0 });
    // No latency samples: memory does not grow with traffic.
    expect(current?.latencyTimes).toEqual([]);
    expect(previous?.latencyTimes).toEqual([]);
    counts.shutdown();
  });

  it('stops listening for rotations when shut down', () => {
    const { counts, rotations } = status();
    expect(rotations.listenerCount('rotate')).toBe(2); // opossum's and ours
    counts.shutdown();
    expect(rotations.listenerCount('rotate')).toBe(0);
  });
});
