/**
 * The round trips of `xtest-pack fetch` over a transport (the fetch note, sections 3 and 9):
 *
 *   GET   discovery                         protocol v2 and its fetch features
 *   RT1   want <commit> [want <known id>…]  deepen 1, filter blob:none: the commit and all its
 *                                           trees (and the blobs whose ids the manifest gave)
 *         [trees still missing, by level]   when the server sent fewer trees than the walk needs
 *   RT2   want <blob>…                      exactly the selected blobs and the attribute and
 *                                           module files of the trees on the way
 *   RT3   want <what is still missing>      once; then OBJECT_MISSING
 *
 * Every pack is checked as it streams (trailer, count), indexed (every object hashed), and
 * read back through an object database that hashes each object again; what the server sends
 * beyond what was wanted is never used. Where the server has no `filter`, RT1 asks for the
 * commit at depth 1 without one (its whole snapshot) and the rest is pruned locally: a level by
 * level walk cannot keep to the trees on the way there, because wanting the commit already
 * brings its whole tree. Where the server advertises `filter` but refuses `blob:none`, the
 * trees are asked for level by level with `filter tree:0` (plan (a)).
 */
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { parseTree } from '../odb/objects/tree.js';
import { peel } from '../odb/revision.js';
import { fromHex, toHex, type ObjectFormat } from '../pack/oid.js';
import { discover, fetchPack, serverFormat } from './fetch-pack.js';
import type { ServerCapabilities } from './protocol-v2.js';
import { ReceivedPacks } from './received-packs.js';
import { missingTrees, planSelection, type Selection, type SelectionPlan } from './selection.js';
import type { Transport } from './transport.js';

/** How RT1 kept the blobs out. */
export type FilterMode = 'blob:none' | 'tree:0' | 'none';

export interface FetchSelectionOptions {
  /** The commit (or an annotated tag leading to one), as a full hex id. */
  readonly rev: string;
  readonly selection: Selection;
  /** Object ids known before fetching (a package manifest's `ids`): wanted in RT1 already. */
  readonly knownIds?: readonly string[] | undefined;
  /** Also fetch the root tree's `package.json` (not part of the export; see `rootPackageJson`). */
  readonly rootPackageJson?: boolean | undefined;
  /** The object format expected (a manifest's); another one on the server is FORMAT_MISMATCH. */
  readonly format?: ObjectFormat | undefined;
  /** Where received packs are kept (a scratch directory the caller removes). */
  readonly scratch: string;
  /** Cap on the bytes received by the whole fetch (TOO_LARGE beyond). */
  readonly maxBytes: number;
  readonly backend: Backend;
  onProgress?: ((p: { bytes: number; objects: number; requests: number }) => void) | undefined;
}

/** One POST and what came of it. */
export interface FetchRound {
  readonly purpose: 'commit' | 'trees' | 'blobs' | 'again';
  readonly wants: number;
  readonly filter: string | undefined;
  readonly objects: number;
  readonly packBytes: number;
  readonly responseBytes: number;
  /** Wanted ids the pack did not hold. */
  readonly missing: number;
  /** Milliseconds from the request to the pack indexed. */
  readonly ms: number;
}

export interface FetchedSelection {
  readonly format: ObjectFormat;
  readonly commit: Uint8Array;
  readonly tree: Uint8Array;
  readonly plan: SelectionPlan;
  /** The received packs (every object of `plan` is in `store.odb`); the caller closes it. */
  readonly store: ReceivedPacks;
  readonly filter: FilterMode;
  readonly rounds: readonly FetchRound[];
  /** The root tree's package.json, when asked for and present. */
  readonly rootPackageJson: Uint8Array | undefined;
  readonly capabilities: ServerCapabilities;
}

/** An object asked for this many times and still not sent is missing. */
const ASKS = 2;

