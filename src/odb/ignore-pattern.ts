/**
 * gitignore patterns (gitignore(5); git's dir.c `add_patterns_from_buffer`,
 * `trim_trailing_spaces`, `parse_path_pattern`, `match_basename`, `match_pathname`,
 * `last_matching_pattern_from_list`), pure:
 *
 * ```
 *   file:     [UTF-8 BOM] line*            lines end with LF, or CR LF; the last may end with none
 *   line:     "" | "#..." (skipped) | ["!"] pattern [spaces]   unescaped trailing spaces dropped
 *   pattern:  with no '/' but a trailing one: matched against the basename, at any depth
 *             with '/' elsewhere: matched (WM_PATHNAME) against the path below the file's directory
 *             trailing '/': directories only;  "\" escapes ("\!", "\#", "\ ")
 * ```
 *
 * Strings here are byte strings (one char per byte, utf8.ts), as git compares bytes. Matching
 * follows git 2.52 (match_pathname keeps one character of the literal prefix, so that
 * `foo**\/bar` does not match `foobar`); git before 2.52 differs there.
 */
import { WM_CASEFOLD, WM_PATHNAME, wildmatch } from './wildmatch.js';

/** One pattern line of an ignore file. */
export interface IgnorePattern {
  /** As git keeps it (check-ignore -v shows it): no '!', no trailing '/', escapes as written; a byte string. */
  readonly pattern: string;
  /** `!pattern`: re-includes what it matches. */
  readonly negative: boolean;
  /** `pattern/`: matches directories only. */
  readonly mustBeDir: boolean;
  /** No '/' in it (but a trailing one): matched against the last component. */
  readonly noDir: boolean;
  /** `*literal`: a suffix compare. */
  readonly endsWith: boolean;
  /** Length of the leading part without `*?[\`. */
  readonly noWildcardLength: number;
  /** The directory of its file relative to the work tree, '' or ending in '/' (byte string). */
  readonly base: string;
  /** Its file as git names it in check-ignore -v. */
  readonly source: string;
  /** 1-based line number. */
  readonly line: number;
}

export interface PatternList {
  readonly source: string;
  readonly base: string;
  readonly patterns: readonly IgnorePattern[];
}

const isGlobSpecial = (c: string): boolean => c === '*' || c === '?' || c === '[' || c === '\\';

/** git's simple_length: the length before the first `*?[\`. */
function simpleLength(s: string): number {
  let i = 0;
  while (i < s.length && !isGlobSpecial(s[i]!)) i++;
  return i;
}

/** git's trim_trailing_spaces: unescaped trailing ' ' (not tabs) dropped. */
function trimTrailingSpaces(s: string): string {
  let lastSpace = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === ' ') {
      if (lastSpace < 0) lastSpace = i;
    } else if (c === '\\') {
      i++;
      if (i >= s.length) return s;
      lastSpace = -1;
    } else {
      lastSpace = -1;
    }
  }
  return lastSpace < 0 ? s : s.slice(0, lastSpace);
}

/**
 * Parse one pattern line (already trimmed) as git's parse_path_pattern.
 * @example
 *   parsePattern('!/build/', '', '.gitignore', 3).mustBeDir === true
 */
export function parsePattern(text: string, base: string, source: string, line: number): IgnorePattern {
  let p = text;
  let negative = false;
  if (p.startsWith('!')) {
    negative = true;
    p = p.slice(1);
  }
  let mustBeDir = false;
  // git drops one trailing '/' only; its simple length is of the text before that.
  const full = p;
  if (p.endsWith('/')) {
    p = p.slice(0, -1);
    mustBeDir = true;
  }
  const noDir = !p.includes('/');
  const noWildcardLength = Math.min(simpleLength(full), p.length);
  const endsWith = full.startsWith('*') && simpleLength(full.slice(1)) === full.length - 1;
  return { pattern: p, negative, mustBeDir, noDir, endsWith, noWildcardLength, base, source, line };
}

/**
 * Parse an ignore file's bytes (given as a byte string) as git's add_patterns_from_buffer.
 * @param base the file's directory relative to the work tree: '' or ending in '/'.
 * @example
 *   parseIgnoreFile('*.o\n!keep.o\n', 'src/', 'src/.gitignore').patterns.length === 2
 */
