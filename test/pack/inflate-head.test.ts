// HeadInflater, the decoder of a zlib stream's first bytes: for streams node:zlib and pako write
// (every level and strategy: stored, fixed and dynamic blocks, long matches, empty input) the
// first n bytes are the data's first n bytes, or -1 (never other bytes); cut input gives the
// right bytes or -1; any bytes give a number, never an exception.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { constants, deflateRawSync, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { deflate as pakoDeflate } from 'pako';
import { HeadInflater } from '../../src/pack/inflate-head.js';

const head = new HeadInflater();

function headOf(stream: Uint8Array, want: number, at = 0, end = stream.length): Uint8Array | -1 {
  const out = new Uint8Array(want + 3).fill(0xee);
  const n = head.inflate(stream, at, end, out, want);
  if (n < 0) return -1;
  assert.ok(out.subarray(want).every((b) => b === 0xee), 'nothing written past want');
  return out.subarray(0, n);
}

const STRATEGIES = [constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FIXED];

/** Data shaped like what packs hold: text, repeats, delta-like headers, random bytes. */
const dataArb = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }),
  fc.string({ maxLength: 3000 }).map((s) => new TextEncoder().encode(s)),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 200 })).map(([unit, times]) => {
    const out = new Uint8Array(unit.length * times);
    for (let i = 0; i < times; i++) out.set(unit, i * unit.length);
    return out;
  }),
  // Two equal size varints, then copy instructions and inserts: a delta's start.
  fc.tuple(fc.integer({ min: 0, max: 2 ** 40 }), fc.uint8Array({ maxLength: 300 })).map(([size, rest]) => {
    const varint: number[] = [];
    for (let v = size; ; ) {
      const c = v % 128;
      v = Math.floor(v / 128);
      varint.push(v > 0 ? c | 0x80 : c);
      if (v === 0) break;
    }
    return Uint8Array.from([...varint, ...varint, ...rest]);
  }),
);

describe('HeadInflater', () => {
  test('the first bytes of streams written at every level and strategy', () => {
    fc.assert(
      fc.property(dataArb, fc.integer({ min: 0, max: 9 }), fc.constantFrom(...STRATEGIES), fc.integer({ min: 1, max: 80 }), (data, level, strategy, want) => {
        const stream = deflateSync(data, { level, strategy });
        const got = headOf(stream, want);
        assert.notEqual(got, -1, 'a whole stream from zlib is decoded');
        assert.deepEqual(got, data.subarray(0, want));
      }),
      { numRuns: 600 },
    );
  });

  test('streams pako writes (the pack writer), inside other bytes', () => {
    fc.assert(
      fc.property(dataArb, fc.integer({ min: 0, max: 9 }), fc.uint8Array({ maxLength: 20 }), fc.integer({ min: 1, max: 40 }), (data, level, before, want) => {
        const stream = pakoDeflate(data, { level: level as 0 });
        const buf = new Uint8Array(before.length + stream.length + 7);
        buf.set(before);
        buf.set(stream, before.length);
        assert.deepEqual(headOf(buf, want, before.length), data.subarray(0, want));
      }),
      { numRuns: 300 },
    );
  });

  test('a stream cut short gives the right bytes or -1', () => {
    fc.assert(
      fc.property(dataArb, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 40 }), fc.nat(), (data, level, want, cutAt) => {
        const stream = deflateSync(data, { level });
        const cut = cutAt % (stream.length + 1);
        const got = headOf(stream, want, 0, cut);
        if (got !== -1) assert.deepEqual(got, data.subarray(0, want));
      }),
      { numRuns: 400 },
    );
  });

  test('a dynamic block whose code tables need many bytes, and data over 64 KiB of matches', () => {
    const text = new TextEncoder().encode(Array.from({ length: 4000 }, (_, i) => `line ${i * 7919 % 1000} of a file ${i}\n`).join(''));
    const stream = deflateSync(text, { level: 9 });
    assert.equal(stream[2]! & 6, 4, 'the first block is dynamic');
    assert.deepEqual(headOf(stream, 64), text.subarray(0, 64));
    const zeros = deflateSync(new Uint8Array(200_000));
    assert.deepEqual(headOf(zeros, 50), new Uint8Array(50));
  });

  test('a stream that ends before want: fewer bytes; an empty one: none', () => {
    assert.deepEqual(headOf(deflateSync(Uint8Array.of(1, 2, 3)), 20), Uint8Array.of(1, 2, 3));
    assert.deepEqual(headOf(deflateSync(new Uint8Array(0)), 20), new Uint8Array(0));
    assert.deepEqual(headOf(deflateSync(new Uint8Array(0), { level: 0 }), 20), new Uint8Array(0));
  });

  test('a stored block after a compressed block and a sync flush', () => {
    // Two raw streams' blocks joined: a fixed block (not final), then a stored final one.
    const first = deflateRawSync(Uint8Array.of(7, 7, 7, 7), { level: 1, finishFlush: constants.Z_SYNC_FLUSH });
    const data = Uint8Array.of(9, 8, 7);
    const stored = Uint8Array.of(1, 3, 0, 0xfc, 0xff, ...data);
    const stream = Uint8Array.of(0x78, 0x01, ...first, ...stored);
    assert.deepEqual(headOf(stream, 7), Uint8Array.of(7, 7, 7, 7, 9, 8, 7));
  });

  test('not zlib, a preset dictionary, a bad block type: -1', () => {
    assert.equal(headOf(Uint8Array.of(0x1f, 0x8b, 8, 0), 4), -1);
    assert.equal(headOf(Uint8Array.of(0x78, 0xbb, 0, 0, 0, 0, 0), 4), -1, 'FDICT');
    assert.equal(headOf(Uint8Array.of(0x78, 0x9c, 0x07), 4), -1, 'BTYPE 11');
    assert.equal(headOf(Uint8Array.of(0x78), 4), -1);
  });

  test('any bytes give a number, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), fc.integer({ min: 1, max: 64 }), (bytes, zlibHeader, want) => {
        if (zlibHeader && bytes.length >= 2) {
          bytes[0] = 0x78;
          bytes[1] = 0x9c;
        }
        const n = head.inflate(bytes, 0, bytes.length, new Uint8Array(want), want);
        assert.ok(Number.isInteger(n) && n >= -1 && n <= want);
      }),
      { numRuns: 2000 },
    );
  });
});