/**
 * Fetch what the export of `options.selection` at `options.rev` consists of.
 * @throws UNSUPPORTED_REMOTE (not protocol v2), FORMAT_MISMATCH, OBJECT_MISSING (wanted twice,
 *         not sent), UNSAFE_PATH, PATHSPEC_UNMATCHED, TOO_LARGE, UNKNOWN_REVISION (the id is
 *         not a commit), and the errors of `discover` and `fetchPack`; each names the URL.
 * @example
 *   const got = await fetchSelection(transport, { rev, selection: { pathspecs: ['t/t4018'], literal: true }, scratch, maxBytes, backend });
 *   try { writePackFiles(out, packSources(got.store.odb, got.plan.objects.values()), backend, got.format); } finally { got.store.close(); }
 */
export async function fetchSelection(transport: Transport, options: FetchSelectionOptions): Promise<FetchedSelection> {
  const { backend, selection } = options;
  const caps = await discover(transport);
  const format = serverFormat(caps);
  const postUrl = `${transport.url}/git-upload-pack`;
  if (options.format !== undefined && options.format !== format) {
    throw new XtestPackError('FORMAT_MISMATCH', `the repository is ${format}, the package's commit is a ${options.format} id`, { file: transport.url });
  }
  const rev = options.rev.toLowerCase();
  if (fromHex(rev)?.length !== (format === 'sha1' ? 20 : 32)) {
    throw new XtestPackError('USAGE', `${JSON.stringify(options.rev)} is not a full ${format} commit id (over HTTP a commit is named by its id)`);
  }
  const store = new ReceivedPacks(options.scratch, backend, format);
  const rounds: FetchRound[] = [];
  const asked = new Map<string, number>();
  const progress = (objects: number) => options.onProgress?.({ bytes: transport.stats.bytesReceived, objects, requests: transport.stats.requests });

  /** One POST; returns the wanted ids still not held. */
  const round = async (purpose: FetchRound['purpose'], wants: string[], args: { deepen?: number; filter?: string }): Promise<string[]> => {
    for (const w of wants) asked.set(w, (asked.get(w) ?? 0) + 1);
    const started = performance.now();
    const sink = store.sink(() => {
      const received = transport.stats.bytesReceived;
      if (received > options.maxBytes) {
        throw new XtestPackError('TOO_LARGE', `received ${received} bytes, over the ${options.maxBytes}-byte limit (--max-bytes)`, { file: postUrl });
      }
      progress(store.objects);
    });
    let result;
    try {
      result = await fetchPack(transport, caps, { wants, deepen: args.deepen, filter: args.filter, format }, sink, backend);
    } catch (e) {
      store.discard(sink);
      throw e;
    }
    store.add(sink, result);
    progress(store.objects);
    const odb = store.odb;
    const missing = wants.filter((w) => !odb.has(fromHex(w)!));
    rounds.push({
      purpose,
      wants: wants.length,
      filter: result.filtered ? args.filter : undefined,
      objects: result.objectCount,
      packBytes: result.packBytes,
      responseBytes: result.responseBytes,
      missing: missing.length,
      ms: performance.now() - started,
    });
    return missing;
  };
  /** Ask for `wants`, and once more for those not sent; OBJECT_MISSING for any still missing. */
  const ensure = async (purpose: FetchRound['purpose'], wants: string[], args: { deepen?: number; filter?: string }): Promise<void> => {
    let missing = await round(purpose, wants, args);
    const retry = missing.filter((w) => (asked.get(w) ?? 0) < ASKS);
    if (retry.length > 0) missing = [...missing.filter((w) => !retry.includes(w)), ...(await round('again', retry, args))];
    if (missing.length > 0) throw notSent(missing, postUrl);
  };

  try {
    const deepen = caps.fetch?.has('shallow') === true ? 1 : undefined;
    const known = [...new Set((options.knownIds ?? []).map((id) => id.toLowerCase()))].filter((id) => id !== rev);
    let mode: FilterMode = caps.fetch?.has('filter') === true ? 'blob:none' : 'none';
    // RT1. A server may advertise filters and refuse one kind (uploadpackfilter.<kind>.allow).
    for (;;) {
      try {
        if (mode === 'blob:none') {
          // Known ids ride along: wanted explicitly, blobs pass the filter (the note's one-POST variant).
          const missing = await round('commit', [rev, ...known], { ...(deepen ? { deepen } : {}), filter: 'blob:none' });
          if (missing.includes(rev)) await ensure('again', [rev], { ...(deepen ? { deepen } : {}), filter: 'blob:none' });
        } else {
          await ensure('commit', [rev], { ...(deepen ? { deepen } : {}), ...(mode === 'tree:0' ? { filter: 'tree:0' } : {}) });
        }
        break;
      } catch (e) {
        const refused = e instanceof XtestPackError && e.code === 'REMOTE_ERROR' && /filter '[^']*' not supported/.test(e.reason);
        if (e instanceof XtestPackError && e.code === 'REMOTE_ERROR' && /not our ref/.test(e.reason)) {
          const hint = `${e.reason} (an object of commit ${rev} is not on the server: never pushed, or force-pushed away? the package's test-data artifact may still hold it)`;
          throw new XtestPackError(e.code, hint, { file: e.file, offset: e.offset, cause: e });
        }
        if (!refused || mode === 'none') throw e;
        mode = mode === 'blob:none' ? 'tree:0' : 'none';
        asked.clear();
      }
    }
    const revOid = fromHex(rev)!;
    const ctx = { odb: store.odb };
    const commit = named(() => peel(ctx, rev, { oid: revOid, type: undefined }, 'commit'), postUrl, options.scratch).oid;
    const tree = named(() => peel({ odb: store.odb }, rev, { oid: commit, type: 'commit' }, 'tree'), postUrl, options.scratch).oid;

    // The trees the walk needs and the server did not send, level by level.
    const treeFilter = mode === 'none' ? {} : { filter: mode };
    for (;;) {
      const next = named(() => missingTrees(store.odb, tree, selection), postUrl, options.scratch).map(toHex);
      if (next.length === 0) break;
      const twice = next.filter((h) => (asked.get(h) ?? 0) >= ASKS);
      if (twice.length > 0) throw notSent(twice, postUrl);
      await round(next.every((h) => asked.has(h)) ? 'again' : 'trees', next, treeFilter);
    }

    const plan = named(() => planSelection(store.odb, commit, tree, selection), postUrl, options.scratch);
    const odb = store.odb;
    const wants = [...plan.objects.values()].filter((o) => !odb.has(o.oid)).map((o) => toHex(o.oid));
    let packageJson: Uint8Array | undefined;
    if (options.rootPackageJson) {
      const entry = parseTree(odb.get(tree, 'tree').data, format, toHex(tree)).find(
        (e) => (e.mode === 0o100644 || e.mode === 0o100755) && e.name.length === 12 && new TextDecoder().decode(e.name) === 'package.json',
      );
      if (entry !== undefined) {
        if (!odb.has(entry.oid)) wants.push(toHex(entry.oid));
        packageJson = entry.oid;
      }
    }
    if (wants.length > 0) await ensure('blobs', [...new Set(wants)], {});
    const rootPackageJson = packageJson === undefined ? undefined : named(() => store.odb.get(packageJson!, 'blob').data, postUrl, options.scratch);
    return { format, commit, tree, plan, store, filter: mode, rounds, rootPackageJson, capabilities: caps };
  } catch (e) {
    store.close();
    throw e;
  }
}

function notSent(ids: readonly string[], url: string): XtestPackError {
  const shown = ids.slice(0, 3).join(', ') + (ids.length > 3 ? ` and ${ids.length - 3} more` : '');
  return new XtestPackError('OBJECT_MISSING', `the server did not send ${ids.length === 1 ? 'a wanted object' : `${ids.length} wanted objects`}, asked for twice: ${shown}`, {
    file: url,
  });
}

/**
 * Run `f`, a read of the received packs: its XtestPackError is given `url` as its place (the
 * scratch file it may name, and an offset in it, mean nothing to a user).
 */
function named<R>(f: () => R, url: string, scratch: string): R {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof XtestPackError)) throw e;
    if (e.file === undefined) throw e.withFile(url);
    if (!e.file.startsWith(scratch)) throw e;
    throw new XtestPackError(e.code, e.reason, { file: `${url} (pack)`, oid: e.oid, path: e.path, cause: e });
  }
}
