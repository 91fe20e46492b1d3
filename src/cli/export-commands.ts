/** `xtest-pack export` and `xtest-pack repack`. */
import { Option, type Command } from 'commander';
import type { Backend } from '../backend/types.js';
import { XtestPackError } from '../errors.js';
import { exportTestData, type ExportOptions } from '../export/export.js';
import { repackDirectory } from '../export/pack-dir.js';
import type { Progress } from './progress.js';

export interface ExportCommandIo {
  stdout: { write(s: string | Uint8Array): unknown };
  stderr: { write(s: string): unknown };
  cwd: string;
  backend: () => Backend;
  progressFor: (forced: boolean | undefined) => Progress;
}

function positiveInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new XtestPackError('INVALID_ARGUMENT', `${name} takes a whole number, not ${JSON.stringify(v)}`);
    return Number(v);
  };
}

/** Register export and repack on `program`. */
export function addExportCommands(program: Command, io: ExportCommandIo): void {
  program
    .command('export')
    .description('write a pack directory with one commit and exactly the files the pathspecs select')
    .argument('<pathspec...>', 'files, directories (everything below), or globs (*, ?, [...], **)')
    .requiredOption('--out <dir>', 'the pack directory to write (created if needed)')
    .option('--repo <path>', 'the repository (default: found from the current directory)')
    .option('--rev <rev>', 'the commit to export', 'HEAD')
    .option('--allow-dirty', 'export even when selected files have uncommitted changes')
    .option('--no-delta', 'write every object whole')
    .option('--window <n>', 'objects each is compared with for deltas', positiveInt('--window'), 10)
    .option('--depth <n>', 'longest delta chain', positiveInt('--depth'), 50)
    .addOption(new Option('--compression <level>', 'zlib level 0-9').argParser(positiveInt('--compression')))
    .option('--json', 'print the result as one JSON document')
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .action(
      (
        pathspecs: string[],
        opts: {
          out: string;
          repo?: string;
          rev: string;
          allowDirty?: boolean;
          delta: boolean;
          window: number;
          depth: number;
          compression?: number;
          json?: boolean;
          progress?: boolean;
        },
      ) => {
        const progress = io.progressFor(opts.progress);
        const o: ExportOptions = {
          cwd: io.cwd,
          rev: opts.rev,
          out: opts.out,
          pathspecs,
          allowDirty: opts.allowDirty === true,
          delta: opts.delta,
          window: opts.window,
          depth: opts.depth,
          backend: io.backend(),
          onProgress: (p) => progress.update('Writing objects', p.done, p.total),
        };
        if (opts.repo !== undefined) o.repo = opts.repo;
        if (opts.compression !== undefined) {
          if (opts.compression > 9) throw new XtestPackError('INVALID_ARGUMENT', '--compression takes 0 to 9');
          o.level = opts.compression;
        }
        const r = exportTestData(o);
        progress.end();
        for (const s of r.skipped) {
          const why = s.reason === 'gitlink' ? 'a submodule (gitlink), not exported' : s.reason === 'uncommitted' ? 'not committed, not exported' : 'modified in the work tree; the committed version was exported';
          io.stderr.write(`xtest-pack: warning: ${s.path}: ${why}\n`);
        }
        if (opts.json) {
          io.stdout.write(
            `${JSON.stringify({ commit: r.manifest.commit, objects: r.objects, added: r.added, pack: r.pack ?? null, packSize: r.packSize, files: r.manifest.files.length, skipped: r.skipped }, null, 2)}\n`,
          );
        } else {
          const where = r.pack ?? `${opts.out} (nothing new)`;
          io.stdout.write(`exported ${r.manifest.files.length} files of ${r.manifest.commit}: ${r.objects} objects, ${r.added} new, ${r.packSize} bytes in ${where}\n`);
        }
      },
    );

  program
    .command('repack')
    .description('merge the packs of a pack directory into one deterministic pack')
    .argument('<dir>', 'the pack directory')
    .option('--no-delta', 'write every object whole')
    .option('--window <n>', 'objects each is compared with for deltas', positiveInt('--window'), 10)
    .option('--depth <n>', 'longest delta chain', positiveInt('--depth'), 50)
    .action((dir: string, opts: { delta: boolean; window: number; depth: number }) => {
      const r = repackDirectory(dir, io.backend(), { delta: opts.delta, window: opts.window, depth: opts.depth });
      if (!r.written) throw new XtestPackError('INVALID_ARGUMENT', 'no packs to merge', { file: dir });
      io.stdout.write(`${r.written.packPath}: ${r.written.count} objects, ${r.written.size} bytes; merged ${r.merged} ${r.merged === 1 ? 'pack' : 'packs'}\n`);
    });
}
