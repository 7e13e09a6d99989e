// OTEL_SDK_DISABLED: the preload entries decide with isDisabled() before loading anything else,
// and the configuration (programmatic start(), the start-up story) decides with the same function.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConfig } from '@crm/otel-register/internal/config';
import { isDisabled } from '@crm/otel-register/internal/disabled';

test('the entries and the configuration agree on every value', () => {
  const values = ['true', 'TRUE', ' True ', '1', 'false', '0', '', ' ', 'yes', 'maybe', 'truee'];
  for (const value of values) {
    const env = { OTEL_SDK_DISABLED: value };
    assert.equal(readConfig({ env }).config.disabled, isDisabled(env), JSON.stringify(value));
  }
  assert.deepEqual(values.filter((v) => isDisabled({ OTEL_SDK_DISABLED: v })), ['true', 'TRUE', ' True ', '1']);
  assert.equal(isDisabled({}), false);
});

test('a value that is neither true nor false is reported once, and the SDK stays on', () => {
  const { config, problems } = readConfig({ env: { OTEL_SDK_DISABLED: 'yes' } });
  assert.equal(config.disabled, false);
  assert.deepEqual(problems, ['OTEL_SDK_DISABLED="yes" is invalid: accepted true or false; using false']);
  assert.deepEqual(readConfig({ env: { OTEL_SDK_DISABLED: 'true' } }).problems, []);
});
