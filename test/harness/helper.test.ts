// The test helper (src/harness/helper.ts) on the example package, in process: status()'s
// decisions (source, recording, pack, unavailable, skip), PATH_NOT_LISTED for a path the
// package does not list in every mode, TestData.path() refusing what was not asked for,
// XTEST_PACK_MANIFEST, where pack-mode files go (options.tmpdir, XTEST_PACK_TMPDIR,
// AUTOPKGTEST_TMP, the OS temp dir), a package in a subdirectory of its repository, several
// processes materializing at once, and materialized files byte-identical to the committed
// ones, executable bit included.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isXtestPackError, type ErrorCode } from '../../src/errors.js';
import { prepareTestData, publishTestData, testDataPath } from '../../src/harness/adapters/common.js';
import { testDataSync, status, type TestData, type TestDataOptions } from '../../src/harness/helper.js';
import { COMPLETE_MARKER, materializationsDirectory } from '../../src/harness/materialize.js';
import { decodePackageManifest, encodePackageManifest } from '../../src/manifest/index.js';
import {
  assertCommittedFiles,
  cli,
  copyTree,
  examplePackage,
  packDirectory,
  publishedCopy,
  spawnNode,
  tagTarball,
} from '../support/example-package.js';
import { scratchDir } from '../support/repos.js';

const T = { timeout: 60_000 };
const LISTED = ['fixtures', 'data/table.bin'];

/** Copies of the example, made once for the file. */
let repo = '';
let commit = '';
let tag = '';
let published = '';
let objects = '';

before(() => {
  ({ repo, commit } = examplePackage());
  tag = tagTarball(repo);
  published = publishedCopy(repo);
  objects = packDirectory(repo);
});

/** The helper's options: from `dir`, with exactly `env` (nothing of the caller's). */
function at(dir: string, env: NodeJS.ProcessEnv = {}, extra: Omit<TestDataOptions, 'from' | 'env'> = {}): TestDataOptions {
  return { from: dir, env, ...extra };
}

/** Pack mode on the published copy, materializing under a fresh directory unless `tmp`. */
function packEnv(tmp = scratchDir('xtest-pack-helper-tmp-')): NodeJS.ProcessEnv {
  return { XTEST_PACK_OBJECTS: objects, XTEST_PACK_TMPDIR: tmp };
}

