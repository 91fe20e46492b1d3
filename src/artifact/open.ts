/**
 * Test data: a pack directory (`pack-*.pack`, `pack-*.idx`, `xtest-pack.json`), or the same
 * files under `xtest-pack/` in a deterministic `NAME-VERSION.xtest-pack.tar.gz` (the artifact).
 * Either form opens as an object database; the `.tar.gz` is read into memory (test data are
 * small) and never unpacked to disk.
 *
 * Opening checks the shape and says what is wrong in the terms of whoever holds the data: no
 * such file or directory and no pack there (the data are absent: TESTDATA_UNAVAILABLE), a pack
 * without its idx or an idx without its pack, an archive that is not gzip, is cut short, or
 * holds no `xtest-pack/` pack (damaged or not an artifact). `verifyChecksums` then hashes every
 * pack and idx whole against their trailers, which catches any changed byte without inflating
 * an object.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TRAILER_HASH, type Backend } from '../backend/types.js';
import { XtestPackError, ioError } from '../errors.js';
import { filesStorage } from '../fs/memory-storage.js';
import type { ClosableSource, Storage } from '../fs/storage.js';
import { nodeStorage } from '../fs/node-storage.js';
import { MANIFEST_NAME, decodeExportManifest, readExportManifest, type ExportManifest } from '../manifest/index.js';
import type { ObjectDatabase } from '../odb/database.js';
import { openPackDirectory } from '../odb/open.js';
import { bytesEqual } from '../pack/bytes.js';
import { idxChecksumHolds, idxFormat, idxLayout, decodeIdxHead, IDX_HEAD_LENGTH } from '../pack/idx/index.js';
import { hashLength, toHex } from '../pack/oid.js';
import { decodeTarGz } from './decode.js';

/** The directory the `.tar.gz` holds its files in. */
export const ARTIFACT_DIRECTORY = 'xtest-pack';
/** More than any test data; an artifact inflating past it is refused, not allocated. */
const MAX_ARTIFACT_SIZE = 4 * 1024 ** 3;
/** Bytes hashed at a time when checking a pack file in a directory. */
const CHUNK = 1 << 20;

/** The name of a pack or idx file (SHA-1 or SHA-256 pack checksum). */
export const PACK_FILE = /^pack-[0-9a-f]{40}([0-9a-f]{24})?\.(pack|idx)$/;
/** The name of an artifact, as `xtest-pack pack` writes it. */
export const ARTIFACT_FILE = /\.xtest-pack\.tar\.gz$/;

export interface OpenedTestData {
  readonly odb: ObjectDatabase;
  /**
   * The export manifest the data carry, when they have one: read when first asked for, so that
   * what does not need it (a checkout naming its commit and paths) does not depend on it.
   * @throws MANIFEST_CORRUPT, IO
   */
  readonly manifest: ExportManifest | undefined;
  /** `directory` or `archive`, and what the messages name: the directory or the `.tar.gz`. */
  readonly kind: 'directory' | 'archive';
  readonly location: string;
  /** Each pack and its idx, as messages name them and as `storage` reaches them. */
  readonly packs: readonly PackPair[];
  /** Where the files are: the file system, or the archive's files in memory. */
  readonly storage: Storage;
  close(): void;
}

export interface PackPair {
  /** A path in the directory, or `<archive>:xtest-pack/<name>`. */
  readonly pack: string;
  readonly idx: string;
  /** The paths in `storage`. */
  readonly packPath: string;
  readonly idxPath: string;
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
 * @throws TESTDATA_UNAVAILABLE (nothing there, or no pack in the directory: the data are absent),
 *         IDX_MISSING / PACK_MISSING (a pack without its idx, an idx without its pack),
 *         ARCHIVE_CORRUPT (a `.tar.gz` that is damaged or no artifact), MANIFEST_CORRUPT, IO,
 *         and the errors of opening an idx; each naming the file.
 * @example
 *   const data = openTestData(process.env.XTEST_PACK_OBJECTS!, backend);
 */
export function openTestData(location: string, backend: Backend): OpenedTestData {
  const st = statSync(location, { throwIfNoEntry: false });
  if (st === undefined) throw new XtestPackError('TESTDATA_UNAVAILABLE', 'no such file or directory', { file: location });
  return st.isDirectory() ? openDirectory(location, backend) : openArchive(location, backend);
}

function openDirectory(dir: string, backend: Backend): OpenedTestData {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw ioError(e, { file: dir }, 'read');
  }
  const packs = pairPacks(names, dir, (name) => join(dir, name), (name) => join(dir, name));
  if (packs.length === 0) {
    const artifact = names.find((n) => ARTIFACT_FILE.test(n));
    throw new XtestPackError(
      'TESTDATA_UNAVAILABLE',
      artifact !== undefined ? `no pack in this directory, but it holds ${artifact}: name that file instead` : 'no pack in this directory',
      { file: dir },
    );
  }
  const opened = openPackDirectory(dir, nodeStorage, backend);
  return withManifest({ odb: opened.odb, kind: 'directory', location: dir, packs, storage: nodeStorage, close: () => opened.close() }, () => readExportManifest(dir));
}

