/**
 * The portable backend: pako for zlib, SHA-1 with collision detection (sha1dc.ts) for object
 * ids, @noble/hashes for SHA-256 and plain SHA-1 (trailer checksums), a table CRC-32.
 * No `node:` module, so it runs in any JavaScript engine.
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  ZStream,
  Z_BUF_ERROR,
  Z_DEFAULT_STRATEGY,
  Z_FINISH,
  Z_OK,
  Z_STREAM_END,
  zlibDeflate,
  zlibDeflateInit2,
  zlibDeflateReset,
  zlibDeflateResetKeep,
  zlibInflate,
  zlibInflateInit,
  zlibInflateInit2,
  zlibInflateReset,
} from 'pako';
import type { Backend, Hasher, HashAlgorithm, HashOptions, InflateResult } from './types.js';
import { crc32 } from './crc32.js';
import { Sha1DC } from './sha1dc.js';

class NobleHasher implements Hasher {
  readonly #algorithm: HashAlgorithm;
  #h: ReturnType<typeof sha1.create>;
  constructor(algorithm: HashAlgorithm) {
    this.#algorithm = algorithm;
    this.#h = algorithm === 'sha1' ? sha1.create() : sha256.create();
  }
  update(data: Uint8Array): Hasher {
    this.#h.update(data);
    return this;
  }
  digest(): Uint8Array {
    return this.#h.digest();
  }
  reset(): Hasher {
    this.#h = this.#algorithm === 'sha1' ? sha1.create() : sha256.create();
    return this;
  }
}

/** First output buffer for a stream that may be large (grown by doubling as data arrives). */
const INITIAL_OUTPUT = 64 << 10;

/** One reusable inflate stream per backend instance: resetting is far cheaper than init. */
function makeInflate(strm: ZStream): (input: Uint8Array, size: number) => InflateResult {
  return (input, size) => {
    zlibInflateReset(strm);
    // One spare byte tells "inflates to more than size" apart from "exactly size". The buffer
    // starts at what the input could plausibly produce and grows as output really arrives, so
    // a declared size is never allocated on trust.
    const limit = size + 1;
    let out = new Uint8Array(Math.min(limit, Math.max(INITIAL_OUTPUT, input.length * 8)));
    attach(strm, input, out);
    let status = zlibInflate(strm, Z_FINISH);
    while (status !== Z_STREAM_END && strm.avail_out === 0 && out.length < limit) {
      out = grow(strm, out, limit);
      status = zlibInflate(strm, Z_FINISH);
    }
    if (status === Z_STREAM_END) {
      if (strm.total_out !== size) {
        return { ok: false, reason: 'size', detail: `inflated to ${strm.total_out} bytes, expected ${size}` };
      }
      return { ok: true, data: out.subarray(0, size), consumed: strm.total_in };
    }
    if (strm.avail_out === 0) {
      return { ok: false, reason: 'size', detail: `inflates to more than the expected ${size} bytes` };
    }
    if (status === Z_BUF_ERROR || status === Z_OK) {
      return { ok: false, reason: 'truncated', detail: 'zlib stream ends early' };
    }
    return { ok: false, reason: 'corrupt', detail: `zlib: ${strm.msg || `status ${status}`}` };
  };
}

/** `inflate` into the caller's buffer (at least `size + 1` bytes), with the same stream. */
function makeInflateInto(strm: ZStream): (input: Uint8Array, size: number, into: Uint8Array) => InflateResult {
  return (input, size, into) => {
    if (into.length < size + 1) throw new RangeError(`inflateInto: ${into.length} bytes of room for ${size} (+1)`);
    zlibInflateReset(strm);
    attach(strm, input, into.subarray(0, size + 1) as Uint8Array<ArrayBuffer>);
    const status = zlibInflate(strm, Z_FINISH);
    if (status === Z_STREAM_END) {
      if (strm.total_out !== size) return { ok: false, reason: 'size', detail: `inflated to ${strm.total_out} bytes, expected ${size}` };
      return { ok: true, data: into.subarray(0, size), consumed: strm.total_in };
    }
    if (strm.avail_out === 0) return { ok: false, reason: 'size', detail: `inflates to more than the expected ${size} bytes` };
    if (status === Z_BUF_ERROR || status === Z_OK) return { ok: false, reason: 'truncated', detail: 'zlib stream ends early' };
    return { ok: false, reason: 'corrupt', detail: `zlib: ${strm.msg || `status ${status}`}` };
  };
}

/** Point `strm` at all of `input` and an empty `out`, its counters at zero. */
function attach(strm: ZStream, input: Uint8Array, out: Uint8Array<ArrayBuffer>): void {
  strm.input = input;
  strm.next_in = 0;
  strm.avail_in = input.length;
  strm.total_in = 0;
  strm.output = out;
  strm.next_out = 0;
  strm.avail_out = out.length;
  strm.total_out = 0;
}

/** A full output buffer doubled (at most `limit` bytes) with what it holds, and `strm` pointed at it. */
function grow(strm: ZStream, out: Uint8Array, limit: number): Uint8Array<ArrayBuffer> {
  const next = new Uint8Array(Math.min(limit, out.length * 2));
  next.set(out);
  strm.output = next;
  strm.avail_out = next.length - strm.next_out;
  return next;
}

/** Inflate a zlib-wrapped stream of unknown inflated size, growing the output, at most `maxSize` bytes. */
function inflateAll(input: Uint8Array, maxSize: number): InflateResult {
  return inflateGrowing(input, maxSize, 15);
}

