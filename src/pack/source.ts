/**
 * Where pack bytes come from: anything that can read `length` bytes at an absolute
 * `offset`. Files implement it with positional reads (src/fs/file-source.ts), so a pack is
 * never loaded whole and may be larger than memory or 4 GiB.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** A name for error messages (a file's base name). */
  readonly name: string;
  /**
   * Exactly `length` bytes at `offset` (the caller keeps within `size`). The result is the
   * caller's to keep.
   */
  read(offset: number, length: number): Uint8Array;
  /**
   * Fill all of `into` with the bytes at `offset`: lets hot loops reuse one buffer instead of
   * allocating per read.
   */
  readInto(offset: number, into: Uint8Array): void;
  /**
   * All `size` bytes, when the source holds them in memory: readers may view them instead of
   * reading copies. Never to be modified.
   */
  readonly bytes?: Uint8Array | undefined;
}

/**
 * A ByteSource over bytes in memory.
 * @example
 *   const src = bytesSource(packBytes, 'pack-1234.pack');
 */
export function bytesSource(bytes: Uint8Array, name = '<memory>'): ByteSource {
  return {
    size: bytes.length,
    name,
    bytes,
    read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > bytes.length) {
        throw new RangeError(`read ${offset}+${length} outside ${bytes.length} bytes`);
      }
      return bytes.subarray(offset, offset + length);
    },
    readInto(offset, into) {
      if (offset < 0 || offset + into.length > bytes.length) {
        throw new RangeError(`read ${offset}+${into.length} outside ${bytes.length} bytes`);
      }
      into.set(bytes.subarray(offset, offset + into.length));
    },
  };
}
