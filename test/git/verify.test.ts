// xtest-pack verify against git verify-pack: stdout byte for byte with -v, with -s and
// silent, for every fixture; the path printed is the argument as given, so both are run in
// the same directory with the same arguments. Then damaged packs and wrong idx files: git
// and we both fail, with the same stdout; we with exit 1 and one line on stderr.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError, type ErrorCode } from '../../src/errors.js';
import { openFileSource } from '../../src/fs/file-source.js';
import { verifyPack } from '../../src/pack/verify.js';
import { assertOneLineError, xtestPack } from '../support/cli.js';
import { gitRaw } from '../support/git.js';
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

interface Both {
  git: { status: number; stdout: string; stderr: string };
  ours: { status: number; stdout: string; stderr: string };
}

/** git verify-pack and xtest-pack verify with the same options and paths, in `cwd`. */
function runBoth(cwd: string, gitOpts: string[], ourOpts: string[], paths: string[]): Both {
  const g = gitRaw(['verify-pack', ...gitOpts, ...paths], { cwd });
  const o = xtestPack(['verify', ...ourOpts, ...paths], { cwd });
  return {
    git: { status: g.status, stdout: g.stdout.toString('utf8'), stderr: g.stderr },
    ours: { status: o.status, stdout: o.stdout.toString('utf8'), stderr: o.stderr },
  };
}

/** Both succeed, print the same stdout, and we print nothing on stderr. */
function assertSameOk(r: Both): void {
  assert.equal(r.git.status, 0, `git verify-pack failed: ${r.git.stderr}`);
  assert.equal(r.ours.status, 0, `xtest-pack verify failed: ${r.ours.stderr}`);
  assert.equal(r.ours.stderr, '');
  assert.equal(r.ours.stdout, r.git.stdout);
}

/** Both fail with the same stdout; we exit 1 with one line on stderr. */
function assertSameFailure(r: Both): void {
  assert.notEqual(r.git.status, 0, 'git verify-pack accepted it: the test input is wrong');
  assert.equal(r.ours.status, 1, `exit ${r.ours.status}, stderr ${JSON.stringify(r.ours.stderr)}`);
  assertOneLineError(r.ours.stderr);
  assert.equal(r.ours.stdout, r.git.stdout);
}

function gitOpts(f: PackFixture, flags: string[]): string[] {
  return [...flags, ...gitFormatArgs(f)];
}

/** The fixture's pack and git's idx copied into a fresh directory, writable, as `<base>.pack/.idx`. */
function copied(f: PackFixture, base = 'p'): { dir: string; pack: string; idx: string } {
  const dir = scratchDir();
  const paths = copyFixture(f, dir, { base });
  chmodSync(paths.pack, 0o644);
  chmodSync(paths.idx, 0o644);
  return { dir, ...paths };
}

function libraryCode(pack: string, idx: Uint8Array): ErrorCode {
  const src = openFileSource(pack);
  try {
    verifyPack(src, idx, backend);
  } catch (e) {
    assert.ok(e instanceof XtestPackError, `not an XtestPackError: ${String(e)}`);
    return e.code;
  } finally {
    src.close();
  }
  assert.fail('verifyPack accepted it');
}

for (const name of FIXTURES) {
  describe(`verify: ${name}`, () => {
    test('-v: the same object lines, histogram and ok line as git verify-pack -v', () => {
      const f = packFixture(name);
      const c = copied(f, `pack-${name}`);
      const r = runBoth(c.dir, gitOpts(f, ['-v']), ['-v', ...ourFormatArgs(f)], [`pack-${name}.idx`]);
      assertSameOk(r);
      assert.ok(r.ours.stdout.endsWith(`pack-${name}.pack: ok\n`));
    });

    test('-s: the same histogram as git verify-pack -s', () => {
      const f = packFixture(name);
      const c = copied(f);
      const r = runBoth(c.dir, gitOpts(f, ['-s']), ['-s', ...ourFormatArgs(f)], ['p.idx']);
      assertSameOk(r);
      assert.match(r.ours.stdout, /^non delta: \d+ objects?\n/);
    });

    test('no option: silent, exit 0, as git', () => {
      const f = packFixture(name);
      const c = copied(f);
      const r = runBoth(c.dir, gitOpts(f, []), ourFormatArgs(f), ['p.pack']);
      assertSameOk(r);
      assert.equal(r.ours.stdout, '');
    });

    test('library: verifyPack accepts the pack with git’s idx', () => {
      const f = packFixture(name);
      const src = openFileSource(f.pack);
      try {
        const { idx, indexed } = verifyPack(src, readFileSync(f.idx), backend, f.format === 'sha1' ? {} : { format: f.format });
        assert.equal(idx.version, f.idxVersion);
        assert.equal(idx.format, f.format);
        assert.equal(indexed.count, idx.count);
      } finally {
        src.close();
      }
    });
  });
}

