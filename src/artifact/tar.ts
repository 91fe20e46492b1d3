/**
 * `.tar.gz`: a deterministic writer and a strict reader. POSIX ustar (POSIX.1-2017, `pax`,
 * "ustar Interchange Format") inside one gzip member (RFC 1952), deflated by pako.
 *
 * ```
 * gzip member (RFC 1952 §2.3)               tar header block, 512 bytes (ustar)
 *   0  1f 8b     ID1 ID2                      off  len  field
 *   2  08        CM: deflate                    0  100  name      NUL-terminated unless full
 *   3  FLG       FTEXT 1, FHCRC 2, FEXTRA 4,  100    8  mode      octal digits, NUL or space
 *                FNAME 8, FCOMMENT 16         108    8  uid       (ignored when reading)
 *   4  MTIME     4 bytes, little-endian       116    8  gid       (ignored)
 *   8  XFL, 9 OS                              124   12  size      octal; GNU base-256 if 0x80 set
 *  10  [XLEN(2) + extra] [name\0] [comment\0] 136   12  mtime     (ignored)
 *      [CRC-16 of the header]                 148    8  chksum    sum of the block, field as spaces
 *      raw deflate data (RFC 1951)            156    1  typeflag  0 file, 5 dir, 2 symlink, x g L K
 *      CRC-32 (4, LE) of the data             157  100  linkname
 *      ISIZE  (4, LE): data length mod 2^32   257    8  magic     "ustar\0" "00", GNU "ustar  \0"
 *                                             265   64  uname, gname (empty here)
 *                                             329   16  devmajor, devminor
 *                                             345  155  prefix    ustar only: name = prefix/name
 *                                             500   12  (padding)
 * Each header is followed by its data padded to 512 bytes; two zero blocks end the archive.
 * ```
 *
 * The writer: entries sorted by the UTF-8 bytes of their paths (which puts every directory
 * before what it holds), missing parent directories added (mode 0755), mtime `TAR_MTIME` (0,
 * the epoch), uid/gid 0, uname/gname empty, devmajor/devminor 0, names over 100 bytes split
 * into the prefix field, two zero blocks and no padding to a 10240-byte record. gzip: MTIME 0,
 * no FNAME, XFL as zlib sets it for the level, OS 255 (unknown), deflated by pako, never the
 * platform's zlib: the same entries give the same bytes on every machine for a pako version.
 *
 * The reader checks every header checksum, every size against what remains (nothing is
 * allocated on a declared size), the gzip CRC-32 and ISIZE, and every path; it supports pax
 * extended headers (`path`, `linkpath`, `size`; the rest ignored), GNU long names (`L`, `K`)
 * and base-256 sizes, and concatenated gzip members (as `gzip -d` does). It refuses hard links,
 * devices, FIFOs, sparse files and unknown types. Trailing zero bytes after the archive's end
 * (in the tar stream or after the last gzip member) are tolerated; anything else is refused.
 *
 * Error offsets: gzip-level errors (`gzip ...`) give the offset in the `.tar.gz` file; tar-level
 * errors (`entry "a/b": ...`, `tar: ...`) the offset in the inflated tar stream, as tar's block
 * numbers do.
 */
import { deflateRaw } from 'pako';
import { crc32 } from '../backend/crc32.js';
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { compareBytes, concatBytes } from '../pack/bytes.js';

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

export interface DecodeTarGzOptions {
  /** Largest inflated tar stream accepted, in bytes (default `DEFAULT_MAX_TAR_SIZE`, 1 GiB). */
  maxSize?: number | undefined;
  /** The file name errors are reported under. */
  file?: string | undefined;
}

/** The modification time of every entry the writer emits: 0, the epoch (1970-01-01 00:00 UTC). */
export const TAR_MTIME = 0;

/** Default bound on the inflated size `decodeTarGz` accepts: 1 GiB. */
export const DEFAULT_MAX_TAR_SIZE = 2 ** 30;

const BLOCK = 512;
/** Largest size the 11 octal digits of a ustar size field hold (8 GiB - 1). */
const MAX_OCTAL_SIZE = 0o77777777777;
const EMPTY = new Uint8Array(0);

// Header field offsets (POSIX ustar).
const NAME = 0;
const MODE = 100;
const UID = 108;
const GID = 116;
const SIZE = 124;
const MTIME = 136;
const CHKSUM = 148;
const TYPEFLAG = 156;
const LINKNAME = 157;
const MAGIC = 257;
const DEVMAJOR = 329;
const DEVMINOR = 337;
const PREFIX = 345;

