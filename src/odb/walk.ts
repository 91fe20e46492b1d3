/**
 * Walking a tree to the entries pathspecs select, reading only the trees on the way.
 *
 * A pathspec is a path relative to the tree's root: a file selects itself, a directory selects
 * everything below it, and a glob (`*`, `?`, `[...]`, `**`, matched as `:(glob)` does) selects
 * what it matches, a matched directory with everything below it. A trailing `/` restricts a
 * pathspec to directories. Subtrees that no pathspec can reach are never read.
 */
import { XtestPackError } from '../errors.js';
import { hashLength, toHex } from '../pack/oid.js';
import type { ObjectDatabase } from './database.js';
import { asciiNameKey, MODE_GITLINK, MODE_TREE, scanTree, treeEntryAt, verifyTree, type TreeEntry } from './objects/tree.js';
import type { ScannedEntry } from './objects/tree-fsck.js';
import { hasWildcard, wildmatch } from './wildmatch.js';
import { decodeUtf8 } from '../pack/utf8.js';

export interface WalkEntry {
  /** Path from the root, '/'-separated, decoded as UTF-8 (`pathBytes` has the exact bytes). */
  readonly path: string;
  readonly pathBytes: Uint8Array;
  readonly mode: number;
  readonly oid: Uint8Array;
}

/**
 * What the walk reads trees through: an object database, or anything answering as one for
 * trees (a fetch that has received only some of them learns here which it still lacks).
 */
export type TreeReader = Pick<ObjectDatabase, 'format' | 'get' | 'has'>;

export interface WalkResult {
  /** Selected blobs, symlinks and gitlinks, in git's order (a depth-first walk of sorted trees). */
  readonly entries: WalkEntry[];
  /** Trees read on the way (the root first), with their paths ('' for the root). */
  readonly trees: WalkEntry[];
  /** Pathspecs that selected nothing. */
  readonly unmatched: string[];
}

/**
 * The selected entries split into files (blobs and symbolic links) and the paths of gitlinks
 * (submodules), which no command here writes or exports.
 */
export function splitGitlinks(entries: readonly WalkEntry[]): { files: WalkEntry[]; gitlinks: string[] } {
  const files: WalkEntry[] = [];
  const gitlinks: string[] = [];
  for (const e of entries) {
    if (e.mode === MODE_GITLINK) gitlinks.push(e.path);
    else files.push(e);
  }
  return { files, gitlinks };
}

interface Spec {
  readonly text: string;
  readonly pattern: string;
  readonly dirOnly: boolean;
  readonly glob: boolean;
  hits: number;
}

/**
 * Normalize and check one pathspec.
 * @throws USAGE for an absolute path, or one with `..` or `.` components.
 */
export function parsePathspec(text: string, literal = false): Spec {
  let t = text.replace(/^(\.\/)+/, '');
  const dirOnly = t.endsWith('/');
  t = t.replace(/\/+$/, '');
  if (text.startsWith('/') || t.split('/').some((c) => c === '..' || c === '.')) {
    throw new XtestPackError('USAGE', `pathspec ${JSON.stringify(text)} is absolute or climbs with '..'`);
  }
  return { text, pattern: t, dirOnly, glob: !literal && hasWildcard(t), hits: 0 };
}

export interface WalkOptions {
  /** Pathspecs are literal paths: `*`, `?`, `[` are name characters (a manifest's file list). */
  literal?: boolean;
  /**
   * A subtree the walk enters only because a glob might match below it, and that the object
   * database does not hold, is passed over instead of an error (a pack directory holds only the
   * trees on the way to what was exported).
   */
  skipMissingSpeculative?: boolean;
  /**
   * Called for every entry the walk takes or enters, with its raw name, mode and path: a
   * checkout refuses hostile names here, before anything is written. Each tree's entries come
   * in order, and `duplicate` says the same name came earlier in that tree.
   */
  onEntry?: (name: Uint8Array, mode: number, path: string, duplicate: boolean) => void;
  /**
   * Refuse every tree on the way (the whole tree, not only the entries taken) that `git fsck
   * --strict` reports (verifyTree: UNSAFE_PATH for a name, OBJECT_INVALID for the rest), before
   * any of its entries is taken. The checks cost nothing more than reading the tree: scanTree
   * makes them as it goes.
   */
  fsck?: boolean;
}

