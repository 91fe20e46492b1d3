// Pack index files: layout, reading, verifying, writing.
export { IdxFile } from './idx-file.js';
export { IDX_HEAD_LENGTH, OFF32_LIMIT, decodeIdxHead, formatsFitting, idxLayout, layoutFits, type IdxHead, type IdxLayout } from './layout.js';
export { encodeIdx, sortByOid, type EncodeIdxOptions, type IndexEntries } from './encode.js';
export { idxFormat, openIdx, type OpenIdxOptions } from './open.js';
export { idxChecksumHolds, verifyIdx } from './verify.js';
