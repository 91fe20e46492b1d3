/**
 * Pack entry headers (gitformat-pack, "Object types" and "Size encoding").
 *
 *   byte 0:  [MSB: more] [3 bits type] [4 bits size, lowest]
 *   byte n:  [MSB: more] [7 bits size, next higher]            size little-endian in 7-bit groups
 *   then, OBJ_OFS_DELTA: negative base offset, big-endian 7-bit groups, each continuation adding 1
 *         OBJ_REF_DELTA: base object id (hash length bytes)
 *   then the zlib stream of the object (or of the delta).
 */
import { XtestPackError } from '../errors.js';
import { OBJ_OFS_DELTA, OBJ_REF_DELTA } from './oid.js';

/** Longest size varint accepted: 4 + 7*7 = 53 bits, Number.MAX_SAFE_INTEGER. */
const MAX_SIZE_BYTES = 8;
/** Longest OFS_DELTA offset accepted (53 bits). */
const MAX_OFS_BYTES = 8;

export interface EntryHeader {
  /** Pack type number: 1-4, 6 (OFS_DELTA) or 7 (REF_DELTA). */
  type: number;
  /** Declared inflated size: of the object, or of the delta data for deltas. */
  size: number;
  /** Bytes from the entry's start to its zlib stream. */
  headerLength: number;
  /** OBJ_OFS_DELTA: absolute offset of the base entry. */
  baseOffset: number;
  /** OBJ_REF_DELTA: offset in `bytes` where the base id starts (-1 otherwise). */
  baseOidAt: number;
}

/**
 * Decode the entry header at `bytes[at]`; `offset` is that byte's absolute offset in the pack.
 * @throws PACK_CORRUPT on a bad type, an over-long varint, a truncated header or a base offset
 *         outside the pack; PACK_UNSUPPORTED never (types 0 and 5 are corrupt).
 * @example
 *   const h = decodeEntryHeader(window, 0, 12, 20); // h.type, h.size, h.headerLength
 */
export function decodeEntryHeader(bytes: Uint8Array, at: number, offset: number, hashLen: number): EntryHeader {
  const end = bytes.length;
  let p = at;
  if (p >= end) throw truncated(offset);
  let c = bytes[p++]!;
  const type = (c >> 4) & 7;
  let size = c & 15;
  let mul = 16;
  let n = 1;
  while (c & 0x80) {
    if (p >= end) throw truncated(offset);
    if (++n > MAX_SIZE_BYTES) {
      throw new XtestPackError('PACK_CORRUPT', 'object size varint is too long', { offset });
    }
    c = bytes[p++]!;
    size += (c & 0x7f) * mul;
    mul *= 128;
  }
  if (type === 0 || type === 5) {
    throw new XtestPackError('PACK_CORRUPT', `invalid object type ${type}`, { offset });
  }
  let baseOffset = -1;
  let baseOidAt = -1;
  if (type === OBJ_OFS_DELTA) {
    if (p >= end) throw truncated(offset);
    c = bytes[p++]!;
    let rel = c & 0x7f;
    let k = 1;
    while (c & 0x80) {
      if (p >= end) throw truncated(offset);
      if (++k > MAX_OFS_BYTES) {
        throw new XtestPackError('PACK_CORRUPT', 'delta base offset varint is too long', { offset });
      }
      c = bytes[p++]!;
      rel = (rel + 1) * 128 + (c & 0x7f);
    }
    baseOffset = offset - rel;
    if (rel <= 0 || baseOffset < 12) {
      throw new XtestPackError('PACK_CORRUPT', `delta base offset ${rel} points outside the pack`, { offset });
    }
  } else if (type === OBJ_REF_DELTA) {
    if (end - p < hashLen) throw truncated(offset);
    baseOidAt = p;
    p += hashLen;
  }
  return { type, size, headerLength: p - at, baseOffset, baseOidAt };
}

function truncated(offset: number): XtestPackError {
  return new XtestPackError('PACK_CORRUPT', 'truncated object header', { offset });
}

/**
 * Encode an entry header (type and size varint) for a pack writer.
 * @example
 *   encodeEntryHeader(3, 1000) // blob of 1000 bytes: [0xb8, 0x3e]
 */
export function encodeEntryHeader(type: number, size: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`entry size ${size}`);
  const out: number[] = [];
  let c = (type << 4) | (size % 16);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    out.push(c | 0x80);
    c = rest % 128;
    rest = Math.floor(rest / 128);
  }
  out.push(c);
  return Uint8Array.from(out);
}

/**
 * Encode the distance back to an OFS_DELTA base (entry offset minus base offset, > 0).
 * @example
 *   encodeOfsDeltaDistance(128) // [0x80, 0x00]
 */
export function encodeOfsDeltaDistance(distance: number): Uint8Array {
  if (!Number.isSafeInteger(distance) || distance <= 0) throw new RangeError(`ofs-delta distance ${distance}`);
  const out: number[] = [distance % 128];
  let rest = Math.floor(distance / 128);
  while (rest > 0) {
    rest -= 1;
    out.push(0x80 | rest % 128);
    rest = Math.floor(rest / 128);
  }
  return Uint8Array.from(out.reverse());
}
