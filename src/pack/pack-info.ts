/**
 * What git's `packed_object_info` (packfile.c) tells of a packed object without inflating it:
 * its type, size, size on disk and delta base. A non-delta's type and size are in its entry
 * header; a delta's type is its base's (a walk down the chain, entry headers only), its size
 * the result size at the head of its delta data, of which only the first bytes are inflated
 * (inflate-head.ts). The size on disk is the distance to the next entry in pack order, which
 * the pack's reverse index gives (git's pack-*.rev, here built from the idx).
 *
 * `scanPack` does this for every object of a pack in one walk in pack order, where a delta's
 * base comes before it (always for OBJ_OFS_DELTA), so each type is looked up, not walked.
 */
import { XtestPackError } from '../errors.js';
import { decodeEntryHeader } from './entry.js';
import type { IdxFile } from './idx/index.js';
import { searchIds } from './idx/idx-file.js';
import { readU32 } from './idx/layout.js';
import { HeadInflater } from './inflate-head.js';
import { OBJ_OFS_DELTA, hashLength, toHex } from './oid.js';
import { PACK_HEADER_LENGTH } from './pack-header.js';
import type { PackFile } from './pack-file.js';

/** Bytes of an entry viewed for its header: the longest header (8 + 8 or a SHA-256 id) fits. */
const HEADER_VIEW = 64;
/** Compressed bytes viewed to inflate a delta's first bytes (a dynamic block's code tables fit). */
const DELTA_HEAD_VIEW = 1024;
/** The two size varints at the start of delta data: at most 10 bytes each for 2^64. */
const DELTA_HEAD_BYTES = 20;

/** The ids and offsets of an idx, read in two reads: for walking every object. */
export interface IdxTables {
  /** Every id, in idx (sorted) order, one after the other. */
  readonly oids: Uint8Array;
  /** The offset of each entry, in idx order. */
  readonly offsets: Float64Array;
}

/**
 * Read the id and offset tables of `idx` whole, each offset checked to lie among the objects
 * of a pack whose trailer starts at `objectsEnd`.
 * @throws IDX_CORRUPT (a large-offset reference past its table, an offset beyond 2^53 or
 *         outside the pack) naming the idx.
 * @example
 *   const { oids, offsets } = readIdxTables(pack.idx, pack.objectsEnd);
 */
export function readIdxTables(idx: IdxFile, objectsEnd: number): IdxTables {
  const { count: n, hashLength: h, oidsAt, oidStride, offAt, offStride, largeAt, largeCount, version } = idx.layout;
  const fail = (what: string, at: number): never => {
    throw new XtestPackError('IDX_CORRUPT', what, { file: idx.source.name, offset: at });
  };
  let oids: Uint8Array;
  const offsets = new Float64Array(n);
  if (version === 1) {
    // Entries interleave a 4-byte offset and the id.
    const entries = idx.source.read(offAt, n * offStride);
    oids = new Uint8Array(n * h);
    for (let i = 0; i < n; i++) {
      const at = i * offStride;
      offsets[i] = readU32(entries, at);
      oids.set(entries.subarray(at + 4, at + 4 + h), i * h);
    }
  } else {
    oids = idx.source.read(oidsAt, n * oidStride);
    const table = idx.source.read(offAt, n * 4);
    const large = largeCount > 0 ? idx.source.read(largeAt, largeCount * 8) : new Uint8Array(0);
    for (let i = 0; i < n; i++) {
      const v = readU32(table, i * 4);
      if (!(v & 0x80000000)) {
        offsets[i] = v;
        continue;
      }
      const j = v & 0x7fffffff;
      if (j >= largeCount) fail(`entry ${i} refers to large offset ${j} of ${largeCount}`, offAt + i * 4);
      const hi = readU32(large, j * 8);
      if (hi >= 2 ** 21) fail(`large offset ${j} is beyond 2^53`, largeAt + j * 8);
      offsets[i] = hi * 2 ** 32 + readU32(large, j * 8 + 4);
    }
  }
  for (let i = 0; i < n; i++) {
    const o = offsets[i]!;
    if (o < PACK_HEADER_LENGTH || o >= objectsEnd) {
      fail(`the idx places object ${toHex(oids.subarray(i * h, i * h + h))} at offset ${o}, outside the pack's objects (offsets ${PACK_HEADER_LENGTH} to ${objectsEnd - 1})`, o);
    }
  }
  return { oids, offsets };
}

