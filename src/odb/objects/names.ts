/**
 * Names that a file system may treat as `.git` although they are spelled otherwise: git's
 * `is_ntfs_dotgit` (path.c: trailing dots and spaces, the 8.3 short name `git~1`, alternate
 * data streams after ':') and `is_hfs_dotgit` (utf8.c: code points HFS+ ignores, any case).
 * Both are applied everywhere, whatever the platform, as git's fsck does.
 */

/** Code points HFS+ ignores when comparing names (git's `next_hfs_char`). */
function hfsIgnorable(cp: number): boolean {
  return (
    (cp >= 0x200c && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x206a && cp <= 0x206f) || cp === 0xfeff
  );
}

/**
 * True when HFS+ would see `.git` (case-insensitively, ignoring its ignorable code points).
 * @example
 *   isHfsDotGit('.g\u200cit') === true
 */
export function isHfsDotGit(name: string): boolean {
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
