// IdxFile, the one idx reader: over a source read in pieces and over bytes in memory it gives
// the entries the idx was written from (ids, offsets past 2^31 and 2^32, CRC-32s, prefixes) for
// both versions and object formats, reads only small pieces of a file (until they add up to the
// file, which is then read whole, as git's mmap pages it in), and refuses a damaged
// head at open and a damaged entry when it is used: one-line XtestPackErrors naming the file and
// offset, never a read of what the file declares.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import { concatBytes } from '../../src/pack/bytes.js';
import { IdxFile, encodeIdx, openIdx, type IndexEntries } from '../../src/pack/idx/index.js';
import { hashLength, toHex, type ObjectFormat } from '../../src/pack/oid.js';
import { PackFile } from '../../src/pack/pack-file.js';
import { bytesSource, type ByteSource } from '../../src/pack/source.js';
import { buildIdx, buildPack, expectPackError, pseudoRandomBytes, utf8 } from '../support/pack-builder.js';

const backend = getBackend();
const IDX_NAME = 'pack-test.idx';

/**
 * A source over `bytes` that records every read, and refuses reads larger than `maxRead` (by
 * default 32 KiB, the most ids a lookup reads at once) but one: the whole file, once the reads
 * before it have read as many bytes as it holds, and then no other read.
 */
function recordingSource(bytes: Uint8Array, maxRead = 32 << 10): ByteSource & { reads: [number, number][]; whole: boolean } {
  const inner = bytesSource(bytes, IDX_NAME);
  let before = 0;
  const s = {
    size: bytes.length,
    name: IDX_NAME,
    reads: [] as [number, number][],
    whole: false,
    read(offset: number, length: number) {
      s.reads.push([offset, length]);
      assert.ok(!s.whole, `a read of ${length} bytes at ${offset} after the whole file`);
      if (offset === 0 && length === bytes.length && length > maxRead) {
        assert.ok(before >= bytes.length, `the whole file read after ${before} bytes in pieces`);
        s.whole = true;
      } else assert.ok(length <= maxRead, `a read of ${length} bytes at ${offset}`);
      before += length;
      return inner.read(offset, length).slice();
    },
    readInto(offset: number, into: Uint8Array) {
      s.reads.push([offset, into.length]);
      assert.ok(!s.whole, `a read of ${into.length} bytes at ${offset} after the whole file`);
      assert.ok(into.length <= maxRead, `a read of ${into.length} bytes at ${offset}`);
      before += into.length;
      inner.readInto(offset, into);
    },
  };
  return s;
}

/**
 * `n` distinct ids: most in one fan-out bucket (0x42), so that lookups there take the probing
 * path as well as the slice path, the rest spread over every first byte.
 */
function oidsFor(format: ObjectFormat, n: number, seed: number): Uint8Array[] {
  const h = hashLength(format);
  const raw = pseudoRandomBytes(n * h, seed);
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const o = raw.slice(i * h, i * h + h);
    if (i % 3 !== 0) o[0] = 0x42;
    if (i % 7 === 0) o[1] = 0x00;
    if (!seen.has(toHex(o))) {
      seen.add(toHex(o));
      out.push(o);
    }
  }
  return out;
}

function entries(format: ObjectFormat, oids: Uint8Array[], offsetOf: (i: number) => number): IndexEntries {
  const h = hashLength(format);
  const bytes = new Uint8Array(oids.length * h);
  oids.forEach((o, i) => bytes.set(o, i * h));
  return {
    format,
    count: oids.length,
    oids: bytes,
    offsets: Float64Array.from(oids, (_, i) => offsetOf(i)),
    crc32s: Uint32Array.from(oids, (_, i) => (i * 2654435761) >>> 0),
  };
}

/** What an idx of `e` must answer: its entries in id order, and lookups by id and prefix over them. */
interface Model {
  readonly version: 1 | 2;
  readonly format: ObjectFormat;
  readonly count: number;
  readonly packChecksum: Uint8Array;
  oidAt(i: number): Uint8Array;
  offsetAt(i: number): number;
  crc32At(i: number): number | undefined;
  find(oid: Uint8Array): number;
  findPrefix(prefix: string, limit: number): number[];
}

