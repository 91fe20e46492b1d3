/**
 * `xtest-pack export`: from a repository, without git, write a pack directory holding one
 * commit, the trees on the way to the selected paths, the selected blobs, and the
 * `.gitattributes`/`.gitmodules` of every tree included (git's fsck wants them), plus the
 * manifest. Parents and everything else are left out.
 */
import { lstatSync, mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backend/types.js';
import { XtestPackError, isXtestPackError } from '../errors.js';
import { nodeStorage } from '../fs/node-storage.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { ObjectDatabase } from '../odb/database.js';
import { verifyCommit } from '../odb/objects/commit.js';
import { MODE_EXECUTABLE, MODE_GITLINK, MODE_SYMLINK, parseTree } from '../odb/objects/tree.js';
import { packDirectoryFormat } from '../odb/open.js';
import { Repository } from '../odb/repository.js';
import { peel, resolveRevision } from '../odb/revision.js';
import { readIndex } from '../odb/index-read.js';
import { untrackedFiles } from '../odb/untracked.js';
import { parsePathspec, splitGitlinks, walkTree, type TreeReader, type WalkEntry, type WalkResult } from '../odb/walk.js';
import { bytesEqual } from '../pack/bytes.js';
import { objectHeader, toHex, type ObjectFormat } from '../pack/oid.js';
import type { PackObjectSource, WritePackOptions } from '../pack/write.js';
import {
  EXPORT_MANIFEST_VERSION,
  MANIFEST_NAME,
  encodeExportManifest,
  normalizeExportManifest,
  readExportManifest,
  type ExportManifest,
  type ExportManifestFile,
} from '../manifest/index.js';
import { listPacks, packSources, writePackFiles } from './pack-dir.js';
import type { ThreadOptions } from './pack-workers.js';

/**
 * What an export left out, and why: a submodule; a pathspec naming a file not committed; a file
 * changed in the work tree (the committed version was exported); a file git does not track.
 */
export interface SkippedPath {
  readonly path: string;
  readonly reason: 'gitlink' | 'uncommitted' | 'modified' | 'untracked';
}

export interface ExportOptions extends Pick<WritePackOptions, 'window' | 'depth' | 'delta' | 'level' | 'onProgress'>, ThreadOptions {
  /** The repository (default: discovered from `cwd`). */
  repo?: string;
  cwd?: string;
  /** The revision to export (default HEAD); tags are peeled to their commit. */
  rev?: string;
  out: string;
  pathspecs: readonly string[];
  /** Export even when selected files differ from the commit in the work tree. */
  allowDirty?: boolean;
  /** Pathspecs are literal paths: `*`, `?`, `[` are name characters. */
  literal?: boolean;
  /**
   * The manifest's `repository` (`undefined`: none). Default: package.json's at the top of the
   * work tree, else `remote.origin.url` (see `repositoryUrl`).
   */
  repository?: string | undefined;
  backend: Backend;
}

/** What an export would hold, worked out without writing anything. */
export interface ExportPlan {
  readonly commit: Uint8Array;
  readonly tree: Uint8Array;
  /** The selected files (gitlinks left out). */
  readonly files: readonly WalkEntry[];
  /** Every object of the export by id: the commit, trees on the way, files, attributes. */
  readonly objects: ReadonlyMap<string, { oid: Uint8Array; path: string }>;
  readonly skipped: readonly SkippedPath[];
}

export interface ExportResult {
  readonly manifest: ExportManifest;
  /** Objects the export consists of, and how many of them this run added. */
  readonly objects: number;
  readonly added: number;
  /** The pack written now, or undefined when the directory already held everything. */
  readonly pack: string | undefined;
  readonly packSize: number;
  /** Gitlinks (submodules) selected but not exported, and uncommitted paths allowed by allowDirty. */
  readonly skipped: readonly SkippedPath[];
}

const enc = new TextEncoder();

/**
 * Export the paths `pathspecs` select at `rev` into the pack directory `out`.
 * @throws PATHSPEC_UNMATCHED, DIRTY_WORKTREE (naming the files), UNKNOWN_REVISION,
 *         NOT_A_REPOSITORY, SHA1_COLLISION (an object or file that is part of a collision
 *         attack: nothing is written), and read or write errors.
 * @example
 *   exportTestData({ repo: '.', out: 'test-data', pathspecs: ['fixtures/'], backend });
 */
export function exportTestData(options: ExportOptions): ExportResult {
  const { backend } = options;
  const repo =
    options.repo !== undefined
      ? Repository.open(options.repo, nodeStorage, backend)
      : Repository.discover(options.cwd ?? process.cwd(), nodeStorage, backend).repo;
  try {
    return exportFrom(repo, options);
  } finally {
    repo.close();
  }
}

/**
 * Work out what exporting `options.pathspecs` at `options.rev` from `repo` would hold, with
 * the checks an export makes (pathspecs that match nothing, uncommitted changes), writing nothing.
 * @throws as `exportTestData`.
 * @example
 *   const { commit, files } = planExport(repo, { pathspecs: ['fixtures'], backend });
 */
export function planExport(repo: Repository, options: Pick<ExportOptions, 'rev' | 'pathspecs' | 'allowDirty' | 'literal' | 'backend'>): ExportPlan {
  const { backend } = options;
  const odb = repo.odb;
  const ctx = { odb, refs: repo.refs };
  const rev = options.rev ?? 'HEAD';
  if (options.pathspecs.length === 0) throw new XtestPackError('USAGE', 'export needs at least one pathspec');
  const literal = options.literal === true;
  for (const p of options.pathspecs) parsePathspec(p, literal);
  const commit = peel(ctx, rev, resolveRevision(ctx, rev), 'commit');
  // What checkout would refuse is not exported: the commit and each tree on the way as git
  // fsck --strict checks them.
  verifyCommit(odb.get(commit.oid, 'commit').data, odb.format, toHex(commit.oid));
  const tree = peel(ctx, rev, commit, 'tree');
  const walk = walkTree(odb, tree.oid, options.pathspecs, { literal, fsck: true });

  const skipped: SkippedPath[] = [];
  // A pathspec that matched nothing: not committed (if the work tree has it) or simply wrong.
  const notCommitted: string[] = [];
  for (const spec of walk.unmatched) {
    const p = parsePathspec(spec, literal);
    const onDisk = !p.glob && repo.workTree !== undefined ? kindOf(join(repo.workTree, p.pattern)) : undefined;
    if (onDisk !== undefined && !(p.dirOnly && onDisk !== 'dir')) notCommitted.push(p.pattern);
    else throw new XtestPackError('PATHSPEC_UNMATCHED', `pathspec '${spec}' did not match any file in ${rev} (${toHex(commit.oid)})`);
  }
  const { files, gitlinks } = splitGitlinks(walk.entries);
  for (const path of gitlinks) skipped.push({ path, reason: 'gitlink' });

  // Uncommitted changes: only meaningful when the commit exported is the one checked out.
  const head = repo.refs.resolve('HEAD');
  if (repo.workTree !== undefined && head && bytesEqual(head.oid, commit.oid)) {
    const fileMode = (repo.config.get('core.filemode') ?? 'true').toLowerCase() !== 'false';
    const index = readIndex(repo);
    // A sparse checkout leaves files out of the work tree by design (skip-worktree): not a change.
    const modified = files.filter((e) => !index.isSkipWorktree(e.path) && workTreeDiffers(repo.workTree!, e, backend, repo.format, fileMode)).map((e) => e.path);
    // Files git does not track below a literal pathspec would be silently left out.
    const literalSpecs = options.pathspecs.map((s) => parsePathspec(s, literal)).filter((p) => !p.glob).map((p) => p.pattern);
    const untracked = literalSpecs.length > 0 ? untrackedFiles(repo, literalSpecs, { index }).entries.map((e) => e.path).filter((p) => !notCommitted.includes(p)) : [];
    if ((modified.length > 0 || notCommitted.length > 0 || untracked.length > 0) && !options.allowDirty) {
      const parts = [
        ...(modified.length > 0 ? [`uncommitted changes in ${list(modified)}`] : []),
        ...(notCommitted.length > 0 ? [`not committed: ${list(notCommitted)}`] : []),
        ...(untracked.length > 0 ? [`not tracked by git, so left out: ${list(untracked)}`] : []),
      ];
      throw new XtestPackError(
        'DIRTY_WORKTREE',
        `${parts.join('; ')} (commit them${untracked.length > 0 ? ', list what is generated in .gitignore' : ''}, or use --allow-dirty to take ${rev} as committed)`,
      );
    }
    for (const m of modified) skipped.push({ path: m, reason: 'modified' });
    for (const u of untracked) skipped.push({ path: u, reason: 'untracked' });
  } else if (notCommitted.length > 0 && !options.allowDirty) {
    throw new XtestPackError('DIRTY_WORKTREE', `not committed in ${rev}: ${list(notCommitted)}`);
  }
  for (const p of notCommitted) skipped.push({ path: p, reason: 'uncommitted' });

  const objects = exportObjects(odb, commit.oid, walk, files);
  return { commit: commit.oid, tree: tree.oid, files, objects, skipped };
}

/**
 * The objects an export of `walk` (a walk of `commit`'s tree) consists of, by id: the commit,
 * the trees on the way to a selected entry, the `.gitattributes`/`.gitmodules` of each of those
 * trees (git's fsck wants them), and `files`. Each id keeps the first path it was reached by
 * (the pack writer's delta order depends on it), so the same walk gives the same map wherever
 * the objects are read from: a repository, or the packs a fetch received.
 * @throws OBJECT_MISSING, OBJECT_CORRUPT for a tree on the way that `odb` cannot give.
 * @example
 *   const objects = exportObjects(repo.odb, commit, walkTree(repo.odb, tree, ['fixtures']), files);
 */
export function exportObjects(
  odb: TreeReader,
  commit: Uint8Array,
  walk: Pick<WalkResult, 'entries' | 'trees'>,
  files: readonly WalkEntry[],
): Map<string, { oid: Uint8Array; path: string }> {
  const objects = new Map<string, { oid: Uint8Array; path: string }>();
  const add = (oid: Uint8Array, path: string) => {
    const hex = toHex(oid);
    if (!objects.has(hex)) objects.set(hex, { oid, path });
  };
  add(commit, '');
  // Only the trees on the way to a selected entry: a tree the walk merely looked into would
  // give away names and ids of what is not exported.
  const needed = new Set<string>(['']);
  for (const e of walk.entries) {
    for (let i = e.path.indexOf('/'); i >= 0; i = e.path.indexOf('/', i + 1)) needed.add(e.path.slice(0, i));
  }
  for (const t of walk.trees) {
    if (!needed.has(t.path)) continue;
    add(t.oid, t.path);
    for (const e of parseTree(odb.get(t.oid, 'tree').data, odb.format, toHex(t.oid))) {
      const name = new TextDecoder().decode(e.name);
      if ((name === '.gitattributes' || name === '.gitmodules') && e.mode !== MODE_GITLINK && e.mode !== 0o040000) {
        add(e.oid, t.path === '' ? name : `${t.path}/${name}`);
      }
    }
  }
  for (const f of files) add(f.oid, f.path);
  return objects;
}

/**
 * The manifest of an export: its commit and tree, where it came from, the pathspecs as given
 * and every file exported (gitlinks left out), in canonical form.
 * @example
 *   const m = exportManifest({ format: 'sha1', commit, tree, repository: undefined, pathspecs: ['fixtures'], files });
 */
export function exportManifest(e: {
  format: ObjectFormat;
  commit: Uint8Array;
  tree: Uint8Array;
  repository: string | undefined;
  pathspecs: readonly string[];
  files: readonly WalkEntry[];
}): ExportManifest {
  return normalizeExportManifest({
    formatVersion: EXPORT_MANIFEST_VERSION,
    objectFormat: e.format,
    commit: toHex(e.commit),
    tree: toHex(e.tree),
    repository: e.repository,
    pathspecs: [...e.pathspecs],
    files: e.files.map((f): ExportManifestFile => ({ path: f.path, mode: f.mode.toString(8).padStart(6, '0'), oid: toHex(f.oid) })),
  });
}

function exportFrom(repo: Repository, options: ExportOptions): ExportResult {
  const { backend } = options;
  const odb = repo.odb;
  const { commit, tree, files, objects, skipped } = planExport(repo, options);

  // Into the directory: only what it does not hold already.
  mkdirSync(options.out, { recursive: true });
  const existingPacks = listPacks(options.out);
  let have: ObjectDatabase | undefined;
  if (existingPacks.length > 0) {
    const format = packDirectoryFormat(options.out, nodeStorage, backend);
    if (format !== repo.format) {
      throw new XtestPackError('FORMAT_MISMATCH', `the directory holds ${format} packs, the repository is ${repo.format}`, { file: options.out });
    }
    have = ObjectDatabase.open(options.out, nodeStorage, backend, format);
  }
  let missing: PackObjectSource[];
  try {
    missing = packSources(odb, [...objects.values()].filter(({ oid }) => !have?.has(oid)));
  } finally {
    have?.close();
  }
  let pack: string | undefined;
  let packSize = 0;
  if (missing.length > 0) {
    const writeOptions: WritePackOptions & ThreadOptions = { verify: false };
    if (options.window !== undefined) writeOptions.window = options.window;
    if (options.depth !== undefined) writeOptions.depth = options.depth;
    if (options.delta !== undefined) writeOptions.delta = options.delta;
    if (options.level !== undefined) writeOptions.level = options.level;
    if (options.onProgress) writeOptions.onProgress = options.onProgress;
    if (options.threads !== undefined) writeOptions.threads = options.threads;
    const written = writePackFiles(options.out, missing, backend, repo.format, writeOptions);
    pack = written.packPath;
    packSize = written.size;
  }

  const repository = 'repository' in options ? options.repository : repositoryUrl(repo);
  const manifest = normalizeExportManifest(
    mergeManifest(options.out, exportManifest({ format: repo.format, commit, tree, repository, pathspecs: options.pathspecs, files })),
  );
  writeFileAtomic(join(options.out, MANIFEST_NAME), enc.encode(encodeExportManifest(manifest)));
  return { manifest, objects: objects.size, added: missing.length, pack, packSize, skipped };
}

/** The same commit exported again adds to the manifest; another commit replaces it. */
function mergeManifest(dir: string, next: ExportManifest): ExportManifest {
  let old: ExportManifest | undefined;
  try {
    old = readExportManifest(dir);
  } catch (e) {
    // A manifest this version cannot read is replaced, not merged.
    if (!isXtestPackError(e, 'MANIFEST_CORRUPT')) throw e;
  }
  if (!old || old.commit !== next.commit) return next;
  const files = new Map<string, ExportManifestFile>();
  for (const f of [...old.files, ...next.files]) files.set(f.path, f);
  return { ...next, pathspecs: [...new Set([...old.pathspecs, ...next.pathspecs])], files: [...files.values()] };
}

function list(paths: string[]): string {
  const shown = paths.slice(0, 10).join(', ');
  return paths.length > 10 ? `${shown} and ${paths.length - 10} more` : shown;
}

function kindOf(path: string): 'dir' | 'other' | undefined {
  try {
    return lstatSync(path).isDirectory() ? 'dir' : 'other';
  } catch {
    return undefined;
  }
}

/** Does the work tree's copy of `e` differ from the blob (content, symlink-ness, exec bit)? */
function workTreeDiffers(workTree: string, e: WalkEntry, backend: Backend, format: Repository['format'], fileMode: boolean): boolean {
  const path = Buffer.concat([Buffer.from(`${workTree}/`), Buffer.from(e.pathBytes)]);
  let content: Uint8Array;
  try {
    const st = lstatSync(path);
    if (e.mode === MODE_SYMLINK) {
      if (!st.isSymbolicLink()) return true;
      content = readlinkSync(path, { encoding: 'buffer' });
    } else {
      if (!st.isFile()) return true;
      if (fileMode && ((st.mode & 0o100) !== 0) !== (e.mode === MODE_EXECUTABLE)) return true;
      content = readFileSync(path);
    }
  } catch {
    return true;
  }
  let oid: Uint8Array;
  try {
    oid = backend.createHash(format).update(objectHeader('blob', content.length)).update(content).digest();
  } catch (err) {
    throw err instanceof XtestPackError ? err.at({ path: e.path }) : err;
  }
  return !bytesEqual(oid, e.oid);
}

/**
 * package.json's `repository` (of `packageRoot`, else of the work tree's top), else
 * `remote.origin.url`, without credentials.
 */
export function repositoryUrl(repo: Repository, packageRoot?: string): string | undefined {
  let url: string | undefined;
  const root = packageRoot ?? repo.workTree;
  if (root !== undefined) {
    let text: string | undefined;
    try {
      text = readFileSync(join(root, 'package.json'), 'utf8');
    } catch {
      text = undefined;
    }
    url = text === undefined ? undefined : packageJsonRepository(text);
  }
  url ??= repo.config.get('remote.origin.url');
  return url === undefined ? undefined : withoutCredentials(url);
}

/**
 * The `repository` URL a package.json text names (a string, or `{ url }`), as it is written;
 * `undefined` when it names none or is not JSON.
 * @example
 *   packageJsonRepository('{"repository": {"type": "git", "url": "git+https://h/r.git"}}') === 'git+https://h/r.git'
 */
export function packageJsonRepository(text: string): string | undefined {
  let r: unknown;
  try {
    r = (JSON.parse(text) as { repository?: unknown } | null)?.repository;
  } catch {
    return undefined;
  }
  if (typeof r === 'string') return r;
  if (typeof r === 'object' && r !== null && typeof (r as { url?: unknown }).url === 'string') return (r as { url: string }).url;
  return undefined;
}

/**
 * A URL without the user info of `scheme://user:password@` (it may hold a token).
 * @example
 *   withoutCredentials('https://me:tok@h/r.git') === 'https://h/r.git'
 */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z+.-]+:\/\/)[^@/]*@/i, '$1');
}
