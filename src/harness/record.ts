/**
 * Record mode: each path a test asks for is added to a pack directory, so that after a run it
 * holds the pack and manifest of everything the run used.
 *
 * Test files may run in parallel processes, so a recording takes a lock file in the directory
 * (created exclusively; one whose holder died is taken over), then exports the union of what
 * was recorded and what is asked now, from scratch, and swaps the result in. The directory
 * therefore always holds one pack that is a function of the set of paths and the commit alone:
 * the same run gives the same bytes, whatever order the processes came in.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backend/types.js';
import { XtestPackError, isXtestPackError } from '../errors.js';
import { exportTestData } from '../export/export.js';
import { MANIFEST_NAME, isCovered, normalizePathList, readExportManifest, type ExportManifest } from '../manifest/index.js';
import { nodeStorage } from '../fs/node-storage.js';
import { Repository } from '../odb/repository.js';
import { toHex } from '../pack/oid.js';
import { packageDirectory } from './package.js';

const LOCK_NAME = '.xtest-pack-record.lock';
/** How long a recording waits for another process's before giving up. */
const LOCK_TIMEOUT_MS = 120_000;
const PACK_FILE = /^pack-[0-9a-f]+\.(pack|idx)$/;

export interface RecordOptions {
  /** The package root; the repository is found from it. */
  root: string;
  /** The directory the recording goes to. */
  dir: string;
  /** Paths relative to the package root. */
  paths: readonly string[];
  /** Record even when the files differ from HEAD in the work tree. */
  allowDirty: boolean;
  backend: Backend;
}

/** Pathspecs this process has seen recorded, per directory: a second ask costs nothing. */
const seen = new Map<string, Set<string>>();

/**
 * Add `paths` to the recording in `dir` (at the repository's HEAD).
 * @throws DIRTY_WORKTREE (a file differs from HEAD; set XTEST_PACK_ALLOW_DIRTY=1 to record the
 *         committed version), PATHSPEC_UNMATCHED (not committed), NOT_A_REPOSITORY, IO.
 * @example
 *   recordPaths({ root, dir: 'test-data', paths: ['fixtures/a.json'], allowDirty: false, backend });
 */
export function recordPaths(options: RecordOptions): void {
  const { repo } = Repository.discover(options.root, nodeStorage, options.backend);
  let directory: string;
  let head: string;
  try {
    if (repo.workTree === undefined) throw new XtestPackError('NOT_A_REPOSITORY', 'record mode needs a git work tree', { file: options.root });
    directory = packageDirectory(options.root, repo.workTree);
    const h = repo.refs.resolve('HEAD');
    if (!h) throw new XtestPackError('UNKNOWN_REVISION', 'HEAD names no commit yet: commit the test data first', { file: repo.workTree });
    head = toHex(h.oid);
  } finally {
    repo.close();
  }
  const specs = options.paths.map((p) => (directory === '' ? p : `${directory}/${p}`));
  const mine = seen.get(options.dir) ?? new Set();
  seen.set(options.dir, mine);
  if (specs.every((s) => mine.has(`${head}\0${s}`))) return;

  mkdirSync(options.dir, { recursive: true });
  withLock(join(options.dir, LOCK_NAME), () => {
    const old = readManifest(options.dir);
    const before = old && old.commit === head ? old.pathspecs : [];
    if (!specs.every((s) => isCovered(s, before))) {
      exportInto(options, repo.workTree!, normalizePathList([...before, ...specs]));
    }
  });
  for (const s of specs) mine.add(`${head}\0${s}`);
}

function readManifest(dir: string): ExportManifest | undefined {
  try {
    return readExportManifest(dir);
  } catch (e) {
    // The record directory is this run's output: one a run cannot read is exported afresh.
    if (isXtestPackError(e, 'MANIFEST_CORRUPT')) return undefined;
    throw e;
  }
}

/** Export `pathspecs` afresh and put the result in place of what `options.dir` held. */
function exportInto(options: RecordOptions, workTree: string, pathspecs: string[]): void {
  const staging = join(options.dir, `.xtest-pack-record-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    try {
      exportTestData({ repo: workTree, rev: 'HEAD', out: staging, pathspecs, allowDirty: options.allowDirty, literal: true, backend: options.backend });
    } catch (e) {
      if (e instanceof XtestPackError && e.code === 'DIRTY_WORKTREE') {
        throw new XtestPackError('DIRTY_WORKTREE', `${e.reason.replace(/ \(commit them.*\)$/, '')} (commit them, or set XTEST_PACK_ALLOW_DIRTY=1 to record HEAD's version)`, {
          file: e.file,
          path: e.path,
          cause: e,
        });
      }
      throw e;
    }
    const fresh = readdirSync(staging).filter((n) => PACK_FILE.test(n));
    const stale = readdirSync(options.dir).filter((n) => PACK_FILE.test(n) && !fresh.includes(n));
    // .pack before .idx: a reader never finds an idx without its pack.
    for (const n of fresh.sort().reverse()) renameSync(join(staging, n), join(options.dir, n));
    renameSync(join(staging, MANIFEST_NAME), join(options.dir, MANIFEST_NAME));
    for (const n of stale.sort()) unlinkSync(join(options.dir, n));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Run `fn` holding the lock file `path`, waiting for (or taking over from a dead) holder. */
function withLock(path: string, fn: () => void): void {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new XtestPackError('IO', `cannot create the lock: ${(e as Error).message}`, { file: path, cause: e });
      if (holderIsDead(path)) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new XtestPackError('IO', `waited ${LOCK_TIMEOUT_MS / 1000} s for the recording lock; remove it if no test run is going on`, { file: path });
      Atomics.wait(sleeper, 0, 0, 10 + Math.floor(Math.random() * 20));
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    try {
      fn();
    } finally {
      rmSync(path, { force: true });
    }
    return;
  }
}

function holderIsDead(path: string): boolean {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    // No pid in it: being written now, or its creator died before writing; the latter is told
    // by age.
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - statSync(path).mtimeMs > 30_000;
  } catch {
    return false; // gone already: try again
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
