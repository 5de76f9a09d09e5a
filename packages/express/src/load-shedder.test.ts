import { afterEach, describe, expect, it, vi } from 'vitest';
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
    shedding: {
      maxInFlight,
      // These tests are about in-flight pressure: the real event-loop delay of a busy test
      // machine must not add to it.
      maxEventLoopDelayMs: 60_000,
      ...(unhealthyShedRatio === undefined ? {} : { unhealthyShedRatio }),
    },
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

describe('LoadShedder health', () => {
  it('stays overloaded while default traffic was shed in the window, not only at the cap', () => {
    const s = shedder(4); // default traffic is shed at 8 in flight
    for (let i = 0; i < 8; i++) expect(s.admit('default')).toBe(true);
    for (let i = 0; i < 2; i++) expect(s.admit('default')).toBe(false);
    expect(s.overloaded()).toBe(true);
    s.release(); // 7 in flight: below the default level for a moment
    expect(s.overloaded()).toBe(true); // a load balancer polling now must not read a coin flip
    for (let i = 0; i < 7; i++) s.release();
  });

  it('a wall-clock step back does not freeze the window, and with it an unhealthy verdict', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance', 'setInterval', 'clearInterval'] });
    try {
      const config = resolveMiddlewareConfig({
        region: 'us-east',
        // Event-loop delay must not count here: it is real, and a busy test machine has some.
        shedding: { maxInFlight: 1, windowMs: 100, maxEventLoopDelayMs: 60_000 },
      });
      const s = new LoadShedder(config.shedding as NonNullable<typeof config.shedding>);
      shedders.push(s);
      s.admit('sheddable');
      for (let i = 0; i < 20; i++) s.admit('sheddable');
      s.release();
      expect(s.overloaded()).toBe(true); // 20 of 21 shed
      vi.setSystemTime(Date.now() - 60_000); // NTP, or a VM resumed
      vi.advanceTimersByTime(250); // two windows pass, with nothing shed
      expect(s.overloaded()).toBe(false);
    } finally {
      vi.useRealTimers();
    }
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
