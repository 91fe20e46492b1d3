/**
 * index-pack, pass 2 (builtin/index-pack.c `resolve_deltas`): from each whole object, its
 * dependants depth first, re-reading each delta with a positional read (index-resolver.ts, in
 * a memory budget: a delta result larger than LARGE_OBJECT is never built, and the data of
 * the objects on the chain is let go of and made again past the budget).
 *
 * The work splits by tree: a `DeltaResolver` resolves every delta descending from one whole
 * object (a root) and writes only those entries' slots of the shared tables, so several
 * resolvers (one per thread, each with its own reader and backend) can take roots from one
 * list, as git's `threaded_second_pass` takes bases from its work list.
 *
 *   plan (planResolve)   OFS_DELTA (child, base) pairs sorted by base: an entry's children are
 *                        a binary search away; REF_DELTAs sorted by base id; roots: whole
 *                        objects with children, in pack order
 */
import type { Backend, HashOptions } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { decodeEntryHeader } from './entry.js';
import { sortByOid } from './idx/index.js';
import { DeltaResolver, firstPair, refRange, type ResolvePlan, type ResolveTables } from './index-resolver.js';
import { PAIR_BASE, PAIR_CHILD, allocateLocal, type Allocate, type RefDeltas, type ScannedPack } from './index-scan.js';
import { hashLength, toHex } from './oid.js';
import type { ByteSource } from './source.js';

export { DeltaResolver, type ResolvePlan, type ResolveTables } from './index-resolver.js';

/**
 * The plan of pass 2 for `scan`: children of each entry and the roots to start from. With
 * `scan.weights`, each root's weight becomes that of its whole tree (OFS_DELTAs; a REF_DELTA's
 * base is not known yet).
 * @throws PACK_CORRUPT for an OFS_DELTA whose base offset is not the start of an entry (the
 *         first in pack order).
 */
export function planResolve(scan: ScannedPack, source: ByteSource, allocate: Allocate = allocateLocal): ResolvePlan {
  const { count: n, offsets, types, oids, format, ofs, weights } = scan;
  const h = hashLength(format);
  if (ofs.badBase >= 0) {
    const at = offsets[ofs.badBase]!;
    const header = decodeEntryHeader(source.read(at, Math.min(64, scan.end - at)), 0, at, h);
    throw new XtestPackError('PACK_CORRUPT', `delta base offset ${header.baseOffset} is not the start of an object`, { offset: at });
  }
  const { pairs, count } = ofs;
  if (weights) {
    // Pairs are in pack order and a child comes after its base: back to front, each subtree's
    // weight is complete before it is added to its base.
    for (let k = count - 1; k >= 0; k--) weights[pairs[2 * k + PAIR_BASE]!]! += weights[pairs[2 * k + PAIR_CHILD]!]!;
  }
  new BigUint64Array(pairs.buffer, pairs.byteOffset, count).sort();
  const refs = scan.refs && sortRefs(scan.refs, h);
  const hasChildren = (i: number): boolean => {
    const k = firstPair(pairs, count, i);
    if (k < count && pairs[2 * k + PAIR_BASE] === i) return true;
    if (!refs) return false;
    const [from, to] = refRange(refs, oids, i, h);
    return to > from;
  };
  let roots = 0;
  for (let i = 0; i < n; i++) if (types[i] !== 0 && hasChildren(i)) roots++;
  const list = new Uint32Array(allocate(roots * 4));
  for (let i = 0, k = 0; i < n; i++) if (types[i] !== 0 && hasChildren(i)) list[k++] = i;
  return { pairs: pairs.subarray(0, 2 * count), pairCount: count, refs, roots: list };
}

/**
 * The roots of `plan` in the order threads should take them: heaviest tree first (by
 * `weights`, made by planResolve), so that no large tree starts last.
 * @example
 *   const order = rootsByWeight(plan, scan.weights!);
 */
export function rootsByWeight(plan: ResolvePlan, weights: Float32Array, allocate: Allocate = allocateLocal): Uint32Array {
  const order = new Uint32Array(allocate(plan.roots.length * 4));
  order.set(plan.roots);
  // Heaviest first; ties in pack order (a stable sort of a pack-ordered list).
  return order.sort((a, b) => weights[b]! - weights[a]!);
}

function sortRefs(refs: RefDeltas, h: number): RefDeltas {
  refs.sorted = sortByOid(refs.oids, refs.count, h);
  return refs;
}

/**
 * Pass 2 on one thread: every delta of `scan` resolved, its type and id (hashed with
 * `hashOptions`) filled in `scan.types` and `scan.oids`; with `details`, chain lengths and bases.
 * @throws DELTA_CORRUPT, SHA1_COLLISION (with the offset), OBJECT_MISSING (a base not in the
 *         pack: a thin pack, or a cycle), IO (the pack changed since pass 1), PACK_CORRUPT (an
 *         OFS_DELTA base offset where no entry starts).
 */
export function resolveDeltas(
  scan: ScannedPack,
  source: ByteSource,
  backend: Backend,
  hashOptions: HashOptions,
  details: boolean,
  progress: ((done: number, total: number) => void) | undefined,
): ResolveTables {
  const tables: ResolveTables = {
    format: scan.format,
    count: scan.count,
    end: scan.end,
    offsets: scan.offsets,
    oids: scan.oids,
    types: scan.types,
    depths: details ? new Uint32Array(scan.count) : undefined,
    bases: scan.bases,
  };
  if (scan.deltaCount === 0) return tables;
  const plan = planResolve(scan, source);
  const resolver = new DeltaResolver(tables, plan, source, backend, hashOptions);
  if (progress) resolver.onResolved = () => progress(resolver.resolved, scan.deltaCount);
  for (const root of plan.roots) resolver.resolveFrom(root);
  if (resolver.resolved !== scan.deltaCount) throw unresolvedError(scan, source, scan.deltaCount - resolver.resolved);
  return tables;
}

/**
 * The error for `missing` deltas left unresolved once every tree is done: the first REF_DELTA
 * among them (its base id is not in the pack), else the first OFS_DELTA in pack order.
 */
export function unresolvedError(scan: ScannedPack, source: ByteSource, missing: number): XtestPackError {
  const { refs, types, offsets } = scan;
  const h = hashLength(scan.format);
  for (let k = 0; refs && k < refs.count; k++) {
    const i = refs.entries[k]!;
    if (types[i] === 0) {
      return new XtestPackError(
        'OBJECT_MISSING',
        `${missing} unresolved deltas; the first is based on ${toHex(refs.oids.subarray(k * h, k * h + h))}, which is not in the pack or forms a cycle (thin packs are not supported)`,
        { offset: offsets[i] },
      );
    }
  }
  // No REF_DELTA is left: every unresolved entry is an OFS_DELTA.
  for (let i = 0; i < scan.count; i++) {
    if (types[i] === 0) {
      const at = offsets[i]!;
      const { baseOffset } = decodeEntryHeader(source.read(at, Math.min(64, scan.end - at)), 0, at, h);
      return new XtestPackError(
        'OBJECT_MISSING',
        `${missing} unresolved deltas; the first is based on the unresolved object at offset ${baseOffset}`,
        { offset: offsets[i] },
      );
    }
  }
  return new XtestPackError('PACK_CORRUPT', `${missing} unresolved deltas`);
}
