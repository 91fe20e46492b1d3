/**
 * Revisions, the subset of gitrevisions(7) that names one object: full and abbreviated ids,
 * ref names (git's lookup order), `HEAD` and `@`, `<rev>~N`, `<rev>^N`, `<rev>^{type}`,
 * `<rev>^{}`, and `<rev>:<path>` (with `./` and `../` relative to the current directory).
 * Resolution follows git's object-name.c: a full id is taken as it is (it need not exist);
 * otherwise refs win over abbreviated ids, and an abbreviation several objects share is
 * settled by what the rest of the revision needs (a commit for `~`, a tree for `:path`).
 */
import { XtestPackError } from '../errors.js';
import { bytesEqual } from '../pack/bytes.js';
import { fromHex, hashLength, toHex, type ObjectType } from '../pack/oid.js';
import type { ObjectDatabase, RawObject } from './database.js';
import { parseCommit } from './objects/commit.js';
import { parseTag } from './objects/tag.js';
import { parseTree, MODE_TREE } from './objects/tree.js';
import type { RefStore } from './refs.js';

export interface RevisionContext {
  readonly odb: ObjectDatabase;
  /** Absent for a bare pack directory: then only ids name objects. */
  readonly refs?: RefStore | undefined;
  /** The current directory inside the work tree, for `<rev>:./path` ('' at the top). */
  readonly prefix?: string;
}

export interface ResolvedObject {
  readonly oid: Uint8Array;
  /** The object's type; undefined until something needs it (the object may not exist). */
  readonly type: ObjectType | undefined;
  /** For `<rev>:<path>`: the entry's mode in its tree. */
  readonly mode?: number;
}

/** What the rest of a revision needs an abbreviation to name. */
type Want = 'committish' | 'treeish' | undefined;

function unknown(rev: string, why?: string): XtestPackError {
  return new XtestPackError('UNKNOWN_REVISION', `unknown revision ${JSON.stringify(rev)}${why ? `: ${why}` : ''}`);
}

/**
 * Resolve a revision to one object.
 * @throws UNKNOWN_REVISION, AMBIGUOUS_OID, OBJECT_MISSING, and object read errors.
 * @example
 *   toHex(resolveRevision(ctx, 'HEAD~2^{tree}').oid)
 */
export function resolveRevision(ctx: RevisionContext, rev: string): ResolvedObject {
  // <rev>:<path>, the first ':' outside ^{...}
  let depth = 0;
  for (let i = 0; i < rev.length; i++) {
    const c = rev[i];
    if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    else if (c === ':' && depth === 0) {
      if (i === 0) throw unknown(rev, 'paths in the index (":path") need a work tree index, which is not read');
      return resolvePath(ctx, rev, rev.slice(0, i), rev.slice(i + 1));
    }
  }
  return resolveSuffixes(ctx, rev, rev, undefined);
}

/** The type of `obj`, read from the database when not yet known. */
export function typeOf(ctx: RevisionContext, obj: ResolvedObject): ObjectType {
  return obj.type ?? ctx.odb.get(obj.oid).type;
}

function resolvePath(ctx: RevisionContext, whole: string, treeish: string, rawPath: string): ResolvedObject {
  let cur = peel(ctx, whole, resolveSuffixes(ctx, whole, treeish, 'treeish'), 'tree');
  // A trailing '/' asks for a directory: allowed there only.
  const dirOnly = rawPath.length > 1 && rawPath.endsWith('/') && !rawPath.endsWith('//');
  const path = normalizeRevPath(whole, dirOnly ? rawPath.slice(0, -1) : rawPath, ctx.prefix ?? '');
  if (path === '') return cur;
  const enc = new TextEncoder();
  let mode = MODE_TREE;
  for (const part of path.split('/')) {
    if (cur.type !== 'tree') throw unknown(whole, `path '${rawPath}' does not exist in '${treeish}'`);
    const want = enc.encode(part);
    const data = ctx.odb.get(cur.oid, 'tree').data;
    const entry = parseTree(data, ctx.odb.format, toHex(cur.oid)).find((e) => bytesEqual(e.name, want));
    if (!entry) throw unknown(whole, `path '${rawPath}' does not exist in '${treeish}'`);
    mode = entry.mode;
    const type: ObjectType = entry.mode === MODE_TREE ? 'tree' : entry.mode === 0o160000 ? 'commit' : 'blob';
    cur = { oid: entry.oid.slice(), type };
  }
  if (dirOnly && mode !== MODE_TREE) throw unknown(whole, `'${rawPath}' is not a directory`);
  return { ...cur, mode };
}

