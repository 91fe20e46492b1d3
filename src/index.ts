// xtest-pack: the public API.
export * from './pack/index.js';
export { getBackend, createNodeBackend, createPortableBackend } from './backend/index.js';
export type { Backend, BackendName, Hasher, HashAlgorithm, InflateResult } from './backend/index.js';
export { XtestPackError, isXtestPackError, type ErrorCode } from './errors.js';
export { openFileSource, type FileSource } from './fs/file-source.js';
export { writeFileAtomic } from './fs/atomic.js';