const USTAR_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72, 0x00, 0x30, 0x30]; // "ustar\0" "00"
const GNU_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72, 0x20, 0x20, 0x00]; // "ustar  \0"

// gzip (RFC 1952 §2.3.1).
// FTEXT (1) is a hint about the data, of no consequence here.
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
const OS_UNKNOWN = 255;

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * Encode entries as a deterministic `.tar.gz`: the same entries, in any order, give the same
 * bytes on every machine and backend (for a pako version).
 * @throws RangeError / TypeError for an entry the format cannot hold or that is malformed
 *         (unsafe or duplicate path, a path below a file, a name that does not fit the ustar
 *         name and prefix fields, a link target over 100 bytes, a mode beyond 0o7777, data on a
 *         directory), naming the path; RangeError for a level outside 0-9.
 * @example
 *   const gz = encodeTarGz([{ path: 'a/b.txt', type: 'file', mode: 0o644, data: bytes }]);
 *   // a/ (added, 0755) then a/b.txt, mtime 0, owner 0/0
 */
export function encodeTarGz(entries: readonly TarEntry[], options: { level?: number | undefined } = {}): Uint8Array {
  const level = options.level ?? 9;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`encodeTarGz: level must be an integer from 0 to 9, not ${level}`);
  return gzipMember(encodeTar(entries), level);
}

/**
 * Encode entries as an uncompressed tar stream (what `encodeTarGz` compresses).
 * @throws RangeError / TypeError as `encodeTarGz`.
 * @example
 *   const tar = encodeTar(entries); decodeTar(tar); // the entries, sorted, parents added
 */
export function encodeTar(entries: readonly TarEntry[]): Uint8Array {
  const prepared = prepareEntries(entries);
  let total = 2 * BLOCK;
  for (const p of prepared) total += BLOCK + padded(p.entry.data.length);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of prepared) {
    writeHeader(out, at, p);
    at += BLOCK;
    out.set(p.entry.data, at);
    at += padded(p.entry.data.length);
  }
  return out;
}

interface Prepared {
  entry: TarEntry;
  /** The header name: the path, with a trailing '/' for a directory. */
  name: Uint8Array;
  link: Uint8Array;
  key: Uint8Array;
  /** For a parent directory the writer added: an entry it was added for. */
  impliedBy?: string | undefined;
}

function prepareEntries(entries: readonly TarEntry[]): Prepared[] {
  const byPath = new Map<string, TarEntry>();
  const impliedBy = new Map<string, string>();
  for (const e of entries) {
    checkEntryShape(e);
    if (byPath.has(e.path)) throw new RangeError(`encodeTarGz: entry ${JSON.stringify(e.path)} appears twice`);
    byPath.set(e.path, e);
  }
  for (const e of [...byPath.values()]) {
    for (let i = e.path.lastIndexOf('/'); i > 0; i = e.path.lastIndexOf('/', i - 1)) {
      const parent = e.path.slice(0, i);
      const p = byPath.get(parent);
      if (p === undefined) {
        byPath.set(parent, { path: parent, type: 'directory', mode: 0o755, data: EMPTY });
        impliedBy.set(parent, e.path);
      } else if (p.type !== 'directory') {
        throw new RangeError(`encodeTarGz: entry ${JSON.stringify(e.path)} is below ${JSON.stringify(parent)}, which is a ${p.type}`);
      }
    }
  }
  const prepared: Prepared[] = [];
  for (const entry of byPath.values()) {
    const key = utf8Encode(entry.path)!; // checked by checkEntryShape
    const name = entry.type === 'directory' ? concatBytes([key, Uint8Array.of(0x2f)]) : key;
    const link = entry.type === 'symlink' ? utf8Encode(entry.linkTarget!)! : EMPTY;
    if (link.length > 100) throw new RangeError(`encodeTarGz: entry ${JSON.stringify(entry.path)}: link target is ${link.length} bytes, ustar holds 100`);
    if (entry.data.length > MAX_OCTAL_SIZE) throw new RangeError(`encodeTarGz: entry ${JSON.stringify(entry.path)}: ${entry.data.length} bytes, ustar holds ${MAX_OCTAL_SIZE}`);
    prepared.push({ entry, name, link, key, impliedBy: impliedBy.get(entry.path) });
  }
  prepared.sort((a, b) => compareBytes(a.key, b.key));
  return prepared;
}

