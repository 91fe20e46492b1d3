// untrackedFiles (src/odb/untracked.ts) against `git ls-files --others --exclude-standard -z
// -- <paths>` on the work trees of fixtures/scripts/untracked-repos.sh (ignored files and
// directories, negations, nested repositories, a submodule, symlinks, a FIFO, info/exclude,
// the global ignore file, a linked work tree, a .gitignore read from the index in a sparse
// checkout, core.ignoreCase), for many path lists; the same over a memory copy of the work tree
// (no node:fs); and on fast-check random trees, index contents and .gitignore files.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import { nodeStorage } from '../../src/fs/node-storage.js';
import { Repository } from '../../src/odb/repository.js';
import { untrackedFiles, type UntrackedEntry } from '../../src/odb/untracked.js';
import type { Environment } from '../../src/odb/ignore.js';
import { git, tempDir } from '../support/git.js';
import { comparableWithGit } from '../support/ignore-divergence.js';
import { memoryWorkTree, snapshot } from '../support/memory-work-tree.js';
import { runScript } from '../support/odb-repos.js';

const backend = getBackend();
const t = tempDir('xtest-pack-untracked-');
after(() => t.cleanup());
runScript('untracked-repos', [t.dir]);
const HOME = join(t.dir, 'home');
const ENV: Environment = { HOME, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

/** As git prints them: a nested repository with its '/'. */
const shown = (entries: readonly UntrackedEntry[]): string[] => entries.map((e) => (e.kind === 'repository' ? `${e.path}/` : e.path));

function gitOthers(dir: string, paths: readonly string[]): string[] {
  return git(['ls-files', '-o', '--exclude-standard', '-z', '--', ...paths], { cwd: dir, env: { HOME } })
    .toString('utf8')
    .split('\0')
    .filter((p) => p !== '');
}

function ours(dir: string, paths: readonly string[]): string[] {
  const repo = Repository.open(dir, nodeStorage, backend);
  try {
    return shown(untrackedFiles(repo, paths, { env: ENV }).entries);
  } finally {
    repo.close();
  }
}

const PATH_LISTS: string[][] = [
  [],
  ['.'],
  ['fixtures'],
  ['fixtures/'],
  ['./fixtures'],
  ['fixtures/data'],
  ['fixtures/new.json'],
  ['fixtures/x.log'],
  ['fixtures/keep.log'],
  ['build'],
  ['build/new.txt'],
  ['fixtures/build'],
  ['fixtures/nested'],
  ['fixtures/nested/inner.txt'],
  ['fixtures/gitfile-nested'],
  ['fixtures/odd'],
  ['fixtures/link-dir'],
  ['fixtures/link-dir/one.json'],
  ['fixtures/sub'],
  ['fixtures/sub/file.txt'],
  ['fixtures/fifo'],
  ['fixtures/empty-dir'],
  ['fixtures/was-file'],
  ['missing'],
  ['missing/deeper'],
  ['src', 'fixtures'],
  ['fixtures', 'fixtures/data'],
  ['ign-dir/reinc.txt'],
  ['ign-dir'],
  ['sub'],
  ['top-only'],
  ['with space'],
  ['fixtures/.git'],
  ['.git'],
];

describe('untrackedFiles against git ls-files -o --exclude-standard', () => {
  for (const paths of PATH_LISTS) {
    test(`main -- ${paths.map((p) => JSON.stringify(p)).join(' ') || '(everything)'}`, () => {
      assert.deepEqual(ours(join(t.dir, 'main'), paths), gitOthers(join(t.dir, 'main'), paths));
    });
  }

  test('what the fixture is for: listed, ignored, and not descended', () => {
    const all = ours(join(t.dir, 'main'), ['fixtures']);
    for (const p of ['fixtures/new.json', 'fixtures/nested/', 'fixtures/gitfile-nested/', 'fixtures/link-dir', 'fixtures/was-file/inner.txt', 'fixtures/important.tmp']) {
      assert.ok(all.includes(p), p);
    }
    for (const p of ['fixtures/x.log', 'fixtures/a.tmp', 'fixtures/local-only.txt', 'fixtures/x.swp', 'fixtures/sub/file.txt', 'fixtures/fifo', 'fixtures/odd/.git']) {
      assert.ok(!all.includes(p), p);
    }
  });

  for (const name of ['wt', 'sparse', 'icase']) {
    for (const paths of [[], ['fixtures'], ['sub']]) {
      test(`${name} -- ${paths.join(' ') || '(everything)'}`, () => {
        assert.deepEqual(ours(join(t.dir, name), paths), gitOthers(join(t.dir, name), paths));
      });
    }
  }

  test('over a memory copy of the work tree (no node:fs): the same list', () => {
    const nodes = snapshot(t.dir);
    const storage = memoryWorkTree(nodes);
    const repo = Repository.open(join(t.dir, 'main'), storage, backend);
    for (const paths of PATH_LISTS) {
      assert.deepEqual(shown(untrackedFiles(repo, paths, { env: ENV }).entries), gitOthers(join(t.dir, 'main'), paths), JSON.stringify(paths));
    }
    assert.ok(storage.reads['readDir']! > 0);
    repo.close();
  });

  test('a storage that cannot tell symlinks apart is refused; a bare repository has no work tree', () => {
    const plain = { ...nodeStorage };
    const repo = Repository.open(join(t.dir, 'main'), plain, backend);
    assert.throws(() => untrackedFiles(repo, []), (e: unknown) => e instanceof XtestPackError && e.code === 'USAGE');
    repo.close();
    const bare = join(t.dir, 'bare.git');
    git(['init', '-q', '--bare', bare]);
    const b = Repository.open(bare, nodeStorage, backend);
    assert.throws(() => untrackedFiles(b, []), (e: unknown) => e instanceof XtestPackError && e.code === 'USAGE');
    b.close();
  });

  test('a path climbing out or absolute: USAGE', () => {
    const repo = Repository.open(join(t.dir, 'main'), nodeStorage, backend);
    for (const p of ['../x', '/abs', 'a/../b']) assert.throws(() => untrackedFiles(repo, [p], { env: ENV }), (e: unknown) => e instanceof XtestPackError && e.code === 'USAGE', p);
    repo.close();
  });
});

// ---- random trees, index contents and ignore files ------------------------------------------

const nameArb = fc.constantFrom('a', 'b', 'c.txt', 'd.log', 'e.o', 'sub', 'dir', 'x y', 'ç');
interface Random {
  files: { path: string; tracked: boolean }[];
  ignores: [string, string[]][];
  query: string[][];
}

const randomArb: fc.Arbitrary<Random> = fc
  .uniqueArray(fc.array(nameArb, { minLength: 1, maxLength: 4 }).map((c) => c.join('/')), { minLength: 1, maxLength: 14 })
  .map((paths) => paths.filter((p) => !paths.some((q) => q.startsWith(`${p}/`))))
  .chain((paths) => {
    const dirs = ['', ...new Set(paths.flatMap((p) => p.split('/').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('/'))))];
    const patternArb = fc.oneof(
      fc.constantFrom('*.log', '!d.log', 'sub/', '/a', 'dir/*', '!dir/b', '*.o', 'x*', '**/c.txt', 'sub', '!sub/', '*', '!*/', 'ç', 'b/'),
      fc.array(fc.constantFrom('a', 'b', '*', '/', 'sub', 'dir', '!', '.', '**'), { minLength: 1, maxLength: 4 }).map((x) => x.join('')),
    );
    return fc.record({
      files: fc.tuple(...paths.map((p) => fc.boolean().map((tracked) => ({ path: p, tracked })))),
      ignores: fc.uniqueArray(fc.tuple(fc.constantFrom(...dirs), fc.array(patternArb, { minLength: 1, maxLength: 4 })), { maxLength: 3, selector: ([d]) => d }),
      query: fc.array(fc.array(fc.constantFrom('', ...dirs.filter((d) => d !== ''), ...paths), { maxLength: 2 }), { minLength: 1, maxLength: 3 }),
    });
  })
  .filter((r) => r.ignores.every(([, lines]) => comparableWithGit(lines)));

describe('random trees, index contents and .gitignore files against git', () => {
  let n = 0;
  test('untrackedFiles lists what git ls-files -o --exclude-standard lists', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(randomArb, (r) => {
        const root = join(t.dir, `random-${n++}`);
        git(['init', '-q', root]);
        for (const f of r.files) {
          mkdirSync(dirname(join(root, f.path)), { recursive: true });
          writeFileSync(join(root, f.path), f.path);
        }
        for (const [d, lines] of r.ignores) writeFileSync(join(root, d, '.gitignore'), lines.map((l) => `${l}\n`).join(''));
        const tracked = r.files.filter((f) => f.tracked).map((f) => f.path);
        if (tracked.length > 0) git(['update-index', '--add', '-z', '--stdin'], { cwd: root, input: tracked.map((p) => `${p}\0`).join('') });
        for (const q of r.query) {
          const paths = q.map((p) => (p === '' ? '.' : p));
          assert.deepEqual(ours(root, paths), gitOthers(root, paths), JSON.stringify({ r, paths }));
        }
      }),
      { numRuns: 60 },
    );
  });
});
