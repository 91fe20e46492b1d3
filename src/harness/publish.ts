/**
 * The author's side: `xtest-pack manifest` (the package manifest, for `prepack`) and
 * `xtest-pack pack` (the test-data artifact of that manifest, for a release).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { exportTestData, planExport, repositoryUrl } from '../export/export.js';
import { MANIFEST_NAME, artifactName, encodePackageManifest, normalizePathList, readPackageManifest, type PackageManifest } from '../manifest/index.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { nodeStorage } from '../fs/node-storage.js';
import { Repository } from '../odb/repository.js';
import { resolveRevision } from '../odb/revision.js';
import { toHex } from '../pack/oid.js';
import { writeArtifactTar } from '../artifact/write.js';
import { packageDirectory, readPackageInfo, recordedPaths } from './package.js';

export interface ManifestOptions {
  /** The package root. */
  root: string;
  /** Write it even when listed files differ from HEAD (`dirty: true`). */
  allowDirty?: boolean;
  backend: Backend;
}

/**
 * The package manifest for HEAD of the repository holding `root`, checked: every listed path
 * is committed, and (unless `allowDirty`) none differs in the work tree.
 * @throws NOT_A_REPOSITORY, PACKAGE_INVALID (no paths listed), PATHSPEC_UNMATCHED,
 *         DIRTY_WORKTREE naming the files.
 * @example
 *   const m = makePackageManifest({ root: process.cwd(), backend });
 */
export function makePackageManifest(options: ManifestOptions): PackageManifest {
  const pkg = readPackageInfo(options.root);
  const { repo } = Repository.discover(options.root, nodeStorage, options.backend);
  try {
    if (repo.workTree === undefined) throw new XtestPackError('NOT_A_REPOSITORY', 'the package is not in a git work tree', { file: options.root });
    const directory = packageDirectory(options.root, repo.workTree);
    const paths = normalizePathList([...pkg.paths, ...(pkg.recorded ? recordedPaths(pkg.recorded, directory) : [])]);
    if (paths.length === 0) {
      throw new XtestPackError('PACKAGE_INVALID', 'lists no test data: add "xtestPack": { "paths": ["fixtures", ...] } (or "recorded": "<dir>")', {
        file: join(options.root, 'package.json'),
      });
    }
    const plan = planExport(repo, {
      rev: 'HEAD',
      pathspecs: paths.map((p) => (directory === '' ? p : `${directory}/${p}`)),
      allowDirty: options.allowDirty === true,
      literal: true,
      backend: options.backend,
    });
    const commit = toHex(plan.commit);
    const ctx = { odb: repo.odb, refs: repo.refs };
    const ids = Object.fromEntries(paths.map((p) => [p, toHex(resolveRevision(ctx, `${commit}:${directory === '' ? p : `${directory}/${p}`}`).oid)]));
    return {
      name: pkg.name,
      version: pkg.version,
      objectFormat: repo.format,
      commit,
      repository: repositoryUrl(repo, options.root),
      directory,
      paths,
      ids,
      artifact: artifactName(pkg.name, pkg.version),
      dirty: plan.skipped.some((s) => s.reason !== 'gitlink'),
    };
  } finally {
    repo.close();
  }
}

/**
 * Write `xtest-pack.json` at the package root (atomically, same bytes for the same state).
 * @throws as `makePackageManifest`, and IO.
 * @example
 *   writePackageManifest({ root: process.cwd(), backend });
 */
export function writePackageManifest(options: ManifestOptions): { manifest: PackageManifest; file: string } {
  const manifest = makePackageManifest(options);
  const file = join(options.root, MANIFEST_NAME);
  writeFileAtomic(file, new TextEncoder().encode(encodePackageManifest(manifest)));
  return { manifest, file };
}

/**
 * Where `pack` writes the artifact by default: `node_modules/.cache/xtest-pack` at the package
 * root, a place npm never puts in a published tarball (whatever `files` or `.npmignore` say).
 */
export function artifactDirectory(root: string): string {
  return join(root, 'node_modules', '.cache', 'xtest-pack');
}

export interface BuiltArtifact {
  readonly manifest: PackageManifest;
  /** The `.tar.gz`, or the pack directory. */
  readonly path: string;
  /** Its size in bytes (the pack's for a directory). */
  readonly size: number;
  /** Files below the listed paths that git does not track (so the artifact lacks them), repository-relative. */
  readonly untracked: readonly string[];
  /** The commit of a left-over xtest-pack.json at the root that was not HEAD's (the artifact is HEAD's). */
  readonly staleManifest: string | undefined;
}

