/**
 * bench/untracked: the untracked files of a work tree, side by side:
 *
 *   git ls-files          git ls-files -o --exclude-standard -z -- <paths>, its whole process
 *   untrackedFiles, cold  the first call in this process: Repository.open, readIndex, the ignore
 *                         rules set up, the walk (the modules already loaded)
 *   untrackedFiles, warm  the same calls again (the file system's caches warm for both)
 *   walk only             untrackedFiles given the index and ignore rules of an earlier call
 *
 * Usage (after `npm run build`): node dist/bench/untracked.js [--repo <path>] [--runs N] [-- <paths>]
 * The repository is only read. The lists are compared (a difference is an error).
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { getBackend } from '../src/backend/index.js';
import { nodeStorage } from '../src/fs/node-storage.js';
import { IgnoreRules } from '../src/odb/ignore.js';
import { readIndex } from '../src/odb/index-read.js';
import { Repository } from '../src/odb/repository.js';
import { untrackedFiles } from '../src/odb/untracked.js';
import { BenchError, fmtX, median, repoRoot, table } from './lib.js';

const { values, positionals } = parseArgs({ options: { repo: { type: 'string' }, runs: { type: 'string' } }, allowPositionals: true });
const repoPath = values.repo ?? repoRoot;
const runs = Number(values.runs ?? '15');
const paths = positionals;
const backend = getBackend();

function gitOnce(): { ms: number; list: string[] } {
  const t0 = performance.now();
  const r = spawnSync('git', ['ls-files', '-o', '--exclude-standard', '-z', '--', ...paths], { cwd: repoPath, maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new BenchError(`git ls-files failed: ${r.stderr.toString()}`);
  return { ms, list: r.stdout.toString('utf8').split('\0').filter((p) => p !== '') };
}

function oursOnce(): { ms: number; list: string[] } {
  const t0 = performance.now();
  const repo = Repository.open(repoPath, nodeStorage, backend);
  const { entries } = untrackedFiles(repo, paths);
  const ms = performance.now() - t0;
  repo.close();
  return { ms, list: entries.map((e) => (e.kind === 'repository' ? `${e.path}/` : e.path)) };
}

const cold = oursOnce();
const first = gitOnce();
if (JSON.stringify(cold.list) !== JSON.stringify(first.list)) {
  throw new BenchError(`lists differ:\n git: ${JSON.stringify(first.list)}\n ours: ${JSON.stringify(cold.list)}`);
}
const gitMs: number[] = [];
const warmMs: number[] = [];
for (let i = 0; i < runs; i++) {
  gitMs.push(gitOnce().ms);
  warmMs.push(oursOnce().ms);
}
const repo = Repository.open(repoPath, nodeStorage, backend);
const index = readIndex(repo);
const walkMs: number[] = [];
for (let i = 0; i < runs; i++) {
  const ignore = IgnoreRules.forRepository(repo, { index });
  const t0 = performance.now();
  untrackedFiles(repo, paths, { index, ignore });
  walkMs.push(performance.now() - t0);
}
repo.close();

const g = median(gitMs);
const rows = [
  ['git ls-files -o --exclude-standard', g.toFixed(1), '1.00x'],
  ['untrackedFiles, cold (first call)', cold.ms.toFixed(1), fmtX(cold.ms / g)],
  ['untrackedFiles, warm', median(warmMs).toFixed(1), fmtX(median(warmMs) / g)],
  ['walk only (index, rules given)', median(walkMs).toFixed(1), fmtX(median(walkMs) / g)],
];
console.log(`${repoPath} -- ${paths.join(' ') || '(everything)'}: ${first.list.length} untracked, ${index.entries.length} index entries, median of ${runs}`);
for (const line of table(['', 'ms', 'vs git'], rows)) console.log(line);
