/**
 * Random access to the objects of a pack through its idx: read by id or offset, delta chains
 * resolved in a loop (no recursion, any depth), a byte-budgeted cache of delta bases (git's
 * core.deltaBaseCacheLimit), and every read a positional read of exactly one entry's bytes.
 * Checking an object (`checkObject`) holds no delta result larger than LARGE_OBJECT: it hashes
 * such a result as it reads it in pieces (delta-stream.ts).
 */
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { bytesEqual } from './bytes.js';
import { applyDelta, decodeDeltaHeader } from './delta.js';
import { DeltaResult, LARGE_OBJECT, hashObjectBytes, type DeltaBase } from './delta-stream.js';
import { decodeEntryHeader } from './entry.js';
import type { IdxFile } from './idx/index.js';
import { OBJ_OFS_DELTA, OBJ_REF_DELTA, hashLength, toHex, typeName, type ObjectType } from './oid.js';
import { PACK_HEADER_LENGTH, checkDeclaredSize, decodePackHeader } from './pack-header.js';
import type { ByteSource } from './source.js';

export interface PackObject {
  type: ObjectType;
  data: Uint8Array;
}

/** Bytes read first for an entry: enough for any header and most small objects. */
const ENTRY_HEADER_READ = 4096;

/**
 * The read window of a pack not held in memory. A read that does not fit in it refills it at
 * its offset: with what it needs (at least ENTRY_HEADER_READ) when it jumps elsewhere, with
 * twice as much as last time, up to WINDOW, when it follows on from the window (a walk in pack
 * order). Neither allocates; reads larger than WINDOW get a buffer of their own.
 */
const WINDOW = 1 << 20;

/** One entry as stored: its pack type (1-4, OBJ_OFS_DELTA, OBJ_REF_DELTA) and inflated data. */
export interface PackEntry {
  type: number;
  /** The object's bytes, or the delta's. */
  data: Uint8Array;
  /** OBJ_OFS_DELTA: the base's offset (-1 otherwise). */
  baseOffset: number;
  /** OBJ_REF_DELTA: the base's id. */
  baseOid?: Uint8Array;
}

/** git's default core.deltaBaseCacheLimit. */
export const DEFAULT_DELTA_BASE_CACHE_LIMIT = 96 << 20;

/** A least-recently-used cache of delta bases by pack offset, bounded by bytes held. */
export class DeltaBaseCache {
  readonly limit: number;
  #used = 0;
  readonly #map = new Map<number, PackObject>();

