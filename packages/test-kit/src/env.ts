/**
 * The environment of this process for a child that must not inherit its telemetry settings:
 * without variables starting with any of `prefixes`, and without NODE_OPTIONS (a --require there
 * would preload into the child too).
 */
export function scrubbedEnv(prefixes: readonly string[] = ['OTEL_', 'CRM_']): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k !== 'NODE_OPTIONS' && !prefixes.some((p) => k.startsWith(p))) env[k] = v;
  }
  return env;
}
