/**
 * Every object of a pack read whole in an order known beforehand (what cat-file
 * --batch-all-objects prints: pack order with --unordered, id order without), knowing from the
 * entry headers which delta needs which base and when. An object later deltas need is kept,
 * within a byte budget; over budget, the kept object whose next use is furthest away goes
 * first (Belady's rule: the future is known, as far as the deltas read later need their
 * bases), and each is let go after its last delta. A delta's result no later delta needs is
 * built in one reused buffer. In pack order an entry is then inflated once unless the budget
 * forced its object out, where git's unpack_entry, with a least-recently-used cache of the
 * bases met on the way, inflates many twice; in id order far fewer chains are walked again.
 *
 *   pos:   idx position of each entry         baseOf[pos]: its delta base's pos, or -1
 *   time:  place of each entry in the order of reads
 *   uses:  for each base, the times of the deltas on it, ascending
 */
import { XtestPackError } from '../errors.js';
import { applyDelta, decodeDeltaHeader, plausibleResultSize } from './delta.js';
import { OBJ_OFS_DELTA, typeName } from './oid.js';
import type { PackFile, PackObject } from './pack-file.js';
import type { IdxTables } from './pack-info.js';

/** The default budget of kept objects: git's delta-base cache limit (core.deltaBaseCacheLimit). */
export const DEFAULT_KEEP_BYTES = 96 << 20;
/** Results up to this size are built in the reused buffer when nothing keeps them. */
const SCRATCH_BYTES = 4 << 20;

/**
 * Reads the objects of one pack in pack order; `read` gives bytes valid until the next call.
 * @example
 *   const seq = new PackSequence(pack, tables, order, baseOf);
 *   for (const pos of order.positions) write(seq.read(pos));
 */
export class PackSequence {
  readonly #pack: PackFile;
  readonly #offsets: Float64Array;
  /** When each entry is read: its place in the order of reads. */
  readonly #time: Uint32Array;
  readonly #baseOf: Int32Array;
  readonly #budget: number;
  /** The times of the deltas on each entry: uses[first[pos] .. first[pos + 1]). */
  readonly #uses: Uint32Array;
  readonly #first: Uint32Array;
  /** How many of each entry's uses are behind. */
  readonly #done: Uint32Array;
  readonly #kept = new Map<number, PackObject>();
  #keptBytes = 0;
  /** Kept entries by next use, furthest first: [nextUse, pos] pairs, stale ones skipped. */
  readonly #heap: number[] = [];
  /** Where a result nothing keeps is built (the caller's, when it gives one). */
  readonly #scratch: Uint8Array;
  readonly #result: PackObject = { type: 'blob', data: new Uint8Array(0) };

