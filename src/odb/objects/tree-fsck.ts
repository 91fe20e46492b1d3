/**
 * What `git fsck --strict` says of a tree's entries (fsck.c `fsck_tree`, `verify_ordered`; the
 * message ids of fsck.h), as bits that scanTree gathers while it reads a tree, and the refusal
 * a checkout makes of them (verifyTree).
 *
 *   per entry   mode: zeroPaddedFilemode (leading '0'), badFilemode (not one of 100644,
 *               100755, 120000, 40000, 160000; 100664 too, as under --strict)
 *               name: fullPathname ('/'), hasDot, hasDotdot, hasDotgit (any spelling NTFS or
 *               HFS+ honours, also after a '\'), largePathname (over 4096 bytes, git 2.41+),
 *               gitmodulesSymlink and, reported by git as warnings, gitattributesSymlink,
 *               gitignoreSymlink, mailmapSymlink
 *               id: nullSha1
 *   pairs       treeNotSorted, duplicateEntries (also "a", "a.b", "a/": not adjacent)
 *
 * emptyName is never reported for bytes: git's tree reader refuses an empty name as badTree,
 * and so does scanTree (OBJECT_CORRUPT). Only checkTree, over entries, can see one.
 */
import { XtestPackError } from '../../errors.js';
import { dotGitFileKind, isDotGitLike, isNtfsDotGit, isNtfsDotGitmodules } from './names.js';
import { decodeUtf8 } from '../../pack/utf8.js';

/** Which fsck problems of a tree are known, by git's fsck message ids. */
export type TreeProblem =
  | 'nullSha1'
  | 'fullPathname'
  | 'emptyName'
  | 'hasDot'
  | 'hasDotdot'
  | 'hasDotgit'
  | 'zeroPaddedFilemode'
  | 'badFilemode'
  | 'duplicateEntries'
  | 'treeNotSorted'
  | 'largePathname'
  | 'gitmodulesSymlink'
  | 'gitattributesSymlink'
  | 'gitignoreSymlink'
  | 'mailmapSymlink';

/**
 * The problems as bits, in the order a refusal names them: names that are unsafe to write
 * first (UNSAFE_PATH), then the rest (OBJECT_INVALID).
 */
export const TREE_PROBLEMS: readonly TreeProblem[] = [
  'hasDotgit',
  'hasDotdot',
  'hasDot',
  'fullPathname',
  'emptyName',
  'gitmodulesSymlink',
  'gitattributesSymlink',
  'gitignoreSymlink',
  'mailmapSymlink',
  'duplicateEntries',
  'treeNotSorted',
  'badFilemode',
  'zeroPaddedFilemode',
  'nullSha1',
  'largePathname',
];
const bit = (p: TreeProblem): number => 1 << TREE_PROBLEMS.indexOf(p);

export const P_ZERO_PADDED = bit('zeroPaddedFilemode');
export const P_BAD_FILEMODE = bit('badFilemode');
export const P_NULL_SHA1 = bit('nullSha1');
export const P_EMPTY_NAME = bit('emptyName');
const P_UNSAFE_NAMES = ['hasDotgit', 'hasDotdot', 'hasDot', 'fullPathname', 'emptyName', 'gitmodulesSymlink', 'gitattributesSymlink', 'gitignoreSymlink', 'mailmapSymlink'].reduce(
  (m, p) => m | bit(p as TreeProblem),
  0,
);

/** git's limit on a tree entry's name (fsck.c `max_tree_entry_len`, git 2.41). */
export const MAX_TREE_ENTRY_LEN = 4096;

/** The problem names of a bit set, in TREE_PROBLEMS order. */
export function treeProblemNames(bits: number): TreeProblem[] {
  return TREE_PROBLEMS.filter((_, i) => (bits & (1 << i)) !== 0);
}

/** The modes git writes (fsck.c: anything else is badFilemode; 100664 only without --strict). */
export function isGitMode(mode: number): boolean {
  return mode === 0o100644 || mode === 0o40000 || mode === 0o100755 || mode === 0o120000 || mode === 0o160000;
}

/**
 * Could the name of `length` bytes at `buf[start]`, of raw mode `mode` and holding no '/' or
 * '\\', have a name problem? False for nearly every name, quickly: nameProblems runs only when
 * this is true (or the name holds a separator).
 */
export function nameMayBeSpecial(buf: Uint8Array, start: number, length: number, mode: number): boolean {
  const c0 = buf[start]!;
  // A symlink may be one of git's own files, in any spelling; any name may be too long.
  if ((mode & 0o170000) === 0o120000 || length > MAX_TREE_ENTRY_LEN) return true;
  // '.', '..', and '.git' in any case or with code points HFS+ ignores ('.g\u200cit').
  if (c0 === 0x2e) return length <= 2 || (buf[start + 1]! | 0x20) === 0x67 || buf[start + 1]! >= 0x80;
  // The NTFS short name 'git~1'.
  if ((c0 | 0x20) === 0x67) return length >= 5 && buf[start + 3] === 0x7e;
  // A code point HFS+ ignores before '.git'.
  return c0 >= 0x80;
}

