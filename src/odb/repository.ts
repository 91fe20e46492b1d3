/**
 * Opening a git repository without git (gitrepository-layout(5), git's setup.c): a work tree
 * with `.git`, a `.git` file (`gitdir: ...`, linked work trees with `commondir`), a bare
 * repository, found from a path or upward from it. Checks the repository format as git does:
 * version 0 or 1, and refuses extensions it does not know.
 */
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import type { ObjectFormat } from '../pack/oid.js';
import { parseConfig, GitConfig } from './config.js';
import { ObjectDatabase, type DatabaseOptions } from './database.js';
import type { Opened } from './open.js';
import { RefStore } from './refs.js';
import { joinPath, parentPath, type Storage } from '../fs/storage.js';

/** Extensions valid in a version 0 repository (git's handle_extension_v0). */
const EXTENSIONS_V0 = ['noop', 'preciousobjects', 'partialclone', 'worktreeconfig'];
/** Extensions that need version 1 (git's handle_extension). */
const EXTENSIONS_V1 = ['noop-v1', 'objectformat', 'compatobjectformat', 'refstorage', 'relativeworktrees', 'submodulepathconfig'];

export interface RepositoryLayout {
  /** The git directory of this work tree (HEAD, per-worktree refs). */
  readonly gitDir: string;
  /** The directory shared by all work trees (objects, refs, config). */
  readonly commonDir: string;
  /** The work tree, or undefined for a bare repository. */
  readonly workTree: string | undefined;
}

export class Repository implements RepositoryLayout {
  readonly gitDir: string;
  readonly commonDir: string;
  readonly workTree: string | undefined;
  readonly format: ObjectFormat;
  readonly config: GitConfig;
  readonly odb: ObjectDatabase;
  readonly refs: RefStore;
  readonly storage: Storage;

  private constructor(layout: RepositoryLayout, storage: Storage, backend: Backend, options: DatabaseOptions) {
    this.gitDir = layout.gitDir;
    this.commonDir = layout.commonDir;
    this.workTree = layout.workTree;
    this.storage = storage;
    this.config = readConfig(storage, layout.commonDir);
    this.format = checkFormat(this.config, joinPath(layout.commonDir, 'config'));
    this.odb = ObjectDatabase.open(joinPath(layout.commonDir, 'objects'), storage, backend, this.format, options);
    this.refs = new RefStore(layout.gitDir, layout.commonDir, storage, this.format);
  }

  /**
   * Open the repository at `path`: a work tree, its `.git` directory or file, or a bare one.
   * @throws NOT_A_REPOSITORY, UNSUPPORTED_REPOSITORY, CONFIG_CORRUPT
   * @example
   *   const repo = Repository.open('.', nodeStorage, getBackend());
   */
  static open(path: string, storage: Storage, backend: Backend, options: DatabaseOptions = {}): Repository {
    const abs = storage.resolve(path);
    const layout = layoutAt(abs, storage);
    if (!layout) throw new XtestPackError('NOT_A_REPOSITORY', 'not a git repository', { file: path });
    return new Repository(layout, storage, backend, options);
  }

  /**
   * Find the repository containing `start`, walking up as git does.
   * @returns the repository and the path of `start` relative to the work tree ('' at its top).
   * @throws NOT_A_REPOSITORY when no directory up to the root is one.
   */
  static discover(start: string, storage: Storage, backend: Backend, options: DatabaseOptions = {}): { repo: Repository; prefix: string } {
    let dir = storage.resolve(start);
    const from = dir;
    for (;;) {
      const layout = layoutAt(dir, storage);
      if (layout) {
        const repo = new Repository(layout, storage, backend, options);
        const prefix = layout.workTree && from.startsWith(layout.workTree) ? from.slice(layout.workTree.length).replace(/^\/+/, '') : '';
        return { repo, prefix };
      }
      const up = parentPath(dir);
      if (up === dir) break;
      dir = up;
    }
    throw new XtestPackError('NOT_A_REPOSITORY', 'not a git repository (or any of the parent directories)', { file: start });
  }

  /** Close open pack files. */
  close(): void {
    this.odb.close();
  }
}

/** The repository layout if `dir` is a work tree or a git directory. */
function layoutAt(dir: string, storage: Storage): RepositoryLayout | undefined {
  const dotGit = joinPath(dir, '.git');
  const kind = storage.kind(dotGit);
  if (kind === 'dir' && isGitDir(dotGit, storage)) return withCommon(dotGit, dir, storage);
  if (kind === 'file') {
    const text = new TextDecoder().decode(storage.readFile(dotGit) ?? new Uint8Array(0));
    const m = /^gitdir: (.+?)\s*$/m.exec(text);
    if (!m) throw new XtestPackError('NOT_A_REPOSITORY', 'invalid gitfile format', { file: dotGit });
    const gitDir = storage.resolve(m[1]!, dir);
    if (!isGitDir(gitDir, storage)) throw new XtestPackError('NOT_A_REPOSITORY', `not a git repository: ${m[1]}`, { file: dotGit });
    return withCommon(gitDir, dir, storage);
  }
  if (isGitDir(dir, storage)) {
    const layout = withCommon(dir, undefined, storage);
    // Inside `.git` of a non-bare repository there is no work tree, as for git.
    return layout;
  }
  return undefined;
}