function checkEntryShape(e: TarEntry): void {
  if (e === null || typeof e !== 'object') throw new TypeError('encodeTarGz: an entry is not an object');
  if (typeof e.path !== 'string') throw new TypeError('encodeTarGz: entry path is not a string');
  const where = `encodeTarGz: entry ${JSON.stringify(e.path)}`;
  const problem = findTarPathProblem(e.path);
  if (problem !== undefined) throw new RangeError(`${where}: path ${problem}`);
  if (utf8Encode(e.path) === undefined) throw new RangeError(`${where}: path is not valid Unicode (lone surrogate)`);
  if (e.type !== 'file' && e.type !== 'directory' && e.type !== 'symlink') throw new TypeError(`${where}: type ${JSON.stringify(e.type)} is not file, directory or symlink`);
  if (!Number.isInteger(e.mode) || e.mode < 0 || e.mode > 0o7777) throw new RangeError(`${where}: mode ${e.mode} is not permission bits (0 to 0o7777)`);
  if (!(e.data instanceof Uint8Array)) throw new TypeError(`${where}: data is not a Uint8Array`);
  if (e.type !== 'file' && e.data.length > 0) throw new RangeError(`${where}: a ${e.type} has no data, got ${e.data.length} bytes`);
  if (e.type === 'symlink') {
    const t = e.linkTarget;
    if (typeof t !== 'string' || t === '') throw new RangeError(`${where}: a symlink needs a non-empty linkTarget`);
    if (t.includes('\0')) throw new RangeError(`${where}: link target contains a NUL`);
    if (utf8Encode(t) === undefined) throw new RangeError(`${where}: link target is not valid Unicode (lone surrogate)`);
  } else if (e.linkTarget !== undefined) {
    throw new RangeError(`${where}: only a symlink has a linkTarget`);
  }
}

function writeHeader(out: Uint8Array, at: number, p: Prepared): void {
  const h = out.subarray(at, at + BLOCK);
  const { prefix, name } = splitName(p);
  h.set(name, NAME);
  putOctal(h, MODE, 8, p.entry.mode);
  putOctal(h, UID, 8, 0);
  putOctal(h, GID, 8, 0);
  putOctal(h, SIZE, 12, p.entry.data.length);
  putOctal(h, MTIME, 12, TAR_MTIME);
  h[TYPEFLAG] = p.entry.type === 'file' ? 0x30 : p.entry.type === 'directory' ? 0x35 : 0x32;
  h.set(p.link, LINKNAME);
  h.set(USTAR_MAGIC, MAGIC);
  // uname and gname stay empty (all NUL).
  putOctal(h, DEVMAJOR, 8, 0);
  putOctal(h, DEVMINOR, 8, 0);
  h.set(prefix, PREFIX);
  h.fill(0x20, CHKSUM, CHKSUM + 8);
  // Six digits, NUL, space: what GNU tar and most writers put there.
  putOctal(h, CHKSUM, 7, headerSums(h).unsigned);
  h[CHKSUM + 7] = 0x20;
}

/** The ustar split of a long name: prefix (up to 155 bytes) '/' name (up to 100), at the last '/' that fits. */
function splitName(p: Prepared): { prefix: Uint8Array; name: Uint8Array } {
  const n = p.name;
  if (n.length <= 100) return { prefix: EMPTY, name: n };
  // Not at a directory's trailing '/': an empty name field reads as the end of the archive to
  // some readers (GNU tar refuses such names too).
  for (let i = Math.min(155, n.length - 2); i > 0; i--) {
    if (n[i] !== 0x2f) continue;
    if (n.length - i - 1 > 100) break; // a shorter prefix only makes the name longer
    return { prefix: n.subarray(0, i), name: n.subarray(i + 1) };
  }
  const implied = p.impliedBy === undefined ? '' : ` (the parent directory of ${JSON.stringify(p.impliedBy)})`;
  throw new RangeError(
    `encodeTarGz: entry ${JSON.stringify(p.entry.path)}${implied}: name of ${n.length} bytes does not fit ustar (a prefix of up to 155 bytes, '/', a name of up to 100)`,
  );
}

