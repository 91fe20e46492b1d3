// docs/packagers.md: scripts/packagers-check.sh runs the shell commands of each recipe
// (Debian, Gentoo, Nix, Guix, Fedora, Arch) against the example package's npm tarball and
// artifact, and `xtest-pack status`'s exit codes; every check it prints is a subtest here, and
// their number is fixed, so that a check dropped from the script or a block from the doc
// fails too.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanEnv, examplePackage, linkNodeModules, npmPacked, packTar } from '../support/example-package.js';
import { PROJECT_ROOT, scratchDir } from '../support/repos.js';

/** Debian 9 (control, AUTOPKGTEST_TMP, 77 without the component, pkg-js, status: 0, pack, 1, its message, 77), then one each. */
const CHECKS = 9 + 5 + 1;

test('docs/packagers.md: every recipe, as scripts/packagers-check.sh runs it', { timeout: 180_000 }, async (t) => {
  const { repo } = examplePackage();
  const packed = npmPacked(repo);
  const tgz = join(scratchDir('xtest-pack-packagers-'), 'example-pkg-1.0.0.tgz');
  copyFileSync(packed.tgz, tgz);
  const modules = scratchDir('xtest-pack-packagers-modules-');
  linkNodeModules(modules);
  assert.deepEqual(readdirSync(join(modules, 'node_modules', '.bin')), ['xtest-pack']);
  mkdirSync(join(modules, 'tmp'));

  const r = spawnSync(
    'bash',
    [join(PROJECT_ROOT, 'scripts', 'packagers-check.sh'), tgz, packTar(repo), join(modules, 'node_modules'), '--expect-pass', '7', '--tar-direct'],
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
