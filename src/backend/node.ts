/**
 * The Node backend: node:zlib and node:crypto (OpenSSL), several times faster than the
 * portable one; SHA-1 object ids with collision detection (sha1dc.ts), OpenSSL's SHA-1 only
 * for trailer checksums and where detection is explicitly turned off. Output of `deflate` depends on the zlib build: never use it where bytes
 * must be reproducible (the pack writer deflates with pako).
 */
import { constants as bufferConstants } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import * as zlib from 'node:zlib';
import type { Backend, Hasher, HashAlgorithm, HashOptions, InflateResult } from './types.js';
import { crc32 as portableCrc32 } from './crc32.js';
import { Sha1DC } from './sha1dc.js';

class NodeHasher implements Hasher {
  readonly #algorithm: HashAlgorithm;
  #h: Hash;
  constructor(algorithm: HashAlgorithm) {
    this.#algorithm = algorithm;
    this.#h = createHash(algorithm);
  }
  update(data: Uint8Array): Hasher {
    this.#h.update(data);
    return this;
  }
  digest(): Uint8Array {
    const d = this.#h.digest();
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  reset(): Hasher {
    this.#h = createHash(this.#algorithm);
    return this;
  }
}

interface ZlibEngine {
  bytesWritten: number;
}

/** Declared sizes up to which `inflate` allocates the whole output at once (see createNodeBackend). */
const REUSE_LIMIT = 1 << 20;

/** Largest buffer Node can make (2^32 on Node 20). */
const MAX_BUFFER = bufferConstants.MAX_LENGTH;

function inflate(input: Uint8Array, size: number): InflateResult {
  let out: Buffer;
  let consumed: number;
  try {
    const r = zlib.inflateSync(input, {
      info: true,
      // One spare byte tells "inflates to more than size" apart from "exactly size".
      maxOutputLength: Math.min(size + 1, MAX_BUFFER),
      chunkSize: Math.max(64, Math.min(size + 1, 1 << 20)),
    }) as unknown as { buffer: Buffer; engine: ZlibEngine };
    out = r.buffer;
    consumed = r.engine.bytesWritten;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE') {
      return { ok: false, reason: 'size', detail: `inflates to more than the expected ${size} bytes` };
    }
    if (err.code === 'Z_BUF_ERROR') {
      return cutShort(zlib.inflateSync, input, size, `inflates to more than the expected ${size} bytes`, 'zlib stream ends early');
    }
    return { ok: false, reason: 'corrupt', detail: `zlib: ${err.message}` };
  }
  if (out.length !== size) {
    return { ok: false, reason: 'size', detail: `inflated to ${out.length} bytes, expected ${size}` };
  }
  return { ok: true, data: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), consumed };
}

/**
 * A stream node:zlib found cut short (Z_BUF_ERROR): `size` (with `tooLarge` as detail) when what
 * is there already inflates past `limit` bytes, else `truncated`. node:zlib reports the cut
 * before it checks the output limit, so what is there is inflated again without asking for the
 * stream's end: a stream already past the limit fails for good, a cut one may need more input
 * (and both backends say the same).
 */
function cutShort(
  inflateSync: typeof zlib.inflateSync,
  input: Uint8Array,
  limit: number,
  tooLarge: string,
  truncated: string,
): InflateResult {
  const past: InflateResult = { ok: false, reason: 'size', detail: tooLarge };
  try {
    const out = inflateSync(input, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: Math.min(limit + 1, MAX_BUFFER) });
    if (out.length > limit) return past;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return past;
    return { ok: false, reason: 'corrupt', detail: `zlib: ${(e as Error).message}` };
  }
  return { ok: false, reason: 'truncated', detail: truncated };
}

/** The native zlib stream behind a node:zlib Inflate object (node's lib/zlib.js drives it the same way). */
interface ZlibHandle {
  reset(): void;
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  close(): void;
  onerror: (message: string, errno: number, code?: string) => void;
}

interface ZlibEngineInternals {
  _handle?: ZlibHandle;
  /** [output bytes left, input bytes left] after a write. */
  _writeState?: Uint32Array;
}

/**
 * `inflate` into the caller's buffer through one reused native zlib stream: the handle that
 * zlib.inflateSync drives (reset and written synchronously as node's lib/zlib.js does), so
 * nothing is allocated per call. Where a Node release does not have that handle as expected,
 * inflateSync does the work (and the data is then not in `into`).
 */
