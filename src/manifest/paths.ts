/**
 * Test-data paths as both manifests and the test helper hold them: relative to the package (or
 * repository) root, '/'-separated, no `.`/`..`/empty component, no trailing slash; sorted in
 * UTF-8 byte order, as git sorts paths.
 */
import { XtestPackError } from '../errors.js';

/**
 * UTF-8 byte order, as git sorts paths: the order of code points (which UTF-16 code units do not
 * keep past U+FFFF), so no string is encoded to compare it.
 */
export function comparePathBytes(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return (a.length - i) - (b.length - j);
}

/**
 * A path in its canonical form.
 * @throws USAGE naming the path and what is wrong with it (callers reading a file re-throw it
 *         with their own code and place).
 * @example
 *   normalizeTestPath('./fixtures/') === 'fixtures'
 */
export function normalizeTestPath(path: string): string {
  const bad = (why: string) => new XtestPackError('USAGE', `test-data path ${JSON.stringify(path)} ${why}`, { path });
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

/**
 * Listed paths normalized, sorted, each once, and none below another.
 * @throws USAGE as normalizeTestPath.
 */
export function normalizePathList(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths.map(normalizeTestPath))].sort(comparePathBytes);
  return sorted.filter((p) => !sorted.some((q) => q !== p && p.startsWith(`${q}/`)));
}
