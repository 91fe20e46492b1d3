// exportTestData against git: the ids in the exported idx are exactly the commit, the trees
// on the way, the selected blobs and the .gitattributes/.gitmodules of the trees included
// (computed here from git ls-tree), for files, directories and globs; the pack passes git
// index-pack --fsck-objects with git's idx equal to ours, git cat-file reads everything back,
// a bare partial clone holding it passes git fsck --strict, and git alone checks the files
// out byte for byte with their modes. Errors (unmatched pathspecs, dirty work trees, unknown
// revisions), gitlinks, exports into the same directory, repack, the manifest, SHA-256,
// linked work trees, --rev with an annotated tag and HEAD~1, and the same pack for any
// number of threads.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import { exportTestData, type ExportOptions, type ExportResult } from '../../src/export/export.js';
import { decodeExportManifest } from '../../src/manifest/index.js';
import { repackDirectory } from '../../src/export/pack-dir.js';
import { openFileSource } from '../../src/fs/file-source.js';
import { encodeIdx } from '../../src/pack/idx/index.js';
import { indexPack } from '../../src/pack/index-pack.js';
import type { ObjectFormat } from '../../src/pack/oid.js';
import { SEGMENT_BYTES } from '../../src/pack/write.js';
import {
  assertFsckStrict,
  assertSameDir,
  assertSameFiles,
  catFileBatch,
  copyRepo,
  expectedExportIds,
  exportRepos,
  gitCheckout,
  gitIndexPack,
  idxOids,
  packNames,
  partialClone,
  repoFormat,
  revParse,
  treeListing,
} from '../support/export-repos.js';
import { git } from '../support/git.js';
import { scratchDir } from '../support/repos.js';

const backend = getBackend();
const T = { timeout: 60_000 };

type Opts = Omit<ExportOptions, 'backend' | 'out' | 'pathspecs'>;

/** Export into a new directory (or `out`); returns the result and the directory. */
function exportTo(pathspecs: string[], opts: Opts, out = scratchDir('xtest-pack-export-')): ExportResult & { out: string } {
  return { ...exportTestData({ ...opts, out, pathspecs, backend }), out };
}

/** Require `fn` to throw an XtestPackError with `code`; returns it. */
function expectCode(code: string, fn: () => unknown): XtestPackError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof XtestPackError, `threw ${String(e)}`);
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    return e;
  }
  assert.fail(`no ${code}`);
}

/** The ids the idx files of `dir` list, per pack, by git show-index. */
function packIds(dir: string, format: ObjectFormat): string[][] {
  return packNames(dir).map((p) => idxOids(join(dir, p.replace(/\.pack$/, '.idx')), format));
}

function allIds(dir: string, format: ObjectFormat): Set<string> {
  return new Set(packIds(dir, format).flat());
}

function assertSameSet(actual: Set<string>, expected: Set<string>, what: string, names?: Map<string, string>): void {
  const name = (o: string) => (names?.has(o) ? `${o} (${names.get(o)})` : o);
  const extra = [...actual].filter((o) => !expected.has(o)).map(name);
  const missing = [...expected].filter((o) => !actual.has(o)).map(name);
  assert.deepEqual({ extra, missing }, { extra: [], missing: [] }, `${what}: the pack holds other objects than it should`);
}

/** Paths of the ids at `rev` (for messages). */
function idNames(repo: string, rev: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const [p, e] of treeListing(repo, rev)) if (!m.has(e.oid)) m.set(e.oid, `${e.type} ${p === '' ? '/' : p}`);
  m.set(revParse(repo, `${rev}^{commit}`), 'the commit');
  return m;
}

/**
 * Everything git can check of an export of `files` at `rev` from `repo` in `out`: the ids are
 * exactly the expected ones, git index-pack --fsck-objects accepts each pack (nothing to add
 * for .gitmodules) with our idx, cat-file reads every object as the repository has it, a
 * partial clone of the packs passes fsck --strict, and git checks the files out as committed.
 */
