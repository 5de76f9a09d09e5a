import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.js';
import { fakeRegions, reset, settle } from './test-helpers.js';

describe('RetryBudget', () => {
  it('allows ratio × calls plus the floor over the window, then refuses', () => {
    const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 1, windowMs: 10_000 }, 0);
    for (let i = 0; i < 100; i++) budget.recordCall(0);
    let granted = 0;
    while (budget.tryAcquire(0)) granted++;
    expect(granted).toBe(20 + 10); // 0.2 × 100 + 1/s × 10 s
  });

  it('earns retries back as the window moves on', () => {
    const budget = new RetryBudget({ ratio: 0.5, minRetriesPerSecond: 0, windowMs: 1_000 }, 0);
    for (let i = 0; i < 10; i++) budget.recordCall(0);
    while (budget.tryAcquire(0));
    expect(budget.tryAcquire(0)).toBe(false);
    expect(budget.available(1_000)).toBe(0); // old calls and retries both aged out
    for (let i = 0; i < 4; i++) budget.recordCall(1_000);
    expect(budget.available(1_000)).toBe(2);
  });
});

describe('retry budget in a total outage', () => {
  it('keeps the load on the servers at ≤ 1.2× the calls the application made', async () => {
    const { call, attempts, client } = fakeRegions(
      { 'us-east': reset, 'us-west': reset, 'eu-west': reset },
      {
        retryBudget: { ratio: 0.2, minRetriesPerSecond: 0 },
        retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 },
        // Keep every region in play so the budget alone limits the retries.
        health: { minRequests: 100_000 },
        breaker: { volumeThreshold: 100_000 },
      },
    );
    let exhausted = 0;
    client.on('budgetExhausted', () => exhausted++);
    const calls = 500;
    for (let i = 0; i < calls; i++) await settle(call());
    expect(attempts.length / calls).toBeLessThanOrEqual(1.2);
    expect(attempts.length / calls).toBeGreaterThan(1.15); // the budget was used, not idle
    expect(exhausted).toBeGreaterThan(0);
    client.close();
  });

  it('does not charge the budget for attempts that never reached a server', async () => {
    const refused = () => {
      throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    };
    const { call, client } = fakeRegions(
      { 'us-east': refused },
      {
        retryBudget: { ratio: 0, minRetriesPerSecond: 0 },
        health: { minRequests: 100_000 },
        breaker: { volumeThreshold: 100_000 },
      },
    );
    for (let i = 0; i < 20; i++)
      await expect(call({ idempotent: false })).resolves.toBe('served by us-west');
    client.close();
  });
});
