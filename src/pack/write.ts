/**
 * Writing packs (gitformat-pack) the way `git pack-objects` does, deterministically:
 *
 * - Objects are sorted by type, a hash of their path's last characters and size (git's
 *   `type_size_sort`, with the id as the last key, so input order never matters).
 * - The sorted list is cut into segments at fixed places (planPack: they depend on the objects
 *   only); each segment's delta search and compression (write-search.ts) sees its own objects
 *   only, so segments can run in any order, on any thread, and give the same bytes.
 * - Each object is tried against the previous `window` objects of its type in its segment; a
 *   delta is kept only when it is smaller than half the object (git's `try_delta` limits,
 *   scaled down by the base's depth) and the chain stays within `depth`.
 * - Entries are written in that same order, so a base is always already in the pack
 *   (OFS_DELTA); every entry is deflated with pako (never the platform zlib, whose output
 *   varies by build) and streamed to the sink with the running checksum (PackAssembler).
 *
 * Memory holds one segment's objects (writePack) and the deflated entries of the segments
 * done before their turn to be written (the threaded writer), never the whole pack.
 */
import { TRAILER_HASH, type Backend, type Hasher } from '../backend/types.js';
import { createDeflater } from '../backend/portable.js';
import { encodeEntryHeader, encodeOfsDeltaDistance } from './entry.js';
import type { IndexEntries } from './idx/index.js';
import { OBJ_OFS_DELTA, hashLength, type ObjectFormat, type ObjectType } from './oid.js';
import { encodePackHeader } from './pack-header.js';
import { MIN_DELTA_SIZE, searchSegment, type SegmentContext, type SegmentObject, type SegmentResult } from './write-search.js';

export interface PackObjectSource {
  readonly oid: Uint8Array;
  readonly type: ObjectType;
  readonly size: number;
  /** Where the object was found ('' when unknown): similar paths are tried as delta pairs. */
  readonly path: string;
  /** The object's bytes; called during the delta search and again when writing. */
  load(): Uint8Array;
}

export interface PackSink {
  write(chunk: Uint8Array): void;
}

export interface WritePackOptions {
  /** Objects each is compared with (default 10, as git). */
  window?: number;
  /** Longest delta chain (default 50, as git). */
  depth?: number;
  /** false writes every object whole (git's --no-delta; also window 0). */
  delta?: boolean;
  /** zlib level 0-9, -1 for zlib's default (6), as git's pack.compression default. */
  level?: number;
  /** Check each loaded object against its id (default true). */
  verify?: boolean;
  onProgress?: (p: { phase: 'writing'; done: number; total: number }) => void;
}

export interface WrittenPack extends IndexEntries {
  readonly checksum: Uint8Array;
  /** Objects written as deltas. */
  readonly deltas: number;
  readonly size: number;
}


/**
 * Where segments are cut (part of what the bytes depend on: the same objects give the same
 * segments whatever runs them). A segment closes once it holds SEGMENT_BYTES of delta
 * candidates or SEGMENT_OBJECTS objects, where the type or the name hash changes (so that the
 * versions of one path stay together, as git's ll_find_deltas splits its list), or anywhere at
 * four times that (a long run of one name). Its search starts with the `window` candidates
 * before it as bases (seeds), so a cut costs the objects after it nothing but seeds' depth.
 */
export const SEGMENT_BYTES = 1024 * 1024;
export const SEGMENT_OBJECTS = 1024;

const TYPE_CODE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

/** git's pack_name_hash: the last characters of a path, so same-named files sort together. */
export function packNameHash(path: string): number {
  let hash = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) continue;
    hash = ((hash >>> 2) + ((c & 0xff) << 24)) >>> 0;
  }
  return hash;
}

