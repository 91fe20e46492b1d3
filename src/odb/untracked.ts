/**
 * The untracked files below some paths of a work tree: what `git ls-files --others
 * --exclude-standard -- <paths>` lists (git's dir.c `read_directory`, `treat_leading_path`,
 * `treat_path`, `treat_directory`), read through WorkTreeStorage:
 *
 * ```
 *   a name ".git"                          never looked at
 *   a file or symlink in the index         tracked: not listed (any stage)
 *   a file or symlink ignored              not listed
 *   a directory ignored                    not entered (nothing below it is listed, tracked or not)
 *   a directory with entries in the index  entered
 *   a directory that is a gitlink          not entered (a submodule)
 *   another directory with its own .git    listed as a nested repository, not entered
 *   another directory                      entered (git lists its files one by one, as here)
 *   a FIFO, socket or device               not listed
 * ```
 *
 * A listed path is reached from the top as git does: an ignored directory or a nested
 * repository on the way hides everything below it.
 */
import { XtestPackError } from '../errors.js';
import { nodeStorage } from '../fs/node-storage.js';
import { nodeWorkTreeStorage } from '../fs/node-work-tree-storage.js';
import { joinPath } from '../fs/storage.js';
import { isWorkTreeStorage, type EntryKind, type WorkTreeStorage } from '../fs/work-tree-storage.js';
import { IgnoreRules, type Environment } from './ignore.js';
import { readIndex, type RepositoryIndex } from './index-read.js';
import { MODE_GITLINK } from './objects/tree.js';
import type { Repository } from './repository.js';
import { byteStringOf } from '../pack/utf8.js';

export interface UntrackedEntry {
  /** Relative to the work tree, '/'-separated (git prints a nested repository with a trailing '/'). */
  readonly path: string;
  /** `repository`: a directory with a `.git` of its own, not entered. */
  readonly kind: 'file' | 'symlink' | 'repository';
}

export interface UntrackedOptions {
  /** The work tree's storage (default: the repository's, if it tells symlinks apart; node:fs for nodeStorage). */
  storage?: WorkTreeStorage;
  /** As IgnoreOptions.env (default process.env). */
  env?: Environment;
  /** The index, if already read. */
  index?: RepositoryIndex;
  /** The ignore rules, if already set up. */
  ignore?: IgnoreRules;
}

type Treatment = 'none' | 'excluded' | 'recurse' | UntrackedEntry['kind'];

/**
 * The untracked, not ignored files below `paths` (relative to the work tree; `''`, `.` or no
 * paths at all for the whole work tree, as git without pathspecs).
 * @returns the entries in git's order (by path bytes), each once.
 * @throws USAGE for a bare repository, an absolute path or one with `..`; INDEX_CORRUPT and the
 *         errors of readIndex; IO when a directory cannot be read.
 * @example
 *   const { entries } = untrackedFiles(repo, ['fixtures']);
 *   for (const e of entries) console.log(`not in git: ${e.path}`);
 */
export function untrackedFiles(repo: Repository, paths: readonly string[], options: UntrackedOptions = {}): { entries: UntrackedEntry[] } {
  const workTree = repo.workTree;
  if (workTree === undefined) throw new XtestPackError('USAGE', 'a bare repository has no work tree', { file: repo.gitDir });
  const storage = options.storage ?? workTreeStorageOf(repo);
  const index = options.index ?? readIndex(repo);
  const rules = options.ignore ?? IgnoreRules.forRepository(repo, { storage, index, ...(options.env ? { env: options.env } : {}) });
  const fold = rules.ignoreCase;
  const { isTracked, dirStatus } = fold
    ? foldedLookups(index)
    : { isTracked: (p: string) => index.find(p) !== undefined, dirStatus: (p: string) => index.directoryStatus(p) };
  const isDotGit = (name: string): boolean => (fold ? name.toLowerCase() === '.git' : name === '.git');
  const abs = (p: string): string => joinPath(workTree, p);
  const gitDir = storage.resolve(repo.gitDir);

  const treat = (path: string, kind: EntryKind): Treatment => {
    if (kind === 'dir') {
      if (rules.isIgnored(path, true)) return 'excluded';
      const status = dirStatus(path);
      if (status === 'directory') return 'recurse';
      if (status === 'gitlink') return 'none';
      return isNestedRepository(storage, abs(path), gitDir) ? 'repository' : 'recurse';
    }
    if (kind === 'file' || kind === 'symlink') {
      if (isTracked(path)) return 'none';
      return rules.isIgnored(path, false) ? 'excluded' : kind;
    }
    return 'none';
  };

  const found = new Map<string, UntrackedEntry>();
  const walk = (dir: string): void => {
    for (const { name, kind } of storage.readDirEntries(abs(dir)) ?? []) {
      if (isDotGit(name)) continue;
      const path = dir === '' ? name : `${dir}/${name}`;
      const t = treat(path, kind);
      if (t === 'recurse') walk(path);
      else if (t === 'file' || t === 'symlink' || t === 'repository') found.set(path, { path, kind: t });
    }
  };

  for (const p of topmost(paths.length === 0 ? [''] : paths.map(normalizeRelative))) {
    if (p === '') {
      walk('');
      continue;
    }
    // git's treat_leading_path: each directory on the way must be one to enter.
    const parts = p.split('/');
    let dir = '';
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      if (isDotGit(name)) break;
      const path = dir === '' ? name : `${dir}/${name}`;
      const kind = storage.lkind(abs(path));
      if (kind === undefined) break;
      const t = treat(path, kind);
      if (i < parts.length - 1) {
        // A nested repository above a listed path hides it, as any directory not entered.
        if (t !== 'recurse') break;
        dir = path;
        continue;
      }
      if (t === 'recurse') walk(path);
      else if (t === 'file' || t === 'symlink' || t === 'repository') found.set(path, { path, kind: t });
    }
  }
  // git's order: by the bytes of the path as printed (a nested repository's with its '/').
  const sorted = [...found.values()].map((e) => ({ e, k: byteStringOf(e.path) + (e.kind === 'repository' ? '/' : '') }));
  sorted.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return { entries: sorted.map((x) => x.e) };
}

