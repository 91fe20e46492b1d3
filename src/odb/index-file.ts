/**
 * The index file, `$GIT_DIR/index` (gitformat-index(5); git's read-cache.c `do_read_index`,
 * `create_from_disk`, `check_ce_order`), versions 2, 3 and 4, SHA-1 and SHA-256:
 *
 * ```
 *   "DIRC" | version u32 (2, 3, 4) | entry count u32
 *   entry*:  ctime s,ns | mtime s,ns | dev | ino | mode | uid | gid | size      10 x u32
 *            oid (20 or 32) | flags u16: assume-valid 1, extended 1, stage 2, name length 12
 *            [v3+, extended: u16: reserved 1, skip-worktree 1, intent-to-add 1, zero 13]
 *            v2/v3: name NUL, then NULs to a multiple of 8 bytes from the entry's start
 *            v4:    varint N (bytes cut from the previous name), suffix NUL, no padding
 *   extension*: signature 4 bytes ('A'..'Z' first: optional) | size u32 | data
 *   checksum: hash of all that precedes (all zeros: not computed, index.skipHash)
 * ```
 *
 * Strict: every declared length is checked against what remains before it is used, names are
 * NUL-terminated where the flags say, padding is NUL, entries are in git's order, unknown
 * flag bits and unknown required extensions are refused. `link` (split index) is decoded here
 * and merged with its shared index by index-read.ts; `sdir` (a sparse index) allows directory
 * entries (mode 040000, skip-worktree, name ending in '/').
 */
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { ByteWriter, bytesEqual, compareBytes } from '../pack/bytes.js';
import { hashLength, type ObjectFormat } from '../pack/oid.js';
import { decodeLink, type SplitIndexLink } from './index-link.js';
import { decodeUtf8 } from '../pack/utf8.js';

export const INDEX_SIGNATURE = 0x44495243; // "DIRC"
/** Mode of a sparse-directory entry (S_IFDIR): only in an index with the `sdir` extension. */
export const MODE_SPARSE_DIRECTORY = 0o040000;

const CE_VALID = 0x8000;
const CE_EXTENDED = 0x4000;
const CE_STAGEMASK = 0x3000;
const CE_NAMEMASK = 0x0fff;
// The second flags word, as git keeps it shifted by 16 (CE_SKIP_WORKTREE, CE_INTENT_TO_ADD).
const CE_SKIP_WORKTREE2 = 0x4000;
const CE_INTENT_TO_ADD2 = 0x2000;
const VALID_MODES = new Set([0o100644, 0o100755, 0o120000, 0o160000, MODE_SPARSE_DIRECTORY]);

export interface IndexEntry {
  /** The path, decoded as UTF-8 (ill-formed bytes become U+FFFD; `pathBytes` is exact). */
  readonly path: string;
  readonly pathBytes: Uint8Array;
  /** 100644, 100755, 120000, 160000, or 040000 for a sparse directory. */
  readonly mode: number;
  readonly oid: Uint8Array;
  /** 0 merged; 1 base, 2 ours, 3 theirs during a merge. */
  readonly stage: number;
  readonly assumeValid: boolean;
  /** Not in the work tree by design (sparse checkout, `update-index --skip-worktree`). */
  readonly skipWorktree: boolean;
  /** Added with `git add -N`: the id is the empty blob's. */
  readonly intentToAdd: boolean;
  /** stat(2) data as git recorded it; `size` is truncated to 32 bits. */
  readonly size: number;
  readonly ctimeSeconds: number;
  readonly ctimeNanoseconds: number;
  readonly mtimeSeconds: number;
  readonly mtimeNanoseconds: number;
  readonly dev: number;
  readonly ino: number;
  readonly uid: number;
  readonly gid: number;
}

export interface IndexExtension {
  /** Four characters, e.g. `TREE`, `REUC`, `UNTR`, `link`. */
  readonly signature: string;
  /** Absolute offset of the extension's header. */
  readonly offset: number;
  /** The data (a view into the input). */
  readonly data: Uint8Array;
}

