/**
 * Writing one gzip member (RFC 1952 §2.3), deterministically: MTIME 0, no FNAME, XFL as zlib
 * sets it for the level, OS 255 (unknown), deflated by pako, never the platform's zlib: the same
 * data give the same bytes on every machine for a pako version.
 */
import { deflateRaw } from 'pako';
import { crc32 } from '../../backend/crc32.js';

const OS_UNKNOWN = 255;

/** One gzip member holding `data`, deflated at `level` (0-9). */
export function gzipMember(data: Uint8Array, level: number): Uint8Array {
  const body = deflateRaw(data, { level });
  const out = new Uint8Array(10 + body.length + 8);
  out[0] = 0x1f;
  out[1] = 0x8b;
  out[2] = 8;
  out[3] = 0; // no flags: no name, no comment
  // MTIME 0 (bytes 4-7); XFL as zlib writes it: 2 for the slowest level, 4 for the fastest.
  out[8] = level === 9 ? 2 : level < 2 ? 4 : 0;
  out[9] = OS_UNKNOWN;
  out.set(body, 10);
  const t = 10 + body.length;
  putU32le(out, t, crc32(data));
  putU32le(out, t + 4, data.length % 2 ** 32);
  return out;
}

function putU32le(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}
