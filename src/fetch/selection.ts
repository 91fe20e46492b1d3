/**
 * What a fetch selects, worked out locally over the objects it holds: the trees the pathspec
 * walk still needs (asked for level by level when a server did not send them all), then the
 * export's objects (export.ts `exportObjects`: the commit, the trees on the way, the selected
 * blobs, the `.gitattributes`/`.gitmodules` of those trees), every entry name on the way
 * checked as checkout checks it.
 */
import { XtestPackError } from '../errors.js';
import { exportObjects } from '../export/export.js';
import type { RawObject } from '../odb/database.js';
import { verifyCommit } from '../odb/objects/commit.js';
import { unsafeNameReason } from '../odb/objects/names.js';
import { splitGitlinks, walkTree, type TreeReader, type WalkEntry, type WalkResult } from '../odb/walk.js';
import { toHex } from '../pack/oid.js';
import { decodeUtf8 } from '../pack/utf8.js';

/** Pathspecs and how to read them. */
export interface Selection {
  /** From the repository's root (a package's directory already prefixed). */
  readonly pathspecs: readonly string[];
  /** Literal paths (a manifest's list), or globs as `export` reads them. */
  readonly literal: boolean;
}

/** What an export of the selection consists of. */
export interface SelectionPlan {
  readonly walk: WalkResult;
  /** The selected files: blobs and symbolic links (gitlinks left out). */
  readonly files: readonly WalkEntry[];
  /** Selected gitlinks (submodules), not exported. */
  readonly gitlinks: readonly string[];
  /** Every object of the export by id (hex), with the path it was first reached by. */
  readonly objects: ReadonlyMap<string, { oid: Uint8Array; path: string }>;
}

const EMPTY_TREE: RawObject = { type: 'tree', data: new Uint8Array(0) };

/**
 * The trees the walk of `selection` from `tree` would read that `odb` does not hold: the next
 * level to ask for (none of them lies below another, since the walk never entered them).
 * @throws OBJECT_CORRUPT and read errors of the trees it holds.
 * @example
 *   for (let next = missingTrees(odb, root, sel); next.length > 0; next = missingTrees(odb, root, sel)) await fetchTrees(next);
 */
export function missingTrees(odb: TreeReader, tree: Uint8Array, selection: Selection): Uint8Array[] {
  const missing = new Map<string, Uint8Array>();
  const reader: TreeReader = {
    format: odb.format,
    has: (oid) => odb.has(oid),
    get: (oid, expected) => {
      if (odb.has(oid)) return odb.get(oid, expected);
      missing.set(toHex(oid), oid);
      // Read as empty: the walk goes on with the rest of the level, and learns nothing below.
      return EMPTY_TREE;
    },
  };
  walkTree(reader, tree, selection.pathspecs, { literal: selection.literal });
  return [...missing.values()];
}

/**
 * The export of `selection` from `commit` (whose tree is `tree`), over objects `odb` holds:
 * every tree on the way must be there, blobs need not be.
 * @throws PATHSPEC_UNMATCHED (naming the pathspec), UNSAFE_PATH (a tree entry checkout would
 *         refuse: `.git`, `..`, a separator, a duplicate name...), OBJECT_INVALID (what git fsck
 *         --strict reports of the commit or a tree on the way), OBJECT_MISSING for a tree.
 * @example
 *   const plan = planSelection(odb, commit, tree, { pathspecs: ['fixtures'], literal: true });
 *   const wanted = [...plan.objects.values()].filter((o) => !odb.has(o.oid));
 */
export function planSelection(odb: TreeReader, commit: Uint8Array, tree: Uint8Array, selection: Selection): SelectionPlan {
  if (selection.pathspecs.length === 0) throw new XtestPackError('USAGE', 'a fetch needs at least one pathspec');
  // What checkout would refuse is not fetched: the commit and each tree on the way as git fsck
  // --strict checks them, and the names checkout will not write.
  verifyCommit(odb.get(commit, 'commit').data, odb.format, toHex(commit));
  const walk = walkTree(odb, tree, selection.pathspecs, {
    literal: selection.literal,
    fsck: true,
    onEntry: (name, mode, path, duplicate) => {
      const why = duplicate ? 'appears twice in its tree' : unsafeNameReason(name, mode);
      if (why) throw new XtestPackError('UNSAFE_PATH', `tree entry ${JSON.stringify(decodeUtf8(name))} ${why}`, { path });
    },
  });
  if (walk.unmatched.length > 0) {
    throw new XtestPackError('PATHSPEC_UNMATCHED', `pathspec '${walk.unmatched[0]}' did not match any file in commit ${toHex(commit)}`, {
      path: walk.unmatched[0],
    });
  }
  const { files, gitlinks } = splitGitlinks(walk.entries);
  return { walk, files, gitlinks, objects: exportObjects(odb, commit, walk, files) };
}
