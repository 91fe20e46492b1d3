// Hostile index files, built byte by byte from a good one (each case named after what it
// reproduces): each is refused with INDEX_CORRUPT (or CHECKSUM_MISMATCH, INDEX_UNSUPPORTED)
// naming the offset of the damage, without allocating what a declared size claims. Their
// checksums are recomputed, so that the structure is what is refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError, type ErrorCode } from '../../src/errors.js';
import { decodeIndex, encodeIndex, type IndexEntry } from '../../src/odb/index-file.js';
import { decodeLink, ewahPositions } from '../../src/odb/index-link.js';
import { hashLength, type ObjectFormat } from '../../src/pack/oid.js';

const backend = getBackend();
const enc = new TextEncoder();

function entry(path: string, more: Partial<Omit<IndexEntry, 'path'>> = {}): Omit<IndexEntry, 'path'> {
  return {
    pathBytes: enc.encode(path),
    mode: 0o100644,
    oid: new Uint8Array(20).fill(0xab),
    stage: 0,
    assumeValid: false,
    skipWorktree: false,
    intentToAdd: false,
    size: 3,
    ctimeSeconds: 1,
    ctimeNanoseconds: 2,
    mtimeSeconds: 3,
    mtimeNanoseconds: 4,
    dev: 5,
    ino: 6,
    uid: 7,
    gid: 8,
    ...more,
  };
}

/** A good index: two entries "a.txt" and "dir/b.txt". */
function good(version: 2 | 3 | 4 = 2, format: ObjectFormat = 'sha1', extensions: { signature: string; data: Uint8Array }[] = []): Uint8Array {
  const h = hashLength(format);
  const entries = [entry('a.txt', { oid: new Uint8Array(h).fill(1) }), entry('dir/b.txt', { oid: new Uint8Array(h).fill(2) })];
  return encodeIndex({ version, format, entries, extensions }, backend);
}

/** `bytes` with `edit` applied and the checksum made right again. */
function patched(bytes: Uint8Array, edit: (b: Uint8Array, v: DataView) => void, format: ObjectFormat = 'sha1'): Uint8Array {
  const h = hashLength(format);
  const b = Uint8Array.from(bytes);
  edit(b, new DataView(b.buffer));
  b.set(backend.createHash(format).update(b.subarray(0, b.length - h)).digest(), b.length - h);
  return b;
}

/** Rebuild with a body (without checksum) and a fresh checksum. */
function withBody(body: Uint8Array, format: ObjectFormat = 'sha1'): Uint8Array {
  const out = new Uint8Array(body.length + hashLength(format));
  out.set(body);
  out.set(backend.createHash(format).update(body).digest(), body.length);
  return out;
}

function refused(bytes: Uint8Array, code: ErrorCode, offset?: number, format: ObjectFormat = 'sha1'): void {
  assert.throws(
    () => decodeIndex(bytes, format, backend, { file: 'index' }),
    (e: unknown) => {
      assert.ok(e instanceof XtestPackError, String(e));
      assert.equal(e.code, code, e.message);
      assert.equal(e.file, 'index');
      if (offset !== undefined) assert.equal(e.offset, offset, e.message);
      return true;
    },
  );
}

const FLAGS = 12 + 40 + 20; // the first entry's flags, SHA-1
const NAME = FLAGS + 2;

