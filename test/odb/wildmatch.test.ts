// wildmatch (src/odb/wildmatch.ts) against git's `:(glob)` pathspecs: a table of expectations,
// itself checked against `git ls-files ':(glob)<pattern>'` in a repository whose index holds
// every path of the table, and then every pattern against every path of that index.
//
// Two things git's pathspec code adds to wildmatch are kept out: a pattern equal to a path
// always matches it (so pairs with pattern === path are skipped), and a `**` right after a
// literal prefix without '/' (`bar**`) is matched after the prefix is split off (no such
// pattern is used).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { hasWildcard, wildmatch } from '../../src/odb/wildmatch.js';
import { git, tempDir } from '../support/git.js';

const PATHS = [
  'foo', 'foo.c', 'foo.h', 'bar/foo.c', 'bar/baz/foo.c', 'bar/baz/qux/foo.c', 'ab', 'a*b', 'a?b', 'a[b', 'a]b', 'aXb',
  'a-b', 'a/b', 'a/x/b', 'a/x/y/b', 'b1', 'b2', 'bz', 'B1', 'c.txt', 'sub/c.txt', 'deep/er/c.txt', '.hidden',
  'dir/.hidden', 'x\\y', 'xy', 'a b', '[ab]', 'a!b', 'a^b', 'ünï/ç.txt', 'ünï/c.txt',
];

/** [pattern, path, matches] — checked against git below. */
const TABLE: [string, string, boolean][] = [
  ['*', 'foo', true],
  ['*', 'bar/foo.c', false], // '*' stays within a component
  ['*.c', 'foo.c', true],
  ['*.c', 'bar/foo.c', false],
  ['f?o', 'foo', true],
  ['f?o', 'foo.c', false],
  ['?', 'a/b', false],
  ['a?b', 'a/b', false], // '?' does not match '/'
  ['a?b', 'a b', true],
  ['*/foo.c', 'bar/foo.c', true],
  ['*/foo.c', 'bar/baz/foo.c', false],
  ['bar/*', 'bar/foo.c', true],
  ['bar/*', 'bar/baz/foo.c', false],
  ['bar/**/foo.c', 'bar/foo.c', true], // '**/' matches zero directories
  ['bar/**/foo.c', 'bar/baz/qux/foo.c', true],
  ['**/foo.c', 'foo.c', true],
  ['**/foo.c', 'bar/baz/foo.c', true],
  ['bar/**', 'bar/baz/qux/foo.c', true],
  ['bar/**', 'bar/foo.c', true],
  ['**', 'deep/er/c.txt', true],
  ['a/**/b', 'a/b', true],
  ['a/**/b', 'a/x/y/b', true],
  ['a/**/**/b', 'a/b', true],
  ['a**b', 'aXb', true], // '**' inside a component is '*'
  ['a**b', 'a/b', false],
  ['a/*/b', 'a/x/b', true],
  ['a/*/b', 'a/x/y/b', false],
  ['*/*/*', 'a/x/b', true],
  ['*/*/*', 'a/x/y/b', false],
  ['a\\*b', 'a*b', true],
  ['a\\*b', 'aXb', false],
  ['a\\?b', 'a?b', true],
  ['a[*]b', 'a*b', true],
  ['a[?]b', 'aXb', false],
  ['a[[]b', 'a[b', true],
  ['a[]]b', 'a]b', true], // ']' first in a class is literal
  ['a[!X]b', 'aXb', false],
  ['a[!X]b', 'a-b', true],
  ['a[^X]b', 'a b', true],
  ['a[X-Z]b', 'aXb', true],
  ['a[-]b', 'a-b', true],
  ['a[]-]b', 'a-b', true],
  ['a[!]]b', 'a]b', false],
  ['a[b-]b', 'a-b', true], // '-' last in a class is literal
  ['a[\\]]b', 'a]b', true],
  ['a[\\-]b', 'a-b', true],
  ['b[0-9]', 'b1', true],
  ['b[0-9]', 'bz', false],
  ['b[!0-9]', 'bz', true],
  ['[Bb]1', 'B1', true],
  ['b1', 'B1', false], // case-sensitive
  ['.*', '.hidden', true],
  ['*hidden', '.hidden', true], // a leading '.' is not special
  ['*/.hidden', 'dir/.hidden', true],
  ['x\\\\y', 'x\\y', true],
  ['\\a*', 'ab', true],
  ['[[]ab]', '[ab]', true],
  ['**/', 'a/b', false],
  ['ünï/*.txt', 'ünï/ç.txt', true],
  ['ünï/?.txt', 'ünï/ç.txt', false], // '?' is one byte: 'ç' is two in UTF-8
  ['ünï/??.txt', 'ünï/ç.txt', true],
  // POSIX character classes.
  ['b[[:digit:]]', 'b1', true],
  ['b[[:alpha:]]', 'bz', true],
  ['b[[:alpha:]]', 'b1', false],
  ['[[:upper:]]1', 'B1', true],
  ['a[[:punct:]]b', 'a!b', true],
  ['a[[:space:]]b', 'a b', true],
  ['b[[:digit:][:alpha:]]', 'bz', true],
];

