import { describe, expect, it } from 'vitest';
import { createRegionalClient } from './client.js';
import { ConfigError, isRegionkitError } from './errors.js';
import type { RegionalClientOptions } from './types.js';

const valid: RegionalClientOptions = {
  service: 'orders',
  localRegion: 'us-east',
  regions: [
    { name: 'us-east', rttMs: 1 },
    { name: 'eu-west', rttMs: 80 },
  ],
};

function configError(options: unknown): ConfigError {
  try {
    createRegionalClient(options as RegionalClientOptions).close();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect(isRegionkitError(error)).toBe(true);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config validation', () => {
  it.each([
    [{ ...valid, service: '' }, 'service', /not a non-empty string/],
    [
      { ...valid, localRegion: 'ap-south' },
      'localRegion',
      /not one of regions \[us-east, eu-west\]/,
    ],
    [{ ...valid, regions: [] }, 'regions', /non-empty array/],
    [
      { ...valid, regions: [{ name: 'us-east' }, { name: 'us-east' }] },
      'regions[1].name',
      /repeats/,
    ],
    [{ ...valid, regions: [{ name: 'us east' }] }, 'regions[0].name', /letters, digits/],
    [{ ...valid, regions: [{ name: 'us-east', rttMs: -5 }] }, 'regions[0].rttMs', />= 0/],
    [
      { ...valid, regions: [{ name: 'us-east', location: { lat: 120, lon: 0 } }] },
      'regions[0].location.lat',
      /between -90 and 90/,
    ],
    [{ ...valid, preferredRegions: ['mars'] }, 'preferredRegions[0]', /not one of regions/],
    [{ ...valid, routing: 'random' }, 'routing', /"localFirst" or "weighted"/],
    [{ ...valid, retry: { maxAttempts: 0 } }, 'retry.maxAttempts', /between 1 and 10/],
    [{ ...valid, retry: { maxAttempts: 2.5 } }, 'retry.maxAttempts', /whole number/],
    [{ ...valid, retry: { baseDelayMs: 100, maxDelayMs: 10 } }, 'retry.maxDelayMs', />= 100/],
    [{ ...valid, deadlineMs: Number.NaN }, 'deadlineMs', /finite number/],
    [{ ...valid, deadlineMs: 2 ** 31 }, 'deadlineMs', /between 1 and 2147483647/],
    [
      {
        ...valid,
        regions: [{ name: 'us-east' }, { name: 'eu-west', location: { lat: 53, lon: -6 } }],
      },
      'regions[1].location',
      /no effect: the local region "us-east" has no location/,
    ],
    [{ ...valid, health: { maxErrorRate: 5 } }, 'health.maxErrorRate', /between 0 and 1/],
    [{ ...valid, retryBudget: { ratio: -1 } }, 'retryBudget.ratio', /between 0 and 10/],
    [{ ...valid, breaker: { resetTimeoutMs: 0 } }, 'breaker.resetTimeoutMs', />= 1/],
    [{ ...valid, telemetry: { attemptSpans: 'yes' } }, 'telemetry.attemptSpans', /true or false/],
    [{ ...valid, onListenerError: 'log' }, 'onListenerError', /not a function/],
  ])('rejects %j naming the field', (options, field, message) => {
    const error = configError(options);
    expect(error.field).toBe(field);
    expect(error.code).toBe('ERR_REGIONKIT_CONFIG');
    expect(error.message).toContain(`\`${field}\``);
    expect(error.message).toMatch(message);
  });

  it('rejects missing options outright', () => {
    expect(configError(undefined).field).toBe('options');
  });

  it('accepts a valid configuration', () => {
    const client = createRegionalClient(valid);
    expect(client.status().regions.map((r) => r.region)).toEqual(['us-east', 'eu-west']);
    client.close();
  });
});
