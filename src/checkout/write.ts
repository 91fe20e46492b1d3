/**
 * Checkout, phases 2 and 3: stage, then commit, symlinks last (nothing is ever written through
 * one). On any error, what was done is undone; a killed process leaves at most a
 * `.xtest-pack-tmp-*` staging directory, never a partial file under its final name.
 *
 * - A new output directory: the whole tree is written in a staging directory beside it, which
 *   one rename then makes the output (it appears whole or not at all).
 * - An existing one: each verified blob is written to a temporary file (or symlink) in a staging
 *   directory inside it; then the directories are created and the files renamed into place.
 *   The output directory is left as it was on failure.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, rmdirSync, symlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { XtestPackError, ioError } from '../errors.js';
import { MODE_EXECUTABLE, MODE_SYMLINK } from '../odb/objects/tree.js';
import type { WalkEntry } from '../odb/walk.js';
import { SLASH, checkCaseCollisions, kind, newDirectories, pathKey, refuseOnTheWay, type Planned } from './plan.js';

const STAGING_PREFIX = '.xtest-pack-tmp-';

export interface WriteOptions {
  /** The output directory. */
  readonly out: string;
  /** `out` existed before this checkout (else nothing below it needs asking about). */
  readonly outExisted: boolean;
  /** The bytes of an entry, verified against its id. */
  readonly read: (e: WalkEntry) => Uint8Array;
  readonly onProgress?: ((p: { done: number; total: number }) => void) | undefined;
}

/**
 * Stage and commit `plan` into `options.out` (created if needed); all or nothing.
 * @throws IO naming the path (a file-system step failed), UNSAFE_PATH or CHECKOUT_CONFLICT (the
 *         output directory changed since the plan), and `read`'s errors; `out` is then as before.
 */
