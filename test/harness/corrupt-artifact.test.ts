// Issue #6, must hold 3: in pack mode, a corrupted or truncated artifact fails clearly (an
// XtestPackError with a one-line message naming the file; the command line prints one line
// and no stack) and leaves nothing that a later run would trust: XTEST_PACK_TMPDIR holds no
// materialization and no staging directory afterwards; once the artifact is repaired, the
// same run succeeds and materializes the committed files. A leftover `.staging-*` directory
// (from a run that was killed) is never used, even one holding a completion marker, and a
// directory in the way of the materialization is refused, not trusted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { isXtestPackError, type ErrorCode } from '../../src/errors.js';
import { testDataSync } from '../../src/harness/helper.js';
import { COMPLETE_MARKER, materializationsDirectory } from '../../src/harness/materialize.js';
import { assertOneLineError } from '../support/cli.js';
import {
  assertCommittedFiles,
  cli,
  examplePackage,
  listFiles,
  npmPacked,
  packDirectory,
  packTar,
  RUNNERS,
  runSuite,
  SUITE_TESTS,
  type NpmPacked,
} from '../support/example-package.js';
import { gitVerboseEntries, scratchDir } from '../support/repos.js';


const T = { timeout: 120_000 };

let pkg: NpmPacked;
/** The good artifact (a pack directory): copied, never changed. */
let good = '';
let packName = '';
let idxName = '';
/** Offsets of objects in the good pack, by path ('' for the commit). */
const offsets = new Map<string, { offset: number; oid: string }>();

before(() => {
  const { repo } = examplePackage();
  pkg = npmPacked(repo);
  good = packDirectory(repo);
  packName = readdirSync(good).find((n) => n.endsWith('.pack'))!;
  idxName = packName.replace(/\.pack$/, '.idx');
  const manifest = JSON.parse(readFileSync(join(good, 'xtest-pack.json'), 'utf8')) as { commit: string; files: { path: string; oid: string }[] };
  const byOid = new Map(gitVerboseEntries(join(good, idxName), 'sha1').map((e) => [e.oid, e]));
  offsets.set('', { offset: byOid.get(manifest.commit)!.offset, oid: manifest.commit });
  for (const f of manifest.files) offsets.set(f.path, { offset: byOid.get(f.oid)!.offset, oid: f.oid });
});

/** A writable copy of the good artifact. */
function copyArtifact(): string {
  const dir = join(scratchDir('xtest-pack-corrupt-'), 'xtest-pack');
  mkdirSync(dir);
  for (const n of readdirSync(good)) {
    copyFileSync(join(good, n), join(dir, n));
    chmodSync(join(dir, n), 0o644);
  }
  return dir;
}

/** Put the good artifact's files back in `dir`. */
function repair(dir: string): void {
  for (const n of readdirSync(dir)) rmSync(join(dir, n));
  for (const n of readdirSync(good)) copyFileSync(join(good, n), join(dir, n));
}

function flip(file: string, offset: number): void {
  const b = readFileSync(file);
  assert.ok(offset < b.length);
  b[offset]! ^= 0x40;
  writeFileSync(file, b);
}

/**
 * Make the pack's trailer and the idx's two checksums right again after a change, as someone
 * forging data would: what is then wrong can only be found by reading the objects.
 */
function reseal(dir: string): void {
  const pack = readFileSync(join(dir, packName));
  const sum = createHash('sha1').update(pack.subarray(0, pack.length - 20)).digest();
  sum.copy(pack, pack.length - 20);
  writeFileSync(join(dir, packName), pack);
  const idx = readFileSync(join(dir, idxName));
  sum.copy(idx, idx.length - 40);
  createHash('sha1').update(idx.subarray(0, idx.length - 20)).digest().copy(idx, idx.length - 20);
  writeFileSync(join(dir, idxName), idx);
}

