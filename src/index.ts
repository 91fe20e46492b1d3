// xtest-pack: the public API.
export * from './pack/index.js';
export { getBackend, loadBackend, createNodeBackend, createPortableBackend } from './backend/index.js';
export type { Backend, BackendName, Hasher, HashAlgorithm, InflateResult } from './backend/index.js';
export { XtestPackError, isXtestPackError, type ErrorCode } from './errors.js';
export { openFileSource, type FileSource } from './fs/file-source.js';
export { writeFileAtomic } from './fs/atomic.js';
export { Repository } from './odb/repository.js';
export { ObjectDatabase, type RawObject, type DatabaseOptions } from './odb/database.js';
export { resolveRevision, peel, typeOf, type ResolvedObject, type RevisionContext } from './odb/revision.js';
export { walkTree, type WalkEntry, type WalkOptions, type WalkResult } from './odb/walk.js';
export { nodeStorage } from './fs/node-storage.js';
export { exportTestData, type ExportOptions, type ExportResult } from './export/export.js';
export { writePackFiles, repackDirectory } from './export/pack-dir.js';
export { decodeManifest, encodeManifest, MANIFEST_NAME, type Manifest, type ManifestFile } from './export/manifest.js';
export {
  checkout as checkoutObjects,
  checkoutSync as checkoutObjectsSync,
  checkoutFromDatabase,
  type CheckoutOptions,
  type CheckoutResult,
  type CheckoutFile,
} from './checkout/checkout.js';
// The test helper: what a test suite calls.
export { checkout, checkoutSync, checkoutListedSync, status, type TestData, type TestDataMode, type TestDataOptions, type TestDataStatus } from './testdata/helper.js';
export { decodePackageManifest, encodePackageManifest, artifactName, type PackageManifest } from './testdata/package-manifest.js';
export { openTestData, writeArtifactTar, type OpenedTestData } from './testdata/artifact.js';
