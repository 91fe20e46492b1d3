/**
 * Writing packs (gitformat-pack) the way `git pack-objects` does, deterministically:
 *
 - Objects are sorted by type, a hash of their path's last characters and size (git's
 *   `type_size_sort`, with the id as the last key, so input order never matters).
 * - Each is tried against the previous `window` objects of its type; a delta is kept only when
 *   it is smaller than half the object (git's `try_delta` limits, scaled down by the base's
 *   depth) and the chain stays within `depth`.
 * - It is written at once, in that same order, so its base is always already in the pack
 *   (OFS_DELTA); every entry is deflated with pako (never the platform zlib, whose output
 *   varies by build) and streamed to the sink with the running checksum.
 *
 * Memory holds the window's objects, never the pack; each object is loaded once.
 */
import { TRAILER_HASH, type Backend } from '../backend/types.js';
import { createDeflater } from '../backend/portable.js';
import { XtestPackError } from '../errors.js';
import { createDelta, createDeltaIndex, type DeltaIndex } from './delta-encode.js';
import { encodeEntryHeader, encodeOfsDeltaDistance } from './entry.js';
import type { IndexEntries } from './idx/index.js';
import { OBJ_OFS_DELTA, hashLength, objectHeader, toHex, type ObjectFormat, type ObjectType } from './oid.js';
import { encodePackHeader } from './pack-header.js';

export interface PackObjectSource {
  readonly oid: Uint8Array;
  readonly type: ObjectType;
  readonly size: number;
  /** Where the object was found ('' when unknown): similar paths are tried as delta pairs. */
  readonly path: string;
  /** The object's bytes; called during the delta search and again when writing. */
  load(): Uint8Array;
}

export interface PackSink {
  write(chunk: Uint8Array): void;
}

export interface WritePackOptions {
  /** Objects each is compared with (default 10, as git). */
  window?: number;
  /** Longest delta chain (default 50, as git). */
  depth?: number;
  /** false writes every object whole (git's --no-delta; also window 0). */
  delta?: boolean;
  /** zlib level 0-9, -1 for zlib's default (6), as git's pack.compression default. */
  level?: number;
  /** Check each loaded object against its id (default true). */
  verify?: boolean;
  onProgress?: (p: { phase: 'writing'; done: number; total: number }) => void;
}

export interface WrittenPack extends IndexEntries {
  readonly checksum: Uint8Array;
  /** Objects written as deltas. */
  readonly deltas: number;
  readonly size: number;
}

/** git's prepare_pack() leaves objects smaller than this out of the delta search. */
const MIN_DELTA_SIZE = 50;

const TYPE_CODE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

/** git's pack_name_hash: the last characters of a path, so same-named files sort together. */
export function packNameHash(path: string): number {
  let hash = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) continue;
    hash = ((hash >>> 2) + ((c & 0xff) << 24)) >>> 0;
  }
  return hash;
}

