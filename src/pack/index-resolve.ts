/**
 * index-pack, pass 2 (builtin/index-pack.c `resolve_deltas`): from each whole object, its
 * dependants depth first (REF_DELTA children before OFS_DELTA children, as git), re-reading each
 * delta with a positional read. Only the objects on the current chain are held, so memory is
 * bounded by chain depth times object size, not by the pack's size; a delta result larger than
 * LARGE_OBJECT is never built: it is hashed as it is read in pieces (delta-stream.ts), and its
 * own deltas read their base the same way.
 */
import type { Backend, HashOptions } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { applyDelta, decodeDeltaHeader } from './delta.js';
import { DeltaResult, LARGE_OBJECT, STREAM_CHUNK, hashObjectBytes, type DeltaBase } from './delta-stream.js';
import { sortByOid } from './idx/index.js';
import { OBJ_OFS_DELTA, toHex, typeName, type ObjectFormat } from './oid.js';
import { hashObject, type RefDeltas, type ScannedPack } from './index-scan.js';
import type { ByteSource } from './source.js';

/** Chain length and base entry of each entry (0 and -1 for whole objects). */
export interface ResolvedDeltas {
  readonly depths: Uint32Array;
  readonly bases: Int32Array;
}

/**
 * Pass 2: every delta of `scan` resolved, its type and id (hashed with `hashOptions`) filled in
 * `scan.types` and `scan.oids`.
 * @throws DELTA_CORRUPT, SHA1_COLLISION (with the offset), OBJECT_MISSING (a base not in the
 *         pack: a thin pack, or a cycle), IO (the pack changed since pass 1).
 */
export function resolveDeltas(
  scan: ScannedPack,
  source: ByteSource,
  backend: Backend,
  h: number,
  hashOptions: HashOptions,
  progress: ((done: number, total: number) => void) | undefined,
): ResolvedDeltas {
  const { count: n, offsets, sizes, headerLengths, types, oids, packTypes, baseOffsets, refs, deltaCount, format, end } = scan;
  const depths = new Uint32Array(n);
  const bases = new Int32Array(n).fill(-1);
  if (deltaCount === 0) return { depths, bases };
  const ctx: ResolveContext = {
    source, backend, hashOptions, format, h, n, end, offsets, sizes, headerLengths, types, oids, depths, bases,
    ofsChildren: ofsChildTable(n, offsets, baseOffsets),
    refs: refs && sortRefs(refs, h),
    reader: new BlockReader(source, end),
    pool: new BufferPool(),
    chunk: undefined,
    resolved: 0,
    deltaCount,
    progress,
  };
  for (let i = 0; i < n; i++) {
    if (packTypes[i]! < OBJ_OFS_DELTA) resolveFrom(ctx, i);
  }
  if (ctx.resolved !== deltaCount) throw unresolved(ctx, packTypes, baseOffsets);
  return { depths, bases };
}

/** OFS_DELTA children of each entry, as a compressed table (start index and list). */
interface ChildTable {
  start: Uint32Array;
  list: Uint32Array;
}

function ofsChildTable(n: number, offsets: Float64Array, baseOffsets: Float64Array): ChildTable {
  const baseIndex = new Int32Array(n).fill(-1);
  const start = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const bo = baseOffsets[i]!;
    if (bo < 0) continue;
    const b = findOffset(offsets, i, bo);
    if (b < 0) {
      throw new XtestPackError('PACK_CORRUPT', `delta base offset ${bo} is not the start of an object`, {
        offset: offsets[i],
      });
    }
    baseIndex[i] = b;
    start[b + 1]!++;
  }
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, n);
  const list = new Uint32Array(start[n]!);
  for (let i = 0; i < n; i++) {
    const b = baseIndex[i]!;
    if (b >= 0) list[fill[b]!++] = i;
  }
  return { start, list };
}

