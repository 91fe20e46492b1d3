/**
 * Writing a file so that it is either absent or complete under its final name: write a
 * temporary sibling, then rename it into place.
 */
import { chmodSync, closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ioError } from '../errors.js';

/**
 * Write `data` to `path` atomically, with permission `mode` (before umask).
 * @throws IO
 * @example
 *   writeFileAtomic('pack-1.idx', idxBytes, 0o444);
 */
export function writeFileAtomic(path: string, data: Uint8Array, mode = 0o644): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done);
    closeSync(fd);
    fd = undefined;
    chmodSync(tmp, mode & ~process.umask());
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw ioError(e, { file: path }, 'write');
  }
}