/** The same for a raw deflate stream (a gzip member's body). */
export function inflateRawAll(input: Uint8Array, maxSize: number): InflateResult {
  return inflateGrowing(input, maxSize, -15);
}

/** `windowBits` as zlib's inflateInit2: 15 for a zlib wrapper, -15 for raw deflate. */
function inflateGrowing(input: Uint8Array, maxSize: number, windowBits: number): InflateResult {
  const strm = new ZStream();
  if (windowBits === 15) zlibInflateInit(strm);
  else zlibInflateInit2(strm, windowBits);
  let out = new Uint8Array(Math.min(maxSize + 1, Math.max(1024, input.length * 4)));
  attach(strm, input, out);
  for (;;) {
    const status = zlibInflate(strm, Z_FINISH);
    if (status === Z_STREAM_END) {
      if (strm.total_out > maxSize) return { ok: false, reason: 'size', detail: `inflates to more than ${maxSize} bytes` };
      return { ok: true, data: out.subarray(0, strm.total_out), consumed: strm.total_in };
    }
    if (strm.avail_out === 0) {
      if (out.length > maxSize) return { ok: false, reason: 'size', detail: `inflates to more than ${maxSize} bytes` };
      out = grow(strm, out, maxSize + 1);
      continue;
    }
    if (status === Z_BUF_ERROR || status === Z_OK) return { ok: false, reason: 'truncated', detail: 'zlib stream ends early' };
    return { ok: false, reason: 'corrupt', detail: `zlib: ${strm.msg || `status ${status}`}` };
  }
}

/**
 * A zlib-wrapped deflater with pako, reusing one stream (reset, not re-initialized: zlib's
 * state is a few hundred KiB to set up). The same bytes on every platform for a pako version.
 * @example
 *   const deflate = createDeflater(6); deflate(a); deflate(b);
 */
export function createDeflater(level: number): (data: Uint8Array) => Uint8Array {
  const strm = new ZStream();
  if (zlibDeflateInit2(strm, level, 8, 15, 8, Z_DEFAULT_STRATEGY) !== Z_OK) {
    throw new RangeError(`deflate: bad level ${level}`);
  }
  // zlib's deflateReset clears the 64 KiB hash head with a loop, which in pako's JavaScript
  // costs as much as deflating a small object. The same reset with a native fill: what
  // deflateReset does (deflateResetKeep, then lm_init) with the level's parameters read once
  // from pako's own lm_init. test/backend/deflate-reset.test.ts checks the bytes stay pako's.
  zlibDeflateReset(strm);
  const s = strm.state as unknown as LmState;
  const params = { max_lazy_match: s.max_lazy_match, good_match: s.good_match, nice_match: s.nice_match, max_chain_length: s.max_chain_length };
  return (data) => {
    if (zlibDeflateResetKeep(strm) !== Z_OK) throw new Error('deflate: reset failed');
    s.window_size = 2 * s.w_size;
    s.head.fill(0);
    s.max_lazy_match = params.max_lazy_match;
    s.good_match = params.good_match;
    s.nice_match = params.nice_match;
    s.max_chain_length = params.max_chain_length;
    s.strstart = 0;
    s.block_start = 0;
    s.lookahead = 0;
    s.insert = 0;
    s.match_length = s.prev_length = MIN_MATCH - 1;
    s.match_available = 0;
    s.ins_h = 0;
    return deflateWith(strm, data);
  };
}

/** zlib's shortest match. */
const MIN_MATCH = 3;

/** The fields of pako's DeflateState that zlib's lm_init() sets. */
interface LmState {
  w_size: number;
  window_size: number;
  head: Uint16Array;
  max_lazy_match: number;
  good_match: number;
  nice_match: number;
  max_chain_length: number;
  strstart: number;
  block_start: number;
  lookahead: number;
  insert: number;
  match_length: number;
  prev_length: number;
  match_available: number;
  ins_h: number;
}

function deflateWith(strm: ZStream, data: Uint8Array): Uint8Array {
  // deflateBound() of zlib: enough for any input, so one call finishes.
  const bound = data.length + (data.length >>> 12) + (data.length >>> 14) + (data.length >>> 25) + 13 + 6;
  let buf = new Uint8Array(bound);
  attach(strm, data, buf);
  let status = zlibDeflate(strm, Z_FINISH);
  // The bound is zlib's deflateBound(), so one call is expected to finish; should it not, grow.
  while (status === Z_OK && strm.avail_out === 0) {
    buf = grow(strm, buf, Infinity);
    status = zlibDeflate(strm, Z_FINISH);
  }
  if (status !== Z_STREAM_END) throw new Error(`deflate failed with status ${status}`);
  return buf.subarray(0, strm.next_out);
}

/** zlib-wrapped deflate with pako: the same bytes on every platform for the same pako version. */
export function deflate(data: Uint8Array, level: number): Uint8Array {
  return createDeflater(level)(data);
}

/**
 * Create the portable backend.
 * @example
 *   const b = createPortableBackend(); b.createHash('sha1').update(bytes).digest();
 */
export function createPortableBackend(): Backend {
  const strm = new ZStream();
  zlibInflateInit(strm);
  return {
    name: 'portable',
    createHash: (algorithm: HashAlgorithm, options?: HashOptions): Hasher =>
      algorithm === 'sha1' && options?.collisionDetection !== false ? new Sha1DC() : new NobleHasher(algorithm),
    inflate: makeInflate(strm),
    inflateInto: makeInflateInto(strm),
    inflateAll,
    inflateRawAll,
    deflate,
    crc32,
  };
}
