/** The Node file system as WorkTreeStorage: nodeStorage plus readdir with file types and lstat. */
import { lstatSync, readdirSync, type Dirent, type Stats } from 'node:fs';
import { XtestPackError } from '../errors.js';
import { nodeStorage } from './node-storage.js';
import type { EntryKind, WorkTreeStorage } from './work-tree-storage.js';

function kindOf(d: Dirent | Stats): EntryKind {
  return d.isSymbolicLink() ? 'symlink' : d.isDirectory() ? 'dir' : d.isFile() ? 'file' : 'other';
}

function absent(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * WorkTreeStorage over node:fs.
 * @example
 *   const { entries } = untrackedFiles(repo, ['fixtures'], { storage: nodeWorkTreeStorage });
 */
export const nodeWorkTreeStorage: WorkTreeStorage = {
  ...nodeStorage,
  readDirEntries(path) {
    try {
      // Node fills in an unknown d_type with an lstat of its own.
      return readdirSync(path, { withFileTypes: true }).map((d) => ({ name: d.name, kind: kindOf(d) }));
    } catch (e) {
      if (absent(e)) return undefined;
      throw new XtestPackError('IO', `cannot read directory: ${(e as Error).message}`, { file: path, cause: e });
    }
  },
  lkind(path) {
    try {
      const st = lstatSync(path, { throwIfNoEntry: false });
      return st === undefined ? undefined : kindOf(st);
    } catch (e) {
      if (absent(e)) return undefined;
      throw new XtestPackError('IO', `cannot lstat: ${(e as Error).message}`, { file: path, cause: e });
    }
  },
};
