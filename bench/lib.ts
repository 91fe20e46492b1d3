/**
 * Helpers shared by bench/pack-write.ts and bench/checkout.ts (bench/index-pack.ts predates them
 * and keeps its own copies): running commands, measuring a process under GNU time, medians,
 * tables, machine facts and reading a V8 CPU profile. Node built-ins only.
 */
import { spawnSync, type SpawnSyncReturns, type StdioOptions } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, homedir, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const TIME = '/usr/bin/time';
export const MiB = 1024 * 1024;
export const repoRoot = resolve(import.meta.dirname, '..', '..');
/**
 * The command the benchmarks run: package.json "bin", the esbuild bundle, what users run (it
 * once hashed 2.4x slower than the modules tsc wrote, which the benchmarks had been running).
 */
export const defaultCli = join(repoRoot, 'dist', 'bundle', 'cli', 'main.js');
/** The same command as the modules tsc wrote (`--cli` it to compare with the bundle). */
export const unbundledCli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

export class BenchError extends Error {}

export function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

export function run(cmd: string, args: readonly string[], opts: { cwd?: string; input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): Buffer {
  const r: SpawnSyncReturns<Buffer> = spawnSync(cmd, args, {
    cwd: opts.cwd,
    input: opts.input,
    env: opts.env ?? process.env,
    maxBuffer: 1 << 30,
  });
  if (r.error) throw new BenchError(`${cmd} ${args.slice(0, 12).join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new BenchError(`${cmd} ${args.slice(0, 12).join(' ')} exited ${r.status ?? r.signal}:\n${r.stderr.toString().trim()}`);
  }
  return r.stdout;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const fmtMiB = (bytes: number): string => (bytes / MiB).toFixed(1);
export const fmtX = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}x` : '-');

/** Check that /usr/bin/time is GNU time, which reports peak RSS with %M. */
export function checkGnuTime(): void {
  if (!existsSync(TIME)) throw new BenchError(`${TIME} not found: GNU time is needed for peak RSS (Debian: apt-get install time)`);
  const r = spawnSync(TIME, ['-f', '%e %M %U %S', 'true'], { encoding: 'utf8' });
  if (r.status !== 0 || !/^\S+ \d+ \S+ \S+\s*$/.test(r.stderr.trim().split('\n').pop() ?? '')) {
    throw new BenchError(`${TIME} is not GNU time (-f '%e %M %U %S' did not work): ${r.stderr.trim()}`);
  }
}

export interface Measured {
  /** Measured by the caller around the spawn (includes GNU time's own fork+exec, ~1 ms). */
  wallSeconds: number;
  /** User + system CPU time of the process (and its waited-for children). */
  cpuSeconds: number;
  /** Peak RSS of the process, or of the largest of its waited-for children (wait4's ru_maxrss). */
  rssBytes: number;
  stdout: Buffer;
  stderr: Buffer;
}

/**
 * Run `cmd args` under GNU time; `stdin` is a file descriptor or 'ignore'.
 * @throws BenchError when the command fails.
 */
export function measure(
  label: string,
  cmd: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeFile: string; stdin?: number | 'ignore' },
): Measured {
  const stdio: StdioOptions = [opts.stdin ?? 'ignore', 'pipe', 'pipe'];
  const t0 = performance.now();
  const r = spawnSync(TIME, ['-f', '%e %M %U %S', '-o', opts.timeFile, cmd, ...args], {
    cwd: opts.cwd,
    env: opts.env,
    stdio,
    maxBuffer: 1 << 30,
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (r.error) throw new BenchError(`${label}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new BenchError(`${label} exited ${r.status ?? r.signal}:\n${r.stderr.toString().trim().slice(-4000)}`);
  }
  const fields = readFileSync(opts.timeFile, 'utf8').trim().split('\n').pop()!.split(' ');
  const kib = Number(fields[1]);
  const cpuSeconds = Number(fields[2]) + Number(fields[3]);
  if (!Number.isFinite(kib) || !Number.isFinite(cpuSeconds)) {
    throw new BenchError(`cannot read peak RSS and CPU time from ${TIME}'s output: ${fields.join(' ')}`);
  }
  rmSync(opts.timeFile, { force: true });
  return { wallSeconds, cpuSeconds, rssBytes: kib * 1024, stdout: r.stdout, stderr: r.stderr };
}

/** Format rows as an aligned table: first column left-aligned, the rest right-aligned. */
export function table(head: readonly string[], rows: readonly (readonly string[])[], leftColumns: readonly number[] = [0]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (leftColumns.includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  git: string;
  xtestPack: string;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
}

export function machine(loadBefore: number[], cli: string): Machine {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.versions.node,
    git: run('git', ['--version']).toString().trim(),
    xtestPack: xtestPackRevision(cli),
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadavg(),
  };
}

export function machineLines(m: Machine): string[] {
  const out = [
    `machine: ${m.nproc} cpus (${m.cpu}), ${m.memoryGiB} GiB; node ${m.node}; ${m.git}; xtest-pack ${m.xtestPack}`,
    `load:    ${m.loadAverageBefore.map((x) => x.toFixed(2)).join(' ')} before, ${m.loadAverageAfter.map((x) => x.toFixed(2)).join(' ')} after`,
  ];
  const busy = Math.max(m.loadAverageBefore[0] ?? 0, m.loadAverageAfter[0] ?? 0);
  if (busy > m.nproc / 2) {
    out.push(`WARNING: 1-minute load average ${busy.toFixed(2)} on ${m.nproc} cpus: other work was running; wall times are inflated (cpu s less so)`);
  }
  return out;
}

function xtestPackRevision(cli: string): string {
  try {
    const dir = dirname(cli);
    const head = run('git', ['-C', dir, 'rev-parse', '--short', 'HEAD']).toString().trim();
    const dirty = run('git', ['-C', dir, 'status', '--porcelain', '--', 'src']).toString().trim() !== '';
    return `${head}${dirty ? ' + uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown';
  }
}

export function cacheRoot(): string {
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.cache'), 'xtest-pack-bench');
}

/** The environment git and the tools run in: no inherited repository, C locale. */
export function cleanEnv(ceiling: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CEILING_DIRECTORIES: ceiling, LC_ALL: 'C' };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_OBJECT_DIRECTORY', 'GIT_INDEX_FILE', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'XTEST_PACK_BACKEND']) {
    delete env[k];
  }
  return env;
}

export interface SelfTime {
  function: string;
  where: string;
  ms: number;
  percent: number;
}

/**
 * The functions with the most self time in a V8 .cpuprofile (node --cpu-prof): samples are
 * charged to the node they hit, weighted by their time deltas, summed by function and place.
 */
export function topSelfTime(profileFile: string, n: number): { totalMs: number; top: SelfTime[] } {
  interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }
  const prof = JSON.parse(readFileSync(profileFile, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map<number, ProfileNode>(prof.nodes.map((x) => [x.id, x]));
  const sums = new Map<string, { function: string; where: string; us: number }>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    total += dt;
    const node = byId.get(id);
    if (!node) return;
    const cf = node.callFrame;
    const file = cf.url.replace(/^file:\/\//, '').replace(`${repoRoot}/`, '');
    const where = file === '' ? '' : `${file}:${cf.lineNumber + 1}`;
    const key = `${cf.functionName}\0${where}`;
    const s = sums.get(key) ?? { function: cf.functionName || '(anonymous)', where, us: 0 };
    s.us += dt;
    sums.set(key, s);
  });
  const top = [...sums.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, n)
    .map((s) => ({ function: s.function, where: s.where, ms: s.us / 1000, percent: total > 0 ? (100 * s.us) / total : 0 }));
  return { totalMs: total / 1000, top };
}

export function profileLines(title: string, p: { totalMs: number; top: SelfTime[] }): string[] {
  return [
    `${title} (${(p.totalMs / 1000).toFixed(2)} s sampled; self time):`,
    ...table(
      ['self ms', '%', 'function', 'where'],
      p.top.map((t) => [t.ms.toFixed(0), t.percent.toFixed(1), t.function, t.where]),
      [2, 3],
    ).map((l) => `  ${l}`),
  ];
}
