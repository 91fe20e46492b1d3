// Properties of the pack writer: delta encoding is undone by applyDelta for any base and
// target (empty, identical, unrelated, runs of one byte, edited, moved), the maxSize limit is
// honoured and never changes the delta; random sets of similar blobs and trees written with
// any delta settings read back identical through xtest-pack's reader and through git
// (index-pack --strict, cat-file --batch), with deltas where content is similar and chains no
// deeper than asked; the written bytes do not depend on input order, duplicates or backend.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { getBackend } from '../../src/backend/index.js';
import type { Backend } from '../../src/backend/types.js';
import { XtestPackError } from '../../src/errors.js';
import { concatBytes } from '../../src/pack/bytes.js';
import { createDelta, createDeltaIndex } from '../../src/pack/delta-encode.js';
import { applyDelta, decodeDeltaHeader } from '../../src/pack/delta.js';
import { encodeIdx, openIdx } from '../../src/pack/idx/index.js';
import { indexPack } from '../../src/pack/index-pack.js';
import { hashLength, toHex, type ObjectFormat, type ObjectType } from '../../src/pack/oid.js';
import { PackFile } from '../../src/pack/pack-file.js';
import { bytesSource } from '../../src/pack/source.js';
import { writePack, type PackObjectSource, type WritePackOptions, type WrittenPack } from '../../src/pack/write.js';
import { catFileBatch } from '../support/export-repos.js';
import { git } from '../support/git.js';
import { packObject, packSources, pseudoRandomBytes, type PackObject } from '../support/pack-builder.js';
import { gitFormatArgs, scratchDir } from '../support/repos.js';

const backend = getBackend();
const T = { timeout: 60_000 };

// ---------------------------------------------------------------------------------------------
// Generators

type Edit = { kind: 'insert' | 'delete' | 'replace' | 'move'; pos: number; len: number; bytes: Uint8Array; to: number };

const editArb: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom('insert', 'delete', 'replace', 'move'),
  pos: fc.nat(),
  len: fc.integer({ min: 1, max: 300 }),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  to: fc.nat(),
});

/** `data` with `edits` applied in turn (positions taken modulo the current length). */
function applyEdits(data: Uint8Array, edits: readonly Edit[]): Uint8Array {
  let d = data;
  for (const e of edits) {
    const pos = e.pos % (d.length + 1);
    const end = Math.min(d.length, pos + e.len);
    switch (e.kind) {
      case 'insert':
        d = concatBytes([d.subarray(0, pos), e.bytes, d.subarray(pos)]);
        break;
      case 'delete':
        d = concatBytes([d.subarray(0, pos), d.subarray(end)]);
        break;
      case 'replace':
        d = concatBytes([d.subarray(0, pos), e.bytes, d.subarray(pos + Math.min(e.bytes.length, d.length - pos))]);
        break;
      case 'move': {
        const cut = d.subarray(pos, end);
        const rest = concatBytes([d.subarray(0, pos), d.subarray(end)]);
        const to = e.to % (rest.length + 1);
        d = concatBytes([rest.subarray(0, to), cut, rest.subarray(to)]);
        break;
      }
    }
  }
  return d.slice();
}

const run = (byte: number, n: number) => new Uint8Array(n).fill(byte);
const bytesArb = (maxLength: number, minLength = 0) => fc.uint8Array({ minLength, maxLength });
const textArb = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom('a', 'b', 'c', ' ', '\n', 'the ', 'quick ', 'fox '), minLength, maxLength }).map((s) => new TextEncoder().encode(s));

