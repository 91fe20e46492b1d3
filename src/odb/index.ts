// xtest-pack/odb: the object database over a storage interface (loose objects, packs,
// alternates), repositories and refs, revisions, the tree walk, and git's object formats.
export { ObjectDatabase, type DatabaseOptions, type RawObject } from './database.js';
export { openPackDirectory, packDirectoryFormat, type Opened } from './open.js';
export { Repository, openRepository } from './repository.js';
export { RefStore, type ResolvedRef } from './refs.js';
export { peel, resolveRevision, typeOf, type ResolvedObject, type RevisionContext } from './revision.js';
export { walkTree, type WalkEntry, type WalkOptions, type WalkResult } from './walk.js';
export { lsTree, type LsTreeOptions } from './ls-tree.js';
export type { ClosableSource, Storage } from '../fs/storage.js';
export { nodeStorage } from '../fs/node-storage.js';
export { openFileSource, type FileSource } from '../fs/file-source.js';
export { parseCommit, serializeCommit, checkCommit, type Commit } from './objects/commit.js';
export { parseTag, serializeTag, checkTag, type Tag } from './objects/tag.js';
export {
  MODE_BLOB,
  MODE_EXECUTABLE,
  MODE_GITLINK,
  MODE_SYMLINK,
  MODE_TREE,
  checkTree,
  parseTree,
  serializeTree,
  type TreeEntry,
} from './objects/tree.js';
export { decodeIndex, encodeIndex, MODE_SPARSE_DIRECTORY, type IndexEntry, type IndexExtension, type IndexFile, type IndexInput, type DecodeIndexOptions } from './index-file.js';
export { readIndex, RepositoryIndex, type ReadIndexOptions } from './index-read.js';
export { IgnoreRules, type IgnoreContext, type IgnoreOptions, type Environment } from './ignore.js';
export { parseIgnoreFile, describePattern, type IgnorePattern, type PatternList } from './ignore-pattern.js';
export { untrackedFiles, type UntrackedEntry, type UntrackedOptions } from './untracked.js';
export { nodeWorkTreeStorage } from '../fs/node-work-tree-storage.js';
export type { DirEntry, EntryKind, WorkTreeStorage } from '../fs/work-tree-storage.js';
