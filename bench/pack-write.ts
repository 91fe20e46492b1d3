/**
 * bench/pack-write: wall time, peak RSS and pack size of xtest-pack's pack writer against
 * `git pack-objects` (--threads=1 and default threads), side by side in one run on the same
 * object list, with deltas (default window 10, depth 50) and without (window 0). Every pack is
 * counted with `git verify-pack -s`, and xtest-pack's is checked with `git index-pack --strict`
 * in an empty repository (so every object it links to must be in the pack; with --snapshot the
 * repository borrows the input's objects, for the commit's parents) and its .idx compared byte
 * for byte with the one git writes.
 *
 * Usage (after `npm run build`; `npm run bench:pack-write -- [options]` builds and runs):
 *
 *   node dist/bench/pack-write.js [--repo <path>] [--rev <rev>] [--snapshot] [--runs N] [--json] [--keep]
 *
 * Options:
 *   --repo <path>  the repository to read (default: this one); only read, never written
 *   --rev <rev>    the object list is `git rev-list --objects <rev>` (ids with paths), written
 *                  to a file that every tool reads (default: HEAD)
 *   --snapshot     the object list is `git rev-list --objects --no-walk <rev>`: the commit and
 *                  its tree only (one snapshot, as an export writes), not the history
 *   --runs N       measured runs of each tool (default 3); the order of the tools rotates from
 *                  run to run; reported: median wall time and cpu time, largest peak RSS
 *   --window N     --depth N: the delta configuration (default 10 and 50, git's defaults),
 *                  given to both tools
 *   --only C       measure one configuration: delta or nodelta (default both)
 *   --backend B    xtest-pack backend: node (default) or portable
 *   --profile      after the measured runs, run xtest-pack once more per configuration under
 *                  `node --cpu-prof` and print the functions with the most self time
 *   --json         print one JSON document on stdout instead of the table
 *   --keep         keep the temp dir (the list, every pack, the profiles) and print where it is
 *
 * Measured: each tool as its own process under GNU time (`/usr/bin/time -f %M`, peak RSS), wall
 * time by this script around the spawn (node's start-up is in xtest-pack's time).
 *   git:        git -C <scratch> pack-objects -q --no-reuse-delta --no-reuse-object
 *                   --delta-base-offset [--threads=1] [--window=0] <dir>/p < list
 *               (so git finds its deltas again and recompresses every object, as xtest-pack does),
 *               in a scratch bare repository whose objects/info/alternates names the input's
 *               objects: the same packs are read, and the input is never written to (git puts
 *               its temporary packs in the objects/pack of the repository it runs in)
 *   xtest-pack: node dist/bench/pack-write-run.js: opens the repository with Repository.open,
 *               reads every object once for its type and size, then writePackFiles(dir, objects,
 *               backend, format, { window, depth } or { delta: false }); its phases are reported.
 *               Twice: with threads: 1 (all in the calling thread) and with its default threads
 *               (one per CPU, up to 8, for 24 MiB of objects or more); both write the same bytes,
 *               which the report checks.
 * The repository's packs are read once before the first run so every tool finds them in the
 * page cache. Progress goes to stderr.
 *
 * Goals (issue 15, item 4): with deltas, xtest-pack's pack (default threads) at most 1.00x
 * git's with its default threads, and its wall time at most 1.0x git's with its default threads;
 * both xtest-pack rows write the same pack. Window 0: time only.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BenchError,
  checkGnuTime,
  cleanEnv,
  defaultCli,
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
const runner = join(repoRoot, 'dist', 'bench', 'pack-write-run.js');

type Config = 'delta' | 'nodelta';

interface Tool {
  key: string;
  label: string;
  config: Config;
  xtest: boolean;
  cmd: string;
  args: (outDir: string) => string[];
}

interface RunResult {
  wallSeconds: number;
  cpuSeconds: number;
  rssBytes: number;
  pack: string;
  /** xtest-pack only: the runner's report. */
  phases?: { startup: number; open: number; scan: number; write: number };
  deltas?: number;
}

interface PackCount {
  objects: number;
  deltas: number;
  maxChain: number;
}

