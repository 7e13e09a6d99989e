// The repository root, for files the tests and benchmarks read (this package lives in packages/test-kit).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
export const FIXTURES = join(REPO, 'test', 'fixtures');
