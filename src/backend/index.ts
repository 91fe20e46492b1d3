/**
 * Backend selection: explicit name, else `XTEST_PACK_BACKEND`, else `node` when running on
 * Node.js, else `portable`.
 */
import { XtestPackError } from '../errors.js';
import { createNodeBackend } from './node.js';
import { createPortableBackend } from './portable.js';
import type { Backend, BackendName } from './types.js';

export type { Backend, BackendName, Hasher, HashAlgorithm, InflateResult } from './types.js';
export { createPortableBackend } from './portable.js';
export { createNodeBackend } from './node.js';

const cache = new Map<BackendName, Backend>();

/**
 * The backend by name; `undefined` picks from `XTEST_PACK_BACKEND` or the platform.
 * @throws INVALID_ARGUMENT for a name that is neither `portable` nor `node`.
 * @example
 *   const backend = getBackend(); // 'node' on Node.js unless XTEST_PACK_BACKEND=portable
 */
export function getBackend(name?: string): Backend {
  const chosen = name ?? (process.env['XTEST_PACK_BACKEND'] || undefined) ?? 'node';
  if (chosen !== 'portable' && chosen !== 'node') {
    throw new XtestPackError(
      'INVALID_ARGUMENT',
      `unknown backend ${JSON.stringify(chosen)} (XTEST_PACK_BACKEND or --backend takes portable or node)`,
    );
  }
  let b = cache.get(chosen);
  if (b === undefined) {
    b = chosen === 'node' ? createNodeBackend() : createPortableBackend();
    cache.set(chosen, b);
  }
  return b;
}
