/**
 * bench/pack-write-run: the xtest-pack side of bench/pack-write, as its own process so that GNU
 * time measures it like `git pack-objects`. Reads an object list (`git rev-list --objects`
 * output: an id, then optionally a space and a path, per line), opens the repository, reads
 * each object once for its type and size (keeping its data within a budget, as export does), then
 * writes the pack with writePackFiles. Prints one JSON line on stdout: the written pack and the time of each phase.
 *
 *   node dist/bench/pack-write-run.js --repo <path> --list <file> --out <dir>
 *        [--window N] [--depth N] [--no-delta] [--backend node|portable] [--threads N]
 *
 * `--window 0` is written as `delta: false` (git's --window=0 writes no delta either). The writer
 * runs with `verify: false`, as export's does: the scan read every object through the odb,
 * which checks it against its id.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getBackend } from '../src/backend/index.js';
import { packSources, writePackFiles } from '../src/export/pack-dir.js';
import { nodeStorage } from '../src/fs/node-storage.js';
import { Repository } from '../src/odb/repository.js';
import { fromHex } from '../src/pack/oid.js';

const { values } = parseArgs({
  options: {
    repo: { type: 'string' },
    list: { type: 'string' },
    out: { type: 'string' },
    window: { type: 'string', default: '10' },
    depth: { type: 'string', default: '50' },
    'no-delta': { type: 'boolean', default: false },
    backend: { type: 'string' },
    threads: { type: 'string' },
  },
  strict: true,
});
if (values.repo === undefined || values.list === undefined || values.out === undefined) {
  process.stderr.write('usage: pack-write-run --repo <path> --list <file> --out <dir> [--window N] [--depth N] [--no-delta] [--backend B]\n');
  process.exit(2);
}
const window = Number(values.window);
const depth = Number(values.depth);
const delta = !values['no-delta'] && window > 0;

const t0 = performance.now();
const backend = getBackend(values.backend);
const repo = Repository.open(values.repo, nodeStorage, backend);
const items: { oid: Uint8Array; path: string }[] = [];
const t1 = performance.now();
for (const line of readFileSync(values.list, 'latin1').split('\n')) {
  if (line === '') continue;
  const sp = line.indexOf(' ');
  const hex = sp < 0 ? line : line.slice(0, sp);
  // rev-list prints paths as bytes; latin1 keeps one char per byte, which is what the name hash reads.
  const path = sp < 0 ? '' : line.slice(sp + 1);
  const oid = fromHex(hex);
  if (!oid) throw new Error(`not an object id: ${hex}`);
  items.push({ oid, path });
}
// As export does: each object read once for its type and size, its data kept for the writer
// within a budget.
const objects = packSources(repo.odb, items);
const t2 = performance.now();
// As export does: the objects were checked against their ids when read (the odb verifies), so
// the writer does not hash them again (verify: false).
const threads = values.threads === undefined ? {} : { threads: Number(values.threads) };
const written = writePackFiles(values.out, objects, backend, repo.format, { ...(delta ? { window, depth } : { delta: false }), verify: false, ...threads });
const t3 = performance.now();
repo.close();
process.stdout.write(
  `${JSON.stringify({
    objects: written.count,
    deltas: written.deltas,
    size: written.size,
    packPath: written.packPath,
    idxPath: written.idxPath,
    seconds: { startup: t0 / 1000, open: (t1 - t0) / 1000, scan: (t2 - t1) / 1000, write: (t3 - t2) / 1000 },
  })}\n`,
);