  /**
   * @param reads the idx positions in the order they will be read (each entry once; an entry
   *        passed over is told with `skip`).
   * @param baseOf each entry's delta base, by idx position (-1 for a non-delta).
   * @param scratch where results nothing keeps are built: several sequences read in turn (and
   *        their reader) can share one, as a result is valid only until the next read.
   */
  constructor(pack: PackFile, tables: IdxTables, reads: Uint32Array, baseOf: Int32Array, budget = DEFAULT_KEEP_BYTES, scratch = new Uint8Array(SCRATCH_BYTES)) {
    const n = reads.length;
    this.#pack = pack;
    this.#scratch = scratch;
    this.#offsets = tables.offsets;
    this.#baseOf = baseOf;
    this.#budget = budget;
    const time = (this.#time = new Uint32Array(n));
    for (let t = 0; t < n; t++) time[reads[t]!] = t;
    const first = (this.#first = new Uint32Array(n + 1));
    for (let pos = 0; pos < n; pos++) if (baseOf[pos]! >= 0) first[baseOf[pos]! + 1]!++;
    for (let pos = 0; pos < n; pos++) first[pos + 1]! += first[pos]!;
    const uses = (this.#uses = new Uint32Array(first[n]!));
    const fill = first.slice(0, n);
    for (let t = 0; t < n; t++) {
      const b = baseOf[reads[t]!]!;
      if (b >= 0) uses[fill[b]!++] = t;
    }
    this.#done = new Uint32Array(n);
  }

  /**
   * The object of idx entry `pos`: its bytes may be kept or reused, valid until the next `read`.
   * @throws PACK_CORRUPT, DELTA_CORRUPT, OBJECT_MISSING as PackFile's reads, naming the pack.
   */
  read(pos: number): PackObject {
    const out = this.#result;
    const kept = this.#kept.get(pos);
    const obj = kept ?? this.#build(pos, true);
    out.type = obj.type;
    out.data = obj.data;
    const b = this.#baseOf[pos]!;
    if (b >= 0) this.#used(b);
    return out;
  }

  /** Entry `pos` is passed over (its reader prints it from elsewhere): its base's use is behind. */
  skip(pos: number): void {
    const b = this.#baseOf[pos]!;
    if (b >= 0) this.#used(b);
  }

  /** The object of `pos`, built from its entry and its chain down to a kept object or a non-delta. */
  #build(pos: number, top: boolean): PackObject {
    const chain: { pos: number; delta: Uint8Array; offset: number }[] = [];
    let cur = pos;
    let base: PackObject | undefined;
    for (;;) {
      const kept = chain.length > 0 ? this.#kept.get(cur) : undefined;
      if (kept) {
        base = kept;
        break;
      }
      const offset = this.#offsets[cur]!;
      const entry = this.#pack.readEntry(offset);
      if (entry.type < OBJ_OFS_DELTA) {
        base = { type: typeName(entry.type)!, data: entry.data };
        this.#keep(cur, base);
        break;
      }
      chain.push({ pos: cur, delta: entry.data, offset });
      cur = this.#baseOf[cur]!;
      if (cur < 0 || chain.length > this.#time.length) {
        throw new XtestPackError('DELTA_CORRUPT', 'delta chain does not end in an object of this pack', { file: this.#pack.source.name, offset });
      }
    }
    for (let k = chain.length - 1; k >= 0; k--) {
      const { pos: p, delta, offset } = chain[k]!;
      // Only the object asked for may go to scratch: the others are bases of the next step.
      const keep = k > 0 || !top || this.#nextUse(p) >= 0;
      let data: Uint8Array;
      try {
        const { resultSize } = decodeDeltaHeader(delta);
        // Into a buffer of its own (kept) or scratch: copied instruction by instruction, not
        // through applyDelta's one-buffer path, which copies base and result once more.
        // (A declared size not plausible for the bytes at hand is left to applyDelta to refuse.)
        const plausible = plausibleResultSize(resultSize, base.data.length, delta.length);
        const into = !keep && resultSize <= this.#scratch.length ? this.#scratch : plausible ? new Uint8Array(resultSize) : undefined;
        data = applyDelta(base.data, delta, into);
      } catch (e) {
        throw e instanceof XtestPackError ? new XtestPackError(e.code, e.reason, { file: this.#pack.source.name, offset, cause: e }) : e;
      }
      base = { type: base.type, data };
      if (keep) this.#keep(p, base);
    }
    return base;
  }

  /** The time of the next delta that needs `pos`, or -1. */
  #nextUse(pos: number): number {
    const i = this.#first[pos]! + this.#done[pos]!;
    return i < this.#first[pos + 1]! ? this.#uses[i]! : -1;
  }

  /** A delta on `b` has been read: keep `b` for the next, or let it go. */
  #used(b: number): void {
    this.#done[b]!++;
    const next = this.#nextUse(b);
    const kept = this.#kept.get(b);
    if (!kept) return;
    if (next < 0) {
      this.#kept.delete(b);
      this.#keptBytes -= kept.data.length;
    } else heapPush(this.#heap, next, b);
  }

  /** Keep `obj` (of `pos`) while deltas need it, making room by Belady's rule. */
  #keep(pos: number, obj: PackObject): void {
    const next = this.#nextUse(pos);
    const size = obj.data.length;
    if (next < 0 || size > this.#budget || this.#kept.has(pos)) return;
    // An object read into scratch is copied out: the kept one must not change.
    const data = obj.data.buffer === this.#scratch.buffer ? obj.data.slice() : obj.data;
    while (this.#keptBytes + size > this.#budget) {
      const far = this.#furthest();
      if (far < 0) break;
      // Nothing kept is needed later than this one: do not keep it.
      if (this.#nextUse(far) < next) return;
      const v = this.#kept.get(far)!;
      this.#kept.delete(far);
      this.#keptBytes -= v.data.length;
    }
    this.#kept.set(pos, { type: obj.type, data });
    this.#keptBytes += size;
    heapPush(this.#heap, next, pos);
  }

  /** The kept entry whose next use is furthest away (stale heap entries dropped), or -1. */
  #furthest(): number {
    const heap = this.#heap;
    while (heap.length > 0) {
      const use = heap[0]!;
      const pos = heap[1]!;
      if (this.#kept.has(pos) && this.#nextUse(pos) === use) return pos;
      heapPop(heap);
    }
    return -1;
  }
}

/** A max-heap of [key, value] pairs, flattened. */
function heapPush(heap: number[], key: number, value: number): void {
  let i = heap.length >> 1;
  heap.push(key, value);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent * 2]! >= key) break;
    heap[i * 2] = heap[parent * 2]!;
    heap[i * 2 + 1] = heap[parent * 2 + 1]!;
    i = parent;
  }
  heap[i * 2] = key;
  heap[i * 2 + 1] = value;
}

function heapPop(heap: number[]): void {
  const n = (heap.length >> 1) - 1;
  const key = heap[n * 2]!;
  const value = heap[n * 2 + 1]!;
  heap.length = n * 2;
  if (n === 0) return;
  let i = 0;
  for (;;) {
    let c = i * 2 + 1;
    if (c >= n) break;
    if (c + 1 < n && heap[(c + 1) * 2]! > heap[c * 2]!) c++;
    if (heap[c * 2]! <= key) break;
    heap[i * 2] = heap[c * 2]!;
    heap[i * 2 + 1] = heap[c * 2 + 1]!;
    i = c;
  }
  heap[i * 2] = key;
  heap[i * 2 + 1] = value;
}

