/**
 * A pack directory served over HTTP, read where there is no file system: a browser, a worker,
 * or any engine with `fetch`. Its files are fetched whole (a test-data pack is small), held in
 * memory behind the `Storage` interface, and read by the same object database as on Node:
 * every object on the way from the commit to each path is hashed and compared with its id.
 *
 *   <url>/pack-<id>.pack, <url>/pack-<id>.idx   each pack named in `packs` (HTTP has no directory
 *                                               listing; `xtest-pack export` prints the names)
 *   <url>/xtest-pack.json                       the export manifest, when there is one (it names the
 *                                               commit; a 404 means none)
 *
 * No `node:` module, no `Buffer`, no `process` (tsconfig.browser.json type-checks everything
 * reachable from src/browser/ with the DOM's types and no Node types).
 */
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { filesStorage } from '../fs/memory-storage.js';
import type { Storage } from '../fs/storage.js';
import { decodeExportManifest, type ExportManifest } from '../manifest/export-manifest.js';
import { fromHex, hashLength, toHex, type ObjectFormat } from '../pack/oid.js';
import { ObjectDatabase, type DatabaseOptions } from '../odb/database.js';
import { parseCommit } from '../odb/objects/commit.js';
import { packDirectoryFormat } from '../odb/open.js';
import { splitGitlinks, walkTree } from '../odb/walk.js';

/** What `fetchPackDirectory` needs of `fetch`. */
export type FetchFunction = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

export interface FetchPackDirectoryOptions {
  /** The zlib and hash implementation: `createPortableBackend()` in a browser. */
  backend: Backend;
  /** The packs' file names (`pack-<id>.pack`). */
  packs: readonly string[];
  /** The `fetch` to use (default: the global one). */
  fetch?: FetchFunction;
  signal?: AbortSignal;
  /** As for any object database; `verify` is on unless turned off here. */
  database?: DatabaseOptions;
}

export interface HttpPackDirectory {
  /** The directory's URL, ending in '/'. */
  readonly url: string;
  readonly format: ObjectFormat;
  readonly odb: ObjectDatabase;
  /** The directory's xtest-pack.json, when it has one. */
  readonly manifest: ExportManifest | undefined;
  /** The packs read, by file name. */
  readonly packs: readonly string[];
}

export interface ReadFile {
  readonly path: string;
  /** Octal mode as git writes it: 100644, 100755, 120000 (a symlink: `data` is its target). */
  readonly mode: string;
  readonly oid: string;
  readonly data: Uint8Array;
}

export interface ReadFilesOptions {
  /** The commit (full id in hex); default: the one the directory's manifest names. */
  commit?: string;
}

const PACK_NAME = /^pack-[0-9a-f]{40}(?:[0-9a-f]{24})?\.pack$/;
const ROOT = '/';

/**
 * Fetch a pack directory's packs, idx files and manifest, and open them as an object database.
 * @throws USAGE for a URL that is not one, a pack name that is not `pack-<id>.pack`, or none;
 *         PACK_MISSING / IDX_MISSING for a 404; REMOTE_ERROR for another HTTP error; NETWORK
 *         when the request fails; MANIFEST_CORRUPT; IDX_CORRUPT and the pack errors on opening.
 * @example
 *   const dir = await fetchPackDirectory('/test-data/', { backend: createPortableBackend(), packs: ['pack-1f2e….pack'] });
 *   const [file] = readFiles(dir, ['fixtures/a.json']);
 */
