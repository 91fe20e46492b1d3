/**
 * Large delta results read in pieces, never built whole. A delta of 16 KiB may declare, and
 * truly produce, 1 GiB (16,384 one-byte instructions, each copying 64 KiB of its base): what
 * only needs the result's hash (index-pack, verify, a read that checks an object) reads it
 * through a `DeltaResult` in chunks instead, and a delta based on it reads its base the same
 * way. Memory is then the delta itself and an index of it, whatever the result's size.
 *
 *   DeltaResult(base, delta)   the delta is checked whole first, exactly as applyDelta checks it
 *                              (base size, every instruction, the result size), and the place of
 *                              every MARK_EVERY-th instruction is kept:
 *                                marks: output offset | position in the delta   (2 x f64 each)
 *   readInto(offset, into)     binary search for the last mark at or before `offset`, then the
 *                              instructions from there: a copy reads its range of the base (bytes,
 *                              or a DeltaResult in turn), an insert its bytes of the delta; a
 *                              cursor continues a sequential read without searching
 */
import type { Backend, HashOptions } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { decodeDeltaHeader } from './delta.js';
import { objectHeader, type ObjectFormat, type ObjectType } from './oid.js';

/**
 * Delta results larger than this are never built in memory by index-pack, verify and the reads
 * that only hash an object: they are hashed as they are read through a DeltaResult. Smaller ones
 * are built (applyDelta: one pass, a memory copy per instruction), as are whole objects (at most
 * their declared size, which the pack's compressed bytes must be able to produce).
 *
 * The ceiling this gives those commands, whatever a delta declares: the pack's per-object
 * tables (about 60 bytes an object), the objects of the delta chain being resolved that still
 * have deltas to resolve (a delta result at most LARGE_OBJECT each), whole objects at their
 * declared size, each delta's own data and its index (2 x 8 bytes per 16 instructions), and
 * STREAM_CHUNK of scratch. A 16 KiB delta that expands to 1 GiB is indexed in 62 MiB resident
 * (test/regress/delta-expands-to-1gib.test.ts holds it under 512 MB).
 */
export const LARGE_OBJECT = 32 << 20;

/** Bytes hashed (and read from a DeltaResult) at a time. */
export const STREAM_CHUNK = 1 << 20;

/** An instruction's place is kept for one instruction in this many. */
const MARK_EVERY = 16;

/** What a delta reads its base from: bytes in memory, or another delta result read in pieces. */
export type DeltaBase = Uint8Array | DeltaResult;

/**
 * The result of applying a delta to a base, read in pieces.
 * @example
 *   const r = new DeltaResult(base, delta); const head = new Uint8Array(64); r.readInto(0, head);
 */
export class DeltaResult {
  /** The result's size: its header's, checked against what the instructions produce. */
  readonly length: number;
  readonly #base: DeltaBase;
  readonly #delta: Uint8Array;
  #marksOut: Float64Array;
  #marksPos: Float64Array;
  #marks = 0;
  /** What `step` decoded last: where the next instruction starts, and the copy's base offset. */
  readonly #op = new Float64Array(2);
  /** The instruction a sequential read continues at, and its output offset. */
  #cursorPos = -1;
  #cursorOut = 0;

  /**
   * Check `delta` whole against `base` and index it; nothing of the result is built.
   * @throws DELTA_CORRUPT as applyDelta: a base of another size, a reserved, truncated or
   *         out-of-range instruction, output that differs from the declared result size.
   */
  constructor(base: DeltaBase, delta: Uint8Array) {
    if (delta.length < 4) {
      throw new XtestPackError('DELTA_CORRUPT', `delta of ${delta.length} bytes is shorter than git's minimum of 4`);
    }
    const { baseSize, resultSize, instructionsAt } = decodeDeltaHeader(delta);
    if (baseSize !== base.length) {
      throw new XtestPackError('DELTA_CORRUPT', `delta expects a base of ${baseSize} bytes, the base has ${base.length}`);
    }
    this.length = resultSize;
    this.#base = base;
    this.#delta = delta;
    const room = Math.min(1024, Math.ceil(delta.length / MARK_EVERY) + 1);
    this.#marksOut = new Float64Array(room);
    this.#marksPos = new Float64Array(room);
    const op = this.#op;
    let p = instructionsAt;
    let o = 0;
    for (let k = 0; p < delta.length; k++) {
      if (k % MARK_EVERY === 0) this.#mark(o, p);
      const size = step(delta, p, base.length, op);
      if (size > resultSize - o) throw bad(p, `output passes the declared result size ${resultSize}`);
      p = op[0]!;
      o += size;
    }
    if (o !== resultSize) throw new XtestPackError('DELTA_CORRUPT', `delta produces ${o} bytes, its header declares ${resultSize}`);
    if (this.#marks === 0) this.#mark(0, p);
  }

  #mark(out: number, pos: number): void {
    if (this.#marks === this.#marksOut.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.#marksOut = grow(this.#marksOut);
      this.#marksPos = grow(this.#marksPos);
    }
    this.#marksOut[this.#marks] = out;
    this.#marksPos[this.#marks] = pos;
    this.#marks++;
  }

