// `xtest-pack export` and `xtest-pack repack` as a user runs them: output and exit codes (0,
// 1 for failures, 2 for usage), one-line errors, warnings on stderr; the same directory
// byte for byte from either backend and any pathspec order, which git alone checks out; the
// delta and compression options as git's verify-pack sees them; repack.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertOneLineError, xtestPack, xtestPackOk, type CliResult } from '../support/cli.js';
import {
  assertFsckStrict,
  assertSameDir,
  assertSameFiles,
  copyRepo,
  expectedExportIds,
  exportRepos,
  gitCheckout,
  gitIndexPack,
  idxOids,
  packNames,
  partialClone,
  revParse,
} from '../support/export-repos.js';
import { gitVerboseEntries, scratchDir } from '../support/repos.js';

const T = { timeout: 60_000 };

function run(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  return xtestPack(args, opts);
}

function out(): string {
  return join(scratchDir('xtest-pack-cli-export-'), 'out');
}

function assertExit(r: CliResult, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: exit ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
}

/** A failure: exit 1, one line on stderr naming `mention`, nothing on stdout, no pack written. */
function assertFails(r: CliResult, dir: string, mention: string, what: string): void {
  assertExit(r, 1, what);
  assertOneLineError(r.stderr);
  assert.ok(r.stderr.includes(mention), `${what}: stderr does not name ${mention}: ${r.stderr}`);
  assert.equal(r.stdout.length, 0, `${what}: printed on stdout`);
  let packs: string[] = [];
  try {
    packs = packNames(dir);
  } catch {
    packs = [];
  }
  assert.deepEqual(packs, [], `${what}: a pack was written`);
}

function assertUsage(r: CliResult, what: string): void {
  assertExit(r, 2, what);
  assert.equal(r.stdout.length, 0, `${what}: printed on stdout`);
  assertOneLineError(r.stderr, r.stderr.startsWith('error: ') ? 'error: ' : 'xtest-pack: ');
}

function allIds(dir: string, format: 'sha1' | 'sha256' = 'sha1'): Set<string> {
  return new Set(packNames(dir).flatMap((p) => idxOids(join(dir, p.replace(/\.pack$/, '.idx')), format)));
}

const FIXTURE_FILES = [
  'fixtures/.gitattributes',
  'fixtures/base.txt',
  'fixtures/data.bin',
  'fixtures/data/a.json',
  'fixtures/data/b.json',
  'fixtures/empty',
  'fixtures/link',
  'fixtures/run.sh',
  'fixtures/sub/deep/x.txt',
  'fixtures/variant-1.txt',
  'fixtures/variant-2.txt',
  'fixtures/with space.txt',
  'fixtures/ünï.txt',
];

describe('cli export: output', () => {
  test('one line on stdout, nothing on stderr, the pack, its idx and the manifest; again: nothing new', () => {
    const { main } = exportRepos();
    const dir = out();
    const commit = revParse(main, 'HEAD');
    const text = xtestPackOk(['export', '--repo', main, '--out', dir, 'other/']).toString('utf8');
    const [pack] = packNames(dir);
    assert.ok(pack);
    const objects = allIds(dir).size;
    const size = statSync(join(dir, pack)).size;
    assert.equal(text, `exported 3 files of ${commit}: ${objects} objects, ${objects} new, ${size} bytes in ${join(dir, pack)}\n`);
    assert.deepEqual(readdirSync(dir).sort(), [pack.replace(/\.pack$/, '.idx'), pack, 'xtest-pack.json']);
    const again = xtestPackOk(['export', '--repo', main, '--out', dir, 'other/']).toString('utf8');
    assert.equal(again, `exported 3 files of ${commit}: ${objects} objects, 0 new, 0 bytes in ${dir} (nothing new)\n`);
  });

  test('--json: one document with the commit, counts, the pack, its size and what was skipped', () => {
    const { main } = exportRepos();
    const dir = out();
    const r = run(['export', '--json', '--repo', main, '--out', dir, 'lib/', 'fixtures/base.txt']);
    assertExit(r, 0, '--json');
    const j = JSON.parse(r.stdout.toString('utf8')) as Record<string, unknown>;
    assert.ok(r.stdout.toString('utf8').endsWith('}\n'));
    const [pack] = packNames(dir);
    assert.deepEqual(j, {
      commit: revParse(main, 'HEAD'),
      objects: allIds(dir).size,
      added: allIds(dir).size,
      pack: join(dir, pack!),
      packSize: statSync(join(dir, pack!)).size,
      files: 2,
      skipped: [{ path: 'lib/vendor', reason: 'gitlink' }],
    });
  });
});

