// Property tests of the object encodings (src/odb/objects): random trees, commits and tags, in
// SHA-1 and SHA-256, serialize to the bytes an independent encoder in this file writes, parse
// back to what was generated and serialize again to the same bytes; and git computes the same
// ids: `git hash-object --stdin -t <type>` (which also checks that git can parse the object) and,
// for trees, `git mktree` fed the entries in any order (which sorts them itself, so the ids
// agree only if compareTreeEntries orders as git does).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import { checkCommit, checkIdent, parseCommit, serializeCommit } from '../../src/odb/objects/commit.js';
import { parseHeaders, serializeHeaders, type Header } from '../../src/odb/objects/headers.js';
import { checkTag, parseTag, serializeTag } from '../../src/odb/objects/tag.js';
import { canonMode, checkTree, compareTreeEntries, parseTree, scanTree, serializeTree, treeProblemNames, type TreeEntry } from '../../src/odb/objects/tree.js';
import { hashLength, objectHeader, toHex, type ObjectFormat, type ObjectType } from '../../src/pack/oid.js';
import { git, tempDir } from '../support/git.js';

const backend = getBackend();
const t = tempDir('xtest-pack-prop-objects-');
after(() => t.cleanup());
const REPO: Record<ObjectFormat, string> = { sha1: join(t.dir, 'sha1'), sha256: join(t.dir, 'sha256') };
git(['init', '-q', '--object-format=sha1', REPO.sha1]);
git(['init', '-q', '--object-format=sha256', REPO.sha256]);

const T = { timeout: 60_000 };
const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
const concat = (...parts: (Uint8Array | string)[]) => Uint8Array.from(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))));

/** Our id of an object: the format's hash over "<type> <size>\0" and the bytes. */
function ourId(type: ObjectType, data: Uint8Array, format: ObjectFormat): string {
  return toHex(backend.createHash(format).update(objectHeader(type, data.length)).update(data).digest());
}

/** git's id of the same bytes, computed in a repository of the format (git checks they parse). */
/**
 * git's id of `data` as an object of `type`. --literally: the id is all this compares, and
 * hash-object's own format check refuses some objects git's parsers and fsck accept (a tag of a
 * tag with neither tagger nor message is a "corrupt tag" to it, fast-check found).
 */
function gitId(type: ObjectType, data: Uint8Array, format: ObjectFormat): string {
  return git(['hash-object', '--literally', '--stdin', '-t', type], { cwd: REPO[format], input: data }).toString('utf8').trim();
}

const oidArb = (format: ObjectFormat) => fc.uint8Array({ minLength: hashLength(format), maxLength: hashLength(format) });
const hexArb = (format: ObjectFormat) => oidArb(format).map(toHex);

/** Byte strings without the bytes in `not`. */
function bytesWithout(not: number[], opts: { minLength?: number; maxLength: number }): fc.Arbitrary<Uint8Array> {
  const byte = fc.oneof(
    fc.integer({ min: 0x20, max: 0x7e }), // mostly printable
    fc.integer({ min: 0, max: 255 }), // any byte, non-UTF-8 included
  );
  return fc
    .array(byte.filter((b) => !not.includes(b)), { minLength: opts.minLength ?? 0, maxLength: opts.maxLength })
    .map((a) => Uint8Array.from(a));
}

// ---- trees ----

const MODES = ['100644', '100755', '120000', '40000', '160000'] as const;

/** Names that sort near each other once a directory's implied '/' counts: a, a.b, a-b, a0, a/... */
const nameArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: bytesWithout([0, 0x2f], { minLength: 1, maxLength: 12 }) },
  { weight: 2, arbitrary: fc.constantFrom('a', 'a.b', 'a-b', 'a0', 'ab', 'a b', 'A', 'é', 'z', '~', 'a.', 'a\x01', 'a\x7f').map(bytes) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', 'x', 'dir'), fc.constantFrom('', '.', '-', '0', '/', '\x2e\x2e', 'b')).map(([x, y]) => bytes(`${x}${y === '/' ? '' : y}`)) },
);

