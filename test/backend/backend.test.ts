// The two backends, created directly (not through XTEST_PACK_BACKEND): hashes equal to
// node:crypto, CRC-32 equal to known vectors and to each other, inflate of either deflater's
// output exact to the byte (data and `consumed`, trailing garbage left alone), and the same
// failure reasons for the same bad input.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createNodeBackend, createPortableBackend, getBackend } from '../../src/backend/index.js';
import type { Backend, InflateResult } from '../../src/backend/types.js';
import { crc32 as tableCrc32 } from '../../src/backend/crc32.js';
import { XtestPackError } from '../../src/errors.js';
import { pseudoRandomBytes } from '../support/pack-builder.js';
import { deflateRaw } from 'pako';

const T = { timeout: 30_000 };
const backends: Backend[] = [createNodeBackend(), createPortableBackend()];
const enc = new TextEncoder();

/** Data that compresses a little, a lot, or not at all. */
const dataArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(3000)).map(([unit, n]) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = unit[i % unit.length]!;
    return out;
  }),
  fc.tuple(fc.nat(1 << 20), fc.integer({ min: 0, max: 70000 })).map(([seed, n]) => pseudoRandomBytes(n, seed + 1)),
);

const levelArb = fc.constantFrom(-1, 0, 1, 2, 5, 6, 9);

function ok(r: InflateResult, what: string): { data: Uint8Array; consumed: number } {
  if (!r.ok) assert.fail(`${what}: ${r.reason} (${r.detail})`);
  return r;
}

function reason(r: InflateResult): string {
  return r.ok ? 'ok' : r.reason;
}

