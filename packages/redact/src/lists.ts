// The one list of what counts as secret or personal. The register, @crm/business-events and
// the collector's redaction processor (otel-collector/config.yaml, checked by a test) use it.

export const REDACTED = '[REDACTED]';
export const REDACTED_EMAIL = '[REDACTED_EMAIL]';
export const TRUNCATED = '[TRUNCATED]';

/** Words that make a key secret wherever they stand in it (`authToken`, `db_password`, `x-csrf-token`). */
export const SECRET_WORDS = [
  'password', 'passwd', 'passphrase', 'pwd', 'secret', 'token', 'otp', 'jwt', 'credential', 'credentials',
  'cookie', 'authorization', 'apikey', 'privatekey', 'accesskey', 'signature',
] as const;

/** Secret words also matched as the end of a longer lowercase word (`dbpassword`, `xsrftoken`). */
export const SECRET_STEMS = ['password', 'passwd', 'secret', 'token', 'apikey', 'credential', 'credentials', 'cookie'] as const;

/** `key` is secret after one of these words (`api_key`, `privateKey`, `x-api-key`). */
export const KEY_QUALIFIERS = ['api', 'private', 'access', 'secret', 'signing', 'encryption', 'master', 'client', 'shared'] as const;

/** Words that are secret only as the whole key, or its last dotted part (`auth`, `crm.context.session`). */
export const WHOLE_KEY_WORDS = ['auth', 'pass', 'session', 'sid', 'sig', 'key', 'code'] as const;

/** Whole keys that are secret in a query string or form only (`?key=…`, `?code=…`), not as attribute names. */
export const QUERY_ONLY_WORDS = ['key', 'code', 'sig'] as const;

/** HTTP headers never recorded (exact names, lowercase). Any header whose name has a secret word is too. */
export const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'] as const;

/** Authentication schemes whose credential follows them in text: `Bearer <token>`, `bearer=<token>`. */
export const AUTH_SCHEMES = ['bearer', 'basic', 'digest', 'token', 'negotiate'] as const;

/** Path prefixes whose next segment is a secret (password reset, e-mail verification, invitations). */
export const DEFAULT_SECRET_PATHS = [
  '/reset-password/*', '/password-reset/*', '/password/reset/*', '/reset-token/*',
  '/verify-email/*', '/email/verify/*', '/confirm-email/*', '/verify/*',
  '/invite/*', '/invites/*', '/invitation/*', '/invitations/*', '/magic-link/*', '/unsubscribe/*',
] as const;

/** Size caps: a string is cut to maxLength before it is scanned; structures to maxDepth and maxNodes. */
export const DEFAULT_LIMITS = { maxLength: 65_536, maxDepth: 16, maxNodes: 10_000 } as const;
