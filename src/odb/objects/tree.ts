/**
 * Tree objects (git's tree-walk.c `decode_tree_entry`, fsck.c `fsck_tree`).
 *
 *   entry: <mode in ASCII octal> SP <name bytes> NUL <raw object id>
 *
 * Entries are sorted by name, a directory's name compared as if it ended in '/'. The mode is
 * kept as written, so serializing a parsed tree reproduces its bytes even when the mode is
 * unusual (zero-padded, legacy 100664).
 */
import { XtestPackError } from '../../errors.js';
import { hashLength, type ObjectFormat, type ObjectType } from '../../pack/oid.js';
import {
  isDirMode,
  isGitMode,
  isNullOid,
  nameMayBeSpecial,
  nameProblems,
  P_BAD_FILEMODE,
  P_EMPTY_NAME,
  P_NULL_SHA1,
  P_ZERO_PADDED,
  treeProblemNames,
  verifyOrdered,
  type TreeProblem,
} from './tree-fsck.js';

export { treeProblemNames, verifyTree, type TreeProblem } from './tree-fsck.js';

export const MODE_TREE = 0o040000;
export const MODE_BLOB = 0o100644;
export const MODE_EXECUTABLE = 0o100755;
export const MODE_SYMLINK = 0o120000;
export const MODE_GITLINK = 0o160000;

export interface TreeEntry {
  /** The mode as written in the tree (octal digits, ASCII). */
  readonly modeText: string;
  /** The mode canonicalized as git does when it reads a tree (`canon_mode`). */
  readonly mode: number;
  /** The name's bytes (any bytes but '/' and NUL in a well-formed tree). */
  readonly name: Uint8Array;
  readonly oid: Uint8Array;
}

/** git's `canon_mode`: any regular file is 100644 or 100755; anything unknown is a gitlink. */
export function canonMode(mode: number): number {
  const fmt = mode & 0o170000;
  if (fmt === 0o100000) return mode & 0o100 ? MODE_EXECUTABLE : MODE_BLOB;
  if (fmt === 0o120000) return MODE_SYMLINK;
  if (fmt === 0o040000) return MODE_TREE;
  return MODE_GITLINK;
}

/** The object type a (canonical) tree-entry mode points at. */
export function modeType(mode: number): ObjectType | 'commit' {
  if (mode === MODE_TREE) return 'tree';
  if (mode === MODE_GITLINK) return 'commit';
  return 'blob';
}

const USUAL_MODE_TEXT = new Map([MODE_TREE, MODE_BLOB, MODE_EXECUTABLE, MODE_SYMLINK, MODE_GITLINK].map((m) => [m, m.toString(8)]));

/**
 * Parse a tree's entries.
 * @param oidHex  the tree's id, named in errors
 * @throws OBJECT_CORRUPT on a malformed mode, an empty name, or a truncated entry.
 * @example
 *   for (const e of parseTree(data, 'sha1')) console.log(e.modeText, new TextDecoder().decode(e.name));
 */
export function parseTree(data: Uint8Array, format: ObjectFormat, oidHex?: string): TreeEntry[] {
  const out: TreeEntry[] = [];
  scanTree(data, format, oidHex, (modeStart, nameStart, nameEnd, mode) => {
    out.push(treeEntryAt(data, format, modeStart, nameStart, nameEnd, mode));
  });
  return out;
}

/**
 * Check every entry of a tree, as parseTree does, and call `visit` with where each lies, in
 * order, without making an object per entry: the mode as written is `data[modeStart, nameStart
 * - 1)` with value `mode` (not canonicalized), the name `data[nameStart, nameEnd)`, the id the
 * hash-length bytes after the NUL at `nameEnd`. For walks that need a few entries of large trees
 * (treeEntryAt makes the entry of one): with `only`, every entry is still checked, but only
 * those whose name's key (asciiNameKey) is in `only` are visited.
 * @returns what `git fsck --strict` would report of the tree, as bits (0 for a tree git
 *          writes; treeProblemNames names them, verifyTree refuses them): the checks of
 *          tree-fsck.ts, made in the same pass.
 * @throws OBJECT_CORRUPT (git's badTree) on a malformed mode, an empty name, or a truncated entry.
 * @example
 *   scanTree(data, 'sha1', hex, (m, n, e) => names.push(data.subarray(n, e)));
 */
