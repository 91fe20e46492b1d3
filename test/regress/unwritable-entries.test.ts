// Entries a tree can hold but no file system can take: a symlink with an empty target (git:
// "unable to create symlink"), a symlink target holding a NUL byte (C's symlink() would cut it
// short), a name longer than NAME_MAX. checkout must refuse them as it refuses anything else:
// an XtestPackError (not a raw Node error, which the command line reports as an internal
// error) naming the entry, with the output directory as it was — files already renamed into
// place are taken back, a file replaced with --force is restored.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { XtestPackError } from '../../src/errors.js';
import { runCheckout, snapshot } from '../support/checkout-fs.js';
import type { Node } from '../support/checkout-objects.js';
import { hostile } from '../support/checkout-hostile.js';
import { xtestPack } from '../support/cli.js';

const CODES = ['UNSAFE_PATH', 'OBJECT_CORRUPT', 'CHECKOUT_CONFLICT', 'IO'];

/** Check out `nodes` (with --force) and require a refusal naming `path`, the arena untouched. */
function assertUnwritable(nodes: Node[], path: string, cli = true): void {
  const h = hostile(nodes);
  const a = h.arena;
  const before = snapshot(a.root, { times: true });
  let err: unknown;
  try {
    runCheckout({ objects: a.packs, oid: h.commit.hex, out: a.out, force: true });
  } catch (e) {
    err = e;
  }
  assert.deepEqual(snapshot(a.root, { times: true }), before, 'the output directory is as before (times included)');
  assert.ok(err !== undefined, 'refused');
  assert.ok(err instanceof XtestPackError, `an XtestPackError, not ${String(err)}`);
  assert.ok(CODES.includes(err.code), err.code);
  assert.equal(err.path, path);
  if (!cli) return;
  const r = xtestPack(['checkout', '--objects', a.packs, '--out', a.out, '--force', h.commit.hex]);
  assert.equal(r.status, 1);
  assert.doesNotMatch(r.stderr, /internal error/);
  assert.ok(r.stderr.includes(JSON.stringify(path)), r.stderr);
  assert.deepEqual(snapshot(a.root, { times: true }), before);
}

// keep.txt (already in the arena's output directory, different content) is replaced first
// (with --force), a.txt is new: both must be undone when the bad entry fails.
const AROUND: Node[] = [
  { name: 'a.txt', content: 'a\n' },
  { name: 'keep.txt', content: 'replaced\n' },
];

describe('entries no file system can write', () => {
  test('a symlink with an empty target', () => {
    assertUnwritable([...AROUND, { name: 'zz-empty-link', link: '' }], 'zz-empty-link');
  });

  test('a symlink target holding NUL', () => {
    assertUnwritable([...AROUND, { name: 'zz-nul-link', link: 'a\0b' }], 'zz-nul-link', false);
  });

  test('a name of 300 bytes', () => {
    const name = `zz-${'n'.repeat(297)}`;
    assertUnwritable([...AROUND, { name, content: 'long\n' }], name, false);
  });
});
