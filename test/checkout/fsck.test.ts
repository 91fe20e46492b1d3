// What `git fsck --strict` reports, checkout refuses before writing anything. Each hostile
// commit, tag or tree is built byte by byte, given to `git fsck --strict` first (git must
// report it with the message id named here: the oracle, in the same test), then checked out:
// refused with that id in the message, the tree's or the entry's path named, and the arena
// (output directory, its siblings, the pack directory) byte for byte as before. Odd objects
// that git writes or accepts (long and UTF-8 names, .gitattributes, every mode git writes,
// commits with encoding, gpgsig and mergetag headers, tags without a tagger) pass git's fsck
// and are checked out.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import type { ObjectFormat } from '../../src/pack/oid.js';
import { arena, expectRefusal, runCheckout } from '../support/checkout-fs.js';
import { gitOrder, makeCommit, makeObject, makeTree, writeHandPack, type HandEntry, type HandObject } from '../support/checkout-objects.js';
import { FSCK_DIVERGENCES, gitFsckStrict, gitKnows } from '../support/fsck-oracle.js';

const enc = new TextEncoder();

interface Built {
  /** Every object, for the pack. */
  readonly objects: HandObject[];
  /** What is checked out: a commit or a tag. */
  readonly top: HandObject;
}

/** A blob and a file entry for it. */
function file(format: ObjectFormat, name: string | Uint8Array, content = `${typeof name === 'string' ? name : 'bytes'}\n`, mode = '100644') {
  const blob = makeObject(format, 'blob', content);
  return { blob, entry: { mode, name, oid: blob.oid } as HandEntry };
}

/**
 * `fixtures/` holding `entries` (exactly as given) beside a plain `README`, and a commit:
 * the hostile tree is one level down, so that its path is named.
 */
function inFixtures(format: ObjectFormat, entries: HandEntry[], blobs: HandObject[]): Built & { inner: HandObject } {
  const inner = makeTree(format, entries);
  const readme = file(format, 'README');
  const root = makeTree(format, [readme.entry, { mode: '40000', name: 'fixtures', oid: inner.oid }]);
  const commit = makeCommit(format, root);
  return { objects: [...blobs, readme.blob, inner, root, commit], top: commit, inner };
}

/** A commit of raw `text` ("<tree>" replaced by a real tree's id) over a one-file tree. */
function rawCommit(format: ObjectFormat, text: string | Uint8Array): Built {
  const f = file(format, 'a.txt');
  const tree = makeTree(format, [f.entry]);
  const bytes = typeof text === 'string' ? enc.encode(text.replace('<tree>', tree.hex)) : text;
  const commit = makeObject(format, 'commit', bytes);
  return { objects: [f.blob, tree, commit], top: commit };
}

/** A tag of raw `text` ("<commit>" replaced by a good commit's id). */
function rawTag(format: ObjectFormat, text: string): Built {
  const f = file(format, 'a.txt');
  const tree = makeTree(format, [f.entry]);
  const commit = makeCommit(format, tree);
  const tag = makeObject(format, 'tag', text.replace('<commit>', commit.hex));
  return { objects: [f.blob, tree, commit, tag], top: tag };
}

/**
 * git fsck --strict must report `flagged` with `id` (or, when `id` is one git names no id for,
 * as unparseable); then the checkout of `built.top` is refused with `code`, naming `id` and
 * every string of `mentions`, and writes nothing.
 */
function refused(format: ObjectFormat, built: Built, flagged: HandObject, id: string, code: string, mentions: string[], options: { cli?: boolean; gitUnparseable?: boolean } = {}): void {
  const report = gitFsckStrict(built.objects, format);
  if (options.gitUnparseable) {
    assert.ok(report.unparseable.has(flagged.hex) || (report.ids.get(flagged.hex) ?? []).length > 0, `git fsck --strict reports ${flagged.hex}:\n${report.text}`);
  } else if (gitKnows(id)) {
    assert.ok((report.ids.get(flagged.hex) ?? []).includes(id), `git fsck --strict reports ${id} for ${flagged.hex}:\n${report.text}`);
  }
  const a = arena('xtest-pack-fsck-');
  writeHandPack(a.packs, built.objects, getBackend(), format);
  const e = expectRefusal(a, { objects: a.packs, oid: built.top.hex }, code, [id, ...mentions], { cli: options.cli ?? false });
  assert.ok(e.message.includes(`${id}:`), `the message names ${id}: ${e.message}`);
}

