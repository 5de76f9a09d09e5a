/**
 * An in-memory OpenTelemetry SDK for tests: spans land in `spans()`, metrics are read on demand
 * with `collectMetrics()`. Registers the global providers, context manager and W3C propagators;
 * each vitest file runs in its own worker, so globals do not leak between files.
 */
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import {
  type CollectionResult,
  type DataPoint,
  DataPointType,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface TestTelemetry {
  spans(): ReadableSpan[];
  reset(): void;
  /** Every data point of metric `name`, as { attributes, value } (value: sum, gauge or histogram). */
  metric(name: string): Promise<Array<{ attributes: Record<string, unknown>; value: unknown }>>;
  /** Every instrument that has recorded something: name, unit, kind and attribute keys seen. */
  instruments(): Promise<RecordedInstrument[]>;
  shutdown(): Promise<void>;
}

export interface RecordedInstrument {
  readonly scope: string;
  readonly name: string;
  readonly unit: string;
  readonly kind: 'counter' | 'updown' | 'gauge' | 'histogram';
  readonly attributeKeys: ReadonlySet<string>;
}

function kindOf(metric: MetricData): RecordedInstrument['kind'] {
  if (metric.dataPointType === DataPointType.GAUGE) return 'gauge';
  if (metric.dataPointType === DataPointType.SUM) return metric.isMonotonic ? 'counter' : 'updown';
  return 'histogram';
}

export function installTestTelemetry(): TestTelemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(tracerProvider);
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);

  return {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    async metric(name) {
      const { resourceMetrics }: CollectionResult = await reader.collect();
      return (
        resourceMetrics.scopeMetrics
          .flatMap((scope) => scope.metrics)
          .filter((m) => m.descriptor.name === name)
          // The union of data point arrays has no common flatMap signature; widen it first.
          .flatMap((m): readonly DataPoint<unknown>[] => m.dataPoints)
          .map((point) => ({ attributes: point.attributes, value: point.value }))
      );
    },
    async instruments() {
      const { resourceMetrics }: CollectionResult = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((scope) =>
        scope.metrics.map((m) => ({
          scope: scope.scope.name,
          name: m.descriptor.name,
          unit: m.descriptor.unit,
          kind: kindOf(m),
          attributeKeys: new Set(
            (m.dataPoints as readonly DataPoint<unknown>[]).flatMap((p) =>
              Object.keys(p.attributes),
            ),
          ),
        })),
      );
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
    },
  };
}