export interface IndexFile {
  readonly version: 2 | 3 | 4;
  readonly format: ObjectFormat;
  /** In the file's order: git's order, except in a split index's own file. */
  readonly entries: IndexEntry[];
  readonly extensions: IndexExtension[];
  /** The trailing checksum; all zeros when it was not computed (index.skipHash). */
  readonly checksum: Uint8Array;
  /** The `sdir` extension is present: directory entries may stand for whole trees. */
  readonly sparse: boolean;
  /** The `link` extension: this file holds changes to a shared index (index-read.ts merges). */
  readonly link: SplitIndexLink | undefined;
}

export interface DecodeIndexOptions {
  /** Named in errors. */
  file?: string;
  /** Check the trailing checksum (default true; an all-zero checksum is never checked, as git). */
  verifyChecksum?: boolean;
}

/**
 * Decode an index file.
 * @throws INDEX_CORRUPT naming the file and offset; CHECKSUM_MISMATCH when the trailing
 *         checksum does not hash the rest; INDEX_UNSUPPORTED for a required extension git
 *         would not understand either.
 * @example
 *   const index = decodeIndex(readFileSync('.git/index'), 'sha1', backend, { file: '.git/index' });
 *   index.entries.filter((e) => e.skipWorktree).map((e) => e.path);
 */
