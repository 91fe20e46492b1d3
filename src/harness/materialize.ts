/**
 * Pack mode: the files a package manifest lists, checked out of the test data (every object
 * verified from the commit down) into a directory keyed by the commit and the paths, shared by
 * every test process of the run, under a directory private to the user.
 *
 * A materialization is staged in a fresh directory beside its final place and renamed there
 * only once complete, with a marker naming what it holds: a directory under the final name is
 * whole, and a staging directory (from a run that failed or was killed) is never read. Two
 * processes racing both stage; the first rename wins and the other uses its result.
 */
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backend/types.js';
import { checkoutFromDatabase } from '../checkout/checkout.js';
import { XtestPackError } from '../errors.js';
import { toHex } from '../pack/oid.js';
import { openTestData } from '../artifact/open.js';
import { adviseFor, checkTestData } from './check.js';
import type { PackageManifest } from '../manifest/index.js';

/** The file whose content says a materialization is complete and what it holds. */
export const COMPLETE_MARKER = '.xtest-pack-complete';

export interface MaterializeOptions {
  /** A pack directory or an artifact `.tar.gz`. */
  objects: string;
  manifest: PackageManifest;
  /** The package manifest's file, for messages. */
  manifestFile?: string;
  /** The directory materializations live under. */
  base: string;
  backend: Backend;
  /** Told, once, when the data are of another commit with the same ids (they are used). */
  onNotice?: (line: string) => void;
}

/**
 * The directory holding the manifest's paths (relative to the package root), made if needed.
 * @throws OBJECT_MISSING, OID_MISMATCH, ARCHIVE_CORRUPT, PACK_CORRUPT, UNSAFE_PATH, and
 *         TESTDATA_MISMATCH when the test data are for another commit; nothing is left that a
 *         later run would trust.
 * @example
 *   const dir = materialize({ objects: 'left-pad-1.3.0.xtest-pack.tar.gz', manifest, base: tmpdir(), backend });
 */
export function materialize(options: MaterializeOptions): string {
  const { manifest, backend } = options;
  const { marker, key } = selectionKey(manifest, backend);
  const parent = privateDirectory(options.base);
  const final = join(parent, `${manifest.commit}-${key}`);
  if (isComplete(final, marker)) return final;

  const staging = mkdtempSync(join(parent, '.staging-'));
  try {
    checkOut(options, staging);
    writeFileSync(join(staging, COMPLETE_MARKER), marker);
    try {
      renameSync(staging, final);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      // Another process finished first; a directory there without the right marker is not ours
      // to trust, and not ours to remove either.
      rmSync(staging, { recursive: true, force: true });
      if (!isComplete(final, marker)) {
        throw new XtestPackError('IO', 'is in the way of the test-data materialization (not made by this xtest-pack): remove it', { file: final });
      }
    }
    return final;
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

/** What a materialization (or a fetch) holds, as its marker's text, and a short key of it. */
export function selectionKey(manifest: PackageManifest, backend: Backend): { marker: string; key: string } {
  const marker = `${JSON.stringify({ commit: manifest.commit, directory: manifest.directory, paths: manifest.paths })}\n`;
  return { marker, key: toHex(backend.createHash('sha256').update(new TextEncoder().encode(marker)).digest()).slice(0, 16) };
}

/**
 * Where the materializations under `base` live: `<base>/xtest-pack-<uid>` (`xtest-pack` where
 * there are no user ids).
 * @example
 *   rmSync(materializationsDirectory(tmpdir()), { recursive: true, force: true });
 */
export function materializationsDirectory(base: string): string {
  return join(base, typeof process.getuid === 'function' ? `xtest-pack-${process.getuid()}` : 'xtest-pack');
}

/**
 * `materializationsDirectory(base)`, made private: the base is often a shared temporary directory, where
 * another user could otherwise plant a complete-looking materialization for us to trust.
 * @throws IO when it exists and is not a directory of ours that only we can write.
 */
export function privateDirectory(base: string): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const dir = materializationsDirectory(base);
  mkdirSync(base, { recursive: true });
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new XtestPackError('IO', `cannot create: ${(e as Error).message}`, { file: dir, cause: e });
  }
  const st = lstatSync(dir);
  if (!st.isDirectory() || (uid !== undefined && (st.uid !== uid || (st.mode & 0o022) !== 0))) {
    throw new XtestPackError('IO', 'is not a directory of this user that only it can write: refusing to trust what it holds (remove it)', { file: dir });
  }
  return dir;
}

function isComplete(dir: string, marker: string): boolean {
  try {
    return readFileSync(join(dir, COMPLETE_MARKER), 'utf8') === marker;
  } catch {
    return false;
  }
}

function checkOut(options: MaterializeOptions, out: string): void {
  const { manifest, backend } = options;
  if (manifest.paths.length === 0) return;
  let data;
  try {
    data = openTestData(options.objects, backend);
  } catch (e) {
    throw adviseFor(e, manifest);
  }
  try {
    let checked;
    try {
      checked = checkTestData(data, manifest, { backend, ...(options.manifestFile ? { manifestFile: options.manifestFile } : {}) });
    } catch (e) {
      throw adviseFor(e, manifest);
    }
    if (checked.otherCommit !== undefined) {
      options.onNotice?.(`the test data at ${options.objects} are of commit ${checked.otherCommit}, not ${manifest.commit}; the paths ${manifest.name} lists have the same ids there, so they are used`);
    }
    try {
      // The package's own tree (in a monorepo, a subtree), reached through verified objects.
      checkoutFromDatabase(data.odb, { objects: options.objects, oid: checked.tree, out, pathspecs: manifest.paths, literal: true, backend });
    } catch (e) {
      // Name the test data when the layers below could not: "object not found" alone says
      // nothing about which artifact lacks it.
      throw adviseFor(e instanceof XtestPackError ? e.withFile(options.objects) : e, manifest);
    }
  } finally {
    data.close();
  }
}
