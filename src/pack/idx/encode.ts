/**
 * Writing a pack index byte-identical to git's `write_idx_file()` (pack-write.c) for the same
 * entries: the layout is in layout.ts.
 */
import { TRAILER_HASH, type Backend } from '../../backend/types.js';
import { ByteWriter } from '../bytes.js';
import { hashLength, type ObjectFormat } from '../oid.js';
import { FANOUT_BYTES, IDX_MAGIC, OFF32_LIMIT, readU32 } from './layout.js';

/** The entries an idx is written from: parallel arrays in any order. */
export interface IndexEntries {
  readonly format: ObjectFormat;
  readonly count: number;
  /** `count` ids, back to back. */
  readonly oids: Uint8Array;
  /** Entry offsets (32 bits are enough below 4 GiB). */
  readonly offsets: Float64Array | Uint32Array;
  readonly crc32s: Uint32Array;
}

export interface EncodeIdxOptions {
  /** 2 by default, as git. Version 1 is written as 2 when an offset needs 64 bits, as git does. */
  version?: 1 | 2;
}

/**
 * Encode an idx file byte-identical to git's `write_idx_file()` for the same entries.
 * @throws RangeError when the pack checksum has the wrong length for the format.
 * @example
 *   const bytes = encodeIdx(entries, packChecksum, backend, { version: 2 });
 */
export function encodeIdx(
  entries: IndexEntries,
  packChecksum: Uint8Array,
  backend: Backend,
  options: EncodeIdxOptions = {},
): Uint8Array {
  const { format, count: n, oids, offsets, crc32s } = entries;
  const h = hashLength(format);
  if (packChecksum.length !== h) throw new RangeError(`encodeIdx: pack checksum of ${packChecksum.length} bytes for ${format}`);
  const order = sortByOid(oids, n, h);
  let lastOffset = 0;
  for (let i = 0; i < n; i++) lastOffset = Math.max(lastOffset, offsets[i]!);
  const version = lastOffset > OFF32_LIMIT ? 2 : (options.version ?? 2);
  const w = new ByteWriter(
    (version === 2 ? 8 : 0) + FANOUT_BYTES + n * (h + 8) + 2 * h + 64,
  );
  if (version === 2) w.u32be(IDX_MAGIC).u32be(2);
  let k = 0;
  for (let b = 0; b < 256; b++) {
    while (k < n && oids[order[k]! * h]! === b) k++;
    w.u32be(k);
  }
  for (let i = 0; i < n; i++) {
    const e = order[i]!;
    if (version === 1) w.u32be(offsets[e]!);
    w.bytes(oids.subarray(e * h, e * h + h));
  }
  if (version === 2) {
    for (let i = 0; i < n; i++) w.u32be(crc32s[order[i]!]!);
    let large = 0;
    for (let i = 0; i < n; i++) {
      const off = offsets[order[i]!]!;
      w.u32be(off > OFF32_LIMIT ? 0x80000000 | large++ : off);
    }
    for (let i = 0; i < n; i++) {
      const off = offsets[order[i]!]!;
      if (off > OFF32_LIMIT) w.u64be(off);
    }
  }
  w.bytes(packChecksum);
  const body = w.finish();
  const sum = backend.createHash(format, TRAILER_HASH).update(body).digest();
  const out = new Uint8Array(body.length + h);
  out.set(body);
  out.set(sum, body.length);
  return out;
}

/**
 * A permutation of 0..n-1 that orders `n` ids stored back to back in `oids`; ties keep their
 * input order (git's qsort may not).
 */
export function sortByOid(oids: Uint8Array, n: number, h: number): Uint32Array {
  // Sort on the first four bytes as one number, then compare the rest only on a tie.
  const key = new Uint32Array(n);
  for (let i = 0; i < n; i++) key[i] = readU32(oids, i * h);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => {
    const ka = key[a]!;
    const kb = key[b]!;
    if (ka !== kb) return ka < kb ? -1 : 1;
    for (let j = 4; j < h; j++) {
      const d = oids[a * h + j]! - oids[b * h + j]!;
      if (d !== 0) return d;
    }
    return a - b;
  });
  return order;
}
