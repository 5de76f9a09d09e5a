/**
 * Prints regionkit's metrics as an SRE would query them: Prometheus series name, labels,
 * value. Histograms show count and sum; the dashboard turns buckets into p99.
 */
import { type CollectionResult, DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import { type InstrumentKind, prometheusLabel, prometheusName } from './prometheus-name.js';

export function printMetrics({ resourceMetrics }: CollectionResult): void {
  const regionkit = resourceMetrics.scopeMetrics
    .filter((scope) => scope.scope.name.startsWith('@regionkit/'))
    .flatMap((scope) => scope.metrics);
  for (const metric of regionkit) {
    const family = prometheusName(metric.descriptor.name, metric.descriptor.unit, kindOf(metric));
    console.log(`${family}   (${metric.descriptor.name}: ${metric.descriptor.description})`);
    for (const point of metric.dataPoints) {
      const labels = Object.entries(point.attributes)
        .filter(([key]) => key !== 'regionkit.service')
        .map(([key, value]) => `${prometheusLabel(key)}="${value}"`)
        .join(',');
      const value = point.value;
      const shown =
        typeof value === 'number'
          ? String(Math.round(value * 1000) / 1000)
          : `count=${value.count} sum=${(value.sum ?? 0).toFixed(3)}`;
      console.log(`    {${labels}} ${shown}`);
    }
  }
}

function kindOf(metric: MetricData): InstrumentKind {
  switch (metric.dataPointType) {
    case DataPointType.HISTOGRAM:
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return 'histogram';
    case DataPointType.GAUGE:
      return 'gauge';
    default:
      return metric.isMonotonic ? 'counter' : 'updown';
  }
}
