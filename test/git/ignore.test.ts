// git's ignore rules (src/odb/ignore.ts, ignore-pattern.ts, wildmatch.ts) against
// `git check-ignore -v -n --no-index --stdin -z`: the pattern that decides each path (its
// file, line and text as git prints them) or none. A table of tricky patterns, each in a
// .gitignore of its own directory; the exclude files outside the work tree (info/exclude,
// core.excludesFile from the repository's config, from a global config and the XDG default)
// and their precedence; core.ignoreCase; then fast-check random patterns and trees, many
// scenarios to one check-ignore run.
//
// The one known divergence (test/support/ignore-divergence.ts): git before 2.52 matched a `**`
// right after a literal prefix without '/' (`foo**/bar`) as if it began the path; xtest-pack
// follows 2.52, and such patterns are compared only with a git that has the fix.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { getBackend } from '../../src/backend/index.js';
import { nodeWorkTreeStorage } from '../../src/fs/node-work-tree-storage.js';
import { describePattern } from '../../src/odb/ignore-pattern.js';
import { IgnoreRules, type Environment } from '../../src/odb/ignore.js';
import { Repository } from '../../src/odb/repository.js';
import { git, gitRaw, tempDir } from '../support/git.js';
import { comparableWithGit, GIT_HAS_PREFIX_FIX } from '../support/ignore-divergence.js';

const backend = getBackend();
const t = tempDir('xtest-pack-ignore-');
after(() => t.cleanup());

/** The environment git runs in (test/support/git.ts), for xtest-pack's config lookup. */
const ENV: Environment = { HOME: t.dir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

interface Scenario {
  /** Files to write, relative to the work tree (the .gitignore files among them). */
  files: Record<string, string>;
  /** Directories to make (a trailing '/'), symlinks (`name -> target`). */
  extra?: string[];
  /** Paths to ask about. */
  queries: string[];
}

/** Write a scenario under `root` (a work tree). */
function build(root: string, s: Scenario): void {
  for (const [p, content] of Object.entries(s.files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), Buffer.from(content, 'latin1'));
  }
  for (const e of s.extra ?? []) {
    const link = /^(.*) -> (.*)$/.exec(e);
    if (link) {
      mkdirSync(dirname(join(root, link[1]!)), { recursive: true });
      symlinkSync(link[2]!, join(root, link[1]!));
    } else {
      mkdirSync(join(root, e), { recursive: true });
    }
  }
}

/** The bytes of a string's UTF-8, one char each (how git's output is read here). */
const bytesOf = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

