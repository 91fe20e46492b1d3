// Tree entries named `.`, `..` or nothing at all (git's fsck: hasDot, hasDotdot, emptyName):
// `..` would climb out of the output directory (`../escape.txt` lands next to it), `.` would
// merge a subtree into its parent. checkout refuses them, naming the entry, and writes
// nothing; an empty name makes the tree unreadable (OBJECT_CORRUPT, naming the tree).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expectRefusal } from '../support/checkout-fs.js';
import { assertRefused, hostile } from '../support/checkout-hostile.js';

describe("'.', '..' and empty tree entry names", () => {
  test("'..' as a directory climbs out of the output directory", () => {
    assertRefused([{ name: 'a.txt', content: 'a\n' }, { name: '..', children: [{ name: 'escape.txt', content: 'escaped\n' }] }], ['"..', '../escape.txt']);
  });

  test("'..' twice, to the arena's root, and into the sentinel", () => {
    assertRefused([{ name: '..', children: [{ name: '..', children: [{ name: 'escape.txt', content: 'x' }] }] }], ['"..'], { cli: false });
    assertRefused([{ name: '..', children: [{ name: 'sentinel', children: [{ name: 's.txt', content: 'overwritten\n' }] }] }], ['"..'], { force: true });
  });

  test("'..' deeper: sub/../../escape", () => {
    assertRefused([{ name: 'sub2', children: [{ name: '..', children: [{ name: '..', children: [{ name: 'escape', content: 'x' }] }] }] }], ['sub2/../../escape'], { cli: false });
  });

  test("'..' as a file and as a symlink", () => {
    assertRefused([{ name: '..', content: 'x' }], ['".."'], { cli: false });
    assertRefused([{ name: '..', link: '/' }], ['".."'], { cli: false });
  });

  test("'.' as a directory, a file, a symlink", () => {
    assertRefused([{ name: '.', children: [{ name: 'keep.txt', content: 'replaced\n' }] }], ['"."'], { force: true });
    assertRefused([{ name: '.', content: 'x' }], ['"."'], { cli: false });
    assertRefused([{ name: 'sub', children: [{ name: '.', link: '..' }] }], ['sub/.'], { cli: false });
  });

  test('an empty name: the tree is refused as corrupt, naming it', () => {
    const h = hostile([{ name: 'a.txt', content: 'a\n' }, { name: 'd', children: [{ name: '', content: 'nameless\n' }] }]);
    const inner = h.objects.find((o) => o.type === 'tree' && o.hex !== h.tree.hex)!;
    const e = expectRefusal(h.arena, { objects: h.arena.packs, oid: h.commit.hex }, 'OBJECT_CORRUPT', [inner.hex]);
    assert.match(e.message, /empty/);
  });
});
