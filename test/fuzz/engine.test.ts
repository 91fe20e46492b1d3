// The fuzzer's engine on targets with planted faults (targets.ts SELF_TESTS): an exception is
// found and shrunk, a hang ends at the deadline, memory held past the ceiling is found; each
// reported with the target, the seed, the input (hex, and the file it is saved in) and a replay.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { formatFailure, runFuzz } from './engine.js';
import { tempDir } from '../support/git.js';

const t = tempDir('xtest-pack-fuzz-engine-');
after(() => t.cleanup());
const corpus = {};

describe('the fuzz engine', () => {
  test('an exception other than XtestPackError: found, shrunk to one byte changed, saved, reported', async () => {
    const r = await runFuzz({ target: 'self-test-throw', seed: 7, runs: 500, corpus, saveDir: t.dir });
    assert.equal(r.failure?.kind, 'exception');
    assert.match(r.failure!.message, /TypeError/);
    assert.equal(r.failure!.input[0], 0);
    assert.deepEqual(new Uint8Array(readFileSync(r.failure!.file)), r.failure!.input);
    const text = formatFailure(r);
    for (const s of ['self-test-throw', 'seed 7', 'exception', Buffer.from(r.failure!.input).toString('hex'), r.failure!.file, '--replay', '--path']) assert.ok(text.includes(s), `${JSON.stringify(s)} in ${text}`);
    rmSync(r.failure!.file);
  });

  test('a hang: the input running past the deadline ends the worker and is named', async () => {
    const r = await runFuzz({ target: 'self-test-hang', seed: 7, runs: 500, corpus, saveDir: t.dir, deadlineMs: 300 });
    assert.equal(r.failure?.kind, 'hang');
    assert.equal(r.failure!.input[0], 0);
    assert.ok(formatFailure(r).includes(join(t.dir, 'self-test-hang-seed7-hang.bin')));
  });

  test('memory held past the ceiling', async () => {
    const r = await runFuzz({ target: 'self-test-memory', seed: 7, runs: 500, corpus, saveDir: t.dir, memoryMb: 64 });
    assert.equal(r.failure?.kind, 'memory', formatFailure(r));
    assert.equal(r.failure!.input[0], 0);
  });

  test('no failure: every input run, none reported', async () => {
    const r = await runFuzz({ target: 'self-test-throw', seed: 7, runs: 0, corpus, saveDir: t.dir });
    assert.equal(r.failure, undefined);
  });
});
