// Tree entry names holding a directory separator: '/' (git's fsck: fullPathname; a tree entry
// is one path component) and '\' (a separator on Windows; git's verify_path refuses it there).
// checkout refuses both as names, naming the entry, and writes nothing — even where the name
// would land inside the output directory (`a/b`), because a tree that lies about its
// structure is not one git would check out.
import { describe, test } from 'node:test';
import { assertRefused } from '../support/checkout-hostile.js';

describe("'/' and '\\' in tree entry names", () => {
  test("'a/b': a slash inside one entry name", () => {
    assertRefused([{ name: 'a.txt', content: 'a\n' }, { name: 'a/b', content: 'slash\n' }], ['"a/b"']);
  });

  test("'sub/x' next to a real directory sub (the name would merge into it)", () => {
    assertRefused([{ name: 'sub', children: [{ name: 'y', content: 'y\n' }] }, { name: 'sub/x', content: 'x\n' }], ['sub/x'], { cli: false });
  });

  test("'../sentinel/s.txt' and '/abs' as names", () => {
    assertRefused([{ name: '../sentinel/s.txt', content: 'overwritten\n' }], ['../sentinel/s.txt'], { force: true });
    assertRefused([{ name: '/abs', content: 'x' }], ['/abs'], { cli: false });
  });

  test("backslashes: 'a\\b', '..\\escape', '\\', '.git\\config'", () => {
    assertRefused([{ name: 'a\\b', content: 'x' }], [JSON.stringify('a\\b')]);
    assertRefused([{ name: '..\\escape', content: 'x' }], [JSON.stringify('..\\escape')], { cli: false });
    assertRefused([{ name: '\\', content: 'x' }], [JSON.stringify('\\')], { cli: false });
    assertRefused([{ name: 'd', children: [{ name: '.git\\config', content: 'x' }] }], [JSON.stringify('.git\\config')], { cli: false });
  });
});
