/**
 * Glob matching as git's wildmatch.c (`dowild`, git 2.x), ported line for line: `*` and `?`
 * (with WM_PATHNAME they stay within one component), `[...]` classes (`!` or `^` negates,
 * ranges, `[:class:]` with git's ASCII ctype), `**` as a whole component crosses directories,
 * `\` escapes. With WM_PATHNAME it is the `:(glob)` pathspec magic; without, the basename
 * matching of gitignore patterns. WM_CASEFOLD is `core.ignoreCase`.
 *
 * Texts are compared by UTF-16 code unit; git compares bytes. A caller wanting byte semantics
 * (`?` is one byte of a multi-byte character) passes "byte strings", one char per byte.
 */

/** Case-insensitive matching (ASCII letters only, as git). */
export const WM_CASEFOLD = 1;
/** `*`, `?` and classes do not match '/'; `**` does where it is a whole component. */
export const WM_PATHNAME = 2;

// dowild's results: WM_ABORT_* cut the backtracking short and mean "no match" to the caller.
const WM_MATCH = 0;
const WM_NOMATCH = 1;
const WM_ABORT_ALL = -1;
const WM_ABORT_TO_STARSTAR = -2;

const NUL = 0;
const STAR = 0x2a;
const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const BANG = 0x21;
const CARET = 0x5e;
const DASH = 0x2d;
const COLON = 0x3a;

