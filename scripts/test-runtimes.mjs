#!/usr/bin/env node
// npm run test:deno, npm run test:bun: the pack and object-database tests, as compiled to
// dist/test, under Deno or Bun: test/pack, test/odb and their comparisons with git (test/git)
// with the `node` backend (node:zlib and node:crypto as that runtime provides them, what
// getBackend() picks there, and the part most likely to differ), then test/pack and test/odb
// with the `portable` one (pako and @noble/hashes: plain JavaScript, which Bun runs on
// JavaScriptCore, not V8). Both run node:test files as they are (`deno test`, `bun test`).
//
// The runtime comes from the npm registry (scripts/runtimes.mjs: one pinned package holding the
// binary, installed once into ~/.cache/xtest-pack/runtimes/); without it and without the
// registry, this fails with one line saying how to get it.
//
//   node scripts/test-runtimes.mjs deno|bun [--backend node|portable] [file-filter...]
//   (--backend: every file with that backend only)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError, ensureRuntime } from './runtimes.mjs';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const name = args.shift();
const bi = args.indexOf('--backend');
const only = bi >= 0 ? args.splice(bi, 2)[1] : undefined;
const filters = args;
const fail = (msg) => {
  process.stderr.write(`test:${name ?? 'runtimes'}: ${msg}\n`);
  process.exit(1);
};
if (name !== 'deno' && name !== 'bun') fail('usage: node scripts/test-runtimes.mjs deno|bun [--backend node|portable] [file-filter...]');

/** The pack and odb layers, and git's view of what they read and write. */
const GIT = ['idx', 'index-pack', 'read', 'verify', 'write', 'odb-errors', 'odb-ls-tree', 'odb-rev-parse', 'odb-walk'];
const dist = join(root, 'dist', 'test');
if (!existsSync(dist)) fail('no dist/test: run npm run build');
const files = [
  ...['pack', 'odb'].flatMap((d) => readdirSync(join(dist, d)).filter((n) => n.endsWith('.test.js')).sort().map((n) => `dist/test/${d}/${n}`)),
  ...GIT.map((n) => `dist/test/git/${n}.test.js`),
].filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
for (const f of files) if (!existsSync(join(root, f))) fail(`${f} is missing: run npm run build (or update the list in scripts/test-runtimes.mjs)`);
const runs = only
  ? [{ backend: only, files }]
  : [
      { backend: 'node', files },
      { backend: 'portable', files: files.filter((f) => !f.startsWith('dist/test/git/')) },
    ].filter((r) => r.files.length > 0);

let exe;
try {
  exe = ensureRuntime(name);
} catch (e) {
  fail(e instanceof RuntimeError ? e.message : (e?.stack ?? String(e)));
}
const version = `${name} ${/\d+\.\d+\.\d+\S*/.exec(spawnSync(exe, ['--version'], { encoding: 'utf8' }).stdout)?.[0] ?? '(version unknown)'}`;
const command = (files) =>
  name === 'deno'
    ? [exe, 'test', '--allow-all', '--no-check', ...files]
    : // bun test's own timeout is 5 s a test; the git comparisons take longer.
      [exe, 'test', '--timeout', '300000', ...files.map((f) => `./${f}`)];

const results = [];
for (const { backend, files } of runs) {
  process.stdout.write(`# test:${name}: ${version} (${exe}), backend ${backend}, ${files.length} files\n`);
  const t0 = performance.now();
  const [cmd, ...cmdArgs] = command(files);
  const r = spawnSync(cmd, cmdArgs, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, XTEST_PACK_BACKEND: backend, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1' },
  });
  results.push({ backend, files: files.length, ok: r.status === 0, seconds: (performance.now() - t0) / 1000 });
}
for (const r of results) {
  process.stdout.write(`# test:${name}: ${version}, backend ${r.backend}, ${r.files} files: ${r.ok ? 'passed' : 'FAILED'}, ${r.seconds.toFixed(0)} s\n`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
