// The example package of fixtures/scripts/example-package.sh, and the places its suites run
// in, as a library author and a distribution see them:
//
//   - the git work tree (source mode);
//   - a tag tarball: `git archive` of the commit, no .git (source mode, the files alone);
//   - the npm tarball (`npm pack`, whose prepack writes xtest-pack.json), unpacked with the
//     system tar, with the test data given by XTEST_PACK_OBJECTS (pack mode).
//
// The package has no dependencies installed: `linkNodeModules` gives it a node_modules of
// symbolic links, `xtest-pack` to this project (its package.json `exports` map the adapters to
// dist/src) and vitest, jest and mocha to this project's node_modules, plus a
// node_modules/.bin/xtest-pack for npm's prepack. ES modules ignore NODE_PATH, and resolve a
// bare name from the real path of the importing file: vitest and jest resolve their
// configured setup modules from the package root, but mocha imports its `require` modules
// from its own (real) directory, where no xtest-pack is, and falls back to require(), which
// NODE_PATH reaches; so mocha runs with NODE_PATH=<package>/node_modules.
//
// Every run gets a clean environment: no XTEST_PACK_* of the caller (the project's own test
// run may be in pack mode), no NODE_TEST_CONTEXT (which would make a nested `node --test`
// report to its parent), no colours.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gitWorkTree } from '../../src/harness/helper.js';
import { decodePackageManifest, type PackageManifest } from '../../src/manifest/index.js';
import { CLI_MAIN } from './cli.js';
import { git } from './git.js';
import { PROJECT_ROOT, runFixtureScript, scratchDir } from './repos.js';

export type Runner = 'node' | 'vitest' | 'jest' | 'mocha';
export const RUNNERS: readonly Runner[] = ['node', 'vitest', 'jest', 'mocha'];

/** How many tests each suite of the example has (see the script). */
export const SUITE_TESTS: Readonly<Record<Runner, number>> = { node: 7, vitest: 3, jest: 3, mocha: 3 };

/** What xtestPack.paths lists. */
export const LISTED = ['data/table.bin', 'fixtures'] as const;

export interface ExamplePackage {
  /** The repository with the package at its top (node_modules linked). */
  readonly repo: string;
  /** The commit of HEAD. */
  readonly commit: string;
  /** The workspace repository... */
  readonly monorepo: string;
  /** ...and the package in it, packages/example-pkg (node_modules linked). */
  readonly monoPackage: string;
}

let made: ExamplePackage | undefined;

/**
 * The example repositories, made on first use in this process. Shared: do not change them
 * (`npm pack` and `xtest-pack manifest` write only the ignored xtest-pack.json), or take
 * `copyTree` of them.
 */
export function examplePackage(): ExamplePackage {
  if (made) return made;
  const out = scratchDir('xtest-pack-example-');
  runFixtureScript('example-package', [out]);
  const repo = join(out, 'repo');
  const monorepo = join(out, 'monorepo');
  const monoPackage = join(monorepo, 'packages', 'example-pkg');
  linkNodeModules(repo);
  linkNodeModules(monoPackage);
  made = { repo, commit: git(['rev-parse', 'HEAD'], { cwd: repo }).toString().trim(), monorepo, monoPackage };
  return made;
}

/** A private copy of a directory (`cp -a`), to change freely. */
export function copyTree(src: string): string {
  const dir = join(scratchDir('xtest-pack-example-copy-'), 'copy');
  const r = spawnSync('cp', ['-a', src, dir]);
  if (r.status !== 0) throw new Error(`cp -a ${src} failed: ${r.stderr.toString()}`);
  return dir;
}

/** Give the package at `dir` a node_modules that resolves xtest-pack and the three runners. */
export function linkNodeModules(dir: string): void {
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  symlinkSync(PROJECT_ROOT, join(modules, 'xtest-pack'), 'dir');
  for (const name of ['vitest', 'jest', 'mocha']) {
    const target = join(PROJECT_ROOT, 'node_modules', name);
    if (!existsSync(target)) throw new Error(`${target} is missing: the example package's suites need the dev dependencies (npm ci)`);
    symlinkSync(target, join(modules, name), 'dir');
  }
  // What `npm install xtest-pack` would put there (the compiled CLI is not executable itself).
  const bin = join(modules, '.bin', 'xtest-pack');
  writeFileSync(bin, `#!/bin/sh\nexec '${process.execPath}' '${CLI_MAIN}' "$@"\n`);
  chmodSync(bin, 0o755);
}

/** A directory that is not inside any git work tree (the helper looks for .git upward). */
function outsideGit(prefix: string): string {
  const dir = scratchDir(prefix);
  assert.equal(gitWorkTree(dir), undefined, `${dir} is inside a git work tree: set TMPDIR elsewhere`);
  return dir;
}

/**
 * The tag tarball of `treeish` (`git archive`; `HEAD:packages/example-pkg` for a package in a
 * subdirectory), unpacked with tar: the files, no .git; node_modules linked.
 */
