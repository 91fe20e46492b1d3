// xtest-pack/testdata: the test helper, and what the `manifest`, `pack` and `package-test`
// commands are made of.
export { checkout, checkoutSync, checkoutListedSync, status, type TestData, type TestDataMode, type TestDataOptions, type TestDataStatus } from './helper.js';
export { decodePackageManifest, encodePackageManifest, artifactName, type PackageManifest } from './package-manifest.js';
export { findPackageRoot, readPackageInfo, type PackageInfo } from './package.js';
export { openTestData, writeArtifactTar, type OpenedTestData } from './artifact.js';
export { materialize, type MaterializeOptions } from './materialize.js';
export { makePackageManifest, writePackageManifest, buildArtifact, type ManifestOptions, type ArtifactOptions } from './publish.js';
export { packageTest, type PackageTestOptions, type PackageTestResult } from './package-test.js';
