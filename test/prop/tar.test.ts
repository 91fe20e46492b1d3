// encodeTarGz -> decodeTarGz round trips for random entry sets (UTF-8 names, names that need
// the ustar prefix field, every type, every permission bit, any data), order-independence of
// the bytes, and damage: any change to the tar stream (with or without a header checksum that
// still matches) or to the .tar.gz bytes gives either entries that keep every promise (safe,
// unique paths; nothing below a file or symlink) or an XtestPackError, never another error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { getBackend } from '../../src/backend/index.js';
import { decodeTar, decodeTarGz, encodeTar, encodeTarGz, findTarPathProblem, type TarEntry } from '../../src/artifact/index.js';
import { XtestPackError } from '../../src/errors.js';

const backend = getBackend();
const T = { timeout: 120_000 };
const NONE = new Uint8Array(0);

const char = fc.constantFrom('a', 'b', 'Z', '0', '-', '.', '_', ' ', '\\', ':', '\u00e9', '\u00fc', '\u4e2d', '\u{1f600}', '\t');
const componentArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: char, minLength: 1, maxLength: 10 }).filter((c) => c !== '.' && c !== '..') },
  { weight: 1, arbitrary: fc.constantFrom('L'.repeat(60), 'M'.repeat(99), 'N'.repeat(100)) },
);
const pathArb = fc.array(componentArb, { minLength: 1, maxLength: 4 }).map((cs) => cs.join('/'));

const entriesArb: fc.Arbitrary<TarEntry[]> = fc.uniqueArray(pathArb, { maxLength: 14 }).chain((paths) => {
  const isParent = (p: string) => paths.some((q) => q.startsWith(`${p}/`));
  return fc.tuple(
    ...paths.map((path) =>
      fc.record({
        kind: isParent(path) ? fc.constant('directory' as const) : fc.constantFrom('file' as const, 'directory' as const, 'symlink' as const),
        mode: fc.integer({ min: 0, max: 0o7777 }),
        data: fc.uint8Array({ maxLength: 1300 }),
        target: fc.string({ unit: fc.oneof(char, fc.constant('/')), minLength: 1, maxLength: 40 }),
      }).map(({ kind, mode, data, target }): TarEntry =>
        kind === 'file'
          ? { path, type: kind, mode, data }
          : kind === 'symlink'
            ? { path, type: kind, mode, data: NONE, linkTarget: target }
            : { path, type: kind, mode, data: NONE },
      ),
    ),
  );
});

const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** What decode must give: the entries and their implied parents (0755), in UTF-8 byte order. */
function expected(entries: readonly TarEntry[]): TarEntry[] {
  const all = new Map(entries.map((e) => [e.path, e]));
  for (const e of entries) {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      if (!all.has(p)) all.set(p, { path: p, type: 'directory', mode: 0o755, data: NONE });
    }
  }
  return [...all.values()].sort((a, b) => Buffer.compare(utf8(a.path), utf8(b.path)));
}

/** Entries with their data as plain Uint8Arrays (decode returns views; deepEqual wants the same shape). */
function plain(entries: readonly TarEntry[]): unknown[] {
  return entries.map((e) => ({ ...e, data: Buffer.from(e.data).toString('hex') }));
}

/** Encode, or undefined when a name does not fit ustar (a RangeError naming a path). */
function tryEncode(entries: readonly TarEntry[]): Uint8Array | undefined {
  try {
    return encodeTarGz(entries, { level: 1 });
  } catch (e) {
    assert.ok(e instanceof RangeError && /does not fit ustar|ustar holds/.test(e.message) && e.message.includes('"'), String(e));
    return undefined;
  }
}

test('round trip: random entry sets decode to themselves plus implied parents, in path order, under any input order', T, () => {
  let encoded = 0;
  fc.assert(
    fc.property(entriesArb, fc.infiniteStream(fc.nat()), (entries, rand) => {
      const gz = tryEncode(entries);
      if (gz === undefined) return;
      encoded++;
      const got = decodeTarGz(gz, backend, { file: 'prop.tar.gz' });
      assert.deepEqual(plain(got), plain(expected(entries)));
      const shuffled = [...entries];
      const it = rand[Symbol.iterator]();
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = it.next().value! % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      assert.ok(Buffer.from(encodeTarGz(shuffled, { level: 1 })).equals(Buffer.from(gz)), 'order changed the bytes');
    }),
    { numRuns: 250 },
  );
  assert.ok(encoded > 150, `only ${encoded} of 250 sets were encodable`);
});