function checkWithGit(repo: string, rev: string, files: readonly string[], out: string): void {
  const format = repoFormat(repo);
  const commit = revParse(repo, `${rev}^{commit}`);
  assertSameSet(allIds(out, format), expectedExportIds(repo, rev, files), `${rev} ${files.length} files`, idNames(repo, rev));
  for (const p of packNames(out)) {
    const pack = join(out, p);
    const idx = readFileSync(pack.replace(/\.pack$/, '.idx'));
    const v2 = gitIndexPack(pack, format, { version: 2 });
    assert.equal(v2.stdout.trim().split('\n').length, 1, `git index-pack --fsck-objects wants more: ${v2.stdout}`);
    assert.ok(v2.idx.equals(idx), `${p}: git's idx differs from ours`);
    const v1 = gitIndexPack(pack, format, { version: 1 });
    const src = openFileSource(pack);
    try {
      const indexed = indexPack(src, backend, { format });
      assert.ok(v1.idx.equals(encodeIdx(indexed, indexed.packChecksum, backend, { version: 1 })), `${p}: git's idx v1 differs from ours`);
    } finally {
      src.close();
    }
  }
  const clone = partialClone(out, commit, format);
  const ids = [...allIds(out, format)];
  const theirs = catFileBatch(repo, ids);
  const ours = catFileBatch(clone, ids);
  for (const id of ids) {
    assert.equal(ours.get(id)!.type, theirs.get(id)!.type);
    assert.ok(ours.get(id)!.data.equals(theirs.get(id)!.data), `${id} reads back different`);
  }
  assertFsckStrict(clone);
  const listing = treeListing(repo, rev);
  const plain = files.filter((f) => listing.get(f)!.type === 'blob');
  const wt = gitCheckout(clone, commit, plain);
  const blobs = catFileBatch(repo, plain.map((f) => listing.get(f)!.oid));
  for (const f of plain) {
    const e = listing.get(f)!;
    const data = blobs.get(e.oid)!.data;
    if (e.mode === '120000') {
      assert.ok(Buffer.from(readlinkTarget(join(wt, f))).equals(data), `${f}: symlink target`);
    } else {
      assert.ok(readFileSync(join(wt, f)).equals(data), `${f}: checked out different`);
      const exec = (statMode(join(wt, f)) & 0o100) !== 0;
      assert.equal(exec, e.mode === '100755', `${f}: executable bit`);
    }
  }
}

function readlinkTarget(p: string): Buffer {
  assert.ok(lstatSync(p).isSymbolicLink(), `${p} is not a symlink`);
  return readlinkSync(p, { encoding: 'buffer' });
}
function statMode(p: string): number {
  const st = lstatSync(p);
  assert.ok(st.isFile(), `${p} is not a file`);
  return st.mode;
}

/** The paths of a manifest, in order. */
const paths = (r: ExportResult) => r.manifest.files.map((f) => f.path);

const FIXTURES_ALL = [
  'fixtures/.gitattributes',
  'fixtures/base.txt',
  'fixtures/data.bin',
  'fixtures/data/a.json',
  'fixtures/data/b.json',
  'fixtures/empty',
  'fixtures/link',
  'fixtures/run.sh',
  'fixtures/sub/deep/x.txt',
  'fixtures/sub/module',
  'fixtures/variant-1.txt',
  'fixtures/variant-2.txt',
  'fixtures/with space.txt',
  'fixtures/ünï.txt',
];

/** Pathspecs and the files (gitlinks included) they select at main's HEAD. */
const CASES: readonly { specs: string[]; files: string[] }[] = [
  { specs: ['fixtures/base.txt'], files: ['fixtures/base.txt'] },
  { specs: ['fixtures/data/'], files: ['fixtures/data/a.json', 'fixtures/data/b.json'] },
  { specs: ['fixtures'], files: FIXTURES_ALL },
  { specs: ['./fixtures/sub/'], files: ['fixtures/sub/deep/x.txt', 'fixtures/sub/module'] },
  { specs: ['other/*.json'], files: ['other/c.json'] },
  { specs: ['fixtures/d*'], files: ['fixtures/data.bin', 'fixtures/data/a.json', 'fixtures/data/b.json'] },
  { specs: ['fixtures/*/'], files: ['fixtures/data/a.json', 'fixtures/data/b.json', 'fixtures/sub/deep/x.txt', 'fixtures/sub/module'] },
  {
    specs: ['fixtures/?ase.txt', 'fixtures/variant-[0-9].txt', 'fixtures/with space.txt', 'fixtures/ünï.txt'],
    files: ['fixtures/base.txt', 'fixtures/variant-1.txt', 'fixtures/variant-2.txt', 'fixtures/with space.txt', 'fixtures/ünï.txt'],
  },
  { specs: ['fixtures/link', 'fixtures/run.sh', 'fixtures/empty', 'other/nested/d.json'], files: ['fixtures/empty', 'fixtures/link', 'fixtures/run.sh', 'other/nested/d.json'] },
  { specs: ['other/**/d.json', '.gitmodules'], files: ['.gitmodules', 'other/nested/d.json'] },
];

