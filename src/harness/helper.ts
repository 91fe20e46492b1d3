/**
 * The test helper: a test asks for fixture paths, and gets them wherever the suite runs.
 *
 * - source: a git work tree or a tag tarball: the files are under the package root and no pack
 *   is asked for; the paths are returned as they are.
 * - record: source mode with XTEST_PACK_RECORD=<dir>: each path asked for is also added to the
 *   pack in <dir>. (Only that variable records: XTEST_PACK_OBJECTS never makes a run write.)
 * - pack: XTEST_PACK_OBJECTS names test data (a pack directory or artifact .tar.gz) and the
 *   package has a manifest (xtest-pack.json, or the file XTEST_PACK_MANIFEST names): the
 *   manifest's paths are materialized, verified, under XTEST_PACK_TMPDIR (then AUTOPKGTEST_TMP,
 *   then the OS temp dir), once for all processes.
 * - unavailable: the files are not here and no test data are given; with XTEST_PACK_MISSING=skip
 *   `status().skip` is true, so that tests skip instead of failing.
 *
 * In every mode a path that the package's listed paths (package.json `xtestPack.paths`, the
 * manifest's `paths`) do not cover is an error: a forgotten entry breaks the author's own
 * runs first, not a packager's.
 */
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { getBackend } from '../backend/select.js';
import type { Backend } from '../backend/types.js';
import { XtestPackError, systemError } from '../errors.js';
import { MANIFEST_NAME, decodePackageManifest, isCovered, isPackageManifest, normalizePathList, normalizeTestPath, readPackageManifest, type PackageManifest } from '../manifest/index.js';
import { ARTIFACT_FILE, PACK_FILE } from '../artifact/open.js';
import { fetchedTestData } from './fetched.js';
import { materialize } from './materialize.js';
import { findPackageRoot, packageDirectory, readPackageInfo, recordedPaths, type PackageInfo } from './package.js';
import type * as Record from './record.js';

export type TestDataMode = 'source' | 'pack' | 'unavailable';

export interface TestDataStatus {
  readonly mode: TestDataMode;
  /** Why this mode, in a sentence; for `unavailable`, what to do about it. */
  readonly reason: string;
  /** The package root. */
  readonly root: string;
  /** Unavailable and XTEST_PACK_MISSING=skip: tests should skip. */
  readonly skip: boolean;
  /** The directory a record run adds to (source mode only). */
  readonly record: string | undefined;
  /** Pack mode with XTEST_PACK_FETCH=1: the data are fetched from the repository when first used. */
  readonly fetch: boolean;
  /** The paths the package lists (in pack mode, the manifest's). */
  readonly paths: readonly string[];
}

export interface TestDataOptions {
  /** Where the caller is: `import.meta.url` or `__dirname` (default: the current directory). */
  from?: string | URL;
  /** Where pack-mode materializations go (default: XTEST_PACK_TMPDIR, AUTOPKGTEST_TMP, the OS temp dir). */
  tmpdir?: string;
  /** The environment to read (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Default: XTEST_PACK_BACKEND, else node. */
  backend?: Backend;
}

