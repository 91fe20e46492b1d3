/**
 * Checkout from a pack directory: materialize exactly the requested paths of a commit (or tag,
 * or tree), every object verified by its id on the way down, safely and atomically.
 *
 * 1. Plan, touching nothing (plan.ts): resolve the id, walk to the selected entries, check every
 *    name and every path against what is already in the output directory.
 * 2. Stage and 3. commit (write.ts): verified blobs to temporary files inside the output
 *    directory, then renamed into place; on any error the output directory is left as it was.
 */
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import type { ObjectDatabase, RawObject } from '../odb/database.js';
import { verifyCommit } from '../odb/objects/commit.js';
import { verifyTag } from '../odb/objects/tag.js';
import { openTestData } from '../artifact/open.js';
import { peel, resolveRevision } from '../odb/revision.js';
import type { WalkEntry } from '../odb/walk.js';
import { toHex } from '../pack/oid.js';
import { kind, planEntries, selectEntries } from './plan.js';
import { writePlan } from './write.js';

export interface CheckoutOptions {
  /** The pack directory (with `checkoutFromDatabase`: names the database in messages). */
  objects: string;
  /** A commit, annotated tag or tree: full or abbreviated id. */
  oid: string;
  /** The output directory (created if needed). */
  out: string;
  /** What to check out; undefined: the whole tree; empty: nothing. */
  pathspecs?: readonly string[] | undefined;
  /** Replace existing files whose content differs. */
  force?: boolean;
  /** Pathspecs are literal paths: `*`, `?`, `[` are name characters (as a manifest's files are). */
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

/**
 * Check out `pathspecs` of `oid` from the pack directory or artifact `.tar.gz` `objects` into `out`.
 * Every tag, commit and tree on the way is refused, before anything is written, when `git fsck
 * --strict` reports it (OBJECT_INVALID, or UNSAFE_PATH for a name; the message starts with
 * git's fsck message id).
 * @throws UNSAFE_PATH (a hostile name, a symlink on the way), OBJECT_INVALID (what git fsck
 *         --strict reports), CHECKOUT_CONFLICT (an existing file differs and `force` is off),
 *         OBJECT_MISSING (naming the path and what to export), OID_MISMATCH, UNKNOWN_REVISION,
 *         PATHSPEC_UNMATCHED, IO, the errors of opening test data (TESTDATA_UNAVAILABLE,
 *         IDX_MISSING, ARCHIVE_CORRUPT, ...), and read errors; the output directory is then as
 *         before.
 * @example
 *   checkoutPackSync({ objects: 'test-data', oid: manifest.commit, out: 'fixtures-out', backend });
 */
export function checkoutPackSync(options: CheckoutOptions): CheckoutResult {
  const opened = openTestData(options.objects, options.backend);
  try {
    return checkoutFromDatabase(opened.odb, options);
  } finally {
    opened.close();
  }
}

/** `checkoutPackSync` as a promise, for callers on an event loop. */
export async function checkoutPack(options: CheckoutOptions): Promise<CheckoutResult> {
  return checkoutPackSync(options);
}

/**
 * `checkoutPackSync` over an object database already open, such as a test-data artifact read
 * into memory; `options.objects` only names it in messages.
 * @throws as `checkoutPackSync`.
 * @example
 *   checkoutFromDatabase(opened.odb, { objects: 'fixtures.xtest-pack.tar.gz', oid, out, pathspecs, backend });
 */
export function checkoutFromDatabase(odb: ObjectDatabase, options: CheckoutOptions): CheckoutResult {
  const ctx = { odb };
  const tree = peel(ctx, options.oid, resolveRevision(ctx, options.oid), 'tree', (oid, raw) => verifyPeeled(odb, oid, raw));
  if (options.pathspecs !== undefined && options.pathspecs.length === 0) return { tree: toHex(tree.oid), files: [], skippedGitlinks: [] };
  let selection;
  try {
    selection = selectEntries(odb, tree.oid, options.pathspecs, options.literal === true);
  } catch (e) {
    throw missingHint(e, options.objects);
  }
  const { entries, skippedGitlinks } = selection;
  const out = Buffer.from(options.out);
  const outKind = kind(out);
  if (outKind !== undefined && outKind !== 'dir') throw new XtestPackError('CHECKOUT_CONFLICT', 'the output path is not a directory', { file: options.out });
  const plan = planEntries(out, entries, outKind !== undefined, options.force === true, options.backend, odb.format);
  writePlan(plan, entries, {
    out: options.out,
    outExisted: outKind !== undefined,
    read: (e) => readBlob(odb, e, options.objects),
    onProgress: options.onProgress,
  });
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
}

/** A tag or commit on the way to the tree, refused when `git fsck --strict` reports it. */
function verifyPeeled(odb: ObjectDatabase, oid: Uint8Array, raw: RawObject): void {
  if (raw.type === 'commit') verifyCommit(raw.data, odb.format, toHex(oid));
  else if (raw.type === 'tag') verifyTag(raw.data, odb.format, toHex(oid));
}

/** An object missing on the way: named by the test data that lack it and the path it is for. */
function missingHint(e: unknown, objects: string): unknown {
  if (e instanceof XtestPackError && e.code === 'OBJECT_MISSING') {
    const path = e.path ?? '';
    return new XtestPackError('OBJECT_MISSING', `the test data lack ${path === '' ? 'this object' : 'this path'}: they were made without it`, {
      oid: e.oid,
      path: path === '' ? undefined : path,
      file: objects,
      cause: e,
    });
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
