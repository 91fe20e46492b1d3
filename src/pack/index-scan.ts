/**
 * index-pack, pass 1 (builtin/index-pack.c `parse_pack_objects`): read the pack once, front to
 * back, through a sliding window: each entry's header, its zlib stream (inflated to find where
 * it ends and, for whole objects, to hash it), the CRC-32 of its packed bytes, and the running
 * checksum of the whole pack, which must equal the trailer.
 */
import { TRAILER_HASH, type Backend, type HashOptions } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { bytesEqual } from './bytes.js';
import { decodeEntryHeader } from './entry.js';
import { ObjectHasher, ScratchInflater } from './index-buffers.js';
import { OBJ_OFS_DELTA, OBJ_REF_DELTA, toHex, type ObjectFormat } from './oid.js';
import { PACK_HEADER_LENGTH, checkDeclaredSize, decodePackHeader } from './pack-header.js';
import type { ByteSource } from './source.js';

/** REF_DELTA entries: their entry numbers and base ids (and, once sorted, their order by base id). */
export interface RefDeltas {
  count: number;
  entries: Uint32Array;
  oids: Uint8Array;
  sorted: Uint32Array;
}

/** Makes the buffer behind a table: a SharedArrayBuffer when worker threads share the tables. */
export type Allocate = (byteLength: number) => ArrayBufferLike;

/** Plain memory, for a scan one thread reads. */
export const allocateLocal: Allocate = (byteLength) => new ArrayBuffer(byteLength);

export interface ScanOptions {
  /** Bytes read at a time. */
  chunkSize: number;
  /** How object ids are hashed (collision detection unless told otherwise). */
  hashOptions: HashOptions;
  /** Keep each entry's stored type, declared size and base (`packTypes`, `sizes`, `bases`): what verify -v prints. */
  details: boolean;
  /** Keep a work estimate per entry (`weights`), for splitting pass 2 between threads. */
  weights: boolean;
  /** Where the tables live (default: plain ArrayBuffers). */
  allocate?: Allocate;
  progress?: ((done: number, total: number) => void) | undefined;
}

/**
 * The OFS_DELTAs as (child, base) pairs of entry numbers, two 32-bit words each, in pack order
 * after pass 1, sorted by base then child once planned (read as one 64-bit number, base in the
 * high word: `BigUint64Array.prototype.sort` orders them in place, with no comparator and no
 * copy). `pairs` has room for every entry; only the pages of the first `count` pairs are ever
 * touched.
 */
export interface OfsDeltas {
  readonly pairs: Uint32Array;
  count: number;
  /** The first OFS_DELTA (entry number) whose base offset is not where an entry starts, or -1. */
  badBase: number;
}

/** Index of a pair's child and base words in `OfsDeltas.pairs` (the base is the high word). */
export const PAIR_CHILD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;
export const PAIR_BASE = 1 - PAIR_CHILD;

/**
 * What pass 1 learns; arrays are indexed by entry number in pack order. Per entry: 4 bytes of
 * offset (8 past 4 GiB, or with `details`), 4 of CRC-32, the id, 1 of type, and 8 per
 * OFS_DELTA; with `details` 13 more (stored type, declared size, base), with `weights` 4 more.
 */
export interface ScannedPack {
  readonly format: ObjectFormat;
  readonly version: 2 | 3;
  readonly count: number;
  readonly packSize: number;
  /** Where the trailer starts: the end of the entries. */
  readonly end: number;
  readonly packChecksum: Uint8Array;
  /** Entry offsets: 32 bits while the pack is at most 4 GiB (and `details` is off), else 64. */
  readonly offsets: Float64Array | Uint32Array;
  readonly crc32s: Uint32Array;
  /** Ids: set for whole objects, zero for deltas until pass 2. */
  readonly oids: Uint8Array;
  /** Resolved type (1-4): set for whole objects, 0 for deltas until pass 2. */
  readonly types: Uint8Array;
  readonly ofs: OfsDeltas;
  readonly refs: RefDeltas | undefined;
  readonly deltaCount: number;
  /** With `details`: the type as stored (1-4, 6, 7) and the declared size of each entry. */
  readonly packTypes: Uint8Array | undefined;
  readonly sizes: Float64Array | undefined;
  /** With `details`: the base of each OFS_DELTA (pass 2 fills in REF_DELTAs), -1 for whole objects. */
  readonly bases: Int32Array | undefined;
  /** With `weights`: bytes an entry makes pass 2 hash (its size, a delta's result size). */
  readonly weights: Float32Array | undefined;
}

/**
 * Pass 1 over the pack in `source`; object ids hashed with `options.hashOptions`, the pack's
 * checksum with the trailer hash.
 * @throws PACK_CORRUPT, PACK_UNSUPPORTED, CHECKSUM_MISMATCH (the trailer), SHA1_COLLISION, with
 *         the offset.
 */
