// Bucketing of lead scores and deal values into the range labels the seeds' dashboards use.

export const SCORE_RANGES = ['low', 'medium-low', 'medium', 'high', 'very-high'] as const;
export const VALUE_RANGES = ['0-25k', '25k-50k', '50k-100k', '100k-250k', '250k+'] as const;

/** Index into SCORE_RANGES for a score in 0..100 (low < 25, medium-low < 50, medium < 75, high < 90). */
export function scoreRangeIndex(score: number): number {
  if (score < 25) return 0;
  if (score < 50) return 1;
  if (score < 75) return 2;
  if (score < 90) return 3;
  return 4;
}

/** Index into VALUE_RANGES for a value >= 0. */
export function valueRangeIndex(value: number): number {
  if (value < 25_000) return 0;
  if (value < 50_000) return 1;
  if (value < 100_000) return 2;
  if (value < 250_000) return 3;
  return 4;
}
