// applyDelta against a reference model of git's patch-delta.c, written out plainly here, for
// instruction lists made by encodeDelta and for raw (mostly hostile) instruction byte streams.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyDelta, decodeDeltaHeader, encodeDelta, pushVarint, type DeltaOp } from '../../src/pack/delta.js';
import { DeltaResult, type DeltaBase } from '../../src/pack/delta-stream.js';
import { XtestPackError } from '../../src/errors.js';
import { pseudoRandomBytes } from '../support/pack-builder.js';

const T = { timeout: 20_000 };

// ---------------------------------------------------------------------------------------------
// Reference models

/** Model 1: interpret an op list on a base (what a delta means). */
function interpretOps(base: Uint8Array, ops: readonly DeltaOp[]): Uint8Array {
  const parts: number[] = [];
  for (const op of ops) {
    if (op.op === 'copy') {
      assert.ok(op.offset + op.size <= base.length, 'test generated a copy past the base');
      for (let i = 0; i < op.size; i++) parts.push(base[op.offset + i]!);
    } else {
      for (const b of op.data) parts.push(b);
    }
  }
  return Uint8Array.from(parts);
}

/**
 * Model 2: git's patch_delta() (patch-delta.c) over raw delta bytes. Returns the result, or
 * 'corrupt' where git returns NULL ("delta replay has gone wild", "unexpected delta opcode 0",
 * base size mismatch, delta data shorter than DELTA_SIZE_MIN). One deliberate difference, stricter than git's reading:
 *  - a size varint that runs off the end of the delta is corrupt (git's get_delta_hdr_size()
 *    stops at the end and goes on with what it has), and one of more than 8 bytes is corrupt
 *    (xtest-pack reads sizes into doubles, exact to 2^53; 8 groups of 7 bits are 56 bits);
 */
const CP_PARAMS: readonly (readonly [number, 'off' | 'size', number])[] = [
  [0x01, 'off', 0], [0x02, 'off', 8], [0x04, 'off', 16], [0x08, 'off', 24],
  [0x10, 'size', 0], [0x20, 'size', 8], [0x40, 'size', 16],
];

function gitPatchDelta(src: Uint8Array, delta: Uint8Array): Uint8Array | 'corrupt' {
  if (delta.length < 4) return 'corrupt'; // DELTA_SIZE_MIN
  let data = 0;
  const top = delta.length;
  const hdrSize = (): number | 'corrupt' => {
    let size = 0;
    let shift = 1;
    for (let i = 0; ; i++) {
      if (data >= top || i >= 8) return 'corrupt';
      const cmd = delta[data++]!;
      size += (cmd & 0x7f) * shift;
      shift *= 128;
      if (!(cmd & 0x80)) return size;
    }
  };
  const srcSize = hdrSize();
  if (srcSize === 'corrupt' || srcSize !== src.length) return 'corrupt';
  const dstSize = hdrSize();
  if (dstSize === 'corrupt') return 'corrupt';
  let size = dstSize; // what is left to produce
  const out: number[] = [];
  while (data < top) {
    const cmd = delta[data++]!;
    if (cmd & 0x80) {
      let cpOff = 0;
      let cpSize = 0;
      // PARSE_CP_PARAM(0x01, cp_off, 0) ... PARSE_CP_PARAM(0x40, cp_size, 16), in this order.
      for (const [bit, which, shift] of CP_PARAMS) {
        if (!(cmd & bit)) continue;
        if (data >= top) return 'corrupt'; // goto bad_length
        const v = delta[data++]! * 2 ** shift;
        if (which === 'off') cpOff += v;
        else cpSize += v;
      }
      if (cpSize === 0) cpSize = 0x10000;
      if (cpOff + cpSize > src.length || cpSize > size) return 'corrupt';
      for (let i = 0; i < cpSize; i++) out.push(src[cpOff + i]!);
      size -= cpSize;
    } else if (cmd !== 0) {
      if (cmd > size || cmd > top - data) return 'corrupt';
      for (let i = 0; i < cmd; i++) out.push(delta[data + i]!);
      data += cmd;
      size -= cmd;
    } else {
      return 'corrupt'; // unexpected delta opcode 0
    }
  }
  if (data !== top || size !== 0) return 'corrupt';
  return Uint8Array.from(out);
}