function entryArb(format: ObjectFormat): fc.Arbitrary<TreeEntry> {
  return fc.record({ modeText: fc.constantFrom(...MODES), name: nameArb, oid: oidArb(format) }).map((e) => ({ ...e, mode: parseInt(e.modeText, 8) }));
}

function treeArb(format: ObjectFormat): fc.Arbitrary<TreeEntry[]> {
  return fc.uniqueArray(entryArb(format), { selector: (e) => latin1(e.name), maxLength: 24 }).map((es) => [...es].sort(compareTreeEntries));
}

/** The tree's bytes, written here without src/. */
function encodeTree(entries: readonly TreeEntry[]): Uint8Array {
  return concat(...entries.flatMap((e) => [`${e.modeText} `, e.name, '\0', e.oid]));
}

/** git mktree -z input, the entries in the given order. */
function mktreeInput(entries: readonly TreeEntry[]): Buffer {
  const type = (m: string) => (m === '40000' ? 'tree' : m === '160000' ? 'commit' : 'blob');
  return Buffer.concat(entries.map((e) => Buffer.concat([Buffer.from(`${e.modeText} ${type(e.modeText)} ${toHex(e.oid)}\t`), Buffer.from(e.name), Buffer.of(0)])));
}

function checkTreeProperty(format: ObjectFormat, entries: TreeEntry[], shuffleSeed: number): void {
  const data = serializeTree(entries);
  assert.deepEqual(data, encodeTree(entries), 'serializeTree writes the entries as git lays them out');
  const parsed = parseTree(data, format);
  assert.equal(parsed.length, entries.length);
  parsed.forEach((p, i) => {
    const e = entries[i]!;
    assert.equal(p.modeText, e.modeText);
    assert.equal(p.mode, canonMode(e.mode));
    assert.deepEqual(Uint8Array.from(p.name), e.name);
    assert.deepEqual(Uint8Array.from(p.oid), e.oid);
  });
  assert.deepEqual(serializeTree(parsed), data, 'parse then serialize gives back the bytes');
  const problems = checkTree(parsed);
  assert.ok(!problems.includes('treeNotSorted') && !problems.includes('duplicateEntries'), `sorted, unique entries: ${problems.join(', ')}`);
  const id = ourId('tree', data, format);
  assert.equal(gitId('tree', data, format), id, 'git hash-object -t tree');
  // mktree sorts what it is given: feed it the entries shuffled.
  const shuffled = entries.map((e, i) => ({ e, k: (i * 7919 + shuffleSeed) % 1009 })).sort((a, b) => a.k - b.k).map((x) => x.e);
  const mk = git(['mktree', '-z', '--missing'], { cwd: REPO[format], input: mktreeInput(shuffled) }).toString('utf8').trim();
  assert.equal(mk, id, 'git mktree');
}