/** Binary search for `offset` among the first `limit` (ascending) offsets. */
function findOffset(offsets: Float64Array, limit: number, offset: number): number {
  let lo = 0;
  let hi = limit;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = offsets[mid]!;
    if (v === offset) return mid;
    if (v < offset) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

function sortRefs(refs: RefDeltas, h: number): RefDeltas {
  refs.sorted = sortByOid(refs.oids, refs.count, h);
  return refs;
}

/** The range [from, to) of `refs.sorted` whose base id is `oid`. */
function refRange(refs: RefDeltas, oid: Uint8Array, h: number): [number, number] {
  const { sorted, oids } = refs;
  const cmp = (k: number): number => {
    const at = sorted[k]! * h;
    for (let j = 0; j < h; j++) {
      const d = oids[at + j]! - oid[j]!;
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

interface ResolveContext {
  source: ByteSource;
  backend: Backend;
  hashOptions: HashOptions;
  format: ObjectFormat;
  h: number;
  n: number;
  end: number;
  offsets: Float64Array;
  sizes: Float64Array;
  headerLengths: Uint8Array;
  types: Uint8Array;
  oids: Uint8Array;
  depths: Uint32Array;
  bases: Int32Array;
  ofsChildren: ChildTable;
  refs: RefDeltas | undefined;
  reader: BlockReader;
  /** Reused buffers for delta results. */
  pool: BufferPool;
  /** Scratch for hashing a large delta result in pieces (made when first needed). */
  chunk: Uint8Array | undefined;
  resolved: number;
  deltaCount: number;
  progress: ((done: number, total: number) => void) | undefined;
}

interface Frame {
  index: number;
  /** The object's bytes: in memory, or (larger than LARGE_OBJECT) a delta result read in pieces. */
  data: DeltaBase;
  /** Next and end position in refs.sorted of this object's REF_DELTA children. */
  refAt: number;
  refEnd: number;
  /** Next and end position in ofsChildren.list of its OFS_DELTA children. */
  ofsAt: number;
  ofsEnd: number;
  /** `data` is a delta result this resolver owns (it goes back to the pool when done). */
  pooled: boolean;
}

function frameFor(ctx: ResolveContext, index: number, data: DeltaBase | undefined): Frame | undefined {
  const { start } = ctx.ofsChildren;
  const ofsAt = start[index]!;
  const ofsEnd = start[index + 1]!;
  const [refAt, refEnd] = ctx.refs ? refRange(ctx.refs, ctx.oids.subarray(index * ctx.h, index * ctx.h + ctx.h), ctx.h) : [0, 0];
  if (ofsAt === ofsEnd && refAt === refEnd) return undefined;
  return { index, data: data ?? readEntryData(ctx, index), refAt, refEnd, ofsAt, ofsEnd, pooled: false };
}

/**
 * Reused buffers for delta results: a result is built in a free buffer when one is large
 * enough, and a buffer goes back when its object is done with (hashed, or all its children
 * resolved). Deep chains of large objects then cycle a few buffers instead of leaving garbage
 * for the collector to find later (which is what made peak memory grow).
 */
class BufferPool {
  readonly #free: Uint8Array[] = [];
  #bytes = 0;

  /** A free buffer of at least `n` bytes, or undefined (the caller then allocates). */
  take(n: number): Uint8Array | undefined {
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const b = this.#free[i]!;
      if (b.length >= n && (best < 0 || b.length < this.#free[best]!.length)) best = i;
    }
    if (best < 0) return undefined;
    const [b] = this.#free.splice(best, 1);
    this.#bytes -= b!.length;
    return b;
  }

  /**
   * Return the buffer behind `data`. Only for results this pool handed out or applyDelta
   * allocated: a buffer from elsewhere (node:zlib's output may be a slice of a shared slab) must
   * never come here.
   */
  give(data: Uint8Array): void {
    if (data.byteOffset !== 0 || data.buffer.byteLength < 4096) return;
    const whole = new Uint8Array(data.buffer);
    this.#free.push(whole);
    this.#bytes += whole.length;
    while (this.#free.length > POOL_BUFFERS || this.#bytes > POOL_BYTES) {
      // Drop the smallest: large results are the expensive ones to allocate again.
      let small = 0;
      for (let i = 1; i < this.#free.length; i++) if (this.#free[i]!.length < this.#free[small]!.length) small = i;
      this.#bytes -= this.#free[small]!.length;
      this.#free.splice(small, 1);
    }
  }
}

const POOL_BUFFERS = 4;
const POOL_BYTES = 16 << 20;

/** Resolve every delta that descends from the whole object `root`, depth first. */
function resolveFrom(ctx: ResolveContext, root: number): void {
  const first = frameFor(ctx, root, undefined);
  if (!first) return;
  const stack: Frame[] = [first];
  const { h, backend, format, pool } = ctx;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    let child: number;
    if (top.refAt < top.refEnd) child = ctx.refs!.entries[ctx.refs!.sorted[top.refAt++]!]!;
    else if (top.ofsAt < top.ofsEnd) child = ctx.ofsChildren.list[top.ofsAt++]!;
    else {
      stack.pop();
      if (top.pooled) give(pool, top.data);
      continue;
    }
    // A frame whose last child this is leaves the stack now, so a linear chain holds two
    // objects at a time, not its whole depth; its buffer is given back after this child.
    const last = top.refAt >= top.refEnd && top.ofsAt >= top.ofsEnd;
    if (last) stack.pop();
    if (ctx.types[child] === 0) resolveChild(ctx, stack, top, child, h, backend, format, pool);
    if (last && top.pooled) give(pool, top.data);
  }
}

/** Give a built result back to the pool (a DeltaResult holds no buffer of the pool's). */
function give(pool: BufferPool, data: DeltaBase): void {
  if (data instanceof Uint8Array) pool.give(data);
}

function resolveChild(
  ctx: ResolveContext,
  stack: Frame[],
  top: Frame,
  child: number,
  h: number,
  backend: Backend,
  format: ObjectFormat,
  pool: BufferPool,
): void {
  const delta = readEntryData(ctx, child);
  let data: DeltaBase;
  try {
    const resultSize = delta.length >= 2 ? decodeDeltaHeader(delta).resultSize : 0;
    if (resultSize > LARGE_OBJECT) {
      // Checked whole now, read in pieces when hashed and when its own deltas need it. It reads
      // its base for as long as it lives, so that buffer never goes back to the pool.
      data = new DeltaResult(top.data, delta);
      top.pooled = false;
    } else if (top.data instanceof DeltaResult) {
      // A small result of a large base: built from the pieces it copies.
      const lazy = new DeltaResult(top.data, delta);
      data = pool.take(lazy.length)?.subarray(0, lazy.length) ?? new Uint8Array(lazy.length);
      lazy.readInto(0, data);
    } else {
      // A pooled buffer only when one is already there: a declared size is never allocated on trust.
      const into = pool.take(resultSize);
      data = applyDelta(top.data, delta, into);
      if (into && data.buffer !== into.buffer) pool.give(into);
    }
  } catch (e) {
    if (e instanceof XtestPackError) {
      throw new XtestPackError(e.code, e.reason, { offset: ctx.offsets[child], cause: e });
    }
    throw e;
  }
  const type = ctx.types[top.index]!;
  ctx.types[child] = type;
  ctx.depths[child] = ctx.depths[top.index]! + 1;
  ctx.bases[child] = top.index;
  if (data instanceof Uint8Array) ctx.oids.set(hashObject(backend, format, ctx.hashOptions, type, data, ctx.offsets[child]!), child * h);
  else ctx.oids.set(hashLarge(ctx, type, data, child), child * h);
  ctx.resolved++;
  if (ctx.progress) ctx.progress(ctx.resolved, ctx.deltaCount);
  const f = frameFor(ctx, child, data);
  if (f) stack.push({ ...f, pooled: true });
  else give(pool, data);
}

/** The id of entry `child`, a delta result larger than LARGE_OBJECT, hashed in pieces. */
function hashLarge(ctx: ResolveContext, type: number, data: DeltaResult, child: number): Uint8Array {
  ctx.chunk ??= new Uint8Array(STREAM_CHUNK);
  try {
    return hashObjectBytes(ctx.backend, ctx.format, ctx.hashOptions, typeName(type)!, data, ctx.chunk);
  } catch (e) {
    throw e instanceof XtestPackError ? e.at({ offset: ctx.offsets[child] }) : e;
  }
}

/**
 * Positional reads through one reused block: deltas sit close to their bases in packs git
 * writes, so most pass-2 reads are served from the block read for a neighbour.
 */
class BlockReader {
  readonly #source: ByteSource;
  readonly #end: number;
  #block = new Uint8Array(BLOCK_SIZE);
  #start = 0;
  #length = 0;

  constructor(source: ByteSource, end: number) {
    this.#source = source;
    this.#end = end;
  }

  /** The bytes [offset, offset + length), a view valid until the next read. */
  read(offset: number, length: number): Uint8Array {
    if (offset < this.#start || offset + length > this.#start + this.#length) {
      // A block's worth, or the one entry when it is larger: never more, whatever size an
      // earlier large entry left the buffer at.
      const want = Math.min(Math.max(length, BLOCK_SIZE), this.#end - offset);
      if (want > this.#block.length) this.#block = new Uint8Array(want);
      this.#start = offset;
      this.#length = want;
      this.#source.readInto(offset, this.#block.subarray(0, want));
    }
    return this.#block.subarray(offset - this.#start, offset - this.#start + length);
  }
}

const BLOCK_SIZE = 16 << 10;

/** Inflate entry `i`'s data with one positional read of exactly its packed bytes. */
function readEntryData(ctx: ResolveContext, i: number): Uint8Array {
  const offset = ctx.offsets[i]!;
  const next = i + 1 < ctx.n ? ctx.offsets[i + 1]! : ctx.end;
  const dataStart = offset + ctx.headerLengths[i]!;
  const r = ctx.backend.inflate(ctx.reader.read(dataStart, next - dataStart), ctx.sizes[i]!);
  if (!r.ok) {
    // Pass 1 inflated these very bytes; a difference now means the file changed under us.
    throw new XtestPackError('IO', `object data changed since it was read: ${r.detail}`, { offset });
  }
  return r.data;
}

function unresolved(
  ctx: ResolveContext,
  packTypes: Uint8Array,
  baseOffsets: Float64Array,
): XtestPackError {
  const missing = ctx.deltaCount - ctx.resolved;
  const refs = ctx.refs;
  for (let k = 0; refs && k < refs.count; k++) {
    const i = refs.entries[k]!;
    if (ctx.types[i] === 0) {
      return new XtestPackError(
        'OBJECT_MISSING',
        `${missing} unresolved deltas; the first is based on ${toHex(refs.oids.subarray(k * ctx.h, k * ctx.h + ctx.h))}, which is not in the pack or forms a cycle (thin packs are not supported)`,
        { offset: ctx.offsets[i] },
      );
    }
  }
  for (let i = 0; i < ctx.n; i++) {
    if (packTypes[i] === OBJ_OFS_DELTA && ctx.types[i] === 0) {
      return new XtestPackError(
        'OBJECT_MISSING',
        `${missing} unresolved deltas; the first is based on the unresolved object at offset ${baseOffsets[i]}`,
        { offset: ctx.offsets[i] },
      );
    }
  }
  return new XtestPackError('PACK_CORRUPT', `${missing} unresolved deltas`);
}
