/**
 * vitest: a global setup that checks the test data out once per run and provides it.
 *
 *   // vitest.config.js
 *   export default { test: { globalSetup: ['xtest-pack/vitest'] } };
 *   // a test
 *   import { inject, test } from 'vitest';
 *   const data = inject('xtestPack');
 *   test.skipIf(data.skip)('reads a fixture', () => readFileSync(join(data.root, 'fixtures/a.json')));
 */
import { prepareTestData, type ProvidedTestData } from './common.js';

export type { ProvidedTestData };

/** The part of vitest's TestProject a global setup uses. */
interface Provider {
  provide(key: 'xtestPack', value: ProvidedTestData): void;
}

/**
 * vitest global setup: provides `xtestPack` ({ mode, root, reason, skip }).
 * @throws TESTDATA_UNAVAILABLE (failing the run with what to set) unless XTEST_PACK_MISSING=skip.
 * @example
 *   export default { test: { globalSetup: ['xtest-pack/vitest'] } };
 */
export default function setup(project: Provider): void {
  project.provide('xtestPack', prepareTestData(process.cwd()));
}
