/**
 * `xtest-pack fetch`: a package's test data straight from its repository, written exactly as
 * the author's own `xtest-pack export`/`pack` would write them (same objects, same
 * deterministic pack writer, same manifest, same `.tar.gz`), so that a checksum of the result
 * does not depend on how it was obtained.
 *
 *   what      a package (manifest: commit, repository, directory, paths, ids), or a URL, a
 *             commit and pathspecs, or both (the options override the manifest)
 *   from      smart HTTP(S), git protocol v2 (fetch-selection.ts: 1 GET + 2 POSTs, a third
 *             only to ask again), or a repository on this machine (a path, file://), read
 *             through the object database
 *   to        a pack directory (`out`) or an artifact `.tar.gz` (`tar`); written aside in a
 *             scratch directory next to it, renamed into place once complete: nothing is left
 *             under the output name on failure
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Backend } from '../backend/types.js';
import { writeArtifactTar } from '../artifact/write.js';
import { XtestPackError } from '../errors.js';
import { exportManifest, packageJsonRepository, repositoryUrl, withoutCredentials } from '../export/export.js';
import { packSources, writePackFiles } from '../export/pack-dir.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { nodeStorage } from '../fs/node-storage.js';
import { MANIFEST_NAME, artifactName, encodeExportManifest, type ExportManifest, type PackageManifest } from '../manifest/index.js';
import type { ObjectDatabase } from '../odb/database.js';
import { Repository } from '../odb/repository.js';
import { peel, resolveRevision } from '../odb/revision.js';
import { toHex, type ObjectFormat } from '../pack/oid.js';
import { fetchSelection, type FetchRound, type FilterMode } from './fetch-selection.js';
import { CredentialStore, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_BYTES, createHttpTransport } from './http.js';
import { readPackageSource, type PackageSource } from './package-source.js';
import { planSelection, type Selection, type SelectionPlan } from './selection.js';
import type { Transport } from './transport.js';
import { normalizeRepositoryUrl } from './url.js';

export { DEFAULT_MAX_BYTES, DEFAULT_IDLE_TIMEOUT_MS } from './http.js';

export interface FetchTestDataOptions {
  /** The package: a directory or an npm tarball (read in place), or its manifest already read. */
  package?: string | PackageManifest | undefined;
  /** The repository (npm forms, https, a local path or file:// URL); overrides the package's. */
  url?: string | undefined;
  /** The commit (a full id over HTTP; any revision of a local repository); overrides the manifest's. */
  rev?: string | undefined;
  /**
   * What to fetch; overrides the manifest's paths. With a package: paths relative to it, taken
   * literally (as `xtestPack.paths`); without: pathspecs from the repository's root, globs as
   * `xtest-pack export` reads them.
   */
  pathspecs?: readonly string[] | undefined;
  /** Write a pack directory here (new, or empty)... */
  out?: string | undefined;
  /** ...or the artifact `.tar.gz` here (default with a package: its artifact name in `cwd`). */
  tar?: string | undefined;
  /** Relative paths start here (default: process.cwd()). */
  cwd?: string | undefined;
  /** Cap on the bytes received (default DEFAULT_MAX_BYTES, 1 GiB). */
  maxBytes?: number | undefined;
  /** Time without data before a connection counts as stalled (default 60 s). */
  idleTimeoutMs?: number | undefined;
  /** Where credentials are looked up after a 401 (default: from process.env: NETRC, HOME). */
  credentials?: CredentialStore | undefined;
  /** Use this transport instead of one made from the URL (tests, other transports). */
  transport?: Transport | undefined;
  onProgress?: ((p: FetchProgress) => void) | undefined;
  /** Threads that write the pack (writePackFiles' `threads`; the bytes are the same for any number). */
  threads?: number | undefined;
  backend: Backend;
}

export type FetchProgress =
  | { readonly phase: 'receiving'; readonly bytes: number; readonly objects: number; readonly requests: number }
  | { readonly phase: 'writing'; readonly done: number; readonly total: number };

