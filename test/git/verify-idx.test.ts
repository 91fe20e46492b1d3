// Issue #14, item 3: verify accepts every idx git accepts, and refuses what git refuses. git's
// verify-pack rebuilds the idx, keeping in the large-offset table the small offsets it finds
// there (`git index-pack --index-version=2,<offset>` writes those), and compares bytes; we check
// the idx by meaning. git is the oracle for each idx here: git-made ones with low thresholds and
// version 1, and idx files re-encoded with other choices of large offsets, slot orders and
// spare slots (checksum recomputed, so only the tables differ).
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { TRAILER_HASH } from '../../src/backend/types.js';
import { XtestPackError } from '../../src/errors.js';
import { bytesSource } from '../../src/pack/source.js';
import { verifyPack } from '../../src/pack/verify.js';
import { assertOneLineError, xtestPack } from '../support/cli.js';
import { git, gitRaw } from '../support/git.js';
import { buildPack, utf8 } from '../support/pack-builder.js';
import { copyFixture, gitFormatArgs, packFixture, scratchDir, type FixtureName, type PackFixture } from '../support/repos.js';
import { seededRandom } from '../support/checkout-repos.js';

const backend = getBackend();
const T = { timeout: 120_000 };

/** The fixture's pack alone in a fresh directory, as p.pack. */
function packAlone(f: PackFixture): { dir: string; pack: string; idx: string } {
  const dir = scratchDir('xtest-pack-verify-idx-');
  const paths = copyFixture(f, dir, { base: 'p', withIdx: false });
  chmodSync(paths.pack, 0o644);
  return { dir, ...paths };
}

/** git's and our verdict on p.pack with the idx bytes `idx`: both must agree; returns it. */
function verdict(dir: string, f: PackFixture, idx: Uint8Array, what: string): boolean {
  writeFileSync(join(dir, 'p.idx'), idx);
  const g = gitRaw(['verify-pack', '-v', ...gitFormatArgs(f), 'p.idx'], { cwd: dir });
  const o = xtestPack(['verify', '-v', 'p.idx'], { cwd: dir });
  if (g.status === 0) {
    assert.equal(o.status, 0, `${what}: git accepts it, we refuse: ${o.stderr}`);
    assert.equal(o.stdout.toString(), g.stdout.toString(), `${what}: the same listing`);
  } else {
    assert.equal(o.status, 1, `${what}: git refuses it (${g.stderr.trim()}), we accept it`);
    assertOneLineError(o.stderr);
  }
  let library = true;
  try {
    verifyPack(bytesSource(readFileSync(join(dir, 'p.pack')), 'p.pack'), idx, backend);
  } catch (e) {
    assert.ok(e instanceof XtestPackError, String(e));
    library = false;
  }
  assert.equal(library, g.status === 0, `${what}: verifyPack agrees with the command line`);
  return g.status === 0;
}

/** The entries of a version 2 idx: ids, CRC-32s and real offsets, in idx order. */
function decodeV2(idx: Uint8Array, h: number): { n: number; ids: Uint8Array; crcs: Uint8Array; offsets: number[]; packSum: Uint8Array } {
  const v = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
  assert.equal(v.getUint32(4), 2);
  const n = v.getUint32(8 + 255 * 4);
  const idsAt = 8 + 1024;
  const crcAt = idsAt + n * h;
  const offAt = crcAt + n * 4;
  const largeAt = offAt + n * 4;
  const offsets: number[] = [];
  for (let k = 0; k < n; k++) {
    const w = v.getUint32(offAt + k * 4);
    if (w & 0x80000000) {
      const j = w & 0x7fffffff;
      offsets.push(v.getUint32(largeAt + j * 8) * 2 ** 32 + v.getUint32(largeAt + j * 8 + 4));
    } else offsets.push(w);
  }
  return { n, ids: idx.slice(idsAt, crcAt), crcs: idx.slice(crcAt, offAt), offsets, packSum: idx.slice(idx.length - 2 * h, idx.length - h) };
}

/**
 * A version 2 idx of the same entries with the offsets of `large` (entry numbers) in the
 * large-offset table, slot `slotOf(position)` for the position-th of them, plus `spare` slots
 * nobody refers to; the checksum recomputed.
 */