describe('cli export: deterministic, and git reads it', () => {
  test('either backend, pathspecs in any order: byte-identical directories; git checks the files out as committed', T, () => {
    const { main, sha256 } = exportRepos();
    for (const repo of [main, sha256]) {
      const format = repo === main ? 'sha1' : 'sha256';
      const specs = ['fixtures/', 'other/*.json', 'docs/readme.md'];
      const a = out();
      const b = out();
      const ra = run(['export', '--repo', repo, '--out', a, ...specs], { env: { XTEST_PACK_BACKEND: 'node' } });
      const rb = run(['export', '--repo', repo, '--out', b, ...[...specs].reverse()], { env: { XTEST_PACK_BACKEND: 'portable' } });
      assertExit(ra, 0, 'node');
      assertExit(rb, 0, 'portable');
      assert.equal(ra.stderr, rb.stderr);
      assertSameDir(a, b, `${format}: node and portable backends, pathspecs reordered`);
      const c = out();
      assertExit(run(['export', '--backend', 'portable', '--repo', repo, '--out', c, 'docs/readme.md', 'fixtures/', 'other/*.json', 'fixtures/']), 0, '--backend');
      assertSameDir(a, c, `${format}: --backend portable`);

      // git alone, from a partial clone holding the pack: the files and their modes.
      const commit = revParse(repo, 'HEAD');
      const files = [...FIXTURE_FILES, 'other/c.json', 'docs/readme.md'];
      const ids = allIds(a, format);
      const expected = expectedExportIds(repo, 'HEAD', [...files, 'fixtures/sub/module']);
      assert.deepEqual([...ids].sort(), [...expected].sort());
      const clone = partialClone(a, commit, format);
      assertFsckStrict(clone);
      const wt = gitCheckout(clone, commit, files);
      assertSameFiles(repo, wt, files);
    }
  });
});

describe('cli export: failures', () => {
  test('a pathspec that matches nothing: exit 1, named', () => {
    const { main } = exportRepos();
    const dir = out();
    assertFails(run(['export', '--repo', main, '--out', dir, 'fixtures/base.txt', 'no/such/file']), dir, 'no/such/file', 'unmatched file');
    assertFails(run(['export', '--repo', main, '--out', dir, 'fixtures/*.none']), dir, 'fixtures/*.none', 'unmatched glob');
  });

  test('an unknown revision, not a repository: exit 1', () => {
    const { main } = exportRepos();
    const dir = out();
    assertFails(run(['export', '--repo', main, '--rev', 'nope', '--out', dir, 'fixtures/']), dir, 'nope', 'unknown revision');
    const empty = scratchDir('xtest-pack-cli-norepo-');
    assertFails(run(['export', '--out', dir, 'fixtures/'], { cwd: empty }), dir, 'not a git repository', 'no repository');
  });

  test('a modified selected file: exit 1 naming it; --allow-dirty: exit 0, a warning, the committed version', () => {
    const repo = copyRepo(exportRepos().main);
    const clean = out();
    assertExit(run(['export', '--out', clean, 'fixtures/'], { cwd: repo }), 0, 'clean');
    writeFileSync(join(repo, 'fixtures', 'base.txt'), 'changed\n');
    const dir = out();
    assertFails(run(['export', '--out', dir, 'fixtures/'], { cwd: repo }), dir, 'fixtures/base.txt', 'dirty');
    const r = run(['export', '--allow-dirty', '--out', dir, 'fixtures/'], { cwd: repo });
    assertExit(r, 0, '--allow-dirty');
    assert.equal(
      r.stderr,
      'xtest-pack: warning: fixtures/sub/module: a submodule (gitlink), not exported\n' +
        'xtest-pack: warning: fixtures/base.txt: modified in the work tree; the committed version was exported\n',
    );
    assertSameDir(dir, clean, '--allow-dirty and a clean export');
  });

  test('an untracked file a pathspec names: exit 1; --allow-dirty: skipped with a warning', () => {
    const repo = copyRepo(exportRepos().main);
    writeFileSync(join(repo, 'other', 'new.json'), '{}\n');
    const dir = out();
    assertFails(run(['export', '--out', dir, 'other/new.json', 'other/x.txt'], { cwd: repo }), dir, 'other/new.json', 'untracked');
    const r = run(['export', '--allow-dirty', '--out', dir, 'other/new.json', 'other/x.txt'], { cwd: repo });
    assertExit(r, 0, '--allow-dirty');
    assert.equal(r.stderr, 'xtest-pack: warning: other/new.json: not committed, not exported\n');
    const manifest = JSON.parse(readFileSync(join(dir, 'xtest-pack.json'), 'utf8')) as { files: { path: string }[] };
    assert.deepEqual(manifest.files.map((f) => f.path), ['other/x.txt']);
  });

  test('gitlinks: a warning each, exit 0', () => {
    const { main } = exportRepos();
    const dir = out();
    const r = run(['export', '--repo', main, '--out', dir, 'lib/', 'fixtures/sub/']);
    assertExit(r, 0, 'gitlinks');
    assert.equal(
      r.stderr,
      'xtest-pack: warning: fixtures/sub/module: a submodule (gitlink), not exported\nxtest-pack: warning: lib/vendor: a submodule (gitlink), not exported\n',
    );
    assert.ok(!allIds(dir).has('0123456789abcdef0123456789abcdef01234567'));
  });

  test('usage errors: exit 2', () => {
    const { main } = exportRepos();
    const dir = out();
    assertUsage(run(['export', '--repo', main, 'fixtures/']), 'no --out');
    assertUsage(run(['export', '--repo', main, '--out', dir]), 'no pathspec');
    assertUsage(run(['export', '--repo', main, '--out', dir, '--window', 'x', 'fixtures/']), '--window x');
    assertUsage(run(['export', '--repo', main, '--out', dir, '--depth', '-1', 'fixtures/']), '--depth -1');
    assertUsage(run(['export', '--repo', main, '--out', dir, '--compression', '10', 'fixtures/']), '--compression 10');
    assertUsage(run(['export', '--repo', main, '--out', dir, '--threads', '0', 'fixtures/']), '--threads 0');
    assertUsage(run(['export', '--repo', main, '--out', dir, '--threads', 'two', 'fixtures/']), '--threads two');
    assertUsage(run(['export', '--repo', main, '--out', dir, '/etc/passwd']), 'absolute pathspec');
    assertUsage(run(['export', '--repo', main, '--out', dir, 'fixtures/../other']), "pathspec with '..'");
    assert.ok(!existsSync(dir) || packNames(dir).length === 0, 'a usage error wrote a pack');
  });
});

