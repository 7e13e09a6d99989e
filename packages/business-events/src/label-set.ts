// Cardinality guard: maps free-form input to a bounded set of label values.
// Allowed values keep their (normalized) name; anything else becomes `other` and is named
// once in a warning (quoted through `quote`: scrubbed, cut). Results are cached per raw input,
// with a bounded cache that keeps no long strings.

import { OTHER, UNKNOWN } from './defaults.js';
import type { WarnOnce } from './warnings.js';

const MAX_CACHE = 1000;
/** Longer inputs are neither cached nor kept whole as warn-once keys: a flood of long values cannot hold memory. */
const MAX_KEPT = 256;

export type Normalizer = (raw: string) => string;

/** trim, lowercase, runs of spaces, dashes and dots become one underscore: "Closed Won" -> closed_won. */
export const snakeCase: Normalizer = (raw) => raw.trim().toLowerCase().replace(/[\s.-]+/g, '_');
export const upperCase: Normalizer = (raw) => raw.trim().toUpperCase();

export class LabelSet {
  /** Label values by index; `other` and `unknown` come first. */
  readonly values: string[] = [OTHER, UNKNOWN];
  static readonly OTHER_INDEX = 0;
  static readonly UNKNOWN_INDEX = 1;
  private readonly byName = new Map<string, number>();
  private readonly cache = new Map<string, number>();

  /**
   * @param dimension the label name, used in warnings
   * @param allowed the allow-list (normalized with `normalize`)
   * @param quote renders an input for a warning (the engine's scrubbing, a cut, quotes)
   * @param growUpTo when > 0, unknown values are admitted until the set holds this many (error types)
   * @param where where the allow-list is set, for the warning
   */
  constructor(
    private readonly dimension: string,
    allowed: readonly string[],
    private readonly normalize: Normalizer,
    private readonly warnings: WarnOnce,
    private readonly quote: (raw: string) => string,
    private readonly growUpTo = 0,
    private readonly where = `${dimension} allow-list with configure()`,
  ) {
    for (const value of allowed) this.add(normalize(value));
  }

  get size(): number {
    return this.values.length;
  }

  /** The most values the set can ever hold (indexes stay below it). */
  get capacity(): number {
    return this.growUpTo > 0 ? Math.max(this.growUpTo + 2, this.values.length) : this.values.length;
  }

  private add(name: string): number {
    const existing = this.byName.get(name);
    if (existing !== undefined) return existing;
    const index = this.values.length;
    this.values.push(name);
    this.byName.set(name, index);
    return index;
  }

  /** Index of the label value for a valid string input. */
  index(raw: string): number {
    const cached = this.cache.get(raw);
    if (cached !== undefined) return cached;
    const name = this.normalize(raw);
    let index = this.byName.get(name);
    if (index === undefined) {
      if (this.growUpTo > 0 && this.values.length - 2 < this.growUpTo && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) {
        index = this.add(name);
      } else {
        index = LabelSet.OTHER_INDEX;
        this.warnings.warn(
          `${this.dimension}\u0000${name.slice(0, MAX_KEPT)}`,
          () =>
            `@crm/business-events: ${this.dimension} ${this.quote(raw)} is not in the allow-list; recorded as "${OTHER}" ` +
            (this.growUpTo > 0
              ? `(more than ${this.growUpTo} distinct values, or not a plain identifier)`
              : `(add it to the ${this.where} to keep it)`),
        );
      }
    }
    if (raw.length <= MAX_KEPT && this.cache.size < MAX_CACHE) this.cache.set(raw, index);
    return index;
  }
}
