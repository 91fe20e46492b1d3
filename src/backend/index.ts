/**
 * Backend selection: explicit name, else `XTEST_PACK_BACKEND`, else `node` when running on
 * Node.js, else `portable`.
 */
import { createNodeBackend } from './node.js';
import { createPortableBackend } from './portable.js';
import { backendName } from './select.js';
import type { Backend, BackendName } from './types.js';

export type { Backend, BackendName, Hasher, HashAlgorithm, InflateResult } from './types.js';
export { createPortableBackend } from './portable.js';
export { createNodeBackend } from './node.js';
export { backendName, loadBackend } from './select.js';

const cache = new Map<BackendName, Backend>();

/**
 * The backend by name; `undefined` picks from `XTEST_PACK_BACKEND` or the platform.
 * @throws USAGE for a name that is neither `portable` nor `node`.
 * @example
 *   const backend = getBackend(); // 'node' on Node.js unless XTEST_PACK_BACKEND=portable
 */
export function getBackend(name?: string): Backend {
  const chosen = backendName(name);
  let b = cache.get(chosen);
  if (b === undefined) {
    b = chosen === 'node' ? createNodeBackend() : createPortableBackend();
    cache.set(chosen, b);
  }
  return b;
}