/** Point the idx entry of `a` at `b`'s object and the other way round (CRCs too). */
function swapIdxEntries(idx: string, a: string, b: string): void {
  const buf = readFileSync(idx);
  const n = buf.readUInt32BE(8 + 255 * 4);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(buf.subarray(1032 + 20 * i, 1052 + 20 * i).toString('hex'));
  const i = ids.indexOf(a);
  const j = ids.indexOf(b);
  assert.ok(i >= 0 && j >= 0);
  for (const table of [1032 + 20 * n, 1032 + 24 * n]) {
    const x = buf.readUInt32BE(table + 4 * i);
    buf.writeUInt32BE(buf.readUInt32BE(table + 4 * j), table + 4 * i);
    buf.writeUInt32BE(x, table + 4 * j);
  }
  writeFileSync(idx, buf);
}

interface Damage {
  readonly name: string;
  readonly damage: (dir: string) => void;
  readonly codes: readonly ErrorCode[];
  /** What the message must name, so that a packager knows what to fix: the file or object. */
  readonly names: (dir: string) => string;
}

const DAMAGES: readonly Damage[] = [
  // The checksums of every pack and idx are checked first: any changed byte is found there,
  // naming the file, before an object is read. (The command line's checkout with a commit
  // named reads the objects, and finds the damage in them: both codes are allowed.)
  {
    name: "a byte flipped in a file's compressed data",
    damage: (d) => flip(join(d, packName), offsets.get('data/table.bin')!.offset + 100),
    codes: ['CHECKSUM_MISMATCH', 'PACK_CORRUPT'],
    names: () => packName,
  },
  {
    name: "a byte flipped in an object's header",
    damage: (d) => flip(join(d, packName), offsets.get('fixtures/text/hello.txt')!.offset),
    codes: ['CHECKSUM_MISMATCH', 'PACK_CORRUPT', 'OBJECT_CORRUPT', 'OID_MISMATCH'],
    names: () => packName,
  },
  {
    name: 'a byte flipped in the commit',
    damage: (d) => flip(join(d, packName), offsets.get('')!.offset + 10),
    codes: ['CHECKSUM_MISMATCH', 'PACK_CORRUPT', 'OID_MISMATCH'],
    names: () => packName,
  },
  {
    name: 'the pack truncated to half',
    damage: (d) => truncateSync(join(d, packName), Math.floor(readFileSync(join(d, packName)).length / 2)),
    codes: ['CHECKSUM_MISMATCH', 'PACK_CORRUPT', 'IDX_MISMATCH'],
    names: () => packName,
  },
  {
    name: 'the pack truncated to nothing',
    damage: (d) => truncateSync(join(d, packName), 0),
    codes: ['CHECKSUM_MISMATCH', 'PACK_CORRUPT'],
    names: () => packName,
  },
  {
    name: 'the pack missing its last byte',
    damage: (d) => truncateSync(join(d, packName), readFileSync(join(d, packName)).length - 1),
    codes: ['CHECKSUM_MISMATCH', 'PACK_CORRUPT', 'IDX_MISMATCH'],
    names: () => packName,
  },
  {
    name: 'the idx truncated',
    damage: (d) => truncateSync(join(d, idxName), readFileSync(join(d, idxName)).length - 8),
    codes: ['IDX_CORRUPT'],
    names: () => idxName,
  },
  // Forged: the checksums made right again, so that only the objects tell.
  {
    name: "a byte flipped in a file's compressed data, the checksums forged",
    damage: (d) => {
      flip(join(d, packName), offsets.get('data/table.bin')!.offset + 100);
      reseal(d);
    },
    codes: ['PACK_CORRUPT'],
    names: () => packName,
  },
  {
    name: 'a byte flipped in the commit, the checksums forged',
    damage: (d) => {
      flip(join(d, packName), offsets.get('')!.offset + 10);
      reseal(d);
    },
    codes: ['PACK_CORRUPT', 'OID_MISMATCH'],
    names: () => packName,
  },
  {
    name: "the idx giving one file's id another file's object, its checksum forged",
    damage: (d) => {
      swapIdxEntries(join(d, idxName), offsets.get('fixtures/text/hello.txt')!.oid, offsets.get('fixtures/text/nested/lines.txt')!.oid);
      reseal(d);
    },
    codes: ['OID_MISMATCH'],
    names: () => offsets.get('fixtures/text/hello.txt')!.oid,
  },
  {
    name: 'the pack file missing',
    damage: (d) => rmSync(join(d, packName)),
    codes: ['PACK_MISSING'],
    names: () => idxName,
  },
  {
    name: 'the idx file missing',
    damage: (d) => rmSync(join(d, idxName)),
    codes: ['IDX_MISSING'],
    names: () => packName,
  },
];

