/**
 * Which backend a name (or `XTEST_PACK_BACKEND`, or the platform) picks, and loading just that
 * one: with the node backend nothing but Node's built-ins is loaded (pako and @noble/hashes are
 * loaded only when the portable backend is chosen), so a distribution can run a package's tests
 * with xtest-pack and no third-party module.
 */
import { createRequire } from 'node:module';
import { XtestPackError } from '../errors.js';
import { createNodeBackend } from './node.js';
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

const cache = new Map<BackendName, Backend>();

/**
 * The backend by name; `undefined` picks from `XTEST_PACK_BACKEND` or the platform. The
 * portable one is loaded on first use (synchronously: Node's require of an ES module).
 * @throws USAGE for a name that is neither `portable` nor `node`; ENVIRONMENT when the portable
 *         backend's packages (pako, @noble/hashes) are not installed.
 * @example
 *   const backend = getBackend(); // 'node' on Node.js unless XTEST_PACK_BACKEND=portable
 */
export function getBackend(name?: string): Backend {
  const chosen = backendName(name);
  let b = cache.get(chosen);
  if (b === undefined) {
    // The module name is a literal so that a bundler (scripts/bundle.mjs) can follow it.
    b = chosen === 'node' ? createNodeBackend() : loadPortable(() => createRequire(import.meta.url)('./portable.js') as typeof import('./portable.js'));
    cache.set(chosen, b);
  }
  return b;
}

/**
 * The backend `name` picks (as `backendName`), importing only its implementation.
 * @throws as getBackend.
 * @example
 *   const backend = await loadBackend(options.backend);
 */
export async function loadBackend(name?: string): Promise<Backend> {
  if (backendName(name) === 'node') return getBackend('node');
  let portable: typeof import('./portable.js');
  try {
    portable = await import('./portable.js');
  } catch (e) {
    throw portableMissing(e);
  }
  return loadPortable(() => portable);
}

function loadPortable(load: (module: string) => typeof import('./portable.js')): Backend {
  let b = cache.get('portable');
  if (b) return b;
  try {
    b = load('./portable.js').createPortableBackend();
  } catch (e) {
    throw portableMissing(e);
  }
  cache.set('portable', b);
  return b;
}

function portableMissing(e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return e;
  return new XtestPackError(
    'ENVIRONMENT',
    'the portable backend needs the packages pako and @noble/hashes, which are not installed (install them, or use the node backend: unset XTEST_PACK_BACKEND)',
    { cause: e },
  );
}
