/**
 * jest: a global setup (loaded natively by jest, outside its module sandbox) that checks the
 * test data out once per run and passes the result to the test workers in the environment;
 * the tests read it with the CommonJS `xtest-pack/jest`.
 *
 *   // jest.config.js
 *   module.exports = { globalSetup: 'xtest-pack/jest/setup' };
 */
import { prepareTestData, publishTestData } from './common.js';

/**
 * jest global setup.
 * @throws TESTDATA_UNAVAILABLE (failing the run with what to set) unless XTEST_PACK_MISSING=skip.
 * @example
 *   module.exports = { globalSetup: 'xtest-pack/jest/setup' };
 */
export default function globalSetup(): void {
  publishTestData(prepareTestData(process.cwd()));
}
