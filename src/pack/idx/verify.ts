/**
 * Checking a pack index whole, as `git verify-pack` does before it trusts one: the trailing
 * checksum, every id in its fan-out bucket and in strict order, a large-offset table of at most
 * n - 1 entries (git's reader's limit), every large-offset reference inside the table and
 * every large offset below 2^53. Opening (idx-file.ts) checks only the
 * layout; this pass reads every byte.
 */
import { TRAILER_HASH, type Backend } from '../../backend/types.js';
import { XtestPackError } from '../../errors.js';
import { bytesEqual, compareBytes } from '../bytes.js';
import { toHex } from '../oid.js';
import type { IdxFile } from './idx-file.js';
import { readU32, type IdxLayout } from './layout.js';

/** Bytes hashed at a time when the idx is not in memory. */
const CHUNK = 1 << 20;

/**
 * Check the whole of `idx`: its checksum, then its entries.
 * @throws CHECKSUM_MISMATCH (the idx checksum), IDX_CORRUPT naming the offset and entry of the
 *         first inconsistency, and the file.
 * @example
 *   verifyIdx(IdxFile.open(bytesSource(bytes), 'sha1'), backend);
 */
export function verifyIdx(idx: IdxFile, backend: Backend): void {
  try {
    if (!idxChecksumHolds(idx.source, idx.layout, backend)) {
      throw new XtestPackError('CHECKSUM_MISMATCH', `idx checksum does not match its contents (${idx.format})`, {
        offset: idx.layout.size - idx.layout.hashLength,
      });
    }
    verifyEntries(idx.source.bytes ?? idx.source.read(0, idx.layout.size), idx.layout);
  } catch (e) {
    throw e instanceof XtestPackError ? e.withFile(idx.source.name) : e;
  }
}

/** Does the trailing checksum of the idx in `source` hash what precedes it, with the layout's hash? */
export function idxChecksumHolds(source: IdxFile['source'], layout: Pick<IdxLayout, 'format' | 'hashLength' | 'size'>, backend: Backend): boolean {
  const body = layout.size - layout.hashLength;
  const hasher = backend.createHash(layout.format, TRAILER_HASH);
  if (source.bytes !== undefined) {
    hasher.update(source.bytes.subarray(0, body));
  } else {
    const buf = new Uint8Array(Math.min(CHUNK, body));
    for (let at = 0; at < body; at += buf.length) {
      const part = buf.subarray(0, Math.min(buf.length, body - at));
      source.readInto(at, part);
      hasher.update(part);
    }
  }
  return bytesEqual(hasher.digest(), source.read(body, layout.hashLength));
}

function verifyEntries(bytes: Uint8Array, layout: IdxLayout): void {
  const { count: n, hashLength: h, fanout, oidsAt, oidStride, offAt, largeAt, largeCount } = layout;
  // git's check_packed_git_idx allows n - 1 large offsets at most (the first object, at offset
  // 12, never needs one), and so refuses even the idx it writes with --index-version=2,0.
  if (largeCount > Math.max(0, n - 1)) {
    throw new XtestPackError('IDX_CORRUPT', `${largeCount} large offsets for ${n} objects: git reads at most ${Math.max(0, n - 1)}`, { offset: largeAt });
  }
  let prev: Uint8Array | undefined;
  let bucket = 0;
  for (let i = 0; i < n; i++) {
    const at = oidsAt + i * oidStride;
    const oid = bytes.subarray(at, at + h);
    while (fanout[bucket]! <= i) bucket++;
    if (oid[0] !== bucket) {
      throw new XtestPackError('IDX_CORRUPT', `entry ${i} (${toHex(oid)}) is outside its fan-out bucket`, { offset: at });
    }
    if (prev && compareBytes(prev, oid) > 0) {
      throw new XtestPackError('IDX_CORRUPT', `entry ${i} (${toHex(oid)}) is out of order`, { offset: at });
    }
    prev = oid;
    if (layout.version === 2) {
      const v = readU32(bytes, offAt + i * 4);
      if (v & 0x80000000 && (v & 0x7fffffff) >= largeCount) {
        throw new XtestPackError('IDX_CORRUPT', `entry ${i} refers to large offset ${v & 0x7fffffff} of ${largeCount}`, { offset: offAt + i * 4 });
      }
    }
  }
  for (let j = 0; j < largeCount; j++) {
    const at = largeAt + j * 8;
    if (readU32(bytes, at) >= 2 ** 21) throw new XtestPackError('IDX_CORRUPT', `large offset ${j} is beyond 2^53`, { offset: at });
  }
}
