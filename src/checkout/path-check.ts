/**
 * Which tree entry names and paths may be written, before anything touches the disk: the rules
 * of git's `verify_path` (read-cache.c) and fsck, with the NTFS and HFS+ protections on
 * everywhere (CVE-2014-9390), plus the files git refuses as symbolic links (CVE-2018-11235).
 */
import { isDotGitFileLike, isDotGitLike } from '../odb/objects/names.js';

// ignoreBOM: a name may begin with U+FEFF, and that is part of the name.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Why the tree entry name `name` must not be written, or undefined when it may.
 * @example
 *   unsafeNameReason('..') // "is '..'"
 */
export function unsafeNameReason(name: Uint8Array, mode: number): string | undefined {
  if (name.length === 0) return 'is empty';
  for (const c of name) {
    if (c === 0x2f) return "contains '/'";
    if (c === 0x5c) return "contains '\\' (a directory separator on Windows)";
    if (c === 0) return 'contains NUL';
  }
  const s = decoder.decode(name);
  if (s === '.') return "is '.'";
  if (s === '..') return "is '..'";
  // Malformed UTF-8 ends the name for git's HFS+ check: judge the part before it too.
  const valid = s.includes('\ufffd') ? s.slice(0, s.indexOf('\ufffd')) : s;
  if (isDotGitLike(s) || (valid !== s && isDotGitLike(valid))) return "is '.git' or a name a file system may take for it";
  // git refuses these as symbolic links: git itself reads them from the work tree.
  if (mode === 0o120000 && (isDotGitFileLike(s) || (valid !== s && isDotGitFileLike(valid)))) return `is ${JSON.stringify(s)}, a file git reads, as a symbolic link`;
  return undefined;
}

/**
 * Why the pathspec `spec` (given by a user) must not be used, or undefined.
 * @example
 *   unsafePathspecReason('/etc/passwd') // 'is absolute'
 */
export function unsafePathspecReason(spec: string): string | undefined {
  if (spec.startsWith('/') || /^[A-Za-z]:/.test(spec) || spec.startsWith('\\')) return 'is absolute';
  if (spec.split(/[/\\]/).some((c) => c === '..')) return "climbs with '..'";
  return undefined;
}
