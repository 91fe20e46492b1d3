/**
 * Git delta data (gitformat-pack, "Deltified representation"; git's patch-delta.c).
 *
 *   varint base size  | varint result size      little-endian 7-bit groups
 *   instructions:
 *     1xxxxxxx  copy from base: bits 0-3 say which offset bytes follow (LE), bits 4-6 which
 *               size bytes follow; size 0 means 0x10000
 *     0xxxxxxx  insert the next x bytes (x = 1..127)
 *     00000000  reserved: an error
 *
 * `applyDelta` never allocates a result size that only the delta declares: a size up to a small
 * multiple of the bytes at hand (base and delta) is allocated and filled in one pass that checks
 * every instruction as it goes; a larger one is believed only after a first pass has added up what
 * the instructions produce.
 */
import { XtestPackError } from '../errors.js';

const MAX_VARINT_BYTES = 8;
/** git's DELTA_SIZE_MIN (delta.h): two one-byte sizes and at least one two-byte instruction. */
const DELTA_SIZE_MIN = 4;

export interface DeltaHeader {
  baseSize: number;
  resultSize: number;
  /** Offset of the first instruction. */
  instructionsAt: number;
}

/**
 * Read the two size varints at the start of delta data.
 * @throws DELTA_CORRUPT on truncated or over-long varints.
 * @example
 *   const { baseSize, resultSize } = decodeDeltaHeader(delta);
 */
export function decodeDeltaHeader(delta: Uint8Array): DeltaHeader {
  let p = 0;
  const read = (what: string): number => {
    let v = 0;
    let mul = 1;
    for (let n = 0; ; n++) {
      if (p >= delta.length) throw new XtestPackError('DELTA_CORRUPT', `delta ends inside the ${what}`);
      if (n >= MAX_VARINT_BYTES) throw new XtestPackError('DELTA_CORRUPT', `delta ${what} varint is too long`);
      const c = delta[p++]!;
      v += (c & 0x7f) * mul;
      mul *= 128;
      if (!Number.isSafeInteger(v)) throw new XtestPackError('DELTA_CORRUPT', `delta ${what} is beyond 2^53`);
      if (!(c & 0x80)) return v;
    }
  };
  const baseSize = read('base size');
  const resultSize = read('result size');
  return { baseSize, resultSize, instructionsAt: p };
}

/**
 * Apply `delta` to `base`. With `into` large enough for the result, the result is written
 * there and returned as a view of it (for loops that reuse buffers).
 * @throws DELTA_CORRUPT when the base size differs from the declared one, an instruction is
 *         reserved, truncated or copies past the base, or the output differs from the
 *         declared result size.
 * @example
 *   const target = applyDelta(base, delta);
 */
export function applyDelta(base: Uint8Array, delta: Uint8Array, into?: Uint8Array): Uint8Array {
  if (delta.length < DELTA_SIZE_MIN) {
    throw new XtestPackError('DELTA_CORRUPT', `delta of ${delta.length} bytes is shorter than git's minimum of ${DELTA_SIZE_MIN}`);
  }
  const { baseSize, resultSize, instructionsAt } = decodeDeltaHeader(delta);
  if (baseSize !== base.length) {
    throw new XtestPackError('DELTA_CORRUPT', `delta expects a base of ${baseSize} bytes, the base has ${base.length}`);
  }
  const produces = (n: number): void => {
    if (n !== resultSize) throw new XtestPackError('DELTA_CORRUPT', `delta produces ${n} bytes, its header declares ${resultSize}`);
  };
  if (!plausibleResultSize(resultSize, base.length, delta.length)) {
    produces(walk(delta, instructionsAt, base.length, resultSize, undefined));
  }
  if (into && into.length >= resultSize) {
    const out = into.subarray(0, resultSize);
    produces(walk(delta, instructionsAt, base.length, resultSize, { out, outAt: 0, base, baseAt: 0, deltaAt: -1 }));
    return out;
  }
  const size = resultSize + base.length + delta.length;
  if (size > SHARED_BYTES) {
    const out = new Uint8Array(resultSize);
    produces(walk(delta, instructionsAt, base.length, resultSize, { out, outAt: 0, base, baseAt: 0, deltaAt: -1 }));
    return out;
  }
  // Small (most deltas of a checkout): one buffer holds the result, then the base, then the
  // delta, so that each instruction is one copyWithin. A view per instruction costs more than
  // most copies (a few dozen bytes), and a checkout runs this code cold, once per object.
  const work = new Uint8Array(size);
  work.set(base, resultSize);
  work.set(delta, resultSize + base.length);
  produces(walk(delta, instructionsAt, base.length, resultSize, { out: work, outAt: 0, base: undefined, baseAt: resultSize, deltaAt: resultSize + base.length }));
  return work.slice(0, resultSize);
}

/**
 * Results up to this many times the bytes of base and delta (plus 64 KiB) are allocated before
 * the instructions are checked: real deltas stay far below (a result is mostly copies of the
 * base), and what a hostile one can make us allocate stays proportional to what it gave us.
 */
const PLAUSIBLE_GROWTH = 4;

/**
 * May a result of `resultSize` bytes, declared by a delta of `deltaLength` bytes on a base of
 * `baseLength`, be allocated before its instructions are checked? (See PLAUSIBLE_GROWTH; a
 * caller that hands applyDelta a buffer asks the same.)
 */
export function plausibleResultSize(resultSize: number, baseLength: number, deltaLength: number): boolean {
  return resultSize <= PLAUSIBLE_GROWTH * (baseLength + deltaLength) + 0x10000;
}

