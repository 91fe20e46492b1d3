/**
 * Opening an idx whose object format is not known: the layout tells when only one id length
 * fits the file's size, the trailing checksum when both do.
 */
import type { Backend } from '../../backend/types.js';
import { XtestPackError } from '../../errors.js';
import { hashLength, type ObjectFormat } from '../oid.js';
import type { ByteSource } from '../source.js';
import { IdxFile } from './idx-file.js';
import { IDX_HEAD_LENGTH, decodeIdxHead, formatsFitting, idxLayout } from './layout.js';
import { idxChecksumHolds, verifyIdx } from './verify.js';

export interface OpenIdxOptions {
  /** The object format of the ids; inferred when not given. */
  format?: ObjectFormat;
  /** Check the whole idx (checksum, order, buckets, large offsets), as `git verify-pack` does. */
  verify?: boolean;
}

/**
 * Open the idx in `source`, inferring its object format unless told, and check it whole with
 * `verify: true`.
 * @throws IDX_CORRUPT (a head or size no idx of either format has; with `verify`, any
 *         inconsistency), CHECKSUM_MISMATCH (the format must be decided by a checksum that
 *         holds for neither, or `verify` finds it wrong), naming the idx.
 * @example
 *   const idx = openIdx(bytesSource(readFileSync(p), 'pack-1.idx'), backend, { verify: true });
 */
export function openIdx(source: ByteSource, backend: Backend, options: OpenIdxOptions = {}): IdxFile {
  const format = options.format ?? idxFormat(source, backend);
  const idx = IdxFile.open(source, format);
  if (options.verify) verifyIdx(idx, backend);
  return idx;
}

/**
 * The object format of the idx in `source`: from its size when only one format fits, else the
 * one whose checksum holds (the whole idx is read only then).
 * @throws IDX_CORRUPT, CHECKSUM_MISMATCH as openIdx.
 * @example
 *   idxFormat(openFileSource('pack-1.idx'), backend) // 'sha1'
 */
export function idxFormat(source: ByteSource, backend: Backend): ObjectFormat {
  const size = source.size;
  try {
    const head = decodeIdxHead(source.read(0, Math.min(IDX_HEAD_LENGTH, size)), size);
    const fits = formatsFitting(head, size);
    if (fits.length === 0) idxLayout(head, size, 'sha1'); // throws, naming the size and count
    if (fits.length === 1) return fits[0]!;
    for (const f of fits) if (idxChecksumHolds(source, idxLayout(head, size, f), backend)) return f;
    throw new XtestPackError('CHECKSUM_MISMATCH', 'idx checksum does not match its contents', { offset: size - hashLength('sha1') });
  } catch (e) {
    throw e instanceof XtestPackError ? e.withFile(source.name) : e;
  }
}
