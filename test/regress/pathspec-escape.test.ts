// Pathspecs that are absolute or climb out of the tree (`/etc/passwd`, `../x`, `a/../../x`,
// Windows drive and UNC forms): a checkout is asked for paths relative to the tree's root and
// never resolves one against the file system. Refused with UNSAFE_PATH naming the pathspec,
// before anything is read or written; `.`/`./` components are a usage error (exit 2).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { expectError, expectRefusal, runCheckout, snapshot } from '../support/checkout-fs.js';
import { assertFile, hostile } from '../support/checkout-hostile.js';
import { xtestPack } from '../support/cli.js';

const TREE = [
  { name: 'a.txt', content: 'a\n' },
  { name: 'etc', children: [{ name: 'passwd', content: 'not the real one\n' }] },
  { name: 'x', content: 'x\n' },
];

describe('pathspecs that are absolute or climb', () => {
  const SPECS = ['/etc/passwd', '../x', '..', 'a/../../x', 'etc/../../x', '../parent/out/a.txt', 'C:\\x', 'c:x', '\\\\server\\share', '..\\x', 'etc\\..\\..\\x'];
  SPECS.forEach((spec, i) => {
    test(JSON.stringify(spec), () => {
      const h = hostile(TREE);
      expectRefusal(h.arena, { objects: h.arena.packs, oid: h.commit.hex, pathspecs: ['a.txt', spec] }, 'UNSAFE_PATH', [JSON.stringify(spec)], { cli: i % 3 === 0 });
    });
  });

  test('an absolute path into the output directory itself', () => {
    const h = hostile(TREE);
    const spec = join(h.arena.out, 'a.txt');
    expectRefusal(h.arena, { objects: h.arena.packs, oid: h.commit.hex, pathspecs: [spec] }, 'UNSAFE_PATH', [JSON.stringify(spec)]);
  });

  test("'.' components are a usage error (exit 2), nothing written", () => {
    const h = hostile(TREE);
    const before = snapshot(h.arena.root);
    for (const spec of ['.', 'etc/.', 'etc/./passwd']) {
      expectError('USAGE', () => runCheckout({ objects: h.arena.packs, oid: h.commit.hex, out: h.arena.out, pathspecs: [spec] }));
    }
    const r = xtestPack(['checkout', '--objects', h.arena.packs, '--out', h.arena.out, h.commit.hex, 'etc/./passwd']);
    assert.equal(r.status, 2, r.stderr);
    assert.deepEqual(snapshot(h.arena.root), before);
  });

  test('control: relative pathspecs, with ./ and a trailing /, select inside the tree', () => {
    const h = hostile(TREE);
    const r = runCheckout({ objects: h.arena.packs, oid: h.commit.hex, out: h.arena.out, pathspecs: ['./a.txt', 'etc/'] });
    assert.deepEqual(r.files.map((f) => f.path), ['a.txt', 'etc/passwd']);
    assertFile(h.arena.out, 'etc/passwd', 'not the real one\n');
  });
});