function makeInflateInto(): (input: Uint8Array, size: number, into: Uint8Array) => InflateResult {
  let failure: { message: string; code: string | undefined } | undefined;
  const open = (): { handle: ZlibHandle; state: Uint32Array } | undefined => {
    const engine = zlib.createInflate() as unknown as ZlibEngineInternals;
    const handle = engine._handle;
    const state = engine._writeState;
    if (!handle || typeof handle.writeSync !== 'function' || typeof handle.reset !== 'function' || !(state instanceof Uint32Array)) return undefined;
    // Errors reach this callback during writeSync; node's own one would destroy the stream.
    handle.onerror = (message, _errno, code) => {
      failure = { message, code };
    };
    return { handle, state };
  };
  let z = open();
  return (input, size, into) => {
    if (into.length < size + 1) throw new RangeError(`inflateInto: ${into.length} bytes of room for ${size} (+1)`);
    if (!z) return inflate(input, size);
    failure = undefined;
    z.handle.reset();
    z.handle.writeSync(zlib.constants.Z_FINISH, input, 0, input.length, into, 0, size + 1);
    if (failure) {
      const { message, code } = failure;
      // A stream that failed is not trusted again: the next call gets a new one.
      z.handle.close();
      z = open();
      if (code === 'Z_BUF_ERROR') return { ok: false, reason: 'truncated', detail: 'zlib stream ends early' };
      return { ok: false, reason: 'corrupt', detail: `zlib: ${message}` };
    }
    const produced = size + 1 - z.state[0]!;
    // With Z_FINISH, stopping with room left and no error means the stream ended.
    if (produced > size) return { ok: false, reason: 'size', detail: `inflates to more than the expected ${size} bytes` };
    if (produced !== size) return { ok: false, reason: 'size', detail: `inflated to ${produced} bytes, expected ${size}` };
    return { ok: true, data: into.subarray(0, size), consumed: input.length - z.state[1]! };
  };
}

function inflateAll(input: Uint8Array, maxSize: number): InflateResult {
  try {
    const r = zlib.inflateSync(input, { info: true, maxOutputLength: Math.max(1, maxSize) }) as unknown as {
      buffer: Buffer;
      engine: ZlibEngine;
    };
    const out = r.buffer;
    if (out.length > maxSize) {
      return { ok: false, reason: 'size', detail: `inflates to more than ${maxSize} bytes` };
    }
    return { ok: true, data: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), consumed: r.engine.bytesWritten };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE') return { ok: false, reason: 'size', detail: `inflates to more than ${maxSize} bytes` };
    if (err.code === 'Z_BUF_ERROR') return { ok: false, reason: 'truncated', detail: 'zlib stream ends early' };
    return { ok: false, reason: 'corrupt', detail: `zlib: ${err.message}` };
  }
}

function inflateRawAll(input: Uint8Array, maxSize: number): InflateResult {
  try {
    const r = zlib.inflateRawSync(input, { info: true, maxOutputLength: Math.min(Math.max(1, maxSize), MAX_BUFFER) }) as unknown as {
      buffer: Buffer;
      engine: ZlibEngine;
    };
    const out = r.buffer;
    if (out.length > maxSize) return { ok: false, reason: 'size', detail: `inflates to more than ${maxSize} bytes` };
    return { ok: true, data: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), consumed: r.engine.bytesWritten };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE') return { ok: false, reason: 'size', detail: `inflates to more than ${maxSize} bytes` };
    if (err.code === 'Z_BUF_ERROR') {
      return cutShort(zlib.inflateRawSync, input, maxSize, `inflates to more than ${maxSize} bytes`, 'raw deflate stream ends early');
    }
    return { ok: false, reason: 'corrupt', detail: `zlib: ${err.message}` };
  }
}

function deflate(data: Uint8Array, level: number): Uint8Array {
  const b = zlib.deflateSync(data, { level });
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

const nodeCrc32: ((data: Uint8Array, value?: number) => number) | undefined = (
  zlib as { crc32?: (data: Uint8Array, value?: number) => number }
).crc32;

/**
 * Create the Node backend.
 * @example
 *   const b = createNodeBackend(); b.inflate(compressed, 12);
 */
export function createNodeBackend(): Backend {
  const inflateInto = makeInflateInto();
  return {
    name: 'node',
    createHash: (algorithm: HashAlgorithm, options?: HashOptions): Hasher =>
      algorithm === 'sha1' && options?.collisionDetection !== false ? new Sha1DC() : new NodeHasher(algorithm),
    // Objects below REUSE_LIMIT through the one reused zlib stream, into a buffer of their own:
    // zlib.inflateSync makes a zlib stream (and its engine object) per call, which was a
    // quarter of reading small objects. Larger ones as before, output grown as it arrives.
    inflate: (input, size) => (size < REUSE_LIMIT ? inflateInto(input, size, new Uint8Array(size + 1)) : inflate(input, size)),
    inflateInto,
    inflateAll,
    inflateRawAll,
    deflate,
    crc32: nodeCrc32 ? (data, crc = 0) => nodeCrc32(data, crc) : portableCrc32,
  };
}