interface ToolResult {
  key: string;
  label: string;
  config: Config;
  runs: { wallSeconds: number; cpuSeconds: number; rssBytes: number }[];
  wallSeconds: number;
  cpuSeconds: number;
  rssBytes: number;
  packBytes: number;
  /** Every run wrote the same pack (same checksum). */
  samePackEveryRun: boolean;
  count: PackCount;
  wallVsGitThreads1: number;
  wallVsGitDefault: number;
  sizeVsGitThreads1: number;
  sizeVsGitDefault: number;
  /** xtest-pack: median time of each phase of the runner. */
  phases?: { startup: number; open: number; scan: number; write: number };
  /** xtest-pack: the writer's own count of deltas (WrittenPack.deltas). */
  writerDeltas?: number;
  /** xtest-pack: `git index-pack --strict` in an empty repository. */
  strictCheck?: { ok: boolean; warnings: number; error?: string; idxIdenticalToGit: boolean };
  /** xtest-pack: the same pack as the other xtest-pack row of its configuration (threads). */
  samePackAsOtherThreads?: boolean;
  goals?: { sizeWithinGitDefault?: boolean; wallWithinGitDefault: boolean };
}

interface Report {
  repo: string;
  rev: string;
  snapshot: boolean;
  commit: string;
  objects: number;
  runs: number;
  window: number;
  depth: number;
  backend: string;
  results: ToolResult[];
  profiles?: { config: Config; label: string; totalMs: number; top: SelfTime[] }[];
  machine: Machine;
  keptIn?: string;
}

function tools(repo: string, gitRepo: string, list: string, configs: readonly Config[], window: number, depth: number, backend: string): Tool[] {
  const out: Tool[] = [];
  for (const config of configs) {
    const gitWindow = config === 'delta' ? [`--window=${window}`, `--depth=${depth}`] : ['--window=0'];
    const gitArgs = (threads: string[]) => (dir: string) => [
      '-C', gitRepo, 'pack-objects', '-q', '--no-reuse-delta', '--no-reuse-object', '--delta-base-offset', ...threads, ...gitWindow, join(dir, 'p'),
    ];
    const suffix = config === 'delta' ? `window ${window}` : 'window 0';
    out.push({ key: `git-t1-${config}`, label: `git pack-objects --threads=1, ${suffix}`, config, xtest: false, cmd: 'git', args: gitArgs(['--threads=1']) });
    out.push({ key: `git-${config}`, label: `git pack-objects (default threads), ${suffix}`, config, xtest: false, cmd: 'git', args: gitArgs([]) });
    for (const threads of [['--threads', '1'], []]) {
      out.push({
        key: `xtest-${threads.length > 0 ? 't1-' : ''}${config}`,
        label: `xtest-pack writePackFiles${threads.length > 0 ? ' --threads=1' : ' (default threads)'}, ${suffix}`,
        config,
        xtest: true,
        cmd: process.execPath,
        args: (dir) => [
          runner, '--repo', repo, '--list', list, '--out', dir, '--backend', backend, ...threads,
          ...(config === 'delta' ? ['--window', String(window), '--depth', String(depth)] : ['--window', '0', '--no-delta']),
        ],
      });
    }
  }
  return out;
}

/** `git verify-pack -s`: objects, deltas, longest chain. */
function countPack(pack: string, env: NodeJS.ProcessEnv, cwd: string): PackCount {
  const text = run('git', ['verify-pack', '-s', pack.replace(/\.pack$/, '.idx')], { env, cwd }).toString();
  let objects = 0;
  let deltas = 0;
  let maxChain = 0;
  for (const line of text.split('\n')) {
    let m = /^non delta: (\d+) objects?/.exec(line);
    if (m) {
      objects += Number(m[1]);
      continue;
    }
    m = /^chain length = (\d+): (\d+) objects?/.exec(line);
    if (m) {
      objects += Number(m[2]);
      deltas += Number(m[2]);
      maxChain = Math.max(maxChain, Number(m[1]));
    }
  }
  return { objects, deltas, maxChain };
}

/**
 * `git index-pack --strict` of `pack` inside an empty bare repository; compares the .idx. For a
 * snapshot, whose commit names parents the pack leaves out, the repository borrows the input's
 * objects (`alternates`): what the pack links to must be in it or there.
 */
