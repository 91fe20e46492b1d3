/**
 * Checking test data against a package's manifest, as a packager needs it checked before a
 * test run: the data open (a pack directory or an artifact, each pack with its idx), every pack
 * and idx hashes to its trailer, the objects are of the package's object format, the commit is
 * the one the manifest names (or another commit whose listed paths have exactly the ids the
 * manifest records: the same data), and the commit, the trees on the way and each listed path
 * are there, every object verified by its id, and the commit and every tree below the listed
 * paths pass what checkout checks (git fsck --strict). With `verify`, every blob below the
 * listed paths is read and verified too.
 *
 * Errors speak to whoever runs the tests of a published package (a packager): what is wrong
 * with the data they were given, and what to get instead.
 */
import type { Backend } from '../backend/types.js';
import { XtestPackError, isXtestPackError } from '../errors.js';
import { MANIFEST_NAME, type PackageManifest } from '../manifest/index.js';
import { verifyCommit } from '../odb/objects/commit.js';
import { MODE_GITLINK, MODE_TREE } from '../odb/objects/tree.js';
import { resolveRevision, typeOf } from '../odb/revision.js';
import { walkTree } from '../odb/walk.js';
import { fromHex, toHex } from '../pack/oid.js';
import { openTestData, verifyChecksums, type OpenedTestData } from '../artifact/open.js';

export interface CheckOptions {
  /** Read and verify every blob below the listed paths too. */
  verify?: boolean;
  /** The package manifest's file, for messages. */
  manifestFile?: string;
  backend: Backend;
}

export interface TestDataCheck {
  /** The commit whose files the data hold: the manifest's, or `sameDataAs`'s other one. */
  readonly commit: string;
  /** Set when the data are of another commit than the manifest names, with the same ids. */
  readonly otherCommit: string | undefined;
  /** The package's tree at that commit (the commit's root tree, or its `directory`'s). */
  readonly tree: string;
  /** Each listed path and its object at the commit. */
  readonly paths: readonly { readonly path: string; readonly oid: string; readonly type: 'tree' | 'blob' }[];
  /** With `verify`: blobs read and verified. */
  readonly blobs: number;
}

/**
 * Open the test data at `objects` and check them against `manifest`.
 * @throws TESTDATA_UNAVAILABLE (nothing there, or no pack: the data are absent), and, the data
 *         being damaged or wrong: IDX_MISSING, PACK_MISSING, ARCHIVE_CORRUPT, CHECKSUM_MISMATCH,
 *         FORMAT_MISMATCH, TESTDATA_MISMATCH (another commit, other data), OBJECT_MISSING (the
 *         data lack a listed path), OID_MISMATCH, PACK_CORRUPT, MANIFEST_CORRUPT, OBJECT_INVALID and
 *         UNSAFE_PATH (what checkout refuses: git fsck --strict reports it), IO.
 * @example
 *   const c = checkTestDataAt('left-pad-1.3.0.xtest-pack.tar.gz', manifest, { backend });
 */
export function checkTestDataAt(objects: string, manifest: PackageManifest, options: CheckOptions): TestDataCheck {
  const data = openTestData(objects, options.backend);
  try {
    return checkTestData(data, manifest, options);
  } finally {
    data.close();
  }
}