/** Offsets of the header blocks of a valid tar stream. */
function headerOffsets(tar: Uint8Array): number[] {
  const out: number[] = [];
  let at = 0;
  while (at + 512 <= tar.length && tar.subarray(at, at + 512).some((b) => b !== 0)) {
    out.push(at);
    const size = Number.parseInt(Buffer.from(tar.subarray(at + 124, at + 135)).toString('latin1'), 8);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function fixChecksum(tar: Uint8Array, at: number): void {
  tar.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + 512; i++) sum += tar[i]!;
  tar.set(utf8(`${sum.toString(8).padStart(6, '0')}\0 `), at + 148);
}

/** Decoded entries must keep the reader's promises. */
function assertSound(entries: readonly TarEntry[]): void {
  const seen = new Map<string, TarEntry['type']>();
  for (const e of entries) {
    assert.equal(findTarPathProblem(e.path), undefined, e.path);
    assert.ok(!seen.has(e.path), `duplicate ${e.path}`);
    seen.set(e.path, e.type);
    assert.ok(e.mode >= 0 && e.mode <= 0o7777);
    if (e.type !== 'file') assert.equal(e.data.length, 0);
    if (e.type === 'symlink') assert.ok(typeof e.linkTarget === 'string' && e.linkTarget !== '' && !e.linkTarget.includes('\0'));
  }
  for (const path of seen.keys()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const t = seen.get(parts.slice(0, i).join('/'));
      assert.ok(t === undefined || t === 'directory', `${path} below a ${t}`);
    }
  }
}

function decodeOrCorrupt(fn: () => TarEntry[]): void {
  let got: TarEntry[];
  try {
    got = fn();
  } catch (e) {
    assert.ok(e instanceof XtestPackError, `not an XtestPackError: ${String(e)}`);
    assert.ok(e.code === 'ARCHIVE_CORRUPT' || e.code === 'UNSAFE_PATH', e.message);
    assert.ok(typeof e.offset === 'number' && !e.message.includes('\n'), e.message);
    return;
  }
  assertSound(got);
}

const damageArb = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }), count: fc.integer({ min: 1, max: 4 }) }),
  // A header byte changed and the checksum fixed: the damage reaches the fields' parsers.
  fc.record({ kind: fc.constant('header' as const), which: fc.nat(), field: fc.constantFrom(0, 100, 124, 156, 157, 257, 345), pos: fc.nat(160), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 600 }) }),
);

test('damage to the tar stream: sound entries or an XtestPackError, never another exception', T, () => {
  fc.assert(
    fc.property(entriesArb, damageArb, (entries, damage) => {
      if (tryEncode(entries) === undefined) return;
      let tar = encodeTar(entries).slice();
      switch (damage.kind) {
        case 'flip':
          for (let k = 0; k < damage.count; k++) tar[(damage.at * (k + 1)) % tar.length]! ^= damage.xor;
          break;
        case 'header': {
          const heads = headerOffsets(tar);
          if (heads.length === 0) return;
          const at = heads[damage.which % heads.length]!;
          tar[at + Math.min(511, damage.field + (damage.pos % 100))] = damage.value;
          fixChecksum(tar, at);
          break;
        }
        case 'cut':
          tar = tar.subarray(0, damage.at % tar.length);
          break;
        case 'insert': {
          const at = damage.at % (tar.length + 1);
          tar = Uint8Array.from([...tar.subarray(0, at), ...damage.bytes, ...tar.subarray(at)]);
          break;
        }
      }
      decodeOrCorrupt(() => decodeTar(tar, { file: 'damaged.tar' }));
      decodeOrCorrupt(() => decodeTarGz(gzipSync(tar), backend, { file: 'damaged.tar.gz' }));
    }),
    { numRuns: 400 },
  );
});

test('damage to the .tar.gz bytes: the same entries or an XtestPackError', T, () => {
  fc.assert(
    fc.property(entriesArb, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (entries, at, xor, cut) => {
      const gz = tryEncode(entries);
      if (gz === undefined) return;
      const bad = cut ? gz.subarray(0, at % gz.length) : gz.slice();
      if (!cut) bad[at % gz.length]! ^= xor;
      let got: TarEntry[];
      try {
        got = decodeTarGz(bad, backend, { file: 'damaged.tar.gz' });
      } catch (e) {
        assert.ok(e instanceof XtestPackError && e.code === 'ARCHIVE_CORRUPT', String(e));
        return;
      }
      assert.ok(!cut, 'a cut archive was accepted');
      // Unchecked header bytes (MTIME, XFL, OS) and the final deflate padding bits may change.
      assert.deepEqual(plain(got), plain(expected(entries)));
    }),
    { numRuns: 300 },
  );
});
