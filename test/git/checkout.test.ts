// `xtest-pack checkout` against `git checkout`, as a user runs them: `xtest-pack export` of
// random pathspec subsets (files, directories, globs) of repositories git made
// (fixtures/scripts/checkout-repos.sh: executables, symlinks to a file, to a directory,
// dangling, absolute and to '..', empty files, unicode, NFD, space, tab and dash names, nested
// directories, a gitlink; SHA-1 and SHA-256) and of this project's own clone, then
// `xtest-pack checkout` into an empty directory must give exactly what
// `git checkout <commit> -- <the manifest's files>` writes from the original repository:
// names, types, bytes, permission bits, symlink targets, directories. A second run is a no-op.
// Also: checkout by annotated tag id, by tree id, by abbreviated id; no pathspec = the
// manifest's files; a pack directory without a manifest (packed by git pack-objects) = the
// whole tree; gitlinks reported and skipped; names with glob characters.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeExportManifest, type ExportManifest } from '../../src/manifest/index.js';
import { xtestPack } from '../support/cli.js';
import { runCheckout, snapshot } from '../support/checkout-fs.js';
import { checkoutRepos, gitCheckoutPaths, lsTree, revParse, seededRandom, selfClone, type TreeItem } from '../support/checkout-repos.js';
import { git } from '../support/git.js';
import { scratchDir } from '../support/repos.js';

const T = { timeout: 120_000 };
const SEED = Number(process.env['XTEST_PACK_SEED'] ?? 0x5eed);

interface JsonFile {
  path: string;
  mode: string;
  oid: string;
  size: number;
  state: string;
}
interface JsonResult {
  tree: string;
  files: JsonFile[];
  skippedGitlinks: string[];
}

/** xtest-pack export through the command line; returns the pack directory and its manifest. */
function exportCli(repo: string, rev: string, specs: readonly string[], out = scratchDir('xtest-pack-co-packs-')): { packs: string; manifest: ExportManifest } {
  const r = xtestPack(['export', '--repo', repo, '--rev', rev, '--out', out, '--no-progress', '--', ...specs]);
  assert.equal(r.status, 0, `export ${specs.join(' ')} exited ${r.status}: ${r.stderr}`);
  // Gitlinks are reported and skipped; nothing else is said.
  assert.match(r.stderr, /^(xtest-pack: warning: .*: a submodule \(gitlink\), not exported\n)*$/);
  const manifest = decodeExportManifest(readFileSync(join(out, 'xtest-pack.json'), 'utf8'), 'xtest-pack.json');
  assert.ok(manifest, 'the export wrote a manifest');
  return { packs: out, manifest };
}