/** applyDelta's outcome: the bytes, or 'corrupt' for DELTA_CORRUPT; anything else fails the test. */
/**
 * applyDelta's outcome, the same whichever way it works: in a buffer of its own (base and delta
 * copied beside the result up to 1 MiB, the result alone beyond) and into a caller's buffer.
 */
function actual(base: Uint8Array, delta: Uint8Array): Uint8Array | 'corrupt' {
  const own = applyOrCorrupt(() => applyDelta(base, delta));
  let declared = 0;
  try {
    declared = decodeDeltaHeader(delta).resultSize;
  } catch {
    // A header applyDelta refuses: the caller's buffer is not used.
  }
  const into = new Uint8Array(Math.min(declared, 4 << 20) + 7).fill(0xee);
  const given = applyOrCorrupt(() => applyDelta(base, delta, into));
  if (own === 'corrupt' || given === 'corrupt') assert.equal(given === 'corrupt', own === 'corrupt', 'into vs own: same outcome');
  else assert.deepEqual(given, own, 'into vs own: same bytes');
  return own;
}

function applyOrCorrupt(apply: () => Uint8Array): Uint8Array | 'corrupt' {
  try {
    return apply();
  } catch (e) {
    if (e instanceof XtestPackError && e.code === 'DELTA_CORRUPT') {
      assert.ok(!e.message.includes('\n'), 'one-line message');
      return 'corrupt';
    }
    throw new Error(`applyDelta threw something other than DELTA_CORRUPT: ${String(e)}`, { cause: e });
  }
}

function sameOutcome(got: Uint8Array | 'corrupt', want: Uint8Array | 'corrupt', note: string): void {
  if (want === 'corrupt' || got === 'corrupt') {
    assert.equal(got === 'corrupt' ? 'corrupt' : `${got.length} bytes`, want === 'corrupt' ? 'corrupt' : `${want.length} bytes`, note);
    return;
  }
  assert.equal(got.length, want.length, note);
  assert.ok(Buffer.from(got).equals(Buffer.from(want)), `${note}: bytes differ`);
}

// ---------------------------------------------------------------------------------------------
// Generators

/** A pool of deterministic bytes; bases are slices of it, so large bases cost no generation. */
const POOL = pseudoRandomBytes(0x10000 + 4096, 12345);

const smallBase: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 3, arbitrary: fc.tuple(fc.nat(4096), fc.integer({ min: 0, max: 2048 })).map(([s, n]) => POOL.subarray(s, s + n)) },
  // just over 64 KiB, so that a copy of 0x10000 (size bits all absent) can be valid
  { weight: 1, arbitrary: fc.tuple(fc.nat(64), fc.integer({ min: 0x10000, max: 0x10000 + 200 })).map(([s, n]) => POOL.subarray(s, s + n)) },
);

/** Valid ops on a base of `len` bytes. */
function opsFor(len: number): fc.Arbitrary<DeltaOp[]> {
  const insert = fc.uint8Array({ minLength: 1, maxLength: 127 }).map((data): DeltaOp => ({ op: 'insert', data }));
  if (len === 0) return fc.array(insert, { maxLength: 12 });
  const copy = fc
    .nat(len - 1)
    .chain((offset) =>
      fc.oneof(
        fc.integer({ min: 1, max: len - offset }),
        fc.constant(len - offset),
        fc.constant(Math.min(0x10000, len - offset)),
      ).map((size): DeltaOp => ({ op: 'copy', offset, size })),
    );
  return fc.array(fc.oneof(insert, copy), { maxLength: 12 });
}

/** Total bytes an op list produces. */
function produced(ops: readonly DeltaOp[]): number {
  return ops.reduce((n, op) => n + (op.op === 'copy' ? op.size : op.data.length), 0);
}

// ---------------------------------------------------------------------------------------------
// Valid deltas from encodeDelta

