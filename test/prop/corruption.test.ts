// Random damage to real packs and idx files made by git: every single-byte change and every
// truncation must be detected (an XtestPackError, whatever its code), never accepted, never
// another exception, never a hang; random access through an intact idx never returns wrong bytes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import { IdxFile, openIdx } from '../../src/pack/idx/index.js';
import { indexPack, type IndexedPack } from '../../src/pack/index-pack.js';
import { hashLength, toHex, type ObjectFormat } from '../../src/pack/oid.js';
import { PackFile, type PackObject } from '../../src/pack/pack-file.js';
import { bytesSource } from '../../src/pack/source.js';
import { verifyPack } from '../../src/pack/verify.js';
import { git, tempDir } from '../support/git.js';
import { pieceSource, pseudoRandomBytes } from '../support/pack-builder.js';

const backend = getBackend();
const T = { timeout: 60_000 };

interface Fixture {
  name: string;
  format: ObjectFormat;
  pack: Uint8Array;
  idx: Uint8Array;
  /** The same pack's idx in version 1, written by git index-pack (sha1 only). */
  idxV1: Uint8Array | undefined;
  indexed: IndexedPack;
  objects: Map<string, PackObject>;
}

/** Lines of pseudo-random words: text that deltas well and compresses only somewhat. */
function text(seed: number, lines: number): string {
  const r = pseudoRandomBytes(lines * 8, seed);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'pack', 'tree', 'blob', 'zlib', 'offset', 'crc'];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    out.push(`${i} ${words[r[i * 8]! % 10]} ${r[i * 8 + 1]!.toString(16)}${r[i * 8 + 2]!.toString(16)} ${words[r[i * 8 + 3]! % 10]}`);
  }
  return out.join('\n') + '\n';
}

/** A repo of a few commits editing two files, repacked by git with deltas; its pack and idx. */
function makeFixture(format: ObjectFormat, ofsDeltas: boolean): Fixture {
  const { dir, cleanup } = tempDir();
  try {
    git(['init', '-q', `--object-format=${format}`, dir]);
    let a = text(1, 500);
    let b = text(2, 300);
    for (let c = 0; c < 8; c++) {
      // Change a few lines each time.
      const la = a.split('\n');
      for (let k = 0; k < 4; k++) la[(c * 37 + k * 11) % la.length] = `edit ${c} ${k}`;
      a = la.join('\n');
      b = b.replace(/gamma/, `gamma${c}`) + `appended ${c}\n`;
      writeFileSync(join(dir, 'a.txt'), a);
      writeFileSync(join(dir, 'b.txt'), b);
      git(['add', 'a.txt', 'b.txt'], { cwd: dir });
      git(['commit', '-q', '-m', `commit ${c}`], { cwd: dir });
    }
    git(['-c', `repack.useDeltaBaseOffset=${ofsDeltas}`, 'repack', '-adfq'], { cwd: dir });
    const packDir = join(dir, '.git', 'objects', 'pack');
    const packName = readdirSync(packDir).find((f) => f.endsWith('.pack'))!;
    const pack = new Uint8Array(readFileSync(join(packDir, packName)));
    const idx = new Uint8Array(readFileSync(join(packDir, packName.replace(/\.pack$/, '.idx'))));
    const name = `${format}/${ofsDeltas ? 'ofs' : 'ref'}`;
    let idxV1: Uint8Array | undefined;
    if (format === 'sha1') {
      const v1Path = join(dir, 'v1.idx');
      git(['index-pack', '--index-version=1', '-o', v1Path, join(packDir, packName)], { cwd: dir });
      idxV1 = new Uint8Array(readFileSync(v1Path));
      assert.equal(openIdx(bytesSource(idxV1), backend, { verify: true }).version, 1);
      verifyPack(bytesSource(pack), idxV1, backend);
    }
    // The pristine pair must pass, or the properties below prove nothing.
    const { indexed } = verifyPack(bytesSource(pack), idx, backend);
    const deltaType = ofsDeltas ? 6 : 7;
    assert.ok(indexed.packTypes.some((t) => t === deltaType), `${name}: git made no ${ofsDeltas ? 'OFS' : 'REF'}_DELTA`);
    assert.ok(pack.length > 2000 && pack.length < 40000, `${name}: pack of ${pack.length} bytes`);
    const pf = PackFile.open(bytesSource(pack), openIdx(bytesSource(idx), backend, { verify: true }), backend);
    const h = hashLength(format);
    const objects = new Map<string, PackObject>();
    for (let i = 0; i < indexed.count; i++) {
      const oid = indexed.oids.subarray(i * h, i * h + h);
      objects.set(toHex(oid), pf.findObject(oid)!);
    }
    return { name, format, pack, idx, idxV1, indexed, objects };
  } finally {
    cleanup();
  }
}

const fixtures: Fixture[] = [];
before(() => {
  fixtures.push(makeFixture('sha1', true), makeFixture('sha1', false), makeFixture('sha256', true));
});
after(() => {
  fixtures.length = 0;
});

