/**
 * Computing a git delta from a base to a target, in the manner of git's diff-delta.c: the base
 * is indexed by the hash of each 16-byte block; the target is scanned with a rolling hash of
 * the same width; a hit is verified and extended forward (and backward over bytes that would
 * otherwise be inserted); copies run up to 64 KiB each, other bytes go out as inserts of up to
 * 127. Same inputs, same delta: nothing here depends on timing or order of calls.
 */
import { pushVarint } from './delta.js';

/** Bytes per indexed block and per rolling-hash window. */
const BLOCK = 16;
/** At most this many base positions are kept per hash bucket (git's HASH_LIMIT), spread evenly. */
const BUCKET_LIMIT = 64;
/** A match this long is taken without looking for a longer one. */
const GOOD_ENOUGH = 4096;
/** Shortest copy worth emitting (a copy op costs 2 to 8 bytes). */
const MIN_COPY = 4;
const MAX_COPY = 0x10000;

/**
 * A cyclic-polynomial (buzhash) rolling hash over BLOCK bytes: rotate, xor in the new byte's
 * random word, xor out the old one's rotated by BLOCK. Its low bits are well mixed, so a
 * bucket is just `h & mask`, and sliding costs no multiplication.
 */
const T = (() => {
  const t = new Int32Array(256);
  let x = 0x9e3779b9;
  for (let i = 0; i < 256; i++) {
    // xorshift32 from a fixed seed: the same table everywhere.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    t[i] = x;
  }
  return t;
})();
/** T rotated left by BLOCK (mod 32), for removing the byte that leaves the window. */
const T_OUT = T.map((v) => (v << BLOCK % 32) | (v >>> (32 - (BLOCK % 32))));

/**
 * The index of a base, reusable for many targets (a delta window keeps one per base): the
 * positions of its 16-byte blocks grouped by bucket (`start[bucket]` .. `start[bucket + 1]` in
 * `pos` and `hashes`), lowest position first within a bucket.
 */
export interface DeltaIndex {
  readonly base: Uint8Array;
  readonly mask: number;
  readonly start: Int32Array;
  readonly pos: Int32Array;
  readonly hashes: Int32Array;
}

function blockHash(b: Uint8Array, at: number): number {
  let h = 0;
  for (let i = 0; i < BLOCK; i++) h = ((h << 1) | (h >>> 31)) ^ T[b[at + i]!]!;
  return h;
}

/**
 * Index `base` for delta computation, as git's create_delta_index does: of a run of identical
 * consecutive blocks only the first is kept (a run of zeros would fill a bucket), and a bucket
 * holding more than BUCKET_LIMIT blocks keeps BUCKET_LIMIT of them spread evenly over the base
 * (keeping only the first or last ones would lose every match in the rest of a file of
 * repeated lines, such as a .po file's).
 * @example
 *   const index = createDeltaIndex(base); const delta = createDelta(index, target);
 */
export function createDeltaIndex(base: Uint8Array): DeltaIndex {
  const blocks = Math.max(0, Math.floor((base.length - 1) / BLOCK));
  let size = 16;
  while (size < blocks * 2) size *= 2;
  const mask = size - 1;
  // Hashes of the kept blocks in position order, and how many fall in each bucket.
  const keptPos = new Int32Array(blocks);
  const keptHash = new Int32Array(blocks);
  const count = new Int32Array(size);
  let n = 0;
  let prev = 0;
  for (let p = 0, b = 0; b < blocks; b++, p += BLOCK) {
    const h = blockHash(base, p);
    if (n > 0 && h === prev) continue;
    prev = h;
    keptPos[n] = p;
    keptHash[n] = h;
    count[h & mask]!++;
    n++;
  }
  // Bucket b holds min(count, BUCKET_LIMIT) entries from start[b].
  const start = new Int32Array(size + 1);
  let total = 0;
  for (let b = 0; b < size; b++) {
    start[b] = total;
    total += Math.min(count[b]!, BUCKET_LIMIT);
  }
  start[size] = total;
  const pos = new Int32Array(total);
  const hashes = new Int32Array(total);
  // seen[b]: blocks of bucket b met so far; a full bucket takes the k-th of its c blocks when
  // floor(k * LIMIT / c) moves on, so the ones it keeps are spread over the whole base.
  const seen = new Int32Array(size);
  const fill = new Int32Array(size);
  for (let i = 0; i < n; i++) {
    const h = keptHash[i]!;
    const b = h & mask;
    const c = count[b]!;
    const k = seen[b]!++;
    if (c > BUCKET_LIMIT && k > 0 && Math.floor((k * BUCKET_LIMIT) / c) === Math.floor(((k - 1) * BUCKET_LIMIT) / c)) continue;
    const at = start[b]! + fill[b]!++;
    pos[at] = keptPos[i]!;
    hashes[at] = h;
  }
  return { base, mask, start, pos, hashes };
}

