/** `xtest-pack checkout`: what a packager runs, offline. */
import type { Command } from 'commander';
import type { Backend } from '../backend/types.js';
import { checkoutFromDatabase, checkoutSync } from '../checkout/checkout.js';
import { XtestPackError } from '../errors.js';
import { isArtifactFile, openTestData } from '../testdata/artifact.js';
import { SilentExit } from './odb-commands.js';
import type { Progress } from './progress.js';
import { EXIT_SKIP } from './testdata-commands.js';

export interface CheckoutCommandIo {
  stdout: { write(s: string | Uint8Array): unknown };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
  backend: () => Backend;
  progressFor: (forced: boolean | undefined) => Progress;
}

/** Register checkout on `program`. */
export function addCheckoutCommand(program: Command, io: CheckoutCommandIo): void {
  program
    .command('checkout')
    .description('write the files of a commit, tag or tree from a pack directory, every object verified')
    .argument('<oid>', 'a commit, annotated tag or tree: full or abbreviated id')
    .argument('[pathspec...]', 'what to write (default: the manifest\'s files, or the whole tree)')
    .option('--objects <dir>', 'the pack directory or artifact .tar.gz (default: $XTEST_PACK_OBJECTS)')
    .option('--out <dir>', 'where to write (default: the current directory)')
    .option('--force', 'replace existing files whose content differs')
    .option('--json', 'print what was written as one JSON document')
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .action((oid: string, pathspecs: string[], opts: { objects?: string; out?: string; force?: boolean; json?: boolean; progress?: boolean }) => {
      const objects = opts.objects ?? (io.env['XTEST_PACK_OBJECTS'] || undefined);
      if (objects === undefined) {
        if (io.env['XTEST_PACK_MISSING'] === 'skip') {
          // stdout: autopkgtest counts anything on stderr as a failure.
          io.stdout.write('xtest-pack: skipped: no test data (give --objects or set XTEST_PACK_OBJECTS)\n');
          throw new SilentExit(EXIT_SKIP);
        }
        throw new XtestPackError('INVALID_ARGUMENT', 'no test data: give --objects <dir-or-artifact> or set XTEST_PACK_OBJECTS');
      }
      const progress = io.progressFor(opts.progress);
      const options = {
        objects,
        oid,
        out: opts.out ?? io.cwd,
        pathspecs,
        force: opts.force === true,
        backend: io.backend(),
        onProgress: (p: { done: number; total: number }) => progress.update('Checking out files', p.done, p.total),
      };
      let r;
      if (isArtifactFile(objects)) {
        const data = openTestData(objects, options.backend);
        try {
          // Without pathspecs, the files the artifact's manifest lists.
          const listed = pathspecs.length === 0 && data.manifest ? data.manifest.files.map((f) => f.path) : undefined;
          r = checkoutFromDatabase(data.odb, { ...options, ...(listed ? { pathspecs: listed, literal: true } : {}) });
        } finally {
          data.close();
        }
      } else {
        r = checkoutSync(options);
      }
      progress.end();
      for (const g of r.skippedGitlinks) io.stderr.write(`xtest-pack: warning: ${g}: a submodule (gitlink), not checked out\n`);
      if (opts.json) {
        io.stdout.write(`${JSON.stringify({ tree: r.tree, files: r.files.map((f) => ({ ...f, mode: f.mode.toString(8).padStart(6, '0') })), skippedGitlinks: r.skippedGitlinks }, null, 2)}\n`);
      }
    });
}