describe('backends: hashes', () => {
  test('sha1 and sha256 of random data, fed in random pieces, equal node:crypto', T, () => {
    fc.assert(
      fc.property(dataArb, fc.array(fc.nat(), { maxLength: 4 }), fc.constantFrom('sha1', 'sha256' as const), (data, cuts, alg) => {
        const want = createHash(alg).update(data).digest();
        const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
        for (const b of backends) {
          assert.deepEqual(Buffer.from(b.createHash(alg).update(data).digest()), want, `${b.name} ${alg} whole`);
          const h = b.createHash(alg);
          let at = 0;
          for (const p of [...points, data.length]) {
            h.update(data.subarray(at, p));
            at = p;
          }
          assert.deepEqual(Buffer.from(h.digest()), want, `${b.name} ${alg} in pieces`);
        }
      }),
      { numRuns: 100 },
    );
  });

  test('known digests of the empty string and "abc"', T, () => {
    for (const b of backends) {
      const hex = (alg: 'sha1' | 'sha256', s: string) => Buffer.from(b.createHash(alg).update(enc.encode(s)).digest()).toString('hex');
      assert.equal(hex('sha1', ''), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
      assert.equal(hex('sha1', 'abc'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
      assert.equal(hex('sha256', ''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      assert.equal(hex('sha256', 'abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    }
  });
});

describe('backends: CRC-32', () => {
  test('known vectors ("123456789" is 0xcbf43926)', T, () => {
    const vectors: [string, number][] = [
      ['', 0],
      ['a', 0xe8b7be43],
      ['123456789', 0xcbf43926],
      ['The quick brown fox jumps over the lazy dog', 0x414fa339],
    ];
    for (const [s, want] of vectors) {
      for (const b of backends) assert.equal(b.crc32(enc.encode(s)), want, `${b.name} crc32(${JSON.stringify(s)})`);
      assert.equal(tableCrc32(enc.encode(s)), want, `table crc32(${JSON.stringify(s)})`);
    }
  });

  test('random data: both backends and the table implementation agree, whole and continued piece by piece', T, () => {
    const zcrc = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
    fc.assert(
      fc.property(dataArb, fc.array(fc.nat(), { maxLength: 5 }), (data, cuts) => {
        const want = tableCrc32(data);
        if (zcrc) assert.equal(zcrc(data), want, 'zlib.crc32');
        const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
        for (const b of backends) {
          assert.equal(b.crc32(data), want, `${b.name} whole`);
          let crc = 0;
          let at = 0;
          for (const p of [...points, data.length]) {
            crc = b.crc32(data.subarray(at, p), crc);
            at = p;
          }
          assert.equal(crc, want, `${b.name} continued`);
          assert.ok(Number.isInteger(crc) && crc >= 0 && crc <= 0xffffffff, `${b.name}: unsigned 32-bit`);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('backends: inflate', () => {
  test('streams from either deflater inflate in either backend to the data, with exact consumed, before trailing garbage', T, () => {
    fc.assert(
      fc.property(dataArb, levelArb, fc.uint8Array({ maxLength: 40 }), fc.nat(1), (data, level, garbage, which) => {
        const z = backends[which]!.deflate(data, level);
        const input = new Uint8Array(z.length + garbage.length);
        input.set(z);
        input.set(garbage, z.length);
        for (const b of backends) {
          const r = ok(b.inflate(input, data.length), `${b.name} inflating ${backends[which]!.name} level ${level}`);
          assert.equal(r.consumed, z.length, `${b.name}: consumed`);
          assert.ok(Buffer.from(r.data).equals(Buffer.from(data)), `${b.name}: data`);
          // Exactly the stream, no garbage: the same.
          const r2 = ok(b.inflate(z, data.length), `${b.name}, no garbage`);
          assert.equal(r2.consumed, z.length);
        }
      }),
      { numRuns: 120 },
    );
  });

  test('every proper prefix of a stream is "truncated" in both backends', T, () => {
    fc.assert(
      fc.property(dataArb, levelArb, fc.nat(), (data, level, cutRaw) => {
        const z = backends[0]!.deflate(data, level);
        const cut = cutRaw % z.length;
        for (const b of backends) assert.equal(reason(b.inflate(z.subarray(0, cut), data.length)), 'truncated', `${b.name}, ${cut} of ${z.length}`);
      }),
      { numRuns: 150 },
    );
  });

  test('a stream inflating to more or fewer bytes than expected is "size" in both backends', T, () => {
    fc.assert(
      fc.property(dataArb, levelArb, fc.integer({ min: 1, max: 5000 }), fc.boolean(), (data, level, delta, bigger) => {
        if (!bigger && data.length === 0) return;
        const expected = bigger ? data.length + delta : Math.max(0, data.length - delta);
        const z = backends[1]!.deflate(data, level);
        for (const b of backends) assert.equal(reason(b.inflate(z, expected)), 'size', `${b.name}: ${data.length} bytes expected as ${expected}`);
      }),
      { numRuns: 150 },
    );
  });

  test('invalid zlib (bad method, bad header check, bad block type, bad Adler-32, preset dictionary) is "corrupt" in both backends', T, () => {
    const data = enc.encode('hello hello hello hello, corrupt me\n');
    const z = backends[0]!.deflate(data, 6);
    const cases: [string, Uint8Array][] = [
      ['method 9', Uint8Array.from([0x79, 0x9c, ...z.subarray(2)])],
      ['header check', Uint8Array.from([0x78, 0x9d, ...z.subarray(2)])],
      ['block type 3', Uint8Array.of(0x78, 0x9c, 0xff, 0xff, 0xff, 0xff)],
      ['Adler-32', Uint8Array.from([...z.subarray(0, z.length - 1), z[z.length - 1]! ^ 1])],
      ['preset dictionary', Uint8Array.of(0x78, 0xbb, 0, 0, 0, 1, 3, 0, 0, 0, 0, 1)],
      ['stored block length check', Uint8Array.of(0x78, 0x01, 0x01, 0x05, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5)],
    ];
    for (const [what, input] of cases) {
      for (const b of backends) assert.equal(reason(b.inflate(input, data.length)), 'corrupt', `${b.name}: ${what}`);
    }
    // The Adler-32 is checked even when every data byte came out right.
    for (let k = 1; k <= 4; k++) {
      const bad = z.slice();
      bad[bad.length - k]! ^= 0x40;
      for (const b of backends) assert.equal(reason(b.inflate(bad, data.length)), 'corrupt', `${b.name}: Adler-32 byte ${k}`);
    }
  });

  // Where a damaged stream both passes the expected size and turns corrupt, which of 'size' and
  // 'corrupt' is reported is not specified (both are final). 'truncated' is different: it
  // promises that more input may help, and callers read more and retry on it.
  test('random damage to a stream: both backends give the same outcome (same bytes, or the same failure)', T, () => {
    fc.assert(
      fc.property(dataArb, levelArb, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (data, level, posRaw, xor, cutToo) => {
        const z = backends[0]!.deflate(data, level).slice();
        const pos = 2 + (posRaw % Math.max(1, z.length - 2)); // keep the 2-byte header valid
        if (pos < z.length) z[pos]! ^= xor;
        const input = cutToo ? z.subarray(0, Math.max(2, z.length - 1 - (posRaw % 7))) : z;
        const [a, b] = backends.map((be) => be.inflate(input, data.length)) as [InflateResult, InflateResult];
        const [ra, rb] = [reason(a), reason(b)];
        const finalPair = new Set([ra, rb]).size === 2 && [ra, rb].every((r) => r === 'size' || r === 'corrupt');
        assert.ok(ra === rb || finalPair, `node: ${a.ok ? 'ok' : `${a.reason} (${a.detail})`}; portable: ${b.ok ? 'ok' : `${b.reason} (${b.detail})`}`);
        if (a.ok && b.ok) {
          assert.ok(Buffer.from(a.data).equals(Buffer.from(b.data)));
          assert.equal(a.consumed, b.consumed);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('a cut stream that has already inflated past the expected size is "size", not "truncated" (more input cannot help)', T, () => {
    for (const size of [10, 100, 1000, 30000]) {
      // A stored (level 0) stream of one block: 2 header bytes, 5 block-header bytes, then the data
      // itself, so a cut after k data bytes inflates to exactly k bytes.
      const data = pseudoRandomBytes(2 * size + 10, size);
      const z = backends[1]!.deflate(data, 0);
      for (const produced of [size + 1, size + 2, size + 50, 2 * size + 2]) {
        const input = z.subarray(0, 2 + 5 + produced);
        for (const b of backends) {
          const r = b.inflate(input, size);
          assert.equal(reason(r), 'size', `${b.name}: expecting ${size} bytes, the cut stream gives ${produced} then ends: ${r.ok ? 'ok' : r.detail}`);
        }
      }
      // Cut at or before the expected size: truncated, in both.
      for (const produced of [0, size - 1, size]) {
        for (const b of backends) assert.equal(reason(b.inflate(z.subarray(0, 2 + 5 + produced), size)), 'truncated', `${b.name}: ${produced} of ${size}`);
      }
    }
  });

  test('size 0: the empty stream inflates, an empty input is truncated', T, () => {
    for (const d of backends) {
      const z = d.deflate(new Uint8Array(0), 6);
      for (const b of backends) {
        const r = ok(b.inflate(z, 0), `${b.name} inflating ${d.name}'s empty stream`);
        assert.equal(r.data.length, 0);
        assert.equal(r.consumed, z.length);
        assert.equal(reason(b.inflate(new Uint8Array(0), 0)), 'truncated');
        assert.equal(reason(b.inflate(z, 1)), 'size');
      }
    }
  });
});

describe('backends: selection', () => {
  test("getBackend('bogus') throws USAGE; 'node' and 'portable' are those backends", T, () => {
    for (const bad of ['bogus', '', 'Node', 'wasm']) {
      assert.throws(
        () => getBackend(bad),
        (e: unknown) => e instanceof XtestPackError && e.code === 'USAGE' && !e.message.includes('\n'),
        `getBackend(${JSON.stringify(bad)})`,
      );
    }
    assert.equal(getBackend('node').name, 'node');
    assert.equal(getBackend('portable').name, 'portable');
    assert.equal(createNodeBackend().name, 'node');
    assert.equal(createPortableBackend().name, 'portable');
  });
});

describe('backends: inflateRawAll (raw deflate, as in a gzip member)', () => {
  const rawDeflaters: [string, (d: Uint8Array, level: number) => Uint8Array][] = [
    ['node:zlib', (d, level) => new Uint8Array(zlib.deflateRawSync(d, { level }))],
    ['pako', (d, level) => deflateRaw(d, { level: level as 0 })],
  ];

  test('streams from either deflater inflate in either backend, with exact consumed, before trailing bytes', T, () => {
    fc.assert(
      fc.property(dataArb, levelArb, fc.uint8Array({ maxLength: 40 }), fc.nat(1), (data, level, trailer, which) => {
        const [name, deflate] = rawDeflaters[which]!;
        const z = deflate(data, level);
        const input = Uint8Array.from([...z, ...trailer]);
        for (const b of backends) {
          const r = ok(b.inflateRawAll(input, data.length + (trailer.length % 3)), `${b.name} inflating ${name} level ${level}`);
          assert.equal(r.consumed, z.length, `${b.name}: consumed`);
          assert.ok(Buffer.from(r.data).equals(Buffer.from(data)), `${b.name}: data`);
        }
      }),
      { numRuns: 120 },
    );
  });

  test('every proper prefix is "truncated"; a stream over maxSize is "size", also when cut after that point', T, () => {
    fc.assert(
      fc.property(dataArb, levelArb, fc.nat(), (data, level, cutRaw) => {
        const z = rawDeflaters[0]![1](data, level);
        const cut = cutRaw % z.length;
        for (const b of backends) assert.equal(reason(b.inflateRawAll(z.subarray(0, cut), data.length)), 'truncated', `${b.name}, ${cut} of ${z.length}`);
        if (data.length > 0) {
          for (const b of backends) {
            assert.equal(reason(b.inflateRawAll(z, data.length - 1)), 'size', `${b.name}: ${data.length} bytes, max ${data.length - 1}`);
            ok(b.inflateRawAll(z, data.length), `${b.name}: exactly maxSize`);
          }
        }
      }),
      { numRuns: 150 },
    );
    // Stored blocks: a cut after k data bytes has produced exactly k bytes.
    const data = pseudoRandomBytes(5000, 3);
    const z = rawDeflaters[1]![1](data, 0);
    for (const b of backends) {
      assert.equal(reason(b.inflateRawAll(z.subarray(0, 5 + 3000), 2000)), 'size', `${b.name}: cut after 3000 of max 2000`);
      assert.equal(reason(b.inflateRawAll(z.subarray(0, 5 + 1500), 2000)), 'truncated', `${b.name}: cut after 1500 of max 2000`);
    }
  });

  test('random damage: both backends give the same outcome; bad block types are "corrupt"', T, () => {
    for (const b of backends) assert.equal(reason(b.inflateRawAll(Uint8Array.of(0xff, 0xff, 0xff), 100)), 'corrupt', b.name);
    fc.assert(
      fc.property(dataArb, levelArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (data, level, posRaw, xor) => {
        const z = rawDeflaters[1]![1](data, level).slice();
        z[posRaw % z.length]! ^= xor;
        const [a, b] = backends.map((be) => be.inflateRawAll(z, data.length + 100)) as [InflateResult, InflateResult];
        // As for inflate: which of two final outcomes ('size', 'corrupt') comes first is not specified.
        const [ra, rb] = [reason(a), reason(b)];
        const finalPair = new Set([ra, rb]).size === 2 && [ra, rb].every((r) => r === 'size' || r === 'corrupt');
        assert.ok(ra === rb || finalPair, `node: ${a.ok ? 'ok' : a.detail}; portable: ${b.ok ? 'ok' : b.detail}`);
        if (a.ok && b.ok) {
          assert.ok(Buffer.from(a.data).equals(Buffer.from(b.data)));
          assert.equal(a.consumed, b.consumed);
        }
      }),
      { numRuns: 200 },
    );
  });
});
