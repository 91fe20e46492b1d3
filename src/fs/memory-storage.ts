/**
 * A read-only `Storage` over files held in memory (an artifact's files, a pack directory fetched
 * over HTTP): no `node:` module, so the browser build has it too.
 */
import { bytesSource } from '../pack/source.js';
import type { ClosableSource, Storage } from './storage.js';

/**
 * Storage over `files`, keyed by absolute normalized paths (`/dir/name`); its directories are
 * `/` and those the keys pass through. Every path asked for is normalized first. `sourceName`
 * names a file's source in errors.
 * @example
 *   const s = filesStorage(new Map([['/xtest-pack/pack-1.pack', bytes]]), (p) => `a.tar.gz:${p.slice(1)}`);
 */
export function filesStorage(files: ReadonlyMap<string, Uint8Array>, sourceName: (path: string) => string): Storage {
  const isDir = (p: string) => p === '/' || [...files.keys()].some((k) => k.startsWith(`${p}/`));
  return {
    readFile: (path) => files.get(normalizePath(path)),
    readDir(path) {
      const p = normalizePath(path);
      if (!isDir(p)) return undefined;
      const prefix = p === '/' ? '/' : `${p}/`;
      const names = new Set<string>();
      for (const k of files.keys()) if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]!);
      return [...names];
    },
    openSource(path): ClosableSource | undefined {
      const p = normalizePath(path);
      const data = files.get(p);
      return data && { ...bytesSource(data, sourceName(p)), close() {} };
    },
    kind(path) {
      const p = normalizePath(path);
      return files.has(p) ? 'file' : isDir(p) ? 'dir' : undefined;
    },
    resolve: (path, base) => normalizePath(path.startsWith('/') || base === undefined ? path : `${base}/${path}`),
  };
}

/** `path` '/'-rooted, with no '.', '..' or empty components. */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return `/${out.join('/')}`;
}