describe('decodeIndex refuses', () => {
  test('shorter than a header and a checksum', () => refused(new Uint8Array(31), 'INDEX_CORRUPT', 0));
  test('a signature other than DIRC', () => refused(patched(good(), (b) => (b[0] = 0x44 ^ 0x20)), 'INDEX_CORRUPT', 0));
  for (const v of [0, 1, 5, 0xffffffff]) test(`version ${v}`, () => refused(patched(good(), (_, d) => d.setUint32(4, v)), 'INDEX_CORRUPT', 4));
  test('a damaged checksum (CHECKSUM_MISMATCH at the checksum)', () => {
    const b = good();
    b[40]! ^= 1;
    refused(b, 'CHECKSUM_MISMATCH', b.length - 20);
  });
  test('2^32 - 1 entries declared in a small file: refused before any is read', () => refused(patched(good(), (_, d) => d.setUint32(8, 0xffffffff)), 'INDEX_CORRUPT', 8));
  test('one entry more than the file holds', () => refused(patched(good(), (_, d) => d.setUint32(8, 3)), 'INDEX_CORRUPT'));
  test('a mode with group write (100664)', () => refused(patched(good(), (_, d) => d.setUint32(12 + 24, 0o100664)), 'INDEX_CORRUPT', 12 + 24));
  test('a directory entry without the sdir extension', () => {
    const b = encodeIndex({ version: 3, format: 'sha1', entries: [entry('d/', { mode: 0o040000, skipWorktree: true })] }, backend);
    refused(b, 'INDEX_CORRUPT', 12);
  });
  test('the extended flag in a version 2 index', () => refused(patched(good(2), (b) => (b[FLAGS]! |= 0x40)), 'INDEX_CORRUPT', FLAGS));
  test('an unknown extended flag (the reserved bit)', () => {
    const b = encodeIndex({ version: 3, format: 'sha1', entries: [entry('a.txt', { skipWorktree: true })] }, backend);
    refused(patched(b, (x) => (x[NAME]! |= 0x80)), 'INDEX_CORRUPT', NAME);
  });
  test('a name length field longer than the name', () => refused(patched(good(), (b) => (b[FLAGS + 1] = 6)), 'INDEX_CORRUPT'));
  test('a name length field shorter than the name (NUL not where it says)', () => refused(patched(good(), (b) => (b[FLAGS + 1] = 4)), 'INDEX_CORRUPT'));
  test('a padding byte that is not NUL', () => refused(patched(good(), (b) => (b[NAME + 5 + 1] = 0x20)), 'INDEX_CORRUPT', NAME + 6));
  test('version 4: the first entry cuts bytes from no previous name', () => refused(patched(good(4), (b) => (b[NAME] = 1)), 'INDEX_CORRUPT', NAME));
  test('version 4: an entry cuts more than the previous name has', () => {
    const b = good(4);
    const second = NAME + 1 + 6; // varint, "a.txt", NUL
    refused(patched(b, (x) => (x[second + 40 + 20 + 2] = 9)), 'INDEX_CORRUPT', second + 62);
  });
  test('version 4: a prefix varint that never ends', () => {
    const body = Uint8Array.from([...good(4).subarray(0, NAME), ...new Array(20).fill(0xff), 0]);
    refused(withBody(Uint8Array.from([...body.subarray(0, 8), 0, 0, 0, 1, ...body.subarray(12)])), 'INDEX_CORRUPT');
  });
  for (const bad of ['../x', '.git/config', '.GIT/config', 'a//b', '/abs', 'dir/', 'a/./b', 'a/..']) {
    test(`the path ${JSON.stringify(bad)}`, () => refused(encodeIndex({ version: 2, format: 'sha1', entries: [entry(bad)] }, backend), 'INDEX_CORRUPT', 12));
  }
  test('entries out of order', () => refused(encodeIndex({ version: 2, format: 'sha1', entries: [entry('b'), entry('a')] }, backend), 'INDEX_CORRUPT'));
  test('a merged entry twice', () => refused(encodeIndex({ version: 2, format: 'sha1', entries: [entry('a'), entry('a')] }, backend), 'INDEX_CORRUPT'));
  test('a merged entry beside a conflict stage', () => refused(encodeIndex({ version: 2, format: 'sha1', entries: [entry('a'), entry('a', { stage: 2 })] }, backend), 'INDEX_CORRUPT'));
  test('an unknown required extension (INDEX_UNSUPPORTED), an unknown optional one is skipped', () => {
    refused(good(2, 'sha1', [{ signature: 'abcd', data: new Uint8Array(4) }]), 'INDEX_UNSUPPORTED');
    assert.equal(decodeIndex(good(2, 'sha1', [{ signature: 'ABCD', data: new Uint8Array(4) }]), 'sha1', backend).extensions[0]?.signature, 'ABCD');
  });
  test('an extension larger than what is left', () => {
    const b = good(2, 'sha1', [{ signature: 'TREE', data: new Uint8Array(8) }]);
    const at = b.length - 20 - 8 - 8;
    refused(patched(b, (_, d) => d.setUint32(at + 4, 0x7fffffff)), 'INDEX_CORRUPT', at + 4);
  });
  test('bytes after the entries too few for an extension header', () => {
    const b = good();
    refused(withBody(Uint8Array.from([...b.subarray(0, b.length - 20), 1, 2, 3])), 'INDEX_CORRUPT', b.length - 20);
  });
  test('a SHA-256 index read as SHA-1', () => {
    const b = good(3, 'sha256');
    assert.throws(() => decodeIndex(b, 'sha1', backend), XtestPackError);
  });
});

