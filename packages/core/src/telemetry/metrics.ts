import {
  type Attributes,
  createNoopMeter,
  type Meter,
  metrics,
  ValueType,
} from '@opentelemetry/api';
import type { RegionalClient } from '../client.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import {
  ATTR_CLOUD_REGION,
  ATTR_ERROR_TYPE,
  ATTR_FAILED_OVER,
  ATTR_FROM_REGION,
  ATTR_OUTCOME,
  ATTR_REASON,
  ATTR_SERVICE,
  ATTR_TO_REGION,
  BREAKER_STATE_VALUE,
  DURATION_BUCKETS_S,
  METRIC_ATTEMPTS,
  METRIC_BUDGET_AVAILABLE,
  METRIC_BUDGET_EXHAUSTED,
  METRIC_CALL_DURATION,
  METRIC_FAILOVERS,
  METRIC_REGION_BREAKER,
  METRIC_REGION_ERROR_RATE,
  METRIC_REGION_P99,
  METRIC_REGION_WEIGHT,
} from './semconv.js';

const NoopMeter = createNoopMeter().constructor;

/**
 * Records a client's per-region metrics from its events and its status. Does nothing (and so
 * subscribes to nothing, keeping event payloads unbuilt) when no MeterProvider is registered:
 * register the SDK before creating clients, as with any OpenTelemetry instrumentation.
 */
export function recordClientMetrics(client: RegionalClient): () => void {
  const meter: Meter = metrics.getMeter(PACKAGE_NAME, PACKAGE_VERSION);
  if (meter.constructor === NoopMeter) return () => {};
  const service = { [ATTR_SERVICE]: client.service };

  const duration = meter.createHistogram(METRIC_CALL_DURATION, {
    description: 'Duration of logical calls, all attempts and backoff included, by serving region.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
  });
  const attempts = meter.createCounter(METRIC_ATTEMPTS, {
    description: 'Attempts by region and outcome class.',
    unit: '{attempt}',
    valueType: ValueType.INT,
  });
  const failovers = meter.createCounter(METRIC_FAILOVERS, {
    description: 'Attempts moved from one region to another, by reason.',
    unit: '{failover}',
    valueType: ValueType.INT,
  });
  const exhausted = meter.createCounter(METRIC_BUDGET_EXHAUSTED, {
    description: 'Retries refused by the retry budget.',
    unit: '{retry}',
    valueType: ValueType.INT,
  });

  const subscriptions = [
    client.on('call', (e) => {
      duration.record(e.durationMs / 1000, {
        ...service,
        [ATTR_CLOUD_REGION]: e.servedBy ?? 'none',
        // A call the caller gave up on is not a failure (as on its span).
        [ATTR_OUTCOME]: e.stoppedBecause === 'aborted' ? 'aborted' : e.outcome,
        [ATTR_FAILED_OVER]: e.failedOver,
      });
    }),
    client.on('attempt', (e) => {
      // An attempt the caller abandoned says nothing about its region, which is not charged
      // with it for health or the breaker either: counted, it would read as the region's
      // failure on every error-rate panel.
      if (e.outcome === 'aborted') return;
      const attributes: Attributes = {
        ...service,
        [ATTR_CLOUD_REGION]: e.region,
        [ATTR_OUTCOME]: e.outcome,
      };
      if (e.outcome !== 'success') attributes[ATTR_ERROR_TYPE] = e.reason;
      attempts.add(1, attributes);
    }),
    client.on('failover', (e) => {
      failovers.add(1, {
        ...service,
        [ATTR_FROM_REGION]: e.fromRegion,
        [ATTR_TO_REGION]: e.toRegion,
        [ATTR_REASON]: e.reason,
      });
    }),
    client.on('budgetExhausted', (e) =>
      exhausted.add(1, { ...service, [ATTR_CLOUD_REGION]: e.region }),
    ),
  ];

  const gauge = (name: string, description: string, unit: string) =>
    meter.createObservableGauge(name, { description, unit });
  // Unit `1` is for ratios: OTLP→Prometheus adds `_ratio` to such gauges. A weight (0..100)
  // and a breaker state are not ratios, so they carry annotation units (dropped there).
  const weight = gauge(METRIC_REGION_WEIGHT, 'Routing weight 0..100 (0: evicted).', '{weight}');
  const breaker = gauge(
    METRIC_REGION_BREAKER,
    'Breaker state: 0 closed, 1 half-open, 2 open.',
    '{state}',
  );
  const errorRate = gauge(METRIC_REGION_ERROR_RATE, 'Error rate over the health window.', '1');
  const p99 = gauge(METRIC_REGION_P99, 'p99 attempt latency over the health window.', 's');
  const budget = gauge(
    METRIC_BUDGET_AVAILABLE,
    'Retries the retry budget still allows.',
    '{retry}',
  );
  const observables = [weight, breaker, errorRate, p99, budget];
  const observe = (result: Parameters<Parameters<Meter['addBatchObservableCallback']>[0]>[0]) => {
    const status = client.status();
    result.observe(budget, status.retryBudgetAvailable, service);
    for (const region of status.regions) {
      const attributes = { ...service, [ATTR_CLOUD_REGION]: region.region };
      result.observe(weight, region.weight, attributes);
      result.observe(breaker, BREAKER_STATE_VALUE[region.breaker], attributes);
      result.observe(errorRate, region.errorRate, attributes);
      result.observe(p99, region.p99Ms / 1000, attributes);
    }
  };
  meter.addBatchObservableCallback(observe, observables);

  return () => {
    for (const subscription of subscriptions) subscription.dispose();
    meter.removeBatchObservableCallback(observe, observables);
  };
}
