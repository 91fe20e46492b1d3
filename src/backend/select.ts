/**
 * Which backend a name (or `XTEST_PACK_BACKEND`, or the platform) picks, and loading just that
 * one: the command line pays for pako and @noble/hashes only when it runs the portable backend.
 */
import { XtestPackError } from '../errors.js';
import type { Backend, BackendName } from './types.js';

/**
 * The backend `name` picks: explicit, else `XTEST_PACK_BACKEND`, else `node`.
 * @throws USAGE for a name that is neither `portable` nor `node`.
 * @example
 *   backendName(undefined) // 'node' unless XTEST_PACK_BACKEND says otherwise
 */
export function backendName(name?: string): BackendName {
  const chosen = name ?? (process.env['XTEST_PACK_BACKEND'] || undefined) ?? 'node';
  if (chosen !== 'portable' && chosen !== 'node') {
    throw new XtestPackError(
      'USAGE',
      `unknown backend ${JSON.stringify(chosen)} (XTEST_PACK_BACKEND or --backend takes portable or node)`,
    );
  }
  return chosen;
}

/**
 * The backend `name` picks (as `backendName`), importing only its implementation.
 * @throws USAGE for an unknown name.
 * @example
 *   const backend = await loadBackend(options.backend);
 */
export async function loadBackend(name?: string): Promise<Backend> {
  return backendName(name) === 'node'
    ? (await import('./node.js')).createNodeBackend()
    : (await import('./portable.js')).createPortableBackend();
}
