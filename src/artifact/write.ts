/**
 * Writing a test-data artifact: a pack directory's packs, idx files and manifest as the
 * deterministic `.tar.gz` that `xtest-pack pack` and `xtest-pack fetch` write (the same
 * directory gives the same bytes, whoever made it):
 *
 *   xtest-pack/pack-<checksum>.idx    mode 0644, mtime 0, owner 0/0, names sorted
 *   xtest-pack/pack-<checksum>.pack
 *   xtest-pack/xtest-pack.json
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { MANIFEST_NAME } from '../manifest/read.js';
import { encodeTarGz } from './encode.js';
import { ARTIFACT_DIRECTORY, PACK_FILE } from './open.js';
import type { TarEntry } from './tar/header.js';

/**
 * Write the pack directory `dir` as a deterministic artifact `.tar.gz` at `file` (atomically);
 * returns its size in bytes.
 * @throws IO
 * @example
 *   writeArtifactTar('test-data', 'left-pad-1.3.0.xtest-pack.tar.gz');
 */
export function writeArtifactTar(dir: string, file: string): number {
  const names = readdirSync(dir).filter((n) => PACK_FILE.test(n) || n === MANIFEST_NAME).sort();
  const entries: TarEntry[] = names.map((name) => ({
    path: `${ARTIFACT_DIRECTORY}/${name}`,
    type: 'file',
    mode: 0o644,
    data: readFileSync(join(dir, name)),
  }));
  const bytes = encodeTarGz(entries);
  writeFileAtomic(file, bytes);
  return bytes.length;
}
