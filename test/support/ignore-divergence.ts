// The one known divergence of xtest-pack's ignore rules from the git the tests run: git before
// 2.52 matched a `**` right after a literal prefix without '/' (`foo**/bar`) as if it began the
// path (fixed in 2.52, "match_pathname(): give fnmatch one char of prefix context").
// xtest-pack follows 2.52; with an older git such patterns are left out of the comparisons.
import { parsePattern } from '../../src/odb/ignore-pattern.js';
import { git } from './git.js';

const version = /(\d+)\.(\d+)/.exec(git(['version']).toString('utf8'))!;

/** Does the git on PATH match patterns as 2.52 does? */
export const GIT_HAS_PREFIX_FIX = Number(version[1]) > 2 || (Number(version[1]) === 2 && Number(version[2]) >= 52);

/** Does the .gitignore line hold a `**` right after a literal prefix not ending in '/'? */
export function prefixStarStar(line: string): boolean {
  let p = line.replace(/ +$/, '');
  if (p.startsWith('!')) p = p.slice(1);
  if (!p.replace(/\/$/, '').includes('/')) return false;
  const q = parsePattern(p, '', '', 0);
  let prefix = q.noWildcardLength;
  let pat = q.pattern;
  if (pat.startsWith('/')) {
    pat = pat.slice(1);
    prefix--;
  }
  return prefix > 0 && pat.startsWith('**', prefix) && pat[prefix - 1] !== '/';
}

/** Can this git be the oracle for these .gitignore lines? */
export function comparableWithGit(lines: readonly string[]): boolean {
  return GIT_HAS_PREFIX_FIX || !lines.some(prefixStarStar);
}
