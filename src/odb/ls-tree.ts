/**
 * `git ls-tree` (builtin/ls-tree.c): the entries of a tree, recursing where `-r` or a pathspec
 * asks, with git's literal pathspec matching (tree-walk.c `tree_entry_interesting`) and
 * `show_recursive`.
 */
import { concatBytes } from '../pack/bytes.js';
import { toHex } from '../pack/oid.js';
import type { ObjectDatabase } from './database.js';
import { MODE_TREE, modeType, parseTree } from './objects/tree.js';
import { quotePath } from './quote.js';

export interface LsTreeOptions {
  recursive?: boolean;
  /** -t: show trees when recursing. */
  showTrees?: boolean;
  /** -d: only trees (and gitlinks, as git). */
  treesOnly?: boolean;
  nameOnly?: boolean;
  /** -z: NUL-terminated, unquoted. */
  nulTerminated?: boolean;
  /**
   * The current directory inside the work tree ('' at the top): paths are taken relative to it
   * (no paths means this directory), and printed relative to it unless `fullName`.
   */
  prefix?: string;
  fullName?: boolean;
}

const enc = new TextEncoder();

/**
 * The bytes `git ls-tree` prints for `tree` and `paths`.
 * @example
 *   process.stdout.write(lsTree(odb, treeOid, [], { recursive: true }));
 */
export function lsTree(odb: ObjectDatabase, tree: Uint8Array, paths: readonly string[], options: LsTreeOptions = {}): Uint8Array {
  const prefix = options.prefix ?? '';
  const given = prefix !== '' && paths.length === 0 ? ['.'] : paths;
  const specs = given.map((p) => enc.encode(joinPrefix(prefix, p)));
  const relativeTo = options.fullName || prefix === '' ? undefined : enc.encode(prefix);
  const recursive = options.recursive === true;
  const showTrees = options.showTrees === true || (options.treesOnly === true && recursive);
  const out: Uint8Array[] = [];
  const term = options.nulTerminated ? 0 : 0x0a;

  const walk = (oid: Uint8Array, base: Uint8Array) => {
    for (const e of parseTree(odb.get(oid, 'tree').data, odb.format, toHex(oid))) {
      const path = concat(base, e.name);
      const isTree = e.mode === MODE_TREE;
      if (specs.length > 0 && !specs.some((s) => interesting(s, path, e.mode))) continue;
      const type = modeType(e.mode);
      let recurse = false;
      let show = true;
      if (type === 'blob') {
        if (options.treesOnly) show = false;
      } else if (isTree && showRecursive(recursive, specs, base, e.name)) {
        recurse = true;
        if (!showTrees) show = false;
      }
      if (show) {
        const shown = relativeTo ? relativePath(relativeTo, path) : path;
        const name = options.nulTerminated ? shown : quotePath(shown);
        const head = options.nameOnly ? '' : `${e.mode.toString(8).padStart(6, '0')} ${type} ${toHex(e.oid)}\t`;
        out.push(enc.encode(head), name, Uint8Array.of(term));
      }
      if (recurse) walk(e.oid, concat(path, enc.encode('/')));
    }
  };
  walk(tree, new Uint8Array(0));
  return concatBytes(out);
}

/** tree_entry_interesting for a literal pathspec `spec` and an entry at `path`. */
function interesting(spec: Uint8Array, path: Uint8Array, mode: number): boolean {
  const dirLike = mode === MODE_TREE || mode === 0o160000;
  const slash = spec.length > 0 && spec[spec.length - 1] === 0x2f;
  const bare = slash ? spec.subarray(0, spec.length - 1) : spec;
  if (equal(bare, path)) return !slash || dirLike;
  // The entry lies inside the directory the spec names.
  if (path.length > bare.length && startsWith(path, bare) && path[bare.length] === 0x2f) return true;
  // The entry is a directory on the way to the spec.
  return dirLike && spec.length > path.length && startsWith(spec, path) && spec[path.length] === 0x2f;
}

/** git's show_recursive(). */
function showRecursive(recursive: boolean, specs: Uint8Array[], base: Uint8Array, name: Uint8Array): boolean {
  if (recursive) return true;
  for (const spec of specs) {
    if (!startsWith(spec, base)) continue;
    const rest = spec.subarray(base.length);
    if (rest.length <= name.length) continue;
    if (rest[name.length] !== 0x2f) continue;
    if (startsWith(rest, name)) return true;
  }
  return false;
}

/**
 * A path given on the command line in directory `prefix`, from the top: `.` and `..` resolved,
 * a trailing '/' kept (it means "the directory's contents" to ls-tree).
 */
function joinPrefix(prefix: string, path: string): string {
  const slash = path.endsWith('/') || path === '.' || path === '..' || path.endsWith('/.') || path.endsWith('/..');
  const parts = prefix === '' ? [] : prefix.split('/');
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') parts.pop();
    else parts.push(c);
  }
  const joined = parts.join('/');
  return slash && joined !== '' ? `${joined}/` : joined;
}

/** `path` as seen from the directory `from` (git's relative_path: `../` to climb). */
function relativePath(from: Uint8Array, path: Uint8Array): Uint8Array {
  const dirs = new TextDecoder().decode(from).split('/');
  const p = path;
  let common = 0;
  let at = 0;
  for (const d of dirs) {
    const dEnc = enc.encode(d);
    if (p.length >= at + dEnc.length + 1 && startsWith(p.subarray(at), dEnc) && p[at + dEnc.length] === 0x2f) {
      at += dEnc.length + 1;
      common++;
    } else break;
  }
  const up = '../'.repeat(dirs.length - common);
  return concat(enc.encode(up), p.subarray(at));
}

function startsWith(a: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > a.length) return false;
  for (let i = 0; i < prefix.length; i++) if (a[i] !== prefix[i]) return false;
  return true;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && startsWith(a, b);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  return concatBytes([a, b]);
}
