/**
 * bench/index-pack: wall time and peak RSS of `xtest-pack index-pack` against
 * `git index-pack --threads=1` and `git index-pack` (default threads), side by side, on one
 * realistic pack, with every .idx checked byte for byte against git's.
 *
 * Usage (after `npm run build`; `npm run bench:index-pack -- [options]` builds and runs):
 *
 *   node dist/bench/index-pack.js [input] [--runs N] [--backend node|portable|both] [--detection on|off|both] [--threads T,..] [--json] [--keep]
 *
 * Input, one of:
 *   (none)                 the default: a git repository made of successive published versions of
 *                          an npm package (next 13.0.0 .. 14.2.35, 101 versions: DEFAULT_NPM_*
 *                          below), one commit per version, each on top of the previous, then
 *                          `git repack -adf` (default window and depth): a 52 MB pack of 43k
 *                          objects; the first build downloads ~1.5 GB of tarballs and takes ~10
 *                          minutes on 2 cores.
 *   --npm <name>@<a>..<b>  the same with another package: its stable versions from a to b
 *                          (inclusive, semver order), e.g. --npm rxjs@6.0.0..7.8.1
 *   --repo <path>          a pack of that repository's whole history
 *                          (`git rev-list --objects --all | git pack-objects --delta-base-offset`,
 *                          into a temp dir; the repository is only read)
 *   --pack <file.pack>     that pack, copied into a temp dir
 *
 * Options:
 *   --runs N       measured runs of each tool (default 3); the order of the tools rotates from run
 *                  to run; reported: median wall time, median CPU time (user + system), largest
 *                  peak RSS
 *   --backend B    xtest-pack backend(s) to measure: node (default), portable, or both
 *   --detection D  xtest-pack's SHA-1 collision detection: on (the default, as git, which always
 *                  detects), off (--no-collision-detection), or both (each backend twice)
 *   --threads T    xtest-pack's --threads, a comma-separated list (each measured; default 0: the
 *                  CLI's default, the available cores up to 3, as git's)
 *   --json         print one JSON document on stdout instead of the table
 *   --keep         keep the temp dir (the pack and every .idx written), and print where it is
 *   --rebuild      build the npm pack again even if it is cached
 *   --cli <path>   the xtest-pack CLI to run (default: dist/bundle/cli/main.js of this build, the installed command), to
 *                  compare two builds
 *
 * The npm tarballs (`npm pack <name>@<version>`), the resolved version list and the built pack
 * are cached under $XDG_CACHE_HOME/xtest-pack-bench (default ~/.cache/xtest-pack-bench), so a
 * re-run needs no network and no rebuild.
 *
 * Measured: each tool as its own process under GNU time (`/usr/bin/time -f '%e %M %U %S'`: peak
 * RSS and CPU time of that process), wall time by this script around the spawn (so node's
 * start-up is in xtest-pack's time, as it is for a user). The machine's load average is printed,
 * with a warning when other work was running: then compare the cpu column, which other load
 * inflates much less than wall time (for git's default threads, cpu exceeds wall). Every run
 * writes a fresh .idx; the pack file is read once before the first run so all tools find it in
 * the page cache. git runs outside any repository (no collision checks against an object store)
 * and without a .rev file (pack.writeReverseIndex=false), so it does the same work as
 * xtest-pack. Progress goes to stderr.
 *
 * Goals (from the issue): xtest-pack's wall time at most 1.0x `git index-pack --threads=1`, and its
 * peak RSS under 2x the pack size, on a 50 MB+ real pack.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { TIME, defaultCli, type Machine } from './lib.js';
import { cpus, homedir, loadavg, totalmem, tmpdir, availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * The default input: 101 versions of next, 13.0.0 to 14.2.35 (every stable version in that range
 * when this was written, pinned so every machine builds from the same versions; `git repack`
 * threads make the pack's bytes vary slightly from build to build, not its size or content). Chosen by measurement:
 * next ships ~6,000 files, hundreds of them rebuilt (bundled, minified) each release, which gives
 * a pack like a real project's history: 52 MB, 43k objects, 80% of them deltas, built in ~10
 * minutes on 2 cores. Tried and set aside: @mui/material 5.0.0..5.16.7 (145 versions, only a
 * 9 MB pack: its files change little between versions), next 13.2.0..14.1.4 (50 versions, 40 MB).
 */
