/**
 * Writing tar entries into a directory, safely: the node:fs half of `src/artifact`.
 *
 * 1. Plan, touching nothing: every path checked (`findTarPathProblem`), `strip` applied, no two
 *    entries on one path, none below a file or symlink of the archive, every symlink's target
 *    checked to stay inside the directory, nothing in the destination a symlink on the way.
 * 2. Write: directories (created owner-writable), files to a temporary name in their directory
 *    then renamed into place, symlinks last (also renamed into place), directory modes last.
 *
 * Each component on the way is `lstat`ed as it is reached: an existing symlink in the
 * destination is never followed (an entry at its place replaces it, since `rename` replaces the
 * link itself; a directory entry there, or any entry below it, is refused). Permission bits
 * are the entry's without setuid/setgid/sticky and with the umask applied, as `tar` does for a
 * user who does not ask it to keep permissions. Not atomic as a whole: a failure while writing
 * leaves what was written so far (`checkoutPackSync` is the atomic path for git data).
 */
import { chmodSync, lstatSync, mkdirSync, renameSync, rmSync, symlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { XtestPackError, ioError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { findTarPathProblem, type TarEntry } from './tar/header.js';

export interface ExtractOptions {
  /** Leading path components to drop, as `tar --strip-components` (default 0). */
  strip?: number | undefined;
}

interface Planned {
  entry: TarEntry;
  /** Path components under the destination, after `strip`. */
  parts: string[];
  rel: string;
}

/**
 * Write `entries` under `dir` (created if missing): no absolute paths, no `..`, nothing
 * outside `dir`, no existing symlink followed, symlinks only to targets inside `dir`.
 * A directory entry that `strip` leaves empty (`package/` with strip 1) is skipped; a file or
 * symlink that it leaves empty is refused.
 * @throws UNSAFE_PATH (an unsafe path or symlink target, an existing symlink on the way, two
 *         entries on one path), CHECKOUT_CONFLICT (a file where a directory goes or the other
 *         way round), IO; RangeError for a bad `strip`, TypeError for an unknown entry type.
 *         Nothing is written when the plan fails; the fs checks are repeated while writing.
 * @example
 *   extractTarEntries(decodeTarGz(bytes, backend), 'out', { strip: 1 }); // npm pack's package/
 */
export function extractTarEntries(entries: readonly TarEntry[], dir: string, options: ExtractOptions = {}): void {
  const strip = options.strip ?? 0;
  if (!Number.isSafeInteger(strip) || strip < 0) throw new RangeError(`extractTarEntries: strip must be a non-negative integer, not ${strip}`);
  const plan = planExtraction(entries, dir, strip);

  fsStep(dir, () => mkdirSync(dir, { recursive: true }));
  const umask = process.umask();
  /** Directories to chmod at the end (deepest first): the created ones and the listed ones. */
  const dirModes = new Map<string, number>();
  /** Directories known to be real directories (checked or created during this call). */
  const ready = new Set<string>();
  // Checked again while writing (lstat of each component), not only when planning.
  const ensureDir = (parts: readonly string[]): void => {
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (ready.has(rel)) continue;
      const abs = join(dir, ...parts.slice(0, i));
      const st = lstatOrUndefined(abs, rel);
      if (st === undefined) {
        fsStep(rel, () => mkdirSync(abs, { mode: 0o700 }));
        if (!dirModes.has(rel)) dirModes.set(rel, 0o777 & ~umask);
      } else if (st.isSymbolicLink()) {
        throw symlinkOnTheWay(rel);
      } else if (!st.isDirectory()) {
        throw notADirectory(rel);
      }
      ready.add(rel);
    }
  };

  for (const p of plan) {
    if (p.entry.type !== 'directory') continue;
    ensureDir(p.parts);
    dirModes.set(p.rel, p.entry.mode & 0o777 & ~umask);
  }
  for (const p of plan) {
    if (p.entry.type !== 'file') continue;
    ensureDir(p.parts.slice(0, -1));
    const abs = join(dir, ...p.parts);
    if (lstatOrUndefined(abs, p.rel)?.isDirectory()) throw aDirectory(p);
    // Written beside, then renamed: a rename replaces a symlink there, never writes through it.
    writeFileAtomic(abs, p.entry.data, p.entry.mode & 0o777);
  }
  for (const p of plan) {
    if (p.entry.type !== 'symlink') continue;
    ensureDir(p.parts.slice(0, -1));
    const abs = join(dir, ...p.parts);
    if (lstatOrUndefined(abs, p.rel)?.isDirectory()) throw aDirectory(p);
    const tmp = join(dir, ...p.parts.slice(0, -1), `.${p.parts[p.parts.length - 1]!}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
    fsStep(p.rel, () => {
      symlinkSync(p.entry.linkTarget!, tmp);
      try {
        renameSync(tmp, abs);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw e;
      }
    });
  }
  const deepestFirst = [...dirModes].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
  for (const [rel, mode] of deepestFirst) fsStep(rel, () => chmodSync(join(dir, ...rel.split('/')), mode));
}

function planExtraction(entries: readonly TarEntry[], dir: string, strip: number): Planned[] {
  const byRel = new Map<string, Planned>();
  for (const entry of entries) {
    if (entry.type !== 'file' && entry.type !== 'directory' && entry.type !== 'symlink') {
      throw new TypeError(`extractTarEntries: entry ${JSON.stringify(entry.path)}: type ${JSON.stringify(entry.type)} is not file, directory or symlink`);
    }
    const problem = findTarPathProblem(entry.path);
    if (problem !== undefined) throw new XtestPackError('UNSAFE_PATH', `entry path ${problem}`, { path: entry.path });
    const parts = entry.path.split('/').slice(strip);
    if (parts.length === 0) {
      if (entry.type === 'directory') continue;
      throw new XtestPackError('UNSAFE_PATH', `entry ${JSON.stringify(entry.path)} has nothing left after stripping ${strip} components`, { path: entry.path });
    }
    const rel = parts.join('/');
    const other = byRel.get(rel);
    if (other !== undefined) {
      throw new XtestPackError('UNSAFE_PATH', `entries ${JSON.stringify(other.entry.path)} and ${JSON.stringify(entry.path)} both land on ${JSON.stringify(rel)}`, { path: entry.path });
    }
    if (entry.type === 'symlink' && (typeof entry.linkTarget !== 'string' || entry.linkTarget === '')) {
      throw new XtestPackError('UNSAFE_PATH', `symlink entry has no target`, { path: entry.path });
    }
    byRel.set(rel, { entry, parts, rel });
  }
  for (const p of byRel.values()) {
    for (let i = 1; i < p.parts.length; i++) {
      const above = byRel.get(p.parts.slice(0, i).join('/'));
      if (above !== undefined && above.entry.type !== 'directory') {
        throw new XtestPackError('UNSAFE_PATH', `entry lies below ${JSON.stringify(above.entry.path)}, a ${above.entry.type}`, { path: p.entry.path });
      }
    }
  }
  for (const p of byRel.values()) {
    if (p.entry.type !== 'symlink') continue;
    const problem = symlinkTargetProblem(p, byRel, dir);
    if (problem !== undefined) {
      throw new XtestPackError('UNSAFE_PATH', `symbolic link target ${JSON.stringify(p.entry.linkTarget)} ${problem}`, { path: p.entry.path });
    }
  }
  // Sorted by path: a directory before what it holds.
  const plan = [...byRel.values()].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  checkDestination(plan, dir);
  return plan;
}

/** What is already in `dir` must let the plan through: directories on the way, no symlink among them. */
function checkDestination(plan: readonly Planned[], dir: string): void {
  const known = new Map<string, 'directory' | 'missing'>();
  for (const p of plan) {
    const through = p.entry.type === 'directory' ? p.parts.length : p.parts.length - 1;
    let missing = false;
    for (let i = 1; i <= through && !missing; i++) {
      const rel = p.parts.slice(0, i).join('/');
      let k = known.get(rel);
      if (k === undefined) {
        const st = lstatOrUndefined(join(dir, ...p.parts.slice(0, i)), rel);
        if (st === undefined) k = 'missing';
        else if (st.isSymbolicLink()) throw symlinkOnTheWay(rel);
        else if (!st.isDirectory()) throw notADirectory(rel);
        else k = 'directory';
        known.set(rel, k);
      }
      missing = k === 'missing';
    }
    if (!missing && p.entry.type !== 'directory' && lstatOrUndefined(join(dir, ...p.parts), p.rel)?.isDirectory()) throw aDirectory(p);
  }
}

function symlinkOnTheWay(rel: string): XtestPackError {
  return new XtestPackError('UNSAFE_PATH', `${JSON.stringify(rel)} is a symbolic link in the destination; not followed`, { path: rel });
}

function notADirectory(rel: string): XtestPackError {
  return new XtestPackError('CHECKOUT_CONFLICT', `${JSON.stringify(rel)} exists in the destination and is not a directory`, { path: rel });
}

function aDirectory(p: Planned): XtestPackError {
  return new XtestPackError('CHECKOUT_CONFLICT', `${JSON.stringify(p.rel)} is a directory in the destination; the archive has a ${p.entry.type} there`, { path: p.rel });
}

/**
 * Why the symlink `p` could lead outside `dir`, or `undefined`. The target is walked component
 * by component from the link's directory: it must be relative, never climb above `dir`, and
 * never pass through another symlink (of the archive, or already in the destination) on its
 * way, since a `..` after a link climbs from wherever the link points. A link to a link of the
 * archive is fine: that one is checked the same way.
 */
function symlinkTargetProblem(p: Planned, byRel: ReadonlyMap<string, Planned>, dir: string): string | undefined {
  const target = p.entry.linkTarget!;
  if (target.includes('\0')) return 'contains a NUL';
  if (target.startsWith('/')) return 'is absolute';
  const at = p.parts.slice(0, -1);
  const steps = target.split('/');
  const last = steps.reduce((k, c, i) => (c !== '' && c !== '.' ? i : k), -1);
  for (let i = 0; i < steps.length; i++) {
    const c = steps[i]!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (at.length === 0) return 'points outside the destination';
      at.pop();
      continue;
    }
    at.push(c);
    const rel = at.join('/');
    const planned = byRel.get(rel);
    if (planned?.entry.type === 'symlink') {
      if (i !== last) return `passes through the symbolic link ${JSON.stringify(planned.entry.path)}`;
    } else if (planned === undefined) {
      let st: Stats | undefined;
      try {
        st = lstatSync(join(dir, ...at));
      } catch {
        st = undefined;
      }
      if (st?.isSymbolicLink()) return `passes through ${JSON.stringify(rel)}, a symbolic link already in the destination`;
    }
  }
  return undefined;
}

function lstatOrUndefined(abs: string, rel: string): Stats | undefined {
  try {
    return lstatSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new XtestPackError('IO', `cannot inspect: ${(e as Error).message}`, { path: rel, cause: e });
  }
}

function fsStep(rel: string, step: () => void): void {
  try {
    step();
  } catch (e) {
    if (e instanceof XtestPackError) throw e;
    throw ioError(e, { path: rel }, 'write');
  }
}
