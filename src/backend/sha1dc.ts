/**
 * SHA-1 with collision detection ("sha1dc"), as git computes object ids: the digest is the
 * real SHA-1, plus a flag that is set when some 64-byte block looks like one block of a
 * near-collision attack (SHAttered, SHA-1 is a Shambles, or any attack along the 32 known
 * disturbance vectors). git dies with "SHA-1 appears to be part of a collision attack".
 *
 * Algorithm: Marc Stevens and Dan Shumow, "Speeding up detection of SHA-1 collision attacks
 * using unavoidable attack conditions" (USENIX Security 2017), as implemented in
 * cr-marcstevens/sha1collisiondetection `lib/sha1.c` (MIT, the version git vendors as
 * `sha1dc/`, built by git with safe-hash off). Written here from that description:
 * ```
 *   per 64-byte block, chaining value ihv1 -> ihv:
 *     W[0..79]       expanded message, kept
 *     s58, s65       state before steps 58 and 65, kept (canonical A..E order)
 *     mask           ubcCheck(W): DVs whose unavoidable bit conditions W meets
 *     for each DV i in mask, in table order:
 *       W2 = W ^ dm_i
 *       ihv2 = steps testt-1..0 run backwards with W2 from s_testt
 *       ihv3 = ihv2 + (steps testt..79 run forwards with W2 from s_testt)
 *       collision if ihv3 == ihv (the block pair would collide), or, in reduced-round mode,
 *       if ihv2 == ihv1; first hit ends the loop. Safe-hash mode then compresses the block
 *       twice more, so a colliding file gets an unpredictable digest instead of the shared one.
 * ```
 * Pure: no `node:` module, no `Buffer`, no globals. Scratch space lives in the hasher.
 */
import { XtestPackError } from '../errors.js';
import { SHA1DC_DM, SHA1DC_DVS } from './sha1dc-tables.js';
import { ubcCheck } from './sha1dc-ubc.js';
import type { Hasher } from './types.js';

/** Internal switches, for tests (git's build: detection on, safe-hash off, reduced-round off). */
export interface Sha1DCOptions {
  /** Look for collision blocks (default true). Off, this is plain SHA-1. */
  detectCollisions?: boolean;
  /** On a hit, compress the block 3 times, as upstream's default (default false, as git). */
  safeHash?: boolean;
  /** Also flag collisions of reduced-round SHA-1, for the reference's test vector (default false). */
  reducedRound?: boolean;
}

/** The outcome of {@link Sha1DC.finish}. */
export interface Sha1DCResult {
  /** The SHA-1 digest (20 bytes); not the real SHA-1 when safe-hash is on and a collision was found. */
  digest: Uint8Array;
  /** True when a block of the input looked like part of a collision attack. */
  collision: boolean;
}

const IV0 = 0x67452301;
const IV1 = 0xefcdab89 | 0;
const IV2 = 0x98badcfe | 0;
const IV3 = 0x10325476;
const IV4 = 0xc3d2e1f0 | 0;
const K0 = 0x5a827999;
const K1 = 0x6ed9eba1;
const K2 = 0x8f1bbcdc | 0;
const K3 = 0xca62c1d6 | 0;

// Scratch layout (one Int32Array per hasher; no allocation per block). W sits at 0 because
// ubcCheck reads it there.
const W_AT = 0; // 80 expanded words of the block
const W2_AT = 80; // 80 words W ^ dm of the DV being tried
const S58_AT = 160; // state A..E before step 58
const S65_AT = 165; // state A..E before step 65
const IHV_AT = 170; // chaining value
const IHV1_AT = 175; // chaining value before the block
const ST_AT = 180; // a state being stepped on the rare paths
const SCRATCH_WORDS = 185;

/**
 * An incremental sha1dc hash. `digest()` or `finish()` may be called once.
 * @example
 *   const h = new Sha1DC().update(bytes);
 *   const { digest, collision } = h.finish();
 */
export class Sha1DC implements Hasher {
  private readonly s = new Int32Array(SCRATCH_WORDS);
  /** Bytes of an incomplete block. */
  private readonly buf = new Uint8Array(64);
  private bufLength = 0;
  /** Bytes hashed so far (a double: exact far beyond 4 GiB). */
  private total = 0;
  private collision = false;
  private done = false;
  private readonly detect: boolean;
  private readonly safeHash: boolean;
  private readonly reducedRound: boolean;

