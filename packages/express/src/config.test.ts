import { ConfigError } from '@regionkit/core';
import { describe, expect, it } from 'vitest';
import { resolveMiddlewareConfig } from './config.js';
import { regionkit } from './middleware.js';
import type { RegionkitMiddlewareOptions } from './types.js';

function configError(options: unknown): ConfigError {
  try {
    resolveMiddlewareConfig(options as RegionkitMiddlewareOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('middleware configuration', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['no options', undefined, 'options', /Pass \{ region/],
    ['no region', {}, 'region', /Name the region this instance runs in/],
    ['bad region name', { region: 'us east' }, 'region', /"us east"/],
    [
      'bad header',
      { region: 'a', correlationHeader: 'x id' },
      'correlationHeader',
      /not a valid header name/,
    ],
    ['negative minRemainingMs', { region: 'a', minRemainingMs: -1 }, 'minRemainingMs', />= 0/],
    [
      'default deadline above the cap',
      { region: 'a', maxDeadlineMs: 100, defaultDeadlineMs: 200 },
      'defaultDeadlineMs',
      /between 1 and 100/,
    ],
    [
      'levels not rising',
      { region: 'a', shedding: { levels: { sheddable: 3, default: 2 } } },
      'shedding.levels',
      /sheddable <= default <= critical/,
    ],
    [
      'zero maxInFlight',
      { region: 'a', shedding: { maxInFlight: 0 } },
      'shedding.maxInFlight',
      />= 1/,
    ],
    [
      'fractional Retry-After',
      { region: 'a', shedding: { retryAfterSeconds: 1.5 } },
      'shedding.retryAfterSeconds',
      /whole number/,
    ],
    [
      'shed ratio above 1',
      { region: 'a', shedding: { unhealthyShedRatio: 2 } },
      'shedding.unhealthyShedRatio',
      /between 0 and 1/,
    ],
    [
      'relative health path',
      { region: 'a', healthPath: 'healthz' },
      'healthPath',
      /starting with "\/"/,
    ],
    ['ready not a function', { region: 'a', ready: true }, 'ready', /\(\) => boolean/],
    [
      'abortOnClientClose not a boolean',
      { region: 'a', abortOnClientClose: 'yes' },
      'abortOnClientClose',
      /Pass true .* or false/,
    ],
    [
      'trustInboundCorrelationId not a boolean',
      { region: 'a', trustInboundCorrelationId: 'true' },
      'trustInboundCorrelationId',
      /Pass true only behind a gateway/,
    ],
    [
      'trustInboundPriority not a boolean',
      { region: 'a', trustInboundPriority: 1 },
      'trustInboundPriority',
      /Pass true only behind a gateway/,
    ],
    [
      'status on the health path',
      { region: 'a', statusPath: '/healthz' },
      'statusPath',
      /the same as healthPath/,
    ],
    [
      'correlation header HTTP owns',
      { region: 'a', correlationHeader: 'Content-Length' },
      'correlationHeader',
      /HTTP or trace context uses/,
    ],
    [
      'maxDeadlineMs beyond what a timer holds',
      { region: 'a', maxDeadlineMs: 2 ** 31 },
      'maxDeadlineMs',
      /between 1 and 2147483647/,
    ],
    ['zero readyTimeoutMs', { region: 'a', readyTimeoutMs: 0 }, 'readyTimeoutMs', /between 1 and/],
    [
      // Node would run a longer interval every millisecond (TimeoutOverflowWarning).
      'sample interval beyond what a timer holds',
      {
        region: 'a',
        shedding: { sampleIntervalMs: 2 ** 31, smoothingMs: 2 ** 31, windowMs: 2 ** 31 },
      },
      'shedding.sampleIntervalMs',
      /between 1 and 60000/,
    ],
  ])('%s', (_case, options, field, message) => {
    const error = configError(options);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('defaults are the documented ones', () => {
    const config = resolveMiddlewareConfig({ region: 'us-east' });
    expect(config).toMatchObject({
      abortOnClientClose: true,
      correlationHeader: 'x-request-id',
      trustInboundCorrelationId: false,
      trustInboundPriority: false,
      deadlineHeader: 'x-regionkit-deadline-ms',
      minRemainingMs: 10,
      maxDeadlineMs: 300_000,
      priority: 'x-regionkit-priority',
      healthPath: '/healthz',
      statusPath: undefined, // off unless set: it belongs on an internal listener
      readyTimeoutMs: 1_000,
      shedding: {
        maxEventLoopDelayMs: 50,
        maxInFlight: 256,
        levels: { sheddable: 1, default: 2, critical: 4 },
      },
    });
  });

  it('the middleware validates when it is created, not per request', () => {
    expect(() => regionkit({ region: '' })).toThrow(ConfigError);
  });
});
