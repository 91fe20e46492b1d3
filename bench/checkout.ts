/**
 * bench/checkout: wall time and peak RSS of checking out 1, 20 and 500 files of a commit from
 * the pack of a large repository, side by side in one run:
 *
 *   git archive | tar     bash -c 'set -o pipefail; git archive <commit> -- <paths> | tar -x -C <fresh dir>'
 *   git checkout          git --git-dir=<git dir> --work-tree=<fresh dir> checkout <commit> -- <paths>
 *                         (GIT_INDEX_FILE a fresh file, so no index of the repository is touched)
 *   xtest-pack CLI        node dist/bundle/cli/main.js checkout --no-progress --objects <pack dir>
 *                         --out <fresh dir> <commit> -- <paths>  (package.json "bin": the bundled
 *                         command, with Node's compile cache where Node has one, kept in a
 *                         directory of this run: the first run fills it)
 *   CLI --version         the same command loading commander and its program, running nothing
 *   CLI (unbundled)       with --unbundled: dist/src/cli/main.js, the modules tsc wrote
 *   library call          dist/bench/checkout-run.js: one checkoutPackSync() in a process whose
 *                         imports are loaded; the call's own time (what a test helper pays), and
 *                         the whole process under GNU time (NODE_COMPILE_CACHE set to a directory
 *                         of this run, as a user would for a test run)
 *   node -e 0             the floor of any Node process
 *
 * Usage (after `npm run build`; `npm run bench:checkout -- [options]` builds and runs):
 *
 *   node dist/bench/checkout.js [--repo <path>] [--rev <rev>] [--sizes <small-rev>,<large-rev>]
 *        [--runs N] [--counts 1,20,500] [--seed N] [--node <path>] [--unbundled] [--profile]
 *        [--json] [--keep] [--rebuild]
 *
 * Input:
 *   --repo <path>   the repository (default: this one); only read, never written
 *   --rev <rev>     the commit to check out (default: HEAD). Its pack directory holds the full
 *                   pack of its history, `git rev-list --objects <rev> | git pack-objects
 *                   --delta-base-offset` (deltas reused), and no manifest: xtest-pack sees a bare
 *                   pack directory. Built once and cached under
 *                   $XDG_CACHE_HOME/xtest-pack-bench/checkout-packs/<commit>/objects/pack/
 *                   (default ~/.cache/...); --rebuild builds it again.
 *   --sizes a,b     also compare peak RSS across pack sizes: the pack directories of revisions a
 *                   and b (say a ~50 MB and a ~300 MB pack), the same 20-file checkout from each
 *                   (when a is an ancestor of b: a's commit, so the files written are identical;
 *                   else each its own commit, with paths present in both); measured: the CLI, the
 *                   library runner and, for reference, git checkout reading the same pack
 *                   (GIT_OBJECT_DIRECTORY=<cache>/<commit>/objects).
 *   --counts        the file counts (default 1,20,500); the sets are nested: regular files
 *                   (mode 100644/100755) of `git ls-tree -r <rev>` with plain names
 *                   ([A-Za-z0-9._+/-], no glob or pathspec magic), shuffled with --seed (default 1)
 *
 * Options:
 *   --runs N        measured runs of each tool and count (default 3); the order of the tools
 *                   rotates from run to run; reported: the first run's wall time ("first": the
 *                   compile caches empty), the median wall time of the later runs (of all runs
 *                   when there are fewer than 3), the largest peak RSS
 *   --node <path>   the node binary that runs the CLI, the runner and `node -e 0` (default: the
 *                   one running this script), e.g. ~/.cache/xtest-pack/node-lines/24.22.3/bin/node
 *                   (scripts/runtimes.mjs installs it)
 *   --backend B     xtest-pack backend: node (default) or portable
 *   --cli <path>    the xtest-pack CLI to run (default: dist/bundle/cli/main.js of this build)
 *   --unbundled     also run dist/src/cli/main.js (the unbundled CLI), interleaved with the rest
 *   --profile       after the measured runs, run the library runner once more for each count
 *                   under `node --cpu-prof` (100 us sampling) and print the functions with the
 *                   most self time (of the whole process: start-up and imports included)
 *   --json          print one JSON document on stdout instead of the table
 *   --keep          keep the temp dir (every checkout, the path lists, the profile)
 *
 * Measured: each tool as its own process under GNU time (`/usr/bin/time -f %M`: peak RSS of the
 * process, or for the archive pipeline of its largest process), wall time by this script around
 * the spawn. git runs in a scratch git directory whose objects/info/alternates names the
 * repository's objects (the same packs are read; nothing is written into the repository). All
 * packs are read once before the first run, so every tool finds them in the page cache. The
 * first run's files of every tool are compared byte for byte with git archive's.
 *
 * Goals (from the issue): the library call takes no longer than git's whole process for 1 and
 * 20 files; the CLI's time above `node -e 0` is at most git's whole time; peak RSS does not grow
 * with pack size (within 10 % between a 50 MB and a 300 MB pack). Checked on the later runs'
 * medians (issue #16: second and later runs, the first fills the compile cache).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BenchError,
  cacheRoot,
  checkGnuTime,
  cleanEnv,
  defaultCli,
  unbundledCli,
  fmtMiB,
  fmtX,
  log,
  machine,
  machineLines,
  measure,
  median,
  profileLines,
  repoRoot,
  run,
  table,
  topSelfTime,
  type Machine,
  type SelfTime,
} from './lib.js';

const DEFAULT_RUNS = 3;
const runner = join(repoRoot, 'dist', 'bench', 'checkout-run.js');
/** package.json "bin": the command users run. */
const SAFE_PATH = /^[A-Za-z0-9._+-][A-Za-z0-9._+/-]*$/;

