/**
 * The pack file frame (gitformat-pack, "pack-*.pack files have the following format").
 *
 *   "PACK"  | version u32 (2 or 3) | object count u32     12 bytes
 *   entries ...                                           (see entry.ts)
 *   trailer: hash of everything before it                 20 (sha1) or 32 (sha256) bytes
 */
import { XtestPackError } from '../errors.js';

export const PACK_HEADER_LENGTH = 12;
/** Smallest possible entry: a one-byte header and an 8-byte zlib stream of nothing. */
export const MIN_ENTRY_LENGTH = 9;

export interface PackHeader {
  version: 2 | 3;
  count: number;
}

/**
 * Decode and check the 12-byte header against the pack's size.
 * @throws PACK_CORRUPT (bad signature, a count the size cannot hold), PACK_UNSUPPORTED (version).
 * @example
 *   const { version, count } = decodePackHeader(first12, packSize, 20);
 */
export function decodePackHeader(bytes: Uint8Array, packSize: number, hashLen: number): PackHeader {
  if (packSize < PACK_HEADER_LENGTH + hashLen || bytes.length < PACK_HEADER_LENGTH) {
    throw new XtestPackError('PACK_CORRUPT', `truncated: ${packSize} bytes is too short for a pack`, { offset: 0 });
  }
  if (bytes[0] !== 0x50 || bytes[1] !== 0x41 || bytes[2] !== 0x43 || bytes[3] !== 0x4b) {
    throw new XtestPackError('PACK_CORRUPT', 'not a pack file (no PACK signature)', { offset: 0 });
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, PACK_HEADER_LENGTH);
  const version = dv.getUint32(4);
  if (version !== 2 && version !== 3) {
    throw new XtestPackError('PACK_UNSUPPORTED', `pack version ${version} is not supported (2 and 3 are)`, {
      offset: 4,
    });
  }
  const count = dv.getUint32(8);
  const room = packSize - PACK_HEADER_LENGTH - hashLen;
  if (count > room / MIN_ENTRY_LENGTH) {
    throw new XtestPackError('PACK_CORRUPT', `header declares ${count} objects, ${room} bytes cannot hold them`, {
      offset: 8,
    });
  }
  return { version, count };
}

/**
 * Encode a pack header.
 * @example
 *   encodePackHeader(42) // "PACK" 0 0 0 2 0 0 0 42
 */
export function encodePackHeader(count: number, version: 2 | 3 = 2): Uint8Array {
  const out = new Uint8Array(PACK_HEADER_LENGTH);
  out.set([0x50, 0x41, 0x43, 0x4b]);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, version);
  dv.setUint32(8, count);
  return out;
}

/** zlib can expand at most about 1032:1; a declared size beyond that cannot be honest. */
const MAX_INFLATE_RATIO = 1032;

/**
 * Refuse a declared inflated size that `available` compressed bytes cannot produce, before
 * anything of that size is allocated.
 * @throws PACK_CORRUPT
 */
export function checkDeclaredSize(size: number, available: number, offset: number): void {
  if (size > available * MAX_INFLATE_RATIO + 64) {
    throw new XtestPackError(
      'PACK_CORRUPT',
      `declared size ${size} cannot come from the ${available} compressed bytes left`,
      { offset },
    );
  }
}
