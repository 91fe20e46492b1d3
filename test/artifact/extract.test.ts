// extractTarEntries: entries written with their bytes, modes (umask applied, no setuid) and
// link targets, through temporary names (none left behind); strip as tar --strip-components;
// and the refusals, each leaving the whole arena (destination, a sibling, a directory
// elsewhere) byte for byte as it was: unsafe paths, entries that strip to nothing or onto one
// path, symlinks whose target leaves the destination (directly, through another link of the
// archive, or through one already there), an existing symlink on the way (never followed),
// and files where directories go or the other way round.
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { extractTarEntries } from '../../src/artifact/extract.js';
import { decodeTarGz, encodeTarGz, type TarEntry } from '../../src/artifact/index.js';
import { XtestPackError } from '../../src/errors.js';
import { arena, snapshot } from '../support/checkout-fs.js';
import { scratchDir } from '../support/repos.js';
import { comparable, readTree } from '../support/tar-tools.js';

const backend = getBackend();
const umask = process.umask();
const enc = new TextEncoder();
const NONE = new Uint8Array(0);

const file = (path: string, content = `${path}\n`, mode = 0o644): TarEntry => ({ path, type: 'file', mode, data: enc.encode(content) });
const dir = (path: string, mode = 0o755): TarEntry => ({ path, type: 'directory', mode, data: NONE });
const link = (path: string, linkTarget: string): TarEntry => ({ path, type: 'symlink', mode: 0o777, data: NONE, linkTarget });

