/**
 * The package a test runs in: its root (the nearest directory above the caller holding a
 * `package.json` with a name) and its test-data settings,
 *
 *   "xtestPack": { "paths": ["fixtures", "test/data"], "recorded": "test-data" }
 *
 * `paths` lists what the tests need (relative to the root); `recorded`, optional, names the
 * directory a record run writes (XTEST_PACK_RECORD), whose paths count as listed too.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XtestPackError } from '../errors.js';
import { normalizePathList, normalizeTestPath, readExportManifest } from '../manifest/index.js';

export interface PackageInfo {
  /** Absolute path of the package root. */
  readonly root: string;
  readonly name: string;
  readonly version: string;
  /** `xtestPack.paths`, normalized. */
  readonly paths: readonly string[];
  /** `xtestPack.recorded` as an absolute path, when set. */
  readonly recorded: string | undefined;
  /** package.json's `repository` URL, when it has one. */
  readonly repository: string | undefined;
}

/**
 * The directory a caller names: `import.meta.url`, a `file:` URL, `__dirname` or a file path.
 * @example
 *   startDirectory(import.meta.url)  // the directory of the calling module
 */
export function startDirectory(from: string | URL): string {
  const path = from instanceof URL || from.startsWith('file:') ? fileURLToPath(from) : resolve(from);
  try {
    return statSync(path).isDirectory() ? path : dirname(path);
  } catch {
    return dirname(path);
  }
}

/**
 * The package root above `from`: the nearest directory with a package.json that has a `name`
 * (a nested `{"type": "module"}` package.json is passed over).
 * @throws PACKAGE_INVALID when there is none.
 * @example
 *   findPackageRoot(import.meta.url)
 */
export function findPackageRoot(from: string | URL): string {
  const start = startDirectory(from);
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = readJson(join(dir, 'package.json'));
    if (pkg !== undefined && typeof pkg['name'] === 'string') return dir;
    if (dirname(dir) === dir) break;
  }
  throw new XtestPackError('PACKAGE_INVALID', `no package.json with a "name" in ${start} or above it`, { file: start });
}

/**
 * Read the package at `root`.
 * @throws PACKAGE_INVALID for a malformed `xtestPack` setting (naming package.json).
 * @example
 *   const pkg = readPackageInfo(findPackageRoot(import.meta.url));
 */
export function readPackageInfo(root: string): PackageInfo {
  const file = join(root, 'package.json');
  const pkg = readJson(file);
  if (pkg === undefined) throw new XtestPackError('PACKAGE_INVALID', 'cannot read package.json', { file });
  const bad = (why: string) => new XtestPackError('PACKAGE_INVALID', `"xtestPack" ${why}`, { file });
  const config = pkg['xtestPack'] ?? {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw bad('must be an object');
  const c = config as Record<string, unknown>;
  const paths = c['paths'] ?? [];
  if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) throw bad('"paths" must be an array of strings');
  const recorded = c['recorded'];
  if (recorded !== undefined && typeof recorded !== 'string') throw bad('"recorded" must be a string');
  const repo = pkg['repository'];
  const repository =
    typeof repo === 'string' ? repo : typeof repo === 'object' && repo !== null && typeof (repo as { url?: unknown }).url === 'string' ? (repo as { url: string }).url : undefined;
  return {
    root,
    name: typeof pkg['name'] === 'string' ? pkg['name'] : 'package',
    version: typeof pkg['version'] === 'string' ? pkg['version'] : '0.0.0',
    paths: normalizePathList(paths as string[]),
    recorded: recorded === undefined ? undefined : join(root, normalizeTestPath(recorded)),
    repository,
  };
}

/**
 * The package root's directory inside the work tree, '/'-separated ('' at its top or outside one).
 * @example
 *   packageDirectory('/repo/packages/a', '/repo') === 'packages/a'
 */
export function packageDirectory(root: string, workTree: string | undefined): string {
  return workTree === undefined ? '' : relative(workTree, root).split(sep).join('/');
}

/**
 * The paths a recorded directory holds, relative to the package whose directory in the
 * repository is `directory` (pathspecs outside it are left out).
 */
export function recordedPaths(recordDir: string, directory: string): string[] {
  const m = readExportManifest(recordDir);
  if (!m) return [];
  const prefix = directory === '' ? '' : `${directory}/`;
  return m.pathspecs.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
}

function readJson(file: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch (e) {
    throw new XtestPackError('PACKAGE_INVALID', `not JSON: ${(e as Error).message}`, { file, cause: e });
  }
}
