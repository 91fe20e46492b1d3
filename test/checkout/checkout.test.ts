// checkoutSync/checkout and the command line on hand-made packs and exports: existing files
// (a differing file is a conflict unless --force replaces it; an identical one is left alone;
// a second run is a no-op that rewrites nothing), things in the way (a directory where a file
// goes, a file where a directory goes, an output path that is a file), objects missing from the
// pack directory (OBJECT_MISSING naming the path and the id, and that the data were made without it),
// unmatched pathspecs, unknown ids, progress, the promise API, legacy modes, names kept byte
// for byte, and the command line's defaults ($XTEST_PACK_OBJECTS, the current directory),
// --json and exit codes. Every refusal leaves the output directory as it was.
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { checkoutPack } from '../../src/checkout/checkout.js';
import { openIdx } from '../../src/pack/idx/index.js';
import { bytesSource } from '../../src/pack/source.js';
import { arena, expectError, expectRefusal, runCheckout, snapshot } from '../support/checkout-fs.js';
import { makeCommit, makeObject, makeTree, writeHandPack, type Node } from '../support/checkout-objects.js';
import { assertFile, assertSymlink, hostile } from '../support/checkout-hostile.js';
import { checkoutRepos, revParse } from '../support/checkout-repos.js';
import { assertOneLineError, xtestPack } from '../support/cli.js';
import { scratchDir } from '../support/repos.js';

const backend = getBackend();
const umask = process.umask();

const TREE: Node[] = [
  { name: 'keep.txt', content: 'new content\n' },
  { name: 'run.sh', content: '#!/bin/sh\n', exec: true },
  { name: 'dir', children: [{ name: 'f.txt', content: 'f\n' }, { name: 'empty', content: '' }, { name: 'l', link: '../keep.txt' }] },
];

