/**
 * Writing a deterministic `.tar.gz`: tar/write.ts, then gzip/write.ts (pako): the same entries,
 * in any order, give the same bytes on every machine and backend (for a pako version).
 */
import { gzipMember } from './gzip/write.js';
import type { TarEntry } from './tar/header.js';
import { encodeTar } from './tar/write.js';

/**
 * Encode entries as a deterministic `.tar.gz`: the same entries, in any order, give the same
 * bytes on every machine and backend (for a pako version).
 * @throws RangeError / TypeError for an entry the format cannot hold or that is malformed
 *         (unsafe or duplicate path, a path below a file, a name that does not fit the ustar
 *         name and prefix fields, a link target over 100 bytes, a mode beyond 0o7777, data on a
 *         directory), naming the path; RangeError for a level outside 0-9.
 * @example
 *   const gz = encodeTarGz([{ path: 'a/b.txt', type: 'file', mode: 0o644, data: bytes }]);
 *   // a/ (added, 0755) then a/b.txt, mtime 0, owner 0/0
 */
export function encodeTarGz(entries: readonly TarEntry[], options: { level?: number | undefined } = {}): Uint8Array {
  const level = options.level ?? 9;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`encodeTarGz: level must be an integer from 0 to 9, not ${level}`);
  return gzipMember(encodeTar(entries), level);
}
