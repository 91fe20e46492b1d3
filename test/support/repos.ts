// The packs the differential tests feed to git and to xtest-pack: made by the scripts in
// fixtures/scripts/ (run with bash, into temporary directories), once per test process.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ObjectFormat } from '../../src/pack/oid.js';
import { testDataSync } from '../../src/harness/helper.js';
import { git, gitRaw, tempDir } from './git.js';

/** The project's root (this file is compiled to dist/test/support/). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/**
 * fixtures/scripts, through xtest-pack's own test helper: the work tree's own files, or, when
 * the tests run from the published tarball (which leaves fixtures/ out), the files
 * materialized from the test-data artifact that XTEST_PACK_OBJECTS names.
 */
export const FIXTURE_SCRIPTS = testDataSync(['fixtures/scripts'], { from: import.meta.url }).path('fixtures/scripts');

let projectRepo: string | undefined;

/**
 * A git repository of this project: the work tree the tests run in when it is one; else (the
 * tests run from the published tarball, which has no .git) a repository made once per process
 * of the project's files, so that the tests that want a real project still have one.
 */
export function projectRepository(): string {
  if (projectRepo !== undefined) return projectRepo;
  const top = gitRaw(['rev-parse', '--show-toplevel'], { cwd: PROJECT_ROOT });
  if (top.status === 0) {
    projectRepo = top.stdout.toString('utf8').trim();
    return projectRepo;
  }
  const dir = scratchDir('xtest-pack-project-repo-');
  git(['init', '-q', '-b', 'main', dir]);
  git(['--git-dir', join(dir, '.git'), '--work-tree', PROJECT_ROOT, 'add', '-A', '--', '.', ':(exclude)node_modules', ':(exclude)dist']);
  git(['-C', dir, 'commit', '-q', '-m', 'the files of the published package']);
  git(['-C', dir, 'checkout', '-q', '-f']);
  projectRepo = dir;
  return dir;
}

export type FixtureName = 'deep-chains' | 'ref-delta' | 'index-v1' | 'sha256' | 'tags' | 'self';

/** Every fixture, in the order the tests go through them. */
export const FIXTURES: readonly FixtureName[] = ['deep-chains', 'ref-delta', 'index-v1', 'sha256', 'tags', 'self'];

export interface PackFixture {
  readonly name: FixtureName;
  readonly format: ObjectFormat;
  /** The repository holding the objects (for git cat-file); the project itself for `self`. */
  readonly repo: string;
  /** Absolute path of the pack. Shared by all tests of the process: copy it before changing anything. */
  readonly pack: string;
  /** git's idx of the pack (version `idxVersion`). */
  readonly idx: string;
  readonly idxVersion: 1 | 2;
}

const cache = new Map<FixtureName, PackFixture>();
const cleanups: (() => void)[] = [];
process.on('exit', () => {
  for (const c of cleanups) c();
});

/** A directory removed when the test process exits. */
export function scratchDir(prefix = 'xtest-pack-git-'): string {
  const t = tempDir(prefix);
  cleanups.push(t.cleanup);
  return t.dir;
}

