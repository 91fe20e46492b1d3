// xtest-pack ls-tree against git ls-tree, byte for byte: every combination of -r, -t, -d,
// --name-only and -z with paths (none, a directory with and without a trailing slash, a file,
// nested paths, names with spaces, unicode, quotes, tabs, newlines and backslashes, a symlink,
// a gitlink, paths that match nothing, several paths) over commits, tags, trees and subtrees, in
// SHA-1 and SHA-256 repositories, a linked work tree, a shared clone, a bare pack directory, and
// a clone of this project. Quoting of unusual names (core.quotePath) is compared too.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { nodeStorage } from '../../src/fs/node-storage.js';
import { lsTree, type LsTreeOptions } from '../../src/odb/ls-tree.js';
import { quotePath } from '../../src/odb/quote.js';
import { Repository } from '../../src/odb/repository.js';
import { resolveRevision } from '../../src/odb/revision.js';
import { git, tempDir } from '../support/git.js';
import { assertOneLineError, xtestPack } from '../support/cli.js';
import { buildRichRepos, cloneSelf, diffWithGit, Divergences, type Target } from '../support/odb-repos.js';

const backend = getBackend();
const repos = buildRichRepos();
const scratch = tempDir('xtest-pack-odb-self-');
const self = cloneSelf(scratch.dir);
after(() => {
  repos.cleanup();
  scratch.cleanup();
});

const ALL_OPTS: readonly (readonly string[])[] = [
  [],
  ['-r'],
  ['-t'],
  ['-d'],
  ['-r', '-t'],
  ['-r', '-d'],
  ['-d', '-t'],
  ['-r', '-d', '-t'],
  ['--name-only'],
  ['--name-status'],
  ['-r', '--name-only'],
  ['-z'],
  ['-r', '-z'],
  ['-r', '-t', '-z', '--name-only'],
  ['-d', '-z'],
];

const FEW_OPTS: readonly (readonly string[])[] = [[], ['-r'], ['-r', '-t'], ['-d'], ['-r', '-z', '--name-only']];

/** Paths for ls-tree in the odb-rich.sh repositories. */
const RICH_PATHS: readonly (readonly string[])[] = [
  [],
  ['dir'],
  ['dir/'],
  ['dir/file'],
  ['dir/sub'],
  ['dir/sub/'],
  ['dir/sub/deeper'],
  ['dir/sub/deeper/'],
  ['dir/sub/deeper/x.txt'],
  ['dir/file/'],
  ['with space.txt'],
  ['dir with space'],
  ['dir with space/'],
  ['uni/ünï'],
  ['uni/ünï/deep.txt'],
  ['uni'],
  ['unicodé.txt'],
  ['sub'],
  ['sub/'],
  ['link'],
  ['link/'],
  ['run.sh'],
  ['empty'],
  ['later'],
  ['nonexistent'],
  ['dir/nonexistent'],
  ['nonexistent/deeper'],
  ['di'],
  ['dir*'],
  ['dir-a'],
  ['dir.txt'],
  ['dir0'],
  ['dir', 'dir/sub'],
  ['dir/sub', 'dir'],
  ['dir/file', 'run.sh', 'nonexistent'],
  ['dir/sub/deeper/x.txt', 'uni/ünï/deep.txt'],
  ['quote"d'],
  ['tab\there'],
  ['new\nline'],
  ['back\\slash'],
];

const FEW_PATHS: readonly (readonly string[])[] = [[], ['dir'], ['dir/'], ['dir/sub/deeper/x.txt'], ['sub'], ['nonexistent'], ['dir', 'run.sh']];

async function lsTreeMatrix(t: Target, treeishes: readonly string[], opts: readonly (readonly string[])[], paths: readonly (readonly string[])[]): Promise<number> {
  const d = new Divergences();
  let n = 0;
  for (const treeish of treeishes) {
    for (const o of opts) {
      for (const p of paths) {
        const args = ['ls-tree', ...o, treeish, ...p];
        d.add((await diffWithGit(t, args)).divergence);
        n++;
      }
    }
  }
  d.check(`${t.label}: ls-tree`);
  return n;
}

const main: Target = { label: 'main', gitCwd: repos.main, cliCwd: repos.main, where: [] };

