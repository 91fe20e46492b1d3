/**
 * Checkout from a pack directory: materialize exactly the requested paths of a commit (or tag,
 * or tree), every object verified by its id on the way down, safely and atomically.
 *
 * 1. Plan, touching nothing: resolve the id, walk to the selected entries (only the trees on
 *    the way are read), check every name (path-check.ts) and every path against what is
 *    already in the output directory (no symlink on the way, no file where a directory must
 *    be, no different file without `force`).
 * 2. Stage: write each verified blob to a temporary file (or symlink) in a staging directory
 *    inside the output directory, so that a rename puts it in place.
 * 3. Commit: create the directories, rename the files into place, symlinks last. On any error,
 *    undo what was done: the output directory is left as it was. A killed process leaves at
 *    most a `.xtest-pack-tmp-*` staging directory, never a partial file under its final name.
 */
import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  rmdirSync,
  symlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { nodeStorage } from '../fs/node-storage.js';
import { decodeManifest, MANIFEST_NAME } from '../export/manifest.js';
import type { ObjectDatabase } from '../odb/database.js';
import { MODE_EXECUTABLE, MODE_GITLINK, MODE_SYMLINK } from '../odb/objects/tree.js';
import { openPackDirectory } from '../odb/open.js';
import { peel, resolveRevision } from '../odb/revision.js';
import { walkTree, type WalkEntry } from '../odb/walk.js';
import { objectHeader, toHex } from '../pack/oid.js';
import { unsafeNameReason, unsafePathspecReason } from './path-check.js';

export interface CheckoutOptions {
  /** The pack directory. */
  objects: string;
  /** A commit, annotated tag or tree: full or abbreviated id. */
  oid: string;
  /** The output directory (created if needed). */
  out: string;
  /** What to check out; default: the manifest's files, or the whole tree without a manifest. */
  pathspecs?: readonly string[];
  /** Replace existing files whose content differs. */
  force?: boolean;
  /** Pathspecs are literal paths: `*`, `?`, `[` are name characters (always so for the manifest's files). */
  literal?: boolean;
  backend: Backend;
  onProgress?: (p: { done: number; total: number }) => void;
}

export interface CheckoutFile {
  readonly path: string;
  readonly mode: number;
  readonly oid: string;
  readonly size: number;
  /** `written` now, or already `unchanged` in the output directory. */
  readonly state: 'written' | 'unchanged';
}

export interface CheckoutResult {
  readonly tree: string;
  readonly files: readonly CheckoutFile[];
  /** Submodules (gitlinks) selected: reported, not checked out. */
  readonly skippedGitlinks: readonly string[];
}

interface Planned {
  entry: WalkEntry;
  final: Buffer;
  /** The file at the final path when it differs and `force` replaces it. */
  replaces: boolean;
  unchanged: boolean;
  staged?: Buffer;
  size: number;
}

const STAGING_PREFIX = '.xtest-pack-tmp-';

/**
 * Check out `pathspecs` of `oid` from a pack directory into `out`.
 * @throws UNSAFE_PATH (a hostile name, a symlink on the way), CHECKOUT_CONFLICT (an existing
 *         file differs and `force` is off), OBJECT_MISSING (naming the path and what to export),
 *         OID_MISMATCH, UNKNOWN_REVISION, and read errors; the output directory is then as before.
 * @example
 *   checkoutSync({ objects: 'test-data', oid: manifest.commit, out: 'fixtures-out', backend });
 */
export function checkoutSync(options: CheckoutOptions): CheckoutResult {
  const opened = openPackDirectory(options.objects, nodeStorage, options.backend);
  try {
    return checkoutFrom(opened.odb, options);
  } finally {
    opened.close();
  }
}

/** `checkoutSync` as a promise, for callers on an event loop. */
export async function checkout(options: CheckoutOptions): Promise<CheckoutResult> {
  return checkoutSync(options);
}

function defaultPathspecs(objects: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(join(objects, MANIFEST_NAME), 'utf8');
  } catch {
    return undefined;
  }
  const m = decodeManifest(text);
  if (!m) throw new XtestPackError('INVALID_ARGUMENT', 'manifest is not an xtest-pack manifest', { file: join(objects, MANIFEST_NAME) });
  return m.files.map((f) => f.path);
}