type ToolKey = 'archive' | 'git-checkout' | 'cli' | 'cli-version' | 'cli-src' | 'runner' | 'node';

interface Job {
  tool: ToolKey;
  label: string;
  /** The command, given a fresh output dir; undefined output for node -e 0. */
  argv: (out: string) => { cmd: string; args: string[]; env?: NodeJS.ProcessEnv };
  writes: boolean;
}

interface Sample {
  wallSeconds: number;
  cpuSeconds: number;
  rssBytes: number;
  /** The runner's checkoutPackSync call. */
  callSeconds?: number;
  startupSeconds?: number;
}

interface Cell {
  tool: ToolKey;
  label: string;
  files: number;
  runs: Sample[];
  /** The first run's wall time (compile caches empty). */
  firstWallSeconds: number;
  /** Median of the later runs (of all runs when there are fewer than 3). */
  wallSeconds: number;
  cpuSeconds: number;
  rssBytes: number;
  callSeconds?: number;
  firstCallSeconds?: number;
  startupSeconds?: number;
  /** The first run's files equal git archive's. */
  sameFilesAsArchive?: boolean;
}

interface PackDir {
  rev: string;
  commit: string;
  /** The bare pack directory given to xtest-pack (…/objects/pack). */
  dir: string;
  /** Its parent, an objects directory for GIT_OBJECT_DIRECTORY. */
  objects: string;
  packBytes: number;
  idxBytes: number;
  objectCount: number;
  cached: boolean;
  buildSeconds?: number;
}

interface Goal {
  what: string;
  value: string;
  met: boolean;
}

interface Report {
  repo: string;
  rev: string;
  commit: string;
  pack: Omit<PackDir, 'dir' | 'objects'> & { dir: string };
  counts: number[];
  seed: number;
  runs: number;
  backend: string;
  node: { path: string; version: string; compileCache: boolean };
  cli: string;
  cells: Cell[];
  sizes?: {
    commit: string;
    files: number;
    packs: (Omit<PackDir, 'objects'>)[];
    cells: (Cell & { rev: string })[];
    rssGrowth: { tool: string; small: number; large: number; ratio: number }[];
  };
  goals: Goal[];
  profiles?: { files: number; totalMs: number; top: SelfTime[] }[];
  machine: Machine;
  keptIn?: string;
}

// ---------------------------------------------------------------------------------------------

/** mulberry32: a small seeded generator, so the file sets are the same everywhere. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  const r = rng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Regular files with plain names in `commit`'s tree, sorted. */
function regularFiles(gitDir: string, commit: string, env: NodeJS.ProcessEnv): string[] {
  const out = run('git', ['--git-dir', gitDir, 'ls-tree', '-r', '-z', commit], { env }).toString('utf8');
  const files: string[] = [];
  for (const rec of out.split('\0')) {
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type] = rec.slice(0, tab).split(' ');
    const path = rec.slice(tab + 1);
    if (type === 'blob' && (mode === '100644' || mode === '100755') && SAFE_PATH.test(path) && !path.split('/').some((c) => c === '.' || c === '..' || c === '' || c.toLowerCase() === '.git')) {
      files.push(path);
    }
  }
  return files.sort();
}

