import { afterEach, describe, expect, it } from 'vitest';
import { resolveMiddlewareConfig } from './config.js';
import { LoadMonitor } from './load-monitor.js';
import { LoadShedder } from './load-shedder.js';

const shedders: LoadShedder[] = [];
afterEach(() => {
  for (const s of shedders.splice(0)) s.close();
});

function shedder(maxInFlight: number, unhealthyShedRatio?: number): LoadShedder {
  const config = resolveMiddlewareConfig({
    region: 'us-east',
    shedding: { maxInFlight, ...(unhealthyShedRatio === undefined ? {} : { unhealthyShedRatio }) },
  });
  const s = new LoadShedder(config.shedding as NonNullable<typeof config.shedding>);
  shedders.push(s);
  return s;
}

describe('LoadShedder', () => {
  it('sheds by priority level as in-flight requests rise', () => {
    const s = shedder(2);
    expect(s.admit('sheddable')).toBe(true);
    expect(s.admit('sheddable')).toBe(true);
    expect(s.admit('sheddable')).toBe(false); // pressure 1: sheddable goes first
    expect(s.admit('default')).toBe(true);
    expect(s.admit('default')).toBe(true);
    expect(s.admit('default')).toBe(false); // pressure 2
    expect(s.admit('critical')).toBe(true);
    expect(s.snapshot()).toMatchObject({
      inFlight: 5,
      pressure: 2.5,
      shedding: ['sheddable', 'default'],
    });
    for (let i = 0; i < 5; i++) s.release();
    expect(s.snapshot()).toMatchObject({ inFlight: 0, pressure: 0, shedding: [] });
  });

  it('reports overload when it sheds a large share, even below the default level', () => {
    const s = shedder(1);
    expect(s.admit('sheddable')).toBe(true);
    for (let i = 0; i < 11; i++) expect(s.admit('sheddable')).toBe(false);
    const snapshot = s.snapshot();
    expect(snapshot.pressure).toBe(1); // only sheddable traffic is being shed...
    expect(snapshot.shedRatio).toBeCloseTo(11 / 12, 3);
    expect(s.overloaded()).toBe(true); // ...but most of it: steer traffic elsewhere
  });

  it('unhealthyShedRatio 0 means any shedding, not always', () => {
    const s = shedder(1_000, 0);
    for (let i = 0; i < 20; i++) s.admit('default');
    expect(s.overloaded()).toBe(false); // 20 admitted, none shed
    for (let i = 0; i < 20; i++) s.release();
  });

  it('a few shed requests are not enough to call the instance overloaded', () => {
    const s = shedder(1);
    s.admit('sheddable');
    for (let i = 0; i < 3; i++) s.admit('sheddable');
    expect(s.overloaded()).toBe(false); // 4 requests: below minWindowRequests
  });
});

describe('LoadMonitor', () => {
  it('once closed, no longer reports the delay it last measured', async () => {
    let sampled: () => void = () => {};
    const monitor = new LoadMonitor(10, 1, 10, () => sampled());
    try {
      const blocked = Date.now() + 60;
      while (Date.now() < blocked) {} // hold the event loop: the next sample sees the delay
      await new Promise<void>((resolve) => {
        sampled = resolve;
      });
      expect(monitor.eventLoopDelayMs).toBeGreaterThan(20);
    } finally {
      monitor.close();
    }
    expect(monitor.eventLoopDelayMs).toBe(0); // else shedding and /healthz would see it for good
  });
});