function encodeV2(
  e: ReturnType<typeof decodeV2>,
  h: number,
  fanout: Uint8Array,
  large: readonly number[],
  options: { slotOf?: (i: number, count: number) => number; spare?: number } = {},
): Uint8Array {
  const slots = large.length + (options.spare ?? 0);
  const size = 8 + 1024 + e.n * (h + 8) + slots * 8 + 2 * h;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out.set(fanout.subarray(0, 8 + 1024));
  out.set(e.ids, 8 + 1024);
  out.set(e.crcs, 8 + 1024 + e.n * h);
  const offAt = 8 + 1024 + e.n * (h + 4);
  const largeAt = offAt + e.n * 4;
  const position = new Map(large.map((k, i) => [k, i]));
  for (let k = 0; k < e.n; k++) {
    const i = position.get(k);
    if (i === undefined) {
      v.setUint32(offAt + k * 4, e.offsets[k]!);
      continue;
    }
    const j = options.slotOf ? options.slotOf(i, large.length) : i;
    v.setUint32(offAt + k * 4, 0x80000000 | j);
    v.setUint32(largeAt + j * 8, Math.floor(e.offsets[k]! / 2 ** 32));
    v.setUint32(largeAt + j * 8 + 4, e.offsets[k]! % 2 ** 32);
  }
  // A spare slot holds a real offset, so that only its being unreferenced is wrong.
  for (let j = large.length; j < slots; j++) v.setUint32(largeAt + j * 8 + 4, e.offsets[0]!);
  out.set(e.packSum, size - 2 * h);
  const format = h === 20 ? 'sha1' : 'sha256';
  out.set(backend.createHash(format, TRAILER_HASH).update(out.subarray(0, size - h)).digest(), size - h);
  return out;
}

for (const name of ['deep-chains', 'sha256'] as const satisfies readonly FixtureName[]) {
  describe(`verify by meaning: ${name}`, () => {
    const f = packFixture(name);
    const h = f.format === 'sha1' ? 20 : 32;

    test('idx files git writes with low 64-bit-offset thresholds and as version 1: accepted where git accepts them', T, () => {
      const c = packAlone(f);
      git(['index-pack', ...gitFormatArgs(f), '-o', join(c.dir, 'g.idx'), c.pack]);
      const { offsets } = decodeV2(readFileSync(join(c.dir, 'g.idx')), h);
      const median = [...offsets].sort((a, b) => a - b)[offsets.length >> 1]!;
      // With 2,0 every object's offset goes to the large-offset table, one entry more than
      // git's reader allows (n - 1: the first object never needs one): git refuses its own idx.
      for (const [version, accepted] of [['2,0', false], ['2,12', true], ['2,0x100', true], ['2,0x1000', true], [`2,${median}`, true], ['1', true]] as const) {
        const out = join(c.dir, `v${version.replace(',', '-')}.idx`);
        git(['index-pack', ...gitFormatArgs(f), `--index-version=${version}`, '-o', out, c.pack]);
        assert.equal(verdict(c.dir, f, readFileSync(out), `git index-pack --index-version=${version}`), accepted);
      }
    });

    test('re-encoded idx files: any set of small offsets in the large table is accepted; slots out of entry order, or one unreferenced, are refused', T, () => {
      const c = packAlone(f);
      git(['index-pack', ...gitFormatArgs(f), '-o', join(c.dir, 'g.idx'), c.pack]);
      const original = readFileSync(join(c.dir, 'g.idx'));
      const e = decodeV2(original, h);
      const rng = seededRandom(14);
      assert.ok(Buffer.from(encodeV2(e, h, original, [])).equals(original), 'the re-encoder writes what git writes');
      for (let round = 0; round < 3; round++) {
        const large = Array.from({ length: e.n }, (_, k) => k).filter(() => rng.next() < 0.3);
        assert.ok(large.length >= 2);
        assert.equal(verdict(c.dir, f, encodeV2(e, h, original, large), `round ${round}: ${large.length} large, in order`), true);
        const reversed = encodeV2(e, h, original, large, { slotOf: (i, count) => count - 1 - i });
        assert.equal(verdict(c.dir, f, reversed, `round ${round}: slots in reverse entry order`), false);
        const swapped = encodeV2(e, h, original, large, { slotOf: (i) => (i === 0 ? 1 : i === 1 ? 0 : i) });
        assert.equal(verdict(c.dir, f, swapped, `round ${round}: two slots swapped`), false);
        assert.equal(verdict(c.dir, f, encodeV2(e, h, original, large, { spare: 1 }), `round ${round}: a spare slot`), false);
      }
      assert.equal(verdict(c.dir, f, encodeV2(e, h, original, [], { spare: 1 }), 'a spare slot, no large offset'), false);
    });
  });
}

test('a pack holding the same object twice: git indexes it, neither verify accepts it', T, () => {
  const blob = utf8('twice\n');
  const pack = buildPack([{ type: 3, data: blob }, { type: 3, data: blob }, { type: 3, data: utf8('once\n') }], backend);
  const dir = scratchDir('xtest-pack-verify-idx-');
  writeFileSync(join(dir, 'p.pack'), pack.bytes);
  git(['index-pack', '-o', join(dir, 'g.idx'), join(dir, 'p.pack')]);
  const f = packFixture('deep-chains');
  assert.equal(verdict(dir, { ...f, format: 'sha1' }, readFileSync(join(dir, 'g.idx')), "git's idx of it"), false);
  try {
    verifyPack(bytesSource(pack.bytes, 'p.pack'), readFileSync(join(dir, 'g.idx')), backend);
  } catch (e) {
    assert.ok(e instanceof XtestPackError && e.code === 'PACK_CORRUPT' && e.offset === pack.offsets[1], String(e));
  }
});
