// xtest-pack/pack: the pack format layer, pure (no node: module), over Uint8Array and
// ByteSource; the backend (zlib, hashes) is an argument.
export { applyDelta, decodeDeltaHeader, encodeDelta, type DeltaHeader, type DeltaOp } from './delta.js';
export { createDelta, createDeltaIndex, type DeltaIndex } from './delta-encode.js';
export { decodeEntryHeader, encodeEntryHeader, encodeOfsDeltaDistance, type EntryHeader } from './entry.js';
export { IdxFile, encodeIdx, idxFormat, openIdx, verifyIdx, type EncodeIdxOptions, type IdxLayout, type IndexEntries, type OpenIdxOptions } from './idx/index.js';
export {
  indexPack,
  type IndexPackOptions,
  type IndexProgress,
  type IndexedPack,
} from './index-pack.js';
export {
  OBJ_BLOB,
  OBJ_COMMIT,
  OBJ_OFS_DELTA,
  OBJ_REF_DELTA,
  OBJ_TAG,
  OBJ_TREE,
  fromHex,
  hashLength,
  objectHeader,
  toHex,
  typeName,
  type ObjectFormat,
  type ObjectType,
} from './oid.js';
export { PACK_HEADER_LENGTH, decodePackHeader, encodePackHeader, type PackHeader } from './pack-header.js';
export {
  DEFAULT_DELTA_BASE_CACHE_LIMIT,
  DeltaBaseCache,
  PackFile,
  type PackFileOptions,
  type PackObject,
  type ReadOptions,
} from './pack-file.js';
export { bytesSource, type ByteSource } from './source.js';
export { formatVerifyStat, verifyPack, type VerifyOptions, type VerifyResult } from './verify.js';
export { writePack, type PackObjectSource, type PackSink, type WritePackOptions, type WrittenPack } from './write.js';
