/**
 * The delta search and compression of one segment of a pack being written (write.ts cuts the
 * sorted object list into segments): the work that can run anywhere, in any order, in parallel,
 * and still give the same bytes, because a segment's result depends on its own objects only.
 *
 * In the manner of git's find_deltas (builtin/pack-objects.c, git 2.39): each object is tried
 * against the `window` objects before it in the segment; a delta must be smaller than half the
 * object (less the id a REF base would cost), scaled down by the base's depth, and smaller than
 * the best so far; the base that gave the delta is moved to the young end of the window, so it
 * stays longest and is tried first; an object that became a delta at the depth limit is not
 * kept as a base. Then every object's entry body is deflated: the delta or the object.
 *
 *   segment objects (in pack order) -> for each: base (an earlier index of the segment, or -1),
 *                                      entry size (delta or object), deflated body
 */
import { XtestPackError } from '../errors.js';
import { createDelta, createDeltaIndex, type DeltaIndex } from './delta-encode.js';
import { hashLength, objectHeader, toHex, type ObjectFormat, type ObjectType } from './oid.js';
import type { Hasher } from '../backend/types.js';

/** git's prepare_pack() leaves objects smaller than this out of the delta search. */
export const MIN_DELTA_SIZE = 50;

/** One object of a segment: its id, type and bytes. */
export interface SegmentObject {
  readonly oid: Uint8Array;
  readonly type: ObjectType;
  readonly data: Uint8Array;
}

export interface SegmentContext {
  readonly format: ObjectFormat;
  /** Objects each is compared with (0: no delta). */
  readonly window: number;
  /** Longest delta chain. */
  readonly depth: number;
  /**
   * A new zlib deflater for the segment (pako: the same bytes everywhere). One per segment: a
   * reused stream's bytes depend on what it deflated before (zlib's reset leaves the window's
   * old bytes, which longest_match may read past the input), so a stream shared across segments
   * would make each segment's bytes depend on which ran before it on the same thread.
   */
  readonly createDeflater: () => (data: Uint8Array) => Uint8Array;
  /** Given: each object is hashed and compared with its id first. */
  readonly createHash?: () => Hasher;
}

/** What a segment gives: per object, in order, its base, entry size and deflated body. */
export interface SegmentResult {
  /**
   * The delta base of each object: an index into the seeds followed by the segment's objects
   * (`seeds.length + j` is the segment's j-th object), or -1 for an object written whole.
   */
  readonly bases: Int32Array;
  /** The size an entry header declares: the delta's length, or the object's. */
  readonly sizes: Float64Array;
  /** Deflated bodies, back to back; the i-th ends at `ends[i]`. */
  readonly bodies: Uint8Array;
  readonly ends: Float64Array;
}

interface Slot {
  /** Index into seeds + objects. */
  readonly i: number;
  readonly data: Uint8Array;
  index: DeltaIndex | undefined;
}

/**
 * Search deltas within `objects` (already in pack order) and deflate every entry body. `seeds`
 * are the delta candidates just before the segment (the previous segment's last `window`), the
 * window it starts with: bases only, counted as whole objects (depth 0) here; the writer
 * checks the chains they start once it knows their real depth.
 * @throws OID_MISMATCH when an object or seed does not hash to its id, SHA1_COLLISION when it
 *         is part of a collision attack (both only with `createHash`).
 * @example
 *   const r = searchSegment(objects, [], { format: 'sha1', window: 10, depth: 50, createDeflater: () => createDeflater(-1) });
 */
export function searchSegment(objects: readonly SegmentObject[], seeds: readonly SegmentObject[], ctx: SegmentContext): SegmentResult {
  const n = objects.length;
  const first = seeds.length;
  const all = [...seeds, ...objects];
  const h = hashLength(ctx.format);
  const { window, depth: maxDepth } = ctx;
  const bases = new Int32Array(n).fill(-1);
  const sizes = new Float64Array(n);
  const ends = new Float64Array(n);
  const depth = new Uint16Array(all.length);
  const deltas: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(n);
  if (ctx.createHash) for (const o of all) verifyObject(o, ctx.createHash);

  // The window, oldest first: it starts with the seeds.
  const win: Slot[] = [];
  if (window > 0) for (let i = Math.max(0, first - window); i < first; i++) win.push({ i, data: all[i]!.data, index: undefined });
  for (let i = first; i < all.length; i++) {
    const o = all[i]!;
    const data = o.data;
    if (window === 0 || data.length < MIN_DELTA_SIZE) continue;
    let best: Uint8Array | undefined;
    let bestSlot = -1;
    for (let k = win.length - 1; k >= 0; k--) {
      const m = win[k]!;
      const mo = all[m.i]!;
      // Sorted by type: an older slot of another type means every older one is.
      if (mo.type !== o.type) break;
      const baseDepth = depth[m.i]!;
      if (baseDepth >= maxDepth) continue;
      // git's try_delta: at most half the object (less the id a REF base would cost), or less
      // than the best so far; scaled down for bases already deep in a chain.
      const refDepth = best ? depth[i]! : 1;
      let maxSize = best ? best.length : Math.floor(data.length / 2) - h;
      maxSize = Math.floor((maxSize * (maxDepth - baseDepth)) / (maxDepth - refDepth + 1));
      if (maxSize <= 0) continue;
      // Bytes the target has beyond the base must be inserted: no room, no delta.
      if (data.length - m.data.length >= maxSize) continue;
      // A target far smaller than the base is not worth it.
      if (data.length < m.data.length / 32) continue;
      m.index ??= createDeltaIndex(m.data);
      const d = createDelta(m.index, data, maxSize);
      if (!d || d.length >= maxSize) continue;
      if (best && d.length === best.length && baseDepth + 1 >= depth[i]!) continue;
      best = d;
      bestSlot = k;
      depth[i] = baseDepth + 1;
    }
    if (best) {
      deltas[i - first] = best;
      bases[i - first] = win[bestSlot]!.i;
    }
    // A delta already at the depth limit cannot be a base: leave it out of the window.
    if (best && depth[i]! >= maxDepth) continue;
    win.push({ i, data, index: undefined });
    if (best) {
      // The base that worked goes to the young end, after this object: tried first, kept longest.
      const [slot] = win.splice(bestSlot, 1);
      win.push(slot!);
    }
    if (win.length > window) win.shift();
  }

  const deflate = ctx.createDeflater();
  const bodies: Uint8Array[] = new Array<Uint8Array>(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const body = deltas[i] ?? objects[i]!.data;
    sizes[i] = body.length;
    const z = deflate(body);
    bodies[i] = z;
    total += z.length;
    ends[i] = total;
  }
  const out = new Uint8Array(total);
  for (let i = 0, at = 0; i < n; i++) {
    out.set(bodies[i]!, at);
    at = ends[i]!;
  }
  return { bases, sizes, bodies: out, ends };
}

function verifyObject(o: SegmentObject, createHash: () => Hasher): void {
  let actual: Uint8Array;
  try {
    actual = createHash().update(objectHeader(o.type, o.data.length)).update(o.data).digest();
  } catch (e) {
    throw e instanceof XtestPackError ? e.at({ oid: toHex(o.oid) }) : e;
  }
  for (let k = 0; k < actual.length; k++) {
    if (actual[k] !== o.oid[k]) {
      throw new XtestPackError('OID_MISMATCH', `object loaded for packing hashes to ${toHex(actual)}`, { oid: toHex(o.oid) });
    }
  }
}