function compareOid(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** What to write, in what order, cut into segments searched independently. */
export interface PackPlan {
  readonly format: ObjectFormat;
  /** The objects in pack order, one per id. */
  readonly objects: readonly PackObjectSource[];
  /** Segment k holds `objects[starts[k]]` up to `objects[starts[k + 1]]` (excluded). */
  readonly starts: readonly number[];
  readonly window: number;
  readonly depth: number;
  readonly level: number;
  readonly verify: boolean;
}

/**
 * Order `input` for writing and cut it into segments; nothing is loaded.
 * @example
 *   const plan = planPack(objects, 'sha1', { window: 10 }); plan.starts.length - 1 // segments
 */
export function planPack(input: readonly PackObjectSource[], format: ObjectFormat, options: WritePackOptions = {}): PackPlan {
  const h = hashLength(format);
  for (const o of input) {
    if (o.oid.length !== h) throw new RangeError(`writePack: object id of ${o.oid.length} bytes in a ${format} pack`);
  }
  // One object per id (the smallest path kept when an id comes with several): the result must
  // not depend on the input order.
  const unique = [...input]
    .sort((a, b) => compareOid(a.oid, b.oid) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .filter((o, i, all) => i === 0 || compareOid(all[i - 1]!.oid, o.oid) !== 0);
  // git's type_size_sort, the id last: a base always comes before the objects deltified
  // against it, so the pack is written in this order.
  const keyed = unique.map((o) => ({ o, type: TYPE_CODE[o.type], hash: packNameHash(o.path) }));
  keyed.sort((a, b) => b.type - a.type || b.hash - a.hash || b.o.size - a.o.size || compareOid(a.o.oid, b.o.oid));
  const window = options.delta === false ? 0 : Math.max(0, options.window ?? 10);
  const starts = [0];
  let bytes = 0;
  let count = 0;
  for (let i = 0; i < keyed.length; i++) {
    const k = keyed[i]!;
    const prev = keyed[i - 1];
    const full = bytes >= SEGMENT_BYTES || count >= SEGMENT_OBJECTS;
    if (prev && full && (prev.type !== k.type || prev.hash !== k.hash || bytes >= 4 * SEGMENT_BYTES || count >= 4 * SEGMENT_OBJECTS)) {
      starts.push(i);
      bytes = count = 0;
    }
    count++;
    if (k.o.size >= MIN_DELTA_SIZE) bytes += k.o.size;
  }
  if (keyed.length > 0) starts.push(keyed.length);
  return {
    format,
    objects: keyed.map((k) => k.o),
    starts,
    window,
    depth: Math.max(1, options.depth ?? 50),
    level: options.level ?? -1,
    verify: options.verify ?? true,
  };
}

/**
 * Writes the entries of a plan's segments, given in order, to a sink: headers, OFS distances,
 * the deflated bodies, the running checksum, the idx entries.
 * @example
 *   const w = new PackAssembler(plan, sink, backend); for (const r of results) w.add(r); w.finish();
 */
export class PackAssembler {
  readonly #plan: PackPlan;
  readonly #sink: PackSink;
  readonly #backend: Backend;
  readonly #hasher: Hasher;
  readonly #progress: WritePackOptions['onProgress'];
  readonly #offsets: Float64Array;
  readonly #oids: Uint8Array;
  readonly #crc32s: Uint32Array;
  /** Chain depth of each object written. */
  readonly #depths: Uint16Array;
  #segment = 0;
  #offset = 0;
  #deltas = 0;

  constructor(plan: PackPlan, sink: PackSink, backend: Backend, onProgress?: WritePackOptions['onProgress']) {
    const n = plan.objects.length;
    this.#plan = plan;
    this.#sink = sink;
    this.#backend = backend;
    this.#progress = onProgress;
    this.#hasher = backend.createHash(plan.format, TRAILER_HASH);
    this.#offsets = new Float64Array(n);
    this.#oids = new Uint8Array(n * hashLength(plan.format));
    this.#crc32s = new Uint32Array(n);
    this.#depths = new Uint16Array(n);
    this.#emit(encodePackHeader(n));
  }

  #emit(b: Uint8Array): void {
    this.#hasher.update(b);
    this.#sink.write(b);
    this.#offset += b.length;
  }

  /**
   * The result of the next segment. A delta whose chain, through a seed of an earlier segment,
   * would be longer than the plan's depth (the search counted the seed as whole) is written
   * whole instead: decided here, from results that are the same on every run.
   */
  add(r: SegmentResult): void {
    const plan = this.#plan;
    const k = this.#segment;
    const first = plan.starts[k]!;
    const end = plan.starts[k + 1];
    if (end === undefined || r.bases.length !== end - first) throw new RangeError(`PackAssembler: no segment ${k} of ${end === undefined ? 'that' : r.bases.length} objects`);
    const seeds = segmentSeeds(plan, k);
    const h = hashLength(plan.format);
    const crc32 = this.#backend.crc32;
    for (let j = 0, from = 0; j < r.bases.length; j++) {
      const i = first + j;
      const o = plan.objects[i]!;
      const start = this.#offset;
      const b = r.bases[j]!;
      let body = r.bodies.subarray(from, r.ends[j]!);
      from = r.ends[j]!;
      let base = b < 0 ? -1 : b < seeds.length ? seeds[b]! : first + b - seeds.length;
      let size = r.sizes[j]!;
      if (base >= 0 && this.#depths[base]! + 1 > plan.depth) {
        const data = o.load();
        base = -1;
        size = data.length;
        body = createDeflater(plan.level)(data);
      }
      let crc: number;
      if (base >= 0) {
        this.#deltas++;
        this.#depths[i] = this.#depths[base]! + 1;
        const head = encodeEntryHeader(OBJ_OFS_DELTA, size);
        const distance = encodeOfsDeltaDistance(start - this.#offsets[base]!);
        crc = crc32(distance, crc32(head, 0));
        this.#emit(head);
        this.#emit(distance);
      } else {
        const head = encodeEntryHeader(TYPE_CODE[o.type], size);
        crc = crc32(head, 0);
        this.#emit(head);
      }
      this.#emit(body);
      this.#crc32s[i] = crc32(body, crc);
      this.#offsets[i] = start;
      this.#oids.set(o.oid, i * h);
      this.#progress?.({ phase: 'writing', done: i + 1, total: plan.objects.length });
    }
    this.#segment++;
  }

  /** The trailer, once every segment is in. */
  finish(): WrittenPack {
    const plan = this.#plan;
    if (this.#segment !== plan.starts.length - 1 && plan.objects.length > 0) throw new RangeError('PackAssembler: segments missing');
    const checksum = this.#hasher.digest();
    this.#sink.write(checksum);
    return {
      format: plan.format,
      count: plan.objects.length,
      oids: this.#oids,
      offsets: this.#offsets,
      crc32s: this.#crc32s,
      checksum,
      deltas: this.#deltas,
      size: this.#offset + checksum.length,
    };
  }
}

/**
 * The seeds of segment `k`: the `window` delta candidates before it, oldest first (plan
 * indices), the bases its search starts with.
 */
export function segmentSeeds(plan: PackPlan, k: number): number[] {
  const out: number[] = [];
  for (let i = plan.starts[k]! - 1; i >= 0 && out.length < plan.window; i--) {
    if (plan.objects[i]!.size >= MIN_DELTA_SIZE) out.push(i);
  }
  return out.reverse();
}

/** Segment `k` of `plan` loaded: its objects and its seeds. */
export function loadSegment(plan: PackPlan, k: number): { objects: SegmentObject[]; seeds: SegmentObject[] } {
  const load = (i: number): SegmentObject => {
    const o = plan.objects[i]!;
    return { oid: o.oid, type: o.type, data: o.load() };
  };
  const objects: SegmentObject[] = [];
  for (let i = plan.starts[k]!; i < plan.starts[k + 1]!; i++) objects.push(load(i));
  return { objects, seeds: segmentSeeds(plan, k).map(load) };
}

/**
 * Write `objects` as a pack to `sink`, one segment after another in this thread (the Node-side
 * writePackFiles spreads the segments over worker threads, with the same bytes).
 * @throws OID_MISMATCH when a loaded object does not hash to its id, SHA1_COLLISION when it is
 *         part of a collision attack (both unless `verify: false`).
 * @example
 *   const written = writePack(objects, { write: (b) => chunks.push(b) }, backend, 'sha1');
 *   const idx = encodeIdx(written, written.checksum, backend);
 */
export function writePack(
  input: readonly PackObjectSource[],
  sink: PackSink,
  backend: Backend,
  format: ObjectFormat,
  options: WritePackOptions = {},
): WrittenPack {
  return writePlannedPack(planPack(input, format, options), sink, backend, options.onProgress);
}

/**
 * Write a planned pack in this thread.
 * @throws as writePack.
 * @example
 *   writePlannedPack(planPack(objects, 'sha1'), sink, backend);
 */
export function writePlannedPack(plan: PackPlan, sink: PackSink, backend: Backend, onProgress?: WritePackOptions['onProgress']): WrittenPack {
  const out = new PackAssembler(plan, sink, backend, onProgress);
  const ctx = segmentContext(plan, backend);
  for (let k = 0; k + 1 < plan.starts.length; k++) {
    const { objects, seeds } = loadSegment(plan, k);
    out.add(searchSegment(objects, seeds, ctx));
  }
  return out.finish();
}

/** How this thread searches and compresses the segments of `plan`. */
export function segmentContext(plan: PackPlan, backend: Backend): SegmentContext {
  const { format } = plan;
  return {
    format,
    window: plan.window,
    depth: plan.depth,
    createDeflater: () => createDeflater(plan.level),
    ...(plan.verify ? { createHash: () => backend.createHash(format) } : {}),
  };
}