  constructor(options: Sha1DCOptions = {}) {
    this.detect = options.detectCollisions ?? true;
    this.safeHash = options.safeHash ?? false;
    this.reducedRound = options.reducedRound ?? false;
    this.s.set([IV0, IV1, IV2, IV3, IV4], IHV_AT);
  }

  /**
   * Hash more bytes; any split of the input gives the same result.
   * @throws TypeError when `data` is not a Uint8Array; Error after digest()/finish().
   * @example
   *   h.update(header).update(body);
   */
  update(data: Uint8Array): this {
    if (!(data instanceof Uint8Array)) throw new TypeError('Sha1DC.update: data must be a Uint8Array');
    if (this.done) throw new Error('Sha1DC.update: the digest was already taken');
    let pos = 0;
    const length = data.length;
    this.total += length;
    if (this.bufLength > 0) {
      const take = Math.min(64 - this.bufLength, length);
      this.buf.set(data.subarray(0, take), this.bufLength);
      this.bufLength += take;
      pos = take;
      if (this.bufLength < 64) return this;
      this.blocks(this.buf, 0, 64);
      this.bufLength = 0;
    }
    const whole = length - ((length - pos) % 64);
    if (whole > pos) this.blocks(data, pos, whole);
    if (whole < length) {
      this.buf.set(data.subarray(whole), 0);
      this.bufLength = length - whole;
    }
    return this;
  }

  /**
   * Pad, finish and return the digest and whether a collision block was seen. Never throws
   * for a collision.
   * @throws Error when called after digest()/finish().
   * @example
   *   const { digest, collision } = new Sha1DC().update(pdf).finish();
   */
  finish(): Sha1DCResult {
    if (this.done) throw new Error('Sha1DC.finish: the digest was already taken');
    const buf = this.buf;
    const total = this.total;
    let n = this.bufLength;
    buf[n++] = 0x80;
    if (n > 56) {
      buf.fill(0, n, 64);
      this.blocks(buf, 0, 64);
      n = 0;
    }
    buf.fill(0, n, 56);
    // The bit length as a 64-bit big-endian number: hi * 2^32 + lo, with total * 8 split so
    // that no intermediate passes 2^53.
    const hi = Math.floor(total / 0x20000000);
    const lo = (total % 0x20000000) * 8;
    writeU32(buf, 56, hi);
    writeU32(buf, 60, lo);
    this.blocks(buf, 0, 64);
    this.done = true;
    const digest = new Uint8Array(20);
    for (let i = 0; i < 5; i++) writeU32(digest, 4 * i, this.s[IHV_AT + i]!);
    return { digest, collision: this.collision };
  }

  /**
   * The SHA-1 digest (20 bytes).
   * @throws SHA1_COLLISION when the input contains a block of a collision attack (the message,
   *   as git's: "SHA-1 appears to be part of a collision attack: <hex>"); Error when called twice.
   * @example
   *   const oid = new Sha1DC().update(object).digest();
   */
  digest(): Uint8Array {
    const { digest, collision } = this.finish();
    if (collision) {
      let hex = '';
      for (const b of digest) hex += b.toString(16).padStart(2, '0');
      throw new XtestPackError('SHA1_COLLISION', `SHA-1 appears to be part of a collision attack: ${hex}`);
    }
    return digest;
  }

  /** Compress the whole blocks of `data[pos, end)`, then look for collisions in each. */
  private blocks(data: Uint8Array, pos: number, end: number): void {
    const s = this.s;
    for (; pos < end; pos += 64) {
      compress(s, data, pos);
      if (this.detect) {
        const mask = ubcCheck(s);
        if (mask !== 0 && this.tryDisturbanceVectors(mask)) this.collision = true;
      }
    }
  }

  /**
   * Recompress the block along each DV in `mask`; true at the first that gives a collision
   * (and then, in safe-hash mode, the block is compressed twice more).
   */
  private tryDisturbanceVectors(mask: number): boolean {
    const s = this.s;
    for (let i = 0; i < SHA1DC_DVS.length; i++) {
      if (((mask >>> i) & 1) === 0) continue;
      const row = 80 * i;
      for (let t = 0; t < 80; t++) s[W2_AT + t] = s[W_AT + t]! ^ SHA1DC_DM[row + t]!;
      const testt = SHA1DC_DVS[i]!.testt;
      if (recompress(s, testt === 58 ? S58_AT : S65_AT, testt, this.reducedRound)) {
        if (this.safeHash) {
          compressExpanded(s, IHV_AT, W_AT);
          compressExpanded(s, IHV_AT, W_AT);
        }
        return true;
      }
    }
    return false;
  }
}

