/**
 * The test-data artifact: a pack directory (`pack-*.pack`, `pack-*.idx`, `xtest-pack.json`), or
 * the same three files in a deterministic `NAME-VERSION.xtest-pack.tar.gz` under `xtest-pack/`,
 * ready to attach to a release. Either form opens as an object database; the `.tar.gz` is read
 * into memory (test data are small) and never unpacked to disk.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { decodeTarGz } from '../artifact/decode.js';
import { encodeTarGz } from '../artifact/encode.js';
import type { TarEntry } from '../artifact/tar/header.js';
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { decodeExportManifest, MANIFEST_NAME, readExportManifest, type ExportManifest } from '../manifest/index.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { nodeStorage } from '../fs/node-storage.js';
import type { ObjectDatabase } from '../odb/database.js';
import { openPackDirectory } from '../odb/open.js';
import type { ClosableSource, Storage } from '../fs/storage.js';
import { bytesSource } from '../pack/source.js';

/** The directory the `.tar.gz` holds its files in. */
export const ARTIFACT_DIRECTORY = 'xtest-pack';
/** More than any test data; an artifact inflating past it is refused, not allocated. */
const MAX_ARTIFACT_SIZE = 4 * 1024 ** 3;

const PACK_FILE = /^pack-[0-9a-f]{40}([0-9a-f]{24})?\.(pack|idx)$/;

export interface OpenedTestData {
  readonly odb: ObjectDatabase;
  /** The export manifest the artifact carries, when it has one. */
  readonly manifest: ExportManifest | undefined;
  close(): void;
}

/** Is `location` an artifact file (rather than a pack directory)? */
export function isArtifactFile(location: string): boolean {
  try {
    return statSync(location).isFile();
  } catch {
    return /\.(tar\.gz|tgz)$/.test(location);
  }
}

/**
 * Open test data: a pack directory, or an artifact `.tar.gz` read into memory.
 * @throws ARCHIVE_CORRUPT for a damaged `.tar.gz`, IO, and the errors of opening packs.
 * @example
 *   const data = openTestData(process.env.XTEST_PACK_OBJECTS!, backend);
 */
export function openTestData(location: string, backend: Backend): OpenedTestData {
  if (!isArtifactFile(location)) {
    const opened = openPackDirectory(location, nodeStorage, backend);
    let manifest: ExportManifest | undefined;
    try {
      manifest = readExportManifest(location);
    } catch (e) {
      opened.close();
      throw e;
    }
    return { odb: opened.odb, manifest, close: () => opened.close() };
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(location);
  } catch (e) {
    throw new XtestPackError('IO', `cannot read: ${(e as Error).message}`, { file: location, cause: e });
  }
  const files = new Map<string, Uint8Array>();
  for (const entry of decodeTarGz(bytes, backend, { maxSize: MAX_ARTIFACT_SIZE, file: location })) {
    if (entry.type !== 'file') continue;
    const slash = entry.path.indexOf('/');
    const name = entry.path.slice(slash + 1);
    if (slash < 0 || entry.path.slice(0, slash) !== ARTIFACT_DIRECTORY || name.includes('/')) continue;
    if (PACK_FILE.test(name) || name === MANIFEST_NAME) files.set(`/${ARTIFACT_DIRECTORY}/${name}`, entry.data);
  }
  if (![...files.keys()].some((k) => k.endsWith('.pack'))) {
    throw new XtestPackError('ARCHIVE_CORRUPT', `no ${ARTIFACT_DIRECTORY}/pack-*.pack in the archive`, { file: location });
  }
  const manifestBytes = files.get(`/${ARTIFACT_DIRECTORY}/${MANIFEST_NAME}`);
  const manifest = manifestBytes && decodeExportManifest(new TextDecoder().decode(manifestBytes), `${location}:${ARTIFACT_DIRECTORY}/${MANIFEST_NAME}`);
  const opened = openPackDirectory(`/${ARTIFACT_DIRECTORY}`, memoryStorage(files, location), backend);
  return { odb: opened.odb, manifest, close: () => opened.close() };
}

/**
 * Write the pack directory `dir` as a deterministic artifact `.tar.gz` at `file`.
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

/** Storage over files held in memory, named `/<dir>/<name>`; `label` names them in errors. */
function memoryStorage(files: ReadonlyMap<string, Uint8Array>, label: string): Storage {
  const isDir = (path: string) => path === '/' || [...files.keys()].some((k) => k.startsWith(`${path.replace(/\/+$/, '')}/`));
  return {
    readFile: (path) => files.get(path),
    readDir(path) {
      if (!isDir(path)) return undefined;
      const prefix = `${path.replace(/\/+$/, '')}/`;
      const names = new Set<string>();
      for (const k of files.keys()) if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]!);
      return [...names];
    },
    openSource(path): ClosableSource | undefined {
      const data = files.get(path);
      return data && { ...bytesSource(data, `${label}:${basename(path)}`), close() {} };
    },
    kind: (path) => (files.has(path) ? 'file' : isDir(path) ? 'dir' : undefined),
    resolve(path, base) {
      const parts: string[] = [];
      for (const c of (path.startsWith('/') || base === undefined ? path : `${base}/${path}`).split('/')) {
        if (c === '' || c === '.') continue;
        if (c === '..') parts.pop();
        else parts.push(c);
      }
      return `/${parts.join('/')}`;
    },
  };
}