export function decodeIndex(bytes: Uint8Array, format: ObjectFormat, backend: Backend, options: DecodeIndexOptions = {}): IndexFile {
  const file = options.file;
  // A plain view: subarrays of a Node Buffer are Buffers, much slower to make by the thousand.
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (offset: number, reason: string): never => {
    throw new XtestPackError('INDEX_CORRUPT', reason, { file, offset });
  };
  const h = hashLength(format);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 + h) fail(0, `${bytes.length} bytes: shorter than a header and a ${format} checksum`);
  if (view.getUint32(0) !== INDEX_SIGNATURE) fail(0, 'bad signature (not DIRC)');
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3 && version !== 4) fail(4, `index version ${version} (2, 3 and 4 are read)`);
  const count = view.getUint32(8);
  const end = bytes.length - h;
  const checksum = bytes.subarray(end);
  if (options.verifyChecksum !== false && checksum.some((b) => b !== 0)) {
    const actual = backend.createHash(format).update(bytes.subarray(0, end)).digest();
    if (!bytesEqual(actual, checksum)) {
      throw new XtestPackError('CHECKSUM_MISMATCH', `index checksum does not match its contents (${format})`, { file, offset: end });
    }
  }
  const fixed = 40 + h + 2;
  // The smallest entry is the fixed part, a one-byte name and its NUL: checked before the loop.
  if (count > Math.floor((end - 12) / (fixed + 2))) fail(8, `${count} entries cannot fit in ${end - 12} bytes`);

  const entries: IndexEntry[] = [];
  const starts: number[] = [];
  let at = 12;
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < count; i++) {
    const start = at;
    if (end - start < fixed) fail(start, `entry ${i}: truncated (${end - start} bytes left)`);
    const mode = view.getUint32(start + 24);
    if (!VALID_MODES.has(mode)) fail(start + 24, `entry ${i}: mode ${mode.toString(8)} is not a file, symlink, gitlink or sparse directory`);
    const flags = view.getUint16(start + 40 + h);
    let nameAt = start + fixed;
    let flags2 = 0;
    if ((flags & CE_EXTENDED) !== 0) {
      if (version < 3) fail(start + 40 + h, `entry ${i}: extended flags in a version ${version} index`);
      if (end - nameAt < 2) fail(nameAt, `entry ${i}: truncated extended flags`);
      flags2 = view.getUint16(nameAt);
      if ((flags2 & ~(CE_SKIP_WORKTREE2 | CE_INTENT_TO_ADD2)) !== 0) fail(nameAt, `entry ${i}: unknown extended flags 0x${flags2.toString(16)}`);
      nameAt += 2;
    }
    const declared = flags & CE_NAMEMASK;
    let name: Uint8Array;
    if (version === 4) {
      const { value: strip, next } = readVarint(bytes, nameAt, end, i, fail);
      if (i === 0 && strip !== 0) fail(nameAt, `entry 0: removes ${strip} bytes from no previous name`);
      if (strip > previous.length) fail(nameAt, `entry ${i}: removes ${strip} bytes from a ${previous.length}-byte name`);
      const nul = bytes.subarray(next, end).indexOf(0);
      if (nul < 0) fail(next, `entry ${i}: name not NUL-terminated before the extensions`);
      const keep = previous.length - strip;
      name = new Uint8Array(keep + nul);
      name.set(previous.subarray(0, keep));
      name.set(bytes.subarray(next, next + nul), keep);
      at = next + nul + 1;
    } else {
      let length = declared;
      if (declared === CE_NAMEMASK) {
        length = bytes.subarray(nameAt, end).indexOf(0);
        if (length < 0) fail(nameAt, `entry ${i}: name not NUL-terminated before the extensions`);
      } else if (end - nameAt < length + 1) {
        fail(nameAt, `entry ${i}: name of ${length} bytes runs past the entries`);
      }
      name = bytes.subarray(nameAt, nameAt + length);
      const nul = name.indexOf(0);
      if (nul >= 0) fail(nameAt + nul, `entry ${i}: NUL inside a name of ${length} bytes`);
      // git's ondisk_ce_size: 1 to 8 NULs after the name, to a multiple of 8 from the entry's start.
      const size = (nameAt - start + length + 8) & ~7;
      if (end - start < size) fail(nameAt + length, `entry ${i}: padding runs past the entries`);
      for (let k = nameAt + length; k < start + size; k++) if (bytes[k] !== 0) fail(k, `entry ${i}: padding byte is not NUL`);
      at = start + size;
    }
    if (declared === CE_NAMEMASK ? name.length < CE_NAMEMASK : name.length !== declared) {
      fail(start + 40 + h, `entry ${i}: name length field ${declared} for a ${name.length}-byte name`);
    }
    const stage = (flags & CE_STAGEMASK) >> 12;
    const skipWorktree = (flags2 & CE_SKIP_WORKTREE2) !== 0;
    starts.push(start);
    entries.push({
      path: decodeUtf8(name),
      pathBytes: name,
      mode,
      oid: bytes.subarray(start + 40, start + 40 + h),
      stage,
      assumeValid: (flags & CE_VALID) !== 0,
      skipWorktree,
      intentToAdd: (flags2 & CE_INTENT_TO_ADD2) !== 0,
      size: view.getUint32(start + 36),
      ctimeSeconds: view.getUint32(start),
      ctimeNanoseconds: view.getUint32(start + 4),
      mtimeSeconds: view.getUint32(start + 8),
      mtimeNanoseconds: view.getUint32(start + 12),
      dev: view.getUint32(start + 16),
      ino: view.getUint32(start + 20),
      uid: view.getUint32(start + 28),
      gid: view.getUint32(start + 32),
    });
    previous = name;
  }

  const extensions: IndexExtension[] = [];
  let link: SplitIndexLink | undefined;
  let sparse = false;
  while (at < end) {
    if (end - at < 8) fail(at, `${end - at} bytes after the entries: not an extension header`);
    const signature = String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
    const size = view.getUint32(at + 4);
    if (size > end - at - 8) fail(at + 4, `extension ${JSON.stringify(signature)} of ${size} bytes runs past the checksum`);
    const data = bytes.subarray(at + 8, at + 8 + size);
    if (signature === 'link') link = decodeLink(data, format, at + 8, file);
    else if (signature === 'sdir') sparse = true;
    else if (!(bytes[at]! >= 0x41 && bytes[at]! <= 0x5a)) {
      throw new XtestPackError('INDEX_UNSUPPORTED', `index uses ${JSON.stringify(signature)} extension, which we do not understand`, { file, offset: at });
    }
    extensions.push({ signature, offset: at, data });
    at += 8 + size;
  }

  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.mode === MODE_SPARSE_DIRECTORY && !sparse) fail(starts[i]!, `entry ${i} (${JSON.stringify(e.path)}): a directory entry in an index without the sdir extension`);
    // A split index's own file names no replaced entry: its name is the shared entry's.
    if (!(link !== undefined && e.pathBytes.length === 0)) checkName(e.pathBytes, e.mode, e.skipWorktree, e.stage, i, starts[i]!, fail);
  }
  // A split index's own file holds replacements (nameless) then additions: not in one order.
  if (link === undefined) checkIndexOrder(entries, file);
  return { version: version as 2 | 3 | 4, format, entries, extensions, checksum, sparse, link };
}