/**
 * The delta from `index.base` to `target`, or `undefined` when the target is empty or the
 * encoder gives up on reaching `maxSize` bytes (0 for no limit). Like git's, it gives up as soon
 * as the output so far plus the bytes waiting to be inserted pass the limit, so it may miss a
 * delta that a cleverer encoder would fit.
 * @example
 *   applyDelta(base, createDelta(createDeltaIndex(base), target)!) // equals target
 */
export function createDelta(index: DeltaIndex, target: Uint8Array, maxSize = 0): Uint8Array | undefined {
  const base = index.base;
  const tlen = target.length;
  if (tlen === 0) return undefined;
  const header: number[] = [];
  pushVarint(header, base.length);
  pushVarint(header, tlen);
  let out = new Uint8Array(Math.max(64, Math.min(tlen + header.length + 16, maxSize > 0 ? maxSize + 16 : tlen + 64)));
  out.set(header);
  let o = header.length;
  const limit = maxSize > 0 ? maxSize : Infinity;
  const ensure = (n: number): boolean => {
    if (o + n > limit) return false;
    if (o + n > out.length) {
      const next = new Uint8Array(Math.max(out.length * 2, o + n));
      next.set(out.subarray(0, o));
      out = next;
    }
    return true;
  };
  // Pending insert run: bytes target[insStart, t).
  let insStart = 0;
  const flushInsert = (end: number): boolean => {
    while (insStart < end) {
      const n = Math.min(127, end - insStart);
      if (!ensure(n + 1)) return false;
      out[o++] = n;
      out.set(target.subarray(insStart, insStart + n), o);
      o += n;
      insStart += n;
    }
    return true;
  };

  // The longest pending insert that still fits the limit (n bytes cost n + ceil(n / 127)),
  // worked out when the output grows rather than for every byte slid over.
  let insertRoom = Infinity;
  const updateRoom = () => {
    if (limit === Infinity) return;
    const left = limit - o;
    insertRoom = left < 0 ? -1 : left - Math.ceil(left / 128);
  };
  updateRoom();
  const { start, pos, hashes, mask } = index;
  const bv = new DataView(base.buffer, base.byteOffset, base.byteLength);
  const tv = new DataView(target.buffer, target.byteOffset, target.byteLength);
  const blen = base.length;
  let t = 0;
  let h = tlen >= BLOCK ? blockHash(target, 0) : 0;
  const lastWindow = tlen - BLOCK;
  while (t <= lastWindow) {
    // Longest verified match for the window at t.
    let best = 0;
    let bestPos = 0;
    const bucket = h & mask;
    for (let e = start[bucket]!, end = start[bucket + 1]!; e < end; e++) {
      if (hashes[e] !== h) continue;
      const p = pos[e]!;
      const room = Math.min(blen - p, tlen - t);
      // Positions ascend within a bucket, so no later one has more room.
      if (room <= best) break;
      // Four bytes at a time while they agree, then byte by byte.
      let k = 0;
      const room4 = room - 3;
      while (k < room4 && bv.getInt32(p + k) === tv.getInt32(t + k)) k += 4;
      while (k < room && base[p + k] === target[t + k]) k++;
      if (k > best) {
        best = k;
        bestPos = p;
        if (best >= GOOD_ENOUGH) break;
      }
    }
    if (best < MIN_COPY) {
      // The bytes waiting to be inserted already cost more than the delta may: give up now
      // rather than at the end (most candidate bases fail this way).
      if (t - insStart > insertRoom) return undefined;
      // Slide the window one byte (the rolling hash, inlined: this is the hot path).
      if (t < lastWindow) h = ((h << 1) | (h >>> 31)) ^ T_OUT[target[t]!]! ^ T[target[t + BLOCK]!]!;
      t++;
      continue;
    }
    // Extend backwards over bytes that would otherwise be inserted.
    while (t > insStart && bestPos > 0 && base[bestPos - 1] === target[t - 1]) {
      t--;
      bestPos--;
      best++;
    }
    if (!flushInsert(t)) return undefined;
    let left = best;
    while (left > 0) {
      const size = Math.min(left, MAX_COPY);
      if (!ensure(8)) return undefined;
      o = writeCopy(out, o, bestPos, size);
      bestPos += size;
      left -= size;
    }
    t += best;
    insStart = t;
    updateRoom();
    if (t <= lastWindow) h = blockHash(target, t);
  }
  if (!flushInsert(tlen)) return undefined;
  return out.slice(0, o);
}

function writeCopy(out: Uint8Array, o: number, offset: number, size: number): number {
  const at = o++;
  let cmd = 0x80;
  // Offsets are below 2^32 (a base is one object in memory), so shifts are exact here.
  for (let i = 0; i < 4; i++) {
    const b = (offset >>> (8 * i)) & 0xff;
    if (b) {
      out[o++] = b;
      cmd |= 1 << i;
    }
  }
  const s = size === MAX_COPY ? 0 : size;
  if (s & 0xff) {
    out[o++] = s & 0xff;
    cmd |= 0x10;
  }
  if (s & 0xff00) {
    out[o++] = (s >> 8) & 0xff;
    cmd |= 0x20;
  }
  out[at] = cmd;
  return o;
}