export interface FetchTestDataResult {
  readonly commit: string;
  readonly tree: string;
  readonly objectFormat: ObjectFormat;
  /** The export manifest written (as `xtest-pack export` writes it). */
  readonly manifest: ExportManifest;
  /** What was written: a pack directory or an artifact, and its size (the pack's for a directory). */
  readonly output: { readonly kind: 'directory' | 'tar'; readonly path: string; readonly size: number };
  /** Objects in the pack written. */
  readonly objects: number;
  /** Selected submodules (gitlinks), not exported. */
  readonly skippedGitlinks: readonly string[];
  /** Where the objects came from (URLs without credentials). */
  readonly source: { readonly kind: 'http'; readonly url: string } | { readonly kind: 'local'; readonly path: string };
  /** HTTP requests made (0 for a local repository), bytes received and sent. */
  readonly requests: number;
  readonly bytesReceived: number;
  readonly bytesSent: number;
  /** Objects in the packs received (0 for a local repository). */
  readonly objectsReceived: number;
  /** Each POST, in order. */
  readonly rounds: readonly FetchRound[];
  /** How the server kept blobs out of RT1 (undefined for a local repository). */
  readonly filter: FilterMode | undefined;
  /** Wall time in milliseconds. */
  readonly ms: number;
}

/** What is to be fetched, once the package and the options are put together. */
export interface FetchPlan {
  readonly url: string;
  readonly rev: string;
  readonly selection: Selection;
  /** The package-relative paths (or the pathspecs) as the export manifest records them. */
  readonly pathspecs: readonly string[];
  readonly format: ObjectFormat | undefined;
  readonly knownIds: readonly string[];
  /** The manifest's `repository`; absent: as export finds it (package.json at the top, else the URL). */
  readonly repository?: string | undefined;
  /** The artifact's file name, with a package. */
  readonly artifact: string | undefined;
}

/**
 * Fetch the test data of a package (or of a URL, commit and pathspecs) and write them.
 * @throws USAGE (nothing to fetch, no output, a non-empty --out), OUTPUT_CONFLICT, PACKAGE_INVALID,
 *         MANIFEST_CORRUPT, UNSUPPORTED_REMOTE (ssh, not protocol v2), FORMAT_MISMATCH,
 *         PATHSPEC_UNMATCHED, UNSAFE_PATH, OBJECT_MISSING, TOO_LARGE, AUTH_FAILED, NETWORK,
 *         REMOTE_ERROR, PROTOCOL_CORRUPT, the pack errors; each names the URL or file.
 * @example
 *   await fetchTestData({ package: 'left-pad-1.3.0.tgz', backend });  // ./left-pad-1.3.0.xtest-pack.tar.gz
 *   await fetchTestData({ url: 'https://github.com/o/r', rev: commit, pathspecs: ['t/data'], out: 'test-data', backend });
 */
