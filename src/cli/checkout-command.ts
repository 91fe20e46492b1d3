/** `xtest-pack checkout`: what a packager runs, offline. */
import { join, resolve } from 'node:path';
import { openTestData } from '../artifact/open.js';
import { checkoutFromDatabase, type CheckoutResult } from '../checkout/checkout.js';
import { XtestPackError } from '../errors.js';
import { adviseFor, checkTestData } from '../harness/check.js';
import { findPackageRoot } from '../harness/package.js';
import { MANIFEST_NAME, listedFiles, readPackageManifest, type PackageManifest } from '../manifest/index.js';
import { EXIT_SKIP, type CommandContext } from './context.js';
import { progressFor } from './progress.js';

export interface CheckoutCommandOptions {
  objects?: string;
  out?: string;
  force?: boolean;
  json?: boolean;
  progress?: boolean;
}

/**
 * checkout: write `pathspecs` of `oid` from the pack directory or artifact. Without `oid`, what
 * the package manifest names (its commit, its paths, into the package root), checked as
 * `status` checks it; else what the data's own manifest lists. 77 when skipped for want of data.
 */
export async function checkoutCommand(ctx: CommandContext, oid: string | undefined, pathspecs: string[], opts: CheckoutCommandOptions): Promise<number | void> {
  const given = opts.objects ?? (ctx.env['XTEST_PACK_OBJECTS'] || undefined);
  if (given === undefined) {
    if (ctx.env['XTEST_PACK_MISSING'] === 'skip') {
      // stdout: autopkgtest counts anything on stderr as a failure.
      ctx.stdout.write('xtest-pack: skipped: no test data (give --objects or set XTEST_PACK_OBJECTS)\n');
      return EXIT_SKIP;
    }
    throw new XtestPackError('USAGE', 'no test data: give --objects <dir-or-artifact> or set XTEST_PACK_OBJECTS');
  }
  const objects = resolve(ctx.cwd, given);
  const backend = await ctx.backend();
  const pkg = oid === undefined ? packageManifest(ctx) : undefined;
  let data;
  try {
    data = openTestData(objects, backend);
  } catch (e) {
    if (e instanceof XtestPackError && e.code === 'TESTDATA_UNAVAILABLE' && ctx.env['XTEST_PACK_MISSING'] === 'skip') {
      ctx.stdout.write(`xtest-pack: skipped: ${e.message}\n`);
      return EXIT_SKIP;
    }
    throw pkg ? adviseFor(e, pkg.manifest) : e;
  }
  const progress = progressFor(ctx.stderr, opts.progress);
  let r: CheckoutResult;
  try {
    const common = {
      objects,
      force: opts.force === true,
      backend,
      onProgress: (p: { done: number; total: number }) => progress.update('Checking out files', p.done, p.total),
    };
    if (pkg !== undefined) {
      let checked;
      try {
        checked = checkTestData(data, pkg.manifest, { backend, manifestFile: pkg.file });
      } catch (e) {
        throw adviseFor(e, pkg.manifest);
      }
      if (checked.otherCommit !== undefined) {
        ctx.stderr.write(`xtest-pack: note: the test data are of commit ${checked.otherCommit}, not ${pkg.manifest.commit}; the listed paths have the same ids\n`);
      }
      const out = opts.out !== undefined ? resolve(ctx.cwd, opts.out) : pkg.root;
      try {
        r = checkoutFromDatabase(data.odb, { ...common, oid: checked.tree, out, pathspecs: pkg.manifest.paths, literal: true });
      } catch (e) {
        throw adviseFor(e, pkg.manifest);
      }
    } else {
      const commit = oid ?? data.manifest?.commit;
      if (commit === undefined) throw new XtestPackError('USAGE', 'name the commit to check out: these test data carry no manifest, and no package manifest is here', { file: objects });
      // Without pathspecs: the files the data's manifest lists (their names literal), or the whole tree.
      const selection = pathspecs.length > 0 ? { pathspecs } : data.manifest ? listedFiles(data.manifest) : {};
      r = checkoutFromDatabase(data.odb, { ...common, oid: commit, out: opts.out !== undefined ? resolve(ctx.cwd, opts.out) : ctx.cwd, ...selection });
    }
  } finally {
    data.close();
  }
  progress.end();
  for (const g of r.skippedGitlinks) ctx.stderr.write(`xtest-pack: warning: ${g}: a submodule (gitlink), not checked out\n`);
  if (opts.json) {
    ctx.stdout.write(`${JSON.stringify({ tree: r.tree, files: r.files.map((f) => ({ ...f, mode: f.mode.toString(8).padStart(6, '0') })), skippedGitlinks: r.skippedGitlinks }, null, 2)}\n`);
  }
}

/** The package manifest the checkout follows: XTEST_PACK_MANIFEST's, else the package root's. */
function packageManifest(ctx: CommandContext): { manifest: PackageManifest; file: string; root: string } | undefined {
  const named = ctx.env['XTEST_PACK_MANIFEST'];
  if (named) {
    const file = resolve(ctx.cwd, named);
    return { manifest: readPackageManifest(file, { required: true })!, file, root: ctx.cwd };
  }
  let root: string;
  try {
    root = findPackageRoot(ctx.cwd);
  } catch (e) {
    if (e instanceof XtestPackError && e.code === 'PACKAGE_INVALID') return undefined;
    throw e;
  }
  const file = join(root, MANIFEST_NAME);
  const manifest = readPackageManifest(file);
  return manifest && { manifest, file, root };
}
