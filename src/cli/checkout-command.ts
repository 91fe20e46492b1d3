/** `xtest-pack checkout`: what a packager runs, offline. */
import { statSync } from 'node:fs';
import { checkoutFromDatabase, checkoutSync, type CheckoutResult } from '../checkout/checkout.js';
import { XtestPackError } from '../errors.js';
import { EXIT_SKIP, type CommandContext } from './context.js';
import { progressFor } from './progress.js';

export interface CheckoutCommandOptions {
  objects?: string;
  out?: string;
  force?: boolean;
  json?: boolean;
  progress?: boolean;
}

/** checkout: write `pathspecs` of `oid` from the pack directory or artifact; 77 when skipped for want of one. */
export async function checkoutCommand(ctx: CommandContext, oid: string, pathspecs: string[], opts: CheckoutCommandOptions): Promise<number | void> {
  const objects = opts.objects ?? (ctx.env['XTEST_PACK_OBJECTS'] || undefined);
  if (objects === undefined) {
    if (ctx.env['XTEST_PACK_MISSING'] === 'skip') {
      // stdout: autopkgtest counts anything on stderr as a failure.
      ctx.stdout.write('xtest-pack: skipped: no test data (give --objects or set XTEST_PACK_OBJECTS)\n');
      return EXIT_SKIP;
    }
    throw new XtestPackError('INVALID_ARGUMENT', 'no test data: give --objects <dir-or-artifact> or set XTEST_PACK_OBJECTS');
  }
  const progress = progressFor(ctx.stderr, opts.progress);
  const options = {
    objects,
    oid,
    out: opts.out ?? ctx.cwd,
    pathspecs,
    force: opts.force === true,
    backend: await ctx.backend(),
    onProgress: (p: { done: number; total: number }) => progress.update('Checking out files', p.done, p.total),
  };
  let r: CheckoutResult | undefined;
  // The artifact code (tar, gzip) is loaded only for what is not a pack directory.
  if (statSync(objects, { throwIfNoEntry: false })?.isDirectory() !== true) {
    const { isArtifactFile, openTestData } = await import('../testdata/artifact.js');
    if (isArtifactFile(objects)) {
      const data = openTestData(objects, options.backend);
      try {
        // Without pathspecs, the files the artifact's manifest lists.
        const listed = pathspecs.length === 0 && data.manifest ? data.manifest.files.map((f) => f.path) : undefined;
        r = checkoutFromDatabase(data.odb, { ...options, ...(listed ? { pathspecs: listed, literal: true } : {}) });
      } finally {
        data.close();
      }
    }
  }
  r ??= checkoutSync(options);
  progress.end();
  for (const g of r.skippedGitlinks) ctx.stderr.write(`xtest-pack: warning: ${g}: a submodule (gitlink), not checked out\n`);
  if (opts.json) {
    ctx.stdout.write(`${JSON.stringify({ tree: r.tree, files: r.files.map((f) => ({ ...f, mode: f.mode.toString(8).padStart(6, '0') })), skippedGitlinks: r.skippedGitlinks }, null, 2)}\n`);
  }
}