export function writePlan(plan: Planned[], entries: readonly WalkEntry[], options: WriteOptions): void {
  if (!options.outExisted) {
    writeFresh(plan, entries, options);
    return;
  }
  // An existing output directory: each file staged beside what is there, then renamed into place.
  const outPath = options.out;
  const out = Buffer.from(outPath);
  const staging = join(outPath, `${STAGING_PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  fsStep({ file: outPath }, () => mkdirSync(staging));
  const undo: (() => void)[] = [];
  try {
    checkCaseCollisions(staging, entries);
    // ---- 2. stage
    const total = plan.filter((p) => !p.unchanged).length;
    let done = 0;
    plan.forEach((p, i) => {
      if (p.unchanged) return;
      const data = options.read(p.entry);
      p.size = data.length;
      const tmp = Buffer.from(join(staging, String(i)));
      fsStep({ path: p.entry.path }, () => {
        if (p.entry.mode === MODE_SYMLINK) symlinkSync(Buffer.from(data), tmp);
        else writeNew(tmp, data, p.entry.mode === MODE_EXECUTABLE ? 0o777 : 0o666);
      });
      p.staged = tmp;
      options.onProgress?.({ done: ++done, total });
    });
    // ---- 3. commit: directories, files, then symlinks
    const ready = new Set<string>();
    for (const p of plan) {
      if (p.staged) fsStep({ path: p.entry.path }, () => ensureDirs(out, p.entry.pathBytes, undo, ready));
    }
    const ordered = [...plan.filter((p) => p.entry.mode !== MODE_SYMLINK), ...plan.filter((p) => p.entry.mode === MODE_SYMLINK)];
    for (const p of ordered) {
      const staged = p.staged;
      if (!staged) continue;
      if (p.replaces) {
        const backup = Buffer.concat([staged, Buffer.from('.old')]);
        fsStep({ path: p.entry.path }, () => renameSync(p.final, backup));
        undo.push(() => renameSync(backup, p.final));
      }
      fsStep({ path: p.entry.path }, () => renameSync(staged, p.final));
      const final = p.final;
      undo.push(() => rmSync(final, { force: true }));
    }
    removeStaging(staging, plan.some((p) => p.replaces));
  } catch (e) {
    for (const u of undo.reverse()) {
      try {
        u();
      } catch {
        // Best effort: the first error is the one to report.
      }
    }
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Into an output directory that does not exist yet: the whole tree is written in place in a
 * staging directory beside it, and that directory renamed to the output's name: one rename,
 * nothing to ask about what is there, and the output appears whole or not at all.
 */
function writeFresh(plan: Planned[], entries: readonly WalkEntry[], options: WriteOptions): void {
  const outPath = options.out;
  const parent = dirname(outPath);
  // The topmost directory this checkout creates above the output, to remove on failure.
  const created = kind(Buffer.from(parent)) === undefined ? firstMissingAncestor(parent) : undefined;
  if (created !== undefined) fsStep({ file: parent }, () => mkdirSync(parent, { recursive: true }));
  const staging = join(parent, `${STAGING_PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    fsStep({ file: outPath }, () => mkdirSync(staging));
    checkCaseCollisions(staging, entries);
    const root = Buffer.from(staging);
    const made = new Set<string>();
    const total = plan.length;
    let done = 0;
    const write = (p: Planned): void => {
      const data = options.read(p.entry);
      p.size = data.length;
      const path = p.entry.pathBytes;
      fsStep({ path: p.entry.path }, () => {
        // The leading directories not made yet, made top down.
        const key = pathKey(path);
        const missing = newDirectories(key, made);
        for (let k = missing.length - 1; k >= 0; k--) {
          const i = missing[k]!;
          mkdirSync(Buffer.concat([root, SLASH, path.subarray(0, i)]));
          made.add(key.slice(0, i));
        }
        const target = Buffer.concat([root, SLASH, path]);
        if (p.entry.mode === MODE_SYMLINK) symlinkSync(Buffer.from(data), target);
        else writeNew(target, data, p.entry.mode === MODE_EXECUTABLE ? 0o777 : 0o666);
      });
      options.onProgress?.({ done: ++done, total });
    };
    // Files, then symlinks: nothing is ever written through one.
    for (const p of plan) if (p.entry.mode !== MODE_SYMLINK) write(p);
    for (const p of plan) if (p.entry.mode === MODE_SYMLINK) write(p);
    fsStep({ file: outPath }, () => renameSync(staging, outPath));
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    if (created !== undefined) rmSync(created, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Remove the staging directory once every staged file is in place: empty then, unless it holds
 * the backups of replaced files. (rmdir first: a recursive rm loads and compiles Node's rimraf
 * on its first use, ~3 ms of a checkout of one file.)
 */
function removeStaging(staging: string, holdsBackups: boolean): void {
  if (!holdsBackups) {
    try {
      rmdirSync(staging);
      return;
    } catch {
      // Not empty after all: the recursive removal below.
    }
  }
  rmSync(staging, { recursive: true, force: true });
}

/** Run a file-system step; its error becomes one naming the path (or directory) being written. */
function fsStep(where: { path?: string; file?: string }, step: () => void): void {
  try {
    step();
  } catch (e) {
    if (e instanceof XtestPackError) throw e;
    throw ioError(e, where, 'write');
  }
}

/** The highest directory of `path` that does not exist yet (what `mkdir -p` will create). */
function firstMissingAncestor(path: string): string {
  let missing = path;
  for (let p = dirname(path); p !== missing && kind(Buffer.from(p)) === undefined; p = dirname(p)) missing = p;
  return missing;
}

/**
 * Create the leading directories of `path` under `out`; `ready` holds those already made or
 * found. Each is asked about once, right before the files below it are put in place: a symlink
 * or a file there (made since the plan looked) is refused.
 */
function ensureDirs(out: Buffer, path: Uint8Array, undo: (() => void)[], ready: Set<string>): void {
  for (let i = 0; i < path.length; i++) {
    if (path[i] !== 0x2f) continue;
    const key = Buffer.from(path.buffer, path.byteOffset, i).toString('latin1');
    if (ready.has(key)) continue;
    const dir = Buffer.concat([out, SLASH, path.subarray(0, i)]);
    const k = kind(dir);
    if (k === undefined) {
      mkdirSync(dir);
      undo.push(() => rmdirSync(dir));
    } else if (k !== 'dir') {
      refuseOnTheWay(path, i, k);
    }
    ready.add(key);
  }
}

/** A new file holding `data`; `mode` as open(2) takes it, the umask applied (as git's checkout). */
function writeNew(path: Buffer, data: Uint8Array, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done);
  } finally {
    closeSync(fd);
  }
}
