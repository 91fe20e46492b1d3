/**
 * git's ignore rules for a work tree (gitignore(5); git's dir.c `prep_exclude`,
 * `last_matching_pattern_from_lists`, `setup_standard_excludes`), read through Storage:
 *
 * ```
 *   precedence, highest first:   <dir>/.gitignore, deepest first (a pattern is relative to its file's directory)
 *                                $GIT_COMMON_DIR/info/exclude
 *                                core.excludesFile (default $XDG_CONFIG_HOME/git/ignore, ~/.config/git/ignore)
 *   within one file:             the last matching line wins, a negative one (`!`) re-includes
 *   a directory that is ignored: everything below it is, whatever the patterns below say
 *                                (its .gitignore is not even read)
 * ```
 *
 * A `.gitignore` that is a symlink is not followed (git opens it with O_NOFOLLOW); one that is
 * absent from the work tree but in the index with the skip-worktree bit is read from the object
 * database, as git does. core.excludesFile and core.ignoreCase are looked up in the system,
 * global, local and worktree configs and GIT_CONFIG_COUNT, in git's order; `[include]` is not
 * followed.
 */
import { XtestPackError } from '../errors.js';
import { joinPath, type Storage } from '../fs/storage.js';
import { isWorkTreeStorage } from '../fs/work-tree-storage.js';
import { parseConfig, type GitConfig } from './config.js';
import { lastMatching, parseIgnoreFile, type IgnorePattern, type PatternList } from './ignore-pattern.js';
import type { RepositoryIndex } from './index-read.js';
import type { Repository } from './repository.js';
import { byteString, byteStringOf, decodeUtf8 } from '../pack/utf8.js';

/** git's PATTERN_MAX_FILE_SIZE: a larger pattern file is ignored, with a warning. */
const PATTERN_MAX_FILE_SIZE = 100 * 1024 * 1024;

export type Environment = Readonly<Record<string, string | undefined>>;

export interface IgnoreOptions {
  /** Where the work tree and the exclude files are read (default the repository's storage). */
  storage?: Storage;
  /** HOME, XDG_CONFIG_HOME, GIT_CONFIG_NOSYSTEM, GIT_CONFIG_SYSTEM, GIT_CONFIG_GLOBAL, GIT_CONFIG_COUNT (default process.env). */
  env?: Environment;
  /** Lets a `.gitignore` outside a sparse checkout be read from the object database, as git does. */
  index?: RepositoryIndex;
  /** Match ASCII letters in any case (default core.ignoreCase). */
  ignoreCase?: boolean;
}

export interface IgnoreContext {
  /** Absolute path of the work tree. */
  readonly workTree: string;
  readonly storage: Storage;
  /** info/exclude then core.excludesFile: the lists outside the work tree, highest precedence first. */
  readonly fileLists: readonly PatternList[];
  readonly ignoreCase: boolean;
  /** The bytes of a `.gitignore` (work-tree relative path) absent from the work tree, if git would read them elsewhere. */
  readonly readMissing?: ((path: string) => Uint8Array | undefined) | undefined;
}

interface DirState {
  /** The directory's path as a byte string ('' for the top). */
  readonly bytes: string;
  /** The pattern that ignores this directory or one above it. */
  readonly excludedBy: IgnorePattern | undefined;
  /** The `.gitignore` lists from the top down to this directory (when not excluded). */
  readonly lists: readonly PatternList[];
}

/** The ignore rules of one work tree; per-directory files are read once, when first needed. */
export class IgnoreRules {
  readonly #ctx: IgnoreContext;
  readonly #dirs = new Map<string, DirState>();

  /** Rules over a context set up by the caller (forRepository sets up git's). */
  constructor(context: IgnoreContext) {
    this.#ctx = context;
  }

  /**
   * The ignore rules of `repo`'s work tree, as `git status` and `git ls-files --exclude-standard` use.
   * @throws USAGE for a bare repository; CONFIG_CORRUPT for a config file git could not read either.
   * @example
   *   const rules = IgnoreRules.forRepository(repo);
   *   rules.isIgnored('dist/index.js');
   */
  static forRepository(repo: Repository, options: IgnoreOptions = {}): IgnoreRules {
    const workTree = repo.workTree;
    if (workTree === undefined) throw new XtestPackError('USAGE', 'a bare repository has no work tree to ignore files in', { file: repo.gitDir });
    const storage = options.storage ?? repo.storage;
    const env = options.env ?? process.env;
    const configs = configScopes(repo, storage, env);
    const last = (name: string): string | undefined => configs.flatMap((c) => c.getAll(name)).pop();
    const fileLists: PatternList[] = [];
    const info = readPatternFile(storage, joinPath(repo.commonDir, 'info', 'exclude'));
    if (info) fileLists.push(info);
    const excludesFile = excludesFilePath(last('core.excludesfile'), workTree, storage, env);
    const global = excludesFile === undefined ? undefined : readPatternFile(storage, excludesFile);
    if (global) fileLists.push(global);
    const index = options.index;
    const readMissing =
      index === undefined
        ? undefined
        : (path: string): Uint8Array | undefined => {
            const e = index.find(path);
            return e !== undefined && e.skipWorktree ? repo.odb.get(e.oid, 'blob').data : undefined;
          };
    return new IgnoreRules({
      workTree,
      storage,
      fileLists,
      ignoreCase: options.ignoreCase ?? configBool(last('core.ignorecase')),
      readMissing,
    });
  }