function model(e: IndexEntries, version: 1 | 2, packChecksum: Uint8Array): Model {
  const h = hashLength(e.format);
  const rows = Array.from({ length: e.count }, (_, i) => ({
    oid: e.oids.slice(i * h, i * h + h),
    hex: toHex(e.oids.subarray(i * h, i * h + h)),
    offset: e.offsets[i]!,
    crc: e.crc32s[i]!,
  })).sort((a, b) => (a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0));
  return {
    version,
    format: e.format,
    count: e.count,
    packChecksum,
    oidAt: (i) => rows[i]!.oid,
    offsetAt: (i) => rows[i]!.offset,
    crc32At: (i) => (version === 1 ? undefined : rows[i]!.crc),
    find: (oid) => rows.findIndex((r) => r.hex === toHex(oid)),
    findPrefix: (prefix, limit) => {
      const p = prefix.toLowerCase();
      if (p === '' || !/^[0-9a-f]+$/.test(p)) return [];
      return rows.flatMap((r, i) => (r.hex.startsWith(p) ? [i] : [])).slice(0, limit);
    },
  };
}

/** Every accessor of `got` gives what the model `want` gives. */
function assertSameIndex(got: IdxFile, want: Model, absent: readonly Uint8Array[]): void {
  assert.equal(got.version, want.version);
  assert.equal(got.format, want.format);
  assert.equal(got.count, want.count);
  assert.deepEqual(got.packChecksum, want.packChecksum);
  for (let i = 0; i < want.count; i++) {
    const oid = want.oidAt(i);
    assert.deepEqual(got.oidAt(i), oid, `oid ${i}`);
    assert.equal(got.find(oid), i, `find ${toHex(oid)}`);
    assert.equal(got.offsetAt(i), want.offsetAt(i), `offset ${i}`);
    assert.equal(got.crc32At(i), want.crc32At(i), `crc ${i}`);
  }
  for (const a of absent) assert.equal(got.find(a), want.find(a), `absent ${toHex(a)}`);
  assert.equal(got.find(new Uint8Array(hashLength(want.format) - 1)), -1, 'an id of the wrong length');
}

/** Prefixes of every length of some ids, and of ids that are not there. */
function assertSamePrefixes(got: IdxFile, want: Model, absent: readonly Uint8Array[]): void {
  const h = hashLength(want.format);
  const probes: string[] = ['0', '4', '42', '420', 'f', 'ff'];
  for (let i = 0; i < want.count; i += Math.max(1, Math.floor(want.count / 40))) {
    const hex = toHex(want.oidAt(i));
    for (const len of [1, 2, 3, 4, 5, 7, 8, 12, 2 * h - 1, 2 * h]) probes.push(hex.slice(0, len));
  }
  for (const a of absent) probes.push(toHex(a).slice(0, 6), toHex(a));
  for (const p of probes) {
    for (const limit of [1, 3, 16, 100000]) {
      assert.deepEqual(got.findPrefix(p, limit), want.findPrefix(p, limit), `prefix ${p}, limit ${limit}`);
      assert.deepEqual(got.findPrefix(p.toUpperCase(), limit), want.findPrefix(p, limit), `prefix ${p.toUpperCase()}`);
    }
  }
  assert.deepEqual(got.findPrefix('', 10), []);
  assert.deepEqual(got.findPrefix('xyz', 10), []);
}