/**
 * Walk `tree` to what `pathspecs` select (everything when there are none).
 * @throws OBJECT_MISSING, OBJECT_CORRUPT, OID_MISMATCH for trees on the way; with `fsck`,
 *         UNSAFE_PATH and OBJECT_INVALID.
 * @example
 *   const { entries, unmatched } = walkTree(odb, treeOid, ['fixtures/', 'test/*.json']);
 */
export function walkTree(odb: TreeReader, tree: Uint8Array, pathspecs: readonly string[], options: WalkOptions = {}): WalkResult {
  const specs = pathspecs.map((p) => parsePathspec(p, options.literal === true));
  const all = specs.length === 0 || specs.some((s) => s.pattern === '');
  for (const s of specs) if (s.pattern === '') s.hits++;
  const entries: WalkEntry[] = [];
  const trees: WalkEntry[] = [];
  // Literal pathspecs are looked up, not each tried on every entry: the walk costs the trees'
  // entries, not entries times pathspecs (a checkout of 500 files passes 500 pathspecs).
  const exact = new Map<string, Spec[]>();
  /** Every directory strictly above a literal pathspec: where a literal one reaches below. */
  const above = new Set<string>();
  const globs: Spec[] = [];
  /**
   * By directory, keys (asciiNameKey) of every name that could make an entry there a pathspec or a
   * directory above one: each rest of a literal pathspec below the directory, cut at any '/'
   * (a name holding '/' that equals a pathspec is taken, and so refused). The other entries are
   * passed over before their names are decoded. null where such a name is not ASCII or empty
   * (compared decoded then, as everywhere else).
   */
  const wanted = new Map<string, Set<number> | null>();
  const want = (dir: string, name: string): void => {
    const keys = wanted.get(dir);
    if (!/^[\x00-\x7f]+$/.test(name)) wanted.set(dir, null);
    else if (keys === undefined) wanted.set(dir, new Set([asciiNameKey(name)]));
    else keys?.add(asciiNameKey(name));
  };
  for (const s of specs) {
    if (s.glob) {
      globs.push(s);
      continue;
    }
    const pat = s.pattern;
    if (pat === '') continue;
    const same = exact.get(pat);
    if (same) same.push(s);
    else exact.set(pat, [s]);
    const slashes: number[] = [];
    for (let i = pat.indexOf('/'); i >= 0; i = pat.indexOf('/', i + 1)) slashes.push(i);
    for (const cut of slashes) above.add(pat.slice(0, cut));
    for (const [k, from] of [-1, ...slashes].entries()) {
      const dir = from < 0 ? '' : pat.slice(0, from);
      for (const to of [...slashes.slice(k), pat.length]) want(dir, pat.slice(from + 1, to));
    }
  }

  const visit = (oid: Uint8Array, path: string, pathBytes: Uint8Array, selected: boolean, speculative: boolean) => {
    let data: Uint8Array;
    try {
      if (speculative && options.skipMissingSpeculative && !odb.has(oid)) return;
      data = odb.get(oid, 'tree').data;
    } catch (e) {
      // Name the path the tree was reached by: the id alone does not tell a user what is missing.
      if (e instanceof XtestPackError && e.path === undefined) {
        throw new XtestPackError(e.code, e.reason, { file: e.file, offset: e.offset, oid: e.oid ?? toHex(oid), path: path === '' ? '/' : `${path}/`, cause: e });
      }
      throw e;
    }
    trees.push({ path, pathBytes, mode: MODE_TREE, oid });
    const seen = options.onEntry ? new Set<string>() : undefined;
    // The whole tree is checked first, then its entries are taken in order. Only literal
    // pathspecs can select here: an entry whose name none of them needs is passed over, before
    // anything is made of it.
    const keys = selected || globs.length > 0 ? null : wanted.get(path) ?? null;
    const candidates: TreeEntry[] = [];
    const hex = toHex(oid);
    let problems: number;
    try {
      problems = scanTree(
        data,
        odb.format,
        hex,
        (modeStart, nameStart, nameEnd, rawMode) => candidates.push(treeEntryAt(data, odb.format, modeStart, nameStart, nameEnd, rawMode)),
        keys ?? undefined,
      );
    } catch (e) {
      throw e instanceof XtestPackError && e.path === undefined ? new XtestPackError(e.code, e.reason, { oid: e.oid, path: path === '' ? '/' : `${path}/`, cause: e }) : e;
    }
    if (options.fsck && problems !== 0) {
      // Where each entry lies, for the error's words: read again only on the way to refusing.
      const all: ScannedEntry[] = [];
      const every = () => {
        scanTree(data, odb.format, hex, (modeStart, nameStart, nameEnd, mode) => all.push({ modeStart, nameStart, nameEnd, mode }));
        return all;
      };
      verifyTree(data, every, problems, hashLength(odb.format), hex, path);
    }
    for (const e of candidates) {
      const name = decodeName(e.name);
      const childPath = path === '' ? name : `${path}/${name}`;
      const isTree = e.mode === MODE_TREE;
      let take = selected;
      // Every pathspec is tried, also below a directory another one selected, so that
      // overlapping pathspecs each count as matched.
      for (const s of exact.get(childPath) ?? NONE) {
        if (s.dirOnly && !isTree) continue;
        s.hits++;
        take = true;
      }
      for (const s of globs) {
        if (s.dirOnly && !isTree) continue;
        if (wildmatch(s.pattern, childPath)) {
          s.hits++;
          take = true;
        }
      }
      const literalBelow = isTree && above.has(childPath);
      const enter = isTree && (take || literalBelow || globs.some((s) => mayReachBelow(s, childPath)));
      if (!take && !enter) continue;
      if (seen) {
        const key = latin1Key(e.name);
        options.onEntry!(e.name, e.mode, childPath, seen.has(key));
        seen.add(key);
      }
      const childBytes = path === '' ? e.name : concat(pathBytes, e.name);
      if (enter) {
        const literalThrough = take || literalBelow;
        visit(e.oid, childPath, childBytes, take, speculative || !literalThrough);
      } else if (!isTree) {
        entries.push({ path: childPath, pathBytes: childBytes, mode: e.mode, oid: e.oid });
      }
    }
  };
  visit(tree, '', new Uint8Array(0), all, false);
  return { entries, trees, unmatched: specs.filter((s) => s.hits === 0).map((s) => s.text) };
}

const NONE: readonly Spec[] = [];

/** A name's UTF-8 as a string; plain ASCII (nearly every name) without the decoder's call cost. */
function decodeName(b: Uint8Array): string {
  if (b.length > 255) return decodeUtf8(b);
  for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80) return decodeUtf8(b);
  return String.fromCharCode.apply(null, b as unknown as number[]);
}

function latin1Key(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Could the glob `spec` select something strictly below the directory `dir`? */
function mayReachBelow(spec: Spec, dir: string): boolean {
  const pat = spec.pattern.split('/');
  const d = dir.split('/');
  // Components before the first '**' must match the directory's, one for one; after a '**'
  // anything can follow.
  const star = pat.indexOf('**');
  if (star < 0) return d.length < pat.length && d.every((c, i) => wildmatch(pat[i]!, c));
  for (let i = 0; i < Math.min(star, d.length); i++) if (!wildmatch(pat[i]!, d[i]!)) return false;
  return true;
}

function concat(dir: Uint8Array, name: Uint8Array): Uint8Array {
  const out = new Uint8Array(dir.length + 1 + name.length);
  out.set(dir);
  out[dir.length] = 0x2f;
  out.set(name, dir.length + 1);
  return out;
}