test('delta: applyDelta(base, encodeDelta(ops)) equals the op interpreter and the git model', T, () => {
  fc.assert(
    fc.property(smallBase.chain((base) => fc.tuple(fc.constant(base), opsFor(base.length))), ([base, ops]) => {
      const delta = encodeDelta(base.length, produced(ops), ops);
      // Delta data under DELTA_SIZE_MIN (4 bytes: no instructions at all) is refused, as by git.
      const want = delta.length < 4 ? 'corrupt' : interpretOps(base, ops);
      sameOutcome(actual(base, delta), want, 'applyDelta vs ops');
      sameOutcome(gitPatchDelta(base, delta), want, 'git model vs ops (the model itself)');
    }),
    { numRuns: 300 },
  );
});

// One large base, shared: offsets up to 2^24 + 2^20 and sizes up to 0x2ffff, so every offset
// byte (bits 0x01-0x08) and every size byte (0x10-0x40) can be present or absent. Size byte 2
// is 2 when present: 0x10000 alone is written with no size bytes at all.
const BIG_LEN = 2 ** 24 + 2 ** 20 + 2 ** 18 + 16;
let bigBase: Uint8Array | undefined;
function big(): Uint8Array {
  bigBase ??= pseudoRandomBytes(BIG_LEN, 777);
  return bigBase;
}

/** A copy whose offset/size bytes are zero or not as `offMask`/`sizeMask` say. */
const maskedCopy: fc.Arbitrary<DeltaOp> = fc
  .record({
    offMask: fc.nat(15),
    sizeMask: fc.nat(7),
    o0: fc.integer({ min: 1, max: 255 }),
    o1: fc.integer({ min: 1, max: 255 }),
    o2: fc.integer({ min: 1, max: 15 }),
    s0: fc.integer({ min: 1, max: 255 }),
    s1: fc.integer({ min: 1, max: 255 }),
  })
  .map(({ offMask, sizeMask, o0, o1, o2, s0, s1 }) => maskedCopyOf(offMask, sizeMask, o0, o1, o2, s0, s1));

function maskedCopyOf(offMask: number, sizeMask: number, o0: number, o1: number, o2: number, s0: number, s1: number): DeltaOp & { op: 'copy' } {
  const offset = (offMask & 1 ? o0 : 0) + (offMask & 2 ? o1 * 0x100 : 0) + (offMask & 4 ? o2 * 0x10000 : 0) + (offMask & 8 ? 0x1000000 : 0);
  let size = (sizeMask & 1 ? s0 : 0) + (sizeMask & 2 ? s1 * 0x100 : 0) + (sizeMask & 4 ? 0x20000 : 0);
  if (size === 0) size = 0x10000; // all size bytes absent: git's 0x10000
  return { op: 'copy', offset, size };
}

test('delta: copies with every combination of offset/size byte presence, on a 17 MiB base', T, () => {
  const base = big();
  // Each of the 128 copy opcodes once, deterministically (size mask 0 is the 0x10000 case) ...
  const seen = new Set<number>();
  for (let offMask = 0; offMask < 16; offMask++) {
    for (let sizeMask = 0; sizeMask < 8; sizeMask++) {
      const op = maskedCopyOf(offMask, sizeMask, 0x5a, 0xa5, 0x0c, 0x33, 0xcc);
      seen.add(cmdOf(op));
      const ops: DeltaOp[] = [{ op: 'insert', data: Uint8Array.of(offMask, sizeMask) }, op];
      sameOutcome(actual(base, encodeDelta(base.length, produced(ops), ops)), interpretOps(base, ops), `masks ${offMask}/${sizeMask}`);
    }
  }
  assert.equal(seen.size, 128);
  // ... then random parameter bytes under random masks, several copies per delta.
  fc.assert(
    fc.property(fc.array(fc.oneof({ weight: 3, arbitrary: maskedCopy }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 127 }).map((data): DeltaOp => ({ op: 'insert', data })) }), { minLength: 1, maxLength: 6 }), (ops) => {
      const delta = encodeDelta(base.length, produced(ops), ops);
      sameOutcome(actual(base, delta), interpretOps(base, ops), 'applyDelta vs ops');
    }),
    { numRuns: 100 },
  );
});

function cmdOf(op: { offset: number; size: number }): number {
  let cmd = 0x80;
  for (let i = 0; i < 4; i++) if (Math.floor(op.offset / 2 ** (8 * i)) & 0xff) cmd |= 1 << i;
  const sz = op.size === 0x10000 ? 0 : op.size;
  for (let i = 0; i < 3; i++) if ((sz >> (8 * i)) & 0xff) cmd |= 0x10 << i;
  return cmd;
}

