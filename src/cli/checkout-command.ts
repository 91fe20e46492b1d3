/** `xtest-pack checkout`: what a packager runs, offline. */
import { checkoutSync } from '../checkout/checkout.js';
import { XtestPackError } from '../errors.js';
import type { CommandContext } from './context.js';
import { progressFor } from './progress.js';

export interface CheckoutCommandOptions {
  objects?: string;
  out?: string;
  force?: boolean;
  json?: boolean;
  progress?: boolean;
}

/** checkout: write `pathspecs` of `oid` from the pack directory. */
export async function checkoutCommand(ctx: CommandContext, oid: string, pathspecs: string[], opts: CheckoutCommandOptions): Promise<void> {
  const objects = opts.objects ?? (ctx.env['XTEST_PACK_OBJECTS'] || undefined);
  if (objects === undefined) throw new XtestPackError('INVALID_ARGUMENT', 'no pack directory: give --objects <dir> or set XTEST_PACK_OBJECTS');
  const progress = progressFor(ctx.stderr, opts.progress);
  const r = checkoutSync({
    objects,
    oid,
    out: opts.out ?? ctx.cwd,
    pathspecs,
    force: opts.force === true,
    backend: await ctx.backend(),
    onProgress: (p) => progress.update('Checking out files', p.done, p.total),
  });
  progress.end();
  for (const g of r.skippedGitlinks) ctx.stderr.write(`xtest-pack: warning: ${g}: a submodule (gitlink), not checked out\n`);
  if (opts.json) {
    ctx.stdout.write(`${JSON.stringify({ tree: r.tree, files: r.files.map((f) => ({ ...f, mode: f.mode.toString(8).padStart(6, '0') })), skippedGitlinks: r.skippedGitlinks }, null, 2)}\n`);
  }
}
