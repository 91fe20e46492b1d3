/**
 * jest, in the test files: the CommonJS entry `xtest-pack/jest`. jest runs tests in a module
 * sandbox that cannot load ES modules on Node before 24.9, so this file depends on nothing: it
 * reads what the global setup `xtest-pack/jest/setup` put in the environment.
 *
 *   const { testData } = require('xtest-pack/jest');
 *   const data = testData();
 *   (data.skip ? test.skip : test)('reads a fixture', () => fs.readFileSync(data.path('fixtures/a.json')));
 */
import path = require('node:path');

interface JestTestData {
  readonly mode: 'source' | 'pack' | 'unavailable';
  readonly root: string;
  readonly reason: string;
  readonly skip: boolean;
  /** The absolute path of `rel` (relative to the package root). */
  path(rel: string): string;
}

/**
 * What the global setup checked out.
 * @throws Error when the global setup did not run (naming the config line to add).
 * @example
 *   const file = testData().path('fixtures/a.json');
 */
function testData(): JestTestData {
  const mode = process.env['XTEST_PACK_MODE'];
  const root = process.env['XTEST_PACK_ROOT'] ?? '';
  const reason = process.env['XTEST_PACK_REASON'] ?? '';
  let listed: string[] = [];
  try {
    const v = JSON.parse(process.env['XTEST_PACK_PATHS'] ?? '[]') as unknown;
    if (Array.isArray(v)) listed = v.filter((x): x is string => typeof x === 'string');
  } catch {
    listed = [];
  }
  if (mode !== 'source' && mode !== 'pack' && mode !== 'unavailable') {
    throw new Error("xtest-pack: no test data: add globalSetup: 'xtest-pack/jest/setup' to the jest configuration");
  }
  return {
    mode,
    root,
    reason,
    skip: mode === 'unavailable',
    path(rel: string): string {
      if (mode === 'unavailable') throw new Error(`xtest-pack: ${reason}`);
      const parts = rel.split('/').filter((c) => c !== '' && c !== '.');
      if (rel.startsWith('/') || rel.includes('\\') || parts.includes('..') || parts.length === 0) {
        throw new Error(`xtest-pack: test-data path ${JSON.stringify(rel)} must be relative, below the package root`);
      }
      const p = parts.join('/');
      if (!listed.some((l) => p === l || p.startsWith(`${l}/`))) {
        throw new Error(`xtest-pack: test-data path '${p}' is not listed in "xtestPack": { "paths": [...] } of package.json`);
      }
      return path.join(root, ...parts);
    },
  };
}

export = { testData };