const DEFAULT_NPM_NAME = 'next';
const DEFAULT_NPM_KEY = 'next@13.0.0..14.2.35';
const DEFAULT_NPM_VERSIONS = expandVersions([
  '13.0.0-7', '13.1.0-6', '13.2.0-4', '13.3.0-4', '13.4.0-13', '13.4.15-19', '13.5.1-11',
  '14.0.0-4', '14.1.0-4', '14.2.0-35',
]);
const DEFAULT_RUNS = 3;

// ---------------------------------------------------------------------------------------------
// small helpers

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

class BenchError extends Error {}
/** A bad command line: exit status 2. */
class UsageError extends BenchError {}

interface RunOptions {
  cwd?: string;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
}

function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Buffer {
  const r: SpawnSyncReturns<Buffer> = spawnSync(cmd, args, {
    cwd: opts.cwd,
    input: opts.input,
    env: opts.env ?? process.env,
    maxBuffer: 1 << 30,
  });
  if (r.error) throw new BenchError(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new BenchError(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stderr.toString().trim()}`);
  }
  return r.stdout;
}

/** Run a command asynchronously (for parallel downloads); resolves with stdout. */
function runAsync(cmd: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', rej);
    child.on('close', (code) => {
      if (code === 0) res(Buffer.concat(out).toString());
      else rej(new BenchError(`${cmd} ${args.join(' ')} exited ${code}:\n${Buffer.concat(err).toString().trim()}`));
    });
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const MiB = 1024 * 1024;
const fmtMiB = (bytes: number): string => (bytes / MiB).toFixed(1);

// ---------------------------------------------------------------------------------------------
// inputs

interface PackInput {
  /** What the pack is, for the report. */
  description: string;
  /** The pack to index (in the temp dir). */
  pack: string;
  /** For the npm input: package and versions. */
  npm?: { name: string; versions: string[]; cached: boolean; buildSeconds?: number };
}

function cacheRoot(): string {
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.cache'), 'xtest-pack-bench');
}

function packFromRepo(repo: string, work: string): PackInput {
  const abs = resolve(repo);
  run('git', ['-C', abs, 'rev-parse', '--git-dir']);
  log(`packing the history of ${abs} (git rev-list --objects --all | git pack-objects)`);
  const objects = run('git', ['-C', abs, 'rev-list', '--objects', '--all']);
  const outDir = join(work, 'repo-pack');
  mkdirSync(outDir);
  const packArgs = ['-C', abs, 'pack-objects', '-q', '--delta-base-offset', join(outDir, 'pack')];
  const hash = run('git', packArgs, { input: objects }).toString().trim();
  const pack = join(work, 'bench.pack');
  renameSync(join(outDir, `pack-${hash}.pack`), pack);
  rmSync(outDir, { recursive: true, force: true });
  return { description: `git pack-objects of all history of ${abs}`, pack };
}

function packFromFile(file: string, work: string): PackInput {
  const abs = resolve(file);
  if (!abs.endsWith('.pack') || !existsSync(abs)) throw new BenchError(`--pack: ${file} is not an existing .pack file`);
  const pack = join(work, 'bench.pack');
  log(`copying ${abs} (${fmtMiB(statSync(abs).size)} MiB)`);
  copyFileSync(abs, pack);
  return { description: abs, pack };
}

type Semver = [number, number, number];

/** '13.4.15-19' is 13.4.15, 13.4.16, ..., 13.4.19. */
function expandVersions(ranges: readonly string[]): string[] {
  return ranges.flatMap((r) => {
    const m = /^(\d+\.\d+)\.(\d+)-(\d+)$/.exec(r)!;
    const out: string[] = [];
    for (let p = Number(m[2]); p <= Number(m[3]); p++) out.push(`${m[1]}.${p}`);
    return out;
  });
}

function parseStable(v: string): Semver | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function cmpSemver(a: Semver, b: Semver): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function parseNpmSpec(spec: string): { name: string; from: Semver; to: Semver } {
  const m = /^(@?[^@]+)@(\d+\.\d+\.\d+)\.\.(\d+\.\d+\.\d+)$/.exec(spec);
  if (!m) throw new UsageError(`--npm ${spec}: expected <name>@<from>..<to>, e.g. rxjs@6.0.0..7.8.1`);
  return { name: m[1]!, from: parseStable(m[2]!)!, to: parseStable(m[3]!)! };
}

function safeName(s: string): string {
  return s.replace(/^@/, '').replace(/[^A-Za-z0-9._-]+/g, '-');
}

/** The stable versions of `name` in [from, to], semver order; the list is cached. */
function resolveVersions(spec: string, cache: string): string[] {
  const { name, from, to } = parseNpmSpec(spec);
  const file = join(cache, 'versions', `${safeName(spec)}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as string[];
  log(`npm view ${name} versions`);
  const all = JSON.parse(run('npm', ['view', name, 'versions', '--json']).toString()) as string[] | string;
  const list = (Array.isArray(all) ? all : [all])
    .map((v) => ({ v, s: parseStable(v) }))
    .filter((x): x is { v: string; s: Semver } => x.s !== undefined && cmpSemver(x.s, from) >= 0 && cmpSemver(x.s, to) <= 0)
    .sort((a, b) => cmpSemver(a.s, b.s))
    .map((x) => x.v);
  if (list.length === 0) throw new BenchError(`--npm ${spec}: no stable versions in that range`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(list));
  return list;
}

/** `npm pack` every version not yet in the cache, four at a time; returns the tarball paths. */
async function fetchTarballs(name: string, versions: readonly string[], cache: string): Promise<string[]> {
  const dir = join(cache, 'tarballs', safeName(name));
  mkdirSync(dir, { recursive: true });
  const paths = versions.map((v) => join(dir, `${v}.tgz`));
  const missing = versions.map((v, i) => ({ v, path: paths[i]! })).filter((x) => !existsSync(x.path));
  if (missing.length > 0) log(`downloading ${missing.length} of ${versions.length} tarballs of ${name} with npm pack`);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const job = missing[next++];
      if (!job) return;
      const tmp = mkdtempSync(join(dir, '.dl-'));
      try {
        const out = await runAsync('npm', ['pack', `${name}@${job.v}`, '--json', '--pack-destination', tmp], tmp);
        const info = JSON.parse(out) as { filename: string }[];
        const file = info[0]?.filename;
        if (!file) throw new BenchError(`npm pack ${name}@${job.v}: no file reported`);
        renameSync(join(tmp, basename(file)), job.path);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
      done++;
      if (done % 10 === 0 || done === missing.length) log(`  ${done}/${missing.length} downloaded`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return paths;
}

/**
 * A repository with one commit per version (the tarball's files, replacing the previous
 * version's), then `git repack -adf`; the pack is cached.
 */
async function packFromNpm(spec: string | undefined, work: string, rebuild: boolean): Promise<PackInput> {
  const cache = cacheRoot();
  const name = spec === undefined ? DEFAULT_NPM_NAME : parseNpmSpec(spec).name;
  const versions = spec === undefined ? DEFAULT_NPM_VERSIONS : resolveVersions(spec, cache);
  const cachedPack = join(cache, 'packs', `${safeName(spec ?? DEFAULT_NPM_KEY)}.pack`);
  const pack = join(work, 'bench.pack');
  const description =
    `git repository of ${versions.length} published versions of ${name} ` +
    `(${versions[0]} .. ${versions[versions.length - 1]}), one commit each, git repack -adf`;
  if (!rebuild && existsSync(cachedPack)) {
    log(`using the cached pack ${cachedPack}`);
    copyFileSync(cachedPack, pack);
    return { description, pack, npm: { name, versions, cached: true } };
  }
  const tDownload = performance.now();
  const tarballs = await fetchTarballs(name, versions, cache);
  log(`tarballs ready in ${((performance.now() - tDownload) / 1000).toFixed(0)} s (cached in ${join(cache, 'tarballs')})`);
  const t0 = performance.now();
  const gitDir = join(work, 'npm-repo.git');
  run('git', ['init', '-q', '--bare', gitDir]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_DIR: gitDir,
    GIT_INDEX_FILE: join(gitDir, 'index'),
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@example.invalid',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@example.invalid',
  };
  const git = (args: string[], input?: string): Buffer =>
    run('git', ['-c', 'gc.auto=0', '-c', 'core.autocrlf=false', '-c', 'commit.gpgSign=false', ...args], {
      env,
      ...(input === undefined ? {} : { input }),
    });
  for (let i = 0; i < versions.length; i++) {
    const tree = join(work, 'npm-tree');
    rmSync(tree, { recursive: true, force: true });
    mkdirSync(tree);
    // npm tarballs hold one top-level folder (usually package/).
    run('tar', ['-xzf', tarballs[i]!, '--no-same-owner', '--no-same-permissions', '--strip-components=1', '-C', tree]);
    git(['--work-tree', tree, 'add', '-A', '-f', '.']);
    const date = `${1_600_000_000 + i * 86_400} +0000`;
    env['GIT_AUTHOR_DATE'] = date;
    env['GIT_COMMITTER_DATE'] = date;
    git(['--work-tree', tree, 'commit', '-q', '--allow-empty', '--no-verify', '-m', `${name}@${versions[i]}`]);
    if ((i + 1) % 10 === 0 || i + 1 === versions.length) log(`  committed ${i + 1}/${versions.length} versions`);
  }
  rmSync(join(work, 'npm-tree'), { recursive: true, force: true });
  log(`committed in ${((performance.now() - t0) / 1000).toFixed(0)} s; git repack -adf (default window and depth)`);
  const tRepack = performance.now();
  git(['repack', '-adf', '-q']);
  log(`repacked in ${((performance.now() - tRepack) / 1000).toFixed(0)} s`);
  const packDir = join(gitDir, 'objects', 'pack');
  const built = readdirSync(packDir).filter((f) => f.endsWith('.pack'));
  if (built.length !== 1) throw new BenchError(`expected one pack after git repack -adf, found ${built.length}`);
  renameSync(join(packDir, built[0]!), pack);
  rmSync(gitDir, { recursive: true, force: true });
  const buildSeconds = (performance.now() - t0) / 1000;
  mkdirSync(dirname(cachedPack), { recursive: true });
  copyFileSync(pack, `${cachedPack}.tmp`);
  renameSync(`${cachedPack}.tmp`, cachedPack);
  return { description, pack, npm: { name, versions, cached: false, buildSeconds } };
}

// ---------------------------------------------------------------------------------------------
// pack statistics, from git's .idx and one byte of each entry's header

interface PackStats {
  bytes: number;
  objects: number;
  commits: number;
  trees: number;
  blobs: number;
  tags: number;
  ofsDeltas: number;
  refDeltas: number;
}

function packStats(pack: string, idx: Buffer): PackStats {
  if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) throw new BenchError('expected a version 2 .idx');
  const n = idx.readUInt32BE(8 + 255 * 4);
  const offTable = 8 + 256 * 4 + n * 20 + n * 4;
  const largeTable = offTable + n * 4;
  const offsets = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = idx.readUInt32BE(offTable + i * 4);
    offsets[i] = o & 0x80000000 ? Number(idx.readBigUInt64BE(largeTable + (o & 0x7fffffff) * 8)) : o;
  }
  offsets.sort();
  const stats: PackStats = {
    bytes: statSync(pack).size,
    objects: n,
    commits: 0,
    trees: 0,
    blobs: 0,
    tags: 0,
    ofsDeltas: 0,
    refDeltas: 0,
  };
  const fd = openSync(pack, 'r');
  try {
    const chunk = Buffer.alloc(16 * MiB);
    let chunkStart = 0;
    let chunkLength = 0;
    for (let i = 0; i < n; i++) {
      const o = offsets[i]!;
      if (o >= chunkStart + chunkLength) {
        chunkStart = o;
        chunkLength = readSync(fd, chunk, 0, chunk.length, o);
      }
      const type = (chunk[o - chunkStart]! >> 4) & 7;
      if (type === 1) stats.commits++;
      else if (type === 2) stats.trees++;
      else if (type === 3) stats.blobs++;
      else if (type === 4) stats.tags++;
      else if (type === 6) stats.ofsDeltas++;
      else if (type === 7) stats.refDeltas++;
    }
  } finally {
    closeSync(fd);
  }
  return stats;
}

// ---------------------------------------------------------------------------------------------
// measuring

/** Busy time of all CPUs so far (user, nice, system, irq), in seconds. */
function busyCpuSeconds(): number {
  return cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0) / 1000;
}