describe('verify: arguments as git takes them', () => {
  test('the object format of a SHA-256 idx is inferred without --object-format', () => {
    const f = packFixture('sha256');
    const c = copied(f);
    for (const flags of [['-v'], ['-s'], []]) {
      const r = runBoth(c.dir, gitOpts(f, flags), flags, ['p.idx']);
      assertSameOk(r);
    }
  });

  test('foo.pack, foo.idx, foo, relative and absolute paths all print as git, in one call', () => {
    const f = packFixture('deep-chains');
    const c = copied(f);
    copyFixture(f, join(c.dir, 'sub', 'dir'), { base: 'q' });
    const paths = ['p.pack', 'p.idx', 'p', './p.idx', 'sub/dir/q.idx', 'sub/dir/q', join(c.dir, 'p.idx'), join(c.dir, 'sub/dir/q.pack')];
    const r = runBoth(c.dir, ['-v'], ['-v'], paths);
    assertSameOk(r);
    assert.equal(r.ours.stdout.match(/: ok$/gm)?.length, paths.length);
  });

  test('several packs in one call: their reports in order', () => {
    const deep = packFixture('deep-chains');
    const tags = packFixture('tags');
    const c = copied(deep, 'a');
    copyFixture(tags, c.dir, { base: 'b' });
    for (const flags of [['-v'], ['-s'], []]) {
      assertSameOk(runBoth(c.dir, flags, flags, ['a.idx', 'b.pack', 'a']));
    }
  });

  test('-v and -s together: only the histogram, as git', () => {
    const f = packFixture('tags');
    const c = copied(f);
    assertSameOk(runBoth(c.dir, ['-v', '-s'], ['-v', '-s'], ['p.idx']));
    assertSameOk(runBoth(c.dir, ['-s', '-v'], ['-s', '-v'], ['p.idx']));
  });
});