test('delta: encodeDelta writes a copy of exactly 0x10000 bytes with no size bytes', T, () => {
  const base = POOL.subarray(0, 0x10000 + 5);
  const d = encodeDelta(base.length, 0x10000, [{ op: 'copy', offset: 0, size: 0x10000 }]);
  const hdr: number[] = [];
  pushVarint(hdr, base.length);
  pushVarint(hdr, 0x10000);
  assert.deepEqual([...d], [...hdr, 0x80]);
  assert.deepEqual(applyDelta(base, d), base.subarray(0, 0x10000));
  // Offset 5: one offset byte, still no size bytes.
  const d5 = encodeDelta(base.length, 0x10000, [{ op: 'copy', offset: 5, size: 0x10000 }]);
  assert.deepEqual([...d5.subarray(hdr.length)], [0x81, 5]);
  assert.deepEqual(applyDelta(base, d5), base.subarray(5, 5 + 0x10000));
});

// ---------------------------------------------------------------------------------------------
// Raw instruction streams

/** Instruction bytes: valid-looking pieces, hostile pieces, and noise. */
function rawPiece(baseLen: number, clean: boolean): fc.Arbitrary<number[]> {
  const byte = fc.integer({ min: 0, max: 255 });
  // A copy opcode with any presence bits and any parameter bytes (usually past a small base).
  const anyCopy = fc.tuple(fc.integer({ min: 0x80, max: 0xff }), fc.array(byte, { minLength: 7, maxLength: 7 })).map(([cmd, p]) => {
    const out = [cmd];
    let k = 0;
    for (let bit = 1; bit <= 0x40; bit <<= 1) if (cmd & bit) out.push(p[k++]!);
    return out;
  });
  // A copy inside the base, written with a random superset of the needed presence bits
  // (explicit zero bytes are legal; all three size bytes zero still means 0x10000).
  const inBase = fc.tuple(fc.nat(Math.max(0, baseLen)), fc.nat(Math.max(0, baseLen)), fc.nat(127), fc.boolean()).map(([a, b, extra, use10000]) => {
    const off = Math.min(a, baseLen);
    let size = Math.max(1, Math.min(b, baseLen - off));
    if (use10000) size = 0x10000;
    const sz = size === 0x10000 ? 0 : size;
    let cmd = 0x80;
    const tail: number[] = [];
    for (let i = 0; i < 4; i++) {
      const v = Math.floor(off / 2 ** (8 * i)) & 0xff;
      if (v || extra & (1 << i)) {
        cmd |= 1 << i;
        tail.push(v);
      }
    }
    for (let i = 0; i < 3; i++) {
      const v = (sz >> (8 * i)) & 0xff;
      if (v || extra & (0x10 << i)) {
        cmd |= 0x10 << i;
        tail.push(v);
      }
    }
    return [cmd, ...tail];
  });
  const insert = fc.integer({ min: 1, max: 127 }).chain((n) => fc.array(byte, { minLength: n, maxLength: n }).map((d) => [n, ...d]));
  const shortInsert = fc.tuple(fc.integer({ min: 2, max: 127 }), fc.array(byte, { maxLength: 3 })).map(([n, d]) => [n, ...d]);
  if (clean) return fc.oneof(inBase, insert);
  return fc.oneof(
    { weight: 4, arbitrary: inBase },
    { weight: 4, arbitrary: insert },
    { weight: 2, arbitrary: anyCopy },
    { weight: 1, arbitrary: fc.constant<number[]>([0]) }, // reserved opcode 0
    { weight: 1, arbitrary: shortInsert },
    { weight: 1, arbitrary: fc.array(byte, { minLength: 1, maxLength: 6 }) },
  );
}

/** What a raw stream claims to produce, read leniently (for choosing a declared result size). */
function lenientLength(body: readonly number[]): number {
  let p = 0;
  let n = 0;
  while (p < body.length) {
    const cmd = body[p++]!;
    if (cmd & 0x80) {
      let size = 0;
      for (const [bit, which, shift] of CP_PARAMS) {
        if (!(cmd & bit)) continue;
        if (p >= body.length) return n;
        if (which === 'size') size += body[p]! * 2 ** shift;
        p++;
      }
      n += size === 0 ? 0x10000 : size;
    } else if (cmd) {
      n += cmd; // in full even when cut short, so a reader that pads a short insert is caught
      p += cmd;
    } else {
      return n;
    }
  }
  return n;
}

