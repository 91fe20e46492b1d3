/**
 * Which tree entry names a fetch accepts: the same rules checkout applies before it writes
 * (src/checkout/path-check.ts `unsafeNameReason`: git's `verify_path` and fsck, NTFS and HFS+
 * protections everywhere), so that fetched test data never hold a tree that checkout would
 * refuse. The fetch layer may not import checkout; the pure check is repeated here over the
 * same name predicates (odb/objects/names.ts), and a test holds the two equal.
 */
import { isDotGitFileLike, isDotGitLike } from '../odb/objects/names.js';

// ignoreBOM: a name may begin with U+FEFF, and that is part of the name.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Why the tree entry name `name` (of mode `mode`) must not be taken, or undefined when it may.
 * @example
 *   unsafeEntryName(new TextEncoder().encode('.GIT'), 0o040000) // "is '.git' or a name a file system may take for it"
 */
export function unsafeEntryName(name: Uint8Array, mode: number): string | undefined {
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
  if (mode === 0o120000 && (isDotGitFileLike(s) || (valid !== s && isDotGitFileLike(valid)))) return `is ${JSON.stringify(s)}, a file git reads, as a symbolic link`;
  return undefined;
}
