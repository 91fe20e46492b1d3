/**
 * The object-database commands: rev-parse, cat-file, ls-tree. Each prints what the git command
 * of the same name prints for the same repository.
 */
import { XtestPackError } from '../errors.js';
import { nodeStorage } from '../fs/node-storage.js';
import { hashLength, toHex, type ObjectType } from '../pack/oid.js';
import { lsTree } from '../odb/ls-tree.js';
import { openPackDirectory, type Opened } from '../odb/open.js';
import { openRepository } from '../odb/repository.js';
import { peel, resolveRevision, type RevisionContext } from '../odb/revision.js';
import { isArtifactFile, openTestData } from '../artifact/open.js';
import type { CommandContext } from './context.js';

export interface WhereOptions {
  repo?: string;
  objects?: string;
}

export interface CatFileOptions extends WhereOptions {
  t?: boolean;
  s?: boolean;
  e?: boolean;
  p?: boolean;
}

export interface LsTreeOptions extends WhereOptions {
  r?: boolean;
  t?: boolean;
  d?: boolean;
  nameOnly?: boolean;
  nameStatus?: boolean;
  z?: boolean;
  fullName?: boolean;
}

async function open(ctx: CommandContext, opts: WhereOptions): Promise<Opened> {
  if (opts.repo !== undefined && opts.objects !== undefined) {
    throw new XtestPackError('USAGE', '--repo and --objects exclude each other');
  }
  const objects = opts.objects ?? (opts.repo === undefined ? ctx.env['XTEST_PACK_OBJECTS'] || undefined : undefined);
  if (objects !== undefined) {
    if (!isArtifactFile(objects)) return openPackDirectory(objects, nodeStorage, await ctx.backend());
    const data = openTestData(objects, await ctx.backend());
    return { odb: data.odb, refs: undefined, repo: undefined, prefix: '', close: () => data.close() };
  }
  return openRepository(opts.repo, ctx.cwd, nodeStorage, await ctx.backend());
}

/** rev-parse: the id of each revision. */
export async function revParseCommand(ctx: CommandContext, revs: string[], opts: WhereOptions): Promise<void> {
  const o = await open(ctx, opts);
  try {
    const rc: RevisionContext = { odb: o.odb, refs: o.refs, prefix: o.prefix };
    const full = hashLength(o.odb.format) * 2;
    const lines = revs.map((r) => (r.length === full && /^[0-9a-fA-F]+$/.test(r) ? r.toLowerCase() : toHex(resolveRevision(rc, r).oid)));
    ctx.stdout.write(lines.map((l) => `${l}\n`).join(''));
  } finally {
    o.close();
  }
}

/** cat-file: an object, its type or size; with -e only the exit status. */
export async function catFileCommand(ctx: CommandContext, first: string, second: string | undefined, opts: CatFileOptions): Promise<number | void> {
  const modes = [opts.t, opts.s, opts.e, opts.p].filter(Boolean).length;
  if (modes > 1 || (modes === 1 && second !== undefined) || (modes === 0 && second === undefined)) {
    throw new XtestPackError('USAGE', 'cat-file takes one of -t, -s, -e, -p and an object, or a type and an object');
  }
  const o = await open(ctx, opts);
  try {
    const rc: RevisionContext = { odb: o.odb, refs: o.refs, prefix: o.prefix };
    if (opts.e) {
      let ok = false;
      try {
        o.odb.check(resolveRevision(rc, first).oid);
        ok = true;
      } catch (e) {
        if (!(e instanceof XtestPackError)) throw e;
      }
      return ok ? 0 : 1;
    }
    if (modes === 0) {
      const type = first;
      if (!['commit', 'tree', 'blob', 'tag'].includes(type)) throw new XtestPackError('USAGE', `invalid object type "${type}"`);
      const obj = peel(rc, second!, resolveRevision(rc, second!), type as ObjectType);
      ctx.stdout.write(o.odb.get(obj.oid, type as ObjectType).data);
      return;
    }
    const target = resolveRevision(rc, first);
    // -t and -s only hash the object (in pieces when it is large), as git checks it.
    if (opts.t || opts.s) {
      const { type, size } = o.odb.check(target.oid);
      ctx.stdout.write(opts.t ? `${type}\n` : `${size}\n`);
      return;
    }
    const obj = o.odb.get(target.oid);
    if (obj.type === 'tree') ctx.stdout.write(lsTree(o.odb, target.oid, []));
    else ctx.stdout.write(obj.data);
  } finally {
    o.close();
  }
}

/** ls-tree: the entries of a tree. */
export async function lsTreeCommand(ctx: CommandContext, treeish: string, paths: string[], opts: LsTreeOptions): Promise<void> {
  const o = await open(ctx, opts);
  try {
    const rc: RevisionContext = { odb: o.odb, refs: o.refs, prefix: o.prefix };
    const tree = peel(rc, treeish, resolveRevision(rc, treeish), 'tree');
    ctx.stdout.write(
      lsTree(o.odb, tree.oid, paths, {
        prefix: o.prefix,
        fullName: opts.fullName === true,
        recursive: opts.r === true,
        showTrees: opts.t === true,
        treesOnly: opts.d === true,
        nameOnly: opts.nameOnly === true || opts.nameStatus === true,
        nulTerminated: opts.z === true,
      }),
    );
  } finally {
    o.close();
  }
}