export interface TestData {
  /** The directory the paths are under: the package root, or the materialization ('' when unavailable). */
  readonly root: string;
  /** `unavailable` only with XTEST_PACK_MISSING=skip (else checking out throws): tests skip. */
  readonly mode: TestDataMode;
  /** The absolute path of `rel` (one of the paths asked for, or below one). */
  path(rel: string): string;
  /** Let go of the files. A materialization is shared with other processes and kept for reuse. */
  dispose(): void;
  [Symbol.dispose](): void;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Context {
  readonly pkg: PackageInfo;
  readonly env: NodeJS.ProcessEnv;
  readonly manifest: PackageManifest | undefined;
  readonly manifestFile: string;
  /** What the package lists: manifest, package.json, recorded. */
  readonly listed: readonly string[];
  readonly objects: string | undefined;
  readonly status: TestDataStatus;
}

/**
 * Where the test data come from, decided cheaply and synchronously (a few stat calls), so that
 * any runner can decide to skip.
 * @throws PACKAGE_INVALID (package.json), MANIFEST_CORRUPT, ENVIRONMENT (XTEST_PACK_MANIFEST).
 * @example
 *   test('parses fixtures', { skip: status(import.meta.url).skip }, () => { ... });
 */
export function status(from?: string | URL, options: Pick<TestDataOptions, 'env'> = {}): TestDataStatus {
  return context({ ...options, ...(from !== undefined ? { from } : {}) }).status;
}

/**
 * The test data `paths` (relative to the package root), wherever the suite runs.
 * @throws PATH_NOT_LISTED (a path the package does not list), TESTDATA_UNAVAILABLE (naming
 *         what to set), and the errors of checking out or recording.
 * @example
 *   const data = testDataSync(['fixtures/ok'], { from: import.meta.url });
 *   readFileSync(data.path('fixtures/ok/a.json'));
 */
export function testDataSync(paths: readonly string[], options: TestDataOptions = {}): TestData {
  try {
    return testDataSyncIn(context(options), paths, options);
  } catch (e) {
    throw forTestRun(e, options.env ?? process.env);
  }
}

function testDataSyncIn(ctx: Context, paths: readonly string[], options: TestDataOptions): TestData {
  const { status: st, pkg } = ctx;
  if (st.mode === 'unavailable') {
    // Tests to skip may still ask at load time: they get a handle that refuses to give paths.
    if (st.skip) return handle('', 'unavailable', [], st.reason);
    throw new XtestPackError('TESTDATA_UNAVAILABLE', st.reason, { file: pkg.root });
  }
  const asked = normalizePathList(paths);
  if (asked.length === 0) throw new XtestPackError('USAGE', 'name at least one test-data path');
  const backend = options.backend ?? getBackend(ctx.env['XTEST_PACK_BACKEND'] || undefined);

  if (st.mode === 'source') {
    if (st.record === undefined) checkListed(ctx, asked);
    for (const p of asked) {
      try {
        lstatSync(join(pkg.root, p));
      } catch {
        throw new XtestPackError('PATH_NOT_LISTED', `test-data path '${p}' does not exist in the package`, { path: p, file: pkg.root });
      }
    }
    if (st.record !== undefined) {
      // Loaded only to record: export writes packs with pako, which a test run from a published
      // package must not need.
      const { recordPaths } = createRequire(import.meta.url)('./record.js') as typeof Record;
      recordPaths({ root: pkg.root, dir: st.record, paths: asked, allowDirty: ctx.env['XTEST_PACK_ALLOW_DIRTY'] === '1', backend });
    }
    return handle(pkg.root, 'source', asked);
  }

  const manifest = ctx.manifest!;
  checkListed(ctx, asked, manifest.paths);
  const base = materializationBase(ctx.env, options.tmpdir);
  const objects = ctx.objects ?? fetchedTestData({ manifest, base, backend, env: ctx.env });
  const root = materialize({ objects, manifest, manifestFile: ctx.manifestFile, base, backend, onNotice: noticeOnce });
  return handle(root, 'pack', asked);
}

/**
 * Every path the package lists (what adapters check out once for a whole run).
 * @throws as `testDataSync`; PACKAGE_INVALID when the package lists none.
 * @example
 *   const data = listedTestDataSync({ from: process.cwd() });
 */
export function listedTestDataSync(options: TestDataOptions = {}): TestData {
  try {
    const ctx = context(options);
    const listed = ctx.status.mode === 'pack' ? ctx.manifest!.paths : ctx.listed;
    if (ctx.status.mode === 'unavailable') {
      if (ctx.status.skip) return handle('', 'unavailable', [], ctx.status.reason);
      throw new XtestPackError('TESTDATA_UNAVAILABLE', ctx.status.reason, { file: ctx.pkg.root });
    }
    if (listed.length === 0) {
      throw new XtestPackError('PACKAGE_INVALID', `${ctx.pkg.name} lists no test data: add "xtestPack": { "paths": [...] } to package.json`, { file: ctx.pkg.root });
    }
    return testDataSyncIn(ctx, listed, options);
  } catch (e) {
    throw forTestRun(e, options.env ?? process.env);
  }
}

/**
 * What a test run shows of a failure: an XtestPackError (an OS error becomes one) whose stack is
 * its one line, so that a packager reads what is wrong and what to do, not xtest-pack's frames
 * (XTEST_PACK_DEBUG=1 keeps them).
 */
export function forTestRun(e: unknown, env: NodeJS.ProcessEnv): unknown {
  const err = systemError(e) ?? e;
  if (!(err instanceof XtestPackError) || env['XTEST_PACK_DEBUG'] === '1') return err;
  err.stack = `${err.name} [${err.code}]: ${err.message}`;
  // A runner may print the causes too (Node's uncaught-exception report does): their lines only.
  for (let c: unknown = err.cause, depth = 0; c instanceof Error && depth < 8; c = c.cause, depth++) c.stack = `${c.name}: ${c.message}`;
  return err;
}

/** `testDataSync` as a promise. */
export async function testData(paths: readonly string[], options: TestDataOptions = {}): Promise<TestData> {
  return testDataSync(paths, options);
}

function handle(root: string, mode: TestDataMode, asked: readonly string[], reason = ''): TestData {
  const dispose = () => {};
  return {
    root,
    mode,
    path(rel: string): string {
      if (mode === 'unavailable') throw new XtestPackError('TESTDATA_UNAVAILABLE', reason);
      const p = normalizeTestPath(rel);
      if (!isCovered(p, asked)) {
        throw new XtestPackError('PATH_NOT_LISTED', `test-data path '${p}' is not among those checked out (${asked.join(', ')})`, { path: p });
      }
      return join(root, ...p.split('/'));
    },
    dispose,
    [Symbol.dispose]: dispose,
    [Symbol.asyncDispose]: async () => dispose(),
  };
}

function checkListed(ctx: Context, asked: readonly string[], listed: readonly string[] = ctx.listed): void {
  for (const p of asked) {
    if (isCovered(p, listed)) continue;
    const why =
      ctx.status.mode === 'pack'
        ? `is asked for by the tests, but ${ctx.manifestFile} does not list it, so the published test data do not hold it: the package is incomplete; report it to its authors${ctx.manifest?.repository ? ` (${ctx.manifest.repository})` : ''}`
        : `is not listed in "xtestPack": { "paths": [...] } of package.json: add it, so that the published test data hold it (or record a run with XTEST_PACK_RECORD=<dir>)`;
    throw new XtestPackError('PATH_NOT_LISTED', `test-data path '${p}' ${why}`, { path: p, file: ctx.pkg.root });
  }
}

function context(options: TestDataOptions): Context {
  const env = options.env ?? process.env;
  const pkg = readPackageInfo(findPackageRoot(options.from ?? process.cwd()));
  const manifestFile = env['XTEST_PACK_MANIFEST'] ? resolve(env['XTEST_PACK_MANIFEST']) : join(pkg.root, MANIFEST_NAME);
  const manifest = packageManifestAt(manifestFile, env['XTEST_PACK_MANIFEST'] !== undefined && env['XTEST_PACK_MANIFEST'] !== '');
  const workTree = gitWorkTree(pkg.root);
  const recordedDir = env['XTEST_PACK_RECORD'] ? resolve(env['XTEST_PACK_RECORD']) : undefined;
  // What the package lists: package.json's settings; the manifest only when package.json has
  // none (a manifest in a work tree is generated, and may be stale).
  const configured = [...pkg.paths, ...(pkg.recorded ? recordedPaths(pkg.recorded, packageDirectory(pkg.root, workTree)) : [])];
  const listed = normalizePathList(configured.length > 0 || pkg.recorded ? configured : (manifest?.paths ?? []));
  const objects = env['XTEST_PACK_OBJECTS'] ? resolve(env['XTEST_PACK_OBJECTS']) : undefined;
  const filesHere = listed.length > 0 ? listed.every((p) => exists(join(pkg.root, p))) : workTree !== undefined;

  const make = (mode: TestDataMode, reason: string, record?: string, fetch = false): TestDataStatus => ({
    mode,
    reason,
    root: pkg.root,
    skip: mode === 'unavailable' && env['XTEST_PACK_MISSING'] === 'skip',
    record,
    fetch,
    paths: mode === 'pack' && manifest ? manifest.paths : listed,
  });
  let st: TestDataStatus;
  if (filesHere && workTree !== undefined && recordedDir !== undefined) {
    st = make('source', `recording into ${recordedDir}: the files are in the git work tree ${workTree}`, recordedDir);
  } else if (objects !== undefined && !exists(objects)) {
    st = make('unavailable', `XTEST_PACK_OBJECTS names ${objects}, which does not exist${manifest ? ` (the test data are the artifact ${manifest.artifact})` : ''}`);
  } else if (objects !== undefined && noPackIn(objects) !== undefined) {
    st = make('unavailable', `XTEST_PACK_OBJECTS names ${objects}, which holds no pack${noPackIn(objects)}${manifest ? ` (the test data are the artifact ${manifest.artifact})` : ''}`);
  } else if (objects !== undefined) {
    st = manifest
      ? make('pack', `XTEST_PACK_OBJECTS=${objects}: commit ${manifest.commit}`)
      : make('unavailable', `XTEST_PACK_OBJECTS is set, but the package has no test-data manifest ${manifestFile} (its publisher writes it with \`xtest-pack manifest\` in prepack; or set XTEST_PACK_MANIFEST)`);
  } else if (filesHere) {
    st = make('source', workTree !== undefined ? `the files are in the git work tree ${workTree}` : `the files are in the package at ${pkg.root}`);
  } else if (env['XTEST_PACK_FETCH'] === '1' && manifest && listed.length > 0) {
    st = make('pack', `XTEST_PACK_FETCH=1: the test data of commit ${manifest.commit} are fetched from ${manifest.repository ?? '(no repository named)'} when first used`, undefined, true);
  } else {
    st = make('unavailable', unavailableReason(pkg, manifest, listed));
  }
  return { pkg, env, manifest, manifestFile, listed, objects, status: st };
}

/**
 * For a directory holding no pack: '' or ', but it holds <artifact>: name that file'; undefined
 * when `path` is a file or a directory with a pack (what it holds is checked when it is used).
 */
function noPackIn(path: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return undefined;
  }
  // A pack or an idx: data are there (an idx without its pack is damaged, not absent).
  if (names.some((n) => PACK_FILE.test(n))) return undefined;
  const artifact = names.find((n) => ARTIFACT_FILE.test(n));
  return artifact === undefined ? '' : `, but it holds ${artifact}: name that file`;
}

