// Property tests of the small integer encodings of the pack format: entry headers (type and
// size), OFS_DELTA base distances, and the two size varints at the start of delta data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeDeltaHeader, pushVarint } from '../../src/pack/delta.js';
import { decodeEntryHeader, encodeEntryHeader, encodeOfsDeltaDistance } from '../../src/pack/entry.js';
import { XtestPackError } from '../../src/errors.js';

const MAX = Number.MAX_SAFE_INTEGER; // 2^53 - 1
const RUNS = { numRuns: 300 };
const T = { timeout: 10_000 };

/** Non-negative safe integers, biased towards the edges of each 7-bit group. */
const sizeArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: 52 }).chain((bits) =>
    fc.constantFrom(2 ** bits - 1, 2 ** bits, Math.min(MAX, 2 ** bits + 1), Math.max(0, 2 ** bits - 2)),
  ),
  fc.constantFrom(15, 16, 2047, 2048, 2 ** 32 - 1, 2 ** 32, 2 ** 40, MAX - 1, MAX),
  fc.maxSafeNat(),
);

const objectType = fc.constantFrom(1, 2, 3, 4);
const hashLen = fc.constantFrom(20, 32);

/** Bytes before and after the encoding, so `at` and trailing data are exercised. */
const padding = fc.uint8Array({ maxLength: 8 });

