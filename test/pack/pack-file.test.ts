// Random access through PackFile: offsets past 4 GiB, the delta-base cache budget, idx/pack
// consistency at open, and id verification on read.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import { concatBytes } from '../../src/pack/bytes.js';
import { encodeDelta } from '../../src/pack/delta.js';
import { encodeEntryHeader, encodeOfsDeltaDistance } from '../../src/pack/entry.js';
import { encodeIdx, openIdx } from '../../src/pack/idx/index.js';
import { OBJ_BLOB, OBJ_OFS_DELTA, hashLength, objectHeader, type ObjectFormat } from '../../src/pack/oid.js';
import { encodePackHeader } from '../../src/pack/pack-header.js';
import { DeltaBaseCache, PackFile } from '../../src/pack/pack-file.js';
import { bytesSource, type ByteSource } from '../../src/pack/source.js';

const backend = getBackend();
const enc = new TextEncoder();

function oidOf(format: ObjectFormat, data: Uint8Array): Uint8Array {
  return backend.createHash(format).update(objectHeader('blob', data.length)).update(data).digest();
}

/** A sparse source: the given segments at their offsets, zeros elsewhere, of a virtual size. */
function sparseSource(size: number, segments: { offset: number; bytes: Uint8Array }[], reads: number[][]): ByteSource {
  return {
    size,
    name: 'sparse.pack',
    read(offset, length) {
      reads.push([offset, length]);
      assert.ok(length <= 1 << 20, `read of ${length} bytes: random access must not read whole gaps`);
      const out = new Uint8Array(length);
      for (const s of segments) {
        const from = Math.max(offset, s.offset);
        const to = Math.min(offset + length, s.offset + s.bytes.length);
        if (from < to) out.set(s.bytes.subarray(from - s.offset, to - s.offset), from - offset);
      }
      return out;
    },
    readInto(offset, into) {
      into.set(this.read(offset, into.length));
    },
  };
}

