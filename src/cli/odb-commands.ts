/**
 * The object-database commands: rev-parse, cat-file, ls-tree. Each prints what the git command
 * of the same name prints for the same repository.
 */
import { readSync, writeSync } from 'node:fs';
import { XtestPackError } from '../errors.js';
import { nodeStorage } from '../fs/node-storage.js';
import { hashLength, toHex, type ObjectType } from '../pack/oid.js';
import { catFileBatch, type BatchInput } from '../odb/batch.js';
import type { BatchSink } from '../odb/batch-output.js';
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
  batch?: string | boolean;
  batchCheck?: string | boolean;
  batchAllObjects?: boolean;
  unordered?: boolean;
  buffer?: boolean;
  z?: boolean;
  verify?: boolean;
  collisionDetection?: boolean;
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

/** cat-file: an object, its type or size; with -e only the exit status; with --batch, many. */
export async function catFileCommand(
  ctx: CommandContext,
  first: string | undefined,
  second: string | undefined,
  opts: CatFileOptions,
  batchArgumentTaken = false,
): Promise<number | void> {
  if (opts.batch !== undefined || opts.batchCheck !== undefined) return catFileBatchCommand(ctx, first, opts, batchArgumentTaken);
  for (const [flag, set] of [
    ['--batch-all-objects', opts.batchAllObjects],
    ['--buffer', opts.buffer],
    ['-z', opts.z],
    ['--verify', opts.verify],
    ['--no-collision-detection', opts.collisionDetection === false],
  ] as const) {
    if (set) throw new XtestPackError('USAGE', `'${flag}' requires a batch mode`);
  }
  if (first === undefined) throw new XtestPackError('USAGE', 'cat-file takes one of -t, -s, -e, -p and an object, or a type and an object');
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

/** cat-file --batch / --batch-check: names from stdin (or every object), answers to stdout. */
async function catFileBatchCommand(ctx: CommandContext, first: string | undefined, opts: CatFileOptions, argumentTaken: boolean): Promise<number | void> {
  if (opts.batch !== undefined && opts.batchCheck !== undefined) throw new XtestPackError('USAGE', 'only one batch option may be specified');
  const flag = [opts.t && 't', opts.s && 's', opts.e && 'e', opts.p && 'p'].find((f) => typeof f === 'string');
  if (flag) throw new XtestPackError('USAGE', `'-${flag}' is incompatible with batch mode`);
  if (first !== undefined || argumentTaken) throw new XtestPackError('USAGE', 'batch modes take no arguments (a format goes as --batch=<format>)');
  if (opts.collisionDetection === false && !opts.verify) throw new XtestPackError('USAGE', "'--no-collision-detection' goes with '--verify'");
  const contents = opts.batch !== undefined;
  const format = contents ? opts.batch : opts.batchCheck;
  const o = await open(ctx, opts);
  try {
    const input = ctx.stdin !== undefined ? givenInput(ctx.stdin) : fdInput(0);
    catFileBatch(
      { odb: o.odb, refs: o.refs, prefix: o.prefix },
      {
        contents,
        format: typeof format === 'string' ? format : undefined,
        allObjects: opts.batchAllObjects === true,
        unordered: opts.unordered === true,
        nulTerminated: opts.z === true,
        verify: opts.verify === true,
        collisionDetection: opts.collisionDetection !== false,
      },
      input,
      stdoutSink(ctx),
    );
  } catch (e) {
    // The reader went away (| head): stop quietly, as git does when SIGPIPE ends it.
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return EXIT_SIGPIPE;
    throw e;
  } finally {
    o.close();
  }
}

/** The exit status of a process a SIGPIPE ended (128 + 13), as a shell reports git's. */
const EXIT_SIGPIPE = 141;
/** Bytes read from stdin at a time. */
const STDIN_CHUNK = 64 << 10;

function givenInput(bytes: Uint8Array): BatchInput {
  let done = false;
  return {
    read: () => {
      if (done) return undefined;
      done = true;
      return bytes;
    },
  };
}

/** Wait `ms` milliseconds, synchronously: for a descriptor that is not ready (EAGAIN). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Chunks read from file descriptor `fd` as they arrive (a pipe made non-blocking is waited on). */
function fdInput(fd: number): BatchInput {
  const buf = new Uint8Array(STDIN_CHUNK);
  let ended = false;
  return {
    read: () => {
      while (!ended) {
        let n: number;
        try {
          n = readSync(fd, buf, 0, buf.length, null);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') {
            pause(0.1);
            continue;
          }
          if (code === 'EOF') n = 0;
          else throw new XtestPackError('IO', `cannot read stdin: ${(e as Error).message}`, { cause: e });
        }
        if (n === 0) ended = true;
        else return buf.subarray(0, n);
      }
      return undefined;
    },
  };
}

/**
 * Where batch output goes: write(2) on stdout's descriptor, in the large pieces BatchOutput
 * makes; through `ctx.stdout.write` (a copy of each piece) when it has none (tests). Node makes
 * a pipe on stdout non-blocking once process.stdout exists (libuv's pipe handle): a full pipe
 * then answers EAGAIN, and waiting out each one costs more than the write. So the handle is put
 * back in blocking mode (what Node itself does on Windows), and EAGAIN, where that is not
 * possible, is waited out a tenth of a millisecond at a time.
 */
function stdoutSink(ctx: CommandContext): BatchSink {
  const stdout = ctx.stdout as { fd?: unknown; _handle?: { setBlocking?: (blocking: boolean) => number } };
  const fd = stdout.fd;
  if (typeof fd !== 'number') return (chunk) => void ctx.stdout.write(chunk.slice());
  stdout._handle?.setBlocking?.(true);
  return (chunk) => {
    let done = 0;
    while (done < chunk.length) {
      try {
        done += writeSync(fd, chunk, done, chunk.length - done);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        pause(0.1);
      }
    }
  };
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