/** git fsck --strict reports nothing for any of `built.objects`, and the checkout writes them. */
function accepted(format: ObjectFormat, built: Built, files: Record<string, string>): void {
  const report = gitFsckStrict(built.objects, format);
  for (const o of built.objects) assert.deepEqual(report.ids.get(o.hex) ?? [], [], `git fsck --strict on ${o.type} ${o.hex}:\n${report.text}`);
  assert.equal(report.unparseable.size, 0, report.text);
  const a = arena('xtest-pack-fsck-');
  writeHandPack(a.packs, built.objects, getBackend(), format);
  const out = join(a.root, 'o');
  runCheckout({ objects: a.packs, oid: built.top.hex, out });
  for (const [path, content] of Object.entries(files)) assert.equal(readFileSync(join(out, path), 'utf8'), content, path);
}


const NULL_OID = new Uint8Array(20);

describe('trees git fsck --strict reports are refused, naming the id and the path', () => {
  const F: ObjectFormat = 'sha1';

  test('treeNotSorted: "b" before "a"; a directory sorted as a file', () => {
    const a = file(F, 'a');
    const b = file(F, 'b');
    const t = inFixtures(F, [b.entry, a.entry], [a.blob, b.blob]);
    refused(F, t, t.inner, 'treeNotSorted', 'OBJECT_INVALID', ['"fixtures/"', '"a"'], { cli: true });
    const sub = makeTree(F, [a.entry]);
    const ab = file(F, 'a.b');
    // git's order is "a.b" then "a/": the directory sorted as if it were a file "a".
    const d = inFixtures(F, [{ mode: '40000', name: 'a', oid: sub.oid }, ab.entry], [a.blob, ab.blob, sub]);
    refused(F, d, d.inner, 'treeNotSorted', 'OBJECT_INVALID', ['"fixtures/"']);
  });

  test('duplicateEntries: a name twice, adjacent or not ("a", "a.b", "a/"), with different modes', () => {
    const a = file(F, 'a');
    const t = inFixtures(F, [a.entry, a.entry], [a.blob]);
    refused(F, t, t.inner, 'duplicateEntries', 'OBJECT_INVALID', ['"fixtures/"', '"a"']);
    const sub = makeTree(F, [a.entry]);
    const ab = file(F, 'a.b');
    const d = inFixtures(F, [a.entry, ab.entry, { mode: '40000', name: 'a', oid: sub.oid }], [a.blob, ab.blob, sub]);
    refused(F, d, d.inner, 'duplicateEntries', 'OBJECT_INVALID', ['"fixtures/"', '"a"']);
    const link = makeObject(F, 'blob', 'a');
    const l = inFixtures(F, [a.entry, { mode: '120000', name: 'a', oid: link.oid }], [a.blob, link]);
    refused(F, l, l.inner, 'duplicateEntries', 'OBJECT_INVALID', ['"a"']);
  });

  test('badFilemode: modes git does not write (100600, 100664, 140000, 170000, 160755), unless zero-padded first', () => {
    for (const mode of ['100600', '100664', '140000', '170000', '160755', '100000']) {
      const a = file(F, 'a', 'a\n', mode);
      const t = inFixtures(F, [a.entry], [a.blob]);
      refused(F, t, t.inner, 'badFilemode', 'OBJECT_INVALID', ['"fixtures/"', `(${mode})`]);
    }
  });

  test('zeroPaddedFilemode: 040000, 0100644; mode 0 (git: zeroPaddedFilemode and badFilemode)', () => {
    const a = file(F, 'a');
    const sub = makeTree(F, [a.entry]);
    const t = inFixtures(F, [{ mode: '040000', name: 'd', oid: sub.oid }], [a.blob, sub]);
    refused(F, t, t.inner, 'zeroPaddedFilemode', 'OBJECT_INVALID', ['"fixtures/"', '(040000)']);
    const p = file(F, 'p', 'p\n', '0100644');
    const u = inFixtures(F, [p.entry], [p.blob]);
    refused(F, u, u.inner, 'zeroPaddedFilemode', 'OBJECT_INVALID', ['"fixtures/"']);
    const z = file(F, 'z', 'z\n', '0');
    const zt = inFixtures(F, [z.entry], [z.blob]);
    const report = gitFsckStrict(zt.objects, F);
    assert.deepEqual([...(report.ids.get(zt.inner.hex) ?? [])].sort(), ['badFilemode', 'zeroPaddedFilemode'], report.text);
    refused(F, zt, zt.inner, 'badFilemode', 'OBJECT_INVALID', ['zeroPaddedFilemode']);
  });

  test('nullSha1: an entry pointing at the null id (refused before the id is looked up)', () => {
    const t = inFixtures(F, [{ mode: '100644', name: 'n', oid: NULL_OID }], []);
    refused(F, t, t.inner, 'nullSha1', 'OBJECT_INVALID', ['"fixtures/"', '"n"']);
  });

  test("names: hasDot, hasDotdot, hasDotgit (also after a '\\'), fullPathname are UNSAFE_PATH, naming the entry", () => {
    const a = file(F, 'a');
    const sub = makeTree(F, [a.entry]);
    for (const [name, id] of [
      ['.', 'hasDot'],
      ['..', 'hasDotdot'],
      ['.git', 'hasDotgit'],
      ['.GIT.', 'hasDotgit'],
      ['git~1', 'hasDotgit'],
      ['x\\.git', 'hasDotgit'],
    ] as const) {
      const t = inFixtures(F, [{ mode: '40000', name, oid: sub.oid }], [a.blob, sub]);
      refused(F, t, t.inner, id, 'UNSAFE_PATH', [JSON.stringify(`fixtures/${name}`)]);
    }
    const t = inFixtures(F, [{ mode: '100644', name: 'd/e', oid: a.blob.oid }], [a.blob]);
    refused(F, t, t.inner, 'fullPathname', 'UNSAFE_PATH', ['"fixtures/d/e"']);
  });

  test('git\'s own files as symbolic links: gitmodulesSymlink (an error), gitattributesSymlink, gitignoreSymlink, mailmapSymlink (git: warnings)', () => {
    const target = makeObject(F, 'blob', '/etc/passwd');
    for (const [name, id] of [
      ['.gitmodules', 'gitmodulesSymlink'],
      ['GITMOD~1', 'gitmodulesSymlink'],
      ['.gitattributes', 'gitattributesSymlink'],
      ['.gitignore', 'gitignoreSymlink'],
      ['.mailmap', 'mailmapSymlink'],
    ] as const) {
      const t = inFixtures(F, [{ mode: '120000', name, oid: target.oid }], [target]);
      refused(F, t, t.inner, id, 'UNSAFE_PATH', [JSON.stringify(`fixtures/${name}`)]);
    }
  });

  test('largePathname: a name over 4096 bytes (git 2.41+; checked against git when it knows the id)', () => {
    const long = 'n'.repeat(4097);
    const a = file(F, long, 'long\n');
    const t = inFixtures(F, [a.entry], [a.blob]);
    refused(F, t, t.inner, 'largePathname', 'OBJECT_INVALID', ['"fixtures/"']);
  });

  test('badTree: a tree that cannot be parsed (an empty name; a truncated id) is OBJECT_CORRUPT, naming its path', () => {
    const a = file(F, 'a');
    const t = inFixtures(F, [{ mode: '100644', name: '', oid: a.blob.oid }], [a.blob]);
    refused(F, t, t.inner, 'badTree', 'OBJECT_CORRUPT', ['"fixtures/"']);
    const cut = makeObject(F, 'tree', Buffer.concat([Buffer.from('100644 a\0'), Buffer.from(a.blob.oid).subarray(0, 7)]));
    const readme = file(F, 'README');
    const root = makeTree(F, [readme.entry, { mode: '40000', name: 'fixtures', oid: cut.oid }]);
    const commit = makeCommit(F, root);
    refused(F, { objects: [a.blob, readme.blob, cut, root, commit], top: commit }, cut, 'badTree', 'OBJECT_CORRUPT', ['"fixtures/"']);
  });

  test('a tree off the selected paths is not read; a tree on the way is checked whole', () => {
    const a = file(F, 'a');
    const b = file(F, 'b');
    const t = inFixtures(F, [b.entry, a.entry], [a.blob, b.blob]);
    const x = arena('xtest-pack-fsck-');
    writeHandPack(x.packs, t.objects, getBackend(), F);
    // README only: fixtures/ is not on the way.
    const r = runCheckout({ objects: x.packs, oid: t.top.hex, out: join(x.root, 'o'), pathspecs: ['README'] });
    assert.deepEqual(r.files.map((f) => f.path), ['README']);
    // fixtures/b only: the whole of fixtures/ is read, and refused.
    expectRefusal(x, { objects: x.packs, oid: t.top.hex, pathspecs: ['fixtures/b'] }, 'OBJECT_INVALID', ['treeNotSorted', '"fixtures/"'], { cli: false });
  });

  test('known divergence: a mode of seven digits git reads in 16 bits (1100644) is refused as badFilemode', () => {
    for (const d of FSCK_DIVERGENCES) {
      const a = file(F, 'a', 'a\n', d.mode);
      const t = inFixtures(F, [a.entry], [a.blob]);
      assert.deepEqual(gitFsckStrict(t.objects, F).ids.get(t.inner.hex) ?? [], d.git);
      const x = arena('xtest-pack-fsck-');
      writeHandPack(x.packs, t.objects, getBackend(), F);
      expectRefusal(x, { objects: x.packs, oid: t.top.hex }, 'OBJECT_INVALID', [d.ours], { cli: false });
    }
  });

  test('SHA-256: treeNotSorted and hasDotgit', () => {
    const a = file('sha256', 'a');
    const b = file('sha256', 'b');
    const t = inFixtures('sha256', [b.entry, a.entry], [a.blob, b.blob]);
    refused('sha256', t, t.inner, 'treeNotSorted', 'OBJECT_INVALID', ['"fixtures/"']);
    const g = inFixtures('sha256', [{ mode: '100644', name: '.Git', oid: a.blob.oid }], [a.blob]);
    refused('sha256', g, g.inner, 'hasDotgit', 'UNSAFE_PATH', ['"fixtures/.Git"']);
  });
});