export function scanTree(
  data: Uint8Array,
  format: ObjectFormat,
  oidHex: string | undefined,
  visit: (modeStart: number, nameStart: number, nameEnd: number, mode: number) => void,
  only?: ReadonlySet<number>,
): number {
  const h = hashLength(format);
  let problems = 0;
  let prevStart = -1;
  let prevEnd = -1;
  let prevDir = false;
  const candidates: Parameters<typeof verifyOrdered>[8] = [];
  let p = 0;
  while (p < data.length) {
    // indexOf: native scans, not byte loops (trees on the way of a checkout are large). Anything
    // unusual is left to the byte-by-byte check below, which names the fault.
    const sp = data.indexOf(0x20, p);
    if (sp <= p || sp - p > 7) treeFault(data, p, h, oidHex);
    let mode = 0;
    for (let i = p; i < sp; i++) {
      const c = data[i]! - 0x30;
      if (c < 0 || c > 7) treeFault(data, p, h, oidHex);
      mode = mode * 8 + c;
    }
    const nameStart = sp + 1;
    // The name's end, found by hand (names are short): on the way, a '/' or '\\' is noted for fsck.
    let nul = nameStart;
    let separator = false;
    for (const end = data.length; nul < end; nul++) {
      const c = data[nul]!;
      if (c === 0) break;
      if (c === 0x2f || c === 0x5c) separator = true;
    }
    if (nul === nameStart || data.length - nul - 1 < h) treeFault(data, p, h, oidHex);
    // fsck, cheapest first: most entries of most trees pass each test at its first comparison.
    if (data[p] === 0x30) problems |= P_ZERO_PADDED;
    if (!isGitMode(mode)) problems |= P_BAD_FILEMODE;
    if (data[nul + 1] === 0 && isNullOid(data, nul + 1, h)) problems |= P_NULL_SHA1;
    if (separator || nameMayBeSpecial(data, nameStart, nul - nameStart, mode)) problems |= nameProblems(data, nameStart, nul, mode);
    const dir = (mode & 0o170000) === 0o040000;
    if (prevStart >= 0) {
      // Names in order differ at a byte within both, the earlier one's lower: verifyOrdered
      // stops there too. Anything else (a name a prefix of the other) is left to it.
      let i = 0;
      const n = Math.min(prevEnd - prevStart, nul - nameStart);
      while (i < n && data[prevStart + i] === data[nameStart + i]) i++;
      if (i === n || data[prevStart + i]! > data[nameStart + i]!) {
        problems |= verifyOrdered(data, prevStart, prevEnd, prevDir, data, nameStart, nul, dir, candidates);
      }
    }
    prevStart = nameStart;
    prevEnd = nul;
    prevDir = dir;
    // asciiNameKey of the name's bytes: most entries of a large tree end here.
    if (only === undefined || only.has((nul - sp - 1) * 65536 + data[nameStart]! * 256 + data[nul - 1]!)) visit(p, nameStart, nul, mode);
    p = nul + 1 + h;
  }
  return problems;
}

/**
 * A number that equal names share: length, first and last byte (scanTree computes the same of
 * each entry's name bytes, for `only`). Of a non-empty ASCII name given as a string.
 */
export function asciiNameKey(name: string): number {
  return name.length * 65536 + name.charCodeAt(0) * 256 + name.charCodeAt(name.length - 1);
}

/** The entry scanTree found at these places, as parseTree gives it. */
export function treeEntryAt(data: Uint8Array, format: ObjectFormat, modeStart: number, nameStart: number, nameEnd: number, mode: number): TreeEntry {
  // The usual modes share one string; the text is still exactly what was written (the same
  // value in as many digits has no leading zero either).
  const usual = USUAL_MODE_TEXT.get(mode);
  const modeText = usual !== undefined && usual.length === nameStart - 1 - modeStart ? usual : String.fromCharCode(...data.subarray(modeStart, nameStart - 1));
  return { modeText, mode: canonMode(mode), name: data.subarray(nameStart, nameEnd), oid: data.subarray(nameEnd + 1, nameEnd + 1 + hashLength(format)) };
}

