// xtest-pack/backend: the small interface behind which inflate, deflate, CRC-32, SHA-1 and
// SHA-256 live, its two implementations, and choosing between them.
export type { Backend, BackendName, Hasher, HashAlgorithm, HashOptions, InflateResult } from './types.js';
export { TRAILER_HASH } from './types.js';
export { createPortableBackend } from './portable.js';
export { createNodeBackend } from './node.js';
export { backendName, getBackend, loadBackend } from './select.js';