/** Base/target pairs of every kind the writer meets, and some it should not. */
const pairArb: fc.Arbitrary<[Uint8Array, Uint8Array]> = fc.oneof(
  fc.tuple(bytesArb(3000), bytesArb(3000)),
  bytesArb(3000).map((b): [Uint8Array, Uint8Array] => [b, b.slice()]),
  bytesArb(3000).map((b): [Uint8Array, Uint8Array] => [new Uint8Array(0), b]),
  bytesArb(3000).map((b): [Uint8Array, Uint8Array] => [b, new Uint8Array(0)]),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 70_000 }), fc.array(editArb, { maxLength: 3 }))
    .map(([x, n, y, m, edits]): [Uint8Array, Uint8Array] => [run(x, n), applyEdits(run(x === y ? x : y, m), edits)]),
  fc.tuple(fc.oneof(bytesArb(4000, 1), textArb(1, 3000)), fc.array(editArb, { minLength: 1, maxLength: 8 })).map(([b, edits]): [Uint8Array, Uint8Array] => [b, applyEdits(b, edits)]),
  // Longer than one copy instruction can say (64 KiB): copies are split.
  fc.tuple(fc.integer({ min: 1, max: 0xffffffff }), fc.array(editArb, { maxLength: 2 })).map(([seed, edits]): [Uint8Array, Uint8Array] => {
    const b = pseudoRandomBytes(140_000, seed);
    return [b, applyEdits(b, edits)];
  }),
);

// ---------------------------------------------------------------------------------------------
// Delta encoding

