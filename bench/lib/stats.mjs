// Small statistics helpers: medians, percentiles and the formatting used in the tables.

export function sorted(values) {
  return Float64Array.from(values).sort();
}

/** Nearest-rank percentile (p in 0..100) of an already sorted array. */
export function percentileSorted(s, p) {
  if (s.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export function percentile(values, p) {
  return percentileSorted(sorted(values), p);
}

export function median(values) {
  const s = sorted(values);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function min(values) {
  return values.length ? Math.min(...values) : NaN;
}

export function max(values) {
  return values.length ? Math.max(...values) : NaN;
}

/** `median (min–max)` with a fixed number of decimals. */
export function spread(values, digits = 1) {
  return `${fixed(median(values), digits)} (${fixed(min(values), digits)}–${fixed(max(values), digits)})`;
}

export function fixed(n, digits = 1) {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

export function ratio(a, b, digits = 2) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(digits)}x` : 'n/a';
}

export function mib(bytes) {
  return bytes / (1024 * 1024);
}