/** `checkTestDataAt` on test data already open. */
export function checkTestData(data: OpenedTestData, manifest: PackageManifest, options: CheckOptions): TestDataCheck {
  const { backend } = options;
  const where = data.location;
  verifyChecksums(data, backend);
  if (data.odb.format !== manifest.objectFormat) {
    throw new XtestPackError('FORMAT_MISMATCH', `the test data hold ${data.odb.format} objects, ${manifest.name} ${manifest.version} is a ${manifest.objectFormat} repository's: they are another package's`, { file: where });
  }
  const dataCommit = data.manifest?.commit ?? manifest.commit;
  const prefix = manifest.directory === '' ? '' : `${manifest.directory}/`;
  const ctx = { odb: data.odb };
  const idOf = (commit: string, path: string): { oid: string; type: 'tree' | 'blob' } => {
    const obj = resolveRevision(ctx, `${commit}:${prefix}${path}`);
    const type = typeOf(ctx, obj);
    if (type !== 'tree' && type !== 'blob') throw new XtestPackError('TESTDATA_MISMATCH', `${path} is a ${type} at commit ${commit}`, { file: where, path });
    return { oid: toHex(obj.oid), type };
  };
  const lacking = (commit: string, run: () => TestDataCheck['paths']): TestDataCheck['paths'] => {
    try {
      return run();
    } catch (e) {
      if (!isXtestPackError(e, 'OBJECT_MISSING') && !isXtestPackError(e, 'UNKNOWN_REVISION')) throw e;
      const what = e.path !== undefined ? e.path.replace(/^\/$/, '') : e.oid !== undefined ? `object ${e.oid}` : 'a listed path';
      throw new XtestPackError(
        'OBJECT_MISSING',
        `the test data of commit ${commit} lack ${what || 'the commit'}: ${manifest.artifact} was made without it; report it to the package's authors${manifest.repository ? ` (${manifest.repository})` : ''}`,
        { file: where, cause: e },
      );
    }
  };
  let otherCommit: string | undefined;
  let paths: TestDataCheck['paths'];
  if (dataCommit === manifest.commit) {
    paths = lacking(dataCommit, () => manifest.paths.map((p) => ({ path: p, ...idOf(dataCommit, p) })));
    for (const p of paths) {
      const recorded = manifest.ids?.[p.path];
      if (recorded !== undefined && recorded !== p.oid) {
        throw new XtestPackError('MANIFEST_CORRUPT', `records ${recorded} for ${p.path}, which is ${p.oid} at commit ${dataCommit}: the package's xtest-pack.json was edited or made from another tree`, { file: options.manifestFile ?? 'xtest-pack.json', path: p.path });
      }
    }
  } else {
    const mismatch = (why: string) =>
      new XtestPackError('TESTDATA_MISMATCH', `these are the test data of commit ${dataCommit}, ${manifest.name} ${manifest.version} names commit ${manifest.commit}${why}: use its artifact ${manifest.artifact}`, { file: where });
    if (manifest.ids === undefined) throw mismatch(" (its manifest records no ids to compare: made by xtest-pack 0.1)");
    try {
      paths = manifest.paths.map((p) => ({ path: p, ...idOf(dataCommit, p) }));
    } catch (e) {
      if (isXtestPackError(e, 'OBJECT_MISSING') || isXtestPackError(e, 'UNKNOWN_REVISION')) throw mismatch(', and they lack some of its paths');
      throw e;
    }
    const differs = paths.find((p) => manifest.ids![p.path] !== p.oid);
    if (differs) throw mismatch(`, and ${differs.path} differs (${differs.oid} there, ${manifest.ids[differs.path]} in the package)`);
    otherCommit = dataCommit;
  }
  verifyCommit(data.odb.get(fromHex(dataCommit)!, 'commit').data, data.odb.format, dataCommit);
  const tree = toHex(resolveRevision(ctx, `${dataCommit}:${manifest.directory}`).oid);
  let blobs = 0;
  // Every tree below the listed paths, as a checkout reads them (refused as it refuses them:
  // what git fsck --strict reports); with verify, every blob too.
  lacking(dataCommit, () => {
    const walk = walkTree(data.odb, fromHex(tree)!, manifest.paths, { literal: true, fsck: true });
    if (!options.verify) return [];
    for (const e of walk.entries) {
      if (e.mode === MODE_GITLINK || e.mode === MODE_TREE) continue;
      try {
        data.odb.check(e.oid, 'blob');
      } catch (err) {
        throw isXtestPackError(err) && err.path === undefined ? new XtestPackError(err.code, err.reason, { file: err.file, offset: err.offset, oid: err.oid, path: e.path, cause: err }) : err;
      }
      blobs++;
    }
    return [];
  });
  return { commit: dataCommit, otherCommit, tree, paths, blobs };
}

/** The codes that say the test data hold objects git's fsck refuses: made so upstream. */
const HOSTILE: ReadonlySet<string> = new Set(['OBJECT_INVALID', 'UNSAFE_PATH']);

/** The codes that say the test data are there but damaged or incomplete. */
const DAMAGED: ReadonlySet<string> = new Set([
  'ARCHIVE_CORRUPT', 'CHECKSUM_MISMATCH', 'IDX_MISSING', 'PACK_MISSING', 'IDX_CORRUPT', 'IDX_MISMATCH',
  'PACK_CORRUPT', 'PACK_UNSUPPORTED', 'DELTA_CORRUPT', 'OBJECT_CORRUPT', 'OID_MISMATCH', 'MANIFEST_CORRUPT', 'SHA1_COLLISION',
]);

/**
 * `e` with what a packager does about it: for damaged data, get the artifact again; for absent
 * data, where they come from. Other errors are returned as they are.
 * @example
 *   catch (e) { throw adviseFor(e, manifest); }
 */
export function adviseFor(e: unknown, manifest: PackageManifest): unknown {
  if (!(e instanceof XtestPackError)) return e;
  const source = `the test data${manifest.repository ? ` of ${manifest.repository}` : ''} at commit ${manifest.commit}`;
  let advice: string | undefined;
  if (HOSTILE.has(e.code)) {
    advice = `checkout refuses what the test data hold (git fsck --strict reports it too): report it to the package's authors${manifest.repository ? ` (${manifest.repository})` : ''}`;
  } else if (DAMAGED.has(e.code) && !(e.code === 'MANIFEST_CORRUPT' && e.file?.endsWith(MANIFEST_NAME) && !e.file.includes(':'))) {
    advice = `the test data are damaged or incomplete: get ${manifest.artifact} (${source}) again`;
  } else if (e.code === 'TESTDATA_UNAVAILABLE') {
    advice = `get ${manifest.artifact} (${source})`;
  }
  if (advice === undefined || e.reason.includes(manifest.artifact)) return e;
  return new XtestPackError(e.code, `${e.reason}; ${advice}`, { file: e.file, offset: e.offset, oid: e.oid, path: e.path, cause: e });
}
