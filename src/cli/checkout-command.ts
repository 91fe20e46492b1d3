/** `xtest-pack checkout`: what a packager runs, offline. */
import { statSync } from 'node:fs';
import { checkoutFromDatabase, checkoutPackSync, type CheckoutResult } from '../checkout/checkout.js';
import { XtestPackError } from '../errors.js';
import { listedFiles, readExportManifest, type ExportManifest } from '../manifest/index.js';
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
    throw new XtestPackError('USAGE', 'no test data: give --objects <dir-or-artifact> or set XTEST_PACK_OBJECTS');
  }
  const progress = progressFor(ctx.stderr, opts.progress);
  const options = {
    objects,
    oid,
    out: opts.out ?? ctx.cwd,
    force: opts.force === true,
    backend: await ctx.backend(),
    onProgress: (p: { done: number; total: number }) => progress.update('Checking out files', p.done, p.total),
  };
  // Without pathspecs: the files the manifest lists (their names literal), or the whole tree.
  const selection = (manifest: ExportManifest | undefined) =>
    pathspecs.length > 0 ? { pathspecs } : manifest ? listedFiles(manifest) : {};
  let r: CheckoutResult;
  // The artifact code (tar, gzip) is loaded only for what is not a pack directory.
  if (statSync(objects, { throwIfNoEntry: false })?.isDirectory() !== true && (await import('../harness/artifact.js')).isArtifactFile(objects)) {
    const data = (await import('../harness/artifact.js')).openTestData(objects, options.backend);
    try {
      r = checkoutFromDatabase(data.odb, { ...options, ...selection(data.manifest) });
    } finally {
      data.close();
    }
  } else {
    r = checkoutPackSync({ ...options, ...selection(pathspecs.length > 0 ? undefined : readExportManifest(objects)) });
  }
  progress.end();
  for (const g of r.skippedGitlinks) ctx.stderr.write(`xtest-pack: warning: ${g}: a submodule (gitlink), not checked out\n`);
  if (opts.json) {
    ctx.stdout.write(`${JSON.stringify({ tree: r.tree, files: r.files.map((f) => ({ ...f, mode: f.mode.toString(8).padStart(6, '0') })), skippedGitlinks: r.skippedGitlinks }, null, 2)}\n`);
  }
}