/** xtest-pack checkout --json through the command line; requires exit 0. */
function checkoutCli(packs: string, oid: string, out: string, specs: readonly string[] = []): JsonResult {
  const r = xtestPack(['checkout', '--objects', packs, '--out', out, '--json', '--no-progress', oid, ...(specs.length ? ['--', ...specs] : [])]);
  assert.equal(r.status, 0, `checkout ${oid} ${specs.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.toString('utf8')) as JsonResult;
}

/** What a non-glob pathspec selects, from git ls-tree: the file, or every file below the directory. */
function literalSelection(items: readonly TreeItem[], spec: string): string[] {
  const p = spec.replace(/\/+$/, '');
  const dirOnly = spec.endsWith('/');
  return items.filter((i) => i.type === 'blob' && ((!dirOnly && i.path === p) || i.path.startsWith(`${p}/`))).map((i) => i.path);
}

const isGlob = (s: string) => /[*?[]/.test(s);

/**
 * One differential case: export `specs` of `rev`, check out (with no pathspec, or the same
 * pathspecs when `explicit`) into an empty directory, compare with git, run again.
 */
function differential(repo: string, rev: string, specs: readonly string[], explicit: boolean): void {
  const label = `${rev} ${specs.join(' ')}${explicit ? ' (explicit)' : ''}`;
  const commit = revParse(repo, `${rev}^{commit}`);
  const items = lsTree(repo, commit);
  const { packs, manifest } = exportCli(repo, rev, specs);
  assert.equal(manifest.commit, commit, label);
  const paths = manifest.files.map((f) => f.path);
  assert.ok(paths.length > 0, `${label}: the export selected files`);
  // The manifest lists real blobs of the commit, and at least what the literal pathspecs name.
  const byPath = new Map(items.map((i) => [i.path, i]));
  for (const f of manifest.files) {
    const i = byPath.get(f.path);
    assert.ok(i && i.type === 'blob' && i.mode === f.mode && i.oid === f.oid, `${label}: manifest entry ${JSON.stringify(f)} is not in git ls-tree`);
  }
  for (const s of specs.filter((x) => !isGlob(x))) {
    for (const p of literalSelection(items, s)) assert.ok(paths.includes(p), `${label}: ${p} (selected by ${s}) is missing from the manifest`);
  }

  const root = scratchDir('xtest-pack-co-diff-');
  const ours = join(root, 'ours');
  const theirs = join(root, 'git');
  const result = checkoutCli(packs, commit, ours, explicit ? specs : []);
  assert.equal(result.tree, manifest.tree, label);
  assert.deepEqual(result.files.map((f) => f.path).sort(), [...paths].sort(), `${label}: the files checked out are the manifest's`);
  for (const f of result.files) {
    const m = manifest.files.find((x) => x.path === f.path)!;
    assert.equal(f.state, 'written', `${label}: ${f.path}`);
    assert.equal(f.mode, m.mode, `${label}: ${f.path}`);
    assert.equal(f.oid, m.oid, `${label}: ${f.path}`);
  }
  gitCheckoutPaths(repo, commit, paths, theirs);
  assert.deepEqual(snapshot(ours), snapshot(theirs), `${label}: the tree written differs from git's`);

  // Again: a no-op, nothing rewritten.
  const before = snapshot(ours, { times: true });
  const again = runCheckout({ objects: packs, oid: commit, out: ours, ...(explicit ? { pathspecs: specs } : {}) });
  assert.deepEqual(
    again.files.filter((f) => f.state !== 'unchanged').map((f) => f.path),
    [],
    `${label}: a second run rewrote files`,
  );
  assert.deepEqual(snapshot(ours, { times: true }), before, `${label}: a second run changed the output directory`);
}

/** Random pathspecs for `items`: 1 to 3 of files, directories (some with '/'), and globs. */
function randomSpecs(rnd: ReturnType<typeof seededRandom>, items: readonly TreeItem[], fixedGlobs: readonly string[]): string[] {
  const files = items.filter((i) => i.type === 'blob').map((i) => i.path);
  const dirs = items.filter((i) => i.type === 'tree' && items.some((j) => j.type === 'blob' && j.path.startsWith(`${i.path}/`))).map((i) => i.path);
  const n = 1 + rnd.int(3);
  const out = new Set<string>();
  while (out.size < n) {
    const kind = rnd.int(5);
    if (kind <= 1) out.add(rnd.pick(files));
    else if (kind === 2) out.add(rnd.pick(dirs) + (rnd.int(2) ? '/' : ''));
    else if (kind === 3) out.add(rnd.pick(fixedGlobs));
    else {
      // A glob made from a file that exists: <dir>/*<ext>, or **/<name>.
      const f = rnd.pick(files);
      const slash = f.lastIndexOf('/');
      const name = f.slice(slash + 1);
      const dot = name.lastIndexOf('.');
      out.add(rnd.int(2) && slash > 0 ? `${f.slice(0, slash)}/*${dot > 0 ? name.slice(dot) : ''}` : `**/${name}`);
    }
  }
  return [...out];
}

describe('checkout = git checkout of the manifest files (random pathspec subsets)', () => {
  const { sha1, sha256 } = checkoutRepos();
  const GLOBS = ['dir/*.txt', '**/x', 'links/*', '**/*.bin', 'dir/**', '**/deeper/*', 'd?r/*', '[bl]*/*', '*/x', 'bin/*.sh'];
  const runs: { name: string; repo: string; revs: string[]; cases: number; globs: readonly string[] }[] = [
    { name: 'sha1', repo: sha1, revs: ['main', 'main~1', 'v1'], cases: 10, globs: GLOBS },
    { name: 'sha256', repo: sha256, revs: ['main', 'v1'], cases: 4, globs: GLOBS },
  ];
  for (const run of runs) {
    // Each case its own test, so that one failure does not hide the others.
    const rnd = seededRandom(SEED ^ run.cases);
    for (let i = 0; i < run.cases; i++) {
      const rev = rnd.pick(run.revs);
      const specs = randomSpecs(rnd, lsTree(run.repo, `${rev}^{commit}`), run.globs);
      const explicit = rnd.int(3) === 0;
      test(`${run.name} #${i} (seed ${SEED}): ${rev} ${specs.join(' ')}${explicit ? ' (pathspecs given to checkout too)' : ''}`, T, () => {
        differential(run.repo, rev, specs, explicit);
      });
    }
  }

  test('every kind of entry at once: the whole sha1 and sha256 trees but the gitlink', T, () => {
    for (const repo of [sha1, sha256]) {
      const top = lsTree(repo, 'main').filter((i) => !i.path.includes('/') && i.type !== 'commit').map((i) => i.path + (i.type === 'tree' ? '/' : ''));
      differential(repo, 'main', top, false);
    }
  });

  {
    const repo = selfClone();
    const rnd = seededRandom(SEED + 1);
    const globs = ['src/**/*.ts', 'test/support/*.ts', 'fixtures/scripts/*.sh', '**/README.md', 'src/checkout/*', '*.json'];
    const items = lsTree(repo, 'HEAD');
    for (let i = 0; i < 4; i++) {
      const specs = randomSpecs(rnd, items, globs);
      test(`this project's own clone #${i}: HEAD ${specs.join(' ')}`, T, () => differential(repo, 'HEAD', specs, false));
    }
  }

  test('the pathspecs of the export, given again to checkout, select the same files (globs included)', T, () => {
    // A glob such as '**/*.bin' walks into every directory; the export keeps only the trees on
    // the way to what matched, so the checkout must not need the others.
    for (const specs of [['**/*.bin'], ['dir/*.txt', '**/x'], ['**/deeper/*'], ['links/*', 'd?r/**']]) {
      differential(sha1, 'main', specs, true);
    }
  });
});

describe('checking out over an older checkout', () => {
  const { sha1, sha256 } = checkoutRepos();
  for (const [name, repoOf] of [
    ['sha1', () => sha1],
    ['sha256', () => sha256],
  ] as const) {
    test(`${name}: main~1 then main with --force = git checkout of main~1 then main (contents, modes, symlink targets)`, T, () => {
      const repo = repoOf();
      const specs = ['bin/', 'links/', 'dir/', 'data/large.txt'];
      const older = exportCli(repo, 'main~1', specs);
      const newer = exportCli(repo, 'main', specs);
      const root = scratchDir('xtest-pack-co-update-');
      const ours = join(root, 'ours');
      checkoutCli(older.packs, older.manifest.commit, ours);
      // Without --force: the first file that differs is a conflict, and nothing changes.
      const before = snapshot(ours, { times: true });
      const refused = xtestPack(['checkout', '--objects', newer.packs, '--out', ours, newer.manifest.commit]);
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /--force/);
      assert.deepEqual(snapshot(ours, { times: true }), before);
      const r = xtestPack(['checkout', '--objects', newer.packs, '--out', ours, '--force', '--json', newer.manifest.commit]);
      assert.equal(r.status, 0, r.stderr);
      const states = new Map((JSON.parse(r.stdout.toString()) as JsonResult).files.map((f) => [f.path, f.state]));
      // What changed between the commits is written, the rest left alone.
      for (const [path, state] of [
        ['dir/a.txt', 'written'],
        ['bin/tool', 'written'],
        ['bin/later.sh', 'written'],
        ['links/dangling', 'written'],
        ['data/large.txt', 'written'],
        ['dir/b.txt', 'unchanged'],
        ['links/to-dir', 'unchanged'],
        ['bin/run.sh', 'unchanged'],
      ] as const) {
        assert.equal(states.get(path), state, path);
      }
      const theirs = join(root, 'git');
      gitCheckoutPaths(repo, older.manifest.commit, older.manifest.files.map((f) => f.path), theirs);
      gitCheckoutPaths(repo, newer.manifest.commit, newer.manifest.files.map((f) => f.path), theirs);
      assert.deepEqual(snapshot(ours), snapshot(theirs));
    });
  }
});