  /** core.ignoreCase as these rules apply it (callers comparing names with the index need it). */
  get ignoreCase(): boolean {
    return this.#ctx.ignoreCase;
  }

  /**
   * The pattern that decides `path` (relative to the work tree, no trailing '/'), as
   * `git check-ignore -v --no-index` reports it: a negative pattern means not ignored; a pattern
   * that ignores a directory above decides everything below. `isDir` says whether `path` is a
   * directory; when not given it is looked up (a symlink is not), only if a pattern needs it.
   * @throws IO when a .gitignore cannot be read; OBJECT_MISSING when one outside the sparse
   *         checkout is not in the object database.
   * @example
   *   describePattern(rules.match('build/out.o')!) === 'build/'
   */
  match(path: string, isDir?: boolean): IgnorePattern | undefined {
    const slash = path.lastIndexOf('/');
    const parent = this.#dir(slash < 0 ? '' : path.slice(0, slash));
    if (parent.excludedBy !== undefined) return parent.excludedBy;
    const name = byteStringOf(path.slice(slash + 1));
    const bytes = parent.bytes === '' ? name : `${parent.bytes}/${name}`;
    let known = isDir;
    const dirTest = (): boolean => (known ??= this.#isDirectory(path));
    return this.#lastMatching(parent.lists, bytes, name, dirTest);
  }

  /**
   * Is `path` ignored (by its own pattern or a directory's above it)?
   * @example
   *   rules.isIgnored('node_modules/x/index.js') === true
   */
  isIgnored(path: string, isDir?: boolean): boolean {
    const p = this.match(path, isDir);
    return p !== undefined && !p.negative;
  }

  /** The directory's state: excluded, or the lists that apply inside it (git's prep_exclude). */
  #dir(dir: string): DirState {
    const known = this.#dirs.get(dir);
    if (known !== undefined) return known;
    let state: DirState;
    if (dir === '') {
      const own = this.#load('', '');
      state = { bytes: '', excludedBy: undefined, lists: own ? [own] : [] };
    } else {
      const slash = dir.lastIndexOf('/');
      const parent = this.#dir(slash < 0 ? '' : dir.slice(0, slash));
      const name = byteStringOf(dir.slice(slash + 1));
      const bytes = parent.bytes === '' ? name : `${parent.bytes}/${name}`;
      if (parent.excludedBy !== undefined) {
        state = { bytes, excludedBy: parent.excludedBy, lists: [] };
      } else {
        // The directory is matched by the lists above it, not by its own .gitignore.
        const m = this.#lastMatching(parent.lists, bytes, name, () => true);
        if (m !== undefined && !m.negative) {
          state = { bytes, excludedBy: m, lists: [] };
        } else {
          const own = this.#load(dir, `${bytes}/`);
          state = { bytes, excludedBy: undefined, lists: own ? [...parent.lists, own] : parent.lists };
        }
      }
    }
    this.#dirs.set(dir, state);
    return state;
  }

  #lastMatching(lists: readonly PatternList[], bytes: string, basename: string, isDir: () => boolean): IgnorePattern | undefined {
    const fold = this.#ctx.ignoreCase;
    for (let i = lists.length - 1; i >= 0; i--) {
      const p = lastMatching(lists[i]!, bytes, basename, isDir, fold);
      if (p !== undefined) return p;
    }
    for (const list of this.#ctx.fileLists) {
      const p = lastMatching(list, bytes, basename, isDir, fold);
      if (p !== undefined) return p;
    }
    return undefined;
  }

  /** The `.gitignore` of `dir` (work-tree relative), parsed with `base` ('' or ending in '/'). */
  #load(dir: string, base: string): PatternList | undefined {
    const { storage, workTree } = this.#ctx;
    const source = dir === '' ? '.gitignore' : `${dir}/.gitignore`;
    const abs = joinPath(workTree, source);
    // O_NOFOLLOW: a symlinked .gitignore is as good as absent.
    const symlink = isWorkTreeStorage(storage) && storage.lkind(abs) === 'symlink';
    const bytes = (symlink ? undefined : storage.readFile(abs)) ?? this.#ctx.readMissing?.(source);
    if (bytes === undefined || bytes.length === 0 || bytes.length > PATTERN_MAX_FILE_SIZE) return undefined;
    return parseIgnoreFile(byteString(bytes), base, source);
  }

  #isDirectory(path: string): boolean {
    const { storage, workTree } = this.#ctx;
    const abs = joinPath(workTree, path);
    return isWorkTreeStorage(storage) ? storage.lkind(abs) === 'dir' : storage.kind(abs) === 'dir';
  }
}

