/**
 * Reading a `.tar.gz`: gzip/read.ts, then tar/read.ts. Loads no third-party module (inflate is
 * the backend's), so the test path reads artifacts with Node's built-ins alone.
 */
import type { Backend } from '../backend/types.js';
import { gunzip } from './gzip/read.js';
import type { TarEntry } from './tar/header.js';
import { decodeTar } from './tar/read.js';

export interface DecodeTarGzOptions {
  /** Largest inflated tar stream accepted, in bytes (default `DEFAULT_MAX_TAR_SIZE`, 1 GiB). */
  maxSize?: number | undefined;
  /** The file name errors are reported under. */
  file?: string | undefined;
}

/** Default bound on the inflated size `decodeTarGz` accepts: 1 GiB. */
export const DEFAULT_MAX_TAR_SIZE = 2 ** 30;

/**
 * Decode a `.tar.gz` into its entries, in archive order, checking everything on the way. File
 * data are views into one inflated buffer.
 * @throws ARCHIVE_CORRUPT (not gzip, damaged or truncated deflate data, CRC-32 or ISIZE
 *         mismatch, more than `maxSize` inflated bytes, a bad header checksum or field, a size
 *         beyond the end, a missing end of archive, trailing garbage, a hard link, device, FIFO,
 *         sparse or unknown entry type); UNSAFE_PATH (an absolute path, a `..`, `.` or empty
 *         component, a NUL, invalid UTF-8, a duplicate path, an entry below a file or symlink).
 *         One line naming `file`, the offset and the entry. RangeError for a bad `maxSize`.
 * @example
 *   const entries = decodeTarGz(readFileSync(f), getBackend(), { file: f });
 *   for (const e of entries) if (e.type === 'file') console.log(e.path, e.data.length);
 */
export function decodeTarGz(bytes: Uint8Array, backend: Backend, options: DecodeTarGzOptions = {}): TarEntry[] {
  const maxSize = options.maxSize ?? DEFAULT_MAX_TAR_SIZE;
  if (!Number.isSafeInteger(maxSize) || maxSize < 0) throw new RangeError(`decodeTarGz: maxSize must be a non-negative integer, not ${maxSize}`);
  const tar = gunzip(bytes, backend, maxSize, options.file);
  return decodeTar(tar, { file: options.file });
}
