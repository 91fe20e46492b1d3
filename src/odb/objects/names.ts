/**
 * Names that a file system may treat as `.git` although they are spelled otherwise: git's
 * `is_ntfs_dotgit` (path.c: trailing dots and spaces, the 8.3 short name `git~1`, alternate
 * data streams after ':') and `is_hfs_dotgit` (utf8.c: code points HFS+ ignores, any case).
 * Both are applied everywhere, whatever the platform, as git's fsck does.
 */
import { decodeUtf8 } from '../../pack/utf8.js';

/** Code points HFS+ ignores when comparing names (git's `next_hfs_char`). */
function hfsIgnorable(cp: number): boolean {
  return (
    (cp >= 0x200c && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x206a && cp <= 0x206f) || cp === 0xfeff
  );
}

/** Does `name` hold a code point HFS+ ignores? (All of them are single UTF-16 units.) */
function hasHfsIgnorable(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x200c && hfsIgnorable(c)) return true;
  }
  return false;
}

/**
 * True when HFS+ would see `.git` (case-insensitively, ignoring its ignorable code points).
 * @example
 *   isHfsDotGit('.g\u200cit') === true
 */
export function isHfsDotGit(name: string): boolean {
  // Without an ignorable code point, only four characters can be '.git' in any case (no
  // character outside ASCII lower-cases into it).
  if (name.length > 4 && !hasHfsIgnorable(name)) return false;
  const kept: string[] = [];
  for (const ch of name) {
    if (hfsIgnorable(ch.codePointAt(0)!)) continue;
    kept.push(ch);
    if (kept.length > 4) return false;
  }
  return kept.join('').toLowerCase() === '.git';
}

/**
 * True when NTFS would see `.git`: `.git` or `git~1` (any case) followed only by dots and
 * spaces, up to the end, a ':' or a directory separator ('/' or '\').
 * @example
 *   isNtfsDotGit('GIT~1') === true; isNtfsDotGit('.git. .') === true
 */
export function isNtfsDotGit(name: string): boolean {
  const lower = name.slice(0, 5).toLowerCase();
  let i: number;
  if (lower.startsWith('.git')) i = 4;
  else if (lower === 'git~1') i = 5;
  else return false;
  for (; i <= name.length; i++) {
    const c = name[i];
    if (c === undefined || c === ':' || c === '/' || c === '\\') return true;
    if (c !== '.' && c !== ' ') return false;
  }
  return true;
}

/** `.git` in any spelling a case-insensitive, NTFS or HFS+ file system would honour. */
export function isDotGitLike(name: string): boolean {
  return name.toLowerCase() === '.git' || isNtfsDotGit(name) || isHfsDotGit(name);
}

/**
 * git's `is_ntfs_dot_generic` (path.c): `.<name>` followed only by dots and spaces (up to the
 * end or a ':'), its 8.3 short name (the first six characters, `~` and 1-4), or the hashed
 * short name git knows for it (`shortPrefix`, `~` and 1-9), any case.
 */
function isNtfsDotGeneric(name: string, dotName: string, shortPrefix: string): boolean {
  const onlyDotsAndSpaces = (from: number): boolean => {
    for (let i = from; i < name.length; i++) {
      const c = name[i];
      if (c === ':') return true;
      if (c !== '.' && c !== ' ') return false;
    }
    return true;
  };
  const lower = name.toLowerCase();
  if (lower[0] === '.' && lower.startsWith(dotName, 1)) return onlyDotsAndSpaces(1 + dotName.length);
  if (lower.startsWith(dotName.slice(0, 6)) && name[6] === '~' && name[7] !== undefined && name[7] >= '1' && name[7] <= '4') {
    return onlyDotsAndSpaces(8);
  }
  // The hashed short name: up to six characters of the prefix, then ~ and a digit.
  let i = 0;
  for (; i < 8 && i < name.length; i++) {
    const c = lower[i]!;
    if (c === '~') {
      const d = name[i + 1];
      if (d === undefined || d < '1' || d > '9') return false;
      return onlyDotsAndSpaces(i + 2);
    }
    if (i >= 6 || c.charCodeAt(0) >= 0x80 || c !== shortPrefix[i]) return false;
  }
  return false;
}