/** An exclude file outside the work tree (info/exclude, core.excludesFile), or undefined when absent or empty. */
function readPatternFile(storage: Storage, path: string): PatternList | undefined {
  const bytes = storage.readFile(path);
  if (bytes === undefined || bytes.length === 0 || bytes.length > PATTERN_MAX_FILE_SIZE) return undefined;
  return parseIgnoreFile(byteString(bytes), '', path);
}

/**
 * Where core.excludesFile points (git's repo_excludes_file, interpolate_path): `~/` is HOME, a
 * relative path is relative to the work tree's top (where git runs); unset, it is
 * `$XDG_CONFIG_HOME/git/ignore` or `$HOME/.config/git/ignore`.
 */
function excludesFilePath(value: string | undefined, workTree: string, storage: Storage, env: Environment): string | undefined {
  const home = env['HOME'];
  if (value !== undefined) {
    if (value === '~' || value.startsWith('~/')) return home === undefined ? undefined : joinPath(home, value.slice(2));
    return storage.resolve(value, workTree);
  }
  const xdg = env['XDG_CONFIG_HOME'];
  if (xdg !== undefined && xdg !== '') return joinPath(xdg, 'git', 'ignore');
  return home === undefined ? undefined : joinPath(home, '.config', 'git', 'ignore');
}

/** The config files git reads, lowest precedence first: system, global (XDG, then ~/.gitconfig), local, worktree, GIT_CONFIG_COUNT. */
function configScopes(repo: Repository, storage: Storage, env: Environment): GitConfig[] {
  const read = (path: string | undefined): GitConfig[] => {
    if (path === undefined) return [];
    const raw = storage.readFile(path);
    return raw === undefined ? [] : [parseConfig(decodeUtf8(raw), path)];
  };
  const out: GitConfig[] = [];
  if (!envBool(env['GIT_CONFIG_NOSYSTEM'])) out.push(...read(env['GIT_CONFIG_SYSTEM'] ?? '/etc/gitconfig'));
  const global = env['GIT_CONFIG_GLOBAL'];
  if (global !== undefined) {
    out.push(...read(global));
  } else {
    const home = env['HOME'];
    const xdg = env['XDG_CONFIG_HOME'];
    out.push(...read(xdg !== undefined && xdg !== '' ? joinPath(xdg, 'git', 'config') : home === undefined ? undefined : joinPath(home, '.config', 'git', 'config')));
    out.push(...read(home === undefined ? undefined : joinPath(home, '.gitconfig')));
  }
  out.push(repo.config);
  if (configBool(repo.config.get('extensions.worktreeconfig'))) out.push(...read(joinPath(repo.gitDir, 'config.worktree')));
  const count = Number(env['GIT_CONFIG_COUNT'] ?? '0');
  if (Number.isInteger(count) && count > 0) {
    let text = '';
    for (let i = 0; i < count; i++) {
      const key = env[`GIT_CONFIG_KEY_${i}`];
      const value = env[`GIT_CONFIG_VALUE_${i}`];
      const dot = key?.lastIndexOf('.') ?? -1;
      if (key === undefined || value === undefined || dot <= 0) continue;
      text += `[${key.slice(0, dot)}]\n${key.slice(dot + 1)} = "${value.replace(/[\\"]/g, '\\$&')}"\n`;
    }
    out.push(parseConfig(text, 'GIT_CONFIG_COUNT'));
  }
  return out;
}

/** git's config boolean (git_parse_maybe_bool), false when unset or not a boolean. */
function configBool(value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.toLowerCase();
  if (v === 'true' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === 'no' || v === 'off' || v === '') return false;
  const n = Number(v);
  return Number.isInteger(n) && n !== 0;
}

/** git_env_bool with a false default. */
function envBool(value: string | undefined): boolean {
  return value !== undefined && configBool(value);
}