/** core.ignoreCase: the index's names and directories compared with ASCII letters folded (git's name hash). */
function foldedLookups(index: RepositoryIndex): { isTracked: (p: string) => boolean; dirStatus: (p: string) => 'directory' | 'gitlink' | undefined } {
  const key = (p: string): string => p.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  const tracked = new Set<string>();
  const dirs = new Map<string, 'directory' | 'gitlink'>();
  for (const e of index.entries) {
    tracked.add(key(e.path));
    for (let i = e.path.indexOf('/'); i >= 0; i = e.path.indexOf('/', i + 1)) dirs.set(key(e.path.slice(0, i)), 'directory');
  }
  // git's directory_exists_in_index_icase asks for a directory first, then a gitlink.
  for (const e of index.entries) if (e.mode === MODE_GITLINK && !dirs.has(key(e.path))) dirs.set(key(e.path), 'gitlink');
  return { isTracked: (p) => tracked.has(key(p)), dirStatus: (p) => dirs.get(key(p)) };
}

/** The repository's storage, if it can walk a work tree (nodeStorage stands for node:fs). */
function workTreeStorageOf(repo: Repository): WorkTreeStorage {
  if (isWorkTreeStorage(repo.storage)) return repo.storage;
  if (repo.storage === nodeStorage) return nodeWorkTreeStorage;
  throw new XtestPackError('USAGE', "the repository's storage cannot tell symlinks from what they point to: pass options.storage (a WorkTreeStorage)");
}

/**
 * git's is_nonbare_repository_dir: `dir/.git` is a git directory, or a file naming one
 * (`gitdir: ...`), and is not this repository's own git directory.
 */
function isNestedRepository(storage: WorkTreeStorage, dir: string, ownGitDir: string): boolean {
  const dotGit = joinPath(dir, '.git');
  const kind = storage.lkind(dotGit);
  if (kind === undefined) return false;
  let target = dotGit;
  if (storage.kind(dotGit) === 'file') {
    const raw = storage.readFile(dotGit);
    // git counts a .git file it cannot read as a repository.
    if (raw === undefined) return true;
    const m = /^gitdir: (.+?)\s*$/m.exec(new TextDecoder().decode(raw));
    if (!m) return false;
    target = storage.resolve(m[1]!, dir);
  }
  return isGitDirectory(storage, target) && storage.resolve(target) !== ownGitDir;
}

/** git's is_git_directory: HEAD that reads as a ref or an id, objects/ and refs/ (in the common directory). */
function isGitDirectory(storage: WorkTreeStorage, dir: string): boolean {
  const head = storage.readFile(joinPath(dir, 'HEAD'));
  if (head === undefined) return false;
  const text = new TextDecoder().decode(head);
  if (!/^ref: refs\//.test(text) && !/^[0-9a-f]{40}(?:[0-9a-f]{24})?\s*$/.test(text)) return false;
  const common = storage.readFile(joinPath(dir, 'commondir'));
  const commonDir = common === undefined ? dir : storage.resolve(new TextDecoder().decode(common).trim(), dir);
  return storage.kind(joinPath(commonDir, 'objects')) === 'dir' && storage.kind(joinPath(commonDir, 'refs')) === 'dir';
}

/** A repository-relative path: no leading './' or trailing '/'; '' for the top. */
function normalizeRelative(path: string): string {
  let p = path;
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/\/+$/, '');
  if (p === '.') p = '';
  if (p.startsWith('/') || p.split('/').some((c) => c === '..' || c === '.' || (c === '' && p !== ''))) {
    throw new XtestPackError('USAGE', `path ${JSON.stringify(path)} is not relative to the work tree's top`, { path });
  }
  return p;
}

/** The paths, each once, none below another. */
function topmost(paths: readonly string[]): string[] {
  const unique = [...new Set(paths)];
  if (unique.includes('')) return [''];
  return unique.filter((p) => !unique.some((q) => q !== p && p.startsWith(`${q}/`)));
}
