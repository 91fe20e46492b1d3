// The fuzzer's engine, main side: one worker thread per target runs fast-check over mutated
// seeds (worker.ts); this side watches it. The worker publishes each input and the time it
// started in shared memory before running it, so that a hang (an input running past the
// deadline) or memory past the ceiling (the process's RSS, polled, and the worker's heap
// limit) ends the worker and names the very input. An exception other than XtestPackError is
// found by fast-check in the worker, which shrinks it. Every failure is saved to a file and
// reported with its target, seed, kind, the input in hex (its head) and how to replay it.
// The worker yields to the event loop every 128 inputs: Node frees the engine of a zlib *Sync
// call that failed only then.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Corpus } from './corpus.js';

export interface FuzzOptions {
  readonly target: string;
  readonly seed: number;
  /** A fixed number of inputs (CI)... */
  readonly runs?: number | undefined;
  /** ...or as many as fit in this time. */
  readonly seconds?: number | undefined;
  /** Longest one input may run (default 10 s: generous, for a loaded CI machine). */
  readonly deadlineMs?: number | undefined;
  /**
   * The memory ceiling, in MiB (default 512): of what the worker holds after each input (its
   * heap and buffers), of its heap (a V8 limit), and of the process's RSS growth while it runs.
   */
  readonly memoryMb?: number | undefined;
  readonly corpus: Corpus;
  /** Where a failing input is saved (default `<tmpdir>/xtest-pack-fuzz`). */
  readonly saveDir?: string | undefined;
  /** fast-check's path of a counterexample, to replay it. */
  readonly path?: string | undefined;
}

export interface FuzzFailure {
  readonly kind: 'exception' | 'hang' | 'memory' | 'crash';
  readonly message: string;
  /** The (shrunk, for exceptions) input. */
  readonly input: Uint8Array;
  /** Where the input was saved. */
  readonly file: string;
  /** fast-check's replay path (failures found by fast-check: exceptions, memory held). */
  readonly path?: string | undefined;
}

export interface FuzzOutcome {
  readonly target: string;
  readonly seed: number;
  readonly runs: number;
  readonly ms: number;
  /** How the inputs ended: 'accepted', or an XtestPackError's code, with their counts. */
  readonly outcomes?: Readonly<Record<string, number>> | undefined;
  readonly failure?: FuzzFailure | undefined;
}

/** Largest input published to shared memory (the seeds are far smaller; mutations add little). */
export const MAX_INPUT = 8 << 20;

/** What the worker and this side share: [busy, runs, input length], start time, input bytes. */
export interface Shared {
  readonly control: SharedArrayBuffer;
  readonly time: SharedArrayBuffer;
  readonly input: SharedArrayBuffer;
}

/**
 * Fuzz one target in a worker thread, watching it for hangs and memory.
 * @example
 *   const r = await runFuzz({ target: 'idx', seed: 1, runs: 100, corpus });
 *   if (r.failure) console.error(formatFailure(r));
 */
export function runFuzz(o: FuzzOptions): Promise<FuzzOutcome> {
  const deadlineMs = o.deadlineMs ?? 10_000;
  const memoryMb = o.memoryMb ?? 512;
  const shared: Shared = { control: new SharedArrayBuffer(12), time: new SharedArrayBuffer(8), input: new SharedArrayBuffer(MAX_INPUT) };
  const control = new Int32Array(shared.control);
  const time = new Float64Array(shared.time);
  const started = Date.now();
  // The worker's scratch directory, removed here: also when the worker had to be ended.
  const scratch = mkdtempSync(join(tmpdir(), `xtest-pack-fuzz-${o.target}-`));
  // Measured from here: what earlier targets left in this process is not this one's.
  const baseline = process.memoryUsage.rss();
  const worker = new Worker(new URL('./worker.js', import.meta.url), {
    workerData: { target: o.target, seed: o.seed, runs: o.runs, seconds: o.seconds, corpus: o.corpus, shared, path: o.path, memoryMb, scratch },
    resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: 64 },
  });
  const current = (): Uint8Array => new Uint8Array(shared.input, 0, Math.min(Atomics.load(control, 2), MAX_INPUT)).slice();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (failure: (Omit<FuzzFailure, 'file'> & { file?: string }) | undefined, runs = Atomics.load(control, 1), outcomes?: Record<string, number>) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      void worker.terminate().then(() => rmSync(scratch, { recursive: true, force: true }));
      const saved = failure && { ...failure, file: failure.file ?? save(o, failure.kind, failure.input) };
      resolve({ target: o.target, seed: o.seed, runs, ms: Date.now() - started, outcomes, failure: saved });
    };
    const timer = setInterval(() => {
      if (Atomics.load(control, 0) === 1 && Date.now() - time[0]! > deadlineMs) {
        finish({ kind: 'hang', message: `an input ran past the ${deadlineMs} ms deadline`, input: current() });
      } else if (process.memoryUsage.rss() - baseline > memoryMb * 2 ** 20) {
        finish({ kind: 'memory', message: `the process's RSS grew by more than ${memoryMb} MiB while fuzzing`, input: current() });
      }
    }, 50);
    worker.on('message', (m: { type: 'done'; runs: number; outcomes: Record<string, number> } | { type: 'failure'; kind: FuzzFailure['kind']; message: string; input: Uint8Array; path?: string; runs: number }) => {
      if (m.type === 'done') finish(undefined, m.runs, m.outcomes);
      else finish({ kind: m.kind, message: m.message, input: m.input, path: m.path }, m.runs);
    });
    worker.on('error', (e: Error & { code?: string }) => {
      const kind = e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'crash';
      finish({ kind, message: `the worker died: ${e.code ?? ''} ${e.message}`, input: current() });
    });
    worker.on('exit', (code) => finish(code === 0 ? undefined : { kind: 'crash', message: `the worker exited with ${code}`, input: current() }));
  });
}

function save(o: FuzzOptions, kind: string, input: Uint8Array): string {
  const dir = o.saveDir ?? join(tmpdir(), 'xtest-pack-fuzz');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${o.target}-seed${o.seed}-${kind}.bin`);
  writeFileSync(file, input);
  return file;
}

/**
 * A failure as a report: the target, seed and kind, the message, the input's head in hex, the
 * file holding it whole, and the command that replays it.
 */
export function formatFailure(r: FuzzOutcome): string {
  const f = r.failure;
  if (!f) return `fuzz ${r.target}: ${r.runs} inputs, seed ${r.seed}: no failure`;
  const hex = Buffer.from(f.input.subarray(0, 256)).toString('hex');
  return [
    `fuzz target ${r.target}, seed ${r.seed}: ${f.kind} after ${r.runs} inputs`,
    `  ${f.message.split('\n').slice(0, 12).join('\n  ')}`,
    `  input (${f.input.length} bytes${f.path !== undefined ? ', shrunk' : ''}): ${hex}${f.input.length > 256 ? '…' : ''}`,
    `  saved: ${f.file}`,
    `  replay: npm run fuzz -- --target ${r.target} --replay ${f.file}${f.path ? `   (or --seed ${r.seed} --path ${f.path})` : ''}`,
  ].join('\n');
}