function isHfsDot(name: string, dotName: string): boolean {
  let kept = '';
  for (const ch of name) if (!hfsIgnorable(ch.codePointAt(0)!)) kept += ch;
  return kept.toLowerCase() === `.${dotName}`;
}

/** The files git reads from the work tree itself, which it refuses as symbolic links. */
const GIT_READ_FILES: readonly (readonly [string, string])[] = [
  ['gitmodules', 'gi7eba'],
  ['gitattributes', 'gi7d29'],
  ['gitignore', 'gi250a'],
  ['mailmap', 'maba30'],
];

/**
 * Which of `.gitmodules`, `.gitattributes`, `.gitignore` and `.mailmap` `name` is, in any
 * spelling NTFS or HFS+ would honour (git's `is_ntfs_dotgitmodules`, `is_hfs_dotgitmodules` and
 * friends), or undefined.
 * @example
 *   dotGitFileKind('GITMOD~1') === 'gitmodules'
 */
export function dotGitFileKind(name: string): 'gitmodules' | 'gitattributes' | 'gitignore' | 'mailmap' | undefined {
  for (const [dot, short] of GIT_READ_FILES) {
    if (isNtfsDotGeneric(name, dot, short) || isHfsDot(name, dot)) return dot as 'gitmodules' | 'gitattributes' | 'gitignore' | 'mailmap';
  }
  return undefined;
}

/** git's `is_ntfs_dotgitmodules`. */
export function isNtfsDotGitmodules(name: string): boolean {
  return isNtfsDotGeneric(name, 'gitmodules', 'gi7eba');
}

/**
 * True when `name` is `.gitmodules`, `.gitattributes`, `.gitignore` or `.mailmap` in any
 * spelling NTFS or HFS+ would honour.
 * @example
 *   isDotGitFileLike('GITMOD~1') === true
 */
export function isDotGitFileLike(name: string): boolean {
  return dotGitFileKind(name) !== undefined;
}

/**
 * Why the tree entry name `name` (of mode `mode`) must not be written, or undefined when it
 * may: the rules of git's `verify_path` (read-cache.c) and fsck, with the NTFS and HFS+
 * protections on everywhere (CVE-2014-9390), plus the files git refuses as symbolic links
 * (CVE-2018-11235). Checkout refuses such an entry before anything touches the disk, and fetch
 * before it asks for a blob.
 * @example
 *   unsafeNameReason(encodeUtf8('..'), 0o100644) // "is '..'"
 */
export function unsafeNameReason(name: Uint8Array, mode: number): string | undefined {
  if (name.length === 0) return 'is empty';
  for (const c of name) {
    if (c === 0x2f) return "contains '/'";
    if (c === 0x5c) return "contains '\\' (a directory separator on Windows)";
    if (c === 0) return 'contains NUL';
  }
  const s = decodeUtf8(name); // a leading U+FEFF stays: it is part of the name
  if (s === '.') return "is '.'";
  if (s === '..') return "is '..'";
  // Malformed UTF-8 ends the name for git's HFS+ check: judge the part before it too.
  const valid = s.includes('\ufffd') ? s.slice(0, s.indexOf('\ufffd')) : s;
  if (isDotGitLike(s) || (valid !== s && isDotGitLike(valid))) return "is '.git' or a name a file system may take for it";
  // git refuses these as symbolic links: git itself reads them from the work tree.
  if (mode === 0o120000 && (isDotGitFileLike(s) || (valid !== s && isDotGitFileLike(valid)))) return `is ${JSON.stringify(s)}, a file git reads, as a symbolic link`;
  return undefined;
}