export function scanPack(source: ByteSource, backend: Backend, format: ObjectFormat, h: number, options: ScanOptions): ScannedPack {
  const { hashOptions, progress, details } = options;
  const allocate = options.allocate ?? allocateLocal;
  const packSize = source.size;
  const headerBytes = source.read(0, Math.min(PACK_HEADER_LENGTH, packSize));
  const { version, count: n } = decodePackHeader(headerBytes, packSize, h);
  const end = packSize - h;
  const offsets = details || end > 2 ** 32 ? new Float64Array(allocate(n * 8)) : new Uint32Array(allocate(n * 4));
  const crc32s = new Uint32Array(n);
  const oids = new Uint8Array(allocate(n * h));
  const types = new Uint8Array(allocate(n));
  const ofs: OfsDeltas = { pairs: new Uint32Array(allocate(n * 8)), count: 0, badBase: -1 };
  const packTypes = details ? new Uint8Array(n) : undefined;
  const sizes = details ? new Float64Array(n) : undefined;
  const bases = details ? new Int32Array(allocate(n * 4)).fill(-1) : undefined;
  const weights = options.weights ? new Float32Array(n) : undefined;
  let refs: RefDeltas | undefined;

  // ---- pass 1: one sequential scan
  const packHasher = backend.createHash(format, TRAILER_HASH);
  const ids = new ObjectHasher(backend, format, hashOptions);
  const inflater = new ScratchInflater(backend);
  const win = new Window(source, end, packHasher, options.chunkSize);
  win.hashPrefix(PACK_HEADER_LENGTH);
  let offset = PACK_HEADER_LENGTH;
  let deltaCount = 0;
  for (let i = 0; i < n; i++) {
    if (offset >= end) {
      throw new XtestPackError('PACK_CORRUPT', `truncated: object ${i + 1} of ${n} starts at the trailer`, { offset });
    }
    win.ensure(offset, 64);
    const at = offset - win.start;
    const hdr = decodeEntryHeader(win.buf, at, offset, h);
    const dataStart = offset + hdr.headerLength;
    checkDeclaredSize(hdr.size, end - dataStart, offset);
    offsets[i] = offset;
    if (packTypes) packTypes[i] = hdr.type;
    if (sizes) sizes[i] = hdr.size;
    if (hdr.type === OBJ_OFS_DELTA) {
      // The base is an earlier entry: found now, while only earlier offsets are there to search.
      const b = findOffset(offsets, i, hdr.baseOffset);
      if (b >= 0) {
        const k = ofs.count++;
        ofs.pairs[2 * k + PAIR_CHILD] = i;
        ofs.pairs[2 * k + PAIR_BASE] = b;
        if (bases) bases[i] = b;
      } else if (ofs.badBase < 0) {
        ofs.badBase = i;
      }
      deltaCount++;
    } else if (hdr.type === OBJ_REF_DELTA) {
      refs = addRef(refs, i, win.buf.subarray(hdr.baseOidAt, hdr.baseOidAt + h), h);
      deltaCount++;
    }
    const { data, consumed } = win.inflate(dataStart, hdr.size, inflater, offset);
    const entryEnd = dataStart + consumed;
    crc32s[i] = backend.crc32(win.buf.subarray(offset - win.start, entryEnd - win.start));
    if (hdr.type < OBJ_OFS_DELTA) {
      types[i] = hdr.type;
      oids.set(ids.hash(hdr.type, data, offset), i * h);
      if (weights) weights[i] = data.length;
    } else if (weights) {
      weights[i] = resultSizeOf(data);
    }
    offset = entryEnd;
    if (progress) progress(i + 1, n);
  }
  if (offset !== end) {
    throw new XtestPackError('PACK_CORRUPT', `${end - offset} bytes of junk after the last object`, { offset });
  }
  const packChecksum = win.finish();
  win.release();
  const trailer = source.read(end, h);
  if (!bytesEqual(trailer, packChecksum)) {
    throw new XtestPackError(
      'CHECKSUM_MISMATCH',
      `pack trailer ${toHex(trailer)} does not match the pack's checksum ${toHex(packChecksum)}`,
      { offset: end },
    );
  }

  return { format, version, count: n, packSize, end, packChecksum, offsets, crc32s, oids, types, ofs, refs, deltaCount, packTypes, sizes, bases, weights };
}