describe('trees', () => {
  for (const [format, numRuns] of [
    ['sha1', 70],
    ['sha256', 30],
  ] as const) {
    test(`random ${format} trees: bytes, round trip, git hash-object and git mktree agree`, T, () => {
      fc.assert(
        fc.property(treeArb(format), fc.nat(1000), (entries, seed) => checkTreeProperty(format, entries, seed)),
        { numRuns },
      );
    });
  }

  test('any mode text and any name bytes but NUL round-trip through parseTree and serializeTree', T, () => {
    const odd = fc.record({
      modeText: fc.oneof(fc.constantFrom('100644', '0100644', '040000', '100664', '644', '1'), fc.stringMatching(/^[0-7]{1,7}$/)),
      name: bytesWithout([0], { minLength: 1, maxLength: 10 }),
      oid: oidArb('sha1'),
    });
    fc.assert(
      fc.property(fc.array(odd, { maxLength: 10 }), (raw) => {
        const entries = raw.map((e) => ({ ...e, mode: parseInt(e.modeText, 8) }));
        const data = encodeTree(entries);
        const parsed = parseTree(data, 'sha1');
        assert.deepEqual(parsed.map((e) => [e.modeText, latin1(e.name), toHex(e.oid), e.mode]), entries.map((e) => [e.modeText, latin1(e.name), toHex(e.oid), canonMode(e.mode)]));
        assert.deepEqual(serializeTree(parsed), data);
      }),
      { numRuns: 300 },
    );
  });

  test('hostile trees: the fsck bits scanTree gathers in its one pass are what checkTree says of the entries', T, () => {
    const enc = new TextEncoder();
    const name = fc.oneof(
      fc.constantFrom('a', 'a.b', 'a0', 'b', '.', '..', '.git', '.GIT.', 'git~1', 'x\\.git', 'a/b', '.gitmodules', 'GITMOD~1', '.gitattributes', '.mailmap', '.gitignore', '.g\u200cit', '\u200c.git', '.\u200egit', 'GIT~1', 'Git~1. ', 'gitx~1', '.gIt', '.gitx', 'caf\u00e9').map((x) => enc.encode(x)),
      bytesWithout([0], { minLength: 1, maxLength: 6 }),
      fc.constant(enc.encode('n'.repeat(4097))),
    );
    const entry = fc.record({
      modeText: fc.constantFrom('100644', '100755', '120000', '40000', '160000', '100664', '040000', '0', '100600', '140000'),
      name,
      oid: fc.oneof(oidArb('sha1'), fc.constant(new Uint8Array(20))),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), fc.boolean(), (raw, sort) => {
        const entries = raw.map((e) => ({ ...e, mode: canonMode(parseInt(e.modeText, 8)) }));
        if (sort) entries.sort(compareTreeEntries);
        const data = serializeTree(entries);
        const bits = scanTree(data, 'sha1', undefined, () => {});
        assert.deepEqual(treeProblemNames(bits), checkTree(parseTree(data, 'sha1')));
      }),
      { numRuns: 500 },
    );
  });

  test('damaged trees: parseTree gives what a byte-by-byte reader gives, or OBJECT_CORRUPT at the byte where it stops', T, () => {
    /** The reference: tree-walk.c's decode_tree_entry, one byte at a time. */
    const reference = (data: Uint8Array, h: number): { entries: [string, string, string][] } | { error: string } => {
      const entries: [string, string, string][] = [];
      let p = 0;
      while (p < data.length) {
        const modeStart = p;
        while (p < data.length && data[p] !== 0x20) {
          if (data[p]! < 0x30 || data[p]! > 0x37) return { error: `malformed mode at byte ${p}` };
          p++;
        }
        if (p >= data.length) return { error: `truncated mode at byte ${p}` };
        if (p === modeStart || p - modeStart > 7) return { error: `malformed mode at byte ${p}` };
        const nameStart = ++p;
        while (p < data.length && data[p] !== 0) p++;
        if (p >= data.length) return { error: `truncated name at byte ${p}` };
        if (p === nameStart) return { error: `empty filename at byte ${p}` };
        const name = latin1(data.subarray(nameStart, p));
        p++;
        if (data.length - p < h) return { error: `truncated object id at byte ${p}` };
        entries.push([latin1(data.subarray(modeStart, nameStart - 1)), name, toHex(data.subarray(p, p + h))]);
        p += h;
      }
      return { entries };
    };
    const damage = fc.oneof(
      fc.tuple(fc.nat(), fc.constantFrom(0x00, 0x20, 0x2f, 0x30, 0x37, 0x38, 0x41, 0xff)).map(([pos, b]) => ({ kind: 'set' as const, pos, b })),
      fc.nat().map((pos) => ({ kind: 'cut' as const, pos, b: 0 })),
      // Digits into a mode (or elsewhere): modes of 8 digits and more.
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 3 })).map(([pos, b]) => ({ kind: 'widen' as const, pos, b })),
    );
    fc.assert(
      fc.property(fc.constantFrom<ObjectFormat>('sha1', 'sha256'), treeArb('sha1'), fc.array(damage, { minLength: 1, maxLength: 3 }), (format, raw, hits) => {
        const h = hashLength(format);
        let data = encodeTree(raw.map((e) => ({ ...e, oid: Uint8Array.from({ length: h }, (_, i) => e.oid[i % e.oid.length]!) })));
        for (const d of hits) {
          if (data.length === 0) break;
          const at = d.pos % data.length;
          if (d.kind === 'cut') data = data.slice(0, at);
          else if (d.kind === 'widen') data = concat(data.subarray(0, at), '0'.repeat(d.b), data.subarray(at));
          else data[at] = d.b;
        }
        const want = reference(data, h);
        try {
          const got = parseTree(data, format, 'ab12');
          assert.ok('entries' in want, `parsed what the reference refuses: ${'error' in want ? want.error : ''}`);
          assert.deepEqual(got.map((e) => [e.modeText, latin1(e.name), toHex(e.oid)]), want.entries);
        } catch (e) {
          if (!(e instanceof XtestPackError)) throw e;
          assert.equal(e.code, 'OBJECT_CORRUPT');
          assert.equal(e.oid, 'ab12');
          assert.ok('error' in want, `refused what the reference parses: ${e.message}`);
          assert.equal(e.reason, `badTree: cannot be parsed as a tree: ${want.error}`);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('compareTreeEntries sorts as git mktree does, on names crafted to be close', () => {
    // A directory sorts as if its name ended in '/': after 'q.b' and 'q-b' ('.' and '-' < '/'),
    // before 'q0'. A gitlink sorts as a file.
    const spec: [string, string][] = [
      ['40000', 'q'], ['100644', 'q.b'], ['100644', 'q-b'], ['100644', 'q0'],
      ['160000', 'r'], ['100644', 'r.b'],
      ['40000', 's.b'], ['100644', 's'],
      ['40000', 't-'], ['40000', 't'], ['100644', 't.'], ['100644', 't0'],
      ['40000', 'u'], ['40000', 'u0'], ['40000', 'u.x'],
      ['100644', 'v\x7f'], ['100644', 'v'], ['40000', 'v~'], ['120000', 'v\xff'],
    ];
    const entries: TreeEntry[] = spec.map(([m, n], i) => ({ modeText: m, mode: parseInt(m, 8), name: bytes(n), oid: new Uint8Array(20).fill(i + 1) }));
    const sorted = [...entries].sort(compareTreeEntries);
    checkTreeProperty('sha1', sorted, 1); // mktree sorts the same entries itself: same id, same order
    const at = (n: string) => sorted.findIndex((e) => latin1(e.name) === n);
    assert.ok(at('q.b') < at('q') && at('q-b') < at('q') && at('q') < at('q0'), "the directory 'q' sorts as 'q/'");
    assert.ok(at('r') < at('r.b'), "the gitlink 'r' sorts as a file");
  });
});

// ---- commits and tags ----

interface Ident {
  name: Uint8Array;
  email: Uint8Array;
  when: string;
}

const identArb: fc.Arbitrary<Ident> = fc.record({
  name: bytesWithout([0, 0x0a, 0x3c, 0x3e], { maxLength: 16 }).map((n) => (n.length === 0 ? bytes('N') : n)),
  email: bytesWithout([0, 0x0a, 0x3c, 0x3e], { maxLength: 16 }),
  when: fc
    .tuple(fc.oneof(fc.nat(2_000_000_000), fc.constantFrom(0, 1, 4_102_444_800, 253_402_300_799)), fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 1459 }))
    .map(([ts, sign, tz]) => `${ts} ${sign}${String(tz).padStart(4, '0')}`),
});

