/**
 * Prints one trace as a tree, the way a trace view shows it: each span under its parent,
 * in start order, with the attributes an SRE reads first (which region, how many attempts,
 * why it failed over, what went wrong) and regionkit's span events.
 */
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

const KIND = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

/** Attributes worth a glance, in reading order; everything else stays in the backend. */
const SHOWN = [
  'cloud.region',
  'regionkit.attempts',
  'regionkit.failed_over',
  'regionkit.failover.reason',
  'regionkit.correlation_id',
  'http.request.resend_count',
  'http.route',
  'http.response.status_code',
  'server.port',
  'error.type',
];

export function renderTrace(
  spans: readonly ReadableSpan[],
  label: (span: ReadableSpan) => string | undefined = () => undefined,
): string {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const byStart = (a: ReadableSpan, b: ReadableSpan) =>
    a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];
  const lines: string[] = [];
  const walk = (span: ReadableSpan, prefix: string, last: boolean, root: boolean) => {
    const branch = root ? '' : last ? '└─ ' : '├─ ';
    const ms = span.duration[0] * 1e3 + span.duration[1] / 1e6;
    const where = label(span);
    lines.push(
      `${prefix}${branch}${span.name}  [${KIND[span.kind] ?? span.kind}, ${scope(span)}, ` +
        `${ms.toFixed(1)} ms]${where ? `  ${where}` : ''}`,
    );
    const inner = prefix + (root ? '' : last ? '   ' : '│  ');
    const kids = (children.get(span.spanContext().spanId) ?? []).sort(byStart);
    const pipe = kids.length > 0 ? '│  ' : '   ';
    const shown = SHOWN.filter((key) => span.attributes[key] !== undefined).map(
      (key) => `${key}=${span.attributes[key]}`,
    );
    if (shown.length > 0) lines.push(`${inner}${pipe}  ${shown.join('  ')}`);
    for (const event of span.events) {
      const attrs = Object.entries(event.attributes ?? {})
        .filter(([k]) => k !== 'exception.message' && k !== 'exception.stacktrace')
        .map(([k, v]) => `${k.replace('regionkit.', '')}=${v}`)
        .join(' ');
      lines.push(`${inner}${pipe}  • ${event.name}  ${attrs}`);
    }
    kids.forEach((kid, i) => {
      walk(kid, inner, i === kids.length - 1, false);
    });
  };
  for (const root of (children.get(undefined) ?? []).sort(byStart)) walk(root, '', true, true);
  return lines.join('\n');
}

function scope(span: ReadableSpan): string {
  const name = span.instrumentationScope.name;
  if (name.startsWith('@regionkit/')) return name;
  return name.replace('@opentelemetry/instrumentation-', '');
}

export function isRegionkitCall(span: ReadableSpan): boolean {
  return span.kind === SpanKind.INTERNAL && span.instrumentationScope.name === '@regionkit/core';
}
