/**
 * index-pack on worker threads: git's `threaded_second_pass` (builtin/index-pack.c) in Node.
 *
 *   main thread     pass 1 (index-scan.ts): one sequential read, every entry inflated, CRC-32,
 *                   whole objects hashed, the trailer checked; then the plan of pass 2
 *   every thread    pass 2 (index-resolve.ts): take the next root (heaviest tree first) from
 *   (main + N - 1   the shared list, resolve its whole tree depth first, repeat; each worker
 *    workers)       reads the pack itself (its own file descriptor) with its own backend
 *
 * The tables live in SharedArrayBuffers that every thread views (nothing is copied): offsets,
 * ids and types (written by pass 2 at the slots of the tree being resolved, so no two threads
 * write one slot), the OFS_DELTA pairs and the root order. Workers start while pass 1 runs, so
 * their start-up costs no wall time.
 *
 * The result does not depend on the number of threads: the same tables, filled the same way,
 * and the same error (that of the smallest failing root: thread-work.ts). A worker's error
 * arrives as the same one-line XtestPackError, rebuilt here; a worker that crashes, exits or
 * stops making progress for `stallTimeout` fails the call with THREAD_FAILED.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Backend, HashOptions } from '../backend/types.js';
import { XtestPackError, errorFromPayload } from '../errors.js';
import { indexPack, indexPackCore, indexedPackOf, packIndexOf, type IndexPackOptions, type IndexedPack, type PackIndex } from '../pack/index-pack.js';
import { DeltaResolver, planResolve, rootsByWeight, unresolvedError, type ResolveTables } from '../pack/index-resolve.js';
import { scanPack, type Allocate, type ScannedPack } from '../pack/index-scan.js';
import { hashLength } from '../pack/oid.js';
import type { ByteSource } from '../pack/source.js';
import type { ResolveMessage, WorkerFault, WorkerReply, WorkerSetup } from './index-pack-worker.js';
import { CTL_BEATS, CTL_RESOLVED, createControl, resolveShare } from './thread-work.js';

/** The default number of threads: the available cores, at most this (git 2.39's rule). */
export const MAX_DEFAULT_THREADS = 3;

/** How long a worker may go without resolving an object before it counts as hung (default). */
export const DEFAULT_STALL_TIMEOUT = 120_000;

export interface ThreadedIndexPackOptions extends IndexPackOptions {
  /**
   * Threads resolving deltas, this one included; 0 or undefined: the available cores, at most
   * MAX_DEFAULT_THREADS. 1 runs everything here (the synchronous indexPack), as does a source
   * that is neither a file nor held in memory.
   */
  threads?: number;
  /** Milliseconds a worker may go without resolving an object before the call fails (THREAD_FAILED). */
  stallTimeout?: number;
  /** Testing only: make the workers fail this way. */
  fault?: WorkerFault;
}

/**
 * The number of threads `threads` asks for (0 or undefined: the default).
 * @example
 *   threadCount(undefined) // 2 on a 2-core machine
 */
export function threadCount(threads: number | undefined): number {
  if (threads === undefined || threads === 0) return Math.max(1, Math.min(availableParallelism(), MAX_DEFAULT_THREADS));
  if (!Number.isSafeInteger(threads) || threads < 0) throw new RangeError(`threads: ${threads} is not a count of threads`);
  return threads;
}

/**
 * indexPackCore on `threads` threads: what an idx needs (ids, offsets, CRC-32s, checksum).
 * @throws as indexPack, and THREAD_FAILED when a worker crashes or hangs.
 * @example
 *   const indexed = await indexPackCoreThreaded(openFileSource(path), backend, { threads: 2 });
 */
export async function indexPackCoreThreaded(source: ByteSource, backend: Backend, options: ThreadedIndexPackOptions = {}): Promise<PackIndex> {
  const threads = threadCount(options.threads);
  const shared = threads > 1 ? shareablePack(source) : undefined;
  if (!shared) return indexPackCore(source, backend, options);
  const { scan } = await indexThreaded(source, shared, backend, options, threads, false);
  return packIndexOf(scan);
}

