/**
 * Pack index files (gitformat-pack, "pack-*.idx files have the following format").
 *
 *   version 1                               version 2
 *   fanout  256 x u32                        magic ff 74 4f 63, version u32 = 2
 *   entries N x (u32 offset, id)             fanout  256 x u32
 *                                            ids     N x id                (sorted)
 *                                            crc32   N x u32               (of each packed entry)
 *                                            offset  N x u32  (MSB set: index into large table)
 *                                            large   L x u64
 *   trailer: pack checksum, idx checksum (hash of everything before it)
 *
 * fanout[b] = number of ids whose first byte is <= b. The idx does not say which hash it
 * uses; `decodeIdx` infers it from the layout and the trailing checksum when not told.
 */
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { ByteWriter, bytesEqual } from './bytes.js';
import { hashLength, toHex, type ObjectFormat } from './oid.js';

const IDX_MAGIC = 0xff744f63;
const FANOUT_BYTES = 256 * 4;
/** Offsets above this go to the large-offset table (git's default off32_limit). */
const OFF32_LIMIT = 0x7fffffff;

/**
 * What random access needs from a pack index. Two implementations: `PackIndex` (decodeIdx: the
 * whole idx in memory, validated up front) and `IdxReader` (idx-reader.ts: positional reads of
 * just the entries asked for).
 */
export interface IdxLookup {
  readonly version: 1 | 2;
  readonly format: ObjectFormat;
  readonly count: number;
  readonly packChecksum: Uint8Array;
  /** Index of `oid` in sorted order, or -1. */
  find(oid: Uint8Array): number;
  /** The id of entry `i` (0 <= i < count). */
  oidAt(i: number): Uint8Array;
  /** The pack offset entry `i` names; not checked against the pack (PackFile does that). */
  offsetAt(i: number): number;
  /** The CRC-32 of entry `i`'s packed bytes (version 2 only). */
  crc32At(i: number): number | undefined;
  /** Entries whose id starts with the hex `prefix` (at most `limit`). */
  findPrefix(prefix: string, limit?: number): number[];
}

/** A decoded pack index: validated once, then read without copying. */
export class PackIndex implements IdxLookup {
  readonly version: 1 | 2;
  readonly format: ObjectFormat;
  readonly count: number;
  readonly packChecksum: Uint8Array;
  readonly idxChecksum: Uint8Array;
  readonly bytes: Uint8Array;
  readonly #hashLen: number;
  readonly #fanout: Uint32Array;
  readonly #view: DataView;
  readonly #oidsAt: number;
  readonly #oidStride: number;
  readonly #crcAt: number;
  readonly #offAt: number;
  readonly #largeAt: number;

  /** @internal use decodeIdx */
  constructor(bytes: Uint8Array, version: 1 | 2, format: ObjectFormat, fanout: Uint32Array) {
    this.bytes = bytes;
    this.version = version;
    this.format = format;
    const h = hashLength(format);
    this.#hashLen = h;
    this.#fanout = fanout;
    this.count = fanout[255]!;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = this.count;
    if (version === 1) {
      this.#oidsAt = FANOUT_BYTES + 4;
      this.#oidStride = h + 4;
      this.#crcAt = -1;
      this.#offAt = FANOUT_BYTES;
      this.#largeAt = -1;
    } else {
      this.#oidsAt = 8 + FANOUT_BYTES;
      this.#oidStride = h;
      this.#crcAt = this.#oidsAt + n * h;
      this.#offAt = this.#crcAt + n * 4;
      this.#largeAt = this.#offAt + n * 4;
    }
    this.packChecksum = bytes.subarray(bytes.length - 2 * h, bytes.length - h);
    this.idxChecksum = bytes.subarray(bytes.length - h);
  }

