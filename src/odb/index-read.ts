/**
 * A repository's index as git reads it (read-cache.c `read_index_from`): `$GIT_DIR/index`
 * decoded by index-file.ts, merged with its shared index when split (split-index.c
 * `merge_base_index`), and, for a sparse index, every directory entry expanded into the files
 * of its tree with the skip-worktree bit (sparse-index.c `ensure_full_index`). No index file is
 * an empty index, as for git.
 */
import { XtestPackError } from '../errors.js';
import { bytesEqual, compareBytes, concatBytes } from '../pack/bytes.js';
import { toHex } from '../pack/oid.js';
import { joinPath } from '../fs/storage.js';
import { checkIndexOrder, decodeIndex, MODE_SPARSE_DIRECTORY, type IndexEntry, type IndexFile } from './index-file.js';
import { ewahPositions, type SplitIndexLink } from './index-link.js';
import type { Repository } from './repository.js';
import { MODE_GITLINK } from './objects/tree.js';
import { walkTree } from './walk.js';

export interface ReadIndexOptions {
  /** Replace sparse-directory entries by the files of their trees (default true). */
  expandSparse?: boolean;
}

/**
 * Read the index of `repo`'s work tree.
 * @throws INDEX_CORRUPT, CHECKSUM_MISMATCH, INDEX_UNSUPPORTED naming the file; the object
 *         database's errors for the trees of sparse directories.
 * @example
 *   const index = readIndex(repo);
 *   index.find('fixtures/a.json')?.skipWorktree;
 */
export function readIndex(repo: Repository, options: ReadIndexOptions = {}): RepositoryIndex {
  const file = joinPath(repo.gitDir, 'index');
  const bytes = repo.storage.readFile(file);
  if (bytes === undefined) return new RepositoryIndex([], undefined);
  const backend = repo.odb.backend;
  const own = decodeIndex(bytes, repo.format, backend, { file });
  let entries = own.entries;
  if (own.link !== undefined) {
    entries = mergeSplit(own, own.link, file, (hex) => {
      const sharedFile = joinPath(repo.gitDir, `sharedindex.${hex}`);
      const shared = repo.storage.readFile(sharedFile);
      if (shared === undefined) throw new XtestPackError('INDEX_CORRUPT', `split index: shared index sharedindex.${hex} is missing`, { file });
      return { index: decodeIndex(shared, repo.format, backend, { file: sharedFile }), file: sharedFile };
    });
  }
  if (options.expandSparse !== false && entries.some((e) => e.mode === MODE_SPARSE_DIRECTORY)) {
    entries = entries.flatMap((e) => (e.mode === MODE_SPARSE_DIRECTORY ? expandDirectory(repo, e) : [e]));
  }
  return new RepositoryIndex(entries, own);
}

/** The index's entries, with the lookups a work-tree walk needs. */
export class RepositoryIndex {
  /** In git's order: by path bytes, then stage. */
  readonly entries: readonly IndexEntry[];
  /** The decoded `$GIT_DIR/index` (its own entries, for a split index), or none. */
  readonly file: IndexFile | undefined;
  #byPath: Map<string, IndexEntry> | undefined;
  #dirs: Set<string> | undefined;
  #sparseDirs: string[] | undefined;

  constructor(entries: readonly IndexEntry[], file: IndexFile | undefined) {
    this.entries = entries;
    this.file = file;
  }