/** `**` globs that let the walk look into directories where nothing matches. */
const STAR_STAR_CASES: readonly { specs: string[]; files: string[] }[] = [
  { specs: ['**/*.json'], files: ['fixtures/data/a.json', 'fixtures/data/b.json', 'other/c.json', 'other/nested/d.json', 'package.json'] },
  { specs: ['**/deep'], files: ['fixtures/sub/deep/x.txt'] },
  { specs: ['fixtures/**/x.txt'], files: ['fixtures/sub/deep/x.txt'] },
];

function checkCase(c: { specs: string[]; files: string[] }): void {
  const { main } = exportRepos();
  const listing = treeListing(main, 'HEAD');
  for (const f of c.files) assert.ok(listing.has(f), `test error: no ${f}`);
  const r = exportTo(c.specs, { repo: main });
  const notLinks = c.files.filter((f) => listing.get(f)!.type === 'blob');
  assert.deepEqual(paths(r), notLinks, 'the manifest lists other files');
  assert.deepEqual(
    r.skipped,
    c.files.filter((f) => listing.get(f)!.type === 'commit').map((path) => ({ path, reason: 'gitlink' })),
  );
  assert.equal(packNames(r.out).length, 1);
  const ids = allIds(r.out, 'sha1');
  assert.equal(r.objects, ids.size);
  assert.equal(r.added, ids.size);
  assertSameSet(ids, expectedExportIds(main, 'HEAD', c.files), c.specs.join(' '), idNames(main, 'HEAD'));
  // Explicitly: no parent, and no other version of a selected file.
  assert.ok(!ids.has(revParse(main, 'HEAD~1')), 'the parent commit is in the pack');
  const old = treeListing(main, 'HEAD~2');
  for (const f of notLinks) {
    const e = old.get(f);
    if (e && e.oid !== listing.get(f)!.oid) assert.ok(!ids.has(e.oid), `an older ${f} is in the pack`);
  }
}

describe('export: exactly the objects the pathspecs need', () => {
  for (const c of CASES) {
    test(`${c.specs.join(' ')}`, () => checkCase(c));
  }
  for (const c of STAR_STAR_CASES) {
    test(`${c.specs.join(' ')}: no tree the walk looked into without selecting anything`, () => checkCase(c));
  }
  test('an uncommitted file named (allowDirty): no tree on the way to it', () => {
    const repo = copyRepo(exportRepos().main);
    writeFileSync(join(repo, 'fixtures', 'new.txt'), 'not committed\n');
    const r = exportTo(['fixtures/new.txt', 'other/x.txt'], { repo, allowDirty: true });
    assertSameSet(allIds(r.out, 'sha1'), expectedExportIds(repo, 'HEAD', ['other/x.txt']), 'allowDirty with an untracked file', idNames(repo, 'HEAD'));
  });
  test('a pathspec inside a directory another one selects: both match (fixtures/ fixtures/base.txt)', () => {
    // git ls-files --error-unmatch fixtures/ fixtures/base.txt lists 14 files and succeeds.
    const { main } = exportRepos();
    for (const specs of [['fixtures/', 'fixtures/base.txt'], ['fixtures/data/', 'fixtures'], ['fixtures/', 'fixtures/*.txt']]) {
      let r: ExportResult & { out: string };
      try {
        r = exportTo(specs, { repo: main });
      } catch (e) {
        assert.fail(`${specs.join(' ')}: ${e instanceof Error ? e.message : String(e)}`);
      }
      assert.deepEqual(paths(r), FIXTURES_ALL.filter((f) => f !== 'fixtures/sub/module'), specs.join(' '));
      assertSameSet(allIds(r.out, 'sha1'), expectedExportIds(main, 'HEAD', FIXTURES_ALL), specs.join(' '));
    }
  });
});

