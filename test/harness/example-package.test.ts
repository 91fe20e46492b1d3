// Issue #6, must hold 1: the example package (fixtures/scripts/example-package.sh) has a
// node:test, a vitest, a jest and a mocha suite, all reading their fixtures through the test
// helper or its adapters. Each suite passes
//   - in source mode: the git work tree, and a tag tarball (the files, no .git);
//   - in pack mode: the npm tarball (no fixtures; its prepack wrote xtest-pack.json) with the
//     artifact `xtest-pack pack` made, given by XTEST_PACK_OBJECTS;
// with the artifact absent every runner fails, saying what to set (XTEST_PACK_OBJECTS, the
// commit, the artifact's name); with XTEST_PACK_MISSING=skip every test is reported skipped.
// Counts come from each runner's machine-readable report, and every suite checks that the
// helper is in the mode the run expects, so that no run passes by reading the wrong files.
import { materializationsDirectory } from '../../src/harness/materialize.js';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import {
  assertCounts,
  cli,
  examplePackage,
  nodeTestFiles,
  npmPacked,
  packDirectory,
  packTar,
  RUNNERS,
  runSuite,
  SUITE_TESTS,
  tagTarball,
  type NpmPacked,
} from '../support/example-package.js';
import { scratchDir } from '../support/repos.js';


const T = { timeout: 120_000 };
const ARTIFACT_NAME = 'example-pkg-1.0.0.xtest-pack.tar.gz';

const pass = (runner: keyof typeof SUITE_TESTS) => ({ status: 0, passed: SUITE_TESTS[runner], skipped: 0, failed: 0 });
const skipped = (runner: keyof typeof SUITE_TESTS) => ({ status: 0, passed: 0, skipped: SUITE_TESTS[runner], failed: 0 });

let packed: NpmPacked | undefined;
/** The npm tarball of the example, unpacked (made once for the file). */
function published(): NpmPacked {
  packed ??= npmPacked(examplePackage().repo);
  return packed;
}

describe('example package, source mode: the git work tree', () => {
  for (const runner of RUNNERS) {
    test(`${runner}: every test passes`, T, () => {
      const r = runSuite(runner, examplePackage().repo, { EXAMPLE_EXPECT_MODE: 'source' });
      assertCounts(r, pass(runner), `${runner} in the work tree`);
    });
  }
});

describe('example package, source mode: a tag tarball (no .git)', () => {
  let dir = '';
  before(() => {
    dir = tagTarball(examplePackage().repo);
  });

  for (const runner of RUNNERS) {
    test(`${runner}: every test passes`, T, () => {
      assertCounts(runSuite(runner, dir, { EXAMPLE_EXPECT_MODE: 'source' }), pass(runner), `${runner} in the tag tarball`);
    });
  }
});

describe('example package, the npm tarball', () => {
  test('leaves the fixtures out and holds the package manifest naming the commit', T, () => {
    const p = published();
    assert.ok(p.files.includes('xtest-pack.json'), `files: ${p.files.join(' ')}`);
    assert.deepEqual(p.files.filter((f) => f.startsWith('fixtures/') || f.startsWith('data/')), []);
    assert.ok(p.files.includes('test/node/fixtures.test.js') && p.files.includes('.mocharc.json') && p.files.includes('jest.config.cjs'));
    assert.equal(p.manifest.commit, examplePackage().commit);
    assert.deepEqual(p.manifest.paths, ['data/table.bin', 'fixtures']);
    assert.equal(p.manifest.directory, '');
    assert.equal(p.manifest.artifact, ARTIFACT_NAME);
    assert.equal(p.manifest.dirty, false);
  });
});

describe('example package, pack mode: the npm tarball and the artifact (pack directory)', () => {
  let objects = '';
  let tmp = '';
  before(() => {
    published();
    objects = packDirectory(examplePackage().repo);
    tmp = scratchDir('xtest-pack-example-materialized-');
  });

  for (const runner of RUNNERS) {
    test(`${runner}: every test passes`, T, () => {
      const r = runSuite(runner, published().dir, { EXAMPLE_EXPECT_MODE: 'pack', XTEST_PACK_OBJECTS: objects, XTEST_PACK_TMPDIR: tmp });
      assertCounts(r, pass(runner), `${runner} from the npm tarball`);
    });
  }

  test('the four runs shared one materialization', () => {
    const entries = readdirSync(materializationsDirectory(tmp));
    assert.equal(entries.length, 1, `materializations: ${entries.join(' ')}`);
    assert.ok(entries[0]!.startsWith(`${examplePackage().commit}-`), entries[0]);
  });
});

describe('example package, pack mode: the npm tarball and the artifact (.tar.gz)', () => {
  let objects = '';
  before(() => {
    objects = packTar(examplePackage().repo);
  });

  for (const runner of RUNNERS) {
    test(`${runner}: every test passes`, T, () => {
      const tmp = scratchDir('xtest-pack-example-materialized-');
      const r = runSuite(runner, published().dir, { EXAMPLE_EXPECT_MODE: 'pack', XTEST_PACK_OBJECTS: objects, XTEST_PACK_TMPDIR: tmp });
      assertCounts(r, pass(runner), `${runner} from the npm tarball and the .tar.gz`);
    });
  }
});

describe('example package, pack mode: the artifact absent', () => {
  for (const runner of RUNNERS) {
    test(`${runner}: fails, naming XTEST_PACK_OBJECTS, the commit and the artifact`, T, () => {
      const r = runSuite(runner, published().dir, { EXAMPLE_EXPECT_MODE: 'pack' });
      assert.notEqual(r.status, 0, `${runner} passed without test data:\n${r.output}`);
      assert.equal(r.passed, 0);
      assert.equal(r.skipped, 0);
      for (const words of ['XTEST_PACK_OBJECTS', examplePackage().commit, ARTIFACT_NAME, 'XTEST_PACK_MISSING=skip']) {
        assert.ok(r.output.includes(words), `${runner}'s output does not name ${words}:\n${r.output.slice(0, 4000)}`);
      }
    });
  }
});

describe('example package, pack mode: the artifact absent and XTEST_PACK_MISSING=skip', () => {
  for (const runner of RUNNERS) {
    test(`${runner}: every test is reported skipped`, T, () => {
      const r = runSuite(runner, published().dir, { EXAMPLE_EXPECT_MODE: 'pack', XTEST_PACK_MISSING: 'skip' });
      assertCounts(r, skipped(runner), `${runner} skipping`);
    });
  }
});

test('xtest-pack package-test: the node suite from the npm tarball and the built artifact', { ...T }, () => {
  const { repo } = examplePackage();
  // The TAP reporter named: the default one for a pipe is TAP on Node 20 and 22, spec from 23 on.
  const r = cli(['package-test', '--', process.execPath, '--test', '--test-reporter=tap', ...nodeTestFiles(repo, 'test/node')], {
    cwd: repo,
    env: { EXAMPLE_EXPECT_MODE: 'pack' },
  });
  assert.equal(r.status, 0, `package-test failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^# pass 7$/m);
});