// Half the cases are clean streams (pieces that are valid on their own, honest sizes, no cut),
// so that both outcomes are common; the other half mix in every kind of damage.
const rawCase = fc.tuple(smallBase, fc.boolean()).chain(([base, clean]) =>
  fc.record({
    base: fc.constant(base),
    body: fc.array(rawPiece(base.length, clean), { maxLength: 8 }).map((ps) => ps.flat()),
    baseSizeLie: clean ? fc.constant(0) : fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1, 2, -base.length, 1000) }),
    resultLie: clean
      ? fc.constant(0)
      : fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constantFrom(-1, 1) }, { weight: 1, arbitrary: fc.integer({ min: -300, max: 300 }) }, { weight: 1, arbitrary: fc.constant(2 ** 40) }),
    cut: clean ? fc.constant(-1) : fc.oneof({ weight: 3, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat() }),
  }),
);

test('delta: raw instruction streams give exactly the git model result, or DELTA_CORRUPT when git would refuse', T, () => {
  const stats = { ok: 0, corrupt: 0 };
  fc.assert(
    fc.property(rawCase, ({ base, body, baseSizeLie, resultLie, cut }) => {
      const declaredBase = Math.max(0, base.length + baseSizeLie);
      const declaredResult = Math.max(0, lenientLength(body) + resultLie);
      const out: number[] = [];
      pushVarint(out, declaredBase);
      pushVarint(out, declaredResult);
      out.push(...body);
      const delta = Uint8Array.from(cut < 0 ? out : out.slice(0, cut % (out.length + 1)));
      const want = gitPatchDelta(base, delta);
      sameOutcome(actual(base, delta), want, 'applyDelta vs git model');
      stats[want === 'corrupt' ? 'corrupt' : 'ok']++;
    }),
    { numRuns: 400 },
  );
  // Both outcomes must be common, or the property says little.
  assert.ok(stats.ok >= 40 && stats.corrupt >= 40, `outcomes ok=${stats.ok} corrupt=${stats.corrupt}`);
});

/**
 * A DeltaResult of `delta` over `base`, read in pieces: `cuts` split the result into ranges
 * read in a shuffled order (by `seed`), then read again in order (the cursor's path).
 */
function streamed(base: DeltaBase, delta: Uint8Array, cuts: readonly number[], seed: number): Uint8Array | 'corrupt' {
  let r: DeltaResult;
  try {
    r = new DeltaResult(base, delta);
  } catch (e) {
    if (e instanceof XtestPackError && e.code === 'DELTA_CORRUPT') return 'corrupt';
    throw e;
  }
  const points = [...new Set([0, ...cuts.map((c) => c % (r.length + 1)), r.length])].sort((a, b) => a - b);
  const ranges = points.slice(1).map((end, i) => [points[i]!, end] as const);
  const shuffled = ranges.map((x, i) => [x, (i * 7919 + seed) % 101] as const).sort((a, b) => a[1] - b[1]).map(([x]) => x);
  const out = new Uint8Array(r.length);
  for (const [a, b] of shuffled) r.readInto(a, out.subarray(a, b));
  const again = new Uint8Array(r.length);
  for (const [a, b] of ranges) r.readInto(a, again.subarray(a, b));
  assert.ok(Buffer.from(again).equals(Buffer.from(out)), 'in order and shuffled: the same bytes');
  return out;
}

test('delta: DeltaResult refuses exactly what applyDelta refuses, and reads its bytes in any pieces', T, () => {
  fc.assert(
    fc.property(rawCase, fc.array(fc.nat(), { maxLength: 6 }), fc.nat(100), ({ base, body, baseSizeLie, resultLie, cut }, cuts, seed) => {
      const out: number[] = [];
      pushVarint(out, Math.max(0, base.length + baseSizeLie));
      pushVarint(out, Math.max(0, lenientLength(body) + resultLie));
      out.push(...body);
      const delta = Uint8Array.from(cut < 0 ? out : out.slice(0, cut % (out.length + 1)));
      sameOutcome(streamed(base, delta, cuts, seed), gitPatchDelta(base, delta), 'DeltaResult vs git model');
    }),
    { numRuns: 400 },
  );
});

