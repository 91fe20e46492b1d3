// xtest-pack/harness: what the `manifest`, `pack` and `package-test` commands are made of, for
// tools that drive the test-data workflow themselves. (The test helper is on the root entry.)
export { findPackageRoot, readPackageInfo, type PackageInfo } from './package.js';
export { openTestData, type OpenedTestData } from '../artifact/open.js';
export { materialize, type MaterializeOptions } from './materialize.js';
export { makePackageManifest, writePackageManifest, buildArtifact, writeArtifactTar, type ManifestOptions, type ArtifactOptions } from './publish.js';
export { packageTest, type PackageTestOptions, type PackageTestResult } from './package-test.js';
