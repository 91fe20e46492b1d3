// xtest-pack index-pack against git index-pack: on copies of the same pack, the printed
// checksum and the .idx bytes must be identical, idx versions 1 and 2, SHA-1 and SHA-256.
// Also checks that each fixture really has what it is meant to exercise.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import { openFileSource } from '../../src/fs/file-source.js';
import { encodeIdx } from '../../src/pack/idx/index.js';
import { indexPack } from '../../src/pack/index-pack.js';
import { OBJ_OFS_DELTA, OBJ_REF_DELTA, hashLength, toHex } from '../../src/pack/oid.js';
import { assertOneLineError, xtestPack, xtestPackOk } from '../support/cli.js';
import { git, gitRaw } from '../support/git.js';
import {
  FIXTURES,
  copyFixture,
  gitFormatArgs,
  gitVerboseEntries,
  ourFormatArgs,
  packFixture,
  scratchDir,
  type PackFixture,
} from '../support/repos.js';

const backend = getBackend();

/** The type bits of the entry header at `offset` in `pack`. */
function entryType(pack: Uint8Array, offset: number): number {
  return (pack[offset]! >> 4) & 7;
}

function deltaEntries(f: PackFixture) {
  return gitVerboseEntries(f.idx, f.format).filter((e) => e.depth > 0);
}

/** git index-pack on a copy of the fixture's pack; returns the printed line and the idx. */
function gitIndexPack(f: PackFixture, version: 1 | 2): { stdout: string; idx: Buffer } {
  const dir = scratchDir();
  const { pack } = copyFixture(f, dir, { base: 'p', withIdx: false });
  const idx = join(dir, 'p.idx');
  const stdout = git(['index-pack', `--index-version=${version}`, ...gitFormatArgs(f), '-o', idx, pack], {
    cwd: dir,
  }).toString('utf8');
  return { stdout, idx: readFileSync(idx) };
}