describe('export: git reads it', () => {
  test('main: fixtures/ and other/ (every kind of file) check out with git alone, byte for byte, modes too', T, () => {
    const { main } = exportRepos();
    const r = exportTo(['fixtures/', 'other/'], { repo: main });
    const files = [...FIXTURES_ALL, 'other/c.json', 'other/nested/d.json', 'other/x.txt'];
    checkWithGit(main, 'HEAD', files, r.out);
    // The work tree is clean: what git checks out is what the author has.
    const commit = revParse(main, 'HEAD');
    const wt = gitCheckout(partialClone(r.out, commit, 'sha1'), commit, paths(r));
    assertSameFiles(main, wt, paths(r));
  });

  test('SHA-256 repository', T, () => {
    const { sha256 } = exportRepos();
    const r = exportTo(['fixtures', 'other/x.txt'], { repo: sha256 });
    assert.equal(r.manifest.objectFormat, 'sha256');
    assert.equal(r.manifest.commit, revParse(sha256, 'HEAD'));
    const files = [...FIXTURES_ALL, 'other/x.txt'];
    assert.deepEqual(paths(r), files.filter((f) => f !== 'fixtures/sub/module'));
    checkWithGit(sha256, 'HEAD', files, r.out);
  });

  test('a linked work tree (git worktree add): its HEAD, found from a subdirectory too', T, () => {
    const { wt, main } = exportRepos();
    const side = revParse(wt, 'HEAD');
    assert.notEqual(side, revParse(main, 'HEAD'));
    const r = exportTo(['fixtures/'], { repo: wt });
    assert.equal(r.manifest.commit, side);
    assert.ok(paths(r).includes('fixtures/side.txt'));
    const files = [...FIXTURES_ALL, 'fixtures/side.txt'].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    checkWithGit(wt, 'HEAD', files, r.out);
    const found = exportTo(['fixtures/'], { cwd: join(wt, 'fixtures', 'data') });
    assertSameDir(found.out, r.out, 'discovered from a subdirectory of the linked work tree');
  });

  test('--rev with an annotated tag: its commit, not the tag; the same as --rev HEAD~1', T, () => {
    const { main } = exportRepos();
    const tag = exportTo(['fixtures/', 'other/x.txt'], { repo: main, rev: 'v1' });
    const commit = revParse(main, 'v1^{commit}');
    assert.equal(tag.manifest.commit, commit);
    assert.equal(tag.manifest.tree, revParse(main, 'v1^{tree}'));
    assert.ok(!allIds(tag.out, 'sha1').has(revParse(main, 'v1')), 'the tag object is in the pack');
    const files = [...FIXTURES_ALL, 'other/x.txt'];
    checkWithGit(main, 'v1', files, tag.out);
    const parent = exportTo(['other/x.txt', 'fixtures/'], { repo: main, rev: 'HEAD~1' });
    assert.equal(parent.manifest.commit, commit);
    assertSameDir(parent.out, tag.out, '--rev v1 and --rev HEAD~1');
  });
});

