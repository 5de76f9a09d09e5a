import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it, vi } from 'vitest';
import { type CallEvent, type FailoverEvent, RegionkitEvents } from './events.js';
import { fakeRegions, reset } from './test-helpers.js';

const quiet = { retry: { baseDelayMs: 0, maxDelayMs: 0 } };

describe('events', () => {
  it('reports failover, attempts and the call, with the reason', async () => {
    const { call, client } = fakeRegions({ 'us-east': reset }, quiet);
    const failovers: FailoverEvent[] = [];
    const calls: CallEvent[] = [];
    const outcomes: string[] = [];
    client.on('failover', (event) => failovers.push(event));
    client.on('call', (event) => calls.push(event));
    client.on('attempt', (event) =>
      outcomes.push(`${event.region}:${event.outcome}:${event.reason}`),
    );
    await call();
    expect(failovers).toEqual([
      expect.objectContaining({ fromRegion: 'us-east', toRegion: 'us-west', reason: 'econnreset' }),
    ]);
    expect(outcomes).toEqual(['us-east:retriable:econnreset', 'us-west:success:ok']);
    expect(calls).toEqual([
      expect.objectContaining({
        outcome: 'success',
        servedBy: 'us-west',
        attempts: 2,
        failedOver: true,
      }),
    ]);
    client.close();
  });

  it('never lets a throwing listener break a call', async () => {
    const onListenerError = vi.fn();
    const { call, client } = fakeRegions({ 'us-east': reset }, { ...quiet, onListenerError });
    client.on('failover', () => {
      throw new Error('listener bug');
    });
    await expect(call()).resolves.toBe('served by us-west');
    expect(onListenerError).toHaveBeenCalledWith(expect.any(Error), 'failover');
    client.close();
  });

  it('publishes on diagnostics_channel for observers that hold no client reference', async () => {
    const seen: unknown[] = [];
    const onMessage = (message: unknown) => seen.push(message);
    diagnosticsChannel.subscribe('regionkit:failover', onMessage);
    try {
      const { call, client } = fakeRegions({ 'us-east': reset }, quiet);
      await call();
      expect(seen).toEqual([expect.objectContaining({ service: 'orders', toRegion: 'us-west' })]);
      client.close();
    } finally {
      diagnosticsChannel.unsubscribe('regionkit:failover', onMessage);
    }
  });

  it('stops delivering after dispose', async () => {
    const { call, client } = fakeRegions({});
    const listener = vi.fn();
    const subscription = client.on('call', listener);
    await call();
    subscription.dispose();
    await call();
    expect(listener).toHaveBeenCalledTimes(1);
    client.close();
  });

  it('names the events there are when asked for one that is not', () => {
    const { client } = fakeRegions({});
    expect(() => client.on('atempt' as 'attempt', () => {})).toThrow(
      /no "atempt" event; use one of attempt, retry, failover/,
    );
    client.close();
  });

  it('wantsCallEvents follows attempt and call listeners and channels, and nothing else', () => {
    const events = new RegionkitEvents(() => {});
    const onAttempt = () => {};
    expect(events.wantsCallEvents()).toBe(false);
    events.on('health', () => {});
    expect(events.wantsCallEvents()).toBe(false);

    const first = events.on('attempt', onAttempt);
    expect(events.wantsCallEvents()).toBe(true); // an attempt listener alone
    const again = events.on('attempt', onAttempt); // the same listener: still one
    const onCall = events.on('call', () => {});
    first.dispose();
    expect(events.wantsCallEvents()).toBe(true); // the call listener is left
    again.dispose(); // the attempt listener is already gone: nothing more to count
    expect(events.wantsCallEvents()).toBe(true);
    onCall.dispose();
    expect(events.wantsCallEvents()).toBe(false);

    const onMessage = () => {};
    for (const channel of ['regionkit:attempt', 'regionkit:call']) {
      diagnosticsChannel.subscribe(channel, onMessage);
      try {
        expect(events.wantsCallEvents(), channel).toBe(true);
      } finally {
        diagnosticsChannel.unsubscribe(channel, onMessage);
      }
      expect(events.wantsCallEvents()).toBe(false);
    }
  });
});