/** The helper in pack mode, from the npm tarball, with `objects` and `tmp`. */
function checkOutListed(objects: string, tmp: string) {
  return testDataSync(['fixtures', 'data/table.bin'], { from: pkg.dir, env: { XTEST_PACK_OBJECTS: objects, XTEST_PACK_TMPDIR: tmp } });
}

/** What XTEST_PACK_TMPDIR holds under xtest-pack/ (nothing when it was not made). */
function materializations(tmp: string): string[] {
  return existsSync(materializationsDirectory(tmp)) ? readdirSync(materializationsDirectory(tmp)).sort() : [];
}

describe('a damaged artifact (pack directory) in pack mode', () => {
  for (const d of DAMAGES) {
    test(`${d.name}: a one-line error, nothing left behind; repaired, the run succeeds`, T, () => {
      const objects = copyArtifact();
      const tmp = scratchDir('xtest-pack-corrupt-tmp-');
      d.damage(objects);

      let error: unknown;
      assert.throws(() => checkOutListed(objects, tmp), (e: unknown) => {
        error = e;
        return true;
      });
      assert.ok(isXtestPackError(error), `not an XtestPackError: ${String(error)}`);
      assert.ok(d.codes.includes(error.code), `code ${error.code}: ${error.message}`);
      assert.doesNotMatch(error.message, /\n/);
      assert.deepEqual(materializations(tmp), [], 'a failed run left something behind');

      // The command line over the same artifact: one line, no stack, nothing written.
      const out = join(scratchDir('xtest-pack-corrupt-out-'), 'out');
      const r = cli(['checkout', '--objects', objects, '--out', out, examplePackage().commit], { cwd: pkg.dir });
      assert.equal(r.status, 1, `checkout exited ${r.status}: ${r.stderr}`);
      assertOneLineError(r.stderr);
      assert.deepEqual(existsSync(out) ? listFiles(out) : [], []);

      repair(objects);
      const data = checkOutListed(objects, tmp);
      assert.equal(data.mode, 'pack');
      assertCommittedFiles(data.root, examplePackage().repo, { except: [COMPLETE_MARKER] });
      assert.equal(materializations(tmp).length, 1);

      const named = d.names(objects);
      assert.ok(error.message.includes(named), `the message does not name ${named}: ${error.message}`);
    });
  }
});