/**
 * indexPack on `threads` threads: with what `verify -v` prints (types, sizes, chains).
 * @throws as indexPackCoreThreaded.
 * @example
 *   const indexed = await indexPackThreaded(openFileSource(path), backend, { threads: 2 });
 */
export async function indexPackThreaded(source: ByteSource, backend: Backend, options: ThreadedIndexPackOptions = {}): Promise<IndexedPack> {
  const threads = threadCount(options.threads);
  const shared = threads > 1 ? shareablePack(source) : undefined;
  if (!shared) return indexPack(source, backend, options);
  const { scan, tables } = await indexThreaded(source, shared, backend, options, threads, true);
  return indexedPackOf(scan, tables);
}

/** How workers reach the pack: its file (by name), or the bytes in memory, copied once into shared memory. */
function shareablePack(source: ByteSource): WorkerSetup['pack'] | undefined {
  if (source.bytes) {
    const bytes = new SharedArrayBuffer(source.bytes.length);
    new Uint8Array(bytes).set(source.bytes);
    return { bytes, name: source.name };
  }
  const path = (source as { path?: unknown }).path;
  return typeof path === 'string' ? { path } : undefined;
}

const shared: Allocate = (byteLength) => new SharedArrayBuffer(byteLength);

async function indexThreaded(
  source: ByteSource,
  pack: WorkerSetup['pack'],
  backend: Backend,
  options: ThreadedIndexPackOptions,
  threads: number,
  details: boolean,
): Promise<{ scan: ScannedPack; tables: ResolveTables }> {
  const format = options.format ?? 'sha1';
  const hashOptions: HashOptions = { collisionDetection: options.collisionDetection ?? true };
  const progress = options.onProgress;
  const ctl = createControl(threads);
  // Started now, so that they load while pass 1 runs.
  const pool = new WorkerPool(threads - 1, (thread) => ({
    thread,
    backend: backend.name,
    format,
    collisionDetection: hashOptions.collisionDetection!,
    pack,
    control: ctl.buffer as SharedArrayBuffer,
    fault: options.fault,
  }));
  try {
    const scan = scanPack(source, backend, format, hashLength(format), {
      chunkSize: options.chunkSize ?? 1 << 20,
      hashOptions,
      details,
      weights: true,
      allocate: shared,
      progress: progress && ((done, total) => progress({ phase: 'indexing', done, total })),
    });
    const tables: ResolveTables = {
      format,
      count: scan.count,
      end: scan.end,
      offsets: scan.offsets,
      oids: scan.oids,
      types: scan.types,
      depths: details ? new Uint32Array(shared(scan.count * 4)) : undefined,
      bases: scan.bases,
    };
    if (scan.deltaCount === 0) return { scan, tables };
    const plan = planResolve(scan, source, shared);
    const order = rootsByWeight(plan, scan.weights!, shared);
    const message: ResolveMessage = {
      kind: 'resolve',
      count: scan.count,
      end: scan.end,
      offsets: scan.offsets,
      oids: scan.oids,
      types: scan.types,
      depths: tables.depths,
      bases: tables.bases,
      pairs: plan.pairs,
      pairCount: plan.pairCount,
      refs: plan.refs,
      order,
    };
    pool.post(message);

    // This thread's share, then the workers'.
    const total = scan.deltaCount;
    const report = progress && ((): void => progress({ phase: 'resolving', done: Atomics.load(ctl, CTL_RESOLVED), total }));
    const resolver = new DeltaResolver(tables, { ...plan, roots: order }, source, backend, hashOptions);
    resolver.onResolved = () => {
      Atomics.add(ctl, CTL_RESOLVED, 1);
      Atomics.add(ctl, CTL_BEATS, 1);
      report?.();
    };
    const mine = resolveShare(resolver, order, ctl);
    const replies = await pool.finish(ctl, options.stallTimeout ?? DEFAULT_STALL_TIMEOUT, report);

    let failure = mine.failure && { root: mine.failure.root, error: mine.failure.error };
    let resolved = mine.resolved;
    for (const r of replies) {
      resolved += r.resolved;
      if (r.failure && (!failure || r.failure.root < failure.root)) failure = { root: r.failure.root, error: errorFromPayload(r.failure.error) };
    }
    if (failure) throw failure.error;
    if (resolved !== total) throw unresolvedError(scan, source, total - resolved);
    return { scan, tables };
  } catch (e) {
    throw e instanceof XtestPackError ? e.withFile(source.name) : e;
  } finally {
    await pool.terminate();
  }
}