describe('ls-tree agrees with git', () => {
  test('main: every option combination with every kind of path, on HEAD', async () => {
    await lsTreeMatrix(main, ['HEAD'], ALL_OPTS, RICH_PATHS);
  });

  test('main: commits, tags (nested, of a tree), trees and subtrees as the tree-ish', async () => {
    await lsTreeMatrix(main, ['HEAD~3', 'v1-outer-outer', 'tree-tag', 'HEAD^{tree}', 'merge-point', 'signed', 'mergetagged'], FEW_OPTS, FEW_PATHS);
    await lsTreeMatrix(main, ['HEAD:dir', 'HEAD:dir/sub', 'v1:uni'], FEW_OPTS, [[], ['sub'], ['sub/'], ['deeper/x.txt'], ['file'], ['ünï']]);
  });

  test('main: tree-ishes that are not trees, or nothing, fail as in git', async () => {
    await lsTreeMatrix(main, ['HEAD:dir/file', 'blob-tag', 'nonexistent', 'HEAD:sub', 'HEAD~100'], [[], ['-r']], [[]]);
  });

  test('the same through --repo, --repo <.git>, and in the sha256 repository', async () => {
    await lsTreeMatrix({ ...main, label: 'main --repo', cliCwd: repos.root, where: ['--repo', repos.main] }, ['HEAD', 'v1'], FEW_OPTS, FEW_PATHS);
    await lsTreeMatrix({ ...main, label: 'main --repo .git', cliCwd: repos.root, where: ['--repo', join(repos.main, '.git')] }, ['HEAD'], FEW_OPTS, FEW_PATHS);
    const sha256: Target = { label: 'sha256', gitCwd: repos.sha256, cliCwd: repos.sha256, where: [] };
    await lsTreeMatrix(sha256, ['HEAD'], ALL_OPTS, RICH_PATHS.filter((_, i) => i % 2 === 0));
    await lsTreeMatrix(sha256, ['tree-tag', 'HEAD:dir', 'HEAD~3'], FEW_OPTS, FEW_PATHS);
  });

  test('linked work tree, shared clone, relative alternates', async () => {
    await lsTreeMatrix({ label: 'worktree', gitCwd: repos.wt, cliCwd: repos.wt, where: [] }, ['HEAD', 'main'], FEW_OPTS, [[], ['wt.txt'], ['dir/'], ['side.txt']]);
    await lsTreeMatrix({ label: 'shared', gitCwd: repos.shared, cliCwd: repos.root, where: ['--repo', repos.shared] }, ['HEAD', 'origin/side'], FEW_OPTS, [[], ['shared.txt'], ['dir/sub']]);
    await lsTreeMatrix({ label: 'altrel', gitCwd: repos.altrel, cliCwd: repos.altrel, where: [] }, ['HEAD'], FEW_OPTS, FEW_PATHS);
  });

  test('bare pack directories: tree-ishes by id and abbreviation', async () => {
    for (const [packed, packdir] of [
      [repos.packed, repos.packdir],
      [repos.packed256, repos.packdir256],
    ] as const) {
      const rp = (r: string) => git(['rev-parse', r], { cwd: packed }).toString('utf8').trim();
      const t: Target = { label: `pack directory ${packdir}`, gitCwd: packed, cliCwd: repos.root, where: ['--objects', packdir] };
      await lsTreeMatrix(t, [rp('HEAD'), rp('HEAD').slice(0, 8), rp('v1-outer'), rp('HEAD:dir'), `${rp('HEAD~1')}^{tree}`], FEW_OPTS, FEW_PATHS);
    }
  });

  test('a clone of this project', async () => {
    const t: Target = { label: 'this project', gitCwd: self, cliCwd: self, where: [] };
    await lsTreeMatrix(t, ['HEAD'], ALL_OPTS, [[], ['src'], ['src/'], ['src/odb'], ['src/odb/'], ['package.json'], ['src/odb/walk.ts', 'test/support/'], ['nonexistent']]);
    await lsTreeMatrix(t, ['HEAD~1', 'HEAD^{tree}', 'HEAD:src'], FEW_OPTS, [[]]);
  });

  test('lsTree (the library) gives the bytes git ls-tree prints', () => {
    const repo = Repository.open(repos.main, nodeStorage, backend);
    try {
      const tree = resolveRevision({ odb: repo.odb, refs: repo.refs }, 'HEAD^{tree}').oid;
      const cases: [string[], LsTreeOptions, string[]][] = [
        [[], {}, []],
        [[], { recursive: true }, ['-r']],
        [[], { recursive: true, showTrees: true }, ['-r', '-t']],
        [['dir/sub/'], { treesOnly: true }, ['-d']],
        [['dir', 'sub'], { recursive: true, nameOnly: true, nulTerminated: true }, ['-r', '--name-only', '-z']],
      ];
      for (const [paths, options, flags] of cases) {
        const want = git(['ls-tree', ...flags, 'HEAD', ...paths], { cwd: repos.main });
        assert.deepEqual(Buffer.from(lsTree(repo.odb, tree, paths, options)), want, `lsTree ${flags.join(' ')} ${paths.join(' ')}`);
      }
    } finally {
      repo.close();
    }
  });

  test('quotePath quotes as git does (core.quotePath on): every byte value in a name', () => {
    // One file per byte value git allows in a name (not NUL or '/'), named x<byte>y.
    const t = tempDir('xtest-pack-odb-quote-');
    try {
      git(['init', '-q', t.dir]);
      const blob = git(['hash-object', '-w', '--stdin'], { cwd: t.dir, input: 'q\n' }).toString('utf8').trim();
      const lines: Buffer[] = [];
      for (let b = 1; b < 256; b++) {
        if (b === 0x2f) continue;
        lines.push(Buffer.concat([Buffer.from(`100644 blob ${blob}\tx`), Buffer.of(b), Buffer.from('y\0')]));
      }
      // Two-byte UTF-8 and a sequence with an invalid byte: quoted byte by byte too.
      lines.push(Buffer.concat([Buffer.from(`100644 blob ${blob}\t`), Buffer.from('é€😀'), Buffer.of(0xff, 0), Buffer.alloc(0)]));
      const tree = git(['mktree', '-z'], { cwd: t.dir, input: Buffer.concat(lines) }).toString('utf8').trim();
      const names = git(['ls-tree', '-z', '--name-only', tree], { cwd: t.dir }).toString('latin1').split('\0').filter((n) => n !== '');
      const quoted = git(['ls-tree', '--name-only', tree], { cwd: t.dir }).toString('latin1').replace(/\n$/, '').split('\n');
      assert.equal(names.length, 255);
      assert.equal(quoted.length, names.length);
      names.forEach((name, i) => {
        assert.equal(Buffer.from(quotePath(Buffer.from(name, 'latin1'))).toString('latin1'), quoted[i], `quotePath of ${JSON.stringify(name)}`);
      });
    } finally {
      t.cleanup();
    }
  });

  test('ls-tree through the real command line', () => {
    for (const args of [
      ['-r', 'HEAD'],
      ['HEAD', 'dir/'],
      ['-r', '-z', '--name-only', 'HEAD', 'dir'],
    ]) {
      const r = xtestPack(['ls-tree', '--repo', repos.main, ...args], { cwd: repos.root });
      assert.equal(r.stderr, '');
      assert.equal(r.status, 0);
      assert.deepEqual(r.stdout, git(['ls-tree', ...args], { cwd: repos.main }), args.join(' '));
    }
    const bad = xtestPack(['ls-tree', '--repo', repos.main, 'HEAD:dir/file'], { cwd: repos.root });
    assert.equal(bad.status, 1);
    assertOneLineError(bad.stderr);
  });
});

describe('known gaps against git (each asserts what git does)', () => {
  test('from a subdirectory, ls-tree lists that directory and paths are relative to it', async () => {
    const sub: Target = { label: 'main, from dir', gitCwd: join(repos.main, 'dir'), cliCwd: join(repos.main, 'dir'), where: [] };
    await lsTreeMatrix(sub, ['HEAD'], [[], ['-r'], ['--name-only']], [[], ['sub'], ['sub/'], ['file'], ['../run.sh']]);
  });

  test('pathspecs are normalized: ./dir and dir/../run.sh', async () => {
    await lsTreeMatrix(main, ['HEAD'], [[], ['-r']], [['./dir'], ['dir/../run.sh'], ['./dir/sub/']]);
  });
});
