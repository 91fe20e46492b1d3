#!/usr/bin/env node
// The README's first command: the test-data workflow on this repository's own fixtures/.
// 1. `xtest-pack manifest` writes xtest-pack.json (commit and paths, as `prepack` does);
// 2. `xtest-pack pack` exports fixtures/ at that commit into a temporary artifact .tar.gz;
// 3. the test helper, in pack mode (XTEST_PACK_OBJECTS=<artifact>), materializes the files
//    from the artifact alone into a second directory, every object verified;
// 4. every file is compared with the original.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'xtest-pack-demo-'));
const run = (args, env = {}) => {
  process.stdout.write(`$ xtest-pack ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env }, maxBuffer: 1 << 30 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`xtest-pack ${args.join(' ')} exited ${r.status}`);
  }
  return r.stdout.toString();
};
try {
  // --allow-dirty: a work tree with local changes still demonstrates; the manifest says dirty.
  const manifest = JSON.parse(run(['manifest', '--allow-dirty', '--json']));
  process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
  const artifact = join(dir, manifest.artifact);
  run(['pack', '--tar', artifact]);
  console.log(`artifact: ${artifact} (${statSync(artifact).size} bytes)`);

  // The helper as a test sees it from the published tarball: pack mode, the artifact alone.
  const { listedTestDataSync } = await import('../dist/src/index.js');
  const env = { ...process.env, XTEST_PACK_OBJECTS: artifact, XTEST_PACK_TMPDIR: join(dir, 'materialized') };
  delete env.XTEST_PACK_RECORD;
  const data = listedTestDataSync({ from: root, env });
  console.log(`test helper: mode ${data.mode}, files under ${data.root}`);

  const listed = run(['ls-tree', '-r', '--name-only', manifest.commit, ...manifest.paths]).split('\n').filter(Boolean);
  let same = 0;
  for (const p of listed) {
    const read = (base) => {
      const f = join(base, p);
      return statSync(f, { throwIfNoEntry: false }) && (readlinkSafe(f) ?? readFileSync(f));
    };
    const original = read(root);
    const fromPack = read(data.root);
    if (original && fromPack && Buffer.compare(Buffer.from(original), Buffer.from(fromPack)) === 0) same++;
    else console.log(`  ${p}: differs from the working tree (uncommitted changes?)`);
  }
  console.log(`materialized from the artifact alone: ${listed.length} files, ${same} identical to the originals`);
  if (same !== listed.length || listed.length === 0) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function readlinkSafe(p) {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}