  /**
   * Fill all of `into` with the result's bytes from `offset`.
   * @throws RangeError for a range outside the result.
   */
  readInto(offset: number, into: Uint8Array): void {
    const want = into.length;
    if (offset < 0 || offset + want > this.length) throw new RangeError(`read ${offset}+${want} outside a delta result of ${this.length} bytes`);
    if (want === 0) return;
    let p: number;
    let o: number;
    if (this.#cursorPos >= 0 && this.#cursorOut <= offset) {
      p = this.#cursorPos;
      o = this.#cursorOut;
    } else {
      let lo = 0;
      let hi = this.#marks - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (this.#marksOut[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      p = this.#marksPos[lo]!;
      o = this.#marksOut[lo]!;
    }
    const d = this.#delta;
    const base = this.#base;
    const op = this.#op;
    let filled = 0;
    let at = offset;
    for (;;) {
      const size = step(d, p, base.length, op);
      const next = op[0]!;
      const from = op[1]!;
      if (o + size > at) {
        const skip = at - o;
        const n = Math.min(size - skip, want - filled);
        const part = into.subarray(filled, filled + n);
        if (from < 0) part.set(d.subarray(next - size + skip, next - size + skip + n));
        else if (base instanceof Uint8Array) part.set(base.subarray(from + skip, from + skip + n));
        else base.readInto(from + skip, part);
        filled += n;
        at += n;
        if (filled === want) {
          if (skip + n === size) {
            p = next;
            o += size;
          }
          break;
        }
      }
      p = next;
      o += size;
    }
    this.#cursorPos = p;
    this.#cursorOut = o;
  }
}

/**
 * Decode the instruction at `p` of `d` (the checks of applyDelta's walk), leaving in `op` where
 * the next one starts and where a copy reads in the base (-1 for an insert, whose bytes end
 * where the next instruction starts); returns the bytes it produces.
 */
function step(d: Uint8Array, p: number, baseLength: number, op: Float64Array): number {
  const end = d.length;
  const cmd = d[p++]!;
  if (cmd & 0x80) {
    let off = 0;
    let size = 0;
    const need = BITS[cmd & 0x0f]! + BITS[(cmd >> 4) & 0x07]!;
    if (p + need > end) throw bad(p, 'copy instruction is truncated');
    if (cmd & 0x01) off = d[p++]!;
    if (cmd & 0x02) off += d[p++]! * 0x100;
    if (cmd & 0x04) off += d[p++]! * 0x10000;
    if (cmd & 0x08) off += d[p++]! * 0x1000000;
    if (cmd & 0x10) size = d[p++]!;
    if (cmd & 0x20) size += d[p++]! * 0x100;
    if (cmd & 0x40) size += d[p++]! * 0x10000;
    if (size === 0) size = 0x10000;
    if (off + size > baseLength) throw bad(p, `copy ${off}+${size} exceeds base size ${baseLength}`);
    op[0] = p;
    op[1] = off;
    return size;
  }
  if (cmd === 0) throw bad(p - 1, 'reserved delta opcode 0');
  if (cmd > end - p) throw bad(p, 'insert instruction is truncated');
  op[0] = p + cmd;
  op[1] = -1;
  return cmd;
}

/** Bits set in 0..15: how many offset (or size) bytes a copy instruction's flags announce. */
const BITS = Uint8Array.of(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);

function bad(at: number, what: string): XtestPackError {
  return new XtestPackError('DELTA_CORRUPT', `delta byte ${at}: ${what}`);
}

/**
 * The id of an object of `type` whose bytes are `data`, read `STREAM_CHUNK` bytes at a time into
 * `scratch` when they are a DeltaResult.
 * @throws SHA1_COLLISION from the hasher.
 * @example
 *   const oid = hashObjectBytes(backend, 'sha1', {}, 'blob', new DeltaResult(base, delta));
 */
export function hashObjectBytes(
  backend: Backend,
  format: ObjectFormat,
  hashOptions: HashOptions,
  type: ObjectType,
  data: DeltaBase,
  scratch?: Uint8Array,
): Uint8Array {
  const hasher = backend.createHash(format, hashOptions).update(objectHeader(type, data.length));
  if (data instanceof Uint8Array) return hasher.update(data).digest();
  const buf = scratch && scratch.length >= STREAM_CHUNK ? scratch : new Uint8Array(STREAM_CHUNK);
  for (let at = 0; at < data.length; at += STREAM_CHUNK) {
    const part = buf.subarray(0, Math.min(STREAM_CHUNK, data.length - at));
    data.readInto(at, part);
    hasher.update(part);
  }
  return hasher.digest();
}