/** A pack's reverse index: its entries in pack order (git's pack-*.rev). */
export interface PackOrder {
  /** Idx positions in pack order. */
  readonly positions: Uint32Array;
  /** Their offsets, ascending. */
  readonly offsets: Float64Array;
  /** Where the last entry ends: the trailer's offset. */
  readonly end: number;
}

/**
 * The entries of an idx in pack order (ascending offsets): a radix sort of 32-bit offsets in
 * three passes of 11 bits, or (packs past 4 GiB) a native sort of one number per entry holding
 * offset and position.
 * @example
 *   const order = packOrder(tables.offsets, pack.objectsEnd);
 */
export function packOrder(offsets: Float64Array, end: number): PackOrder {
  const n = offsets.length;
  let positions = new Uint32Array(n);
  if (end <= 2 ** 32) {
    let keys = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      keys[i] = offsets[i]!;
      positions[i] = i;
    }
    let keys2 = new Uint32Array(n);
    let positions2 = new Uint32Array(n);
    const count = new Uint32Array(2048);
    for (let shift = 0; shift < 33; shift += 11) {
      count.fill(0);
      for (let i = 0; i < n; i++) count[(keys[i]! >>> shift) & 2047]!++;
      let sum = 0;
      for (let d = 0; d < 2048; d++) {
        const c = count[d]!;
        count[d] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const k = keys[i]!;
        const to = count[(k >>> shift) & 2047]!++;
        keys2[to] = k;
        positions2[to] = positions[i]!;
      }
      [keys, keys2] = [keys2, keys];
      [positions, positions2] = [positions2, positions];
    }
  } else {
    const bits = Math.max(1, Math.ceil(Math.log2(n + 1)));
    const scale = 2 ** bits;
    if (end * scale < Number.MAX_SAFE_INTEGER) {
      const keys = new Float64Array(n);
      for (let i = 0; i < n; i++) keys[i] = offsets[i]! * scale + i;
      keys.sort();
      for (let r = 0; r < n; r++) positions[r] = keys[r]! % scale;
    } else {
      for (let i = 0; i < n; i++) positions[i] = i;
      positions.sort((a, b) => offsets[a]! - offsets[b]! || a - b);
    }
  }
  const sorted = new Float64Array(n);
  for (let r = 0; r < n; r++) sorted[r] = offsets[positions[r]!]!;
  return { positions, offsets: sorted, end };
}

/** The rank (place in pack order) of the entry at `offset`, or -1 when no entry starts there. */
export function rankOf(order: PackOrder, offset: number): number {
  return rankIn(order.offsets, offset, 0, order.offsets.length);
}

/**
 * Ranks by offset in a hash table (open addressing; offsets of packs up to 4 GiB as keys, 0
 * empty): a lookup for each delta's base costs a probe or two where a binary search over
 * the offsets misses the cache a dozen times.
 */
class OffsetRanks {
  readonly #order: PackOrder;
  readonly #keys: Uint32Array | undefined;
  readonly #ranks: Uint32Array | undefined;
  readonly #mask: number;
  /** 32 minus the table's bits: the hash is the top bits of a multiplicative (Fibonacci) hash. */
  readonly #shift: number;