describe('existing files in the output directory', () => {
  test('a file that differs is a conflict, named, with a hint; nothing is written', () => {
    const h = hostile(TREE);
    const e = expectRefusal(h.arena, { objects: h.arena.packs, oid: h.commit.hex }, 'CHECKOUT_CONFLICT', ['"keep.txt"', '--force']);
    assert.equal(e.path, 'keep.txt');
  });

  test('--force replaces it; run.sh (identical, executable) is left alone; then a second run changes nothing', () => {
    const h = hostile(TREE);
    const out = h.arena.out;
    const runBefore = lstatSync(join(out, 'run.sh'), { bigint: true });
    const r = runCheckout({ objects: h.arena.packs, oid: h.commit.hex, out, force: true });
    assert.deepEqual(
      r.files.map((f) => [f.path, f.state]),
      [
        ['dir/empty', 'written'],
        ['dir/f.txt', 'written'],
        ['dir/l', 'written'],
        ['keep.txt', 'written'],
        ['run.sh', 'unchanged'],
      ],
    );
    assertFile(out, 'keep.txt', 'new content\n');
    assertSymlink(out, 'dir/l', '../keep.txt');
    const runAfter = lstatSync(join(out, 'run.sh'), { bigint: true });
    assert.equal(runAfter.ino, runBefore.ino, 'run.sh was not rewritten');
    assert.equal(runAfter.mtimeNs, runBefore.mtimeNs, 'run.sh was not touched');

    const before = snapshot(h.arena.root, { times: true });
    for (const force of [false, true]) {
      const again = runCheckout({ objects: h.arena.packs, oid: h.commit.hex, out, force });
      assert.ok(again.files.every((f) => f.state === 'unchanged'), JSON.stringify(again.files));
      assert.deepEqual(
        again.files.map((f) => f.size),
        [0, 2, 11, 12, 10],
      );
    }
    const cli = xtestPack(['checkout', '--objects', h.arena.packs, '--out', out, '--json', h.commit.hex]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.ok((JSON.parse(cli.stdout.toString()) as { files: { state: string }[] }).files.every((f) => f.state === 'unchanged'));
    assert.deepEqual(snapshot(h.arena.root, { times: true }), before, 'no-op runs changed files or their times');
  });

  test('the same bytes with the wrong executable bit, or a symlink instead of a file: conflicts; --force fixes them', () => {
    const CASES: [string, (out: string) => void][] = [
      ['run.sh', (out) => chmodSync(join(out, 'run.sh'), 0o644)],
      ['keep.txt', (out) => chmodSync(join(out, 'keep.txt'), 0o755)],
      [
        'dir/l',
        (out) => {
          mkdirSync(join(out, 'dir'));
          writeFileSync(join(out, 'dir', 'l'), '../keep.txt');
        },
      ],
    ];
    for (const [path, prepare] of CASES) {
      const a = arena();
      // keep.txt as the tree has it; then one difference.
      writeFileSync(join(a.out, 'keep.txt'), 'new content\n');
      prepare(a.out);
      const h = hostile(TREE, 'sha1', a);
      expectRefusal(a, { objects: a.packs, oid: h.commit.hex }, 'CHECKOUT_CONFLICT', [JSON.stringify(path)], { cli: false });
      const r = runCheckout({ objects: a.packs, oid: h.commit.hex, out: a.out, force: true });
      assert.deepEqual(r.files.filter((f) => f.state === 'written' && !f.path.startsWith('dir/')).map((f) => f.path), path.startsWith('dir/') ? [] : [path]);
      assert.equal(statSync(join(a.out, 'run.sh')).mode & 0o777, 0o777 & ~umask);
      assert.equal(statSync(join(a.out, 'keep.txt')).mode & 0o777, 0o666 & ~umask);
      assertSymlink(a.out, 'dir/l', '../keep.txt');
    }
  });

  test('a directory where a file goes, a file where a directory goes: conflicts even with --force', () => {
    const a = arena();
    mkdirSync(join(a.out, 'keep.txt.d'));
    const h1 = hostile([{ name: 'sub', content: 'a file where out/sub is a directory\n' }], 'sha1', a);
    expectRefusal(a, { objects: a.packs, oid: h1.commit.hex, force: true }, 'CHECKOUT_CONFLICT', ['"sub"']);
    const h2 = hostile([{ name: 'keep.txt', children: [{ name: 'x', content: 'x' }] }], 'sha1', a);
    expectRefusal(a, { objects: a.packs, oid: h2.commit.hex, force: true }, 'CHECKOUT_CONFLICT', ['keep.txt'], { cli: false });
  });

  test('a named pipe where a file goes: a conflict even with --force, and it is never opened (no hang)', () => {
    const a = arena();
    const mk = spawnSync('mkfifo', [join(a.out, 'fifo')]);
    assert.equal(mk.status, 0, String(mk.stderr));
    const h = hostile([{ name: 'fifo', content: 'data\n' }], 'sha1', a);
    expectRefusal(a, { objects: a.packs, oid: h.commit.hex, force: true }, 'CHECKOUT_CONFLICT', ['"fifo"'], { cli: false });
  });

  test('an output path that is a file is refused', () => {
    const a = arena();
    const h = hostile([{ name: 'x', content: 'x' }], 'sha1', a);
    expectRefusal(a, { objects: a.packs, oid: h.commit.hex, out: join(a.out, 'keep.txt') }, 'CHECKOUT_CONFLICT', ['keep.txt']);
  });

  test('an output directory that does not exist is created (with its parents)', () => {
    const a = arena();
    const h = hostile(TREE, 'sha1', a);
    const out = join(a.root, 'new', 'deeper', 'out');
    runCheckout({ objects: a.packs, oid: h.commit.hex, out });
    assertFile(out, 'dir/f.txt', 'f\n');
  });
});

describe('a damaged idx', () => {
  test('an idx entry placing a blob past the end of the pack: IDX_CORRUPT naming the pack and the offset; nothing written', () => {
    const a = arena();
    const h = hostile(TREE, 'sha1', a);
    const idxName = readdirSync(a.packs).find((n) => n.endsWith('.idx'))!;
    const idxPath = join(a.packs, idxName);
    const packName = idxName.replace(/\.idx$/, '.pack');
    const bytes = new Uint8Array(readFileSync(idxPath));
    const idx = openIdx(bytesSource(bytes), backend, { format: 'sha1', verify: true });
    const blob = h.objects.find((o) => o.type === 'blob' && new TextDecoder().decode(o.bytes) === 'new content\n')!;
    const i = idx.find(blob.oid);
    const past = statSync(join(a.packs, packName)).size + 100;
    // Version 2: the 32-bit offsets follow the ids and the CRC-32s. (The idx checksum is left
    // stale: a reader opening an idx does not hash it, as git does not.)
    new DataView(bytes.buffer).setUint32(8 + 1024 + idx.count * 24 + i * 4, past);
    chmodSync(idxPath, 0o644);
    writeFileSync(idxPath, bytes);
    const fresh = { objects: a.packs, oid: h.commit.hex, pathspecs: ['keep.txt', 'dir/f.txt'], out: join(a.parent, 'fresh') };
    const e = expectRefusal(a, fresh, 'IDX_CORRUPT', [packName, `offset ${past}`]);
    assert.equal(e.oid, blob.hex);
    // What the idx places right still checks out.
    runCheckout({ objects: a.packs, oid: h.commit.hex, out: join(a.root, 'other'), pathspecs: ['dir/f.txt'] });
    assertFile(join(a.root, 'other'), 'dir/f.txt', 'f\n');
  });
});

describe('what the pack directory lacks', () => {
  const { sha1 } = checkoutRepos();

  /** An export of dir/a.txt alone (xtest-pack export, in this process). */
  function partialExport(): { packs: string; commit: string } {
    const packs = scratchDir('xtest-pack-co-partial-');
    const r = xtestPack(['export', '--repo', sha1, '--out', packs, 'dir/a.txt']);
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(readFileSync(join(packs, 'xtest-pack.json'), 'utf8')) as { commit: string };
    return { packs, commit: m.commit };
  }

  test('a blob not exported: OBJECT_MISSING naming the path and the id, saying the data were made without it', () => {
    const { packs, commit } = partialExport();
    const a = arena();
    const e = expectRefusal(a, { objects: packs, oid: commit, pathspecs: ['dir/a.txt', 'dir/b.txt'] }, 'OBJECT_MISSING', ['dir/b.txt', 'made without it']);
    assert.equal(e.path, 'dir/b.txt');
    assert.equal(e.oid, revParse(sha1, `${commit}:dir/b.txt`));
    assert.ok(e.message.includes(e.oid!), 'the message names the id');
    // Also into an output directory that does not exist: it is not left behind.
    expectRefusal(a, { objects: packs, oid: commit, pathspecs: ['dir/b.txt'], out: join(a.parent, 'fresh') }, 'OBJECT_MISSING', ['dir/b.txt'], { cli: false });
  });

  test('a tree not exported: OBJECT_MISSING naming the directory', () => {
    const { packs, commit } = partialExport();
    const a = arena();
    const e = expectRefusal(a, { objects: packs, oid: commit, pathspecs: ['bin/run.sh'] }, 'OBJECT_MISSING', ['bin/', 'made without it']);
    assert.equal(e.oid, revParse(sha1, `${commit}:bin`));
  });

  test('a pathspec that matches nothing: PATHSPEC_UNMATCHED naming it', () => {
    const { packs, commit } = partialExport();
    const a = arena();
    expectRefusal(a, { objects: packs, oid: commit, pathspecs: ['dir/a.txt', 'dir/nothing-here'] }, 'PATHSPEC_UNMATCHED', ['dir/nothing-here']);
  });

  test('ids that name nothing, or not a tree: UNKNOWN_REVISION or OBJECT_MISSING, and the wrong type', () => {
    const { packs, commit } = partialExport();
    const a = arena();
    expectRefusal(a, { objects: packs, oid: 'not-an-id' }, 'UNKNOWN_REVISION', ['not-an-id'], { cli: false });
    expectRefusal(a, { objects: packs, oid: 'ffffff' }, 'UNKNOWN_REVISION', ['ffffff'], { cli: false });
    expectRefusal(a, { objects: packs, oid: 'f'.repeat(40) }, 'OBJECT_MISSING', ['f'.repeat(40)], { cli: false });
    // A blob is not a tree: refused (whatever the code), naming it, nothing written.
    const blob = revParse(sha1, `${commit}:dir/a.txt`);
    const before = snapshot(a.root);
    assert.throws(() => runCheckout({ objects: packs, oid: blob, out: a.out }), (e: Error) => e.message.includes(blob));
    assert.deepEqual(snapshot(a.root), before);
  });
});

describe('the library API', () => {
  test('progress counts every file written, and the promise API gives the same result', async () => {
    const h = hostile(TREE);
    const progress: [number, number][] = [];
    const out1 = join(h.arena.root, 'one');
    const r1 = runCheckout({ objects: h.arena.packs, oid: h.commit.hex, out: out1, onProgress: (p) => progress.push([p.done, p.total]) });
    assert.deepEqual(progress, [
      [1, 5],
      [2, 5],
      [3, 5],
      [4, 5],
      [5, 5],
    ]);
    const out2 = join(h.arena.root, 'two');
    const r2 = await checkoutPack({ objects: h.arena.packs, oid: h.commit.hex, out: out2, backend });
    assert.deepEqual(r2, r1);
    assert.deepEqual(snapshot(out2), snapshot(out1));
    await assert.rejects(checkoutPack({ objects: h.arena.packs, oid: h.commit.hex, out: out1, pathspecs: ['/etc'], backend }), { code: 'UNSAFE_PATH' });
  });

  test('progress reaches its total also when some files are already there', () => {
    const h = hostile(TREE);
    const progress: [number, number][] = [];
    // run.sh is identical in the arena's output directory, keep.txt is replaced.
    runCheckout({ objects: h.arena.packs, oid: h.commit.hex, out: h.arena.out, force: true, onProgress: (p) => progress.push([p.done, p.total]) });
    const last = progress[progress.length - 1];
    assert.ok(last, 'progress was reported');
    assert.equal(last[0], last[1], `the last report is ${last[0]}/${last[1]}`);
  });

  test('modes: 100755 executable, 100644 not; legacy 100664 refused (git fsck --strict: badFilemode)', () => {
    const a = arena();
    const blob = makeObject('sha1', 'blob', 'x\n');
    const tree = makeTree('sha1', [
      { mode: '100755', name: 'exec', oid: blob.oid },
      { mode: '100644', name: 'plain', oid: blob.oid },
    ]);
    const commit = makeCommit('sha1', tree);
    writeHandPack(a.packs, [blob, tree, commit], backend, 'sha1');
    const r = runCheckout({ objects: a.packs, oid: commit.hex, out: a.out });
    assert.deepEqual(r.files.map((f) => [f.path, f.mode.toString(8)]), [
      ['exec', '100755'],
      ['plain', '100644'],
    ]);
    assert.equal(statSync(join(a.out, 'plain')).mode & 0o7777, 0o666 & ~umask);
    assert.equal(statSync(join(a.out, 'exec')).mode & 0o7777, 0o777 & ~umask);
    // git has not written 100664 since 2005; its fsck --strict reports it (test/checkout/fsck.test.ts).
    const b = arena();
    const legacy = makeTree('sha1', [{ mode: '100664', name: 'legacy', oid: blob.oid }]);
    const legacyCommit = makeCommit('sha1', legacy);
    writeHandPack(b.packs, [blob, legacy, legacyCommit], backend, 'sha1');
    expectRefusal(b, { objects: b.packs, oid: legacyCommit.hex }, 'OBJECT_INVALID', ['badFilemode', '"legacy"']);
  });

  test('names are kept byte for byte: a leading U+FEFF, latin-1 bytes', () => {
    const latin1 = Buffer.from([0x6c, 0x61, 0x74, 0xe9, 0x2e, 0x74, 0x78, 0x74]);
    const h = hostile([
      { name: '\ufeffbom.txt', content: 'with a BOM\n' },
      { name: 'bom.txt', content: 'without\n' },
      { name: latin1, content: 'latin-1\n' },
    ]);
    const r = runCheckout({ objects: h.arena.packs, oid: h.commit.hex, out: h.arena.out });
    assert.equal(readFileSync(Buffer.concat([Buffer.from(`${h.arena.out}/`), latin1]), 'utf8'), 'latin-1\n');
    assertFile(h.arena.out, '\ufeffbom.txt', 'with a BOM\n');
    // git's order: bytes, so the BOM (EF BB BF) sorts after 'l'.
    assert.deepEqual(r.files.map((f) => f.path).slice(1), ['lat\ufffd.txt', '\ufeffbom.txt'], 'the paths reported are the names');
    assert.equal(r.files[0]!.path, 'bom.txt');
    // A pathspec selects the file it names, not the one whose name only differs by a BOM.
    const one = runCheckout({ objects: h.arena.packs, oid: h.commit.hex, out: join(h.arena.root, 'one'), pathspecs: ['bom.txt'] });
    assert.deepEqual(one.files.map((f) => f.path), ['bom.txt']);
  });
});

describe('the command line', () => {
  test('--objects defaults to $XTEST_PACK_OBJECTS, --out to the current directory; silent without --json', () => {
    const h = hostile(TREE);
    const cwd = join(h.arena.root, 'cwd');
    mkdirSync(cwd);
    const r = xtestPack(['checkout', h.commit.hex, 'dir/'], { cwd, env: { XTEST_PACK_OBJECTS: h.arena.packs } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.length, 0);
    assert.equal(r.stderr, '');
    assert.deepEqual(snapshot(cwd).map((l) => l.split(' ')[0]), ['dir', 'dir/empty', 'dir/f.txt', 'dir/l']);
  });

  test('--json: the tree, each file with a six-digit octal mode, its id, size and state', () => {
    const h = hostile(TREE);
    const r = xtestPack(['checkout', '--objects', h.arena.packs, '--out', join(h.arena.root, 'o'), '--json', h.commit.hex]);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout.toString()) as { tree: string; files: { path: string; mode: string; oid: string; size: number; state: string }[]; skippedGitlinks: string[] };
    assert.equal(j.tree, h.tree.hex);
    assert.deepEqual(j.files.map((f) => `${f.mode} ${f.path} ${f.size} ${f.state}`), [
      '100644 dir/empty 0 written',
      '100644 dir/f.txt 2 written',
      '120000 dir/l 11 written',
      '100644 keep.txt 12 written',
      '100755 run.sh 10 written',
    ]);
    for (const f of j.files) assert.ok(h.objects.some((o) => o.hex === f.oid), f.path);
    assert.deepEqual(j.skippedGitlinks, []);
  });

  test('no pack directory: a usage error (exit 2); a failure: exit 1, one line', () => {
    const h = hostile(TREE);
    const env = { XTEST_PACK_OBJECTS: '' };
    const none = xtestPack(['checkout', '--out', join(h.arena.root, 'o'), h.commit.hex], { env });
    assert.equal(none.status, 2, none.stderr);
    assertOneLineError(none.stderr);
    assert.match(none.stderr, /XTEST_PACK_OBJECTS|--objects/);
    const missingArg = xtestPack(['checkout', '--objects', h.arena.packs]);
    assert.equal(missingArg.status, 2);
    const bad = xtestPack(['checkout', '--objects', h.arena.packs, '--out', h.arena.out, h.commit.hex]);
    assert.equal(bad.status, 1);
    assertOneLineError(bad.stderr);
  });

  test('a manifest that is not one: refused naming it, nothing written; explicit pathspecs do not need it', () => {
    const h = hostile(TREE);
    writeFileSync(join(h.arena.packs, 'xtest-pack.json'), '{"not": "a manifest"}\n');
    expectError('MANIFEST_CORRUPT', () => runCheckout({ objects: h.arena.packs, oid: h.commit.hex, out: join(h.arena.root, 'o') }));
    const r = runCheckout({ objects: h.arena.packs, oid: h.commit.hex, out: join(h.arena.root, 'o'), pathspecs: ['run.sh'] });
    assert.deepEqual(r.files.map((f) => f.path), ['run.sh']);
  });
});
