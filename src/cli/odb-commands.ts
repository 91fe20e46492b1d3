/**
 * The object-database commands: rev-parse, cat-file, ls-tree. Each prints what the git command
 * of the same name prints for the same repository.
 */
import type { Command } from 'commander';
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { nodeStorage } from '../fs/node-storage.js';
import { hashLength, toHex, type ObjectType } from '../pack/oid.js';
import { lsTree } from '../odb/ls-tree.js';
import { openPackDirectory, openRepository, type Opened } from '../odb/open.js';
import { isArtifactFile, openTestData } from '../testdata/artifact.js';
import { peel, resolveRevision, type RevisionContext } from '../odb/revision.js';

export interface OdbCommandIo {
  stdout: { write(s: string | Uint8Array): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
  backend: () => Backend;
}

interface WhereOptions {
  repo?: string;
  objects?: string;
}

/** Thrown to end with an exit code and no message (cat-file -e). */
export class SilentExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function open(io: OdbCommandIo, opts: WhereOptions): Opened {
  if (opts.repo !== undefined && opts.objects !== undefined) {
    throw new XtestPackError('INVALID_ARGUMENT', '--repo and --objects exclude each other');
  }
  const objects = opts.objects ?? (opts.repo === undefined ? io.env['XTEST_PACK_OBJECTS'] || undefined : undefined);
  if (objects !== undefined) {
    if (!isArtifactFile(objects)) return openPackDirectory(objects, nodeStorage, io.backend());
    const data = openTestData(objects, io.backend());
    return { odb: data.odb, refs: undefined, repo: undefined, prefix: '', close: () => data.close() };
  }
  return openRepository(opts.repo, io.cwd, nodeStorage, io.backend());
}

function withWhere(cmd: Command): Command {
  return cmd
    .option('--repo <path>', 'the repository (default: found from the current directory)')
    .option('--objects <dir>', 'a bare pack directory or test-data .tar.gz instead of a repository (default: $XTEST_PACK_OBJECTS)');
}

/** Register rev-parse, cat-file and ls-tree on `program`. */
export function addOdbCommands(program: Command, io: OdbCommandIo): void {
  withWhere(
    program
      .command('rev-parse')
      .description('print the object id each revision names, as git rev-parse')
      .argument('<rev...>', 'revisions: ids, abbreviations, refs, HEAD, <rev>~N, <rev>^N, <rev>^{type}, <rev>:<path>'),
  ).action((revs: string[], opts: WhereOptions) => {
    const o = open(io, opts);
    try {
      const ctx: RevisionContext = { odb: o.odb, refs: o.refs, prefix: o.prefix };
      const full = hashLength(o.odb.format) * 2;
      const lines = revs.map((r) =>
        r.length === full && /^[0-9a-fA-F]+$/.test(r) ? r.toLowerCase() : toHex(resolveRevision(ctx, r).oid),
      );
      io.stdout.write(lines.map((l) => `${l}\n`).join(''));
    } finally {
      o.close();
    }
  });

  withWhere(
    program
      .command('cat-file')
      .description('print an object, its type or size, as git cat-file')
      .usage('(-t | -s | -e | -p | <type>) <object>')
      .argument('<type-or-object>', 'a type (commit, tree, blob, tag) followed by the object, or the object with -t/-s/-e/-p')
      .argument('[object]')
      .option('-t', 'the object type')
      .option('-s', 'the object size')
      .option('-e', 'exit 0 when the object exists and is valid, 1 otherwise, printing nothing')
      .option('-p', 'pretty-print the object'),
  ).action((first: string, second: string | undefined, opts: WhereOptions & { t?: boolean; s?: boolean; e?: boolean; p?: boolean }) => {
    const modes = [opts.t, opts.s, opts.e, opts.p].filter(Boolean).length;
    if (modes > 1 || (modes === 1 && second !== undefined) || (modes === 0 && second === undefined)) {
      throw new XtestPackError('INVALID_ARGUMENT', 'cat-file takes one of -t, -s, -e, -p and an object, or a type and an object');
    }
    const o = open(io, opts);
    try {
      const ctx: RevisionContext = { odb: o.odb, refs: o.refs, prefix: o.prefix };
      if (opts.e) {
        let ok = false;
        try {
          ok = o.odb.find(resolveRevision(ctx, first).oid) !== undefined;
        } catch (e) {
          if (!(e instanceof XtestPackError)) throw e;
        }
        throw new SilentExit(ok ? 0 : 1);
      }
      if (modes === 0) {
        const type = first;
        if (!['commit', 'tree', 'blob', 'tag'].includes(type)) throw new XtestPackError('INVALID_ARGUMENT', `invalid object type "${type}"`);
        const obj = peel(ctx, second!, resolveRevision(ctx, second!), type as ObjectType);
        io.stdout.write(o.odb.get(obj.oid, type as ObjectType).data);
        return;
      }
      const target = resolveRevision(ctx, first);
      const obj = o.odb.get(target.oid);
      if (opts.t) io.stdout.write(`${obj.type}\n`);
      else if (opts.s) io.stdout.write(`${obj.data.length}\n`);
      else if (obj.type === 'tree') io.stdout.write(lsTree(o.odb, target.oid, []));
      else io.stdout.write(obj.data);
    } finally {
      o.close();
    }
  });

  withWhere(
    program
      .command('ls-tree')
      .description('list the entries of a tree, as git ls-tree')
      .argument('<tree-ish>', 'a tree, or a commit or tag that leads to one')
      .argument('[path...]', 'only these paths (literal, as git ls-tree)')
      .option('-r', 'recurse into subtrees')
      .option('-t', 'show trees when recursing')
      .option('-d', 'only trees')
      .option('--name-only', 'only the paths')
      .option('--name-status', 'same as --name-only')
      .option('-z', 'NUL-terminate lines and do not quote paths')
      .option('--full-name', 'print paths from the top of the repository, not relative to the current directory'),
  ).action((treeish: string, paths: string[], opts: WhereOptions & { r?: boolean; t?: boolean; d?: boolean; nameOnly?: boolean; nameStatus?: boolean; z?: boolean; fullName?: boolean }) => {
    const o = open(io, opts);
    try {
      const ctx: RevisionContext = { odb: o.odb, refs: o.refs, prefix: o.prefix };
      const tree = peel(ctx, treeish, resolveRevision(ctx, treeish), 'tree');
      io.stdout.write(
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
  });
}
