/**
 * The package manifest: `xtest-pack.json` at a package's root, written by `xtest-pack manifest`
 * (meant for `prepack`), so that the published tarball names the commit its test data come
 * from (npm's `gitHead` never reaches the tarball). Keys in a fixed order, paths sorted, a
 * trailing newline.
 *
 *   {
 *     "formatVersion": 1,
 *     "kind": "package",
 *     "name": "left-pad", "version": "1.3.0",
 *     "objectFormat": "sha1",
 *     "commit": "<id>",
 *     "repository": "https://github.com/…",      (when known)
 *     "directory": "packages/left-pad",            (the package inside the repository; "" at the top)
 *     "paths": ["fixtures", "test/data/a.bin"],   (relative to the package root)
 *     "ids": { "fixtures": "<tree id>", "test/data/a.bin": "<blob id>" },   (each path's object)
 *     "artifact": "left-pad-1.3.0.xtest-pack.tar.gz",
 *     "dirty": false
 *   }
 *
 * The manifest of a pack directory (export-manifest.ts) shares the file name; this one is told
 * apart by `"kind": "package"`.
 */
import { XtestPackError } from '../errors.js';
import type { ObjectFormat } from '../pack/oid.js';
import { idChecker, manifestObject } from './export-manifest.js';
import { normalizePathList, normalizeTestPath } from './paths.js';

export const PACKAGE_MANIFEST_VERSION = 1;

export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly objectFormat: ObjectFormat;
  readonly commit: string;
  readonly repository: string | undefined;
  /** The package's directory inside the repository, '/'-separated; '' at the top. */
  readonly directory: string;
  /** What the tests need, relative to the package root: files or directories. */
  readonly paths: readonly string[];
  /**
   * The object id of each listed path at the commit (a tree for a directory, a blob for a file):
   * test data of another commit whose paths have exactly these ids are the same data. Absent in
   * manifests of xtest-pack 0.1.
   */
  readonly ids: Readonly<Record<string, string>> | undefined;
  readonly artifact: string;
  /** Written from a work tree whose listed files differed from the commit. */
  readonly dirty: boolean;
}

/**
 * The manifest's text: canonical form, keys in a fixed order, a trailing newline.
 * @example
 *   writeFileAtomic(join(root, MANIFEST_NAME), utf8.encode(encodePackageManifest(m)));
 */
export function encodePackageManifest(m: PackageManifest): string {
  const ordered = {
    formatVersion: PACKAGE_MANIFEST_VERSION,
    kind: 'package',
    name: m.name,
    version: m.version,
    objectFormat: m.objectFormat,
    commit: m.commit,
    ...(m.repository !== undefined ? { repository: m.repository } : {}),
    directory: m.directory,
    paths: normalizePathList(m.paths),
    ...(m.ids !== undefined ? { ids: Object.fromEntries(normalizePathList(m.paths).map((p) => [p, m.ids![p]])) } : {}),
    artifact: m.artifact,
    dirty: m.dirty,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Is the manifest text a package's (`"kind": "package"`) rather than a pack directory's? */
export function isPackageManifest(text: string, file: string): boolean {
  return manifestObject(text, file)['kind'] === 'package';
}

/**
 * Parse a package manifest, checking every field.
 * @throws MANIFEST_CORRUPT naming `file` and the field (not JSON, a pack directory's manifest,
 *         another format version, a field of the wrong shape).
 * @example
 *   const m = decodePackageManifest(readFileSync(file, 'utf8'), file);
 */
export function decodePackageManifest(text: string, file: string): PackageManifest {
  const bad = (why: string) => new XtestPackError('MANIFEST_CORRUPT', why, { file });
  const o = manifestObject(text, file);
  if (o['kind'] === undefined) throw bad("a pack directory's manifest, not a package's test-data manifest");
  if (o['kind'] !== 'package') throw bad(`"kind" ${JSON.stringify(o['kind'])} is not one this xtest-pack reads`);
  if (o['formatVersion'] !== PACKAGE_MANIFEST_VERSION) {
    throw bad(`"formatVersion" ${JSON.stringify(o['formatVersion'])}: this xtest-pack reads ${PACKAGE_MANIFEST_VERSION}`);
  }
  const str = (k: string): string => {
    if (typeof o[k] !== 'string') throw bad(`"${k}" must be a string`);
    return o[k];
  };
  const objectFormat = str('objectFormat');
  if (objectFormat !== 'sha1' && objectFormat !== 'sha256') throw bad(`"objectFormat" ${JSON.stringify(objectFormat)} is not sha1 or sha256`);
  const commit = idChecker(objectFormat, bad)('commit', o['commit']);
  const checked = <T>(key: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw e instanceof XtestPackError ? new XtestPackError('MANIFEST_CORRUPT', `"${key}": ${e.reason}`, { file, cause: e }) : e;
    }
  };
  const directory = str('directory');
  const dir = directory === '' ? '' : checked('directory', () => normalizeTestPath(directory));
  if (!Array.isArray(o['paths']) || !o['paths'].every((p) => typeof p === 'string')) throw bad('"paths" must be an array of strings');
  const paths = checked('paths', () => normalizePathList(o['paths'] as string[]));
  let ids: Record<string, string> | undefined;
  if (o['ids'] !== undefined) {
    const raw = o['ids'];
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('"ids" must be an object of path: id');
    const keys = Object.keys(raw).sort();
    if (keys.length !== paths.length || !paths.every((p) => Object.hasOwn(raw, p))) throw bad('"ids" must name exactly the paths of "paths"');
    const id = idChecker(objectFormat, bad);
    ids = Object.fromEntries(paths.map((p) => [p, id(`ids.${p}`, (raw as Record<string, unknown>)[p])]));
  }
  if (typeof o['dirty'] !== 'boolean') throw bad('"dirty" must be true or false');
  if (o['repository'] !== undefined && typeof o['repository'] !== 'string') throw bad('"repository" must be a string');
  return {
    name: str('name'),
    version: str('version'),
    objectFormat,
    commit,
    repository: o['repository'] as string | undefined,
    directory: dir,
    paths,
    ids,
    artifact: str('artifact'),
    dirty: o['dirty'],
  };
}

/**
 * The artifact's file name, as `npm pack` names tarballs: `@scope/name` becomes `scope-name`.
 * @example
 *   artifactName('@acme/left-pad', '1.3.0') === 'acme-left-pad-1.3.0.xtest-pack.tar.gz'
 */
export function artifactName(name: string, version: string): string {
  return `${name.replace(/^@/, '').replace(/\//g, '-')}-${version}.xtest-pack.tar.gz`;
}