function withCommon(gitDir: string, workTree: string | undefined, storage: Storage): RepositoryLayout {
  const common = storage.readFile(joinPath(gitDir, 'commondir'));
  const commonDir = common === undefined ? gitDir : storage.resolve(new TextDecoder().decode(common).trim(), gitDir);
  return { gitDir, commonDir, workTree };
}

/** git's is_git_directory: a HEAD that reads as a ref or an id, and objects/ and refs/. */
function isGitDir(dir: string, storage: Storage): boolean {
  if (storage.kind(joinPath(dir, 'HEAD')) !== 'file') return false;
  const common = storage.readFile(joinPath(dir, 'commondir'));
  const commonDir = common === undefined ? dir : storage.resolve(new TextDecoder().decode(common).trim(), dir);
  if (storage.kind(joinPath(commonDir, 'objects')) !== 'dir') return false;
  if (storage.kind(joinPath(commonDir, 'refs')) !== 'dir') return false;
  const head = new TextDecoder().decode(storage.readFile(joinPath(dir, 'HEAD')) ?? new Uint8Array(0));
  return /^ref: refs\//.test(head) || /^[0-9a-f]{40,64}\s*$/.test(head);
}

function readConfig(storage: Storage, commonDir: string): GitConfig {
  const path = joinPath(commonDir, 'config');
  const raw = storage.readFile(path);
  return raw === undefined ? new GitConfig() : parseConfig(new TextDecoder().decode(raw), path);
}

/**
 * The object format, after git's repository-format checks.
 * @throws UNSUPPORTED_REPOSITORY
 */
function checkFormat(config: GitConfig, file: string): ObjectFormat {
  const versionText = config.get('core.repositoryformatversion') ?? '0';
  const version = Number(versionText);
  if (!Number.isInteger(version) || version < 0) {
    throw new XtestPackError('CONFIG_CORRUPT', `bad core.repositoryformatversion ${JSON.stringify(versionText)}`, { file });
  }
  if (version > 1) {
    throw new XtestPackError('UNSUPPORTED_REPOSITORY', `expected git repo version <= 1, found ${version}`, { file });
  }
  const extensions = config.keysIn('extensions').map((k) => k.slice('extensions.'.length));
  const unknown = extensions.filter((e) => !EXTENSIONS_V0.includes(e) && !EXTENSIONS_V1.includes(e));
  if (version >= 1 && unknown.length > 0) {
    throw new XtestPackError('UNSUPPORTED_REPOSITORY', `unknown repository extension${unknown.length > 1 ? 's' : ''} found: ${unknown.join(', ')}`, {
      file,
    });
  }
  const v1only = extensions.filter((e) => EXTENSIONS_V1.includes(e));
  if (version === 0 && v1only.length > 0) {
    throw new XtestPackError('UNSUPPORTED_REPOSITORY', `repo version is 0, but v1-only extension${v1only.length > 1 ? 's' : ''} found: ${v1only.join(', ')}`, {
      file,
    });
  }
  if (version === 0) return 'sha1';
  const refStorage = config.get('extensions.refstorage');
  if (refStorage !== undefined && refStorage !== 'files') {
    throw new XtestPackError('UNSUPPORTED_REPOSITORY', `extensions.refStorage = ${refStorage} is not supported (files is)`, { file });
  }
  const fmt = (config.get('extensions.objectformat') ?? 'sha1').toLowerCase();
  if (fmt !== 'sha1' && fmt !== 'sha256') {
    throw new XtestPackError('UNSUPPORTED_REPOSITORY', `invalid value for 'extensions.objectformat': '${fmt}'`, { file });
  }
  return fmt;
}

/**
 * Open a repository at `path`, or discover it from `cwd` when `path` is undefined.
 * @throws NOT_A_REPOSITORY, and the errors of `Repository.open`.
 */
export function openRepository(path: string | undefined, cwd: string, storage: Storage, backend: Backend, options: DatabaseOptions = {}): Opened {
  const { repo, prefix } =
    path === undefined ? Repository.discover(cwd, storage, backend, options) : { repo: Repository.open(path, storage, backend, options), prefix: '' };
  return { odb: repo.odb, refs: repo.refs, repo, prefix, close: () => repo.close() };
}
