// xtest-pack/browser: what runs without Node: the pack and idx formats, git's objects, the object
// database over a storage interface, the portable backend (pako, @noble/hashes), and a pack
// directory served over HTTP (fetchPackDirectory, readFiles). No `node:` module is reachable from
// here (tsconfig.browser.json; scripts/bundle.mjs builds dist/bundle/browser/xtest-pack.js).
export { XtestPackError, isXtestPackError, type ErrorCode } from '../errors.js';
export { createPortableBackend } from '../backend/portable.js';
export type { Backend, Hasher, HashAlgorithm, InflateResult } from '../backend/types.js';
export * from '../pack/index.js';
export { ObjectDatabase, type DatabaseOptions, type RawObject } from '../odb/database.js';
export { walkTree, type WalkEntry, type WalkOptions, type WalkResult } from '../odb/walk.js';
export { parseCommit, serializeCommit, type Commit } from '../odb/objects/commit.js';
export { parseTag, serializeTag, type Tag } from '../odb/objects/tag.js';
export { MODE_BLOB, MODE_EXECUTABLE, MODE_GITLINK, MODE_SYMLINK, MODE_TREE, parseTree, serializeTree, type TreeEntry } from '../odb/objects/tree.js';
export { decodeExportManifest, encodeExportManifest, type ExportManifest } from '../manifest/export-manifest.js';
export type { ClosableSource, Storage } from '../fs/storage.js';
export {
  fetchPackDirectory,
  memoryStorage,
  readFiles,
  type FetchFunction,
  type FetchPackDirectoryOptions,
  type HttpPackDirectory,
  type ReadFile,
  type ReadFilesOptions,
} from './pack-directory.js';