  constructor(order: PackOrder) {
    this.#order = order;
    const n = order.offsets.length;
    let bits = 4;
    while (1 << bits < 2 * n) bits++;
    this.#mask = (1 << bits) - 1;
    this.#shift = 32 - bits;
    const size = 1 << bits;
    if (order.end > 2 ** 32) return;
    const keys = (this.#keys = new Uint32Array(size));
    const ranks = (this.#ranks = new Uint32Array(size));
    const o = order.offsets;
    for (let r = 0; r < n; r++) {
      const k = o[r]!;
      let i = Math.imul(k, 0x9e3779b1) >>> this.#shift;
      while (keys[i] !== 0) i = (i + 1) & this.#mask;
      keys[i] = k;
      ranks[i] = r;
    }
  }

  /** The rank of the entry at `offset`, or -1. */
  get(offset: number): number {
    const keys = this.#keys;
    if (keys === undefined) return rankOf(this.#order, offset);
    if (offset >= 2 ** 32) return -1;
    for (let i = Math.imul(offset, 0x9e3779b1) >>> this.#shift; ; i = (i + 1) & this.#mask) {
      const k = keys[i]!;
      if (k === offset) return this.#ranks![i]!;
      if (k === 0) return -1;
    }
  }
}

function rankIn(o: Float64Array, offset: number, from: number, to: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = o[mid]!;
    if (v === offset) return mid;
    if (v < offset) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

/** The bytes the entry of rank `r` takes in the pack (git's %(objectsize:disk)). */
export function diskSize(order: PackOrder, r: number): number {
  return (r + 1 < order.offsets.length ? order.offsets[r + 1]! : order.end) - order.offsets[r]!;
}

/** What `objectInfo` gives: a reused record, valid until the next call. */
export interface PackedInfo {
  /** 1-4: OBJ_COMMIT, OBJ_TREE, OBJ_BLOB, OBJ_TAG. */
  type: number;
  /** The object's size (when asked for), else -1. */
  size: number;
  /** For a delta, its base's offset; else -1. */
  baseOffset: number;
}

/**
 * Type, size and delta base of packed objects, one at a time, reading entry headers and the
 * first bytes of delta data only (git's `packed_object_info`). Holds scratch: one per pack
 * and caller.
 * @example
 *   const info = new PackInfoReader(pack).objectInfo(offset, true); // { type: 3, size: 1234, baseOffset: -1 }
 */
export class PackInfoReader {
  readonly pack: PackFile;
  readonly #head: HeadInflater;
  readonly #deltaHead = new Uint8Array(DELTA_HEAD_BYTES);
  readonly #info: PackedInfo = { type: 0, size: -1, baseOffset: -1 };
  /** Types of entries already walked to, by offset: chains share their bases. */
  readonly #types = new Map<number, number>();

  constructor(pack: PackFile, head = new HeadInflater()) {
    this.pack = pack;
    this.#head = head;
  }

  /**
   * The object whose entry starts at `offset`; its size only when `wantSize`.
   * @throws PACK_CORRUPT, DELTA_CORRUPT (a chain that loops, a bad delta head), OBJECT_MISSING
   *         (a REF_DELTA base not in this pack), naming the pack and offset.
   */
  objectInfo(offset: number, wantSize: boolean): PackedInfo {
    const pack = this.pack;
    const h = hashLength(pack.idx.format);
    const info = this.#info;
    try {
      const head = pack.view(offset, HEADER_VIEW);
      const hdr = decodeEntryHeader(head, 0, offset, h);
      info.size = -1;
      if (hdr.type < OBJ_OFS_DELTA) {
        info.type = hdr.type;
        info.baseOffset = -1;
        if (wantSize) info.size = hdr.size;
        return info;
      }
      const base = hdr.type === OBJ_OFS_DELTA ? hdr.baseOffset : this.#refBase(head.subarray(hdr.baseOidAt, hdr.baseOidAt + h), offset);
      if (wantSize) info.size = deltaResultSize(pack, this.#head, this.#deltaHead, offset, hdr.headerLength, hdr.size);
      info.type = this.#typeAt(base, offset);
      info.baseOffset = base;
      return info;
    } catch (e) {
      throw e instanceof XtestPackError ? e.withFile(pack.source.name) : e;
    }
  }

  #refBase(oid: Uint8Array, at: number): number {
    const o = this.pack.locate(oid);
    if (o < 0) throw new XtestPackError('OBJECT_MISSING', `delta base ${toHex(oid)} is not in this pack`, { offset: at });
    return o;
  }

  /** The type of the object at `offset`, walking down its delta chain (`from` is the delta on it). */
  #typeAt(offset: number, from: number): number {
    const h = hashLength(this.pack.idx.format);
    const walked: number[] = [];
    let cur = offset;
    let type = this.#types.get(cur);
    while (type === undefined) {
      // A chain longer than the pack has entries visits one twice.
      if (walked.length > this.pack.idx.count) {
        throw new XtestPackError('DELTA_CORRUPT', `delta chain loops back to offset ${cur}`, { offset: from });
      }
      walked.push(cur);
      const head = this.pack.view(cur, HEADER_VIEW);
      const hdr = decodeEntryHeader(head, 0, cur, h);
      if (hdr.type < OBJ_OFS_DELTA) type = hdr.type;
      else {
        cur = hdr.type === OBJ_OFS_DELTA ? hdr.baseOffset : this.#refBase(head.subarray(hdr.baseOidAt, hdr.baseOidAt + h), cur);
        if (cur === from) throw new XtestPackError('DELTA_CORRUPT', `delta chain loops back to offset ${cur}`, { offset: from });
        type = this.#types.get(cur);
      }
    }
    // Bounded: a walk of a million bases forgets the older ones.
    if (this.#types.size > 1 << 20) this.#types.clear();
    for (const o of walked) this.#types.set(o, type);
    return type;
  }
}

/**
 * The result size a delta declares, from the first bytes of its data: inflated from a view of
 * its first compressed bytes, or (when that is not enough or not certain) from all of it.
 */
function deltaResultSize(pack: PackFile, head: HeadInflater, out: Uint8Array, offset: number, headerLength: number, size: number): number {
  const want = Math.min(size, DELTA_HEAD_BYTES);
  const from = offset + headerLength;
  const at = pack.window(from, DELTA_HEAD_VIEW);
  const got = head.inflate(pack.windowBytes, at, at + Math.min(DELTA_HEAD_VIEW, pack.objectsEnd - from), out, want);
  const bytes = got === want ? out : pack.readEntry(offset).data;
  const length = got === want ? want : bytes.length;
  let p = 0;
  // The base size, then the result size: little-endian 7-bit groups.
  for (let k = 0; ; k++) {
    if (p >= length || k >= 10) throw new XtestPackError('DELTA_CORRUPT', 'delta ends inside the base size', { offset });
    if (!(bytes[p++]! & 0x80)) break;
  }
  let v = 0;
  let mul = 1;
  for (let k = 0; ; k++) {
    if (p >= length || k >= 8) throw new XtestPackError('DELTA_CORRUPT', 'delta ends inside the result size', { offset });
    const c = bytes[p++]!;
    v += (c & 0x7f) * mul;
    mul *= 128;
    if (!(c & 0x80)) return v;
  }
}

/**
 * Called by `walkPack` for each object in pack order: its idx position, type (1-4), size (-1
 * when not asked for), its delta base's idx position (-1 for a non-delta) and the bytes its
 * entry takes in the pack.
 */
export type PackVisitor = (pos: number, type: number, size: number, base: number, disk: number) => void;

/** The tables a walk read: for callers that look ids and offsets up. */
export interface PackWalk {
  readonly tables: IdxTables;
  readonly order: PackOrder;
}

/**
 * Type, size (when `wantSize`) and delta base of every object of `pack`, in one walk in pack
 * order that reads entry headers and the first bytes of each delta only. A delta's type is its
 * base's, met before it in the pack (an OBJ_REF_DELTA's base may come later: its chain's
 * headers are read then).
 * @throws IDX_CORRUPT, PACK_CORRUPT, DELTA_CORRUPT, OBJECT_MISSING naming the pack and offset.
 * @example
 *   walkPack(pack, true, (pos, type, size) => { ... }); // idx entry `pos` is a `type` of `size` bytes
 */
export function walkPack(pack: PackFile, wantSize: boolean, visit: PackVisitor, head = new HeadInflater(), walk?: PackWalk): PackWalk {
  const tables = walk?.tables ?? readIdxTables(pack.idx, pack.objectsEnd);
  const order = walk?.order ?? packOrder(tables.offsets, pack.objectsEnd);
  const n = order.positions.length;
  const h = hashLength(pack.idx.format);
  const end = pack.objectsEnd;
  const offsets = order.offsets;
  const positions = order.positions;
  /** Types by rank, as the walk learns them (0: not yet). */
  const typeAt = new Uint8Array(n);
  const ranks = new OffsetRanks(order);
  const deltaHead = new Uint8Array(DELTA_HEAD_BYTES);
  try {
    for (let r = 0; r < n; r++) {
      const offset = offsets[r]!;
      const pos = positions[r]!;
      const disk = (r + 1 < n ? offsets[r + 1]! : end) - offset;
      const at = pack.window(offset, HEADER_VIEW);
      const bytes = pack.windowBytes;
      // The window holds HEADER_VIEW bytes from `at`, unless the objects end first.
      const left = end - offset;
      const hdr = decodeEntryHeader(left < HEADER_VIEW ? bytes.subarray(0, at + left) : bytes, at, offset, h);
      if (hdr.type < OBJ_OFS_DELTA) {
        typeAt[r] = hdr.type;
        visit(pos, hdr.type, wantSize ? hdr.size : -1, -1, disk);
        continue;
      }
      let br: number;
      if (hdr.type === OBJ_OFS_DELTA) {
        br = ranks.get(hdr.baseOffset);
        if (br < 0) throw new XtestPackError('PACK_CORRUPT', `delta base offset ${hdr.baseOffset} is not where an object starts`, { offset });
      } else {
        const baseOid = bytes.subarray(hdr.baseOidAt, hdr.baseOidAt + h);
        const b = findOid(tables.oids, h, baseOid);
        if (b < 0) throw new XtestPackError('OBJECT_MISSING', `delta base ${toHex(baseOid)} is not in this pack`, { offset });
        br = rankOf(order, tables.offsets[b]!);
      }
      const size = wantSize ? deltaResultSize(pack, head, deltaHead, offset, hdr.headerLength, hdr.size) : -1;
      let type = typeAt[br]!;
      if (type === 0) type = typeLater(pack, tables, order, typeAt, br, offset);
      typeAt[r] = type;
      visit(pos, type, size, positions[br]!, disk);
    }
  } catch (e) {
    throw e instanceof XtestPackError ? e.withFile(pack.source.name) : e;
  }
  return { tables, order };
}

/**
 * The type of the entry of rank `r`, which the walk has not reached (the base of an
 * OBJ_REF_DELTA met first): its chain's headers read until a known type or a non-delta, and
 * every rank on the way typed.
 */
function typeLater(pack: PackFile, tables: IdxTables, order: PackOrder, typeAt: Uint8Array, r: number, from: number): number {
  const h = hashLength(pack.idx.format);
  const chain: number[] = [];
  let cur = r;
  let type = typeAt[cur]!;
  while (type === 0) {
    if (chain.length > typeAt.length) throw new XtestPackError('DELTA_CORRUPT', `delta chain loops back to offset ${order.offsets[cur]}`, { offset: from });
    chain.push(cur);
    const offset = order.offsets[cur]!;
    const hdr = decodeEntryHeader(pack.view(offset, HEADER_VIEW), 0, offset, h);
    if (hdr.type < OBJ_OFS_DELTA) {
      type = hdr.type;
      break;
    }
    if (hdr.type === OBJ_OFS_DELTA) cur = rankOf(order, hdr.baseOffset);
    else {
      const b = findOid(tables.oids, h, pack.view(offset, HEADER_VIEW).subarray(hdr.baseOidAt, hdr.baseOidAt + h));
      cur = b < 0 ? -1 : rankOf(order, tables.offsets[b]!);
    }
    if (cur < 0) throw new XtestPackError('PACK_CORRUPT', 'delta base is not where an object starts, or not in this pack', { offset });
    type = typeAt[cur]!;
  }
  for (const c of chain) typeAt[c] = type;
  return type;
}

/** The index of `oid` among the sorted `h`-byte ids in `oids`, or -1. */
export function findOid(oids: Uint8Array, h: number, oid: Uint8Array): number {
  return searchIds(oids, h, oids.length / h, oid);
}
