// The fetch layer's name check (src/fetch/tree-names.ts) repeats checkout's (it may not import
// checkout): the two must agree on every name and mode, or fetch would accept a tree checkout
// refuses, or refuse one it writes. The table of path-check.test.ts's kinds of names, then
// random names built from the characters that matter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { unsafeNameReason } from '../../src/checkout/path-check.js';
import { unsafeEntryName } from '../../src/fetch/tree-names.js';

const MODES = [0o100644, 0o100755, 0o120000, 0o040000, 0o160000];
const enc = new TextEncoder();

const NAMES: (string | Uint8Array)[] = [
  '', '.', '..', '...', 'a/b', '/', 'a\\b', 'a\0b', '.git', '.GIT', '.Git', 'git~1', 'GIT~1', '.git.', '.git ', '.git. .', '.git::$INDEX_ALLOCATION',
  '.g\u200cit', '\u200b.git', '.git\ufeff', '\ufeff.git', '.gitmodules', '.GITMODULES', 'GITMOD~1', 'gi7eba~1', '.gitattributes', 'gitatt~1', 'gi7d29~9',
  '.gitignore', 'gitign~1', '.mailmap', 'mailma~1', '.gitmodules.', '.gitmodules ', '.gitmodules:x', '.g\u200citmodules', 'fixtures', 'ünïcödé-名前.txt',
  'with space.txt', 'con', 'aux.txt', 'a:b', 'trailing.', 'trailing ',
  new Uint8Array([0x2e, 0x67, 0x69, 0x74, 0xff]), new Uint8Array([0xff, 0xfe]), new Uint8Array([0x2e, 0x67, 0x69, 0x74, 0x6d, 0x6f, 0x64, 0xc3]),
];

test('the fetch check and checkout\'s give the same answer for every name of the table, in every mode', () => {
  for (const n of NAMES) {
    const bytes = typeof n === 'string' ? enc.encode(n) : n;
    for (const mode of MODES) assert.equal(unsafeEntryName(bytes, mode), unsafeNameReason(bytes, mode), `${JSON.stringify(n)} mode ${mode.toString(8)}`);
  }
});

test('and for random names made of the characters that matter', () => {
  const pieces = ['.', 'g', 'i', 't', 'G', 'I', 'T', '~', '1', '5', 'm', 'o', 'd', 'u', 'l', 'e', 's', ' ', ':', '\\', '/', '\0', '\u200c', '\ufeff', 'a', 'é'];
  const name = fc.oneof(
    fc.array(fc.constantFrom(...pieces), { maxLength: 14 }).map((a) => enc.encode(a.join(''))),
    fc.uint8Array({ maxLength: 16 }),
  );
  fc.assert(
    fc.property(name, fc.constantFrom(...MODES), (bytes, mode) => unsafeEntryName(bytes, mode) === unsafeNameReason(bytes, mode)),
    { numRuns: 5000 },
  );
});