export function parseIgnoreFile(text: string, base: string, source: string): PatternList {
  let s = text.startsWith('\xef\xbb\xbf') ? text.slice(3) : text;
  if (!s.endsWith('\n')) s += '\n';
  const patterns: IgnorePattern[] = [];
  let line = 1;
  let from = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', from)) {
    let entry = s.slice(from, i);
    if (entry !== '' && entry[0] !== '#') {
      if (entry.endsWith('\r')) entry = entry.slice(0, -1);
      // git hands the line on as a C string: it ends at a NUL.
      const nul = entry.indexOf('\0');
      if (nul >= 0) entry = entry.slice(0, nul);
      patterns.push(parsePattern(trimTrailingSpaces(entry), base, source, line));
    }
    line++;
    from = i + 1;
  }
  return { source, base, patterns };
}

/** The pattern as check-ignore -v prints it: `!`, the pattern, `/`. */
export function describePattern(p: IgnorePattern): string {
  return `${p.negative ? '!' : ''}${p.pattern}${p.mustBeDir ? '/' : ''}`;
}

/** git's fspathncmp: `a` from `ai` and `b` from `bi` equal over `n` chars, ASCII case folded when `fold`. */
function sameChars(a: string, ai: number, b: string, bi: number, n: number, fold: boolean): boolean {
  if (ai + n > a.length || bi + n > b.length) return false;
  for (let k = 0; k < n; k++) {
    let x = a.charCodeAt(ai + k);
    let y = b.charCodeAt(bi + k);
    if (x === y) continue;
    if (!fold) return false;
    if (x >= 0x41 && x <= 0x5a) x |= 0x20;
    if (y >= 0x41 && y <= 0x5a) y |= 0x20;
    if (x !== y) return false;
  }
  return true;
}

/**
 * Does `p` match `path` (a byte string, relative to the work tree, no trailing '/'), whose last
 * component is `basename`? `isDir` is asked only for a directory-only pattern.
 */
export function patternMatches(p: IgnorePattern, path: string, basename: string, isDir: () => boolean, fold: boolean): boolean {
  if (p.mustBeDir && !isDir()) return false;
  const pat = p.pattern;
  const wmFold = fold ? WM_CASEFOLD : 0;
  if (p.noDir) {
    // match_basename
    const n = basename.length;
    if (p.noWildcardLength === pat.length) return n === pat.length && sameChars(basename, 0, pat, 0, n, fold);
    if (p.endsWith) return pat.length - 1 <= n && sameChars(basename, n - (pat.length - 1), pat, 1, pat.length - 1, fold);
    return wildmatch(pat, basename, wmFold);
  }
  // match_pathname: the pattern has its file's directory implicitly in front of it.
  let pattern = pat;
  let prefix = p.noWildcardLength;
  if (pattern.startsWith('/')) {
    pattern = pattern.slice(1);
    prefix--;
  }
  const baseLength = p.base.length === 0 ? 0 : p.base.length - 1;
  if (path.length < baseLength + 1 || (baseLength > 0 && path[baseLength] !== '/') || !sameChars(path, 0, p.base, 0, baseLength, fold)) return false;
  let name = baseLength > 0 ? path.slice(baseLength + 1) : path;
  if (prefix > 0) {
    if (prefix > name.length) return false;
    if (!sameChars(name, 0, pattern, 0, prefix, fold)) return false;
    if (pattern.length === prefix && name.length === prefix) return true;
    // One char of the prefix stays, so that wildmatch knows it is not at a component's start.
    prefix--;
    pattern = pattern.slice(prefix);
    name = name.slice(prefix);
  }
  return wildmatch(pattern, name, WM_PATHNAME | wmFold);
}

/**
 * The last pattern of `list` that matches (git's last_matching_pattern_from_list), negative
 * ones included, or `undefined`.
 */
export function lastMatching(list: PatternList, path: string, basename: string, isDir: () => boolean, fold: boolean): IgnorePattern | undefined {
  const ps = list.patterns;
  for (let i = ps.length - 1; i >= 0; i--) {
    const p = ps[i]!;
    if (patternMatches(p, path, basename, isDir, fold)) return p;
  }
  return undefined;
}