export interface IndexInput {
  readonly version: 2 | 3 | 4;
  readonly format: ObjectFormat;
  /** In git's order (not checked: an encoder of hostile files for tests needs other orders). */
  readonly entries: readonly Omit<IndexEntry, 'path'>[];
  readonly extensions?: readonly Pick<IndexExtension, 'signature' | 'data'>[];
  /** Write an all-zero checksum, as git with index.skipHash. */
  readonly skipHash?: boolean;
}

/**
 * Encode an index file as git writes one (git's do_write_index, ce_write_entry).
 * @throws RangeError for what no index can hold (extended flags in version 2, a name with NUL).
 * @example
 *   const bytes = encodeIndex({ version: 2, format: 'sha1', entries: decoded.entries }, backend);
 */
export function encodeIndex(index: IndexInput, backend: Backend): Uint8Array {
  const h = hashLength(index.format);
  const w = new ByteWriter(64 + index.entries.length * 80);
  w.u32be(INDEX_SIGNATURE).u32be(index.version).u32be(index.entries.length);
  let previous: Uint8Array = new Uint8Array(0);
  for (const e of index.entries) {
    const name = e.pathBytes;
    if (name.includes(0)) throw new RangeError('encodeIndex: a name holds NUL');
    if (e.oid.length !== h) throw new RangeError(`encodeIndex: a ${e.oid.length}-byte id in a ${index.format} index`);
    const extended = e.skipWorktree || e.intentToAdd;
    if (extended && index.version < 3) throw new RangeError(`encodeIndex: extended flags need version 3 or 4, not ${index.version}`);
    const start = w.length;
    for (const v of [e.ctimeSeconds, e.ctimeNanoseconds, e.mtimeSeconds, e.mtimeNanoseconds, e.dev, e.ino, e.mode, e.uid, e.gid, e.size]) w.u32be(v);
    w.bytes(e.oid);
    const flags = (e.assumeValid ? CE_VALID : 0) | (extended ? CE_EXTENDED : 0) | ((e.stage & 3) << 12) | Math.min(name.length, CE_NAMEMASK);
    w.u8(flags >> 8).u8(flags & 0xff);
    if (extended) {
      const flags2 = (e.skipWorktree ? CE_SKIP_WORKTREE2 : 0) | (e.intentToAdd ? CE_INTENT_TO_ADD2 : 0);
      w.u8(flags2 >> 8).u8(0);
    }
    if (index.version === 4) {
      let common = 0;
      while (common < previous.length && common < name.length && previous[common] === name[common]) common++;
      w.bytes(encodeVarint(previous.length - common)).bytes(name.subarray(common)).u8(0);
      previous = name;
    } else {
      w.bytes(name);
      const size = (w.length - start + 8) & ~7;
      while (w.length < start + size) w.u8(0);
    }
  }
  for (const x of index.extensions ?? []) {
    if (x.signature.length !== 4) throw new RangeError(`encodeIndex: extension signature ${JSON.stringify(x.signature)}`);
    for (let i = 0; i < 4; i++) w.u8(x.signature.charCodeAt(i) & 0xff);
    w.u32be(x.data.length).bytes(x.data);
  }
  const body = w.finish();
  const out = new Uint8Array(body.length + h);
  out.set(body);
  if (index.skipHash !== true) out.set(backend.createHash(index.format).update(body).digest(), body.length);
  return out;
}

