// Two tree entries that land on one file on a case-insensitive (or normalization-insensitive)
// file system — `README` and `readme`, `é` composed and decomposed — would let the second
// overwrite the first, or (CVE-2021-21300) a symlink `A` redirect the files of a directory `a`.
// checkout refuses them there, naming the entry. The file system under test is probed
// independently of src: on a case-sensitive one (Linux) both entries are distinct files and
// are written. The refusal itself is exercised by emulating a case-insensitive file system:
// node's fs.lstatSync (all checkout uses to look at paths) is wrapped to find names whatever
// their case and normalization, and the ESM bindings are resynchronized
// (module.syncBuiltinESMExports), so checkout's own probe sees a case-insensitive directory.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { existsSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { CheckoutResult } from '../../src/checkout/checkout.js';
import { expectRefusal, runCheckout } from '../support/checkout-fs.js';
import type { Node } from '../support/checkout-objects.js';
import { assertFile, hostile } from '../support/checkout-hostile.js';
import { scratchDir } from '../support/repos.js';

const fold = (s: string) => s.normalize('NFC').toLowerCase();

/** Is `dir`'s file system case-insensitive? (Probed by creating a file.) */
function caseInsensitive(dir: string): boolean {
  writeFileSync(join(dir, 'CaseProbe'), '');
  return existsSync(join(dir, 'caseprobe'));
}

const realLstat = fs.lstatSync;
let emulateUnder: string | undefined;

/**
 * lstat that, below `emulateUnder`, finds a missing name by its case- and normalization-folded
 * form; a name still missing is reported as lstat does (an ENOENT error, or undefined with
 * `throwIfNoEntry: false`).
 */
function foldingLstat(this: unknown, ...args: unknown[]): unknown {
  let missing: unknown;
  try {
    const st: unknown = Reflect.apply(realLstat, fs, args);
    if (st !== undefined) return st;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    missing = e;
  }
  const absent = (): unknown => {
    if (missing !== undefined) throw missing;
    return undefined;
  };
  const p = args[0];
  const path = Buffer.isBuffer(p) ? p.toString('utf8') : String(p);
  if (emulateUnder === undefined || !path.startsWith(emulateUnder)) return absent();
  const parent = dirname(path);
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return absent();
  }
  const hit = names.find((n) => fold(n) === fold(basename(path)));
  if (hit === undefined) return absent();
  return Reflect.apply(realLstat, fs, [join(parent, hit), ...args.slice(1)]);
}

function emulated<T>(root: string, fn: () => T): T {
  emulateUnder = root;
  (fs as { lstatSync: unknown }).lstatSync = foldingLstat;
  syncBuiltinESMExports();
  try {
    return fn();
  } finally {
    (fs as { lstatSync: unknown }).lstatSync = realLstat;
    syncBuiltinESMExports();
    emulateUnder = undefined;
  }
}
after(() => {
  (fs as { lstatSync: unknown }).lstatSync = realLstat;
  syncBuiltinESMExports();
});

const README: Node[] = [
  { name: 'README', content: 'upper\n' },
  { name: 'readme', content: 'lower\n' },
];
const NFC_NFD: Node[] = [
  { name: 'caf\u00e9', content: 'composed\n' },
  { name: 'cafe\u0301', content: 'decomposed\n' },
];

describe('paths that collide on a case-insensitive file system', () => {
  test('on this file system: written when it is case-sensitive, refused when it is not', () => {
    const h = hostile(README);
    if (caseInsensitive(h.arena.parent)) {
      expectRefusal(h.arena, { objects: h.arena.packs, oid: h.commit.hex }, 'UNSAFE_PATH', ['readme']);
    } else {
      // Linux: two files; the collision check must not fire.
      const r: CheckoutResult = runCheckout({ objects: h.arena.packs, oid: h.commit.hex, out: h.arena.out });
      assert.deepEqual(r.files.map((f) => f.path), ['README', 'readme']);
      assertFile(h.arena.out, 'README', 'upper\n');
      assertFile(h.arena.out, 'readme', 'lower\n');
    }
  });

  test('the emulation is faithful: it finds names whatever their case, nowhere else', () => {
    const dir = scratchDir('xtest-pack-fold-');
    writeFileSync(join(dir, 'Mixed'), '');
    emulated(dir, () => {
      assert.ok(fs.lstatSync(join(dir, 'MIXED')).isFile());
      assert.throws(() => fs.lstatSync(join(dir, 'other')), { code: 'ENOENT' });
    });
    assert.throws(() => fs.lstatSync(join(dir, 'MIXED')), { code: 'ENOENT' });
  });

  const CASES: [string, Node[], string][] = [
    ['README and readme', README, 'readme'],
    ['composed and decomposed é', NFC_NFD, 'cafe\u0301'],
    ['dir/File.txt and DIR/file.TXT', [
      { name: 'DIR', children: [{ name: 'file.TXT', content: '1' }] },
      { name: 'dir', children: [{ name: 'File.txt', content: '2' }] },
    ], 'File.txt'],
    ['a symlink A and a directory a (CVE-2021-21300)', [
      { name: 'A', link: '../../elsewhere' },
      { name: 'a', children: [{ name: 'e.txt', content: 'through the link\n' }] },
    ], 'a'],
  ];
  for (const [label, nodes, mention] of CASES) {
    test(`emulated case-insensitive file system: ${label} refused`, () => {
      const h = hostile(nodes);
      emulated(h.arena.root, () => {
        expectRefusal(h.arena, { objects: h.arena.packs, oid: h.commit.hex }, 'UNSAFE_PATH', [mention], { cli: false });
      });
    });
  }

  test('emulated: names that differ otherwise are written', () => {
    const h = hostile([
      { name: 'a.txt', content: 'a\n' },
      { name: 'b.txt', content: 'b\n' },
      { name: 'caf\u00e9s', content: 'c\n' },
    ]);
    emulated(h.arena.root, () => runCheckout({ objects: h.arena.packs, oid: h.commit.hex, out: h.arena.out }));
    assertFile(h.arena.out, 'b.txt', 'b\n');
  });
});
