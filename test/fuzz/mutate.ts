// Byte-level mutations, driven by fast-check: bit flips, byte sets, truncations, deletions,
// insertions of random bytes, splices of another seed's bytes, duplicated ranges, and edits of
// length fields (big-endian 16/32/64-bit words, git's size varint, ASCII numbers in octal,
// decimal or hex) to values at the edges: 0, 1, powers of two and their neighbours, the
// input's own length. Positions are taken modulo the length at the time, so a shrunk mutation
// (smaller numbers, fewer steps) stays meaningful.
import fc from 'fast-check';
import { concatBytes } from '../../src/pack/bytes.js';

export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'splice'; readonly at: number; readonly donor: number; readonly from: number; readonly length: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly kind: 'number'; readonly at: number; readonly encoding: NumberEncoding; readonly value: number };

export type NumberEncoding = 'u8' | 'u16' | 'u32' | 'u64' | 'varint' | 'octal' | 'decimal' | 'hex4';

/** Values where length checks go wrong: around 0, byte and word edges, and the safe-integer edge. */
const EDGES = [0, 1, 2, 3, 4, 7, 8, 12, 16, 20, 32, 0x7f, 0x80, 0xff, 0x100, 0xfff0, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 32, 2 ** 40, 2 ** 53 - 1];

/** `-1` stands for "the input's length", `-2` for "the input's length plus one". */
const valueArb = fc.oneof(fc.constantFrom(...EDGES, -1, -2), fc.nat(0xffff));

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0, 0x20, 0x2f, 0x30, 0x0a, 0x7f, 0x80, 0xff) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), donor: fc.nat(), from: fc.nat(), length: fc.integer({ min: 1, max: 256 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 256 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('number' as const),
      at: fc.nat(),
      encoding: fc.constantFrom<NumberEncoding>('u8', 'u16', 'u32', 'u64', 'varint', 'octal', 'decimal', 'hex4'),
      value: valueArb,
    }),
  },
);

/** One to four mutations (most damage that matters is one or two changes). */
export const mutationsArb: fc.Arbitrary<Mutation[]> = fc.array(mutationArb, { minLength: 1, maxLength: 4 });

/** The bytes of `value` in `encoding`. */
function encodeNumber(value: number, encoding: NumberEncoding): Uint8Array {
  switch (encoding) {
    case 'u8':
      return Uint8Array.of(value & 0xff);
    case 'u16':
      return Uint8Array.of((value >>> 8) & 0xff, value & 0xff);
    case 'u32':
      return Uint8Array.of(Math.floor(value / 2 ** 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
    case 'u64': {
      const out = new Uint8Array(8);
      let v = value;
      for (let i = 7; i >= 0; i--) {
        out[i] = v % 256;
        v = Math.floor(v / 256);
      }
      return out;
    }
    case 'varint': {
      // git's object-size varint (LSB groups first, MSB set on all but the last byte).
      const out: number[] = [];
      let v = value;
      do {
        const b = v % 128;
        v = Math.floor(v / 128);
        out.push(v > 0 ? b | 0x80 : b);
      } while (v > 0 && out.length < 10);
      return Uint8Array.from(out);
    }
    case 'octal':
      return new TextEncoder().encode(value.toString(8));
    case 'decimal':
      return new TextEncoder().encode(String(value));
    case 'hex4':
      return new TextEncoder().encode((value % 0x10000).toString(16).padStart(4, '0'));
  }
}

/**
 * Apply `mutations` to a copy of `input`; `donors` lend bytes to splices.
 * @example
 *   applyMutations(pack, [{ kind: 'truncate', at: 100 }], corpus)
 */
export function applyMutations(input: Uint8Array, mutations: readonly Mutation[], donors: readonly Uint8Array[]): Uint8Array {
  let b: Uint8Array = input.slice();
  for (const m of mutations) {
    const len = b.length;
    const at = len === 0 ? 0 : m.at % (len + 1);
    switch (m.kind) {
      case 'flip':
        if (len > 0) b[m.at % len]! ^= 1 << m.bit;
        break;
      case 'set':
        if (len > 0) b[m.at % len] = m.value;
        break;
      case 'truncate':
        b = b.slice(0, len === 0 ? 0 : m.at % len);
        break;
      case 'delete':
        b = concat(b.subarray(0, at), b.subarray(Math.min(len, at + m.length)));
        break;
      case 'insert':
        b = concat(b.subarray(0, at), m.bytes, b.subarray(at));
        break;
      case 'splice': {
        const donor = donors.length > 0 ? donors[m.donor % donors.length]! : b;
        const from = donor.length === 0 ? 0 : m.from % donor.length;
        b = concat(b.subarray(0, at), donor.subarray(from, from + m.length), b.subarray(Math.min(len, at + m.length)));
        break;
      }
      case 'duplicate':
        b = concat(b.subarray(0, Math.min(len, at + m.length)), b.subarray(at, Math.min(len, at + m.length)), b.subarray(Math.min(len, at + m.length)));
        break;
      case 'number': {
        const value = m.value === -1 ? len : m.value === -2 ? len + 1 : m.value;
        const n = encodeNumber(value, m.encoding);
        // Written over the bytes there (a length field is edited in place), growing at the end.
        b = concat(b.subarray(0, at), n, b.subarray(Math.min(len, at + n.length)));
        break;
      }
    }
  }
  return b;
}

const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);
