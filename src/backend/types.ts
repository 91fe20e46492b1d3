/**
 * The small interface behind which inflate, deflate, CRC-32, SHA-1 and SHA-256 live.
 * Two implementations: `portable` (pako + @noble/hashes, runs anywhere) and `node`
 * (node:zlib + node:crypto, faster). Both pass the same test suite.
 */

export type HashAlgorithm = 'sha1' | 'sha256';

/** An incremental hash. `digest()` may be called once. */
export interface Hasher {
  update(data: Uint8Array): Hasher;
  digest(): Uint8Array;
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

export interface Backend {
  readonly name: BackendName;
  createHash(algorithm: HashAlgorithm): Hasher;
  /**
   * Inflate the zlib stream that starts at `input[0]`; it must inflate to exactly `size`
   * bytes. Bytes after the stream's end are left alone and not counted in `consumed`.
   * The caller bounds `size` before calling: it is allocated.
   */
  inflate(input: Uint8Array, size: number): InflateResult;
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
