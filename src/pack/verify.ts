/**
 * Verifying a pack against its idx: what `git verify-pack` does (it runs
 * `git index-pack --verify`): index the pack anew (every object inflated, every delta
 * applied, every id recomputed, every CRC-32 and the trailer checked) and require the idx that
 * results to be byte for byte the idx on disk, in the same version.
 */
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { bytesEqual } from './bytes.js';
import { encodeIdx, openIdx, type IdxFile } from './idx/index.js';
import { indexPack, type IndexPackOptions, type IndexedPack } from './index-pack.js';
import { OBJ_OFS_DELTA, hashLength, toHex, typeName, type ObjectFormat } from './oid.js';
import { bytesSource, type ByteSource } from './source.js';

export interface VerifyResult {
  idx: IdxFile;
  indexed: IndexedPack;
}

export interface VerifyOptions extends Omit<IndexPackOptions, 'format'> {
  /** The object format; inferred from the idx when not given. */
  format?: ObjectFormat;
  /** File name of the idx, for messages. */
  idxName?: string;
  /** Called with what the pack holds, before the idx is compared with it. */
  onIndexed?: (indexed: IndexedPack) => void;
}

/**
 * Verify `pack` against the idx bytes `idxBytes`.
 * @throws IDX_CORRUPT, CHECKSUM_MISMATCH, PACK_CORRUPT, DELTA_CORRUPT, IDX_MISMATCH (the idx
 *         does not describe this pack: the first differing entry is named).
 * @example
 *   verifyPack(openFileSource('p.pack'), readFileSync('p.idx'), backend);
 */
export function verifyPack(pack: ByteSource, idxBytes: Uint8Array, backend: Backend, options: VerifyOptions = {}): VerifyResult {
  const idxName = options.idxName ?? pack.name.replace(/\.pack$/, '.idx');
  const idx = openIdx(bytesSource(idxBytes, idxName), backend, { ...(options.format ? { format: options.format } : {}), verify: true });
  const indexOptions: IndexPackOptions = { format: idx.format };
  if (options.onProgress) indexOptions.onProgress = options.onProgress;
  if (options.chunkSize) indexOptions.chunkSize = options.chunkSize;
  if (options.collisionDetection !== undefined) indexOptions.collisionDetection = options.collisionDetection;
  const indexed = indexPack(pack, backend, indexOptions);
  options.onIndexed?.(indexed);
  const expected = encodeIdx(indexed, indexed.packChecksum, backend, { version: idx.version });
  if (!bytesEqual(expected, idxBytes)) throw describeMismatch(idx, indexed, idxName);
  return { idx, indexed };
}

/** Name the first difference between the idx on disk and the pack's own entries. */
function describeMismatch(idx: IdxFile, indexed: IndexedPack, file: string): XtestPackError {
  const fail = (reason: string, oid?: string) =>
    new XtestPackError('IDX_MISMATCH', reason, oid === undefined ? { file } : { file, oid });
  if (idx.count !== indexed.count) return fail(`idx lists ${idx.count} objects, the pack holds ${indexed.count}`);
  const h = hashLength(indexed.format);
  const byOid = new Map<string, number>();
  for (let i = 0; i < indexed.count; i++) byOid.set(toHex(indexed.oids.subarray(i * h, i * h + h)), i);
  for (let k = 0; k < idx.count; k++) {
    const hex = toHex(idx.oidAt(k));
    const i = byOid.get(hex);
    if (i === undefined) return fail('idx lists an object the pack does not hold', hex);
    if (idx.offsetAt(k) !== indexed.offsets[i]) {
      return fail(`idx says offset ${idx.offsetAt(k)}, the pack has it at ${indexed.offsets[i]}`, hex);
    }
    const crc = idx.crc32At(k);
    if (crc !== undefined && crc !== indexed.crc32s[i]) {
      return fail(`idx CRC-32 ${hex8(crc)} differs from the packed bytes' ${hex8(indexed.crc32s[i]!)}`, hex);
    }
  }
  return fail('idx differs from the one this pack produces (pack checksum or layout)');
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/**
 * The lines `git verify-pack -v` prints for a pack (without the final `<pack>: ok`): one per
 * object in pack order, then the `non delta:` and `chain length =` histogram.
 * @example
 *   process.stdout.write(formatVerifyStat(indexed));
 */
export function formatVerifyStat(indexed: IndexedPack, statOnly = false): string {
  const { count: n, format, oids, packTypes, types, sizes, offsets, depths, bases } = indexed;
  const h = hashLength(format);
  const end = indexed.packSize - h;
  const lines: string[] = [];
  const histogram: number[] = [];
  let nonDelta = 0;
  for (let i = 0; i < n; i++) {
    const isDelta = packTypes[i]! >= OBJ_OFS_DELTA;
    if (isDelta) histogram[depths[i]! - 1] = (histogram[depths[i]! - 1] ?? 0) + 1;
    else nonDelta++;
    if (statOnly) continue;
    const next = i + 1 < n ? offsets[i + 1]! : end;
    let line = `${toHex(oids.subarray(i * h, i * h + h))} ${typeName(types[i]!)!.padEnd(6)} ${sizes[i]} ${next - offsets[i]!} ${offsets[i]}`;
    if (isDelta) {
      const b = bases[i]!;
      line += ` ${depths[i]} ${toHex(oids.subarray(b * h, b * h + h))}`;
    }
    lines.push(line);
  }
  if (nonDelta > 0) lines.push(`non delta: ${nonDelta} ${nonDelta === 1 ? 'object' : 'objects'}`);
  for (let d = 0; d < histogram.length; d++) {
    const c = histogram[d];
    if (c) lines.push(`chain length = ${d + 1}: ${c} ${c === 1 ? 'object' : 'objects'}`);
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}