/** What git check-ignore says of each query: "source:line:pattern" (bytes, one char each) or "". */
function gitSays(root: string, queries: readonly string[], env: Environment = {}): string[] {
  const input = queries.map((q) => `${q}\0`).join('');
  // git's own HOME (test/support/git.ts: the temp dir, shared by every test process) would let a
  // global config or ignore file there change the oracle: the same environment as ours, always.
  const args = ['check-ignore', '-v', '-n', '-z', '--no-index', '--stdin'];
  const r = gitRaw(args, { cwd: root, input: Buffer.from(input, 'utf8'), env: Object.keys(env).length > 0 ? env : ENV });
  // check-ignore exits 1 when no path is ignored (a random batch can be such), 128 on an error.
  if (r.status !== 0 && r.status !== 1) throw new Error(`git ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const out = r.stdout.toString('latin1');
  const f = out.split('\0');
  const rows: string[] = [];
  for (let i = 0; i + 3 < f.length; i += 4) rows.push(f[0 + i] === '' ? '' : `${f[i]}:${f[i + 1]}:${f[i + 2]}`);
  assert.equal(rows.length, queries.length);
  return rows;
}

/** What xtest-pack says, in the same form (sources outside the work tree as git names them). */
function oursSays(root: string, queries: readonly string[], options: { env?: Environment; source?: (s: string) => string } = {}): string[] {
  const repo = Repository.open(root, nodeWorkTreeStorage, backend);
  const rules = IgnoreRules.forRepository(repo, { env: options.env ?? ENV });
  const rows = queries.map((q) => {
    const p = rules.match(q);
    if (p === undefined) return '';
    const source = options.source ? options.source(p.source) : p.source;
    // Patterns are byte strings already; sources are paths.
    return `${bytesOf(source)}:${p.line}:${describePattern(p)}`;
  });
  repo.close();
  return rows;
}

function newRepo(name: string): string {
  const root = join(t.dir, name);
  git(['init', '-q', root]);
  return root;
}

/** [lines of the .gitignore, tree (dirs end in '/', `a -> b` a symlink), what git should decide for each path]. */
type Row = [string[], string[], Record<string, boolean | null>];

/**
 * Tricky patterns. Each row runs in a directory of its own (patterns relative to it); the
 * expectations (true: ignored, false: re-included by a negative pattern, null: no pattern) are
 * checked against git as well.
 */
const TABLE: Row[] = [
  [['*.o'], ['a.o', 'd/b.o', 'c.oo'], { 'a.o': true, 'd/b.o': true, 'c.oo': null }],
  [['/a.o'], ['a.o', 'd/a.o'], { 'a.o': true, 'd/a.o': null }],
  [['d/a.o'], ['d/a.o', 'x/d/a.o'], { 'd/a.o': true, 'x/d/a.o': null }], // a middle '/' anchors
  [['build/'], ['build/x', 'src/build', 'lib/build/y'], { build: true, 'build/x': true, 'src/build': null, 'lib/build/y': true }],
  [['lnk/'], ['dir/f', 'lnk -> dir'], { lnk: null, dir: null }], // a symlink to a directory is not a directory
  [['*', '!*/', '!*.c'], ['a.c', 'a.h', 'd/b.c', 'd/b.h'], { 'a.c': false, 'a.h': true, d: false, 'd/b.c': false, 'd/b.h': true }],
  [['build/', '!build/keep'], ['build/keep', 'build/other'], { 'build/keep': true, 'build/other': true }], // no re-include under an ignored directory
  [['/*', '!/src'], ['src/x', 'other/x', 'top'], { src: false, 'src/x': null, 'other/x': true, top: true }],
  [['a/**/b'], ['a/b', 'a/x/b', 'a/x/y/b', 'xa/b'], { 'a/b': true, 'a/x/b': true, 'a/x/y/b': true, 'xa/b': null }],
  [['**/foo'], ['foo', 'x/foo', 'x/y/foo', 'xfoo'], { foo: true, 'x/foo': true, 'x/y/foo': true, xfoo: null }],
  [['**/foo/bar'], ['foo/bar', 'x/foo/bar'], { 'foo/bar': true, 'x/foo/bar': true }],
  [['foo/**'], ['foo/x', 'foo/y/z'], { 'foo/x': true, 'foo/y': true, 'foo/y/z': true, foo: null }],
  [['a/**/'], ['a/x/f', 'a/f'], { a: null, 'a/x': true, 'a/f': null, 'a/x/f': true }],
  [['**'], ['x', 'd/y'], { x: true, d: true, 'd/y': true }],
  [['a**b'], ['ab', 'axb', 'ax/b'], { ab: true, axb: true, 'ax/b': null }],
  [['x/a**b'], ['x/ab', 'x/axb', 'x/ax/yb'], { 'x/ab': true, 'x/axb': true, 'x/ax/yb': null }],
  [['*/foo'], ['x/foo', 'x/y/foo'], { 'x/foo': true, 'x/y/foo': null }],
  [['doc/*.txt'], ['doc/a.txt', 'doc/x/a.txt'], { 'doc/a.txt': true, 'doc/x/a.txt': null }],
  [['foo  '], ['foo'], { foo: true }], // trailing spaces dropped
  [['foo\\ '], ['foo ', 'foo'], { 'foo ': true, foo: null }], // an escaped one kept
  [['foo\\  '], ['foo ', 'foo  '], { 'foo ': true, 'foo  ': null }],
  [['foo\t'], ['foo\t', 'foo'], { 'foo\t': true, foo: null }], // a tab is not a space
  [['\\!important', '\\#hash', '#comment'], ['!important', '#hash', '#comment'], { '!important': true, '#hash': true, '#comment': null }],
  [[' #x', '!'], [' #x', 'y'], { ' #x': true, y: null }],
  [['foo\\'], ['foo', 'foo\\'], { foo: null, 'foo\\': null }], // a trailing backslash never matches
  [['\\*star'], ['*star', 'xstar'], { '*star': true, xstar: null }],
  [['[abc].txt'], ['a.txt', 'd.txt'], { 'a.txt': true, 'd.txt': null }],
  [['[!a].txt', '[^b].md'], ['a.txt', 'b.txt', 'b.md', 'c.md'], { 'a.txt': null, 'b.txt': true, 'b.md': null, 'c.md': true }],
  [['[a-c]*'], ['apple', 'dog'], { apple: true, dog: null }],
  [['[a-c-e]x'], ['-x', 'dx', 'ex'], { '-x': true, dx: null, ex: true }], // '-' after a range is literal
  [['[]]x', '[!]]y'], [']x', 'ay', ']y'], { ']x': true, ay: true, ']y': null }],
  [['[[:digit:]]x', '[[:space:]]y', '[[:bogus:]]z'], ['1x', ' y', 'az'], { '1x': true, ' y': true, az: null }],
  [['a[', 'b[x'], ['a[', 'b[x'], { 'a[': null, 'b[x': null }], // an unclosed class never matches
  [['?.txt', '??.md'], ['a.txt', 'ç.txt', 'ç.md'], { 'a.txt': true, 'ç.txt': null, 'ç.md': true }], // '?' is one byte
  [['*.TXT'], ['a.txt', 'a.TXT'], { 'a.txt': null, 'a.TXT': true }],
  [['foo/'], ['foo'], { foo: null }], // a file is not a directory
  [['foo//'], ['foo/x'], { foo: null, 'foo/x': null }],
  [['/'], ['x'], { x: null }],
  [['d', '!d/keep'], ['d/keep'], { d: true, 'd/keep': true }],
  [['d/*', '!d/keep'], ['d/keep', 'd/x'], { d: null, 'd/keep': false, 'd/x': true }],
  [['*.log', '!important.log', 'important.log'], ['important.log'], { 'important.log': true }], // the last match wins
  [['x/y/**/z/'], ['x/y/z/f', 'x/y/a/b/z/f'], { 'x/y/z': true, 'x/y/a/b/z': true }],
  [['foo**/bar'], ['foobar', 'foo/bar', 'fooX/bar', 'fooX/Y/bar'], { foobar: null, 'foo/bar': true, 'fooX/bar': true, 'fooX/Y/bar': null }],
  [['foo/**bar'], ['foo/bar', 'foo/xbar', 'foo/x/bar'], { 'foo/bar': true, 'foo/xbar': true, 'foo/x/bar': null }],
  [['\\a\\*'], ['a*', 'ab'], { 'a*': true, ab: null }],
  [['**/'], ['d/x', 'f'], { d: true, f: null }],
  [['a\\/b'], ['a/b'], { 'a/b': true }],
  [['*/'], ['d/e/f'], { d: true }],
];

describe('a table of tricky patterns against git check-ignore', () => {
  const root = newRepo('table');
  const queries: string[] = [];
  const expect: [string, boolean | null][] = [];
  TABLE.forEach(([lines, tree, want], i) => {
    const base = `r${i}`;
    const files: Record<string, string> = { [`${base}/.gitignore`]: lines.map((l) => `${bytesOf(l)}\n`).join('') };
    const extra: string[] = [];
    for (const p of tree) {
      if (p.includes(' -> ')) extra.push(`${base}/${p}`);
      else if (p.endsWith('/')) extra.push(`${base}/${p}`);
      else files[`${base}/${p}`] = 'x';
    }
    build(root, { files, extra, queries: [] });
    for (const [p, w] of Object.entries(want)) {
      queries.push(`${base}/${p}`);
      expect.push([`${base}: ${JSON.stringify(lines)} ${JSON.stringify(p)}`, w]);
    }
  });
  const skip = (i: number) => !comparableWithGit(TABLE[Number(/^r(\d+)\//.exec(queries[i]!)![1])]![0]);
  const g = gitSays(root, queries);
  const o = oursSays(root, queries);

  test('xtest-pack decides every path with the pattern git names (file, line, text)', () => {
    const wrong = queries.flatMap((q, i) => (skip(i) || g[i] === o[i] ? [] : [`${JSON.stringify(q)}: git ${JSON.stringify(g[i])}, xtest-pack ${JSON.stringify(o[i])}`]));
    assert.deepEqual(wrong, []);
  });

  test('the table says what git says', () => {
    const decided = (s: string): boolean | null => (s === '' ? null : !s.split(':')[2]!.startsWith('!'));
    const wrong = expect.flatMap(([what, w], i) => (skip(i) || decided(g[i]!) === w ? [] : [`${what}: git ${JSON.stringify(g[i])}, table ${w}`]));
    assert.deepEqual(wrong, []);
  });

  test(`patterns with a ** after a literal prefix: as git 2.52 (this git ${GIT_HAS_PREFIX_FIX ? 'has' : 'lacks'} the fix)`, () => {
    const i = TABLE.findIndex(([lines]) => lines[0] === 'foo**/bar');
    const wrong = Object.entries(TABLE[i]![2]).filter(([p, w]) => {
      const got = o[queries.indexOf(`r${i}/${p}`)]!;
      return (got === '' ? null : true) !== w;
    });
    assert.deepEqual(wrong, []);
  });
});

describe('exclude files outside the work tree, their precedence, core.ignoreCase', () => {
  test('info/exclude, core.excludesFile (repository config, ~/ expanded) and .gitignore files: each wins where git says', () => {
    const root = newRepo('precedence');
    const home = join(t.dir, 'home-precedence');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'global-ignore'), 'g1\nboth\nall\n!keep-global\n*.tmp\n');
    git(['config', 'core.excludesFile', '~/global-ignore'], { cwd: root });
    writeFileSync(join(root, '.git', 'info', 'exclude'), 'x1\nboth\n!all\nkeep-global\n');
    build(root, { files: { '.gitignore': 'all\nsub/\n', 'd/.gitignore': '!x1\n/local\n', 'd/local': '', 'd/e/local': '' }, queries: [] });
    const queries = ['g1', 'x1', 'both', 'all', 'keep-global', 'a.tmp', 'd/x1', 'd/local', 'd/e/local', 'sub', 'other'];
    const env = { HOME: home };
    const fixSource = (s: string) => (s === join(root, '.git', 'info', 'exclude') ? '.git/info/exclude' : s.startsWith(home) ? s.replace(home, '~') : s);
    const g = gitSays(root, queries, env).map((s) => s.replace(`${home}/`, '~/'));
    assert.deepEqual(oursSays(root, queries, { env: { ...ENV, ...env }, source: fixSource }), g);
    assert.ok(g.some((s) => s.startsWith('~/global-ignore')) && g.some((s) => s.startsWith('.git/info/exclude')));
  });

  test('core.excludesFile from a global config (GIT_CONFIG_GLOBAL), and the XDG default', () => {
    const root = newRepo('global');
    const home = join(t.dir, 'home-global');
    mkdirSync(join(home, 'xdg', 'git'), { recursive: true });
    writeFileSync(join(home, 'gitconfig'), `[core]\n\texcludesFile = ${join(home, 'ignore-from-config')}\n`);
    writeFileSync(join(home, 'ignore-from-config'), 'from-config\n');
    writeFileSync(join(home, 'xdg', 'git', 'ignore'), 'from-xdg\n');
    const queries = ['from-config', 'from-xdg'];
    const viaConfig = { HOME: home, GIT_CONFIG_GLOBAL: join(home, 'gitconfig') };
    assert.deepEqual(oursSays(root, queries, { env: { ...ENV, ...viaConfig } }), gitSays(root, queries, viaConfig));
    const viaXdg = { HOME: home, XDG_CONFIG_HOME: join(home, 'xdg') };
    const g = gitSays(root, queries, viaXdg);
    assert.deepEqual(oursSays(root, queries, { env: { ...ENV, ...viaXdg } }), g);
    assert.deepEqual(g.map((s) => s !== ''), [false, true]);
  });

  test('core.ignoreCase: patterns and paths in any case', () => {
    const root = newRepo('icase');
    git(['config', 'core.ignoreCase', 'true'], { cwd: root });
    build(root, { files: { '.gitignore': '*.TXT\nBuild/\n/Top\n[A-C]x\nd/Deep\n', 'a.txt': '', 'build/f': '', 'top': '', 'bx': '', 'D/deep': '' }, queries: [] });
    const queries = ['a.txt', 'build', 'build/f', 'top', 'bx', 'D/deep', 'D'];
    const g = gitSays(root, queries);
    assert.deepEqual(oursSays(root, queries), g);
    assert.ok(g.filter((s) => s !== '').length >= 5);
  });

  test('paths of which none is ignored (git check-ignore exits 1 then): no pattern for any', () => {
    const root = newRepo('none');
    build(root, { files: { '.gitignore': 'aa\nb/\n', a: '', 'd/a': '' }, queries: [] });
    const queries = ['a', 'd', 'd/a'];
    const g = gitSays(root, queries);
    assert.deepEqual(g, ['', '', '']);
    assert.deepEqual(oursSays(root, queries), g);
  });

  test('CRLF line ends, a byte order mark, a file without a final newline; a symlinked .gitignore is not followed', () => {
    const root = newRepo('bytes');
    build(root, {
      files: { '.gitignore': '\xef\xbb\xbfbom\r\ncrlf\r\n\r\nlast', 'real-ignore': 'via-link\n', 'l/x': '' },
      extra: ['l/.gitignore -> ../real-ignore'],
      queries: [],
    });
    const queries = ['bom', 'crlf', 'last', 'l/via-link'];
    const g = gitSays(root, queries);
    assert.deepEqual(oursSays(root, queries), g);
    assert.deepEqual(g.map((s) => s !== ''), [true, true, true, false]);
  });
});

// ---- random patterns and trees -------------------------------------------------------------

const nameArb = fc
  .array(fc.constantFrom('a', 'b', 'A', '.', '-', '*', '?', '[', ']', '!', '#', ' ', '\\', 'é'), { minLength: 1, maxLength: 4 })
  .map((cs) => cs.join(''))
  .filter((n) => n !== '.' && n !== '..' && n.toLowerCase() !== '.git' && n !== '.gitignore');

const pathArb = fc.array(nameArb, { minLength: 1, maxLength: 3 }).map((cs) => cs.join('/'));

const tokenArb = fc.constantFrom('a', 'b', 'A', '.', '-', '*', '**', '?', '/', '[ab]', '[!a]', '[a-b]', '[[:alpha:]]', '[', ']', '\\', '\\*', '!', '#', ' ', 'é', '\r');
const patternArb = fc.array(tokenArb, { minLength: 1, maxLength: 6 }).map((ts) => ts.join(''));

interface RandomScenario {
  tree: string[];
  /** .gitignore files by directory ('' the scenario's top): their lines. */
  ignores: [string, string[]][];
}

const scenarioArb: fc.Arbitrary<RandomScenario> = fc
  .uniqueArray(pathArb, { minLength: 1, maxLength: 8 })
  // No path may be a file and a directory at once: drop those that are a prefix of another.
  .map((paths) => paths.filter((p) => !paths.some((q) => q.startsWith(`${p}/`))))
  .chain((tree) => {
    const dirs = ['', ...new Set(tree.flatMap((p) => p.split('/').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('/'))))];
    return fc.record({
      tree: fc.constant(tree),
      ignores: fc.uniqueArray(fc.tuple(fc.constantFrom(...dirs), fc.array(patternArb, { minLength: 1, maxLength: 5 })), { minLength: 1, maxLength: 3, selector: ([d]) => d }),
    });
  })
  .filter((s) => s.ignores.every(([, lines]) => comparableWithGit(lines)));

function runBatch(name: string, scenarios: RandomScenario[], ignoreCase: boolean): void {
  const root = newRepo(name);
  if (ignoreCase) git(['config', 'core.ignoreCase', 'true'], { cwd: root });
  const queries: string[] = [];
  scenarios.forEach((s, i) => {
    const top = `s${i}`;
    const files: Record<string, string> = {};
    for (const p of s.tree) files[`${top}/${p}`] = '';
    for (const [d, lines] of s.ignores) files[`${top}/${d === '' ? '' : `${d}/`}.gitignore`] = lines.map((l) => `${bytesOf(l)}\n`).join('');
    build(root, { files, queries: [] });
    const all = new Set<string>();
    for (const p of s.tree) {
      const parts = p.split('/');
      for (let k = 1; k <= parts.length; k++) all.add(parts.slice(0, k).join('/'));
    }
    for (const p of all) queries.push(`${top}/${p}`);
  });
  const g = gitSays(root, queries);
  const o = oursSays(root, queries);
  const wrong = queries.flatMap((q, i) => (g[i] === o[i] ? [] : [`${JSON.stringify(q)}: git ${JSON.stringify(g[i])}, xtest-pack ${JSON.stringify(o[i])}`]));
  assert.deepEqual(wrong, [], JSON.stringify(scenarios.map((s, i) => [i, s])));
}

describe('random patterns and paths against git check-ignore (batches of scenarios)', () => {
  let n = 0;
  test('case-sensitive', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(fc.array(scenarioArb, { minLength: 20, maxLength: 40 }), (batch) => runBatch(`random-${n++}`, batch, false)),
      { numRuns: 25 },
    );
  });
  test('core.ignoreCase', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(fc.array(scenarioArb, { minLength: 20, maxLength: 40 }), (batch) => runBatch(`random-icase-${n++}`, batch, true)),
      { numRuns: 10 },
    );
  });
});