function checkoutFrom(odb: ObjectDatabase, options: CheckoutOptions): CheckoutResult {
  const given = options.pathspecs && options.pathspecs.length > 0 ? [...options.pathspecs] : undefined;
  const listed = given ? undefined : defaultPathspecs(options.objects);
  const specs = given ?? listed ?? [];
  for (const s of specs) {
    const why = unsafePathspecReason(s);
    if (why) throw new XtestPackError('UNSAFE_PATH', `pathspec ${why}`, { path: s });
  }
  // ---- 1. plan
  const ctx = { odb };
  const tree = peel(ctx, options.oid, resolveRevision(ctx, options.oid), 'tree');
  // A manifest that lists no files asks for nothing (not for the whole tree).
  if (listed && listed.length === 0) return { tree: toHex(tree.oid), files: [], skippedGitlinks: [] };
  let walk;
  try {
    walk = walkTree(odb, tree.oid, specs, {
      // The manifest's paths are names, whatever characters they hold.
      literal: listed !== undefined || options.literal === true,
      skipMissingSpeculative: true,
      onEntry: (name, mode, path, duplicate) => {
        const why = duplicate ? 'appears twice in its tree' : unsafeNameReason(name, mode);
        if (why) {
          throw new XtestPackError('UNSAFE_PATH', `tree entry ${JSON.stringify(new TextDecoder('utf-8', { ignoreBOM: true }).decode(name))} ${why}`, { path });
        }
      },
    });
  } catch (e) {
    throw missingHint(e, options.objects);
  }
  if (walk.unmatched.length > 0) {
    throw new XtestPackError('PATHSPEC_UNMATCHED', `pathspec '${walk.unmatched[0]}' matched nothing in tree ${toHex(tree.oid)}`, {
      path: walk.unmatched[0],
    });
  }
  const skippedGitlinks: string[] = [];
  const entries = walk.entries.filter((e) => {
    if (e.mode !== MODE_GITLINK) return true;
    skippedGitlinks.push(e.path);
    return false;
  });
  checkNames(entries);
  const out = Buffer.from(options.out);
  const outKind = kind(out);
  const outExisted = outKind !== undefined;
  if (outExisted && outKind !== 'dir') throw new XtestPackError('CHECKOUT_CONFLICT', 'the output path is not a directory', { file: options.out });

  // ---- 2. stage
  // The topmost directory this checkout creates, to remove on failure.
  const created = outExisted ? undefined : firstMissingAncestor(options.out);
  if (!outExisted) mkdirSync(out, { recursive: true });
  const staging = join(options.out, `${STAGING_PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  mkdirSync(staging);
  const undo: (() => void)[] = [];
  try {
    checkCaseCollisions(staging, entries);
    const sameAsBlob = blobComparer(options.backend, odb.format);
    const seen = new Map<string, Kind>();
    // A new output directory holds nothing but what this checkout makes: nothing to ask about.
    const plan = entries.map((e): Planned =>
      outExisted
        ? planEntry(out, e, options.force === true, sameAsBlob, seen)
        : { entry: e, final: Buffer.concat([out, SLASH, e.pathBytes]), replaces: false, unchanged: false, size: 0 },
    );
    const toWrite = plan.filter((p) => !p.unchanged).length;
    let done = 0;
    plan.forEach((p, i) => {
      if (p.unchanged) return;
      const data = readBlob(odb, p.entry, options.objects);
      p.size = data.length;
      const tmp = Buffer.from(join(staging, String(i)));
      fsStep(p.entry.path, () => {
        if (p.entry.mode === MODE_SYMLINK) symlinkSync(Buffer.from(data), tmp);
        else writeNew(tmp, data, p.entry.mode === MODE_EXECUTABLE ? 0o777 : 0o666);
      });
      p.staged = tmp;
      options.onProgress?.({ done: ++done, total: toWrite });
    });

    // ---- 3. commit: directories, files, then symlinks (nothing is ever written through one)
    const ready = new Set<string>();
    for (const p of plan) {
      if (p.staged) fsStep(p.entry.path, () => ensureDirs(out, p.entry.pathBytes, undo, ready, outExisted));
    }
    const ordered = [...plan.filter((p) => p.entry.mode !== MODE_SYMLINK), ...plan.filter((p) => p.entry.mode === MODE_SYMLINK)];
    for (const p of ordered) {
      if (!p.staged) continue;
      const staged = p.staged;
      if (p.replaces) {
        const backup = Buffer.concat([staged, Buffer.from('.old')]);
        fsStep(p.entry.path, () => renameSync(p.final, backup));
        undo.push(() => renameSync(backup, p.final));
      }
      fsStep(p.entry.path, () => renameSync(staged, p.final));
      const final = p.final;
      undo.push(() => rmSync(final, { force: true }));
    }
    removeStaging(staging, plan.some((p) => p.replaces));
    return {
      tree: toHex(tree.oid),
      files: plan.map((p) => ({
        path: p.entry.path,
        mode: p.entry.mode,
        oid: toHex(p.entry.oid),
        size: p.size,
        state: p.unchanged ? 'unchanged' : 'written',
      })),
      skippedGitlinks,
    };
  } catch (e) {
    for (const u of undo.reverse()) {
      try {
        u();
      } catch {
        // Best effort: the first error is the one to report.
      }
    }
    rmSync(staging, { recursive: true, force: true });
    if (created !== undefined) rmSync(created, { recursive: true, force: true });
    throw e;
  }
}

function missingHint(e: unknown, objects: string): unknown {
  if (e instanceof XtestPackError && e.code === 'OBJECT_MISSING') {
    const path = e.path ?? '';
    return new XtestPackError(
      'OBJECT_MISSING',
      `not in the pack directory: export again with this path (xtest-pack export --out ${objects} ${path.replace(/\/$/, '') || '.'})`,
      { oid: e.oid, path: path === '' ? undefined : path, file: objects },
    );
  }
  return e;
}

function readBlob(odb: ObjectDatabase, e: WalkEntry, objects: string): Uint8Array {
  try {
    return odb.get(e.oid, 'blob').data;
  } catch (err) {
    if (err instanceof XtestPackError && err.path === undefined) {
      throw missingHint(new XtestPackError(err.code, err.reason, { file: err.file, offset: err.offset, oid: err.oid ?? toHex(e.oid), path: e.path, cause: err }), objects);
    }
    throw err;
  }
}

/** No path is both a file and a directory (names were checked during the walk). */
function checkNames(entries: readonly WalkEntry[]): void {
  const files = new Set<string>();
  const dirs = new Set<string>();
  for (const e of entries) {
    const key = Buffer.from(e.pathBytes).toString('latin1');
    if (files.has(key)) throw new XtestPackError('UNSAFE_PATH', 'two tree entries have this path', { path: e.path });
    files.add(key);
    for (let i = 0; i < e.pathBytes.length; i++) if (e.pathBytes[i] === 0x2f) dirs.add(Buffer.from(e.pathBytes.subarray(0, i)).toString('latin1'));
  }
  for (const f of files) if (dirs.has(f)) throw new XtestPackError('UNSAFE_PATH', 'a tree entry is both a file and a directory', { path: f });
}

/** On a case-insensitive file system, refuse two paths that would land on the same file. */
function checkCaseCollisions(staging: string, entries: readonly WalkEntry[]): void {
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

/** Run a file-system step; its error becomes one naming the path being written. */
function fsStep(path: string, step: () => void): void {
  try {
    step();
  } catch (e) {
    if (e instanceof XtestPackError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new XtestPackError('IO', `cannot write: ${err.code ?? ''} ${err.message}`.trim(), { path, cause: e });
  }
}

/** The highest directory of `path` that does not exist yet (what `mkdir -p` will create). */
function firstMissingAncestor(path: string): string {
  let missing = path;
  for (let p = dirname(path); p !== missing && kind(Buffer.from(p)) === undefined; p = dirname(p)) missing = p;
  return missing;
}

function kind(p: Buffer): 'dir' | 'file' | 'symlink' | 'other' | undefined {
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

type Kind = ReturnType<typeof kind>;

/**
 * Refuse a symlink, or a non-directory, among the leading directories of `path` under `out`,
 * while planning (nothing is written yet). `seen` keeps what each directory was for the next
 * path; ensureDirs asks again right before the files below a directory go in.
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
function refuseOnTheWay(path: Uint8Array, end: number, k: Kind): never {
  const shown = decoder.decode(path.subarray(0, end));
  if (k === 'symlink') throw new XtestPackError('UNSAFE_PATH', `${shown} is a symbolic link: nothing is written through one`, { path: decoder.decode(path) });
  throw new XtestPackError('CHECKOUT_CONFLICT', `${shown} is not a directory`, { path: decoder.decode(path) });
}

const decoder = new TextDecoder();
const SLASH = Buffer.from('/');

/** What to do for one entry, given what the output directory holds (`seen`: checkNoSymlinkOnTheWay's). */
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
    const id = backend.createHash(format).update(objectHeader('blob', content.length)).update(content).digest();
    return Buffer.compare(Buffer.from(id), Buffer.from(e.oid)) === 0;
  };
}

/**
 * Create the leading directories of `path` under `out`; `ready` holds those already made or
 * found. Each is asked about once, right before the files below it are put in place: a symlink
 * or a file there (made since the plan looked) is refused. `mayExist` false: `out` is new, and
 * nothing is below it but what this checkout makes.
 */
function ensureDirs(out: Buffer, path: Uint8Array, undo: (() => void)[], ready: Set<string>, mayExist: boolean): void {
  for (let i = 0; i < path.length; i++) {
    if (path[i] !== 0x2f) continue;
    const key = Buffer.from(path.buffer, path.byteOffset, i).toString('latin1');
    if (ready.has(key)) continue;
    const dir = Buffer.concat([out, SLASH, path.subarray(0, i)]);
    const k = mayExist ? kind(dir) : undefined;
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

/**
 * `checkoutSync` over an object database already open, such as a test-data artifact read into
 * memory; `options.objects` only names it in messages.
 * @throws as `checkoutSync`.
 * @example
 *   checkoutFromDatabase(opened.odb, { objects: 'fixtures.xtest-pack.tar.gz', oid, out, pathspecs, backend });
 */
export function checkoutFromDatabase(odb: ObjectDatabase, options: CheckoutOptions): CheckoutResult {
  return checkoutFrom(odb, options);
}