/**
 * A sha1dc hasher (detection on, safe-hash off: the real SHA-1, as git).
 * @example
 *   createSha1DC().update(bytes).digest(); // throws SHA1_COLLISION for shattered-1.pdf
 */
export function createSha1DC(options?: Sha1DCOptions): Sha1DC {
  return new Sha1DC(options);
}

function writeU32(out: Uint8Array, pos: number, x: number): void {
  out[pos] = x >>> 24;
  out[pos + 1] = x >>> 16;
  out[pos + 2] = x >>> 8;
  out[pos + 3] = x;
}

/**
 * One SHA-1 compression of the block at `data[pos]`: expands it into `s[W_AT..+80]`, saves the
 * states before steps 58 and 65, moves the chaining value on (saving the old one in IHV1).
 * Steps run 5 at a time with rotating names, so no variable is copied: step t computes
 * e += rotl(a, 5) + f(b, c, d) + K + W[t]; b = rotl(b, 30), the next step uses (e, a, b, c, d).
 */
function compress(s: Int32Array, data: Uint8Array, pos: number): void {
  for (let t = 0; t < 16; t++, pos += 4) {
    s[t] = (data[pos]! << 24) | (data[pos + 1]! << 16) | (data[pos + 2]! << 8) | data[pos + 3]!;
  }
  for (let t = 16; t < 80; t++) {
    const x = s[t - 3]! ^ s[t - 8]! ^ s[t - 14]! ^ s[t - 16]!;
    s[t] = (x << 1) | (x >>> 31);
  }
  const h0 = s[IHV_AT]!;
  const h1 = s[IHV_AT + 1]!;
  const h2 = s[IHV_AT + 2]!;
  const h3 = s[IHV_AT + 3]!;
  const h4 = s[IHV_AT + 4]!;
  let a = h0;
  let b = h1;
  let c = h2;
  let d = h3;
  let e = h4;
  for (let t = 0; t < 20; t += 5) {
    e = (e + ((a << 5) | (a >>> 27)) + (d ^ (b & (c ^ d))) + K0 + s[t]!) | 0;
    b = (b << 30) | (b >>> 2);
    d = (d + ((e << 5) | (e >>> 27)) + (c ^ (a & (b ^ c))) + K0 + s[t + 1]!) | 0;
    a = (a << 30) | (a >>> 2);
    c = (c + ((d << 5) | (d >>> 27)) + (b ^ (e & (a ^ b))) + K0 + s[t + 2]!) | 0;
    e = (e << 30) | (e >>> 2);
    b = (b + ((c << 5) | (c >>> 27)) + (a ^ (d & (e ^ a))) + K0 + s[t + 3]!) | 0;
    d = (d << 30) | (d >>> 2);
    a = (a + ((b << 5) | (b >>> 27)) + (e ^ (c & (d ^ e))) + K0 + s[t + 4]!) | 0;
    c = (c << 30) | (c >>> 2);
  }
  for (let t = 20; t < 40; t += 5) {
    e = (e + ((a << 5) | (a >>> 27)) + (b ^ c ^ d) + K1 + s[t]!) | 0;
    b = (b << 30) | (b >>> 2);
    d = (d + ((e << 5) | (e >>> 27)) + (a ^ b ^ c) + K1 + s[t + 1]!) | 0;
    a = (a << 30) | (a >>> 2);
    c = (c + ((d << 5) | (d >>> 27)) + (e ^ a ^ b) + K1 + s[t + 2]!) | 0;
    e = (e << 30) | (e >>> 2);
    b = (b + ((c << 5) | (c >>> 27)) + (d ^ e ^ a) + K1 + s[t + 3]!) | 0;
    d = (d << 30) | (d >>> 2);
    a = (a + ((b << 5) | (b >>> 27)) + (c ^ d ^ e) + K1 + s[t + 4]!) | 0;
    c = (c << 30) | (c >>> 2);
  }
  for (let t = 40; t < 55; t += 5) {
    e = (e + ((a << 5) | (a >>> 27)) + ((b & c) | (d & (b | c))) + K2 + s[t]!) | 0;
    b = (b << 30) | (b >>> 2);
    d = (d + ((e << 5) | (e >>> 27)) + ((a & b) | (c & (a | b))) + K2 + s[t + 1]!) | 0;
    a = (a << 30) | (a >>> 2);
    c = (c + ((d << 5) | (d >>> 27)) + ((e & a) | (b & (e | a))) + K2 + s[t + 2]!) | 0;
    e = (e << 30) | (e >>> 2);
    b = (b + ((c << 5) | (c >>> 27)) + ((d & e) | (a & (d | e))) + K2 + s[t + 3]!) | 0;
    d = (d << 30) | (d >>> 2);
    a = (a + ((b << 5) | (b >>> 27)) + ((c & d) | (e & (c | d))) + K2 + s[t + 4]!) | 0;
    c = (c << 30) | (c >>> 2);
  }
  // steps 55-57, then the state before step 58: after three steps A..E sit in c, d, e, a, b
  e = (e + ((a << 5) | (a >>> 27)) + ((b & c) | (d & (b | c))) + K2 + s[55]!) | 0;
  b = (b << 30) | (b >>> 2);
  d = (d + ((e << 5) | (e >>> 27)) + ((a & b) | (c & (a | b))) + K2 + s[56]!) | 0;
  a = (a << 30) | (a >>> 2);
  c = (c + ((d << 5) | (d >>> 27)) + ((e & a) | (b & (e | a))) + K2 + s[57]!) | 0;
  e = (e << 30) | (e >>> 2);
  s[S58_AT] = c;
  s[S58_AT + 1] = d;
  s[S58_AT + 2] = e;
  s[S58_AT + 3] = a;
  s[S58_AT + 4] = b;
  b = (b + ((c << 5) | (c >>> 27)) + ((d & e) | (a & (d | e))) + K2 + s[58]!) | 0;
  d = (d << 30) | (d >>> 2);
  a = (a + ((b << 5) | (b >>> 27)) + ((c & d) | (e & (c | d))) + K2 + s[59]!) | 0;
  c = (c << 30) | (c >>> 2);
  // steps 60-64: names back in order, so the state before step 65 is a, b, c, d, e
  e = (e + ((a << 5) | (a >>> 27)) + (b ^ c ^ d) + K3 + s[60]!) | 0;
  b = (b << 30) | (b >>> 2);
  d = (d + ((e << 5) | (e >>> 27)) + (a ^ b ^ c) + K3 + s[61]!) | 0;
  a = (a << 30) | (a >>> 2);
  c = (c + ((d << 5) | (d >>> 27)) + (e ^ a ^ b) + K3 + s[62]!) | 0;
  e = (e << 30) | (e >>> 2);
  b = (b + ((c << 5) | (c >>> 27)) + (d ^ e ^ a) + K3 + s[63]!) | 0;
  d = (d << 30) | (d >>> 2);
  a = (a + ((b << 5) | (b >>> 27)) + (c ^ d ^ e) + K3 + s[64]!) | 0;
  c = (c << 30) | (c >>> 2);
  s[S65_AT] = a;
  s[S65_AT + 1] = b;
  s[S65_AT + 2] = c;
  s[S65_AT + 3] = d;
  s[S65_AT + 4] = e;
  for (let t = 65; t < 80; t += 5) {
    e = (e + ((a << 5) | (a >>> 27)) + (b ^ c ^ d) + K3 + s[t]!) | 0;
    b = (b << 30) | (b >>> 2);
    d = (d + ((e << 5) | (e >>> 27)) + (a ^ b ^ c) + K3 + s[t + 1]!) | 0;
    a = (a << 30) | (a >>> 2);
    c = (c + ((d << 5) | (d >>> 27)) + (e ^ a ^ b) + K3 + s[t + 2]!) | 0;
    e = (e << 30) | (e >>> 2);
    b = (b + ((c << 5) | (c >>> 27)) + (d ^ e ^ a) + K3 + s[t + 3]!) | 0;
    d = (d << 30) | (d >>> 2);
    a = (a + ((b << 5) | (b >>> 27)) + (c ^ d ^ e) + K3 + s[t + 4]!) | 0;
    c = (c << 30) | (c >>> 2);
  }
  s[IHV1_AT] = h0;
  s[IHV1_AT + 1] = h1;
  s[IHV1_AT + 2] = h2;
  s[IHV1_AT + 3] = h3;
  s[IHV1_AT + 4] = h4;
  s[IHV_AT] = (h0 + a) | 0;
  s[IHV_AT + 1] = (h1 + b) | 0;
  s[IHV_AT + 2] = (h2 + c) | 0;
  s[IHV_AT + 3] = (h3 + d) | 0;
  s[IHV_AT + 4] = (h4 + e) | 0;
}

