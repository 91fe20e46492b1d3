#!/usr/bin/env node
// Runs the compiled test suite once per backend (node, then portable), as CI does.
// Usage: node scripts/test.mjs [--backend node|portable] [file-filter...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
let backends = ['node', 'portable'];
const bi = args.indexOf('--backend');
if (bi >= 0) {
  backends = [args[bi + 1]];
  args.splice(bi, 2);
}
const filters = args;

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = find('dist/test').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files found under dist/test (run npm run build)');
  process.exit(1);
}
let failed = false;
for (const backend of backends) {
  console.log(`# backend: ${backend}`);
  const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {
    stdio: 'inherit',
    env: { ...process.env, XTEST_PACK_BACKEND: backend },
  });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
