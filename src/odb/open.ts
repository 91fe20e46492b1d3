/**
 * Opening what a command names: a bare pack directory (an exported test-data directory, or
 * `$XTEST_PACK_OBJECTS`) here; a repository (by path, or discovered) with `openRepository`
 * (repository.ts), so that a checkout from a pack directory loads no repository code.
 */
import type { Backend } from '../backend/types.js';
import { idxFormat } from '../pack/idx/index.js';
import type { ObjectFormat } from '../pack/oid.js';
import { ObjectDatabase, type DatabaseOptions } from './database.js';
import type { RefStore } from './refs.js';
import type { Repository } from './repository.js';
import { joinPath, type Storage } from '../fs/storage.js';

export interface Opened {
  readonly odb: ObjectDatabase;
  readonly refs: RefStore | undefined;
  readonly repo: Repository | undefined;
  /** Path of the starting directory inside the work tree ('' at the top or for pack directories). */
  readonly prefix: string;
  close(): void;
}

/**
 * The object format of a bare pack directory, from its first idx ('sha1' when it has none).
 * @throws IDX_CORRUPT, CHECKSUM_MISMATCH when the idx cannot tell.
 */
export function packDirectoryFormat(dir: string, storage: Storage, backend: Backend): ObjectFormat {
  for (const d of [dir, joinPath(dir, 'pack')]) {
    const idx = (storage.readDir(d) ?? []).sort().find((n) => n.endsWith('.idx'));
    if (!idx) continue;
    // The layout tells the format from the idx's head and size; the whole idx is read only when
    // both formats would fit and its checksum must decide.
    const src = storage.openSource(joinPath(d, idx));
    if (!src) continue;
    try {
      return idxFormat(src, backend);
    } finally {
      src.close();
    }
  }
  return 'sha1';
}

/**
 * Open a bare pack directory as an object database.
 * @throws NOT_A_REPOSITORY when `dir` is not a directory.
 */
export function openPackDirectory(dir: string, storage: Storage, backend: Backend, options: DatabaseOptions = {}): Opened {
  const odb = ObjectDatabase.open(dir, storage, backend, packDirectoryFormat(storage.resolve(dir), storage, backend), options);
  return { odb, refs: undefined, repo: undefined, prefix: '', close: () => odb.close() };
}