function unavailableReason(pkg: PackageInfo, manifest: PackageManifest | undefined, listed: readonly string[]): string {
  if (listed.length === 0) {
    return `${pkg.name} lists no test data: add "xtestPack": { "paths": [...] } to package.json`;
  }
  const missing = listed.filter((p) => !exists(join(pkg.root, p)));
  const what = `the test data of ${pkg.name} (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}) are not in this copy of the package`;
  if (!manifest) return `${what}, and it has no xtest-pack.json naming their commit`;
  const from = manifest.repository ? ` of ${manifest.repository}` : '';
  return `${what}: set XTEST_PACK_OBJECTS to the artifact ${manifest.artifact} (test data${from} at commit ${manifest.commit}), or XTEST_PACK_FETCH=1 to fetch them from the repository (as \`xtest-pack fetch\` does), or XTEST_PACK_MISSING=skip to skip these tests`;
}

/** The package manifest at `file`; `named`: XTEST_PACK_MANIFEST names it, so it must be one. */
function packageManifestAt(file: string, named: boolean): PackageManifest | undefined {
  if (!named) return readPackageManifest(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new XtestPackError('ENVIRONMENT', `XTEST_PACK_MANIFEST: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file, cause: e });
  }
  if (!isPackageManifest(text, file)) throw new XtestPackError('ENVIRONMENT', "XTEST_PACK_MANIFEST names a pack directory's manifest, not a package's", { file });
  return decodePackageManifest(text, file);
}

/** The work tree holding `dir` (the nearest `.git` above it), if any. */
export function gitWorkTree(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (exists(join(d, '.git'))) return d;
    if (dirname(d) === d) return undefined;
  }
}



function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Where pack-mode materializations (and fetches) go: `dir`, XTEST_PACK_TMPDIR, AUTOPKGTEST_TMP, the OS temp dir. */
export function materializationBase(env: NodeJS.ProcessEnv, dir?: string): string {
  return resolve(dir ?? (env['XTEST_PACK_TMPDIR'] || env['AUTOPKGTEST_TMP'] || tmpdir()));
}

const noticed = new Set<string>();

/** A notice on stderr, once per process for each text. */
function noticeOnce(line: string): void {
  if (noticed.has(line)) return;
  noticed.add(line);
  process.stderr.write(`xtest-pack: note: ${line}\n`);
}
