/**
 * What the runner adapters share: check out every listed path once for the whole run, and
 * hand the result to the tests (through the runner's own channel, or the environment).
 */
import { join } from 'node:path';
import { XtestPackError } from '../../errors.js';
import { forTestRun, listedTestDataSync, status, type TestDataMode } from '../helper.js';
import { isCovered, normalizeTestPath } from '../../manifest/index.js';

/** What an adapter gives the tests. */
export interface ProvidedTestData {
  readonly mode: TestDataMode;
  /** The directory the listed paths are under ('' when unavailable). */
  readonly root: string;
  readonly reason: string;
  /** Unavailable with XTEST_PACK_MISSING=skip: the tests skip. */
  readonly skip: boolean;
  /** The listed paths: `path()` refuses anything else. */
  readonly paths: readonly string[];
}

/** The environment variables an adapter passes the result in (jest, mocha workers). */
export const ENV_ROOT = 'XTEST_PACK_ROOT';
export const ENV_MODE = 'XTEST_PACK_MODE';
export const ENV_REASON = 'XTEST_PACK_REASON';
export const ENV_PATHS = 'XTEST_PACK_PATHS';

/**
 * Check out every listed path of the package above `from`.
 * @throws TESTDATA_UNAVAILABLE (unless XTEST_PACK_MISSING=skip), and the helper's errors.
 * @example
 *   const data = prepareTestData(process.cwd());
 */
export function prepareTestData(from: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): ProvidedTestData {
  try {
    return prepare(from, env);
  } catch (e) {
    throw forTestRun(e, env);
  }
}

function prepare(from: string, env: NodeJS.ProcessEnv): ProvidedTestData {
  const st = status(from, { env });
  if (st.mode === 'unavailable') {
    if (st.skip) return { mode: 'unavailable', root: '', reason: st.reason, skip: true, paths: st.paths };
    throw new XtestPackError('TESTDATA_UNAVAILABLE', st.reason, { file: st.root });
  }
  const data = listedTestDataSync({ from, env });
  return { mode: data.mode, root: data.root, reason: st.reason, skip: false, paths: st.paths };
}

/** Put `data` in `env` for test processes started later. */
export function publishTestData(data: ProvidedTestData, env: NodeJS.ProcessEnv = process.env): void {
  env[ENV_ROOT] = data.root;
  env[ENV_MODE] = data.mode;
  env[ENV_REASON] = data.reason;
  env[ENV_PATHS] = JSON.stringify(data.paths);
}

/**
 * The absolute path of `rel` under `data.root`.
 * @throws TESTDATA_UNAVAILABLE, PATH_NOT_LISTED (not below a listed path).
 */
export function testDataPath(data: ProvidedTestData, rel: string): string {
  if (data.mode === 'unavailable') throw new XtestPackError('TESTDATA_UNAVAILABLE', data.reason);
  const p = normalizeTestPath(rel);
  if (!isCovered(p, data.paths)) {
    throw new XtestPackError('PATH_NOT_LISTED', `test-data path '${p}' is not listed in "xtestPack": { "paths": [...] } of package.json`, { path: p });
  }
  return join(data.root, ...p.split('/'));
}