/** Up to this size (result, base and delta), a delta is applied in one buffer of all three. */
const SHARED_BYTES = 1 << 20;

/**
 * Where `walk` writes and what it copies from: the result at `out[outAt]`; copies from `base`,
 * or without one from `out[baseAt]`; inserts from `out[deltaAt]` (the delta held there too),
 * or with `deltaAt` -1 from the delta itself.
 */
interface WalkIo {
  out: Uint8Array;
  outAt: number;
  base: Uint8Array | undefined;
  baseAt: number;
  deltaAt: number;
}

/**
 * One walk over the instructions of `d` from `start`: validates only (no `io`), or also writes
 * the result as `io` says (see WalkIo). Returns bytes produced; stops with an error as soon as
 * the output would pass `limit`.
 */
function walk(d: Uint8Array, start: number, baseLength: number, limit: number, io: WalkIo | undefined): number {
  let p = start;
  let o = 0;
  const end = d.length;
  while (p < end) {
    const cmd = d[p++]!;
    if (cmd & 0x80) {
      let off = 0;
      let size = 0;
      if (cmd & 0x0f) {
        if (p + BITS[cmd & 0x0f]! > end) throw bad(p, 'copy instruction is truncated');
        if (cmd & 0x01) off = d[p++]!;
        if (cmd & 0x02) off += d[p++]! * 0x100;
        if (cmd & 0x04) off += d[p++]! * 0x10000;
        if (cmd & 0x08) off += d[p++]! * 0x1000000;
      }
      if (cmd & 0x70) {
        if (p + BITS[(cmd >> 4) & 0x07]! > end) throw bad(p, 'copy instruction is truncated');
        if (cmd & 0x10) size = d[p++]!;
        if (cmd & 0x20) size += d[p++]! * 0x100;
        if (cmd & 0x40) size += d[p++]! * 0x10000;
      }
      if (size === 0) size = 0x10000;
      if (off + size > baseLength) {
        throw bad(p, `copy ${off}+${size} exceeds base size ${baseLength}`);
      }
      if (size > limit - o) throw bad(p, `output passes the declared result size ${limit}`);
      if (io?.base) copyBytes(io.out, io.outAt + o, io.base, off, size);
      else if (io) io.out.copyWithin(io.outAt + o, io.baseAt + off, io.baseAt + off + size);
      o += size;
    } else if (cmd !== 0) {
      if (cmd > end - p) throw bad(p, 'insert instruction is truncated');
      if (cmd > limit - o) throw bad(p, `output passes the declared result size ${limit}`);
      if (io && io.deltaAt >= 0) io.out.copyWithin(io.outAt + o, io.deltaAt + p, io.deltaAt + p + cmd);
      else if (io) copyBytes(io.out, io.outAt + o, d, p, cmd);
      p += cmd;
      o += cmd;
    } else {
      throw bad(p - 1, 'reserved delta opcode 0');
    }
  }
  return o;
}

/**
 * Copy `n` bytes of `from` at `at` to `out` at `o`: a loop for the few bytes most instructions
 * move (a view and set() per instruction cost more, once the loop is compiled), set() above.
 */
function copyBytes(out: Uint8Array, o: number, from: Uint8Array, at: number, n: number): void {
  if (n > 32) out.set(from.subarray(at, at + n), o);
  else for (let k = 0; k < n; k++) out[o + k] = from[at + k]!;
}

/** Bits set in 0..15: how many offset (or size) bytes a copy instruction's flags announce. */
const BITS = Uint8Array.of(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);

function bad(at: number, what: string): XtestPackError {
  return new XtestPackError('DELTA_CORRUPT', `delta byte ${at}: ${what}`);
}

/** One delta instruction, for writers and tests. */
export type DeltaOp = { op: 'copy'; offset: number; size: number } | { op: 'insert'; data: Uint8Array };

/**
 * Encode a delta from its header sizes and instructions. Copies use the fewest bytes (a size
 * of exactly 0x10000 is written as no size bytes); inserts must hold 1-127 bytes.
 * @example
 *   encodeDelta(4, 6, [{ op: 'copy', offset: 0, size: 4 }, { op: 'insert', data: bytes }])
 */
export function encodeDelta(baseSize: number, resultSize: number, ops: readonly DeltaOp[]): Uint8Array {
  const out: number[] = [];
  pushVarint(out, baseSize);
  pushVarint(out, resultSize);
  for (const op of ops) {
    if (op.op === 'insert') {
      const n = op.data.length;
      if (n < 1 || n > 127) throw new RangeError(`insert of ${n} bytes (1-127)`);
      out.push(n);
      for (const b of op.data) out.push(b);
      continue;
    }
    const { offset, size } = op;
    if (offset < 0 || offset > 0xffffffff || size < 1 || size > 0xffffff) {
      throw new RangeError(`copy ${offset}+${size}`);
    }
    let cmd = 0x80;
    const tail: number[] = [];
    for (let i = 0; i < 4; i++) {
      const b = Math.floor(offset / 2 ** (8 * i)) & 0xff;
      if (b) {
        cmd |= 1 << i;
        tail.push(b);
      }
    }
    const sz = size === 0x10000 ? 0 : size;
    for (let i = 0; i < 3; i++) {
      const b = (sz >> (8 * i)) & 0xff;
      if (b) {
        cmd |= 0x10 << i;
        tail.push(b);
      }
    }
    out.push(cmd, ...tail);
  }
  return Uint8Array.from(out);
}

/** Append a delta-header varint (little-endian 7-bit groups). */
export function pushVarint(out: number[], v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`varint ${v}`);
  while (v >= 0x80) {
    out.push(0x80 | v % 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
}
