/**
 * Writing a pack with the delta search and compression spread over worker threads, with the
 * same bytes as writePack in one thread: the plan (order and segments) depends on the objects
 * only, each segment's result on its own objects only, and the results are written in segment
 * order whichever thread finished first. So the pack does not depend on the number of threads,
 * their timing or the machine.
 *
 * The calling thread stays synchronous (export and fetch are): it hands segments to the workers
 * through message ports, sleeps on a shared counter (Atomics.wait) that a worker bumps after
 * answering, and takes the answers with receiveMessageOnPort. The largest segments go out first
 * (two queued per worker, so none waits for the calling thread); the calling thread itself
 * searches the smallest ones and writes every result as soon as those before it are in.
 *
 *   plan ─┬─ worker 1: segments 3, 9, ...  ─┐
 *         ├─ worker 2: segments 0, 7, ...  ─┼─> in segment order: headers, bodies, checksum
 *         └─ this thread: segments 12, 11  ─┘
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Backend, BackendName } from '../backend/types.js';
import { XtestPackError, errorFromPayload, type ErrorPayload } from '../errors.js';
import { hashLength, type ObjectFormat } from '../pack/oid.js';
import {
  PackAssembler,
  loadSegment,
  planPack,
  segmentContext,
  writePlannedPack,
  type PackObjectSource,
  type PackPlan,
  type PackSink,
  type WritePackOptions,
  type WrittenPack,
} from '../pack/write.js';
import { searchSegment, type SegmentResult } from '../pack/write-search.js';

export interface ThreadOptions {
  /**
   * Threads that search and compress, this one included: 1 does it all here. Default:
   * `XTEST_PACK_THREADS`, else one per CPU (at most 8), or 1 when the objects hold less than
   * PARALLEL_MIN_BYTES. The bytes written are the same for any number.
   */
  threads?: number;
}

/**
 * Below this many bytes of objects, starting workers costs more than they save: each worker
 * runs the delta search, zlib and the hash cold. Measured with the installed command, 2 cores:
 * 10 MiB (isomorphic-git's tree) and 18.6 MiB (part of git.git's) wrote as fast on 2 threads
 * as on 1 for 40 % more CPU; 34.5 MiB, 20 % faster; 46 MiB (git.git's tree) 25 % faster. The
 * threshold sits between the last size that did not gain and the first that did.
 */
export const PARALLEL_MIN_BYTES = 24 * 1024 * 1024;
const MAX_DEFAULT_THREADS = 8;
/** Segments waiting at each worker: one running, one ready. */
const QUEUED_PER_WORKER = 2;

/** @internal What a worker is started with. */
export interface WorkerData {
  readonly port: MessagePort;
  /** [0]: answers posted so far, by all workers; [1 + index]: the worker's Linux thread id, -1 once started elsewhere, 0 before. */
  readonly signal: Int32Array;
  readonly index: number;
}

/** How long the calling thread sleeps before it checks that its workers are still there. */
const LIVENESS_CHECK_MS = 1000;
/** A worker that has not said it runs after this long is taken as one that could not start. */
const START_TIMEOUT_MS = 60_000;

/**
 * The worker's script, next to this module (dist/src/export/ or the command's bundle, which
 * has it as an entry of its own); undefined when it is not there (a bundle made without it):
 * then the pack is written in this thread, with the same bytes.
 */
