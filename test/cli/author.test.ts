// The author's commands as a new user meets them, on the example package: `pack` writes the
// artifact where npm never publishes it and prints where, takes --version for releases whose
// version is set at publish time, and warns when told to write where npm would publish it;
// `package-test` refuses a tarball that holds the test data or an artifact, and reports a
// failing test command as its own failure (exit 1) with the command's status in its message.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { cleanEnv, cli, copyTree, examplePackage } from '../support/example-package.js';
import { git } from '../support/git.js';
import { scratchDir } from '../support/repos.js';
import { spawnSync } from 'node:child_process';

const T = { timeout: 180_000 };
let repo = '';

before(() => {
  ({ repo } = examplePackage());
});

/** A private copy of the example's work tree (node_modules linked again: copies keep links). */
function work(): string {
  return copyTree(repo);
}

function commitAll(dir: string, message: string): void {
  git(['-C', dir, 'add', '-A', '.']);
  git(['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qm', message]);
}

/** What `npm pack --dry-run` would publish from `dir`. */
function npmFiles(dir: string): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8', env: cleanEnv({ npm_config_offline: 'true' }) });
  assert.equal(r.status, 0, r.stderr);
  const [report] = JSON.parse(r.stdout) as { files: { path: string }[] }[];
  return report!.files.map((f) => f.path);
}

describe('xtest-pack pack', () => {
  test('writes node_modules/.cache/xtest-pack/NAME-VERSION.xtest-pack.tar.gz, prints the path, and npm does not publish it', T, () => {
    const w = work();
    const r = cli(['pack'], { cwd: w });
    assert.equal(r.status, 0, r.stderr);
    const path = join(w, 'node_modules', '.cache', 'xtest-pack', 'example-pkg-1.0.0.xtest-pack.tar.gz');
    assert.equal(r.stdout, `${path}\n`);
    assert.equal(r.stderr, '');
    assert.ok(existsSync(path));
    assert.ok(!npmFiles(w).some((f) => f.includes('xtest-pack.tar.gz')), 'npm would publish the artifact');
  });

  test('--version names the artifact for a release whose version is set at publish time (0.0.0-development)', T, () => {
    const w = work();
    const pkg = JSON.parse(readFileSync(join(w, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(w, 'package.json'), `${JSON.stringify({ ...pkg, version: '0.0.0-development' }, null, 2)}\n`);
    commitAll(w, 'semantic-release style');
    const r = cli(['pack', '--version', '2.3.4'], { cwd: w });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\/example-pkg-2\.3\.4\.xtest-pack\.tar\.gz\n$/);
  });

  test('--tar where npm would publish it: written, with a warning naming it', T, () => {
    const w = work();
    const pkg = JSON.parse(readFileSync(join(w, 'package.json'), 'utf8')) as Record<string, unknown>;
    delete pkg['files'];
    writeFileSync(join(w, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    writeFileSync(join(w, '.npmignore'), 'fixtures/\ndata/\nnode_modules/\n');
    commitAll(w, 'publish with .npmignore');
    const r = cli(['pack', '--tar', 'example-pkg-1.0.0.xtest-pack.tar.gz'], { cwd: w });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^xtest-pack: warning: npm would publish example-pkg-1\.0\.0\.xtest-pack\.tar\.gz in the package's tarball: [^\n]+\n$/);
    const quiet = cli(['pack', '--tar', join(scratchDir('xtest-pack-author-out-'), 'a.tar.gz')], { cwd: w });
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.equal(quiet.stderr, '', 'no warning outside the package');
  });
});

describe('authoring traps', () => {
  test('a file git does not track inside a listed directory: manifest refuses naming it, pack warns; an ignored one is no trap', T, () => {
    const w = work();
    writeFileSync(join(w, '.gitignore'), `${readFileSync(join(w, '.gitignore'), 'utf8')}*.log\n`);
    commitAll(w, 'ignore logs');
    writeFileSync(join(w, 'fixtures', 'text', 'new.txt'), 'not added\n');
    writeFileSync(join(w, 'fixtures', 'scratch.log'), 'ignored\n');
    const m = cli(['manifest'], { cwd: w });
    assert.equal(m.status, 1, m.stderr);
    assert.match(m.stderr, /^xtest-pack: [^\n]*not tracked by git, so left out: fixtures\/text\/new\.txt[^\n]*\n$/);
    assert.doesNotMatch(m.stderr, /scratch\.log/);
    const dirty = cli(['manifest', '--allow-dirty'], { cwd: w });
    assert.equal(dirty.status, 0, dirty.stderr);
    assert.equal((JSON.parse(readFileSync(join(w, 'xtest-pack.json'), 'utf8')) as { dirty: boolean }).dirty, true);
    const p = cli(['pack'], { cwd: w });
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stderr, /^xtest-pack: warning: fixtures\/text\/new\.txt: below a listed path but not tracked by git[^\n]*\n$/);
  });

  test('files a sparse checkout leaves out (skip-worktree) are not uncommitted changes', T, () => {
    const w = work();
    git(['-C', w, 'update-index', '--skip-worktree', 'fixtures/empty.txt', 'fixtures/text/hello.txt']);
    rmSync(join(w, 'fixtures', 'empty.txt'));
    rmSync(join(w, 'fixtures', 'text', 'hello.txt'));
    const m = cli(['manifest'], { cwd: w });
    assert.equal(m.status, 0, m.stderr);
    assert.equal((JSON.parse(readFileSync(join(w, 'xtest-pack.json'), 'utf8')) as { dirty: boolean }).dirty, false);
    // Deleted without the bit: a change.
    git(['-C', w, 'update-index', '--no-skip-worktree', 'fixtures/empty.txt']);
    const d = cli(['manifest'], { cwd: w });
    assert.equal(d.status, 1);
    assert.match(d.stderr, /uncommitted changes in fixtures\/empty\.txt/);
  });
});

describe('xtest-pack package-test', () => {
  test('a tarball that holds the test data it lists, or an artifact: refused (exit 1) saying how to leave them out', T, () => {
    for (const [extra, words] of [
      [['fixtures', 'data'], 'holds test data it lists'],
      [['example-pkg-1.0.0.xtest-pack.tar.gz'], 'holds test-data artifacts'],
    ] as const) {
      const w = work();
      const pkg = JSON.parse(readFileSync(join(w, 'package.json'), 'utf8')) as { files: string[] };
      pkg.files.push(...extra);
      writeFileSync(join(w, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
      if (extra[0]!.endsWith('.tar.gz')) {
        const p = cli(['pack', '--tar', extra[0]!], { cwd: w });
        assert.equal(p.status, 0, p.stderr);
      }
      commitAll(w, 'publish more');
      const r = cli(['package-test', '--', 'node', '-e', '0'], { cwd: w });
      assert.equal(r.status, 1, r.stderr);
      // (npm pack says what it packs on stderr first)
      assert.match(r.stderr, new RegExp(`(^|\\n)xtest-pack: [^\\n]*${words}[^\\n]*\\n$`));
    }
  });

  test("a failing test command: exit 1, the command's own status in the message", T, () => {
    const w = work();
    const r = cli(['package-test', '--', 'node', '-e', 'process.exit(77)'], { cwd: w });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /the tests failed \(node -e process\.exit\(77\) exited with status 77\)\n$/);
    const ok = cli(['package-test', '--', 'node', '-e', '0'], { cwd: w });
    assert.equal(ok.status, 0, ok.stderr);
  });
});