const identBytes = (i: Ident) => concat(i.name, ' <', i.email, '> ', i.when);

/** Lines of a multi-line header value (a signature): no LF inside a line. */
const sigArb: fc.Arbitrary<Uint8Array[]> = fc.oneof(
  fc.array(bytesWithout([0x0a], { maxLength: 40 }), { minLength: 1, maxLength: 6 }),
  fc.constant(['-----BEGIN PGP SIGNATURE-----', '', 'iQEzBAABCAAdFiEE', '=AbCd', '-----END PGP SIGNATURE-----'].map(bytes)),
);

/** Any message bytes (NUL, non-UTF-8 and lines of all kinds), or none at all (no blank line). */
const messageArb: fc.Arbitrary<Uint8Array | undefined> = fc.option(
  fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.constantFrom('', '\n', 'subject\n\nbody\n', 'caf\xe9 na\xefve\n', 'no newline').map(bytes)),
  { freq: 8 },
);

interface GenCommit {
  tree: string;
  parents: string[];
  author: Ident;
  committer: Ident;
  encoding: string | undefined;
  gpgsig: Uint8Array[] | undefined;
  mergetag: Uint8Array[] | undefined;
  message: Uint8Array | undefined;
}

function commitArb(format: ObjectFormat): fc.Arbitrary<GenCommit> {
  return fc.record({
    tree: hexArb(format),
    parents: fc.array(hexArb(format), { maxLength: 3 }),
    author: identArb,
    committer: identArb,
    encoding: fc.option(fc.constantFrom('ISO-8859-1', 'UTF-8', 'EUC-JP', 'latin1'), { nil: undefined }),
    gpgsig: fc.option(sigArb, { nil: undefined }),
    mergetag: fc.option(sigArb, { nil: undefined }),
    message: messageArb.map((m) => m ?? undefined),
  });
}

