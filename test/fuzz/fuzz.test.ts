// The mutation fuzzer in CI: every target (targets.ts) for its fixed number of inputs, with a
// fixed seed, so that a run is repeatable; about a minute per backend in all. A failure
// prints the target, seed, kind, the (shrunk) input and how to replay it. Longer runs:
// `npm run fuzz -- --seconds N [--target name] [--seed S]` (test/fuzz/main.ts).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { buildCorpus, type Corpus } from './corpus.js';
import { formatFailure, runFuzz } from './engine.js';
import { TARGETS } from './targets.js';

/** The CI seed: fixed, so that a failure in CI is the same failure on a laptop. */
export const CI_SEED = 20251014;

let corpus: Corpus;
before(() => {
  corpus = buildCorpus();
});

describe('fuzz (fixed seed, fixed budget)', () => {
  for (const t of TARGETS) {
    test(`${t.name}: ${t.ciRuns} mutated inputs`, { timeout: 300_000 }, async () => {
      const r = await runFuzz({ target: t.name, seed: CI_SEED, runs: t.ciRuns, corpus });
      if (r.failure) assert.fail(formatFailure(r));
      assert.equal(r.runs >= t.ciRuns, true, `ran ${r.runs} of ${t.ciRuns} inputs`);
    });
  }
});
