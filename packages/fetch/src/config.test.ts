import { ConfigError } from '@regionkit/core';
import { describe, expect, it } from 'vitest';
import {
  createRegionalFetch,
  type RegionalFetchOptions,
  regionalDispatcher,
  regionalInterceptor,
} from './index.js';

const valid: RegionalFetchOptions = {
  service: 'orders',
  localRegion: 'us-east',
  regions: [
    { name: 'us-east', origin: 'http://127.0.0.1:4001', rttMs: 1 },
    { name: 'eu-west', origin: 'https://orders.eu-west.example.com', rttMs: 80 },
  ],
};

function configError(options: unknown): ConfigError {
  try {
    regionalInterceptor(options as RegionalFetchOptions).close();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration errors name the field and the fix', () => {
  it.each<[string, Partial<RegionalFetchOptions> | Record<string, unknown>, string, RegExp]>([
    [
      'unknown localRegion',
      { localRegion: 'us-west' },
      'localRegion',
      /not one of regions \[us-east, eu-west\]/,
    ],
    [
      'unknown preferred region',
      { preferredRegions: ['ap-south'] },
      'preferredRegions[0]',
      /"ap-south"/,
    ],
    ['missing origin', { regions: [{ name: 'us-east' }] }, 'regions[0].origin', /not a URL/],
    [
      'origin with a path',
      { regions: [{ name: 'us-east', origin: 'http://h/orders' }] },
      'regions[0].origin',
      /Paths belong in each request/,
    ],
    [
      'origin not http',
      { regions: [{ name: 'us-east', origin: 'ftp://h' }] },
      'regions[0].origin',
      /not an http\(s\) origin/,
    ],
    [
      'duplicate origins',
      {
        regions: [
          { name: 'us-east', origin: 'http://h:1' },
          { name: 'eu-west', origin: 'http://h:1/' },
        ],
      },
      'regions[1].origin',
      /repeats http:\/\/h:1/,
    ],
    [
      'bad correlation header',
      { correlationHeader: 'x request id' },
      'correlationHeader',
      /not a valid header name/,
    ],
    [
      'reserved correlation header',
      { correlationHeader: 'X-Regionkit-Attempt' },
      'correlationHeader',
      /already uses/,
    ],
    ['correlation header HTTP owns', { correlationHeader: 'Host' }, 'correlationHeader', /HTTP/],
    [
      'correlation header trace context owns',
      { correlationHeader: 'traceparent' },
      'correlationHeader',
      /trace context/,
    ],
    ['bad idempotencyKeys', { idempotencyKeys: 'always' }, 'idempotencyKeys', /Use "auto"/],
    [
      'bad maxReplayBodyBytes',
      { maxReplayBodyBytes: -1 },
      'maxReplayBodyBytes',
      /whole number of bytes/,
    ],
    [
      'bad tracePropagation',
      { tracePropagation: 'on' },
      'tracePropagation',
      /"auto", "always" or "off"/,
    ],
    ['service no host name', { service: 'my orders' }, 'logicalOrigin', /Set logicalOrigin/],
  ])('%s', (_case, patch, field, message) => {
    const error = configError({ ...valid, ...patch });
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('a dispatcher that is not one is refused', () => {
    expect(() => regionalDispatcher({ ...valid, dispatcher: {} as never })).toThrow(
      /`dispatcher` is not an undici Dispatcher/,
    );
  });

  it('a failed configuration leaves no live client behind', async () => {
    const { regionalClients } = await import('@regionkit/core');
    const before = regionalClients().length;
    configError({ ...valid, correlationHeader: '' });
    expect(regionalClients()).toHaveLength(before);
  });

  it('valid options build all three shapes', async () => {
    const orders = createRegionalFetch({ ...valid, logicalOrigin: 'http://orders.internal' });
    expect(orders.logicalOrigin).toBe('http://orders.internal');
    expect(orders.client.service).toBe('orders');
    await orders.close();
  });
});
