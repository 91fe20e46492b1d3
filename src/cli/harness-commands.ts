/** `xtest-pack manifest`, `pack`, `package-test` and `status`: the test-data workflow. */
import { spawnSync } from 'node:child_process';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { XtestPackError } from '../errors.js';
import { adviseFor, checkTestDataAt } from '../harness/check.js';
import { fetchedTestData } from '../harness/fetched.js';
import { materializationBase, status } from '../harness/helper.js';
import { MANIFEST_NAME, encodePackageManifest, readPackageManifest } from '../manifest/index.js';
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
  version?: string;
  json?: boolean;
}

export interface PackageTestCommandOptions {
  tarball?: string;
  objects?: string;
  fetch?: boolean;
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
  const root = findPackageRoot(ctx.cwd);
  const r = buildArtifact({
    root,
    ...(opts.out !== undefined ? { out: resolve(ctx.cwd, opts.out) } : {}),
    ...(opts.tar !== undefined ? { tar: resolve(ctx.cwd, opts.tar) } : {}),
    ...(opts.version !== undefined ? { version: opts.version } : {}),
    backend: await ctx.backend(),
  });
  if (opts.json) ctx.stdout.write(`${JSON.stringify({ path: r.path, size: r.size, commit: r.manifest.commit, paths: r.manifest.paths, untracked: r.untracked }, null, 2)}\n`);
  else ctx.stdout.write(`${r.path}\n`);
  if (r.staleManifest !== undefined) {
    ctx.stderr.write(`xtest-pack: note: xtest-pack.json names commit ${r.staleManifest}, left over from an earlier npm pack; the artifact is HEAD's (${r.manifest.commit}): run \`xtest-pack manifest\` to update the file\n`);
  }
  for (const u of r.untracked) ctx.stderr.write(`xtest-pack: warning: ${u}: below a listed path but not tracked by git, so the artifact lacks it (commit it, or list it in .gitignore)\n`);
  // What npm would publish, when the artifact is written where npm looks.
  const rel = relative(root, r.path);
  if (opts.out === undefined && !rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(`node_modules${sep}`)) {
    if (npmWouldPack(root, rel)) {
      ctx.stderr.write(`xtest-pack: warning: npm would publish ${rel} in the package's tarball: write the artifact elsewhere (the default, node_modules/.cache/xtest-pack/, is never published), or add it to .npmignore\n`);
    }
  }
}

/** package-test: the tests of the packed tarball, from the artifact; the command's status. */
export async function packageTestCommand(ctx: CommandContext, command: string[], opts: PackageTestCommandOptions): Promise<number | void> {
  const r = await packageTest({
    root: opts.tarball !== undefined ? ctx.cwd : findPackageRoot(ctx.cwd),
    ...(opts.tarball !== undefined ? { tarball: resolve(ctx.cwd, opts.tarball) } : {}),
    ...(opts.objects !== undefined ? { objects: resolve(ctx.cwd, opts.objects) } : {}),
    ...(opts.fetch ? { fetch: true } : {}),
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
  if (r.status === 0) return;
  // The command's own status is in the message; ours says the tests failed (a status of 77 or
  // 2 from the tests must not read as "skipped" or "usage" to whoever runs package-test).
  ctx.stderr.write(`xtest-pack: package-test: the tests failed (${command.length > 0 ? command.join(' ') : 'npm test'} exited with status ${r.status})\n`);
  return EXIT_FAILURE;
}

export interface StatusCommandOptions {
  json?: boolean;
  verify?: boolean;
}

/**
 * status: where the helper would take test data from, and in pack mode a check of the data:
 * 0 when they are usable, 1 when they are absent or damaged or wrong, 77 when they are absent
 * and XTEST_PACK_MISSING=skip (never when they are there but damaged).
 */
export async function statusCommand(ctx: CommandContext, opts: StatusCommandOptions): Promise<number | void> {
  const st = status(ctx.cwd, { env: ctx.env });
  const skip = st.skip || ctx.env['XTEST_PACK_MISSING'] === 'skip';
  const report = (mode: string, reason: string, extra: Record<string, unknown> = {}) => {
    if (opts.json) ctx.stdout.write(`${JSON.stringify({ ...st, mode, reason, ...extra }, null, 2)}\n`);
    else ctx.stdout.write(`${mode}: ${reason}\n`);
  };
  if (st.mode === 'unavailable') {
    // Skipped: said on stdout (autopkgtest fails a test that writes to stderr); a failure: stderr.
    if (st.skip) report('skipped', st.reason);
    else if (opts.json) report('unavailable', st.reason);
    else ctx.stderr.write(`xtest-pack: ${st.reason}\n`);
    return st.skip ? EXIT_SKIP : EXIT_FAILURE;
  }
  if (st.mode === 'source') {
    report('source', st.reason);
    return;
  }
  const manifestFile = ctx.env['XTEST_PACK_MANIFEST'] ? resolve(ctx.cwd, ctx.env['XTEST_PACK_MANIFEST']) : join(st.root, MANIFEST_NAME);
  const manifest = readPackageManifest(manifestFile, { required: true })!;
  const backend = await ctx.backend();
  // XTEST_PACK_FETCH=1: fetched now, into the cache the tests then use.
  const objects = st.fetch
    ? fetchedTestData({ manifest, base: materializationBase(ctx.env), backend, env: ctx.env })
    : resolve(ctx.cwd, ctx.env['XTEST_PACK_OBJECTS']!);
  let checked;
  try {
    checked = checkTestDataAt(objects, manifest, { verify: opts.verify === true, manifestFile, backend });
  } catch (e) {
    if (!(e instanceof XtestPackError)) throw e;
    // Absent data skip under XTEST_PACK_MISSING=skip; damaged or wrong data never do.
    if (e.code === 'TESTDATA_UNAVAILABLE' && skip) {
      report('skipped', `${e.message} (the test data are the artifact ${manifest.artifact})`);
      return EXIT_SKIP;
    }
    throw adviseFor(e, manifest);
  }
  const same = checked.otherCommit !== undefined ? `; made from commit ${checked.otherCommit}, whose listed paths have the same ids` : '';
  const verified = opts.verify ? `, ${checked.blobs} files read and verified` : '';
  report('pack', `${objects}: the test data of ${manifest.name} ${manifest.version} at commit ${manifest.commit} (${checked.paths.map((p) => p.path).join(', ')})${same}${verified}`, {
    commit: checked.commit,
    otherCommit: checked.otherCommit,
    ids: Object.fromEntries(checked.paths.map((p) => [p.path, p.oid])),
    ...(opts.verify ? { blobs: checked.blobs } : {}),
  });
  if (checked.otherCommit !== undefined && !opts.json) ctx.stderr.write(`xtest-pack: note: the test data are of commit ${checked.otherCommit}, not ${manifest.commit}; the listed paths have the same ids\n`);
}

/** Does `npm pack --dry-run` in `root` list `rel` (false when npm cannot tell)? */
function npmWouldPack(root: string, rel: string): boolean {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 60_000, shell: process.platform === 'win32' });
  if (r.status !== 0) return false;
  try {
    const [report] = JSON.parse(r.stdout) as { files?: { path: string }[] }[];
    return (report?.files ?? []).some((f) => f.path === rel.split(sep).join('/'));
  } catch {
    return false;
  }
}