export interface ArtifactOptions {
  /** The package root (in the author's work tree). */
  root: string;
  /** Default: the manifest at the root, else one made for HEAD. */
  manifest?: PackageManifest;
  /** Write a pack directory here (it must not exist, or be empty)... */
  out?: string;
  /** ...or the `.tar.gz` artifact here (default: `artifactDirectory(root)`/the manifest's artifact name). */
  tar?: string;
  /** The version in the artifact's name, instead of the manifest's (package.json's). */
  version?: string;
  backend: Backend;
}

/**
 * Export the manifest's paths at its commit, as a pack directory or a deterministic `.tar.gz`.
 * @returns where it went, and its size in bytes (the pack's for a directory).
 * @throws PATHSPEC_UNMATCHED (a listed path not in the commit), UNKNOWN_REVISION (the commit is
 *         not in the repository), and write errors.
 * @example
 *   buildArtifact({ root: process.cwd(), backend });  // node_modules/.cache/xtest-pack/NAME-VERSION.xtest-pack.tar.gz
 */
export function buildArtifact(options: ArtifactOptions): BuiltArtifact {
  const { repo } = Repository.discover(options.root, nodeStorage, options.backend);
  const workTree = repo.workTree;
  const head = repo.refs.resolve('HEAD');
  repo.close();
  if (workTree === undefined) throw new XtestPackError('NOT_A_REPOSITORY', 'the package is not in a git work tree', { file: options.root });
  // The manifest at the root is the last `npm pack`'s (the file is not committed): one of
  // another commit than HEAD is left over, and the artifact is made for HEAD.
  const file = options.manifest === undefined ? readPackageManifest(join(options.root, MANIFEST_NAME)) : undefined;
  const stale = file !== undefined && head !== undefined && file.commit !== toHex(head.oid) ? file.commit : undefined;
  const manifest = options.manifest ?? (stale === undefined ? file : undefined) ?? makePackageManifest({ root: options.root, backend: options.backend });
  if (options.out !== undefined && (readdirSafe(options.out)?.length ?? 0) > 0) {
    throw new XtestPackError('OUTPUT_CONFLICT', 'the output directory is not empty', { file: options.out });
  }
  const name = options.version === undefined ? manifest.artifact : artifactName(manifest.name, options.version);
  const target = options.out ?? options.tar ?? join(artifactDirectory(options.root), name);
  const staging = mkdtempSync(join(tmpdir(), 'xtest-pack-artifact-'));
  try {
    const result = exportTestData({
      repo: workTree,
      rev: manifest.commit,
      out: staging,
      pathspecs: manifest.paths.map((p) => (manifest.directory === '' ? p : `${manifest.directory}/${p}`)),
      // The manifest names a commit: its files are what is exported, whatever the work tree holds.
      allowDirty: true,
      literal: true,
      // What the package manifest says, not this clone's remote: the artifact is then the same
      // whoever builds it, `xtest-pack fetch` included.
      repository: manifest.repository,
      backend: options.backend,
    });
    const uncommitted = result.skipped.filter((s) => s.reason === 'uncommitted').map((s) => s.path);
    const untracked = result.skipped.filter((s) => s.reason === 'untracked').map((s) => s.path);
    if (uncommitted.length > 0) {
      throw new XtestPackError('PATHSPEC_UNMATCHED', `not in commit ${manifest.commit}: ${uncommitted.join(', ')}`, { file: options.root });
    }
    if (options.out !== undefined) {
      mkdirSync(options.out, { recursive: true });
      for (const n of readdirSync(staging).sort().reverse()) renameOrCopy(join(staging, n), join(options.out, n));
      return { manifest, path: options.out, size: result.packSize, untracked, staleManifest: stale };
    }
    mkdirSync(dirname(target), { recursive: true });
    return { manifest, path: target, size: writeArtifactTar(staging, target), untracked, staleManifest: stale };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function readdirSafe(dir: string): string[] | undefined {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
}

/** Rename, or copy atomically when the temporary directory is on another file system. */
function renameOrCopy(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    writeFileAtomic(to, readFileSync(from), statSync(from).mode & 0o777);
  }
}

// Moved to the artifact layer (fetch writes the same artifact); kept here for callers of 0.1.
export { writeArtifactTar } from '../artifact/write.js';