function assertCode(fn: () => unknown, code: ErrorCode, mention?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isXtestPackError(e), `not an XtestPackError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.doesNotMatch(e.message, /\n/);
    if (mention !== undefined) assert.ok(e.message.includes(mention), `the message does not name ${mention}: ${e.message}`);
    return true;
  });
}

describe('status(): where the test data come from', () => {
  test('the git work tree: source, naming the work tree', () => {
    const st = status(repo, { env: {} });
    assert.deepEqual({ mode: st.mode, root: st.root, skip: st.skip, record: st.record }, { mode: 'source', root: repo, skip: false, record: undefined });
    assert.ok(st.reason.includes(`git work tree ${repo}`), st.reason);
  });

  test('a tag tarball (no .git): source, the files alone', () => {
    const st = status(tag, { env: {} });
    assert.equal(st.mode, 'source');
    assert.equal(st.record, undefined);
    assert.ok(st.reason.includes(`in the package at ${tag}`), st.reason);
  });

  test('the published package without XTEST_PACK_OBJECTS: unavailable, saying what to set', () => {
    const st = status(published, { env: {} });
    assert.equal(st.mode, 'unavailable');
    assert.equal(st.skip, false);
    for (const words of ['XTEST_PACK_OBJECTS', 'example-pkg-1.0.0.xtest-pack.tar.gz', commit, 'XTEST_PACK_MISSING=skip', 'data/table.bin, fixtures']) {
      assert.ok(st.reason.includes(words), `the reason does not name ${words}: ${st.reason}`);
    }
  });

  test('... and XTEST_PACK_MISSING=skip (only that value): skip', () => {
    assert.equal(status(published, { env: { XTEST_PACK_MISSING: 'skip' } }).skip, true);
    assert.equal(status(published, { env: { XTEST_PACK_MISSING: '1' } }).skip, false);
    // Files that are there are never skipped.
    assert.equal(status(repo, { env: { XTEST_PACK_MISSING: 'skip' } }).skip, false);
  });

  test('the published package with XTEST_PACK_OBJECTS: pack, naming the commit', () => {
    const st = status(published, { env: { XTEST_PACK_OBJECTS: objects } });
    assert.equal(st.mode, 'pack');
    assert.ok(st.reason.includes(commit) && st.reason.includes(objects), st.reason);
  });

  test('XTEST_PACK_OBJECTS naming nothing: unavailable, saying so (and skip with XTEST_PACK_MISSING=skip)', () => {
    // What a recipe that sets XTEST_PACK_OBJECTS="$PWD/xtest-pack" unconditionally meets
    // when the artifact was not unpacked: no test data, which XTEST_PACK_MISSING=skip is for.
    const missing = join(scratchDir('xtest-pack-helper-none-'), 'xtest-pack');
    const st = status(published, { env: { XTEST_PACK_OBJECTS: missing } });
    assert.equal(st.mode, 'unavailable');
    assert.ok(st.reason.includes(missing), st.reason);
    assert.equal(status(published, { env: { XTEST_PACK_OBJECTS: missing, XTEST_PACK_MISSING: 'skip' } }).skip, true);
  });

  test('XTEST_PACK_OBJECTS but no package manifest: unavailable, naming the manifest', () => {
    const copy = copyTree(published);
    rmSync(join(copy, 'xtest-pack.json'));
    const st = status(copy, { env: { XTEST_PACK_OBJECTS: objects } });
    assert.equal(st.mode, 'unavailable');
    assert.ok(st.reason.includes(join(copy, 'xtest-pack.json')) && st.reason.includes('XTEST_PACK_MANIFEST'), st.reason);
    assert.equal(status(copy, { env: { XTEST_PACK_OBJECTS: objects, XTEST_PACK_MISSING: 'skip' } }).skip, true);
  });

  test('a package with no manifest and no files: unavailable, naming the missing manifest', () => {
    const copy = copyTree(published);
    rmSync(join(copy, 'xtest-pack.json'));
    const st = status(copy, { env: {} });
    assert.equal(st.mode, 'unavailable');
    assert.match(st.reason, /no xtest-pack\.json/);
  });

  test('XTEST_PACK_OBJECTS outside the work tree wins over its files: pack', () => {
    // The work tree has the manifest (publishedCopy ran `xtest-pack manifest` there).
    const st = status(repo, { env: { XTEST_PACK_OBJECTS: objects } });
    assert.equal(st.mode, 'pack');
  });

  test('XTEST_PACK_RECORD in the work tree: source, recording into it', () => {
    const dir = join(scratchDir('xtest-pack-helper-rec-'), 'test-data');
    const st = status(repo, { env: { XTEST_PACK_RECORD: dir } });
    assert.equal(st.mode, 'source');
    assert.equal(st.record, dir);
    assert.ok(st.reason.startsWith(`recording into ${dir}`), st.reason);
  });

  test('XTEST_PACK_OBJECTS naming a directory inside the work tree: pack mode, nothing recorded (only XTEST_PACK_RECORD records)', () => {
    // A packager's tree after `xtest-pack checkout` has the files and the data inside it: the run
    // must read the data it was given, not write into them.
    const st = status(repo, { env: { XTEST_PACK_OBJECTS: join(repo, 'test-data') } });
    assert.equal(st.record, undefined);
  });

  test('XTEST_PACK_RECORD outside a git work tree records nothing', () => {
    const st = status(tag, { env: { XTEST_PACK_RECORD: join(scratchDir('xtest-pack-helper-rec-'), 'x') } });
    assert.equal(st.mode, 'source');
    assert.equal(st.record, undefined);
  });

  test('`from` as a file URL, a file path or a directory finds the same package', () => {
    const file = join(repo, 'test', 'node', 'fixtures.test.js');
    for (const from of [pathToFileURL(file).href, pathToFileURL(file), file, join(repo, 'test', 'node'), repo]) {
      assert.equal(status(from, { env: {} }).root, repo, String(from));
    }
  });

  test('no package.json with a name above `from`: PACKAGE_INVALID', () => {
    const dir = scratchDir('xtest-pack-helper-nopkg-');
    writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
    assertCode(() => status(dir, { env: {} }), 'PACKAGE_INVALID');
  });
});

describe('PATH_NOT_LISTED: a path the package does not list is refused in every mode', () => {
  const modes = (): [string, string, NodeJS.ProcessEnv, string][] => [
    ['the work tree', repo, {}, 'xtestPack'],
    ['a tag tarball', tag, {}, 'xtestPack'],
    ['pack mode', published, packEnv(), 'xtest-pack.json'],
  ];

  test('a committed file that is not listed', () => {
    for (const [what, dir, env] of modes()) {
      assertCode(() => testDataSync(['data/unlisted.txt'], at(dir, env)), 'PATH_NOT_LISTED', "'data/unlisted.txt'");
      assertCode(() => testDataSync(['fixtures', 'data/unlisted.txt'], at(dir, env)), 'PATH_NOT_LISTED', "'data/unlisted.txt'");
      assert.ok(existsSync(join(repo, 'data/unlisted.txt')), what);
    }
  });

  test('the message says where to list it: package.json in source mode, the manifest in pack mode', () => {
    // The work tree holds the xtest-pack.json that `npm pack` (prepack) left there; it is
    // generated, so it is not where the author adds a path.
    assert.ok(existsSync(join(repo, 'xtest-pack.json')));
    for (const [what, dir, env, where] of modes()) {
      assert.throws(
        () => testDataSync(['data/unlisted.txt'], at(dir, env)),
        (e: unknown) => isXtestPackError(e, 'PATH_NOT_LISTED') && e.message.includes(where),
        `${what}: the message does not name ${where}`,
      );
    }
  });

  test('in the work tree, a stale xtest-pack.json lists nothing that package.json no longer lists', () => {
    const copy = copyTree(repo);
    assert.ok(existsSync(join(copy, 'xtest-pack.json')));
    const packageJson = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(copy, 'package.json'), `${JSON.stringify({ ...packageJson, xtestPack: { paths: ['fixtures'] } }, null, 2)}\n`);
    // data/table.bin was listed when the manifest was written, and is no longer: the next
    // `npm pack` leaves it out of the test data, so the author's run must refuse it now.
    assertCode(() => testDataSync(['data/table.bin'], at(copy)), 'PATH_NOT_LISTED');
  });

  test('a name that only starts like a listed one', () => {
    for (const [, dir, env] of modes()) {
      assertCode(() => testDataSync(['fixtures-old'], at(dir, env)), 'PATH_NOT_LISTED');
      assertCode(() => testDataSync(['data/table.bin.orig'], at(dir, env)), 'PATH_NOT_LISTED');
      assertCode(() => testDataSync(['data'], at(dir, env)), 'PATH_NOT_LISTED');
    }
  });

  test('listed paths and paths below them are given', () => {
    for (const [what, dir, env] of modes()) {
      const data = testDataSync(['fixtures/text/nested', 'data/table.bin'], at(dir, env));
      assert.equal(readFileSync(data.path('fixtures/text/nested/lines.txt'), 'utf8'), 'one\ntwo\nthree\n', what);
    }
  });

  test('malformed paths: USAGE; none at all: USAGE', () => {
    for (const [, dir, env] of modes()) {
      for (const p of ['../fixtures', 'fixtures/../data/unlisted.txt', '/etc/passwd', 'fixtures\\text', '', '.']) {
        assertCode(() => testDataSync([p], at(dir, env)), 'USAGE');
      }
      assertCode(() => testDataSync([], at(dir, env)), 'USAGE');
    }
  });

  test('recording: an unlisted path is recorded, not refused; a missing one is refused', () => {
    const dir = join(scratchDir('xtest-pack-helper-rec-'), 'test-data');
    const data = testDataSync(['data/unlisted.txt'], at(repo, { XTEST_PACK_RECORD: dir }));
    assert.equal(readFileSync(data.path('data/unlisted.txt'), 'utf8'), 'committed, but not listed in xtestPack.paths\n');
    const m = JSON.parse(readFileSync(join(dir, 'xtest-pack.json'), 'utf8')) as { pathspecs: string[] };
    assert.deepEqual(m.pathspecs, ['data/unlisted.txt']);
    assertCode(() => testDataSync(['fixtures/nothing-here'], at(repo, { XTEST_PACK_RECORD: dir })), 'PATH_NOT_LISTED', 'does not exist');
  });

  test('unavailable: TESTDATA_UNAVAILABLE with the reason, whatever the path', () => {
    // (With XTEST_PACK_MISSING=skip, see the last test: docs/authors.md, section 2.)
    assertCode(() => testDataSync(['fixtures'], at(published)), 'TESTDATA_UNAVAILABLE', 'XTEST_PACK_OBJECTS');
    assertCode(() => testDataSync(['data/unlisted.txt'], at(published)), 'TESTDATA_UNAVAILABLE');
  });
});

describe('TestData.path(): only what was asked for', () => {
  const handles = (): [string, TestData][] => [
    ['the work tree', testDataSync(['fixtures/text', 'data/table.bin'], at(repo))],
    ['a tag tarball', testDataSync(['fixtures/text', 'data/table.bin'], at(tag))],
    ['pack mode', testDataSync(['fixtures/text', 'data/table.bin'], at(published, packEnv()))],
  ];

  test('paths asked for, and below them: absolute, normalized, there', () => {
    for (const [what, data] of handles()) {
      assert.equal(data.path('fixtures/text/hello.txt'), join(data.root, 'fixtures', 'text', 'hello.txt'), what);
      assert.equal(data.path('./fixtures/text/'), join(data.root, 'fixtures', 'text'), what);
      assert.ok(data.path('data/table.bin').startsWith(sep), what);
      assert.equal(readFileSync(data.path('fixtures/text/hello.txt'), 'utf8'), 'hello, world\n', what);
    }
  });

  test('listed but not asked for, unlisted, or a sibling name: PATH_NOT_LISTED', () => {
    for (const [, data] of handles()) {
      for (const p of ['fixtures/bin/tool.sh', 'fixtures', 'data/unlisted.txt', 'fixtures/textual', 'data/table.bin2', 'index.js']) {
        assertCode(() => data.path(p), 'PATH_NOT_LISTED');
      }
    }
  });

  test('climbing, absolute or empty: USAGE', () => {
    for (const [, data] of handles()) {
      for (const p of ['fixtures/text/../bin/tool.sh', '../package.json', '/etc/passwd', '', 'fixtures/text/..']) {
        assertCode(() => data.path(p), 'USAGE');
      }
    }
  });
});

describe('the runner adapters: a path the package does not list', () => {
  // The adapters check out every listed path; a test then names files with path(). In the
  // work tree the root is the package root, so an unlisted path would be found there, and
  // missing only from the published package: the mistake the helper exists to catch early.
  test('mocha (testDataPath): refused in the work tree', () => {
    const data = prepareTestData(repo, {});
    assert.equal(data.mode, 'source');
    assert.equal(readFileSync(testDataPath(data, 'fixtures/text/hello.txt'), 'utf8'), 'hello, world\n');
    assertCode(() => testDataPath(data, 'data/unlisted.txt'), 'PATH_NOT_LISTED');
  });

  test('jest (xtest-pack/jest testData().path): refused in the work tree', () => {
    const jestEntry = createRequire(import.meta.url)(fileURLToPath(new URL('../../src/harness/adapters/jest.cjs', import.meta.url))) as {
      testData(): { mode: string; path(rel: string): string };
    };
    const saved = { ...process.env };
    try {
      publishTestData(prepareTestData(repo, {}), process.env);
      const data = jestEntry.testData();
      assert.equal(data.mode, 'source');
      assert.equal(readFileSync(data.path('fixtures/text/hello.txt'), 'utf8'), 'hello, world\n');
      assert.throws(() => data.path('data/unlisted.txt'), /not listed|PATH_NOT_LISTED/);
    } finally {
      for (const k of ['XTEST_PACK_ROOT', 'XTEST_PACK_MODE', 'XTEST_PACK_REASON', 'XTEST_PACK_PATHS']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});

describe('XTEST_PACK_MANIFEST', () => {
  test('names the manifest when the package has none at its root', () => {
    const copy = copyTree(published);
    const manifest = join(scratchDir('xtest-pack-helper-manifest-'), 'example.json');
    renameSync(join(copy, 'xtest-pack.json'), manifest);
    const env = { ...packEnv(), XTEST_PACK_MANIFEST: manifest };
    assert.equal(status(copy, { env }).mode, 'pack');
    const data = testDataSync(LISTED, at(copy, env));
    assertCommittedFiles(data.root, repo, { except: [COMPLETE_MARKER] });
  });

  test("is used instead of the package's own: its paths are what is listed and materialized", () => {
    const own = decodePackageManifest(readFileSync(join(published, 'xtest-pack.json'), 'utf8'), 'xtest-pack.json')!;
    const manifest = join(scratchDir('xtest-pack-helper-manifest-'), 'narrow.json');
    writeFileSync(manifest, encodePackageManifest({ ...own, paths: ['fixtures/text'], ids: undefined }));
    const env = { ...packEnv(), XTEST_PACK_MANIFEST: manifest };
    const data = testDataSync(['fixtures/text'], at(published, env));
    assertCommittedFiles(data.root, repo, { paths: ['fixtures/text'], except: [COMPLETE_MARKER] });
    assertCode(() => testDataSync(['fixtures/bin'], at(published, env)), 'PATH_NOT_LISTED', manifest);
  });

  test('naming a missing file or an export manifest: ENVIRONMENT from status(); not JSON: MANIFEST_CORRUPT', () => {
    const dir = scratchDir('xtest-pack-helper-manifest-');
    writeFileSync(join(dir, 'bad.json'), '{"kind": "package", ');
    for (const [file, code, mention] of [
      [join(dir, 'missing.json'), 'ENVIRONMENT', 'XTEST_PACK_MANIFEST'],
      [join(objects, 'xtest-pack.json'), 'ENVIRONMENT', "pack directory's manifest"],
      [join(dir, 'bad.json'), 'MANIFEST_CORRUPT', 'not JSON'],
    ] as const) {
      assertCode(() => status(published, { env: { ...packEnv(), XTEST_PACK_MANIFEST: file } }), code, mention);
    }
  });

  test('empty: the package manifest', () => {
    assert.equal(status(published, { env: { ...packEnv(), XTEST_PACK_MANIFEST: '' } }).mode, 'pack');
  });
});

describe('where pack-mode files are materialized', () => {
  const under = (data: TestData, base: string) => assert.ok(data.root.startsWith(materializationsDirectory(base) + sep), `${data.root} is not under ${base}`);

  test('options.tmpdir, then XTEST_PACK_TMPDIR, then AUTOPKGTEST_TMP', () => {
    const [a, b, c] = [scratchDir('xtest-pack-helper-a-'), scratchDir('xtest-pack-helper-b-'), scratchDir('xtest-pack-helper-c-')];
    const env = { XTEST_PACK_OBJECTS: objects };
    under(testDataSync(LISTED, at(published, { ...env, XTEST_PACK_TMPDIR: b, AUTOPKGTEST_TMP: c }, { tmpdir: a })), a);
    under(testDataSync(LISTED, at(published, { ...env, XTEST_PACK_TMPDIR: b, AUTOPKGTEST_TMP: c })), b);
    under(testDataSync(LISTED, at(published, { ...env, AUTOPKGTEST_TMP: c })), c);
    under(testDataSync(LISTED, at(published, { ...env, XTEST_PACK_TMPDIR: '', AUTOPKGTEST_TMP: c })), c);
    for (const base of [a, b, c]) assert.equal(readdirSync(materializationsDirectory(base)).length, 1, base);
  });

  test('else the OS temp directory (TMPDIR)', () => {
    const d = scratchDir('xtest-pack-helper-os-');
    const saved = process.env['TMPDIR'];
    process.env['TMPDIR'] = d;
    try {
      under(testDataSync(LISTED, at(published, { XTEST_PACK_OBJECTS: objects })), d);
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
    }
  });

  test('a relative XTEST_PACK_TMPDIR still gives absolute paths', () => {
    const d = scratchDir('xtest-pack-helper-rel-');
    const cwd = process.cwd();
    process.chdir(d);
    let data: TestData;
    try {
      data = testDataSync(LISTED, at(published, { XTEST_PACK_OBJECTS: objects, XTEST_PACK_TMPDIR: 'tmp' }));
    } finally {
      process.chdir(cwd);
    }
    // TestData.path() is documented as "the absolute path of rel": it must not depend on
    // the current directory staying where it was.
    assert.ok(data.root.startsWith(sep), `root ${data.root} is relative`);
    assert.ok(existsSync(data.path('fixtures/text/hello.txt')));
  });

  test('a second checkout reuses the materialization', () => {
    const tmp = scratchDir('xtest-pack-helper-reuse-');
    const first = testDataSync(LISTED, at(published, packEnv(tmp)));
    const marker = statSync(join(first.root, COMPLETE_MARKER));
    const second = testDataSync(['fixtures/text'], at(published, packEnv(tmp)));
    assert.equal(second.root, first.root);
    assert.equal(statSync(join(first.root, COMPLETE_MARKER)).ino, marker.ino);
  });
});

describe('pack mode gives the committed files', () => {
  test('byte for byte, executable exactly where git says 100755, nothing else', () => {
    const data = testDataSync(LISTED, at(published, packEnv()));
    assert.equal(data.mode, 'pack');
    assertCommittedFiles(data.root, repo, { except: [COMPLETE_MARKER] });
    assert.deepEqual(readdirSync(data.root).sort(), [COMPLETE_MARKER, 'data', 'fixtures']);
    assert.equal(statSync(data.path('fixtures/bin/tool.sh')).mode & 0o100, 0o100);
    assert.equal(statSync(data.path('fixtures/text/hello.txt')).mode & 0o111, 0);
  });

  test('several processes at once: one directory, the same for all', T, async () => {
    const script = join(scratchDir('xtest-pack-helper-race-'), 'race.mjs');
    writeFileSync(
      script,
      [
        `const { testDataSync } = await import(${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)});`,
        'const [from, objects, tmp, startAt] = process.argv.slice(2);',
        'while (Date.now() < Number(startAt)); // line the processes up',
        "const data = testDataSync(['fixtures', 'data/table.bin'], { from, env: { XTEST_PACK_OBJECTS: objects, XTEST_PACK_TMPDIR: tmp } });",
        'process.stdout.write(data.root);',
        '',
      ].join('\n'),
    );
    for (let round = 0; round < 2; round++) {
      const tmp = scratchDir('xtest-pack-helper-race-tmp-');
      const startAt = String(Date.now() + 1200);
      const runs = await Promise.all(Array.from({ length: 4 }, () => spawnNode([script, published, objects, tmp, startAt], { cwd: tmp })));
      for (const r of runs) assert.equal(r.status, 0, r.stderr);
      const roots = new Set(runs.map((r) => r.stdout));
      assert.equal(roots.size, 1, `roots: ${[...roots].join(' ')}`);
      assert.deepEqual(readdirSync(materializationsDirectory(tmp)), [[...roots][0]!.split(sep).pop()], 'more than the one directory');
      assertCommittedFiles([...roots][0]!, repo, { except: [COMPLETE_MARKER] });
    }
  });
});

describe('a package in a subdirectory of its repository', () => {
  let pkg = '';
  before(() => {
    pkg = examplePackage().monoPackage;
  });

  test('work tree: source, the package root is the subdirectory', () => {
    const st = status(join(pkg, 'test', 'node'), { env: {} });
    assert.equal(st.mode, 'source');
    assert.equal(st.root, pkg);
    assert.ok(st.reason.includes(`git work tree ${examplePackage().monorepo}`), st.reason);
    const data = testDataSync(['fixtures'], at(pkg));
    assert.equal(data.path('fixtures/text/hello.txt'), join(pkg, 'fixtures', 'text', 'hello.txt'));
  });

  test('manifest and pack mode: the directory in the manifest, the files relative to the package', () => {
    const copy = publishedCopy(pkg);
    const m = decodePackageManifest(readFileSync(join(copy, 'xtest-pack.json'), 'utf8'), 'xtest-pack.json')!;
    assert.equal(m.directory, 'packages/example-pkg');
    assert.deepEqual(m.paths, ['data/table.bin', 'fixtures']);
    const artifact = packDirectory(pkg);
    const exported = JSON.parse(readFileSync(join(artifact, 'xtest-pack.json'), 'utf8')) as { pathspecs: string[] };
    assert.deepEqual(exported.pathspecs, ['packages/example-pkg/data/table.bin', 'packages/example-pkg/fixtures']);
    const data = testDataSync(LISTED, at(copy, { XTEST_PACK_OBJECTS: artifact, XTEST_PACK_TMPDIR: scratchDir('xtest-pack-helper-mono-') }));
    assert.equal(data.mode, 'pack');
    assertCommittedFiles(data.root, pkg, { except: [COMPLETE_MARKER] });
  });

  test('recording: pathspecs of the repository; "recorded" paths count as listed', () => {
    const mono = copyTree(examplePackage().monorepo);
    const sub = join(mono, 'packages', 'example-pkg');
    rmSync(join(sub, 'xtest-pack.json'), { force: true }); // a manifest another test wrote: not this test's subject
    const packageJson = JSON.parse(readFileSync(join(sub, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(sub, 'package.json'), `${JSON.stringify({ ...packageJson, xtestPack: { paths: ['fixtures'], recorded: 'test-data' } }, null, 2)}\n`);
    assertCode(() => testDataSync(['data/unlisted.txt'], at(sub)), 'PATH_NOT_LISTED');

    testDataSync(['data/unlisted.txt'], at(sub, { XTEST_PACK_RECORD: join(sub, 'test-data') }));
    const recorded = JSON.parse(readFileSync(join(sub, 'test-data', 'xtest-pack.json'), 'utf8')) as { pathspecs: string[] };
    assert.deepEqual(recorded.pathspecs, ['packages/example-pkg/data/unlisted.txt']);

    const data = testDataSync(['data/unlisted.txt', 'fixtures/text'], at(sub));
    assert.equal(readFileSync(data.path('data/unlisted.txt'), 'utf8'), 'committed, but not listed in xtestPack.paths\n');
    assertCode(() => testDataSync(['index.js'], at(sub)), 'PATH_NOT_LISTED');
    const r = cli(['manifest', '--json'], { cwd: sub });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { paths: string[] }).paths, ['data/unlisted.txt', 'fixtures']);
  });
});

describe('docs/authors.md, section 2, as written', () => {
  // const data = testDataSync(['fixtures'], { from: import.meta.url });
  // test('parses', { skip: status(import.meta.url).skip }, () => { ... });
  // With XTEST_PACK_MISSING=skip and no test data, the tests are to skip: the first line must
  // not throw (it runs when the test file is loaded, before any test can skip).
  test('testDataSync at the top of a test file does not throw when the tests are to skip', () => {
    const env = { XTEST_PACK_MISSING: 'skip' };
    assert.equal(status(published, { env }).skip, true);
    let data: TestData | undefined;
    assert.doesNotThrow(() => {
      data = testDataSync(['fixtures'], at(published, env));
    });
    // Nothing to read, though: a test that did not skip fails saying why.
    assertCode(() => data!.path('fixtures/text/hello.txt'), 'TESTDATA_UNAVAILABLE', 'XTEST_PACK_OBJECTS');
  });
});

