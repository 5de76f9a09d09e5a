/**
 * The names OTLP metrics get in Prometheus with the default translation (the Collector's
 * prometheus / prometheusremotewrite exporters, Prometheus' own OTLP receiver with
 * `UnderscoreEscapingWithSuffixes`): dots become underscores, the unit is appended as a word
 * (annotation units like `{attempt}` are dropped, `1` becomes `ratio` on gauges), counters end
 * in `_total`, histograms expose `_bucket`, `_sum` and `_count`. Attribute keys become labels
 * the same way: `cloud.region` → `cloud_region`.
 */

export type InstrumentKind = 'counter' | 'gauge' | 'histogram' | 'updown';

const UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  By: 'bytes',
  '%': 'percent',
};

export function prometheusLabel(attribute: string): string {
  return attribute.replace(/[^a-zA-Z0-9_]/g, '_').replace(/__+/g, '_');
}

/** The metric family name (without `_bucket`/`_sum`/`_count` for histograms). */
export function prometheusName(name: string, unit: string, kind: InstrumentKind): string {
  let family = prometheusLabel(name);
  const bare = unit.replace(/\{[^}]*\}/g, '');
  const word = bare === '1' ? (kind === 'gauge' ? 'ratio' : '') : (UNIT_WORDS[bare] ?? bare);
  if (word !== '' && !family.endsWith(`_${word}`)) family += `_${prometheusLabel(word)}`;
  if (kind === 'counter' && !family.endsWith('_total')) family += '_total';
  return family;
}

/** Every series name a dashboard may query for this instrument. */
export function prometheusSeries(name: string, unit: string, kind: InstrumentKind): string[] {
  const family = prometheusName(name, unit, kind);
  return kind === 'histogram' ? [`${family}_bucket`, `${family}_sum`, `${family}_count`] : [family];
}
