/**
 * The ustar header block (POSIX.1-2017, `pax`, "ustar Interchange Format"): its fields, their
 * codecs, and what a safe entry path is. The reader (read.ts) and the writer (write.ts) share it.
 *
 * ```
 * tar header block, 512 bytes (ustar)
 *   off  len  field
 *     0  100  name      NUL-terminated unless full
 *   100    8  mode      octal digits, NUL or space
 *   108    8  uid       (ignored when reading)
 *   116    8  gid       (ignored)
 *   124   12  size      octal; GNU base-256 if 0x80 set
 *   136   12  mtime     (ignored)
 *   148    8  chksum    sum of the block, field as spaces
 *   156    1  typeflag  0 file, 5 dir, 2 symlink, x g L K
 *   157  100  linkname
 *   257    8  magic     "ustar\0" "00", GNU "ustar  \0"
 *   265   64  uname, gname (empty here)
 *   329   16  devmajor, devminor
 *   345  155  prefix    ustar only: name = prefix/name
 *   500   12  (padding)
 * Each header is followed by its data padded to 512 bytes; two zero blocks end the archive.
 * ```
 */

export interface TarEntry {
  /** '/'-separated, relative, no trailing '/' (also for directories). */
  readonly path: string;
  readonly type: 'file' | 'directory' | 'symlink';
  /** Permission bits only (0 to 0o7777), e.g. 0o644, 0o755. */
  readonly mode: number;
  /** Empty for directories and symlinks. */
  readonly data: Uint8Array;
  /** Symlinks only. */
  readonly linkTarget?: string;
}

/** The modification time of every entry the writer emits: 0, the epoch (1970-01-01 00:00 UTC). */
export const TAR_MTIME = 0;

export const BLOCK = 512;
/** Largest size the 11 octal digits of a ustar size field hold (8 GiB - 1). */
export const MAX_OCTAL_SIZE = 0o77777777777;
export const EMPTY = new Uint8Array(0);

// Header field offsets (POSIX ustar).
export const NAME = 0;
export const MODE = 100;
export const UID = 108;
export const GID = 116;
export const SIZE = 124;
export const MTIME = 136;
export const CHKSUM = 148;
export const TYPEFLAG = 156;
export const LINKNAME = 157;
export const MAGIC = 257;
export const DEVMAJOR = 329;
export const DEVMINOR = 337;
export const PREFIX = 345;

export const USTAR_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72, 0x00, 0x30, 0x30]; // "ustar\0" "00"
export const GNU_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72, 0x20, 0x20, 0x00]; // "ustar  \0"

/**
 * Why `path` is not a safe relative tar path, or `undefined` when it is: empty, a NUL,
 * absolute, a trailing '/', an empty, `.` or `..` component.
 * @example
 *   findTarPathProblem('a/../b') === "has a '..' component"
 */
export function findTarPathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (path.includes('\0')) return 'contains a NUL';
  if (path.startsWith('/')) return 'is absolute';
  if (path.endsWith('/')) return "ends with '/'";
  for (const c of path.split('/')) {
    if (c === '') return "has an empty component ('//')";
    if (c === '..') return "has a '..' component";
    if (c === '.') return "has a '.' component";
  }
  return undefined;
}

export function padded(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

/** The header's sum with the checksum field as spaces, unsigned (POSIX) and signed (old tars). */
export function headerSums(h: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0;
  let high = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= CHKSUM && i < CHKSUM + 8 ? 0x20 : h[i]!;
    unsigned += b;
    if (b & 0x80) high++;
  }
  return { unsigned, signed: unsigned - 256 * high };
}

/**
 * A numeric header field: octal digits after optional spaces, ended by NUL or space (an empty
 * field is 0); or, where allowed, GNU base-256 (first byte 0x80, big-endian). `undefined` for
 * anything else, a negative base-256 number or one beyond 2^53.
 */
export function parseNumber(h: Uint8Array, at: number, length: number, base256: boolean): number | undefined {
  const first = h[at]!;
  if (first & 0x80) {
    if (!base256 || first & 0x40) return undefined;
    let v = first & 0x3f;
    for (let i = 1; i < length; i++) {
      v = v * 256 + h[at + i]!;
      if (v > Number.MAX_SAFE_INTEGER) return undefined;
    }
    return v;
  }
  const end = at + length;
  let i = at;
  while (i < end && h[i] === 0x20) i++;
  let v = 0;
  while (i < end && h[i]! >= 0x30 && h[i]! <= 0x37) v = v * 8 + h[i++]! - 0x30;
  while (i < end && (h[i] === 0 || h[i] === 0x20)) i++;
  return i === end ? v : undefined;
}

/** A NUL-terminated (or full-length) field. */
export function field(h: Uint8Array, at: number, length: number): Uint8Array {
  const f = h.subarray(at, at + length);
  const nul = f.indexOf(0);
  return nul < 0 ? f : f.subarray(0, nul);
}

export function hasBytes(h: Uint8Array, at: number, want: readonly number[]): boolean {
  for (let i = 0; i < want.length; i++) if (h[at + i] !== want[i]) return false;
  return true;
}

/** Index of the first non-zero byte at or after `from`, or -1. */
export function firstNonZero(b: Uint8Array, from: number): number {
  for (let i = from; i < b.length; i++) if (b[i] !== 0) return i;
  return -1;
}


/** `digits` octal digits (zero-padded) and a NUL in a field of `digits + 1` bytes. */
export function putOctal(h: Uint8Array, at: number, fieldLength: number, value: number): void {
  const digits = fieldLength - 1;
  const s = value.toString(8).padStart(digits, '0');
  for (let i = 0; i < digits; i++) h[at + i] = s.charCodeAt(i);
  h[at + digits] = 0;
}

export function latin1(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}
