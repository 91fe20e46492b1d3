/**
 * `xtest-pack package-test`: the author's pre-release check that the package as published
 * passes its tests offline from its test-data artifact alone, as a distribution will run them.
 *
 * 1. `npm pack` into a fresh temporary directory with no git repository above it;
 * 2. unpack the tarball there (its `prepack` has written the package manifest);
 * 3. link the installed `node_modules` in, so nothing is fetched;
 * 4. build the artifact from the repository (or take `objects`);
 * 5. run the command (default `npm test`) in the unpacked package with XTEST_PACK_OBJECTS set.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { extractTarEntries } from '../artifact/extract.js';
import { decodeTarGz } from '../artifact/decode.js';
import { ARTIFACT_FILE, PACK_FILE } from '../artifact/open.js';
import type { TarEntry } from '../artifact/tar/header.js';
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { MANIFEST_NAME, decodePackageManifest, isCovered, type PackageManifest } from '../manifest/index.js';
import { fetchTestData } from '../fetch/fetch-test-data.js';
import { gitWorkTree } from './helper.js';
import { buildArtifact } from './publish.js';

export interface PackageTestOptions {
  /**
   * The package root in the author's work tree (packed with `npm pack`); with `tarball`, where
   * node_modules (the package's dev dependencies) is taken from.
   */
  root: string;
  /** Test an already published npm tarball instead of packing the work tree (a packager's check). */
  tarball?: string;
  /** Test data to use instead of building the artifact... */
  objects?: string;
  /** ...or fetched from the repository the package names (`xtest-pack fetch`). */
  fetch?: boolean;
  /** Keep the temporary directory (its path is reported). */
  keep?: boolean;
  /** Default: `npm test`. */
  command?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Where the steps are reported (one line each). */
  log?: (line: string) => void;
  backend: Backend;
}

export interface PackageTestResult {
  /** The command's exit status (1 when it was killed by a signal). */
  readonly status: number;
  /** The temporary directory, when kept. */
  readonly kept: string | undefined;
}

/**
 * Pack (or take a published tarball), unpack, and run the tests of the package from its test
 * data alone: an artifact built from the work tree, given, or fetched.
 * @throws USAGE (a tarball with neither objects nor fetch), PACKAGE_INVALID (the tarball has no
 *         package manifest: `prepack` is missing; it holds test data or artifacts),
 *         MANIFEST_CORRUPT, IO, and the errors of building or fetching the artifact; the
 *         command's own failure is its status.
 * @example
 *   const { status } = await packageTest({ root: process.cwd(), backend });
 */
