// encodeIdx -> IdxFile round trips for random entry sets, read in memory and in pieces: both
// object formats, both idx versions, offsets across the 2^31 and 2^32 boundaries (the
// large-offset table).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { getBackend } from '../../src/backend/index.js';
import { IdxFile, encodeIdx, openIdx, type IndexEntries } from '../../src/pack/idx/index.js';
import { bytesSource } from '../../src/pack/source.js';
import { hashLength, toHex, type ObjectFormat } from '../../src/pack/oid.js';
import { XtestPackError } from '../../src/errors.js';
import { pieceSource } from '../support/pack-builder.js';

const backend = getBackend();
const T = { timeout: 20_000 };
const OFF32_LIMIT = 0x7fffffff;

const offsetArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 12, max: 1 << 20 }) },
  { weight: 2, arbitrary: fc.integer({ min: 12, max: OFF32_LIMIT }) },
  { weight: 1, arbitrary: fc.constantFrom(OFF32_LIMIT - 1, OFF32_LIMIT, OFF32_LIMIT + 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40, Number.MAX_SAFE_INTEGER) },
  { weight: 1, arbitrary: fc.integer({ min: OFF32_LIMIT + 1, max: Number.MAX_SAFE_INTEGER }) },
);

interface Case {
  format: ObjectFormat;
  version: 1 | 2;
  oids: Uint8Array[];
  offsets: number[];
  crcs: number[];
  checksum: Uint8Array;
  absent: Uint8Array[];
}

/** Oids that share first bytes often, so fan-out buckets and binary search are exercised. */
function oidArb(h: number): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x42), fc.boolean(), fc.uint8Array({ minLength: h, maxLength: h })).map(([first, fixFirst, rest]) => {
    const o = rest.slice();
    if (fixFirst) o[0] = first;
    return o;
  });
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({ format: fc.constantFrom<ObjectFormat>('sha1', 'sha256'), version: fc.constantFrom<1 | 2>(1, 2), small: fc.boolean() })
  .chain(({ format, version, small }) => {
    const h = hashLength(format);
    return fc
      .uniqueArray(oidArb(h), { maxLength: 80, selector: (o) => toHex(o) })
      .chain((oids) =>
        fc.record({
          format: fc.constant(format),
          version: fc.constant(version),
          oids: fc.constant(oids),
          // Half the cases stay below 2^31 so that version 1 is really written.
          offsets: fc.uniqueArray(small ? fc.integer({ min: 12, max: OFF32_LIMIT }) : offsetArb, { minLength: oids.length, maxLength: oids.length }),
          crcs: fc.array(fc.nat({ max: 0xffffffff }), { minLength: oids.length, maxLength: oids.length }),
          checksum: fc.uint8Array({ minLength: h, maxLength: h }),
          absent: fc.array(oidArb(h), { maxLength: 10 }),
        }),
      );
  });

function entriesOf(c: Case): IndexEntries {
  const h = hashLength(c.format);
  const oids = new Uint8Array(c.oids.length * h);
  c.oids.forEach((o, i) => oids.set(o, i * h));
  return { format: c.format, count: c.oids.length, oids, offsets: Float64Array.from(c.offsets), crc32s: Uint32Array.from(c.crcs) };
}