/** `digits` octal digits (zero-padded) and a NUL in a field of `digits + 1` bytes. */
function putOctal(h: Uint8Array, at: number, fieldLength: number, value: number): void {
  const digits = fieldLength - 1;
  const s = value.toString(8).padStart(digits, '0');
  for (let i = 0; i < digits; i++) h[at + i] = s.charCodeAt(i);
  h[at + digits] = 0;
}

function gzipMember(data: Uint8Array, level: number): Uint8Array {
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

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * Decode a `.tar.gz` into its entries, in archive order, checking everything on the way. File
 * data are views into one inflated buffer.
 * @throws ARCHIVE_CORRUPT (not gzip, damaged or truncated deflate data, CRC-32 or ISIZE
 *         mismatch, more than `maxSize` inflated bytes, a bad header checksum or field, a size
 *         beyond the end, a missing end of archive, trailing garbage, a hard link, device, FIFO,
 *         sparse or unknown entry type); UNSAFE_PATH (an absolute path, a `..`, `.` or empty
 *         component, a NUL, invalid UTF-8, a duplicate path, an entry below a file or symlink).
 *         One line naming `file`, the offset and the entry. RangeError for a bad `maxSize`.
 * @example
 *   const entries = decodeTarGz(readFileSync(f), getBackend(), { file: f });
 *   for (const e of entries) if (e.type === 'file') console.log(e.path, e.data.length);
 */
export function decodeTarGz(bytes: Uint8Array, backend: Backend, options: DecodeTarGzOptions = {}): TarEntry[] {
  const maxSize = options.maxSize ?? DEFAULT_MAX_TAR_SIZE;
  if (!Number.isSafeInteger(maxSize) || maxSize < 0) throw new RangeError(`decodeTarGz: maxSize must be a non-negative integer, not ${maxSize}`);
  const tar = gunzip(bytes, backend, maxSize, options.file);
  return decodeTar(tar, { file: options.file });
}

/**
 * Decode an uncompressed tar stream (what `decodeTarGz` does after gunzip).
 * @throws ARCHIVE_CORRUPT, UNSAFE_PATH as `decodeTarGz`; offsets are in `tar`.
 * @example
 *   decodeTar(encodeTar([{ path: 'x', type: 'file', mode: 0o644, data }]))[0]!.path === 'x'
 */
export function decodeTar(tar: Uint8Array, options: { file?: string | undefined } = {}): TarEntry[] {
  return new TarReader(tar, options.file).read();
}

function archiveError(file: string | undefined, offset: number, reason: string, code: 'ARCHIVE_CORRUPT' | 'UNSAFE_PATH' = 'ARCHIVE_CORRUPT'): XtestPackError {
  return new XtestPackError(code, reason, { file, offset });
}

/** Inflate every gzip member of `bytes`, verified, into one buffer of at most `maxSize` bytes. */
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

/** Extended-header values that apply to the next entry. */
interface Pending {
  /** Offset of the first extended header, for "has no entry after it". */
  offset: number;
  paxPath?: string | undefined;
  paxLinkpath?: string | undefined;
  paxSize?: number | undefined;
  longName?: Uint8Array | undefined;
  longLink?: Uint8Array | undefined;
  seen: Set<string>;
}

/** Entry types read and refused (anything else unknown is refused too). */
const REFUSED_TYPES = new Map([
  ['1', 'a hard link'],
  ['3', 'a character device'],
  ['4', 'a block device'],
  ['6', 'a FIFO'],
  ['D', 'a GNU incremental directory dump'],
  ['M', 'a GNU multi-volume continuation'],
  ['N', 'an old GNU long-name list'],
  ['S', 'a GNU sparse file'],
  ['V', 'a GNU volume label'],
]);

class TarReader {
  readonly #tar: Uint8Array;
  readonly #file: string | undefined;
  #pending: Pending | undefined;
  readonly #entries: TarEntry[] = [];
  /** Path -> offset and type, for duplicates and entries below non-directories. */
  readonly #seen = new Map<string, { offset: number; type: TarEntry['type'] }>();

  constructor(tar: Uint8Array, file: string | undefined) {
    this.#tar = tar;
    this.#file = file;
  }

  read(): TarEntry[] {
    const tar = this.#tar;
    let pos = 0;
    for (;;) {
      if (tar.length - pos < BLOCK) {
        if (pos === tar.length) throw this.#fail(pos, 'tar: archive ends without the two zero blocks that end it (truncated?)');
        throw this.#fail(pos, `tar: archive ends inside a header block (${tar.length - pos} of 512 bytes)`);
      }
      const h = tar.subarray(pos, pos + BLOCK);
      if (firstNonZero(h, 0) < 0) {
        this.#end(pos);
        break;
      }
      pos = this.#entry(h, pos);
    }
    this.#checkAncestors();
    return this.#entries;
  }

  #fail(offset: number, reason: string, code: 'ARCHIVE_CORRUPT' | 'UNSAFE_PATH' = 'ARCHIVE_CORRUPT'): XtestPackError {
    return archiveError(this.#file, offset, reason, code);
  }

  /** The zero block at `pos` must be followed by another, then only zero bytes. */
  #end(pos: number): void {
    const tar = this.#tar;
    if (this.#pending !== undefined) throw this.#fail(this.#pending.offset, 'tar: extended header has no entry after it');
    if (tar.length - pos < 2 * BLOCK) throw this.#fail(pos, 'tar: archive ends after a single zero block (truncated?)');
    if (firstNonZero(tar.subarray(pos + BLOCK, pos + 2 * BLOCK), 0) >= 0) throw this.#fail(pos, 'tar: a lone zero block inside the archive');
    const garbage = firstNonZero(tar, pos + 2 * BLOCK);
    if (garbage >= 0) throw this.#fail(garbage, `tar: ${tar.length - garbage} bytes of trailing garbage after the end of the archive`);
  }

  /** Read the header at `pos` and its data; return the offset of the next header. */
  #entry(h: Uint8Array, pos: number): number {
    const tar = this.#tar;
    const gnu = hasBytes(h, MAGIC, GNU_MAGIC);
    const rawName = gnu || !h[PREFIX] ? field(h, NAME, 100) : concatBytes([field(h, PREFIX, 155), Uint8Array.of(0x2f), field(h, NAME, 100)]);
    const shown = (): string => JSON.stringify(this.#pending?.paxPath ?? utf8Decode(this.#pending?.longName ?? rawName, false));
    const sums = headerSums(h);
    const stored = parseNumber(h, CHKSUM, 8, false);
    if (stored === undefined) throw this.#fail(pos, `entry ${shown()}: header checksum field is not an octal number`);
    if (stored !== sums.unsigned && stored !== sums.signed) throw this.#fail(pos, `entry ${shown()}: header checksum ${stored} does not match the header's sum ${sums.unsigned}`);
    if (!gnu && !hasBytes(h, MAGIC, USTAR_MAGIC)) {
      throw this.#fail(pos, `entry ${shown()}: not a ustar header (magic ${JSON.stringify(latin1(h.subarray(MAGIC, MAGIC + 8)))})`);
    }
    const headerSize = parseNumber(h, SIZE, 12, true);
    if (headerSize === undefined) throw this.#fail(pos, `entry ${shown()}: size field is not a number (or is negative)`);
    const type = String.fromCharCode(h[TYPEFLAG]!);
    // A pax size applies to the entry, not to the extended headers themselves.
    const isExtension = type === 'x' || type === 'g' || type === 'L' || type === 'K';
    const size = !isExtension && this.#pending?.paxSize !== undefined ? this.#pending.paxSize : headerSize;
    const dataStart = pos + BLOCK;
    const remaining = tar.length - dataStart;
    if (padded(size) > remaining) {
      throw this.#fail(pos, `entry ${shown()}: size ${size} runs past the end of the archive (${remaining} bytes remain)`);
    }
    const data = tar.subarray(dataStart, dataStart + size);
    const next = dataStart + padded(size);

    switch (type) {
      case 'x':
        this.#pax(data, pos, shown);
        return next;
      case 'g':
        return next; // global pax records: nothing in them changes what we read
      case 'L':
      case 'K': {
        const p = this.#pendingAt(pos, type, shown);
        const nul = data.indexOf(0);
        const value = nul < 0 ? data : data.subarray(0, nul);
        if (value.length === 0) throw this.#fail(pos, `entry ${shown()}: GNU long ${type === 'L' ? 'name' : 'link'} is empty`);
        if (type === 'L') p.longName = value;
        else p.longLink = value;
        return next;
      }
      case '0':
      case '\0':
      case '7': // contiguous file: a regular file to every reader without the extension
      case '5':
      case '2':
        break;
      default: {
        const what = REFUSED_TYPES.get(type) ?? `an unknown entry type ${JSON.stringify(type)}`;
        const link = type === '1' ? ` (to ${JSON.stringify(this.#pending?.paxLinkpath ?? utf8Decode(this.#pending?.longLink ?? field(h, LINKNAME, 100), false))})` : '';
        throw this.#fail(pos, `entry ${shown()}: ${what}${link} is not supported`);
      }
    }

    const kind: TarEntry['type'] = type === '5' ? 'directory' : type === '2' ? 'symlink' : 'file';
    const pending = this.#pending;
    let path = pending?.paxPath ?? utf8Decode(pending?.longName ?? rawName, true);
    if (path === undefined) throw this.#fail(pos, `entry ${shown()}: path is not valid UTF-8`, 'UNSAFE_PATH');
    this.#pending = undefined;
    const display = JSON.stringify(path);
    if (kind === 'directory' && path.endsWith('/')) path = path.slice(0, -1);
    // `tar -C dir .` names entries "./a": that is "a", and "./" is the directory itself,
    // which is where the entries go (nothing to create).
    while (path.startsWith('./')) path = path.slice(2);
    if (path === '.' && kind === 'directory') return next;
    const problem = findTarPathProblem(path);
    if (problem !== undefined) throw this.#fail(pos, `entry ${display}: path ${problem}`, 'UNSAFE_PATH');
    const mode = parseNumber(h, MODE, 8, false);
    if (mode === undefined) throw this.#fail(pos, `entry ${display}: mode field is not an octal number`);
    if (kind !== 'file' && size !== 0) throw this.#fail(pos, `entry ${display}: a ${kind} with ${size} bytes of data`);
    const dup = this.#seen.get(path);
    if (dup !== undefined) throw this.#fail(pos, `entry ${JSON.stringify(path)}: appears twice (first at offset ${dup.offset})`, 'UNSAFE_PATH');
    this.#seen.set(path, { offset: pos, type: kind });
    if (kind === 'symlink') {
      const target = pending?.paxLinkpath ?? utf8Decode(pending?.longLink ?? field(h, LINKNAME, 100), true);
      if (target === undefined) throw this.#fail(pos, `entry ${display}: link target is not valid UTF-8`, 'UNSAFE_PATH');
      if (target === '') throw this.#fail(pos, `entry ${display}: symlink with an empty target`);
      if (target.includes('\0')) throw this.#fail(pos, `entry ${display}: link target contains a NUL`, 'UNSAFE_PATH');
      this.#entries.push({ path, type: kind, mode: mode & 0o7777, data: EMPTY, linkTarget: target });
    } else {
      this.#entries.push({ path, type: kind, mode: mode & 0o7777, data: kind === 'file' ? data : EMPTY });
    }
    return next;
  }

  /** The pending extended values, refusing a second header of the same kind before the entry. */
  #pendingAt(pos: number, kind: string, shown: () => string): Pending {
    const p = (this.#pending ??= { offset: pos, seen: new Set() });
    if (p.seen.has(kind)) throw this.#fail(pos, `entry ${shown()}: two '${kind}' extended headers for one entry`);
    p.seen.add(kind);
    return p;
  }

  /** pax extended header records: "<length> <key>=<value>\n", the length counting the whole record. */
  #pax(data: Uint8Array, pos: number, shown: () => string): void {
    const p = this.#pendingAt(pos, 'x', shown);
    let at = 0;
    while (at < data.length) {
      const bad = (why: string): never => {
        throw this.#fail(pos, `entry ${shown()}: pax record at byte ${at} of the extended header ${why}`);
      };
      let q = at;
      let length = 0;
      while (q < data.length && data[q]! >= 0x30 && data[q]! <= 0x39 && length <= data.length) length = length * 10 + data[q++]! - 0x30;
      if (q === at || data[q] !== 0x20) bad('does not start with a length and a space');
      if (length <= q - at + 1 || length > data.length - at) bad(`has length ${length}, which does not fit`);
      if (data[at + length - 1] !== 0x0a) bad('does not end with a newline');
      const record = data.subarray(q + 1, at + length - 1);
      const eq = record.indexOf(0x3d);
      if (eq <= 0) bad('has no key=value');
      const key = latin1(record.subarray(0, eq));
      const raw = record.subarray(eq + 1);
      if (key === 'path' || key === 'linkpath') {
        const value = raw.length === 0 ? undefined : utf8Decode(raw, true);
        if (raw.length > 0 && value === undefined) throw this.#fail(pos, `entry ${shown()}: pax ${key} is not valid UTF-8`, 'UNSAFE_PATH');
        if (key === 'path') p.paxPath = value;
        else p.paxLinkpath = value;
      } else if (key === 'size') {
        if (raw.length === 0) p.paxSize = undefined;
        else {
          const text = latin1(raw);
          const n = /^[0-9]{1,16}$/.test(text) ? Number(text) : NaN;
          if (!Number.isSafeInteger(n)) bad(`has size ${JSON.stringify(text)}, not a number below 2^53`);
          p.paxSize = n;
        }
      } else if (key.startsWith('GNU.sparse.')) {
        throw this.#fail(pos, `entry ${shown()}: a GNU sparse file (pax ${key}) is not supported`);
      }
      at += length;
    }
  }

  /** No entry may lie below a file or a symlink of the archive (a write through a link). */
  #checkAncestors(): void {
    for (const [path, { offset }] of this.#seen) {
      for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
        const parent = this.#seen.get(path.slice(0, i));
        if (parent !== undefined && parent.type !== 'directory') {
          throw this.#fail(offset, `entry ${JSON.stringify(path)}: lies below ${JSON.stringify(path.slice(0, i))}, a ${parent.type} at offset ${parent.offset}`, 'UNSAFE_PATH');
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Paths

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

// ---------------------------------------------------------------------------------------------
// Bytes

function padded(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

/** The header's sum with the checksum field as spaces, unsigned (POSIX) and signed (old tars). */
function headerSums(h: Uint8Array): { unsigned: number; signed: number } {
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
function parseNumber(h: Uint8Array, at: number, length: number, base256: boolean): number | undefined {
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
function field(h: Uint8Array, at: number, length: number): Uint8Array {
  const f = h.subarray(at, at + length);
  const nul = f.indexOf(0);
  return nul < 0 ? f : f.subarray(0, nul);
}

function hasBytes(h: Uint8Array, at: number, want: readonly number[]): boolean {
  for (let i = 0; i < want.length; i++) if (h[at + i] !== want[i]) return false;
  return true;
}

/** Index of the first non-zero byte at or after `from`, or -1. */
function firstNonZero(b: Uint8Array, from: number): number {
  for (let i = from; i < b.length; i++) if (b[i] !== 0) return i;
  return -1;
}


function u32le(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function putU32le(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

function hex32(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

function hexBytes(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

/** UTF-8 of `s`; `undefined` when it holds a lone surrogate (no UTF-8 form). */
function utf8Encode(s: string): Uint8Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return undefined;
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      i++;
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

/**
 * Decode UTF-8. `fatal`: `undefined` on any ill-formed sequence (overlong, surrogate, beyond
 * U+10FFFF, cut); otherwise each bad byte becomes U+FFFD (for messages).
 */
function utf8Decode(b: Uint8Array, fatal: true): string | undefined;
function utf8Decode(b: Uint8Array, fatal: false): string;
function utf8Decode(b: Uint8Array, fatal: boolean): string | undefined {
  const cps: number[] = [];
  let i = 0;
  while (i < b.length) {
    const b0 = b[i]!;
    let need = 0;
    let lo = 0x80;
    let hi = 0xbf;
    let cp = b0;
    if (b0 < 0x80) need = 0;
    else if (b0 >= 0xc2 && b0 <= 0xdf) [need, cp] = [1, b0 & 0x1f];
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      [need, cp] = [2, b0 & 0x0f];
      if (b0 === 0xe0) lo = 0xa0;
      if (b0 === 0xed) hi = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      [need, cp] = [3, b0 & 0x07];
      if (b0 === 0xf0) lo = 0x90;
      if (b0 === 0xf4) hi = 0x8f;
    } else need = -1;
    let ok = need >= 0;
    for (let k = 1; ok && k <= need; k++) {
      const c = b[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (!ok) {
      if (fatal) return undefined;
      cps.push(0xfffd);
      i++;
      continue;
    }
    cps.push(cp);
    i += need + 1;
  }
  let s = '';
  for (let k = 0; k < cps.length; k += 4096) s += String.fromCodePoint(...cps.slice(k, k + 4096));
  return s;
}