function compareOid(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Write `objects` as a pack to `sink`.
 * @throws OID_MISMATCH when a loaded object does not hash to its id, SHA1_COLLISION when it is
 *         part of a collision attack (both unless `verify: false`).
 * @example
 *   const written = writePack(objects, { write: (b) => chunks.push(b) }, backend, 'sha1');
 *   const idx = encodeIdx(written, written.checksum, backend);
 */
export function writePack(
  input: readonly PackObjectSource[],
  sink: PackSink,
  backend: Backend,
  format: ObjectFormat,
  options: WritePackOptions = {},
): WrittenPack {
  const h = hashLength(format);
  const window = options.delta === false ? 0 : Math.max(0, options.window ?? 10);
  const maxDepth = Math.max(1, options.depth ?? 50);
  const level = options.level ?? -1;
  const verify = options.verify ?? true;
  const deflate = createDeflater(level);
  const progress = options.onProgress;

  // One object per id, in id order (the smallest path kept when an id comes with several): the
  // result must not depend on the input order.
  const objects = [...input]
    .sort((a, b) => compareOid(a.oid, b.oid) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .filter((o, i, all) => i === 0 || compareOid(all[i - 1]!.oid, o.oid) !== 0);
  const n = objects.length;
  for (const o of objects) {
    if (o.oid.length !== h) throw new RangeError(`writePack: object id of ${o.oid.length} bytes in a ${format} pack`);
  }
  const load = (i: number): Uint8Array => {
    const o = objects[i]!;
    const data = o.load();
    if (verify) {
      let actual: Uint8Array;
      try {
        actual = backend.createHash(format).update(objectHeader(o.type, data.length)).update(data).digest();
      } catch (e) {
        throw e instanceof XtestPackError ? e.at({ oid: toHex(o.oid) }) : e;
      }
      if (compareOid(actual, o.oid) !== 0) {
        throw new XtestPackError('OID_MISMATCH', `object loaded for packing hashes to ${toHex(actual)}`, { oid: toHex(o.oid) });
      }
    }
    return data;
  };

  // One pass in delta-search order: a base always comes before the objects deltified against
  // it, so each object is loaded once and written as soon as its delta is decided.
  const nameHash = objects.map((o) => packNameHash(o.path));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const oa = objects[a]!;
    const ob = objects[b]!;
    if (oa.type !== ob.type) return TYPE_CODE[ob.type] - TYPE_CODE[oa.type];
    if (nameHash[a] !== nameHash[b]) return nameHash[b]! - nameHash[a]!;
    if (oa.size !== ob.size) return ob.size - oa.size;
    return compareOid(oa.oid, ob.oid);
  });
  const depth = new Uint16Array(n);
  const offsets = new Float64Array(n);
  const outOids = new Uint8Array(n * h);
  const outOffsets = new Float64Array(n);
  const crc32s = new Uint32Array(n);
  const hasher = backend.createHash(format, TRAILER_HASH);
  let offset = 0;
  const emit = (b: Uint8Array) => {
    hasher.update(b);
    sink.write(b);
    offset += b.length;
  };
  emit(encodePackHeader(n));
  const ring: { i: number; data: Uint8Array; index: DeltaIndex | undefined }[] = [];
  let deltaCount = 0;
  order.forEach((i, done) => {
    const o = objects[i]!;
    const data = load(i);
    let best: Uint8Array | undefined;
    let bestBase = -1;
    // Objects under 50 bytes are neither deltified nor bases (git's prepare_pack).
    const candidate = window > 0 && data.length >= MIN_DELTA_SIZE;
    for (let k = candidate ? ring.length - 1 : -1; k >= 0; k--) {
      const m = ring[k]!;
      const mo = objects[m.i]!;
      if (mo.type !== o.type || depth[m.i]! >= maxDepth) continue;
      // git's try_delta: a target far smaller than the base is not worth it.
      if (data.length < m.data.length / 32 || data.length === 0 || m.data.length === 0) continue;
      // git's try_delta: at most half the object (less the id a REF base would cost), or less
      // than the best so far; scaled down for bases already deep in a chain.
      const refDepth = best ? depth[i]! : 1;
      let maxSize = best ? best.length : Math.floor(data.length / 2) - h;
      maxSize = Math.floor((maxSize * (maxDepth - depth[m.i]!)) / (maxDepth - refDepth + 1));
      // Bytes the target has beyond the base must be inserted: no room, no delta.
      if (maxSize <= 0 || data.length - m.data.length >= maxSize) continue;
      m.index ??= createDeltaIndex(m.data);
      const d = createDelta(m.index, data, maxSize);
      if (!d || d.length >= maxSize) continue;
      if (best && d.length === best.length && depth[m.i]! + 1 >= depth[i]!) continue;
      best = d;
      bestBase = m.i;
      depth[i] = depth[m.i]! + 1;
    }

    const start = offset;
    let parts: Uint8Array[];
    if (best) {
      deltaCount++;
      parts = [encodeEntryHeader(OBJ_OFS_DELTA, best.length), encodeOfsDeltaDistance(start - offsets[bestBase]!), deflate(best)];
    } else {
      depth[i] = 0;
      parts = [encodeEntryHeader(TYPE_CODE[o.type], data.length), deflate(data)];
    }
    let crc = 0;
    for (const p of parts) {
      crc = backend.crc32(p, crc);
      emit(p);
    }
    offsets[i] = start;
    outOids.set(o.oid, done * h);
    outOffsets[done] = start;
    crc32s[done] = crc;
    if (candidate) {
      ring.push({ i, data, index: undefined });
      if (ring.length > window) ring.shift();
    }
    progress?.({ phase: 'writing', done: done + 1, total: n });
  });
  const checksum = hasher.digest();
  sink.write(checksum);
  return {
    format,
    count: n,
    oids: outOids,
    offsets: outOffsets,
    crc32s,
    checksum,
    deltas: deltaCount,
    size: offset + h,
  };
}