export async function fetchTestData(options: FetchTestDataOptions): Promise<FetchTestDataResult> {
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  const plan = planFetch(options, cwd);
  const target = outputOf(options, plan, cwd);
  const scratch = mkdtempSync(join(dirname(target.path), `.${basename(target.path)}.fetch-`));
  try {
    const staged = join(scratch, 'out');
    mkdirSync(staged);
    const location = options.transport === undefined ? normalizeRepositoryUrl(plan.url) : undefined;
    let got: Fetched;
    if (location?.kind === 'local') {
      got = readLocal(resolve(cwd, location.path), plan, options.backend);
    } else {
      const transport =
        options.transport ??
        createHttpTransport(location as Extract<typeof location, { kind: 'http' }>, {
          maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
          idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
          credentials: options.credentials ?? new CredentialStore(),
        });
      got = await readRemote(transport, plan, join(scratch, 'received'), options);
    }
    let written;
    try {
      const sources = packSources(got.odb, got.plan.objects.values());
      written = writePackFiles(staged, sources, options.backend, got.format, {
        verify: false,
        onProgress: (p) => options.onProgress?.({ phase: 'writing', done: p.done, total: p.total }),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
      });
    } finally {
      got.close();
    }
    const manifest = exportManifest({ format: got.format, commit: got.commit, tree: got.tree, repository: got.repository, pathspecs: plan.pathspecs, files: got.plan.files });
    writeFileAtomic(join(staged, MANIFEST_NAME), new TextEncoder().encode(encodeExportManifest(manifest)));
    let size = written.size;
    if (target.kind === 'tar') size = writeArtifactTar(staged, target.path);
    else moveInto(staged, target.path);
    return {
      commit: toHex(got.commit),
      tree: toHex(got.tree),
      objectFormat: got.format,
      manifest,
      output: { kind: target.kind, path: target.path, size },
      objects: written.count,
      skippedGitlinks: got.plan.gitlinks,
      source: got.source,
      requests: got.stats.requests,
      bytesReceived: got.stats.bytesReceived,
      bytesSent: got.stats.bytesSent,
      objectsReceived: got.objectsReceived,
      rounds: got.rounds,
      filter: got.filter,
      ms: performance.now() - started,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Put the package and the options together: what to fetch, from where, and how the export
 * manifest names it.
 * @throws USAGE (no repository, no commit or no paths known), PACKAGE_INVALID, MANIFEST_CORRUPT.
 * @example
 *   const plan = planFetch({ package: 'pkg.tgz', backend }, process.cwd()); plan.selection.pathspecs
 */
export function planFetch(options: FetchTestDataOptions, cwd: string): FetchPlan {
  const given = options.package;
  const source: PackageSource | undefined =
    given === undefined ? undefined : typeof given === 'string' ? readPackageSource(resolve(cwd, given), options.backend) : fromManifest(given);
  const m = source?.manifest;
  const url = options.url ?? m?.repository ?? source?.repository;
  if (url === undefined) {
    throw new XtestPackError('USAGE', source === undefined ? 'give the repository (--url) or a package (--package)' : `${source.location} names no repository: give --url`);
  }
  const rev = options.rev ?? m?.commit;
  if (rev === undefined) throw new XtestPackError('USAGE', `give the commit (--rev${source === undefined ? '' : ", e.g. npm's gitHead"}): ${source === undefined ? 'no package names one' : `${source.location} has no ${MANIFEST_NAME}`}`);
  const given_paths = options.pathspecs !== undefined && options.pathspecs.length > 0 ? options.pathspecs : undefined;
  const paths = given_paths ?? m?.paths;
  if (paths === undefined || paths.length === 0) throw new XtestPackError('USAGE', 'give the paths to fetch (pathspecs): no package manifest lists them');
  if (source === undefined) {
    // As `xtest-pack export <pathspec…>` from the repository's root.
    return { url, rev, selection: { pathspecs: paths, literal: false }, pathspecs: paths, format: undefined, knownIds: [], artifact: undefined };
  }
  // As `xtest-pack pack`: the package's paths, literal, below its directory in the repository.
  const directory = m?.directory ?? source.directory ?? '';
  const pathspecs = paths.map((p) => (directory === '' ? p : `${directory}/${p}`));
  const sameCommit = m !== undefined && (options.rev === undefined || options.rev.toLowerCase() === m.commit);
  const knownIds = sameCommit && m.ids !== undefined ? paths.flatMap((p) => (m.ids![p] === undefined ? [] : [m.ids![p]!])) : [];
  const name = source.name ?? m?.name;
  const version = source.version ?? m?.version;
  const artifact = m !== undefined && source.version === m.version ? m.artifact : name !== undefined && version !== undefined ? artifactName(name, version) : undefined;
  const repository = m !== undefined ? m.repository : source.repository === undefined ? undefined : withoutCredentials(source.repository);
  return { url, rev, selection: { pathspecs, literal: true }, pathspecs, format: m?.objectFormat, knownIds, repository, artifact };
}

function fromManifest(m: PackageManifest): PackageSource {
  return { location: `package ${m.name} ${m.version}`, manifest: m, name: m.name, version: m.version, repository: m.repository, directory: m.directory };
}

/** The output: a directory (new or empty) or a .tar.gz. */
function outputOf(options: FetchTestDataOptions, plan: FetchPlan, cwd: string): { kind: 'directory' | 'tar'; path: string } {
  if (options.out !== undefined && options.tar !== undefined) throw new XtestPackError('USAGE', 'give --out or --tar, not both');
  if (options.out !== undefined) {
    const path = resolve(cwd, options.out);
    let names: string[] | undefined;
    try {
      names = readdirSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw new XtestPackError('OUTPUT_CONFLICT', 'not a directory', { file: path });
      if (code !== 'ENOENT') throw new XtestPackError('IO', `cannot read: ${code ?? (e as Error).message}`, { file: path, cause: e });
    }
    if (names !== undefined && names.length > 0) throw new XtestPackError('OUTPUT_CONFLICT', 'the output directory is not empty', { file: path });
    mkdirSync(dirname(path), { recursive: true });
    return { kind: 'directory', path };
  }
  const tar = options.tar ?? plan.artifact;
  if (tar === undefined) throw new XtestPackError('USAGE', 'give the output: --out <dir> (a pack directory) or --tar <file>');
  const path = resolve(cwd, tar);
  mkdirSync(dirname(path), { recursive: true });
  return { kind: 'tar', path };
}

/** Rename the staged directory to `target` (an empty directory there is replaced). */
function moveInto(staged: string, target: string): void {
  try {
    try {
      rmdirSync(target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    renameSync(staged, target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new XtestPackError('OUTPUT_CONFLICT', 'the output directory is not empty', { file: target, cause: e });
    throw new XtestPackError('IO', `cannot write: ${code ?? (e as Error).message}`, { file: target, cause: e });
  }
}

/** The export, ready to be written from `odb`. */
interface Fetched {
  readonly format: ObjectFormat;
  readonly commit: Uint8Array;
  readonly tree: Uint8Array;
  readonly plan: SelectionPlan;
  readonly odb: ObjectDatabase;
  readonly repository: string | undefined;
  readonly source: FetchTestDataResult['source'];
  readonly stats: { requests: number; bytesReceived: number; bytesSent: number };
  readonly objectsReceived: number;
  readonly rounds: readonly FetchRound[];
  readonly filter: FilterMode | undefined;
  close(): void;
}

/** A repository on this machine: no protocol, its object database read as `export` reads it. */
function readLocal(path: string, plan: FetchPlan, backend: Backend): Fetched {
  const repo = Repository.open(path, nodeStorage, backend);
  try {
    if (plan.format !== undefined && plan.format !== repo.format) {
      throw new XtestPackError('FORMAT_MISMATCH', `the repository is ${repo.format}, the package's commit is a ${plan.format} id`, { file: path });
    }
    const ctx = { odb: repo.odb, refs: repo.refs };
    const commit = peel(ctx, plan.rev, resolveRevision(ctx, plan.rev), 'commit');
    const tree = peel(ctx, plan.rev, commit, 'tree');
    const selected = planSelection(repo.odb, commit.oid, tree.oid, plan.selection);
    return {
      format: repo.format,
      commit: commit.oid,
      tree: tree.oid,
      plan: selected,
      odb: repo.odb,
      repository: 'repository' in plan ? plan.repository : repositoryUrl(repo),
      source: { kind: 'local', path },
      stats: { requests: 0, bytesReceived: 0, bytesSent: 0 },
      objectsReceived: 0,
      rounds: [],
      filter: undefined,
      close: () => repo.close(),
    };
  } catch (e) {
    repo.close();
    throw e;
  }
}

/** A server: the round trips of fetch-selection.ts into `scratch`. */
async function readRemote(transport: Transport, plan: FetchPlan, scratch: string, options: FetchTestDataOptions): Promise<Fetched> {
  const fixed = 'repository' in plan;
  const got = await fetchSelection(transport, {
    rev: plan.rev,
    selection: plan.selection,
    knownIds: plan.knownIds,
    rootPackageJson: !fixed,
    format: plan.format,
    scratch,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    backend: options.backend,
    onProgress: (p) => options.onProgress?.({ phase: 'receiving', ...p }),
  });
  // As export: package.json's repository at the top of the tree, else where the data came from.
  const repository = fixed
    ? plan.repository
    : withoutCredentials((got.rootPackageJson === undefined ? undefined : packageJsonRepository(new TextDecoder().decode(got.rootPackageJson))) ?? plan.url);
  return {
    format: got.format,
    commit: got.commit,
    tree: got.tree,
    plan: got.plan,
    odb: got.store.odb,
    repository,
    source: { kind: 'http', url: transport.url },
    get stats() {
      return transport.stats;
    },
    objectsReceived: got.store.objects,
    rounds: got.rounds,
    filter: got.filter,
    close: () => got.store.close(),
  };
}