describe('export: errors', () => {
  test('a pathspec that matches nothing: PATHSPEC_UNMATCHED naming it, nothing written', () => {
    const { main } = exportRepos();
    for (const specs of [['nothing/here'], ['fixtures/base.txt', 'fixtures/*.nomatch'], ['noglob/**/*.json'], ['fixtures/data/c.json']]) {
      const out = join(scratchDir('xtest-pack-export-'), 'out');
      const e = expectCode('PATHSPEC_UNMATCHED', () => exportTestData({ repo: main, out, pathspecs: specs, backend }));
      assert.ok(e.message.includes(specs[specs.length - 1]!), e.message);
      assert.ok(!existsSync(out) || packNames(out).length === 0, `${specs.join(' ')}: a pack was written`);
    }
  });

  test('a directory-only pathspec naming a committed file: PATHSPEC_UNMATCHED, not "not committed"', () => {
    // git ls-files --error-unmatch 'fixtures/base.txt/' says: did not match any file(s) known to git.
    const { main } = exportRepos();
    const e = expectCode('PATHSPEC_UNMATCHED', () => exportTo(['fixtures/base.txt/'], { repo: main }));
    assert.ok(e.message.includes('fixtures/base.txt/'), e.message);
  });

  test('an unknown revision: UNKNOWN_REVISION', () => {
    const { main } = exportRepos();
    expectCode('UNKNOWN_REVISION', () => exportTo(['fixtures/'], { repo: main, rev: 'no-such-branch' }));
    expectCode('UNKNOWN_REVISION', () => exportTo(['fixtures/'], { repo: main, rev: 'HEAD~10' }));
  });

  test('a selected file changed in the work tree: DIRTY_WORKTREE naming it; allowDirty exports the committed version', () => {
    const repo = copyRepo(exportRepos().main);
    const committed = treeListing(repo, 'HEAD');
    const at = (p: string) => join(repo, p);
    const changes: { path: string; change: () => void; undo: () => void }[] = [
      { path: 'fixtures/base.txt', change: () => writeFileSync(at('fixtures/base.txt'), 'edited\n'), undo: () => git(['checkout', '--', 'fixtures/base.txt'], { cwd: repo }) },
      { path: 'fixtures/run.sh', change: () => chmodSync(at('fixtures/run.sh'), 0o644), undo: () => chmodSync(at('fixtures/run.sh'), 0o755) },
      {
        path: 'fixtures/link',
        change: () => {
          unlinkSync(at('fixtures/link'));
          writeFileSync(at('fixtures/link'), 'base.txt');
        },
        undo: () => {
          unlinkSync(at('fixtures/link'));
          symlinkSync('base.txt', at('fixtures/link'));
        },
      },
      {
        path: 'fixtures/data.bin',
        change: () => unlinkSync(at('fixtures/data.bin')),
        undo: () => git(['checkout', '--', 'fixtures/data.bin'], { cwd: repo }),
      },
      {
        path: 'fixtures/empty',
        change: () => {
          unlinkSync(at('fixtures/empty'));
          symlinkSync('data.bin', at('fixtures/empty'));
        },
        undo: () => {
          unlinkSync(at('fixtures/empty'));
          git(['checkout', '--', 'fixtures/empty'], { cwd: repo });
        },
      },
    ];
    const clean = exportTo(['fixtures/'], { repo });
    for (const c of changes) {
      c.change();
      try {
        assert.equal(git(['status', '--porcelain', '--', c.path], { cwd: repo }).length > 0, true, `test error: git sees no change of ${c.path}`);
        const e = expectCode('DIRTY_WORKTREE', () => exportTo(['fixtures/'], { repo }));
        assert.ok(e.message.includes(c.path), `${c.path} not named: ${e.message}`);
        for (const other of changes) if (other !== c) assert.ok(!e.message.includes(other.path), `${other.path} named: ${e.message}`);
        const r = exportTo(['fixtures/'], { repo, allowDirty: true });
        assert.deepEqual(
          r.skipped.filter((s) => s.reason !== 'gitlink'),
          [{ path: c.path, reason: 'modified' }],
        );
        assert.equal(r.manifest.files.find((f) => f.path === c.path)?.oid, committed.get(c.path)!.oid);
        assertSameDir(r.out, clean.out, `allowDirty with ${c.path} changed`);
      } finally {
        c.undo();
      }
    }
    // Unselected changes do not matter; neither does the executable bit with core.filemode false.
    writeFileSync(at('unrelated.txt'), 'changed\n');
    assertSameDir(exportTo(['fixtures/'], { repo }).out, clean.out, 'an unselected file changed');
    git(['config', 'core.filemode', 'false'], { cwd: repo });
    chmodSync(at('fixtures/run.sh'), 0o644);
    assertSameDir(exportTo(['fixtures/'], { repo }).out, clean.out, 'exec bit with core.filemode false');
  });

  test('an untracked file a pathspec names: DIRTY_WORKTREE; allowDirty skips it', () => {
    const repo = copyRepo(exportRepos().main);
    writeFileSync(join(repo, 'fixtures', 'new.txt'), 'not committed\n');
    const e = expectCode('DIRTY_WORKTREE', () => exportTo(['fixtures/new.txt', 'other/x.txt'], { repo }));
    assert.ok(e.message.includes('fixtures/new.txt'), e.message);
    const r = exportTo(['fixtures/new.txt', 'other/x.txt'], { repo, allowDirty: true });
    assert.deepEqual(r.skipped, [{ path: 'fixtures/new.txt', reason: 'uncommitted' }]);
    assert.deepEqual(paths(r), ['other/x.txt']);
    const ids = allIds(r.out, 'sha1');
    const newBlob = git(['hash-object', 'fixtures/new.txt'], { cwd: repo }).toString('utf8').trim();
    assert.ok(!ids.has(newBlob), 'the uncommitted file is in the pack');
    for (const id of expectedExportIds(repo, 'HEAD', ['other/x.txt'])) assert.ok(ids.has(id), `${id} missing`);
  });

  test('the work tree is not looked at when another commit than HEAD is exported', () => {
    const repo = copyRepo(exportRepos().main);
    writeFileSync(join(repo, 'other', 'x.txt'), 'edited\n');
    const r = exportTo(['other/x.txt'], { repo, rev: 'HEAD~1' });
    assert.deepEqual(r.skipped, []);
    assert.equal(r.manifest.files[0]?.oid, treeListing(repo, 'HEAD~1').get('other/x.txt')!.oid);
  });

  test('a directory of sha256 packs does not take sha1 objects', () => {
    const out = exportTo(['fixtures/base.txt'], { repo: exportRepos().sha256 }).out;
    expectCode('FORMAT_MISMATCH', () => exportTo(['fixtures/base.txt'], { repo: exportRepos().main }, out));
  });
});

