// Writing through a symbolic link: the classic escape of a checkout (git's CVE-2021-21300
// family and the "symlink then file below it" trees its fsck and has_symlink_leading_path
// guard against). A single tree cannot hold both a symlink `link` and files below `link/`
// except by naming two entries `link` (git fsck: duplicateEntries, OBJECT_INVALID) or a name
// with a '/' (fullPathname, UNSAFE_PATH). A symlink already in the output directory (put there
// by anyone, or by an earlier checkout) on the way to a file: refused, nothing written through
// it, with or without --force. A symlink where a file goes is replaced (with --force), never
// written through.
import assert from 'node:assert/strict';
import { linkSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { arena, expectRefusal, runCheckout, snapshot } from '../support/checkout-fs.js';
import { assertFile, assertRefused, assertSymlink, hostile } from '../support/checkout-hostile.js';

describe('a symlink created by the checkout, then a write through it', () => {
  test("'link' -> '..' then a tree 'link' holding x (git's order)", () => {
    assertRefused([{ name: 'link', link: '..' }, { name: 'link', children: [{ name: 'x', content: 'through\n' }] }], ['"link"', 'duplicateEntries'], { code: 'OBJECT_INVALID' });
  });

  test("the tree 'link' first, then the symlink 'link' -> '..'", () => {
    assertRefused([{ name: 'link', children: [{ name: 'x', content: 'through\n' }] }, { name: 'link', link: '..' }], ['"link"', 'duplicateEntries'], { cli: false, asGiven: true, code: 'OBJECT_INVALID' });
  });

  test('a symlink to an absolute directory elsewhere, and a tree of the same name', () => {
    const a = arena();
    const h = hostile([{ name: 'esc', link: a.elsewhere }, { name: 'esc', children: [{ name: 'e.txt', content: 'overwritten\n' }] }], 'sha1', a);
    expectRefusal(a, { objects: a.packs, oid: h.commit.hex, force: true }, 'OBJECT_INVALID', ['"esc"', 'duplicateEntries']);
    assert.equal(readFileSync(join(a.elsewhere, 'e.txt'), 'utf8'), 'elsewhere\n');
  });

  test("a symlink 'esc' and an entry named 'esc/x' (a name with a slash)", () => {
    assertRefused([{ name: 'esc', link: '../../elsewhere' }, { name: 'esc/x', content: 'through\n' }], ['esc'], { cli: false });
  });

  test('duplicate file names: two blobs, a blob and a symlink', () => {
    assertRefused([{ name: 'a', content: 'first\n' }, { name: 'a', content: 'second\n' }], ['"a"', 'duplicateEntries'], { cli: false, code: 'OBJECT_INVALID' });
    assertRefused([{ name: 'a', content: 'first\n' }, { name: 'a', link: '/etc/passwd' }], ['"a"', 'duplicateEntries'], { cli: false, code: 'OBJECT_INVALID' });
  });

  test('duplicate directory names: two trees d (git fsck: duplicateEntries) are not merged', () => {
    assertRefused([{ name: 'd', children: [{ name: 'f', content: '1' }] }, { name: 'd', children: [{ name: 'g', content: '2' }] }], ['"d', 'duplicateEntries'], { cli: false, code: 'OBJECT_INVALID' });
  });
});

describe('a symlink already in the output directory', () => {
  test('out/dir -> elsewhere, then a checkout of dir/file: refused, with and without --force', () => {
    const a = arena();
    symlinkSync(a.elsewhere, join(a.out, 'dir'));
    const h = hostile([{ name: 'dir', children: [{ name: 'file', content: 'through\n' }, { name: 'e.txt', content: 'overwritten\n' }] }], 'sha1', a);
    expectRefusal(a, { objects: a.packs, oid: h.commit.hex }, 'UNSAFE_PATH', ['dir/', 'symbolic link']);
    expectRefusal(a, { objects: a.packs, oid: h.commit.hex, force: true, pathspecs: ['dir/file'] }, 'UNSAFE_PATH', ['dir/file']);
  });

  test('a relative symlink deeper on the way: out/sub/deep -> ../../../elsewhere', () => {
    const a = arena();
    symlinkSync('../../../elsewhere', join(a.out, 'sub', 'deep'));
    const h = hostile([{ name: 'sub', children: [{ name: 'deep', children: [{ name: 'more', children: [{ name: 'x', content: 'x' }] }] }] }], 'sha1', a);
    expectRefusal(a, { objects: a.packs, oid: h.commit.hex, force: true }, 'UNSAFE_PATH', ['sub/deep']);
  });

  test('a symlink to a directory inside the output directory is refused too (nothing is written through a symlink)', () => {
    const a = arena();
    symlinkSync('sub', join(a.out, 'alias'));
    const h = hostile([{ name: 'alias', children: [{ name: 'new.txt', content: 'x' }] }], 'sha1', a);
    expectRefusal(a, { objects: a.packs, oid: h.commit.hex }, 'UNSAFE_PATH', ['alias'], { cli: false });
  });

  test('two checkouts: the first writes dir -> elsewhere (legitimately), the second a tree with dir/file', () => {
    const a = arena();
    const first = hostile([{ name: 'dir', link: '../../elsewhere' }], 'sha1', a);
    runCheckout({ objects: a.packs, oid: first.commit.hex, out: a.out });
    assertSymlink(a.out, 'dir', '../../elsewhere');
    const second = hostile([{ name: 'dir', children: [{ name: 'e.txt', content: 'overwritten\n' }] }], 'sha1', a);
    expectRefusal(a, { objects: a.packs, oid: second.commit.hex, force: true }, 'UNSAFE_PATH', ['dir/e.txt']);
    assert.equal(readFileSync(join(a.elsewhere, 'e.txt'), 'utf8'), 'elsewhere\n');
  });

  test('a symlink where a file goes: a conflict; --force replaces the link itself, never its target', () => {
    const a = arena();
    symlinkSync('../../elsewhere/e.txt', join(a.out, 'target.txt'));
    const h = hostile([{ name: 'target.txt', content: 'new content\n' }, { name: 'link', content: 'not a link any more\n' }, { name: 'dangling', content: 'was dangling\n' }], 'sha1', a);
    expectRefusal(a, { objects: a.packs, oid: h.commit.hex, pathspecs: ['target.txt'] }, 'CHECKOUT_CONFLICT', ['target.txt']);
    const r = runCheckout({ objects: a.packs, oid: h.commit.hex, out: a.out, force: true });
    assert.deepEqual(r.files.map((f) => f.state), ['written', 'written', 'written']);
    assertFile(a.out, 'target.txt', 'new content\n');
    assertFile(a.out, 'link', 'not a link any more\n');
    assertFile(a.out, 'dangling', 'was dangling\n');
    assert.equal(readFileSync(join(a.elsewhere, 'e.txt'), 'utf8'), 'elsewhere\n');
    assert.equal(readFileSync(join(a.out, 'keep.txt'), 'utf8'), 'already here\n');
    assertTopLevel(a.out, ['dangling', 'keep.txt', 'link', 'run.sh', 'sub', 'target.txt']);
  });
});

describe('a hard link already in the output directory', () => {
  test('out/keep.txt hard-linked to elsewhere/e.txt: --force replaces the name, the other link keeps its bytes', () => {
    const a = arena();
    rmSync(join(a.out, 'keep.txt'));
    linkSync(join(a.elsewhere, 'e.txt'), join(a.out, 'keep.txt'));
    const h = hostile([{ name: 'keep.txt', content: 'replaced\n' }], 'sha1', a);
    expectRefusal(a, { objects: a.packs, oid: h.commit.hex }, 'CHECKOUT_CONFLICT', ['keep.txt'], { cli: false });
    runCheckout({ objects: a.packs, oid: h.commit.hex, out: a.out, force: true });
    assertFile(a.out, 'keep.txt', 'replaced\n');
    assert.equal(readFileSync(join(a.elsewhere, 'e.txt'), 'utf8'), 'elsewhere\n');
  });
});

function assertTopLevel(out: string, names: string[]): void {
  const top = snapshot(out)
    .map((l) => l.split(' ')[0]!)
    .filter((p) => !p.includes('/'));
  assert.deepEqual(top, names);
}
