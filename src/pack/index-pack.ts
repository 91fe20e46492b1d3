/**
 * Indexing a pack without an idx: what `git index-pack` does (builtin/index-pack.c), in two
 * passes: index-scan.ts reads every entry once, front to back, hashing whole objects;
 * index-resolve.ts then resolves the deltas, depth first from each whole object.
 */
import type { Backend, HashOptions } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import type { IndexEntries } from './idx/index.js';
import { scanPack, type ScannedPack } from './index-scan.js';
import { resolveDeltas, type ResolveTables } from './index-resolve.js';
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

/**
 * What an idx is written from, and what verify compares with an idx: each entry's id, offset
 * and CRC-32 (arrays indexed by entry number in pack order), the pack's checksum.
 */
export interface PackIndex extends IndexEntries {
  readonly version: 2 | 3;
  readonly packSize: number;
  readonly packChecksum: Uint8Array;
}

/** Everything learnt about a pack; arrays are indexed by entry number in pack order. */
export interface IndexedPack extends PackIndex {
  readonly offsets: Float64Array;
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
 * checksum checked, and what `verify -v` prints of each (types, sizes, chains).
 * @throws PACK_CORRUPT, DELTA_CORRUPT, CHECKSUM_MISMATCH (with the offset or object concerned),
 *         SHA1_COLLISION (an object that is part of a collision attack, with its offset),
 *         OBJECT_MISSING for a delta whose base is not in the pack (a thin pack).
 * @example
 *   const indexed = indexPack(openFileSource(path), backend);
 *   writeFileSync(idxPath, encodeIdx(indexed, indexed.packChecksum, backend));
 */
export function indexPack(source: ByteSource, backend: Backend, options: IndexPackOptions = {}): IndexedPack {
  const { scan, tables } = indexWith(source, backend, options, true);
  return indexedPackOf(scan, tables);
}

/**
 * Index a pack for its idx alone: `indexPack` without what only `verify -v` prints, in about
 * half the memory (per object: its id, a 32-bit offset below 4 GiB, its CRC-32 and a few bytes
 * while deltas are resolved).
 * @throws as indexPack.
 * @example
 *   const indexed = indexPackCore(openFileSource(path), backend);
 *   writeFileSync(idxPath, encodeIdx(indexed, indexed.packChecksum, backend));
 */
export function indexPackCore(source: ByteSource, backend: Backend, options: IndexPackOptions = {}): PackIndex {
  return packIndexOf(indexWith(source, backend, options, false).scan);
}

/** The PackIndex of a pack whose deltas are resolved (for threaded index-pack). */
export function packIndexOf(scan: ScannedPack): PackIndex {
  const { format, count, oids, offsets, crc32s, version, packSize, packChecksum } = scan;
  return { format, count, oids, offsets, crc32s, version, packSize, packChecksum };
}

/** The IndexedPack of a pack scanned and resolved with details (for threaded index-pack). */
export function indexedPackOf(scan: ScannedPack, tables: ResolveTables): IndexedPack {
  const { format, count, oids, crc32s, version, packSize, packChecksum, types } = scan;
  return {
    format, count, oids, offsets: scan.offsets as Float64Array, crc32s, version, packSize, packChecksum,
    packTypes: scan.packTypes!, types, sizes: scan.sizes!, depths: tables.depths!, bases: tables.bases!,
  };
}

function indexWith(source: ByteSource, backend: Backend, options: IndexPackOptions, details: boolean): { scan: ScannedPack; tables: ResolveTables } {
  try {
    const format = options.format ?? 'sha1';
    const progress = options.onProgress;
    const hashOptions: HashOptions = { collisionDetection: options.collisionDetection ?? true };
    const scan = scanPack(source, backend, format, hashLength(format), {
      chunkSize: options.chunkSize ?? 1 << 20,
      hashOptions,
      details,
      weights: false,
      progress: progress && ((done, total) => progress({ phase: 'indexing', done, total })),
    });
    const tables = resolveDeltas(scan, source, backend, hashOptions, details, progress && ((done, total) => progress({ phase: 'resolving', done, total })));
    return { scan, tables };
  } catch (e) {
    throw e instanceof XtestPackError ? e.withFile(source.name) : e;
  }
}
