/**
 * index-pack, pass 2, one tree at a time (builtin/index-pack.c `find_unresolved_deltas`): from a
 * whole object, its dependants depth first, REF_DELTA children before OFS_DELTA children.
 *
 *   stack      one frame per object whose children are not all resolved yet: the object's
 *              data, and where its next child is in the plan
 *   budget     the data held by the frames and the free buffers of the pool stay within
 *              `budget` bytes: past it, the frames nearest the root let go of their data
 *              (git's `prune_base_data`) and make it again from their base when their next
 *              child needs it (`get_base_data`), so a wide tree of large objects costs time,
 *              not memory
 *   large      a delta result past LARGE_OBJECT is never built: it is read in pieces
 *              (delta-stream.ts) and holds its base, which is then kept whatever the budget
 *
 * Each resolver has its own reader, buffers and hasher, and writes only the table slots of the
 * trees it is given, so one per thread can share the tables (index-resolve.ts, pack-node/).
 */
import type { Backend, HashOptions, InflateResult } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { applyDelta, decodeDeltaHeader, plausibleResultSize } from './delta.js';
import { DeltaResult, LARGE_OBJECT, STREAM_CHUNK, hashObjectBytes, type DeltaBase } from './delta-stream.js';
import { decodeEntryHeader } from './entry.js';
import { BlockReader, BufferPool, ObjectHasher, SCRATCH_LIMIT, ScratchInflater } from './index-buffers.js';
import { PAIR_BASE, PAIR_CHILD, type RefDeltas } from './index-scan.js';
import { hashLength, typeName, type ObjectFormat } from './oid.js';
import type { ByteSource } from './source.js';

/** Who depends on whom: what pass 2 walks (made by planResolve). */
export interface ResolvePlan {
  /** OFS_DELTA (child, base) pairs sorted by base, then child (`OfsDeltas.pairs`). */
  readonly pairs: Uint32Array;
  readonly pairCount: number;
  /** REF_DELTA entries, sorted by base id. */
  readonly refs: RefDeltas | undefined;
  /** Whole objects with at least one child, in pack order. */
  readonly roots: Uint32Array;
}

/** The tables pass 2 reads and writes: those of pass 1, and the chain lengths and bases when kept. */
export interface ResolveTables {
  readonly format: ObjectFormat;
  readonly count: number;
  readonly end: number;
  readonly offsets: Float64Array | Uint32Array;
  /** Written at each resolved delta's slot. */
  readonly oids: Uint8Array;
  /** Written (claimed) at each resolved delta's slot. */
  readonly types: Uint8Array;
  /** Chain length of each delta, when kept (verify -v). */
  readonly depths: Uint32Array | undefined;
  /** Base entry of each delta, when kept (verify -v). */
  readonly bases: Int32Array | undefined;
}

/**
 * Bytes of object data (and free buffers) a resolver holds before it lets go of the data of
 * the frames nearest the root (default; git's core.deltaBaseCacheLimit is 96 MiB for all its
 * threads together).
 */
export const DEFAULT_BASE_BUDGET = 16 << 20;

/** An object that deltas are based on: on the stack, or the base of one that is. */
interface Base {
  readonly index: number;
  readonly depth: number;
  readonly type: number;
  /** What it is a delta of (undefined for a whole object): its data is made again from there. */
  readonly parent: Base | undefined;
  /** Its bytes, or a delta result read in pieces; undefined when let go of (or not read yet). */
  data: DeltaBase | undefined;
  /** `data` is a buffer of the pool's (it goes back there when let go of). */
  owned: boolean;
  /** A large delta result reads `data`: it is kept. */
  pinned: boolean;
}

interface Frame {
  readonly base: Base;
  /** The object's children (entry numbers), in the order they are resolved. */
  readonly children: number[];
  /** The next one. */
  at: number;
}

/**
 * Resolves the deltas of one root at a time, depth first, within a memory budget.
 * @example
 *   const r = new DeltaResolver(tables, plan, source, backend, {}); for (const root of plan.roots) r.resolveFrom(root);
 */