/**
 * The tree path of `<rev>:<path>`: relative to the current directory when it starts with `./`
 * or `../`, else from the top; empty components are refused, as by git.
 */
function normalizeRevPath(whole: string, path: string, prefix: string): string {
  if (path === '') return '';
  const relative = path === '.' || path === '..' || path.startsWith('./') || path.startsWith('../');
  const parts = relative ? (prefix === '' ? [] : prefix.split('/')) : [];
  const comps = path.split('/');
  for (let i = 0; i < comps.length; i++) {
    const c = comps[i]!;
    if (relative && c === '.') continue;
    if (relative && c === '..') {
      if (parts.length === 0) throw unknown(whole, `'${path}' is outside the repository`);
      parts.pop();
      continue;
    }
    if (c === '' && !(relative && i === comps.length - 1)) throw unknown(whole, `path '${path}' has an empty component`);
    if (c !== '') parts.push(c);
  }
  return parts.join('/');
}

function resolveSuffixes(ctx: RevisionContext, whole: string, rev: string, want: Want): ResolvedObject {
  // ^{...}
  if (rev.endsWith('}')) {
    const at = rev.lastIndexOf('^{');
    if (at < 0) throw unknown(whole);
    const what = rev.slice(at + 2, -1);
    const inner = what === 'commit' ? 'committish' : what === 'tree' ? 'treeish' : want;
    const base = resolveSuffixes(ctx, whole, rev.slice(0, at), inner);
    if (what === '') return peel(ctx, whole, base, undefined);
    if (what === 'object') return { oid: base.oid, type: typeOf(ctx, base) };
    if (what === 'commit' || what === 'tree' || what === 'blob' || what === 'tag') return peel(ctx, whole, base, what);
    throw unknown(whole, `^{${what}} is not supported`);
  }
  // ~N, ^N (the digits after the last ~ or ^)
  const m = /^(.*?)([~^])(\d*)$/s.exec(rev);
  if (m && m[1] !== '') {
    const n = m[3] === '' ? 1 : Number(m[3]);
    const base = peel(ctx, whole, resolveSuffixes(ctx, whole, m[1]!, 'committish'), 'commit');
    if (m[2] === '^') {
      if (n === 0) return base;
      const parents = parseCommit(ctx.odb.get(base.oid, 'commit').data, ctx.odb.format, toHex(base.oid)).parents;
      const p = parents[n - 1];
      if (!p) throw unknown(whole, `${toHex(base.oid)} has no parent ${n}`);
      return { oid: p.slice(), type: undefined };
    }
    let cur = base;
    for (let k = 0; k < n; k++) {
      const parents = parseCommit(ctx.odb.get(cur.oid, 'commit').data, ctx.odb.format, toHex(cur.oid)).parents;
      if (!parents[0]) throw unknown(whole, `${toHex(cur.oid)} has no parent`);
      cur = { oid: parents[0].slice(), type: 'commit' };
    }
    return cur;
  }
  return resolveName(ctx, whole, rev, want);
}

