#!/usr/bin/env node
// The README's first command until `xtest-pack export` exists: pack this repository's history
// with git (the reference), then index and verify that pack with xtest-pack alone, and show
// that xtest-pack's .idx is byte for byte git's.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'xtest-pack-demo-'));
const run = (cmd, args, input) => {
  const r = spawnSync(cmd, args, { input, maxBuffer: 1 << 30 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  }
  return r.stdout;
};
try {
  const objects = run('git', ['rev-list', '--objects', '--all']);
  mkdirSync(join(dir, 'git'));
  const hash = run('git', ['pack-objects', '-q', join(dir, 'git', 'pack')], objects).toString().trim();
  const gitPack = join(dir, 'git', `pack-${hash}.pack`);
  const ours = join(dir, 'ours.pack');
  copyFileSync(gitPack, ours);
  const t0 = performance.now();
  const printed = run(process.execPath, [cli, 'index-pack', ours]).toString().trim();
  const ms = performance.now() - t0;
  const same = Buffer.compare(readFileSync(join(dir, 'ours.idx')), readFileSync(gitPack.replace(/\.pack$/, '.idx'))) === 0;
  const stat = run(process.execPath, [cli, 'verify', '-s', ours]).toString();
  console.log(`pack of this repository: ${objects.toString().split('\n').length - 1} objects, checksum ${printed}`);
  console.log(`xtest-pack index-pack: ${ms.toFixed(0)} ms; .idx identical to git's: ${same ? 'yes' : 'NO'}`);
  process.stdout.write(stat);
  run(process.execPath, [cli, 'verify', ours]);
  console.log('xtest-pack verify: ok');
  if (!same) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
