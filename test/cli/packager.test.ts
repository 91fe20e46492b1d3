// The packager's commands as a new user meets them, on the example package: `status` really
// checks the test data (an empty directory, the directory holding the artifact, nothing there,
// the previous release's artifact with the same data or with other data, a flipped byte, a
// missing idx, a cut or non-gzip archive, damage only --verify finds) and says what is wrong and
// what to do in one line, exit 1, or 77 under XTEST_PACK_MISSING=skip where the data are absent
// but never where they are damaged; `checkout` with no commit follows the package manifest into
// the package; `verify` takes pack directories and artifacts; OS errors are one line naming the
// path; `--backend foo` is a usage error.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { assertCommittedFiles, cli, copyTree, examplePackage, listFiles, packDirectory, packTar, publishedCopy } from '../support/example-package.js';
import { git } from '../support/git.js';
import { gitVerboseEntries, scratchDir } from '../support/repos.js';

const T = { timeout: 120_000 };

let repo = '';
let published = '';
/** The artifact of the package's commit, as a .tar.gz and as a pack directory. */
let tgz = '';
let dir = '';

before(() => {
  ({ repo } = examplePackage());
  published = publishedCopy(repo);
  tgz = packTar(repo);
  dir = packDirectory(repo);
});

function status(objects: string, extra: NodeJS.ProcessEnv = {}, args: string[] = []) {
  return cli(['status', ...args], { cwd: published, env: { XTEST_PACK_OBJECTS: objects, ...extra } });
}

function oneLine(stderr: string): string {
  assert.match(stderr, /^xtest-pack: [^\n]+\n$/, `not one line: ${stderr}`);
  assert.doesNotMatch(stderr, /internal error|    at /);
  return stderr;
}

/** A copy of the pack directory with `change` applied to its files. */
function damagedDir(change: (d: string, pack: string, idx: string) => void): string {
  const d = join(scratchDir('xtest-pack-packager-'), 'data');
  cpSync(dir, d, { recursive: true });
  const pack = readdirSync(d).find((n) => n.endsWith('.pack'))!;
  change(d, join(d, pack), join(d, pack.replace(/\.pack$/, '.idx')));
  return d;
}

/** The pack's trailer and the idx's checksums made right again after a change (a forgery). */
function reseal(pack: string, idx: string): void {
  const p = readFileSync(pack);
  const sum = createHash('sha1').update(p.subarray(0, p.length - 20)).digest();
  sum.copy(p, p.length - 20);
  writeFileSync(pack, p);
  const i = readFileSync(idx);
  sum.copy(i, i.length - 40);
  createHash('sha1').update(i.subarray(0, i.length - 20)).digest().copy(i, i.length - 20);
  writeFileSync(idx, i);
}

