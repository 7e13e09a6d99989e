// One Prometheus name per metric whichever path it takes: the app's /metrics writes the names the
// Collector's prometheus exporter and Prometheus's own OTLP ingestion give the same OTLP metric
// (their default translation, Prometheus's naming conventions): the unit as a suffix
// (http.server.request.duration in `s` -> http_server_request_duration_seconds), `_total` on
// counters, `_ratio` on gauges in `1`. exporter-prometheus 0.300.0 adds `_total` only, with no
// option for units. Names that already carry their suffix (lead_sync_duration_seconds) keep it.
import { DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

// UCUM units as the translators spell them; other units are kept, cleaned to [a-zA-Z0-9_].
const UNITS: Record<string, string> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', TiBy: 'tibibytes',
  KBy: 'kilobytes', MBy: 'megabytes', GBy: 'gigabytes', TBy: 'terabytes',
  m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', g: 'grams', Cel: 'celsius', Hz: 'hertz', '%': 'percent', '1': '',
};
const PER_UNITS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

const tokens = (text: string): string[] => text.split(/[^a-zA-Z0-9]+/).filter(Boolean);

/** A unit part as a suffix: '' for none, annotations (`{connection}`) or `1`. */
function unitWord(unit: string | undefined, table: Record<string, string>): string {
  const u = (unit ?? '').trim();
  if (!u || u.includes('{') || u.includes('}')) return '';
  return tokens(table[u] ?? u).join('_');
}

export function prometheusName(name: string, unit: string, kind: 'counter' | 'gauge' | 'other'): string {
  let words = tokens(name);
  const [main, per] = unit.split('/', 2);
  const mainWord = unitWord(main, UNITS);
  if (mainWord && !words.includes(mainWord)) words.push(mainWord);
  const perWord = unitWord(per, PER_UNITS);
  if (perWord && !words.includes(perWord)) words.push('per', perWord);
  if (kind === 'counter') words = [...words.filter((w) => w !== 'total'), 'total'];
  if (kind === 'gauge' && unit.trim() === '1' && !words.includes('ratio')) words.push('ratio');
  const joined = words.join('_');
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

const kindOf = (m: MetricData): 'counter' | 'gauge' | 'other' =>
  m.dataPointType === DataPointType.SUM && m.isMonotonic ? 'counter' : m.dataPointType === DataPointType.GAUGE ? 'gauge' : 'other';

const cache = new Map<string, string>();

/** Gives each metric of a collection its Prometheus name (a copy of its descriptor: instruments keep theirs). */
export function usePrometheusNames(resourceMetrics: ResourceMetrics): void {
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const { name, unit } = metric.descriptor;
      const kind = kindOf(metric);
      const key = `${kind} ${unit} ${name}`;
      let renamed = cache.get(key);
      if (renamed === undefined) {
        renamed = prometheusName(name, unit, kind);
        if (cache.size < 10_000) cache.set(key, renamed);
      }
      if (renamed !== name) (metric as { descriptor: MetricData['descriptor'] }).descriptor = { ...metric.descriptor, name: renamed };
    }
  }
}