describe('IdxFile', () => {
  for (const format of ['sha1', 'sha256'] as const) {
    for (const version of [1, 2] as const) {
      test(`an idx v${version} (${format}) of 3000 ids, 2000 in one bucket: read in pieces and in memory, it answers as its entries`, () => {
        const h = hashLength(format);
        const oids = oidsFor(format, 3000, format === 'sha1' ? 11 : 12);
        const e = entries(format, oids, (i) => 12 + i * 97);
        const packChecksum = new Uint8Array(h).fill(0x5a);
        const bytes = encodeIdx(e, packChecksum, backend, { version });
        const want = model(e, version, packChecksum);
        const absent = oidsFor(format, 50, 99);
        const pieces = recordingSource(bytes);
        for (const source of [pieces, bytesSource(bytes, IDX_NAME)]) {
          const got = IdxFile.open(source, format);
          assert.equal(got.idxChecksum.length, h);
          assert.deepEqual(got.idxChecksum, bytes.subarray(bytes.length - h));
          assertSameIndex(got, want, absent);
          assertSamePrefixes(got, want, absent);
        }
        // Thousands of lookups read more than the file holds in pieces: then it is read whole.
        assert.ok(pieces.whole, 'read whole after the lookups read as much as the file holds');
        assert.equal(openIdx(bytesSource(bytes), backend, { verify: true }).format, format, 'the format inferred');
      });
    }

    test(`offsets past 2^31 and 2^32 through the large-offset table (${format})`, () => {
      const h = hashLength(format);
      const big = [2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 12, 5 * 2 ** 30 + 7, 2 ** 45, Number.MAX_SAFE_INTEGER];
      const oids = oidsFor(format, 600, 5);
      const e = entries(format, oids, (i) => (i % 5 === 0 ? big[(i / 5) % big.length]! : 12 + i));
      const bytes = encodeIdx(e, new Uint8Array(h), backend);
      const want = model(e, 2, new Uint8Array(h));
      const got = IdxFile.open(bytesSource(bytes, IDX_NAME), format);
      assert.equal(got.version, 2);
      assert.ok(got.layout.largeCount > 0 && got.layout.largeCount < got.count);
      assertSameIndex(got, want, []);
      assertSameIndex(IdxFile.open(recordingSource(bytes), format), want, []);
      const offsets = new Set(Array.from({ length: got.count }, (_, i) => got.offsetAt(i)));
      for (const b of big) assert.ok(offsets.has(b), `offset ${b}`);
    });
  }

  test('opening reads the head and the trailer; a lookup in 100,000 ids reads a few pieces, 32 KiB of ids at most', () => {
    const format = 'sha1';
    const oids = oidsFor(format, 100_000, 3);
    const bytes = encodeIdx(entries(format, oids, (i) => 12 + i), new Uint8Array(20), backend);
    const source = recordingSource(bytes);
    const idx = IdxFile.open(source, format);
    const atOpen = source.reads.reduce((n, [, len]) => n + len, 0);
    assert.ok(atOpen <= 8 + 1024 + 40, `open read ${atOpen} bytes`);
    for (const k of [0, 1, 2, 99_999]) {
      source.reads.length = 0;
      const i = idx.find(oids[k]!);
      assert.deepEqual(idx.oidAt(i), oids[k]);
      assert.equal(idx.offsetAt(i), 12 + k);
      const read = source.reads.reduce((n, [, len]) => n + len, 0);
      assert.ok(source.reads.length <= 24 && read <= (32 << 10) + 24 * 20, `lookup of id ${k}: ${source.reads.length} reads, ${read} bytes`);
    }
  });

  test('PackFile over an IdxFile reads an OFS_DELTA past 4 GiB, and the object the idx lists', () => {
    // A small real pack, then the same objects placed past 2^32 in a sparse source.
    const base = utf8('the base object, long enough to copy from: 0123456789abcdef\n');
    const pack = buildPack([{ type: 3, data: base }], backend);
    const far = 2 ** 32 + 1000;
    const entry = pack.bytes.subarray(pack.offsets[0]!, pack.trailerAt);
    const size = far + entry.length + 20;
    const header = pack.bytes.subarray(0, 12);
    const trailer = new Uint8Array(20).fill(0xcd);
    const source: ByteSource = {
      size,
      name: 'far.pack',
      read(offset, length) {
        const out = new Uint8Array(length);
        for (const [at, b] of [[0, header], [far, entry], [size - 20, trailer]] as const) {
          const from = Math.max(offset, at);
          const to = Math.min(offset + length, at + b.length);
          if (from < to) out.set(b.subarray(from - at, to - at), from - offset);
        }
        return out;
      },
      readInto(offset, into) {
        into.set(this.read(offset, into.length));
      },
    };
    const oid = backend.createHash('sha1').update(utf8(`blob ${base.length}\0`)).update(base).digest();
    const idxBytes = encodeIdx({ format: 'sha1', count: 1, oids: oid, offsets: Float64Array.of(far), crc32s: Uint32Array.of(0) }, trailer, backend);
    const pf = PackFile.open(source, IdxFile.open(bytesSource(idxBytes, IDX_NAME), 'sha1'), backend);
    assert.deepEqual(pf.findObject(oid)?.data, base);
  });
});