describe('PackFile', () => {
  for (const format of ['sha1', 'sha256'] as const) {
    test(`reads an OFS_DELTA 5 GiB past its base through a 64-bit idx offset (${format})`, () => {
      const h = hashLength(format);
      const base = enc.encode('the base object, long enough to copy from: 0123456789abcdef\n');
      const target = concatBytes([base.subarray(0, 40), enc.encode('and a new tail\n')]);
      const delta = encodeDelta(base.length, target.length, [
        { op: 'copy', offset: 0, size: 40 },
        { op: 'insert', data: enc.encode('and a new tail\n') },
      ]);
      const aOffset = 12;
      const bOffset = 5 * 2 ** 30 + 7;
      const a = concatBytes([encodeEntryHeader(OBJ_BLOB, base.length), backend.deflate(base, 6)]);
      const b = concatBytes([
        encodeEntryHeader(OBJ_OFS_DELTA, delta.length),
        encodeOfsDeltaDistance(bOffset - aOffset),
        backend.deflate(delta, 6),
      ]);
      const trailer = new Uint8Array(h).fill(0xab);
      const size = bOffset + b.length + h;
      const reads: number[][] = [];
      const source = sparseSource(
        size,
        [
          { offset: 0, bytes: encodePackHeader(2) },
          { offset: aOffset, bytes: a },
          { offset: bOffset, bytes: b },
          { offset: size - h, bytes: trailer },
        ],
        reads,
      );
      const oids = concatBytes([oidOf(format, base), oidOf(format, target)]);
      const idxBytes = encodeIdx(
        { format, count: 2, oids, offsets: Float64Array.of(aOffset, bOffset), crc32s: Uint32Array.of(0, 0) },
        trailer,
        backend,
      );
      const idx = openIdx(bytesSource(idxBytes), backend, { format: format, verify: true });
      assert.equal(idx.version, 2);
      assert.equal(idx.offsetAt(idx.find(oids.subarray(h, 2 * h))), bOffset);
      const pack = PackFile.open(source, idx, backend);
      const got = pack.findObject(oids.subarray(h, 2 * h));
      assert.ok(got);
      assert.equal(got.type, 'blob');
      assert.deepEqual(got.data, target);
      assert.deepEqual(pack.findObject(oids.subarray(0, h))?.data, base);
    });
  }

  /** A pack of `n` blobs, each a delta on the one before: a chain of depth n-1. */
  function chainPack(n: number, format: ObjectFormat = 'sha1') {
    const h = hashLength(format);
    const parts: Uint8Array[] = [encodePackHeader(n)];
    const offsets = new Float64Array(n);
    const oids: Uint8Array[] = [];
    const contents: Uint8Array[] = [];
    let offset = 12;
    let prev: Uint8Array = enc.encode('x'.repeat(4000));
    for (let i = 0; i < n; i++) {
      const data = i === 0 ? prev : concatBytes([prev, enc.encode(`line ${i}\n`)]);
      let entry: Uint8Array;
      if (i === 0) entry = concatBytes([encodeEntryHeader(OBJ_BLOB, data.length), backend.deflate(data, 6)]);
      else {
        const add = enc.encode(`line ${i}\n`);
        const delta = encodeDelta(prev.length, data.length, [
          { op: 'copy', offset: 0, size: prev.length },
          { op: 'insert', data: add },
        ]);
        entry = concatBytes([
          encodeEntryHeader(OBJ_OFS_DELTA, delta.length),
          encodeOfsDeltaDistance(offset - offsets[i - 1]!),
          backend.deflate(delta, 6),
        ]);
      }
      offsets[i] = offset;
      offset += entry.length;
      parts.push(entry);
      oids.push(oidOf(format, data));
      contents.push(data);
      prev = data;
    }
    const body = concatBytes(parts);
    const checksum = backend.createHash(format).update(body).digest();
    const pack = concatBytes([body, checksum]);
    const crc32s = new Uint32Array(n);
    const idxBytes = encodeIdx({ format, count: n, oids: concatBytes(oids), offsets, crc32s }, checksum, backend);
    return { pack, idxBytes, oids, contents, h };
  }

  function memorySource(bytes: Uint8Array): ByteSource & { reads: number } {
    const s = {
      size: bytes.length,
      name: 'mem.pack',
      reads: 0,
      read(offset: number, length: number) {
        s.reads++;
        return bytes.slice(offset, offset + length);
      },
      readInto(offset: number, into: Uint8Array) {
        s.reads++;
        into.set(bytes.subarray(offset, offset + into.length));
      },
    };
    return s;
  }

  test('resolves a 3000-deep delta chain without recursion, and the cache stays within its budget', () => {
    const { pack, idxBytes, oids, contents, h } = chainPack(3000);
    const cache = new DeltaBaseCache(256 << 10);
    const file = PackFile.open(memorySource(pack), openIdx(bytesSource(idxBytes), backend, { verify: true }), backend, { cache });
    const last = file.findObject(oids[2999]!);
    assert.deepEqual(last?.data, contents[2999]);
    assert.ok(cache.used <= cache.limit, `cache holds ${cache.used} > ${cache.limit}`);
    assert.ok(cache.used > 0);
    assert.equal(h, 20);
  });

  test('a cached base saves re-reading the chain', () => {
    const { pack, idxBytes, oids, contents } = chainPack(50);
    // Entries read are counted as entries inflated: reads of the source are fewer than entries
    // (a read fills the pack's window with the entries around).
    let inflated = 0;
    const counting: typeof backend = {
      ...backend,
      inflate: (input, size) => {
        inflated++;
        return backend.inflate(input, size);
      },
    };
    const file = PackFile.open(memorySource(pack), openIdx(bytesSource(idxBytes), backend, { verify: true }), counting);
    assert.deepEqual(file.findObject(oids[48]!)?.data, contents[48]);
    assert.equal(inflated, 49, 'the chain once');
    let before = inflated;
    assert.deepEqual(file.findObject(oids[47]!)?.data, contents[47]);
    assert.equal(inflated - before, 0, 'a base of the last read comes from the cache');
    before = inflated;
    assert.deepEqual(file.findObject(oids[49]!)?.data, contents[49]);
    assert.equal(inflated - before, 2, 'objects 49 and 48 are read; 47 comes from the cache');
  });

  test('data returned from the cache is a copy the caller may change', () => {
    const { pack, idxBytes, oids, contents } = chainPack(3);
    const file = PackFile.open(memorySource(pack), openIdx(bytesSource(idxBytes), backend, { verify: true }), backend);
    file.findObject(oids[2]!); // caches objects 0 and 1
    const one = file.findObject(oids[1]!)!;
    one.data.fill(0);
    assert.deepEqual(file.findObject(oids[1]!)?.data, contents[1]);
  });

  test('open refuses a pack whose trailer is not the checksum its idx names', () => {
    const { pack, idxBytes } = chainPack(3);
    const bad = pack.slice();
    bad[bad.length - 1]! ^= 1;
    assert.throws(
      () => PackFile.open(memorySource(bad), openIdx(bytesSource(idxBytes), backend, { verify: true }), backend),
      (e: unknown) => e instanceof XtestPackError && e.code === 'IDX_MISMATCH' && e.offset === bad.length - 20,
    );
  });

  test('open refuses a pack whose object count differs from its idx', () => {
    const { pack, idxBytes } = chainPack(3);
    const bad = pack.slice();
    bad[11] = 4;
    assert.throws(
      () => PackFile.open(memorySource(bad), openIdx(bytesSource(idxBytes), backend, { verify: true }), backend),
      (e: unknown) => e instanceof XtestPackError && e.code === 'IDX_MISMATCH' && e.offset === 8,
    );
  });

  test('an object whose bytes do not hash to the id asked for is OID_MISMATCH unless verify is off', () => {
    const format = 'sha1';
    const data = enc.encode('hello\n');
    const body = concatBytes([encodePackHeader(1), encodeEntryHeader(OBJ_BLOB, data.length), backend.deflate(data, 6)]);
    const checksum = backend.createHash(format).update(body).digest();
    const liar = new Uint8Array(20).fill(0x11);
    const idx = openIdx(bytesSource(encodeIdx({ format, count: 1, oids: liar, offsets: Float64Array.of(12), crc32s: Uint32Array.of(0) }, checksum, backend)), backend, { verify: true });
    const file = PackFile.open(memorySource(concatBytes([body, checksum])), idx, backend);
    assert.throws(
      () => file.findObject(liar),
      (e: unknown) => e instanceof XtestPackError && e.code === 'OID_MISMATCH' && e.oid === '11'.repeat(20),
    );
    assert.deepEqual(file.findObject(liar, { verify: false })?.data, data);
    assert.equal(file.findObject(new Uint8Array(20)), undefined);
  });
});