function openArchive(location: string, backend: Backend): OpenedTestData {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(location);
  } catch (e) {
    throw ioError(e, { file: location }, 'read');
  }
  const entries = decodeTarGz(bytes, backend, { maxSize: MAX_ARTIFACT_SIZE, file: location });
  const files = new Map<string, Uint8Array>();
  for (const entry of entries) {
    if (entry.type !== 'file') continue;
    const slash = entry.path.indexOf('/');
    const name = entry.path.slice(slash + 1);
    if (slash < 0 || entry.path.slice(0, slash) !== ARTIFACT_DIRECTORY || name.includes('/')) continue;
    if (PACK_FILE.test(name) || name === MANIFEST_NAME) files.set(name, entry.data);
  }
  const packs = pairPacks([...files.keys()].sort(), location, (name) => `${location}:${ARTIFACT_DIRECTORY}/${name}`, (name) => `/${ARTIFACT_DIRECTORY}/${name}`);
  if (packs.length === 0) {
    const top = [...new Set(entries.map((e) => e.path.split('/')[0]))].slice(0, 3).join(', ');
    throw new XtestPackError('ARCHIVE_CORRUPT', `not a test-data artifact: it holds no ${ARTIFACT_DIRECTORY}/pack-*.pack${top ? ` (it holds ${top}${top.startsWith('package') ? ': an npm tarball?' : ''})` : ''}`, { file: location });
  }
  const manifestBytes = files.get(MANIFEST_NAME);
  const manifest = () => manifestBytes && decodeExportManifest(new TextDecoder().decode(manifestBytes), `${location}:${ARTIFACT_DIRECTORY}/${MANIFEST_NAME}`);
  const storage = filesStorage(new Map([...files].map(([k, v]) => [`/${ARTIFACT_DIRECTORY}/${k}`, v])), (path) => `${location}:${ARTIFACT_DIRECTORY}/${basename(path)}`);
  const opened = openPackDirectory(`/${ARTIFACT_DIRECTORY}`, storage, backend);
  return withManifest({ odb: opened.odb, kind: 'archive', location, packs, storage, close: () => opened.close() }, manifest);
}

/** `data` with a `manifest` read by `read` when first asked for. */
function withManifest(data: Omit<OpenedTestData, 'manifest'>, read: () => ExportManifest | undefined): OpenedTestData {
  let manifest: { value: ExportManifest | undefined } | undefined;
  return Object.defineProperty(data, 'manifest', {
    get: () => (manifest ??= { value: read() }).value,
    enumerable: true,
  }) as OpenedTestData;
}

/**
 * The packs among `names`, each with its idx.
 * @throws IDX_MISSING (a pack without its idx), PACK_MISSING (an idx without its pack).
 */
function pairPacks(names: readonly string[], where: string, display: (name: string) => string, path: (name: string) => string): PackPair[] {
  const set = new Set(names);
  const out: PackPair[] = [];
  for (const n of names) {
    if (!PACK_FILE.test(n)) continue;
    const base = n.replace(/\.(pack|idx)$/, '');
    if (n.endsWith('.pack')) {
      if (!set.has(`${base}.idx`)) throw new XtestPackError('IDX_MISSING', `${n} has no idx (${base}.idx is missing)`, { file: where });
      out.push({ pack: display(n), idx: display(`${base}.idx`), packPath: path(n), idxPath: path(`${base}.idx`) });
    } else if (!set.has(`${base}.pack`)) {
      throw new XtestPackError('PACK_MISSING', `${n} has no pack (${base}.pack is missing)`, { file: where });
    }
  }
  return out;
}

/**
 * Hash every pack and idx of `data` whole and compare with their trailers (and each pack's
 * checksum with the one its idx names): any changed, lost or added byte is found, no object is
 * inflated.
 * @throws CHECKSUM_MISMATCH naming the file, IO.
 * @example
 *   verifyChecksums(data, backend);
 */
export function verifyChecksums(data: OpenedTestData, backend: Backend): void {
  for (const { pack, idx, packPath, idxPath } of data.packs) {
    const idxSource = openFile(data.storage, idxPath, idx);
    try {
      const packSource = openFile(data.storage, packPath, pack);
      try {
        verifyPair(idxSource, packSource, idx, pack, backend);
      } finally {
        packSource.close();
      }
    } finally {
      idxSource.close();
    }
  }
}

function verifyPair(idxSource: ClosableSource, packSource: ClosableSource, idx: string, pack: string, backend: Backend): void {
  const format = idxFormat(idxSource, backend);
  const h = hashLength(format);
  const layout = idxLayout(decodeIdxHead(idxSource.read(0, Math.min(IDX_HEAD_LENGTH, idxSource.size)), idxSource.size), idxSource.size, format);
  if (!idxChecksumHolds(idxSource, layout, backend)) throw new XtestPackError('CHECKSUM_MISMATCH', 'idx checksum does not match its contents', { file: idx });
  if (packSource.size < 12 + h) throw new XtestPackError('CHECKSUM_MISMATCH', `${packSource.size} bytes: too short for a pack`, { file: pack });
  const body = packSource.size - h;
  const hasher = backend.createHash(format, TRAILER_HASH);
  const buf = new Uint8Array(Math.min(CHUNK, body));
  for (let at = 0; at < body; at += buf.length) {
    const part = buf.subarray(0, Math.min(buf.length, body - at));
    packSource.readInto(at, part);
    hasher.update(part);
  }
  const trailer = packSource.read(body, h);
  if (!bytesEqual(hasher.digest(), trailer)) throw new XtestPackError('CHECKSUM_MISMATCH', 'pack checksum does not match its contents', { file: pack });
  const named = idxSource.read(layout.trailerAt, h);
  if (!bytesEqual(named, trailer)) {
    throw new XtestPackError('CHECKSUM_MISMATCH', `the idx names pack ${toHex(named)}, this pack is ${toHex(trailer)}: they do not belong together`, { file: pack });
  }
}

function openFile(storage: Storage, path: string, display: string): ClosableSource {
  const s = storage.openSource(path);
  if (!s) throw new XtestPackError('IO', 'vanished while being read', { file: display });
  return s;
}

