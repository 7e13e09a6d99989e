// ESLint over every package, test, bench, script and example file (`npm run lint`).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '.stack/**', '.bench-variants/**', '.turbo/**', 'bench/results/**', 'test/results/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2024, sourceType: 'module' },
    rules: {
      // a `let` read by a closure before its one assignment (import.mts's hook asks the SDK started after it) stays a let
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The register loads on demand: require() where a part is needed keeps what a process does not use
    // (a disabled SDK, an exporter protocol, an instrumentation, the cluster part) at zero cost at start-up.
    files: ['packages/otel-register/src/**/*.ts', 'packages/otel-register/src/**/*.mts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.cjs', '**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
