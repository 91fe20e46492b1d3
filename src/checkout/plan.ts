/**
 * Checkout, phase 1: the plan, touching nothing. Walk from the tree to the selected entries
 * (only the trees on the way are read), check every name (path-check.ts) and every path against
 * what is already in the output directory: no symlink on the way, no file where a directory must
 * be, no different file without `force`, no two paths that one case-insensitive file system
 * would make one.
 */
import { lstatSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import type { ObjectDatabase } from '../odb/database.js';
import { MODE_EXECUTABLE, MODE_SYMLINK } from '../odb/objects/tree.js';
import { splitGitlinks, walkTree, type WalkEntry } from '../odb/walk.js';
import { objectHeader, toHex } from '../pack/oid.js';
import { unsafeNameReason } from '../odb/objects/names.js';
import { unsafePathspecReason } from './path-check.js';

/** One entry to write, and what is at its place now. */
export interface Planned {
  readonly entry: WalkEntry;
  readonly final: Buffer;
  /** The file at the final path differs and `force` replaces it. */
  replaces: boolean;
  /** The file at the final path already is this entry. */
  unchanged: boolean;
  /** The staged temporary file, once written. */
  staged?: Buffer;
  size: number;
}

/** What the walk selected: files to write, and submodules to report. */
export interface Selection {
  readonly entries: readonly WalkEntry[];
  readonly skippedGitlinks: readonly string[];
}

const decoder = new TextDecoder();
const nameDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
export const SLASH = Buffer.from('/');

/**
 * The entries of `tree` that `pathspecs` select (undefined: the whole tree), every name checked,
 * every tree on the way refused if `git fsck --strict` reports it.
 * @throws UNSAFE_PATH (a hostile pathspec or tree entry), OBJECT_INVALID, PATHSPEC_UNMATCHED,
 *         and read errors.
 */
export function selectEntries(odb: ObjectDatabase, tree: Uint8Array, pathspecs: readonly string[] | undefined, literal: boolean): Selection {
  const specs = pathspecs ?? [];
  for (const s of specs) {
    const why = unsafePathspecReason(s);
    if (why) throw new XtestPackError('UNSAFE_PATH', `pathspec ${why}`, { path: s });
  }
  const walk = walkTree(odb, tree, specs, {
    literal,
    skipMissingSpeculative: true,
    fsck: true,
    onEntry: (name, mode, path, duplicate) => {
      const why = duplicate ? 'appears twice in its tree' : unsafeNameReason(name, mode);
      if (why) throw new XtestPackError('UNSAFE_PATH', `tree entry ${JSON.stringify(nameDecoder.decode(name))} ${why}`, { path });
    },
  });
  if (walk.unmatched.length > 0) {
    throw new XtestPackError('PATHSPEC_UNMATCHED', `pathspec '${walk.unmatched[0]}' matched nothing in tree ${toHex(tree)}`, {
      path: walk.unmatched[0],
    });
  }
  const { files: entries, gitlinks: skippedGitlinks } = splitGitlinks(walk.entries);
  checkNames(entries);
  return { entries, skippedGitlinks };
}

/** No path is both a file and a directory (names were checked during the walk). */
function checkNames(entries: readonly WalkEntry[]): void {
  const files = new Set<string>();
  const dirs = new Set<string>();
  for (const e of entries) {
    const key = pathKey(e.pathBytes);
    if (files.has(key)) throw new XtestPackError('UNSAFE_PATH', 'two tree entries have this path', { path: e.path });
    files.add(key);
    for (const i of newDirectories(key, dirs)) dirs.add(key.slice(0, i));
  }
  for (const f of files) if (dirs.has(f)) throw new XtestPackError('UNSAFE_PATH', 'a tree entry is both a file and a directory', { path: f });
}

/**
 * A path's bytes as a string of one character a byte (latin1): names that are not UTF-8 stay
 * distinct, and a '/' in the key is a '/' in the path.
 */
export function pathKey(path: Uint8Array): string {
  return Buffer.from(path.buffer, path.byteOffset, path.length).toString('latin1');
}

/**
 * Where `key` (a pathKey) ends each of its leading directories that `known` lacks, deepest
 * first, stopping at the first one known: every directory above a known one is known too,
 * as long as each is added with those above it.
 * @example
 *   newDirectories('a/b/c', new Set(['a'])) // [3]: 'a/b'
 */
export function newDirectories(key: string, known: ReadonlySet<string>): number[] {
  const ends: number[] = [];
  for (let i = key.lastIndexOf('/'); i > 0 && !known.has(key.slice(0, i)); i = key.lastIndexOf('/', i - 1)) ends.push(i);
  return ends;
}

/**
 * What to do for each entry, given what the output directory `out` holds. A new output
 * directory (`outExisted` false) holds nothing but what this checkout makes: nothing to ask about.
 * @throws UNSAFE_PATH (a symlink on the way), CHECKOUT_CONFLICT (something else in the way, or a
 *         differing file without `force`).
 */
export function planEntries(out: Buffer, entries: readonly WalkEntry[], outExisted: boolean, force: boolean, backend: Backend, format: ObjectDatabase['format']): Planned[] {
  if (!outExisted) return entries.map((e) => ({ entry: e, final: Buffer.concat([out, SLASH, e.pathBytes]), replaces: false, unchanged: false, size: 0 }));
  const sameAsBlob = blobComparer(backend, format);
  const seen = new Map<string, Kind>();
  return entries.map((e) => planEntry(out, e, force, sameAsBlob, seen));
}

/** What to do for one entry (`seen`: what each leading directory was, for the next entry). */
function planEntry(out: Buffer, e: WalkEntry, force: boolean, sameAsBlob: (p: Buffer, k: 'file' | 'symlink', e: WalkEntry) => boolean, seen: Map<string, Kind>): Planned {
  checkNoSymlinkOnTheWay(out, e.pathBytes, seen);
  const final = Buffer.concat([out, SLASH, e.pathBytes]);
  const k = kind(final);
  const planned: Planned = { entry: e, final, replaces: false, unchanged: false, size: 0 };
  if (k === undefined) return planned;
  if (k === 'dir' || k === 'other') throw new XtestPackError('CHECKOUT_CONFLICT', 'a directory or special file is in the way', { path: e.path });
  if (sameAsBlob(final, k, e)) {
    planned.unchanged = true;
    planned.size = e.mode === MODE_SYMLINK ? readlinkSync(final, { encoding: 'buffer' }).length : lstatSync(final).size;
    return planned;
  }
  if (!force) throw new XtestPackError('CHECKOUT_CONFLICT', 'an existing file differs (use --force to replace it)', { path: e.path });
  planned.replaces = true;
  return planned;
}

/** Does the file at `p` already hold exactly entry `e` (type, content, executable bit)? */
function blobComparer(backend: Backend, format: ObjectDatabase['format']) {
  return (p: Buffer, k: 'file' | 'symlink', e: WalkEntry): boolean => {
    if ((k === 'symlink') !== (e.mode === MODE_SYMLINK)) return false;
    if (k === 'file' && ((lstatSync(p).mode & 0o100) !== 0) !== (e.mode === MODE_EXECUTABLE)) return false;
    // Content is compared through its id, computed as git does, so no object is read.
    const content = k === 'symlink' ? readlinkSync(p, { encoding: 'buffer' }) : readFileSync(p);
    let id: Uint8Array;
    try {
      id = backend.createHash(format).update(objectHeader('blob', content.length)).update(content).digest();
    } catch (err) {
      throw err instanceof XtestPackError ? err.at({ path: e.path }) : err; // SHA1_COLLISION
    }
    return Buffer.compare(Buffer.from(id), Buffer.from(e.oid)) === 0;
  };
}

/** On a case-insensitive file system, refuse two paths that would land on the same file. */
export function checkCaseCollisions(staging: string, entries: readonly WalkEntry[]): void {
  // Probe: the staging directory's name in upper case finds it only on such a file system.
  const cut = staging.lastIndexOf('/') + 1;
  if (kind(Buffer.from(staging.slice(0, cut) + staging.slice(cut).toUpperCase())) === undefined) return;
  // Files and the directories they need: a symlink `A` and a directory `a/` collide too.
  const seen = new Map<string, string>();
  const claim = (path: string, what: string) => {
    const folded = path.normalize('NFC').toLowerCase();
    const other = seen.get(folded);
    if (other !== undefined && other !== what) {
      throw new XtestPackError('UNSAFE_PATH', `collides with ${JSON.stringify(other.slice(2))} on this case-insensitive file system`, { path });
    }
    seen.set(folded, what);
  };
  for (const e of entries) {
    claim(e.path, `f:${e.path}`);
    for (let i = e.path.indexOf('/'); i >= 0; i = e.path.indexOf('/', i + 1)) claim(e.path.slice(0, i), `d:${e.path.slice(0, i)}`);
  }
}

export type Kind = 'dir' | 'file' | 'symlink' | 'other' | undefined;

/** What is at `p`, not following a symlink; undefined when nothing is. */
export function kind(p: Buffer): Kind {
  let st: Stats | undefined;
  try {
    // Most paths a checkout asks about do not exist yet: asked without an exception.
    st = lstatSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  if (st === undefined) return undefined;
  return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
}

/**
 * Refuse a symlink, or a non-directory, among the leading directories of `path` under `out`,
 * while planning (nothing is written yet). `seen` keeps what each directory was for the next
 * path; the write phase asks again right before the files below a directory go in.
 */
function checkNoSymlinkOnTheWay(out: Buffer, path: Uint8Array, seen: Map<string, Kind>): void {
  for (let i = 0; i < path.length; i++) {
    if (path[i] !== 0x2f) continue;
    const key = Buffer.from(path.buffer, path.byteOffset, i).toString('latin1');
    let k = seen.get(key);
    if (k === undefined && !seen.has(key)) {
      k = kind(Buffer.concat([out, SLASH, path.subarray(0, i)]));
      seen.set(key, k);
    }
    if (k !== undefined && k !== 'dir') refuseOnTheWay(path, i, k);
  }
}

/** The error for `path[0, end)`, a leading directory of `path` that is not a directory but a `k`. */
export function refuseOnTheWay(path: Uint8Array, end: number, k: Kind): never {
  const shown = decoder.decode(path.subarray(0, end));
  if (k === 'symlink') throw new XtestPackError('UNSAFE_PATH', `${shown} is a symbolic link: nothing is written through one`, { path: decoder.decode(path) });
  throw new XtestPackError('CHECKOUT_CONFLICT', `${shown} is not a directory`, { path: decoder.decode(path) });
}