function expectCode(fn: () => unknown, code: string): XtestPackError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof XtestPackError, `expected XtestPackError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.ok(!e.message.includes('\n'), 'message is one line');
    return e;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

test('entry header: encode then decode gives back type, size and length (types 1-4, sizes to 2^53-1)', T, () => {
  fc.assert(
    fc.property(objectType, sizeArb, padding, fc.uint8Array({ maxLength: 8 }), hashLen, fc.nat(2 ** 40), (type, size, pre, post, h, base) => {
      const enc = encodeEntryHeader(type, size);
      assert.ok(enc.length >= 1 && enc.length <= 8, `header of ${enc.length} bytes`);
      // Minimal: every byte but the last continues, and the last one is not a useless zero group.
      for (let i = 0; i < enc.length - 1; i++) assert.ok(enc[i]! & 0x80);
      assert.equal(enc[enc.length - 1]! & 0x80, 0);
      if (enc.length > 1) assert.notEqual(enc[enc.length - 1], 0);
      const buf = new Uint8Array([...pre, ...enc, ...post]);
      const offset = 12 + base;
      const h2 = decodeEntryHeader(buf, pre.length, offset, h);
      assert.equal(h2.type, type);
      assert.equal(h2.size, size);
      assert.equal(h2.headerLength, enc.length);
      assert.equal(h2.baseOffset, -1);
      assert.equal(h2.baseOidAt, -1);
    }),
    RUNS,
  );
});

test('entry header: known vectors (blob of 1000 bytes, commit of 15 and 16 bytes)', T, () => {
  assert.deepEqual([...encodeEntryHeader(3, 1000)], [0xb8, 0x3e]);
  assert.deepEqual([...encodeEntryHeader(1, 15)], [0x1f]);
  assert.deepEqual([...encodeEntryHeader(1, 16)], [0x90, 0x01]);
  assert.deepEqual([...encodeEntryHeader(2, 0)], [0x20]);
  assert.equal(encodeEntryHeader(3, MAX).length, 8);
});

test('entry header: OFS_DELTA distance encode then decode gives back the base offset', T, () => {
  const arb = fc.tuple(sizeArb, fc.oneof(sizeArb, fc.constantFrom(1, 127, 128, 129, 16511, 16512, 16513, 2113663, 2113664)))
    .map(([a, b]) => {
      // entry offset o > 12, distance d in [1, o - 12]
      const o = Math.max(13, Math.min(MAX, a));
      const d = 1 + (b % (o - 12));
      return { o, d };
    });
  fc.assert(
    fc.property(arb, sizeArb, padding, padding, hashLen, ({ o, d }, size, pre, post, h) => {
      const head = encodeEntryHeader(6, size);
      const dist = encodeOfsDeltaDistance(d);
      assert.ok(dist.length >= 1 && dist.length <= 8);
      const buf = new Uint8Array([...pre, ...head, ...dist, ...post]);
      const e = decodeEntryHeader(buf, pre.length, o, h);
      assert.equal(e.type, 6);
      assert.equal(e.size, size);
      assert.equal(e.baseOffset, o - d);
      assert.equal(e.headerLength, head.length + dist.length);
      assert.equal(e.baseOidAt, -1);
    }),
    RUNS,
  );
});

test('entry header: OFS_DELTA distance boundaries and known vectors (git offset encoding)', T, () => {
  assert.deepEqual([...encodeOfsDeltaDistance(1)], [0x01]);
  assert.deepEqual([...encodeOfsDeltaDistance(127)], [0x7f]);
  assert.deepEqual([...encodeOfsDeltaDistance(128)], [0x80, 0x00]);
  assert.deepEqual([...encodeOfsDeltaDistance(16511)], [0xff, 0x7f]);
  assert.deepEqual([...encodeOfsDeltaDistance(16512)], [0x80, 0x80, 0x00]);
  assert.throws(() => encodeOfsDeltaDistance(0), RangeError);
});

test('entry header: REF_DELTA keeps the base id right after the size', T, () => {
  fc.assert(
    fc.property(sizeArb, padding, hashLen, fc.uint8Array({ minLength: 32, maxLength: 32 }), padding, (size, pre, h, oid, post) => {
      const head = encodeEntryHeader(7, size);
      const buf = new Uint8Array([...pre, ...head, ...oid.subarray(0, h), ...post]);
      const e = decodeEntryHeader(buf, pre.length, 1000, h);
      assert.equal(e.type, 7);
      assert.equal(e.size, size);
      assert.equal(e.baseOidAt, pre.length + head.length);
      assert.equal(e.headerLength, head.length + h);
      assert.deepEqual(buf.subarray(e.baseOidAt, e.baseOidAt + h), oid.subarray(0, h));
    }),
    RUNS,
  );
});

test('entry header: every proper prefix of an encoded header is PACK_CORRUPT (truncated)', T, () => {
  fc.assert(
    fc.property(fc.constantFrom(1, 2, 3, 4, 6, 7), sizeArb, hashLen, fc.nat(), fc.nat(), (type, size, h, dRaw, cutRaw) => {
      const parts = [...encodeEntryHeader(type, size)];
      if (type === 6) parts.push(...encodeOfsDeltaDistance(1 + (dRaw % 100000)));
      if (type === 7) parts.push(...new Uint8Array(h).fill(0xab));
      const cut = cutRaw % parts.length;
      const e = expectCode(() => decodeEntryHeader(Uint8Array.from(parts.slice(0, cut)), 0, 200000, h), 'PACK_CORRUPT');
      assert.equal(e.offset, 200000);
    }),
    RUNS,
  );
});

test('entry header: any bytes decode to a sane header or PACK_CORRUPT (never another error)', T, () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 48 }), fc.integer({ min: 12, max: MAX }), hashLen, (bytes, offset, h) => {
      let e;
      try {
        e = decodeEntryHeader(bytes, 0, offset, h);
      } catch (err) {
        assert.ok(err instanceof XtestPackError, String(err));
        assert.equal(err.code, 'PACK_CORRUPT');
        assert.equal(err.offset, offset);
        return;
      }
      assert.ok([1, 2, 3, 4, 6, 7].includes(e.type));
      assert.ok(Number.isSafeInteger(e.size) && e.size >= 0);
      assert.ok(e.headerLength >= 1 && e.headerLength <= bytes.length);
      if (e.type === 6) {
        assert.ok(Number.isSafeInteger(e.baseOffset), `base offset ${e.baseOffset}`);
        assert.ok(e.baseOffset >= 12 && e.baseOffset < offset, `base offset ${e.baseOffset} of ${offset}`);
      } else {
        assert.equal(e.baseOffset, -1);
      }
      if (e.type === 7) assert.equal(e.baseOidAt + h, e.headerLength);
    }),
    { numRuns: 500 },
  );
});

test('entry header: types 0 and 5, over-long varints, a distance of 0 or before byte 12 are PACK_CORRUPT', T, () => {
  for (const type of [0, 5]) {
    expectCode(() => decodeEntryHeader(encodeEntryHeader(type, 10), 0, 12, 20), 'PACK_CORRUPT');
  }
  // Nine size bytes: beyond 53 bits.
  expectCode(() => decodeEntryHeader(Uint8Array.of(0xb0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 0, 12, 20), 'PACK_CORRUPT');
  // Distance 0: the entry would be its own base.
  expectCode(() => decodeEntryHeader(Uint8Array.of(0x60, 0x00), 0, 100, 20), 'PACK_CORRUPT');
  // Distance 89 from offset 100: base at 11, inside the pack header.
  expectCode(() => decodeEntryHeader(new Uint8Array([0x60, ...encodeOfsDeltaDistance(89)]), 0, 100, 20), 'PACK_CORRUPT');
  // Distance 88 from offset 100: base at 12, the first possible entry.
  assert.equal(decodeEntryHeader(new Uint8Array([0x60, ...encodeOfsDeltaDistance(88)]), 0, 100, 20).baseOffset, 12);
  // Nine distance bytes.
  expectCode(
    () => decodeEntryHeader(Uint8Array.of(0x60, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 0, MAX, 20),
    'PACK_CORRUPT',
  );
});

test('delta header: pushVarint then decodeDeltaHeader gives back both sizes and where instructions start', T, () => {
  fc.assert(
    fc.property(sizeArb, sizeArb, fc.uint8Array({ maxLength: 8 }), (baseSize, resultSize, rest) => {
      const out: number[] = [];
      pushVarint(out, baseSize);
      const firstLen = out.length;
      pushVarint(out, resultSize);
      assert.ok(firstLen <= 8 && out.length - firstLen <= 8);
      const d = decodeDeltaHeader(Uint8Array.from([...out, ...rest]));
      assert.equal(d.baseSize, baseSize);
      assert.equal(d.resultSize, resultSize);
      assert.equal(d.instructionsAt, out.length);
    }),
    RUNS,
  );
});

test('delta header: every proper prefix of the two varints is DELTA_CORRUPT', T, () => {
  fc.assert(
    fc.property(sizeArb, sizeArb, fc.nat(), (a, b, cutRaw) => {
      const out: number[] = [];
      pushVarint(out, a);
      pushVarint(out, b);
      const cut = cutRaw % out.length;
      expectCode(() => decodeDeltaHeader(Uint8Array.from(out.slice(0, cut))), 'DELTA_CORRUPT');
    }),
    RUNS,
  );
});

// The size varints of delta data are read into JavaScript numbers, like entry sizes; a value
// past 2^53 - 1 cannot be represented and must be refused, not rounded (entry headers refuse
// anything past 53 bits, and ByteReader.u64be refuses 64-bit values past 2^53).
test('delta header: any bytes decode to safe-integer sizes or DELTA_CORRUPT (no silent rounding past 2^53)', T, () => {
  // A fixed witness first: 8 bytes of 7-bit groups, 2^56 - 1, which no double holds exactly.
  const witness = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.constant(witness),
        fc.uint8Array({ maxLength: 20 }),
        fc.uint8Array({ minLength: 7, maxLength: 7 }).map((b) => Uint8Array.from([...b.map((x) => x | 0x80), 0x7f, 0x05])),
      ),
      (bytes) => {
        let d;
        try {
          d = decodeDeltaHeader(bytes);
        } catch (e) {
          assert.ok(e instanceof XtestPackError, String(e));
          assert.equal(e.code, 'DELTA_CORRUPT');
          return;
        }
        assert.ok(Number.isSafeInteger(d.baseSize), `base size ${d.baseSize} is not a safe integer`);
        assert.ok(Number.isSafeInteger(d.resultSize), `result size ${d.resultSize} is not a safe integer`);
        assert.ok(d.instructionsAt >= 2 && d.instructionsAt <= bytes.length);
      },
    ),
    RUNS,
  );
});
