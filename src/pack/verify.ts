/**
 * Verifying a pack against its idx: what `git verify-pack` does (it runs
 * `git index-pack --verify`): index the pack anew (every object inflated, every delta
 * applied, every id recomputed, every CRC-32 and the trailer checked) and require the idx on
 * disk to say exactly that, by meaning rather than by its bytes:
 *
 *   idx (checked whole: idx/verify.ts)   fan-out from the ids, ids in strict order, checksum,
 *                                        large-offset references inside the table, below 2^53
 *   against the pack                     the same number of objects, the same ids (none twice),
 *                                        each one's offset and CRC-32 (version 2), the pack
 *                                        checksum the idx names
 *   large-offset table (version 2)       one slot per entry that refers to it, in entry order,
 *                                        none left over; small offsets may be there too
 *
 * That is git's rule: `index-pack --verify` rebuilds the idx with the existing one's version
 * and with every small offset it finds in the large-offset table kept there (builtin/
 * index-pack.c `read_v2_anomalous_offsets`, so an idx written with
 * `--index-version=2,<offset>` passes), then compares bytes; an idx that passes the checks
 * above is byte for byte that rebuild.
 */
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { bytesEqual, compareBytes } from './bytes.js';
import { openIdx, sortByOid, type IdxFile } from './idx/index.js';
import { readU32 } from './idx/layout.js';
import { indexPack, type IndexPackOptions, type IndexedPack, type PackIndex } from './index-pack.js';
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
 * @throws IDX_CORRUPT, CHECKSUM_MISMATCH, PACK_CORRUPT, DELTA_CORRUPT, SHA1_COLLISION,
 *         IDX_MISMATCH (the idx does not describe this pack: the first difference is named).
 * @example
 *   verifyPack(openFileSource('p.pack'), readFileSync('p.idx'), backend);
 */
export function verifyPack(pack: ByteSource, idxBytes: Uint8Array, backend: Backend, options: VerifyOptions = {}): VerifyResult {
  const { idx, idxName, indexOptions } = openVerifiedIdx(pack, idxBytes, backend, options);
  const indexed = indexPack(pack, backend, indexOptions);
  options.onIndexed?.(indexed);
  verifyIdxDescribes(idx, indexed, idxName, pack.name);
  return { idx, indexed };
}

/**
 * The first half of verifyPack, for callers that index the pack another way (on threads): the
 * idx opened and checked whole, its name, and the index-pack options `options` ask for.
 * @throws IDX_CORRUPT, CHECKSUM_MISMATCH.
 */
export function openVerifiedIdx(
  pack: ByteSource,
  idxBytes: Uint8Array,
  backend: Backend,
  options: VerifyOptions,
): { idx: IdxFile; idxName: string; indexOptions: IndexPackOptions } {
  const idxName = options.idxName ?? pack.name.replace(/\.pack$/, '.idx');
  const idx = openIdx(bytesSource(idxBytes, idxName), backend, { ...(options.format ? { format: options.format } : {}), verify: true });
  const indexOptions: IndexPackOptions = { format: idx.format };
  if (options.onProgress) indexOptions.onProgress = options.onProgress;
  if (options.chunkSize) indexOptions.chunkSize = options.chunkSize;
  if (options.collisionDetection !== undefined) indexOptions.collisionDetection = options.collisionDetection;
  return { idx, idxName, indexOptions };
}

/**
 * Require the idx (already checked whole) to describe exactly the objects of `indexed`: the
 * second half of verifyPack, for callers that index the pack another way (on threads).
 * @throws IDX_MISMATCH naming the idx and the first difference (and the object concerned),
 *         PACK_CORRUPT for a pack that holds an object twice (git's verify refuses it too).
 * @example
 *   verifyIdxDescribes(openIdx(idxSource, backend, { verify: true }), indexed, 'p.idx', 'p.pack');
 */
export function verifyIdxDescribes(idx: IdxFile, indexed: PackIndex, file: string, packName: string): void {
  const fail = (reason: string, fields: { oid?: string; offset?: number } = {}) => new XtestPackError('IDX_MISMATCH', reason, { file, ...fields });
  const n = indexed.count;
  if (idx.count !== n) throw fail(`idx lists ${idx.count} objects, the pack holds ${n}`);
  if (!bytesEqual(idx.packChecksum, indexed.packChecksum)) {
    throw fail(`idx names pack ${toHex(idx.packChecksum)}, this pack is ${toHex(indexed.packChecksum)}`, { offset: idx.layout.trailerAt });
  }
  const h = hashLength(indexed.format);
  const { oids, offsets, crc32s } = indexed;
  const order = sortByOid(oids, n, h);
  const { layout } = idx;
  let large = 0;
  for (let k = 0; k < n; k++) {
    const e = order[k]!;
    const oid = oids.subarray(e * h, e * h + h);
    if (k > 0) {
      const p = order[k - 1]!;
      if (bytesEqual(oid, oids.subarray(p * h, p * h + h))) {
        throw new XtestPackError('PACK_CORRUPT', `the same object ${toHex(oid)} appears twice in the pack`, { file: packName, offset: offsets[e] });
      }
    }
    const listed = idx.oidAt(k);
    const c = compareBytes(listed, oid);
    // Both lists are sorted: the smaller of the two first ids that differ is missing from the other.
    if (c < 0) throw fail('idx lists an object the pack does not hold', { oid: toHex(listed) });
    if (c > 0) throw fail('the pack holds an object the idx does not list', { oid: toHex(oid) });
    const hex = (): string => toHex(oid);
    if (idx.offsetAt(k) !== offsets[e]) throw fail(`idx says offset ${idx.offsetAt(k)}, the pack has it at ${offsets[e]}`, { oid: hex() });
    const crc = idx.crc32At(k);
    if (crc !== undefined && crc !== crc32s[e]) {
      throw fail(`idx CRC-32 ${hex8(crc)} differs from the packed bytes' ${hex8(crc32s[e]!)}`, { oid: hex() });
    }
    if (layout.version === 2) {
      const word = readU32(idx.source.read(layout.offAt + k * 4, 4), 0);
      if (word & 0x80000000) {
        // git writes the large-offset table in entry order, one slot per entry that needs one.
        if ((word & 0x7fffffff) !== large) {
          throw fail(`entry ${k} refers to large offset ${word & 0x7fffffff}, git's idx would have ${large} there`, { oid: hex(), offset: layout.offAt + k * 4 });
        }
        large++;
      }
    }
  }
  if (large !== layout.largeCount) {
    throw fail(`the large-offset table has ${layout.largeCount} entries, ${layout.largeCount - large} of them unreferenced`, { offset: layout.largeAt + large * 8 });
  }
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
