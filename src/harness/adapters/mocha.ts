/**
 * mocha: a root hook plugin that checks the test data out before the first test (skipping
 * every test when it is unavailable and XTEST_PACK_MISSING=skip).
 *
 *   // .mocharc.json
 *   { "require": ["xtest-pack/mocha"] }
 *   // a test
 *   import { testData } from 'xtest-pack/mocha';
 *   it('reads a fixture', () => readFileSync(testData().path('fixtures/a.json')));
 */
import { XtestPackError } from '../../errors.js';
import { prepareTestData, testDataPath, type ProvidedTestData } from './common.js';

let current: ProvidedTestData | undefined;

/** mocha's root hooks. */
export const mochaHooks = {
  beforeAll(this: { skip(): void }): void {
    current ??= prepareTestData(process.cwd());
    if (current.skip) this.skip();
  },
};

/**
 * What the root hook checked out.
 * @throws TESTDATA_UNAVAILABLE when the hook has not run (naming the .mocharc line to add).
 * @example
 *   readFileSync(testData().path('fixtures/a.json'));
 */
export function testData(): ProvidedTestData & { path(rel: string): string } {
  const data = current;
  if (!data) throw new XtestPackError('TESTDATA_UNAVAILABLE', 'no test data: add "require": ["xtest-pack/mocha"] to .mocharc');
  return { ...data, path: (rel: string) => testDataPath(data, rel) };
}
