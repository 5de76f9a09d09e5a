/**
 * The OpenTelemetry setup an application would have: @opentelemetry/sdk-node with an OTLP
 * trace exporter (to a collector) and console exporters, plus the undici, http and express
 * instrumentations next to regionkit. regionkit itself needs nothing here: its libraries use
 * @opentelemetry/api only and find whatever SDK is registered.
 *
 * Start it before anything creates a regional client or loads express/http (main.ts imports the
 * app only after this ran): instrumentations patch modules as they load, and regionkit records
 * metrics only for clients created after a MeterProvider is registered.
 */
import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  type CollectionResult,
  ConsoleMetricExporter,
  MetricReader,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';

/** Reads metrics when asked, so the example can print them once at the end. */
class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * Wraps the OTLP exporter to remember why exports failed. Without a collector (as on this
 * machine) every export fails with ECONNREFUSED; the batch processor drops those spans and
 * the application goes on, which is what should happen — this only makes it visible.
 */
class ObservedExporter implements SpanExporter {
  failures = 0;
  lastError: string | undefined;
  readonly #inner: SpanExporter;

  constructor(inner: SpanExporter) {
    this.#inner = inner;
  }

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.#inner.export(spans, (result) => {
      if (result.error) {
        this.failures++;
        this.lastError = describe(result.error);
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }
}

export interface Telemetry {
  /** Every finished span, for printing trace trees. */
  readonly spans: InMemorySpanExporter;
  collectMetrics(): Promise<CollectionResult>;
  /** Flushes (the OTLP export may fail: reported, never thrown) and unregisters the SDK. */
  shutdown(): Promise<string>;
}

export function startTelemetry(options: { console: boolean }): Telemetry {
  // The SDK reports export errors through diag; show only real problems.
  diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.ERROR);
  const otlp = new ObservedExporter(
    // Endpoint from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT, else
    // http://localhost:4318/v1/traces. A short timeout keeps shutdown quick without a collector.
    new OTLPTraceExporter({ timeoutMillis: 1_000 }),
  );
  const spans = new InMemorySpanExporter();
  const reader = new OnDemandReader();
  const spanProcessors = [
    new BatchSpanProcessor({ exporter: otlp }),
    new SimpleSpanProcessor({ exporter: spans }),
  ];
  const metricReaders: MetricReader[] = [reader];
  if (options.console) {
    spanProcessors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    metricReaders.push(
      new PeriodicExportingMetricReader({
        exporter: new ConsoleMetricExporter(),
        exportIntervalMillis: 60_000, // exported once, at shutdown
      }),
    );
  }

  const sdk = new NodeSDK({
    serviceName: 'regionkit-example-otel',
    spanProcessors,
    metricReaders,
    instrumentations: [
      new HttpInstrumentation(), // inbound server spans (and node:http clients)
      new ExpressInstrumentation(), // route and middleware spans
      new UndiciInstrumentation(), // one CLIENT span per attempt of @regionkit/fetch
      // One CLIENT span per attempt of @regionkit/grpc, server spans for grpc-js servers. This
      // example has no gRPC hop; test/otel-grpc-instrumentation.test.ts runs one.
      new GrpcInstrumentation(),
    ],
  });
  sdk.start();

  return {
    spans,
    collectMetrics: () => reader.collect(),
    async shutdown() {
      // The final flush fails too without a collector; that is reported below, not thrown.
      await sdk.shutdown().catch((error: unknown) => {
        otlp.failures ||= 1;
        otlp.lastError ??= describe(error as Error);
      });
      return otlp.failures === 0
        ? 'OTLP: spans exported.'
        : `OTLP: ${otlp.failures} export(s) failed (${otlp.lastError}) — expected without a ` +
            'collector; the spans were dropped and nothing else was affected. Point ' +
            'OTEL_EXPORTER_OTLP_ENDPOINT at a collector (e.g. http://127.0.0.1:4318) to keep them.';
    },
  };
}

function describe(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}