/** Run fixtures/scripts/<script>.sh with `args`; throws with its stderr on failure. */
export function runFixtureScript(script: string, args: string[]): void {
  const r = spawnSync('bash', [join(FIXTURE_SCRIPTS, `${script}.sh`), ...args], {
    env: { PATH: process.env['PATH'] },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`fixtures/scripts/${script}.sh failed (${r.status ?? r.signal}): ${r.stderr}`);
}

/** The one file ending in `suffix` in `dir`; throws unless there is exactly one. */
function onlyFile(dir: string, suffix: string): string {
  const found = readdirSync(dir).filter((f) => f.endsWith(suffix));
  if (found.length !== 1) throw new Error(`expected one *${suffix} in ${dir}, found ${JSON.stringify(found)}`);
  return join(dir, found[0]!);
}

/** The fixture `name`, made on first use in this process. */
export function packFixture(name: FixtureName): PackFixture {
  const hit = cache.get(name);
  if (hit) return hit;
  const out = scratchDir(`xtest-pack-fixture-${name}-`);
  let f: PackFixture;
  switch (name) {
    case 'self': {
      runFixtureScript('self', [out, projectRepository()]);
      const pack = onlyFile(out, '.pack');
      f = { name, format: 'sha1', repo: projectRepository(), pack, idx: pack.replace(/\.pack$/, '.idx'), idxVersion: 2 };
      break;
    }
    case 'index-v1': {
      runFixtureScript(name, [out]);
      const pack = onlyFile(join(out, 'v1'), '.pack');
      const repo = join(out, 'repo');
      f = { name, format: 'sha1', repo, pack, idx: pack.replace(/\.pack$/, '.idx'), idxVersion: 1 };
      break;
    }
    default: {
      runFixtureScript(name, [out]);
      const repo = join(out, 'repo');
      const pack = onlyFile(join(repo, '.git', 'objects', 'pack'), '.pack');
      const format: ObjectFormat = name === 'sha256' ? 'sha256' : 'sha1';
      f = { name, format, repo, pack, idx: pack.replace(/\.pack$/, '.idx'), idxVersion: 2 };
    }
  }
  cache.set(name, f);
  return f;
}

/**
 * Copy a fixture's pack (and, unless `withIdx` is false, git's idx) into `dir` under its own
 * base name, or `base` when given; returns the paths of the copies.
 */
export function copyFixture(
  f: PackFixture,
  dir: string,
  options: { base?: string; withIdx?: boolean } = {},
): { pack: string; idx: string } {
  mkdirSync(dir, { recursive: true });
  const base = options.base ?? basename(f.pack, '.pack');
  const pack = join(dir, `${base}.pack`);
  const idx = join(dir, `${base}.idx`);
  copyFileSync(f.pack, pack);
  if (options.withIdx ?? true) copyFileSync(f.idx, idx);
  return { pack, idx };
}

/** `--object-format=sha256` for git when the fixture needs it (git assumes sha1 outside a repository). */
export function gitFormatArgs(f: { format: ObjectFormat }): string[] {
  return f.format === 'sha1' ? [] : [`--object-format=${f.format}`];
}

/** The same for xtest-pack. */
export function ourFormatArgs(f: { format: ObjectFormat }): string[] {
  return f.format === 'sha1' ? [] : ['--object-format', f.format];
}

export interface VerboseEntry {
  oid: string;
  type: string;
  size: number;
  packedSize: number;
  offset: number;
  depth: number;
  base: string | undefined;
}

const verboseCache = new Map<string, VerboseEntry[]>();

/** The object lines of `git verify-pack -v` for an idx, parsed (cached by path: fixtures only). */
export function gitVerboseEntries(idx: string, format: ObjectFormat): VerboseEntry[] {
  const hit = verboseCache.get(idx);
  if (hit) return hit;
  const text = git(['verify-pack', '-v', ...gitFormatArgs({ format }), idx]).toString('utf8');
  const out: VerboseEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{40,64}) +(\w+) +(\d+) (\d+) (\d+)(?: (\d+) ([0-9a-f]{40,64}))?$/.exec(line);
    if (!m) continue;
    out.push({
      oid: m[1]!,
      type: m[2]!,
      size: Number(m[3]),
      packedSize: Number(m[4]),
      offset: Number(m[5]),
      depth: m[6] === undefined ? 0 : Number(m[6]),
      base: m[7],
    });
  }
  verboseCache.set(idx, out);
  return out;
}

/**
 * A repository at `dir` with one commit of `fixtures/`: 30 texts of 20-68 KB, each in three
 * directories with a small edit (delta pairs), several MiB in all, so that the pack writer cuts
 * it into several segments; deterministic for a `seed`. Returns the bytes of the files.
 */
export function segmentedRepository(dir: string, seed: number): number {
  git(['init', '-q', dir]);
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 8;
  const words = ['alpha ', 'beta ', 'gamma\n', 'delta ', 'x = 1;\n', 'return y;\n', '// note\n'];
  let bytes = 0;
  for (let f = 0; f < 30; f++) {
    let text = '';
    while (text.length < 20_000 + (f % 7) * 8_000) text += words[rand() % words.length]!;
    for (const d of ['a', 'b/c', 'd']) {
      mkdirSync(join(dir, 'fixtures', d), { recursive: true });
      const edited = `${text.slice(0, 500 * f)}changed in ${d}\n${text.slice(500 * f + 10)}`;
      writeFileSync(join(dir, 'fixtures', d, `file-${f}.txt`), edited);
      bytes += edited.length;
    }
  }
  git(['-C', dir, 'add', '-A', 'fixtures']);
  git(['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'files']);
  return bytes;
}