describe('cli export: delta and compression options', () => {
  test('--no-delta, --window 0, --depth 1, --compression 0/9: git accepts the pack and its idx, chains as asked', T, () => {
    const { main } = exportRepos();
    const results = new Map<string, { deltas: number; depth: number; size: number }>();
    for (const opts of [[], ['--no-delta'], ['--window', '0'], ['--depth', '1'], ['--window', '1'], ['--compression', '0'], ['--compression', '9']]) {
      const dir = out();
      const r = run(['export', '--repo', main, '--out', dir, ...opts, 'fixtures/', 'other/']);
      assertExit(r, 0, opts.join(' '));
      const [pack] = packNames(dir);
      const packPath = join(dir, pack!);
      const idxPath = packPath.replace(/\.pack$/, '.idx');
      const g = gitIndexPack(packPath, 'sha1');
      assert.ok(g.idx.equals(readFileSync(idxPath)), `${opts.join(' ')}: git's idx differs`);
      const entries = gitVerboseEntries(idxPath, 'sha1');
      results.set(opts.join(' '), {
        deltas: entries.filter((e) => e.depth > 0).length,
        depth: Math.max(0, ...entries.map((e) => e.depth)),
        size: statSync(packPath).size,
      });
    }
    const get = (k: string) => results.get(k)!;
    assert.ok(get('').deltas > 0, 'no deltas by default');
    assert.ok(get('').depth >= 2, `default chains no deeper than ${get('').depth}`);
    assert.equal(get('--no-delta').deltas, 0);
    assert.equal(get('--window 0').deltas, 0);
    assert.ok(get('--depth 1').deltas > 0 && get('--depth 1').depth === 1, JSON.stringify(get('--depth 1')));
    assert.ok(get('--window 1').deltas > 0);
    assert.ok(get('--no-delta').size > get('').size);
    assert.ok(get('--compression 0').size > get('--compression 9').size);
    assert.ok(get('--compression 0').deltas > 0, 'compression changed the delta choice');
  });
});

describe('cli export: --threads', () => {
  test('--threads 1 and 3 (and XTEST_PACK_THREADS) write the same directory; repack --threads too', T, () => {
    const { main } = exportRepos();
    const dirs = [['--threads', '1'], ['--threads', '3'], []].map((opts, i) => {
      const dir = out();
      const env = i === 2 ? { env: { XTEST_PACK_THREADS: '2' } } : {};
      assertExit(run(['export', '--repo', main, '--out', dir, ...opts, 'fixtures/', 'other/'], env), 0, opts.join(' '));
      return dir;
    });
    assertSameDir(dirs[0]!, dirs[1]!, '--threads 1 and 3');
    assertSameDir(dirs[0]!, dirs[2]!, '--threads 1 and XTEST_PACK_THREADS=2');
    for (const dir of dirs.slice(0, 2)) assertExit(run(['export', '--repo', main, '--out', dir, 'lib/'], {}), 0, 'second export');
    assertExit(run(['repack', '--threads', '1', dirs[0]!]), 0, 'repack --threads 1');
    assertExit(run(['repack', '--threads', '2', dirs[1]!]), 0, 'repack --threads 2');
    assertSameDir(dirs[0]!, dirs[1]!, 'repacked with 1 and 2 threads');
    assertUsage(run(['repack', '--threads', '0', dirs[0]!]), 'repack --threads 0');
  });
});

