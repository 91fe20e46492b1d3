/**
 * The package a fetch is for: an unpacked package directory, or an npm tarball read in place
 * (npm tarballs hold one top directory, `package/`; nothing is extracted). From it:
 *
 *   xtest-pack.json   the package manifest: commit, repository, directory, paths, ids, artifact
 *   package.json      name and version (the artifact's name), and npm's `repository` (a string
 *                     or `{ url, directory }`, for a package that never adopted xtest-pack)
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backend/types.js';
import { decodeTarGz } from '../artifact/decode.js';
import { XtestPackError } from '../errors.js';
import { MANIFEST_NAME, decodePackageManifest, isPackageManifest, normalizeTestPath, type PackageManifest } from '../manifest/index.js';

export interface PackageSource {
  /** The directory or tarball, as given (for messages). */
  readonly location: string;
  /** Its package manifest, when it has one. */
  readonly manifest: PackageManifest | undefined;
  /** package.json's name and version, when it has them. */
  readonly name: string | undefined;
  readonly version: string | undefined;
  /** package.json's `repository` URL (a string, or `url` of an object). */
  readonly repository: string | undefined;
  /** package.json's `repository.directory` (npm's field for a package inside a monorepo), normalized. */
  readonly directory: string | undefined;
}

/** A package tarball larger than this (inflated) is refused: npm's own limit is far below. */
const MAX_TARBALL_TAR = 512 * 2 ** 20;

/**
 * Read the package at `location`: a directory, or a `.tgz`/`.tar.gz` npm tarball.
 * @throws PACKAGE_INVALID (neither a package.json nor a manifest; package.json not JSON),
 *         MANIFEST_CORRUPT, ARCHIVE_CORRUPT, UNSAFE_PATH (a hostile tarball), IO.
 * @example
 *   const pkg = readPackageSource('left-pad-1.3.0.tgz', backend); pkg.manifest?.commit
 */
export function readPackageSource(location: string, backend: Backend): PackageSource {
  let isDir: boolean;
  try {
    isDir = statSync(location).isDirectory();
  } catch (e) {
    throw new XtestPackError('PACKAGE_INVALID', `no such package: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: location, cause: e });
  }
  const files = isDir ? directoryFiles(location) : tarballFiles(location, backend);
  const manifestText = files.read(MANIFEST_NAME);
  const packageText = files.read('package.json');
  if (manifestText === undefined && packageText === undefined) {
    throw new XtestPackError('PACKAGE_INVALID', `not a package: no package.json and no ${MANIFEST_NAME}`, { file: location });
  }
  let manifest: PackageManifest | undefined;
  if (manifestText !== undefined) {
    const where = files.name(MANIFEST_NAME);
    // A pack directory's manifest at a package root is not the package's: passed over, as the helper does.
    if (isPackageManifest(manifestText, where)) manifest = decodePackageManifest(manifestText, where);
  }
  const pkg = packageText === undefined ? {} : packageJson(packageText, files.name('package.json'));
  const repo = pkg['repository'];
  const repoObject = typeof repo === 'object' && repo !== null && !Array.isArray(repo) ? (repo as Record<string, unknown>) : undefined;
  const rawDirectory = repoObject?.['directory'];
  let directory: string | undefined;
  if (typeof rawDirectory === 'string' && rawDirectory.replace(/^\.?\/*/, '') !== '') {
    try {
      directory = normalizeTestPath(rawDirectory);
    } catch (e) {
      throw new XtestPackError('PACKAGE_INVALID', `"repository.directory": ${(e as XtestPackError).reason}`, { file: files.name('package.json'), cause: e });
    }
  }
  return {
    location,
    manifest,
    name: typeof pkg['name'] === 'string' ? pkg['name'] : undefined,
    version: typeof pkg['version'] === 'string' ? pkg['version'] : undefined,
    repository: typeof repo === 'string' ? repo : typeof repoObject?.['url'] === 'string' ? repoObject['url'] : undefined,
    directory,
  };
}

/**
 * Does the directory `dir` hold a package manifest (the default package of `fetch`)?
 * @throws MANIFEST_CORRUPT for a file that is not JSON.
 * @example
 *   const pkg = options.package ?? (hasPackageManifest(cwd) ? cwd : undefined);
 */
export function hasPackageManifest(dir: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST_NAME), 'utf8');
  } catch {
    return false;
  }
  return isPackageManifest(text, join(dir, MANIFEST_NAME));
}

interface PackageFiles {
  /** A top-level file's text, or undefined. */
  read(name: string): string | undefined;
  /** How a file is named in messages. */
  name(name: string): string;
}

function directoryFiles(dir: string): PackageFiles {
  return {
    read(name) {
      try {
        return readFileSync(join(dir, name), 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw new XtestPackError('IO', `cannot read: ${code ?? (e as Error).message}`, { file: join(dir, name), cause: e });
      }
    },
    name: (name) => join(dir, name),
  };
}

/** The files of an npm tarball's one top directory (`package/`, or another name some tools use). */
function tarballFiles(file: string, backend: Backend): PackageFiles {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new XtestPackError('IO', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file, cause: e });
  }
  const entries = decodeTarGz(bytes, backend, { file, maxSize: MAX_TARBALL_TAR });
  const tops = new Set(entries.map((e) => e.path.split('/')[0]!));
  const top = tops.has('package') ? 'package' : tops.size === 1 ? [...tops][0]! : undefined;
  if (top === undefined) throw new XtestPackError('PACKAGE_INVALID', 'not an npm package tarball (no package/ directory)', { file });
  const byName = new Map<string, Uint8Array>();
  for (const e of entries) if (e.type === 'file' && e.path.startsWith(`${top}/`)) byName.set(e.path.slice(top.length + 1), e.data);
  const utf8 = new TextDecoder();
  return {
    read: (name) => {
      const data = byName.get(name);
      return data === undefined ? undefined : utf8.decode(data);
    },
    name: (name) => `${file}:${top}/${name}`,
  };
}

function packageJson(text: string, file: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new XtestPackError('PACKAGE_INVALID', `not JSON: ${(e as Error).message}`, { file, cause: e });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new XtestPackError('PACKAGE_INVALID', 'not a JSON object', { file });
  return v as Record<string, unknown>;
}
