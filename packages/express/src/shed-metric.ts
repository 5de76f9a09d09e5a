import { metrics, ValueType } from '@opentelemetry/api';
import type { Priority } from '@regionkit/core';

/**
 * `regionkit.shed`: requests this instance answered 503 to shed load, by priority. Through the
 * OpenTelemetry API only; the meter is taken when the middleware is created, so register the
 * SDK first (as for every instrumentation).
 */
export function shedCounter(region: string): (priority: Priority) => void {
  const counter = metrics.getMeter('@regionkit/express', '0.1.0').createCounter('regionkit.shed', {
    description: 'Requests shed (503 + Retry-After) under overload, by priority.',
    unit: '{request}',
    valueType: ValueType.INT,
  });
  const attributes = new Map<Priority, Record<string, string>>();
  return (priority) => {
    let labels = attributes.get(priority);
    if (!labels) {
      labels = { 'cloud.region': region, 'regionkit.priority': priority };
      attributes.set(priority, labels);
    }
    counter.add(1, labels);
  };
}