test('idx: encodeIdx then IdxFile (in memory or in pieces) gives back every oid, offset and CRC-32 (sha1/sha256, v1/v2, 64-bit offsets)', T, () => {
  const seen = { v1: 0, v2: 0, large: 0, upgraded: 0 };
  fc.assert(
    fc.property(caseArb, (c) => {
      const h = hashLength(c.format);
      const n = c.oids.length;
      const bytes = encodeIdx(entriesOf(c), c.checksum, backend, { version: c.version });
      const large = c.offsets.filter((o) => o > OFF32_LIMIT).length;
      // git: version 1 cannot hold an offset past 2^31 - 1, so the idx is written as version 2.
      const expectVersion = large > 0 ? 2 : c.version;
      const expectLength = expectVersion === 1 ? 1024 + n * (h + 4) + 2 * h : 8 + 1024 + n * (h + 8) + large * 8 + 2 * h;
      assert.equal(bytes.length, expectLength);
      // In memory (verified whole; the format inferred and told) and read in pieces. git's
      // reader takes n - 1 large offsets at most (a real pack's first object is at offset 12):
      // with more the idx reads, and verifying it whole refuses it.
      const verify = large <= Math.max(0, n - 1);
      if (!verify) assert.throws(() => openIdx(bytesSource(bytes), backend, { verify: true }), (e: unknown) => e instanceof XtestPackError && e.code === 'IDX_CORRUPT');
      const mem = (format?: ObjectFormat) => openIdx(bytesSource(bytes), backend, { ...(format ? { format } : {}), verify });
      for (const idx of [mem(), mem(c.format), IdxFile.open(pieceSource(bytes), c.format)]) {
        assert.equal(idx.version, expectVersion);
        assert.equal(idx.format, c.format);
        assert.equal(idx.count, n);
        assert.deepEqual(idx.packChecksum, c.checksum);
        // sorted, strictly ascending
        for (let i = 1; i < n; i++) assert.ok(Buffer.compare(idx.oidAt(i - 1), idx.oidAt(i)) < 0, `entry ${i} out of order`);
        for (let k = 0; k < n; k++) {
          const i = idx.find(c.oids[k]!);
          assert.ok(i >= 0, `oid ${toHex(c.oids[k]!)} not found`);
          assert.deepEqual(idx.oidAt(i), c.oids[k]);
          assert.equal(idx.offsetAt(i), c.offsets[k]);
          assert.equal(idx.crc32At(i), expectVersion === 2 ? c.crcs[k] : undefined);
          const hex = toHex(c.oids[k]!);
          const plen = 1 + (k % 8);
          assert.ok(idx.findPrefix(hex.slice(0, plen), 1000).includes(i), `prefix ${hex.slice(0, plen)}`);
        }
        const present = new Set(c.oids.map(toHex));
        for (const a of c.absent) if (!present.has(toHex(a))) assert.equal(idx.find(a), -1, `absent ${toHex(a)} found`);
        // Ids of the other length are never found.
        if (n > 0) assert.equal(idx.find(c.oids[0]!.subarray(0, h - 1)), -1);
      }
      seen[expectVersion === 1 ? 'v1' : 'v2']++;
      if (large > 0) seen.large++;
      if (large > 0 && c.version === 1) seen.upgraded++;
    }),
    { numRuns: 200 },
  );
  assert.ok(seen.v1 > 20 && seen.v2 > 20 && seen.large > 20 && seen.upgraded > 5, JSON.stringify(seen));
});

test('idx: a version 1 request with an offset past 2^31 - 1 is written as version 2 (as git does); 2^31 - 1 itself stays v1', T, () => {
  for (const format of ['sha1', 'sha256'] as const) {
    const h = hashLength(format);
    const oids = new Uint8Array(2 * h).fill(0x11);
    oids[h] = 0x22;
    const mk = (second: number): IndexEntries => ({ format, count: 2, oids, offsets: Float64Array.of(12, second), crc32s: Uint32Array.of(1, 2) });
    const cs = new Uint8Array(h).fill(7);
    const atLimit = openIdx(bytesSource(encodeIdx(mk(OFF32_LIMIT), cs, backend, { version: 1 })), backend, { verify: true });
    assert.equal(atLimit.version, 1);
    assert.equal(atLimit.offsetAt(1), OFF32_LIMIT);
    for (const big of [OFF32_LIMIT + 1, 2 ** 32, 2 ** 32 + 5, 2 ** 45]) {
      const bytes = encodeIdx(mk(big), cs, backend, { version: 1 });
      assert.deepEqual([...bytes.subarray(0, 8)], [0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2], `magic and version 2 for ${big}`);
      const idx = openIdx(bytesSource(bytes), backend, { verify: true });
      assert.equal(idx.version, 2);
      assert.equal(idx.offsetAt(1), big);
      assert.equal(idx.crc32At(1), 2);
      // One large-offset entry: 8 bytes more than the v2 layout without it.
      assert.equal(bytes.length, 8 + 1024 + 2 * (h + 8) + 8 + 2 * h);
    }
  }
});

test('idx: opened and verified as the wrong format, it is refused (CHECKSUM_MISMATCH or IDX_CORRUPT)', T, () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const bytes = encodeIdx(entriesOf(c), c.checksum, backend, { version: c.version });
      const other: ObjectFormat = c.format === 'sha1' ? 'sha256' : 'sha1';
      try {
        openIdx(bytesSource(bytes), backend, { format: other, verify: true });
      } catch (e) {
        assert.ok(e instanceof XtestPackError, String(e));
        assert.ok(['IDX_CORRUPT', 'CHECKSUM_MISMATCH'].includes(e.code), e.code);
        assert.ok(e.offset !== undefined);
        return;
      }
      assert.fail(`a ${c.format} idx decoded as ${other}`);
    }),
    { numRuns: 100 },
  );
});