export function tagTarball(repo: string, treeish = 'HEAD'): string {
  const dir = join(outsideGit('xtest-pack-example-tag-'), 'example-pkg-1.0.0');
  mkdirSync(dir);
  const archive = git(['archive', '--format=tar', treeish], { cwd: repo });
  const r = spawnSync('tar', ['-xf', '-', '-C', dir], { input: archive });
  if (r.status !== 0) throw new Error(`tar -x failed: ${r.stderr.toString()}`);
  linkNodeModules(dir);
  return dir;
}

export interface NpmPacked {
  /** The .tgz npm pack wrote. */
  readonly tgz: string;
  /** The unpacked package (`package/` of the tarball), node_modules linked. */
  readonly dir: string;
  /** xtest-pack.json as the tarball holds it. */
  readonly manifest: PackageManifest;
  /** The paths the tarball holds (npm pack --json). */
  readonly files: readonly string[];
}

/**
 * `npm pack` in the package at `root` (offline; its prepack runs `xtest-pack manifest` through
 * node_modules/.bin), and the tarball unpacked with the system tar in a directory outside git.
 */
export function npmPacked(root: string): NpmPacked {
  const base = outsideGit('xtest-pack-example-npm-');
  const r = spawnSync('npm', ['pack', '--json', '--pack-destination', base], {
    cwd: root,
    env: cleanEnv({ npm_config_cache: join(base, '.npm'), npm_config_offline: 'true', npm_config_update_notifier: 'false' }),
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `npm pack failed: ${r.stderr}`);
  const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  assert.ok(info);
  const tgz = join(base, info.filename);
  const t = spawnSync('tar', ['-xzf', tgz, '-C', base]);
  if (t.status !== 0) throw new Error(`tar -xzf ${tgz} failed: ${t.stderr.toString()}`);
  const dir = join(base, 'package');
  const manifest = decodePackageManifest(readFileSync(join(dir, 'xtest-pack.json'), 'utf8'), 'xtest-pack.json');
  assert.ok(manifest, 'the npm tarball has no package manifest');
  linkNodeModules(dir);
  return { tgz, dir, manifest, files: info.files.map((f) => f.path).sort() };
}

/**
 * The package at `root` (in a work tree) as its npm tarball would hold it, made without npm:
 * `xtest-pack manifest` there, then the tag tarball of the package's tree without what
 * xtestPack.paths lists (fixtures/, data/), plus the manifest; node_modules linked.
 */
export function publishedCopy(root: string): string {
  const m = cli(['manifest'], { cwd: root });
  assert.equal(m.status, 0, `xtest-pack manifest failed: ${m.stderr}`);
  const top = git(['rev-parse', '--show-toplevel'], { cwd: root }).toString().trim();
  const prefix = git(['rev-parse', '--show-prefix'], { cwd: root }).toString().trim().replace(/\/$/, '');
  const dir = tagTarball(top, prefix === '' ? 'HEAD' : `HEAD:${prefix}`);
  rmSync(join(dir, 'fixtures'), { recursive: true });
  rmSync(join(dir, 'data'), { recursive: true });
  copyFileSync(join(root, 'xtest-pack.json'), join(dir, 'xtest-pack.json'));
  return dir;
}

/** `xtest-pack pack --out <dir>` in the package at `root`: the artifact as a pack directory. */
export function packDirectory(root: string): string {
  const out = join(scratchDir('xtest-pack-example-artifact-'), 'xtest-pack');
  const r = cli(['pack', '--out', out], { cwd: root });
  assert.equal(r.status, 0, `xtest-pack pack --out failed: ${r.stderr}`);
  return out;
}

/** `xtest-pack pack --tar <file>` in the package at `root`: the artifact .tar.gz. */
export function packTar(root: string, name = 'example-pkg-1.0.0.xtest-pack.tar.gz'): string {
  const file = join(scratchDir('xtest-pack-example-artifact-'), name);
  const r = cli(['pack', '--tar', file], { cwd: root });
  assert.equal(r.status, 0, `xtest-pack pack --tar failed: ${r.stderr}`);
  return file;
}

/** The caller's environment without anything that would steer the example's runs. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('XTEST_PACK_') && k !== 'XTEST_PACK_BACKEND') continue;
    if (k.startsWith('NODE_TEST') || k === 'NODE_OPTIONS' || k === 'NODE_PATH' || k === 'FORCE_COLOR' || k === 'AUTOPKGTEST_TMP') continue;
    if (k.startsWith('GIT_') || k.startsWith('npm_') || k.startsWith('VITEST') || k === 'JEST_WORKER_ID') continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Run the xtest-pack command line with a clean environment plus `env`. */
export function cli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI_MAIN, ...args], { cwd: opts.cwd, env: cleanEnv(opts.env), encoding: 'utf8', input: '' });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface SuiteResult {
  readonly status: number;
  readonly passed: number;
  readonly skipped: number;
  readonly failed: number;
  /** stdout and stderr. */
  readonly output: string;
}

/**
 * The `*.test.js` files of `sub` (relative to `dir`), sorted: what `node --test sub/` ran on
 * Node 20. Node 22 and later take each argument as a file or glob, so a directory given to
 * `node --test` is an error there; a list of files means the same on every line.
 */
