// The fuzzer's engine, worker side: fast-check picks a seed and a list of mutations, the
// mutated input is published to shared memory (engine.ts watches it) and fed to the target.
// Anything but an XtestPackError fails the property; fast-check then shrinks it and the
// smallest failing input goes back to the main thread with fast-check's replay path.
import { getHeapStatistics } from 'node:v8';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { getBackend } from '../../src/backend/index.js';
import { XtestPackError } from '../../src/errors.js';
import type { Corpus } from './corpus.js';
import { MAX_INPUT, type Shared } from './engine.js';
import { applyMutations, mutationsArb, type Mutation } from './mutate.js';
import { SELF_TESTS, TARGETS } from './targets.js';

const data = workerData as { target: string; seed: number; runs?: number; seconds?: number; corpus: Corpus; shared: Shared; path?: string; memoryMb: number; scratch: string };
const target = [...TARGETS, ...SELF_TESTS].find((t) => t.name === data.target);
if (!target) throw new Error(`no fuzz target ${data.target}`);
const seeds = target.seeds(data.corpus);
if (seeds.length === 0) throw new Error(`fuzz target ${data.target} has no seeds`);
const control = new Int32Array(data.shared.control);
const time = new Float64Array(data.shared.time);
const inputBuffer = new Uint8Array(data.shared.input);
const env = { backend: getBackend(), corpus: data.corpus, scratch: join(data.scratch, 'w') };
const memoryLimit = data.memoryMb * 2 ** 20;

/** Memory held past the ceiling after an input: reported as a memory failure, shrunk. */
class MemoryCeilingError extends Error {
  override name = 'MemoryCeilingError';
}

/** How the inputs ended: 'accepted', or the XtestPackError code. */
const outcomes: Record<string, number> = {};

/** Feed one input; throws what the target throws unless it is an XtestPackError. */
function feed(input: Uint8Array): void {
  let outcome = 'accepted';
  inputBuffer.set(input.subarray(0, MAX_INPUT));
  Atomics.store(control, 2, input.length);
  time[0] = Date.now();
  Atomics.store(control, 0, 1);
  Atomics.add(control, 1, 1);
  try {
    target!.run(input, env);
  } catch (e) {
    if (!(e instanceof XtestPackError)) throw e;
    outcome = e.code;
  } finally {
    Atomics.store(control, 0, 0);
  }
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  // Memory this worker holds after the input (its heap and its buffers; the main thread polls
  // the process's RSS while inputs run).
  const h = getHeapStatistics();
  const held = h.used_heap_size + h.external_memory;
  if (held > memoryLimit) throw new MemoryCeilingError(`${Math.round(held / 2 ** 20)} MiB held after this input, over the ${data.memoryMb} MiB ceiling`);
}

const input = (k: number, mutations: readonly Mutation[]) => applyMutations(seeds[k]!, mutations, seeds);
let fed = 0;
// The event loop turns now and then: Node frees a zlib engine that failed in a *Sync call only
// then, so that a loop of sync calls on corrupt data would otherwise grow without bound.
const property = fc.asyncProperty(fc.nat(seeds.length - 1), mutationsArb, async (k, mutations) => {
  feed(input(k, mutations));
  if (++fed % 128 === 0) await new Promise((resolve) => setImmediate(resolve));
});
const details = await fc.check(property, {
  seed: data.seed,
  numRuns: data.runs ?? Number.MAX_SAFE_INTEGER,
  ...(data.seconds !== undefined ? { interruptAfterTimeLimit: data.seconds * 1000, markInterruptAsFailure: false } : {}),
  ...(data.path !== undefined ? { path: data.path } : {}),
});
const runs = Atomics.load(control, 1);
if (details.failed && details.counterexample) {
  const [k, mutations] = details.counterexample;
  const err = details.errorInstance;
  const message = err instanceof Error ? `${err.name}: ${err.message}\n${(err.stack ?? '').split('\n').slice(1, 8).join('\n')}` : String(err);
  const kind = err instanceof MemoryCeilingError ? 'memory' : 'exception';
  parentPort!.postMessage({ type: 'failure', kind, message, input: input(k, mutations), path: details.counterexamplePath ?? undefined, runs });
} else {
  parentPort!.postMessage({ type: 'done', runs, outcomes });
}