/** f and K of SHA-1 step t (rare paths only: the hot compression inlines them). */
function stepF(t: number, b: number, c: number, d: number): number {
  if (t < 20) return d ^ (b & (c ^ d));
  if (t < 40 || t >= 60) return b ^ c ^ d;
  return (b & c) | (d & (b | c));
}

function stepK(t: number): number {
  return t < 20 ? K0 : t < 40 ? K1 : t < 60 ? K2 : K3;
}

/**
 * Run steps `from..79` of SHA-1 on the canonical state at `s[st..st+5]` (updated) with the
 * expanded words `s[w + t]`.
 */
function stepsForward(s: Int32Array, st: number, w: number, from: number): void {
  let a = s[st]!;
  let b = s[st + 1]!;
  let c = s[st + 2]!;
  let d = s[st + 3]!;
  let e = s[st + 4]!;
  for (let t = from; t < 80; t++) {
    const x = (((a << 5) | (a >>> 27)) + stepF(t, b, c, d) + e + stepK(t) + s[w + t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = x;
  }
  s[st] = a;
  s[st + 1] = b;
  s[st + 2] = c;
  s[st + 3] = d;
  s[st + 4] = e;
}

/**
 * From the state before step `testt` of the real block (at `s[at]`), run the block W2 (at
 * W2_AT) backwards to its input chaining value ihv2 and forwards to its output; true when the
 * output equals the real block's (a collision), or in reduced-round mode when ihv2 equals the
 * real input chaining value.
 */
function recompress(s: Int32Array, at: number, testt: number, reducedRound: boolean): boolean {
  let a = s[at]!;
  let b = s[at + 1]!;
  let c = s[at + 2]!;
  let d = s[at + 3]!;
  let e = s[at + 4]!;
  // Step t maps (a, b, c, d, e) to (x, a, rotl(b, 30), c, d); undo it from t = testt - 1 down.
  for (let t = testt - 1; t >= 0; t--) {
    const pa = b;
    const pb = (c >>> 30) | (c << 2);
    const pc = d;
    const pd = e;
    e = (a - ((pa << 5) | (pa >>> 27)) - stepF(t, pb, pc, pd) - stepK(t) - s[W2_AT + t]!) | 0;
    a = pa;
    b = pb;
    c = pc;
    d = pd;
  }
  s.copyWithin(ST_AT, at, at + 5);
  stepsForward(s, ST_AT, W2_AT, testt);
  const collides =
    ((a + s[ST_AT]!) | 0) === s[IHV_AT] &&
    ((b + s[ST_AT + 1]!) | 0) === s[IHV_AT + 1] &&
    ((c + s[ST_AT + 2]!) | 0) === s[IHV_AT + 2] &&
    ((d + s[ST_AT + 3]!) | 0) === s[IHV_AT + 3] &&
    ((e + s[ST_AT + 4]!) | 0) === s[IHV_AT + 4];
  if (collides) return true;
  return (
    reducedRound &&
    a === s[IHV1_AT] &&
    b === s[IHV1_AT + 1] &&
    c === s[IHV1_AT + 2] &&
    d === s[IHV1_AT + 3] &&
    e === s[IHV1_AT + 4]
  );
}

/** Compress the already expanded block at `s[w]` into the chaining value at `s[ihv]` (safe-hash). */
function compressExpanded(s: Int32Array, ihv: number, w: number): void {
  s.copyWithin(ST_AT, ihv, ihv + 5);
  stepsForward(s, ST_AT, w, 0);
  for (let i = 0; i < 5; i++) s[ihv + i] = (s[ihv + i]! + s[ST_AT + i]!) | 0;
}
