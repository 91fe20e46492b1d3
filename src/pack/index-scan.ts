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
import { OBJ_OFS_DELTA, OBJ_REF_DELTA, objectHeader, toHex, typeName, type ObjectFormat } from './oid.js';
import { PACK_HEADER_LENGTH, checkDeclaredSize, decodePackHeader } from './pack-header.js';
import type { ByteSource } from './source.js';

/** REF_DELTA entries: their entry numbers and base ids (and, once sorted, their order by base id). */
export interface RefDeltas {
  count: number;
  entries: Uint32Array;
  oids: Uint8Array;
  sorted: Uint32Array;
}

/** What pass 1 learns; arrays are indexed by entry number in pack order. */
export interface ScannedPack {
  readonly format: ObjectFormat;
  readonly version: 2 | 3;
  readonly count: number;
  readonly packSize: number;
  /** Where the trailer starts: the end of the entries. */
  readonly end: number;
  readonly packChecksum: Uint8Array;
  readonly offsets: Float64Array;
  readonly sizes: Float64Array;
  readonly headerLengths: Uint8Array;
  readonly packTypes: Uint8Array;
  /** Resolved type: set for whole objects, 0 for deltas until pass 2. */
  readonly types: Uint8Array;
  readonly crc32s: Uint32Array;
  /** Ids: set for whole objects, zero for deltas until pass 2. */
  readonly oids: Uint8Array;
  /** Base offset of each OFS_DELTA (-1 for others). */
  readonly baseOffsets: Float64Array;
  readonly refs: RefDeltas | undefined;
  readonly deltaCount: number;
}

/**
 * Pass 1 over the pack in `source`; object ids hashed with `hashOptions` (collision detection
 * unless told otherwise), the pack's checksum with the trailer hash.
 * @throws PACK_CORRUPT, PACK_UNSUPPORTED, CHECKSUM_MISMATCH (the trailer), SHA1_COLLISION, with
 *         the offset.
 */
export function scanPack(
  source: ByteSource,
  backend: Backend,
  format: ObjectFormat,
  h: number,
  chunkSize: number,
  hashOptions: HashOptions,
  progress: ((done: number, total: number) => void) | undefined,
): ScannedPack {
  const packSize = source.size;
  const headerBytes = source.read(0, Math.min(PACK_HEADER_LENGTH, packSize));
  const { version, count: n } = decodePackHeader(headerBytes, packSize, h);
  const end = packSize - h;
  const offsets = new Float64Array(n);
  const sizes = new Float64Array(n);
  const headerLengths = new Uint8Array(n);
  const packTypes = new Uint8Array(n);
  const types = new Uint8Array(n);
  const crc32s = new Uint32Array(n);
  const oids = new Uint8Array(n * h);
  const baseOffsets = new Float64Array(n).fill(-1);
  let refs: RefDeltas | undefined;

  // ---- pass 1: one sequential scan
  const packHasher = backend.createHash(format, TRAILER_HASH);
  const win = new Window(source, end, packHasher, chunkSize);
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
    sizes[i] = hdr.size;
    headerLengths[i] = hdr.headerLength;
    packTypes[i] = hdr.type;
    if (hdr.type === OBJ_OFS_DELTA) {
      baseOffsets[i] = hdr.baseOffset;
      deltaCount++;
    } else if (hdr.type === OBJ_REF_DELTA) {
      refs ??= { count: 0, entries: new Uint32Array(n), oids: new Uint8Array(n * h), sorted: new Uint32Array(0) };
      refs.entries[refs.count] = i;
      refs.oids.set(win.buf.subarray(hdr.baseOidAt, hdr.baseOidAt + h), refs.count * h);
      refs.count++;
      deltaCount++;
    }
    const { data, consumed } = win.inflate(dataStart, hdr.size, backend, offset);
    const entryEnd = dataStart + consumed;
    crc32s[i] = backend.crc32(win.buf.subarray(offset - win.start, entryEnd - win.start));
    if (hdr.type < OBJ_OFS_DELTA) {
      types[i] = hdr.type;
      oids.set(hashObject(backend, format, hashOptions, hdr.type, data, offset), i * h);
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

  return { format, version, count: n, packSize, end, packChecksum, offsets, sizes, headerLengths, packTypes, types, crc32s, oids, baseOffsets, refs, deltaCount };
}

/**
 * The id of an object of `type` (1-4) with `data`, whose entry is at `offset`.
 * @throws SHA1_COLLISION naming the offset.
 */
export function hashObject(backend: Backend, format: ObjectFormat, hashOptions: HashOptions, type: number, data: Uint8Array, offset: number): Uint8Array {
  try {
    return backend.createHash(format, hashOptions).update(objectHeader(typeName(type)!, data.length)).update(data).digest();
  } catch (e) {
    throw e instanceof XtestPackError ? e.at({ offset }) : e;
  }
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
  inflate(dataStart: number, size: number, backend: Backend, entryOffset: number): { data: Uint8Array; consumed: number } {
    let want = size + (size >>> 8) + 64;
    for (;;) {
      this.ensure(entryOffset, dataStart - entryOffset + want);
      const input = this.buf.subarray(dataStart - this.start);
      const r = backend.inflate(input, size);
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