describe('a damaged artifact under the four runners', () => {
  let objects = '';
  let tmp = '';
  before(() => {
    objects = copyArtifact();
    tmp = scratchDir('xtest-pack-corrupt-runners-');
    DAMAGES[0]!.damage(objects);
  });

  for (const runner of RUNNERS) {
    test(`${runner}: fails with the error's one line; nothing left behind`, T, () => {
      const r = runSuite(runner, pkg.dir, { EXAMPLE_EXPECT_MODE: 'pack', XTEST_PACK_OBJECTS: objects, XTEST_PACK_TMPDIR: tmp });
      assert.notEqual(r.status, 0, `${runner} passed with a damaged artifact:\n${r.output}`);
      assert.equal(r.passed, 0);
      // (mocha's JSON report escapes the quotes)
      assert.match(r.output, new RegExp(`${packName}: pack checksum does not match its contents; the test data are damaged or incomplete: get example-pkg-1.0.0.xtest-pack.tar.gz`));
      assert.doesNotMatch(r.output, /    at [^\n]*dist\/src\//, 'a stack of xtest-pack frames in the run');
      assert.deepEqual(materializations(tmp), []);
    });
  }

  for (const runner of RUNNERS) {
    test(`${runner}: repaired, every test passes`, T, () => {
      repair(objects);
      const r = runSuite(runner, pkg.dir, { EXAMPLE_EXPECT_MODE: 'pack', XTEST_PACK_OBJECTS: objects, XTEST_PACK_TMPDIR: tmp });
      assert.equal(r.status, 0, r.output);
      assert.equal(r.passed, SUITE_TESTS[runner]);
      assert.equal(materializations(tmp).length, 1);
    });
  }
});

describe('leftovers in XTEST_PACK_TMPDIR', () => {
  /** The materialization's directory name and marker, from a good run elsewhere. */
  function reference(): { name: string; marker: string } {
    const data = checkOutListed(good, scratchDir('xtest-pack-corrupt-ref-'));
    return { name: data.root.split('/').pop()!, marker: readFileSync(join(data.root, COMPLETE_MARKER), 'utf8') };
  }

  /** A staging directory as a killed run leaves it: tampered files, and even the right marker. */
  function plantStaging(tmp: string, marker: string): string {
    const staging = join(materializationsDirectory(tmp), '.staging-Kill3d');
    mkdirSync(join(staging, 'fixtures', 'text'), { recursive: true });
    writeFileSync(join(staging, 'fixtures', 'text', 'hello.txt'), 'tampered\n');
    writeFileSync(join(staging, COMPLETE_MARKER), marker);
    return staging;
  }

  test('a leftover .staging-* directory is never used, whole marker and all', T, () => {
    const { marker } = reference();
    const tmp = scratchDir('xtest-pack-corrupt-staging-');
    const staging = plantStaging(tmp, marker);

    const data = checkOutListed(good, tmp);
    assert.notEqual(data.root, staging);
    assert.doesNotMatch(data.root, /\.staging-/);
    assertCommittedFiles(data.root, examplePackage().repo, { except: [COMPLETE_MARKER] });
    // Left alone: not renamed into place, not read.
    assert.equal(readFileSync(join(staging, 'fixtures', 'text', 'hello.txt'), 'utf8'), 'tampered\n');
  });

  test('a leftover .staging-* directory does not stand in for a damaged artifact', T, () => {
    const { marker } = reference();
    const tmp = scratchDir('xtest-pack-corrupt-staging-');
    plantStaging(tmp, marker);
    const objects = copyArtifact();
    DAMAGES[0]!.damage(objects);
    assert.throws(() => checkOutListed(objects, tmp), (e: unknown) => isXtestPackError(e, 'CHECKSUM_MISMATCH'));
    assert.deepEqual(materializations(tmp), ['.staging-Kill3d']);
  });

  test('a complete-looking materialization in a directory others can write to is not trusted', T, () => {
    // The default base is the OS temp directory, shared by every user, and the name is
    // predictable (commit and paths): whoever creates xtest-pack/ there first can plant a
    // "complete" materialization (right marker, other bytes; an executable fixture included)
    // for everyone else's runs. Either refuse it or give the committed files.
    const { name, marker } = reference();
    const tmp = scratchDir('xtest-pack-corrupt-planted-');
    const parent = materializationsDirectory(tmp);
    mkdirSync(parent);
    chmodSync(parent, 0o777);
    const planted = join(parent, name);
    mkdirSync(join(planted, 'fixtures', 'bin'), { recursive: true });
    writeFileSync(join(planted, 'fixtures', 'bin', 'tool.sh'), '#!/bin/sh\necho planted\n', { mode: 0o755 });
    writeFileSync(join(planted, COMPLETE_MARKER), marker);

    let data: ReturnType<typeof checkOutListed> | undefined;
    let error: unknown;
    try {
      data = checkOutListed(good, tmp);
    } catch (e) {
      error = e;
    }
    if (data === undefined) {
      assert.ok(isXtestPackError(error) && !error.message.includes('\n'), String(error));
    } else {
      assertCommittedFiles(data.root, examplePackage().repo, { except: [COMPLETE_MARKER] });
    }
  });

  for (const [what, marker] of [
    ['no marker', undefined],
    ['the marker of other paths', '{"commit":"0","directory":"","paths":["other"]}\n'],
  ] as const) {
    test(`a directory in the way of the materialization (${what}) is refused, not trusted`, T, () => {
      const { name } = reference();
      const tmp = scratchDir('xtest-pack-corrupt-in-the-way-');
      const inTheWay = join(materializationsDirectory(tmp), name);
      mkdirSync(join(inTheWay, 'fixtures'), { recursive: true });
      writeFileSync(join(inTheWay, 'fixtures', 'stray.txt'), 'not from the artifact\n');
      if (marker !== undefined) writeFileSync(join(inTheWay, COMPLETE_MARKER), marker);

      assert.throws(
        () => checkOutListed(good, tmp),
        (e: unknown) => isXtestPackError(e, 'IO') && e.file === inTheWay && !e.message.includes('\n'),
      );
      assert.deepEqual(materializations(tmp), [name], 'the staging directory was left behind');
      rmSync(inTheWay, { recursive: true });
      assertCommittedFiles(checkOutListed(good, tmp).root, examplePackage().repo, { except: [COMPLETE_MARKER] });
    });
  }
});

describe('a damaged artifact (.tar.gz) in pack mode', () => {
  let tgz = '';
  before(() => {
    tgz = packTar(examplePackage().repo);
  });

  /** A copy of the good .tar.gz, damaged by `damage`. */
  function damaged(damage: (file: string) => void): string {
    const file = join(scratchDir('xtest-pack-corrupt-tgz-'), 'example-pkg-1.0.0.xtest-pack.tar.gz');
    copyFileSync(tgz, file);
    damage(file);
    return file;
  }

  /** The artifact's layout, its pack damaged inside, archived by the system tar. */
  function repackedWithDamagedPack(): string {
    const dir = join(scratchDir('xtest-pack-corrupt-tgz-'), 'src');
    mkdirSync(dir);
    const objects = copyArtifact();
    DAMAGES[0]!.damage(objects);
    const file = join(dir, '..', 'example-pkg-1.0.0.xtest-pack.tar.gz');
    const r = spawnSync('tar', ['-czf', file, '-C', join(objects, '..'), 'xtest-pack']);
    assert.equal(r.status, 0, r.stderr?.toString());
    return file;
  }

  const CASES: readonly { name: string; make: () => string; codes: readonly ErrorCode[] }[] = [
    { name: 'a byte flipped in the gzip header', make: () => damaged((f) => flip(f, 3)), codes: ['ARCHIVE_CORRUPT'] },
    { name: 'a byte flipped in the compressed data', make: () => damaged((f) => flip(f, Math.floor(readFileSync(f).length / 2))), codes: ['ARCHIVE_CORRUPT'] },
    { name: 'truncated to half', make: () => damaged((f) => truncateSync(f, Math.floor(readFileSync(f).length / 2))), codes: ['ARCHIVE_CORRUPT'] },
    { name: 'truncated to 10 bytes', make: () => damaged((f) => truncateSync(f, 10)), codes: ['ARCHIVE_CORRUPT'] },
    { name: 'the gzip trailer (CRC-32) changed', make: () => damaged((f) => flip(f, readFileSync(f).length - 6)), codes: ['ARCHIVE_CORRUPT'] },
    { name: 'not gzip at all', make: () => damaged((f) => writeFileSync(f, 'not an archive\n')), codes: ['ARCHIVE_CORRUPT'] },
    { name: 'a damaged pack inside a sound archive', make: repackedWithDamagedPack, codes: ['CHECKSUM_MISMATCH'] },
  ];

  for (const c of CASES) {
    test(`${c.name}: a one-line error, nothing left behind; repaired, the run succeeds`, T, () => {
      const file = c.make();
      const tmp = scratchDir('xtest-pack-corrupt-tmp-');
      assert.throws(
        () => checkOutListed(file, tmp),
        (e: unknown) => isXtestPackError(e) && c.codes.includes(e.code) && !e.message.includes('\n'),
      );
      assert.deepEqual(materializations(tmp), []);
      const r = cli(['checkout', '--objects', file, '--out', join(scratchDir('xtest-pack-corrupt-out-'), 'out'), examplePackage().commit], { cwd: pkg.dir });
      assert.equal(r.status, 1);
      assertOneLineError(r.stderr);

      copyFileSync(tgz, file);
      assertCommittedFiles(checkOutListed(file, tmp).root, examplePackage().repo, { except: [COMPLETE_MARKER] });
    });
  }
});