describe('split index link', () => {
  const ewah = (bitSize: number, words: [number, number][], rlw = 0): number[] => {
    const out = [bitSize >>> 24, (bitSize >>> 16) & 255, (bitSize >>> 8) & 255, bitSize & 255, 0, 0, 0, words.length];
    for (const [hi, lo] of words) out.push(hi >>> 24, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255);
    out.push(0, 0, 0, rlw);
    return out;
  };
  const base = new Array(20).fill(7);

  test('positions from a run word and literal words', () => {
    // run word: no run, 1 literal word; literal: bits 0, 3, 40.
    const data = Uint8Array.from([...base, ...ewah(64, [[1 << 1, 0], [1 << 8, 0b1001]]), ...ewah(0, [[0, 0]])]);
    const link = decodeLink(data, 'sha1', 100, 'index');
    assert.deepEqual(ewahPositions(link.deleteBitmap!, 64), [0, 3, 40]);
    assert.deepEqual(ewahPositions(link.replaceBitmap!, 64), []);
  });
  test('a run of 2^32 - 1 words of ones: refused at once', () => {
    const data = Uint8Array.from([...base, ...ewah(64, [[1, 0xffffffff]]), ...ewah(0, [[0, 0]])]);
    const link = decodeLink(data, 'sha1', 100, 'index');
    assert.throws(() => ewahPositions(link.deleteBitmap!, 10, 'index'), (e: unknown) => e instanceof XtestPackError && e.code === 'INDEX_CORRUPT');
  });
  test('a set bit beyond the shared index', () => {
    const data = Uint8Array.from([...base, ...ewah(64, [[1 << 1, 0], [0, 1 << 20]]), ...ewah(0, [[0, 0]])]);
    assert.throws(() => ewahPositions(decodeLink(data, 'sha1', 0).deleteBitmap!, 20), XtestPackError);
  });
  test('more literal words than follow', () => {
    const data = Uint8Array.from([...base, ...ewah(64, [[9 << 1, 0]]), ...ewah(0, [[0, 0]])]);
    assert.throws(() => ewahPositions(decodeLink(data, 'sha1', 0).deleteBitmap!, 1000), XtestPackError);
  });
  test('2^32 - 1 words declared: refused before reading them', () => {
    const d = [...base, ...ewah(64, [[0, 0]])];
    d[20 + 4] = d[20 + 5] = d[20 + 6] = d[20 + 7] = 0xff;
    assert.throws(() => decodeLink(Uint8Array.from(d), 'sha1', 0), (e: unknown) => e instanceof XtestPackError && e.code === 'INDEX_CORRUPT');
  });
  test('garbage after the bitmaps', () => {
    const data = Uint8Array.from([...base, ...ewah(0, [[0, 0]]), ...ewah(0, [[0, 0]]), 1]);
    assert.throws(() => decodeLink(data, 'sha1', 0), XtestPackError);
  });
});
