/**
 * Revisions, the subset of gitrevisions(7) that names one object: full and abbreviated ids,
 * ref names (git's lookup order), `HEAD` and `@`, `<rev>~N`, `<rev>^N`, `<rev>^{type}`,
 * `<rev>^{}`, and `<rev>:<path>`. Resolution follows git's object-name.c: a full id is taken
 * as it is; otherwise refs win over abbreviated ids.
 */
import { XtestPackError } from '../errors.js';
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
}

export interface ResolvedObject {
  readonly oid: Uint8Array;
  readonly type: ObjectType;
  /** For `<rev>:<path>`: the entry's mode in its tree. */
  readonly mode?: number;
}

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
  return resolveSuffixes(ctx, rev, rev);
}

function resolvePath(ctx: RevisionContext, whole: string, treeish: string, path: string): ResolvedObject {
  let cur = peel(ctx, whole, resolveSuffixes(ctx, whole, treeish), 'tree');
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) return cur;
  const enc = new TextEncoder();
  let mode = MODE_TREE;
  for (let k = 0; k < parts.length; k++) {
    if (cur.type !== 'tree') throw unknown(whole, `path '${path}' does not exist in '${treeish}'`);
    const want = enc.encode(parts[k]!);
    const data = ctx.odb.get(cur.oid).data;
    const entry = parseTree(data, ctx.odb.format, toHex(cur.oid)).find((e) => sameBytes(e.name, want));
    if (!entry) throw unknown(whole, `path '${path}' does not exist in '${treeish}'`);
    mode = entry.mode;
    const type: ObjectType = entry.mode === MODE_TREE ? 'tree' : entry.mode === 0o160000 ? 'commit' : 'blob';
    cur = { oid: entry.oid.slice(), type };
  }
  return { ...cur, mode };
}

function resolveSuffixes(ctx: RevisionContext, whole: string, rev: string): ResolvedObject {
  // ^{...}
  if (rev.endsWith('}')) {
    const at = rev.lastIndexOf('^{');
    if (at < 0) throw unknown(whole);
    const what = rev.slice(at + 2, -1);
    const base = resolveSuffixes(ctx, whole, rev.slice(0, at));
    if (what === '') return peel(ctx, whole, base, undefined);
    if (what === 'object') return base;
    if (what === 'commit' || what === 'tree' || what === 'blob' || what === 'tag') return peel(ctx, whole, base, what);
    throw unknown(whole, `^{${what}} is not supported`);
  }
  // ~N, ^N (the digits after the last ~ or ^)
  const m = /^(.*?)([~^])(\d*)$/s.exec(rev);
  if (m && m[1] !== '') {
    const n = m[3] === '' ? 1 : Number(m[3]);
    const base = peel(ctx, whole, resolveSuffixes(ctx, whole, m[1]!), 'commit');
    if (m[2] === '^') {
      if (n === 0) return base;
      const parents = parseCommit(ctx.odb.get(base.oid, 'commit').data, ctx.odb.format, toHex(base.oid)).parents;
      const p = parents[n - 1];
      if (!p) throw unknown(whole, `${toHex(base.oid)} has no parent ${n}`);
      return { oid: p.slice(), type: 'commit' };
    }
    let cur = base;
    for (let k = 0; k < n; k++) {
      const parents = parseCommit(ctx.odb.get(cur.oid, 'commit').data, ctx.odb.format, toHex(cur.oid)).parents;
      if (!parents[0]) throw unknown(whole, `${toHex(cur.oid)} has no parent`);
      cur = { oid: parents[0].slice(), type: 'commit' };
    }
    return cur;
  }
  return resolveName(ctx, whole, rev);
}

function resolveName(ctx: RevisionContext, whole: string, name: string): ResolvedObject {
  const { odb, refs } = ctx;
  const full = hashLength(odb.format) * 2;
  const withType = (oid: Uint8Array): ResolvedObject => ({ oid, type: odb.get(oid).type });
  if (name.length === full && /^[0-9a-fA-F]+$/.test(name)) return withType(fromHex(name.toLowerCase())!);
  if (refs) {
    const found = refs.dwim(name === '@' ? 'HEAD' : name);
    if (found[0]) return withType(found[0].oid.slice());
  }
  if (name.length >= 4 && name.length < full && /^[0-9a-fA-F]+$/.test(name)) {
    try {
      return withType(odb.resolvePrefix(name));
    } catch (e) {
      if (e instanceof XtestPackError && e.code === 'OBJECT_MISSING') throw unknown(whole);
      throw e;
    }
  }
  throw unknown(whole);
}

/**
 * Peel `obj` as git's `^{type}` does: tags to what they point at, a commit to its tree when a
 * tree is wanted; `undefined` peels tags only.
 */
export function peel(ctx: RevisionContext, whole: string, obj: ResolvedObject, want: ObjectType | undefined): ResolvedObject {
  let cur = obj;
  for (let hops = 0; ; hops++) {
    if (cur.type === want) return cur;
    if (cur.type === 'tag') {
      if (hops > 64) throw unknown(whole, 'tag chain too long');
      const tag = parseTag(read(ctx, cur).data, ctx.odb.format, toHex(cur.oid));
      cur = { oid: tag.object.slice(), type: ctx.odb.get(tag.object).type };
      continue;
    }
    if (want === undefined) return cur;
    if (cur.type === 'commit' && want === 'tree') {
      const commit = parseCommit(read(ctx, cur).data, ctx.odb.format, toHex(cur.oid));
      return { oid: commit.tree.slice(), type: 'tree' };
    }
    throw unknown(whole, `${toHex(obj.oid)} is a ${cur.type}, not a ${want}`);
  }
}

function read(ctx: RevisionContext, obj: ResolvedObject): RawObject {
  return ctx.odb.get(obj.oid, obj.type);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