function resolveName(ctx: RevisionContext, whole: string, name: string, want: Want): ResolvedObject {
  const { odb, refs } = ctx;
  const full = hashLength(odb.format) * 2;
  if (name.length === full && /^[0-9a-fA-F]+$/.test(name)) return { oid: fromHex(name.toLowerCase())!, type: undefined };
  if (refs) {
    const found = refs.dwim(name === '@' ? 'HEAD' : name);
    if (found[0]) return { oid: found[0].oid.slice(), type: undefined };
  }
  if (name.length >= 4 && name.length < full && /^[0-9a-fA-F]+$/.test(name)) {
    const candidates = odb.findPrefix(name, 64);
    if (candidates.length === 0) throw unknown(whole);
    if (candidates.length === 1) return { oid: fromHex(candidates[0]!)!, type: undefined };
    // git's disambiguation: keep the candidates that can serve what the revision needs.
    const fit = want === undefined ? [] : candidates.filter((hex) => leadsTo(ctx, fromHex(hex)!, want));
    if (fit.length === 1) return { oid: fromHex(fit[0]!)!, type: undefined };
    throw new XtestPackError('AMBIGUOUS_OID', `short object ID ${name} is ambiguous; candidates: ${candidates.slice(0, 16).join(', ')}`);
  }
  throw unknown(whole);
}

/** Does `oid` peel to a commit (committish) or to a tree (treeish: trees, commits)? */
function leadsTo(ctx: RevisionContext, oid: Uint8Array, want: 'committish' | 'treeish'): boolean {
  let cur = oid;
  for (let hops = 0; hops < 64; hops++) {
    const obj = ctx.odb.find(cur);
    if (!obj) return false;
    if (obj.type === 'commit') return true;
    if (obj.type === 'tree') return want === 'treeish';
    if (obj.type !== 'tag') return false;
    cur = parseTag(obj.data, ctx.odb.format, toHex(cur)).object;
  }
  return false;
}

/**
 * Peel `obj` as git's `^{type}` does: tags to what they point at, a commit to its tree when a
 * tree is wanted; `undefined` peels tags only. `onPeel` sees each tag and commit peeled, before
 * it is parsed (a checkout refuses one that git's fsck reports).
 * @throws UNKNOWN_REVISION, OBJECT_MISSING, OBJECT_INVALID (a tag whose type line is not its
 *         object's type), object read errors, and what `onPeel` throws.
 * @example
 *   const tree = peel(ctx, rev, resolveRevision(ctx, rev), 'tree');
 */
export function peel(
  ctx: RevisionContext,
  whole: string,
  obj: ResolvedObject,
  want: ObjectType | undefined,
  onPeel?: (oid: Uint8Array, raw: RawObject) => void,
): ResolvedObject {
  // An object read to learn its type is kept for the next step, not read a second time.
  let raw: RawObject | undefined = obj.type === undefined ? ctx.odb.get(obj.oid) : undefined;
  let cur: ResolvedObject = { oid: obj.oid, type: raw?.type ?? obj.type };
  for (let hops = 0; ; hops++) {
    if (cur.type === want) return cur;
    if (cur.type === 'tag') {
      if (hops > 64) throw unknown(whole, 'tag chain too long');
      raw ??= read(ctx, cur);
      onPeel?.(cur.oid, raw);
      const tag = parseTag(raw.data, ctx.odb.format, toHex(cur.oid));
      raw = ctx.odb.get(tag.object);
      // git's parse_tag: "object <id> is a commit, not a blob"; the tag cannot be parsed.
      if (raw.type !== tag.type) {
        throw new XtestPackError('OBJECT_INVALID', `tag points at a ${raw.type} (${toHex(tag.object)}), its type line says ${tag.type}`, { oid: toHex(cur.oid) });
      }
      cur = { oid: tag.object.slice(), type: raw.type };
      continue;
    }
    if (want === undefined) return cur;
    if (cur.type === 'commit' && want === 'tree') {
      raw ??= read(ctx, cur);
      onPeel?.(cur.oid, raw);
      const commit = parseCommit(raw.data, ctx.odb.format, toHex(cur.oid));
      return { oid: commit.tree.slice(), type: 'tree' };
    }
    throw unknown(whole, `${toHex(obj.oid)} is a ${cur.type}, not a ${want}`);
  }
}

function read(ctx: RevisionContext, obj: ResolvedObject): RawObject {
  return ctx.odb.get(obj.oid, obj.type);
}