/** Read a file once, so that it is in the page cache. */
function warm(file: string): void {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16 * MiB);
    for (let at = 0; ; ) {
      const n = readSync(fd, buf, 0, buf.length, at);
      if (n === 0) break;
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}

interface Tool {
  key: string;
  label: string;
  cmd: string;
  args: (pack: string, idx: string) => string[];
  xtest: boolean;
}

interface Measurement {
  wallSeconds: number;
  /** User + system CPU time of the process. */
  cpuSeconds: number;
  rssBytes: number;
  idx: string;
}

function tools(backends: readonly string[], cli: string, detection: readonly boolean[], threads: readonly number[]): Tool[] {
  const gitArgs = (threads: string[]) => (pack: string, idx: string) => [
    '-c', 'pack.writeReverseIndex=false', 'index-pack', ...threads, '-o', idx, pack,
  ];
  const list: Tool[] = [
    { key: 'git-t1', label: 'git index-pack --threads=1', cmd: 'git', args: gitArgs(['--threads=1']), xtest: false },
    { key: 'git', label: 'git index-pack (default threads)', cmd: 'git', args: gitArgs([]), xtest: false },
  ];
  for (const b of backends) {
    for (const detect of detection) {
      for (const t of threads) {
        const off = detect ? [] : ['--no-collision-detection'];
        const th = t === 0 ? [] : [`--threads=${t}`];
        list.push({
          key: `xtest-${b}${detect ? '' : '-nodetect'}${t === 0 ? '' : `-t${t}`}`,
          label: `xtest-pack index-pack (${b}${detect ? '' : ', no detection'}${t === 0 ? '' : `, --threads=${t}`})`,
          cmd: process.execPath,
          args: (pack, idx) => [cli, '--backend', b, 'index-pack', '--no-progress', ...off, ...th, '-o', idx, pack],
          xtest: true,
        });
      }
    }
  }
  return list;
}

