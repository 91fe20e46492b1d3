/**
 * The reused buffers and hasher of index-pack, so that neither pass allocates per object: a
 * garbage buffer per object (an inflated entry, a hasher's state) is freed only when the
 * collector runs, and V8 lets such external memory grow by 64 MiB before it does (per thread).
 *
 *   ObjectHasher     one hasher, reset between objects
 *   ScratchInflater  entries inflated into one buffer (up to SCRATCH_LIMIT, grown as entries
 *                    need; larger ones in a buffer of their own), valid until the next entry
 *   BufferPool       delta results and bases, given back when done with
 *   BlockReader      positional reads through one block (a view of a source held in memory)
 */
import type { Backend, Hasher, HashOptions, InflateResult } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { objectHeader, typeName, type ObjectFormat, type ObjectType } from './oid.js';
import type { ByteSource } from './source.js';

/**
 * Object ids, hashed one after another with one hasher (reset between them where the backend's
 * hasher can be).
 * @example
 *   const ids = new ObjectHasher(backend, 'sha1', {}); const oid = ids.hash(OBJ_BLOB, data, 12);
 *   ids.id('tree', treeBytes); // by type name, errors not decorated
 */
export class ObjectHasher {
  readonly #backend: Backend;
  readonly #format: ObjectFormat;
  readonly #options: HashOptions;
  #hasher: Hasher | undefined;

  constructor(backend: Backend, format: ObjectFormat, options: HashOptions) {
    this.#backend = backend;
    this.#format = format;
    this.#options = options;
  }

  /**
   * The id of an object of `type` (1-4) with `data`, whose entry is at `offset`.
   * @throws SHA1_COLLISION naming the offset.
   */
  hash(type: number, data: Uint8Array, offset: number): Uint8Array {
    try {
      return this.id(typeName(type)!, data);
    } catch (e) {
      throw e instanceof XtestPackError ? e.at({ offset }) : e;
    }
  }

  /**
   * The id of an object of `type` with `data`.
   * @throws SHA1_COLLISION (the caller names where the object is).
   */
  id(type: ObjectType, data: Uint8Array): Uint8Array {
    const h = this.#hasher?.reset ? this.#hasher.reset() : this.#backend.createHash(this.#format, this.#options);
    this.#hasher = h;
    return h.update(objectHeader(type, data.length)).update(data).digest();
  }
}

/**
 * Entries up to this size are inflated into the reused scratch buffer, which grows to the
 * largest of them; a larger one gets a buffer of its own, grown as output really arrives (a
 * declared size is never allocated on trust beyond this).
 */
export const SCRATCH_LIMIT = 8 << 20;

/**
 * Inflates entries into one reused buffer.
 * @example
 *   const z = new ScratchInflater(backend); const r = z.inflate(input, size); // r.data valid until the next call
 */