/** Extraction must throw `code` naming `words`, and leave the arena as it was. */
function expectRefused(entries: readonly TarEntry[], code: string, words: readonly string[], options: { strip?: number; prepare?: (out: string, elsewhere: string) => void } = {}): void {
  const a = arena('xtest-pack-extract-');
  options.prepare?.(a.out, a.elsewhere);
  const before = snapshot(a.root);
  let caught: unknown;
  try {
    extractTarEntries(entries, a.out, { strip: options.strip });
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof XtestPackError, `expected ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.ok(!caught.message.includes('\n'), caught.message);
  for (const w of words) assert.ok(caught.message.includes(w), `${JSON.stringify(w)} in: ${caught.message}`);
  assert.deepEqual(snapshot(a.root), before, 'the arena changed');
}

describe('extractTarEntries writes', () => {
  test('files, modes (umask, no setuid/sticky), empty files, directories, inner symlinks; no temporary names left', () => {
    const entries: TarEntry[] = [
      dir('d', 0o750),
      file('d/f.txt'),
      file('d/run.sh', '#!/bin/sh\n', 0o4755),
      file('empty', ''),
      file('deep/a/b/c.txt'), // parents implied
      link('d/l', 'f.txt'),
      link('top', 'deep/a'),
      link('dot', '.'),
      dir('ro', 0o1555),
      file('ro/inside.txt'),
    ];
    const out = join(scratchDir('xtest-pack-extract-'), 'new', 'out'); // created, parents too
    extractTarEntries(entries, out);
    const want = [
      ...entries,
      dir('deep', 0o777),
      dir('deep/a', 0o777),
      dir('deep/a/b', 0o777),
    ].map((e) => (e.type === 'symlink' ? e : { ...e, mode: e.mode & 0o777 & ~umask }));
    assert.deepEqual(comparable(readTree(out)), comparable(want));
  });

  test('a .tar.gz round trip: decode then extract gives the tree that was encoded', () => {
    const src = scratchDir('xtest-pack-extract-src-');
    mkdirSync(join(src, 'a/b'), { recursive: true });
    writeFileSync(join(src, 'a/b/x.bin'), new Uint8Array(70_000).map((_, i) => i * 7));
    writeFileSync(join(src, 'a/y'), 'y');
    symlinkSync('b/x.bin', join(src, 'a/to-x'));
    const tree = readTree(src);
    const out = scratchDir('xtest-pack-extract-out-');
    extractTarEntries(decodeTarGz(encodeTarGz(tree), backend), out);
    assert.deepEqual(comparable(readTree(out)), comparable(tree.map((e) => (e.type === 'symlink' ? e : { ...e, mode: e.mode & ~umask }))));
  });

  test('existing files are replaced, existing directories kept; a second run gives the same tree', () => {
    const a = arena('xtest-pack-extract-');
    extractTarEntries([file('keep.txt', 'replaced\n'), file('sub/new.txt'), dir('sub', 0o700)], a.out);
    assert.equal(readFileSync(join(a.out, 'keep.txt'), 'utf8'), 'replaced\n');
    assert.equal(readFileSync(join(a.out, 'sub/inner.txt'), 'utf8'), 'inner\n');
    assert.equal(lstatSync(join(a.out, 'sub')).mode & 0o777, 0o700 & ~umask);
    const once = snapshot(a.root);
    extractTarEntries([file('keep.txt', 'replaced\n'), file('sub/new.txt'), dir('sub', 0o700)], a.out);
    assert.deepEqual(snapshot(a.root), once);
  });

  test('an existing symlink where a file or symlink goes is replaced, not written through', () => {
    const a = arena('xtest-pack-extract-');
    symlinkSync(join(a.elsewhere, 'e.txt'), join(a.out, 'f'));
    const elsewhere = snapshot(a.elsewhere);
    extractTarEntries([file('f', 'mine\n'), link('link', 'f')], a.out);
    assert.ok(lstatSync(join(a.out, 'f')).isFile());
    assert.equal(readFileSync(join(a.out, 'f'), 'utf8'), 'mine\n');
    assert.equal(readlinkSync(join(a.out, 'link')), 'f');
    assert.deepEqual(snapshot(a.elsewhere), elsewhere, 'the file the old link pointed at is untouched');
  });
});

describe('strip', () => {
  test('strip 1 drops "package/" (its own directory entry skipped); strip 2 goes one deeper', () => {
    const entries = [dir('package'), file('package/index.js'), file('package/lib/a.js'), link('package/lib/l', 'a.js')];
    const one = scratchDir('xtest-pack-strip-');
    extractTarEntries(entries, one, { strip: 1 });
    assert.deepEqual(
      readTree(one).map((e) => [e.path, e.type]),
      [
        ['index.js', 'file'],
        ['lib', 'directory'],
        ['lib/a.js', 'file'],
        ['lib/l', 'symlink'],
      ],
    );
    assert.equal(readFileSync(join(one, 'lib/a.js'), 'utf8'), 'package/lib/a.js\n');
    const two = scratchDir('xtest-pack-strip-');
    extractTarEntries(entries.filter((e) => e.path.startsWith('package/lib')), two, { strip: 2 });
    assert.deepEqual(readTree(two).map((e) => e.path), ['a.js', 'l']);
  });

  test('a file that strips to nothing, two entries that strip onto one path, a bad strip: refused', () => {
    expectRefused([file('package/a'), file('top')], 'UNSAFE_PATH', ['"top"', 'nothing left', '1 components'], { strip: 1 });
    expectRefused([file('x/same'), file('y/same')], 'UNSAFE_PATH', ['"x/same"', '"y/same"', '"same"'], { strip: 1 });
    for (const strip of [-1, 1.5, NaN]) assert.throws(() => extractTarEntries([], scratchDir(), { strip }), RangeError);
    assert.throws(() => extractTarEntries([{ ...file('f'), type: 'fifo' as 'file' }], scratchDir()), TypeError);
  });
});

describe('refusals (nothing written anywhere)', () => {
  test('unsafe entry paths', () => {
    for (const path of ['../x', '/abs', 'a//b', 'a/./b', 'a/..', '', 'a/']) {
      expectRefused([file('fine'), file(path)], 'UNSAFE_PATH', [path === '' ? 'empty' : 'path']);
    }
  });

  test('an entry below a symlink or a file of the entries', () => {
    expectRefused([link('l', 'sub'), file('l/x')], 'UNSAFE_PATH', ['below "l"', 'symlink']);
    expectRefused([file('f'), file('f/x')], 'UNSAFE_PATH', ['below "f"']);
  });

  test('symlinks whose target leaves the destination', () => {
    const cases: [TarEntry[], string][] = [
      [[link('l', '../x')], 'points outside'],
      [[link('d/l', '../../x')], 'points outside'],
      [[link('l', '/etc/passwd')], 'absolute'],
      [[link('l', 'sub/../../x')], 'points outside'],
      [[link('l', 'a\0b')], 'NUL'],
      // Through another link of the archive: lexically inside, physically not.
      [[link('x/u', '..'), link('v', 'x/u/..')], 'passes through the symbolic link "x/u"'],
      [[link('s', '.'), link('v', 's/d/../..')], 'passes through the symbolic link "s"'],
    ];
    for (const [entries, words] of cases) expectRefused([file('fine'), ...entries], 'UNSAFE_PATH', ['symbolic link target', words]);
  });

  test('symlinks through a symlink already in the destination', () => {
    const prepare = (out: string, elsewhere: string) => symlinkSync(elsewhere, join(out, 'e'));
    expectRefused([link('v', 'e/e.txt')], 'UNSAFE_PATH', ['"e"', 'already in the destination'], { prepare });
    expectRefused([link('v', 'e')], 'UNSAFE_PATH', ['already in the destination'], { prepare });
  });

  test('symlinks that stay inside are made, also to other links and through real directories', () => {
    const out = scratchDir('xtest-pack-extract-');
    extractTarEntries([file('sub/f'), link('l', 'sub/f'), link('sub/up', '../l'), link('sub/self', '../sub/./f'), link('l2', 'l'), link('sub/dot', '..')], out);
    assert.equal(readFileSync(join(out, 'sub/up'), 'utf8'), 'sub/f\n');
    assert.equal(readFileSync(join(out, 'l2'), 'utf8'), 'sub/f\n');
    assert.equal(readlinkSync(join(out, 'sub/self')), '../sub/./f');
  });

  test('an existing symlink on the way is not followed (write-through refused), also for a directory entry', () => {
    const prepare = (out: string, elsewhere: string) => symlinkSync(elsewhere, join(out, 'a'));
    expectRefused([file('0-first'), file('a/x')], 'UNSAFE_PATH', ['"a"', 'symbolic link in the destination'], { prepare });
    expectRefused([dir('a')], 'UNSAFE_PATH', ['"a"'], { prepare });
    // The arena's own link to keep.txt, used as a directory.
    expectRefused([file('link/x')], 'UNSAFE_PATH', ['"link"']);
  });

  test('a file where a directory goes, a directory where a file goes', () => {
    expectRefused([file('keep.txt/x')], 'CHECKOUT_CONFLICT', ['"keep.txt"', 'not a directory']);
    expectRefused([file('sub')], 'CHECKOUT_CONFLICT', ['"sub"', 'is a directory']);
    expectRefused([link('sub', 'keep.txt')], 'CHECKOUT_CONFLICT', ['"sub"']);
    expectRefused([dir('run.sh')], 'CHECKOUT_CONFLICT', ['"run.sh"']);
  });

  test('a destination below a file is an IO error naming it', () => {
    const root = scratchDir('xtest-pack-extract-');
    writeFileSync(join(root, 'blocker'), '');
    for (const entries of [[], [file('x')], [dir('d')]]) {
      assert.throws(
        () => extractTarEntries(entries, join(root, 'blocker', 'out')),
        (e: unknown) => e instanceof XtestPackError && e.code === 'IO' && /blocker/.test(e.message) && !e.message.includes('\n'),
      );
    }
    assert.equal(readFileSync(join(root, 'blocker'), 'utf8'), '');
  });
});