describe('verify: damaged packs and wrong idx files', () => {
  /** Flip one byte in the middle of the largest entry of the kind asked for. */
  function corruptObject(c: { pack: string }, f: PackFixture, delta: boolean): void {
    const bytes = readFileSync(c.pack);
    const e = gitVerboseEntries(f.idx, f.format)
      .filter((x) => (delta ? x.depth > 0 : x.depth === 0))
      .sort((x, y) => y.packedSize - x.packedSize)[0]!;
    const at = e.offset + Math.floor(e.packedSize / 2);
    bytes[at] = bytes[at]! ^ 0x20;
    writeFileSync(c.pack, bytes);
  }

  for (const delta of [false, true]) {
    test(`one byte changed inside ${delta ? 'a delta' : 'a whole object'}`, () => {
      const f = packFixture('deep-chains');
      const c = copied(f);
      corruptObject(c, f, delta);
      for (const flags of [['-v'], ['-s'], []]) assertSameFailure(runBoth(c.dir, flags, flags, ['p.idx']));
      assert.ok(['PACK_CORRUPT', 'DELTA_CORRUPT', 'CHECKSUM_MISMATCH'].includes(libraryCode(c.pack, readFileSync(c.idx))));
    });
  }

  test('one byte changed inside an object of a SHA-256 pack', () => {
    const f = packFixture('sha256');
    const c = copied(f);
    corruptObject(c, f, false);
    assertSameFailure(runBoth(c.dir, gitOpts(f, ['-v']), ['-v'], ['p.idx']));
  });

  test('the pack trailer changed', () => {
    const f = packFixture('tags');
    const c = copied(f);
    const bytes = readFileSync(c.pack);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    writeFileSync(c.pack, bytes);
    for (const flags of [['-v'], []]) assertSameFailure(runBoth(c.dir, flags, flags, ['p.idx']));
    assert.equal(libraryCode(c.pack, readFileSync(c.idx)), 'CHECKSUM_MISMATCH');
  });

  test("a foreign idx (another pack's) next to a pack: IDX_MISMATCH", () => {
    const f = packFixture('deep-chains');
    const c = copied(f);
    copyFileSync(packFixture('ref-delta').idx, c.idx);
    assert.equal(libraryCode(c.pack, readFileSync(c.idx)), 'IDX_MISMATCH');
    const r = runBoth(c.dir, [], [], ['p.idx']);
    assertSameFailure(r);
    assert.equal(r.ours.stdout, '');
  });

  test('a foreign idx with -v and -s: the same stdout as git', () => {
    const f = packFixture('deep-chains');
    const c = copied(f);
    copyFileSync(packFixture('tags').idx, c.idx);
    for (const flags of [['-v'], ['-s']]) assertSameFailure(runBoth(c.dir, flags, flags, ['p.idx']));
  });

  test("the pack's own idx with one CRC-32 changed (idx checksum re-hashed): IDX_MISMATCH", () => {
    const f = packFixture('deep-chains');
    const c = copied(f);
    const idx = readFileSync(c.idx);
    const n = idx.readUInt32BE(8 + 255 * 4);
    const crcAt = 8 + 1024 + n * 20 + 5 * 4;
    idx[crcAt] = idx[crcAt]! ^ 0x80;
    idx.set(backend.createHash('sha1').update(idx.subarray(0, idx.length - 20)).digest(), idx.length - 20);
    writeFileSync(c.idx, idx);
    assert.equal(libraryCode(c.pack, idx), 'IDX_MISMATCH');
    const r = runBoth(c.dir, [], [], ['p.idx']);
    assertSameFailure(r);
  });

  test('a truncated idx: IDX_CORRUPT', () => {
    const f = packFixture('deep-chains');
    const c = copied(f);
    const idx = readFileSync(c.idx).subarray(0, 2000);
    writeFileSync(c.idx, idx);
    assert.equal(libraryCode(c.pack, idx), 'IDX_CORRUPT');
    for (const flags of [['-v'], []]) assertSameFailure(runBoth(c.dir, flags, flags, ['p.idx']));
  });

  test('a SHA-1 idx and pack verified as SHA-256', () => {
    const f = packFixture('tags');
    const c = copied(f);
    assertSameFailure(runBoth(c.dir, ['-v', '--object-format=sha256'], ['-v', '--object-format', 'sha256'], ['p.idx']));
  });

  test('no pack next to the idx, and neither file', () => {
    const f = packFixture('tags');
    const c = copied(f);
    copyFileSync(c.idx, join(c.dir, 'lonely.idx'));
    for (const path of ['lonely.idx', 'missing.pack']) assertSameFailure(runBoth(c.dir, ['-v'], ['-v'], [path]));
  });

  test('one bad pack among good ones: the others still verified, exit 1', () => {
    const c = copied(packFixture('tags'), 'good');
    const bad = copyFixture(packFixture('deep-chains'), c.dir, { base: 'bad' });
    chmodSync(bad.pack, 0o644);
    const bytes = readFileSync(bad.pack);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    writeFileSync(bad.pack, bytes);
    for (const flags of [['-v'], ['-s'], []]) {
      const r = runBoth(c.dir, flags, flags, ['good.idx', 'bad.idx', 'good.pack']);
      assertSameFailure(r);
      if (flags[0] === '-v') assert.equal(r.ours.stdout.match(/^good\.pack: ok$/gm)?.length, 2);
    }
  });
});