/** A commit's bytes written here, without src/. */
function encodeCommit(c: GenCommit): Uint8Array {
  const lines: (Uint8Array | string)[] = [`tree ${c.tree}\n`, ...c.parents.map((p) => `parent ${p}\n`)];
  lines.push('author ', identBytes(c.author), '\n', 'committer ', identBytes(c.committer), '\n');
  if (c.encoding !== undefined) lines.push(`encoding ${c.encoding}\n`);
  for (const [key, value] of [
    ['mergetag', c.mergetag],
    ['gpgsig', c.gpgsig],
  ] as const) {
    if (value === undefined) continue;
    lines.push(`${key} `);
    value.forEach((l, i) => lines.push(...(i > 0 ? [' '] : []), l, '\n'));
  }
  if (c.message !== undefined) lines.push('\n', c.message);
  return concat(...lines);
}

function commitHeaders(c: GenCommit): Header[] {
  const h: Header[] = [{ key: 'tree', value: bytes(c.tree) }, ...c.parents.map((p) => ({ key: 'parent', value: bytes(p) }))];
  h.push({ key: 'author', value: identBytes(c.author) }, { key: 'committer', value: identBytes(c.committer) });
  if (c.encoding !== undefined) h.push({ key: 'encoding', value: bytes(c.encoding) });
  if (c.mergetag !== undefined) h.push({ key: 'mergetag', value: concat(...c.mergetag.flatMap((l, i) => (i > 0 ? ['\n', l] : [l]))) });
  if (c.gpgsig !== undefined) h.push({ key: 'gpgsig', value: concat(...c.gpgsig.flatMap((l, i) => (i > 0 ? ['\n', l] : [l]))) });
  return h;
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined) => (a === undefined ? b === undefined : b !== undefined && Buffer.from(a).equals(Buffer.from(b)));

function checkCommitProperty(format: ObjectFormat, c: GenCommit): void {
  const headers = commitHeaders(c);
  const data = serializeCommit({ headers, message: c.message, finalLf: true });
  assert.deepEqual(data, encodeCommit(c), 'serializeCommit writes what git writes');
  const parsed = parseCommit(data, format);
  assert.equal(toHex(parsed.tree), c.tree);
  assert.deepEqual(parsed.parents.map(toHex), c.parents);
  assert.ok(sameBytes(parsed.author, identBytes(c.author)), 'author');
  assert.ok(sameBytes(parsed.committer, identBytes(c.committer)), 'committer');
  assert.equal(parsed.encoding, c.encoding);
  assert.ok(sameBytes(parsed.message, c.message), 'message');
  assert.equal(parsed.headers.length, headers.length);
  parsed.headers.forEach((h, i) => {
    assert.equal(h.key, headers[i]!.key);
    assert.ok(sameBytes(h.value, headers[i]!.value), `header ${h.key}`);
  });
  assert.deepEqual(serializeCommit(parsed), data, 'parse then serialize gives back the bytes');
  // git's fsck: a NUL before the blank line is nulInHeader (fatal), one in the message nulInCommit.
  const blank = Buffer.from(data).indexOf('\n\n');
  const nul = data.indexOf(0);
  const fsck = nul < 0 ? [] : blank < 0 || nul < blank ? ['nulInHeader'] : ['nulInCommit'];
  assert.deepEqual(checkCommit(data, format), fsck, 'a well-formed commit has no fsck problems but a NUL');
  assert.deepEqual(checkIdent(identBytes(c.author)), []);
  assert.equal(gitId('commit', data, format), ourId('commit', data, format), 'git hash-object -t commit');
}