  /** The id of entry `i` (sorted order), as a view. */
  oidAt(i: number): Uint8Array {
    const at = this.#oidsAt + i * this.#oidStride;
    return this.bytes.subarray(at, at + this.#hashLen);
  }

  /** The pack offset of entry `i`. */
  offsetAt(i: number): number {
    if (this.version === 1) return this.#view.getUint32(this.#offAt + i * (this.#hashLen + 4));
    const v = this.#view.getUint32(this.#offAt + i * 4);
    if (!(v & 0x80000000)) return v;
    const at = this.#largeAt + (v & 0x7fffffff) * 8;
    // Checked here as well as in a full decode: an idx opened for reading is checked as used.
    if (at + 8 > this.bytes.length - 2 * this.#hashLen) {
      throw new XtestPackError('IDX_CORRUPT', `entry ${i} refers to a large offset the idx does not hold`, {
        offset: this.#offAt + i * 4,
        oid: toHex(this.oidAt(i)),
      });
    }
    const hi = this.#view.getUint32(at);
    if (hi >= 2 ** 21) throw new XtestPackError('IDX_CORRUPT', `large offset of entry ${i} is beyond 2^53`, { offset: at });
    return hi * 2 ** 32 + this.#view.getUint32(at + 4);
  }

  /** The CRC-32 of entry `i`'s packed bytes (version 2 only). */
  crc32At(i: number): number | undefined {
    return this.version === 1 ? undefined : this.#view.getUint32(this.#crcAt + i * 4);
  }

  /** Index of `oid` in sorted order, or -1. */
  find(oid: Uint8Array): number {
    const h = this.#hashLen;
    if (oid.length !== h) return -1;
    const first = oid[0]!;
    const lo = first === 0 ? 0 : this.#fanout[first - 1]!;
    const hi = this.#fanout[first]!;
    const i = searchIds(this.bytes, this.#oidsAt + lo * this.#oidStride, this.#oidStride, hi - lo, oid, 1);
    return i < 0 ? -1 : lo + i;
  }

  /** Entries whose id starts with the hex `prefix` (at most `limit`). */
  findPrefix(prefix: string, limit = 16): number[] {
    const hex = prefix.toLowerCase();
    if (!/^[0-9a-f]*$/.test(hex) || hex.length === 0) return [];
    const firstHex = hex.length >= 2 ? hex.slice(0, 2) : undefined;
    const from = firstHex ? parseInt(firstHex, 16) : parseInt(hex[0]!, 16) * 16;
    const to = firstHex ? from : from + 15;
    let i = from === 0 ? 0 : this.#fanout[from - 1]!;
    const end = this.#fanout[to]!;
    const out: number[] = [];
    for (; i < end && out.length < limit; i++) {
      if (toHex(this.oidAt(i)).startsWith(hex)) out.push(i);
    }
    return out;
  }
}

/**
 * Decode and validate an idx file: magic, version, exact length, monotone fan-out, sorted
 * ids, large-offset references, and the trailing checksum.
 * @param format  the object format, or `undefined` to infer it (the one whose checksum holds)
 * @throws IDX_CORRUPT naming the offset of the first inconsistency.
 * @example
 *   const idx = decodeIdx(await readFile(path), backend);
 */
export interface DecodeIdxOptions {
  /**
   * `full` (default): the checksum and every entry (order, buckets, large-offset references) are
   * checked up front, as `git verify-pack` does. `structure`: only what the layout needs (magic,
   * version, fan-out, exact length) — O(1) in the number of objects, as git opens an idx for
   * reading; entries are then checked as they are used, and every object read is still
   * verified against its id.
   */
  check?: 'full' | 'structure';
}

export function decodeIdx(bytes: Uint8Array, backend: Backend, format?: ObjectFormat, options: DecodeIdxOptions = {}): PackIndex {
  const full = (options.check ?? 'full') === 'full';
  const { version, fanout } = decodeIdxHead(bytes, bytes.length);
  const n = fanout[255]!;
  const formats: ObjectFormat[] = format ? [format] : ['sha1', 'sha256'];
  const fits = formats.filter((f) => layoutFits(bytes.length, version, n, hashLength(f)));
  if (fits.length === 0) {
    const f = formats.length === 1 ? formats[0]! : 'sha1';
    throw new XtestPackError(
      'IDX_CORRUPT',
      `length ${bytes.length} does not fit a version ${version} idx of ${n} ${f} objects`,
      { offset: bytes.length },
    );
  }
  // Both layouts can fit the same length; the checksum decides.
  let chosen: ObjectFormat | undefined = !full && fits.length === 1 ? fits[0] : undefined;
  for (const f of chosen === undefined ? fits : []) {
    const h = hashLength(f);
    const sum = backend.createHash(f).update(bytes.subarray(0, bytes.length - h)).digest();
    if (bytesEqual(sum, bytes.subarray(bytes.length - h))) {
      chosen = f;
      break;
    }
  }
  if (chosen === undefined) {
    const f = fits[0]!;
    throw new XtestPackError(
      'CHECKSUM_MISMATCH',
      fits.length === 1 && format !== undefined
        ? `idx checksum does not match its contents (${f})`
        : `idx checksum does not match its contents`,
      { offset: bytes.length - hashLength(f) },
    );
  }
  const idx = new PackIndex(bytes, version, chosen, fanout);
  if (full) validateEntries(idx, fanout);
  return idx;
}

/** Bytes at the start of an idx that tell its version and object count. */
export const IDX_HEAD_LENGTH = 8 + FANOUT_BYTES;

/** An idx's version and fan-out table, from its first IDX_HEAD_LENGTH bytes (or all, if fewer). */
export interface IdxHead {
  readonly version: 1 | 2;
  /** fanout[b]: how many ids have a first byte <= b; fanout[255] is the object count. */
  readonly fanout: Uint32Array;
}

/**
 * Decode and check the head of an idx of `size` bytes: magic and version, room for the fan-out
 * table, a fan-out that never decreases. O(1): nothing past the head is read.
 * @throws IDX_CORRUPT naming the offset.
 * @example
 *   const { version, fanout } = decodeIdxHead(source.read(0, Math.min(IDX_HEAD_LENGTH, source.size)), source.size);
 */
export function decodeIdxHead(head: Uint8Array, size: number): IdxHead {
  const version = head.length >= 8 && readU32(head, 0) === IDX_MAGIC ? readU32(head, 4) : 1;
  if (version !== 1 && version !== 2) {
    throw new XtestPackError('IDX_CORRUPT', `unsupported idx version ${version}`, { offset: 4 });
  }
  const fanAt = version === 2 ? 8 : 0;
  if (size < fanAt + FANOUT_BYTES || head.length < fanAt + FANOUT_BYTES) {
    throw new XtestPackError('IDX_CORRUPT', `truncated: ${size} bytes cannot hold the fan-out table`, { offset: size });
  }
  const fanout = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    fanout[i] = readU32(head, fanAt + i * 4);
    if (i > 0 && fanout[i]! < fanout[i - 1]!) {
      throw new XtestPackError('IDX_CORRUPT', `fan-out entry ${i} decreases`, { offset: fanAt + i * 4 });
    }
  }
  return { version: version as 1 | 2, fanout };
}

/**
 * The object format an idx of `size` bytes must have, from its first IDX_HEAD_LENGTH bytes
 * alone; undefined when the head is malformed or both formats would fit (the checksum decides
 * then: use decodeIdx).
 * @example
 *   idxFormatFromHead(source.read(0, IDX_HEAD_LENGTH), source.size) // 'sha1'
 */
export function idxFormatFromHead(head: Uint8Array, size: number): ObjectFormat | undefined {
  if (head.length < FANOUT_BYTES) return undefined;
  const version = head.length >= 8 && readU32(head, 0) === IDX_MAGIC ? readU32(head, 4) : 1;
  const fanAt = version === 2 ? 8 : 0;
  if ((version !== 1 && version !== 2) || head.length < fanAt + FANOUT_BYTES) return undefined;
  const n = readU32(head, fanAt + 255 * 4);
  const fits = (['sha1', 'sha256'] as const).filter((f) => layoutFits(size, version, n, hashLength(f)));
  return fits.length === 1 ? fits[0] : undefined;
}

/** Does an idx of `length` bytes have the layout of `n` objects with `h`-byte ids? */
export function layoutFits(length: number, version: number, n: number, h: number): boolean {
  if (version === 1) return length === FANOUT_BYTES + n * (h + 4) + 2 * h;
  const fixed = 8 + FANOUT_BYTES + n * (h + 8) + 2 * h;
  const large = length - fixed;
  return large >= 0 && large % 8 === 0 && large / 8 <= n;
}

function validateEntries(idx: PackIndex, fanout: Uint32Array): void {
  const n = idx.count;
  const h = hashLength(idx.format);
  const version2 = idx.version === 2;
  const largeCount = version2 ? (idx.bytes.length - (8 + FANOUT_BYTES + n * (h + 8) + 2 * h)) / 8 : 0;
  const view = new DataView(idx.bytes.buffer, idx.bytes.byteOffset, idx.bytes.byteLength);
  const offAt = 8 + FANOUT_BYTES + n * (h + 4);
  let prev: Uint8Array | undefined;
  let bucket = 0;
  for (let i = 0; i < n; i++) {
    const oid = idx.oidAt(i);
    while (fanout[bucket]! <= i) bucket++;
    if (oid[0] !== bucket) {
      throw new XtestPackError('IDX_CORRUPT', `entry ${i} (${toHex(oid)}) is outside its fan-out bucket`, {
        offset: idxOidOffset(idx, i),
      });
    }
    if (prev && compare(prev, oid) > 0) {
      throw new XtestPackError('IDX_CORRUPT', `entry ${i} (${toHex(oid)}) is out of order`, {
        offset: idxOidOffset(idx, i),
      });
    }
    prev = oid;
    if (version2) {
      const v = view.getUint32(offAt + i * 4);
      if (v & 0x80000000 && (v & 0x7fffffff) >= largeCount) {
        throw new XtestPackError('IDX_CORRUPT', `entry ${i} refers to large offset ${v & 0x7fffffff} of ${largeCount}`, {
          offset: offAt + i * 4,
        });
      }
    }
  }
  for (let j = 0; j < largeCount; j++) {
    const at = offAt + n * 4 + j * 8;
    if (view.getUint32(at) >= 2 ** 21) {
      throw new XtestPackError('IDX_CORRUPT', `large offset ${j} is beyond 2^53`, { offset: at });
    }
  }
}

function idxOidOffset(idx: PackIndex, i: number): number {
  return idx.oidAt(i).byteOffset - idx.bytes.byteOffset;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let k = 0; k < a.length; k++) {
    const d = a[k]! - b[k]!;
    if (d !== 0) return d;
  }
  return 0;
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** The entries an idx is written from: parallel arrays in any order. */
export interface IndexEntries {
  readonly format: ObjectFormat;
  readonly count: number;
  /** `count` ids, back to back. */
  readonly oids: Uint8Array;
  readonly offsets: Float64Array;
  readonly crc32s: Uint32Array;
}

export interface EncodeIdxOptions {
  /** 2 by default, as git. Version 1 is written as 2 when an offset needs 64 bits, as git does. */
  version?: 1 | 2;
}

/**
 * Encode an idx file byte-identical to git's `write_idx_file()` for the same entries.
 * @throws INVALID_ARGUMENT when the pack checksum has the wrong length.
 * @example
 *   const bytes = encodeIdx(entries, packChecksum, backend, { version: 2 });
 */
export function encodeIdx(
  entries: IndexEntries,
  packChecksum: Uint8Array,
  backend: Backend,
  options: EncodeIdxOptions = {},
): Uint8Array {
  const { format, count: n, oids, offsets, crc32s } = entries;
  const h = hashLength(format);
  if (packChecksum.length !== h) {
    throw new XtestPackError('INVALID_ARGUMENT', `pack checksum of ${packChecksum.length} bytes for ${format}`);
  }
  const order = sortByOid(oids, n, h);
  let lastOffset = 0;
  for (let i = 0; i < n; i++) lastOffset = Math.max(lastOffset, offsets[i]!);
  const version = lastOffset > OFF32_LIMIT ? 2 : (options.version ?? 2);
  const w = new ByteWriter(
    (version === 2 ? 8 : 0) + FANOUT_BYTES + n * (h + 8) + 2 * h + 64,
  );
  if (version === 2) w.u32be(IDX_MAGIC).u32be(2);
  let k = 0;
  for (let b = 0; b < 256; b++) {
    while (k < n && oids[order[k]! * h]! === b) k++;
    w.u32be(k);
  }
  for (let i = 0; i < n; i++) {
    const e = order[i]!;
    if (version === 1) w.u32be(offsets[e]!);
    w.bytes(oids.subarray(e * h, e * h + h));
  }
  if (version === 2) {
    for (let i = 0; i < n; i++) w.u32be(crc32s[order[i]!]!);
    let large = 0;
    for (let i = 0; i < n; i++) {
      const off = offsets[order[i]!]!;
      w.u32be(off > OFF32_LIMIT ? 0x80000000 | large++ : off);
    }
    for (let i = 0; i < n; i++) {
      const off = offsets[order[i]!]!;
      if (off > OFF32_LIMIT) w.u64be(off);
    }
  }
  w.bytes(packChecksum);
  const body = w.finish();
  const sum = backend.createHash(format).update(body).digest();
  const out = new Uint8Array(body.length + h);
  out.set(body);
  out.set(sum, body.length);
  return out;
}

/**
 * A permutation of 0..n-1 that orders `n` ids stored back to back in `oids`; ties keep their
 * input order (git's qsort may not).
 */
export function sortByOid(oids: Uint8Array, n: number, h: number): Uint32Array {
  // Sort on the first four bytes as one number, then compare the rest only on a tie.
  const key = new Uint32Array(n);
  for (let i = 0; i < n; i++) key[i] = readU32(oids, i * h);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => {
    const ka = key[a]!;
    const kb = key[b]!;
    if (ka !== kb) return ka < kb ? -1 : 1;
    for (let j = 4; j < h; j++) {
      const d = oids[a * h + j]! - oids[b * h + j]!;
      if (d !== 0) return d;
    }
    return a - b;
  });
  return order;
}

/**
 * Binary search for `oid` among `count` sorted ids in `bytes`, the first at `at`, one every
 * `stride` bytes, comparing from byte `from` (the bytes before it taken as equal: a fan-out
 * bucket shares its first). Its index among them, or -1.
 */
export function searchIds(bytes: Uint8Array, at: number, stride: number, count: number, oid: Uint8Array, from: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const p = at + mid * stride;
    let c = 0;
    for (let k = from; k < oid.length; k++) {
      c = bytes[p + k]! - oid[k]!;
      if (c !== 0) break;
    }
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}
