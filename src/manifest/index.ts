// The two manifests named xtest-pack.json: a pack directory's (export) and a package's.
export { comparePathBytes, isCovered, normalizePathList, normalizeTestPath } from './paths.js';
export {
  EXPORT_MANIFEST_VERSION,
  decodeExportManifest,
  encodeExportManifest,
  listedFiles,
  normalizeExportManifest,
  type ExportManifest,
  type ExportManifestFile,
} from './export-manifest.js';
export { PACKAGE_MANIFEST_VERSION, artifactName, decodePackageManifest, encodePackageManifest, isPackageManifest, type PackageManifest } from './package-manifest.js';
export { MANIFEST_NAME, readExportManifest, readPackageManifest } from './read.js';