export function nodeTestFiles(dir: string, sub: string): string[] {
  return readdirSync(join(dir, sub))
    .filter((n) => n.endsWith('.test.js'))
    .sort()
    .map((n) => `${sub}/${n}`);
}

/** The command line of each runner, with its machine-readable reporter. */
function command(runner: Runner, dir: string): string[] {
  const modules = join(dir, 'node_modules');
  switch (runner) {
    case 'node':
      return ['--test', '--test-reporter=tap', ...nodeTestFiles(dir, 'test/node')];
    case 'vitest':
      return [join(modules, 'vitest', 'vitest.mjs'), 'run', '--reporter=json'];
    case 'jest':
      return [join(modules, 'jest', 'bin', 'jest.js'), '--json', '--ci', '--watchman=false', '--cacheDirectory', join(scratchDir('xtest-pack-jest-cache-'), 'c')];
    case 'mocha':
      return [join(modules, 'mocha', 'bin', 'mocha.js'), '--reporter', 'json'];
  }
}

/**
 * Run the example's `runner` suite in the package at `dir`, with a clean environment plus
 * `env`, and read the counts from the runner's machine-readable report (0 when it wrote none,
 * as when its setup failed).
 */
export function runSuite(runner: Runner, dir: string, env: NodeJS.ProcessEnv = {}): SuiteResult {
  const r = spawnSync(process.execPath, command(runner, dir), {
    cwd: dir,
    env: cleanEnv({ ...(runner === 'mocha' ? { NODE_PATH: join(dir, 'node_modules') } : {}), ...env }),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: 120_000,
  });
  return parse(runner, r);
}

function parse(runner: Runner, r: SpawnSyncReturns<string>): SuiteResult {
  if (r.error) throw r.error;
  const output = `${r.stdout}\n${r.stderr}`;
  const status = r.status ?? -1;
  if (runner === 'node') {
    const count = (what: string) => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(r.stdout)?.[1] ?? 0);
    return { status, passed: count('pass'), skipped: count('skipped'), failed: count('fail') + count('cancelled'), output };
  }
  const json = firstJson(r.stdout);
  if (runner === 'mocha') {
    const s = (json?.['stats'] ?? {}) as Record<string, number>;
    return { status, passed: s['passes'] ?? 0, skipped: s['pending'] ?? 0, failed: s['failures'] ?? 0, output };
  }
  const j = (json ?? {}) as Record<string, number>;
  return { status, passed: j['numPassedTests'] ?? 0, skipped: j['numPendingTests'] ?? 0, failed: j['numFailedTests'] ?? 0, output };
}

/** The JSON document at the start of `text` (a reporter's), if any. */
function firstJson(text: string): Record<string, unknown> | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(text.slice(start)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Assert a run's counts, showing its output when they are not what was expected. */
export function assertCounts(r: SuiteResult, expected: { status: number; passed: number; skipped: number; failed: number }, what: string): void {
  assert.deepEqual(
    { status: r.status === 0 ? 0 : 1, passed: r.passed, skipped: r.skipped, failed: r.failed },
    expected,
    `${what}: unexpected result; output:\n${r.output.slice(0, 6000)}`,
  );
}

/** Run node with `args` in `opts.cwd`, asynchronously (for runs that must overlap), with a clean environment plus `opts.env`. */
export function spawnNode(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

/** Every file below `dir` (relative, '/'-separated, sorted), leaving out `except` names. */
export function listFiles(dir: string, except: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (except.includes(e.name)) continue;
      const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
      if (e.isDirectory()) walk(join(d, e.name), rel);
      else out.push(rel);
    }
  };
  walk(dir, '');
  return out.sort();
}

/**
 * Require `dir` (a materialization, or any copy of the package's listed paths) to hold
 * exactly the committed files of `paths` (default: what xtestPack.paths lists) of the package
 * at `root`, byte for byte, executable exactly when git's mode is 100755; `except` names are
 * left out (the completion marker).
 */
export function assertCommittedFiles(dir: string, root: string, options: { paths?: readonly string[]; except?: readonly string[] } = {}): void {
  const paths = options.paths ?? LISTED;
  const entries = git(['ls-tree', '-r', '-z', 'HEAD', '--', ...paths], { cwd: root })
    .toString('utf8')
    .split('\0')
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^(\d+) blob ([0-9a-f]+)\t(.*)$/s.exec(l);
      assert.ok(m, `ls-tree line ${JSON.stringify(l)}`);
      return { mode: m[1]!, oid: m[2]!, path: m[3]! };
    });
  assert.ok(entries.length > 0, `nothing committed under ${paths.join(' ')}`);
  assert.deepEqual(listFiles(dir, options.except ?? []), entries.map((e) => e.path).sort(), `the files under ${dir}`);
  for (const e of entries) {
    const file = join(dir, ...e.path.split('/'));
    const committed = git(['cat-file', 'blob', e.oid], { cwd: root });
    assert.ok(readFileSync(file).equals(committed), `${e.path}: bytes differ from the committed blob`);
    const exec = (statSync(file).mode & 0o111) !== 0;
    assert.equal(exec, e.mode === '100755', `${e.path}: executable ${exec}, committed mode ${e.mode}`);
  }
}