/**
 * The fault of the entry at `p` that scanTree's quick checks refused, named at the byte where a
 * reader going byte by byte meets it.
 * @throws OBJECT_CORRUPT, always.
 */
function treeFault(data: Uint8Array, p: number, h: number, oidHex: string | undefined): never {
  const fail = (what: string): never => {
    throw new XtestPackError('OBJECT_CORRUPT', `badTree: cannot be parsed as a tree: ${what} at byte ${p}`, { oid: oidHex });
  };
  const modeStart = p;
  for (;;) {
    if (p >= data.length) fail('truncated mode');
    const c = data[p]!;
    if (c === 0x20) break;
    if (c < 0x30 || c > 0x37) fail('malformed mode');
    p++;
  }
  if (p === modeStart || p - modeStart > 7) fail('malformed mode');
  p++;
  const nameStart = p;
  while (p < data.length && data[p] !== 0) p++;
  if (p >= data.length) fail('truncated name');
  if (p === nameStart) fail('empty filename');
  p++;
  if (data.length - p < h) fail('truncated object id');
  throw new Error(`tree entry at byte ${modeStart}: refused by scanTree, accepted byte by byte`);
}

/**
 * Serialize entries, in the order given, exactly as written (`modeText`).
 * @example
 *   const bytes = serializeTree(parseTree(data, 'sha1')); // === data
 */
export function serializeTree(entries: readonly TreeEntry[]): Uint8Array {
  let n = 0;
  for (const e of entries) n += e.modeText.length + 1 + e.name.length + 1 + e.oid.length;
  const out = new Uint8Array(n);
  let p = 0;
  for (const e of entries) {
    for (let i = 0; i < e.modeText.length; i++) out[p++] = e.modeText.charCodeAt(i);
    out[p++] = 0x20;
    out.set(e.name, p);
    p += e.name.length;
    out[p++] = 0;
    out.set(e.oid, p);
    p += e.oid.length;
  }
  return out;
}

/**
 * git's tree order (`base_name_compare`): bytewise, a tree's name compared as if followed by '/'.
 * @example
 *   [...entries].sort(compareTreeEntries)
 */
export function compareTreeEntries(a: Pick<TreeEntry, 'name' | 'mode'>, b: Pick<TreeEntry, 'name' | 'mode'>): number {
  const an = a.name;
  const bn = b.name;
  const len = Math.min(an.length, bn.length);
  for (let i = 0; i < len; i++) {
    const d = an[i]! - bn[i]!;
    if (d !== 0) return d;
  }
  const ac = an.length > len ? an[len]! : a.mode === MODE_TREE ? 0x2f : 0;
  const bc = bn.length > len ? bn[len]! : b.mode === MODE_TREE ? 0x2f : 0;
  return ac - bc;
}

/**
 * What `git fsck --strict` would say of a tree's entries (the subset about names, modes and
 * order): the checks scanTree makes of bytes, over entries (which can also hold an empty name).
 * @example
 *   checkTree(parseTree(data, 'sha1')) // [] for a tree git writes
 */
export function checkTree(entries: readonly TreeEntry[]): TreeProblem[] {
  let problems = 0;
  const candidates: Parameters<typeof verifyOrdered>[8] = [];
  let prev: TreeEntry | undefined;
  let prevRaw = 0;
  for (const e of entries) {
    const raw = parseInt(e.modeText, 8);
    if (e.modeText.startsWith('0')) problems |= P_ZERO_PADDED;
    if (!isGitMode(raw)) problems |= P_BAD_FILEMODE;
    if (isNullOid(e.oid, 0, e.oid.length)) problems |= P_NULL_SHA1;
    problems |= e.name.length === 0 ? P_EMPTY_NAME : nameProblems(e.name, 0, e.name.length, raw);
    if (prev) problems |= verifyOrdered(prev.name, 0, prev.name.length, isDirMode(prevRaw), e.name, 0, e.name.length, isDirMode(raw), candidates);
    prev = e;
    prevRaw = raw;
  }
  return treeProblemNames(problems);
}