describe('createDelta', () => {
  test('applyDelta(base, createDelta(base, target)) is the target; no delta only for an empty target', T, () => {
    fc.assert(
      fc.property(pairArb, ([base, target]) => {
        const d = createDelta(createDeltaIndex(base), target);
        if (target.length === 0) {
          assert.equal(d, undefined, 'a delta to an empty target');
          return;
        }
        assert.ok(d, 'no delta without a size limit');
        const h = decodeDeltaHeader(d);
        assert.equal(h.baseSize, base.length);
        assert.equal(h.resultSize, target.length);
        assert.ok(Buffer.from(applyDelta(base, d)).equals(Buffer.from(target)), 'the delta does not rebuild the target');
      }),
      { numRuns: 300 },
    );
  });

  test('similar content gives small deltas: an identical target is all copies', () => {
    const base = pseudoRandomBytes(10_000, 7);
    const d = createDelta(createDeltaIndex(base), base)!;
    // Header (4 bytes) and one copy instruction of 10000 bytes (at most 8).
    assert.ok(d.length <= 12, `delta of ${d.length} bytes for an identical target`);
    const edited = applyEdits(base, [{ kind: 'insert', pos: 5000, len: 1, bytes: Uint8Array.of(1, 2, 3), to: 0 }]);
    const d2 = createDelta(createDeltaIndex(base), edited)!;
    assert.ok(d2.length <= 30, `delta of ${d2.length} bytes for a 3-byte insertion`);
    assert.ok(Buffer.from(applyDelta(base, d2)).equals(Buffer.from(edited)));
  });

  test('maxSize: undefined or a delta of at most maxSize bytes, the same as without the limit', T, () => {
    fc.assert(
      fc.property(pairArb.filter(([, t]) => t.length > 0), fc.double({ min: 0, max: 1.5, noNaN: true }), ([base, target], frac) => {
        const index = createDeltaIndex(base);
        const full = createDelta(index, target)!;
        for (const maxSize of [Math.max(1, Math.floor(full.length * frac)), full.length, full.length - 1, 1]) {
          if (maxSize < 1) continue;
          const limited = createDelta(index, target, maxSize);
          if (limited === undefined) continue;
          assert.ok(limited.length <= maxSize, `maxSize ${maxSize}: a delta of ${limited.length} bytes`);
          assert.ok(Buffer.from(limited).equals(Buffer.from(full)), `maxSize ${maxSize}: another delta than without a limit`);
        }
        // A limit that not even inserting every byte after what the delta holds can reach
        // must not change anything.
        const roomy = full.length + target.length + Math.ceil(target.length / 127) + 1;
        const limited = createDelta(index, target, roomy);
        assert.ok(limited && Buffer.from(limited).equals(Buffer.from(full)), `maxSize ${roomy} (full delta ${full.length}): no delta`);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Objects for packs

type Obj = PackObject;
const makeObj = (format: ObjectFormat, type: ObjectType, data: Uint8Array, path: string): Obj => packObject(backend, format, type, data, path);
const sources = packSources;

/** A tree object of `entries` (names without '/', distinct), sorted as git sorts them. */
function treeBytes(entries: readonly { mode: string; name: string; oid: Uint8Array }[]): Uint8Array {
  const key = (e: { mode: string; name: string }) => (e.mode === '40000' ? `${e.name}/` : e.name);
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(key(a)), Buffer.from(key(b))));
  return concatBytes(sorted.flatMap((e) => [new TextEncoder().encode(`${e.mode} ${e.name}\0`), e.oid]));
}

interface ObjectSet {
  readonly format: ObjectFormat;
  readonly objs: Obj[];
  /** How many blobs are variants of one text (≥ 2, all at least 600 bytes, few edits apart). */
  readonly variants: number;
}

/**
 * A base text, variants of it with a few small edits (same file name, so the writer pairs
 * them), small unrelated blobs, and trees: one per variant holding it, an unrelated blob and
 * the previous tree (similar trees, linked together). Every link is inside the set.
 */
const objectSetArb: fc.Arbitrary<ObjectSet> = fc
  .record({
    format: fc.constantFrom<ObjectFormat>('sha1', 'sha256'),
    base: fc.oneof(bytesArb(2500, 600), textArb(600, 2500)),
    variants: fc.array(
      fc.array(
        fc.record({
          kind: fc.constantFrom<Edit['kind']>('insert', 'delete', 'replace'),
          pos: fc.nat(),
          len: fc.integer({ min: 1, max: 12 }),
          bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }),
          to: fc.constant(0),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      { minLength: 1, maxLength: 6 },
    ),
    others: fc.array(bytesArb(120), { maxLength: 4 }),
    dirName: fc.constantFrom('dir', 'data', 'fixtures'),
  })
  .map(({ format, base, variants, others, dirName }) => {
    const blobs = [base, ...variants.map((e) => applyEdits(base, e))].filter((b) => b.length >= 600);
    const variantObjs = blobs.map((b) => makeObj(format, 'blob', b, `${dirName}/text.txt`));
    const otherObjs = (others.length > 0 ? others : [Uint8Array.of(0x78)]).map((b, i) => makeObj(format, 'blob', b, `other-${i}.bin`));
    const trees: Obj[] = [];
    variantObjs.forEach((v, i) => {
      const entries = [
        { mode: '100644', name: 'text.txt', oid: v.oid },
        { mode: i % 2 === 0 ? '100644' : '100755', name: 'other.bin', oid: otherObjs[i % otherObjs.length]!.oid },
      ];
      const prev = trees[trees.length - 1];
      if (prev) entries.push({ mode: '40000', name: 'sub', oid: prev.oid });
      trees.push(makeObj(format, 'tree', treeBytes(entries), dirName));
    });
    const distinct = new Set(variantObjs.map((o) => o.hex)).size;
    // One path per id (the same content twice keeps its first path): see the test of an id
    // under two paths below for what the writer must do with the others.
    const seen = new Set<string>();
    const objs = [...variantObjs, ...otherObjs, ...trees].filter((o) => !seen.has(o.hex) && seen.add(o.hex) !== undefined);
    return { format, objs, variants: distinct };
  });

const optionsArb: fc.Arbitrary<WritePackOptions> = fc.oneof(
  fc.record({ delta: fc.constant(false) }),
  fc.record({
    window: fc.constantFrom(0, 1, 10),
    depth: fc.constantFrom(1, 2, 50),
    level: fc.constantFrom(-1, 0, 1, 9),
  }),
);

function write(objs: readonly Obj[], format: ObjectFormat, options: WritePackOptions = {}, b: Backend = backend): { pack: Uint8Array; written: WrittenPack } {
  const chunks: Uint8Array[] = [];
  const written = writePack(sources(objs), { write: (c) => chunks.push(c.slice()) }, b, format, options);
  return { pack: concatBytes(chunks), written };
}

/** Scratch bare repositories, one per format, whose objects/pack is emptied after each use. */
const bareRepos = new Map<ObjectFormat, string>();
function bareRepo(format: ObjectFormat): string {
  let r = bareRepos.get(format);
  if (!r) {
    r = join(scratchDir('xtest-pack-prop-write-'), 'r.git');
    git(['init', '-q', '--bare', ...gitFormatArgs({ format }), r]);
    bareRepos.set(format, r);
  }
  return r;
}

describe('writePack', () => {
  test('random similar blobs and trees read back identical through xtest-pack and git, any delta settings', T, () => {
    let withDeltas = 0;
    fc.assert(
      fc.property(objectSetArb, optionsArb, ({ format, objs, variants }, options) => {
        const { pack, written } = write(objs, format, options);
        const h = hashLength(format);
        const unique = new Map(objs.map((o) => [o.hex, o]));
        assert.equal(written.count, unique.size);
        assert.equal(written.size, pack.length);

        // xtest-pack's reader: index the pack, open it with that idx, find every object.
        const indexed = indexPack(bytesSource(pack), backend, { format });
        assert.ok(Buffer.from(indexed.packChecksum).equals(Buffer.from(written.checksum)));
        const ourIdx = encodeIdx(written, written.checksum, backend);
        assert.ok(Buffer.from(encodeIdx(indexed, indexed.packChecksum, backend)).equals(Buffer.from(ourIdx)), 'the writer and index-pack disagree on the idx');
        const pf = PackFile.open(bytesSource(pack), openIdx(bytesSource(ourIdx), backend, { format: format, verify: true }), backend);
        for (const o of unique.values()) {
          const got = pf.findObject(o.oid);
          assert.ok(got, `${o.hex} not found`);
          assert.equal(got.type, o.type);
          assert.ok(Buffer.from(got.data).equals(Buffer.from(o.data)), `${o.hex} reads back different`);
        }
        const depths = [...indexed.depths];
        const deltaEntries = depths.filter((d) => d > 0).length;
        assert.equal(written.deltas, deltaEntries, 'deltas counted and deltas in the pack differ');
        const maxDepth = options.depth ?? 50;
        assert.ok(Math.max(...depths) <= maxDepth, `a chain of ${Math.max(...depths)} with depth ${maxDepth}`);
        const deltify = options.delta !== false && (options.window ?? 10) > 0;
        if (!deltify) assert.equal(written.deltas, 0, 'deltas written with deltas off');
        else if (variants >= 2) {
          assert.ok(written.deltas > 0, `no delta among ${variants} similar blobs (${JSON.stringify(options)})`);
          withDeltas++;
        }
        assert.ok(indexed.oids.length === unique.size * h);

        // git: index-pack --strict (every link inside the pack) in a repository, then cat-file.
        const r = bareRepo(format);
        const base = join(r, 'objects', 'pack', `pack-${toHex(written.checksum)}`);
        writeFileSync(`${base}.pack`, pack);
        try {
          git(['index-pack', '--strict', '--fsck-objects', `${base}.pack`], { cwd: r });
          assert.ok(readFileSync(`${base}.idx`).equals(Buffer.from(ourIdx)), "git's idx differs from ours");
          const back = catFileBatch(r, [...unique.keys()]);
          for (const o of unique.values()) {
            const g = back.get(o.hex)!;
            assert.equal(g.type, o.type);
            assert.ok(g.data.equals(Buffer.from(o.data)), `git reads ${o.hex} back different`);
          }
        } finally {
          rmSync(`${base}.pack`, { force: true });
          rmSync(`${base}.idx`, { force: true });
        }
      }),
      { numRuns: 30 },
    );
    assert.ok(withDeltas > 0, 'no run wrote deltas');
  });

  test('the bytes do not depend on the input order, duplicates or the backend', T, () => {
    const other = getBackend(process.env['XTEST_PACK_BACKEND'] === 'portable' ? 'node' : 'portable');
    fc.assert(
      fc.property(objectSetArb, optionsArb, fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), ({ format, objs }, options, keys) => {
        const { pack } = write(objs, format, options);
        // A permutation driven by the keys, and some objects given twice.
        const shuffled = objs.map((o, i) => ({ o, k: keys[i % keys.length]! * 1000 + ((i * 7919) % 1000) })).sort((a, b) => a.k - b.k).map((x) => x.o);
        const withDuplicates = [...shuffled, ...shuffled.filter((_, i) => keys[i % keys.length]! % 3 === 0)];
        const again = write(withDuplicates, format, options);
        assert.ok(Buffer.from(again.pack).equals(Buffer.from(pack)), 'another order gave other bytes');
        assert.equal(again.written.count, new Set(objs.map((o) => o.hex)).size);
        const across = write(objs, format, options, other);
        assert.ok(Buffer.from(across.pack).equals(Buffer.from(pack)), `backend ${other.name} gave other bytes`);
        assert.ok(Buffer.from(encodeIdx(across.written, across.written.checksum, other)).equals(Buffer.from(encodeIdx(again.written, again.written.checksum, backend))));
      }),
      { numRuns: 60 },
    );
  });

  test('the same id given under two paths: the bytes do not depend on which comes first', () => {
    // The empty blob at two paths and a similar text at two paths (git's rev-list --objects
    // lists an id once, a caller collecting files may not): the writer keeps one entry per id,
    // and which path it keeps must not depend on the input order, as the ordering of
    // everything else does not.
    const text = new TextEncoder().encode('a line of text long enough to be a delta base or target\n'.repeat(20));
    for (const format of ['sha1', 'sha256'] as const) {
      const empty1 = makeObj(format, 'blob', new Uint8Array(0), 'a/empty');
      const empty2 = makeObj(format, 'blob', new Uint8Array(0), 'z/other-name.bin');
      const text1 = makeObj(format, 'blob', text, 'docs/readme.md');
      const text2 = makeObj(format, 'blob', text, 'src/copy.c');
      const edited = makeObj(format, 'blob', concatBytes([text, new TextEncoder().encode('one more line\n')]), 'src/copy.c');
      const small = makeObj(format, 'blob', Uint8Array.of(1, 2, 3), 'm/small.bin');
      for (const options of [{ window: 0 }, {}] as WritePackOptions[]) {
        const a = write([empty1, small, text1, edited, empty2, text2], format, options).pack;
        const b = write([empty2, text2, small, edited, empty1, text1], format, options).pack;
        assert.ok(
          Buffer.from(a).equals(Buffer.from(b)),
          `${format} ${JSON.stringify(options)}: the same objects, their paths in another order, gave other bytes`,
        );
      }
    }
  });

  test('an object that does not hash to its id: OID_MISMATCH, unless verify is off', () => {
    const good = makeObj('sha1', 'blob', new TextEncoder().encode('the right content\n'), 'a');
    const lying: PackObjectSource = { oid: good.oid, type: 'blob', size: 5, path: 'a', load: () => new TextEncoder().encode('wrong') };
    assert.throws(
      () => writePack([lying], { write: () => {} }, backend, 'sha1'),
      (e: unknown) => e instanceof XtestPackError && e.code === 'OID_MISMATCH' && e.oid === good.hex,
    );
    assert.equal(writePack([lying], { write: () => {} }, backend, 'sha1', { verify: false }).count, 1);
  });

  test('an id of the wrong length for the format: RangeError (a caller bug)', () => {
    const o = makeObj('sha1', 'blob', new Uint8Array(3), 'a');
    assert.throws(
      () => writePack(sources([o]), { write: () => {} }, backend, 'sha256'),
      RangeError,
    );
  });

  test('an empty pack: the header and the checksum, which git accepts', () => {
    for (const format of ['sha1', 'sha256'] as const) {
      const { pack, written } = write([], format);
      assert.equal(written.count, 0);
      assert.equal(pack.length, 12 + hashLength(format));
      const r = bareRepo(format);
      const base = join(r, 'objects', 'pack', `pack-${toHex(written.checksum)}`);
      writeFileSync(`${base}.pack`, pack);
      try {
        git(['index-pack', '--strict', `${base}.pack`], { cwd: r });
        assert.ok(readFileSync(`${base}.idx`).equals(Buffer.from(encodeIdx(written, written.checksum, backend))));
      } finally {
        rmSync(`${base}.pack`, { force: true });
        rmSync(`${base}.idx`, { force: true });
      }
    }
  });
});
