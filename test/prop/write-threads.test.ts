// Properties of the threaded pack writer (src/export/pack-workers.ts): for random sets of
// similar files large enough to make several segments, the bytes, the checksum and the idx
// entries are those of writePack in one thread, for 1 to 4 threads and either backend; the
// segments depend on the objects only (not their order), each cut falls where the type or the
// name hash changes (or inside a long run); chains stay within the depth asked, also through
// the seeds a segment starts with; the pack reads back through index-pack and git; an object
// that does not hash to its id stops the write with OID_MISMATCH naming it, whichever thread
// hashed it.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { getBackend } from '../../src/backend/index.js';
import type { Backend } from '../../src/backend/types.js';
import { XtestPackError } from '../../src/errors.js';
import { writePackThreaded } from '../../src/export/pack-workers.js';
import { concatBytes } from '../../src/pack/bytes.js';
import { encodeIdx } from '../../src/pack/idx/index.js';
import { indexPack } from '../../src/pack/index-pack.js';
import { toHex, type ObjectFormat, type ObjectType } from '../../src/pack/oid.js';
import { bytesSource } from '../../src/pack/source.js';
import { searchSegment, type SegmentObject } from '../../src/pack/write-search.js';
import { SEGMENT_BYTES, SEGMENT_OBJECTS, loadSegment, packNameHash, planPack, segmentContext, segmentSeeds, writePack, type PackPlan, type PackObjectSource, type WritePackOptions, type WrittenPack } from '../../src/pack/write.js';
import { catFileBatch } from '../support/export-repos.js';
import { git } from '../support/git.js';
import { packObject, packSources, pseudoRandomBytes, type PackObject } from '../support/pack-builder.js';
import { gitFormatArgs, scratchDir } from '../support/repos.js';

const backend = getBackend();
const T = { timeout: 300_000 };

type Obj = PackObject;
const makeObj = (format: ObjectFormat, type: ObjectType, data: Uint8Array, path: string): Obj => packObject(backend, format, type, data, path);
const sources = packSources;

/** Text-like bytes (words of a small alphabet, so they compress) from a seed. */
function text(n: number, seed: number): Uint8Array {
  const r = pseudoRandomBytes(n, seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = r[i]!;
    out[i] = x < 40 ? 0x20 : x < 44 ? 0x0a : 0x61 + (x % 12);
  }
  return out;
}

/** `data` with `n` small edits at positions drawn from `seed`. */
function edited(data: Uint8Array, n: number, seed: number): Uint8Array {
  const r = pseudoRandomBytes(n * 3, seed);
  let d = data;
  for (let i = 0; i < n; i++) {
    const at = ((r[3 * i]! << 8) | r[3 * i + 1]!) % d.length;
    const cut = r[3 * i + 2]! % 40;
    d = concatBytes([d.subarray(0, at), text(r[3 * i + 2]! % 60, seed + i), d.subarray(Math.min(d.length, at + cut))]);
  }
  return d;
}

interface FileSet {
  readonly format: ObjectFormat;
  readonly objs: Obj[];
}

/**
 * Groups of similar files (a base and versions of it under several directories, as a snapshot
 * has: same name, sorted together), some binary, some small, and a few trees: up to about
 * 10 SEGMENT_BYTES in all, most often several segments (the properties skip a set that makes
 * one: fc.pre, so each run counted has at least two).
 */
const fileSetArb: fc.Arbitrary<FileSet> = fc
  .record({
    format: fc.constantFrom<ObjectFormat>('sha1', 'sha256'),
    groups: fc.array(
      fc.record({
        size: fc.integer({ min: 2_000, max: 90_000 }),
        versions: fc.integer({ min: 1, max: 6 }),
        binary: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
        name: fc.constantFrom('index.js', 'README.md', 'data.bin', 'test.sh', 'Makefile', 'a.po', 'b.po', 'x.c'),
        seed: fc.integer({ min: 1, max: 0x7fffffff }),
      }),
      { minLength: 12, maxLength: 30 },
    ),
  })
  .map(({ format, groups }) => {
    const objs: Obj[] = [];
    groups.forEach((g, gi) => {
      const base = g.binary ? pseudoRandomBytes(g.size, g.seed) : text(g.size, g.seed);
      for (let v = 0; v < g.versions; v++) {
        const data = v === 0 ? base : edited(base, 1 + (v % 4), g.seed + v);
        objs.push(makeObj(format, 'blob', data, `d${gi % 7}/v${v}/${g.name}`));
      }
      objs.push(makeObj(format, 'blob', text(30 + (g.seed % 40), g.seed ^ 0x55), `d${gi}/small.txt`));
    });
    const entries = objs.slice(0, 50).map((o, i) => concatBytes([new TextEncoder().encode(`100644 f${String(i).padStart(3, '0')}\0`), o.oid]));
    objs.push(makeObj(format, 'tree', concatBytes(entries), ''));
    objs.push(makeObj(format, 'tree', concatBytes(entries.slice(1)), 'sub'));
    const seen = new Set<string>();
    return { format, objs: objs.filter((o) => !seen.has(o.hex) && seen.add(o.hex) !== undefined) };
  });