/** git's encode_varint. */
function encodeVarint(value: number): Uint8Array {
  const out = [value & 0x7f];
  while ((value = Math.floor(value / 128)) > 0) out.unshift(0x80 | (--value & 0x7f));
  return Uint8Array.from(out);
}

/** git's decode_varint (the OFS_DELTA offset encoding), capped below 2^53. */
function readVarint(bytes: Uint8Array, at: number, end: number, i: number, fail: (o: number, r: string) => never): { value: number; next: number } {
  let p = at;
  if (p >= end) fail(p, `entry ${i}: truncated name`);
  let c = bytes[p++]!;
  let value = c & 0x7f;
  while ((c & 0x80) !== 0) {
    if (p >= end) fail(at, `entry ${i}: truncated prefix length`);
    if (value >= 2 ** 45) fail(at, `entry ${i}: prefix length varint is too long`);
    c = bytes[p++]!;
    value = (value + 1) * 128 + (c & 0x7f);
  }
  return { value, next: p };
}

const DOT = 0x2e;
const SLASH = 0x2f;

/**
 * What gitformat-index allows in a name: no empty, `.`, `..` or `.git` component (any case,
 * as git's verify_path), no leading '/', a trailing '/' only on a sparse directory, which
 * must have the skip-worktree bit and stage 0.
 */
function checkName(name: Uint8Array, mode: number, skipWorktree: boolean, stage: number, i: number, offset: number, fail: (o: number, r: string) => never): void {
  const dir = mode === MODE_SPARSE_DIRECTORY;
  const shown = (): string => JSON.stringify(decodeUtf8(name));
  if (dir && (!skipWorktree || stage !== 0 || name[name.length - 1] !== SLASH)) {
    fail(offset, `entry ${i} (${shown()}): a sparse directory needs skip-worktree, stage 0 and a trailing '/'`);
  }
  const end = dir ? name.length - 1 : name.length;
  let from = 0;
  for (let k = 0; k <= end; k++) {
    if (k < end && name[k] !== SLASH) continue;
    // The component name[from, k), compared in place (no views made for every entry).
    const n = k - from;
    const c0 = name[from];
    const bad =
      n === 0 ||
      (n === 1 && c0 === DOT) ||
      (n === 2 && c0 === DOT && name[from + 1] === DOT) ||
      (n === 4 && c0 === DOT && (name[from + 1]! | 0x20) === 0x67 && (name[from + 2]! | 0x20) === 0x69 && (name[from + 3]! | 0x20) === 0x74);
    if (bad) fail(offset, `entry ${i}: invalid path ${shown()}`);
    from = k + 1;
  }
}

/**
 * git's check_ce_order: names ascending in byte order; a name more than once only in distinct,
 * rising stages above 0.
 * @throws INDEX_CORRUPT naming the file.
 * @example
 *   checkIndexOrder(mergedEntries, '.git/index');
 */
export function checkIndexOrder(entries: readonly IndexEntry[], file?: string): void {
  const fail = (offset: number, reason: string): never => {
    throw new XtestPackError('INDEX_CORRUPT', reason, { file, offset });
  };
  for (let i = 1; i < entries.length; i++) {
    const a = entries[i - 1]!;
    const b = entries[i]!;
    const cmp = compareBytes(a.pathBytes, b.pathBytes);
    if (cmp > 0) fail(12, `entries ${i - 1} and ${i} out of order: ${JSON.stringify(a.path)} before ${JSON.stringify(b.path)}`);
    if (cmp === 0 && (a.stage === 0 || a.stage >= b.stage)) {
      fail(12, `entries ${i - 1} and ${i}: ${JSON.stringify(a.path)} twice (stages ${a.stage} and ${b.stage})`);
    }
  }
}
