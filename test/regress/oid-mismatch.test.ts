// Objects that are not what their id says: a pack (with a consistent idx) that stores other
// bytes under a blob's, a tree's or a commit's id, and a loose object file in the pack
// directory holding another object. Every object on the way is hashed, so checkout refuses
// with OID_MISMATCH naming the object (and the path for a blob), and leaves the output
// directory as it was — also when it had to create it (nothing is left in its parent).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { arena, expectRefusal, runCheckout } from '../support/checkout-fs.js';
import { makeCommit, makeObject, makeTree, writeHandPack, type HandObject } from '../support/checkout-objects.js';
import type { ObjectFormat } from '../../src/pack/oid.js';

const backend = getBackend();

/** a.txt, big.bin, sub/b.txt and sub/lie.txt, whose blob holds bytes other than its id's. */
function lyingPack(format: ObjectFormat, lie: 'blob' | 'tree' | 'commit') {
  const a = makeObject(format, 'blob', 'a\n');
  const big = makeObject(format, 'blob', Buffer.alloc(300_000, 7));
  const b = makeObject(format, 'blob', 'b\n');
  const liar = lie === 'blob' ? makeObject(format, 'blob', 'evil\n', 'honest\n') : makeObject(format, 'blob', 'honest\n');
  const subEntries = [
    { mode: '100644', name: 'b.txt', oid: b.oid },
    { mode: '100755', name: 'lie.txt', oid: liar.oid },
  ];
  let sub = makeTree(format, subEntries);
  if (lie === 'tree') {
    // The same id, another listing: lie.txt pointing at a.txt's blob.
    const other = makeTree(format, [subEntries[0]!, { ...subEntries[1]!, oid: a.oid }]);
    sub = { ...other, oid: sub.oid, hex: sub.hex };
  }
  const root = makeTree(format, [
    { mode: '100644', name: 'a.txt', oid: a.oid },
    { mode: '100644', name: 'big.bin', oid: big.oid },
    { mode: '40000', name: 'sub', oid: sub.oid },
  ]);
  let commit = makeCommit(format, root);
  if (lie === 'commit') {
    const other = makeCommit(format, root, 'another message\n');
    commit = { ...other, oid: commit.oid, hex: commit.hex };
  }
  const objects: HandObject[] = [a, big, b, liar, sub, root, commit];
  return { objects, liar, sub, root, commit };
}

describe('an object whose bytes do not hash to its id', () => {
  for (const format of ['sha1', 'sha256'] as const) {
    test(`${format}: a blob, into a pre-populated output directory`, () => {
      const a = arena();
      const p = lyingPack(format, 'blob');
      writeHandPack(a.packs, p.objects, backend, format);
      const e = expectRefusal(a, { objects: a.packs, oid: p.commit.hex }, 'OID_MISMATCH', [p.liar.hex, 'sub/lie.txt'], { cli: format === 'sha1' });
      assert.equal(e.oid, p.liar.hex);
    });
  }

  test('a blob, into an output directory that does not exist yet (nested): nothing is left behind', () => {
    const a = arena();
    const p = lyingPack('sha1', 'blob');
    writeHandPack(a.packs, p.objects, backend, 'sha1');
    expectRefusal(a, { objects: a.packs, oid: p.commit.hex, out: join(a.parent, 'new', 'deeper', 'out') }, 'OID_MISMATCH', [p.liar.hex]);
    expectRefusal(a, { objects: a.packs, oid: p.commit.hex, out: join(a.parent, 'new-out') }, 'OID_MISMATCH', [p.liar.hex], { cli: false });
  });

  test('a tree and a commit', () => {
    for (const lie of ['tree', 'commit'] as const) {
      const a = arena();
      const p = lyingPack('sha1', lie);
      writeHandPack(a.packs, p.objects, backend, 'sha1');
      const liar = lie === 'tree' ? p.sub : p.commit;
      expectRefusal(a, { objects: a.packs, oid: p.commit.hex }, 'OID_MISMATCH', [liar.hex], { cli: lie === 'tree' });
    }
  });

  test('a loose object file in the pack directory holding another object', () => {
    const a = arena();
    const p = lyingPack('sha1', 'blob');
    // Pack everything but the liar; put the liar loose, as git would store it, under its claimed id.
    writeHandPack(a.packs, p.objects.filter((o) => o !== p.liar), backend, 'sha1');
    mkdirSync(join(a.packs, p.liar.hex.slice(0, 2)));
    writeFileSync(join(a.packs, p.liar.hex.slice(0, 2), p.liar.hex.slice(2)), deflateSync(Buffer.concat([Buffer.from(`blob ${p.liar.bytes.length}\0`), p.liar.bytes])));
    expectRefusal(a, { objects: a.packs, oid: p.commit.hex }, 'OID_MISMATCH', [p.liar.hex]);
  });

  test('control: paths that do not reach the lying object are checked out', () => {
    const a = arena();
    const p = lyingPack('sha1', 'blob');
    writeHandPack(a.packs, p.objects, backend, 'sha1');
    const r = runCheckout({ objects: a.packs, oid: p.commit.hex, out: a.out, pathspecs: ['a.txt', 'sub/b.txt'] });
    assert.deepEqual(r.files.map((f) => f.path), ['a.txt', 'sub/b.txt']);
  });
});
