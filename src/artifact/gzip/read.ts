/**
 * Reading gzip (RFC 1952 §2.3): every member of a file, concatenated (as `gzip -d` does), each
 * header, CRC-32 and ISIZE checked, inflated through the backend (no third-party module).
 *
 * ```
 * gzip member (RFC 1952 §2.3)
 *   0  1f 8b     ID1 ID2
 *   2  08        CM: deflate
 *   3  FLG       FTEXT 1, FHCRC 2, FEXTRA 4, FNAME 8, FCOMMENT 16
 *   4  MTIME     4 bytes, little-endian
 *   8  XFL, 9 OS
 *  10  [XLEN(2) + extra] [name\0] [comment\0] [CRC-16 of the header]
 *      raw deflate data (RFC 1951)
 *      CRC-32 (4, LE) of the data
 *      ISIZE  (4, LE): data length mod 2^32
 * ```
 * Zero bytes after the last member are tolerated; anything else is refused. Offsets in errors
 * are in the gzip file.
 */
import type { Backend } from '../../backend/types.js';
import { concatBytes } from '../../pack/bytes.js';
import { firstNonZero } from '../tar/header.js';
import { archiveError } from '../tar/read.js';

// gzip (RFC 1952 §2.3.1).
// FTEXT (1) is a hint about the data, of no consequence here.
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

export /** Inflate every gzip member of `bytes`, verified, into one buffer of at most `maxSize` bytes. */
function gunzip(bytes: Uint8Array, backend: Backend, maxSize: number, file: string | undefined): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  let pos = 0;
  do {
    const bodyStart = readGzipHeader(bytes, pos, backend, file);
    const r = backend.inflateRawAll(bytes.subarray(bodyStart), maxSize - total);
    if (!r.ok) {
      if (r.reason === 'truncated') throw archiveError(file, bytes.length, `gzip data ends early (the member at offset ${pos} is cut)`);
      if (r.reason === 'size') throw archiveError(file, bodyStart, `gzip data inflates to more than the ${maxSize} bytes allowed (maxSize)`);
      throw archiveError(file, bodyStart, `gzip member's deflate data is corrupt (${r.detail})`);
    }
    const trailer = bodyStart + r.consumed;
    if (bytes.length - trailer < 8) throw archiveError(file, bytes.length, `gzip data ends early: the member's 8-byte trailer (CRC-32, ISIZE) is cut`);
    const stored = u32le(bytes, trailer);
    const actual = backend.crc32(r.data);
    if (stored !== actual) throw archiveError(file, trailer, `gzip CRC-32 ${hex32(stored)} does not match the inflated data's ${hex32(actual)}`);
    const isize = u32le(bytes, trailer + 4);
    if (isize !== r.data.length % 2 ** 32) throw archiveError(file, trailer + 4, `gzip ISIZE ${isize} does not match the inflated size ${r.data.length}`);
    parts.push(r.data);
    total += r.data.length;
    pos = trailer + 8;
    // Zero bytes after the last member are padding (gzip -d ignores them too).
    if (pos < bytes.length && bytes[pos] === 0) {
      const garbage = firstNonZero(bytes, pos);
      if (garbage < 0) break;
      throw archiveError(file, garbage, `${bytes.length - garbage} bytes of trailing garbage after the gzip data`);
    }
  } while (pos < bytes.length);
  return parts.length === 1 ? parts[0]! : concatBytes(parts);
}

/** Check the gzip member header at `pos`; return where its deflate data starts. */
function readGzipHeader(bytes: Uint8Array, pos: number, backend: Backend, file: string | undefined): number {
  const fail = (offset: number, reason: string): never => {
    throw archiveError(file, offset, reason);
  };
  const need = (at: number, n: number, what: string): void => {
    if (bytes.length - at < n) fail(bytes.length, `gzip data ends early: the member header's ${what} is cut`);
  };
  if (bytes[pos] !== 0x1f || bytes[pos + 1] !== 0x8b) {
    if (pos > 0) fail(pos, `${bytes.length - pos} bytes of trailing garbage after the gzip data`);
    if (bytes.length === 0) fail(0, 'not gzip data: the input is empty');
    fail(0, `not gzip data: starts with ${hexBytes(bytes.subarray(0, 2))}, not 1f 8b`);
  }
  need(pos, 10, 'fixed part');
  const cm = bytes[pos + 2]!;
  if (cm !== 8) fail(pos + 2, `gzip compression method ${cm}, only 8 (deflate) is defined`);
  const flg = bytes[pos + 3]!;
  if (flg & 0xe0) fail(pos + 3, `gzip header has reserved flag bits set (FLG 0x${flg.toString(16).padStart(2, '0')})`);
  let at = pos + 10;
  if (flg & FEXTRA) {
    need(at, 2, 'extra field length');
    const xlen = bytes[at]! | (bytes[at + 1]! << 8);
    need(at + 2, xlen, 'extra field');
    at += 2 + xlen;
  }
  for (const [flag, what] of [
    [FNAME, 'file name'],
    [FCOMMENT, 'comment'],
  ] as const) {
    if (!(flg & flag)) continue;
    const nul = bytes.indexOf(0, at);
    if (nul < 0) fail(bytes.length, `gzip data ends early: the member header's ${what} is cut`);
    at = nul + 1;
  }
  if (flg & FHCRC) {
    need(at, 2, 'header CRC');
    const stored = bytes[at]! | (bytes[at + 1]! << 8);
    const actual = backend.crc32(bytes.subarray(pos, at)) & 0xffff;
    if (stored !== actual) fail(at, `gzip header CRC-16 0x${stored.toString(16).padStart(4, '0')} does not match the header's 0x${actual.toString(16).padStart(4, '0')}`);
    at += 2;
  }
  return at;
}

function u32le(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function hex32(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

function hexBytes(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}
