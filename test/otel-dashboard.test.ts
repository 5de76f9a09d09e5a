/**
 * The Grafana dashboard (docs/grafana/regionkit-dashboard.json) is well-formed, its PromQL
 * parses, and it queries only series regionkit really exports: the metric and label names are
 * derived from instruments recorded by a real client through the in-memory SDK, translated
 * the OTLP→Prometheus way, so renaming a metric or an attribute in core breaks this test.
 */
import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { type Attempt, createRegionalClient, type RegionalClientOptions } from '@regionkit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { prometheusLabel, prometheusSeries } from '../examples/otel/src/prometheus-name.js';
import * as semconv from '../packages/core/src/telemetry/semconv.js';
import { installTestTelemetry, type RecordedInstrument } from './support/otel.js';

interface Target {
  expr: string;
  legendFormat?: string;
  datasource?: { uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
}

const dashboard = JSON.parse(
  readFileSync(new URL('../docs/grafana/regionkit-dashboard.json', import.meta.url), 'utf8'),
) as {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string }[] };
};
const queries = dashboard.panels.filter((p) => p.type !== 'row');
const targets = queries.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

/**
 * Recorded by @regionkit/express (packages/express/src/shed-metric.ts) only while it sheds,
 * which this test does not provoke: `regionkit.shed`, unit `{request}`, attributes
 * `cloud.region`, `regionkit.priority`.
 */
const PENDING: Record<string, readonly string[]> = {
  regionkit_shed_total: ['cloud_region', 'regionkit_priority'],
};

/** Metric names and label names in a PromQL expression, from its parse tree. */
function parse(expr: string) {
  // Grafana's interval variables, as Grafana substitutes them.
  const promql = expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h');
  const tree = parser.parse(promql);
  const metrics = new Set<string>();
  const labels = new Set<string>();
  const errors: string[] = [];
  tree.iterate({
    enter(node) {
      const text = promql.slice(node.from, node.to);
      if (node.type.isError) errors.push(`at ${node.from}: ${JSON.stringify(text)}`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        metrics.add(text);
      }
      if (node.name === 'LabelName') labels.add(text);
    },
  });
  return { metrics, labels, errors };
}

/** What a client really exports, after a scripted outage that exercises every instrument. */
let exported: RecordedInstrument[] = [];
beforeAll(async () => {
  const telemetry = installTestTelemetry();
  const options: RegionalClientOptions = {
    service: 'orders',
    localRegion: 'us-east',
    regions: [
      { name: 'us-east', rttMs: 1 },
      { name: 'us-west', rttMs: 60 },
    ],
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
  };
  // A reset connection may have reached the server: resending it draws on the retry budget.
  const localDown = async (a: Attempt) => {
    if (a.region === 'us-east') throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    return a.region;
  };
  const failingOver = createRegionalClient(options);
  // No retries allowed at all: every retry is refused by the budget.
  const budgetless = createRegionalClient({
    ...options,
    retryBudget: { ratio: 0, minRetriesPerSecond: 0 },
  });
  for (let i = 0; i < 5; i++) {
    await failingOver.execute(localDown, { idempotent: true });
    await budgetless.execute(localDown, { idempotent: true }).catch(() => undefined);
  }
  exported = (await telemetry.instruments()).filter((i) => i.scope === '@regionkit/core');
  failingOver.close();
  budgetless.close();
  await telemetry.shutdown();
});

describe('Grafana dashboard', () => {
  it('is a well-formed dashboard: unique panel ids, panels inside the 24-column grid', () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.title).toContain('regionkit');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual([
      'datasource',
      'service',
      'region',
    ]);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { title, gridPos } of dashboard.panels) {
      expect(gridPos.x + gridPos.w, title).toBeLessThanOrEqual(24);
      expect(gridPos.w * gridPos.h, title).toBeGreaterThan(0);
    }
    for (const panel of queries) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
  });

  it('every query is valid PromQL', () => {
    for (const target of targets) {
      expect(parse(target.expr).errors, `${target.panel}: ${target.expr}`).toEqual([]);
    }
  });

  it('covers every metric regionkit exports (and the run above exercised all of them)', () => {
    const declared = Object.entries(semconv)
      .filter(([key]) => key.startsWith('METRIC_'))
      .map(([, name]) => name);
    expect(exported.map((i) => i.name).sort()).toEqual([...declared].sort());
    const queried = new Set(targets.flatMap((t) => [...parse(t.expr).metrics]));
    for (const instrument of exported) {
      const series = prometheusSeries(instrument.name, instrument.unit, instrument.kind);
      // One series of each family is enough (a histogram has _bucket, _sum and _count).
      expect(
        series.some((s) => queried.has(s)),
        `${instrument.name} (${series.join(' | ')})`,
      ).toBe(true);
    }
  });

  it('queries only series and labels that exist', () => {
    const known = new Map<string, Set<string>>();
    for (const instrument of exported) {
      const labels = new Set([...instrument.attributeKeys].map(prometheusLabel));
      if (instrument.kind === 'histogram') labels.add('le');
      for (const series of prometheusSeries(instrument.name, instrument.unit, instrument.kind)) {
        known.set(series, labels);
      }
    }
    for (const [series, labels] of Object.entries(PENDING)) known.set(series, new Set(labels));
    // Target labels every OTLP→Prometheus path adds (service.name / service.instance.id).
    const resourceLabels = ['job', 'instance'];

    for (const target of targets) {
      const { metrics, labels } = parse(target.expr);
      const allowed = new Set(resourceLabels);
      for (const metric of metrics) {
        expect(known.has(metric), `${target.panel}: unknown series ${metric}`).toBe(true);
        for (const label of known.get(metric) ?? []) allowed.add(label);
      }
      for (const label of labels) {
        expect(allowed.has(label), `${target.panel}: unknown label ${label}`).toBe(true);
      }
      // A legend can only name a label the query keeps; label_replace may add cloud_region.
      const legendLabels = [...(target.legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)];
      for (const [, label] of legendLabels) {
        expect(labels.has(label as string), `${target.panel}: legend {{${label}}}`).toBe(true);
      }
    }
  });
});