describe('export: gitlinks', () => {
  test('reported as skipped, neither in the pack nor in the manifest; the trees on the way are', () => {
    const { main } = exportRepos();
    const link = treeListing(main, 'HEAD').get('lib/vendor')!;
    assert.equal(link.type, 'commit');
    const r = exportTo(['lib/'], { repo: main });
    assert.deepEqual(r.skipped, [{ path: 'lib/vendor', reason: 'gitlink' }]);
    assert.deepEqual(paths(r), ['lib/util.js']);
    const ids = allIds(r.out, 'sha1');
    assert.ok(!ids.has(link.oid));
    assertSameSet(ids, expectedExportIds(main, 'HEAD', ['lib/util.js', 'lib/vendor']), 'lib/');
  });
});

describe('export: into the same directory again, and repack', () => {
  test('a second export adds a pack of only the missing objects; repack merges them deterministically', T, () => {
    const { main } = exportRepos();
    const out = scratchDir('xtest-pack-export-');
    const a = exportTo(['fixtures/data/', 'other/x.txt'], { repo: main }, out);
    assert.equal(packNames(out).length, 1);
    const again = exportTo(['other/x.txt', 'fixtures/data/'], { repo: main }, out);
    assert.equal(again.pack, undefined, 'the same export again wrote a pack');
    assert.equal(again.added, 0);
    assert.equal(packNames(out).length, 1);

    const b = exportTo(['fixtures/sub/', 'fixtures/base.txt', 'other/nested/'], { repo: main }, out);
    const packs = packIds(out, 'sha1');
    assert.equal(packs.length, 2);
    const [first, second] = a.pack!.endsWith(packNames(out)[0]!) ? [packs[0]!, packs[1]!] : [packs[1]!, packs[0]!];
    assert.equal(first.length, a.objects);
    assert.equal(second.length, b.added);
    assert.deepEqual(first.filter((o) => second.includes(o)), [], 'an object is in both packs');
    const unionFiles = [
      'fixtures/base.txt',
      'fixtures/data/a.json',
      'fixtures/data/b.json',
      'fixtures/sub/deep/x.txt',
      'fixtures/sub/module',
      'other/nested/d.json',
      'other/x.txt',
    ];
    assertSameSet(allIds(out, 'sha1'), expectedExportIds(main, 'HEAD', unionFiles), 'two exports');
    checkWithGit(main, 'HEAD', unionFiles, out);

    // One export of the union: the same manifest, the same objects.
    const fresh = exportTo(['other/nested/', 'fixtures/base.txt', 'other/x.txt', 'fixtures/sub/', 'fixtures/data/'], { repo: main });
    assert.ok(readFileSync(join(fresh.out, 'xtest-pack.json')).equals(readFileSync(join(out, 'xtest-pack.json'))), 'manifests differ');
    assertSameSet(allIds(out, 'sha1'), allIds(fresh.out, 'sha1'), 'two exports and one of the union');

    // Repack: one pack of the union, the same bytes whichever packs it was merged from.
    const merged = repackDirectory(out, backend);
    assert.equal(merged.merged, 2);
    assert.equal(packNames(out).length, 1);
    assertSameSet(allIds(out, 'sha1'), expectedExportIds(main, 'HEAD', unionFiles), 'repacked');
    checkWithGit(main, 'HEAD', unionFiles, out);
    const freshRepacked = repackDirectory(fresh.out, backend);
    assert.equal(freshRepacked.merged, 1);
    assertSameDir(out, fresh.out, 'repack of two exports and repack of one export of the union');
    // Repacking a repacked directory changes nothing.
    const before = readFileSync(merged.written!.packPath);
    repackDirectory(out, backend);
    assertSameDir(out, fresh.out, 'repacked twice');
    assert.ok(readFileSync(merged.written!.packPath).equals(before));
  });

  test('the same export twice, pathspecs in another order: byte-identical directories', () => {
    const { main } = exportRepos();
    const one = exportTo(['fixtures/', 'other/*.json', '.gitmodules'], { repo: main });
    const two = exportTo(['.gitmodules', 'other/*.json', 'fixtures/'], { repo: main });
    assertSameDir(one.out, two.out, 'pathspecs reordered');
  });
});

