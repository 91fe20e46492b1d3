#!/usr/bin/env node
// npm run test:node-lines: the compiled test suite (dist/test, as `npm test` builds it) on each
// Node.js line CI tests besides the machine's own, with the node backend: the portable one is
// pako and @noble/hashes, plain JavaScript whose results do not depend on the Node line, and
// `npm test` already runs it; the node backend is node:zlib and node:crypto of that line, and
// everything else (the command line, the test helper under node:test, vitest, jest and mocha,
// require of ES modules) is the line's own too.
//
// Each line's official binary comes from the npm registry (scripts/runtimes.mjs: pinned,
// installed once into ~/.cache/xtest-pack/node-lines/<version>/); its bin directory goes first on
// PATH, so that `node` and npm's own scripts run on it as well. Without the binary and without
// the registry, this fails with one line saying how to get it.
//
//   node scripts/test-node-lines.mjs [--lines node22,node24] [--backend node|portable] [file-filter...]
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { NODE_LINES, RuntimeError, ensureRuntime, runtime } from './runtimes.mjs';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const take = (flag, fallback) => {
  const i = args.indexOf(flag);
  if (i < 0) return fallback;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const lines = take('--lines', NODE_LINES.join(',')).split(',');
const backend = take('--backend', 'node');
const filters = args;

let exes;
try {
  exes = lines.map((l) => ensureRuntime(l));
} catch (e) {
  process.stderr.write(`test:node-lines: ${e instanceof RuntimeError ? e.message : (e?.stack ?? e)}\n`);
  process.exit(1);
}

const results = [];
for (const [i, line] of lines.entries()) {
  const exe = exes[i];
  const version = spawnSync(exe, ['--version'], { encoding: 'utf8' }).stdout.trim();
  process.stdout.write(`# node-lines: ${line}: Node.js ${version} (${exe}), backend ${backend}\n`);
  const t0 = performance.now();
  const r = spawnSync(exe, [join(root, 'scripts', 'test.mjs'), '--backend', backend, ...filters], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${dirname(exe)}:${process.env['PATH'] ?? ''}` },
  });
  const seconds = (performance.now() - t0) / 1000;
  results.push({ line, version, ok: r.status === 0, seconds, expected: runtime(line).version });
}

process.stdout.write('# node-lines: summary\n');
for (const r of results) {
  const pinned = r.version === `v${r.expected}` ? '' : ` (pinned ${r.expected}!)`;
  process.stdout.write(`#   Node.js ${r.version}${pinned}: ${r.ok ? 'passed' : 'FAILED'}, backend ${backend}, ${r.seconds.toFixed(0)} s\n`);
}
process.exit(results.every((r) => r.ok && r.version === `v${r.expected}`) ? 0 : 1);