export class DeltaResolver {
  /** Deltas resolved so far by this resolver. */
  resolved = 0;
  /** Called after each delta is resolved (progress). */
  onResolved: (() => void) | undefined;
  readonly #t: ResolveTables;
  readonly #plan: ResolvePlan;
  readonly #backend: Backend;
  readonly #hashOptions: HashOptions;
  readonly #h: number;
  readonly #reader: BlockReader;
  readonly #pool: BufferPool;
  readonly #ids: ObjectHasher;
  /** Delta data, inflated into one buffer: each is used up before the next is read. */
  readonly #deltas: ScratchInflater;
  readonly #budget: number;
  /** Bytes of data the bases hold. */
  #held = 0;
  /** Scratch for hashing a large delta result in pieces (made when first needed). */
  #chunk: Uint8Array | undefined;

  constructor(tables: ResolveTables, plan: ResolvePlan, source: ByteSource, backend: Backend, hashOptions: HashOptions, budget = DEFAULT_BASE_BUDGET) {
    this.#t = tables;
    this.#plan = plan;
    this.#backend = backend;
    this.#hashOptions = hashOptions;
    this.#h = hashLength(tables.format);
    this.#reader = new BlockReader(source, tables.end);
    this.#ids = new ObjectHasher(backend, tables.format, hashOptions);
    this.#deltas = new ScratchInflater(backend);
    this.#budget = budget;
    this.#pool = new BufferPool(budget);
  }

  /**
   * Resolve every delta that descends from the whole object `root`, depth first.
   * @throws DELTA_CORRUPT, SHA1_COLLISION (naming the offset of the delta concerned), IO (the
   *         pack changed since pass 1).
   */
  resolveFrom(root: number): void {
    const first = this.#frameFor({ index: root, depth: 0, type: this.#t.types[root]!, parent: undefined, data: undefined, owned: false, pinned: false });
    if (!first) return;
    const stack: Frame[] = [first];
    try {
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const child = top.children[top.at++]!;
        // A frame whose last child this is leaves the stack now, so a linear chain holds two
        // objects at a time, not its whole depth; its data goes after this child is built.
        const last = top.at === top.children.length;
        if (last) stack.pop();
        // Claimed atomically: with duplicate objects in a pack, a REF_DELTA may hang below two
        // trees that different threads resolve; it is resolved once.
        if (Atomics.compareExchange(this.#t.types, child, 0, top.base.type) === 0) {
          this.#makeRoom(stack, top.base);
          this.#resolveChild(stack, top.base, child);
        }
        if (last) this.#letGo(top.base);
      }
    } finally {
      for (const f of stack) this.#letGo(f.base);
    }
  }

  /**
   * The frame of `base` when it has children, else undefined. Its children in order: REF_DELTAs
   * (by id), then OFS_DELTAs that have no OFS_DELTA of their own, then the others (pack order
   * each): the last child is resolved after its base has left the stack, so a base with many
   * versions resolved from it is let go of before the one that continues the chain, not after.
   */
  #frameFor(base: Base): Frame | undefined {
    const { pairs, pairCount, refs } = this.#plan;
    const [ofsAt, ofsEnd] = pairRange(pairs, pairCount, base.index);
    const [refAt, refEnd] = refs ? refRange(refs, this.#t.oids, base.index, this.#h) : [0, 0];
    if (ofsAt === ofsEnd && refAt === refEnd) return undefined;
    const children: number[] = [];
    for (let k = refAt; k < refEnd; k++) children.push(refs!.entries[refs!.sorted[k]!]!);
    const parents: number[] = [];
    for (let k = ofsAt; k < ofsEnd; k++) {
      const child = pairs[2 * k + PAIR_CHILD]!;
      const first = firstPair(pairs, pairCount, child);
      if (first < pairCount && pairs[2 * first + PAIR_BASE] === child) parents.push(child);
      else children.push(child);
    }
    for (const child of parents) children.push(child);
    return { base, children, at: 0 };
  }

