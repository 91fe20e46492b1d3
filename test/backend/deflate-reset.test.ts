// The writer's deflater reuses one pako stream and resets it with a native fill in place of
// pako's looped clear (src/backend/portable.ts). Its bytes must stay exactly those of a fresh
// pako deflate at the same level, for any sequence of inputs: packs are reproducible only so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { deflate as pakoDeflate } from 'pako';
import { createDeflater } from '../../src/backend/portable.js';

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

test('a reused deflater gives a fresh pako deflate\'s bytes, at every level, input after input', () => {
  fc.assert(
    fc.property(fc.integer({ min: -1, max: 9 }), fc.array(input, { minLength: 1, maxLength: 6 }), (level, inputs) => {
      const deflate = createDeflater(level);
      for (const data of inputs) {
        assert.deepEqual(deflate(data), pakoDeflate(data, { level: level as -1 }));
      }
    }),
    { numRuns: 150 },
  );
});

test('a large input (past the 32 KiB window, several blocks) after small ones', () => {
  const big = new Uint8Array(300_000);
  let x = 1;
  for (let i = 0; i < big.length; i++) big[i] = (x = (x * 1103515245 + 12345) >>> 0) % 7 === 0 ? x & 0xff : i & 0x3f;
  const deflate = createDeflater(-1);
  deflate(new Uint8Array([1, 2, 3]));
  assert.deepEqual(deflate(big), pakoDeflate(big));
  assert.deepEqual(deflate(new Uint8Array(0)), pakoDeflate(new Uint8Array(0)));
});
