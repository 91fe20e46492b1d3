/**
 * Glob matching of '/'-separated paths, as git's wildmatch with WM_PATHNAME (the `:(glob)`
 * pathspec magic): `*` and `?` stay within one component, `[...]` classes (`!` or `^` negates,
 * ranges), `**` as a whole component crosses directories, `\` escapes.
 */

/** True when `pattern` has glob characters. */
export function hasWildcard(pattern: string): boolean {
  return /[*?[\\]/.test(pattern);
}

/**
 * Match `text` against `pattern`.
 * @example
 *   wildmatch('fixtures/**\/*.json', 'fixtures/a/b.json') === true
 */
export function wildmatch(pattern: string, text: string): boolean {
  return match(pattern, 0, text, 0);
}

function match(p: string, pi: number, t: string, ti: number): boolean {
  while (pi < p.length) {
    const c = p[pi]!;
    if (c === '*') {
      const double = p[pi + 1] === '*';
      if (double) {
        const startsComponent = pi === 0 || p[pi - 1] === '/';
        let next = pi + 2;
        while (p[next] === '*') next++;
        const endsComponent = next === p.length || p[next] === '/';
        if (startsComponent && endsComponent) {
          // "**/" matches zero or more leading directories; "/**" at the end everything below.
          if (next === p.length) return true;
          const rest = next + 1;
          if (match(p, rest, t, ti)) return true;
          for (let k = ti; k < t.length; k++) {
            if (t[k] === '/' && match(p, rest, t, k + 1)) return true;
          }
          return false;
        }
      }
      // A single '*' (or a '**' that is not a whole component): anything but '/'.
      let next = pi + 1;
      while (p[next] === '*') next++;
      for (let k = ti; ; k++) {
        if (match(p, next, t, k)) return true;
        if (k >= t.length || t[k] === '/') return false;
      }
    }
    if (ti >= t.length) return false;
    const ch = t[ti]!;
    if (c === '?') {
      if (ch === '/') return false;
    } else if (c === '[') {
      const r = matchClass(p, pi, ch);
      if (r === undefined) {
        if (ch !== '[') return false;
      } else {
        if (!r.matched || ch === '/') return false;
        pi = r.end;
        ti++;
        continue;
      }
    } else if (c === '\\' && pi + 1 < p.length) {
      pi++;
      if (p[pi] !== ch) return false;
    } else if (c !== ch) {
      return false;
    }
    pi++;
    ti++;
  }
  return ti === t.length;
}

const POSIX_CLASSES: Record<string, RegExp> = {
  alnum: /^[A-Za-z0-9]$/,
  alpha: /^[A-Za-z]$/,
  blank: /^[ \t]$/,
  cntrl: /^[\x00-\x1f\x7f]$/,
  digit: /^[0-9]$/,
  graph: /^[\x21-\x7e]$/,
  lower: /^[a-z]$/,
  print: /^[\x20-\x7e]$/,
  punct: /^[!-\/:-@[-`{-~]$/,
  space: /^[ \t\n\v\f\r]$/,
  upper: /^[A-Z]$/,
  xdigit: /^[0-9A-Fa-f]$/,
};

/** A bracket class at p[pi] === '['; undefined when it is not closed (then '[' is literal). */
function matchClass(p: string, pi: number, ch: string): { matched: boolean; end: number } | undefined {
  let i = pi + 1;
  let negate = false;
  if (p[i] === '!' || p[i] === '^') {
    negate = true;
    i++;
  }
  let matched = false;
  let first = true;
  while (i < p.length && (p[i] !== ']' || first)) {
    first = false;
    if (p[i] === '[' && p[i + 1] === ':') {
      const close = p.indexOf(':]', i + 2);
      if (close > 0) {
        const cls = POSIX_CLASSES[p.slice(i + 2, close)];
        if (cls === undefined) return { matched: false, end: p.length + 1 }; // git: a malformed class never matches
        if (cls.test(ch)) matched = true;
        i = close + 2;
        continue;
      }
    }
    let lo = p[i]!;
    if (lo === '\\' && i + 1 < p.length) lo = p[++i]!;
    if (p[i + 1] === '-' && p[i + 2] !== undefined && p[i + 2] !== ']') {
      let hi = p[i + 2]!;
      i += 2;
      if (hi === '\\' && i + 1 < p.length) hi = p[++i]!;
      if (ch >= lo && ch <= hi) matched = true;
    } else if (ch === lo) {
      matched = true;
    }
    i++;
  }
  if (i >= p.length) return undefined;
  return { matched: matched !== negate, end: i + 1 };
}
