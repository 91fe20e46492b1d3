/** `xtest-pack manifest`, `pack`, `package-test` and `status`: the test-data workflow. */
import { XtestPackError } from '../errors.js';
import { status } from '../harness/helper.js';
import { encodePackageManifest } from '../manifest/index.js';
import { findPackageRoot } from '../harness/package.js';
import { packageTest } from '../harness/package-test.js';
import { buildArtifact, writePackageManifest } from '../harness/publish.js';
import { EXIT_FAILURE, EXIT_SKIP, type CommandContext } from './context.js';

export interface ManifestCommandOptions {
  allowDirty?: boolean;
  ifGit?: boolean;
  json?: boolean;
}

export interface PackCommandOptions {
  out?: string;
  tar?: string;
  json?: boolean;
}

export interface PackageTestCommandOptions {
  objects?: string;
  keep?: boolean;
}

/** manifest: xtest-pack.json at the package root (silent outside git with --if-git). */
export async function manifestCommand(ctx: CommandContext, opts: ManifestCommandOptions): Promise<void> {
  const root = findPackageRoot(ctx.cwd);
  let written;
  try {
    written = writePackageManifest({ root, allowDirty: opts.allowDirty === true, backend: await ctx.backend() });
  } catch (e) {
    if (opts.ifGit && e instanceof XtestPackError && e.code === 'NOT_A_REPOSITORY') return;
    throw e;
  }
  if (opts.json) ctx.stdout.write(encodePackageManifest(written.manifest));
}

/** pack: the artifact .tar.gz, or a pack directory. */
export async function packCommand(ctx: CommandContext, opts: PackCommandOptions): Promise<void> {
  if (opts.out !== undefined && opts.tar !== undefined) throw new XtestPackError('USAGE', 'give --out or --tar, not both');
  const r = buildArtifact({
    root: findPackageRoot(ctx.cwd),
    ...(opts.out !== undefined ? { out: opts.out } : {}),
    ...(opts.tar !== undefined ? { tar: opts.tar } : {}),
    cwd: ctx.cwd,
    backend: await ctx.backend(),
  });
  if (opts.json) ctx.stdout.write(`${JSON.stringify({ path: r.path, size: r.size, commit: r.manifest.commit, paths: r.manifest.paths }, null, 2)}\n`);
}

/** package-test: the tests of the packed tarball, from the artifact; the command's status. */
export async function packageTestCommand(ctx: CommandContext, command: string[], opts: PackageTestCommandOptions): Promise<number> {
  const r = packageTest({
    root: findPackageRoot(ctx.cwd),
    ...(opts.objects !== undefined ? { objects: opts.objects } : {}),
    keep: opts.keep === true,
    command,
    env: ctx.env,
    // Steps are progress: shown on a terminal only (a CI log reads the command's own output).
    log: (line) => {
      if (ctx.stderr.isTTY) ctx.stderr.write(`xtest-pack: package-test: ${line}\n`);
    },
    backend: await ctx.backend(),
  });
  if (r.kept) ctx.stderr.write(`xtest-pack: package-test: kept ${r.kept}\n`);
  if (r.status !== 0) ctx.stderr.write(`xtest-pack: package-test: the tests failed (exit status ${r.status})\n`);
  return r.status;
}

/** status: where the helper would take test data from; 1 when unavailable, 77 when skipped. */
export async function statusCommand(ctx: CommandContext, opts: { json?: boolean }): Promise<number | void> {
  const st = status(ctx.cwd, { env: ctx.env });
  if (opts.json) ctx.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
  else ctx.stdout.write(`${st.mode}: ${st.reason}\n`);
  if (st.mode === 'unavailable') return st.skip ? EXIT_SKIP : EXIT_FAILURE;
}