const A = 'author A U Thor <a@example.com> 1700000000 +0000\n';
const C = 'committer C O Mitter <c@example.com> 1700000000 +0000\n';
const who = (w: string, ident: string) => `${w} ${ident}\n`;

describe('commits git fsck --strict reports are refused', () => {
  const F: ObjectFormat = 'sha1';
  const CASES: [string, string | Uint8Array, string, boolean?][] = [
    ['no author', `tree <tree>\n${C}\nm\n`, 'missingAuthor'],
    ['two authors', `tree <tree>\n${A}${A}${C}\nm\n`, 'multipleAuthors'],
    ['no committer', `tree <tree>\n${A}\nm\n`, 'missingCommitter'],
    ['a bad tree id', `tree 1234\n${A}${C}\nm\n`, 'badTreeSha1', true],
    ['a bad parent id', `tree <tree>\nparent xyz\n${A}${C}\nm\n`, 'badParentSha1', true],
    ['no email', `tree <tree>\n${who('author', 'A U Thor a@example.com 1700000000 +0000')}${C}\nm\n`, 'missingEmail'],
    ['a date that is not a number', `tree <tree>\n${who('author', 'A <a@example.com> soon +0000')}${C}\nm\n`, 'badDate'],
    ['a zero-padded date', `tree <tree>\n${who('author', 'A <a@example.com> 01700000000 +0000')}${C}\nm\n`, 'zeroPaddedDate'],
    ['a date past 2^63', `tree <tree>\n${who('author', 'A <a@example.com> 99999999999999999999 +0000')}${C}\nm\n`, 'badDateOverflow'],
    ['a bad time zone', `tree <tree>\n${A}${who('committer', 'C <c@example.com> 1700000000 +00x0')}\nm\n`, 'badTimezone'],
    ['a < in the email', `tree <tree>\n${who('author', 'A <a<b@example.com> 1700000000 +0000')}${C}\nm\n`, 'badEmail'],
    ['a NUL in the message', `tree <tree>\n${A}${C}\nm\0x\n`, 'nulInCommit'],
    ['a NUL in a header', `tree <tree>\n${A.slice(0, -1)}\0\n${C}\nm\n`, 'nulInHeader'],
    ['headers without their last LF', `tree <tree>\n${A}${C.slice(0, -1)}`, 'unterminatedHeader'],
    ['a continuation line after the author', `tree <tree>\n${A} more\n${C}\nm\n`, 'missingCommitter'],
    // git cannot parse these at all (and names no id; test/odb/fsck.test.ts checks the ids
    // against loose copies): the id is what its fsck would say.
    ['no tree line', `${A}${C}\nm\n`, 'missingTree', true],
  ];
  for (const [name, text, id, unparseable] of CASES) {
    test(`${id}: ${name}`, () => {
      const b = rawCommit(F, text);
      refused(F, b, b.top, id, 'OBJECT_INVALID', [b.top.hex], { cli: id === 'missingAuthor', ...(unparseable ? { gitUnparseable: true } : {}) });
    });
  }
});