function workerScript(): URL | undefined {
  const url = new URL('./pack-worker.js', import.meta.url);
  try {
    return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * @internal One segment for a worker: its seeds then its objects, back to back in `data`, the
 * i-th ending at `ends[i]`; the first `seeds` are the seeds.
 */
export interface SegmentRequest {
  readonly id: number;
  readonly format: ObjectFormat;
  readonly window: number;
  readonly depth: number;
  readonly level: number;
  readonly verify: boolean;
  readonly backend: BackendName;
  readonly seeds: number;
  /** Type codes (1 commit, 2 tree, 3 blob, 4 tag). */
  readonly types: Uint8Array;
  readonly oids: Uint8Array;
  readonly ends: Float64Array;
  readonly data: Uint8Array;
}

/** @internal */
export type SegmentAnswer = { readonly id: number } & (SegmentResult | { readonly error: ErrorPayload });

const TYPE_CODE = { commit: 1, tree: 2, blob: 3, tag: 4 } as const;

/** Worker threads that run segments, driven synchronously from this thread. */
class SegmentWorkers {
  readonly #workers: Worker[] = [];
  readonly #ports: MessagePort[] = [];
  readonly #signal: Int32Array;
  #seen = 0;

  readonly #started = Date.now();

  constructor(count: number, script: URL) {
    this.#signal = new Int32Array(new SharedArrayBuffer(4 * (1 + count)));
    for (let i = 0; i < count; i++) {
      const { port1, port2 } = new MessageChannel();
      const data: WorkerData = { port: port2, signal: this.#signal, index: i };
      const w = new Worker(script, { workerData: data, transferList: [port2] });
      // Never what keeps the process alive; close() ends them.
      w.unref();
      this.#workers.push(w);
      this.#ports.push(port1);
    }
  }

  get size(): number {
    return this.#workers.length;
  }

  send(worker: number, r: SegmentRequest): void {
    this.#ports[worker]!.postMessage(r, [r.types.buffer, r.oids.buffer, r.ends.buffer, r.data.buffer] as ArrayBuffer[]);
  }

  /** An answer of `worker` that has arrived, if any. */
  take(worker: number): SegmentAnswer | undefined {
    return receiveMessageOnPort(this.#ports[worker]!)?.message as SegmentAnswer | undefined;
  }

  /**
   * Sleep until some worker answers (returns at once if one did since the last call). A worker
   * that ends without answering (killed for lack of memory: nothing of it runs then) would
   * leave this thread asleep for ever, so every second it checks, where the system shows
   * threads (Linux's /proc), that each worker it waits for is still there; and that each has
   * started (a worker that cannot load its script never says so, and its error event would
   * come on the event loop this thread does not return to).
   * @throws Error when one is not, or has not started within START_TIMEOUT_MS.
   */
  wait(waitingFor: (worker: number) => boolean): void {
    while (Atomics.wait(this.#signal, 0, this.#seen, LIVENESS_CHECK_MS) === 'timed-out') {
      for (let w = 0; w < this.#workers.length; w++) {
        if (!waitingFor(w)) continue;
        const tid = Atomics.load(this.#signal, 1 + w);
        if (tid > 0 && !existsSync(`/proc/self/task/${tid}`)) {
          throw new Error(`pack worker ${w + 1} of ${this.#workers.length} ended without answering`);
        }
        if (tid === 0 && Date.now() - this.#started > START_TIMEOUT_MS) {
          throw new Error(`pack worker ${w + 1} of ${this.#workers.length} did not start within ${START_TIMEOUT_MS / 1000} s`);
        }
      }
    }
    this.#seen = Atomics.load(this.#signal, 0);
  }

  close(): void {
    for (const p of this.#ports) p.close();
    for (const w of this.#workers) void w.terminate();
  }
}

/** `XTEST_PACK_THREADS`, when set. */
function envThreads(): number | undefined {
  const v = process.env['XTEST_PACK_THREADS'];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < 1) {
    throw new XtestPackError('ENVIRONMENT', `XTEST_PACK_THREADS=${JSON.stringify(v)}: expected a positive integer (threads that write packs)`);
  }
  return n;
}

/** The threads a write of `plan` gets. */
function threadsFor(plan: PackPlan, backend: Backend, options: ThreadOptions): number {
  const segments = plan.starts.length - 1;
  // Workers hash with their own backend of the same name: only for the two there are.
  if (backend.name !== 'node' && backend.name !== 'portable') return 1;
  let n = options.threads ?? envThreads();
  if (n === undefined) {
    let bytes = 0;
    for (const o of plan.objects) bytes += o.size;
    n = bytes < PARALLEL_MIN_BYTES ? 1 : Math.min(MAX_DEFAULT_THREADS, availableParallelism());
  }
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`threads: ${n} (a positive integer)`);
  return Math.min(n, segments);
}

/** Segment `k` of `plan`, loaded and copied into buffers that can be handed to a worker. */
function segmentRequest(plan: PackPlan, k: number, backend: BackendName): SegmentRequest {
  const h = hashLength(plan.format);
  const { objects, seeds } = loadSegment(plan, k);
  const all = [...seeds, ...objects];
  let total = 0;
  for (const o of all) total += o.data.length;
  const types = new Uint8Array(all.length);
  const oids = new Uint8Array(all.length * h);
  const ends = new Float64Array(all.length);
  const data = new Uint8Array(total);
  let at = 0;
  all.forEach((o, i) => {
    types[i] = TYPE_CODE[o.type];
    oids.set(o.oid, i * h);
    data.set(o.data, at);
    at += o.data.length;
    ends[i] = at;
  });
  return {
    id: k,
    format: plan.format,
    window: plan.window,
    depth: plan.depth,
    level: plan.level,
    verify: plan.verify,
    backend,
    seeds: seeds.length,
    types,
    oids,
    ends,
    data,
  };
}

/**
 * Write `objects` as a pack to `sink`, the delta search and compression on `threads` threads;
 * the bytes are writePack's, whatever the number of threads.
 * @throws as writePack; RangeError for a `threads` that is not a positive integer; ENVIRONMENT
 *         for an XTEST_PACK_THREADS that is not.
 * @example
 *   const written = writePackThreaded(objects, sink, backend, 'sha1', { threads: 4 });
 */
export function writePackThreaded(
  objects: readonly PackObjectSource[],
  sink: PackSink,
  backend: Backend,
  format: ObjectFormat,
  options: WritePackOptions & ThreadOptions = {},
): WrittenPack {
  const plan = planPack(objects, format, options);
  const threads = threadsFor(plan, backend, options);
  const script = threads > 1 ? workerScript() : undefined;
  if (threads <= 1 || script === undefined) return writePlannedPack(plan, sink, backend, options.onProgress);

  const segments = plan.starts.length - 1;
  const out = new PackAssembler(plan, sink, backend, options.onProgress);
  const ctx = segmentContext(plan, backend);
  // Largest first (the workers take from the front, this thread from the back), so that the
  // long ones start early and the short ones fill the gaps at the end.
  const cost = (k: number) => {
    let bytes = 0;
    for (let i = plan.starts[k]!; i < plan.starts[k + 1]!; i++) bytes += plan.objects[i]!.size;
    return bytes;
  };
  const costs = Array.from({ length: segments }, (_, k) => cost(k));
  const queue = Array.from({ length: segments }, (_, k) => k).sort((a, b) => costs[b]! - costs[a]! || a - b);
  const results: (SegmentResult | undefined)[] = new Array<SegmentResult | undefined>(segments);
  let next = 0;
  const workers = new SegmentWorkers(threads - 1, script);
  const queued = new Array<number>(workers.size).fill(0);
  try {
    while (next < segments) {
      for (let w = 0; w < workers.size; w++) {
        for (let a = workers.take(w); a; a = workers.take(w)) {
          queued[w]!--;
          if ('error' in a) throw errorFromPayload(a.error, 'pack worker');
          results[a.id] = a;
        }
        while (queued[w]! < QUEUED_PER_WORKER && queue.length > 0) {
          workers.send(w, segmentRequest(plan, queue.shift()!, backend.name));
          queued[w]!++;
        }
      }
      for (let r = results[next]; r; r = results[next]) {
        out.add(r);
        results[next++] = undefined;
      }
      if (next >= segments) break;
      const mine = queue.pop();
      if (mine !== undefined) {
        const { objects, seeds } = loadSegment(plan, mine);
        results[mine] = searchSegment(objects, seeds, ctx);
      }
      else workers.wait((w) => queued[w]! > 0);
    }
  } finally {
    workers.close();
  }
  return out.finish();
}
