export { createRedactor, type RedactOptions, type RedactStats, type Redactor } from './redactor';
export { isSecretKeyName, splitWords } from './keys';
export { canonicalEmail } from './scan-email';
export {
  AUTH_SCHEMES,
  DEFAULT_LIMITS,
  DEFAULT_SECRET_PATHS,
  KEY_QUALIFIERS,
  QUERY_ONLY_WORDS,
  REDACTED,
  REDACTED_EMAIL,
  SECRET_HEADERS,
  SECRET_STEMS,
  SECRET_WORDS,
  TRUNCATED,
  WHOLE_KEY_WORDS,
} from './lists';