describe('which object names a checkout', () => {
  const { sha1, sha256 } = checkoutRepos();

  /** A pack of everything `rev` reaches (and the tag object), made by git, with no manifest. */
  function gitPackDir(repo: string, tagName: string): string {
    const dir = scratchDir('xtest-pack-co-gitpack-');
    const tag = revParse(repo, tagName);
    const objects = git(['rev-list', '--objects', `${tagName}^{commit}`], { cwd: repo }).toString('utf8');
    git(['pack-objects', '-q', join(dir, 'pack')], { cwd: repo, input: `${tag}\n${objects}` });
    return dir;
  }

  for (const [name, repoOf] of [
    ['sha1', () => sha1],
    ['sha256', () => sha256],
  ] as const) {
    test(`${name}: an annotated tag id, with no manifest, writes the whole tree (git's own pack)`, T, () => {
      const repo = repoOf();
      const packs = gitPackDir(repo, 'v1');
      const tag = revParse(repo, 'v1');
      const commit = revParse(repo, 'v1^{commit}');
      const all = lsTree(repo, commit).filter((i) => i.type === 'blob').map((i) => i.path);
      const root = scratchDir('xtest-pack-co-tag-');
      const r = checkoutCli(packs, tag, join(root, 'ours'));
      assert.equal(r.tree, revParse(repo, 'v1^{tree}'));
      assert.deepEqual(r.files.map((f) => f.path).sort(), [...all].sort());
      assert.deepEqual(r.skippedGitlinks, ['modules/sub']);
      gitCheckoutPaths(repo, commit, all, join(root, 'git'));
      assert.deepEqual(snapshot(join(root, 'ours')), snapshot(join(root, 'git')));
    });

    test(`${name}: a tree id and abbreviated ids (commit, tree) name the same files`, T, () => {
      const repo = repoOf();
      const { packs, manifest } = exportCli(repo, 'main', ['dir/', 'links/', 'bin/']);
      const root = scratchDir('xtest-pack-co-ids-');
      const want = manifest.files.map((f) => f.path).sort();
      gitCheckoutPaths(repo, manifest.commit, want, join(root, 'git'));
      const expected = snapshot(join(root, 'git'));
      const ids = [manifest.tree, manifest.commit.slice(0, 7), manifest.tree.slice(0, 12), manifest.commit.toUpperCase().slice(0, 10)];
      ids.forEach((id, i) => {
        const out = join(root, `ours-${i}`);
        const r = checkoutCli(packs, id, out);
        assert.equal(r.tree, manifest.tree, id);
        assert.deepEqual(r.files.map((f) => f.path).sort(), want, id);
        assert.deepEqual(snapshot(out), expected, id);
      });
    });
  }

  test('an id of another object, or of nothing, is refused with the right code', T, () => {
    const { packs, manifest } = exportCli(sha1, 'main', ['dir/a.txt']);
    const out = join(scratchDir('xtest-pack-co-bad-'), 'out');
    const blob = manifest.files[0]!.oid;
    for (const [id, code] of [
      [blob, /blob|tree|commit/],
      ['0123456789abcdef0123456789abcdef01234567', /0123456789abcdef0123456789abcdef01234567/],
      ['fedcba98', /fedcba98/],
      ['not-an-id', /not-an-id/],
    ] as const) {
      const r = xtestPack(['checkout', '--objects', packs, '--out', out, id]);
      assert.equal(r.status, 1, `${id}: ${r.stderr}`);
      assert.match(r.stderr, code, id);
    }
    assert.deepEqual(snapshot(join(out, '..')), [], 'nothing was written');
  });
});