  constructor(limit = DEFAULT_DELTA_BASE_CACHE_LIMIT) {
    this.limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  get(offset: number): PackObject | undefined {
    const v = this.#map.get(offset);
    if (v) {
      this.#map.delete(offset);
      this.#map.set(offset, v);
    }
    return v;
  }

  set(offset: number, obj: PackObject): void {
    if (obj.data.length > this.limit || this.#map.has(offset)) return;
    this.#map.set(offset, obj);
    this.#used += obj.data.length;
    for (const [k, v] of this.#map) {
      if (this.#used <= this.limit) break;
      this.#map.delete(k);
      this.#used -= v.data.length;
    }
  }
}

export interface PackFileOptions {
  /** Shared or private delta-base cache (default: a private one of 96 MiB). */
  cache?: DeltaBaseCache;
}

export interface ReadOptions {
  /** Hash the object and compare with the id asked for (default true). */
  verify?: boolean;
}

/** An open pack with its idx. */
export class PackFile {
  readonly source: ByteSource;
  readonly idx: IdxFile;
  readonly backend: Backend;
  readonly version: 2 | 3;
  readonly #cache: DeltaBaseCache;
  readonly #end: number;
  #window: Uint8Array | undefined;
  /** What `window` last returned an index into. */
  #windowBytes: Uint8Array = new Uint8Array(0);
  #windowAt = 0;
  #windowLength = 0;
  /** Bytes the next refill that follows on from the window reads. */
  #readAhead = ENTRY_HEADER_READ;
  /** The whole pack once read whole (see `holdWhenRead`). */
  #held: Uint8Array | undefined;
  /** Read the pack whole once refills have read as many bytes as it holds, up to this size (0: never). */
  #holdLimit = 0;
  #bytesRead = 0;

  /**
   * Open a pack: checks its header, that its object count is the idx's, and that its
   * trailer is the pack checksum the idx names. O(1) in the number of objects: each offset the
   * idx gives is checked when it is used (as git's `use_pack` does), so that an idx read in
   * place is never read whole.
   * @throws PACK_CORRUPT, PACK_UNSUPPORTED, IDX_MISMATCH
   * @example
   *   const pack = PackFile.open(openFileSource(p), IdxFile.open(openFileSource(i), 'sha1'), backend);
   */
  static open(source: ByteSource, idx: IdxFile, backend: Backend, options: PackFileOptions = {}): PackFile {
    const h = hashLength(idx.format);
    try {
      const header = decodePackHeader(source.read(0, Math.min(PACK_HEADER_LENGTH, source.size)), source.size, h);
      if (header.count !== idx.count) {
        throw new XtestPackError('IDX_MISMATCH', `pack holds ${header.count} objects, its idx lists ${idx.count}`, {
          offset: 8,
        });
      }
      const trailer = source.read(source.size - h, h);
      if (!bytesEqual(trailer, idx.packChecksum)) {
        throw new XtestPackError(
          'IDX_MISMATCH',
          `pack trailer ${toHex(trailer)} is not the checksum ${toHex(idx.packChecksum)} its idx names`,
          { offset: source.size - h },
        );
      }
      return new PackFile(source, idx, backend, header.version, options.cache ?? new DeltaBaseCache());
    } catch (e) {
      throw e instanceof XtestPackError ? e.withFile(source.name) : e;
    }
  }

  private constructor(source: ByteSource, idx: IdxFile, backend: Backend, version: 2 | 3, cache: DeltaBaseCache) {
    this.source = source;
    this.idx = idx;
    this.backend = backend;
    this.version = version;
    this.#cache = cache;
    this.#end = source.size - hashLength(idx.format);
  }

  /** Where the objects end: the offset of the pack's trailer. */
  get objectsEnd(): number {
    return this.#end;
  }

  /** True when the idx lists `oid`. */
  has(oid: Uint8Array): boolean {
    return this.idx.find(oid) >= 0;
  }

  /**
   * The offset of `oid`'s entry, or -1 when this pack does not hold it.
   * @throws IDX_CORRUPT when the idx places it outside the pack's objects.
   * @example
   *   const offset = pack.locate(oid); if (offset >= 0) pack.readAt(offset);
   */
  locate(oid: Uint8Array): number {
    const i = this.idx.find(oid);
    return i < 0 ? -1 : this.#offsetOf(i, oid);
  }

  /**
   * Up to `length` bytes at `offset` (fewer where the objects end), viewed in place: in the
   * source's bytes when it holds them, else in the pack's read window. Valid until the next
   * read of this pack; never to be modified.
   * @throws IO from the source.
   * @example
   *   const head = pack.view(offset, 32); decodeEntryHeader(head, 0, offset, 20);
   */
  view(offset: number, length: number): Uint8Array {
    const at = this.window(offset, length);
    const end = Math.min(offset + length, this.#end);
    return this.#windowBytes.subarray(at, at + end - offset);
  }

  /**
   * `view` without making a view, for loops over many entries: makes up to `length` bytes at
   * `offset` (fewer where the objects end) available in `windowBytes`, and returns where they
   * start there. Valid until the next read of this pack.
   * @throws IO from the source.
   * @example
   *   const at = pack.window(offset, 32); decodeEntryHeader(pack.windowBytes, at, offset, 20);
   */
  window(offset: number, length: number): number {
    const end = Math.min(offset + length, this.#end);
    const bytes = this.#held ?? this.source.bytes;
    if (bytes !== undefined) {
      this.#windowBytes = bytes;
      return offset;
    }
    const at = this.#windowAt;
    if (offset >= at && end <= at + this.#windowLength) {
      this.#windowBytes = this.#window!;
      return offset - at;
    }
    const want = end - offset;
    if (want > WINDOW) {
      this.#windowBytes = this.source.read(offset, want);
      this.#bytesRead += want;
      return 0;
    }
    const follows = this.#windowLength > 0 && offset >= at && offset <= at + this.#windowLength + ENTRY_HEADER_READ;
    this.#readAhead = follows ? Math.min(WINDOW, this.#readAhead * 2) : ENTRY_HEADER_READ;
    const fill = Math.min(this.#end - offset, Math.max(want, this.#readAhead));
    const win = (this.#window ??= new Uint8Array(WINDOW));
    this.#windowLength = 0;
    this.source.readInto(offset, win.subarray(0, fill));
    this.#bytesRead += fill;
    if (this.#holdLimit > 0 && this.#bytesRead >= this.source.size && this.source.size <= this.#holdLimit) {
      this.#held = this.source.read(0, this.source.size);
    }
    this.#windowAt = offset;
    this.#windowLength = fill;
    this.#windowBytes = win;
    return 0;
  }

  /**
   * Read the pack whole, and view it in memory from then on, once the reads made in place have
   * read as many bytes as the pack holds (at most twice what was needed), when it is at most
   * `limit` bytes: for a reader that jumps all over a pack, one read per object (cat-file
   * --batch on a million ids), where git's mmap of the pack pages it in.
   * @example
   *   pack.holdWhenRead(1 << 30); for (const o of offsets) pack.readShared(o);
   */
  holdWhenRead(limit: number): void {
    this.#holdLimit = limit;
  }

  /** The bytes the last `window` call made available (the source's own, or the read window). */
  get windowBytes(): Uint8Array {
    return this.#windowBytes;
  }

  /**
   * The object `oid`, or `undefined` when this pack does not hold it.
   * @throws OID_MISMATCH when the bytes do not hash to `oid`, SHA1_COLLISION when they are part
   *         of a collision attack (both unless `verify: false`), and the errors of `readAt`.
   * @example
   *   const obj = pack.findObject(oid); // { type: 'blob', data }
   */
  findObject(oid: Uint8Array, options: ReadOptions = {}): PackObject | undefined {
    const i = this.idx.find(oid);
    if (i < 0) return undefined;
    const offset = this.#offsetOf(i, oid);
    const obj = this.readAt(offset);
    if (options.verify ?? true) this.#verify(oid, offset, obj.type, obj.data);
    return obj;
  }

  /**
   * Check the object `oid` as `findObject` does (its bytes hashed and compared with the id)
   * without holding it whole: a delta result larger than LARGE_OBJECT is hashed as it is read
   * in pieces. Its type and size, or `undefined` when this pack does not hold it.
   * @throws OID_MISMATCH, SHA1_COLLISION, and the errors of `readAt`.
   * @example
   *   const { type, size } = pack.checkObject(oid)!; // cat-file -s of a 1 GiB blob, in little memory
   */
  checkObject(oid: Uint8Array): { type: ObjectType; size: number } | undefined {
    const i = this.idx.find(oid);
    if (i < 0) return undefined;
    const offset = this.#offsetOf(i, oid);
    let obj: { type: ObjectType; data: DeltaBase };
    try {
      obj = this.#readChain(offset, true, true);
    } catch (e) {
      throw e instanceof XtestPackError ? e.withFile(this.source.name) : e;
    }
    this.#verify(oid, offset, obj.type, obj.data);
    return { type: obj.type, size: obj.data.length };
  }

  /** Hash an object's bytes and compare with `oid`, the id it was read by. */
  #verify(oid: Uint8Array, offset: number, type: ObjectType, data: DeltaBase): void {
    let actual: Uint8Array;
    try {
      actual = hashObjectBytes(this.backend, this.idx.format, {}, type, data);
    } catch (e) {
      throw e instanceof XtestPackError ? e.at({ file: this.source.name, offset, oid: toHex(oid) }) : e;
    }
    if (!bytesEqual(actual, oid)) {
      throw new XtestPackError('OID_MISMATCH', `content hashes to ${toHex(actual)}`, {
        file: this.source.name,
        offset,
        oid: toHex(oid),
      });
    }
  }

  /**
   * The object whose entry starts at `offset`, with its delta chain applied.
   * @throws PACK_CORRUPT, DELTA_CORRUPT (a cycle, a bad delta), OBJECT_MISSING (a REF_DELTA
   *         base not in this pack), naming the offset.
   */
  readAt(offset: number): PackObject {
    try {
      return this.#readChain(offset, false, true) as PackObject;
    } catch (e) {
      throw e instanceof XtestPackError ? e.withFile(this.source.name) : e;
    }
  }

  /**
   * `readAt` without a copy: the bytes may be the delta-base cache's own, or (a delta's result)
   * a view of `scratch` when it is large enough, so the caller reads them and lets go before
   * the next read (a writer of many objects, such as cat-file --batch).
   * @throws the errors of `readAt`.
   * @example
   *   const { type, data } = pack.readShared(offset, scratch); out.write(data);
   */
  readShared(offset: number, scratch?: Uint8Array): PackObject {
    try {
      return this.#readChain(offset, false, false, scratch) as PackObject;
    } catch (e) {
      throw e instanceof XtestPackError ? e.withFile(this.source.name) : e;
    }
  }

  /**
   * The entry at `offset` as stored: its pack type, and its data inflated (a delta's own bytes
   * for a delta), no delta applied.
   * @throws PACK_CORRUPT, IDX_CORRUPT naming the pack and offset.
   * @example
   *   const e = pack.readEntry(offset); if (e.type === OBJ_OFS_DELTA) decodeDeltaHeader(e.data);
   */
  readEntry(offset: number): PackEntry {
    try {
      return this.#readEntry(offset);
    } catch (e) {
      throw e instanceof XtestPackError ? e.withFile(this.source.name) : e;
    }
  }

  /**
   * The object at `offset`; with `large`, a delta result over LARGE_OBJECT (or one of a base
   * that is) stays a DeltaResult, read in pieces, never built.
   */
  #readChain(offset: number, large: boolean, copy: boolean, into?: Uint8Array): { type: ObjectType; data: DeltaBase } {
    const cached = this.#cache.get(offset);
    if (cached) return { type: cached.type, data: large || !copy ? cached.data : cached.data.slice() };
    const deltas: { offset: number; data: Uint8Array }[] = [];
    const seen = new Set<number>();
    let cur = offset;
    let base: { type: ObjectType; data: DeltaBase } | undefined;
    for (;;) {
      seen.add(cur);
      if (deltas.length > 0) base = this.#cache.get(cur);
      if (base) break;
      const e = this.#readEntry(cur);
      if (e.type < OBJ_OFS_DELTA) {
        const whole = { type: typeName(e.type)!, data: e.data };
        if (deltas.length > 0) this.#cache.set(cur, whole);
        base = whole;
        break;
      }
      deltas.push({ offset: cur, data: e.data });
      const next = e.type === OBJ_OFS_DELTA ? e.baseOffset : this.#refBase(e.baseOid!, cur);
      if (seen.has(next)) {
        throw new XtestPackError('DELTA_CORRUPT', `delta chain loops back to offset ${next}`, { offset: cur });
      }
      cur = next;
    }
    for (let k = deltas.length - 1; k >= 0; k--) {
      const d = deltas[k]!;
      let data: DeltaBase;
      try {
        data = large ? applyLarge(base.data, d.data) : applyDelta(base.data as Uint8Array, d.data, k === 0 ? into : undefined);
      } catch (e) {
        if (e instanceof XtestPackError) throw new XtestPackError(e.code, e.reason, { offset: d.offset, cause: e });
        throw e;
      }
      base = { type: base.type, data };
      if (k > 0 && data instanceof Uint8Array) this.#cache.set(d.offset, { type: base.type, data });
    }
    return base;
  }

  #refBase(oid: Uint8Array, at: number): number {
    const i = this.idx.find(oid);
    if (i < 0) {
      throw new XtestPackError('OBJECT_MISSING', `delta base ${toHex(oid)} is not in this pack`, { offset: at });
    }
    return this.#offsetOf(i, oid);
  }

  /**
   * The offset idx entry `i` (of `oid`) names, checked to lie among the pack's objects. (Two ids
   * at one offset are caught when read: the bytes there hash to only one of them.)
   * @throws IDX_CORRUPT naming the pack, the offset and the object.
   */
  #offsetOf(i: number, oid: Uint8Array): number {
    let o: number;
    try {
      o = this.idx.offsetAt(i);
    } catch (e) {
      throw e instanceof XtestPackError && e.oid === undefined
        ? new XtestPackError(e.code, e.reason, { file: e.file, offset: e.offset, oid: toHex(oid), cause: e })
        : e;
    }
    if (o < PACK_HEADER_LENGTH || o >= this.#end) {
      throw new XtestPackError('IDX_CORRUPT', `the idx places the object at offset ${o}, outside the pack's objects (offsets ${PACK_HEADER_LENGTH} to ${this.#end - 1})`, {
        file: this.source.name,
        offset: o,
        oid: toHex(oid),
      });
    }
    return o;
  }

  /**
   * One entry's header and inflated data (object or delta): a read of what the declared size
   * needs, grown only for a stream that compresses worse than zlib's worst case, never past
   * the trailer.
   */
  #readEntry(offset: number): PackEntry {
    if (offset < PACK_HEADER_LENGTH || offset >= this.#end) {
      throw new XtestPackError('IDX_CORRUPT', `no object can start at offset ${offset}, outside the pack's objects`, { offset });
    }
    // The zlib stream ends itself; the extent only bounds the reads (up to the trailer).
    const extent = this.#end - offset;
    const h = hashLength(this.idx.format);
    let bytes = this.view(offset, ENTRY_HEADER_READ);
    const hdr = decodeEntryHeader(bytes, 0, offset, h);
    checkDeclaredSize(hdr.size, extent - hdr.headerLength, offset);
    let want = Math.min(extent, hdr.headerLength + hdr.size + Math.floor(hdr.size / 256) + 64);
    for (;;) {
      if (want > bytes.length) bytes = this.view(offset, want);
      const r = this.backend.inflate(bytes.subarray(hdr.headerLength), hdr.size);
      if (r.ok) {
        const out: PackEntry = { type: hdr.type, data: r.data, baseOffset: hdr.baseOffset };
        if (hdr.type === OBJ_REF_DELTA) out.baseOid = bytes.slice(hdr.baseOidAt, hdr.baseOidAt + h);
        return out;
      }
      if (r.reason === 'truncated' && bytes.length < extent) {
        want = Math.min(extent, bytes.length * 2);
        continue;
      }
      const what = r.reason === 'truncated' ? 'zlib stream runs into the trailer' : r.detail;
      throw new XtestPackError('PACK_CORRUPT', `object data: ${what}`, { offset });
    }
  }
}

/**
 * `delta` applied to `base`: built when the result is at most LARGE_OBJECT, else a DeltaResult
 * (checked whole, read in pieces).
 */
function applyLarge(base: DeltaBase, delta: Uint8Array): DeltaBase {
  const resultSize = delta.length >= 2 ? decodeDeltaHeader(delta).resultSize : 0;
  if (base instanceof Uint8Array && resultSize <= LARGE_OBJECT) return applyDelta(base, delta);
  const lazy = new DeltaResult(base, delta);
  if (lazy.length > LARGE_OBJECT) return lazy;
  const out = new Uint8Array(lazy.length);
  lazy.readInto(0, out);
  return out;
}
