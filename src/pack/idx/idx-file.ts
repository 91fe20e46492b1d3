/**
 * Reading a pack index: one reader over any ByteSource (a file read with positional reads, or
 * bytes in memory, which it views without copying).
 *
 * Opening reads the head and trailer and checks what git's `check_packed_git_idx` checks:
 * magic, version, a fan-out that never decreases, and a size that fits the layout of the count
 * the fan-out declares (layout.ts), so every later read lies inside the file whatever the
 * entries say. That is O(1) in the number of objects: a checkout of one file from a pack of a
 * million objects reads a few KiB of its idx. What opening does not check (id order, buckets,
 * the checksum: verify.ts checks those whole, as `git verify-pack` does) is caught as it is
 * used: a large-offset reference past the table is IDX_CORRUPT, an out-of-order table only
 * makes a lookup miss, every object read through it is hashed and compared with its id by its
 * reader, and PackFile checks each offset against the pack.
 */
import { XtestPackError } from '../../errors.js';
import { compareBytes } from '../bytes.js';
import type { ObjectFormat } from '../oid.js';
import type { ByteSource } from '../source.js';
import { IDX_HEAD_LENGTH, decodeIdxHead, idxLayout, readU32, type IdxLayout } from './layout.js';

/**
 * A lookup reads all the ids of a range that fits in this many bytes at once, instead of probing
 * them one read at a time: one read of a whole fan-out bucket up to a pack of some 8 million
 * SHA-1 objects (a read is a system call and its Node wrapper; 32 KiB more of a page-cached
 * file is a few microseconds).
 */
const SLICE_BYTES = 32 << 10;

/**
 * An idx read in place is read whole, and then viewed in memory, once its lookups have read as
 * many bytes as the file holds (as git's mmap of it would have paged in): a reader of a few
 * objects reads a few KiB of a large idx, one that looks up every object (cat-file --batch-check
 * on a million ids) stops making two or three reads per lookup, and neither reads more than
 * twice what it had to. Up to this size; above it the idx stays in place.
 */
const HOLD_LIMIT = 1 << 30;

/**
 * An open pack index.
 * @example
 *   const idx = IdxFile.open(openFileSource('pack-1.idx'), 'sha1');
 *   const pack = PackFile.open(openFileSource('pack-1.pack'), idx, backend);
 */
export class IdxFile {
  readonly source: ByteSource;
  readonly layout: IdxLayout;
  readonly version: 1 | 2;
  readonly format: ObjectFormat;
  readonly count: number;
  readonly packChecksum: Uint8Array;
  readonly idxChecksum: Uint8Array;
  /** The whole file when the source holds it in memory, or once read whole: viewed, never copied. */
  #bytes: Uint8Array | undefined;
  /** Bytes read in place so far (see HOLD_LIMIT). */
  #bytesRead = 0;
  /** Scratch for one id or one 64-bit offset. */
  readonly #probe: Uint8Array;
  /** Scratch for the ids a lookup reads at once (SLICE_BYTES, made on first use). */
  #slice: Uint8Array | undefined;

  /**
   * Open the idx in `source` for `format` ids: reads and checks its head and trailer.
   * @throws IDX_CORRUPT (bad magic or version, a decreasing fan-out, a size that does not fit
   *         the count), naming the idx and the offset.
   * @example
   *   const idx = IdxFile.open(bytesSource(idxBytes), 'sha256');
   */
  static open(source: ByteSource, format: ObjectFormat): IdxFile {
    try {
      const size = source.size;
      const head = decodeIdxHead(source.read(0, Math.min(IDX_HEAD_LENGTH, size)), size);
      return new IdxFile(source, idxLayout(head, size, format));
    } catch (e) {
      throw e instanceof XtestPackError ? e.withFile(source.name) : e;
    }
  }

  private constructor(source: ByteSource, layout: IdxLayout) {
    const h = layout.hashLength;
    this.source = source;
    this.layout = layout;
    this.version = layout.version;
    this.format = layout.format;
    this.count = layout.count;
    this.#bytes = source.bytes;
    this.#probe = new Uint8Array(Math.max(h, 8));
    const trailer = source.read(layout.trailerAt, 2 * h);
    this.packChecksum = trailer.subarray(0, h);
    this.idxChecksum = trailer.subarray(h);
  }

