/** The Node file system as odb Storage. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { XtestPackError, ioError } from '../errors.js';
import type { Storage } from '../fs/storage.js';
import { openFileSource } from './file-source.js';

function absent(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function io(e: unknown, path: string): XtestPackError {
  return ioError(e, { file: path }, 'read');
}

/**
 * Whether `path` exists, asked without an exception when it does not: absence is common here
 * (manifests, info/alternates, objects/pack of a bare pack directory), and the first ENOENT
 * exception of a process costs milliseconds (Node builds its error tables then).
 */
function exists(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

/**
 * Storage over node:fs.
 * @example
 *   const odb = ObjectDatabase.open('/repo/.git/objects', nodeStorage, backend, 'sha1');
 */
export const nodeStorage: Storage = {
  readFile(path) {
    try {
      if (!exists(path)) return undefined;
      return readFileSync(path);
    } catch (e) {
      if (absent(e) || (e as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw io(e, path);
    }
  },
  readDir(path) {
    try {
      if (!exists(path)) return undefined;
      return readdirSync(path);
    } catch (e) {
      if (absent(e)) return undefined;
      throw io(e, path);
    }
  },
  openSource(path) {
    try {
      if (!exists(path)) return undefined;
    } catch (e) {
      if (absent(e)) return undefined;
      throw io(e, path);
    }
    return openFileSource(path);
  },
  kind(path) {
    try {
      const s = statSync(path, { throwIfNoEntry: false });
      return s === undefined ? undefined : s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
    } catch (e) {
      if (absent(e)) return undefined;
      throw io(e, path);
    }
  },
  resolve(path, base) {
    return base === undefined ? resolve(path) : resolve(base, path);
  },
};