export async function fetchPackDirectory(url: string | URL, options: FetchPackDirectoryOptions): Promise<HttpPackDirectory> {
  // A relative URL is relative to the page (there is no page outside a browser).
  const page = (globalThis as { location?: { href: string } }).location?.href;
  let base: string;
  try {
    base = new URL(url, page).href.replace(/\/*$/, '/');
  } catch (e) {
    throw new XtestPackError('USAGE', `not a URL${page === undefined ? ' (a relative one needs a page)' : ''}: ${JSON.stringify(String(url))}`, { cause: e });
  }
  const get = async (name: string, missing: 'PACK_MISSING' | 'IDX_MISSING' | undefined): Promise<Uint8Array | undefined> => {
    const where = base + name;
    const doFetch: FetchFunction = options.fetch ?? ((u, init) => globalThis.fetch(u, init));
    let res: Response;
    try {
      res = await doFetch(where, options.signal === undefined ? {} : { signal: options.signal });
    } catch (e) {
      throw new XtestPackError('NETWORK', `fetching failed: ${e instanceof Error ? e.message : String(e)}`, { file: where, cause: e });
    }
    if (res.status === 404 && missing === undefined) return undefined;
    if (res.status === 404) throw new XtestPackError(missing!, 'not found (HTTP 404)', { file: where });
    if (!res.ok) throw new XtestPackError('REMOTE_ERROR', `HTTP ${res.status}`, { file: where });
    return new Uint8Array(await res.arrayBuffer());
  };

  const { packs } = options;
  if (packs.length === 0) throw new XtestPackError('USAGE', 'no pack named (options.packs)');
  for (const p of packs) {
    if (!PACK_NAME.test(p)) throw new XtestPackError('USAGE', `${JSON.stringify(p)} is not a pack file name (pack-<id>.pack)`);
  }
  const files = new Map<string, Uint8Array>();
  const [manifestBytes] = await Promise.all([
    get('xtest-pack.json', undefined),
    ...packs.flatMap((p) => {
      const idx = p.replace(/\.pack$/, '.idx');
      return [
        get(p, 'PACK_MISSING').then((b) => void files.set(p, b!)),
        get(idx, 'IDX_MISSING').then((b) => void files.set(idx, b!)),
      ];
    }),
  ]);
  const manifest = manifestBytes === undefined ? undefined : decodeExportManifest(new TextDecoder().decode(manifestBytes), `${base}xtest-pack.json`);

  const storage = memoryStorage(files);
  const format = packDirectoryFormat(ROOT, storage, options.backend);
  if (manifest !== undefined && manifest.objectFormat !== format) {
    throw new XtestPackError('FORMAT_MISMATCH', `the manifest says ${manifest.objectFormat}, the packs are ${format}`, { file: `${base}xtest-pack.json` });
  }
  const odb = ObjectDatabase.open(ROOT, storage, options.backend, format, options.database ?? {});
  return { url: base, format, odb, manifest, packs: [...packs].sort() };
}

/**
 * The files at `paths` (files, or directories: everything below) in the commit's tree, each
 * object on the way verified against its id; in git's order. Submodules are left out.
 * @throws USAGE for a bad commit id or pathspec; PATHSPEC_UNMATCHED; OBJECT_MISSING,
 *         OID_MISMATCH, OBJECT_CORRUPT and the pack errors.
 * @example
 *   for (const f of readFiles(dir, ['fixtures'])) console.log(f.path, f.data.length);
 */
export function readFiles(dir: Pick<HttpPackDirectory, 'odb' | 'manifest'>, paths: readonly string[], options: ReadFilesOptions = {}): ReadFile[] {
  const { odb } = dir;
  const hex = options.commit ?? dir.manifest?.commit;
  if (hex === undefined) throw new XtestPackError('USAGE', 'no commit given and no manifest naming one');
  const oid = hex.length === hashLength(odb.format) * 2 ? fromHex(hex) : undefined;
  if (oid === undefined) throw new XtestPackError('USAGE', `not a full ${odb.format} object id: ${JSON.stringify(hex)}`);
  const commit = parseCommit(odb.get(oid, 'commit').data, odb.format, hex);
  const walk = walkTree(odb, commit.tree, paths, { literal: true });
  if (walk.unmatched.length > 0) {
    throw new XtestPackError('PATHSPEC_UNMATCHED', `pathspec '${walk.unmatched[0]}' matched nothing in commit ${hex}`, { path: walk.unmatched[0] });
  }
  return splitGitlinks(walk.entries).files.map((e) => ({ path: e.path, mode: e.mode.toString(8), oid: toHex(e.oid), data: odb.get(e.oid, 'blob').data }));
}

/**
 * A read-only `Storage` over files in memory, all in one directory `/`.
 * @example
 *   const storage = memoryStorage(new Map([['pack-1.pack', bytes]]));
 */
export function memoryStorage(files: ReadonlyMap<string, Uint8Array>): Storage {
  return filesStorage(new Map([...files].map(([name, data]) => [`/${name}`, data])), (path) => path.slice(1));
}