function threaded(objs: readonly PackObjectSource[], format: ObjectFormat, threads: number, options: WritePackOptions = {}, b: Backend = backend) {
  const chunks: Uint8Array[] = [];
  const written = writePackThreaded(objs, { write: (c) => chunks.push(c.slice()) }, b, format, { ...options, threads });
  return { pack: concatBytes(chunks), written };
}

/** Segment `k` of `plan` as searchSegment's first two arguments. */
function loaded(plan: PackPlan, k: number): [SegmentObject[], SegmentObject[]] {
  const { objects, seeds } = loadSegment(plan, k);
  return [objects, seeds];
}

function sameEntries(a: WrittenPack, b: WrittenPack, what: string): void {
  assert.deepEqual(a.oids, b.oids, `${what}: idx ids`);
  assert.deepEqual(a.offsets, b.offsets, `${what}: offsets`);
  assert.deepEqual(a.crc32s, b.crc32s, `${what}: CRC-32s`);
  assert.equal(a.deltas, b.deltas, `${what}: deltas`);
}

describe('writePackThreaded', () => {
  test('1 to 4 threads, either backend: writePack\'s bytes; segments from the objects alone; git reads the pack', T, () => {
    const other = getBackend(backend.name === 'node' ? 'portable' : 'node');
    let gitChecked = 0;
    fc.assert(
      fc.property(fileSetArb, fc.constantFrom<WritePackOptions>({}, { window: 4, depth: 3 }, { delta: false }, { level: 1 }), ({ format, objs }, options) => {
        const src = sources(objs);
        const plan = planPack(src, format, options);
        const segments = plan.starts.length - 1;
        fc.pre(segments >= 2);
        // Each cut falls where the type or the name hash changes, unless the run is long.
        plan.starts.slice(1, -1).forEach((s, k) => {
          const a = plan.objects[s - 1]!;
          const b = plan.objects[s]!;
          let bytes = 0;
          for (let i = plan.starts[k]!; i < s; i++) bytes += plan.objects[i]!.size;
          assert.ok(a.type !== b.type || packNameHash(a.path) !== packNameHash(b.path) || bytes >= 4 * SEGMENT_BYTES || s - plan.starts[k]! >= 4 * SEGMENT_OBJECTS, `a cut inside the run of ${b.path}`);
        });
        // The same cuts for the objects in another order.
        const reversed = planPack([...src].reverse(), format, options);
        assert.deepEqual(reversed.starts, plan.starts);

        const chunks: Uint8Array[] = [];
        const one = writePack(src, { write: (c) => chunks.push(c.slice()) }, backend, format, options);
        const pack = concatBytes(chunks);
        for (const threads of [1, 2, 3]) {
          const t = threaded(src, format, threads, options);
          assert.ok(Buffer.from(t.pack).equals(Buffer.from(pack)), `${threads} thread(s): other bytes than writePack`);
          sameEntries(t.written, one, `${threads} thread(s)`);
        }
        const across = threaded([...src].reverse(), format, 4, options, other);
        assert.ok(Buffer.from(across.pack).equals(Buffer.from(pack)), `backend ${other.name}, 4 threads, reversed input: other bytes`);

        const indexed = indexPack(bytesSource(pack), backend, { format });
        assert.deepEqual(encodeIdx(indexed, indexed.packChecksum, backend), encodeIdx(one, one.checksum, backend));
        const deepest = Math.max(0, ...indexed.depths);
        assert.ok(deepest <= (options.depth ?? 50), `a chain of ${deepest} with depth ${options.depth ?? 50}`);
        if (options.delta !== false) assert.ok(one.deltas > 0, 'no delta among versions of the same files');
        if (gitChecked < 2) {
          gitChecked++;
          const r = join(scratchDir('xtest-pack-prop-write-threads-'), 'r.git');
          git(['init', '-q', '--bare', ...gitFormatArgs({ format }), r]);
          const base = join(r, 'objects', 'pack', `pack-${toHex(one.checksum)}`);
          writeFileSync(`${base}.pack`, pack);
          git(['index-pack', '--strict', `${base}.pack`], { cwd: r });
          assert.ok(readFileSync(`${base}.idx`).equals(Buffer.from(encodeIdx(one, one.checksum, backend))), "git's idx differs");
          const back = catFileBatch(r, objs.map((o) => o.hex));
          for (const o of objs) assert.ok(back.get(o.hex)!.data.equals(Buffer.from(o.data)), `git reads ${o.hex} back different`);
          rmSync(r, { recursive: true, force: true });
        }
      }),
      { numRuns: 6 },
    );
  });

  test('a chain through a seed that would pass the depth: the delta written whole, the same for any number of threads', T, () => {
    // One path, many versions: a long run cut inside (4 SEGMENT_BYTES), depth 1, so the seeds
    // of the second segment include deltas that its search counts as whole.
    const base = text(110_000, 7);
    const objs: Obj[] = [];
    for (let v = 0; v < 48; v++) objs.push(makeObj('sha1', 'blob', edited(base, 1 + (v % 5), 1000 + v), `v${v}/same.txt`));
    const src = sources(objs);
    const options: WritePackOptions = { depth: 1 };
    const plan = planPack(src, 'sha1', options);
    assert.ok(plan.starts.length - 1 >= 2, 'the run was not cut');
    const seeds = segmentSeeds(plan, 1);
    const r0 = searchSegment(...loaded(plan, 0), segmentContext(plan, backend));
    const r1 = searchSegment(...loaded(plan, 1), segmentContext(plan, backend));
    // Seed j is plan object seeds[j], in segment 0 (no seeds of its own): its base there.
    const deltaSeeds = new Set(seeds.flatMap((i, j) => (r0.bases[i]! >= 0 ? [j] : [])));
    assert.ok([...r1.bases].some((b) => b >= 0 && b < seeds.length && deltaSeeds.has(b)), 'no delta on a seed that is a delta: the case is not made');
    const { pack, written } = threaded(src, 'sha1', 1, options);
    const indexed = indexPack(bytesSource(pack), backend, { format: 'sha1' });
    assert.ok(Math.max(...indexed.depths) <= 1, `a chain of ${Math.max(...indexed.depths)}`);
    assert.ok(written.deltas > 0);
    for (const threads of [2, 3]) assert.ok(Buffer.from(threaded(src, 'sha1', threads, options).pack).equals(Buffer.from(pack)), `${threads} threads`);
  });

  test('an object that does not hash to its id: OID_MISMATCH naming it, from any thread; nothing hangs', T, () => {
    const { format, objs } = fc.sample(fileSetArb, { numRuns: 1, seed: 42 })[0]!;
    const src = sources(objs);
    const plan = planPack(src, format);
    assert.ok(plan.starts.length - 1 >= 2);
    // The liar sits in each segment in turn: the first (this thread or a worker) and the last.
    for (const k of [0, plan.starts.length - 2]) {
      const victim = plan.objects[plan.starts[k]!]!;
      const lying = src.map((s) => (s.oid === victim.oid ? { ...s, load: () => new Uint8Array(s.load()).reverse() } : s));
      for (const threads of [1, 2, 4]) {
        assert.throws(
          () => threaded(lying, format, threads),
          (e: unknown) => e instanceof XtestPackError && e.code === 'OID_MISMATCH' && e.oid === toHex(victim.oid),
          `${threads} threads, segment ${k}`,
        );
      }
      assert.equal(threaded(lying, format, 2, { verify: false }).written.count, objs.length);
    }
  });

  test('threads: a positive integer (RangeError otherwise); more threads than segments is fine', () => {
    const o = makeObj('sha1', 'blob', new TextEncoder().encode('one small object\n'), 'a.txt');
    for (const threads of [0, -1, 1.5, Number.NaN]) assert.throws(() => threaded(sources([o]), 'sha1', threads), RangeError);
    assert.equal(threaded(sources([o]), 'sha1', 16).written.count, 1);
  });
});
