// OTEL_SDK_DISABLED, read the same way by the entries (before anything else is loaded) and the configuration.
export const SDK_DISABLED = 'OTEL_SDK_DISABLED';

/** `true` or `1` (any case, spaces around) turns the SDK off; anything else leaves it on. */
export function isDisabled(env: NodeJS.ProcessEnv): boolean {
  return /^(true|1)$/i.test((env[SDK_DISABLED] ?? '').trim());
}