describe('xtest-pack status', () => {
  test('the artifact and the pack directory of the commit: pack, exit 0, naming the commit and paths', T, () => {
    for (const objects of [tgz, dir]) {
      const r = status(objects);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^pack: .*commit ${examplePackage().commit} \\(data/table.bin, fixtures\\)\\n$`));
      assert.equal(r.stderr, '');
    }
  });

  test('absent data: exit 1 saying so and naming the artifact; 77 with XTEST_PACK_MISSING=skip', T, () => {
    const empty = scratchDir('xtest-pack-packager-empty-');
    const holding = scratchDir('xtest-pack-packager-holding-');
    copyFileSync(tgz, join(holding, 'example-pkg-1.0.0.xtest-pack.tar.gz'));
    for (const [objects, words] of [
      [empty, 'holds no pack'],
      [holding, 'holds example-pkg-1.0.0.xtest-pack.tar.gz: name that file'],
      [join(empty, 'nothing-here'), 'does not exist'],
    ] as const) {
      const r = status(objects);
      assert.equal(r.status, 1, `${objects}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      const line = oneLine(r.stderr);
      assert.ok(line.includes(words), line);
      assert.ok(line.includes('example-pkg-1.0.0.xtest-pack.tar.gz'), line);
      const s = status(objects, { XTEST_PACK_MISSING: 'skip' });
      assert.equal(s.status, 77, `${objects} skipped: ${s.stdout}${s.stderr}`);
      assert.match(s.stdout, /^skipped: /);
      assert.equal(s.stderr, '', 'autopkgtest fails a test that writes to stderr');
    }
  });

  test('damaged data: exit 1 with one line naming the file and saying to get the artifact again, also under XTEST_PACK_MISSING=skip', T, () => {
    const cut = join(scratchDir('xtest-pack-packager-cut-'), 'cut.tar.gz');
    writeFileSync(cut, readFileSync(tgz).subarray(0, 300));
    const notGzip = join(scratchDir('xtest-pack-packager-txt-'), 'x.tar.gz');
    writeFileSync(notGzip, 'not an archive\n');
    const flipped = damagedDir((_, pack) => {
      const b = readFileSync(pack);
      b[200]! ^= 0x40;
      writeFileSync(pack, b);
    });
    const packName = readdirSync(dir).find((n) => n.endsWith('.pack'))!;
    const idxName = packName.replace(/\.pack$/, '.idx');
    const noIdx = damagedDir((_, __, idx) => rmSync(idx));
    const noPack = damagedDir((_, pack) => rmSync(pack));
    const emptyIdx = damagedDir((_, __, idx) => writeFileSync(idx, ''));
    for (const [objects, words] of [
      [flipped, `${packName}: pack checksum does not match its contents`],
      [noIdx, `${packName} has no idx`],
      [noPack, `${idxName} has no pack`],
      [emptyIdx, idxName],
      [cut, 'gzip data ends early'],
      [notGzip, 'not gzip data'],
    ] as const) {
      for (const env of [{}, { XTEST_PACK_MISSING: 'skip' }]) {
        const r = status(objects, env);
        assert.equal(r.status, 1, `${objects}: ${r.stdout}${r.stderr}`);
        const line = oneLine(r.stderr);
        assert.ok(line.includes(words), `${words}: ${line}`);
        assert.ok(line.includes('get example-pkg-1.0.0.xtest-pack.tar.gz'), line);
      }
    }
  });

  test("the previous release's artifact: accepted with a note when the listed paths have the same ids, refused naming both commits and the path when not", T, () => {
    const work = copyTree(repo);
    const commit1 = git(['rev-parse', 'HEAD'], { cwd: work }).toString().trim();
    const old = packTar(work, 'example-pkg-0.9.0.xtest-pack.tar.gz');
    writeFileSync(join(work, 'README.md'), 'a change outside the test data\n');
    git(['-C', work, 'add', 'README.md']);
    git(['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qm', 'next release']);
    const commit2 = git(['rev-parse', 'HEAD'], { cwd: work }).toString().trim();
    const pub2 = publishedCopy(work);
    const same = cli(['status'], { cwd: pub2, env: { XTEST_PACK_OBJECTS: old } });
    assert.equal(same.status, 0, same.stderr);
    assert.ok(same.stdout.includes(`made from commit ${commit1}`), same.stdout);
    assert.match(same.stderr, new RegExp(`^xtest-pack: note: the test data are of commit ${commit1}, not ${commit2}; [^\\n]*\\n$`));
    // The helper's checkout from it gives the committed files.
    const out = join(scratchDir('xtest-pack-packager-same-'), 'o');
    const co = cli(['checkout', '--objects', old, '--out', out], { cwd: pub2 });
    assert.equal(co.status, 0, co.stderr);
    assertCommittedFiles(out, work, { paths: ['fixtures', 'data/table.bin'] });

    writeFileSync(join(work, 'fixtures', 'text', 'hello.txt'), 'changed\n');
    git(['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qam', 'fixtures changed']);
    const commit3 = git(['rev-parse', 'HEAD'], { cwd: work }).toString().trim();
    const pub3 = publishedCopy(work);
    const other = cli(['status'], { cwd: pub3, env: { XTEST_PACK_OBJECTS: old, XTEST_PACK_MISSING: 'skip' } });
    assert.equal(other.status, 1, other.stdout);
    const line = oneLine(other.stderr);
    for (const w of [commit1, commit3, 'fixtures differs']) assert.ok(line.includes(w), `${w}: ${line}`);
  });

  test('--verify reads every file: a forged pack (checksums made right again) passes the quick check and fails --verify', T, () => {
    // A file's blob, not a tree on the way: only reading the files finds it.
    const hello = git(['rev-parse', 'HEAD:fixtures/text/hello.txt'], { cwd: repo }).toString().trim();
    const forged = damagedDir((_, pack, idx) => {
      const at = gitVerboseEntries(idx, 'sha1').find((e) => e.oid === hello)!.offset;
      const b = readFileSync(pack);
      b[at + 4]! ^= 0x01;
      writeFileSync(pack, b);
      reseal(pack, idx);
    });
    const quick = status(forged);
    assert.equal(quick.status, 0, quick.stderr);
    const full = status(forged, {}, ['--verify']);
    assert.equal(full.status, 1, full.stdout);
    assert.ok(oneLine(full.stderr).includes('get example-pkg-1.0.0.xtest-pack.tar.gz'), full.stderr);
    const good = status(tgz, {}, ['--verify', '--json']);
    assert.equal(good.status, 0, good.stderr);
    const j = JSON.parse(good.stdout) as { mode: string; blobs: number; ids: Record<string, string> };
    assert.equal(j.mode, 'pack');
    assert.ok(j.blobs > 3, String(j.blobs));
    assert.deepEqual(Object.keys(j.ids), ['data/table.bin', 'fixtures']);
  });
});