  /**
   * The entry of `path` (stage 0, or the lowest stage of a conflict), or `undefined`.
   * @example
   *   index.find('README.md')?.mode === 0o100644
   */
  find(path: string): IndexEntry | undefined {
    if (this.#byPath === undefined) {
      this.#byPath = new Map();
      for (const e of this.entries) if (!this.#byPath.has(e.path)) this.#byPath.set(e.path, e);
    }
    return this.#byPath.get(path);
  }

  /**
   * Is `path` outside the sparse checkout: its entry, or a sparse directory above it (an index
   * read with expandSparse false), has the skip-worktree bit?
   * @example
   *   if (!existsInWorkTree(p) && index.isSkipWorktree(p)) ... // absent by design, not deleted
   */
  isSkipWorktree(path: string): boolean {
    const e = this.find(path);
    if (e !== undefined) return e.skipWorktree;
    this.#sparseDirs ??= this.entries.filter((x) => x.mode === MODE_SPARSE_DIRECTORY).map((x) => x.path);
    return this.#sparseDirs.some((d) => path.startsWith(d));
  }

  /**
   * What the index says of directory `dir` (git's directory_exists_in_index): entries below it
   * (`directory`), a submodule there (`gitlink`), or nothing.
   */
  directoryStatus(dir: string): 'directory' | 'gitlink' | undefined {
    if (this.#dirs === undefined) {
      this.#dirs = new Set();
      for (const e of this.entries) {
        for (let i = e.path.indexOf('/'); i >= 0 && i < e.path.length - 1; i = e.path.indexOf('/', i + 1)) this.#dirs.add(e.path.slice(0, i));
      }
    }
    // A gitlink sorts before the entries below the same name: git meets it first.
    if (this.find(dir)?.mode === MODE_GITLINK) return 'gitlink';
    return this.#dirs.has(dir) ? 'directory' : undefined;
  }
}

type ReadShared = (hex: string) => { index: IndexFile; file: string };

/** split-index.c merge_base_index: the shared entries, replaced and deleted as the bitmaps say, then the additions. */
function mergeSplit(own: IndexFile, link: SplitIndexLink, file: string, readShared: ReadShared): IndexEntry[] {
  const corrupt = (reason: string): never => {
    throw new XtestPackError('INDEX_CORRUPT', `split index: ${reason}`, { file });
  };
  let base: IndexEntry[] = [];
  if (link.baseOid.some((b) => b !== 0)) {
    const hex = toHex(link.baseOid);
    const shared = readShared(hex);
    if (shared.index.link !== undefined) corrupt(`shared index ${shared.file} is itself split`);
    if (!bytesEqual(shared.index.checksum, link.baseOid)) corrupt(`expected ${hex} in ${shared.file}, got ${toHex(shared.index.checksum)}`);
    base = shared.index.entries.slice();
  }
  const replaced = link.replaceBitmap === undefined ? [] : ewahPositions(link.replaceBitmap, base.length, file);
  const deleted = link.deleteBitmap === undefined ? [] : ewahPositions(link.deleteBitmap, base.length, file);
  if (replaced.length > own.entries.length) corrupt(`${replaced.length} replacements, ${own.entries.length} entries`);
  replaced.forEach((pos, k) => {
    const src = own.entries[k]!;
    if (src.pathBytes.length !== 0) corrupt(`entry ${k} replaces shared entry ${pos} and should have no name`);
    const dst = base[pos]!;
    base[pos] = { ...src, path: dst.path, pathBytes: dst.pathBytes };
  });
  const gone = new Set(deleted);
  const result = base.filter((_, i) => !gone.has(i));
  for (let k = replaced.length; k < own.entries.length; k++) {
    const add = own.entries[k]!;
    if (add.pathBytes.length === 0) corrupt(`entry ${k} is added and should have a name`);
    addEntry(result, add);
  }
  checkIndexOrder(result, file);
  return result;
}

/** read-cache.c add_index_entry (ADD_CACHE_OK_TO_ADD): replace the same name and stage; a merged entry drops the conflict stages. */
function addEntry(entries: IndexEntry[], e: IndexEntry): void {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = entries[mid]!;
    const c = compareBytes(x.pathBytes, e.pathBytes) || x.stage - e.stage;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  const same = (x: IndexEntry | undefined): boolean => x !== undefined && bytesEqual(x.pathBytes, e.pathBytes);
  if (same(entries[lo]) && entries[lo]!.stage === e.stage) {
    entries[lo] = e;
    return;
  }
  if (e.stage === 0) {
    let first = lo;
    while (first > 0 && same(entries[first - 1])) first--;
    let last = lo;
    while (same(entries[last])) last++;
    entries.splice(first, last - first, e);
    return;
  }
  entries.splice(lo, 0, e);
}

/** The files of a sparse directory's tree, each outside the sparse checkout. */
function expandDirectory(repo: Repository, dir: IndexEntry): IndexEntry[] {
  const { entries } = walkTree(repo.odb, dir.oid, []);
  return entries.map((w) => ({
    ...dir,
    path: dir.path + w.path,
    pathBytes: concatBytes([dir.pathBytes, w.pathBytes]),
    mode: w.mode,
    oid: w.oid,
    size: 0,
  }));
}
