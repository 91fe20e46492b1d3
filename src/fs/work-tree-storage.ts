/**
 * What a walk of a work tree needs beyond `Storage`: what each directory entry is without
 * following symlinks (git's d_type / lstat), so that a symlink to a directory is seen as the
 * symlink git tracks, not as a directory to descend. The Node implementation is
 * node-work-tree-storage.ts; tests implement it over memory.
 */
import type { Storage } from './storage.js';

/** What is at a path, a final symlink not followed; `other` is a FIFO, socket or device. */
export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

export interface DirEntry {
  readonly name: string;
  readonly kind: EntryKind;
}

export interface WorkTreeStorage extends Storage {
  /** A directory's entries (no `.` or `..`) with their kinds, or `undefined` when there is no such directory. */
  readDirEntries(path: string): DirEntry[] | undefined;
  /** What is at `path`, a final symlink not followed (lstat), or `undefined`. */
  lkind(path: string): EntryKind | undefined;
}

/** Does `storage` also answer a work-tree walk's questions? */
export function isWorkTreeStorage(storage: Storage): storage is WorkTreeStorage {
  const s = storage as Partial<WorkTreeStorage>;
  return typeof s.readDirEntries === 'function' && typeof s.lkind === 'function';
}