function measure(tool: Tool, pack: string, idx: string, cwd: string, env: NodeJS.ProcessEnv): Measurement {
  const timeFile = `${idx}.time`;
  const t0 = performance.now();
  const r = spawnSync(TIME, ['-f', '%e %M %U %S', '-o', timeFile, tool.cmd, ...tool.args(pack, idx)], {
    cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 30,
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (r.error) throw new BenchError(`${tool.label}: ${r.error.message}`);
  if (r.status !== 0) throw new BenchError(`${tool.label} exited ${r.status ?? r.signal}:\n${r.stderr.toString().trim()}`);
  const fields = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ');
  const kib = Number(fields[1]);
  const cpuSeconds = Number(fields[2]) + Number(fields[3]);
  if (!Number.isFinite(kib) || !Number.isFinite(cpuSeconds)) {
    throw new BenchError(`cannot read peak RSS and CPU time from ${TIME}'s output: ${fields.join(' ')}`);
  }
  rmSync(timeFile);
  return { wallSeconds, cpuSeconds, rssBytes: kib * 1024, idx };
}

// ---------------------------------------------------------------------------------------------
// report

interface ToolResult {
  key: string;
  label: string;
  runs: { wallSeconds: number; cpuSeconds: number; rssBytes: number }[];
  wallSeconds: number;
  /** Median user + system CPU time. */
  cpuSeconds: number;
  rssBytes: number;
  wallVsGitThreads1: number;
  wallVsGitDefault: number;
  rssVsGitThreads1: number;
  rssVsPack: number;
  idxIdenticalToGit: boolean;
  goals?: { wallAtMostGitThreads1: boolean; rssUnderTwicePack: boolean };
}

interface Report {
  input: string;
  npm?: { name: string; versions: string[]; packCached: boolean; buildSeconds?: number };
  pack: PackStats & { deltas: number };
  runs: number;
  results: ToolResult[];
  machine: Machine & {
    /**
     * CPU time that other processes used while the tools ran: all CPUs' busy time over the
     * measured span, less the measured tools' and this script's own.
     */
    otherCpuSeconds: number;
    /** The measured span, wall clock. */
    measuredSeconds: number;
  };
  keptIn?: string;
}

function xtestPackRevision(cli: string): string {
  try {
    const dir = dirname(cli);
    const head = run('git', ['-C', dir, 'rev-parse', '--short', 'HEAD']).toString().trim();
    const dirty = run('git', ['-C', dir, 'status', '--porcelain', '--', 'src']).toString().trim() !== '';
    return `${head}${dirty ? ' + uncommitted changes in src/' : ''} (${cli})`;
  } catch {
    return cli;
  }
}

function printTable(rep: Report): void {
  const p = rep.pack;
  const out: string[] = [];
  out.push(`input:   ${rep.input}`);
  if (rep.npm) {
    out.push(`package: ${rep.npm.name}, ${rep.npm.versions.length} versions: ${rep.npm.versions.join(' ')}`);
    out.push(`         pack ${rep.npm.packCached ? 'from the cache' : `built in ${rep.npm.buildSeconds?.toFixed(0)} s`}`);
  }
  out.push(
    `pack:    ${fmtMiB(p.bytes)} MiB (${(p.bytes / 1e6).toFixed(1)} MB), ${p.objects} objects: ` +
      `${p.commits} commits, ${p.trees} trees, ${p.blobs} blobs, ${p.tags} tags whole; ` +
      `${p.deltas} deltas (${p.ofsDeltas} ofs, ${p.refDeltas} ref)`,
  );
  const m = rep.machine;
  out.push(`machine: ${m.nproc} cpus (${m.cpu}), ${m.memoryGiB} GiB; node ${m.node}; ${m.git}; xtest-pack ${m.xtestPack}`);
  const loads = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(' ');
  out.push(`load:    ${loads(m.loadAverageBefore)} before, ${loads(m.loadAverageAfter)} after (1, 5, 15 min)`);
  out.push(`runs:    ${rep.runs} per tool, interleaved; median wall and cpu (user+sys), max peak RSS`);
  const otherShare = m.otherCpuSeconds / m.measuredSeconds;
  out.push(
    `other:   other processes used ${m.otherCpuSeconds.toFixed(1)} cpu s in the ${m.measuredSeconds.toFixed(1)} s ` +
      `measured (${(100 * otherShare).toFixed(0)}% of one cpu)`,
  );
  if (otherShare > 0.1) {
    out.push('WARNING: other work was running: wall times are inflated (cpu s much less so)');
  }
  out.push('');
  const head = ['tool', 'wall s', 'cpu s', 'peak RSS MiB', 'wall/git-t1', 'wall/git', 'RSS/git-t1', 'RSS/pack', 'idx = git', 'runs (s)'];
  const rows = rep.results.map((r) => [
    r.label,
    r.wallSeconds.toFixed(2),
    r.cpuSeconds.toFixed(2),
    fmtMiB(r.rssBytes),
    `${r.wallVsGitThreads1.toFixed(2)}x`,
    `${r.wallVsGitDefault.toFixed(2)}x`,
    `${r.rssVsGitThreads1.toFixed(2)}x`,
    `${r.rssVsPack.toFixed(2)}x`,
    r.idxIdenticalToGit ? 'yes' : 'NO',
    r.runs.map((x) => x.wallSeconds.toFixed(2)).join(' '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  out.push(line(head));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) out.push(line(r));
  out.push('');
  const big = p.bytes >= 50e6;
  out.push(`goals (${big ? '' : 'NOT MEANINGFUL: pack under 50 MB; '}wall <= 1.0x git --threads=1, peak RSS < 2x pack size):`);
  for (const r of rep.results) {
    if (!r.goals) continue;
    const g = r.goals;
    out.push(
      `  ${r.label}: wall ${r.wallVsGitThreads1.toFixed(2)}x ${g.wallAtMostGitThreads1 ? 'MET' : 'MISSED'}; ` +
        `peak RSS ${r.rssVsPack.toFixed(2)}x pack ${g.rssUnderTwicePack ? 'MET' : 'MISSED'}`,
    );
  }
  if (rep.keptIn) out.push(`kept:    ${rep.keptIn}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------
// main

async function main(): Promise<number> {
  const options = {
    repo: { type: 'string' },
    pack: { type: 'string' },
    npm: { type: 'string' },
    runs: { type: 'string', default: String(DEFAULT_RUNS) },
    backend: { type: 'string', default: 'node' },
    detection: { type: 'string', default: 'on' },
    threads: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    rebuild: { type: 'boolean', default: false },
    cli: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  } as const;
  let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
  try {
    ({ values } = parseArgs({ options, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(`${e instanceof Error ? e.message : String(e)} (--help for usage)`);
  }
  if (values.help) {
    process.stdout.write(
      'usage: node dist/bench/index-pack.js [--repo <path> | --pack <file.pack> | --npm <name>@<from>..<to>]\n' +
        '         [--runs N] [--backend node|portable|both] [--detection on|off|both] [--threads 0,1,2] [--json] [--keep] [--rebuild] [--cli <main.js>]\n' +
        '(details in the header comment of bench/index-pack.ts)\n',
    );
    return 0;
  }
  const inputs = [values.repo, values.pack, values.npm].filter((x) => x !== undefined);
  if (inputs.length > 1) throw new UsageError('give at most one of --repo, --pack, --npm');
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs ${values.runs}: expected a positive integer`);
  const backendChoices = new Map([
    ['node', ['node']],
    ['portable', ['portable']],
    ['both', ['node', 'portable']],
  ]);
  const backends = backendChoices.get(values.backend);
  if (!backends) throw new UsageError(`--backend ${values.backend}: expected node, portable or both`);
  const detection = new Map([
    ['on', [true]],
    ['off', [false]],
    ['both', [true, false]],
  ]).get(values.detection);
  if (!detection) throw new UsageError(`--detection ${values.detection}: expected on, off or both`);
  const threads = values.threads.split(',').map(Number);
  if (threads.some((t) => !Number.isInteger(t) || t < 0)) throw new UsageError(`--threads ${values.threads}: expected thread counts, e.g. 1,2 (0: the CLI's default)`);
  const cli = resolve(values.cli ?? defaultCli);
  if (!existsSync(cli)) throw new BenchError(`${cli} not found: run npm run build first`);
  if (!existsSync(TIME)) {
    throw new BenchError(`${TIME} not found: GNU time is needed for peak RSS (Debian: apt-get install time)`);
  }
  const timeCheck = spawnSync(TIME, ['-f', '%e %M %U %S', 'true'], { encoding: 'utf8' });
  if (timeCheck.status !== 0 || !/^\S+ \d+ \S+ \S+\s*$/.test(timeCheck.stderr.trim().split('\n').pop() ?? '')) {
    throw new BenchError(`${TIME} is not GNU time (-f '%e %M %U %S' did not work): ${timeCheck.stderr.trim()}`);
  }

  const work = mkdtempSync(join(tmpdir(), 'xtest-pack-bench-'));
  let keep = values.keep;
  try {
    const input: PackInput =
      values.pack !== undefined
        ? packFromFile(values.pack, work)
        : values.repo !== undefined
          ? packFromRepo(values.repo, work)
          : await packFromNpm(values.npm, work, values.rebuild);

    // Run outside any repository, so that git has no object store to check collisions against.
    const runDir = join(work, 'out');
    mkdirSync(runDir);
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_CEILING_DIRECTORIES: work, LC_ALL: 'C' };
    delete env['GIT_DIR'];
    delete env['GIT_WORK_TREE'];
    delete env['GIT_OBJECT_DIRECTORY'];
    delete env['XTEST_PACK_BACKEND'];

    // Warm the page cache: every tool then reads the pack from memory.
    warm(input.pack);
    const loadBefore = loadavg();
    const cpusBefore = busyCpuSeconds();
    const selfBefore = process.cpuUsage();
    const spanStart = performance.now();
    const list = tools(backends, cli, detection, threads);
    const results = new Map<string, Measurement[]>(list.map((t) => [t.key, []]));
    for (let r = 0; r < runs; r++) {
      for (let k = 0; k < list.length; k++) {
        const tool = list[(k + r) % list.length]!;
        const idx = join(runDir, `${tool.key}-${r + 1}.idx`);
        log(`run ${r + 1}/${runs}: ${tool.label}`);
        const m = measure(tool, input.pack, idx, runDir, env);
        log(`  ${m.wallSeconds.toFixed(2)} s wall, ${m.cpuSeconds.toFixed(2)} s cpu, ${fmtMiB(m.rssBytes)} MiB`);
        results.get(tool.key)!.push(m);
      }
    }
    const measuredSeconds = (performance.now() - spanStart) / 1000;
    const selfCpu = process.cpuUsage(selfBefore);
    const toolsCpu = [...results.values()].flat().reduce((sum, m) => sum + m.cpuSeconds, 0);
    const otherCpuSeconds = Math.max(
      0,
      busyCpuSeconds() - cpusBefore - toolsCpu - (selfCpu.user + selfCpu.system) / 1e6,
    );
    const loadAfter = loadavg();

    const reference = readFileSync(results.get('git-t1')![0]!.idx);
    const stats = packStats(input.pack, reference);
    const summary = (key: string): Measurement[] => results.get(key)!;
    const gitT1Wall = median(summary('git-t1').map((m) => m.wallSeconds));
    const gitWall = median(summary('git').map((m) => m.wallSeconds));
    const gitT1Rss = Math.max(...summary('git-t1').map((m) => m.rssBytes));
    const out: ToolResult[] = list.map((t) => {
      const ms = summary(t.key);
      const wallSeconds = median(ms.map((m) => m.wallSeconds));
      const rssBytes = Math.max(...ms.map((m) => m.rssBytes));
      const identical = ms.every((m) => readFileSync(m.idx).equals(reference));
      const res: ToolResult = {
        key: t.key,
        label: t.label,
        runs: ms.map((m) => ({ wallSeconds: m.wallSeconds, cpuSeconds: m.cpuSeconds, rssBytes: m.rssBytes })),
        wallSeconds,
        cpuSeconds: median(ms.map((m) => m.cpuSeconds)),
        rssBytes,
        wallVsGitThreads1: wallSeconds / gitT1Wall,
        wallVsGitDefault: wallSeconds / gitWall,
        rssVsGitThreads1: rssBytes / gitT1Rss,
        rssVsPack: rssBytes / stats.bytes,
        idxIdenticalToGit: identical,
      };
      if (t.xtest) res.goals = { wallAtMostGitThreads1: wallSeconds <= gitT1Wall, rssUnderTwicePack: rssBytes < 2 * stats.bytes };
      return res;
    });
    const gitVersion = run('git', ['--version']).toString().trim();
    const report: Report = {
      input: input.description,
      pack: { ...stats, deltas: stats.ofsDeltas + stats.refDeltas },
      runs,
      results: out,
      machine: {
        nproc: availableParallelism(),
        cpu: cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(totalmem() / 1024 ** 3),
        node: process.versions.node,
        git: gitVersion,
        xtestPack: xtestPackRevision(cli),
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadAfter,
        otherCpuSeconds,
        measuredSeconds,
      },
    };
    if (input.npm) {
      report.npm = { name: input.npm.name, versions: input.npm.versions, packCached: input.npm.cached };
      if (input.npm.buildSeconds !== undefined) report.npm.buildSeconds = input.npm.buildSeconds;
    }
    if (keep) report.keptIn = work;
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else printTable(report);
    const allSame = out.every((r) => r.idxIdenticalToGit);
    if (!allSame) {
      log(`an .idx differs from git's: keeping ${work}`);
      keep = true;
    }
    return allSame ? 0 : 1;
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof BenchError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