describe('tags git fsck --strict reports are refused when a tag is checked out', () => {
  const F: ObjectFormat = 'sha1';
  const TAGGER = 'tagger T Agger <t@example.com> 1700000000 +0000\n';
  // git cannot parse the first three from a pack (it names no id; test/odb/fsck.test.ts checks
  // the ids with git mktag).
  const CASES: [string, string, string, boolean?][] = [
    ['no type line', `object <commit>\ntag v1\n${TAGGER}\nm\n`, 'missingTypeEntry', true],
    ['a bad type', `object <commit>\ntype commitx\ntag v1\n${TAGGER}\nm\n`, 'badType', true],
    ['no tag line', `object <commit>\ntype commit\n${TAGGER}\nm\n`, 'missingTagEntry', true],
    ['a bad tagger time zone', `object <commit>\ntype commit\ntag v1\ntagger T <t@example.com> 1700000000 +00\n\nm\n`, 'badTimezone'],
    ['a NUL in a header', `object <commit>\ntype commit\ntag v\0\n${TAGGER}\nm\n`, 'nulInHeader'],
  ];
  for (const [name, text, id, unparseable] of CASES) {
    test(`${id}: ${name}`, () => {
      const b = rawTag(F, text);
      refused(F, b, b.top, id, 'OBJECT_INVALID', [b.top.hex], unparseable ? { gitUnparseable: true } : {});
    });
  }

  test('a tag whose type line is not its object\'s type (git: "is a commit, not a blob") is OBJECT_INVALID', () => {
    const b = rawTag(F, `object <commit>\ntype blob\ntag v1\n${TAGGER}\nm\n`);
    const report = gitFsckStrict(b.objects, F);
    // git flags the tagged commit, which it had taken for a blob.
    assert.ok(report.unparseable.size > 0, report.text);
    const a = arena('xtest-pack-fsck-');
    writeHandPack(a.packs, b.objects, getBackend(), F);
    expectRefusal(a, { objects: a.packs, oid: b.top.hex }, 'OBJECT_INVALID', ['type line says blob'], { cli: false });
  });
});