  #resolveChild(stack: Frame[], parent: Base, child: number): void {
    const t = this.#t;
    const data = this.#build(this.#dataOf(parent), child, parent);
    const base: Base = { index: child, depth: parent.depth + 1, type: parent.type, parent, data, owned: true, pinned: false };
    this.#held += sizeOf(data);
    if (t.depths) t.depths[child] = base.depth;
    if (t.bases) t.bases[child] = parent.index;
    const h = this.#h;
    if (data instanceof Uint8Array) t.oids.set(this.#ids.hash(base.type, data, t.offsets[child]!), child * h);
    else t.oids.set(this.#hashLarge(base.type, data, child), child * h);
    this.resolved++;
    this.onResolved?.();
    const f = this.#frameFor(base);
    if (!f) {
      this.#letGo(base);
      return;
    }
    stack.push(f);
    this.#pool.trim(Math.max(0, this.#budget - this.#held));
  }

  /**
   * The result of delta `child` on `baseData` (the data of `parent`).
   * @throws DELTA_CORRUPT naming the child's offset.
   */
  #build(baseData: DeltaBase, child: number, parent: Base): DeltaBase {
    const delta = this.#readDelta(child);
    const pool = this.#pool;
    try {
      const resultSize = delta.length >= 2 ? decodeDeltaHeader(delta).resultSize : 0;
      if (resultSize > LARGE_OBJECT) {
        // Checked whole now, read in pieces when hashed and when its own deltas need it: it
        // reads its base and its delta (copied out of the scratch buffer) for as long as it lives.
        parent.pinned = true;
        return new DeltaResult(baseData, delta.slice());
      }
      if (baseData instanceof DeltaResult) {
        // A small result of a large base: built from the pieces it copies.
        const lazy = new DeltaResult(baseData, delta);
        const out = pool.get(lazy.length).subarray(0, lazy.length);
        lazy.readInto(0, out);
        return out;
      }
      // A new buffer only for a size the bytes at hand can make (applyDelta's own rule): a
      // declared size is never allocated on trust.
      const into = plausibleResultSize(resultSize, baseData.length, delta.length) ? pool.get(resultSize) : pool.take(resultSize);
      const out = applyDelta(baseData, delta, into);
      if (into && out.buffer !== into.buffer) pool.give(into);
      return out;
    } catch (e) {
      if (e instanceof XtestPackError) throw new XtestPackError(e.code, e.reason, { offset: this.#t.offsets[child], cause: e });
      throw e;
    }
  }

  /** The data of `base`, made again (from its whole object, delta by delta) if it was let go of. */
  #dataOf(base: Base): DeltaBase {
    if (base.data) return base.data;
    // `base` and its ancestors that hold no data, up to one that does or the whole object.
    const path: Base[] = [];
    let b: Base | undefined = base;
    while (b && !b.data) {
      path.push(b);
      b = b.parent;
    }
    let data = b?.data;
    let owned = false;
    for (let k = path.length - 1; k >= 0; k--) {
      const p = path[k]!;
      let made: DeltaBase;
      let madeOwned = true;
      if (p.parent) {
        made = this.#build(data!, p.index, p.parent);
      } else {
        const root = this.#readRoot(p.index);
        made = root.data;
        madeOwned = root.owned;
      }
      // Only `base` keeps its data: the others were steps to it (unless a large result reads one).
      if (owned && !(made instanceof DeltaResult)) this.#give(data!);
      data = made;
      owned = madeOwned;
    }
    base.data = data!;
    base.owned = owned;
    this.#held += sizeOf(data!);
    return data!;
  }

  /** Let go of `base`'s data; its buffer goes back to the pool unless a large result reads it. */
  #letGo(base: Base): void {
    const data = base.data;
    if (!data) return;
    base.data = undefined;
    this.#held -= sizeOf(data);
    if (base.owned && !base.pinned) this.#give(data);
  }