describe('manifests and what they list', () => {
  const { sha1 } = checkoutRepos();

  test('no pathspec: exactly the manifest files, also after a second export into the same directory', T, () => {
    const first = exportCli(sha1, 'main', ['dir/sub/']);
    const second = exportCli(sha1, 'main', ['links/to-dir', 'bin/tool'], first.packs);
    const paths = second.manifest.files.map((f) => f.path).sort();
    assert.ok(paths.includes('dir/sub/x') && paths.includes('links/to-dir') && paths.includes('bin/tool'), paths.join(' '));
    const root = scratchDir('xtest-pack-co-manifest-');
    const r = checkoutCli(second.packs, second.manifest.commit, join(root, 'ours'));
    assert.deepEqual(r.files.map((f) => f.path).sort(), paths);
    gitCheckoutPaths(sha1, second.manifest.commit, paths, join(root, 'git'));
    assert.deepEqual(snapshot(join(root, 'ours')), snapshot(join(root, 'git')));
  });

  test('a gitlink selected is reported and skipped, with a warning on stderr', T, () => {
    const { packs, manifest } = exportCli(sha1, 'main', ['modules/', 'top.txt']);
    const out = join(scratchDir('xtest-pack-co-gitlink-'), 'out');
    const r = xtestPack(['checkout', '--objects', packs, '--out', out, '--json', manifest.commit, 'modules/', 'top.txt']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /modules\/sub.*submodule/);
    const j = JSON.parse(r.stdout.toString('utf8')) as JsonResult;
    assert.deepEqual(j.skippedGitlinks, ['modules/sub']);
    assert.deepEqual(j.files.map((f) => f.path), ['top.txt']);
    assert.deepEqual(snapshot(out).map((l) => l.split(' ')[0]), ['top.txt']);
  });

  test('a manifest listing no files (only a gitlink was exported) checks out nothing', T, () => {
    const { packs, manifest } = exportCli(sha1, 'main', ['modules/sub']);
    assert.deepEqual(manifest.files, []);
    const out = join(scratchDir('xtest-pack-co-nofiles-'), 'out');
    const r = xtestPack(['checkout', '--objects', packs, '--out', out, '--json', manifest.commit]);
    // Not the whole tree (whose blobs the pack does not hold): the manifest's files, none.
    assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
    const j = JSON.parse(r.stdout.toString('utf8')) as JsonResult;
    assert.deepEqual(j.files, []);
    assert.deepEqual(snapshot(join(out, '..')).filter((l) => !l.startsWith('out dir')), []);
  });

  test('file names with glob characters listed in the manifest are checked out as named', T, () => {
    // The manifest lists paths, not patterns: 'data/[x].txt' is that file, not 'data/x.txt'.
    const repo = join(scratchDir('xtest-pack-co-globnames-'), 'r');
    git(['init', '-q', repo]);
    // ('\\' is left out: checkout refuses it in names, a separator on Windows.)
    const names = ['data/[x].txt', 'data/x.txt', 'data/a*b', 'data/q?', 'data/qz', 'data/a[b]c'];
    mkdirSync(join(repo, 'data'));
    for (const n of names) writeFileSync(join(repo, n), `${n}\n`);
    git(['add', '-A'], { cwd: repo });
    git(['commit', '-q', '-m', 'glob characters'], { cwd: repo });
    const { packs, manifest } = exportCli(repo, 'HEAD', ['data/']);
    const paths = manifest.files.map((f) => f.path).sort();
    assert.deepEqual(paths, [...names].sort());
    const root = scratchDir('xtest-pack-co-globnames-out-');
    const r = xtestPack(['checkout', '--objects', packs, '--out', join(root, 'ours'), '--json', manifest.commit]);
    assert.equal(r.status, 0, r.stderr);
    gitCheckoutPaths(repo, manifest.commit, paths, join(root, 'git'));
    assert.deepEqual(snapshot(join(root, 'ours')), snapshot(join(root, 'git')), 'every file the manifest lists, each once');
  });
});
