/**
 * A worker thread of a threaded index-pack (index-pack-threads.ts): it opens the pack itself
 * (its own file descriptor, or a view of the shared bytes), loads its own backend, and on the
 * main thread's `resolve` message takes roots from the shared list and resolves their trees
 * into the shared tables, then reports what it did (or the error of its smallest failing root).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadBackend } from '../backend/select.js';
import type { BackendName } from '../backend/types.js';
import { openFileSource } from '../fs/file-source.js';
import { DeltaResolver, type ResolvePlan, type ResolveTables } from '../pack/index-resolve.js';
import type { RefDeltas } from '../pack/index-scan.js';
import type { ObjectFormat } from '../pack/oid.js';
import { bytesSource, type ByteSource } from '../pack/source.js';
import { errorPayload, type ErrorPayload } from '../errors.js';
import { CTL_BEATS, CTL_FAIL, CTL_RESOLVED, resolveShare } from './thread-work.js';

/** What a worker is started with. */
export interface WorkerSetup {
  thread: number;
  backend: BackendName;
  format: ObjectFormat;
  collisionDetection: boolean;
  pack: { path: string } | { bytes: SharedArrayBuffer; name: string };
  control: SharedArrayBuffer;
  /** Testing only: fail this way once the work starts. */
  fault?: WorkerFault | undefined;
}

export type WorkerFault = 'crash' | 'exit' | 'hang';

/** The tables of pass 2, as the main thread sends them (every buffer shared, none copied). */
export interface ResolveMessage {
  kind: 'resolve';
  count: number;
  end: number;
  offsets: Float64Array | Uint32Array;
  oids: Uint8Array;
  types: Uint8Array;
  depths: Uint32Array | undefined;
  bases: Int32Array | undefined;
  pairs: Uint32Array;
  pairCount: number;
  refs: RefDeltas | undefined;
  order: Uint32Array;
}

export type WorkerReply =
  | { kind: 'done'; resolved: number; failure: { root: number; error: ErrorPayload } | undefined }
  | { kind: 'setup-failed'; error: ErrorPayload };

const port = parentPort!;
const setup = workerData as WorkerSetup;
const ctl = new Int32Array(setup.control);

let source: ByteSource | undefined;
const ready = (async () => {
  const backend = await loadBackend(setup.backend);
  const pack = setup.pack;
  source = 'path' in pack ? openFileSource(pack.path) : bytesSource(new Uint8Array(pack.bytes), pack.name);
  return backend;
})();

port.on('message', (m: ResolveMessage) => {
  ready.then(
    (backend) => {
      // Faults strike before this worker takes a root, so that they strike whatever share of
      // the roots it would have had. An exception nothing here catches (an unhandled rejection),
      // as a bug or a crash would be.
      if (setup.fault === 'crash') throw new Error('injected crash');
      if (setup.fault === 'exit') process.exit(3);
      // Never returns, never beats: the main thread's watchdog has to notice.
      if (setup.fault === 'hang') for (;;) Atomics.wait(ctl, CTL_FAIL, Atomics.load(ctl, CTL_FAIL), 60_000);
      const tables: ResolveTables = {
        format: setup.format,
        count: m.count,
        end: m.end,
        offsets: m.offsets,
        oids: m.oids,
        types: m.types,
        depths: m.depths,
        bases: m.bases,
      };
      const plan: ResolvePlan = { pairs: m.pairs, pairCount: m.pairCount, refs: m.refs, roots: m.order };
      const resolver = new DeltaResolver(tables, plan, source!, backend, { collisionDetection: setup.collisionDetection });
      const beat = CTL_BEATS + setup.thread;
      resolver.onResolved = () => {
        Atomics.add(ctl, CTL_RESOLVED, 1);
        Atomics.add(ctl, beat, 1);
      };
      const out = resolveShare(resolver, m.order, ctl);
      const reply: WorkerReply = {
        kind: 'done',
        resolved: out.resolved,
        failure: out.failure && { root: out.failure.root, error: errorPayload(out.failure.error) },
      };
      port.postMessage(reply);
    },
    (e: unknown) => port.postMessage({ kind: 'setup-failed', error: errorPayload(e) } satisfies WorkerReply),
  );
});