/** The worker threads of one call, and what became of each. */
class WorkerPool {
  readonly #workers: Worker[] = [];
  readonly #replies: (Extract<WorkerReply, { kind: 'done' }> | undefined)[] = [];
  /** The first failure of a worker itself (not of the data): it fails the call. */
  #broken: XtestPackError | undefined;
  #wake: (() => void) | undefined;

  constructor(count: number, setup: (thread: number) => WorkerSetup) {
    for (let k = 0; k < count; k++) {
      const thread = k + 1;
      const w = new Worker(new URL('./index-pack-worker.js', import.meta.url), {
        workerData: setup(thread),
        // Big data lives in ArrayBuffers, outside these limits; the heap holds little.
        resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 },
      });
      w.on('message', (m: WorkerReply) => {
        if (m.kind === 'done') this.#replies[k] = m;
        else this.#fail(thread, `could not start: ${errorFromPayload(m.error).message}`);
        this.#wake?.();
      });
      w.on('error', (e) => this.#fail(thread, `crashed: ${e instanceof Error ? e.message : String(e)}`));
      w.on('messageerror', (e) => this.#fail(thread, `sent a message that could not be read: ${e.message}`));
      w.on('exit', (code) => {
        if (this.#replies[k] === undefined) this.#fail(thread, `exited with code ${code} before finishing its work`);
      });
      this.#workers.push(w);
      this.#replies.push(undefined);
    }
  }

  #fail(thread: number, what: string): void {
    this.#broken ??= new XtestPackError('THREAD_FAILED', `index-pack worker thread ${thread} ${what}`);
    this.#wake?.();
  }

  post(message: ResolveMessage): void {
    for (const w of this.#workers) w.postMessage(message);
  }

  /**
   * Wait until every worker has reported; every `TICK` ms, `onTick` (progress) and the
   * watchdog: a worker whose beat has not moved for `stallTimeout` ms fails the call.
   * @throws THREAD_FAILED
   */
  async finish(ctl: Int32Array, stallTimeout: number, onTick: (() => void) | undefined): Promise<Extract<WorkerReply, { kind: 'done' }>[]> {
    const beats = this.#workers.map((_, k) => Atomics.load(ctl, CTL_BEATS + k + 1));
    const moved = this.#workers.map(() => Date.now());
    for (;;) {
      if (this.#broken) throw this.#broken;
      if (this.#replies.every((r) => r !== undefined)) return this.#replies as Extract<WorkerReply, { kind: 'done' }>[];
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, TICK);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
      onTick?.();
      const now = Date.now();
      for (let k = 0; k < this.#workers.length; k++) {
        if (this.#replies[k] !== undefined) continue;
        const beat = Atomics.load(ctl, CTL_BEATS + k + 1);
        if (beat !== beats[k]) {
          beats[k] = beat;
          moved[k] = now;
        } else if (now - moved[k]! > stallTimeout) {
          this.#fail(k + 1, `made no progress for ${Math.round((now - moved[k]!) / 1000)} s`);
        }
      }
    }
  }

  /** Stop every worker (the work is done, or failed). */
  async terminate(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

const TICK = 100;