/** Binary search for `offset` among the first `limit` (ascending) offsets: its index, or -1. */
function findOffset(offsets: Float64Array | Uint32Array, limit: number, offset: number): number {
  let lo = 0;
  let hi = limit;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = offsets[mid]!;
    if (v === offset) return mid;
    if (v < offset) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

/** Record REF_DELTA entry `i` based on `oid`; the lists grow by doubling (most packs have none). */
function addRef(refs: RefDeltas | undefined, i: number, oid: Uint8Array, h: number): RefDeltas {
  refs ??= { count: 0, entries: new Uint32Array(64), oids: new Uint8Array(64 * h), sorted: new Uint32Array(0) };
  if (refs.count === refs.entries.length) {
    const entries = new Uint32Array(refs.count * 2);
    entries.set(refs.entries);
    const oids = new Uint8Array(refs.count * 2 * h);
    oids.set(refs.oids);
    refs.entries = entries;
    refs.oids = oids;
  }
  refs.entries[refs.count] = i;
  refs.oids.set(oid, refs.count * h);
  refs.count++;
  return refs;
}

/** The result size a delta's header declares, or 0 when it cannot be read (pass 2 reports that). */
function resultSizeOf(delta: Uint8Array): number {
  let p = 0;
  for (let field = 0; field < 2; field++) {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (p >= delta.length || mul > 2 ** 49) return 0;
      const c = delta[p++]!;
      v += (c & 0x7f) * mul;
      mul *= 128;
      if (!(c & 0x80)) break;
    }
    if (field === 1) return v;
  }
  return 0;
}

/**
 * A forward-only window over the pack that also feeds every byte it passes to the pack hash.
 * One buffer is reused (grown only for an object larger than it), so a scan allocates
 * nothing per chunk.
 */
class Window {
  /** The bytes present, a view of #store from `start`. */
  buf: Uint8Array = new Uint8Array(0);
  #store: Uint8Array = new Uint8Array(0);
  /** Absolute offset of buf[0]. */
  start = 0;
  #hashedTo = 0;
  readonly #source: ByteSource;
  readonly #end: number;
  readonly #hasher: ReturnType<Backend['createHash']>;
  readonly #chunk: number;

  constructor(source: ByteSource, end: number, hasher: ReturnType<Backend['createHash']>, chunk: number) {
    this.#source = source;
    this.#end = end;
    this.#hasher = hasher;
    this.#chunk = chunk;
  }

  /** Hash the pack header, read separately. */
  hashPrefix(length: number): void {
    this.ensure(0, length);
  }

  /** Make bytes [offset, offset + n) present (fewer at the end of the entries). */
  ensure(offset: number, n: number): void {
    const want = Math.min(n, this.#end - offset);
    const bufEnd = this.start + this.buf.length;
    if (bufEnd - offset >= want) return;
    if (offset > this.#hashedTo) {
      this.#hasher.update(this.buf.subarray(this.#hashedTo - this.start, offset - this.start));
      this.#hashedTo = offset;
    }
    const keepLength = bufEnd - offset;
    const readLength = Math.min(Math.max(want - keepLength, this.#chunk), this.#end - bufEnd);
    const total = keepLength + readLength;
    if (total > this.#store.length) {
      const next = new Uint8Array(Math.max(total, this.#chunk * 2));
      next.set(this.buf.subarray(offset - this.start));
      this.#store = next;
    } else {
      this.#store.copyWithin(0, offset - this.start, bufEnd - this.start);
    }
    this.#source.readInto(bufEnd, this.#store.subarray(keepLength, total));
    this.buf = this.#store.subarray(0, total);
    this.start = offset;
  }

  /** Inflate the zlib stream at `dataStart`, growing the window until the stream ends. */
  inflate(dataStart: number, size: number, inflater: ScratchInflater, entryOffset: number): { data: Uint8Array; consumed: number } {
    let want = size + (size >>> 8) + 64;
    for (;;) {
      this.ensure(entryOffset, dataStart - entryOffset + want);
      const input = this.buf.subarray(dataStart - this.start);
      const r = inflater.inflate(input, size);
      if (r.ok) return r;
      if (r.reason === 'truncated' && this.start + this.buf.length < this.#end) {
        want = Math.max(want * 2, input.length * 2);
        continue;
      }
      const what = r.reason === 'truncated' ? 'truncated: zlib stream runs into the trailer' : r.detail;
      throw new XtestPackError('PACK_CORRUPT', `object data: ${what}`, { offset: entryOffset });
    }
  }

  /** Let go of the buffer (pass 2 does not need it). */
  release(): void {
    this.buf = new Uint8Array(0);
    this.#store = this.buf;
  }

  /** Hash the rest of the entries and return the pack checksum. */
  finish(): Uint8Array {
    const bufEnd = this.start + this.buf.length;
    if (bufEnd > this.#hashedTo) this.#hasher.update(this.buf.subarray(this.#hashedTo - this.start));
    this.#hashedTo = bufEnd;
    return this.#hasher.digest();
  }
}