describe('cli repack', () => {
  test('two exports into one directory, then repack: one pack of the union, the same from either backend', T, () => {
    const { main } = exportRepos();
    const dirs = [out(), out()];
    for (const [i, dir] of dirs.entries()) {
      assertExit(run(['export', '--repo', main, '--out', dir, 'fixtures/data/']), 0, 'first');
      const first = allIds(dir);
      assertExit(run(['export', '--repo', main, '--out', dir, 'other/', 'fixtures/base.txt']), 0, 'second');
      assert.equal(packNames(dir).length, 2);
      const union = allIds(dir);
      const sum = packNames(dir).reduce((n, p) => n + idxOids(join(dir, p.replace(/\.pack$/, '.idx')), 'sha1').length, 0);
      assert.equal(sum, union.size, 'an object is in both packs');
      const r = run(['repack', dir], { env: { XTEST_PACK_BACKEND: i === 0 ? 'node' : 'portable' } });
      assertExit(r, 0, 'repack');
      assert.equal(r.stderr, '');
      const [pack] = packNames(dir);
      assert.equal(packNames(dir).length, 1);
      assert.equal(r.stdout.toString('utf8'), `${join(dir, pack!)}: ${union.size} objects, ${statSync(join(dir, pack!)).size} bytes; merged 2 packs\n`);
      assert.deepEqual([...allIds(dir)].sort(), [...union].sort());
      for (const id of first) assert.ok(union.has(id));
      const g = gitIndexPack(join(dir, pack!), 'sha1');
      assert.ok(g.idx.equals(readFileSync(join(dir, pack!.replace(/\.pack$/, '.idx')))));
      const files = ['fixtures/base.txt', 'fixtures/data/a.json', 'fixtures/data/b.json', 'other/c.json', 'other/nested/d.json', 'other/x.txt'];
      assert.deepEqual([...allIds(dir)].sort(), [...expectedExportIds(main, 'HEAD', files)].sort());
      const commit = revParse(main, 'HEAD');
      const clone = partialClone(dir, commit, 'sha1');
      assertFsckStrict(clone);
      assertSameFiles(main, gitCheckout(clone, commit, files), files);
    }
    assertSameDir(dirs[0]!, dirs[1]!, 'repacked with node and with portable');
  });

  test('a directory without packs: exit 1 naming it (PACK_MISSING: the data, not the command line)', () => {
    const dir = scratchDir('xtest-pack-cli-repack-');
    mkdirSync(join(dir, 'empty'));
    const r = run(['repack', join(dir, 'empty')]);
    assertExit(r, 1, 'repack of an empty directory');
    assert.match(r.stderr, /^xtest-pack: .*empty: no packs to merge\n$/);
  });
});

describe('cli export: where from', () => {
  test('from a subdirectory of a linked work tree: its HEAD; --repo with the work tree path: the same', () => {
    const { wt } = exportRepos();
    const a = out();
    const b = out();
    const r = run(['export', '--out', a, 'fixtures/side.txt', 'fixtures/base.txt'], { cwd: join(wt, 'fixtures', 'data') });
    assertExit(r, 0, 'from the linked work tree');
    assert.ok(r.stdout.toString('utf8').includes(revParse(wt, 'HEAD')));
    assertExit(run(['export', '--repo', wt, '--out', b, 'fixtures/side.txt', 'fixtures/base.txt']), 0, '--repo');
    assertSameDir(a, b, 'discovered and --repo');
    assert.deepEqual([...allIds(a)].sort(), [...expectedExportIds(wt, 'HEAD', ['fixtures/side.txt', 'fixtures/base.txt'])].sort());
  });

  test('--rev v1 (an annotated tag) and --rev HEAD~1: the same commit, the same directory', () => {
    const { main } = exportRepos();
    const a = out();
    const b = out();
    const ra = run(['export', '--repo', main, '--rev', 'v1', '--out', a, 'other/']);
    const rb = run(['export', '--repo', main, '--rev', 'HEAD~1', '--out', b, 'other/']);
    assertExit(ra, 0, '--rev v1');
    assertExit(rb, 0, '--rev HEAD~1');
    const commit = revParse(main, 'v1^{commit}');
    assert.ok(ra.stdout.toString('utf8').includes(`files of ${commit}:`), ra.stdout.toString('utf8'));
    assertSameDir(a, b, '--rev v1 and --rev HEAD~1');
    assert.ok(!allIds(a).has(revParse(main, 'v1')), 'the tag object is in the pack');
  });
});