export async function packageTest(options: PackageTestOptions): Promise<PackageTestResult> {
  if (options.objects !== undefined && options.fetch) throw new XtestPackError('USAGE', 'give --objects or --fetch, not both');
  if (options.tarball !== undefined && options.objects === undefined && !options.fetch) {
    throw new XtestPackError('USAGE', 'a published tarball has no work tree to build its test data from: give --objects <artifact> or --fetch');
  }
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'xtest-pack-package-test-')));
  const keep = options.keep === true;
  try {
    const above = gitWorkTree(tmp);
    if (above !== undefined) throw new XtestPackError('ENVIRONMENT', `the temporary directory is inside the git work tree ${above}: set TMPDIR elsewhere`, { file: tmp });

    let tgz: string;
    if (options.tarball !== undefined) {
      tgz = basename(options.tarball);
      copyFileSync(resolve(options.tarball), join(tmp, tgz));
    } else {
      log(`npm pack (in ${options.root})`);
      const packed = spawnSync('npm', ['pack', '--pack-destination', tmp], { cwd: options.root, env, stdio: ['ignore', 'ignore', 'inherit'], encoding: 'utf8' });
      if (packed.error || packed.status !== 0) {
        throw new XtestPackError('IO', `npm pack failed (${packed.error?.message ?? `exit status ${packed.status}`})`, { file: options.root });
      }
      const made = readdirSync(tmp).find((n) => n.endsWith('.tgz'));
      if (!made) throw new XtestPackError('IO', 'npm pack wrote no .tgz', { file: tmp });
      tgz = made;
    }

    const pkgDir = join(tmp, 'package');
    log(`unpack ${tgz} into ${pkgDir}`);
    const entries = decodeTarGz(readFileSync(join(tmp, tgz)), options.backend, { file: tgz });
    extractTarEntries(entries, pkgDir, { strip: 1 });
    const manifestFile = join(pkgDir, MANIFEST_NAME);
    let manifestText: string;
    try {
      manifestText = readFileSync(manifestFile, 'utf8');
    } catch {
      throw new XtestPackError('PACKAGE_INVALID', `the packed tarball has no ${MANIFEST_NAME}: add "prepack": "xtest-pack manifest --if-git" to the scripts of package.json`, { file: tgz });
    }
    const manifest = decodePackageManifest(manifestText, `${tgz}:${MANIFEST_NAME}`);
    checkNotPublished(entries, manifest, tgz);

    const modules = join(options.root, 'node_modules');
    if (existsSync(modules)) symlinkSync(modules, join(pkgDir, 'node_modules'), 'dir');

    let objects: string;
    if (options.objects !== undefined) {
      objects = resolve(options.objects);
    } else if (options.fetch) {
      log(`fetch the test data of commit ${manifest.commit} from ${manifest.repository ?? '(no repository named)'}`);
      objects = join(tmp, manifest.artifact);
      await fetchTestData({ package: manifest, tar: objects, backend: options.backend });
    } else {
      const built = buildArtifact({ root: options.root, manifest, tar: join(tmp, manifest.artifact), backend: options.backend });
      objects = built.path;
      log(`artifact ${manifest.artifact}: ${built.size} bytes, commit ${manifest.commit}`);
    }

    const command = options.command && options.command.length > 0 ? options.command : ['npm', 'test'];
    const materialized = join(tmp, 'materialized');
    mkdirSync(materialized);
    log(`run ${command.join(' ')} (in ${pkgDir}, XTEST_PACK_OBJECTS=${objects})`);
    const childEnv: NodeJS.ProcessEnv = {
      ...env,
      XTEST_PACK_OBJECTS: objects,
      XTEST_PACK_TMPDIR: materialized,
      GIT_CEILING_DIRECTORIES: tmp,
      npm_config_offline: 'true',
    };
    for (const k of ['XTEST_PACK_RECORD', 'XTEST_PACK_MANIFEST', 'XTEST_PACK_MISSING', 'GIT_DIR', 'GIT_WORK_TREE', 'INIT_CWD']) delete childEnv[k];
    const run = spawnSync(command[0]!, command.slice(1), { cwd: pkgDir, env: childEnv, stdio: 'inherit' });
    if (run.error) throw new XtestPackError('IO', `cannot run ${command[0]}: ${run.error.message}`, { file: pkgDir });
    const status = run.status ?? 1;
    return { status, kept: keep ? tmp : undefined };
  } finally {
    if (!keep) rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The published tarball must hold neither the test data (then the run would not test the
 * artifact, and the package would publish what it meant to leave out) nor an artifact.
 * @throws PACKAGE_INVALID naming what it holds and how to leave it out.
 */
function checkNotPublished(entries: readonly TarEntry[], manifest: PackageManifest, tgz: string): void {
  const paths = entries.map((e) => e.path.replace(/^[^/]*\//, ''));
  const data = paths.filter((p) => isCovered(p, manifest.paths));
  if (data.length > 0) {
    throw new XtestPackError(
      'PACKAGE_INVALID',
      `the packed tarball holds test data it lists (${data.slice(0, 3).join(', ')}${data.length > 3 ? ', …' : ''}): leave ${manifest.paths.join(', ')} out of "files" (or add them to .npmignore), so that the package's tests run from the artifact`,
      { file: tgz },
    );
  }
  const artifacts = paths.filter((p) => ARTIFACT_FILE.test(p) || PACK_FILE.test(p.slice(p.lastIndexOf('/') + 1)));
  if (artifacts.length > 0) {
    throw new XtestPackError('PACKAGE_INVALID', `the packed tarball holds test-data artifacts (${artifacts.slice(0, 3).join(', ')}): leave them out of "files" (or add them to .npmignore); \`xtest-pack pack\` writes to node_modules/.cache/xtest-pack/, which npm never publishes`, { file: tgz });
  }
}
