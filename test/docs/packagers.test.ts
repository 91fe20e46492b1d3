// docs/packagers.md: scripts/packagers-check.sh runs the shell commands of each recipe
// (Debian, Gentoo, Nix, Guix, Fedora, Arch; through the helper and by path after `xtest-pack
// checkout`) against the example package's npm tarball and artifact, `xtest-pack status`'s exit
// codes, and the recipes' gate against bad test data (a flipped byte, a missing idx, another
// release's artifact with other data, an empty directory) and an older release's artifact of
// the same data; every check it prints is a subtest here, and their number is fixed, so that a
// check dropped from the script or a block from the doc fails too.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanEnv, copyTree, examplePackage, linkNodeModules, npmPacked, packTar } from '../support/example-package.js';
import { git } from '../support/git.js';
import { PROJECT_ROOT, scratchDir } from '../support/repos.js';

/**
 * find-artifact 1; Debian 9 (control, AUTOPKGTEST_TMP, 77 without the component, pkg-js,
 * status: 0, pack, 1, its message, 77); Debian by path 4 (control, the files written, 77,
 * pkg-js); Gentoo, Nix, Guix, Fedora, Arch 2 each (helper, by path); the gate 4 for each of 4
 * kinds of bad data (exit 1, its one line, exit under skip, the Debian Test-Command); the same
 * data of another commit 2 (gate, Debian tests); the .tar.gz itself 1.
 */
const CHECKS = 1 + 9 + 4 + 5 * 2 + 4 * 4 + 2 + 1;

/** The artifact of a commit after the example's, made by `change` in a copy of its work tree. */
function artifactOfNextCommit(repo: string, change: (dir: string) => void, name: string): string {
  const work = copyTree(repo);
  // The copy's xtest-pack.json names the example's commit: `pack` would export that one.
  rmSync(join(work, 'xtest-pack.json'), { force: true });
  change(work);
  git(['-C', work, 'add', '-A', '.']);
  git(['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qm', name]);
  return packTar(work, name);
}

test('docs/packagers.md: every recipe, as scripts/packagers-check.sh runs it', { timeout: 300_000 }, async (t) => {
  const { repo } = examplePackage();
  const packed = npmPacked(repo);
  const tgz = join(scratchDir('xtest-pack-packagers-'), 'example-pkg-1.0.0.tgz');
  copyFileSync(packed.tgz, tgz);
  const modules = scratchDir('xtest-pack-packagers-modules-');
  linkNodeModules(modules);
  assert.deepEqual(readdirSync(join(modules, 'node_modules', '.bin')), ['xtest-pack']);
  mkdirSync(join(modules, 'tmp'));
  const other = artifactOfNextCommit(repo, (w) => writeFileSync(join(w, 'fixtures', 'text', 'hello.txt'), 'other data\n'), 'example-pkg-0.9.0.xtest-pack.tar.gz');
  const same = artifactOfNextCommit(repo, (w) => writeFileSync(join(w, 'README.md'), 'a change outside the test data\n'), 'example-pkg-0.9.1.xtest-pack.tar.gz');

  const r = spawnSync(
    'bash',
    [join(PROJECT_ROOT, 'scripts', 'packagers-check.sh'), tgz, packTar(repo), join(modules, 'node_modules'), '--expect-pass', '7', '--tar-direct', '--other-artifact', other, '--same-artifact', same],
    { env: cleanEnv({ EXAMPLE_EXPECT_MODE: 'pack', TMPDIR: join(modules, 'tmp') }), encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (r.error) throw r.error;
  assert.ok(r.status === 0 || r.status === 1, `packagers-check.sh exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, new RegExp(`^1\\.\\.${CHECKS}$`, 'm'), r.stdout);

  // One subtest per check, with the log lines the script printed under a failed one.
  const lines = r.stdout.split('\n');
  let checks = 0;
  for (let i = 0; i < lines.length; i++) {
    const m = /^(ok|not ok) \d+ - (.*)$/.exec(lines[i]!);
    if (!m) continue;
    checks++;
    const diag: string[] = [];
    for (let j = i + 1; j < lines.length && lines[j]!.startsWith('#'); j++) diag.push(lines[j]!);
    await t.test(m[2]!.replace(/: (\d+ tests passed|\d+ passed, .*|exit status .*)$/, ''), () => {
      assert.equal(m[1], 'ok', `${m[2]}\n${diag.join('\n')}\n${r.stderr}`);
    });
  }
  assert.equal(checks, CHECKS);
  assert.equal(r.status, lines.some((l) => l.startsWith('not ok')) ? 1 : 0);
});
