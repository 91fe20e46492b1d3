// Run one pack operation in a worker thread with a deadline and a heap cap, so that a reader
// that loops forever on hostile input fails the test instead of hanging it. (node:test's
// `timeout` cannot interrupt synchronous code: an endless loop would block the runner.)
import { Worker } from 'node:worker_threads';
import type { ObjectFormat } from '../../src/pack/oid.js';

export type BoundedOp =
  | { op: 'indexPack'; pack: Uint8Array; format: ObjectFormat; name: string }
  | { op: 'readAt'; pack: Uint8Array; idx: Uint8Array; format: ObjectFormat; name: string; offset: number };

export type BoundedOutcome =
  | { kind: 'returned' }
  | {
      kind: 'threw';
      name: string;
      code: string | undefined;
      offset: number | undefined;
      oid: string | undefined;
      file: string | undefined;
      message: string;
    }
  | { kind: 'timeout' }
  | { kind: 'crashed'; message: string };

// CommonJS (eval workers are), importing the compiled ES modules by URL.
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  const pack = await import(workerData.packUrl);
  const { getBackend } = await import(workerData.backendUrl);
  const backend = getBackend();
  const w = workerData.work;
  const src = pack.bytesSource(w.pack, w.name);
  try {
    if (w.op === 'indexPack') {
      pack.indexPack(src, backend, { format: w.format });
    } else {
      const pf = pack.PackFile.open(src, pack.openIdx(pack.bytesSource(w.idx), backend, { format: w.format, verify: true }), backend);
      pf.readAt(w.offset);
    }
    parentPort.postMessage({ kind: 'returned' });
  } catch (e) {
    parentPort.postMessage({
      kind: 'threw',
      name: e && e.name, code: e && e.code, offset: e && e.offset, oid: e && e.oid, file: e && e.file,
      message: String(e && e.message),
    });
  }
})();
`;

/** Run `work` in a worker (same XTEST_PACK_BACKEND); give up after `timeoutMs`. */
export function runBounded(work: BoundedOp, timeoutMs = 8000): Promise<BoundedOutcome> {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      work,
      packUrl: new URL('../../src/pack/index.js', import.meta.url).href,
      backendUrl: new URL('../../src/backend/index.js', import.meta.url).href,
    },
    resourceLimits: { maxOldGenerationSizeMb: 256 },
  });
  return new Promise<BoundedOutcome>((resolve) => {
    let done = false;
    const finish = (o: BoundedOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    worker.on('message', (m: BoundedOutcome) => finish(m));
    worker.on('error', (e) => finish({ kind: 'crashed', message: String(e) }));
    worker.on('exit', (code) => finish({ kind: 'crashed', message: `worker exited with ${code} before answering` }));
  });
}
