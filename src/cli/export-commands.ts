/** `xtest-pack export` and `xtest-pack repack`. */
import { XtestPackError } from '../errors.js';
import { exportTestData, type ExportOptions } from '../export/export.js';
import { repackDirectory } from '../export/pack-dir.js';
import type { CommandContext } from './context.js';
import { progressFor } from './progress.js';

export interface ExportCommandOptions {
  out: string;
  repo?: string;
  rev: string;
  allowDirty?: boolean;
  delta: boolean;
  window: number;
  depth: number;
  compression?: number;
  threads?: number;
  json?: boolean;
  progress?: boolean;
}

export interface RepackCommandOptions {
  delta: boolean;
  window: number;
  depth: number;
  threads?: number;
}

/** `--threads`: at least one. */
function threadsOption(threads: number | undefined): { threads?: number } {
  if (threads === undefined) return {};
  if (threads < 1) throw new XtestPackError('USAGE', '--threads takes 1 or more');
  return { threads };
}

/** export: write the pack directory of what `pathspecs` select. */
export async function exportCommand(ctx: CommandContext, pathspecs: string[], opts: ExportCommandOptions): Promise<void> {
  const progress = progressFor(ctx.stderr, opts.progress);
  const o: ExportOptions = {
    cwd: ctx.cwd,
    rev: opts.rev,
    out: opts.out,
    pathspecs,
    allowDirty: opts.allowDirty === true,
    delta: opts.delta,
    window: opts.window,
    depth: opts.depth,
    backend: await ctx.backend(),
    onProgress: (p) => progress.update('Writing objects', p.done, p.total),
  };
  if (opts.repo !== undefined) o.repo = opts.repo;
  if (opts.compression !== undefined) {
    if (opts.compression > 9) throw new XtestPackError('USAGE', '--compression takes 0 to 9');
    o.level = opts.compression;
  }
  if (opts.threads !== undefined) o.threads = threadsOption(opts.threads).threads!;
  const r = exportTestData(o);
  progress.end();
  for (const s of r.skipped) {
    const why =
      s.reason === 'gitlink'
        ? 'a submodule (gitlink), not exported'
        : s.reason === 'uncommitted'
          ? 'not committed, not exported'
          : s.reason === 'untracked'
            ? 'not tracked by git, not exported'
            : 'modified in the work tree; the committed version was exported';
    ctx.stderr.write(`xtest-pack: warning: ${s.path}: ${why}\n`);
  }
  if (opts.json) {
    ctx.stdout.write(
      `${JSON.stringify({ commit: r.manifest.commit, objects: r.objects, added: r.added, pack: r.pack ?? null, packSize: r.packSize, files: r.manifest.files.length, skipped: r.skipped }, null, 2)}\n`,
    );
  } else {
    const where = r.pack ?? `${opts.out} (nothing new)`;
    ctx.stdout.write(`exported ${r.manifest.files.length} files of ${r.manifest.commit}: ${r.objects} objects, ${r.added} new, ${r.packSize} bytes in ${where}\n`);
  }
}

/** repack: merge the packs of `dir`. */
export async function repackCommand(ctx: CommandContext, dir: string, opts: RepackCommandOptions): Promise<void> {
  const r = repackDirectory(dir, await ctx.backend(), { delta: opts.delta, window: opts.window, depth: opts.depth, ...threadsOption(opts.threads) });
  if (!r.written) throw new XtestPackError('PACK_MISSING', 'no packs to merge', { file: dir });
  ctx.stdout.write(`${r.written.packPath}: ${r.written.count} objects, ${r.written.size} bytes; merged ${r.merged} ${r.merged === 1 ? 'pack' : 'packs'}\n`);
}