export class ScratchInflater {
  readonly #backend: Backend;
  #buf = new Uint8Array(0);

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** `backend.inflate`, its data valid until the next call. */
  inflate(input: Uint8Array, size: number): InflateResult {
    const b = this.#backend;
    if (!b.inflateInto || size >= SCRATCH_LIMIT) return b.inflate(input, size);
    if (this.#buf.length < size + 1) this.#buf = new Uint8Array(Math.min(SCRATCH_LIMIT, Math.max(size + 1, this.#buf.length * 2, 4096)));
    return b.inflateInto(input, size, this.#buf);
  }
}

/**
 * Reused buffers for objects (delta results, and the whole objects deltas start from), by size
 * class: an eighth of a power of two (1024, 1152, 1280, ..., 1920, 2048, 2304, ...), so a
 * buffer made for one version of a file fits the next, slightly larger one, and a chain of
 * versions cycles the same few buffers instead of leaving one of garbage per object. A buffer
 * goes back when its object is done with (hashed, or all its children resolved); the pool keeps
 * at most `maxBytes` of them.
 */
export class BufferPool {
  readonly #free = new Map<number, Uint8Array[]>();
  /** The classes that have free buffers, ascending. */
  readonly #classes: number[] = [];
  #bytes = 0;
  readonly #maxBytes: number;

  constructor(maxBytes = POOL_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes of the free buffers held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Let go of free buffers, smallest first (large ones cost most to make again), until at most `maxBytes` are held. */
  trim(maxBytes: number): void {
    if (this.#bytes <= maxBytes) return;
    const classes = this.#classes.slice();
    for (const c of classes) {
      const list = this.#free.get(c)!;
      while (list.length > 0 && this.#bytes > maxBytes) this.#bytes -= list.pop()!.length;
      if (list.length === 0) {
        this.#free.delete(c);
        this.#classes.splice(this.#classes.indexOf(c), 1);
      }
      if (this.#bytes <= maxBytes) return;
    }
  }

  /** A free buffer of at least `n` bytes (and at most twice that), or undefined. */
  take(n: number): Uint8Array | undefined {
    const classes = this.#classes;
    const want = sizeClass(n);
    // The smallest class that has a buffer, from n's own.
    let lo = 0;
    let hi = classes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (classes[mid]! < want) lo = mid + 1;
      else hi = mid;
    }
    if (lo === classes.length || classes[lo]! > 2 * want) return undefined;
    const c = classes[lo]!;
    const list = this.#free.get(c)!;
    const b = list.pop()!;
    if (list.length === 0) {
      this.#free.delete(c);
      classes.splice(lo, 1);
    }
    this.#bytes -= b.length;
    return b;
  }

  /**
   * A buffer of at least `n` bytes: a free one, else a new one of `n`'s size class. Only for a
   * size the caller has reason to believe (not one a header merely declares).
   */
  get(n: number): Uint8Array {
    return this.take(n) ?? new Uint8Array(sizeClass(n));
  }

  /**
   * Take back the buffer behind `data` (a view at its start). Only buffers of this pool, or
   * made for a result (applyDelta's): a view into anything shared (node:zlib's output may be a
   * slice of a slab) must never come here.
   */
  give(data: Uint8Array): void {
    const whole = data.buffer;
    if (data.byteOffset !== 0 || !(whole instanceof ArrayBuffer) || whole.byteLength < MIN_POOLED) return;
    if (this.#bytes + whole.byteLength > this.#maxBytes) return;
    // Filed under the largest class it covers, so that take() of that class always fits.
    const c = floorClass(whole.byteLength);
    let list = this.#free.get(c);
    if (!list) {
      this.#free.set(c, (list = []));
      const classes = this.#classes;
      let at = classes.length;
      while (at > 0 && classes[at - 1]! > c) at--;
      classes.splice(at, 0, c);
    }
    list.push(new Uint8Array(whole));
    this.#bytes += whole.byteLength;
  }
}

/** Bytes of free buffers a pool keeps (per thread). */
const POOL_BYTES = 8 << 20;
/** Smaller buffers are left to the collector: V8 keeps typed arrays of up to 64 bytes on its heap. */
const MIN_POOLED = 128;

/** Size classes between two powers of two: a buffer is at most 1/8 larger than asked for. */
const CLASSES_PER_DOUBLING = 8;

/** The smallest size class holding `n` bytes (at least MIN_POOLED). */
export function sizeClass(n: number): number {
  if (n <= MIN_POOLED) return MIN_POOLED;
  const top = 2 ** Math.floor(Math.log2(n - 1));
  const step = top / CLASSES_PER_DOUBLING;
  return Math.ceil(n / step) * step;
}

/** The largest size class not above `n` (n at least MIN_POOLED). */
function floorClass(n: number): number {
  const top = 2 ** Math.floor(Math.log2(n));
  const step = top / CLASSES_PER_DOUBLING;
  return Math.floor(n / step) * step;
}

/**
 * Positional reads through one reused block: deltas sit close to their bases in packs git
 * writes, so most pass-2 reads are served from the block read for a neighbour. A source held in
 * memory is viewed, not copied.
 */
export class BlockReader {
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
    const bytes = this.#source.bytes;
    if (bytes) return bytes.subarray(offset, offset + length);
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