describe('IdxFile on damaged idx files', () => {
  const format = 'sha1';
  const oids = oidsFor(format, 300, 21);
  const good = encodeIdx(entries(format, oids, (i) => 12 + i), new Uint8Array(20), backend);

  function refused(bytes: Uint8Array, what: string): XtestPackError {
    const source = recordingSource(bytes, 8 + 1024 + 40);
    const e = expectPackError(() => IdxFile.open(source, format), what);
    assert.equal(e.code, 'IDX_CORRUPT', `${what}: ${e.message}`);
    assert.equal(e.file, IDX_NAME, `${what}: names the idx`);
    assert.ok(e.offset !== undefined, `${what}: names an offset`);
    assert.ok(!/[\r\n]/.test(e.message));
    return e;
  }

  test('a fan-out that decreases: IDX_CORRUPT at open, naming the entry', () => {
    const bad = good.slice();
    const at = 8 + 100 * 4;
    new DataView(bad.buffer).setUint32(at, 0xffff);
    assert.equal(refused(bad, 'fan-out 100 raised').offset, 8 + 101 * 4);
  });

  test('every truncation: IDX_CORRUPT at open, reading at most the head', () => {
    for (let len = 0; len < good.length; len += len < 1100 ? 1 : 37) refused(good.subarray(0, len), `cut to ${len}`);
    refused(concatBytes([good, new Uint8Array(3)]), 'three bytes more');
  });

  test('a fan-out that declares 2^32 - 1 objects in a small file: IDX_CORRUPT, nothing else read', () => {
    const bad = good.slice();
    const view = new DataView(bad.buffer);
    for (let b = 200; b < 256; b++) view.setUint32(8 + b * 4, 0xffffffff);
    refused(bad, 'count 2^32 - 1');
  });

  test('an unknown version: IDX_CORRUPT', () => {
    const bad = good.slice();
    bad[7] = 3;
    refused(bad, 'version 3');
  });

  test('a large-offset reference past the table, and a large offset past 2^53: IDX_CORRUPT when used, naming the idx and offset', () => {
    const big = encodeIdx(entries(format, oids, (i) => (i === 5 ? 2 ** 33 : 12 + i)), new Uint8Array(20), backend);
    const idx = openIdx(bytesSource(big), backend, { format, verify: true });
    const i = idx.find(oids[5]!);
    const n = idx.count;
    const offAt = 8 + 1024 + n * 24 + i * 4;
    const refPast = big.slice();
    new DataView(refPast.buffer).setUint32(offAt, 0x80000000 | 1); // the table holds one entry
    const r1 = IdxFile.open(bytesSource(refPast, IDX_NAME), format);
    const e1 = expectPackError(() => r1.offsetAt(i), 'offsetAt');
    assert.equal(e1.code, 'IDX_CORRUPT');
    assert.equal(e1.file, IDX_NAME);
    assert.equal(e1.offset, offAt);
    assert.equal(r1.offsetAt(i === 0 ? 1 : 0), idx.offsetAt(i === 0 ? 1 : 0), 'other entries still read');
    const huge = big.slice();
    new DataView(huge.buffer).setUint32(8 + 1024 + n * 28, 0x00200000);
    const r2 = IdxFile.open(bytesSource(huge, IDX_NAME), format);
    const e2 = expectPackError(() => r2.offsetAt(i), 'offsetAt');
    assert.equal(e2.code, 'IDX_CORRUPT');
    assert.equal(e2.offset, 8 + 1024 + n * 28);
  });

  test('an offset past the end of the pack: reading that object is IDX_CORRUPT naming the pack, offset and object', () => {
    const data = [utf8('first blob\n'), utf8('second blob\n')];
    const pack = buildPack(data.map((d) => ({ type: 3, data: d })), backend);
    const ids = data.map((d) => backend.createHash('sha1').update(utf8(`blob ${d.length}\0`)).update(d).digest());
    for (const bogus of [pack.bytes.length + 100, pack.trailerAt, 5, 2 ** 40]) {
      const idxBytes = buildIdx(pack, ids, backend, { offsets: [pack.offsets[0]!, bogus] });
      const pf = PackFile.open(bytesSource(pack.bytes, 'p.pack'), IdxFile.open(bytesSource(idxBytes, IDX_NAME), 'sha1'), backend);
      const e = expectPackError(() => pf.findObject(ids[1]!), `offset ${bogus}`);
      assert.equal(e.code, 'IDX_CORRUPT', e.message);
      assert.equal(e.file, 'p.pack');
      assert.equal(e.offset, bogus);
      assert.equal(e.oid, toHex(ids[1]!));
      assert.deepEqual(pf.findObject(ids[0]!)?.data, data[0]);
    }
  });

  test('ids out of order or outside their bucket: lookups miss or find, never read out of bounds', () => {
    const bad = good.slice();
    // Swap two ids of the big bucket and move one id's first byte.
    const i = 150;
    const a = bad.slice(8 + 1024 + i * 20, 8 + 1024 + i * 20 + 20);
    bad.copyWithin(8 + 1024 + i * 20, 8 + 1024 + (i + 1) * 20, 8 + 1024 + (i + 2) * 20);
    bad.set(a, 8 + 1024 + (i + 1) * 20);
    bad[8 + 1024 + 3 * 20] = 0xee;
    const r = IdxFile.open(recordingSource(bad), format);
    for (const o of oids) {
      const k = r.find(o);
      assert.ok(k === -1 || toHex(r.oidAt(k)) === toHex(o), `find ${toHex(o)} gave entry ${k}`);
      r.findPrefix(toHex(o).slice(0, 5));
    }
  });

  test('an index outside 0..count-1 is a RangeError (a caller bug, not damage)', () => {
    const r = IdxFile.open(bytesSource(good, IDX_NAME), format);
    for (const i of [-1, r.count, 1.5, Number.NaN]) {
      assert.throws(() => r.offsetAt(i), RangeError);
      assert.throws(() => r.oidAt(i), RangeError);
      assert.throws(() => r.crc32At(i), RangeError);
    }
  });
});