describe('fixtures have what they are for', () => {
  test('deep-chains: OFS_DELTA chains longer than 10', () => {
    const f = packFixture('deep-chains');
    const deltas = deltaEntries(f);
    const maxDepth = Math.max(0, ...deltas.map((e) => e.depth));
    assert.ok(maxDepth > 10, `deepest chain ${maxDepth}`);
    const pack = readFileSync(f.pack);
    assert.ok(deltas.every((e) => entryType(pack, e.offset) === OBJ_OFS_DELTA), 'a delta is not an OFS_DELTA');
  });

  test('ref-delta: deltas, every one a REF_DELTA, chains longer than 10', () => {
    const f = packFixture('ref-delta');
    const deltas = deltaEntries(f);
    assert.ok(deltas.length > 50, `only ${deltas.length} deltas`);
    assert.ok(Math.max(...deltas.map((e) => e.depth)) > 10);
    const pack = readFileSync(f.pack);
    for (const e of deltas) assert.equal(entryType(pack, e.offset), OBJ_REF_DELTA, `${e.oid} at ${e.offset}`);
  });

  test('index-v1: git wrote a version 1 idx (no magic) for a pack with deltas', () => {
    const f = packFixture('index-v1');
    const idx = readFileSync(f.idx);
    assert.notEqual(idx.readUInt32BE(0), 0xff744f63);
    assert.ok(deltaEntries(f).length > 0);
  });

  test('sha256: 32-byte ids, deltas, a tag', () => {
    const f = packFixture('sha256');
    const entries = gitVerboseEntries(f.idx, f.format);
    assert.ok(entries.length > 100);
    assert.ok(entries.every((e) => e.oid.length === 64));
    assert.ok(entries.some((e) => e.depth > 10));
    assert.ok(entries.some((e) => e.type === 'tag'));
  });

  test('tags: annotated tags, a tag of a tag, the empty blob and the empty tree', () => {
    const f = packFixture('tags');
    const entries = gitVerboseEntries(f.idx, f.format);
    const tags = entries.filter((e) => e.type === 'tag');
    assert.ok(tags.length >= 5, `${tags.length} tags`);
    const tagOfTag = tags.filter((t) =>
      git(['cat-file', 'tag', t.oid], { cwd: f.repo }).toString('utf8').includes('\ntype tag\n'),
    );
    assert.ok(tagOfTag.length >= 2, 'no tag of a tag (of a tag)');
    assert.ok(entries.some((e) => e.oid === 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391' && e.type === 'blob'));
    assert.ok(entries.some((e) => e.oid === '4b825dc642cb6eb9a060e54bf8d69288fbee4904' && e.type === 'tree'));
  });

  test("self: the objects reachable from the project's refs when it was made", () => {
    const f = packFixture('self');
    // the list self.sh packed (the project's refs may move while the tests run)
    const listed = readFileSync(join(dirname(f.pack), 'objects.txt'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.slice(0, 40));
    const entries = gitVerboseEntries(f.idx, f.format);
    assert.deepEqual(new Set(entries.map((e) => e.oid)), new Set(listed));
    for (const type of ['commit', 'tree', 'blob']) assert.ok(entries.some((e) => e.type === type), `no ${type}`);
  });
});

for (const name of FIXTURES) {
  describe(`index-pack: ${name}`, () => {
    for (const version of [2, 1] as const) {
      test(`CLI --index-version ${version}: same checksum line and idx bytes as git`, () => {
        const f = packFixture(name);
        const expected = gitIndexPack(f, version);
        const dir = scratchDir();
        const { pack } = copyFixture(f, dir, { base: 'p', withIdx: false });
        const stdout = xtestPackOk(['index-pack', '--index-version', String(version), ...ourFormatArgs(f), pack]);
        assert.equal(stdout.toString('utf8'), expected.stdout);
        assert.ok(readFileSync(join(dir, 'p.idx')).equals(expected.idx), 'idx bytes differ from git');
        if (version === f.idxVersion) assert.ok(expected.idx.equals(readFileSync(f.idx)), "git's own idx differs");
      });
    }

    test('CLI -o writes the idx where told, relative to the working directory', () => {
      const f = packFixture(name);
      const expected = gitIndexPack(f, f.idxVersion);
      const dir = scratchDir();
      copyFixture(f, join(dir, 'in'), { base: 'p', withIdx: false });
      const stdout = xtestPackOk(
        ['index-pack', '-o', 'out.idx', '--index-version', String(f.idxVersion), ...ourFormatArgs(f), join('in', 'p.pack')],
        { cwd: dir },
      );
      assert.equal(stdout.toString('utf8'), expected.stdout);
      assert.ok(readFileSync(join(dir, 'out.idx')).equals(expected.idx));
    });

    test("library: indexPack + encodeIdx give git's idx, versions 1 and 2", () => {
      const f = packFixture(name);
      const src = openFileSource(f.pack);
      try {
        const indexed = indexPack(src, backend, { format: f.format });
        const pack = readFileSync(f.pack);
        const h = hashLength(f.format);
        assert.equal(toHex(indexed.packChecksum), pack.subarray(pack.length - h).toString('hex'));
        assert.equal(indexed.count, pack.readUInt32BE(8));
        for (const version of [1, 2] as const) {
          const ours = encodeIdx(indexed, indexed.packChecksum, backend, { version });
          assert.ok(Buffer.from(ours).equals(gitIndexPack(f, version).idx), `idx version ${version} differs`);
        }
      } finally {
        src.close();
      }
    });
  });
}

describe('index-pack: packs git refuses', () => {
  /** A copy of the deep-chains pack, writable. */
  function writableCopy(): { dir: string; pack: string; bytes: Buffer } {
    const dir = scratchDir();
    const { pack } = copyFixture(packFixture('deep-chains'), dir, { base: 'p', withIdx: false });
    chmodSync(pack, 0o644);
    return { dir, pack, bytes: readFileSync(pack) };
  }

  /** Both git index-pack and ours fail on `pack`; ours with exit 1, one line, and no idx. */
  function bothFail(pack: string, dir: string, extra: { git?: string[]; ours?: string[] } = {}): void {
    const g = gitRaw(['index-pack', ...(extra.git ?? []), '-o', join(dir, 'git.idx'), pack], { cwd: dir });
    assert.notEqual(g.status, 0, 'git accepted the pack: the test input is wrong');
    const r = xtestPack(['index-pack', ...(extra.ours ?? []), '-o', join(dir, 'ours.idx'), pack]);
    assert.equal(r.status, 1, `exit ${r.status}: ${r.stderr}`);
    assert.equal(r.stdout.length, 0);
    assertOneLineError(r.stderr);
    assert.throws(() => readFileSync(join(dir, 'ours.idx')), { code: 'ENOENT' });
  }

  /** Re-hash the trailer so that only the damage inside an object is left to find. */
  function fixTrailer(bytes: Buffer): void {
    const h = 20;
    const sum = backend.createHash('sha1').update(bytes.subarray(0, bytes.length - h)).digest();
    bytes.set(sum, bytes.length - h);
  }

  function libraryError(pack: string): XtestPackError {
    const src = openFileSource(pack);
    try {
      indexPack(src, backend);
    } catch (e) {
      assert.ok(e instanceof XtestPackError, `not an XtestPackError: ${String(e)}`);
      return e;
    } finally {
      src.close();
    }
    assert.fail('indexPack accepted the pack');
  }

  for (const kind of ['a whole object', 'a delta'] as const) {
    test(`one byte changed inside ${kind}, trailer re-hashed`, () => {
      const { dir, pack, bytes } = writableCopy();
      const entries = gitVerboseEntries(packFixture('deep-chains').idx, 'sha1');
      const e = entries
        .filter((x) => (kind === 'a delta' ? x.depth > 0 : x.depth === 0))
        .sort((x, y) => y.packedSize - x.packedSize)[0]!;
      const at = e.offset + Math.floor(e.packedSize / 2);
      bytes[at] = bytes[at]! ^ 0x55;
      fixTrailer(bytes);
      writeFileSync(pack, bytes);
      bothFail(pack, dir);
      const err = libraryError(pack);
      assert.ok(['PACK_CORRUPT', 'DELTA_CORRUPT'].includes(err.code), err.code);
    });
  }

  test('one byte changed, trailer left as it was', () => {
    const { dir, pack, bytes } = writableCopy();
    bytes[200] = bytes[200]! ^ 0x01;
    writeFileSync(pack, bytes);
    bothFail(pack, dir);
    libraryError(pack);
  });

  test('truncated in the middle of an object', () => {
    const { dir, pack, bytes } = writableCopy();
    writeFileSync(pack, bytes.subarray(0, Math.floor(bytes.length / 2)));
    bothFail(pack, dir);
    libraryError(pack);
  });

  test('a SHA-1 pack read as SHA-256', () => {
    const { dir, pack } = writableCopy();
    bothFail(pack, dir, { git: ['--object-format=sha256'], ours: ['--object-format', 'sha256'] });
  });

  test('a thin pack (REF_DELTA bases not in the pack): OBJECT_MISSING', () => {
    const f = packFixture('ref-delta');
    const dir = scratchDir();
    const thin = git(['pack-objects', '--revs', '--thin', '--stdout'], { cwd: f.repo, input: 'HEAD\n^HEAD~3\n' });
    const pack = join(dir, 'thin.pack');
    writeFileSync(pack, thin);
    bothFail(pack, dir);
    assert.equal(libraryError(pack).code, 'OBJECT_MISSING');
  });
});
