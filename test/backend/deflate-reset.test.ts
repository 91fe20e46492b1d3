// The writer's deflater reuses one pako stream and resets it with a native fill in place of
// pako's looped clear (src/backend/portable.ts). Its bytes must stay exactly those of the same
// stream reset by pako's own deflateReset, for any sequence of inputs, and inflate back to the
// input: packs are reproducible only so. (A reused stream is not a fresh one: zlib's reset
// leaves the window's old bytes, which longest_match may read past the lookahead, so the
// second input's bytes can differ from a fresh deflate's, in zlib as in pako; both are valid.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { deflate as pakoDeflate, inflate, ZStream, Z_DEFAULT_STRATEGY, Z_FINISH, Z_STREAM_END, zlibDeflate, zlibDeflateInit2, zlibDeflateReset } from 'pako';
import { createDeflater } from '../../src/backend/portable.js';

/** The reference: one pako stream, reset by pako's deflateReset before each input. */
function pakoResetDeflater(level: number): (data: Uint8Array) => Uint8Array {
  const strm = new ZStream();
  zlibDeflateInit2(strm, level, 8, 15, 8, Z_DEFAULT_STRATEGY);
  return (data) => {
    zlibDeflateReset(strm);
    const out = new Uint8Array(data.length + (data.length >>> 12) + (data.length >>> 14) + 64);
    strm.input = data;
    strm.next_in = 0;
    strm.avail_in = data.length;
    strm.total_in = 0;
    strm.output = out;
    strm.next_out = 0;
    strm.avail_out = out.length;
    strm.total_out = 0;
    assert.equal(zlibDeflate(strm, Z_FINISH), Z_STREAM_END);
    return out.slice(0, strm.next_out);
  };
}

/** Inputs with repeats (so the hash chains matter), of sizes around the window's. */
const input = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.integer({ min: 1, max: 3000 }))
    .map(([unit, times]) => {
      const out = new Uint8Array(unit.length * times);
      for (let i = 0; i < times; i++) out.set(unit, i * unit.length);
      return out;
    }),
  fc.string({ maxLength: 4000 }).map((s) => new TextEncoder().encode(s.repeat(3))),
);

test("a reused deflater gives pako's own reset-and-deflate bytes, at every level, input after input", () => {
  fc.assert(
    fc.property(fc.integer({ min: -1, max: 9 }), fc.array(input, { minLength: 1, maxLength: 6 }), (level, inputs) => {
      const deflate = createDeflater(level);
      const reference = pakoResetDeflater(level);
      for (const data of inputs) {
        const ours = deflate(data);
        assert.deepEqual(ours, reference(data));
        assert.deepEqual(inflate(ours), data);
      }
    }),
    { numRuns: 200 },
  );
});

test('the case that shows a reused stream is not a fresh one (level 1): pako reset agrees, fresh differs', () => {
  const inputs = [Uint8Array.from([47, 47, 47, 47, 47, 47, 47]), Uint8Array.from([47, 32, 47, 32, 47, 32])];
  const deflate = createDeflater(1);
  const reference = pakoResetDeflater(1);
  const second = inputs.map((data) => {
    const ours = deflate(data);
    assert.deepEqual(ours, reference(data));
    return ours;
  })[1]!;
  assert.notDeepEqual(second, pakoDeflate(inputs[1]!, { level: 1 }));
  assert.deepEqual(inflate(second), inputs[1]);
});

test('a large input (past the 32 KiB window, several blocks) after small ones; a first input as a fresh deflate', () => {
  const big = new Uint8Array(300_000);
  let x = 1;
  for (let i = 0; i < big.length; i++) big[i] = (x = (x * 1103515245 + 12345) >>> 0) % 7 === 0 ? x & 0xff : i & 0x3f;
  assert.deepEqual(createDeflater(-1)(big), pakoDeflate(big));
  const deflate = createDeflater(-1);
  const reference = pakoResetDeflater(-1);
  for (const data of [new Uint8Array([1, 2, 3]), big, new Uint8Array(0)]) assert.deepEqual(deflate(data), reference(data));
});