describe('export: threads', () => {
  test('several MiB of files: the same pack whatever XTEST_PACK_THREADS says (1, 2, 3) or the threads option (4); git reads it', T, () => {
    const repo = scratchDir('xtest-pack-export-threads-');
    git(['init', '-q', repo]);
    // Texts and edited copies of them in other directories (delta pairs across segments).
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 8;
    let bytes = 0;
    const words = ['alpha ', 'beta ', 'gamma\n', 'delta ', 'x = 1;\n', 'return y;\n', '// note\n'];
    for (let f = 0; f < 30; f++) {
      let text = '';
      while (text.length < 20_000 + (f % 7) * 8_000) text += words[rand() % words.length]!;
      for (const dir of ['a', 'b/c', 'd']) {
        const path = join(repo, 'fixtures', dir);
        mkdirSync(path, { recursive: true });
        const edited = `${text.slice(0, 500 * f)}changed in ${dir}\n${text.slice(500 * f + 10)}`;
        writeFileSync(join(path, `file-${f}.txt`), edited);
        bytes += edited.length;
      }
    }
    git(['-C', repo, 'add', '-A', 'fixtures']);
    git(['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'files']);
    const saved = process.env['XTEST_PACK_THREADS'];
    const packs: Buffer[] = [];
    try {
      for (const threads of ['1', '2', '3']) {
        process.env['XTEST_PACK_THREADS'] = threads;
        const r = exportTo(['fixtures'], { repo });
        packs.push(readFileSync(r.pack!));
      }
      // The option wins over the environment.
      process.env['XTEST_PACK_THREADS'] = '1';
      packs.push(readFileSync(exportTo(['fixtures'], { repo, threads: 4 }).pack!));
    } finally {
      if (saved === undefined) delete process.env['XTEST_PACK_THREADS'];
      else process.env['XTEST_PACK_THREADS'] = saved;
    }
    assert.ok(bytes >= 3 * SEGMENT_BYTES, `${bytes} bytes of files: too few for several segments`);
    for (const p of packs.slice(1)) assert.ok(p.equals(packs[0]!), 'another number of threads gave another pack');
    gitIndexPack(packs[0]!, 'sha1', { strict: true });
  });
});

describe('export: the manifest', () => {
  test('fixed key order, two-space JSON with a trailing newline, files sorted, modes and ids as git ls-tree -r', () => {
    const { main } = exportRepos();
    const r = exportTo(['fixtures/', 'other/nested/d.json', 'other/c.json'], { repo: main });
    const text = readFileSync(join(r.out, 'xtest-pack.json'), 'utf8');
    assert.ok(text.endsWith('}\n') && !text.endsWith('\n\n'), 'no single trailing newline');
    const parsed = JSON.parse(text) as Record<string, unknown>;
    assert.equal(`${JSON.stringify(parsed, null, 2)}\n`, text, 'not two-space JSON');
    assert.deepEqual(Object.keys(parsed), ['formatVersion', 'objectFormat', 'commit', 'tree', 'repository', 'pathspecs', 'files']);
    assert.equal(parsed['formatVersion'], 1);
    assert.equal(parsed['objectFormat'], 'sha1');
    assert.equal(parsed['commit'], revParse(main, 'HEAD'));
    assert.equal(parsed['tree'], revParse(main, 'HEAD^{tree}'));
    assert.deepEqual(parsed['pathspecs'], ['fixtures/', 'other/c.json', 'other/nested/d.json']);
    const files = parsed['files'] as { path: string; mode: string; oid: string }[];
    for (const f of files) assert.deepEqual(Object.keys(f), ['path', 'mode', 'oid']);
    // git ls-tree -r (not -t): files in git's order, which is byte order of the full paths.
    const lsTree = git(['ls-tree', '-r', '-z', 'HEAD', '--', 'fixtures', 'other/c.json', 'other/nested/d.json'], { cwd: main })
      .toString('utf8')
      .split('\0')
      .filter((l) => l !== '')
      .map((l) => /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(l)!)
      .filter((m) => m[2] === 'blob')
      .map((m) => ({ path: m[4]!, mode: m[1]!, oid: m[3]! }));
    assert.deepEqual(files, lsTree);
    const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
    assert.deepEqual(files, sorted, 'files not in byte order');
    assert.ok(files.some((f) => f.mode === '100755') && files.some((f) => f.mode === '120000'));
  });

  test('exporting into the same directory again: the manifest returned is the one written, each file once', () => {
    const { main } = exportRepos();
    const out = scratchDir('xtest-pack-export-');
    const a = exportTo(['other/'], { repo: main }, out);
    const written = decodeExportManifest(readFileSync(join(out, 'xtest-pack.json'), 'utf8'), 'xtest-pack.json');
    assert.deepEqual(a.manifest, written);
    const again = exportTo(['other/', 'fixtures/base.txt'], { repo: main }, out);
    const after = decodeExportManifest(readFileSync(join(out, 'xtest-pack.json'), 'utf8'), 'xtest-pack.json');
    assert.deepEqual(after.files.map((f) => f.path), ['fixtures/base.txt', 'other/c.json', 'other/nested/d.json', 'other/x.txt']);
    assert.deepEqual(after.pathspecs, ['fixtures/base.txt', 'other/']);
    assert.deepEqual(
      again.manifest.files.map((f) => f.path),
      after.files.map((f) => f.path),
      'the result lists files twice (and the CLI reports that many files exported)',
    );
    assert.deepEqual(again.manifest.pathspecs, after.pathspecs);
  });

  test('repository: package.json repository ({url} or a string), else remote.origin.url, without credentials', () => {
    const repos = exportRepos();
    const url = (repo: string) => {
      const r = exportTo(['data/file.txt'], { repo });
      const m = JSON.parse(readFileSync(join(r.out, 'xtest-pack.json'), 'utf8')) as Record<string, unknown>;
      return { api: r.manifest.repository, file: m['repository'], keys: Object.keys(m) };
    };
    const main = JSON.parse(readFileSync(join(exportTo(['other/x.txt'], { repo: repos.main }).out, 'xtest-pack.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(main['repository'], 'git+https://example.com/demo.git');
    assert.deepEqual(url(repos.urlString).file, 'https://example.com/str.git');
    assert.deepEqual(url(repos.urlRemote).file, 'https://example.com/owner/remote.git');
    const none = url(repos.urlNone);
    assert.equal(none.api, undefined);
    assert.ok(!none.keys.includes('repository'), 'a repository key without a url');
  });
});