  /** Give a buffer back to the pool (which #prune keeps within the budget). */
  #give(data: DeltaBase): void {
    if (data instanceof Uint8Array) this.#pool.give(data);
  }

  /**
   * Before a child of `parent` is built (about as large as `parent`): past the budget, the
   * frames nearest the root let go of their data first (git's `prune_base_data` order), their
   * buffers going to the pool, where the child's result is then made (no new buffer, no garbage).
   */
  #makeRoom(stack: Frame[], parent: Base): void {
    const next = parent.data ? sizeOf(parent.data) : 0;
    for (let k = 0; k < stack.length && this.#held + next > this.#budget; k++) {
      const base = stack[k]!.base;
      if (base !== parent) this.#letGo(base);
    }
  }

  /** The id of entry `child`, a delta result larger than LARGE_OBJECT, hashed in pieces. */
  #hashLarge(type: number, data: DeltaResult, child: number): Uint8Array {
    this.#chunk ??= new Uint8Array(STREAM_CHUNK);
    try {
      return hashObjectBytes(this.#backend, this.#t.format, this.#hashOptions, typeName(type)!, data, this.#chunk);
    } catch (e) {
      throw e instanceof XtestPackError ? e.at({ offset: this.#t.offsets[child] }) : e;
    }
  }

  /** Entry `i`'s packed bytes (one positional read) and its header, decoded again (pass 1 kept no sizes). */
  #readEntry(i: number): { input: Uint8Array; size: number; offset: number } {
    const t = this.#t;
    const offset = t.offsets[i]!;
    const next = i + 1 < t.count ? t.offsets[i + 1]! : t.end;
    const entry = this.#reader.read(offset, next - offset);
    const { size, headerLength } = decodeEntryHeader(entry, 0, offset, this.#h);
    return { input: entry.subarray(headerLength), size, offset };
  }

  /** Delta `i`'s data, in the scratch buffer: valid until the next delta is read. */
  #readDelta(i: number): Uint8Array {
    const { input, size, offset } = this.#readEntry(i);
    return checked(this.#deltas.inflate(input, size), offset);
  }

  /** Whole object `i`'s data, in a buffer of its own (the pool's when it can, to go back there). */
  #readRoot(i: number): { data: Uint8Array; owned: boolean } {
    const { input, size, offset } = this.#readEntry(i);
    const b = this.#backend;
    if (!b.inflateInto || size >= SCRATCH_LIMIT) return { data: checked(b.inflate(input, size), offset), owned: false };
    const into = this.#pool.get(size + 1);
    const data = checked(b.inflateInto(input, size, into), offset);
    // A backend may have inflated elsewhere after all: only our own buffer goes to the pool.
    return { data, owned: data.buffer === into.buffer };
  }
}

/** Bytes of memory `data` holds: a large delta result holds only its delta (counted nowhere). */
function sizeOf(data: DeltaBase): number {
  return data instanceof Uint8Array ? data.length : 0;
}

/** The data of an entry that pass 1 inflated already: a failure now means the file changed. */
function checked(r: InflateResult, offset: number): Uint8Array {
  if (!r.ok) throw new XtestPackError('IO', `object data changed since it was read: ${r.detail}`, { offset });
  return r.data;
}

/** The first pair (of `count`, sorted) whose base is `base` or later. */
export function firstPair(pairs: Uint32Array, count: number, base: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pairs[2 * mid + PAIR_BASE]! < base) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The range [from, to) of sorted pairs whose base is `base`. */
function pairRange(pairs: Uint32Array, count: number, base: number): [number, number] {
  const from = firstPair(pairs, count, base);
  let to = from;
  while (to < count && pairs[2 * to + PAIR_BASE] === base) to++;
  return [from, to];
}

/** The range [from, to) of `refs.sorted` whose base id is entry i's id in `oids`. */
export function refRange(refs: RefDeltas, oids: Uint8Array, i: number, h: number): [number, number] {
  const { sorted, oids: refOids } = refs;
  const at0 = i * h;
  const cmp = (k: number): number => {
    const at = sorted[k]! * h;
    for (let j = 0; j < h; j++) {
      const d = refOids[at + j]! - oids[at0 + j]!;
      if (d !== 0) return d;
    }
    return 0;
  };
  let lo = 0;
  let hi = refs.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(mid) < 0) lo = mid + 1;
    else hi = mid;
  }
  let to = lo;
  while (to < refs.count && cmp(to) === 0) to++;
  return [lo, to];
}