  /** Index of `oid` in sorted order, or -1: a binary search in its fan-out bucket. */
  find(oid: Uint8Array): number {
    const { hashLength: h, fanout, oidsAt, oidStride: stride } = this.layout;
    if (oid.length !== h) return -1;
    const first = oid[0]!;
    let lo = first === 0 ? 0 : fanout[first - 1]!;
    let hi = fanout[first]!;
    if (this.#bytes === undefined) {
      // Narrow with single probes until the rest of the bucket is one read.
      const probe = this.#probe.subarray(0, h);
      while ((hi - lo - 1) * stride + h > SLICE_BYTES) {
        const mid = (lo + hi) >>> 1;
        this.#readInto(oidsAt + mid * stride, probe);
        const c = compareBytes(probe, oid);
        if (c === 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
      }
    }
    if (lo >= hi) return -1;
    const span = this.#span(oidsAt + lo * stride, (hi - lo - 1) * stride + h);
    // From the first byte: an idx not verified whole may hold an id outside its bucket.
    const i = searchIds(span, stride, hi - lo, oid);
    return i < 0 ? -1 : lo + i;
  }

  /** Entries whose id starts with the hex `prefix` (at most `limit`), in id order. */
  findPrefix(prefix: string, limit = 16): number[] {
    const hex = prefix.toLowerCase();
    const h = this.layout.hashLength;
    if (!/^[0-9a-f]+$/.test(hex) || hex.length > 2 * h) return [];
    const whole = new Uint8Array(hex.length >> 1);
    for (let k = 0; k < whole.length; k++) whole[k] = parseInt(hex.slice(2 * k, 2 * k + 2), 16);
    const nibble = hex.length % 2 === 1 ? parseInt(hex[hex.length - 1]!, 16) : -1;
    const probe = this.#probe.subarray(0, h);
    // < 0: entry i sorts before every id with the prefix; 0: it has the prefix.
    const cmp = (i: number): number => {
      const oid = this.#oidInto(i, probe);
      for (let k = 0; k < whole.length; k++) {
        const d = oid[k]! - whole[k]!;
        if (d !== 0) return d;
      }
      return nibble < 0 ? 0 : (oid[whole.length]! >> 4) - nibble;
    };
    const { fanout } = this.layout;
    const from = hex.length >= 2 ? whole[0]! : nibble * 16;
    const to = hex.length >= 2 ? from : from + 15;
    let lo = from === 0 ? 0 : fanout[from - 1]!;
    let hi = fanout[to]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(mid) < 0) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo, end = fanout[to]!; i < end && out.length < limit && cmp(i) === 0; i++) out.push(i);
    return out;
  }

  /** The id of entry `i`: a view of the source's bytes when in memory, else a copy. */
  oidAt(i: number): Uint8Array {
    this.#checkIndex(i);
    const { oidsAt, oidStride, hashLength: h } = this.layout;
    const at = oidsAt + i * oidStride;
    return this.#bytes !== undefined ? this.#bytes.subarray(at, at + h) : this.#read(at, h);
  }

  /**
   * The pack offset of entry `i` (not checked against the pack: PackFile does that).
   * @throws IDX_CORRUPT for a large-offset reference past the table or an offset beyond 2^53.
   */
  offsetAt(i: number): number {
    this.#checkIndex(i);
    const { offAt, offStride, largeAt, largeCount } = this.layout;
    const at = offAt + i * offStride;
    const v = this.#u32(at);
    if (this.version === 1 || !(v & 0x80000000)) return v;
    const j = v & 0x7fffffff;
    if (j >= largeCount) {
      throw new XtestPackError('IDX_CORRUPT', `entry ${i} refers to large offset ${j} of ${largeCount}`, { file: this.source.name, offset: at });
    }
    const hi = this.#u32(largeAt + j * 8);
    if (hi >= 2 ** 21) {
      throw new XtestPackError('IDX_CORRUPT', `large offset ${j} is beyond 2^53`, { file: this.source.name, offset: largeAt + j * 8 });
    }
    return hi * 2 ** 32 + this.#u32(largeAt + j * 8 + 4);
  }

  /** The CRC-32 of entry `i`'s packed bytes (version 2 only). */
  crc32At(i: number): number | undefined {
    this.#checkIndex(i);
    return this.version === 1 ? undefined : this.#u32(this.layout.crcAt + i * 4);
  }

  #checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`idx entry ${i} is not in 0..${this.count - 1}`);
  }

  /** Entry `i`'s id in `into`, or viewed in place. */
  #oidInto(i: number, into: Uint8Array): Uint8Array {
    const at = this.layout.oidsAt + i * this.layout.oidStride;
    if (this.#bytes !== undefined) return this.#bytes.subarray(at, at + into.length);
    this.#readInto(at, into);
    return into;
  }

  #u32(at: number): number {
    return readU32(this.#span(at, 4), 0);
  }

  /** `length` bytes at `at`: a view of the source's bytes, or read into scratch (valid until the next read). */
  #span(at: number, length: number): Uint8Array {
    if (this.#bytes !== undefined) return this.#bytes.subarray(at, at + length);
    const into = length <= this.#probe.length ? this.#probe.subarray(0, length) : (this.#slice ??= new Uint8Array(SLICE_BYTES)).subarray(0, length);
    this.#readInto(at, into);
    return into;
  }

  #read(at: number, length: number): Uint8Array {
    const into = new Uint8Array(length);
    this.#readInto(at, into);
    return into;
  }

  #readInto(at: number, into: Uint8Array): void {
    try {
      this.source.readInto(at, into);
      this.#bytesRead += into.length;
      if (this.#bytesRead >= this.source.size && this.source.size <= HOLD_LIMIT) this.#bytes = this.source.read(0, this.source.size);
    } catch (e) {
      throw e instanceof XtestPackError ? e.withFile(this.source.name) : e;
    }
  }
}

/**
 * Binary search for `oid` among `count` sorted ids in `bytes`, the first at 0, one every
 * `stride` bytes. Its index among them, or -1.
 */
export function searchIds(bytes: Uint8Array, stride: number, count: number, oid: Uint8Array): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const p = mid * stride;
    let c = 0;
    for (let k = 0; k < oid.length; k++) {
      c = bytes[p + k]! - oid[k]!;
      if (c !== 0) break;
    }
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}
