/**
 * A pack index read in place (gitformat-pack, "pack-*.idx files have the following format"):
 * only the head is read when it is opened, then each lookup reads just the entries it needs.
 *
 *   version 1                               version 2
 *   fanout  256 x u32          <- read       magic, version         <- read at open
 *   entries N x (u32 offset, id)             fanout  256 x u32      <- read at open
 *                                            ids     N x id         <- binary search, small reads
 *                                            crc32   N x u32        <- one read per crc32At
 *                                            offset  N x u32        <- one read per offsetAt
 *                                            large   L x u64        <- one more read past 2^31
 *   trailer: pack checksum (read at open), idx checksum
 *
 * Opening checks what git's `check_packed_git_idx` checks: magic, version, a fan-out that never
 * decreases, and a length that fits the layout of the count the fan-out declares, so every
 * later read lies inside the file whatever the entries say. O(1) in the number of objects: a
 * checkout of one file from a pack of a million objects reads a few KiB of its idx, not all of
 * it. What is not checked up front (id order, buckets, the idx checksum; `decodeIdx` with
 * `check: 'full'` and `verifyPack` check those) is caught as it is used: a large-offset
 * reference past the table is IDX_CORRUPT, an out-of-order table only makes a lookup miss, and
 * every object read through it is hashed and compared with its id by its reader. Offsets are
 * checked against the pack by PackFile.
 */
import { XtestPackError } from '../errors.js';
import { compareBytes } from './bytes.js';
import { IDX_HEAD_LENGTH, decodeIdxHead, layoutFits, searchIds, type IdxLookup } from './idx.js';
import { hashLength, type ObjectFormat } from './oid.js';
import type { ByteSource } from './source.js';

const FANOUT_BYTES = 256 * 4;
/**
 * A lookup reads all the ids of a range that fits in this many bytes at once, instead of probing
 * them one read at a time: one read of a whole fan-out bucket up to a pack of some 8 million
 * SHA-1 objects (a read is a system call and its Node wrapper; 32 KiB more of a page-cached
 * file is a few microseconds).
 */
const SLICE_BYTES = 32 << 10;

/**
 * A pack index over a ByteSource, read with positional reads.
 * @example
 *   const idx = IdxReader.open(openFileSource('pack-1.idx'), 'sha1');
 *   const pack = PackFile.open(openFileSource('pack-1.pack'), idx, backend);
 */
export class IdxReader implements IdxLookup {
  readonly source: ByteSource;
  readonly version: 1 | 2;
  readonly format: ObjectFormat;
  readonly count: number;
  readonly packChecksum: Uint8Array;
  readonly idxChecksum: Uint8Array;
  /** Entries of the large-offset table (version 2). */
  readonly largeCount: number;
  readonly #fanout: Uint32Array;
  readonly #hashLen: number;
  readonly #oidsAt: number;
  readonly #oidStride: number;
  readonly #crcAt: number;
  readonly #offAt: number;
  readonly #offStride: number;
  readonly #largeAt: number;
  /** Scratch for one id or one 64-bit offset. */
  readonly #probe: Uint8Array;
  /** Scratch for the ids a lookup reads at once (SLICE_BYTES, made on first use). */
  #slice: Uint8Array | undefined;

  /**
   * Open the idx in `source` for lookups of `format` ids: reads and checks its head and trailer.
   * @throws IDX_CORRUPT (bad magic or version, a decreasing fan-out, a length that does not fit
   *         the count), naming the idx and the offset.
   * @example
   *   const idx = IdxReader.open(source, 'sha256');
   */
  static open(source: ByteSource, format: ObjectFormat): IdxReader {
    try {
      const size = source.size;
      const { version, fanout } = decodeIdxHead(source.read(0, Math.min(IDX_HEAD_LENGTH, size)), size);
      const n = fanout[255]!;
      const h = hashLength(format);
      if (!layoutFits(size, version, n, h)) {
        throw new XtestPackError('IDX_CORRUPT', `length ${size} does not fit a version ${version} idx of ${n} ${format} objects`, {
          offset: size,
        });
      }
      return new IdxReader(source, version, format, fanout);
    } catch (e) {
      throw e instanceof XtestPackError ? e.withFile(source.name) : e;
    }
  }