test('delta: a DeltaResult over a DeltaResult (three levels) reads what applyDelta builds', T, () => {
  const level = (base: Uint8Array) => fc.tuple(opsFor(base.length), fc.array(fc.nat(), { maxLength: 5 }), fc.nat(100));
  fc.assert(
    fc.property(
      smallBase.filter((b) => b.length > 0).chain((base) => fc.tuple(fc.constant(base), level(base))),
      fc.array(fc.nat(), { maxLength: 5 }),
      ([base, [ops1, cuts1, seed1]], more) => {
        const d1 = encodeDelta(base.length, produced(ops1), ops1);
        fc.pre(d1.length >= 4);
        const built1 = applyDelta(base, d1);
        const lazy1 = new DeltaResult(base, d1);
        sameOutcome(streamed(base, d1, cuts1, seed1), built1, 'level 1');
        // Level 2 over level 1 and level 3 over level 2, with copies spread over their bases.
        let built: Uint8Array = built1;
        let lazy: DeltaResult = lazy1;
        for (let k = 0; k < 2 && built.length > 0; k++) {
          const ops: DeltaOp[] = [];
          for (let i = 0; i < 6; i++) {
            const off = (more[i % Math.max(1, more.length)] ?? i * 31) % built.length;
            ops.push({ op: 'copy', offset: off, size: Math.min(built.length - off, 1 + ((i * 977) % 5000)) });
            if (i % 2) ops.push({ op: 'insert', data: Uint8Array.of(i, k, 7) });
          }
          const d = encodeDelta(built.length, produced(ops), ops);
          const next = applyDelta(built, d);
          sameOutcome(streamed(lazy, d, more, k), next, `level ${k + 2}`);
          lazy = new DeltaResult(lazy, d);
          built = next;
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('delta: each kind of damage is DELTA_CORRUPT (opcode 0, copy past the end, truncation, size lies)', T, () => {
  const base = POOL.subarray(0, 100);
  const hdr = (b: number, r: number): number[] => {
    const o: number[] = [];
    pushVarint(o, b);
    pushVarint(o, r);
    return o;
  };
  const cases: [string, number[]][] = [
    ['reserved opcode 0', [...hdr(100, 1), 0x00, 0x01, 0x41]],
    ['copy 90+20 past a base of 100', [...hdr(100, 20), 0x91, 90, 20]],
    ['copy 0x10000 (no size bytes) from a base of 100', [...hdr(100, 0x10000), 0x80]],
    ['copy with offset byte 3 set (2^24) from a base of 100', [...hdr(100, 1), 0x98, 1, 1]],
    ['copy instruction cut after its opcode', [...hdr(100, 4), 0x91]],
    ['copy instruction cut inside its parameters', [...hdr(100, 4), 0xb3, 1, 2, 4]],
    ['insert cut short', [...hdr(100, 5), 0x05, 1, 2]],
    ['result larger than declared (insert)', [...hdr(100, 2), 0x03, 1, 2, 3]],
    ['result larger than declared (copy)', [...hdr(100, 2), 0x90, 3]],
    ['result smaller than declared', [...hdr(100, 4), 0x03, 1, 2, 3]],
    ['declared result 2^40, three bytes produced', [...hdr(100, 2 ** 40), 0x03, 1, 2, 3]],
    ['declared base size 101 for a base of 100', [...hdr(101, 3), 0x03, 1, 2, 3]],
    ['declared base size 99 for a base of 100', [...hdr(99, 3), 0x03, 1, 2, 3]],
    ['delta ends inside the result size', [...hdr(100, 300).slice(0, 2)]],
    ['empty delta', []],
  ];
  for (const [name, bytes] of cases) {
    const delta = Uint8Array.from(bytes);
    assert.equal(gitPatchDelta(base, delta), 'corrupt', `model: ${name}`);
    assert.equal(actual(base, delta), 'corrupt', name);
  }
});