interface GenTag {
  object: string;
  type: ObjectType;
  name: Uint8Array;
  tagger: Ident | undefined;
  message: Uint8Array | undefined;
  signature: Uint8Array[] | undefined;
}

function tagArb(format: ObjectFormat): fc.Arbitrary<GenTag> {
  return fc.record({
    object: hexArb(format),
    type: fc.constantFrom<ObjectType>('commit', 'tree', 'blob', 'tag'),
    name: bytesWithout([0, 0x0a], { minLength: 1, maxLength: 20 }),
    tagger: fc.option(identArb, { nil: undefined }),
    message: messageArb.map((m) => m ?? undefined),
    signature: fc.option(sigArb, { nil: undefined }),
  });
}

function encodeTag(g: GenTag): { data: Uint8Array; headers: Header[]; message: Uint8Array | undefined } {
  const headers: Header[] = [
    { key: 'object', value: bytes(g.object) },
    { key: 'type', value: bytes(g.type) },
    { key: 'tag', value: g.name },
  ];
  if (g.tagger) headers.push({ key: 'tagger', value: identBytes(g.tagger) });
  // A signed tag's signature is part of its message.
  const message = g.message === undefined ? undefined : concat(g.message, ...(g.signature ?? []).flatMap((l) => [l, '\n']));
  const data = concat(...headers.flatMap((h) => [h.key, ' ', h.value!, '\n']), ...(message === undefined ? [] : ['\n', message]));
  return { data, headers, message };
}

function checkTagProperty(format: ObjectFormat, g: GenTag): void {
  const { data, headers, message } = encodeTag(g);
  assert.deepEqual(serializeTag({ headers, message, finalLf: true }), data, 'serializeTag writes what git writes');
  const parsed = parseTag(data, format);
  assert.equal(toHex(parsed.object), g.object);
  assert.equal(parsed.type, g.type);
  assert.ok(sameBytes(parsed.name, g.name), 'tag name');
  assert.ok(sameBytes(parsed.tagger, g.tagger && identBytes(g.tagger)), 'tagger');
  assert.ok(sameBytes(parsed.message, message), 'message');
  assert.deepEqual(serializeTag(parsed), data, 'parse then serialize gives back the bytes');
  if (g.tagger) assert.deepEqual(checkTag(data, format), []);
  else assert.deepEqual(checkTag(data, format), ['missingTaggerEntry']);
  assert.equal(gitId('tag', data, format), ourId('tag', data, format), 'git hash-object -t tag');
}

describe('commits', () => {
  for (const [format, numRuns] of [
    ['sha1', 70],
    ['sha256', 30],
  ] as const) {
    test(`random ${format} commits (parents, encodings, gpgsig and mergetag headers, any message bytes)`, T, () => {
      fc.assert(
        fc.property(commitArb(format), (c) => checkCommitProperty(format, c)),
        { numRuns },
      );
    });
  }

  test('parseHeaders then serializeHeaders gives back any bytes at all (as documented)', T, () => {
    // Bytes rich in the characters the layout depends on: LF, SP, a key-like word.
    const chunk = fc.oneof(fc.constantFrom('\n', ' ', 'tree', 'k', '\n ', '\n\n', 'x y'), fc.uint8Array({ maxLength: 4 }).map(latin1));
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 30 }), (parts) => {
        const data = bytes(parts.join(''));
        assert.equal(latin1(serializeHeaders(parseHeaders(data))), latin1(data));
      }),
      // The first example: a header line without a value ("k"), then a continuation line.
      { numRuns: 2000, examples: [[['k', '\n more\n\nmsg']], [['tree x\n', ' ', '\n']]] },
    );
  });
});

describe('tags', () => {
  for (const [format, numRuns] of [
    ['sha1', 40],
    ['sha256', 15],
  ] as const) {
    test(`random ${format} tags (any target type, with or without tagger, signed-looking messages)`, T, () => {
      fc.assert(
        fc.property(tagArb(format), (g) => checkTagProperty(format, g)),
        { numRuns },
      );
    });
  }
});