describe('xtest-pack checkout and verify for packagers', () => {
  test('checkout with no commit: the package manifest\'s paths into the package, from the artifact or the directory', T, () => {
    for (const objects of [tgz, dir]) {
      const pkg = copyTree(published);
      const r = cli(['checkout', '--objects', objects], { cwd: pkg });
      assert.equal(r.status, 0, r.stderr);
      // What the checkout added to the package: exactly the committed files of the listed paths.
      const added = join(scratchDir('xtest-pack-packager-added-'), 'a');
      for (const p of ['fixtures', 'data']) cpSync(join(pkg, p), join(added, p), { recursive: true });
      assertCommittedFiles(added, repo, { paths: ['fixtures', 'data/table.bin'] });
      const again = cli(['checkout', '--objects', objects], { cwd: join(pkg, 'test') });
      assert.equal(again.status, 0, `from a subdirectory: ${again.stderr}`);
    }
  });

  test('verify takes a pack directory and an artifact .tar.gz, and names a damaged one', T, () => {
    for (const objects of [tgz, dir]) {
      const r = cli(['verify', '-v', objects], { cwd: published });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /: ok\n$/);
    }
    const bad = damagedDir((_, pack) => {
      const b = readFileSync(pack);
      b[b.length - 30]! ^= 0x01;
      writeFileSync(pack, b);
    });
    const r = cli(['verify', bad], { cwd: published });
    assert.equal(r.status, 1);
    oneLine(r.stderr);
  });

  test('an OS error is one line naming the path (no "internal error")', T, () => {
    // /sys refuses writes even to root: EPERM or EACCES or EROFS.
    const r = cli(['checkout', '--objects', tgz, '--out', '/sys/kernel/xtest-pack-out'], { cwd: published });
    assert.equal(r.status, 1, r.stderr);
    const line = oneLine(r.stderr);
    assert.match(line, /\/sys\/kernel\/xtest-pack-out: cannot mkdir: [a-z -]+ \((EPERM|EACCES|EROFS)\)/);
    assert.deepEqual(listFiles('/sys/kernel').filter((f) => f.startsWith('xtest-pack')), []);
  });

  test('--backend foo is a usage error (exit 2), before or after the command', () => {
    for (const args of [['--backend', 'foo', 'status'], ['status', '--backend', 'foo']]) {
      const r = cli(args, { cwd: published });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /foo/);
    }
  });
});
