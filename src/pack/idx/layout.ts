/**
 * Pack index files: the layout (gitformat-pack, "pack-*.idx files have the following format").
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
 * fanout[b] = number of ids whose first byte is <= b. The idx does not say which hash it uses:
 * the layout tells when only one id length fits the file's size, the checksum when both do.
 * This module works out where each table is; idx-file.ts reads them, verify.ts checks them
 * whole, encode.ts writes them.
 */
import { XtestPackError } from '../../errors.js';
import { hashLength, type ObjectFormat } from '../oid.js';

export const IDX_MAGIC = 0xff744f63;
export const FANOUT_BYTES = 256 * 4;
/** Bytes at the start of an idx that tell its version and object count. */
export const IDX_HEAD_LENGTH = 8 + FANOUT_BYTES;
/** Offsets above this go to the large-offset table (git's default off32_limit). */
export const OFF32_LIMIT = 0x7fffffff;

/** An idx's version and fan-out table, from its first IDX_HEAD_LENGTH bytes (or all, if fewer). */
export interface IdxHead {
  readonly version: 1 | 2;
  /** fanout[b]: how many ids have a first byte <= b; fanout[255] is the object count. */
  readonly fanout: Uint32Array;
}

/** Where each table of an idx of one object format lies: absolute offsets in the file. */
export interface IdxLayout extends IdxHead {
  readonly format: ObjectFormat;
  readonly hashLength: number;
  readonly count: number;
  /** The file's size. */
  readonly size: number;
  readonly oidsAt: number;
  /** Bytes from one id to the next (version 1 interleaves offsets with ids). */
  readonly oidStride: number;
  /** The CRC-32 table (version 2), -1 in version 1. */
  readonly crcAt: number;
  readonly offAt: number;
  readonly offStride: number;
  /** The large-offset table (version 2), -1 in version 1. */
  readonly largeAt: number;
  readonly largeCount: number;
  /** Where the trailer (pack checksum, idx checksum) starts. */
  readonly trailerAt: number;
}

/**
 * Decode and check the head of an idx of `size` bytes: magic and version, room for the fan-out
 * table, a fan-out that never decreases. O(1): nothing past the head is read.
 * @throws IDX_CORRUPT naming the offset.
 * @example
 *   const head = decodeIdxHead(source.read(0, Math.min(IDX_HEAD_LENGTH, source.size)), source.size);
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

/** Does an idx of `size` bytes have the layout of `n` objects with `h`-byte ids? */
export function layoutFits(size: number, version: number, n: number, h: number): boolean {
  if (version === 1) return size === FANOUT_BYTES + n * (h + 4) + 2 * h;
  const fixed = 8 + FANOUT_BYTES + n * (h + 8) + 2 * h;
  const large = size - fixed;
  return large >= 0 && large % 8 === 0 && large / 8 <= n;
}

/** The object formats whose layout an idx of `size` bytes with this head fits (0, 1 or 2). */
export function formatsFitting(head: IdxHead, size: number): ObjectFormat[] {
  return (['sha1', 'sha256'] as const).filter((f) => layoutFits(size, head.version, head.fanout[255]!, hashLength(f)));
}

/**
 * The layout of an idx of `size` bytes with this head and object format, checked to fit: every
 * table lies inside the file, whatever the entries say.
 * @throws IDX_CORRUPT when the size is not that of the count the fan-out declares.
 * @example
 *   const layout = idxLayout(decodeIdxHead(head, size), size, 'sha1');
 */
export function idxLayout(head: IdxHead, size: number, format: ObjectFormat): IdxLayout {
  const { version, fanout } = head;
  const n = fanout[255]!;
  const h = hashLength(format);
  if (!layoutFits(size, version, n, h)) {
    throw new XtestPackError('IDX_CORRUPT', `length ${size} does not fit a version ${version} idx of ${n} ${format} objects`, {
      offset: size,
    });
  }
  const trailerAt = size - 2 * h;
  if (version === 1) {
    return {
      version, fanout, format, hashLength: h, count: n, size, trailerAt,
      oidsAt: FANOUT_BYTES + 4, oidStride: h + 4, crcAt: -1, offAt: FANOUT_BYTES, offStride: h + 4, largeAt: -1, largeCount: 0,
    };
  }
  const oidsAt = 8 + FANOUT_BYTES;
  const crcAt = oidsAt + n * h;
  const offAt = crcAt + n * 4;
  const largeAt = offAt + n * 4;
  return {
    version, fanout, format, hashLength: h, count: n, size, trailerAt,
    oidsAt, oidStride: h, crcAt, offAt, offStride: 4, largeAt, largeCount: (trailerAt - largeAt) / 8,
  };
}

export function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