const MORE_PATTERNS = ['foo*', 'f??', 'bar/*/foo.c', '**/c.txt', '*.txt', 'a[!X]b', 'b[[:upper:]]', 'b[[:nope:]]', '*b', 'a*', '*/*', 'ünï/**', '**/*.txt', '[a-c]*', '[!a-z]*'];

const t = tempDir('xtest-pack-wildmatch-');
after(() => t.cleanup());
git(['init', '-q', t.dir]);
const empty = git(['hash-object', '-w', '--stdin'], { cwd: t.dir, input: '' }).toString('utf8').trim();
git(['update-index', '--add', '-z', '--index-info'], { cwd: t.dir, input: PATHS.map((p) => `100644 ${empty}\t${p}\0`).join('') });

const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

/** The paths git selects with ':(glob)<pattern>'. */
function gitMatches(pattern: string): Set<string> {
  const out = git(['-c', 'core.quotePath=false', 'ls-files', '-z', '--', `:(glob)${pattern}`], { cwd: t.dir }).toString('utf8');
  return new Set(out.split('\0').filter((p) => p !== ''));
}

/**
 * wildmatch on the path as git compares it: byte by byte. wildmatch takes strings; a name's
 * UTF-8 bytes are passed as one char each, so that '?' is one byte as in git.
 */
function ours(pattern: string, path: string): boolean {
  return wildmatch(latin1(pattern), latin1(path));
}

describe('wildmatch', () => {
  test('the fixture: git lists every path of the table', () => {
    assert.deepEqual([...gitMatches('**')].sort(), [...PATHS].sort());
    for (const [, path] of TABLE) assert.ok(PATHS.includes(path), path);
  });

  test('the table agrees with git ls-files', () => {
    const wrong = TABLE.filter(([p, path, want]) => gitMatches(p).has(path) !== want);
    assert.deepEqual(wrong, [], 'rows of the table git disagrees with');
  });

  for (const [pattern, path, want] of TABLE) {
    test(`${JSON.stringify(pattern)} ${want ? 'matches' : 'does not match'} ${JSON.stringify(path)}`, () => {
      assert.equal(ours(pattern, path), want);
    });
  }

  test('every pattern against every path: as git ls-files selects (POSIX classes: the rows above)', () => {
    const wrong: string[] = [];
    for (const pattern of [...new Set([...TABLE.map(([p]) => p), ...MORE_PATTERNS])]) {
      if (pattern.includes('[:')) continue;
      const g = gitMatches(pattern);
      for (const path of PATHS) {
        if (path === pattern) continue; // git's pathspec code matches a literal equal path on its own
        if (ours(pattern, path) !== g.has(path)) wrong.push(`${JSON.stringify(pattern)} vs ${JSON.stringify(path)}: git ${g.has(path)}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('hasWildcard', () => {
    for (const p of ['*', 'a?', '[x]', 'a\\b', '**/x']) assert.equal(hasWildcard(p), true, p);
    for (const p of ['', 'abc', 'a/b.c', 'ünï', 'a]b', 'a{b}']) assert.equal(hasWildcard(p), false, p);
  });
});