/** The pack directory of `rev`'s history, from the cache or built now. */
function packDir(repo: string, gitDir: string, rev: string, env: NodeJS.ProcessEnv, rebuild: boolean): PackDir {
  const commit = run('git', ['--git-dir', gitDir, 'rev-parse', '--verify', `${rev}^{commit}`], { env }).toString().trim();
  const base = join(cacheRoot(), 'checkout-packs', commit);
  const objects = join(base, 'objects');
  const dir = join(objects, 'pack');
  const find = (): string | undefined => (existsSync(dir) ? readdirSync(dir).find((f) => /^pack-[0-9a-f]+\.pack$/.test(f)) : undefined);
  const cached = !rebuild && find() !== undefined && existsSync(join(dir, find()!.replace(/\.pack$/, '.idx')));
  let buildSeconds: number | undefined;
  if (!cached) {
    log(`building the pack directory of ${rev} (${commit}) from ${repo}: git rev-list --objects | git pack-objects --delta-base-offset`);
    const t0 = performance.now();
    const tmp = `${base}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, 'objects', 'pack'), { recursive: true });
    const list = run('git', ['--git-dir', gitDir, 'rev-list', '--objects', commit], { env });
    run('git', ['--git-dir', gitDir, '-c', 'pack.writeReverseIndex=false', 'pack-objects', '-q', '--delta-base-offset', join(tmp, 'objects', 'pack', 'pack')], {
      env,
      input: list,
    });
    rmSync(base, { recursive: true, force: true });
    renameSync(tmp, base);
    buildSeconds = (performance.now() - t0) / 1000;
    log(`  built in ${buildSeconds.toFixed(1)} s`);
  } else {
    log(`using the cached pack directory ${dir}`);
  }
  const pack = join(dir, find()!);
  const idx = pack.replace(/\.pack$/, '.idx');
  const idxBytes = statSync(idx);
  const objectCount = readFileSync(idx).readUInt32BE(8 + 255 * 4);
  const res: PackDir = { rev, commit, dir, objects, packBytes: statSync(pack).size, idxBytes: idxBytes.size, objectCount, cached };
  if (buildSeconds !== undefined) res.buildSeconds = buildSeconds;
  return res;
}

function warm(dir: string): void {
  for (const f of readdirSync(dir)) if (f.endsWith('.pack') || f.endsWith('.idx')) readFileSync(join(dir, f));
}

/** Compare the `paths` under `a` and `b` byte for byte (and their executable bits). */
function sameFiles(a: string, b: string, paths: readonly string[]): boolean {
  for (const p of paths) {
    const x = join(a, p);
    const y = join(b, p);
    if (!existsSync(x) || !existsSync(y)) return false;
    if ((statSync(x).mode & 0o111) !== 0 !== ((statSync(y).mode & 0o111) !== 0)) return false;
    if (!readFileSync(x).equals(readFileSync(y))) return false;
  }
  return true;
}

function jobs(o: {
  scratch: string;
  commit: string;
  paths: readonly string[];
  pathsFile: string;
  packDir: string;
  cli: string;
  /** With --unbundled: dist/src/cli/main.js. */
  cliSrc?: string;
  node: string;
  backend: string;
  env: NodeJS.ProcessEnv;
  /** XDG_CACHE_HOME of the CLI (its compile cache) and NODE_COMPILE_CACHE of the runner. */
  caches: { cli: string; cliSrc: string; runner: string };
  indexFile: () => string;
  gitObjects?: string;
  only?: readonly ToolKey[];
}): Job[] {
  const gitEnv = (): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...o.env, GIT_LITERAL_PATHSPECS: '1', GIT_INDEX_FILE: o.indexFile() };
    if (o.gitObjects !== undefined) e['GIT_OBJECT_DIRECTORY'] = o.gitObjects;
    return e;
  };
  const all: Job[] = [
    {
      tool: 'archive',
      label: o.gitObjects === undefined ? 'git archive | tar -x' : 'git archive | tar -x (same pack)',
      writes: true,
      argv: (out) => ({
        cmd: 'bash',
        args: ['-c', 'set -o pipefail; git -C "$0" archive "$1" -- "${@:3}" | tar -x -C "$2"', o.scratch, o.commit, out, ...o.paths],
        env: gitEnv(),
      }),
    },
    {
      tool: 'git-checkout',
      label: o.gitObjects === undefined ? 'git checkout' : 'git checkout (same pack)',
      writes: true,
      argv: (out) => ({ cmd: 'git', args: [`--git-dir=${o.scratch}`, `--work-tree=${out}`, 'checkout', '-q', o.commit, '--', ...o.paths], env: gitEnv() }),
    },
    {
      tool: 'cli',
      label: 'xtest-pack checkout (CLI)',
      writes: true,
      argv: (out) => ({
        cmd: o.node,
        args: [o.cli, '--backend', o.backend, 'checkout', '--no-progress', '--objects', o.packDir, '--out', out, o.commit, '--', ...o.paths],
        env: { ...o.env, XDG_CACHE_HOME: o.caches.cli },
      }),
    },
    {
      tool: 'cli-version',
      label: 'xtest-pack --version (CLI loading)',
      writes: false,
      argv: () => ({ cmd: o.node, args: [o.cli, '--backend', o.backend, '--version'], env: { ...o.env, XDG_CACHE_HOME: o.caches.cli } }),
    },
    {
      tool: 'runner',
      label: 'checkoutPackSync in-process (runner)',
      writes: true,
      argv: (out) => ({
        cmd: o.node,
        args: [runner, '--objects', o.packDir, '--out', out, '--commit', o.commit, '--paths-file', o.pathsFile, '--backend', o.backend],
        env: { ...o.env, NODE_COMPILE_CACHE: o.caches.runner },
      }),
    },
    { tool: 'node', label: 'node -e 0', writes: false, argv: () => ({ cmd: o.node, args: ['-e', '0'] }) },
  ];
  if (o.cliSrc !== undefined) {
    const src = o.cliSrc;
    all.splice(3, 0, {
      tool: 'cli-src',
      label: 'xtest-pack checkout (CLI, unbundled)',
      writes: true,
      argv: (out) => ({
        cmd: o.node,
        args: [src, '--backend', o.backend, 'checkout', '--no-progress', '--objects', o.packDir, '--out', out, o.commit, '--', ...o.paths],
        env: { ...o.env, XDG_CACHE_HOME: o.caches.cliSrc },
      }),
    });
  }
  return all.filter((j) => (o.only ? o.only.includes(j.tool) : true));
}

/** Run `list` `runs` times, order rotating; returns the samples per job index. */
function measureJobs(
  list: readonly { job: Job; key: string; paths: readonly string[]; group: string }[],
  runs: number,
  work: string,
  env: NodeJS.ProcessEnv,
  keep: boolean,
): { samples: Sample[][]; same: (boolean | undefined)[] } {
  const samples: Sample[][] = list.map(() => []);
  const firstOut: (string | undefined)[] = list.map(() => undefined);
  let seq = 0;
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < list.length; k++) {
      const idx = (k + r) % list.length;
      const { job, key } = list[idx]!;
      const out = join(work, 'out', `${key}-run${r + 1}`);
      if (job.writes) mkdirSync(out, { recursive: true });
      const { cmd, args, env: jobEnv } = job.argv(out);
      log(`run ${r + 1}/${runs}: ${key}`);
      const m = measure(key, cmd, args, { cwd: work, env: jobEnv ?? env, timeFile: join(work, `time-${seq++}.txt`) });
      const s: Sample = { wallSeconds: m.wallSeconds, cpuSeconds: m.cpuSeconds, rssBytes: m.rssBytes };
      if (job.tool === 'runner') {
        const j = JSON.parse(m.stdout.toString()) as { callSeconds: number; startupSeconds: number };
        s.callSeconds = j.callSeconds;
        s.startupSeconds = j.startupSeconds;
      }
      log(
        `  ${m.wallSeconds.toFixed(3)} s wall, ${fmtMiB(m.rssBytes)} MiB` + (s.callSeconds !== undefined ? `; call ${s.callSeconds.toFixed(3)} s` : ''),
      );
      samples[idx]!.push(s);
      if (job.writes) {
        if (r === 0) firstOut[idx] = out;
        else if (!keep) rmSync(out, { recursive: true, force: true });
      }
    }
  }
  // Compare each tool's first output with git archive's of the same group (same paths, commit, pack).
  const same = list.map((x, i) => {
    if (!x.job.writes) return undefined;
    const refIdx = list.findIndex((y) => y.job.tool === 'archive' && y.group === x.group);
    if (refIdx < 0) return undefined;
    return sameFiles(firstOut[refIdx]!, firstOut[i]!, x.paths);
  });
  if (!keep) for (const o of firstOut) if (o !== undefined) rmSync(o, { recursive: true, force: true });
  return { samples, same };
}

function cellOf(job: Job, files: number, ss: Sample[], same: boolean | undefined): Cell {
  // The first run fills the compile caches: the medians are of the later runs when there are two or more.
  const later = ss.length >= 3 ? ss.slice(1) : ss;
  const c: Cell = {
    tool: job.tool,
    label: job.label,
    files,
    runs: ss,
    firstWallSeconds: ss[0]!.wallSeconds,
    wallSeconds: median(later.map((s) => s.wallSeconds)),
    cpuSeconds: median(later.map((s) => s.cpuSeconds)),
    rssBytes: Math.max(...ss.map((s) => s.rssBytes)),
  };
  if (job.tool === 'runner') {
    c.callSeconds = median(later.map((s) => s.callSeconds!));
    c.firstCallSeconds = ss[0]!.callSeconds!;
    c.startupSeconds = median(later.map((s) => s.startupSeconds!));
  }
  if (same !== undefined) c.sameFilesAsArchive = same;
  return c;
}

// ---------------------------------------------------------------------------------------------

function printTable(rep: Report): void {
  const out: string[] = [];
  const p = rep.pack;
  out.push(`input:   ${rep.repo} at ${rep.rev} (${rep.commit})`);
  out.push(
    `pack:    ${p.dir}: ${fmtMiB(p.packBytes)} MiB pack (${(p.packBytes / 1e6).toFixed(1)} MB), ${fmtMiB(p.idxBytes)} MiB idx, ${p.objectCount} objects` +
      (p.cached ? ' (cached)' : ` (built in ${p.buildSeconds?.toFixed(1)} s)`),
  );
  out.push(...machineLines(rep.machine));
  out.push(`node:    ${rep.node.version} (${rep.node.path}); compile cache: ${rep.node.compileCache ? 'yes (module.enableCompileCache)' : 'none on this Node'}`);
  out.push(`cli:     ${rep.cli}`);
  out.push(
    `runs:    ${rep.runs} per tool and count, interleaved; ${rep.runs >= 3 ? 'median wall of runs 2..' + rep.runs + ' (run 1 fills the compile caches: "first")' : 'median wall'}, max peak RSS; files: seed ${rep.seed}; backend ${rep.backend}`,
  );
  out.push('');
  const get = (tool: ToolKey, n: number): Cell | undefined => rep.cells.find((c) => c.tool === tool && c.files === n);
  const head = ['tool', ...rep.counts.flatMap((n) => [`${n} f first s`, `${n} f wall s`, `${n} f RSS MiB`]), 'same files'];
  const rows: string[][] = [];
  const labels: [ToolKey, string][] = [
    ['archive', 'git archive | tar -x'],
    ['git-checkout', 'git checkout (fresh work tree)'],
    ['cli', 'xtest-pack checkout (CLI)'],
    ['cli-src', 'xtest-pack checkout (CLI, unbundled)'],
    ['cli-version', 'xtest-pack --version'],
    ['runner', 'runner process (node + checkoutPackSync)'],
    ['node', 'node -e 0'],
  ];
  for (const [tool, label] of labels) {
    const cells = rep.counts.map((n) => get(tool, n));
    if (cells.every((c) => c === undefined)) continue;
    rows.push([
      label,
      ...cells.flatMap((c) => (c ? [c.firstWallSeconds.toFixed(3), c.wallSeconds.toFixed(3), fmtMiB(c.rssBytes)] : ['-', '-', '-'])),
      cells.every((c) => c?.sameFilesAsArchive === undefined) ? '' : cells.every((c) => c?.sameFilesAsArchive !== false) ? 'yes' : 'NO',
    ]);
    if (tool === 'cli' || tool === 'cli-src' || tool === 'cli-version') {
      rows.push([
        '  minus node -e 0',
        ...rep.counts.flatMap((n) => {
          const c = get(tool, n);
          const z = get('node', n);
          return c && z ? [(c.firstWallSeconds - z.wallSeconds).toFixed(3), (c.wallSeconds - z.wallSeconds).toFixed(3), ''] : ['-', '-', ''];
        }),
        '',
      ]);
    }
    if (tool === 'runner') {
      rows.push(['  checkoutPackSync call alone', ...rep.counts.flatMap((n) => [get('runner', n)?.firstCallSeconds?.toFixed(3) ?? '-', get('runner', n)?.callSeconds?.toFixed(3) ?? '-', '']), '']);
      rows.push(['  start-up + imports before the call', ...rep.counts.flatMap((n) => ['', get('runner', n)?.startupSeconds?.toFixed(3) ?? '-', '']), '']);
    }
  }
  out.push(...table(head, rows));
  out.push('');
  out.push('ratios (wall):');
  const ratioRows: string[][] = [];
  const ratio = (label: string, f: (n: number) => number | undefined): void => {
    ratioRows.push([label, ...rep.counts.map((n) => fmtX(f(n) ?? NaN))]);
  };
  const w = (t: ToolKey, n: number): number | undefined => get(t, n)?.wallSeconds;
  ratio('checkoutPackSync call / git archive|tar', (n) => (get('runner', n)?.callSeconds ?? NaN) / (w('archive', n) ?? NaN));
  ratio('checkoutPackSync call / git checkout', (n) => (get('runner', n)?.callSeconds ?? NaN) / (w('git-checkout', n) ?? NaN));
  ratio('(CLI - node -e 0) / git archive|tar', (n) => ((w('cli', n) ?? NaN) - (w('node', n) ?? NaN)) / (w('archive', n) ?? NaN));
  ratio('(CLI - node -e 0) / git checkout', (n) => ((w('cli', n) ?? NaN) - (w('node', n) ?? NaN)) / (w('git-checkout', n) ?? NaN));
  if (rep.cells.some((c) => c.tool === 'cli-src')) {
    ratio('(unbundled CLI - node -e 0) / git checkout', (n) => ((w('cli-src', n) ?? NaN) - (w('node', n) ?? NaN)) / (w('git-checkout', n) ?? NaN));
  }
  ratio('CLI / git archive|tar', (n) => (w('cli', n) ?? NaN) / (w('archive', n) ?? NaN));
  ratio('CLI / git checkout', (n) => (w('cli', n) ?? NaN) / (w('git-checkout', n) ?? NaN));
  out.push(...table(['', ...rep.counts.map((n) => `${n} files`)], ratioRows).map((l) => `  ${l}`));
  if (rep.sizes) {
    const s = rep.sizes;
    out.push('');
    out.push(`peak RSS across pack sizes: the same ${s.files}-file checkout of ${s.commit} from each pack directory`);
    for (const pk of s.packs) {
      out.push(`  ${pk.rev} (${pk.commit.slice(0, 12)}): ${fmtMiB(pk.packBytes)} MiB pack (${(pk.packBytes / 1e6).toFixed(1)} MB), ${fmtMiB(pk.idxBytes)} MiB idx, ${pk.objectCount} objects`);
    }
    const srows = s.cells.map((c) => [c.label, c.rev, c.wallSeconds.toFixed(3), fmtMiB(c.rssBytes), c.callSeconds?.toFixed(3) ?? '', c.sameFilesAsArchive === undefined ? '' : c.sameFilesAsArchive ? 'yes' : 'NO']);
    out.push(...table(['tool', 'pack of', 'wall s', 'RSS MiB', 'call s', 'same files'], srows, [0, 1]).map((l) => `  ${l}`));
    for (const g of s.rssGrowth) out.push(`  ${g.tool}: peak RSS ${fmtMiB(g.small)} -> ${fmtMiB(g.large)} MiB (${g.ratio.toFixed(3)}x)`);
  }
  out.push('');
  out.push('goals:');
  for (const g of rep.goals) out.push(`  ${g.what}: ${g.value} ${g.met ? 'MET' : 'MISSED'}`);
  for (const p of rep.profiles ?? []) {
    out.push('');
    out.push(...profileLines(`profile of the runner process (whole process), ${p.files} files, node --cpu-prof`, p));
  }
  if (rep.keptIn) out.push(`kept:    ${rep.keptIn}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------

function main(): number {
  const { values } = parseArgs({
    options: {
      repo: { type: 'string', default: repoRoot },
      rev: { type: 'string', default: 'HEAD' },
      sizes: { type: 'string' },
      counts: { type: 'string', default: '1,20,500' },
      seed: { type: 'string', default: '1' },
      runs: { type: 'string', default: String(DEFAULT_RUNS) },
      backend: { type: 'string', default: 'node' },
      cli: { type: 'string' },
      node: { type: 'string' },
      unbundled: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      rebuild: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(
      'usage: node dist/bench/checkout.js [--repo <path>] [--rev <rev>] [--sizes <small-rev>,<large-rev>] [--runs N]\n' +
        '         [--counts 1,20,500] [--seed N] [--backend node|portable] [--cli <main.js>] [--node <path>] [--unbundled]\n' +
        '         [--profile] [--json] [--keep] [--rebuild]\n' +
        '(details in the header comment of bench/checkout.ts)\n',
    );
    return 0;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new BenchError(`--runs ${values.runs}: expected a positive integer`);
  let counts = values.counts.split(',').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1)) throw new BenchError(`--counts ${values.counts}: expected positive integers`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new BenchError(`--seed ${values.seed}: expected an integer`);
  const sizes = values.sizes?.split(',');
  if (sizes && sizes.length !== 2) throw new BenchError(`--sizes ${values.sizes}: expected <small-rev>,<large-rev>`);
  if (values.backend !== 'node' && values.backend !== 'portable') throw new BenchError(`--backend ${values.backend}: expected node or portable`);
  const cli = resolve(values.cli ?? defaultCli);
  const cliSrc = values.unbundled ? unbundledCli : undefined;
  for (const f of [cli, runner, ...(cliSrc ? [cliSrc] : [])]) if (!existsSync(f)) throw new BenchError(`${f} not found: run npm run build first`);
  const node = resolve(values.node ?? process.execPath);
  const nodeProbe = spawnSync(node, ['-p', "process.version + ' ' + (typeof require('node:module').enableCompileCache === 'function')"], { encoding: 'utf8' });
  if (nodeProbe.status !== 0) throw new BenchError(`--node ${node}: does not run (${nodeProbe.error?.message ?? nodeProbe.stderr.trim()})`);
  const [nodeVersion, compileCache] = nodeProbe.stdout.trim().split(' ');
  checkGnuTime();

  const repo = resolve(values.repo);
  const work = mkdtempSync(join(tmpdir(), 'xtest-pack-bench-co-'));
  const keep = values.keep;
  try {
    const env = cleanEnv(work);
    const gitDir = run('git', ['-C', repo, 'rev-parse', '--absolute-git-dir'], { env }).toString().trim();
    // git runs in a scratch git directory borrowing the repository's objects: same packs, and
    // nothing (index, temp files) is ever written into the repository.
    const scratch = join(work, 'git.git');
    run('git', ['init', '-q', '--bare', scratch], { env });
    writeFileSync(join(scratch, 'objects', 'info', 'alternates'), `${join(gitDir, 'objects')}\n`);
    let indexSeq = 0;
    const indexFile = (): string => join(work, `index-${indexSeq++}`);
    // Compile caches of this run, empty at first: a fresh set for each group of runs, so that
    // the first run of each is the cold one.
    let cacheSeq = 0;
    const caches = (): { cli: string; cliSrc: string; runner: string } => {
      const d = join(work, `caches-${cacheSeq++}`);
      return { cli: join(d, 'cli'), cliSrc: join(d, 'cli-src'), runner: join(d, 'runner') };
    };

    const main = packDir(repo, gitDir, values.rev, env, values.rebuild);
    const files = shuffled(regularFiles(gitDir, main.commit, env), seed);
    if (files.length === 0) throw new BenchError(`${values.rev} has no regular file with a plain name`);
    if (counts.some((n) => n > files.length)) {
      log(`${values.rev} has ${files.length} regular files with plain names: counts above that become ${files.length}`);
      counts = [...new Set(counts.map((n) => Math.min(n, files.length)))];
    }
    const sets = counts.map((n) => files.slice(0, n));
    sets.forEach((s, i) => writeFileSync(join(work, `paths-${counts[i]}.txt`), `${s.join('\n')}\n`));

    warm(join(gitDir, 'objects', 'pack'));
    warm(main.dir);
    const loadBefore = loadavg();
    log(`load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);

    // ---- the main table: every tool, every count; each count is its own rotation
    const cells: Cell[] = [];
    counts.forEach((n, i) => {
      const paths = sets[i]!;
      const js = jobs({
        scratch, commit: main.commit, paths, pathsFile: join(work, `paths-${n}.txt`), packDir: main.dir, cli, node, backend: values.backend, env, indexFile,
        caches: caches(),
        ...(cliSrc ? { cliSrc } : {}),
      });
      const list = js.map((job) => ({ job, key: `${job.tool}-${n}`, paths, group: String(n) }));
      const { samples, same } = measureJobs(list, runs, work, env, keep);
      list.forEach((x, k) => cells.push(cellOf(x.job, n, samples[k]!, same[k])));
    });

    // ---- peak RSS across pack sizes
    let sizesReport: Report['sizes'];
    if (sizes) {
      const small = packDir(repo, gitDir, sizes[0]!, env, values.rebuild);
      const large = packDir(repo, gitDir, sizes[1]!, env, values.rebuild);
      const ancestor = spawnSync('git', ['--git-dir', gitDir, 'merge-base', '--is-ancestor', small.commit, large.commit], { env }).status === 0;
      const smallFiles = new Set(regularFiles(gitDir, small.commit, env));
      const common = ancestor ? [...smallFiles].sort() : regularFiles(gitDir, large.commit, env).filter((f) => smallFiles.has(f));
      const n = Math.min(20, common.length);
      const paths = shuffled(common, seed).slice(0, n);
      const pathsFile = join(work, 'paths-sizes.txt');
      writeFileSync(pathsFile, `${paths.join('\n')}\n`);
      warm(small.dir);
      warm(large.dir);
      const list: { job: Job; key: string; paths: readonly string[]; group: string; rev: string }[] = [];
      for (const pk of [small, large]) {
        const commit = ancestor ? small.commit : pk.commit;
        const js = jobs({
          scratch, commit, paths, pathsFile, packDir: pk.dir, cli, node, backend: values.backend, env, indexFile,
          caches: caches(),
          gitObjects: pk.objects,
          only: ['archive', 'git-checkout', 'cli', 'runner'],
        });
        for (const job of js) list.push({ job, key: `sizes-${job.tool}-${pk.rev}`, paths, group: pk.rev, rev: pk.rev });
      }
      log(`peak RSS across pack sizes: ${small.rev} (${fmtMiB(small.packBytes)} MiB) and ${large.rev} (${fmtMiB(large.packBytes)} MiB), ${n} files`);
      const { samples, same } = measureJobs(list, runs, work, env, keep);
      const scells = list.map((x, k) => ({ ...cellOf(x.job, n, samples[k]!, same[k]), rev: x.rev }));
      const growth = (['cli', 'runner', 'git-checkout', 'archive'] as ToolKey[]).map((tool) => {
        const a = scells.find((c) => c.tool === tool && c.rev === small.rev)!;
        const b = scells.find((c) => c.tool === tool && c.rev === large.rev)!;
        return { tool: a.label, small: a.rssBytes, large: b.rssBytes, ratio: b.rssBytes / a.rssBytes };
      });
      const strip = ({ objects: _o, ...rest }: PackDir): Omit<PackDir, 'objects'> => rest;
      sizesReport = { commit: ancestor ? small.commit : `${small.commit} / ${large.commit}`, files: n, packs: [strip(small), strip(large)], cells: scells, rssGrowth: growth };
    }
    const loadAfter = loadavg();

    // ---- goals
    const goals: Goal[] = [];
    const get = (tool: ToolKey, n: number): Cell | undefined => cells.find((c) => c.tool === tool && c.files === n);
    for (const n of counts.filter((x) => x === 1 || x === 20)) {
      const call = get('runner', n)?.callSeconds ?? NaN;
      for (const g of ['archive', 'git-checkout'] as const) {
        const gw = get(g, n)?.wallSeconds ?? NaN;
        goals.push({ what: `${n} files: checkoutPackSync call <= ${get(g, n)?.label} (whole process)`, value: `${call.toFixed(3)} s vs ${gw.toFixed(3)} s`, met: call <= gw });
      }
    }
    for (const n of counts) {
      const above = (get('cli', n)?.wallSeconds ?? NaN) - (get('node', n)?.wallSeconds ?? NaN);
      for (const g of ['archive', 'git-checkout'] as const) {
        const gw = get(g, n)?.wallSeconds ?? NaN;
        goals.push({ what: `${n} files: CLI - node -e 0 <= ${get(g, n)?.label}`, value: `${above.toFixed(3)} s vs ${gw.toFixed(3)} s`, met: above <= gw });
      }
    }
    if (sizesReport) {
      const [a, b] = sizesReport.packs;
      for (const gr of sizesReport.rssGrowth.slice(0, 2)) {
        goals.push({
          what: `peak RSS of ${gr.tool}, ${fmtMiB(a!.packBytes)} -> ${fmtMiB(b!.packBytes)} MiB pack, within 10 %`,
          value: `${fmtMiB(gr.small)} -> ${fmtMiB(gr.large)} MiB (${gr.ratio.toFixed(3)}x)`,
          met: gr.ratio <= 1.1,
        });
      }
    }

    const strip = ({ objects: _o, ...rest }: PackDir): Omit<PackDir, 'objects'> => rest;
    const report: Report = {
      repo,
      rev: values.rev,
      commit: main.commit,
      pack: strip(main),
      counts,
      seed,
      runs,
      backend: values.backend,
      node: { path: node, version: nodeVersion!, compileCache: compileCache === 'true' },
      cli,
      cells,
      goals,
      machine: { ...machine(loadBefore, cli), node: nodeVersion!.replace(/^v/, '') },
    };
    report.machine.loadAverageAfter = loadAfter;
    if (sizesReport) report.sizes = sizesReport;

    if (values.profile) {
      report.profiles = [];
      for (const n of counts) {
        const dir = join(work, `profile-${n}`);
        const out = join(work, 'out', `profile-${n}`);
        mkdirSync(out, { recursive: true });
        log(`profiling the runner, ${n} files`);
        run(node, ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir, runner, '--objects', main.dir, '--out', out, '--commit', main.commit, '--paths-file', join(work, `paths-${n}.txt`), '--backend', values.backend], { env, cwd: work });
        const prof = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
        if (!prof) throw new BenchError(`no .cpuprofile in ${dir}`);
        report.profiles.push({ files: n, ...topSelfTime(join(dir, prof), 15) });
      }
    }
    if (keep) report.keptIn = work;
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else printTable(report);
    const allSame = [...cells, ...(sizesReport?.cells ?? [])].every((c) => c.sameFilesAsArchive !== false);
    if (!allSame) log('some tool wrote files that differ from git archive\'s');
    return allSame ? 0 : 1;
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

try {
  process.exitCode = main();
} catch (e) {
  process.stderr.write(`bench: ${e instanceof BenchError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
}
