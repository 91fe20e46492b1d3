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
 *     "artifact": "left-pad-1.3.0.xtest-pack.tar.gz",
 *     "dirty": false
 *   }
 *
 * The manifest next to an exported pack (src/export/manifest.ts) shares the file name; this one
 * is told apart by `"kind": "package"`.
 */
import { XtestPackError } from '../errors.js';
import { hashLength, type ObjectFormat } from '../pack/oid.js';

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
  readonly artifact: string;
  /** Written from a work tree whose listed files differed from the commit. */
  readonly dirty: boolean;
}

const utf8 = new TextEncoder();

/** UTF-8 byte order, as git sorts paths. */
export function comparePathBytes(a: string, b: string): number {
  const ea = utf8.encode(a);
  const eb = utf8.encode(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) if (ea[i] !== eb[i]) return ea[i]! - eb[i]!;
  return ea.length - eb.length;
}

/**
 * A path as the manifest and the helper hold it: relative, '/'-separated, no `.`/`..`/empty
 * component, no trailing slash.
 * @throws INVALID_ARGUMENT naming the path and what is wrong with it.
 * @example
 *   normalizeTestPath('./fixtures/') === 'fixtures'
 */
export function normalizeTestPath(path: string): string {
  const bad = (why: string) => new XtestPackError('INVALID_ARGUMENT', `test-data path ${JSON.stringify(path)} ${why}`, { path });
  if (path.includes('\0')) throw bad('contains NUL');
  if (path.includes('\\')) throw bad('contains a backslash (use /)');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw bad('is absolute (paths are relative to the package root)');
  let p = path;
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/\/+$/, '');
  const parts = p === '' || p === '.' ? [] : p.split('/').filter((c) => c !== '.');
  if (parts.length === 0) throw bad('is empty (name a file or directory below the package root)');
  if (parts.some((c) => c === '..')) throw bad('climbs out with ..');
  if (parts.some((c) => c === '')) throw bad('has an empty component');
  return parts.join('/');
}

/** Is `path` one of `listed` or below one of them? */
export function isCovered(path: string, listed: readonly string[]): boolean {
  return listed.some((p) => path === p || path.startsWith(`${p}/`));
}

/** Listed paths normalized, sorted, each once, and none below another. */
export function normalizePathList(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths.map(normalizeTestPath))].sort(comparePathBytes);
  return sorted.filter((p) => !sorted.some((q) => q !== p && p.startsWith(`${q}/`)));
}

/**
 * The manifest's bytes: canonical form, keys in a fixed order, a trailing newline.
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
    artifact: m.artifact,
    dirty: m.dirty,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/**
 * Parse a package manifest, checking every field.
 * @returns undefined when the JSON is another kind of manifest (an export's).
 * @throws INVALID_ARGUMENT naming `file` and the field when it claims to be one and is not.
 * @example
 *   const m = decodePackageManifest(readFileSync(file, 'utf8'), file);
 */
export function decodePackageManifest(text: string, file: string): PackageManifest | undefined {
  const bad = (why: string) => new XtestPackError('INVALID_ARGUMENT', `not a valid xtest-pack package manifest: ${why}`, { file });
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('not a JSON object');
  const o = v as Record<string, unknown>;
  if (o['kind'] !== 'package') return undefined;
  if (o['formatVersion'] !== PACKAGE_MANIFEST_VERSION) throw bad(`formatVersion ${JSON.stringify(o['formatVersion'])} (this xtest-pack reads ${PACKAGE_MANIFEST_VERSION})`);
  const str = (k: string): string => {
    if (typeof o[k] !== 'string') throw bad(`"${k}" must be a string`);
    return o[k];
  };
  const objectFormat = str('objectFormat');
  if (objectFormat !== 'sha1' && objectFormat !== 'sha256') throw bad(`"objectFormat" ${JSON.stringify(objectFormat)}`);
  const commit = str('commit');
  if (!new RegExp(`^[0-9a-f]{${hashLength(objectFormat) * 2}}$`).test(commit)) throw bad(`"commit" is not a ${objectFormat} id`);
  const checked = <T>(key: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw e instanceof XtestPackError ? bad(`"${key}": ${e.reason}`) : e;
    }
  };
  const directory = str('directory');
  const dir = directory === '' ? '' : checked('directory', () => normalizeTestPath(directory));
  if (!Array.isArray(o['paths']) || !o['paths'].every((p) => typeof p === 'string')) throw bad('"paths" must be an array of strings');
  const paths = checked('paths', () => normalizePathList(o['paths'] as string[]));
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