/** Run `fn`; it must throw an XtestPackError. Returns the error's code. */
function mustDetect(fn: () => unknown, what: string): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof XtestPackError) {
      assert.ok(!e.message.includes('\n'), `${what}: multi-line message`);
      return e.code;
    }
    throw new Error(`${what}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
  }
  assert.fail(`${what}: damage went undetected`);
}

function flipped(bytes: Uint8Array, pos: number, xor: number): Uint8Array {
  const c = bytes.slice();
  c[pos]! ^= xor;
  return c;
}

/** Positions: uniform, or near the start of an entry (headers, OFS distances, zlib headers). */
function positionArb(f: Fixture, length: number): fc.Arbitrary<number> {
  const starts = Array.from(f.indexed.offsets);
  return fc.oneof(
    fc.nat(length - 1),
    fc.tuple(fc.constantFrom(...starts), fc.nat(5)).map(([s, k]) => Math.min(length - 1, s + k)),
    fc.nat(Math.min(31, length - 1)),
    fc.nat(hashLength(f.format) - 1).map((k) => length - 1 - k), // the trailer
  );
}

/** indexPack's read chunk: the default, or anything from 1 byte up (the window logic must not care). */
const chunkArb = fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 512 }), fc.integer({ min: 512, max: 20000 }));

const xorArb = fc.oneof(fc.integer({ min: 1, max: 255 }), fc.constantFrom(0x01, 0x10, 0x20, 0x40, 0x80));

const NAMES = ['sha1/ofs', 'sha1/ref', 'sha256/ofs'];
function fixture(name: string): Fixture {
  const f = fixtures.find((x) => x.name === name);
  assert.ok(f, `fixture ${name}`);
  return f;
}

for (const name of NAMES) {
  describe(`corruption of a git pack (${name})`, () => {
    test('any single-byte change of the pack makes indexPack throw an XtestPackError', T, () => {
      const f = fixture(name);
      const codes = new Map<string, number>();
      fc.assert(
        fc.property(positionArb(f, f.pack.length), xorArb, chunkArb, (pos, xor, chunkSize) => {
          const opts = chunkSize === undefined ? { format: f.format } : { format: f.format, chunkSize };
          const code = mustDetect(() => indexPack(bytesSource(flipped(f.pack, pos, xor)), backend, opts), `byte ${pos} ^ ${xor}, chunk ${chunkSize}`);
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }),
        { numRuns: 250 },
      );
      // Most damage is caught by a specific check before the trailer checksum.
      assert.ok(codes.size >= 2, `codes seen: ${JSON.stringify([...codes])}`);
    });

    test('any single-byte change of the pack: reading every object through the intact idx returns the right object or throws an XtestPackError', T, () => {
      const f = fixture(name);
      const idx = openIdx(bytesSource(f.idx), backend, { verify: true });
      fc.assert(
        fc.property(positionArb(f, f.pack.length), xorArb, (pos, xor) => {
          const src = bytesSource(flipped(f.pack, pos, xor));
          let pf: PackFile;
          try {
            pf = PackFile.open(src, idx, backend);
          } catch (e) {
            if (e instanceof XtestPackError) return;
            throw e;
          }
          for (let i = 0; i < idx.count; i++) {
            const oid = idx.oidAt(i);
            let got: PackObject | undefined;
            try {
              got = pf.findObject(oid);
            } catch (e) {
              if (e instanceof XtestPackError) continue;
              throw new Error(`byte ${pos} ^ ${xor}, object ${toHex(oid)}: threw ${String(e)}`, { cause: e });
            }
            const want = f.objects.get(toHex(oid))!;
            assert.ok(got, `object ${toHex(oid)} vanished`);
            assert.equal(got.type, want.type, `byte ${pos} ^ ${xor}: type of ${toHex(oid)}`);
            assert.ok(Buffer.from(got.data).equals(Buffer.from(want.data)), `byte ${pos} ^ ${xor}: wrong bytes for ${toHex(oid)}`);
          }
        }),
        { numRuns: 120 },
      );
    });

    test('the intact pack indexes to the same entries and checksum whatever the read chunk size', T, () => {
      const f = fixture(name);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 3 * f.pack.length }), (chunkSize) => {
          const got = indexPack(bytesSource(f.pack), backend, { format: f.format, chunkSize });
          assert.deepEqual(got.oids, f.indexed.oids);
          assert.deepEqual(got.offsets, f.indexed.offsets);
          assert.deepEqual(got.crc32s, f.indexed.crc32s);
          assert.deepEqual(got.packChecksum, f.indexed.packChecksum);
          assert.deepEqual(got.depths, f.indexed.depths);
        }),
        { numRuns: 40 },
      );
    });

    test('any truncation of the pack makes indexPack throw an XtestPackError', T, () => {
      const f = fixture(name);
      fc.assert(
        fc.property(fc.oneof(fc.nat(f.pack.length - 1), fc.integer({ min: Math.max(0, f.pack.length - 40), max: f.pack.length - 1 })), (len) => {
          mustDetect(() => indexPack(bytesSource(f.pack.subarray(0, len)), backend, { format: f.format }), `pack cut to ${len}`);
        }),
        { numRuns: 100 },
      );
    });

    // git writes version 1 idx files for sha1 only.
    for (const version of name.startsWith('sha1/') ? (['v2', 'v1'] as const) : (['v2'] as const)) {
      const idxOf = (f: Fixture): Uint8Array => {
        const idx = version === 'v2' ? f.idx : f.idxV1;
        assert.ok(idx, `${f.name}: no ${version} idx`);
        return idx;
      };

      test(`any single-byte change of the ${version} idx makes openIdx (verify) or verifyPack throw an XtestPackError`, T, () => {
        const f = fixture(name);
        const idx = idxOf(f);
        const h = hashLength(f.format);
        const fanoutEnd = version === 'v2' ? 8 + 1024 : 1024;
        const idxPos = fc.oneof(
          fc.nat(idx.length - 1),
          fc.integer({ min: fanoutEnd, max: idx.length - 1 }), // past the fan-out: ids, CRCs, offsets, checksums
          fc.nat(2 * h - 1).map((k) => idx.length - 1 - k),
        );
        fc.assert(
          fc.property(idxPos, xorArb, fc.boolean(), (pos, xor, told) => {
            const bad = flipped(idx, pos, xor);
            mustDetect(() => {
              openIdx(bytesSource(bad), backend, { ...(told ? { format: f.format } : {}), verify: true });
              verifyPack(bytesSource(f.pack), bad, backend, told ? { format: f.format } : {});
            }, `idx byte ${pos} ^ ${xor}`);
          }),
          { numRuns: 150 },
        );
      });

      test(`any single-byte change or truncation of the ${version} idx, read in place (IdxFile, in pieces or in memory): every object is the right one, missing, or an XtestPackError`, T, () => {
        const f = fixture(name);
        const idx = idxOf(f);
        const h = hashLength(f.format);
        const damage = fc.oneof(
          fc.tuple(fc.nat(idx.length - 1), xorArb).map(([pos, xor]) => ({ what: `byte ${pos} ^ ${xor}`, bytes: flipped(idx, pos, xor) })),
          fc.nat(idx.length - 1).map((len) => ({ what: `cut to ${len}`, bytes: idx.slice(0, len) })),
        );
        fc.assert(
          fc.property(damage, fc.boolean(), ({ what, bytes }, inMemory) => {
            // Any read larger than the head is a read of what the file declares: refused.
            const src = pieceSource(bytes, 'damaged.idx');
            const bounded = inMemory
              ? bytesSource(bytes, 'damaged.idx')
              : { ...src, read: (o: number, n: number) => (assert.ok(n <= 4096, `${what}: read of ${n}`), src.read(o, n)), readInto: src.readInto };
            const xtest = (fn: () => void, where: string): void => {
              try {
                fn();
              } catch (e) {
                if (e instanceof XtestPackError) {
                  assert.ok(!e.message.includes('\n'), `${what}, ${where}: multi-line message`);
                  return;
                }
                throw new Error(`${what}, ${where}: threw ${String(e)}`, { cause: e });
              }
            };
            let pf: PackFile | undefined;
            xtest(() => {
              pf = PackFile.open(bytesSource(f.pack), IdxFile.open(bounded, f.format), backend);
            }, 'open');
            if (!pf) return;
            const reader = pf.idx;
            for (const [hex, want] of f.objects) {
              xtest(() => {
                const got = pf!.findObject(Buffer.from(hex, 'hex'));
                if (got === undefined) return;
                assert.equal(got.type, want.type, `${what}: type of ${hex}`);
                assert.ok(Buffer.from(got.data).equals(Buffer.from(want.data)), `${what}: wrong bytes for ${hex}`);
              }, `object ${hex}`);
              xtest(() => {
                for (const i of reader.findPrefix(hex.slice(0, 5), 64)) assert.ok(i >= 0 && i < reader.count);
              }, `prefix of ${hex}`);
            }
            for (let i = 0; i < reader.count; i++) {
              xtest(() => {
                assert.equal(reader.oidAt(i).length, h);
                reader.offsetAt(i);
                reader.crc32At(i);
              }, `entry ${i}`);
            }
          }),
          { numRuns: 120 },
        );
      });

      test(`any truncation of the ${version} idx makes openIdx (verify) or verifyPack throw an XtestPackError`, T, () => {
        const f = fixture(name);
        const idx = idxOf(f);
        fc.assert(
          fc.property(fc.oneof(fc.nat(idx.length - 1), fc.integer({ min: Math.max(0, idx.length - 80), max: idx.length - 1 })), (len) => {
            const bad = idx.slice(0, len);
            mustDetect(() => {
              openIdx(bytesSource(bad), backend, { verify: true });
              verifyPack(bytesSource(f.pack), bad, backend);
            }, `idx cut to ${len}`);
          }),
          { numRuns: 80 },
        );
      });
    }
  });
}
