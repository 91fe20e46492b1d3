/**
 * Indexing a pack without an idx: what `git index-pack` does (builtin/index-pack.c), in two
 * passes: index-scan.ts reads every entry once, front to back, hashing whole objects;
 * index-resolve.ts then resolves the deltas, depth first from each whole object.
 */
import type { Backend, HashOptions } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import type { IndexEntries } from './idx/index.js';
import { scanPack } from './index-scan.js';
import { resolveDeltas } from './index-resolve.js';
import { hashLength, type ObjectFormat } from './oid.js';
import type { ByteSource } from './source.js';

export interface IndexProgress {
  phase: 'indexing' | 'resolving';
  done: number;
  total: number;
}

export interface IndexPackOptions {
  /** Object format of the pack's ids (the pack does not say): sha1 unless told. */
  format?: ObjectFormat;
  /** Called as objects are indexed and deltas resolved. */
  onProgress?: (p: IndexProgress) => void;
  /** Bytes read from the pack at a time in pass 1 (default 1 MiB). */
  chunkSize?: number;
  /**
   * Hash SHA-1 object ids with collision detection (default true, as git). false skips the
   * search for collision attacks (only that: every id is still computed and every checksum
   * checked) and hashes with the backend's plain SHA-1, several times faster: for packs whose
   * origin is trusted.
   */
  collisionDetection?: boolean;
}

/** Everything learnt about a pack; arrays are indexed by entry number in pack order. */
export interface IndexedPack extends IndexEntries {
  readonly version: 2 | 3;
  readonly packSize: number;
  readonly packChecksum: Uint8Array;
  /** Type as stored in the pack (1-4, 6, 7). */
  readonly packTypes: Uint8Array;
  /** Resolved object type (1-4). */
  readonly types: Uint8Array;
  /** Declared size: of the object, or of its delta data. */
  readonly sizes: Float64Array;
  /** Delta chain length (0 for whole objects). */
  readonly depths: Uint32Array;
  /** Entry number of the delta base (-1 for whole objects). */
  readonly bases: Int32Array;
}

/**
 * Index a pack: every object's id, offset and CRC-32, with deltas resolved and the trailer
 * checksum checked.
 * @throws PACK_CORRUPT, DELTA_CORRUPT, CHECKSUM_MISMATCH (with the offset or object concerned),
 *         SHA1_COLLISION (an object that is part of a collision attack, with its offset),
 *         OBJECT_MISSING for a delta whose base is not in the pack (a thin pack).
 * @example
 *   const indexed = indexPack(openFileSource(path), backend);
 *   writeFileSync(idxPath, encodeIdx(indexed, indexed.packChecksum, backend));
 */
export function indexPack(source: ByteSource, backend: Backend, options: IndexPackOptions = {}): IndexedPack {
  try {
    return indexPackInner(source, backend, options);
  } catch (e) {
    throw e instanceof XtestPackError ? e.withFile(source.name) : e;
  }
}

function indexPackInner(source: ByteSource, backend: Backend, options: IndexPackOptions): IndexedPack {
  const format = options.format ?? 'sha1';
  const h = hashLength(format);
  const progress = options.onProgress;
  const hashOptions: HashOptions = { collisionDetection: options.collisionDetection ?? true };
  const scan = scanPack(source, backend, format, h, options.chunkSize ?? 1 << 20, hashOptions, progress && ((done, total) => progress({ phase: 'indexing', done, total })));
  const { depths, bases } = resolveDeltas(scan, source, backend, h, hashOptions, progress && ((done, total) => progress({ phase: 'resolving', done, total })));
  const { count, oids, offsets, crc32s, version, packSize, packChecksum, packTypes, types, sizes } = scan;
  return { format, count, oids, offsets, crc32s, version, packSize, packChecksum, packTypes, types, sizes, depths, bases };
}
