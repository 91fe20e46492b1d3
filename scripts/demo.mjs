#!/usr/bin/env node
// The README's first command: export this repository's fixtures/ and README.md at HEAD into a
// temporary pack directory with xtest-pack alone, show the manifest and sizes, check the pack
// with `xtest-pack verify`, then read every exported file back from the pack directory alone
// (no repository) and compare it with the file in the working tree.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'xtest-pack-demo-'));
const run = (args) => {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, maxBuffer: 1 << 30 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`xtest-pack ${args.join(' ')} exited ${r.status}`);
  }
  return r.stdout;
};
try {
  const out = join(dir, 'test-data');
  process.stdout.write(`$ xtest-pack export --allow-dirty --out ${out} fixtures/ README.md\n`);
  process.stdout.write(run(['export', '--allow-dirty', '--out', out, 'fixtures/', 'README.md']));
  const manifest = JSON.parse(readFileSync(join(out, 'xtest-pack.json'), 'utf8'));
  const sizes = readdirSync(out).map((n) => `${n} (${statSync(join(out, n)).size} bytes)`);
  console.log(`pack directory: ${sizes.join(', ')}`);
  console.log(`commit ${manifest.commit}, ${manifest.files.length} files, pathspecs ${manifest.pathspecs.join(' ')}`);

  run(['verify', join(out, readdirSync(out).find((n) => n.endsWith('.idx')))]);
  console.log('xtest-pack verify: ok');

  let same = 0;
  for (const f of manifest.files) {
    if (f.mode === '120000') continue;
    const fromPack = run(['cat-file', 'blob', `${manifest.commit}:${f.path}`, '--objects', out]);
    const id = run(['rev-parse', `${manifest.commit}:${f.path}`, '--objects', out]).toString().trim();
    if (id !== f.oid) throw new Error(`${f.path}: the pack gives ${id}, the manifest says ${f.oid}`);
    let onDisk;
    try {
      onDisk = readFileSync(join(root, f.path));
    } catch {
      onDisk = undefined;
    }
    if (onDisk && Buffer.compare(onDisk, fromPack) === 0) same++;
    else console.log(`  ${f.path}: differs from the working tree (uncommitted changes?)`);
  }
  console.log(`read back from the pack directory alone: ${manifest.files.length} files, ${same} identical to the working tree`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
