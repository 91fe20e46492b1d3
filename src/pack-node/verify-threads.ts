/**
 * verify on worker threads: verifyPack (pack/verify.ts) with the pack indexed by
 * index-pack-threads.ts. The same checks, errors and listing, whatever the number of threads.
 */
import type { Backend } from '../backend/types.js';
import type { IdxFile } from '../pack/idx/index.js';
import type { IndexedPack, PackIndex } from '../pack/index-pack.js';
import type { ByteSource } from '../pack/source.js';
import { openVerifiedIdx, verifyIdxDescribes, type VerifyOptions } from '../pack/verify.js';
import { indexPackCoreThreaded, indexPackThreaded, type ThreadedIndexPackOptions } from './index-pack-threads.js';

export interface ThreadedVerifyOptions extends VerifyOptions, Pick<ThreadedIndexPackOptions, 'threads' | 'stallTimeout' | 'fault'> {}

/**
 * Verify `pack` against the idx bytes `idxBytes`, indexing the pack on `options.threads`
 * threads; the pack is indexed with what `verify -v` prints only when `onIndexed` asks for it.
 * @throws as verifyPack, and THREAD_FAILED when a worker crashes or hangs.
 * @example
 *   await verifyPackThreaded(openFileSource('p.pack'), readFileSync('p.idx'), backend, { threads: 2 });
 */
export async function verifyPackThreaded(
  pack: ByteSource,
  idxBytes: Uint8Array,
  backend: Backend,
  options: ThreadedVerifyOptions = {},
): Promise<{ idx: IdxFile; indexed: PackIndex }> {
  const { idx, idxName, indexOptions: common } = openVerifiedIdx(pack, idxBytes, backend, options);
  const indexOptions: ThreadedIndexPackOptions = { ...common };
  if (options.threads !== undefined) indexOptions.threads = options.threads;
  if (options.stallTimeout !== undefined) indexOptions.stallTimeout = options.stallTimeout;
  if (options.fault !== undefined) indexOptions.fault = options.fault;
  let indexed: PackIndex;
  if (options.onIndexed) {
    const full: IndexedPack = await indexPackThreaded(pack, backend, indexOptions);
    options.onIndexed(full);
    indexed = full;
  } else {
    indexed = await indexPackCoreThreaded(pack, backend, indexOptions);
  }
  verifyIdxDescribes(idx, indexed, idxName, pack.name);
  return { idx, indexed };
}