/** The name problems of `buf[start, end)`, an entry with raw mode `mode`, as bits. */
export function nameProblems(buf: Uint8Array, start: number, end: number, mode: number): number {
  let bits = 0;
  const len = end - start;
  if (len > MAX_TREE_ENTRY_LEN) bits |= bit('largePathname');
  if (len === 0) return bits | P_EMPTY_NAME;
  let backslash = false;
  for (let i = start; i < end; i++) {
    if (buf[i] === 0x2f) bits |= bit('fullPathname');
    else if (buf[i] === 0x5c) backslash = true;
  }
  if (len === 1 && buf[start] === 0x2e) bits |= bit('hasDot');
  if (len === 2 && buf[start] === 0x2e && buf[start + 1] === 0x2e) bits |= bit('hasDotdot');
  const s = decodeUtf8(buf.subarray(start, end));
  // git's HFS+ check reads UTF-8 and stops at a malformed sequence: the part before it counts.
  const bad = s.indexOf('\ufffd');
  const valid = bad < 0 ? s : s.slice(0, bad);
  if (isDotGitLike(s) || (bad >= 0 && isDotGitLike(valid))) bits |= bit('hasDotgit');
  const symlink = (mode & 0o170000) === 0o120000;
  if (backslash) {
    // NTFS takes '\' as a separator: every part after one is a name there.
    for (let i = s.indexOf('\\'); i >= 0; i = s.indexOf('\\', i + 1)) {
      const rest = s.slice(i + 1);
      if (isNtfsDotGit(rest)) bits |= bit('hasDotgit');
      if (symlink && isNtfsDotGitmodules(rest)) bits |= bit('gitmodulesSymlink');
    }
  }
  if (symlink) {
    const kind = dotGitFileKind(s) ?? (bad >= 0 ? dotGitFileKind(valid) : undefined);
    if (kind !== undefined) bits |= bit(`${kind}Symlink`);
  }
  return bits;
}

/** True when `buf[start, start + h)` is all zeros. */
export function isNullOid(buf: Uint8Array, start: number, h: number): boolean {
  for (let i = start; i < start + h; i++) if (buf[i] !== 0) return false;
  return true;
}

/** A name of an earlier entry, kept for the duplicate check: its bytes' place. */
interface NameRef {
  readonly buf: Uint8Array;
  readonly start: number;
  readonly end: number;
}

const isLessThanSlash = (c: number): boolean => c > 0 && c < 0x2f;

/**
 * git's `verify_ordered`: may the entry `b` follow the entry `a`? 0, or the bit of
 * treeNotSorted or duplicateEntries. `candidates` holds names of earlier files that a
 * directory of the same name further on would duplicate ("a", "a.b", "a/"), for the next call.
 */
export function verifyOrdered(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  aDir: boolean,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
  bDir: boolean,
  candidates: NameRef[],
): number {
  const aLen = aEnd - aStart;
  const bLen = bEnd - bStart;
  const len = aLen < bLen ? aLen : bLen;
  for (let i = 0; i < len; i++) {
    const d = a[aStart + i]! - b[bStart + i]!;
    if (d < 0) return 0;
    if (d > 0) return bit('treeNotSorted');
  }
  let c1 = aLen > len ? a[aStart + len]! : 0;
  let c2 = bLen > len ? b[bStart + len]! : 0;
  // The same name twice: git-write-tree once wrote a blob and a tree of one name.
  if (c1 === 0 && c2 === 0) return bit('duplicateEntries');
  if (c1 === 0 && aDir) c1 = 0x2f;
  if (c2 === 0 && bDir) c2 = 0x2f;
  if (c1 === 0 && isLessThanSlash(c2)) {
    // A file `a` then `a.b`: a directory `a/` may still come, not next to it.
    candidates.push({ buf: a, start: aStart, end: aEnd });
  } else if (c2 === 0x2f && isLessThanSlash(c1)) {
    // A directory `b/` after names that extend `b` by characters below '/': is `b` a file of them?
    for (;;) {
      const f = candidates.pop();
      if (f === undefined) break;
      const fLen = f.end - f.start;
      if (fLen > bLen || !sameBytes(b, bStart, f.buf, f.start, fLen)) continue;
      if (fLen === bLen) return bit('duplicateEntries');
      if (isLessThanSlash(b[bStart + fLen]!)) {
        candidates.push(f);
        break;
      }
    }
  }
  return c1 < c2 ? 0 : bit('treeNotSorted');
}

function sameBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

/** One entry of a tree, where scanTree found it (for naming it in an error). */
export interface ScannedEntry {
  readonly modeStart: number;
  readonly nameStart: number;
  readonly nameEnd: number;
  readonly mode: number;
}

const WHAT: Readonly<Record<TreeProblem, string>> = {
  hasDotgit: "is '.git' or a name a file system may take for it",
  hasDotdot: "is '..'",
  hasDot: "is '.'",
  fullPathname: "contains '/'",
  emptyName: 'is empty',
  gitmodulesSymlink: 'is .gitmodules as a symbolic link',
  gitattributesSymlink: 'is .gitattributes as a symbolic link',
  gitignoreSymlink: 'is .gitignore as a symbolic link',
  mailmapSymlink: 'is .mailmap as a symbolic link',
  duplicateEntries: 'appears twice in the tree',
  treeNotSorted: "is not in git's order",
  badFilemode: 'has a mode git does not write',
  zeroPaddedFilemode: 'has a zero-padded mode',
  nullSha1: 'points at the null object id',
  largePathname: `has a name over ${MAX_TREE_ENTRY_LEN} bytes`,
};

/**
 * Refuse a tree on the way to a checkout for the first problem of `bits` (from scanTree),
 * naming git's fsck message id, the tree's path and the entry. A name unsafe to write is
 * UNSAFE_PATH with the entry's path; anything else OBJECT_INVALID with the tree's.
 * @param entries  the tree's entries as scanTree found them (read only on this error path)
 * @param path     the tree's path from the root ('' for the root)
 * @throws UNSAFE_PATH or OBJECT_INVALID when `bits` is not 0.
 * @example
 *   const bits = scanTree(data, format, hex, visit); if (bits) verifyTree(data, entries(), bits, hex, 'fixtures');
 */
export function verifyTree(data: Uint8Array, entries: () => readonly ScannedEntry[], bits: number, h: number, oidHex: string, path: string): void {
  if (bits === 0) return;
  const first = treeProblemNames(bits)[0]!;
  const all = entries();
  const at = findEntry(data, all, first, h);
  const e = all[at]!;
  const name = decodeUtf8(data.subarray(e.nameStart, e.nameEnd));
  const entryPath = path === '' ? name : `${path}/${name}`;
  const others = treeProblemNames(bits).slice(1);
  const also = others.length > 0 ? ` (also ${others.join(', ')})` : '';
  if ((bits & P_UNSAFE_NAMES) !== 0) {
    throw new XtestPackError('UNSAFE_PATH', `${first}: tree entry ${JSON.stringify(name)} ${WHAT[first]}${also}`, { oid: oidHex, path: entryPath });
  }
  let detail = `entry ${JSON.stringify(name)} ${WHAT[first]}`;
  if (first === 'treeNotSorted' || first === 'duplicateEntries') {
    const prev = all[at - 1];
    const prevName = prev === undefined ? '' : decodeUtf8(data.subarray(prev.nameStart, prev.nameEnd));
    detail = first === 'treeNotSorted' ? `entry ${JSON.stringify(name)} after ${JSON.stringify(prevName)}: not in git's order` : `entry ${JSON.stringify(name)} appears twice`;
  } else if (first === 'badFilemode' || first === 'zeroPaddedFilemode') {
    detail += ` (${String.fromCharCode(...data.subarray(e.modeStart, e.nameStart - 1))})`;
  }
  throw new XtestPackError('OBJECT_INVALID', `${first}: tree ${detail}${also}`, { oid: oidHex, path: path === '' ? '/' : `${path}/` });
}

/** The index of the entry at which `problem` shows (for a pair, the second of the two). */
function findEntry(data: Uint8Array, all: readonly ScannedEntry[], problem: TreeProblem, h: number): number {
  const want = bit(problem);
  const candidates: NameRef[] = [];
  for (let i = 0; i < all.length; i++) {
    const e = all[i]!;
    let bits = 0;
    if (data[e.modeStart] === 0x30) bits |= P_ZERO_PADDED;
    if (!isGitMode(e.mode)) bits |= P_BAD_FILEMODE;
    if (isNullOid(data, e.nameEnd + 1, h)) bits |= P_NULL_SHA1;
    bits |= nameProblems(data, e.nameStart, e.nameEnd, e.mode);
    const p = all[i - 1];
    if (p !== undefined) {
      bits |= verifyOrdered(data, p.nameStart, p.nameEnd, isDirMode(p.mode), data, e.nameStart, e.nameEnd, isDirMode(e.mode), candidates);
    }
    if (bits & want) return i;
  }
  return 0;
}

/** S_ISDIR of a raw mode. */
export function isDirMode(mode: number): boolean {
  return (mode & 0o170000) === 0o040000;
}
