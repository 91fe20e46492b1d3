#!/usr/bin/env node
// The README's first command: export this repository's fixtures/ and README.md at HEAD into a
// temporary pack directory with xtest-pack alone, show the manifest and sizes, check the pack
// with `xtest-pack verify`, then check the files out of the pack directory alone (no
// repository) into a second directory and compare them with the originals.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
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

  const second = join(dir, 'checkout');
  process.stdout.write(`$ xtest-pack checkout --objects ${out} --out ${second} ${manifest.commit}\n`);
  run(['checkout', '--objects', out, '--out', second, manifest.commit]);
  let same = 0;
  for (const f of manifest.files) {
    const p = join(second, f.path);
    const fromPack = f.mode === '120000' ? Buffer.from(readlinkSync(p)) : readFileSync(p);
    let original;
    try {
      original = f.mode === '120000' ? Buffer.from(readlinkSync(join(root, f.path))) : readFileSync(join(root, f.path));
    } catch {
      original = undefined;
    }
    if (original && Buffer.compare(original, fromPack) === 0) same++;
    else console.log(`  ${f.path}: differs from the working tree (uncommitted changes?)`);
  }
  console.log(`checked out from the pack directory alone: ${manifest.files.length} files, ${same} identical to the originals`);
  if (same !== manifest.files.length) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