  private constructor(source: ByteSource, version: 1 | 2, format: ObjectFormat, fanout: Uint32Array) {
    const h = hashLength(format);
    const n = fanout[255]!;
    this.source = source;
    this.version = version;
    this.format = format;
    this.count = n;
    this.#fanout = fanout;
    this.#hashLen = h;
    this.#probe = new Uint8Array(Math.max(h, 8));
    if (version === 1) {
      this.#oidsAt = FANOUT_BYTES + 4;
      this.#oidStride = h + 4;
      this.#crcAt = -1;
      this.#offAt = FANOUT_BYTES;
      this.#offStride = h + 4;
      this.#largeAt = -1;
      this.largeCount = 0;
    } else {
      this.#oidsAt = 8 + FANOUT_BYTES;
      this.#oidStride = h;
      this.#crcAt = this.#oidsAt + n * h;
      this.#offAt = this.#crcAt + n * 4;
      this.#offStride = 4;
      this.#largeAt = this.#offAt + n * 4;
      this.largeCount = (source.size - 2 * h - this.#largeAt) / 8;
    }
    const trailer = source.read(source.size - 2 * h, 2 * h);
    this.packChecksum = trailer.subarray(0, h);
    this.idxChecksum = trailer.subarray(h);
  }

  /** Index of `oid` in sorted order, or -1: a binary search in its fan-out bucket. */
  find(oid: Uint8Array): number {
    const h = this.#hashLen;
    if (oid.length !== h) return -1;
    const first = oid[0]!;
    let lo = first === 0 ? 0 : this.#fanout[first - 1]!;
    let hi = this.#fanout[first]!;
    const stride = this.#oidStride;
    const probe = this.#probe.subarray(0, h);
    while ((hi - lo - 1) * stride + h > SLICE_BYTES) {
      const mid = (lo + hi) >>> 1;
      this.#readInto(this.#oidsAt + mid * stride, probe);
      const c = compareBytes(probe, oid);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= hi) return -1;
    const slice = (this.#slice ??= new Uint8Array(SLICE_BYTES)).subarray(0, (hi - lo - 1) * stride + h);
    this.#readInto(this.#oidsAt + lo * stride, slice);
    // From the first byte: this idx was not checked whole, and may hold an id outside its bucket.
    const i = searchIds(slice, 0, stride, hi - lo, oid, 0);
    return i < 0 ? -1 : lo + i;
  }

  /** The id of entry `i`, a copy. */
  oidAt(i: number): Uint8Array {
    this.#checkIndex(i);
    return this.#read(this.#oidsAt + i * this.#oidStride, this.#hashLen);
  }

  /**
   * The pack offset of entry `i`.
   * @throws IDX_CORRUPT for a large-offset reference past the table or an offset beyond 2^53.
   */
  offsetAt(i: number): number {
    this.#checkIndex(i);
    const at = this.#offAt + i * this.#offStride;
    const v = this.#u32(at);
    if (this.version === 1 || !(v & 0x80000000)) return v;
    const j = v & 0x7fffffff;
    if (j >= this.largeCount) {
      throw new XtestPackError('IDX_CORRUPT', `entry ${i} refers to large offset ${j} of ${this.largeCount}`, {
        file: this.source.name,
        offset: at,
      });
    }
    const largeAt = this.#largeAt + j * 8;
    const hi = this.#u32(largeAt);
    if (hi >= 2 ** 21) {
      throw new XtestPackError('IDX_CORRUPT', `large offset ${j} is beyond 2^53`, { file: this.source.name, offset: largeAt });
    }
    return hi * 2 ** 32 + this.#u32(largeAt + 4);
  }

  /** The CRC-32 of entry `i`'s packed bytes (version 2 only). */
  crc32At(i: number): number | undefined {
    this.#checkIndex(i);
    return this.version === 1 ? undefined : this.#u32(this.#crcAt + i * 4);
  }

  /** Entries whose id starts with the hex `prefix` (at most `limit`), in id order. */
  findPrefix(prefix: string, limit = 16): number[] {
    const hex = prefix.toLowerCase();
    if (!/^[0-9a-f]+$/.test(hex) || hex.length > 2 * this.#hashLen) return [];
    const whole = new Uint8Array(hex.length >> 1);
    for (let k = 0; k < whole.length; k++) whole[k] = parseInt(hex.slice(2 * k, 2 * k + 2), 16);
    const nibble = hex.length % 2 === 1 ? parseInt(hex[hex.length - 1]!, 16) : -1;
    // < 0: the id sorts before every id with the prefix; 0: it has the prefix.
    const cmp = (oid: Uint8Array): number => {
      for (let k = 0; k < whole.length; k++) {
        const d = oid[k]! - whole[k]!;
        if (d !== 0) return d;
      }
      return nibble < 0 ? 0 : (oid[whole.length]! >> 4) - nibble;
    };
    const from = hex.length >= 2 ? whole[0]! : nibble * 16;
    const to = hex.length >= 2 ? from : from + 15;
    let lo = from === 0 ? 0 : this.#fanout[from - 1]!;
    let hi = this.#fanout[to]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(this.oidAt(mid)) < 0) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo, end = this.#fanout[to]!; i < end && out.length < limit && cmp(this.oidAt(i)) === 0; i++) out.push(i);
    return out;
  }

  #checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`idx entry ${i} is not in 0..${this.count - 1}`);
  }

  #u32(at: number): number {
    const b = this.#probe.subarray(0, 4);
    this.#readInto(at, b);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  #read(at: number, length: number): Uint8Array {
    try {
      return this.source.read(at, length);
    } catch (e) {
      throw e instanceof XtestPackError ? e.withFile(this.source.name) : e;
    }
  }

  #readInto(at: number, into: Uint8Array): void {
    try {
      this.source.readInto(at, into);
    } catch (e) {
      throw e instanceof XtestPackError ? e.withFile(this.source.name) : e;
    }
  }
}
