// xtest-pack: what a test suite, an author's script or a packager's tool calls. The layers
// below have their own entry points: xtest-pack/pack (pack, idx and delta formats, pure),
// xtest-pack/odb (object database, repositories, tree walk), xtest-pack/backend (zlib and
// hashes), xtest-pack/harness (the test-data workflow's parts).

// The test helper: fixture paths wherever the suite runs.
export {
  listedTestDataSync,
  status,
  testData,
  testDataSync,
  type TestData,
  type TestDataMode,
  type TestDataOptions,
  type TestDataStatus,
} from './harness/helper.js';
// Test data: export from a repository, check out from a pack directory or artifact.
export type { ExportOptions, ExportResult } from './export/export.js';
export { checkoutPack, checkoutPackSync, type CheckoutFile, type CheckoutOptions, type CheckoutResult } from './checkout/checkout.js';
export { openTestData, type OpenedTestData } from './artifact/open.js';
// The two manifests named xtest-pack.json.
export {
  MANIFEST_NAME,
  artifactName,
  decodeExportManifest,
  decodePackageManifest,
  encodeExportManifest,
  encodePackageManifest,
  readExportManifest,
  readPackageManifest,
  type ExportManifest,
  type ExportManifestFile,
  type PackageManifest,
} from './manifest/index.js';
export { XtestPackError, isXtestPackError, type ErrorCode } from './errors.js';
export { getBackend } from './backend/select.js';
export type { Backend, BackendName } from './backend/types.js';

import { createRequire } from 'node:module';
import { checkoutPack, checkoutPackSync } from './checkout/checkout.js';
import type * as Export from './export/export.js';
import { listedTestDataSync, testData, testDataSync } from './harness/helper.js';
/** @deprecated since 0.2: `testData` (the name `checkout` is kept until 1.0). */
export const checkout = testData;
/** @deprecated since 0.2: `testDataSync` (the name `checkoutSync` is kept until 1.0). */
export const checkoutSync = testDataSync;
/** @deprecated since 0.2: `listedTestDataSync` (the name `checkoutListedSync` is kept until 1.0). */
export const checkoutListedSync = listedTestDataSync;
/** @deprecated since 0.2: `checkoutPack` (the name `checkoutObjects` is kept until 1.0). */
export const checkoutObjects = checkoutPack;
/** @deprecated since 0.2: `checkoutPackSync` (the name `checkoutObjectsSync` is kept until 1.0). */
export const checkoutObjectsSync = checkoutPackSync;

/**
 * Export test data from a repository into a pack directory (what `xtest-pack export` runs).
 * Loaded on first call: the export code and its deterministic deflate (pako) stay out of a test
 * run that only reads test data.
 * @throws as the export (NOT_A_REPOSITORY, PATHSPEC_UNMATCHED, DIRTY_WORKTREE, IO, ...).
 * @example
 *   exportTestData({ repo: '.', pathspecs: ['fixtures'], out: 'test-data', backend: getBackend() });
 */
export function exportTestData(options: Export.ExportOptions): Export.ExportResult {
  return (createRequire(import.meta.url)('./export/export.js') as typeof Export).exportTestData(options);
}