describe('odd objects git writes or accepts are checked out', () => {
  const F: ObjectFormat = 'sha1';

  test('a tree of every mode git writes, .gitattributes and .gitignore, UTF-8 and 255-byte names', () => {
    const long = 'l'.repeat(250) + '.txt';
    const files = [
      file(F, '.gitattributes', '*.bin binary\n'),
      file(F, '.gitignore', 'tmp/\n'),
      file(F, 'caf\u00e9-\u65e5\u672c.txt', 'utf-8\n'),
      file(F, long, 'long\n'),
      file(F, 'run.sh', '#!/bin/sh\n', '100755'),
    ];
    const link = makeObject(F, 'blob', 'run.sh');
    const sub = file(F, 'inner');
    const subTree = makeTree(F, [sub.entry]);
    const gitlink = Buffer.alloc(20, 0xab);
    const entries: HandEntry[] = [
      ...files.map((f) => f.entry),
      { mode: '120000', name: 'link', oid: link.oid },
      { mode: '160000', name: 'module', oid: gitlink },
      { mode: '40000', name: 'sub', oid: subTree.oid },
    ];
    const root = makeTree(F, gitOrder(entries));
    const commit = makeCommit(F, root);
    accepted(F, { objects: [...files.map((f) => f.blob), link, sub.blob, subTree, root, commit], top: commit }, {
      '.gitattributes': '*.bin binary\n',
      'caf\u00e9-\u65e5\u672c.txt': 'utf-8\n',
      [long]: 'long\n',
      'sub/inner': 'inner\n',
    });
  });

  test('commits with an encoding, extra headers, gpgsig and mergetag, blanks before the date, no message, upper-case ids', () => {
    const sig = 'gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n =AbCd\n -----END PGP SIGNATURE-----\n';
    const mergetag = 'mergetag object 0123456789012345678901234567890123456789\n type commit\n tag v1\n tagger T <t@example.com> 1 +0000\n \n msg\n';
    for (const text of [
      `tree <tree>\n${A}${C}encoding ISO-8859-1\n\ncaf\xe9\n`,
      `tree <tree>\n${A}${C}x-custom anything at all\n${mergetag}${sig}\nsigned\n`,
      `tree <tree>\n${who('author', 'A <a@example.com>  \t1700000000 -1200')}${C}\nm\n`,
      `tree <tree>\n${A}${C}`,
      `tree <tree>\n${who('author', 'A <a@example.com> 0 +0000')}${C}\nm\n`,
    ]) {
      const b = rawCommit(F, Buffer.from(text, 'latin1').toString('latin1'));
      accepted(F, b, { 'a.txt': 'a.txt\n' });
    }
    const f = file(F, 'a.txt');
    const tree = makeTree(F, [f.entry]);
    const upper = makeObject(F, 'commit', `tree ${tree.hex.toUpperCase()}\n${A}${C}\nm\n`);
    accepted(F, { objects: [f.blob, tree, upper], top: upper }, { 'a.txt': 'a.txt\n' });
  });

  test('tags: signed, and one without a tagger (git: a warning only, missingTaggerEntry)', () => {
    const signed = rawTag(F, 'object <commit>\ntype commit\ntag v1\ntagger T <t@example.com> 1700000000 +0000\n\nmsg\n-----BEGIN PGP SIGNATURE-----\nx\n-----END PGP SIGNATURE-----\n');
    accepted(F, signed, { 'a.txt': 'a.txt\n' });
    const old = rawTag(F, 'object <commit>\ntype commit\ntag v0.99\n\nold\n');
    const report = gitFsckStrict(old.objects, F);
    assert.deepEqual(report.ids.get(old.top.hex), ['missingTaggerEntry'], report.text);
    assert.ok(!/^error/m.test(report.text.replace(/^error: HEAD.*$/gm, '')), report.text);
    const a = arena('xtest-pack-fsck-');
    writeHandPack(a.packs, old.objects, getBackend(), F);
    const r = runCheckout({ objects: a.packs, oid: old.top.hex, out: join(a.root, 'o') });
    assert.deepEqual(r.files.map((x) => x.path), ['a.txt']);
  });
});
