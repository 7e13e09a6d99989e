// Request body checks: each failure is a 400 with a message naming the field and what is accepted.

export class BadRequest extends Error {
  readonly status = 400;
}

type Body = Record<string, unknown>;

export function bodyOf(value: unknown): Body {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequest('the request body must be a JSON object (Content-Type: application/json)');
  }
  return value as Body;
}

export function requiredText(body: Body, field: string, maxLength = 200): string {
  const v = body[field];
  if (typeof v !== 'string' || v.trim() === '' || v.length > maxLength) {
    throw new BadRequest(`field "${field}" must be a non-empty string of at most ${maxLength} characters`);
  }
  return v.trim();
}

export function optionalText(body: Body, field: string, maxLength = 200): string | undefined {
  return body[field] === undefined ? undefined : requiredText(body, field, maxLength);
}

export function email(body: Body, field: string): string {
  const v = requiredText(body, field, 254);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) throw new BadRequest(`field "${field}" must be an email address such as jane@example.com`);
  return v;
}

export function number(body: Body, field: string, min: number, max: number, fallback?: number): number {
  const v = body[field];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new BadRequest(`field "${field}" must be a number from ${min} to ${max}`);
  }
  return v;
}

export function integer(body: Body, field: string, min: number, max: number, fallback?: number): number {
  const v = number(body, field, min, max, fallback);
  if (!Number.isInteger(v)) throw new BadRequest(`field "${field}" must be an integer from ${min} to ${max}`);
  return v;
}

export function oneOf<T extends string>(body: Body, field: string, accepted: readonly T[], fallback?: T): T {
  const v = body[field];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !(accepted as readonly string[]).includes(v)) {
    throw new BadRequest(`field "${field}" must be one of ${accepted.join(', ')}`);
  }
  return v as T;
}