/** True when `pattern` has glob characters. */
export function hasWildcard(pattern: string): boolean {
  return /[*?[\\]/.test(pattern);
}

/**
 * Match `text` against `pattern` (WM_PATHNAME unless other `flags` are given).
 * @example
 *   wildmatch('fixtures/**\/*.json', 'fixtures/a/b.json') === true
 *   wildmatch('*.o', 'a.O', WM_CASEFOLD) === true
 */
export function wildmatch(pattern: string, text: string, flags: number = WM_PATHNAME): boolean {
  return dowild(pattern, 0, text, 0, flags) === WM_MATCH;
}

/** The char code at `i`, 0 past the end: git's strings end with NUL, and paths hold none. */
function at(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : NUL;
}

/** git's sane ctype: ASCII only. */
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const toLower = (c: number): number => (isUpper(c) ? c | 0x20 : c);
const isGlobSpecial = (c: number): boolean => c === STAR || c === QUESTION || c === OPEN || c === BACKSLASH;

/** `[:name:]` classes (git's sane-ctype.h; isblank and isgraph are the C library's, C locale). */
function inClass(name: string, c: number, flags: number): boolean | undefined {
  switch (name) {
    case 'alnum':
      return isAlpha(c) || isDigit(c);
    case 'alpha':
      return isAlpha(c);
    case 'blank':
      return c === 0x20 || c === 0x09;
    case 'cntrl':
      return c < 0x20 || c === 0x7f;
    case 'digit':
      return isDigit(c);
    case 'graph':
      return c >= 0x21 && c <= 0x7e;
    case 'lower':
      return isLower(c);
    case 'print':
      return c >= 0x20 && c <= 0x7e;
    case 'punct':
      return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
    case 'space':
      // git's isspace: no \v or \f.
      return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
    case 'upper':
      return isUpper(c) || ((flags & WM_CASEFOLD) !== 0 && isLower(c));
    case 'xdigit':
      return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
    default:
      return undefined;
  }
}

/** wildmatch.c `dowild`: `p` from `pi` against `t` from `ti`. */
function dowild(p: string, pi: number, t: string, ti: number, flags: number): number {
  const start = pi;
  const fold = (flags & WM_CASEFOLD) !== 0;
  for (; pi < p.length; ti++, pi++) {
    let pc = p.charCodeAt(pi);
    let tc = at(t, ti);
    if (tc === NUL && pc !== STAR) return WM_ABORT_ALL;
    if (fold && isUpper(tc)) tc = toLower(tc);
    if (fold && isUpper(pc)) pc = toLower(pc);
    switch (pc) {
      case BACKSLASH:
        // The escaped character is compared as written (git does not fold it either).
        pc = at(p, ++pi);
        if (tc !== pc) return WM_NOMATCH;
        continue;
      default:
        if (tc !== pc) return WM_NOMATCH;
        continue;
      case QUESTION:
        if ((flags & WM_PATHNAME) !== 0 && tc === SLASH) return WM_NOMATCH;
        continue;
      case STAR: {
        let matchSlash: boolean;
        if (at(p, ++pi) === STAR) {
          const prev = pi - 2;
          while (at(p, ++pi) === STAR) {
            // skip the run of stars
          }
          if ((flags & WM_PATHNAME) === 0) {
            matchSlash = true;
          } else if (
            (prev < start || p.charCodeAt(prev) === SLASH) &&
            (at(p, pi) === NUL || at(p, pi) === SLASH || (at(p, pi) === BACKSLASH && at(p, pi + 1) === SLASH))
          ) {
            // "foo/**/bar" matches "foo/bar": try "**/" as no directory at all first.
            if (at(p, pi) === SLASH && dowild(p, pi + 1, t, ti, flags) === WM_MATCH) return WM_MATCH;
            matchSlash = true;
          } else {
            matchSlash = false;
          }
        } else {
          matchSlash = (flags & WM_PATHNAME) === 0;
        }
        if (at(p, pi) === NUL) {
          // A trailing "**" matches everything, a trailing "*" only what has no more '/'.
          if (!matchSlash && t.indexOf('/', ti) >= 0) return WM_NOMATCH;
          return WM_MATCH;
        } else if (!matchSlash && at(p, pi) === SLASH) {
          // One '*' then '/': the rest of this component, consumed with the '/' by the loop.
          const slash = t.indexOf('/', ti);
          if (slash < 0) return WM_NOMATCH;
          ti = slash;
          break;
        }
        for (;;) {
          if (tc === NUL) break;
          // A literal after the star: skip to its next occurrence (not past '/' unless "**").
          if (!isGlobSpecial(at(p, pi))) {
            let lit = at(p, pi);
            if (fold && isUpper(lit)) lit = toLower(lit);
            while ((tc = at(t, ti)) !== NUL && (matchSlash || tc !== SLASH)) {
              if (fold && isUpper(tc)) tc = toLower(tc);
              if (tc === lit) break;
              ti++;
            }
            if (tc !== lit) return WM_NOMATCH;
          }
          const matched = dowild(p, pi, t, ti, flags);
          if (matched !== WM_NOMATCH) {
            if (!matchSlash || matched !== WM_ABORT_TO_STARSTAR) return matched;
          } else if (!matchSlash && tc === SLASH) {
            return WM_ABORT_TO_STARSTAR;
          }
          tc = at(t, ++ti);
        }
        return WM_ABORT_ALL;
      }
      case OPEN: {
        pc = at(p, ++pi);
        if (pc === CARET) pc = BANG;
        const negated = pc === BANG;
        if (negated) pc = at(p, ++pi);
        let prev = 0;
        let matched = false;
        do {
          if (pc === NUL) return WM_ABORT_ALL;
          if (pc === BACKSLASH) {
            pc = at(p, ++pi);
            if (pc === NUL) return WM_ABORT_ALL;
            if (tc === pc) matched = true;
          } else if (pc === DASH && prev !== 0 && at(p, pi + 1) !== NUL && at(p, pi + 1) !== CLOSE) {
            pc = at(p, ++pi);
            if (pc === BACKSLASH) {
              pc = at(p, ++pi);
              if (pc === NUL) return WM_ABORT_ALL;
            }
            if (tc <= pc && tc >= prev) matched = true;
            else if (fold && isLower(tc)) {
              const upper = tc & ~0x20;
              if (upper <= pc && upper >= prev) matched = true;
            }
            pc = 0; // a range does not start another one
          } else if (pc === OPEN && at(p, pi + 1) === COLON) {
            const s = (pi += 2);
            while ((pc = at(p, pi)) !== NUL && pc !== CLOSE) pi++;
            if (pc === NUL) return WM_ABORT_ALL;
            const len = pi - s - 1;
            if (len < 0 || at(p, pi - 1) !== COLON) {
              // No ":]": the '[' is an ordinary member and the scan resumes after it.
              pi = s - 2;
              pc = OPEN;
              if (tc === pc) matched = true;
              continue;
            }
            const r = inClass(p.slice(s, s + len), tc, flags);
            if (r === undefined) return WM_ABORT_ALL; // a malformed [:class:]
            if (r) matched = true;
            pc = 0;
          } else if (tc === pc) {
            matched = true;
          }
        } while (((prev = pc), (pc = at(p, ++pi))) !== CLOSE);
        if (matched === negated || ((flags & WM_PATHNAME) !== 0 && tc === SLASH)) return WM_NOMATCH;
        continue;
      }
    }
  }
  return ti < t.length ? WM_NOMATCH : WM_MATCH;
}
