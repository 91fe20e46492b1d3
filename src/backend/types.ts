/**
 * The small interface behind which inflate, deflate, CRC-32, SHA-1 and SHA-256 live.
 * Two implementations: `portable` (pako + @noble/hashes, runs anywhere) and `node`
 * (node:zlib + node:crypto, faster). Both pass the same test suite. Both compute SHA-1 object
 * ids with collision detection (sha1dc.ts), as git does.
 */

export type HashAlgorithm = 'sha1' | 'sha256';

/** An incremental hash. `digest()` may be called once, then `reset()` to start again. */
export interface Hasher {
  update(data: Uint8Array): Hasher;
  digest(): Uint8Array;
  /**
   * Start over, as a new hasher of the same kind would: for loops that hash one object after
   * another without allocating a hasher each (both backends have it; optional for others).
   */
  reset?(): Hasher;
}

/** Outcome of inflating one zlib stream. */
export type InflateResult =
  | { readonly ok: true; readonly data: Uint8Array; readonly consumed: number }
  /**
   * `truncated`: the input ended before the stream did (more input may help);
   * `corrupt`: the stream is not valid zlib;
   * `size`: the stream inflates to more or fewer bytes than expected.
   */
  | { readonly ok: false; readonly reason: 'truncated' | 'corrupt' | 'size'; readonly detail: string };

export interface HashOptions {
  /**
   * SHA-1 only (SHA-256 is the same either way). true, the default: SHA-1 with collision
   * detection (sha1dc), as git computes object ids; `digest()` throws SHA1_COLLISION for input
   * holding a block of a collision attack. false: plain SHA-1 (node:crypto, @noble/hashes),
   * several times faster: for what git itself hashes with its non-detecting "unsafe" SHA-1,
   * the trailer checksums of packs and idx files (csum-file.c), and for an explicit opt-out
   * (`--no-collision-detection`). Never for object ids otherwise.
   */
  collisionDetection?: boolean;
}

/** The hash options of a pack or idx trailer checksum: plain SHA-1, as git's "unsafe" hash. */
export const TRAILER_HASH: HashOptions = Object.freeze({ collisionDetection: false });

export interface Backend {
  readonly name: BackendName;
  /**
   * A new hasher. SHA-1 detects collisions unless `options.collisionDetection` is false.
   * @example
   *   backend.createHash('sha1').update(header).update(data).digest(); // throws SHA1_COLLISION on an attack
   *   backend.createHash('sha1', TRAILER_HASH) // a pack's trailer checksum
   */
  createHash(algorithm: HashAlgorithm, options?: HashOptions): Hasher;
  /**
   * Inflate the zlib stream that starts at `input[0]`; it must inflate to exactly `size`
   * bytes. Bytes after the stream's end are left alone and not counted in `consumed`.
   * The caller bounds `size` before calling: it is allocated.
   */
  inflate(input: Uint8Array, size: number): InflateResult;
  /**
   * `inflate`, with the output written to `into` (at least `size + 1` bytes: the spare byte
   * tells "more than size" apart): `data` is then `into.subarray(0, size)`, so a loop can
   * inflate object after object into one buffer, leaving no garbage (both backends have it;
   * optional for others). The caller sizes `into`: a declared size is not to be trusted.
   */
  inflateInto?(input: Uint8Array, size: number, into: Uint8Array): InflateResult;
  /**
   * Inflate the zlib stream at `input[0]` when its inflated size is not known beforehand (loose
   * objects). Output grows as data arrives; more than `maxSize` bytes is a `size` failure.
   */
  inflateAll(input: Uint8Array, maxSize: number): InflateResult;
  /**
   * Inflate the raw deflate stream (RFC 1951: no zlib header or Adler-32, as inside a gzip
   * member) at `input[0]` when its inflated size is not known beforehand. Output grows as data
   * arrives; more than `maxSize` bytes is a `size` failure, also when the input is cut after
   * that point. `consumed` ends at the stream's last byte, so what follows (gzip's trailer) can
   * be read.
   */
  inflateRawAll(input: Uint8Array, maxSize: number): InflateResult;
  /** zlib-wrap and deflate `data` at `level` (0-9, -1 for zlib's default). */
  deflate(data: Uint8Array, level: number): Uint8Array;
  /** CRC-32 (ISO-HDLC, as zlib's crc32) of `data`, continuing from `crc`. */
  crc32(data: Uint8Array, crc?: number): number;
}

export type BackendName = 'portable' | 'node';
