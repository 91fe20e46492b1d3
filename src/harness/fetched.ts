/**
 * XTEST_PACK_FETCH=1: where the test data are not here and no artifact is named, fetch them
 * from the repository the package manifest names (`xtest-pack fetch`: git's protocol, exactly
 * the listed paths at the manifest's commit), once per commit and paths, into the same private
 * cache the materializations live in. Parallel test processes race safely: each fetches aside
 * and renames; the first rename wins, the others use its result.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../backend/types.js';
import { XtestPackError, type ErrorCode } from '../errors.js';
import { MANIFEST_NAME, type PackageManifest } from '../manifest/index.js';
import { privateDirectory, selectionKey } from './materialize.js';

/** The longest a fetch may take before it counts as stalled as a whole (each read has its own idle timeout). */
const FETCH_TIMEOUT_MS = 30 * 60_000;

export interface FetchedOptions {
  manifest: PackageManifest;
  /** The directory materializations (and fetches) live under. */
  base: string;
  backend: Backend;
  env: NodeJS.ProcessEnv;
}

/**
 * The pack directory of the manifest's test data, fetched if not yet here.
 * @throws the fetch's errors (NETWORK, AUTH_FAILED, REMOTE_ERROR, UNSUPPORTED_REMOTE,
 *         OBJECT_MISSING, ...), with what a packager can do; PACKAGE_INVALID when the manifest
 *         names no repository.
 * @example
 *   const objects = fetchedTestData({ manifest, base: tmpdir(), backend, env: process.env });
 */
export function fetchedTestData(options: FetchedOptions): string {
  const { manifest, backend } = options;
  if (manifest.repository === undefined) {
    throw new XtestPackError('PACKAGE_INVALID', `XTEST_PACK_FETCH=1, but ${manifest.name}'s xtest-pack.json names no repository to fetch from: set XTEST_PACK_OBJECTS to the artifact ${manifest.artifact}`);
  }
  const parent = privateDirectory(options.base);
  const final = join(parent, `fetched-${manifest.commit}-${selectionKey(manifest, backend).key}`);
  if (isFetched(final)) return final;
  const aside = join(parent, `.fetching-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    const child = fileURLToPath(new URL('../fetch/child.js', import.meta.url));
    const r = spawnSync(process.execPath, [child, JSON.stringify({ manifest, out: aside, backend: backend.name })], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env,
      timeout: FETCH_TIMEOUT_MS,
    });
    if (r.error !== undefined || r.status !== 0) throw fetchFailure(r.stdout, r.stderr, r.error, manifest);
    try {
      renameSync(aside, final);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Another process finished first: its result is the same data.
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !isFetched(final)) throw e;
    }
    return final;
  } finally {
    rmSync(aside, { recursive: true, force: true });
  }
}

function isFetched(dir: string): boolean {
  try {
    const names = readdirSync(dir);
    return names.includes(MANIFEST_NAME) && names.some((n) => n.endsWith('.pack'));
  } catch {
    return false;
  }
}

function fetchFailure(stdout: string, stderr: string, error: Error | undefined, manifest: PackageManifest): XtestPackError {
  const advice = `; or get the artifact ${manifest.artifact} and set XTEST_PACK_OBJECTS to it`;
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    const e = JSON.parse(line) as { code: ErrorCode; reason: string; file?: string; offset?: number; oid?: string; path?: string };
    return new XtestPackError(e.code, `fetching the test data of ${manifest.name} ${manifest.version}: ${e.reason}${advice}`, { file: e.file, offset: e.offset, oid: e.oid, path: e.path });
  } catch {
    const why = error?.message ?? stderr.trim().split('\n').slice(-1)[0] ?? 'it failed';
    return new XtestPackError('IO', `fetching the test data of ${manifest.name} ${manifest.version}: ${why}${advice}`, { file: manifest.repository, cause: error });
  }
}