function strictCheck(pack: string, work: string, env: NodeJS.ProcessEnv, alternates: string | undefined): NonNullable<ToolResult['strictCheck']> {
  const empty = join(work, alternates === undefined ? 'empty.git' : 'borrowing.git');
  if (!existsSync(empty)) {
    run('git', ['init', '-q', '--bare', empty], { env });
    if (alternates !== undefined) writeFileSync(join(empty, 'objects', 'info', 'alternates'), `${alternates}\n`);
  }
  const idx = join(work, 'strict-check.idx');
  const r = spawnSync('git', ['-C', empty, '-c', 'pack.writeReverseIndex=false', 'index-pack', '--strict', '-o', idx, pack], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const ok = r.status === 0;
  const warnings = (r.stderr.match(/^warning:/gm) ?? []).length;
  const identical = ok && readFileSync(idx).equals(readFileSync(pack.replace(/\.pack$/, '.idx')));
  rmSync(idx, { force: true });
  const res: NonNullable<ToolResult['strictCheck']> = { ok, warnings, idxIdenticalToGit: identical };
  if (!ok) {
    res.error = `exit ${r.status ?? r.signal}: ${r.stderr.split('\n').filter((l) => !l.startsWith('warning:')).join('\n').slice(-2000)}`;
  }
  return res;
}

function printTable(rep: Report): void {
  const out: string[] = [];
  out.push(`input:   git -C ${rep.repo} rev-list --objects ${rep.snapshot ? '--no-walk ' : ''}${rep.rev} (${rep.commit}): ${rep.objects} objects`);
  out.push(...machineLines(rep.machine));
  out.push(`runs:    ${rep.runs} per tool, interleaved; median wall and cpu (user+sys), max peak RSS; backend ${rep.backend}`);
  out.push('');
  const head = ['tool', 'wall s', 'cpu s', 'RSS MiB', 'pack bytes', 'objects', 'deltas', 'chain', 'wall/git-t1', 'wall/git', 'size/git-t1', 'size/git', 'runs (s)'];
  const rows = rep.results.map((r) => [
    r.label,
    r.wallSeconds.toFixed(2),
    r.cpuSeconds.toFixed(2),
    fmtMiB(r.rssBytes),
    String(r.packBytes),
    String(r.count.objects),
    String(r.count.deltas),
    String(r.count.maxChain),
    fmtX(r.wallVsGitThreads1),
    fmtX(r.wallVsGitDefault),
    `${r.sizeVsGitThreads1.toFixed(3)}x`,
    `${r.sizeVsGitDefault.toFixed(3)}x`,
    r.runs.map((x) => x.wallSeconds.toFixed(2)).join(' '),
  ]);
  out.push(...table(head, rows, [0, head.length - 1]));
  out.push('');
  for (const r of rep.results) {
    if (!r.phases) continue;
    const p = r.phases;
    const sc = r.strictCheck;
    out.push(
      `${r.label}: start-up ${p.startup.toFixed(2)} s, open ${p.open.toFixed(2)} s, type/size scan ${p.scan.toFixed(2)} s, writePackFiles ${p.write.toFixed(2)} s; ` +
        `writer counted ${r.writerDeltas} deltas; same pack every run: ${r.samePackEveryRun ? 'yes' : 'NO'}, as the other thread count: ${r.samePackAsOtherThreads ? 'yes' : 'NO'}; ` +
        `git index-pack --strict: ${sc?.ok ? `ok (${sc.warnings} fsck warnings)` : `FAILED ${sc?.error ?? ''}`}; idx = git's: ${sc?.idxIdenticalToGit ? 'yes' : 'NO'}`,
    );
  }
  out.push('');
  out.push('goals (xtest-pack with its default threads against git with its default threads: pack size <= 1.00x with deltas; wall <= 1.0x):');
  for (const r of rep.results) {
    const g = r.goals;
    if (!g) continue;
    const parts: string[] = [];
    if (g.sizeWithinGitDefault !== undefined) parts.push(`size ${r.sizeVsGitDefault.toFixed(3)}x git ${g.sizeWithinGitDefault ? 'MET' : 'MISSED'}`);
    parts.push(`wall ${fmtX(r.wallVsGitDefault)} git ${g.wallWithinGitDefault ? 'MET' : 'MISSED'}`);
    out.push(`  ${r.label}: ${parts.join('; ')}`);
  }
  for (const p of rep.profiles ?? []) {
    out.push('');
    out.push(...profileLines(`profile of ${p.label}, node --cpu-prof`, p));
  }
  if (rep.keptIn) out.push(`kept:    ${rep.keptIn}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

function main(): number {
  const { values } = parseArgs({
    options: {
      repo: { type: 'string', default: repoRoot },
      rev: { type: 'string', default: 'HEAD' },
      snapshot: { type: 'boolean', default: false },
      runs: { type: 'string', default: String(DEFAULT_RUNS) },
      window: { type: 'string', default: '10' },
      depth: { type: 'string', default: '50' },
      only: { type: 'string' },
      backend: { type: 'string', default: 'node' },
      profile: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(
      'usage: node dist/bench/pack-write.js [--repo <path>] [--rev <rev>] [--snapshot] [--runs N] [--window N] [--depth N]\n' +
        '         [--only delta|nodelta] [--backend node|portable] [--profile] [--json] [--keep]\n' +
        '(details in the header comment of bench/pack-write.ts)\n',
    );
    return 0;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new BenchError(`--runs ${values.runs}: expected a positive integer`);
  const window = Number(values.window);
  const depth = Number(values.depth);
  if (!Number.isInteger(window) || window < 1 || !Number.isInteger(depth) || depth < 1) throw new BenchError('--window and --depth: positive integers');
  const configs: Config[] = values.only === undefined ? ['delta', 'nodelta'] : values.only === 'delta' || values.only === 'nodelta' ? [values.only] : [];
  if (configs.length === 0) throw new BenchError(`--only ${values.only}: expected delta or nodelta`);
  if (values.backend !== 'node' && values.backend !== 'portable') throw new BenchError(`--backend ${values.backend}: expected node or portable`);
  if (!existsSync(runner)) throw new BenchError(`${runner} not found: run npm run build first`);
  checkGnuTime();

  const repo = resolve(values.repo);
  const work = mkdtempSync(join(tmpdir(), 'xtest-pack-bench-pw-'));
  const keep = values.keep;
  try {
    const env = cleanEnv(work);
    const gitDir = run('git', ['-C', repo, 'rev-parse', '--absolute-git-dir'], { env }).toString().trim();
    const commit = run('git', ['-C', repo, 'rev-parse', '--verify', `${values.rev}^{commit}`], { env }).toString().trim();
    const walk = values.snapshot ? ['--no-walk'] : [];
    log(`git rev-list --objects ${walk.join(' ')} ${values.rev} in ${repo}`);
    const listText = run('git', ['-C', repo, 'rev-list', '--objects', ...walk, values.rev], { env });
    const list = join(work, 'objects.list');
    writeFileSync(list, listText);
    const objects = listText.toString('latin1').split('\n').filter((l) => l !== '').length;
    log(`${objects} objects`);

    // Warm the page cache with the repository's packs.
    const packDir = join(gitDir, 'objects', 'pack');
    for (const f of readdirSync(packDir)) if (f.endsWith('.pack') || f.endsWith('.idx')) readFileSync(join(packDir, f));

    // git runs in a scratch repository that borrows the objects (info/alternates): it reads the
    // same packs, and its temporary files (objects/pack/tmp_pack_*) never land in the input.
    const scratch = join(work, 'git.git');
    run('git', ['init', '-q', '--bare', scratch], { env });
    writeFileSync(join(scratch, 'objects', 'info', 'alternates'), `${join(gitDir, 'objects')}\n`);

    const outRoot = join(work, 'out');
    mkdirSync(outRoot);
    const list_ = tools(repo, scratch, list, configs, window, depth, values.backend);
    const results = new Map<string, RunResult[]>(list_.map((t) => [t.key, []]));
    const loadBefore = loadavg();
    log(`load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
    for (let r = 0; r < runs; r++) {
      for (let k = 0; k < list_.length; k++) {
        const tool = list_[(k + r) % list_.length]!;
        const dir = join(outRoot, `${tool.key}-${r + 1}`);
        mkdirSync(dir);
        log(`run ${r + 1}/${runs}: ${tool.label}`);
        const fd = tool.xtest ? undefined : openSync(list, 'r');
        let m;
        try {
          m = measure(tool.label, tool.cmd, tool.args(dir), { cwd: work, env, timeFile: join(work, 'time.txt'), stdin: fd ?? 'ignore' });
        } finally {
          if (fd !== undefined) closeSync(fd);
        }
        const res: RunResult = { wallSeconds: m.wallSeconds, cpuSeconds: m.cpuSeconds, rssBytes: m.rssBytes, pack: '' };
        if (tool.xtest) {
          const j = JSON.parse(m.stdout.toString()) as { packPath: string; deltas: number; seconds: NonNullable<RunResult['phases']> };
          res.pack = j.packPath;
          res.phases = j.seconds;
          res.deltas = j.deltas;
        } else {
          res.pack = join(dir, `p-${m.stdout.toString().trim()}.pack`);
        }
        if (!existsSync(res.pack)) throw new BenchError(`${tool.label}: no pack at ${res.pack}`);
        log(`  ${m.wallSeconds.toFixed(2)} s wall, ${m.cpuSeconds.toFixed(2)} s cpu, ${fmtMiB(m.rssBytes)} MiB, ${statSync(res.pack).size} bytes`);
        results.get(tool.key)!.push(res);
      }
    }
    const loadAfter = loadavg();

    log('counting objects and deltas with git verify-pack -s; checking xtest-pack packs with git index-pack --strict');
    const summary = (key: string): RunResult[] => results.get(key)!;
    const out: ToolResult[] = list_.map((t) => {
      const ms = summary(t.key);
      const first = ms[0]!;
      const wallSeconds = median(ms.map((m) => m.wallSeconds));
      const res: ToolResult = {
        key: t.key,
        label: t.label,
        config: t.config,
        runs: ms.map((m) => ({ wallSeconds: m.wallSeconds, cpuSeconds: m.cpuSeconds, rssBytes: m.rssBytes })),
        wallSeconds,
        cpuSeconds: median(ms.map((m) => m.cpuSeconds)),
        rssBytes: Math.max(...ms.map((m) => m.rssBytes)),
        packBytes: statSync(first.pack).size,
        samePackEveryRun: ms.every((m) => m.pack.replace(/.*\//, '') === first.pack.replace(/.*\//, '')),
        count: countPack(first.pack, env, work),
        wallVsGitThreads1: NaN,
        wallVsGitDefault: NaN,
        sizeVsGitThreads1: NaN,
        sizeVsGitDefault: NaN,
      };
      if (t.xtest) {
        res.phases = {
          startup: median(ms.map((m) => m.phases!.startup)),
          open: median(ms.map((m) => m.phases!.open)),
          scan: median(ms.map((m) => m.phases!.scan)),
          write: median(ms.map((m) => m.phases!.write)),
        };
        res.writerDeltas = first.deltas!;
        res.strictCheck = strictCheck(first.pack, work, env, values.snapshot ? join(gitDir, 'objects') : undefined);
        if (res.count.objects !== new Set(listText.toString('latin1').split('\n').filter((l) => l !== '').map((l) => l.slice(0, l.indexOf(' ') < 0 ? l.length : l.indexOf(' ')))).size) {
          res.strictCheck.ok = false;
          res.strictCheck.error = `the pack holds ${res.count.objects} objects, the list ${objects}`;
        }
      }
      return res;
    });
    for (const r of out) {
      const t1 = out.find((x) => x.key === `git-t1-${r.config}`)!;
      const td = out.find((x) => x.key === `git-${r.config}`)!;
      r.wallVsGitThreads1 = r.wallSeconds / t1.wallSeconds;
      r.wallVsGitDefault = r.wallSeconds / td.wallSeconds;
      r.sizeVsGitThreads1 = r.packBytes / t1.packBytes;
      r.sizeVsGitDefault = r.packBytes / td.packBytes;
      if (r.key.startsWith('xtest-')) {
        const other = out.find((x) => x.key.startsWith('xtest-') && x.config === r.config && x.key !== r.key);
        r.samePackAsOtherThreads = other === undefined || summary(other.key)[0]!.pack.replace(/.*\//, '') === summary(r.key)[0]!.pack.replace(/.*\//, '');
      }
      if (r.key === `xtest-${r.config}`) {
        r.goals = { wallWithinGitDefault: r.wallVsGitDefault <= 1 };
        if (r.config === 'delta') r.goals.sizeWithinGitDefault = r.sizeVsGitDefault <= 1;
      }
    }

    const report: Report = {
      repo,
      rev: values.rev,
      snapshot: values.snapshot,
      commit,
      objects,
      runs,
      window,
      depth,
      backend: values.backend,
      results: out,
      machine: machine(loadBefore, defaultCli),
    };
    report.machine.loadAverageAfter = loadAfter;

    if (values.profile) {
      report.profiles = [];
      for (const t of list_.filter((x) => x.xtest)) {
        const dir = join(work, `profile-${t.key}`);
        mkdirSync(dir);
        log(`profiling: ${t.label}`);
        run(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...t.args(dir)], { env, cwd: work });
        const prof = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
        if (!prof) throw new BenchError(`no .cpuprofile in ${dir}`);
        report.profiles.push({ config: t.config, label: t.label, ...topSelfTime(join(dir, prof), 20) });
      }
    }
    if (keep) report.keptIn = work;
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else printTable(report);
    const ok = out.every((r) => !r.strictCheck || (r.strictCheck.ok && r.strictCheck.idxIdenticalToGit && r.samePackAsOtherThreads === true));
    return ok ? 0 : 1;
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
